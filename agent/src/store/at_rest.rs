//! At-rest housekeeping of the store: the database file's mode, the version-3 tables, what an
//! older rekam left in plaintext, and scrubbing deleted bytes out of the files.
//!
//! Contract: [`prepare_file`] creates the database 0600 before SQLite opens it (SQLite gives
//! `-wal`/`-shm` the database's mode) and [`tighten_sidecars`] makes them 0600 after; [`after_open`]
//! deletes images no open session references, checks the storage key against the value sealed
//! under the first key the database saw, seals legacy plaintext (finalized sessions lose their
//! biometrics first) and, when anything was deleted or sealed, rebuilds the file (`VACUUM`) and
//! truncates the WAL so no stale copy stays readable in free space.

use std::path::Path;

use rusqlite::{Connection, OptionalExtension, params};

use super::{SealAtRest, SealError, StoreError, StoredSession};

/// Tables added in version 3 (also part of a new database): which blobs each open session
/// references (so unreferenced ones are deleted), and facts about the store (the storage key
/// check). `sealed` columns mark values sealed under the storage key; 0 is legacy plaintext.
pub(super) const SCHEMA_3: &str = "
CREATE TABLE session_images (
    session_id TEXT NOT NULL,
    digest TEXT NOT NULL,
    PRIMARY KEY (session_id, digest)
);
CREATE INDEX session_images_digest ON session_images (digest);
CREATE TABLE meta (
    name TEXT PRIMARY KEY,
    value BLOB NOT NULL
);
";

/// Version 2 to 3: the `sealed` markers and the version-3 tables.
pub(super) const MIGRATE_2_TO_3: &str = "
ALTER TABLE blobs ADD COLUMN sealed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN sealed INTEGER NOT NULL DEFAULT 0;
";

/// The `meta` row holding a value sealed under the storage key, to tell a wrong key at open.
const KEY_CHECK: &str = "storage_key_check";

/// The `meta` row saying the file still needs rebuilding ([`scrub`]).
const SCRUB_PENDING: &str = "scrub_pending";

/// Associated data binding a sealed blob to the digest of its plaintext (its row's key).
pub(super) fn blob_aad(digest: &str) -> Vec<u8> {
    format!("rekam blob {digest}").into_bytes()
}

/// Associated data binding a sealed session state to the session's id.
pub(super) fn session_aad(id: &str) -> Vec<u8> {
    format!("rekam session {id}").into_bytes()
}

/// Deletes image blobs that no session in progress references; returns how many.
pub(super) fn purge_unreferenced(conn: &Connection) -> Result<usize, StoreError> {
    Ok(conn.execute(
        "DELETE FROM blobs WHERE digest NOT IN (SELECT digest FROM session_images)",
        [],
    )?)
}

/// Version 2 to 3: records which blobs each session in progress references (finalized sessions
/// reference none, so their images are purged). A session whose state cannot be read keeps
/// every blob, since which ones it needs cannot be known.
pub(super) fn index_legacy_sessions(tx: &rusqlite::Transaction<'_>) -> Result<(), StoreError> {
    let rows: Vec<(String, String)> = tx
        .prepare("SELECT id, state FROM sessions WHERE stage != 'Finalized'")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    for (id, state) in rows {
        let images = serde_json::from_str::<serde_json::Value>(&state)
            .ok()
            .and_then(|v| {
                v.get("images")?
                    .as_array()?
                    .iter()
                    .map(|d| d.as_str().map(str::to_string))
                    .collect::<Option<Vec<String>>>()
            });
        match images {
            Some(digests) => {
                for d in digests {
                    tx.execute(
                        "INSERT OR IGNORE INTO session_images (session_id, digest) VALUES (?1, ?2)",
                        params![id, d],
                    )?;
                }
            }
            None => {
                tx.execute(
                    "INSERT OR IGNORE INTO session_images (session_id, digest) SELECT ?1, digest FROM blobs",
                    [&id],
                )?;
            }
        }
    }
    Ok(())
}

/// Housekeeping when a store opens (see the module contract).
pub(super) fn after_open(
    conn: &mut Connection,
    seal: Option<&dyn SealAtRest>,
) -> Result<(), StoreError> {
    // Images of sessions finalized by an older rekam (or orphaned by a crash) go now.
    let mut changed = purge_unreferenced(conn)? > 0;
    if let Some(seal) = seal {
        check_key(conn, seal)?;
        changed |= seal_legacy(conn, seal)?;
    }
    changed |= conn.query_row(
        "SELECT EXISTS(SELECT 1 FROM meta WHERE name = ?1)",
        [SCRUB_PENDING],
        |r| r.get::<_, bool>(0),
    )?;
    if changed {
        scrub(conn);
    }
    Ok(())
}

/// Whether anything in the database is sealed under a storage key.
pub(super) fn needs_storage_key(conn: &Connection) -> Result<bool, StoreError> {
    Ok(conn.query_row(
        "SELECT EXISTS(SELECT 1 FROM meta WHERE name = ?1)
             OR EXISTS(SELECT 1 FROM sessions WHERE sealed = 1)
             OR EXISTS(SELECT 1 FROM blobs WHERE sealed = 1)",
        [KEY_CHECK],
        |r| r.get(0),
    )?)
}

/// Creates the database file 0600 if it is missing, or makes an existing one 0600.
pub(super) fn prepare_file(path: &Path) -> Result<(), StoreError> {
    let mut create = std::fs::OpenOptions::new();
    create.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut create, 0o600);
    match create.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            crate::data_dir::tighten_file(path).map_err(file_error(path))
        }
        Err(e) => Err(file_error(path)(e)),
    }
}

/// Makes the database's `-wal` and `-shm` 0600 (left by an older rekam, or by another tool).
pub(super) fn tighten_sidecars(path: &Path) -> Result<(), StoreError> {
    for suffix in ["-wal", "-shm"] {
        let p = sidecar(path, suffix);
        match crate::data_dir::tighten_file(&p) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(file_error(&p)(e)),
            _ => {}
        }
    }
    Ok(())
}

fn file_error(p: &Path) -> impl FnOnce(std::io::Error) -> StoreError {
    let path = p.display().to_string();
    move |source| StoreError::File { path, source }
}

/// `path` with `suffix` appended to its file name (`agent.db` -> `agent.db-wal`).
fn sidecar(path: &Path, suffix: &str) -> std::path::PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    s.into()
}

/// Verifies the storage key against the check value sealed under the first key this
/// database saw, or records it.
fn check_key(conn: &Connection, seal: &dyn SealAtRest) -> Result<(), StoreError> {
    let check: Option<Vec<u8>> = conn
        .query_row("SELECT value FROM meta WHERE name = ?1", [KEY_CHECK], |r| {
            r.get(0)
        })
        .optional()?;
    match check {
        Some(c) => match seal.open(KEY_CHECK.as_bytes(), &c, "the storage key check") {
            Ok(_) => Ok(()),
            Err(SealError::WrongKey { key, .. }) => Err(StoreError::WrongStorageKey { key }),
            Err(e) => Err(e.into()),
        },
        None => {
            conn.execute(
                "INSERT INTO meta (name, value) VALUES (?1, ?2)",
                params![KEY_CHECK, seal.seal(KEY_CHECK.as_bytes(), b"rekam")?],
            )?;
            Ok(())
        }
    }
}

/// Seals what an older rekam left in plaintext (finalized sessions lose their biometrics
/// first); true when anything changed.
fn seal_legacy(conn: &mut Connection, seal: &dyn SealAtRest) -> Result<bool, StoreError> {
    let tx = conn.transaction()?;
    let sessions: Vec<(String, String, String)> = tx
        .prepare("SELECT id, stage, state FROM sessions WHERE sealed = 0")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    let mut changed = !sessions.is_empty();
    for (id, stage, state) in sessions {
        let mut plain = state.into_bytes();
        if stage == "Finalized"
            && let Ok(mut stored) = serde_json::from_slice::<StoredSession>(&plain)
        {
            stored.session.forget_biometrics();
            stored.images.clear();
            stored.purged = true;
            if let Ok(p) = serde_json::to_vec(&stored) {
                plain = p;
            }
        }
        tx.execute(
            "UPDATE sessions SET state = ?2, sealed = 1 WHERE id = ?1",
            params![id, seal.seal(&session_aad(&id), &plain)?],
        )?;
    }
    let digests: Vec<String> = tx
        .prepare("SELECT digest FROM blobs WHERE sealed = 0")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    changed |= !digests.is_empty();
    for d in digests {
        let bytes: Vec<u8> =
            tx.query_row("SELECT bytes FROM blobs WHERE digest = ?1", [&d], |r| {
                r.get(0)
            })?;
        tx.execute(
            "UPDATE blobs SET bytes = ?2, sealed = 1 WHERE digest = ?1",
            params![d, seal.seal(&blob_aad(&d), &bytes)?],
        )?;
    }
    tx.commit()?;
    Ok(changed)
}

/// Rebuilds the file after deleting or sealing what an older rekam wrote: it wrote without
/// `secure_delete`, so pages can still hold stale copies of deleted or replaced plaintext in
/// their unused space. `VACUUM` leaves only live (sealed) rows. When it cannot run (a full
/// disk) a marker makes the next open try again.
fn scrub(conn: &Connection) {
    let _ = conn.execute(
        "INSERT OR REPLACE INTO meta (name, value) VALUES (?1, x'01')",
        [SCRUB_PENDING],
    );
    match conn.execute_batch("VACUUM") {
        Ok(()) => {
            let _ = conn.execute("DELETE FROM meta WHERE name = ?1", [SCRUB_PENDING]);
        }
        Err(e) => tracing::warn!(
            error = %e,
            "could not rebuild the database after sealing it; stale plaintext may remain in its free space until a later start succeeds"
        ),
    }
    checkpoint(conn);
}

/// Moves the WAL's pages into the database and truncates it, so pages that held deleted
/// images do not stay readable in the WAL. Best effort: a reader holding the WAL (another
/// process) makes it a no-op until the next time.
pub(super) fn checkpoint(conn: &Connection) {
    let _ = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
}
