//! By-name-by-address worklists: the office's lists of residents who must still record, imported
//! from the files offices keep, matched against the enrollments finalized here, and closed with
//! an outcome by an operator.
//!
//! Contract: the store ([`crate::store::worklist`]) holds every state and audits every change;
//! these modules read files ([`read`], [`regions`]), check and import rows ([`import`]), fold
//! names for matching ([`names`]), let an operator decide candidates ([`matching`]) and export
//! outcomes ([`export`]).

pub mod export;
pub mod import;
pub mod matching;
pub mod names;
pub mod read;
pub mod regions;
