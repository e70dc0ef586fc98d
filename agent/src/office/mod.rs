//! The office's work after recording: card printing, blank-card stock and pickup.
//!
//! Contract: each submodule states its own; this module only groups them.

pub mod print_job;
