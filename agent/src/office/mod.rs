//! The office's card work: blank-card stock, printing print orders onto blanks, and (in their
//! own modules) fetching orders, reporting printed cards and pickup.
//!
//! Contract: the store ([`crate::store::cards`]) holds every state; these modules drive devices
//! and the registry around it, each step durable before the next device action.

pub mod figures;
pub mod orders;
pub mod pickup;
pub mod print_job;
pub mod printing;
pub mod registry_media;
pub mod reports;
pub mod stock;
pub mod templates;
pub mod worklist;
