//! Moving sealed packets by removable media: export pending packets to a directory on a site with
//! no network, import them into the outbox of a connected machine.
//!
//! Contract, import: only regular files named `<packet id>.rkp` are read, each judged on its own
//! and reported as imported, skipped as known, or refused with the reason; one bad file never
//! stops the others. A file is checked with `symlink_metadata` (no symlinks, FIFOs, devices or
//! directories), opened with `O_NOFOLLOW | O_NONBLOCK` (a symlink or FIFO swapped in after the
//! check fails to open or is refused, never followed or waited on), checked again on the open
//! handle, and read through `take(limit + 1)`, so a file larger than the packet size limit is
//! refused without being held in memory. Its name must be the SHA-256 of its bytes and its
//! envelope must be well formed. A packet is added at most once (a packet already queued,
//! delivered or rejected, or another packet of its enrollment, is skipped, and the report says
//! why: a packet rejected on this machine is requeued only by a supervisor with `rekam outbox
//! retry --rejected`, never by importing it again). A packet both exported and uploaded is still
//! counted once by the registry's idempotent packet id.
//!
//! Contract, export: each packet is written as `<packet id>.rkp` to a temporary name, synced,
//! renamed into place and the directory synced; what was written is read back and its SHA-256
//! compared. An existing intact copy is left alone; a damaged one (truncated, altered, a symlink)
//! is replaced. Rejected packets are exported only when asked, with the registry's signed
//! rejection beside them as `<packet id>.rejection.json`. The read-back goes through the
//! operating system's cache, so it proves what the file system holds, not the flash cells.

use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Read, Write};
#[cfg(unix)]
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;

use anyhow::{Context, Result, bail};
use rekam_protocol::envelope::MAX_SEALED_LEN;
use rekam_protocol::packet::{self, PacketId};

use super::{OutboxState, Store};

/// What became of one file on the medium.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileOutcome {
    /// Newly queued.
    Imported,
    /// Already known here; why.
    Known(String),
    /// Not imported; why.
    Refused(String),
}

/// One file's verdict.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileReport {
    /// The file name as found on the medium.
    pub name: String,
    /// The verdict.
    pub outcome: FileOutcome,
}

/// What an import did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Newly queued.
    pub imported: u64,
    /// Already known.
    pub skipped: u64,
    /// Refused.
    pub refused: u64,
    /// Every `.rkp` file, in name order.
    pub files: Vec<FileReport>,
}

/// What an export did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExportReport {
    /// New files written.
    pub written: u64,
    /// Damaged copies replaced.
    pub replaced: u64,
    /// Intact copies left as they were.
    pub unchanged: u64,
    /// Packets that could not be written, with why.
    pub failed: Vec<(String, String)>,
}

/// How a file was placed.
enum Placed {
    Written,
    Replaced,
    Unchanged,
}

/// Writes every pending packet into `dir` (created if needed); returns how many were written or
/// replaced. Fails, after trying every packet, when one could not be written and verified.
pub fn export(store: &Store, dir: &Path) -> Result<u64> {
    let r = export_with(store, dir, false)?;
    if let Some((id, why)) = r.failed.first() {
        bail!(
            "{} packets could not be exported; {id}: {why}",
            r.failed.len()
        );
    }
    Ok(r.written + r.replaced)
}

/// Writes every pending packet, and with `include_rejected` every rejected one with its signed
/// rejection, into `dir` (created if needed).
pub fn export_with(store: &Store, dir: &Path, include_rejected: bool) -> Result<ExportReport> {
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut files: Vec<(String, Vec<u8>, Option<Vec<u8>>)> = store
        .outbox()
        .due(i64::MAX, u32::MAX)?
        .into_iter()
        .map(|i| (i.packet_id, i.bytes, None))
        .collect();
    if include_rejected {
        for r in store.outbox().rejected_items()? {
            files.push((r.item.packet_id, r.item.bytes, r.rejection));
        }
    }
    let mut report = ExportReport::default();
    for (id, bytes, rejection) in files {
        let placed = place(dir, &format!("{id}.rkp"), &bytes).and_then(|p| {
            if let Some(doc) = &rejection {
                place(dir, &format!("{id}.rejection.json"), doc)?;
            }
            Ok(p)
        });
        match placed {
            Ok(Placed::Written) => report.written += 1,
            Ok(Placed::Replaced) => report.replaced += 1,
            Ok(Placed::Unchanged) => report.unchanged += 1,
            Err(why) => report.failed.push((id, why)),
        }
    }
    Ok(report)
}

fn sha256(bytes: &[u8]) -> ring::digest::Digest {
    ring::digest::digest(&ring::digest::SHA256, bytes)
}

/// Puts `bytes` at `dir/name` unless an identical regular file is there, and verifies it.
fn place(dir: &Path, name: &str, bytes: &[u8]) -> Result<Placed, String> {
    let path = dir.join(name);
    let placed = match fs::symlink_metadata(&path) {
        Ok(m) if m.is_dir() => {
            return Err(format!("{} is a directory", path.display()));
        }
        Ok(m) if m.is_file() => match read_regular(&path, bytes.len() as u64) {
            Ok(existing) if sha256(&existing).as_ref() == sha256(bytes).as_ref() => {
                return Ok(Placed::Unchanged);
            }
            _ => Placed::Replaced,
        },
        // A symlink, FIFO or device under our name: rename replaces the entry, not its target.
        Ok(_) => Placed::Replaced,
        Err(e) if e.kind() == ErrorKind::NotFound => Placed::Written,
        Err(e) => return Err(format!("cannot examine {}: {e}", path.display())),
    };
    replace_file(dir, name, bytes)?;
    let back = read_regular(&path, bytes.len() as u64)
        .map_err(|e| format!("reading back {}: {e}", path.display()))?;
    if sha256(&back).as_ref() != sha256(bytes).as_ref() {
        return Err(format!(
            "{} does not read back as written: the medium is failing",
            path.display()
        ));
    }
    Ok(placed)
}

/// Writes a temporary file beside `dir/name`, syncs it, renames it over `name` and syncs `dir`.
fn replace_file(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), String> {
    let mut nonce = [0u8; 8];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut nonce)
        .map_err(|_| "the random number generator failed".to_string())?;
    let tmp = dir.join(format!(".{name}.{}.tmp", hex::encode(nonce)));
    let path = dir.join(name);
    let result = (|| -> std::io::Result<()> {
        let mut opts = OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        opts.mode(0o600);
        let mut f = opts.open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        fs::rename(&tmp, &path)?;
        File::open(dir)?.sync_all()
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// What kind of thing a non-regular directory entry is, for the refusal.
fn kind_of(t: fs::FileType) -> &'static str {
    if t.is_symlink() {
        return "a symbolic link";
    }
    if t.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    "not a regular file"
}

/// Reads a regular file of at most `limit` bytes, never following a symlink or waiting on a FIFO.
fn read_regular(path: &Path, limit: u64) -> Result<Vec<u8>, String> {
    let too_big =
        |n: u64| format!("{n} bytes or more, larger than the packet size limit of {limit} bytes");
    let meta = fs::symlink_metadata(path).map_err(|e| format!("cannot examine it: {e}"))?;
    if !meta.file_type().is_file() {
        return Err(format!(
            "{}; only regular files are imported",
            kind_of(meta.file_type())
        ));
    }
    if meta.len() > limit {
        return Err(too_big(meta.len()));
    }
    let mut opts = OpenOptions::new();
    opts.read(true);
    #[cfg(unix)]
    opts.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    let file = opts
        .open(path)
        .map_err(|e| format!("cannot open it as a regular file: {e}"))?;
    // It may have been swapped between the check and the open: judge what was opened.
    let meta = file
        .metadata()
        .map_err(|e| format!("cannot examine it: {e}"))?;
    if !meta.file_type().is_file() {
        return Err(format!(
            "{}; only regular files are imported",
            kind_of(meta.file_type())
        ));
    }
    if meta.len() > limit {
        return Err(too_big(meta.len()));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read it: {e}"))?;
    if bytes.len() as u64 > limit {
        return Err(too_big(bytes.len() as u64));
    }
    Ok(bytes)
}

/// Queues every `*.rkp` packet in `dir`, refusing files larger than the protocol's limit.
pub fn import(store: &mut Store, dir: &Path, now_ms: i64) -> Result<ImportReport> {
    import_limited(store, dir, now_ms, MAX_SEALED_LEN as u64)
}

/// Queues every `*.rkp` packet in `dir`, each file judged on its own; files larger than
/// `max_bytes` (the configured `agent.max_packet_bytes`) are refused. Fails only when the
/// directory cannot be listed or the store cannot be written.
pub fn import_limited(
    store: &mut Store,
    dir: &Path,
    now_ms: i64,
    max_bytes: u64,
) -> Result<ImportReport> {
    let mut names: Vec<std::ffi::OsString> = fs::read_dir(dir)
        .with_context(|| format!("cannot list {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.file_name()))
        .filter(|n| Path::new(n).extension().is_some_and(|x| x == "rkp"))
        .collect();
    names.sort();
    let limit = max_bytes.min(MAX_SEALED_LEN as u64);
    let mut report = ImportReport::default();
    for name in names {
        let path = dir.join(&name);
        let outcome = match judge(store, &path, now_ms, limit)? {
            Ok(o) => o,
            Err(why) => FileOutcome::Refused(why),
        };
        match &outcome {
            FileOutcome::Imported => report.imported += 1,
            FileOutcome::Known(_) => report.skipped += 1,
            FileOutcome::Refused(_) => report.refused += 1,
        }
        report.files.push(FileReport {
            name: name.to_string_lossy().into_owned(),
            outcome,
        });
    }
    Ok(report)
}

/// One file: `Err` only for a store failure (which stops the import); a bad file is `Ok(Err)`.
fn judge(
    store: &mut Store,
    path: &Path,
    now_ms: i64,
    limit: u64,
) -> Result<Result<FileOutcome, String>> {
    let bytes = match read_regular(path, limit) {
        Ok(b) => b,
        Err(why) => return Ok(Err(why)),
    };
    let id = PacketId::of(&bytes).to_string();
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    if stem != id {
        return Ok(Err(format!(
            "the file name does not match the packet's SHA-256 {id}; it was altered or renamed"
        )));
    }
    let inspection = match packet::inspect(&bytes) {
        Ok(i) => i,
        Err(e) => return Ok(Err(format!("not a packet: {e}"))),
    };
    let enrollment = inspection.header.enrollment_id.to_string();
    // Exported with `--include-rejected` (`<id>.rejection.json`) or salvaged (`<id>.reason.txt`):
    // the registry refused it, and importing must not send it again without a supervisor.
    // (A packet this store already holds gets the store's own answer below.)
    let dir = path.parent().unwrap_or(Path::new("."));
    let known = store.outbox().get(&id)?.is_some();
    for beside in [format!("{id}.rejection.json"), format!("{id}.reason.txt")] {
        if !known && fs::symlink_metadata(dir.join(&beside)).is_ok() {
            return Ok(Ok(FileOutcome::Known(format!(
                "rejected by the registry ({beside} beside it); not queued again. To send it again on a supervisor's decision, import it on its own without {beside}"
            ))));
        }
    }
    if store.queue_imported(&id, &enrollment, &bytes, now_ms)? {
        return Ok(Ok(FileOutcome::Imported));
    }
    let why = match store.outbox().get(&id)? {
        Some(d) if d.state == OutboxState::Rejected => format!(
            "rejected here by the registry; a supervisor can requeue it with `rekam outbox retry --rejected {id} --by SUPERVISOR_ID --reason TEXT`"
        ),
        Some(d) => format!("already in the outbox ({})", state_name(d.state)),
        None => format!("another packet of enrollment {enrollment} is already in the outbox"),
    };
    Ok(Ok(FileOutcome::Known(why)))
}

fn state_name(s: OutboxState) -> &'static str {
    match s {
        OutboxState::Pending => "pending",
        OutboxState::Delivered => "delivered",
        OutboxState::Rejected => "rejected",
    }
}
