//! The uploader: delivers outbox packets to the registry, exactly once in effect.
//!
//! Each due packet is sent as `PUT {registry}/v1/packets/{packet id}` with the sealed bytes.
//! Delivery is idempotent by packet id: a packet sent twice (a lost answer, a crash after sending,
//! a copy also carried on removable media) gets the same receipt. Outcomes:
//! - 200/201 with a receipt that verifies against the registry's receipt key and names the packet:
//!   delivered, the receipt stored with it;
//! - 409/422: rejected with the registry's reason (retrying cannot help; the operator sees it);
//! - anything else (network down, timeouts, 5xx, a receipt that does not verify): rescheduled
//!   with exponential backoff and full jitter, capped, so after days offline the outbox drains
//!   soon after the network returns without every workstation retrying in step.
//!
//! Contract: state changes happen only in the store, one packet at a time; the loop stops at
//! shutdown between requests, and a packet whose request was cut short is simply sent again.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use rekam_protocol::packet::PacketId;
use rekam_protocol::receipt::{SignedReceipt, TrustedRegistry};
use ring::rand::{SecureRandom, SystemRandom};
use serde_json::json;
use tokio::sync::watch;

use crate::config::UploaderSection;
use crate::service::{Agent, ServiceError};
use crate::store::Settlement;
use crate::store::outbox::OutboxItem;

/// What one delivery attempt came to.
#[derive(Debug, PartialEq, Eq)]
pub enum Attempt {
    /// Receipted.
    Delivered {
        /// The registry's sequence number.
        sequence: u64,
    },
    /// Refused for good.
    Rejected(String),
    /// Try again later.
    Failed(String),
}

/// Delay before retry number `attempts` (1 = after the first failure): exponential, capped, with
/// full jitter from `rand01` in [0, 1).
pub fn backoff_ms(cfg: &UploaderSection, attempts: u32, rand01: f64) -> u64 {
    let exp = cfg
        .initial_backoff_ms
        .saturating_mul(1u64 << attempts.saturating_sub(1).min(40));
    let cap = exp.min(cfg.max_backoff_ms);
    // Full jitter, but never less than half the initial delay so a flapping link is not hammered.
    let floor = cfg.initial_backoff_ms / 2;
    floor + ((cap.saturating_sub(floor)) as f64 * rand01.clamp(0.0, 1.0)) as u64
}

fn random01() -> f64 {
    let mut b = [0u8; 8];
    if SystemRandom::new().fill(&mut b).is_err() {
        return 0.5;
    }
    (u64::from_le_bytes(b) >> 11) as f64 / (1u64 << 53) as f64
}

/// An error with its causes, which say what actually failed (a refused certificate, a reset
/// connection) where the outer message says only that the request failed.
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}

/// The HTTP side: one PUT and the interpretation of its answer.
pub struct Client {
    http: reqwest::Client,
    base: String,
    trusted: TrustedRegistry,
}

impl Client {
    /// A client for the registry at `base` (`http://host:port` or `https://...`); `ca_pem`, when
    /// given, holds the only certificate authorities trusted for HTTPS.
    pub fn new(
        base: &str,
        ca_pem: Option<&[u8]>,
        trusted: TrustedRegistry,
        timeout: Duration,
    ) -> Result<Client, String> {
        let mut builder = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)));
        if let Some(pem) = ca_pem {
            let cas = reqwest::Certificate::from_pem_bundle(pem)
                .map_err(|e| format!("registry.ca_file: not a PEM certificate bundle: {e}"))?;
            if cas.is_empty() {
                return Err("registry.ca_file: the file holds no certificate".into());
            }
            builder = builder.tls_built_in_root_certs(false);
            for ca in cas {
                builder = builder.add_root_certificate(ca);
            }
        }
        let http = builder
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        Ok(Client {
            http,
            base: base.trim_end_matches('/').to_string(),
            trusted,
        })
    }

    /// Sends one packet; returns the outcome and, when delivered, the receipt's bytes.
    pub async fn send(&self, item: &OutboxItem) -> (Attempt, Option<Vec<u8>>) {
        let url = format!("{}/v1/packets/{}", self.base, item.packet_id);
        let resp = match self
            .http
            .put(&url)
            .header("content-type", "application/vnd.rekam.packet")
            .body(item.bytes.clone())
            .send()
            .await
        {
            Ok(r) => r,
            Err(e) => {
                let why = chain(&e);
                return (Attempt::Failed(format!("cannot reach {url}: {why}")), None);
            }
        };
        let status = resp.status();
        let body = match resp.bytes().await {
            Ok(b) => b.to_vec(),
            Err(e) => return (Attempt::Failed(format!("reading the answer: {e}")), None),
        };
        match status.as_u16() {
            200 | 201 => {
                let expected = match item.packet_id.parse::<HexId>() {
                    Ok(h) => PacketId(h.0),
                    Err(e) => return (Attempt::Rejected(e), None),
                };
                match SignedReceipt::parse(&body)
                    .and_then(|r| r.verify(&self.trusted, &expected).map(|x| x.sequence))
                {
                    Ok(sequence) => (Attempt::Delivered { sequence }, Some(body)),
                    // A registry answer we cannot trust is not a delivery; keep the packet.
                    Err(e) => (Attempt::Failed(format!("receipt refused: {e}")), None),
                }
            }
            409 | 422 => {
                let reason = serde_json::from_slice::<serde_json::Value>(&body)
                    .ok()
                    .and_then(|v| v["reason"].as_str().map(str::to_string))
                    .unwrap_or_else(|| String::from_utf8_lossy(&body).into_owned());
                (
                    Attempt::Rejected(format!("registry refused ({status}): {reason}")),
                    None,
                )
            }
            _ => (
                Attempt::Failed(format!(
                    "registry answered {status}: {}",
                    String::from_utf8_lossy(&body)
                        .chars()
                        .take(200)
                        .collect::<String>()
                )),
                None,
            ),
        }
    }
}

struct HexId([u8; 32]);

impl std::str::FromStr for HexId {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let mut b = [0u8; 32];
        hex::decode_to_slice(s, &mut b)
            .map_err(|_| format!("packet id {s:?} is not 64 hex digits"))?;
        Ok(HexId(b))
    }
}

/// Sends every due packet once; returns how many were delivered.
pub async fn drain_once(agent: &Agent, client: &Client) -> Result<u64, ServiceError> {
    let cfg = agent.config.uploader.clone();
    let now = (agent.clock)();
    // A few rounds' worth at a time: packets are megabytes each, so not the whole backlog.
    let limit = u32::try_from(cfg.concurrency.max(1) * 4).unwrap_or(32);
    let due = agent
        .with_store(move |s| Ok(s.outbox().due(now, limit)?))
        .await?;
    let mut delivered = 0;
    for chunk in due.chunks(cfg.concurrency.max(1)) {
        let results = join_all(chunk.iter().map(|item| client.send(item)).collect()).await;
        let mut outcomes = Vec::with_capacity(chunk.len());
        let mut events = Vec::new();
        for (item, (attempt, receipt)) in chunk.iter().zip(results) {
            let id = item.packet_id.clone();
            let settlement = match &attempt {
                Attempt::Delivered { sequence } => {
                    delivered += 1;
                    events.push((
                        "delivered",
                        id.clone(),
                        json!({ "sequence": sequence, "enrollment_id": item.enrollment_id }),
                    ));
                    tracing::info!(packet = %id, sequence, "delivered");
                    Settlement::Delivered {
                        receipt: receipt.unwrap_or_default(),
                    }
                }
                Attempt::Rejected(reason) => {
                    events.push(("rejected", id.clone(), json!({ "reason": reason })));
                    tracing::warn!(packet = %id, %reason, "rejected by the registry");
                    Settlement::Rejected {
                        reason: reason.clone(),
                    }
                }
                Attempt::Failed(reason) => {
                    let wait = backoff_ms(&cfg, item.attempts + 1, random01());
                    tracing::info!(packet = %id, %reason, retry_in_ms = wait, "delivery failed; will retry");
                    Settlement::Retry {
                        error: reason.clone(),
                        next_attempt_ms: (agent.clock)() + wait as i64,
                    }
                }
            };
            outcomes.push((id, settlement));
        }
        agent.with_store(move |s| Ok(s.settle(&outcomes)?)).await?;
        // Announced only once durable.
        for (kind, id, detail) in events {
            agent.emit(kind, &id, detail);
        }
    }
    Ok(delivered)
}

/// Polls every future to completion concurrently, keeping their order.
async fn join_all<F: Future>(futs: Vec<F>) -> Vec<F::Output> {
    let mut pinned: Vec<std::pin::Pin<Box<F>>> = futs.into_iter().map(Box::pin).collect();
    let mut results: Vec<Option<F::Output>> = (0..pinned.len()).map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (i, f) in pinned.iter_mut().enumerate() {
            if results[i].is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => results[i] = Some(v),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    results.into_iter().flatten().collect()
}

/// Runs until `stop` turns true: drains whatever is due, then sleeps until woken by a new packet,
/// the poll interval, or shutdown.
pub async fn run(agent: Arc<Agent>, client: Client, mut stop: watch::Receiver<bool>) {
    let poll = Duration::from_millis(agent.config.uploader.poll_ms);
    loop {
        if *stop.borrow() {
            return;
        }
        if let Err(e) = drain_once(&agent, &client).await {
            tracing::error!(error = %e, "the uploader could not read the outbox");
        }
        tokio::select! {
            _ = agent.upload_wake.notified() => {}
            _ = tokio::time::sleep(poll) => {}
            _ = stop.changed() => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> UploaderSection {
        UploaderSection {
            initial_backoff_ms: 1000,
            max_backoff_ms: 3_600_000,
            request_timeout_ms: 1000,
            poll_ms: 1000,
            concurrency: 1,
        }
    }

    #[test]
    fn backoff_doubles_per_failure_up_to_the_cap() {
        let c = cfg();
        assert_eq!(backoff_ms(&c, 1, 1.0), 1000);
        assert_eq!(backoff_ms(&c, 2, 1.0), 2000);
        assert_eq!(backoff_ms(&c, 5, 1.0), 16_000);
        assert_eq!(backoff_ms(&c, 40, 1.0), 3_600_000);
        assert_eq!(backoff_ms(&c, u32::MAX, 1.0), 3_600_000);
    }

    #[test]
    fn jitter_spreads_retries_but_never_below_half_the_first_delay() {
        let c = cfg();
        assert_eq!(backoff_ms(&c, 10, 0.0), 500);
        let mid = backoff_ms(&c, 10, 0.5);
        assert!(mid > 500 && mid < backoff_ms(&c, 10, 1.0), "{mid}");
    }
}
