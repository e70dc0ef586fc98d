//! Who may read the data directory: only the agent's own user.
//!
//! Contract: [`create_private_dir`] makes a directory 0700 (tightening an existing one);
//! [`refuse_readable`] fails, naming the file and the `chmod 600` that fixes it, when an existing
//! secret (a private key, the storage key, the database and its `-wal`/`-shm`) can
//! be read by the group or by others. On non-Unix systems modes are not checked. (API tokens are
//! per operator, random and stored hashed: see [`crate::store::operator_tokens`].)

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::config::Config;
use crate::serve::DB_FILE;
use crate::store::{StorageKey, Store};

/// The files of a configured agent that only its own user may read, with what each is.
pub fn secret_files(config: &Config) -> Vec<(PathBuf, &'static str)> {
    let data = &config.agent.data_dir;
    let db = data.join(DB_FILE);
    let side = |suffix: &str| {
        let mut s = db.as_os_str().to_owned();
        s.push(suffix);
        PathBuf::from(s)
    };
    let sim = data.join("sim-registry");
    vec![
        (
            config.path(&config.keys.workstation_key),
            "the workstation key",
        ),
        (config.path(&config.keys.storage_key), "the storage key"),
        (db.clone(), "the database"),
        (side("-wal"), "the database's write-ahead log"),
        (side("-shm"), "the database's shared-memory index"),
        (sim.join("registry.key"), "the simulated registry's key"),
        (
            sim.join("receipt.key"),
            "the simulated registry's receipt key",
        ),
    ]
}

/// Refuses to go on while any existing secret of `config` is readable by other users.
pub fn refuse_readable_secrets(config: &Config) -> Result<()> {
    for (path, what) in secret_files(config) {
        refuse_readable(&path, what)?;
    }
    Ok(())
}

/// Loads the storage key at `key`, or creates it when it does not exist yet, unless the database
/// at `db` already holds data sealed under a key: then the key was lost, and a new one would not
/// open that data.
pub fn load_or_create_storage_key(key: &Path, db: &Path) -> Result<StorageKey> {
    if key.exists() {
        return StorageKey::load(key);
    }
    if db.exists() && Store::open(db)?.needs_storage_key()? {
        bail!(
            "the storage key {} is missing, but {} holds sessions sealed under it: restore the key file from the workstation's key backup. Without it the sessions in progress cannot be read; to give them up, export the outbox (rekam outbox export --db {}) and start a new data directory",
            key.display(),
            db.display(),
            db.display()
        );
    }
    StorageKey::create(key)
}

/// Creates `dir` (and its parents) if needed and makes it 0700.
pub fn create_private_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta =
            std::fs::metadata(dir).with_context(|| format!("cannot inspect {}", dir.display()))?;
        if meta.permissions().mode() & 0o777 != 0o700 {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).with_context(
                || format!("cannot make {} private (chmod 700 {0})", dir.display()),
            )?;
        }
    }
    Ok(())
}

/// Makes the folders directly inside the data directory (`keys/`, `sim-registry/`) 0700 too; links
/// are left alone (the data directory's own 0700 already keeps others out of what they point to
/// inside it).
pub fn tighten_subdirs(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let entries =
            std::fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))?;
        for e in entries.flatten() {
            let path = e.path();
            let Ok(meta) = std::fs::symlink_metadata(&path) else {
                continue;
            };
            if meta.is_dir() && meta.permissions().mode() & 0o777 != 0o700 {
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o700))
                    .with_context(|| {
                        format!("cannot make {} private (chmod 700 {0})", path.display())
                    })?;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Fails when `path` exists and its group or others may read or write it.
pub fn refuse_readable(path: &Path, what: &str) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e).with_context(|| format!("cannot inspect {}", path.display())),
        };
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            bail!(
                "{what} {} is open to other users (mode {mode:04o}); refusing to start. Fix it with: chmod 600 {}",
                path.display(),
                path.display()
            );
        }
    }
    #[cfg(not(unix))]
    let _ = (path, what);
    Ok(())
}

/// Makes an existing file 0600 (a database file before SQLite opens it, its `-wal`/`-shm` after).
pub fn tighten_file(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)?.permissions().mode() & 0o777;
        if mode != 0o600 {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}
