//! Salvaging a damaged store (`rekam store salvage`): everything still readable is copied out of
//! the database, so that a new store can take the packets over and the audit trail is kept.
//!
//! Contract: the damaged database is only read (no checkpoint on close, `query_only`), never
//! repaired or changed. Into an empty directory go `pending/<packet id>.rkp` (the packets still to
//! deliver, in the format of `rekam outbox export`, for `rekam outbox import`),
//! `delivered/<packet id>.rkp` with `<packet id>.receipt`, `rejected/<packet id>.rkp` with
//! `<packet id>.reason.txt`,
//! `audit.jsonl` (one audit entry per line, each marked whether its hash still matches its
//! content) and `salvage.txt`, the report. A packet is written only when its bytes still hash to
//! its id; rows are reached by rowid from both ends of each table and one by one in between, so a
//! damaged page costs the rows on it, not the rows after it. Everything that could not be read is
//! listed.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use anyhow::{Context, Result, bail};
use rekam_protocol::packet::PacketId;
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use serde_json::{Value, json};

use super::audit::{AuditEntry, entry_hash};
use crate::files;

/// What a salvage recovered and what it could not.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SalvageReport {
    /// Packets still to deliver, written to `pending/`.
    pub pending: u64,
    /// Delivered packets (or their receipts alone), written to `delivered/`.
    pub delivered: u64,
    /// Rejected packets, written to `rejected/`.
    pub rejected: u64,
    /// Audit entries written to `audit.jsonl`.
    pub audit_entries: u64,
    /// Audit entries among them whose hash no longer matches their content.
    pub audit_damaged: u64,
    /// What could not be read, one line each.
    pub unreadable: Vec<String>,
    /// Sessions in progress that the database still names (`id stage`): record them again.
    pub open_sessions: Vec<String>,
}

fn open_for_reading(db: &Path) -> Result<Connection> {
    if !db.is_file() {
        bail!("{} does not exist or is not a file", db.display());
    }
    // Read-write (without create) lets SQLite read a WAL left by a crash; read-only is the
    // fallback for a database on read-only media.
    let conn = Connection::open_with_flags(
        db,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .or_else(|_| {
        Connection::open_with_flags(
            db,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
    })
    .with_context(|| format!("cannot open {}", db.display()))?;
    // On read-only media without its -shm file (what the kernel leaves of a failing disk) a WAL
    // database cannot even be read normally; `immutable` reads the main file as it is (a WAL
    // left beside it is then not seen, which the report's missing rows show).
    let conn = match conn.query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(())) {
        Ok(()) => conn,
        Err(_) => {
            drop(conn);
            let uri = format!("file:{}?immutable=1", uri_path(db));
            Connection::open_with_flags(
                &uri,
                OpenFlags::SQLITE_OPEN_READ_ONLY
                    | OpenFlags::SQLITE_OPEN_URI
                    | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
            .with_context(|| format!("cannot open {} even as immutable", db.display()))?
        }
    };
    // Closing must not checkpoint the WAL into the damaged file, nor may anything else write.
    let _ = conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
        true,
    );
    conn.pragma_update(None, "query_only", true)
        .with_context(|| format!("cannot open {} read-only", db.display()))?;
    Ok(conn)
}

/// `path` for an SQLite `file:` URI: the characters that end or escape a path there are encoded.
fn uri_path(path: &Path) -> String {
    let mut out = String::new();
    for c in path.to_string_lossy().chars() {
        match c {
            '%' => out.push_str("%25"),
            '?' => out.push_str("%3f"),
            '#' => out.push_str("%23"),
            c => out.push(c),
        }
    }
    out
}

/// Rowids of `table` reachable from either end; rowids in between that a scan could not reach are
/// probed one by one; what stays unreachable is described in `unreadable`.
fn rowids(conn: &Connection, table: &str, what: &str, unreadable: &mut Vec<String>) -> Vec<i64> {
    let mut ids = BTreeSet::new();
    let mut scan_failed = None;
    let mut end_reached = false;
    for order in ["ASC", "DESC"] {
        let mut scan = || -> rusqlite::Result<()> {
            let mut stmt =
                conn.prepare(&format!("SELECT rowid FROM {table} ORDER BY rowid {order}"))?;
            let mut rows = stmt.query([])?;
            while let Some(row) = rows.next()? {
                ids.insert(row.get::<_, i64>(0)?);
                // The first row from the end is the largest rowid: the end is known.
                end_reached |= order == "DESC";
            }
            end_reached |= order == "DESC";
            Ok(())
        };
        if let Err(e) = scan() {
            scan_failed = Some(e.to_string());
        }
    }
    let Some(why) = scan_failed else {
        return ids.into_iter().collect();
    };
    let hi = ids.last().copied().unwrap_or(0);
    let mut failed: Vec<i64> = Vec::new();
    for id in 1..=hi {
        if ids.contains(&id) {
            continue;
        }
        match conn
            .query_row(
                &format!("SELECT 1 FROM {table} WHERE rowid = ?1"),
                [id],
                |_| Ok(()),
            )
            .optional()
        {
            Ok(Some(())) => {
                ids.insert(id);
            }
            Ok(None) => {}
            Err(_) => failed.push(id),
        }
    }
    for (a, b) in ranges(&failed) {
        unreadable.push(if a == b {
            format!("{what} {a}: unreadable ({why})")
        } else {
            format!("{what} {a}-{b}: unreadable ({why})")
        });
    }
    if !end_reached {
        unreadable.push(format!(
            "{what} after {hi}: the end of the table could not be read ({why}); later rows may be missing"
        ));
    }
    ids.into_iter().collect()
}

/// Packets whose outbox rows could not be reached, named by the primary-key index (kept on other
/// pages, so a damaged table page does not hide which packets it held). Best effort: a damaged
/// index names nothing more.
fn named_by_index(conn: &Connection, reached: &[i64]) -> Vec<String> {
    let reached: BTreeSet<i64> = reached.iter().copied().collect();
    let mut named = Vec::new();
    let _ = (|| -> rusqlite::Result<()> {
        let mut stmt = conn.prepare(
            "SELECT rowid, packet_id FROM outbox INDEXED BY sqlite_autoindex_outbox_1 ORDER BY packet_id",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let rowid: i64 = row.get(0)?;
            if !reached.contains(&rowid) {
                let id: String = row.get(1)?;
                named.push(format!(
                    "packet {id} (outbox row {rowid}): its row is unreadable; the packet is lost from this file"
                ));
            }
        }
        Ok(())
    })();
    named
}

/// Consecutive runs in a sorted list.
fn ranges(ids: &[i64]) -> Vec<(i64, i64)> {
    let mut out: Vec<(i64, i64)> = Vec::new();
    for &id in ids {
        match out.last_mut() {
            Some((_, b)) if *b + 1 == id => *b = id,
            _ => out.push((id, id)),
        }
    }
    out
}

fn is_empty_dir(dir: &Path) -> Result<bool> {
    Ok(fs::read_dir(dir)
        .with_context(|| format!("cannot list {}", dir.display()))?
        .next()
        .is_none())
}

struct PacketRow {
    packet_id: String,
    enrollment_id: String,
    state: String,
    bytes: Option<Vec<u8>>,
    receipt: Option<Vec<u8>>,
    last_error: Option<String>,
}

fn read_packet(conn: &Connection, rowid: i64) -> std::result::Result<PacketRow, String> {
    // The columns stored before the packet's bytes first, so a row whose bytes (and everything
    // after them in the record) are damaged is still named.
    let (packet_id, enrollment_id): (String, String) = conn
        .query_row(
            "SELECT packet_id, enrollment_id FROM outbox WHERE rowid = ?1",
            [rowid],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .map_err(|e| format!("outbox row {rowid}: unreadable ({e})"))?;
    let (state, bytes, receipt, last_error) = conn
        .query_row(
            "SELECT state, bytes, receipt, last_error FROM outbox WHERE rowid = ?1",
            [rowid],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .map_err(|e| {
            format!("packet {packet_id} (enrollment {enrollment_id}): unreadable ({e})")
        })?;
    Ok(PacketRow {
        packet_id,
        enrollment_id,
        state,
        bytes,
        receipt,
        last_error,
    })
}

fn save_packet(to: &Path, row: &PacketRow, report: &mut SalvageReport) -> Result<()> {
    let sub = match row.state.as_str() {
        "delivered" => "delivered",
        "rejected" => "rejected",
        _ => "pending",
    };
    let dir = to.join(sub);
    fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut wrote = false;
    match &row.bytes {
        Some(b) if !b.is_empty() => {
            if PacketId::of(b).to_string() != row.packet_id {
                report.unreadable.push(format!(
                    "packet {} (enrollment {}, {}): its bytes no longer hash to its id; damaged",
                    row.packet_id, row.enrollment_id, row.state
                ));
            } else {
                files::write_new(&dir.join(format!("{}.rkp", row.packet_id)), b, 0o600)?;
                wrote = true;
            }
        }
        // Packets purged after delivery keep only their receipt.
        _ if sub == "delivered" => {}
        _ => report.unreadable.push(format!(
            "packet {} (enrollment {}, {}): no bytes stored",
            row.packet_id, row.enrollment_id, row.state
        )),
    }
    if sub == "rejected"
        && let Some(reason) = &row.last_error
    {
        let path = dir.join(format!("{}.reason.txt", row.packet_id));
        files::write_new(&path, format!("{reason}\n").as_bytes(), 0o600)?;
    }
    if let Some(r) = row.receipt.as_ref().filter(|r| !r.is_empty()) {
        files::write_new(&dir.join(format!("{}.receipt", row.packet_id)), r, 0o600)?;
        wrote = true;
    }
    if wrote {
        match sub {
            "delivered" => report.delivered += 1,
            "rejected" => report.rejected += 1,
            _ => report.pending += 1,
        }
    }
    Ok(())
}

fn read_audit(
    conn: &Connection,
    seq: i64,
) -> rusqlite::Result<(AuditEntry, Vec<u8>, Vec<u8>, String)> {
    conn.query_row(
        "SELECT at_ms, actor, action, subject, detail, prev_hash, hash FROM audit WHERE seq = ?1",
        [seq],
        |r| {
            let detail: String = r.get(4)?;
            Ok((
                AuditEntry {
                    at_ms: r.get(0)?,
                    actor: r.get(1)?,
                    action: r.get(2)?,
                    subject: r.get(3)?,
                    detail: serde_json::from_str(&detail).unwrap_or(Value::Null),
                },
                r.get(5)?,
                r.get(6)?,
                detail,
            ))
        },
    )
}

/// Copies what is readable in the database `db` into the empty (or new) directory `to`.
pub fn salvage(db: &Path, to: &Path) -> Result<SalvageReport> {
    let conn = open_for_reading(db)?;
    if to.exists() && !is_empty_dir(to)? {
        bail!(
            "{} is not empty; salvage into a new directory",
            to.display()
        );
    }
    fs::create_dir_all(to).with_context(|| format!("cannot create {}", to.display()))?;
    // Always there, so the printed next step (`outbox import ... DIR/pending`) works.
    let pending = to.join("pending");
    fs::create_dir_all(&pending).with_context(|| format!("cannot create {}", pending.display()))?;
    let mut report = SalvageReport::default();

    let mut unreadable = Vec::new();
    let reached = rowids(&conn, "outbox", "outbox row", &mut unreadable);
    for &rowid in &reached {
        match read_packet(&conn, rowid) {
            Ok(row) => save_packet(to, &row, &mut report)?,
            Err(why) => unreadable.push(why),
        }
    }
    unreadable.extend(named_by_index(&conn, &reached));

    let mut lines = String::new();
    for seq in rowids(&conn, "audit", "audit entry", &mut unreadable) {
        match read_audit(&conn, seq) {
            Ok((entry, prev, hash, raw_detail)) => {
                let intact = entry_hash(&prev, seq, &entry) == hash;
                if !intact {
                    report.audit_damaged += 1;
                    unreadable.push(format!(
                        "audit entry {seq}: its content no longer matches its hash; damaged"
                    ));
                }
                let line = json!({
                    "seq": seq,
                    "at_ms": entry.at_ms,
                    "actor": entry.actor,
                    "action": entry.action,
                    "subject": entry.subject,
                    "detail": if entry.detail.is_null() { Value::String(raw_detail) } else { entry.detail },
                    "prev_hash": hex::encode(prev),
                    "hash": hex::encode(hash),
                    "intact": intact,
                });
                lines.push_str(&line.to_string());
                lines.push('\n');
                report.audit_entries += 1;
            }
            Err(e) => unreadable.push(format!("audit entry {seq}: unreadable ({e})")),
        }
    }
    files::write_new(&to.join("audit.jsonl"), lines.as_bytes(), 0o600)?;

    let sessions = (|| -> rusqlite::Result<Vec<String>> {
        let mut stmt =
            conn.prepare("SELECT id, stage FROM sessions WHERE stage != 'Finalized' ORDER BY id")?;
        stmt.query_map([], |r| {
            Ok(format!(
                "{} {}",
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?
            ))
        })?
        .collect()
    })();
    match sessions {
        Ok(s) => report.open_sessions = s,
        Err(e) => unreadable.push(format!("sessions in progress: unreadable ({e})")),
    }
    report.unreadable.extend(unreadable);
    files::write_new(
        &to.join("salvage.txt"),
        render(db, to, &report).as_bytes(),
        0o600,
    )?;
    Ok(report)
}

/// The report as the operator reads it (also saved as `salvage.txt`).
pub fn render(db: &Path, to: &Path, r: &SalvageReport) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "salvaged from {} into {}", db.display(), to.display());
    let _ = writeln!(
        s,
        "packets: {} pending (pending/), {} delivered (delivered/), {} rejected (rejected/)",
        r.pending, r.delivered, r.rejected
    );
    let _ = writeln!(
        s,
        "audit entries: {} (audit.jsonl), {} of them damaged",
        r.audit_entries, r.audit_damaged
    );
    if r.unreadable.is_empty() {
        let _ = writeln!(s, "nothing was unreadable");
    } else {
        let _ = writeln!(s, "could not be read ({}):", r.unreadable.len());
        for u in &r.unreadable {
            let _ = writeln!(s, "  {u}");
        }
    }
    if !r.open_sessions.is_empty() {
        let _ = writeln!(
            s,
            "sessions in progress, not salvaged (record these residents again):"
        );
        for o in &r.open_sessions {
            let _ = writeln!(s, "  {o}");
        }
    }
    let _ = writeln!(
        s,
        "next: move {db} and its -wal, -shm and .audit-head files aside, then \
         `rekam outbox import --db {db} {pending}` and start rekam",
        db = db.display(),
        pending = to.join("pending").display()
    );
    s
}
