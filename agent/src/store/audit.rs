//! The audit log: every operator action, append-only and hash-chained, so that changing,
//! removing or reordering an entry is detectable.
//!
//! Each entry's hash is `SHA-256(prev_hash || canonical JSON of [seq, at_ms, actor, action,
//! subject, detail])`; the first entry's `prev_hash` is 32 zero bytes. SQLite triggers refuse
//! UPDATE and DELETE; the chain catches edits made around them (another tool, a raw file edit).
//!
//! Contract: [`verify`] names the first entry that breaks the chain.

use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde_json::{Value, json};

/// One audit entry before it is chained.
#[derive(Clone, Debug, PartialEq)]
pub struct AuditEntry {
    /// When (Unix ms).
    pub at_ms: i64,
    /// Operator or technician id, or `system`.
    pub actor: String,
    /// What was done, e.g. `session.start`, `face.approve`, `finalize`.
    pub action: String,
    /// What it was done to (a session id, a packet id, a device).
    pub subject: String,
    /// Details as JSON.
    pub detail: Value,
}

impl AuditEntry {
    /// An entry.
    pub fn new(at_ms: i64, actor: &str, action: &str, subject: &str, detail: Value) -> Self {
        AuditEntry {
            at_ms,
            actor: actor.into(),
            action: action.into(),
            subject: subject.into(),
            detail,
        }
    }
}

/// A break in the chain.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuditError {
    /// An entry's stored hash does not match its content.
    #[error("audit entry {seq} was altered: its hash does not match its content")]
    Altered {
        /// Sequence number.
        seq: i64,
    },
    /// An entry does not link to the one before it.
    #[error(
        "audit entry {seq} does not follow entry {expected_prev}: entries were removed or reordered"
    )]
    Broken {
        /// Sequence number.
        seq: i64,
        /// The sequence number it should follow.
        expected_prev: i64,
    },
    /// Stored data is not readable.
    #[error("audit entry {seq} is unreadable: {reason}")]
    Unreadable {
        /// Sequence number.
        seq: i64,
        /// Why.
        reason: String,
    },
}

fn entry_hash(prev: &[u8], seq: i64, e: &AuditEntry) -> Vec<u8> {
    let body = json!([seq, e.at_ms, e.actor, e.action, e.subject, e.detail]).to_string();
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    ctx.update(prev);
    ctx.update(body.as_bytes());
    ctx.finish().as_ref().to_vec()
}

/// Appends an entry inside the caller's transaction.
pub fn append(tx: &Transaction<'_>, e: &AuditEntry) -> rusqlite::Result<()> {
    let last: Option<(i64, Vec<u8>)> = tx
        .query_row(
            "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (seq, prev) = match last {
        Some((s, h)) => (s + 1, h),
        None => (1, vec![0u8; 32]),
    };
    let hash = entry_hash(&prev, seq, e);
    tx.execute(
        "INSERT INTO audit (seq, at_ms, actor, action, subject, detail, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![seq, e.at_ms, e.actor, e.action, e.subject, e.detail.to_string(), prev, hash],
    )?;
    Ok(())
}

/// Walks the chain from the first entry; returns the number of entries.
pub fn verify(conn: &Connection) -> Result<u64, AuditError> {
    let unreadable = |seq: i64, e: &dyn std::fmt::Display| AuditError::Unreadable {
        seq,
        reason: e.to_string(),
    };
    let mut stmt = conn
        .prepare("SELECT seq, at_ms, actor, action, subject, detail, prev_hash, hash FROM audit ORDER BY seq")
        .map_err(|e| unreadable(0, &e))?;
    let mut rows = stmt.query([]).map_err(|e| unreadable(0, &e))?;
    let mut prev = vec![0u8; 32];
    let mut expected_seq = 1i64;
    let mut n = 0u64;
    while let Some(row) = rows.next().map_err(|e| unreadable(expected_seq, &e))? {
        let seq: i64 = row.get(0).map_err(|e| unreadable(expected_seq, &e))?;
        let read = |i: usize| -> Result<String, AuditError> {
            row.get(i).map_err(|e| unreadable(seq, &e))
        };
        let detail: Value = serde_json::from_str(&read(5)?).map_err(|e| unreadable(seq, &e))?;
        let entry = AuditEntry {
            at_ms: row.get(1).map_err(|e| unreadable(seq, &e))?,
            actor: read(2)?,
            action: read(3)?,
            subject: read(4)?,
            detail,
        };
        let stored_prev: Vec<u8> = row.get(6).map_err(|e| unreadable(seq, &e))?;
        let stored_hash: Vec<u8> = row.get(7).map_err(|e| unreadable(seq, &e))?;
        if seq != expected_seq || stored_prev != prev {
            return Err(AuditError::Broken {
                seq,
                expected_prev: expected_seq - 1,
            });
        }
        if entry_hash(&prev, seq, &entry) != stored_hash {
            return Err(AuditError::Altered { seq });
        }
        prev = stored_hash;
        expected_seq += 1;
        n += 1;
    }
    Ok(n)
}
