//! Whether a NIK was already enrolled on this workstation: a finalized enrollment whose
//! `session.start` audit entry names the NIK.
//!
//! Contract: read-only; looks only at the audit log, which outlives the sessions and packets
//! that retention purges, so an enrollment delivered months ago is still found.

use rusqlite::OptionalExtension;

use crate::service::{Agent, ServiceError};
use crate::store::StoreError;

/// A previous enrollment of the same NIK.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Previous {
    /// Its enrollment id.
    pub id: String,
    /// When it was finalized (milliseconds since the epoch).
    pub finalized_ms: i64,
}

/// The latest finalized enrollment of `nik` on this workstation.
pub async fn enrolled_before(agent: &Agent, nik: &str) -> Result<Option<Previous>, ServiceError> {
    let nik = nik.to_string();
    agent
        .with_store(move |s| {
            s.raw_connection()
                .query_row(
                    "SELECT s.subject, f.at_ms FROM audit s \
                     JOIN audit f ON f.subject = s.subject AND f.action = 'finalize' \
                     WHERE s.action = 'session.start' AND json_extract(s.detail, '$.nik') = ?1 \
                     ORDER BY f.at_ms DESC LIMIT 1",
                    [&nik],
                    |r| {
                        Ok(Previous {
                            id: r.get(0)?,
                            finalized_ms: r.get(1)?,
                        })
                    },
                )
                .optional()
                .map_err(|e| ServiceError::Store(StoreError::from(e)))
        })
        .await
}
