//! The audit log: every operator action, append-only and hash-chained, so that changing,
//! removing or reordering an entry is detectable.
//!
//! Each entry's hash is `SHA-256(prev_hash || canonical JSON of [seq, at_ms, actor, action,
//! subject, detail])`; the first entry's `prev_hash` is 32 zero bytes. SQLite triggers refuse
//! UPDATE and DELETE; the chain catches edits made around them (another tool, a raw file edit).
//!
//! Contract: [`verify`] names the first entry that breaks the chain. The chain alone cannot show
//! entries cut off its end; the anchor beside the database ([`super::anchor`]) does.

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
    /// The database ends before the entry its anchor names.
    #[error(
        "audit log truncated: the anchor {anchor} says entry {anchored_seq} (hash {anchored_hash}), \
         the database ends at {last_seq}; entries were lost (a deleted -wal file, an older copy of \
         the database) or removed. Keep these files for investigation; see README, \"Recovering a \
         damaged store\""
    )]
    Truncated {
        /// The anchor file.
        anchor: String,
        /// The anchored sequence number.
        anchored_seq: u64,
        /// The anchored hash, hex.
        anchored_hash: String,
        /// The database's last sequence number.
        last_seq: u64,
    },
    /// The database holds another entry where its anchor points.
    #[error(
        "audit log rewritten: the anchor {anchor} says entry {seq} has hash {anchored_hash}, the \
         database holds {stored_hash}. Keep these files for investigation; see README, \"Recovering \
         a damaged store\""
    )]
    Rewritten {
        /// The anchor file.
        anchor: String,
        /// The anchored sequence number.
        seq: u64,
        /// The anchored hash, hex.
        anchored_hash: String,
        /// The hash in the database, hex (or `none`).
        stored_hash: String,
    },
    /// The anchor file exists but cannot be read.
    #[error("the audit anchor {anchor} is unreadable: {reason}")]
    AnchorUnreadable {
        /// The anchor file.
        anchor: String,
        /// Why.
        reason: String,
    },
    /// The anchor file cannot be written.
    #[error("the audit anchor {anchor} cannot be written: {reason}")]
    AnchorUnwritable {
        /// The anchor file.
        anchor: String,
        /// Why.
        reason: String,
    },
}

/// The hash of entry `seq` with content `e` following `prev`.
pub fn entry_hash(prev: &[u8], seq: i64, e: &AuditEntry) -> Vec<u8> {
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

/// The head of the chain: the last entry's sequence number and hash (zeros for an empty log).
pub fn head(conn: &Connection) -> rusqlite::Result<super::anchor::Head> {
    let last: Option<(i64, Vec<u8>)> = conn
        .query_row(
            "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    Ok(match last {
        Some((seq, h)) => {
            let mut hash = [0u8; 32];
            // A hash of another length cannot match any anchor; verify names the entry.
            if h.len() == 32 {
                hash.copy_from_slice(&h);
            }
            super::anchor::Head {
                seq: seq.max(0) as u64,
                hash,
            }
        }
        None => super::anchor::Head::EMPTY,
    })
}

/// The stored hash of entry `seq`, if there is one.
pub fn hash_at(conn: &Connection, seq: u64) -> rusqlite::Result<Option<Vec<u8>>> {
    conn.query_row(
        "SELECT hash FROM audit WHERE seq = ?1",
        [i64::try_from(seq).unwrap_or(i64::MAX)],
        |r| r.get(0),
    )
    .optional()
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
