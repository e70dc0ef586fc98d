//! Card issuance in the store (schema version 5): the registry's print orders, the blank-card
//! batches and every blank consumed, the card-printed reports to deliver, pickups, and the NIK of
//! every enrollment this workstation finalized (so orders can be checked against it).
//!
//! Contract: every method is one transaction; times come in as arguments. An order's signed JSON
//! holds a photo and fingerprint templates, so it is sealed under the storage key with associated
//! data naming the order (a row copied to another order does not open); a store opened without
//! the key refuses to read or write orders ([`StoreError::Refused`] saying so). Operator acts
//! (receiving blanks, printing, spoiling, reprinting, pickups) append their audit entry in the
//! same transaction, the operator as actor. A blank is taken for an order (`printing`) before
//! the printer is touched, so a crash leaves a record to resolve; the card is recorded `printed`
//! together with its order, its signed report and the audit entry. Serials are the batch prefix
//! and the number zero-padded to six digits (`KTP-2026A-000001`); batches never overlap.

use std::collections::HashSet;

use rekam_protocol::model::check_identifier;
use rekam_protocol::print_order::SignedPrintOrder;
use rusqlite::{OptionalExtension, Transaction, params};
use serde::Serialize;
use serde_json::json;

use super::audit::{self, AuditEntry};
use super::{Store, StoreError};
use crate::office::stock::{self, StockLevel, StockPolicy};

/// The tables of version 5 (also part of a new database).
pub(super) const SCHEMA_5: &str = "
CREATE TABLE IF NOT EXISTS print_orders (
    order_id TEXT PRIMARY KEY,
    enrollment_id TEXT NOT NULL UNIQUE,
    nik TEXT NOT NULL,
    name TEXT NOT NULL,
    received_ms INTEGER NOT NULL,
    bytes BLOB NOT NULL,
    sealed INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL,
    card_serial TEXT,
    printed_ms INTEGER,
    collected_ms INTEGER
);
CREATE INDEX IF NOT EXISTS print_orders_nik ON print_orders (nik);
CREATE TABLE IF NOT EXISTS card_batches (
    batch_id TEXT PRIMARY KEY,
    prefix TEXT NOT NULL,
    first INTEGER NOT NULL,
    last INTEGER NOT NULL,
    received_ms INTEGER NOT NULL,
    received_by TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS card_blanks (
    serial TEXT PRIMARY KEY,
    batch_id TEXT NOT NULL,
    order_id TEXT,
    state TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    operator TEXT NOT NULL,
    reason TEXT,
    -- When the printer accepted the card's panels (NULL before): tells crash recovery whether
    -- the card was printed or only encoded.
    submitted_ms INTEGER
);
CREATE INDEX IF NOT EXISTS card_blanks_batch ON card_blanks (batch_id);
CREATE INDEX IF NOT EXISTS card_blanks_at ON card_blanks (at_ms);
CREATE TABLE IF NOT EXISTS card_reports (
    order_id TEXT PRIMARY KEY,
    bytes BLOB NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_ms INTEGER NOT NULL,
    last_error TEXT,
    ack BLOB
);
CREATE TABLE IF NOT EXISTS pickups (
    id INTEGER PRIMARY KEY,
    order_id TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    operator TEXT NOT NULL,
    outcome TEXT NOT NULL,
    finger INTEGER,
    score REAL,
    supervisor TEXT,
    detail TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS pickups_order ON pickups (order_id);
CREATE TABLE IF NOT EXISTS enrollment_niks (
    enrollment_id TEXT PRIMARY KEY,
    nik TEXT NOT NULL
);
";

/// The largest serial number in a batch (six digits).
pub const MAX_SERIAL_NUMBER: u64 = 999_999;

/// Where a print order is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderState {
    /// Received, no card yet (or its last card was spoiled).
    Waiting,
    /// A blank is in the printer for it.
    Printing,
    /// Its card is printed and waits for the resident.
    Printed,
    /// The resident has the card.
    Collected,
}

impl OrderState {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderState::Waiting => "waiting",
            OrderState::Printing => "printing",
            OrderState::Printed => "printed",
            OrderState::Collected => "collected",
        }
    }

    /// From the stored name.
    pub fn parse(s: &str) -> Option<OrderState> {
        Some(match s {
            "waiting" => OrderState::Waiting,
            "printing" => OrderState::Printing,
            "printed" => OrderState::Printed,
            "collected" => OrderState::Collected,
            _ => return None,
        })
    }
}

/// A print order as the office keeps it.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredOrder {
    /// The registry's order id.
    pub order_id: String,
    /// The enrollment the card is for.
    pub enrollment_id: String,
    /// The resident's NIK.
    pub nik: String,
    /// The resident's name.
    pub name: String,
    /// When the office received the order.
    pub received_ms: i64,
    /// Where it is.
    pub state: OrderState,
    /// The blank its card is printed on (once printed).
    pub card_serial: Option<String>,
    /// When its card was printed.
    pub printed_ms: Option<i64>,
    /// When the resident collected it.
    pub collected_ms: Option<i64>,
    /// The order as the registry signed it.
    pub signed: SignedPrintOrder,
}

/// What became of one delivery of a card-printed report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReportSettlement {
    /// The registry acknowledged it (a verified `SignedPrintAck`, as received).
    Acknowledged {
        /// The acknowledgement's JSON.
        ack: Vec<u8>,
    },
    /// The registry refused it for good with a verified signed refusal (`already_printed`): kept
    /// as `refused` with the refusal and its reason, audited `card_report.refused`.
    Refused {
        /// The signed refusal's JSON.
        refusal: Vec<u8>,
        /// Its code and reason, as the operator reads them.
        reason: String,
    },
    /// To be sent again.
    Retry {
        /// What went wrong.
        error: String,
        /// When to try again.
        next_attempt_ms: i64,
    },
}

/// How a pickup attempt ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PickupOutcome {
    /// The finger matched: the card was handed over.
    Collected,
    /// The finger did not match: refused.
    Refused,
    /// Handed over on a supervisor's approval (fingers unreadable).
    Approved,
}

impl PickupOutcome {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            PickupOutcome::Collected => "collected",
            PickupOutcome::Refused => "refused",
            PickupOutcome::Approved => "approved",
        }
    }

    /// The audit log's action for an attempt with this outcome.
    pub fn audit_action(self) -> &'static str {
        match self {
            PickupOutcome::Collected => "card.handed_over",
            PickupOutcome::Refused => "card.pickup_refused",
            PickupOutcome::Approved => "card.pickup_approved",
        }
    }

    /// From the stored name.
    pub fn parse(s: &str) -> Option<PickupOutcome> {
        Some(match s {
            "collected" => PickupOutcome::Collected,
            "refused" => PickupOutcome::Refused,
            "approved" => PickupOutcome::Approved,
            _ => return None,
        })
    }
}

/// One pickup attempt.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PickupRecord {
    /// The order.
    pub order_id: String,
    /// When.
    pub at_ms: i64,
    /// The operator at the desk.
    pub operator: String,
    /// How it ended.
    pub outcome: PickupOutcome,
    /// The finger taken (ISO position), if one was.
    pub finger: Option<u8>,
    /// Its 1:1 score, if compared.
    pub score: Option<f64>,
    /// The supervisor who approved, if one did.
    pub supervisor: Option<String>,
    /// What happened, in words.
    pub detail: String,
}

/// A batch of blank cards as received.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CardBatch {
    /// The batch's id (from the delivery note).
    pub batch_id: String,
    /// The serials' prefix.
    pub prefix: String,
    /// The first serial number.
    pub first: u64,
    /// The last serial number (inclusive).
    pub last: u64,
}

impl CardBatch {
    /// Blanks in the batch.
    pub fn size(&self) -> u64 {
        self.last.saturating_sub(self.first) + 1
    }

    /// Serial number `n` of this batch.
    pub fn serial(&self, n: u64) -> String {
        card_serial(&self.prefix, n)
    }
}

/// A received batch with what was used of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BatchStock {
    /// The batch.
    pub batch: CardBatch,
    /// When it was received.
    pub received_ms: i64,
    /// Who received it.
    pub received_by: String,
    /// Blanks consumed from it (printed or spoiled, or in the printer now).
    pub consumed: u64,
}

/// What became of one blank.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BlankState {
    /// In the printer (or left there by a crash).
    Printing,
    /// A card was printed on it.
    Printed,
    /// Spoiled (a jam, a failed chip, a reprint).
    Spoiled,
}

impl BlankState {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            BlankState::Printing => "printing",
            BlankState::Printed => "printed",
            BlankState::Spoiled => "spoiled",
        }
    }

    /// From the stored name.
    pub fn parse(s: &str) -> Option<BlankState> {
        Some(match s {
            "printing" => BlankState::Printing,
            "printed" => BlankState::Printed,
            "spoiled" => BlankState::Spoiled,
            _ => return None,
        })
    }
}

/// One consumed blank.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BlankRecord {
    /// Its serial.
    pub serial: String,
    /// Its batch.
    pub batch_id: String,
    /// The order it was taken for.
    pub order_id: Option<String>,
    /// What became of it.
    pub state: BlankState,
    /// When it was taken.
    pub at_ms: i64,
    /// Who took it.
    pub operator: String,
    /// Why it was spoiled.
    pub reason: Option<String>,
}

/// A serial: the prefix and the number zero-padded to six digits.
pub fn card_serial(prefix: &str, n: u64) -> String {
    format!("{prefix}{n:06}")
}

fn order_aad(order_id: &str) -> Vec<u8> {
    format!("rekam print order {order_id}").into_bytes()
}

fn no_key() -> StoreError {
    StoreError::Refused(
        "print orders are encrypted at rest (they hold the resident's photo and fingerprint templates), and this database was opened without the workstation storage key".into(),
    )
}

fn corrupt(what: impl Into<String>, reason: impl Into<String>) -> StoreError {
    StoreError::CorruptSession {
        id: what.into(),
        reason: reason.into(),
    }
}

const ORDER_COLUMNS: &str = "order_id, enrollment_id, nik, name, received_ms, state, card_serial, printed_ms, collected_ms, bytes, sealed";

type OrderRow = (
    String,
    String,
    String,
    String,
    i64,
    String,
    Option<String>,
    Option<i64>,
    Option<i64>,
    Vec<u8>,
    bool,
);

fn order_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<OrderRow> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
        r.get(8)?,
        r.get(9)?,
        r.get(10)?,
    ))
}

type BlankRow = (
    String,
    String,
    Option<String>,
    String,
    i64,
    String,
    Option<String>,
);

fn blank_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<BlankRow> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
    ))
}

/// The state of order `order_id` inside a transaction.
fn order_state(tx: &Transaction<'_>, order_id: &str) -> Result<OrderState, StoreError> {
    let state: Option<String> = tx
        .query_row(
            "SELECT state FROM print_orders WHERE order_id = ?1",
            [order_id],
            |r| r.get(0),
        )
        .optional()?;
    let state =
        state.ok_or_else(|| StoreError::NotFound(format!("no print order {order_id:?}")))?;
    OrderState::parse(&state).ok_or_else(|| {
        corrupt(
            format!("print order {order_id}"),
            format!("unknown state {state:?}"),
        )
    })
}

/// The blank `serial` and its order, which must be `printing`.
fn printing_blank(tx: &Transaction<'_>, serial: &str) -> Result<String, StoreError> {
    let row: Option<(Option<String>, String)> = tx
        .query_row(
            "SELECT order_id, state FROM card_blanks WHERE serial = ?1",
            [serial],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    match row {
        None => Err(StoreError::NotFound(format!(
            "no blank card {serial:?} was taken"
        ))),
        Some((Some(order), state)) if state == "printing" => Ok(order),
        Some((_, state)) => Err(StoreError::Refused(format!(
            "blank card {serial} is {state}, not in the printer"
        ))),
    }
}

/// The lowest unused serial of the oldest batch that has one: (batch id, serial).
fn next_blank(tx: &Transaction<'_>) -> Result<Option<(String, String)>, StoreError> {
    let batches: Vec<(String, String, i64, i64)> = tx
        .prepare(
            "SELECT batch_id, prefix, first, last FROM card_batches ORDER BY received_ms, rowid",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<Result<_, _>>()?;
    for (batch_id, prefix, first, last) in batches {
        let used: HashSet<String> = tx
            .prepare("SELECT serial FROM card_blanks WHERE batch_id = ?1")?
            .query_map([&batch_id], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        if i64::try_from(used.len()).unwrap_or(i64::MAX) > last - first {
            continue;
        }
        for n in first..=last {
            let serial = card_serial(&prefix, u64::try_from(n).unwrap_or(0));
            if !used.contains(&serial) {
                return Ok(Some((batch_id, serial)));
            }
        }
    }
    Ok(None)
}

/// Records what finalize learned: enrollment `enrollment_id` was of `nik` (part of the finalize
/// transaction).
pub(super) fn insert_enrollment_nik(
    tx: &Transaction<'_>,
    enrollment_id: &str,
    nik: &str,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO enrollment_niks (enrollment_id, nik) VALUES (?1, ?2)
         ON CONFLICT(enrollment_id) DO UPDATE SET nik = excluded.nik",
        params![enrollment_id, nik],
    )?;
    Ok(())
}

impl Store {
    fn order_of(&self, row: OrderRow) -> Result<StoredOrder, StoreError> {
        let (
            order_id,
            enrollment_id,
            nik,
            name,
            received_ms,
            state,
            card_serial,
            printed_ms,
            collected_ms,
            bytes,
            sealed,
        ) = row;
        let what = format!("print order {order_id}");
        let state = OrderState::parse(&state)
            .ok_or_else(|| corrupt(what.clone(), format!("unknown state {state:?}")))?;
        let json = if sealed {
            let seal = self.seal.as_deref().ok_or_else(no_key)?;
            seal.open(&order_aad(&order_id), &bytes, &what)
                .map_err(|e| self.altered(e))?
        } else {
            bytes
        };
        let signed = SignedPrintOrder::parse(&json).map_err(|e| corrupt(what, e.to_string()))?;
        Ok(StoredOrder {
            order_id,
            enrollment_id,
            nik,
            name,
            received_ms,
            state,
            card_serial,
            printed_ms,
            collected_ms,
            signed,
        })
    }

    fn orders_where(
        &self,
        clause: &str,
        args: &[&dyn rusqlite::ToSql],
    ) -> Result<Vec<StoredOrder>, StoreError> {
        let rows: Vec<OrderRow> = self
            .conn
            .prepare(&format!(
                "SELECT {ORDER_COLUMNS} FROM print_orders {clause}"
            ))?
            .query_map(args, order_row)?
            .collect::<Result<_, _>>()?;
        rows.into_iter().map(|r| self.order_of(r)).collect()
    }

    /// Keeps a verified print order (sealed at rest); false when it is already held. Another
    /// order for an enrollment that already has one is refused.
    pub fn put_print_order(
        &mut self,
        order: &SignedPrintOrder,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let seal = self.seal.clone().ok_or_else(no_key)?;
        let o = &order.print_order;
        let tx = self.conn.transaction()?;
        let held: Option<String> = tx
            .query_row(
                "SELECT order_id FROM print_orders WHERE order_id = ?1 OR enrollment_id = ?2",
                params![o.order_id, o.enrollment_id],
                |r| r.get(0),
            )
            .optional()?;
        match held {
            Some(id) if id == o.order_id => return Ok(false),
            Some(id) => {
                return Err(StoreError::Refused(format!(
                    "enrollment {} already has print order {id}; order {} is a second one",
                    o.enrollment_id, o.order_id
                )));
            }
            None => {}
        }
        let sealed = seal.seal(&order_aad(&o.order_id), &order.to_json())?;
        tx.execute(
            "INSERT INTO print_orders (order_id, enrollment_id, nik, name, received_ms, bytes, sealed, state)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1, 'waiting')",
            params![o.order_id, o.enrollment_id, o.card.nik, o.card.name, now_ms, sealed],
        )?;
        tx.commit()?;
        Ok(true)
    }

    /// The order `order_id`, if held.
    pub fn print_order(&self, order_id: &str) -> Result<Option<StoredOrder>, StoreError> {
        Ok(self
            .orders_where("WHERE order_id = ?1", &[&order_id])?
            .into_iter()
            .next())
    }

    /// The newest order for `nik`, if any.
    pub fn print_order_by_nik(&self, nik: &str) -> Result<Option<StoredOrder>, StoreError> {
        Ok(self
            .orders_where(
                "WHERE nik = ?1 ORDER BY received_ms DESC, rowid DESC LIMIT 1",
                &[&nik],
            )?
            .into_iter()
            .next())
    }

    /// Orders (in `state`, or all), oldest first.
    pub fn print_orders(&self, state: Option<OrderState>) -> Result<Vec<StoredOrder>, StoreError> {
        match state {
            Some(s) => self.orders_where(
                "WHERE state = ?1 ORDER BY received_ms, rowid",
                &[&s.as_str()],
            ),
            None => self.orders_where("ORDER BY received_ms, rowid", &[]),
        }
    }

    /// The NIK of an enrollment this workstation finalized, if it did.
    pub fn enrollment_nik(&self, enrollment_id: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT nik FROM enrollment_niks WHERE enrollment_id = ?1",
                [enrollment_id],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Records the NIK of an enrollment (finalize does it in its own transaction).
    pub fn record_enrollment_nik(
        &mut self,
        enrollment_id: &str,
        nik: &str,
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        insert_enrollment_nik(&tx, enrollment_id, nik)?;
        tx.commit()?;
        Ok(())
    }

    /// Card-printed reports due for delivery at `now_ms`, soonest first: (order id, the signed
    /// report's JSON).
    pub fn due_card_reports(
        &self,
        now_ms: i64,
        limit: usize,
    ) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        let rows = self
            .conn
            .prepare(
                "SELECT order_id, bytes FROM card_reports WHERE state = 'pending' AND next_attempt_ms <= ?1
                 ORDER BY next_attempt_ms, order_id LIMIT ?2",
            )?
            .query_map(
                params![now_ms, i64::try_from(limit).unwrap_or(i64::MAX)],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// Records what became of one delivery of the report of `order_id`.
    pub fn settle_card_report(
        &mut self,
        order_id: &str,
        outcome: ReportSettlement,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        let n = match outcome {
            ReportSettlement::Acknowledged { ack } => tx.execute(
                "UPDATE card_reports SET state = 'acknowledged', ack = ?2, attempts = attempts + 1,
                     last_error = NULL, next_attempt_ms = ?3 WHERE order_id = ?1",
                params![order_id, ack, now_ms],
            )?,
            ReportSettlement::Refused { refusal, reason } => {
                let n = tx.execute(
                    "UPDATE card_reports SET state = 'refused', ack = ?2, attempts = attempts + 1,
                         last_error = ?3, next_attempt_ms = ?4 WHERE order_id = ?1 AND state = 'pending'",
                    params![order_id, refusal, reason, now_ms],
                )?;
                if n > 0 {
                    audit::append(
                        &tx,
                        &AuditEntry::new(
                            now_ms,
                            "system",
                            "card_report.refused",
                            order_id,
                            json!({ "reason": reason }),
                        ),
                    )?;
                }
                n
            }
            ReportSettlement::Retry {
                error,
                next_attempt_ms,
            } => tx.execute(
                "UPDATE card_reports SET attempts = attempts + 1, last_error = ?2, next_attempt_ms = ?3
                 WHERE order_id = ?1 AND state = 'pending'",
                params![order_id, error, next_attempt_ms],
            )?,
        };
        if n == 0 {
            return Err(StoreError::NotFound(format!(
                "no pending card-printed report for order {order_id:?}"
            )));
        }
        tx.commit()?;
        self.advance_anchor();
        Ok(())
    }

    /// The state of the report of `order_id`: (`pending`|`acknowledged`|`refused`, attempts, last
    /// error).
    /// Records that the printer accepted the panels of the card on `serial` (still `printing`).
    pub fn mark_blank_submitted(&mut self, serial: &str, now_ms: i64) -> Result<(), StoreError> {
        let n = self.conn.execute(
            "UPDATE card_blanks SET submitted_ms = ?2 WHERE serial = ?1 AND state = 'printing'",
            params![serial, now_ms],
        )?;
        if n == 0 {
            return Err(StoreError::Refused(format!(
                "blank card {serial} is not in the printer"
            )));
        }
        Ok(())
    }

    /// Whether the printer accepted the panels of the card on `serial`.
    pub fn blank_submitted(&self, serial: &str) -> Result<bool, StoreError> {
        let at: Option<Option<i64>> = self
            .conn
            .query_row(
                "SELECT submitted_ms FROM card_blanks WHERE serial = ?1",
                [serial],
                |r| r.get(0),
            )
            .optional()?;
        Ok(matches!(at, Some(Some(_))))
    }

    /// The signed card-printed report kept for an order (the latest card's), if any.
    pub fn card_report(&self, order_id: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT bytes FROM card_reports WHERE order_id = ?1",
                [order_id],
                |r| r.get(0),
            )
            .optional()?)
    }

    pub fn card_report_state(
        &self,
        order_id: &str,
    ) -> Result<Option<(String, u32, Option<String>)>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT state, attempts, last_error FROM card_reports WHERE order_id = ?1",
                [order_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?)
    }

    /// Records a pickup attempt with its audit entry; a collected or approved one also marks the
    /// order collected, and is refused unless the order's card is printed and not yet collected.
    pub fn record_pickup(&mut self, p: &PickupRecord) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        let state = order_state(&tx, &p.order_id)?;
        if p.outcome != PickupOutcome::Refused {
            if state != OrderState::Printed {
                return Err(StoreError::Refused(format!(
                    "the card of order {} cannot be handed over: the order is {}",
                    p.order_id,
                    state.as_str()
                )));
            }
            tx.execute(
                "UPDATE print_orders SET state = 'collected', collected_ms = ?2 WHERE order_id = ?1",
                params![p.order_id, p.at_ms],
            )?;
        }
        tx.execute(
            "INSERT INTO pickups (order_id, at_ms, operator, outcome, finger, score, supervisor, detail)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                p.order_id,
                p.at_ms,
                p.operator,
                p.outcome.as_str(),
                p.finger,
                p.score,
                p.supervisor,
                p.detail
            ],
        )?;
        audit::append(
            &tx,
            &AuditEntry::new(
                p.at_ms,
                &p.operator,
                p.outcome.audit_action(),
                &p.order_id,
                json!({
                    "outcome": p.outcome.as_str(),
                    "finger": p.finger,
                    "score": p.score,
                    "supervisor": p.supervisor,
                    "detail": p.detail,
                }),
            ),
        )?;
        tx.commit()?;
        self.advance_anchor();
        Ok(())
    }

    /// The pickup attempts of `order_id`, oldest first.
    pub fn pickups(&self, order_id: &str) -> Result<Vec<PickupRecord>, StoreError> {
        type Row = (
            String,
            i64,
            String,
            String,
            Option<u8>,
            Option<f64>,
            Option<String>,
            String,
        );
        let rows: Vec<Row> = self
            .conn
            .prepare(
                "SELECT order_id, at_ms, operator, outcome, finger, score, supervisor, detail
                 FROM pickups WHERE order_id = ?1 ORDER BY id",
            )?
            .query_map([order_id], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                ))
            })?
            .collect::<Result<_, _>>()?;
        rows.into_iter()
            .map(
                |(order_id, at_ms, operator, outcome, finger, score, supervisor, detail)| {
                    let outcome = PickupOutcome::parse(&outcome).ok_or_else(|| {
                        corrupt(
                            format!("pickup of {order_id}"),
                            format!("unknown outcome {outcome:?}"),
                        )
                    })?;
                    Ok(PickupRecord {
                        order_id,
                        at_ms,
                        operator,
                        outcome,
                        finger,
                        score,
                        supervisor,
                        detail,
                    })
                },
            )
            .collect()
    }

    /// Receives a batch of blanks, audited as `operator`'s act. Refused with the reason: a bad
    /// id or prefix, an empty or reversed range, numbers over six digits, a batch id already
    /// used, a range overlapping another batch of the same prefix, or a serial already consumed.
    pub fn receive_card_batch(
        &mut self,
        batch: &CardBatch,
        operator: &str,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let refuse =
            |why: String| StoreError::Refused(format!("batch {:?} refused: {why}", batch.batch_id));
        check_identifier("batch", &batch.batch_id).map_err(|e| refuse(e.to_string()))?;
        if batch.prefix.is_empty()
            || batch.prefix.len() > 58
            || !batch
                .prefix
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        {
            return Err(refuse(format!(
                "the prefix {:?} is not 1-58 characters of A-Z a-z 0-9 . _ -",
                batch.prefix
            )));
        }
        if batch.first > batch.last {
            return Err(refuse(format!(
                "the first serial number {} is after the last {}",
                batch.first, batch.last
            )));
        }
        if batch.last > MAX_SERIAL_NUMBER {
            return Err(refuse(format!(
                "serial numbers have six digits; {} is too large",
                batch.last
            )));
        }
        let tx = self.conn.transaction()?;
        let dup: bool = tx.query_row(
            "SELECT EXISTS(SELECT 1 FROM card_batches WHERE batch_id = ?1)",
            [&batch.batch_id],
            |r| r.get(0),
        )?;
        if dup {
            return Err(refuse("a batch with this id was already received".into()));
        }
        let first = i64::try_from(batch.first).unwrap_or(i64::MAX);
        let last = i64::try_from(batch.last).unwrap_or(i64::MAX);
        let overlap: Option<(String, i64, i64)> = tx
            .query_row(
                "SELECT batch_id, first, last FROM card_batches WHERE prefix = ?1 AND first <= ?3 AND last >= ?2
                 ORDER BY first LIMIT 1",
                params![batch.prefix, first, last],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        if let Some((other, f, l)) = overlap {
            return Err(refuse(format!(
                "its serials {}..{} overlap batch {other} ({}..{})",
                batch.serial(batch.first),
                batch.serial(batch.last),
                card_serial(&batch.prefix, u64::try_from(f).unwrap_or(0)),
                card_serial(&batch.prefix, u64::try_from(l).unwrap_or(0)),
            )));
        }
        // Serials of one prefix all have the same length, so they compare as their numbers.
        let used: Option<String> = tx
            .query_row(
                "SELECT serial FROM card_blanks WHERE length(serial) = ?1 AND serial BETWEEN ?2 AND ?3
                 ORDER BY serial LIMIT 1",
                params![
                    i64::try_from(batch.serial(0).len()).unwrap_or(0),
                    batch.serial(batch.first),
                    batch.serial(batch.last)
                ],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(serial) = used {
            return Err(refuse(format!("serial {serial} was already used")));
        }
        tx.execute(
            "INSERT INTO card_batches (batch_id, prefix, first, last, received_ms, received_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![batch.batch_id, batch.prefix, first, last, now_ms, operator],
        )?;
        audit::append(
            &tx,
            &AuditEntry::new(
                now_ms,
                operator,
                "cards.receive",
                &batch.batch_id,
                json!({
                    "first": batch.serial(batch.first),
                    "last": batch.serial(batch.last),
                    "count": batch.size(),
                }),
            ),
        )?;
        tx.commit()?;
        self.advance_anchor();
        Ok(())
    }

    /// Every batch received, oldest first, with what was consumed of it.
    pub fn card_batches(&self) -> Result<Vec<BatchStock>, StoreError> {
        type Row = (String, String, i64, i64, i64, String, i64);
        let rows: Vec<Row> = self
            .conn
            .prepare(
                "SELECT b.batch_id, b.prefix, b.first, b.last, b.received_ms, b.received_by,
                     (SELECT COUNT(*) FROM card_blanks k WHERE k.batch_id = b.batch_id)
                 FROM card_batches b ORDER BY b.received_ms, b.rowid",
            )?
            .query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                ))
            })?
            .collect::<Result<_, _>>()?;
        Ok(rows
            .into_iter()
            .map(
                |(batch_id, prefix, first, last, received_ms, received_by, consumed)| BatchStock {
                    batch: CardBatch {
                        batch_id,
                        prefix,
                        first: u64::try_from(first).unwrap_or(0),
                        last: u64::try_from(last).unwrap_or(0),
                    },
                    received_ms,
                    received_by,
                    consumed: u64::try_from(consumed).unwrap_or(0),
                },
            )
            .collect())
    }

    /// Blanks received and not consumed.
    pub fn blanks_in_stock(&self) -> Result<u64, StoreError> {
        let (received, consumed): (i64, i64) = self.conn.query_row(
            "SELECT (SELECT COALESCE(SUM(last - first + 1), 0) FROM card_batches),
                    (SELECT COUNT(*) FROM card_blanks)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        Ok(u64::try_from(received - consumed).unwrap_or(0))
    }

    /// The stock level at `now_ms` under `policy` (see [`crate::office::stock`]).
    pub fn card_stock(&self, policy: &StockPolicy, now_ms: i64) -> Result<StockLevel, StoreError> {
        let off = policy.utc_offset_minutes;
        let today = stock::day_of(now_ms, off);
        let since = stock::start_of_day(today - i64::from(policy.rate_window_days), off);
        let events: Vec<(i64, bool)> = self
            .conn
            .prepare(
                "SELECT at_ms, state = 'printed' FROM card_blanks WHERE state != 'printing' AND at_ms >= ?1",
            )?
            .query_map([since], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let first: Option<i64> =
            self.conn
                .query_row("SELECT MIN(received_ms) FROM card_batches", [], |r| {
                    r.get(0)
                })?;
        let usage = stock::usage_of(policy, &events, first, now_ms);
        Ok(stock::level(policy, self.blanks_in_stock()?, &usage))
    }

    /// Takes the next blank (the lowest unused serial of the oldest batch) for `order_id`, which
    /// must be waiting: the blank is recorded `printing` and the order `printing`, audited as
    /// `operator`'s. None when no blank is left (nothing recorded).
    pub fn take_blank(
        &mut self,
        order_id: &str,
        operator: &str,
        now_ms: i64,
    ) -> Result<Option<String>, StoreError> {
        let tx = self.conn.transaction()?;
        let state = order_state(&tx, order_id)?;
        if state != OrderState::Waiting {
            return Err(StoreError::Refused(format!(
                "order {order_id} is {}, not waiting to be printed",
                state.as_str()
            )));
        }
        let Some((batch_id, serial)) = next_blank(&tx)? else {
            return Ok(None);
        };
        tx.execute(
            "INSERT INTO card_blanks (serial, batch_id, order_id, state, at_ms, operator)
             VALUES (?1, ?2, ?3, 'printing', ?4, ?5)",
            params![serial, batch_id, order_id, now_ms, operator],
        )?;
        tx.execute(
            "UPDATE print_orders SET state = 'printing' WHERE order_id = ?1",
            [order_id],
        )?;
        audit::append(
            &tx,
            &AuditEntry::new(
                now_ms,
                operator,
                "card.print",
                order_id,
                json!({ "serial": serial }),
            ),
        )?;
        tx.commit()?;
        self.advance_anchor();
        Ok(Some(serial))
    }

    /// Records the blank `serial` (in the printer) spoiled for `reason`; its order waits again.
    pub fn spoil_blank(
        &mut self,
        serial: &str,
        reason: &str,
        operator: &str,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        let order_id = printing_blank(&tx, serial)?;
        tx.execute(
            "UPDATE card_blanks SET state = 'spoiled', reason = ?2, at_ms = ?3 WHERE serial = ?1",
            params![serial, reason, now_ms],
        )?;
        tx.execute(
            "UPDATE print_orders SET state = 'waiting' WHERE order_id = ?1 AND state = 'printing'",
            [&order_id],
        )?;
        audit::append(
            &tx,
            &AuditEntry::new(
                now_ms,
                operator,
                "card.spoiled",
                &order_id,
                json!({ "serial": serial, "reason": reason }),
            ),
        )?;
        tx.commit()?;
        self.advance_anchor();
        Ok(())
    }

    /// Records the card on blank `serial` printed and read back: the blank `printed`, its order
    /// `printed` on it, the signed card-printed report queued for delivery and the audit entry,
    /// together.
    pub fn complete_card(
        &mut self,
        serial: &str,
        report: &[u8],
        operator: &str,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        let order_id = printing_blank(&tx, serial)?;
        tx.execute(
            "UPDATE card_blanks SET state = 'printed', at_ms = ?2 WHERE serial = ?1",
            params![serial, now_ms],
        )?;
        tx.execute(
            "UPDATE print_orders SET state = 'printed', card_serial = ?2, printed_ms = ?3 WHERE order_id = ?1",
            params![order_id, serial, now_ms],
        )?;
        // A reprint replaces the earlier card's report (that card is spoiled).
        tx.execute(
            "INSERT INTO card_reports (order_id, bytes, state, attempts, next_attempt_ms)
             VALUES (?1, ?2, 'pending', 0, ?3)
             ON CONFLICT(order_id) DO UPDATE SET bytes = excluded.bytes, state = 'pending',
                 attempts = 0, next_attempt_ms = excluded.next_attempt_ms, last_error = NULL, ack = NULL",
            params![order_id, report, now_ms],
        )?;
        audit::append(
            &tx,
            &AuditEntry::new(
                now_ms,
                operator,
                "card.printed",
                &order_id,
                json!({ "serial": serial }),
            ),
        )?;
        tx.commit()?;
        self.advance_anchor();
        Ok(())
    }

    /// A supervisor's reprint: the printed (not collected) card of `order_id` is recorded spoiled
    /// for `reason` and the order waits for a new card. Refused when no blank is left to print
    /// the new one on. Returns the spoiled card's serial.
    pub fn void_printed_card(
        &mut self,
        order_id: &str,
        reason: &str,
        supervisor: &str,
        now_ms: i64,
    ) -> Result<String, StoreError> {
        if reason.trim().is_empty() {
            return Err(StoreError::Refused("a reprint needs a reason".into()));
        }
        let tx = self.conn.transaction()?;
        let state = order_state(&tx, order_id)?;
        if state != OrderState::Printed {
            return Err(StoreError::Refused(format!(
                "order {order_id} is {}: only a printed card that was not collected can be reprinted",
                state.as_str()
            )));
        }
        if next_blank(&tx)?.is_none() {
            return Err(StoreError::Refused(
                "no blank cards in stock to reprint on".into(),
            ));
        }
        let serial: String = tx.query_row(
            "SELECT card_serial FROM print_orders WHERE order_id = ?1",
            [order_id],
            |r| r.get(0),
        )?;
        // The blank keeps its time: it was consumed when it was printed.
        tx.execute(
            "UPDATE card_blanks SET state = 'spoiled', reason = ?2 WHERE serial = ?1",
            params![serial, format!("reprinted: {reason}")],
        )?;
        tx.execute(
            "UPDATE print_orders SET state = 'waiting', card_serial = NULL, printed_ms = NULL WHERE order_id = ?1",
            [order_id],
        )?;
        audit::append(
            &tx,
            &AuditEntry::new(
                now_ms,
                supervisor,
                "card.reprint",
                order_id,
                json!({ "spoiled": serial, "reason": reason }),
            ),
        )?;
        tx.commit()?;
        self.advance_anchor();
        Ok(serial)
    }

    /// Consumed blanks (of `order_id`, or all), in the order they were taken.
    pub fn card_blanks(&self, order_id: Option<&str>) -> Result<Vec<BlankRecord>, StoreError> {
        match order_id {
            Some(o) => self.blanks_where("WHERE order_id = ?1", &[o]),
            None => self.blanks_where("", &[]),
        }
    }

    /// Blanks left `printing` (by a crash), in the order they were taken.
    pub fn blanks_printing(&self) -> Result<Vec<BlankRecord>, StoreError> {
        self.blanks_where("WHERE state = 'printing'", &[])
    }

    fn blanks_where(&self, filter: &str, args: &[&str]) -> Result<Vec<BlankRecord>, StoreError> {
        let rows: Vec<_> = self
            .conn
            .prepare(&format!(
                "SELECT serial, batch_id, order_id, state, at_ms, operator, reason FROM card_blanks \
                 {filter} ORDER BY rowid"
            ))?
            .query_map(rusqlite::params_from_iter(args), blank_row)?
            .collect::<Result<_, _>>()?;
        rows.into_iter()
            .map(
                |(serial, batch_id, order_id, state, at_ms, operator, reason)| {
                    let state = BlankState::parse(&state).ok_or_else(|| {
                        corrupt(
                            format!("blank card {serial}"),
                            format!("unknown state {state:?}"),
                        )
                    })?;
                    Ok(BlankRecord {
                        serial,
                        batch_id,
                        order_id,
                        state,
                        at_ms,
                        operator,
                        reason,
                    })
                },
            )
            .collect()
    }
}

#[cfg(test)]
#[path = "cards_tests.rs"]
mod tests;
