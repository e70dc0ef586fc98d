//! The outbox: sealed packets waiting for the registry, with their delivery state.
//!
//! Contract: a packet is stored once (by packet id, and once per enrollment); its bytes never
//! change; delivery state moves pending -> delivered (with the receipt) or pending -> rejected
//! (with the registry's reason), and failures only reschedule.

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::StoreError;

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

    /// Records the registry's receipt.
    pub fn delivered(&self, packet_id: &str, receipt: &[u8]) -> Result<(), StoreError> {
        self.set(packet_id, "UPDATE outbox SET state = 'delivered', receipt = ?2, last_error = NULL WHERE packet_id = ?1 AND state = 'pending'", &[&receipt])
    }

    /// Records a final refusal.
    pub fn rejected(&self, packet_id: &str, reason: &str) -> Result<(), StoreError> {
        self.set(packet_id, "UPDATE outbox SET state = 'rejected', last_error = ?2 WHERE packet_id = ?1 AND state = 'pending'", &[&reason])
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

    /// Makes every pending packet due now (`rekam outbox retry`).
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

    /// The state and receipt of a packet.
    pub fn get(&self, packet_id: &str) -> Result<Option<Delivery>, StoreError> {
        let row: Option<(String, Option<Vec<u8>>)> = self
            .conn
            .query_row(
                "SELECT state, receipt FROM outbox WHERE packet_id = ?1",
                [packet_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        Ok(row.map(|(s, r)| {
            let state = [
                OutboxState::Pending,
                OutboxState::Delivered,
                OutboxState::Rejected,
            ]
            .into_iter()
            .find(|st| st.as_str() == s)
            .unwrap_or(OutboxState::Pending);
            Delivery { state, receipt: r }
        }))
    }
}
