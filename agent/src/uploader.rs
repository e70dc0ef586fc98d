//! The uploader: delivers outbox packets to the registry, exactly once in effect.
//!
//! Each due packet is sent as `PUT {registry}/v1/packets/{packet id}` with the sealed bytes.
//! Delivery is idempotent by packet id: a packet sent twice (a lost answer, a crash after sending,
//! a copy also carried on removable media) gets the same receipt. Outcomes:
//! - 200/201 with a receipt that verifies against the registry's receipt key and names the packet:
//!   delivered, the receipt stored with it;
//! - 409/422 with a rejection signed by that same key and naming the packet
//!   (`rekam_protocol::rejection`): rejected for good, the signed rejection stored with it so the
//!   reason is provable; a supervisor may requeue it;
//! - anything else (network down, timeouts, 5xx, a proxy's HTML error page with 409, a receipt or
//!   rejection that does not verify or names another packet, an answer larger than
//!   [`MAX_ANSWER_BYTES`]): rescheduled with exponential backoff and full jitter, capped, the
//!   answer (whitespace collapsed, control characters removed, truncated) as its last error.
//!
//! Answers are read as a stream and abandoned past [`MAX_ANSWER_BYTES`], so no registry (or
//! anything pretending to be one) can make the agent allocate more than that per request.
//!
//! Retries are scheduled on the monotonic clock ([`RetrySchedule`]): the wall-clock due time is
//! still stored (it survives restarts and `rekam outbox retry` edits it), but within a process a
//! failed packet is due when its monotonic deadline passes, so a clock corrected backwards does
//! not delay it; after a restart a stored due time further ahead than `max_backoff_ms` is taken as
//! a clock that went backwards and the packet is due at once.
//!
//! The uploader loop also purges delivered packets' bytes after `delivered_retention_days`
//! ([`crate::store::retention`]), at start and hourly.
//!
//! Contract: state changes happen only in the store, one packet at a time; the loop stops at
//! shutdown between requests, and a packet whose request was cut short is simply sent again.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rekam_protocol::packet::PacketId;
use rekam_protocol::receipt::{SignedReceipt, TrustedRegistry};
use rekam_protocol::rejection::SignedRejection;
use ring::rand::{SecureRandom, SystemRandom};
use serde_json::json;
use tokio::sync::watch;
use tokio::time::Instant;

use crate::config::UploaderSection;
use crate::service::{Agent, ServiceError};
use crate::store::Settlement;
use crate::store::outbox::{OutboxItem, Scheduled};

/// The largest answer read from the registry. A receipt is about 500 bytes and a rejection at
/// most about 2.5 KiB (its reason is capped at 2 KiB); 64 KiB leaves room for a registry that
/// adds headers' worth of detail, while bounding what a hostile or broken peer can make the agent
/// hold per request (times `uploader.concurrency`).
pub const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// How much of an unusable answer is kept as the packet's last error.
const SNIPPET_CHARS: usize = 200;

/// How often delivered packets are checked for purging.
const PURGE_EVERY: Duration = Duration::from_secs(3600);

/// Packets purged per transaction.
const PURGE_BATCH: u32 = 200;

/// What one delivery attempt came to.
#[derive(Debug, PartialEq, Eq)]
pub enum Attempt {
    /// Receipted.
    Delivered {
        /// The registry's sequence number.
        sequence: u64,
        /// The signed receipt as received.
        receipt: Vec<u8>,
    },
    /// Refused for good by a rejection the registry signed.
    Rejected {
        /// The registry's machine code.
        code: String,
        /// The reason, as the operator reads it.
        reason: String,
        /// The signed rejection as received.
        rejection: Vec<u8>,
    },
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

pub(crate) fn random01() -> f64 {
    let mut b = [0u8; 8];
    if SystemRandom::new().fill(&mut b).is_err() {
        return 0.5;
    }
    (u64::from_le_bytes(b) >> 11) as f64 / (1u64 << 53) as f64
}

/// An error with its causes, which say what actually failed (a refused certificate, a reset
/// connection) where the outer message says only that the request failed.
pub(crate) fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}

/// Text from a peer made safe to store and show: invalid UTF-8 replaced, control characters and
/// runs of white space collapsed to one space, at most `max` characters (then `...`).
pub fn sanitise(bytes: &[u8], max: usize) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut out = String::new();
    let mut count = 0;
    for word in text.split(|c: char| c.is_whitespace() || c.is_control()) {
        if word.is_empty() {
            continue;
        }
        if count > 0 {
            out.push(' ');
            count += 1;
        }
        for c in word.chars() {
            if count >= max {
                out.push_str("...");
                return out;
            }
            out.push(c);
            count += 1;
        }
    }
    if out.is_empty() {
        out.push_str("(empty answer)");
    }
    out
}

/// The HTTP client of every conversation with the registry (packets, print orders, card
/// reports): `timeout` per request, connecting within at most 10 s, and when `ca_pem` is given,
/// only its certificate authorities trusted for HTTPS.
pub(crate) fn registry_http(
    ca_pem: Option<&[u8]>,
    timeout: Duration,
) -> Result<reqwest::Client, String> {
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
    builder
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {e}"))
}

/// Sends `request` to `url` and reads the answer (at most `cap` bytes), the whole
/// exchange within `timeout` (reqwest's own timeout covers the body too; this bounds it
/// regardless). The error says in words what failed.
pub(crate) async fn exchange(
    request: reqwest::RequestBuilder,
    url: &str,
    cap: usize,
    timeout: Duration,
) -> Result<(reqwest::StatusCode, Vec<u8>), String> {
    let answer = async {
        let resp = request
            .send()
            .await
            .map_err(|e| format!("cannot reach {url}: {}", chain(&e)))?;
        let status = resp.status();
        let body = read_capped(resp, cap)
            .await
            .map_err(|e| format!("registry answered {status} but {e}"))?;
        Ok((status, body))
    };
    tokio::time::timeout(timeout, answer)
        .await
        .unwrap_or_else(|_| {
            Err(format!(
                "no complete answer from {url} within {} ms (timed out)",
                timeout.as_millis()
            ))
        })
}

/// Reads an answer's body as a stream, giving up past `cap` bytes.
pub(crate) async fn read_capped(
    mut resp: reqwest::Response,
    cap: usize,
) -> Result<Vec<u8>, String> {
    if let Some(len) = resp.content_length().filter(|&l| l > cap as u64) {
        return Err(format!(
            "answer larger than {cap} bytes (the peer announced {len}); not read"
        ));
    }
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(|e| {
        if e.is_timeout() {
            "the answer did not finish in time (timed out)".to_string()
        } else {
            format!("reading the answer: {}", chain(&e))
        }
    })? {
        if body.len() + chunk.len() > cap {
            return Err(format!("answer larger than {cap} bytes; abandoned"));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Due times of the packets this process failed to deliver, on the monotonic clock.
///
/// Each entry remembers the wall-clock due time stored with it: if the stored value changed
/// since (`rekam outbox retry`, a supervisor's requeue), the stored value rules again.
#[derive(Debug, Default)]
pub struct RetrySchedule {
    entries: HashMap<String, (i64, Instant)>,
}

impl RetrySchedule {
    /// Whether a pending packet is due: by its monotonic deadline when this process set one,
    /// otherwise by the stored wall-clock time, where a time more than `max_backoff_ms` ahead of
    /// `now_ms` can only come from a clock that went backwards and counts as due.
    pub fn is_due(
        &mut self,
        s: &Scheduled,
        now_ms: i64,
        now: Instant,
        max_backoff_ms: u64,
    ) -> bool {
        if let Some(&(stored, at)) = self.entries.get(&s.packet_id) {
            if stored == s.next_attempt_ms {
                return now >= at;
            }
            self.entries.remove(&s.packet_id);
        }
        let ahead = s.next_attempt_ms.saturating_sub(now_ms);
        ahead <= 0 || ahead > i64::try_from(max_backoff_ms).unwrap_or(i64::MAX)
    }

    /// Records a failure: due again at `at`, stored as `stored_ms`.
    pub fn failed(&mut self, packet_id: &str, stored_ms: i64, at: Instant) {
        self.entries.insert(packet_id.to_string(), (stored_ms, at));
    }

    /// Forgets packets that are no longer pending (delivered, rejected, gone).
    pub fn retain_pending(&mut self, pending: &[Scheduled]) {
        let ids: std::collections::HashSet<&str> =
            pending.iter().map(|s| s.packet_id.as_str()).collect();
        self.entries.retain(|k, _| ids.contains(k.as_str()));
    }
}

/// The HTTP side: one PUT and the interpretation of its answer, and the retry schedule.
pub struct Client {
    http: reqwest::Client,
    base: String,
    trusted: TrustedRegistry,
    timeout: Duration,
    schedule: Mutex<RetrySchedule>,
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
        Ok(Client {
            http: registry_http(ca_pem, timeout)?,
            base: base.trim_end_matches('/').to_string(),
            trusted,
            timeout,
            schedule: Mutex::new(RetrySchedule::default()),
        })
    }

    fn schedule(&self) -> std::sync::MutexGuard<'_, RetrySchedule> {
        // Every update is one map operation: a poisoned lock still holds a consistent map.
        self.schedule
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Sends one packet and interprets the answer.
    pub async fn send(&self, item: &OutboxItem) -> Attempt {
        let expected = match item.packet_id.parse::<HexId>() {
            Ok(h) => PacketId(h.0),
            Err(e) => return Attempt::Failed(format!("outbox entry unusable: {e}")),
        };
        let url = format!("{}/v1/packets/{}", self.base, item.packet_id);
        let request = self
            .http
            .put(&url)
            .header("content-type", "application/vnd.rekam.packet")
            .body(item.bytes.clone());
        match exchange(request, &url, MAX_ANSWER_BYTES, self.timeout).await {
            Ok((status, body)) => self.interpret(status, body, &expected),
            Err(why) => Attempt::Failed(why),
        }
    }

    fn interpret(
        &self,
        status: reqwest::StatusCode,
        body: Vec<u8>,
        expected: &PacketId,
    ) -> Attempt {
        match status.as_u16() {
            200 | 201 => match SignedReceipt::parse(&body)
                .and_then(|r| r.verify(&self.trusted, expected).map(|x| x.sequence))
            {
                Ok(sequence) => Attempt::Delivered {
                    sequence,
                    receipt: body,
                },
                // A registry answer we cannot trust is not a delivery; keep the packet.
                Err(e) => Attempt::Failed(format!(
                    "registry answered {status} but the receipt is refused ({e}): {}",
                    sanitise(&body, SNIPPET_CHARS)
                )),
            },
            409 | 422 => match SignedRejection::parse(&body)
                .and_then(|r| r.verify(&self.trusted, expected).cloned())
            {
                Ok(r) => Attempt::Rejected {
                    reason: format!(
                        "registry refused ({status}, {}): {}",
                        r.code,
                        sanitise(
                            r.reason.as_bytes(),
                            rekam_protocol::rejection::MAX_REASON_BYTES
                        )
                    ),
                    code: r.code,
                    rejection: body,
                },
                // Not the registry's signed word (a proxy's error page, another key, another
                // packet): not final.
                Err(e) => Attempt::Failed(format!(
                    "registry answered {status} without a rejection signed by {} ({e}); kept pending: {}",
                    self.trusted,
                    sanitise(&body, SNIPPET_CHARS)
                )),
            },
            _ => Attempt::Failed(format!(
                "registry answered {status}: {}",
                sanitise(&body, SNIPPET_CHARS)
            )),
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
    let now_ms = (agent.clock)();
    let now = Instant::now();
    // A few rounds' worth at a time: packets are megabytes each, so not the whole backlog.
    let limit = cfg.concurrency.max(1) * 4;
    let pending = agent
        .with_store(move |s| Ok(s.outbox().schedule()?))
        .await?;
    let ids: Vec<String> = {
        let mut schedule = client.schedule();
        schedule.retain_pending(&pending);
        pending
            .iter()
            .filter(|s| schedule.is_due(s, now_ms, now, cfg.max_backoff_ms))
            .take(limit)
            .map(|s| s.packet_id.clone())
            .collect()
    };
    if ids.is_empty() {
        return Ok(0);
    }
    let due = agent
        .with_store(move |s| Ok(s.outbox().load_pending(&ids)?))
        .await?;
    let mut delivered = 0;
    for chunk in due.chunks(cfg.concurrency.max(1)) {
        let results = join_all(chunk.iter().map(|item| client.send(item)).collect()).await;
        let mut outcomes = Vec::with_capacity(chunk.len());
        let mut events = Vec::new();
        let mut retries = Vec::new();
        for (item, attempt) in chunk.iter().zip(results) {
            let id = item.packet_id.clone();
            let settlement = match attempt {
                Attempt::Delivered { sequence, receipt } => {
                    delivered += 1;
                    events.push((
                        "delivered",
                        id.clone(),
                        json!({ "sequence": sequence, "enrollment_id": item.enrollment_id }),
                    ));
                    tracing::info!(packet = %id, sequence, "delivered");
                    Settlement::Delivered {
                        receipt,
                        at_ms: (agent.clock)(),
                    }
                }
                Attempt::Rejected {
                    code,
                    reason,
                    rejection,
                } => {
                    events.push((
                        "rejected",
                        id.clone(),
                        json!({ "code": code, "reason": reason }),
                    ));
                    tracing::warn!(packet = %id, %code, %reason, "rejected by the registry");
                    Settlement::Rejected { reason, rejection }
                }
                Attempt::Failed(reason) => {
                    let wait = backoff_ms(&cfg, item.attempts + 1, random01());
                    let next_attempt_ms = (agent.clock)().saturating_add(wait as i64);
                    tracing::info!(packet = %id, %reason, retry_in_ms = wait, "delivery failed; will retry");
                    retries.push((
                        id.clone(),
                        next_attempt_ms,
                        Instant::now() + Duration::from_millis(wait),
                    ));
                    Settlement::Retry {
                        error: reason,
                        next_attempt_ms,
                    }
                }
            };
            outcomes.push((id, settlement));
        }
        agent.with_store(move |s| Ok(s.settle(&outcomes)?)).await?;
        {
            let mut schedule = client.schedule();
            for (id, stored, at) in retries {
                schedule.failed(&id, stored, at);
            }
        }
        // Announced only once durable.
        for (kind, id, detail) in events {
            agent.emit(kind, &id, detail);
        }
    }
    Ok(delivered)
}

/// Purges delivered packets' bytes older than the configured retention, batch by batch.
pub async fn purge_delivered(agent: &Agent) -> Result<u64, ServiceError> {
    let retention_ms = i64::from(agent.config.uploader.delivered_retention_days) * 86_400_000;
    let mut total = 0u64;
    loop {
        let now_ms = (agent.clock)();
        let purged = agent
            .with_store(move |s| Ok(s.purge_delivered(now_ms, retention_ms, PURGE_BATCH)?))
            .await?;
        let n = purged.packet_ids.len() as u64;
        total += n;
        if n > 0 {
            tracing::info!(
                packets = n,
                bytes = purged.bytes,
                "purged delivered packets past their retention"
            );
        }
        if n < u64::from(PURGE_BATCH) {
            return Ok(total);
        }
    }
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
    let mut next_purge = Instant::now();
    loop {
        if *stop.borrow() {
            return;
        }
        if Instant::now() >= next_purge {
            if let Err(e) = purge_delivered(&agent).await {
                tracing::error!(error = %e, "the uploader could not purge delivered packets");
            }
            next_purge = Instant::now() + PURGE_EVERY;
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
            delivered_retention_days: 30,
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

    fn sched(id: &str, next: i64) -> Scheduled {
        Scheduled {
            packet_id: id.into(),
            next_attempt_ms: next,
        }
    }

    #[test]
    fn a_failed_packet_is_due_on_the_monotonic_clock_even_if_the_wall_clock_jumps_back() {
        let mut s = RetrySchedule::default();
        let t0 = Instant::now();
        let wall = 1_790_000_000_000;
        // Failed at `wall`, due 10 s later on both clocks.
        s.failed("p", wall + 10_000, t0 + Duration::from_secs(10));
        let p = sched("p", wall + 10_000);
        assert!(!s.is_due(&p, wall + 9_000, t0 + Duration::from_secs(9), 3_600_000));
        // The wall clock is corrected back by a day; 10 s have passed on the monotonic clock.
        let day = 86_400_000;
        assert!(s.is_due(
            &p,
            wall - day + 10_000,
            t0 + Duration::from_secs(10),
            3_600_000
        ));
        // And a clock jumping forward does not make it due early either.
        assert!(!s.is_due(&p, wall + day, t0 + Duration::from_secs(1), 3_600_000));
    }

    #[test]
    fn a_stored_due_time_beyond_the_backoff_cap_counts_as_due_after_a_restart() {
        // A new process knows only the stored time: a clock set back by a day leaves it a day
        // ahead, more than any backoff could have put it, so it is due now.
        let mut s = RetrySchedule::default();
        let now = Instant::now();
        let wall = 1_790_000_000_000;
        assert!(s.is_due(&sched("p", wall + 86_400_000), wall, now, 3_600_000));
        assert!(!s.is_due(&sched("p", wall + 60_000), wall, now, 3_600_000));
        assert!(s.is_due(&sched("p", wall), wall, now, 3_600_000));
    }

    #[test]
    fn a_stored_due_time_changed_by_someone_else_overrides_the_monotonic_deadline() {
        // `rekam outbox retry` rewrites next_attempt_ms to now: that is honoured at once.
        let mut s = RetrySchedule::default();
        let t0 = Instant::now();
        let wall = 1_790_000_000_000;
        s.failed("p", wall + 600_000, t0 + Duration::from_secs(600));
        assert!(s.is_due(&sched("p", wall), wall, t0, 3_600_000));
        s.failed("q", wall + 600_000, t0 + Duration::from_secs(600));
        s.retain_pending(&[sched("p", wall)]);
        assert!(!s.entries.contains_key("q"), "forgotten once not pending");
    }

    #[test]
    fn answers_are_sanitised_and_truncated_for_the_last_error() {
        let html = b"<html>\r\n<head><title>409 Conflict</title></head>\x1b[31m\x00\xff</html>";
        let text = sanitise(html, 200);
        assert!(!text.chars().any(char::is_control), "{text:?}");
        assert!(
            text.starts_with("<html> <head><title>409 Conflict"),
            "{text}"
        );
        assert_eq!(sanitise(&[b'a'; 1000], 10), "aaaaaaaaaa...");
        assert_eq!(sanitise(b" \n ", 10), "(empty answer)");
    }
}
