//! Moving sealed packets by removable media: export pending packets to a directory on a site with
//! no network, import them into the outbox of a connected machine.
//!
//! Contract: exported files are named `<packet id>.rkp` and written whole or not at all; import
//! checks each file's name against the SHA-256 of its bytes and its envelope structure, and adds a
//! packet at most once (a packet already queued, delivered or imported is skipped, so a packet
//! both exported and uploaded is still counted once by the registry's idempotent packet id).

use std::fs;
use std::path::Path;

use anyhow::{Context, Result, bail};
use rekam_protocol::packet::{self, PacketId};

use super::Store;
use crate::files;

/// What an import did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Newly queued.
    pub imported: u64,
    /// Already known.
    pub skipped: u64,
}

/// Writes every pending packet into `dir` (created if needed); returns how many were written.
/// Files already present with the same name are left as they are.
pub fn export(store: &Store, dir: &Path) -> Result<u64> {
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut n = 0;
    for item in store.outbox().due(i64::MAX, u32::MAX)? {
        let path = dir.join(format!("{}.rkp", item.packet_id));
        if path.exists() {
            continue;
        }
        files::write_new(&path, &item.bytes, 0o600)?;
        n += 1;
    }
    Ok(n)
}

/// Queues every `*.rkp` packet in `dir`.
pub fn import(store: &mut Store, dir: &Path, now_ms: i64) -> Result<ImportReport> {
    let mut paths: Vec<_> = fs::read_dir(dir)
        .with_context(|| format!("cannot list {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "rkp"))
        .collect();
    paths.sort();
    let mut report = ImportReport::default();
    for path in paths {
        let bytes = files::read(&path)?;
        let inspection = packet::inspect(&bytes).with_context(|| format!("{}", path.display()))?;
        let id = PacketId::of(&bytes).to_string();
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        if stem != id {
            bail!(
                "{}: the file name does not match the packet's SHA-256 {id}; it was altered or renamed",
                path.display()
            );
        }
        if store.queue_imported(
            &id,
            &inspection.header.enrollment_id.to_string(),
            &bytes,
            now_ms,
        )? {
            report.imported += 1;
        } else {
            report.skipped += 1;
        }
    }
    Ok(report)
}
