//! Fetching print orders: the office asks the registry for its orders, keeps those it may print,
//! and refuses the rest with the reason.
//!
//! `GET {registry}/v1/offices/{site code}/print-orders[?after=ID]` (SPEC.md section 12), page by
//! page until a page is empty, every `[cards] fetch_interval_s` and at once after a packet is
//! delivered (then once more [`AFTER_DELIVERY`] later, for a registry that issues orders after a
//! short delay). Each order is judged by [`judge`]:
//! 1. the registry's signature (the receipt key the uploader trusts), its registry id, that it is
//!    for this office (`agent.site_code`) and its content (`SignedPrintOrder::verify`);
//! 2. that this workstation delivered the enrollment: the order's packet is in the outbox,
//!    delivered, carrying the order's enrollment (a packet still pending is looked at again on the
//!    next fetch: the registry may issue the order before its receipt is recorded here);
//! 3. that the card's NIK is the one recorded when the enrollment was finalized.
//!
//! An accepted order is kept ([`crate::store::Store::put_print_order`], sealed at rest) and
//! audited `print_order.received`; an order held already is left alone (the registry serves it
//! until its card is reported printed). A refused order is not kept, is audited
//! `print_order.refused` with its code (`bad_signature`, `another_registry`, `another_office`,
//! `invalid`, `unknown_enrollment`, `unknown_nik`, `second_order`) and reason, and is remembered
//! (by id, in memory) so it is not judged again on every fetch.
//!
//! Contract: answers are read up to [`MAX_ANSWER_BYTES`]; a failed fetch is retried with the
//! uploader's backoff; the loop stops at shutdown between requests; nothing is kept that has not
//! been verified.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use rekam_protocol::print_order::{PrintOrderError, SignedPrintOrder};
use rekam_protocol::receipt::TrustedRegistry;
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::watch;
use tokio::time::Instant;

use crate::service::{Agent, ServiceError};
use crate::store::audit::AuditEntry;
use crate::store::outbox::OutboxState;
use crate::store::{Store, StoreError};
use crate::uploader::{self, backoff_ms, exchange, registry_http, sanitise};

/// The largest answer read: a page of orders, each up to about 1 MiB of base64 (photo, signature,
/// templates); the registry simulator serves 16 a page.
pub const MAX_ANSWER_BYTES: usize = 24 << 20;

/// The most pages read in one fetch (a registry that never ends a listing is cut short).
pub const MAX_PAGES: usize = 64;

/// After a delivery, orders are fetched at once and again this much later.
pub const AFTER_DELIVERY: Duration = Duration::from_secs(5);

/// Why an order is not kept: a machine code and a reason for people.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// `bad_signature`, `another_registry`, `another_office`, `invalid`, `unknown_enrollment`,
    /// `unknown_nik` or `second_order`.
    pub code: &'static str,
    /// What is wrong.
    pub reason: String,
}

/// What to do with one served order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Judgement {
    /// Keep it.
    Accept,
    /// Already held: nothing to do.
    Held,
    /// Not yet: its packet's receipt is not recorded here yet.
    Later(String),
    /// Refuse it.
    Refuse(Refusal),
}

fn refuse(code: &'static str, reason: impl Into<String>) -> Judgement {
    Judgement::Refuse(Refusal {
        code,
        reason: reason.into(),
    })
}

/// Judges one order for this office (see the module documentation for the rules and codes).
pub fn judge(
    store: &Store,
    signed: &SignedPrintOrder,
    trusted: &TrustedRegistry,
    office: &str,
) -> Result<Judgement, StoreError> {
    let order = match signed.verify(trusted, office) {
        Ok(o) => o,
        Err(e) => {
            let code = match &e {
                PrintOrderError::BadSignature | PrintOrderError::UnknownKey { .. } => {
                    "bad_signature"
                }
                PrintOrderError::WrongRegistry { .. } => "another_registry",
                PrintOrderError::WrongOffice { .. } => "another_office",
                _ => "invalid",
            };
            return Ok(refuse(code, e.to_string()));
        }
    };
    if store.print_order(&order.order_id)?.is_some() {
        return Ok(Judgement::Held);
    }
    match store.outbox().enrollment_of(&order.packet_id)? {
        Some((enrollment, _)) if enrollment != order.enrollment_id => {
            return Ok(refuse(
                "unknown_enrollment",
                format!(
                    "packet {} delivered enrollment {enrollment}, not {}",
                    order.packet_id, order.enrollment_id
                ),
            ));
        }
        Some((_, OutboxState::Delivered)) => {}
        Some((_, OutboxState::Pending)) => {
            return Ok(Judgement::Later(format!(
                "packet {} has no receipt recorded yet",
                order.packet_id
            )));
        }
        Some((_, OutboxState::Rejected)) => {
            return Ok(refuse(
                "unknown_enrollment",
                format!(
                    "the registry rejected packet {} of enrollment {}",
                    order.packet_id, order.enrollment_id
                ),
            ));
        }
        None => {
            return Ok(refuse(
                "unknown_enrollment",
                format!(
                    "enrollment {} (packet {}) was not delivered by this workstation",
                    order.enrollment_id, order.packet_id
                ),
            ));
        }
    }
    match store.enrollment_nik(&order.enrollment_id)? {
        Some(nik) if nik == order.card.nik => Ok(Judgement::Accept),
        Some(nik) => Ok(refuse(
            "unknown_nik",
            format!(
                "the order's NIK {} is not the NIK {nik} recorded for enrollment {}",
                order.card.nik, order.enrollment_id
            ),
        )),
        None => Ok(refuse(
            "unknown_nik",
            format!(
                "no NIK was recorded when enrollment {} was finalized here",
                order.enrollment_id
            ),
        )),
    }
}

/// What one fetch came to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Fetched {
    /// Orders kept.
    pub accepted: Vec<String>,
    /// Orders refused: (order id, code).
    pub refused: Vec<(String, &'static str)>,
    /// Orders left for a later fetch.
    pub deferred: usize,
}

/// The HTTP side and what this process remembers of refused orders.
pub struct OrdersClient {
    http: reqwest::Client,
    base: String,
    trusted: TrustedRegistry,
    timeout: Duration,
    refused: std::sync::Mutex<HashSet<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Page {
    print_orders: Vec<Value>,
}

impl OrdersClient {
    /// A client for the registry at `base`; `ca_pem` as for the uploader.
    pub fn new(
        base: &str,
        ca_pem: Option<&[u8]>,
        trusted: TrustedRegistry,
        timeout: Duration,
    ) -> Result<OrdersClient, String> {
        Ok(OrdersClient {
            http: registry_http(ca_pem, timeout)?,
            base: base.trim_end_matches('/').to_string(),
            trusted,
            timeout,
            refused: std::sync::Mutex::default(),
        })
    }

    fn refused(&self) -> std::sync::MutexGuard<'_, HashSet<String>> {
        // Every update is one insert: a poisoned set is still consistent.
        self.refused
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// One page of `office`'s orders, after `after`.
    async fn page(&self, office: &str, after: Option<&str>) -> Result<Vec<Value>, String> {
        let mut url = reqwest::Url::parse(&format!("{}/v1/offices/", self.base))
            .map_err(|e| format!("registry.url: {e}"))?;
        url.path_segments_mut()
            .map_err(|()| "registry.url cannot take a path".to_string())?
            .pop_if_empty()
            .push(office)
            .push("print-orders");
        if let Some(a) = after {
            url.query_pairs_mut().append_pair("after", a);
        }
        let (status, body) = exchange(
            self.http.get(url.clone()),
            url.as_str(),
            MAX_ANSWER_BYTES,
            self.timeout,
        )
        .await?;
        if status != reqwest::StatusCode::OK {
            return Err(format!(
                "registry answered {status}: {}",
                sanitise(&body, 200)
            ));
        }
        serde_json::from_slice::<Page>(&body)
            .map(|p| p.print_orders)
            .map_err(|e| {
                format!(
                    "the registry's list of print orders is malformed ({e}): {}",
                    sanitise(&body, 200)
                )
            })
    }
}

/// Keeps or refuses one served order, audited; `None` when there was nothing to record.
async fn settle(
    agent: &Agent,
    client: &OrdersClient,
    raw: Value,
) -> Result<Option<(String, Judgement)>, ServiceError> {
    let claimed = raw
        .pointer("/print_order/order_id")
        .and_then(Value::as_str)
        .unwrap_or("(no order id)")
        .chars()
        .take(64)
        .collect::<String>();
    // Remembered with its signature: a forged copy refused must not shadow the registry's own.
    let memo = format!(
        "{claimed}\0{}",
        raw.get("signature").and_then(Value::as_str).unwrap_or("")
    );
    if client.refused().contains(&memo) {
        return Ok(None);
    }
    let office = agent.config.agent.site_code.clone();
    let trusted = client.trusted.clone();
    let now_ms = (agent.clock)();
    let id = claimed.clone();
    let judged = agent
        .with_store(move |s| {
            let signed = match serde_json::from_value::<SignedPrintOrder>(raw) {
                Ok(o) => o,
                Err(e) => {
                    let j = refuse("invalid", format!("the print order is malformed: {e}"));
                    audit_refusal(s, &id, &j, now_ms)?;
                    return Ok(j);
                }
            };
            let mut j = judge(s, &signed, &trusted, &office)?;
            if j == Judgement::Accept {
                match s.put_print_order(&signed, now_ms) {
                    Ok(true) => {
                        let o = &signed.print_order;
                        s.audit(&AuditEntry::new(
                            now_ms,
                            "system",
                            "print_order.received",
                            &o.order_id,
                            json!({ "enrollment_id": o.enrollment_id, "office": o.office }),
                        ))?;
                    }
                    Ok(false) => j = Judgement::Held,
                    Err(StoreError::Refused(why)) => j = refuse("second_order", why),
                    Err(e) => return Err(e.into()),
                }
            }
            if matches!(j, Judgement::Refuse(_)) {
                audit_refusal(s, &id, &j, now_ms)?;
            }
            Ok(j)
        })
        .await?;
    if let Judgement::Refuse(r) = &judged {
        client.refused().insert(memo);
        tracing::warn!(order = %claimed, code = r.code, reason = %r.reason, "print order refused");
        agent.emit(
            "print_order.refused",
            &claimed,
            json!({ "code": r.code, "reason": r.reason }),
        );
    }
    if judged == Judgement::Accept {
        tracing::info!(order = %claimed, "print order received");
        agent.emit("print_order.received", &claimed, json!({}));
    }
    Ok(Some((claimed, judged)))
}

fn audit_refusal(s: &mut Store, id: &str, j: &Judgement, now_ms: i64) -> Result<(), StoreError> {
    if let Judgement::Refuse(r) = j {
        s.audit(&AuditEntry::new(
            now_ms,
            "system",
            "print_order.refused",
            id,
            json!({ "code": r.code, "reason": r.reason }),
        ))?;
    }
    Ok(())
}

/// Fetches every page of this office's orders once, keeping or refusing each.
pub async fn fetch_once(agent: &Agent, client: &OrdersClient) -> Result<Fetched, String> {
    let office = agent.config.agent.site_code.clone();
    let mut out = Fetched::default();
    let mut after: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let page = client.page(&office, after.as_deref()).await?;
        let Some(last) = page
            .last()
            .and_then(|o| o.pointer("/print_order/order_id"))
            .and_then(Value::as_str)
            .map(str::to_string)
        else {
            return Ok(out);
        };
        for raw in page {
            match settle(agent, client, raw).await {
                Ok(Some((id, Judgement::Accept))) => out.accepted.push(id),
                Ok(Some((id, Judgement::Refuse(r)))) => out.refused.push((id, r.code)),
                Ok(Some((_, Judgement::Later(_)))) => out.deferred += 1,
                Ok(_) => {}
                Err(e) => return Err(format!("the store could not take a print order: {e}")),
            }
        }
        after = Some(last);
    }
    Ok(out)
}

/// Runs until `stop` turns true: fetches every `[cards] fetch_interval_s`, soon after a packet is
/// delivered, and with backoff after a failure.
pub async fn run(agent: Arc<Agent>, client: OrdersClient, mut stop: watch::Receiver<bool>) {
    let interval = Duration::from_secs(agent.config.cards.fetch_interval_s.max(1));
    let mut events = agent.subscribe();
    let mut failures = 0u32;
    let mut follow_up: Option<Instant> = None;
    loop {
        if *stop.borrow() {
            return;
        }
        let wait = match fetch_once(&agent, &client).await {
            Ok(f) => {
                failures = 0;
                if !f.accepted.is_empty() || !f.refused.is_empty() {
                    tracing::info!(
                        accepted = f.accepted.len(),
                        refused = f.refused.len(),
                        deferred = f.deferred,
                        "print orders fetched"
                    );
                }
                // An order waiting for its packet's receipt is looked at again soon.
                if f.deferred > 0 {
                    interval.min(AFTER_DELIVERY)
                } else {
                    interval
                }
            }
            Err(why) => {
                failures = failures.saturating_add(1);
                let ms = backoff_ms(&agent.config.uploader, failures, uploader::random01());
                tracing::info!(reason = %why, retry_in_ms = ms, "fetching print orders failed");
                Duration::from_millis(ms).min(interval)
            }
        };
        let mut deadline = Instant::now() + wait;
        if let Some(at) = follow_up.take() {
            deadline = deadline.min(at);
        }
        loop {
            tokio::select! {
                ev = events.recv() => match ev {
                    Ok(e) if e.kind == "delivered" => {
                        follow_up = Some(Instant::now() + AFTER_DELIVERY);
                        break;
                    }
                    Ok(_) => continue,
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => break,
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => {
                        tokio::time::sleep_until(deadline).await;
                        break;
                    }
                },
                _ = tokio::time::sleep_until(deadline) => break,
                _ = stop.changed() => return,
            }
        }
    }
}
