//! The outbox: sealed packets waiting for the registry, with their delivery state.
//!
//! Contract: a packet is stored once (by packet id, and once per enrollment); its bytes never
//! change except to be purged after delivery (see [`super::retention`]); delivery state moves
//! pending -> delivered (with the receipt) or pending -> rejected (with the registry's signed
//! rejection, the only answer that makes a packet final), and failures only reschedule. A
//! supervisor may move a rejected packet back to pending ([`Store::requeue_rejected`]), audited
//! with who and why; nothing else leaves the rejected state.
//!
//! The columns added after schema version 2 (`rejection`, `delivered_ms`, `purged_ms`) and the
//! index on state are added by [`migrate`] when missing: they are additive, so an older rekam
//! still reads the table, and no schema version is spent on them. Packets an older rekam marked
//! rejected had no signed rejection (an unsigned 409 could do it), so that upgrade makes them
//! pending again, audited, for the registry to answer with a signed rejection or a receipt.

use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde_json::json;

use super::audit::{self, AuditEntry};
use super::{Store, StoreError};

/// Delivery state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutboxState {
    /// Waiting to be sent (or re-sent).
    Pending,
    /// The registry acknowledged it; a receipt is stored.
    Delivered,
    /// The registry refused it for good.
    Rejected,
}

impl OutboxState {
    fn as_str(self) -> &'static str {
        match self {
            OutboxState::Pending => "pending",
            OutboxState::Delivered => "delivered",
            OutboxState::Rejected => "rejected",
        }
    }
}

/// A queued packet.
#[derive(Clone, Debug, PartialEq)]
pub struct OutboxItem {
    /// SHA-256 of the bytes, hex.
    pub packet_id: String,
    /// The enrollment.
    pub enrollment_id: String,
    /// The sealed packet.
    pub bytes: Vec<u8>,
    /// Send attempts so far.
    pub attempts: u32,
}

/// Where one packet stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivery {
    /// Its state.
    pub state: OutboxState,
    /// The registry's receipt, once delivered.
    pub receipt: Option<Vec<u8>>,
    /// The registry's signed rejection, once rejected (kept after a supervisor's requeue).
    pub rejection: Option<Vec<u8>>,
    /// The last failure or refusal, as the operator should read it.
    pub last_error: Option<String>,
    /// When its bytes were purged after delivery (Unix ms); the row and receipt remain.
    pub purged_ms: Option<i64>,
}

/// A pending packet's schedule, without its bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scheduled {
    /// The packet.
    pub packet_id: String,
    /// When it is due by the wall clock (Unix ms), as last stored.
    pub next_attempt_ms: i64,
}

/// A packet that left the outbox by the registry's refusal, for a supervisor to export.
#[derive(Clone, Debug, PartialEq)]
pub struct RejectedItem {
    /// The packet.
    pub item: OutboxItem,
    /// The registry's signed rejection, when one was stored (older rows have none).
    pub rejection: Option<Vec<u8>>,
}

/// Counts by state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OutboxStatus {
    /// Waiting.
    pub pending: u64,
    /// Acknowledged.
    pub delivered: u64,
    /// Refused.
    pub rejected: u64,
}

pub(super) fn insert(
    tx: &Transaction<'_>,
    packet_id: &str,
    enrollment_id: &str,
    bytes: &[u8],
    now_ms: i64,
) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT INTO outbox (packet_id, enrollment_id, bytes, created_ms, state, next_attempt_ms) VALUES (?1, ?2, ?3, ?4, 'pending', ?4)",
        params![packet_id, enrollment_id, bytes, now_ms],
    )?;
    Ok(())
}

/// Adds what this build needs to an outbox table made by an earlier one (idempotent).
pub(super) fn migrate(conn: &Connection) -> rusqlite::Result<()> {
    let mut have = Vec::new();
    {
        let mut stmt = conn.prepare("SELECT name FROM pragma_table_info('outbox')")?;
        for name in stmt.query_map([], |r| r.get::<_, String>(0))? {
            have.push(name?);
        }
    }
    let upgrading = !have.iter().any(|h| h == "rejection");
    let tx = conn.unchecked_transaction()?;
    for (column, ty) in [
        ("rejection", "BLOB"),
        ("delivered_ms", "INTEGER"),
        ("purged_ms", "INTEGER"),
    ] {
        if !have.iter().any(|h| h == column) {
            tx.execute_batch(&format!("ALTER TABLE outbox ADD COLUMN {column} {ty}"))?;
        }
    }
    if upgrading {
        // Before signed rejections any 409/422 (a proxy's error page too) made a packet final.
        // Those refusals are unproven: send the packets again, the registry answers them with a
        // signed rejection if it still refuses them.
        let n = tx.execute(
            "UPDATE outbox SET state = 'pending', next_attempt_ms = 0,
                 last_error = 'sent again: an earlier rekam took an unsigned answer as a rejection: ' || COALESCE(last_error, '')
             WHERE state = 'rejected'",
            [],
        )?;
        if n > 0 {
            let at_ms: i64 =
                tx.query_row("SELECT COALESCE(MAX(at_ms), 0) FROM audit", [], |r| {
                    r.get(0)
                })?;
            let entry = AuditEntry::new(
                at_ms,
                "system",
                "outbox.unproven_rejections_requeued",
                "outbox",
                json!({ "packets": n }),
            );
            audit::append(&tx, &entry)?;
        }
    }
    tx.commit()?;
    // Covers the uploader's schedule query: the rows' packet bytes are never read to find what
    // is due (reading a column stored after a large blob walks the blob's overflow pages).
    conn.execute_batch(
        "CREATE INDEX IF NOT EXISTS outbox_by_state ON outbox (state, created_ms, packet_id, next_attempt_ms)",
    )?;
    Ok(())
}

/// The outbox of a store.
pub struct Outbox<'a> {
    pub(super) conn: &'a Connection,
}

impl Outbox<'_> {
    /// Pending packets due at `now_ms`, oldest first, at most `limit`.
    pub fn due(&self, now_ms: i64, limit: u32) -> Result<Vec<OutboxItem>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT packet_id, enrollment_id, bytes, attempts FROM outbox
             WHERE state = 'pending' AND next_attempt_ms <= ?1 ORDER BY created_ms, packet_id LIMIT ?2",
        )?;
        let items = stmt
            .query_map(params![now_ms, limit], |r| {
                Ok(OutboxItem {
                    packet_id: r.get(0)?,
                    enrollment_id: r.get(1)?,
                    bytes: r.get(2)?,
                    attempts: r.get(3)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(items)
    }

    /// Pending packets with when they are due, oldest first (no bytes read).
    pub fn schedule(&self) -> Result<Vec<Scheduled>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT packet_id, next_attempt_ms FROM outbox
             WHERE state = 'pending' ORDER BY created_ms, packet_id",
        )?;
        let rows = stmt
            .query_map([], |r| {
                Ok(Scheduled {
                    packet_id: r.get(0)?,
                    next_attempt_ms: r.get(1)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// The pending packets among `ids`, in the order given (ids no longer pending are left out).
    pub fn load_pending(&self, ids: &[String]) -> Result<Vec<OutboxItem>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT packet_id, enrollment_id, bytes, attempts FROM outbox
             WHERE packet_id = ?1 AND state = 'pending'",
        )?;
        let mut items = Vec::with_capacity(ids.len());
        for id in ids {
            let item = stmt
                .query_row([id], |r| {
                    Ok(OutboxItem {
                        packet_id: r.get(0)?,
                        enrollment_id: r.get(1)?,
                        bytes: r.get(2)?,
                        attempts: r.get(3)?,
                    })
                })
                .optional()?;
            items.extend(item);
        }
        Ok(items)
    }

    /// Every rejected packet with its signed rejection, oldest first.
    pub fn rejected_items(&self) -> Result<Vec<RejectedItem>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT packet_id, enrollment_id, bytes, attempts, rejection FROM outbox
             WHERE state = 'rejected' ORDER BY created_ms, packet_id",
        )?;
        let items = stmt
            .query_map([], |r| {
                Ok(RejectedItem {
                    item: OutboxItem {
                        packet_id: r.get(0)?,
                        enrollment_id: r.get(1)?,
                        bytes: r.get(2)?,
                        attempts: r.get(3)?,
                    },
                    rejection: r.get(4)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(items)
    }

    fn set(
        &self,
        packet_id: &str,
        sql: &str,
        p: &[&dyn rusqlite::ToSql],
    ) -> Result<(), StoreError> {
        let mut params: Vec<&dyn rusqlite::ToSql> = vec![&packet_id];
        params.extend_from_slice(p);
        if self.conn.execute(sql, params.as_slice())? == 0 {
            return Err(StoreError::NotFound(format!(
                "packet {packet_id} is not pending in the outbox"
            )));
        }
        Ok(())
    }

    /// Records the registry's receipt, received at `now_ms` (retention counts from then).
    pub fn delivered(
        &self,
        packet_id: &str,
        receipt: &[u8],
        now_ms: i64,
    ) -> Result<(), StoreError> {
        self.set(packet_id, "UPDATE outbox SET state = 'delivered', receipt = ?2, delivered_ms = ?3, last_error = NULL WHERE packet_id = ?1 AND state = 'pending'", &[&receipt, &now_ms])
    }

    /// Records a final refusal: the reason as the operator reads it and the registry's signed
    /// rejection, which proves it.
    pub fn rejected(
        &self,
        packet_id: &str,
        reason: &str,
        rejection: &[u8],
    ) -> Result<(), StoreError> {
        self.set(packet_id, "UPDATE outbox SET state = 'rejected', last_error = ?2, rejection = ?3 WHERE packet_id = ?1 AND state = 'pending'", &[&reason, &rejection])
    }

    /// Records a failed attempt and when to try again.
    pub fn failed(
        &self,
        packet_id: &str,
        error: &str,
        next_attempt_ms: i64,
    ) -> Result<(), StoreError> {
        self.set(
            packet_id,
            "UPDATE outbox SET attempts = attempts + 1, last_error = ?2, next_attempt_ms = ?3 WHERE packet_id = ?1 AND state = 'pending'",
            &[&error, &next_attempt_ms],
        )
    }

    /// Makes every pending packet due now (`rekam outbox retry`); rejected packets stay rejected.
    pub fn retry_all(&self, now_ms: i64) -> Result<u64, StoreError> {
        Ok(self.conn.execute(
            "UPDATE outbox SET next_attempt_ms = ?1 WHERE state = 'pending'",
            [now_ms],
        )? as u64)
    }

    /// Counts by state.
    pub fn status(&self) -> Result<OutboxStatus, StoreError> {
        let mut s = OutboxStatus::default();
        let mut stmt = self
            .conn
            .prepare("SELECT state, COUNT(*) FROM outbox GROUP BY state")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, u64>(1)?)))?;
        for row in rows {
            let (state, n) = row?;
            match state.as_str() {
                "pending" => s.pending = n,
                "delivered" => s.delivered = n,
                "rejected" => s.rejected = n,
                _ => {}
            }
        }
        Ok(s)
    }

    /// The enrollment a packet carried and its delivery state (print orders name both).
    pub fn enrollment_of(
        &self,
        packet_id: &str,
    ) -> Result<Option<(String, OutboxState)>, StoreError> {
        let row: Option<(String, String)> = self
            .conn
            .query_row(
                "SELECT enrollment_id, state FROM outbox WHERE packet_id = ?1",
                [packet_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        Ok(row.map(|(enrollment, s)| {
            let state = [
                OutboxState::Pending,
                OutboxState::Delivered,
                OutboxState::Rejected,
            ]
            .into_iter()
            .find(|st| st.as_str() == s)
            .unwrap_or(OutboxState::Pending);
            (enrollment, state)
        }))
    }

    /// The state, receipt and rejection of a packet.
    pub fn get(&self, packet_id: &str) -> Result<Option<Delivery>, StoreError> {
        type Row = (
            String,
            Option<Vec<u8>>,
            Option<Vec<u8>>,
            Option<String>,
            Option<i64>,
        );
        let row: Option<Row> = self
            .conn
            .query_row(
                "SELECT state, receipt, rejection, last_error, purged_ms FROM outbox WHERE packet_id = ?1",
                [packet_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .optional()?;
        Ok(row.map(|(s, receipt, rejection, last_error, purged_ms)| {
            let state = [
                OutboxState::Pending,
                OutboxState::Delivered,
                OutboxState::Rejected,
            ]
            .into_iter()
            .find(|st| st.as_str() == s)
            .unwrap_or(OutboxState::Pending);
            Delivery {
                state,
                receipt,
                rejection,
                last_error,
                purged_ms,
            }
        }))
    }
}

impl Store {
    /// A supervisor sends a rejected packet again (after the registry fixed what it refused, or
    /// to have the refusal confirmed): the packet becomes pending and due at `now_ms`, its signed
    /// rejection stays with it, and the audit log records who did it and why, in one transaction.
    pub fn requeue_rejected(
        &mut self,
        packet_id: &str,
        supervisor_id: &str,
        why: &str,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        let row: Option<(String, String, Option<String>)> = tx
            .query_row(
                "SELECT enrollment_id, state, last_error FROM outbox WHERE packet_id = ?1",
                [packet_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let Some((enrollment_id, state, refusal)) = row else {
            return Err(StoreError::NotFound(format!(
                "packet {packet_id} is not in the outbox"
            )));
        };
        if state != OutboxState::Rejected.as_str() {
            return Err(StoreError::NotFound(format!(
                "packet {packet_id} is {state}, not rejected; only a rejected packet is requeued"
            )));
        }
        tx.execute(
            "UPDATE outbox SET state = 'pending', next_attempt_ms = ?2, last_error = ?3 WHERE packet_id = ?1",
            params![
                packet_id,
                now_ms,
                format!("requeued by {supervisor_id}: {why}")
            ],
        )?;
        audit::append(
            &tx,
            &AuditEntry::new(
                now_ms,
                supervisor_id,
                "outbox.requeue",
                &enrollment_id,
                json!({ "packet_id": packet_id, "why": why, "rejected_for": refusal }),
            ),
        )?;
        tx.commit()?;
        self.advance_anchor();
        Ok(())
    }
}
