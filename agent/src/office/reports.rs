//! Delivering card-printed reports: each card printed here is reported to the registry, so the
//! order is never served (nor printed) again.
//!
//! Each due report ([`crate::store::Store::due_card_reports`]) is sent as
//! `PUT {registry}/v1/print-orders/{order id}/printed` with the signed report (SPEC.md section 12).
//! Outcomes:
//! - 200/201 with a `SignedPrintAck` that verifies against the registry's receipt key and names
//!   this report's order and card: acknowledged, the ack kept;
//! - 409 with a `SignedPrintRefusal` that verifies the same way (code `already_printed`): refused
//!   for good, the refusal and its reason kept, audited `card_report.refused`;
//! - anything else (network, timeouts, 404, 422, 5xx, an answer that does not verify or names
//!   another order or card, an answer over [`MAX_ANSWER_BYTES`]): sent again later with the
//!   uploader's backoff, the reason kept as the report's last error.
//!
//! Contract: state changes happen only in the store, one report at a time; the loop stops at
//! shutdown between requests; a report whose request was cut short is simply sent again (the
//! registry answers the same card with the same ack).

use std::sync::Arc;
use std::time::Duration;

use rekam_protocol::print_order::{SignedCardPrinted, SignedPrintAck, SignedPrintRefusal};
use rekam_protocol::receipt::TrustedRegistry;
use serde_json::json;
use tokio::sync::watch;

use crate::service::{Agent, ServiceError};
use crate::store::ReportSettlement;
use crate::uploader::{self, backoff_ms, exchange, registry_http, sanitise};

/// The largest answer read (an ack or refusal is well under 3 KiB).
pub const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// Reports sent per round.
const BATCH: usize = 16;

/// What one delivery attempt came to.
#[derive(Debug, PartialEq, Eq)]
pub enum Delivery {
    /// Acknowledged: the signed ack as received.
    Acknowledged(Vec<u8>),
    /// Refused for good: the signed refusal as received and its reason.
    Refused {
        /// The refusal's JSON.
        refusal: Vec<u8>,
        /// Code and reason.
        reason: String,
    },
    /// Try again later.
    Failed(String),
}

/// The HTTP side of report delivery.
pub struct ReportsClient {
    http: reqwest::Client,
    base: String,
    trusted: TrustedRegistry,
    timeout: Duration,
}

impl ReportsClient {
    /// A client for the registry at `base`; `ca_pem` as for the uploader.
    pub fn new(
        base: &str,
        ca_pem: Option<&[u8]>,
        trusted: TrustedRegistry,
        timeout: Duration,
    ) -> Result<ReportsClient, String> {
        Ok(ReportsClient {
            http: registry_http(ca_pem, timeout)?,
            base: base.trim_end_matches('/').to_string(),
            trusted,
            timeout,
        })
    }

    /// Sends one report and interprets the answer.
    pub async fn send(&self, order_id: &str, report: &[u8]) -> Delivery {
        let signed = match SignedCardPrinted::parse(report) {
            Ok(s) => s,
            Err(e) => return Delivery::Failed(format!("the stored report is unusable: {e}")),
        };
        let mut url = match reqwest::Url::parse(&format!("{}/v1/print-orders/", self.base)) {
            Ok(u) => u,
            Err(e) => return Delivery::Failed(format!("registry.url: {e}")),
        };
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().push(order_id).push("printed");
        }
        let request = self
            .http
            .put(url.clone())
            .header("content-type", "application/json")
            .body(report.to_vec());
        let (status, body) =
            match exchange(request, url.as_str(), MAX_ANSWER_BYTES, self.timeout).await {
                Ok(answer) => answer,
                Err(why) => return Delivery::Failed(why),
            };
        let report = &signed.card_printed;
        match status.as_u16() {
            200 | 201 => match SignedPrintAck::parse(&body)
                .and_then(|a| a.verify(&self.trusted, report).map(|_| ()))
            {
                Ok(()) => Delivery::Acknowledged(body),
                Err(e) => Delivery::Failed(format!(
                    "registry answered {status} but the acknowledgement is refused ({e}): {}",
                    sanitise(&body, 200)
                )),
            },
            409 => match SignedPrintRefusal::parse(&body)
                .and_then(|r| r.verify(&self.trusted, report).cloned())
            {
                Ok(r) => Delivery::Refused {
                    reason: format!(
                        "registry refused ({}): {}",
                        r.code,
                        sanitise(r.reason.as_bytes(), 2048)
                    ),
                    refusal: body,
                },
                Err(e) => Delivery::Failed(format!(
                    "registry answered {status} without a refusal signed by {} ({e}); kept pending: {}",
                    self.trusted,
                    sanitise(&body, 200)
                )),
            },
            _ => Delivery::Failed(format!(
                "registry answered {status}: {}",
                sanitise(&body, 200)
            )),
        }
    }
}

/// Sends every due report once; returns how many were acknowledged.
pub async fn deliver_once(agent: &Agent, client: &ReportsClient) -> Result<u64, ServiceError> {
    let now_ms = (agent.clock)();
    let due = agent
        .with_store(move |s| Ok(s.due_card_reports(now_ms, BATCH)?))
        .await?;
    let mut acknowledged = 0;
    for (order_id, report) in due {
        let attempts = agent
            .with_store({
                let id = order_id.clone();
                move |s| Ok(s.card_report_state(&id)?.map_or(0, |(_, n, _)| n))
            })
            .await?;
        let outcome = match client.send(&order_id, &report).await {
            Delivery::Acknowledged(ack) => {
                acknowledged += 1;
                tracing::info!(order = %order_id, "card-printed report acknowledged");
                ReportSettlement::Acknowledged { ack }
            }
            Delivery::Refused { refusal, reason } => {
                tracing::warn!(order = %order_id, %reason, "card-printed report refused");
                ReportSettlement::Refused { refusal, reason }
            }
            Delivery::Failed(error) => {
                let wait = backoff_ms(
                    &agent.config.uploader,
                    attempts.saturating_add(1),
                    uploader::random01(),
                );
                tracing::info!(order = %order_id, %error, retry_in_ms = wait, "card-printed report not delivered; will retry");
                ReportSettlement::Retry {
                    error,
                    next_attempt_ms: (agent.clock)().saturating_add(wait as i64),
                }
            }
        };
        let kind = match &outcome {
            ReportSettlement::Acknowledged { .. } => Some("card_report.acknowledged"),
            ReportSettlement::Refused { .. } => Some("card_report.refused"),
            ReportSettlement::Retry { .. } => None,
        };
        let at_ms = (agent.clock)();
        let id = order_id.clone();
        agent
            .with_store(move |s| Ok(s.settle_card_report(&id, outcome, at_ms)?))
            .await?;
        if let Some(kind) = kind {
            agent.emit(kind, &order_id, json!({}));
        }
    }
    Ok(acknowledged)
}

/// Runs until `stop` turns true: delivers what is due, then waits for a printed card, the
/// uploader's poll interval, or shutdown.
pub async fn run(agent: Arc<Agent>, client: ReportsClient, mut stop: watch::Receiver<bool>) {
    let poll = Duration::from_millis(agent.config.uploader.poll_ms);
    let mut events = agent.subscribe();
    loop {
        if *stop.borrow() {
            return;
        }
        if let Err(e) = deliver_once(&agent, &client).await {
            tracing::error!(error = %e, "card-printed reports could not be read or settled");
        }
        let deadline = tokio::time::Instant::now() + poll;
        loop {
            tokio::select! {
                ev = events.recv() => match ev {
                    Ok(e) if e.kind == "card.printed" => break,
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
