//! A thin stand-in for the pickup service calls of the contract (h-pickup's `pickup_find`,
//! `pickup_verify`, `pickup_approve`), so the pickup pages can be written before those land.
//!
//! Contract: the names and shapes are exactly the contract's; every call refuses with a
//! [`ServiceError::Rejected`] until the real calls are merged, when this file is deleted and the
//! pages import from `crate::office`.

use crate::service::{Agent, ServiceError};
use crate::store::{PickupRecord, StoredOrder};

/// What pickup found.
#[derive(Clone, Debug)]
pub struct PickupCandidate {
    /// The order.
    pub order: StoredOrder,
    /// Its photo.
    pub photo_jpeg: Vec<u8>,
    /// Attempts so far.
    pub attempts: Vec<PickupRecord>,
}

/// The verdict of a pickup.
#[derive(Clone, Debug)]
pub enum PickupVerdict {
    /// Matched.
    HandedOver {
        /// Finger.
        finger: u8,
        /// Score.
        score: f64,
    },
    /// Did not match.
    Refused {
        /// Finger.
        finger: u8,
        /// Score.
        score: f64,
    },
    /// No usable print.
    Unreadable {
        /// Why.
        reason: String,
    },
    /// Supervisor approved.
    Approved {
        /// Who.
        supervisor: String,
    },
}

fn not_yet() -> ServiceError {
    ServiceError::Rejected("card issuance is not merged yet".into())
}

/// Finds the order of a NIK or slip QR text.
pub async fn find(_agent: &Agent, _query: &str) -> Result<PickupCandidate, ServiceError> {
    Err(not_yet())
}

/// Takes a chip finger and verifies it.
pub async fn verify(
    _agent: &Agent,
    _order_id: &str,
    _operator: &str,
) -> Result<PickupVerdict, ServiceError> {
    Err(not_yet())
}

/// A supervisor's approval for unreadable fingers.
pub async fn approve(
    _agent: &Agent,
    _order_id: &str,
    _supervisor: &str,
    _password: &str,
    _operator: &str,
    _note: &str,
) -> Result<PickupVerdict, ServiceError> {
    Err(not_yet())
}
