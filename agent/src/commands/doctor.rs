//! `rekam doctor` and `rekam store salvage`: what state a store is in, and what can be saved from
//! a damaged one.
//!
//! Contract: `doctor` only reads. It reports the database (`PRAGMA integrity_check`, schema), the
//! audit chain, the audit anchor beside the database, the outbox and the modes of the files in
//! the data directory, one line each, and fails (exit 1) when any of them is a problem, naming it.
//! `salvage` copies what is readable out of a database (see [`crate::store::salvage`]).

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::config::Config;
use crate::files;
use crate::serve::DB_FILE;
use crate::store::anchor::AnchorState;
use crate::store::{Store, audit, check, salvage};

/// Options of `rekam doctor`.
pub struct DoctorArgs {
    /// `--config`: the daemon's configuration (its data directory holds the database).
    pub config: Option<PathBuf>,
    /// `--data-dir`: overrides the configuration's.
    pub data_dir: Option<PathBuf>,
    /// `--db`: the database itself.
    pub db: Option<PathBuf>,
}

/// The database and data directory the options name.
fn locate(args: &DoctorArgs) -> Result<(PathBuf, PathBuf)> {
    if let Some(db) = &args.db {
        let dir = db
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        return Ok((db.clone(), dir.to_path_buf()));
    }
    let dir = match (&args.data_dir, &args.config) {
        (Some(d), _) => d.clone(),
        (None, Some(c)) => {
            Config::from_toml(&files::read_text(c)?)
                .with_context(|| format!("{}", c.display()))?
                .agent
                .data_dir
        }
        (None, None) => {
            bail!("give --config FILE (as for rekam serve), --data-dir DIR or --db FILE")
        }
    };
    Ok((dir.join(DB_FILE), dir))
}

struct Findings<'a> {
    out: &'a mut dyn Write,
    problems: Vec<String>,
}

impl Findings<'_> {
    fn ok(&mut self, what: &str, text: &str) -> Result<()> {
        writeln!(self.out, "{what:<9} ok: {text}")?;
        Ok(())
    }
    fn note(&mut self, what: &str, text: &str) -> Result<()> {
        writeln!(self.out, "{what:<9} {text}")?;
        Ok(())
    }
    fn problem(&mut self, what: &str, text: &str) -> Result<()> {
        writeln!(self.out, "{what:<9} PROBLEM: {text}")?;
        self.problems.push(format!("{what}: {text}"));
        Ok(())
    }
}

/// `rekam doctor`.
pub fn doctor(args: &DoctorArgs, out: &mut dyn Write) -> Result<()> {
    let (db, dir) = locate(args)?;
    let mut f = Findings {
        out,
        problems: Vec::new(),
    };
    f.note("database", &db.display().to_string())?;
    // Before the store is opened: opening tightens the database files' modes.
    modes(&dir, &mut f)?;
    if !db.is_file() {
        f.problem("database", &format!("{} does not exist", db.display()))?;
    } else {
        // integrity_check first, on a connection that writes nothing: opening the store runs
        // migrations, which must not touch a damaged file.
        match integrity(&db) {
            Ok(p) if p.is_empty() => match Store::open(&db) {
                Ok(store) => examine(&store, &db, &mut f)?,
                Err(e) => f.problem("database", &e.to_string())?,
            },
            Ok(p) => {
                let e = crate::store::StoreError::Damaged {
                    path: db.display().to_string(),
                    detail: format!("integrity_check: {}", p.join("; ")),
                };
                f.problem("database", &e.to_string())?
            }
            Err(e) => f.problem("database", &e.to_string())?,
        }
    }
    if !f.problems.is_empty() {
        bail!(
            "{} problem(s) with {}: {}",
            f.problems.len(),
            db.display(),
            f.problems.join(" | ")
        );
    }
    writeln!(f.out, "no problem found")?;
    Ok(())
}

/// `PRAGMA integrity_check` on a read-only connection that never checkpoints on close.
fn integrity(db: &Path) -> Result<Vec<String>, crate::store::StoreError> {
    use rusqlite::{Connection, OpenFlags};
    let conn = Connection::open_with_flags(
        db,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| check::explain(db, e.into()))?;
    let _ = conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
        true,
    );
    check::sqlite_check(&conn, true)
}

fn examine(store: &Store, db: &Path, f: &mut Findings<'_>) -> Result<()> {
    let conn = store.raw_connection();
    let size = std::fs::metadata(db).map(|m| m.len()).unwrap_or(0);
    let schema: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap_or(-1);
    f.ok(
        "database",
        &format!(
            "integrity_check found nothing wrong ({:.1} MB, schema {schema})",
            size as f64 / 1e6
        ),
    )?;
    match audit::verify(conn) {
        Ok(n) => f.ok("audit", &format!("{n} entries, hash chain verified"))?,
        Err(e) => f.problem("audit", &e.to_string())?,
    }
    match store.anchor_state() {
        Ok(state) => f.note("anchor", &describe_anchor(&state))?,
        Err(e) => f.problem("anchor", &e.to_string())?,
    }
    match store.outbox().status() {
        Ok(s) => f.note(
            "outbox",
            &format!(
                "pending {}, delivered {}, rejected {}",
                s.pending, s.delivered, s.rejected
            ),
        )?,
        Err(e) => f.problem("outbox", &store.explain(e).to_string())?,
    }
    Ok(())
}

/// One line on where the database stands against its anchor.
pub fn describe_anchor(state: &AnchorState) -> String {
    match state {
        AnchorState::NotKept => "no anchor is kept for an in-memory database".into(),
        AnchorState::Missing(p) => format!(
            "WARNING: no anchor file {} (a new store, or one from before anchors): entries cut \
             off the end cannot be detected until the next audit entry writes it",
            p.display()
        ),
        AnchorState::Holds {
            path,
            anchored,
            ahead,
        } => format!(
            "ok: {} names entry {} (hash {}); the database holds it{}",
            path.display(),
            anchored.seq,
            anchored.hash_hex(),
            if *ahead > 0 {
                format!(" and {ahead} later entries")
            } else {
                String::new()
            }
        ),
    }
}

/// Files in the data directory that other local users can read: biometrics and secrets must not
/// be.
#[cfg(unix)]
fn modes(dir: &Path, f: &mut Findings<'_>) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let Ok(meta) = std::fs::metadata(dir) else {
        return f.problem("modes", &format!("cannot read {}", dir.display()));
    };
    let mut open = Vec::new();
    if meta.permissions().mode() & 0o077 != 0 {
        open.push(format!(
            "{} {:o}",
            dir.display(),
            meta.permissions().mode() & 0o777
        ));
    }
    // The data directory and the folders in it (keys/, sim-registry/), two levels deep.
    let mut dirs = vec![(dir.to_path_buf(), 0)];
    while let Some((d, depth)) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let path = e.path();
            let name = path
                .strip_prefix(dir)
                .unwrap_or(&path)
                .display()
                .to_string();
            // Not followed: a link is reported by what it is, not by what it points to.
            let Ok(m) = std::fs::symlink_metadata(&path) else {
                continue;
            };
            let mode = m.permissions().mode() & 0o777;
            if m.is_dir() {
                if mode & 0o077 != 0 {
                    open.push(format!("{name}/ {mode:o}"));
                }
                if depth < 2 {
                    dirs.push((path, depth + 1));
                }
            } else if m.is_file() && !name.ends_with(".pub") && mode & 0o077 != 0 {
                // Public keys are meant to be read.
                open.push(format!("{name} {mode:o}"));
            }
        }
    }
    if open.is_empty() {
        f.ok(
            "modes",
            &format!("{} and its files are private to their owner", dir.display()),
        )
    } else {
        open.sort();
        f.problem(
            "modes",
            &format!(
                "readable by other local users: {} (chmod 0700 the directory, 0600 the files)",
                open.join(", ")
            ),
        )
    }
}

#[cfg(not(unix))]
fn modes(_dir: &Path, _f: &mut Findings<'_>) -> Result<()> {
    Ok(())
}

/// `rekam store salvage`.
pub fn salvage(db: &Path, to: &Path, out: &mut dyn Write) -> Result<()> {
    let report = salvage::salvage(db, to)?;
    write!(out, "{}", salvage::render(db, to, &report))?;
    if !report.unreadable.is_empty() {
        bail!(
            "{} item(s) of {} could not be salvaged (listed above and in {}); import what was saved, then keep the damaged file for investigation",
            report.unreadable.len(),
            db.display(),
            to.join("salvage.txt").display()
        );
    }
    Ok(())
}

/// `rekam audit verify`: the chain, and the anchor beside the database.
pub fn audit_verify(db: &Path, out: &mut dyn Write) -> Result<()> {
    if !db.exists() {
        bail!("{} does not exist", db.display());
    }
    let store = Store::open(db)?;
    let n = store.verify_audit()?;
    let state = store.anchor_state()?;
    writeln!(
        out,
        "audit log intact: {n} entries, hash chain verified; anchor (looked for beside the \
         database): {}",
        describe_anchor(&state)
    )?;
    Ok(())
}
