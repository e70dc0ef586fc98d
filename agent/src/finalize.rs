//! Finalizing a reviewed session: build the enrollment, seal it, and make it durable in the outbox
//! in one transaction.
//!
//! Contract: on success the packet is in the outbox and the session is final; on any error
//! neither happened (the session in the store is untouched), so finalizing can simply be retried.

use rekam_protocol::packet::{self, PacketId};
use rekam_protocol::{RegistryPublicKey, Timestamp, WorkstationSigningKey};
use ring::rand::SecureRandom;

use crate::store::{Store, StoreError};
use crate::workflow::{Session, WorkflowError};

/// Why finalizing failed.
#[derive(Debug, thiserror::Error)]
pub enum FinalizeError {
    /// The session is not complete or not valid.
    #[error(transparent)]
    Workflow(#[from] WorkflowError),
    /// Sealing failed.
    #[error(transparent)]
    Packet(#[from] packet::PacketError),
    /// The store failed; nothing was written.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The packet is larger than the registry accepts.
    #[error(
        "the sealed packet is {size} bytes, over the registry's limit of {limit} bytes; retake the largest images at a lower size"
    )]
    TooLarge {
        /// Packet size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// No randomness.
    #[error("the random number generator failed")]
    Random,
}

/// Finalizes `session` (in stage Review) at `now`, refusing packets over `max_packet_bytes`.
#[allow(clippy::too_many_arguments)]
pub fn finalize(
    store: &mut Store,
    session: &Session,
    key: &WorkstationSigningKey,
    registry: &RegistryPublicKey,
    max_packet_bytes: usize,
    actor: &str,
    now: Timestamp,
    rng: &dyn SecureRandom,
) -> Result<PacketId, FinalizeError> {
    // Work on a copy so a failure leaves the caller's session as it was.
    let mut done = session.clone();
    // An enrollment finalized while a mobile-unit visit is open carries it (and is linked to it
    // by the store in the same transaction as the outbox entry).
    done.context.visit = store.open_visit_now()?.map(|v| v.packet_id());
    let mut enrollment = done.finalize(now)?;
    // The head before this finalize's own entry: the receipt will vouch for it.
    enrollment.context.audit_head = Some(store.audit_head()?.to_protocol());
    let mut ikm = [0u8; 32];
    rng.fill(&mut ikm).map_err(|_| FinalizeError::Random)?;
    let sealed = packet::seal(&mut enrollment, key, registry, ikm, rng)?;
    if sealed.bytes.len() > max_packet_bytes {
        return Err(FinalizeError::TooLarge {
            size: sealed.bytes.len(),
            limit: max_packet_bytes,
        });
    }
    store.finalize(
        &done,
        &sealed.id.to_string(),
        &sealed.bytes,
        actor,
        now.unix_ms(),
    )?;
    Ok(sealed.id)
}
