//! Matching worklist entries to enrollments finalized on this workstation.
//!
//! Contract: matching itself runs inside the store's finalize transaction
//! ([`crate::store::worklist`]): an open entry with the enrollment's NIK is matched at once; open
//! entries with the same folded name ([`super::names::key`]), date of birth and desa (and
//! kecamatan) become pending candidates. Only an operator turns a candidate into a match
//! ([`confirm_match`]) or sets it aside ([`reject_match`]); both are audited with the operator as
//! actor, and a confirmed candidate's NIK is written onto an entry that had none.

use crate::store::worklist::Candidate;
use crate::store::{Store, StoreError};

/// Candidates waiting for an operator, oldest first.
pub fn pending(store: &Store) -> Result<Vec<Candidate>, StoreError> {
    store.worklist_candidates()
}

/// The operator `by` confirms that enrollment `enrollment_id` recorded the resident of entry
/// `entry_id`: the entry becomes matched. Refused when that pair is not a pending candidate or
/// the entry is no longer open.
pub fn confirm_match(
    store: &mut Store,
    entry_id: i64,
    enrollment_id: &str,
    by: &str,
    now_ms: i64,
) -> Result<(), StoreError> {
    store.decide_match(entry_id, enrollment_id, true, by, now_ms)
}

/// The operator `by` says enrollment `enrollment_id` is someone else: the candidate is set aside
/// and the entry stays open.
pub fn reject_match(
    store: &mut Store,
    entry_id: i64,
    enrollment_id: &str,
    by: &str,
    now_ms: i64,
) -> Result<(), StoreError> {
    store.decide_match(entry_id, enrollment_id, false, by, now_ms)
}
