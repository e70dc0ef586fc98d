//! `rekam outbox ...`: the outbox seen from the command line: counts, retries, a supervisor's
//! requeue of a rejected packet, and removable-media export and import.
//!
//! Contract: commands work on the database file directly (the daemon may be running: SQLite
//! serialises the writes); import prints one line per file and a summary, and fails (exit 1) only
//! when a file was refused; export fails only when a packet could not be written and verified.

use std::io::Write;

use anyhow::{Context, Result, bail};

use super::{open_existing, packet};
use crate::cli::OutboxCommand;
use crate::config::Config;
use crate::store::transfer::{self, FileOutcome};

/// Runs one `rekam outbox` command.
pub fn run(cmd: OutboxCommand, out: &mut dyn Write) -> Result<()> {
    let now = packet::now_ms();
    match cmd {
        OutboxCommand::Status { db } => {
            let s = open_existing(&db)?.outbox().status()?;
            writeln!(
                out,
                "pending {}  delivered {}  rejected {}",
                s.pending, s.delivered, s.rejected
            )?;
        }
        OutboxCommand::Retry {
            db, rejected: None, ..
        } => {
            let store = open_existing(&db)?;
            let n = store.outbox().retry_all(now)?;
            let rejected = store.outbox().status()?.rejected;
            writeln!(out, "{n} pending packets are due now")?;
            if rejected > 0 {
                writeln!(
                    out,
                    "{rejected} rejected packets left as they are; a supervisor requeues one with --rejected PACKET_ID --by SUPERVISOR_ID --reason TEXT"
                )?;
            }
        }
        OutboxCommand::Retry {
            db,
            rejected: Some(packet_id),
            by,
            reason,
        } => {
            let by = by.context("--by SUPERVISOR_ID is required with --rejected")?;
            rekam_protocol::model::check_identifier("--by", &by)?;
            let reason = reason.context("--reason is required with --rejected")?;
            let reason = reason.trim();
            if reason.is_empty() || reason.len() > 500 || reason.chars().any(char::is_control) {
                bail!("--reason: give 1-500 characters of plain text saying why");
            }
            let mut store = open_existing(&db)?;
            store.requeue_rejected(&packet_id, &by, reason, now)?;
            writeln!(
                out,
                "packet {packet_id} requeued by {by}; it is due for upload now (recorded in the audit log)"
            )?;
        }
        OutboxCommand::Export {
            db,
            to,
            include_rejected,
        } => {
            let r = transfer::export_with(&open_existing(&db)?, &to, include_rejected)?;
            for (id, why) in &r.failed {
                writeln!(out, "failed   {id}.rkp: {why}")?;
            }
            writeln!(
                out,
                "exported {} packets to {} ({} replaced a damaged copy, {} intact copies left as they were)",
                r.written + r.replaced,
                to.display(),
                r.replaced,
                r.unchanged
            )?;
            if !r.failed.is_empty() {
                bail!(
                    "{} packets could not be written and verified (listed above)",
                    r.failed.len()
                );
            }
        }
        OutboxCommand::Import { db, config, dir } => {
            let limit = match config {
                Some(path) => {
                    let text = crate::files::read_text(&path)?;
                    Config::from_toml(&text)
                        .with_context(|| format!("{}", path.display()))?
                        .agent
                        .max_packet_bytes
                }
                None => Config::default().agent.max_packet_bytes,
            };
            let mut store = crate::store::Store::open(&db)?;
            let r = transfer::import_limited(&mut store, &dir, now, limit as u64)?;
            for f in &r.files {
                match &f.outcome {
                    FileOutcome::Imported => writeln!(out, "imported {}", f.name)?,
                    FileOutcome::Known(why) => writeln!(out, "skipped  {}: {why}", f.name)?,
                    FileOutcome::Refused(why) => writeln!(out, "refused  {}: {why}", f.name)?,
                }
            }
            writeln!(
                out,
                "imported {} packets, skipped {} already known, refused {}",
                r.imported, r.skipped, r.refused
            )?;
            if r.refused > 0 {
                out.flush()?;
                bail!(
                    "{} of {} files were refused (listed above); the others were judged on their own",
                    r.refused,
                    r.files.len()
                );
            }
        }
    }
    Ok(())
}
