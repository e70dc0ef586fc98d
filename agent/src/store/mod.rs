//! The durable store: one SQLite database (WAL, synchronous FULL) holding sessions in progress,
//! the outbox of sealed packets, and the append-only, hash-chained audit log.
//!
//! Contract: every method is one transaction, so a crash at any point leaves either the state
//! before or the state after, never a half-finalized enrollment. Finalizing writes the packet to
//! the outbox, marks the session final and appends the audit entry together. Times come in as
//! arguments.

pub mod audit;
pub mod outbox;
pub mod retention;
pub mod transfer;

use std::path::Path;

use rusqlite::{Connection, OptionalExtension, params};

use rekam_protocol::model::Blob;

use crate::workflow::Session;

pub use audit::{AuditEntry, AuditError};
pub use outbox::{Delivery, OutboxItem, OutboxState, OutboxStatus};

/// Errors from the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite failed.
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A stored session could not be read back.
    #[error("session {id}: stored state is unreadable: {reason}")]
    CorruptSession {
        /// Session id.
        id: String,
        /// Why.
        reason: String,
    },
    /// The database was written by a newer rekam.
    #[error("database schema version {0} is newer than this rekam understands ({SCHEMA_VERSION})")]
    NewerSchema(i64),
    /// An operation on something that does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The audit chain is broken.
    #[error(transparent)]
    Audit(#[from] AuditError),
}

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = 2;

const SCHEMA: &str = "
CREATE TABLE blobs (
    digest TEXT PRIMARY KEY,
    bytes BLOB NOT NULL
);
CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    stage TEXT NOT NULL,
    state TEXT NOT NULL,
    updated_ms INTEGER NOT NULL
);
CREATE TABLE outbox (
    packet_id TEXT PRIMARY KEY,
    enrollment_id TEXT NOT NULL UNIQUE,
    bytes BLOB NOT NULL,
    created_ms INTEGER NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_ms INTEGER NOT NULL,
    last_error TEXT,
    receipt BLOB
);
CREATE TABLE audit (
    seq INTEGER PRIMARY KEY,
    at_ms INTEGER NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    detail TEXT NOT NULL,
    prev_hash BLOB NOT NULL,
    hash BLOB NOT NULL
);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
";

/// The agent's database.
/// What became of one delivery attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Settlement {
    /// Receipted by the registry.
    Delivered {
        /// The signed receipt as received.
        receipt: Vec<u8>,
        /// When (Unix ms).
        at_ms: i64,
    },
    /// Refused for good, by a rejection the registry signed.
    Rejected {
        /// The registry's reason.
        reason: String,
        /// The signed rejection as received.
        rejection: Vec<u8>,
    },
    /// To be sent again.
    Retry {
        /// What went wrong.
        error: String,
        /// When to try again.
        next_attempt_ms: i64,
    },
}

/// A session as stored: its JSON (images as metadata only) and the SHA-256 of each image's
/// bytes, in [`Session::images_mut`] order; the bytes live in `blobs`, once per content.
#[derive(serde::Serialize, serde::Deserialize)]
struct StoredSession {
    session: Session,
    images: Vec<String>,
}

fn write_session(
    tx: &rusqlite::Transaction<'_>,
    session: &Session,
    now_ms: i64,
) -> Result<(), StoreError> {
    let mut copy = session.clone();
    let mut digests = Vec::new();
    for img in copy.images_mut() {
        let bytes = img.data.bytes();
        let digest = hex::encode(ring::digest::digest(&ring::digest::SHA256, bytes));
        tx.execute(
            "INSERT OR IGNORE INTO blobs (digest, bytes) VALUES (?1, ?2)",
            params![digest, bytes],
        )?;
        digests.push(digest);
    }
    let state = serde_json::to_string(&StoredSession {
        session: copy,
        images: digests,
    })
    .map_err(|e| StoreError::CorruptSession {
        id: session.id.to_string(),
        reason: e.to_string(),
    })?;
    tx.execute(
        "INSERT INTO sessions (id, stage, state, updated_ms) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(id) DO UPDATE SET stage = excluded.stage, state = excluded.state, updated_ms = excluded.updated_ms",
        params![session.id.to_string(), format!("{:?}", session.stage()), state, now_ms],
    )?;
    Ok(())
}

pub struct Store {
    conn: Connection,
}

impl Store {
    /// Opens (creating if needed) the database at `path`.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        Self::init(Connection::open(path)?)
    }

    /// An in-memory database, for tests and dry runs.
    pub fn in_memory() -> Result<Store, StoreError> {
        Self::init(Connection::open_in_memory()?)
    }

    fn init(conn: Connection) -> Result<Store, StoreError> {
        // WAL keeps readers off the writer's back; FULL makes every commit durable on power loss.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if version > SCHEMA_VERSION {
            return Err(StoreError::NewerSchema(version));
        }
        if version == 0 {
            let tx = conn.unchecked_transaction()?;
            tx.execute_batch(SCHEMA)?;
            tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
            tx.commit()?;
        } else if version == 1 {
            // Version 1 kept no image bytes with sessions; its open sessions cannot be resumed
            // (loading them reports so) but its outbox and audit log carry over unchanged.
            let tx = conn.unchecked_transaction()?;
            tx.execute_batch("CREATE TABLE blobs (digest TEXT PRIMARY KEY, bytes BLOB NOT NULL);")?;
            tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
            tx.commit()?;
        }
        outbox::migrate(&conn)?;
        Ok(Store { conn })
    }

    /// Saves a session (metadata and image bytes) as it is now.
    pub fn save_session(&mut self, session: &Session, now_ms: i64) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        write_session(&tx, session, now_ms)?;
        tx.commit()?;
        Ok(())
    }

    /// Loads a session with its images, if it exists.
    pub fn load_session(&self, id: &str) -> Result<Option<Session>, StoreError> {
        let state: Option<String> = self
            .conn
            .query_row("SELECT state FROM sessions WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()?;
        let Some(state) = state else {
            return Ok(None);
        };
        let corrupt = |reason: String| StoreError::CorruptSession {
            id: id.to_string(),
            reason,
        };
        let stored: StoredSession =
            serde_json::from_str(&state).map_err(|e| corrupt(e.to_string()))?;
        let mut session = stored.session;
        let mut images = session.images_mut();
        if images.len() != stored.images.len() {
            return Err(corrupt(format!(
                "{} images recorded, {} in the session",
                stored.images.len(),
                images.len()
            )));
        }
        for (img, digest) in images.iter_mut().zip(&stored.images) {
            let bytes: Option<Vec<u8>> = self
                .conn
                .query_row("SELECT bytes FROM blobs WHERE digest = ?1", [digest], |r| {
                    r.get(0)
                })
                .optional()?;
            let bytes = bytes.ok_or_else(|| corrupt(format!("image {digest} is missing")))?;
            if hex::encode(ring::digest::digest(&ring::digest::SHA256, &bytes)) != *digest {
                return Err(corrupt(format!("image {digest} does not match its digest")));
            }
            img.data = Blob::new(bytes);
        }
        drop(images);
        Ok(Some(session))
    }

    /// Ids of sessions not yet finalized, oldest first.
    pub fn open_sessions(&self) -> Result<Vec<String>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT id FROM sessions WHERE stage != 'Finalized' ORDER BY id")?;
        let ids = stmt
            .query_map([], |r| r.get(0))?
            .collect::<Result<Vec<String>, _>>()?;
        Ok(ids)
    }

    /// Finalizes atomically: the sealed packet enters the outbox, the session is stored final, and
    /// the audit entry is appended, all in one transaction. Finalizing the same enrollment again
    /// is refused by the outbox's unique enrollment id, so a retried finalize cannot queue twice.
    pub fn finalize(
        &mut self,
        session: &Session,
        packet_id: &str,
        sealed: &[u8],
        actor: &str,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        outbox::insert(&tx, packet_id, &session.id.to_string(), sealed, now_ms)?;
        write_session(&tx, session, now_ms)?;
        audit::append(
            &tx,
            &AuditEntry::new(
                now_ms,
                actor,
                "finalize",
                &session.id.to_string(),
                serde_json::json!({ "packet_id": packet_id }),
            ),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Queues a packet carried in from another workstation; false when it (or its enrollment) is
    /// already known.
    pub fn queue_imported(
        &mut self,
        packet_id: &str,
        enrollment_id: &str,
        sealed: &[u8],
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let tx = self.conn.transaction()?;
        let known: bool = tx.query_row(
            "SELECT EXISTS(SELECT 1 FROM outbox WHERE packet_id = ?1 OR enrollment_id = ?2)",
            params![packet_id, enrollment_id],
            |r| r.get(0),
        )?;
        if known {
            return Ok(false);
        }
        outbox::insert(&tx, packet_id, enrollment_id, sealed, now_ms)?;
        audit::append(
            &tx,
            &AuditEntry::new(
                now_ms,
                "system",
                "outbox.import",
                enrollment_id,
                serde_json::json!({ "packet_id": packet_id }),
            ),
        )?;
        tx.commit()?;
        Ok(true)
    }

    /// Saves a session step and its audit entry in one transaction: either both are durable or
    /// neither is.
    pub fn record_step(
        &mut self,
        session: &Session,
        actor: &str,
        action: &str,
        detail: serde_json::Value,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        write_session(&tx, session, now_ms)?;
        audit::append(
            &tx,
            &AuditEntry::new(now_ms, actor, action, &session.id.to_string(), detail),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Records the outcomes of a batch of delivery attempts in one transaction (one disk sync for
    /// the batch instead of one per packet).
    pub fn settle(&mut self, outcomes: &[(String, Settlement)]) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        {
            let o = outbox::Outbox { conn: &tx };
            for (id, s) in outcomes {
                match s {
                    Settlement::Delivered { receipt, at_ms } => o.delivered(id, receipt, *at_ms)?,
                    Settlement::Rejected { reason, rejection } => {
                        o.rejected(id, reason, rejection)?
                    }
                    Settlement::Retry {
                        error,
                        next_attempt_ms,
                    } => o.failed(id, error, *next_attempt_ms)?,
                }
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Every session id with its stage, newest first.
    pub fn list_sessions(&self) -> Result<Vec<(String, String)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, stage FROM sessions ORDER BY id DESC")?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<Vec<(String, String)>, _>>()?;
        Ok(rows)
    }

    /// Appends one audit entry.
    pub fn audit(&mut self, entry: &AuditEntry) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        audit::append(&tx, entry)?;
        tx.commit()?;
        Ok(())
    }

    /// Checks the whole audit chain; returns the number of entries.
    pub fn verify_audit(&self) -> Result<u64, StoreError> {
        Ok(audit::verify(&self.conn)?)
    }

    /// The outbox.
    pub fn outbox(&self) -> outbox::Outbox<'_> {
        outbox::Outbox { conn: &self.conn }
    }

    /// The underlying connection, for diagnostics and for tests that tamper with the file the way
    /// another tool could.
    pub fn raw_connection(&self) -> &Connection {
        &self.conn
    }
}
