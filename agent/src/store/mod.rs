//! The durable store: one SQLite database (WAL, synchronous FULL) holding sessions in progress,
//! the outbox of sealed packets, and the append-only, hash-chained audit log.
//!
//! Contract: every method is one transaction, so a crash at any point leaves either the state
//! before or the state after, never a half-finalized enrollment. Finalizing writes the packet to
//! the outbox, marks the session final and appends the audit entry together. Times come in as
//! arguments. A store opened from a file keeps the head of its audit chain in a file beside it
//! ([`anchor`]), and its failures name the file and what to do ([`check`]).
//!
//! At rest: the database file and its `-wal`/`-shm` are 0600; sessions in progress (their state,
//! with demographics and minutiae, and their image blobs) are sealed under the workstation
//! storage key ([`sealing`]); a session's images are deleted in the transaction that finalizes it
//! (the sealed packet is what remains), freed pages are zeroed (`secure_delete`) and the WAL is
//! checkpointed and truncated after finalizing, so deleted biometrics do not linger in the files.
//! A store opened without a key ([`Store::open`]) serves the outbox and the audit log only.

pub mod anchor;
mod at_rest;
pub mod audit;
pub mod cards;
pub mod check;
pub mod figures;
pub mod operator_finger;
pub mod operator_tokens;
mod operators;
pub mod outbox;
pub mod period;
pub mod retention;
pub mod salvage;
pub mod sealing;
pub mod transfer;
pub mod visits;
pub mod worklist;

use std::path::Path;
use std::sync::Arc;

use rusqlite::{Connection, OptionalExtension, params};

use rekam_protocol::model::Blob;

use crate::workflow::Session;

pub use audit::{AuditEntry, AuditError};
pub use cards::{
    BlankState, OrderState, PickupOutcome, PickupRecord, ReportSettlement, StoredOrder,
};
pub use operators::Credentials;
pub use outbox::{Delivery, OutboxItem, OutboxState, OutboxStatus};
pub use sealing::{SealAtRest, SealError, StorageKey};

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
    /// An operation refused for a reason the caller can fix (a duplicate id, a weak password).
    #[error("{0}")]
    Refused(String),
    /// The audit chain is broken.
    #[error(transparent)]
    Audit(#[from] AuditError),
    /// Sessions are sealed at rest and this store was opened without the storage key.
    #[error(
        "sessions in progress are encrypted at rest, and this database was opened without the workstation storage key"
    )]
    NoStorageKey,
    /// The storage key given is not the one this database was sealed under.
    #[error(
        "the storage key {key} is not the key this database's sessions were sealed under; restore the right key file, or export the outbox (rekam outbox export) and start a new data directory"
    )]
    WrongStorageKey {
        /// Where the key came from.
        key: String,
    },
    /// Sealing or opening a value failed.
    #[error(transparent)]
    Seal(#[from] SealError),
    /// The database file could not be prepared (created or made private).
    #[error("{path}: {source}")]
    File {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The database file is damaged (see [`check`]).
    #[error(
        "the database {path} is damaged ({detail}); rekam will not use it. Recover what is \
         readable: stop rekam, run `rekam store salvage --db {path} --to DIR`, move {path} and its \
         -wal, -shm and .audit-head files aside, run `rekam outbox import --db {path} DIR/pending`, \
         then start rekam again (README: \"Recovering a damaged store\")"
    )]
    Damaged {
        /// The database file.
        path: String,
        /// What SQLite found.
        detail: String,
    },
    /// The disk is full; the transaction was rolled back.
    #[error(
        "the disk holding {path} is full (or the file reached a size or quota limit): free space, then retry; nothing was recorded"
    )]
    Full {
        /// The database file.
        path: String,
    },
    /// The database or its directory cannot be written.
    #[error(
        "{what} is not writable ({detail}): mount it read-write or fix its permissions, or set \
         agent.data_dir to a writable directory; nothing was recorded"
    )]
    NotWritable {
        /// `the data directory X` or `the database file X`.
        what: String,
        /// The system's reason.
        detail: String,
    },
    /// The database cannot be opened or written for another reason.
    #[error("the database {path} cannot be used: {detail}")]
    Unusable {
        /// The database file.
        path: String,
        /// SQLite's reason.
        detail: String,
    },
}

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = 7;

const SCHEMA: &str = "
CREATE TABLE blobs (
    digest TEXT PRIMARY KEY,
    bytes BLOB NOT NULL,
    sealed INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    stage TEXT NOT NULL,
    state TEXT NOT NULL,
    updated_ms INTEGER NOT NULL,
    sealed INTEGER NOT NULL DEFAULT 0
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
    /// Finalized: the images were deleted (and `images` is empty).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    purged: bool,
}

/// Writes `session` sealed under `seal`; with `purged` (finalizing) without its biometrics, and
/// its images are deleted unless another open session shares them.
fn write_session(
    tx: &rusqlite::Transaction<'_>,
    seal: Option<&dyn SealAtRest>,
    session: &Session,
    now_ms: i64,
    purged: bool,
) -> Result<(), StoreError> {
    let seal = seal.ok_or(StoreError::NoStorageKey)?;
    let id = session.id.to_string();
    let mut copy = session.clone();
    let mut digests = Vec::new();
    if purged {
        copy.forget_biometrics();
    } else {
        for img in copy.images_mut() {
            let bytes = img.data.bytes();
            let digest = hex::encode(ring::digest::digest(&ring::digest::SHA256, bytes));
            let sealed: Option<bool> = tx
                .query_row(
                    "SELECT sealed FROM blobs WHERE digest = ?1",
                    [&digest],
                    |r| r.get(0),
                )
                .optional()?;
            if sealed != Some(true) {
                tx.execute(
                    "INSERT INTO blobs (digest, bytes, sealed) VALUES (?1, ?2, 1)
                     ON CONFLICT(digest) DO UPDATE SET bytes = excluded.bytes, sealed = 1",
                    params![digest, seal.seal(&at_rest::blob_aad(&digest), bytes)?],
                )?;
            }
            digests.push(digest);
        }
    }
    let state = serde_json::to_vec(&StoredSession {
        session: copy,
        images: digests.clone(),
        purged,
    })
    .map_err(|e| StoreError::CorruptSession {
        id: id.clone(),
        reason: e.to_string(),
    })?;
    tx.execute(
        "INSERT INTO sessions (id, stage, state, updated_ms, sealed) VALUES (?1, ?2, ?3, ?4, 1)
         ON CONFLICT(id) DO UPDATE SET stage = excluded.stage, state = excluded.state, updated_ms = excluded.updated_ms, sealed = 1",
        params![id, format!("{:?}", session.stage()), seal.seal(&at_rest::session_aad(&id), &state)?, now_ms],
    )?;
    tx.execute("DELETE FROM session_images WHERE session_id = ?1", [&id])?;
    for d in &digests {
        tx.execute(
            "INSERT OR IGNORE INTO session_images (session_id, digest) VALUES (?1, ?2)",
            params![id, d],
        )?;
    }
    // Retaken images and, on finalizing, the session's own: nothing open refers to them.
    at_rest::purge_unreferenced(tx)?;
    Ok(())
}

/// The agent's database.
pub struct Store {
    conn: Connection,
    seal: Option<Arc<dyn SealAtRest>>,
    /// The audit anchor beside the database file; none in memory.
    anchor: Option<anchor::Anchor>,
}

impl Store {
    /// Opens (creating if needed) the database at `path` without the storage key: the outbox and
    /// the audit log work; sessions in progress cannot be read or written
    /// ([`StoreError::NoStorageKey`]). For the CLI's outbox and audit commands. The audit anchor
    /// beside the file is attached; failures name the path and what to do ([`check::explain`]).
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        Self::open_file(path, None)
    }

    /// Opens (creating if needed) the database at `path` with the storage key that seals its
    /// sessions; fails with [`StoreError::WrongStorageKey`] when the database was sealed under
    /// another key. Plaintext left by an older rekam is sealed now.
    pub fn open_with_key(path: &Path, key: Arc<dyn SealAtRest>) -> Result<Store, StoreError> {
        Self::open_file(path, Some(key))
    }

    /// An in-memory database under an ephemeral storage key, for tests and dry runs.
    pub fn in_memory() -> Result<Store, StoreError> {
        Self::init(
            Connection::open_in_memory()?,
            Some(Arc::new(StorageKey::ephemeral()?)),
        )
    }

    fn open_file(path: &Path, seal: Option<Arc<dyn SealAtRest>>) -> Result<Store, StoreError> {
        let existing = std::fs::metadata(path).is_ok_and(|m| m.len() > 0);
        let mut store = at_rest::prepare_file(path)
            .and_then(|()| Connection::open(path).map_err(StoreError::from))
            .and_then(|conn| {
                // Opening writes (migrations, the storage-key check, sealing older plaintext): a
                // damaged file is refused before anything is written into it.
                if existing {
                    let problems = check::sqlite_check(&conn, false)?;
                    if !problems.is_empty() {
                        return Err(StoreError::Damaged {
                            path: path.display().to_string(),
                            detail: format!("quick_check: {}", problems.join("; ")),
                        });
                    }
                }
                Self::init(conn, seal)
            })
            .map_err(|e| check::explain(path, e))?;
        at_rest::tighten_sidecars(path)?;
        store.anchor = Some(anchor::Anchor::beside(path));
        Ok(store)
    }

    fn init(mut conn: Connection, seal: Option<Arc<dyn SealAtRest>>) -> Result<Store, StoreError> {
        // WAL keeps readers off the writer's back; FULL makes every commit durable on power loss.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // Deleted images and replaced plaintext are overwritten with zeros, not left in free pages.
        conn.pragma_update(None, "secure_delete", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if version > SCHEMA_VERSION {
            return Err(StoreError::NewerSchema(version));
        }
        if version < SCHEMA_VERSION {
            let tx = conn.unchecked_transaction()?;
            if version == 0 {
                tx.execute_batch(SCHEMA)?;
                tx.execute_batch(at_rest::SCHEMA_3)?;
            } else if version < 3 {
                if version == 1 {
                    // Version 1 kept no image bytes with sessions; its open sessions cannot be
                    // resumed (loading them reports so) but its outbox and audit log carry over.
                    tx.execute_batch(
                        "CREATE TABLE blobs (digest TEXT PRIMARY KEY, bytes BLOB NOT NULL);",
                    )?;
                }
                tx.execute_batch(at_rest::MIGRATE_2_TO_3)?;
                tx.execute_batch(at_rest::SCHEMA_3)?;
                at_rest::index_legacy_sessions(&tx)?;
            }
            if version < 4 {
                // Version 4: operator accounts.
                tx.execute_batch(operators::SCHEMA_4)?;
                tx.execute_batch(operator_tokens::SCHEMA)?;
            }
            // Version 5: card issuance (print orders, blank cards, reports, pickups).
            tx.execute_batch(cards::SCHEMA_5)?;
            // Version 6: worklists (regions, imports, entries, match candidates).
            tx.execute_batch(worklist::SCHEMA_6)?;
            // Version 7: mobile-unit visits and first-time voters.
            tx.execute_batch(visits::SCHEMA_7)?;
            tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
            tx.commit()?;
        }
        outbox::migrate(&conn)?;
        // Part of version 4 (operators' finger templates); created here so early v4 files get it.
        conn.execute_batch(operator_finger::SCHEMA)?;
        at_rest::after_open(&mut conn, seal.as_deref())?;
        Ok(Store {
            conn,
            seal,
            anchor: None,
        })
    }

    /// Whether anything in this database is sealed under a storage key (so opening it needs the
    /// key that sealed it).
    pub fn needs_storage_key(&self) -> Result<bool, StoreError> {
        at_rest::needs_storage_key(&self.conn)
    }

    /// Saves a session (metadata and image bytes) as it is now.
    pub fn save_session(&mut self, session: &Session, now_ms: i64) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        write_session(&tx, self.seal.as_deref(), session, now_ms, false)?;
        tx.commit()?;
        Ok(())
    }

    /// Loads a session with its images, if it exists. A finalized session comes back without
    /// image bytes (they were deleted when it was sealed; its metadata and summary remain).
    pub fn load_session(&self, id: &str) -> Result<Option<Session>, StoreError> {
        let row: Option<(rusqlite::types::Value, bool)> = self
            .conn
            .query_row(
                "SELECT state, sealed FROM sessions WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((state, sealed)) = row else {
            return Ok(None);
        };
        let corrupt = |reason: String| StoreError::CorruptSession {
            id: id.to_string(),
            reason,
        };
        let state = match state {
            rusqlite::types::Value::Text(t) => t.into_bytes(),
            rusqlite::types::Value::Blob(b) => b,
            other => return Err(corrupt(format!("state is {:?}", other.data_type()))),
        };
        let state = if sealed {
            let seal = self.seal.as_deref().ok_or(StoreError::NoStorageKey)?;
            seal.open(&at_rest::session_aad(id), &state, &format!("session {id}"))
                .map_err(|e| self.altered(e))?
        } else {
            state
        };
        let stored: StoredSession =
            serde_json::from_slice(&state).map_err(|e| corrupt(e.to_string()))?;
        let mut session = stored.session;
        if stored.purged || session.stage() == crate::workflow::Stage::Finalized {
            return Ok(Some(session));
        }
        let mut images = session.images_mut();
        if images.len() != stored.images.len() {
            return Err(corrupt(format!(
                "{} images recorded, {} in the session",
                stored.images.len(),
                images.len()
            )));
        }
        for (img, digest) in images.iter_mut().zip(&stored.images) {
            let row: Option<(Vec<u8>, bool)> = self
                .conn
                .query_row(
                    "SELECT bytes, sealed FROM blobs WHERE digest = ?1",
                    [digest],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            let (bytes, sealed) =
                row.ok_or_else(|| corrupt(format!("image {digest} is missing")))?;
            let bytes = if sealed {
                let seal = self.seal.as_deref().ok_or(StoreError::NoStorageKey)?;
                seal.open(
                    &at_rest::blob_aad(digest),
                    &bytes,
                    &format!("image {digest} of session {id}"),
                )
                .map_err(|e| self.altered(e))?
            } else {
                bytes
            };
            if hex::encode(ring::digest::digest(&ring::digest::SHA256, &bytes)) != *digest {
                return Err(corrupt(format!("image {digest} does not match its digest")));
            }
            img.data = Blob::new(bytes);
        }
        drop(images);
        Ok(Some(session))
    }

    /// A sealed value that no longer opens. The key was checked when the store was opened, so
    /// the value was altered: the file is damaged.
    fn altered(&self, e: SealError) -> StoreError {
        match e {
            SealError::WrongKey { .. } => StoreError::Damaged {
                path: self.path().unwrap_or_default().display().to_string(),
                detail: e.to_string(),
            },
            other => StoreError::Seal(other),
        }
    }

    /// Ids of sessions still being recorded (neither finalized nor abandoned), oldest first.
    pub fn open_sessions(&self) -> Result<Vec<String>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT id FROM sessions WHERE stage NOT IN ('Finalized', 'Abandoned') ORDER BY id",
        )?;
        let ids = stmt
            .query_map([], |r| r.get(0))?
            .collect::<Result<Vec<String>, _>>()?;
        Ok(ids)
    }

    /// Finalizes atomically: the sealed packet enters the outbox, the session is stored final
    /// without its biometrics (its images are deleted), and the audit entry is appended, all in
    /// one transaction. Finalizing the same enrollment again
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
        // So print orders for this enrollment can be checked against the resident recorded.
        cards::insert_enrollment_nik(
            &tx,
            &session.id.to_string(),
            &session.applicant.nik.to_string(),
        )?;
        write_session(&tx, self.seal.as_deref(), session, now_ms, true)?;
        // The resident's worklist entry, if any, is matched (or proposed) with the enrollment.
        worklist::match_enrollment(
            &tx,
            &session.id.to_string(),
            &session.applicant,
            actor,
            now_ms,
        )?;
        // The visit the enrollment was finalized during, and whether it is a first-time voter.
        visits::on_finalize(
            &tx,
            &session.id.to_string(),
            session.context.visit.as_deref(),
            session.first_time_voter(),
            now_ms,
        )?;
        audit::append(
            &tx,
            &AuditEntry::new(
                now_ms,
                actor,
                "finalize",
                &session.id.to_string(),
                period::finalize_detail(session, packet_id),
            ),
        )?;
        tx.commit()?;
        at_rest::checkpoint(&self.conn);
        self.advance_anchor();
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
        self.advance_anchor();
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
        write_session(&tx, self.seal.as_deref(), session, now_ms, false)?;
        audit::append(
            &tx,
            &AuditEntry::new(now_ms, actor, action, &session.id.to_string(), detail),
        )?;
        tx.commit()?;
        self.advance_anchor();
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
        self.advance_anchor();
        Ok(())
    }

    /// Checks the whole audit chain and, when the store keeps one, that the database still holds
    /// the entry its anchor names; returns the number of entries.
    pub fn verify_audit(&self) -> Result<u64, StoreError> {
        let n = audit::verify(&self.conn)?;
        self.anchor_state()?;
        Ok(n)
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
