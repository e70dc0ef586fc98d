//! Retention: a delivered packet's sealed bytes are kept for a while (a supervisor may still need
//! to carry a copy by hand) and then purged, keeping the row: packet id, enrollment id, size, the
//! registry's receipt and when it was delivered and purged. `GET /v1/outbox/{id}` keeps answering
//! for a purged packet.
//!
//! Contract: only delivered packets are purged, never pending or rejected ones; each batch is one
//! transaction with one audit entry listing the packets. The purge runs with SQLite's
//! `secure_delete` on, so the freed pages of the packet are overwritten with zeros instead of
//! lingering in the file's free list, and is followed by a WAL checkpoint that truncates the WAL,
//! where the old pages would otherwise stay until overwritten. What SQLite cannot reach stays out
//! of scope: copies the file system or the flash translation layer keep of rewritten blocks. The
//! packets are sealed to the registry anyway; purging limits how long even ciphertext stays.
//! Times come in as arguments.

use rusqlite::params;
use serde_json::json;

use super::audit::{self, AuditEntry};
use super::{Store, StoreError};

/// One purge batch's work.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Purged {
    /// The packets whose bytes were purged.
    pub packet_ids: Vec<String>,
    /// Bytes released.
    pub bytes: u64,
}

impl Store {
    /// Purges the bytes of at most `batch` packets delivered at or before `now_ms - retention_ms`,
    /// oldest delivery first. A packet delivered by an older rekam (no delivery time recorded)
    /// starts its retention now, so nothing is purged earlier than configured.
    pub fn purge_delivered(
        &mut self,
        now_ms: i64,
        retention_ms: i64,
        batch: u32,
    ) -> Result<Purged, StoreError> {
        self.conn.pragma_update(None, "secure_delete", "ON")?;
        let tx = self.conn.transaction()?;
        tx.execute(
            "UPDATE outbox SET delivered_ms = ?1 WHERE state = 'delivered' AND delivered_ms IS NULL",
            [now_ms],
        )?;
        let cutoff = now_ms.saturating_sub(retention_ms.max(0));
        let mut purged = Purged::default();
        {
            let mut stmt = tx.prepare(
                "SELECT packet_id, length(bytes) FROM outbox
                 WHERE state = 'delivered' AND purged_ms IS NULL AND delivered_ms <= ?1
                 ORDER BY delivered_ms, packet_id LIMIT ?2",
            )?;
            let rows = stmt.query_map(params![cutoff, batch], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
            })?;
            for row in rows {
                let (id, len) = row?;
                purged.packet_ids.push(id);
                purged.bytes += len.max(0) as u64;
            }
        }
        if purged.packet_ids.is_empty() {
            tx.commit()?;
            return Ok(purged);
        }
        for id in &purged.packet_ids {
            tx.execute(
                "UPDATE outbox SET bytes = x'', purged_ms = ?2 WHERE packet_id = ?1 AND state = 'delivered'",
                params![id, now_ms],
            )?;
        }
        audit::append(
            &tx,
            &AuditEntry::new(
                now_ms,
                "system",
                "outbox.purge",
                "outbox",
                json!({
                    "packets": purged.packet_ids,
                    "bytes": purged.bytes,
                    "retention_ms": retention_ms,
                }),
            ),
        )?;
        tx.commit()?;
        self.advance_anchor();
        // Best effort: a reader holding an old snapshot keeps the WAL; the next purge retries.
        let _ = self
            .conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
        Ok(purged)
    }
}
