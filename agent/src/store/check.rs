//! Noticing a store that cannot be trusted or written: SQLite's checks of the file, and SQLite's
//! failures translated into what an operator can act on (the path, what is wrong, what to do).
//!
//! Contract: [`explain`] turns a failure that means damage (`SQLITE_CORRUPT`, `SQLITE_NOTADB`), a
//! full disk (`SQLITE_FULL`, `ENOSPC`) or an unwritable place (`SQLITE_READONLY`,
//! `SQLITE_CANTOPEN`, shared-memory failures, `EROFS`, `EACCES`, `ENOTDIR`) into
//! [`StoreError::Damaged`], [`StoreError::Full`] or [`StoreError::NotWritable`] naming the file;
//! any other error passes through unchanged. [`Store::check_for_serving`] is what `rekam serve`
//! runs before it serves: `PRAGMA quick_check` and the audit anchor.

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, ErrorCode, ffi};

use super::anchor::{AnchorState, Head};
use super::{Store, StoreError, audit};

/// What a failure says about the store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trouble {
    /// The file is damaged.
    Damaged,
    /// The disk is full.
    Full,
    /// The file or its directory cannot be written (or the file cannot be opened).
    NotWritable,
}

/// Classifies a SQLite failure.
pub fn trouble(e: &rusqlite::Error) -> Option<Trouble> {
    let rusqlite::Error::SqliteFailure(f, _) = e else {
        return None;
    };
    match f.code {
        ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase => Some(Trouble::Damaged),
        ErrorCode::DiskFull => Some(Trouble::Full),
        ErrorCode::ReadOnly | ErrorCode::CannotOpen | ErrorCode::PermissionDenied => {
            Some(Trouble::NotWritable)
        }
        ErrorCode::SystemIoFailure
            if matches!(
                f.extended_code,
                ffi::SQLITE_IOERR_SHMOPEN
                    | ffi::SQLITE_IOERR_SHMMAP
                    | ffi::SQLITE_IOERR_SHMSIZE
                    | ffi::SQLITE_IOERR_SHMLOCK
            ) =>
        {
            Some(Trouble::NotWritable)
        }
        // A write the system refused that is not ENOSPC: a file-size limit (EFBIG) or quota.
        ErrorCode::SystemIoFailure
            if matches!(
                f.extended_code,
                ffi::SQLITE_IOERR_WRITE | ffi::SQLITE_IOERR_TRUNCATE
            ) =>
        {
            Some(Trouble::Full)
        }
        _ => None,
    }
}

fn shown(path: &Path) -> String {
    if path.as_os_str().is_empty() {
        "the in-memory database".into()
    } else {
        path.display().to_string()
    }
}

/// Tries to create a file in `dir`; the error says why the directory cannot be written.
fn probe_dir(dir: &Path) -> Option<std::io::Error> {
    match std::fs::metadata(dir) {
        Err(e) => return Some(e),
        Ok(m) if !m.is_dir() => {
            return Some(std::io::Error::new(
                std::io::ErrorKind::NotADirectory,
                "it is not a directory",
            ));
        }
        Ok(_) => {}
    }
    let mut nonce = [0u8; 8];
    let _ = ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut nonce);
    let probe = dir.join(format!(".rekam-write-test-{}", hex::encode(nonce)));
    match OpenOptions::new().write(true).create_new(true).open(&probe) {
        Ok(_) => {
            let _ = std::fs::remove_file(&probe);
            None
        }
        Err(e) => Some(e),
    }
}

/// Why the database at `db` cannot be written, found by trying: its directory, then the file.
fn why_not_writable(db: &Path) -> Option<(String, std::io::Error)> {
    let dir = db
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if let Some(e) = probe_dir(dir) {
        return Some((format!("the data directory {}", dir.display()), e));
    }
    if db.exists()
        && let Err(e) = OpenOptions::new().write(true).open(db)
    {
        return Some((format!("the database file {}", db.display()), e));
    }
    None
}

/// Turns a store failure at `path` into one naming the path and what to do (see the module).
pub fn explain(path: &Path, e: StoreError) -> StoreError {
    let full = || StoreError::Full { path: shown(path) };
    // Preparing the file (creating it 0600, tightening its mode) fails before SQLite is involved.
    if let StoreError::File { source, .. } = &e {
        if source.kind() == std::io::ErrorKind::StorageFull {
            return full();
        }
        return match why_not_writable(path) {
            Some((_, io)) if io.kind() == std::io::ErrorKind::StorageFull => full(),
            Some((what, io)) => StoreError::NotWritable {
                what,
                detail: io.to_string(),
            },
            None => e,
        };
    }
    let StoreError::Sqlite(inner) = &e else {
        return e;
    };
    match trouble(inner) {
        Some(Trouble::Damaged) => StoreError::Damaged {
            path: shown(path),
            detail: inner.to_string(),
        },
        Some(Trouble::Full) => full(),
        Some(Trouble::NotWritable) if !path.as_os_str().is_empty() => {
            match why_not_writable(path) {
                Some((_, io)) if io.kind() == std::io::ErrorKind::StorageFull => full(),
                Some((what, io)) => StoreError::NotWritable {
                    what,
                    detail: io.to_string(),
                },
                None => StoreError::Unusable {
                    path: shown(path),
                    detail: inner.to_string(),
                },
            }
        }
        _ => e,
    }
}

/// Runs `PRAGMA quick_check` (or, when `thorough`, `PRAGMA integrity_check`, which also compares
/// every index with its table); returns the problems found, none when the file is sound. A check
/// that cannot even read the file reports that as the problem.
pub fn sqlite_check(conn: &Connection, thorough: bool) -> Result<Vec<String>, StoreError> {
    let pragma = if thorough {
        "integrity_check"
    } else {
        "quick_check"
    };
    let run = || -> rusqlite::Result<Vec<String>> {
        let mut stmt = conn.prepare(&format!("PRAGMA {pragma}(20)"))?;
        let rows = stmt
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<String>>>()?;
        Ok(rows)
    };
    match run() {
        Ok(rows) if rows.len() == 1 && rows[0] == "ok" => Ok(Vec::new()),
        Ok(rows) => Ok(rows),
        Err(e) if trouble(&e) == Some(Trouble::Damaged) => Ok(vec![e.to_string()]),
        Err(e) => Err(e.into()),
    }
}

/// What `rekam serve` found before serving.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServeCheck {
    /// Where the anchor stands (written or brought up to date by the check).
    pub anchor: AnchorState,
}

impl Store {
    /// The database file, when the store has one.
    pub fn path(&self) -> Option<PathBuf> {
        self.conn
            .path()
            .filter(|p| !p.is_empty())
            .map(PathBuf::from)
    }

    /// [`explain`] for this store's file.
    pub fn explain(&self, e: StoreError) -> StoreError {
        explain(&self.path().unwrap_or_default(), e)
    }

    /// The checks before serving, after the `PRAGMA quick_check` opening ran (a damaged file is
    /// refused there, naming the recovery): the audit anchor (a database behind it is refused as
    /// truncated); then the
    /// anchor is brought up to the database's head. An anchor file missing beside a database that
    /// already has audit entries (deleted, or the data copied without it) cannot be checked
    /// against: that is recorded in the audit log itself (`audit.anchor_missing`, at `now_ms`), so
    /// the event travels in the chain head of the next packet and the registry's receipt.
    pub fn check_for_serving_at(&mut self, now_ms: i64) -> Result<ServeCheck, StoreError> {
        let check = self.check_for_serving()?;
        if let AnchorState::Missing(path) = &check.anchor {
            let head = audit::head(&self.conn)?;
            if head.seq > 0 {
                tracing::warn!(anchor = %path.display(), seq = head.seq, "the audit anchor is missing; starting a new one from the database's head");
                let tx = self.conn.transaction()?;
                audit::append(
                    &tx,
                    &audit::AuditEntry::new(
                        now_ms,
                        "system",
                        "audit.anchor_missing",
                        "audit",
                        serde_json::json!({
                            "anchor": path.display().to_string(),
                            "database_head_seq": head.seq,
                            "database_head_hash": hex::encode(head.hash),
                        }),
                    ),
                )?;
                tx.commit()?;
                self.advance_anchor();
            }
        }
        Ok(check)
    }

    /// [`Store::check_for_serving_at`] without recording a missing anchor.
    pub fn check_for_serving(&mut self) -> Result<ServeCheck, StoreError> {
        // A file's quick_check already ran when it was opened (`Store::open_file`), before any
        // write; an in-memory store has nothing on disk to be damaged.
        let anchor = self.anchor_state()?;
        if let Some(a) = &mut self.anchor {
            a.advance(&self.conn)?;
        }
        Ok(ServeCheck { anchor })
    }

    /// Where the database stands against its audit anchor (no chain walk).
    pub fn anchor_state(&self) -> Result<AnchorState, StoreError> {
        match &self.anchor {
            None => Ok(AnchorState::NotKept),
            Some(a) => Ok(a.check(&self.conn)?),
        }
    }

    /// The head of the audit chain now.
    pub fn audit_head(&self) -> Result<Head, StoreError> {
        Ok(audit::head(&self.conn)?)
    }

    /// Brings the anchor up to a commit just made. The commit stands whatever happens here: a
    /// failure is logged and the anchor lags (which the checks accept) until the next commit.
    pub(super) fn advance_anchor(&mut self) {
        if let Some(a) = &mut self.anchor
            && let Err(e) = a.advance(&self.conn)
        {
            tracing::error!(anchor = %a.path().display(), error = %e, "the audit anchor was not updated");
        }
    }

    /// Brings the anchor up to the database, for callers that commit through other paths; see
    /// [`Store::advance_anchor`].
    pub fn sync_anchor(&mut self) {
        self.advance_anchor();
    }
}
