//! The audit anchor: the head of the audit chain (the last entry's sequence number and hash) kept
//! in a file beside the database, `<database file name>.audit-head` (e.g. `agent.db.audit-head`),
//! so that a database that lost entries (a deleted `-wal` file, an older copy put back, rows
//! removed with another tool) is told apart from one that merely has more entries than the file.
//!
//! Contract: the file is replaced atomically (temporary file, fsync, rename, fsync of the
//! directory) only after the entries it names are committed, and never moved backwards by this
//! process, so after a crash it may lag the database by the last entries but is never ahead of
//! what was durably committed. [`check`] accepts a database that reaches the anchored entry with
//! the anchored hash; a database that ends before it, or holds another entry there, is named as
//! truncated or rewritten.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
#[cfg(unix)]
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use super::audit::{self, AuditError};

/// The head of the audit chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Head {
    /// Sequence number of the last entry; 0 for an empty log.
    pub seq: u64,
    /// Its hash; 32 zero bytes for an empty log.
    pub hash: [u8; 32],
}

impl Head {
    /// The head of an empty log.
    pub const EMPTY: Head = Head {
        seq: 0,
        hash: [0; 32],
    };

    /// The hash as lowercase hex.
    pub fn hash_hex(&self) -> String {
        hex::encode(self.hash)
    }

    /// The form carried in a packet's capture context.
    pub fn to_protocol(self) -> rekam_protocol::model::AuditHead {
        rekam_protocol::model::AuditHead {
            seq: self.seq,
            hash: self.hash_hex(),
        }
    }
}

/// What the anchor file holds (one JSON line).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct AnchorFile {
    format: String,
    seq: u64,
    hash: String,
}

const FORMAT: &str = "rekam-audit-head-v1";

/// How the database stands against its anchor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AnchorState {
    /// No anchor is kept (an in-memory store).
    NotKept,
    /// The anchor file does not exist yet (a new store, or one from before anchors were written):
    /// nothing to check against; it is written at the next audit entry.
    Missing(PathBuf),
    /// The database holds the anchored entry; `ahead` more entries were committed after it (a
    /// crash between the commit and the anchor's update leaves 1).
    Holds {
        /// The anchor file.
        path: PathBuf,
        /// The anchored head.
        anchored: Head,
        /// Entries in the database after the anchored one.
        ahead: u64,
    },
}

/// The anchor of one database file.
#[derive(Debug)]
pub struct Anchor {
    path: PathBuf,
    /// The head this process last wrote or checked, so it never writes an older one.
    last: Option<Head>,
}

impl Anchor {
    /// The anchor kept beside the database at `db`.
    pub fn beside(db: &Path) -> Anchor {
        let mut name = db
            .file_name()
            .map(|n| n.to_os_string())
            .unwrap_or_else(|| "agent.db".into());
        name.push(".audit-head");
        Anchor {
            path: db.with_file_name(name),
            last: None,
        }
    }

    /// The anchor file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads the anchored head; `None` when the file does not exist.
    pub fn read(&self) -> Result<Option<Head>, AuditError> {
        let unreadable = |reason: String| AuditError::AnchorUnreadable {
            anchor: self.path.display().to_string(),
            reason,
        };
        let text = match fs::read_to_string(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(unreadable(e.to_string())),
        };
        let f: AnchorFile =
            serde_json::from_str(text.trim()).map_err(|e| unreadable(e.to_string()))?;
        if f.format != FORMAT {
            return Err(unreadable(format!(
                "format {:?} is not {FORMAT:?}",
                f.format
            )));
        }
        let mut hash = [0u8; 32];
        hex::decode_to_slice(&f.hash, &mut hash)
            .map_err(|_| unreadable("the hash is not 64 hex digits".into()))?;
        Ok(Some(Head { seq: f.seq, hash }))
    }

    /// Compares the database with the anchor, without walking the whole chain (see
    /// [`audit::verify`] for that).
    pub fn check(&self, conn: &Connection) -> Result<AnchorState, AuditError> {
        let Some(anchored) = self.read()? else {
            return Ok(AnchorState::Missing(self.path.clone()));
        };
        let unreadable = |e: rusqlite::Error| AuditError::Unreadable {
            seq: anchored.seq as i64,
            reason: e.to_string(),
        };
        let db = audit::head(conn).map_err(unreadable)?;
        if db.seq < anchored.seq {
            return Err(AuditError::Truncated {
                anchor: self.path.display().to_string(),
                anchored_seq: anchored.seq,
                anchored_hash: anchored.hash_hex(),
                last_seq: db.seq,
            });
        }
        let stored = if anchored.seq == 0 {
            Some(Head::EMPTY.hash.to_vec())
        } else {
            audit::hash_at(conn, anchored.seq).map_err(unreadable)?
        };
        if stored.as_deref() != Some(&anchored.hash[..]) {
            return Err(AuditError::Rewritten {
                anchor: self.path.display().to_string(),
                seq: anchored.seq,
                anchored_hash: anchored.hash_hex(),
                stored_hash: stored.map(hex::encode).unwrap_or_else(|| "none".into()),
            });
        }
        Ok(AnchorState::Holds {
            path: self.path.clone(),
            anchored,
            ahead: db.seq - anchored.seq,
        })
    }

    /// Brings the anchor up to the database's head after a commit. The first call in a process
    /// checks the file against the database and refuses to replace an anchor the database does
    /// not hold (that is truncation, for [`check`](Anchor::check) to name); later calls only move
    /// it forwards.
    pub fn advance(&mut self, conn: &Connection) -> Result<(), AuditError> {
        let head = audit::head(conn).map_err(|e| AuditError::Unreadable {
            seq: 0,
            reason: e.to_string(),
        })?;
        match self.last {
            Some(last) if last.seq >= head.seq => return Ok(()),
            Some(_) => {}
            None => {
                if let AnchorState::Holds { ahead: 0, .. } = self.check(conn)? {
                    self.last = Some(head);
                    return Ok(());
                }
            }
        }
        self.write(&head)?;
        self.last = Some(head);
        Ok(())
    }

    /// Replaces the file with `head`: temporary file, fsync, rename, fsync of the directory.
    fn write(&self, head: &Head) -> Result<(), AuditError> {
        let fail = |what: &str, e: std::io::Error| AuditError::AnchorUnwritable {
            anchor: self.path.display().to_string(),
            reason: format!("{what}: {e}"),
        };
        let dir = self
            .path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let mut nonce = [0u8; 8];
        ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut nonce).map_err(
            |_| {
                fail(
                    "randomness",
                    std::io::Error::other("the random number generator failed"),
                )
            },
        )?;
        let tmp = self.path.with_file_name(format!(
            ".{}.{}.tmp",
            self.path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            hex::encode(nonce)
        ));
        let body = serde_json::to_string(&AnchorFile {
            format: FORMAT.into(),
            seq: head.seq,
            hash: head.hash_hex(),
        })
        .map_err(|e| fail("encoding", std::io::Error::other(e)))?;
        let result = (|| {
            let mut opts = OpenOptions::new();
            opts.write(true).create_new(true);
            #[cfg(unix)]
            opts.mode(0o600);
            let mut f = opts.open(&tmp).map_err(|e| fail("create", e))?;
            f.write_all(format!("{body}\n").as_bytes())
                .map_err(|e| fail("write", e))?;
            f.sync_all().map_err(|e| fail("sync", e))?;
            fs::rename(&tmp, &self.path).map_err(|e| fail("rename", e))
        })();
        if result.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        result?;
        // The rename is durable only once the directory is.
        if let Ok(d) = File::open(dir) {
            d.sync_all().map_err(|e| fail("sync the directory", e))?;
        }
        Ok(())
    }
}
