//! A thin stand-in for the card-issuance service calls of the contract (h-print's printing and
//! stock, h-pickup's pickup), so the pages can be written before those land.
//!
//! Contract: the names and shapes are exactly the contract's; every call refuses with a
//! [`ServiceError::Rejected`] until the real calls are merged, when this file is deleted and the
//! pages import from `crate::office`.

use crate::service::{Agent, ServiceError};

/// Where an order stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrderState {
    /// Not printed yet.
    Waiting,
    /// A blank is in the printer.
    Printing,
    /// Printed, not collected.
    Printed,
    /// Handed over.
    Collected,
}

/// A print order as the store holds it.
#[derive(Clone, Debug)]
pub struct StoredOrder {
    /// The registry's id.
    pub order_id: String,
    /// The enrollment.
    pub enrollment_id: String,
    /// NIK.
    pub nik: String,
    /// Name.
    pub name: String,
    /// When it was fetched.
    pub received_ms: i64,
    /// Where it stands.
    pub state: OrderState,
    /// The blank it was printed on.
    pub card_serial: Option<String>,
    /// When.
    pub printed_ms: Option<i64>,
    /// When collected.
    pub collected_ms: Option<i64>,
    /// The order itself.
    pub signed: rekam_protocol::print_order::SignedPrintOrder,
}

/// What happened to one order.
#[derive(Clone, Debug)]
pub struct PrintResult {
    /// The order.
    pub order_id: String,
    /// The outcome.
    pub outcome: PrintOutcome,
}

/// Printed, spoiled or not printed.
#[derive(Clone, Debug)]
pub enum PrintOutcome {
    /// Printed on `serial`.
    Printed {
        /// The blank.
        serial: String,
    },
    /// The blank was spoiled.
    Spoiled {
        /// The blank.
        serial: String,
        /// Why.
        reason: String,
        /// The blank it was printed on after.
        reprinted_on: Option<String>,
    },
    /// No blank used.
    NotPrinted {
        /// Why.
        reason: String,
    },
}

/// The stock of blanks.
#[derive(Clone, Debug)]
pub struct StockLevel {
    /// Blanks left.
    pub in_stock: u64,
    /// Printed today.
    pub printed_today: u64,
    /// Spoiled today.
    pub spoiled_today: u64,
    /// Blanks a day.
    pub daily_rate: f64,
    /// Days until none is left.
    pub days_left: Option<f64>,
    /// Run-out alert.
    pub alert: bool,
    /// Cards to print a day.
    pub daily_target: u64,
}

/// A received batch.
#[derive(Clone, Debug)]
pub struct CardBatch {
    /// Id.
    pub batch_id: String,
    /// Serial prefix.
    pub prefix: String,
    /// First number.
    pub first: u64,
    /// Last number.
    pub last: u64,
    /// When.
    pub received_ms: i64,
    /// By whom.
    pub received_by: String,
}

/// One pickup attempt.
#[derive(Clone, Debug)]
pub struct PickupRecord {
    /// The order.
    pub order_id: String,
    /// When.
    pub at_ms: i64,
    /// Who.
    pub operator: String,
    /// Outcome.
    pub outcome: PickupOutcome,
    /// Which finger.
    pub finger: Option<u8>,
    /// Score.
    pub score: Option<f64>,
    /// Supervisor.
    pub supervisor: Option<String>,
    /// Detail.
    pub detail: String,
}

/// Outcome of an attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PickupOutcome {
    /// Handed over.
    Collected,
    /// Refused.
    Refused,
    /// Supervisor approved.
    Approved,
}

/// What pickup found.
#[derive(Clone, Debug)]
pub struct PickupCandidate {
    /// The order.
    pub order: StoredOrder,
    /// Its photo.
    pub photo_jpeg: Vec<u8>,
    /// Attempts so far.
    pub attempts: Vec<PickupRecord>,
}

/// The verdict of a pickup.
#[derive(Clone, Debug)]
pub enum PickupVerdict {
    /// Matched.
    HandedOver {
        /// Finger.
        finger: u8,
        /// Score.
        score: f64,
    },
    /// Did not match.
    Refused {
        /// Finger.
        finger: u8,
        /// Score.
        score: f64,
    },
    /// No usable print.
    Unreadable {
        /// Why.
        reason: String,
    },
    /// Supervisor approved.
    Approved {
        /// Who.
        supervisor: String,
    },
}

fn not_yet() -> ServiceError {
    ServiceError::Rejected("card issuance is not merged yet".into())
}

/// Orders in `state` (all when `None`), oldest first.
pub async fn orders(
    _agent: &Agent,
    _state: Option<OrderState>,
) -> Result<Vec<StoredOrder>, ServiceError> {
    Err(not_yet())
}

/// One order.
pub async fn order(_agent: &Agent, _order_id: &str) -> Result<Option<StoredOrder>, ServiceError> {
    Err(not_yet())
}

/// Prints `ids` in order.
pub async fn print_now(
    _agent: &Agent,
    _ids: &[String],
    _operator: &str,
) -> Result<Vec<PrintResult>, ServiceError> {
    Err(not_yet())
}

/// Reprints one order.
pub async fn reprint(
    _agent: &Agent,
    _id: &str,
    _reason: &str,
    _operator: &str,
) -> Result<PrintResult, ServiceError> {
    Err(not_yet())
}

/// The stock level.
pub async fn stock(_agent: &Agent) -> Result<StockLevel, ServiceError> {
    Err(not_yet())
}

/// Batches received, newest first.
pub async fn batches(_agent: &Agent) -> Result<Vec<CardBatch>, ServiceError> {
    Err(not_yet())
}

/// Records a batch.
pub async fn receive(
    _agent: &Agent,
    _batch_id: &str,
    _prefix: &str,
    _first: u64,
    _last: u64,
    _operator: &str,
) -> Result<(), ServiceError> {
    Err(not_yet())
}

/// Finds the order of a NIK or slip QR text.
pub async fn find(_agent: &Agent, _query: &str) -> Result<PickupCandidate, ServiceError> {
    Err(not_yet())
}

/// Takes a chip finger and verifies it.
pub async fn verify(
    _agent: &Agent,
    _order_id: &str,
    _operator: &str,
) -> Result<PickupVerdict, ServiceError> {
    Err(not_yet())
}

/// A supervisor's approval for unreadable fingers.
pub async fn approve(
    _agent: &Agent,
    _order_id: &str,
    _supervisor: &str,
    _password: &str,
    _operator: &str,
    _note: &str,
) -> Result<PickupVerdict, ServiceError> {
    Err(not_yet())
}

/// The attempts at handing over `order_id`, oldest first.
pub async fn pickups(_agent: &Agent, _order_id: &str) -> Result<Vec<PickupRecord>, ServiceError> {
    Err(not_yet())
}
