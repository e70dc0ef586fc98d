//! A registry simulator: the central side of packet delivery, over HTTP, for demos, training and
//! tests of the agent's uploader.
//!
//! `PUT /v1/packets/{packet_id}` with the sealed bytes as the body. The registry checks that the id
//! is the SHA-256 of the body, opens and fully verifies the packet (the `rekam-protocol` opener:
//! sealed to this registry, a trusted workstation's signature, part hashes, a valid enrollment),
//! and answers with a signed receipt:
//! - `201 Created` and a new receipt the first time;
//! - `200 OK` and the same receipt again for a packet it already holds (delivery is idempotent by
//!   packet id, so an agent that lost the first answer simply sends again);
//! - `422` with a rejection signed by the receipt key (`rekam_protocol::rejection`: the packet id,
//!   a machine `code` such as `unknown_workstation` and a human `reason`) for a packet that does
//!   not verify;
//! - `409` with a signed rejection (code `duplicate_enrollment`) when another packet already
//!   delivered the same enrollment;
//! - `400` when the body does not hash to the id, `503` when fault injection says so.
//!
//! `GET /v1/packets/{packet_id}` returns the receipt or 404; `GET /v1/stats` the counters.
//!
//! Print orders ([`print_orders`]): for every accepted packet the registry issues a signed print
//! order for the office that recorded it, `print_delay_ms` later, when a [`CardMedia`] hook is
//! configured to make the card photo and the chip fingers' templates (without one, no orders are
//! issued); `GET /v1/offices/{office}/print-orders` serves them and
//! `PUT /v1/print-orders/{order_id}/printed` takes the office's signed card-printed report.
//!
//! Contract: state is in memory (a simulator, not a registry); every answer is JSON (the other
//! errors `{"error": <kind>, "reason": <message>}`, unsigned, which workstations retry); a request
//! never panics the server. Fault injection is seeded, so a failing run can be replayed.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rekam_protocol::packet::{self, PacketId};
use rekam_protocol::receipt::{Receipt, SignedReceipt, TrustedRegistry};
use rekam_protocol::rejection::{MAX_REASON_BYTES, Rejection};
use rekam_protocol::{RegistryPrivateKey, Timestamp, TrustStore, WorkstationSigningKey};
use ring::rand::SystemRandom;
use serde::Serialize;
use serde_json::json;
use tokio::net::TcpListener;

use crate::rng::SimRng;

pub mod print_orders;

pub use print_orders::{CardMedia, PrintDesk};

/// The largest body the simulator accepts; real registries set their own limit.
pub const MAX_PACKET_BYTES: usize = 64 << 20;

/// How the simulated registry is set up.
pub struct RegistryConfig {
    /// The id put in receipts.
    pub registry_id: String,
    /// The key packets are sealed to.
    pub key: RegistryPrivateKey,
    /// The workstations whose packets it accepts.
    pub trust: TrustStore,
    /// The key receipts are signed with.
    pub receipt_key: WorkstationSigningKey,
    /// Share of uploads answered `503 Service Unavailable`, 0.0-1.0.
    pub unavailable_rate: f64,
    /// Seed of the fault injection.
    pub seed: u64,
    /// How long after accepting a packet its print order is issued (served to the office).
    pub print_delay_ms: u64,
    /// Makes the card photo and the chip templates of print orders; `None`: no orders issued.
    pub card_media: Option<Arc<dyn CardMedia>>,
}

/// Counters, as served by `GET /v1/stats`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RegistryStats {
    /// Packets accepted (first deliveries).
    pub accepted: u64,
    /// Deliveries of packets already held.
    pub duplicates: u64,
    /// Packets refused as invalid or conflicting.
    pub rejected: u64,
    /// Requests answered 503 by fault injection.
    pub unavailable: u64,
    /// Print orders issued (made and signed; served once due).
    pub print_orders_issued: u64,
    /// Accepted packets for which no print order could be made (see [`Registry::print_failures`]).
    pub print_orders_failed: u64,
    /// Card-printed reports acknowledged for the first time.
    pub cards_printed: u64,
    /// Reports of a second card for an order already printed, refused.
    pub cards_refused: u64,
}

struct Inner {
    receipts: HashMap<String, SignedReceipt>,
    by_enrollment: HashMap<String, String>,
    stats: RegistryStats,
    faults: SimRng,
    prints: PrintDesk,
}

/// A running simulated registry's state; cheap to clone.
#[derive(Clone)]
pub struct Registry {
    config: Arc<RegistryConfig>,
    inner: Arc<Mutex<Inner>>,
}

impl Registry {
    /// A registry holding no packets yet.
    pub fn new(config: RegistryConfig) -> Registry {
        let faults = SimRng::derive(config.seed, "registry-faults");
        Registry {
            config: Arc::new(config),
            inner: Arc::new(Mutex::new(Inner {
                receipts: HashMap::new(),
                by_enrollment: HashMap::new(),
                stats: RegistryStats::default(),
                faults,
                prints: PrintDesk::default(),
            })),
        }
    }

    /// What workstations need to verify this registry's receipts.
    pub fn trusted(&self) -> TrustedRegistry {
        TrustedRegistry {
            registry_id: self.config.registry_id.clone(),
            key: self.config.receipt_key.public_key().clone(),
        }
    }

    /// The counters so far.
    pub fn stats(&self) -> RegistryStats {
        self.lock().stats
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave the maps half-updated (each update is one
        // insert), so a poisoned lock is still safe to use.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Receives one packet (the logic behind `PUT /v1/packets/{id}`), at time `now`.
    pub fn receive(&self, claimed_id: &str, body: &[u8], now: Timestamp) -> Answer {
        {
            let mut inner = self.lock();
            let rate = self.config.unavailable_rate;
            if rate > 0.0 && inner.faults.unit() < rate {
                inner.stats.unavailable += 1;
                return Answer::error(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "the registry is unavailable (simulated fault); retry later",
                );
            }
        }
        let id = PacketId::of(body);
        if claimed_id != id.to_string() {
            return Answer::error(
                StatusCode::BAD_REQUEST,
                "packet_id_mismatch",
                &format!(
                    "the body's SHA-256 is {id}, not the packet id {claimed_id:?} in the path"
                ),
            );
        }
        {
            let mut inner = self.lock();
            if let Some(r) = inner.receipts.get(claimed_id).cloned() {
                inner.stats.duplicates += 1;
                return Answer::receipt(StatusCode::OK, &r);
            }
        }
        let opened = match packet::open(body, &self.config.key, &self.config.trust) {
            Ok(o) => o,
            Err(e) => {
                self.lock().stats.rejected += 1;
                return self.reject(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    claimed_id,
                    &snake_case(&format!("{:?}", e.kind())),
                    &e.to_string(),
                    now,
                );
            }
        };
        let enrollment_id = opened.enrollment.id.to_string();
        let mut inner = self.lock();
        // Re-check under the lock: two deliveries of one packet may have raced through opening.
        if let Some(r) = inner.receipts.get(claimed_id).cloned() {
            inner.stats.duplicates += 1;
            return Answer::receipt(StatusCode::OK, &r);
        }
        if let Some(other) = inner.by_enrollment.get(&enrollment_id) {
            let reason =
                format!("enrollment {enrollment_id} was already delivered in packet {other}");
            inner.stats.rejected += 1;
            drop(inner);
            return self.reject(
                StatusCode::CONFLICT,
                claimed_id,
                "duplicate_enrollment",
                &reason,
                now,
            );
        }
        let receipt = Receipt {
            packet_id: claimed_id.to_string(),
            enrollment_id: enrollment_id.clone(),
            workstation_id: opened.header.workstation_id.clone(),
            registry_id: self.config.registry_id.clone(),
            received_at: now,
            sequence: inner.stats.accepted + 1,
        };
        let signed = match receipt.sign(&self.config.receipt_key, &SystemRandom::new()) {
            Ok(s) => s,
            Err(e) => {
                return Answer::error(StatusCode::INTERNAL_SERVER_ERROR, "signing", &e.to_string());
            }
        };
        inner.stats.accepted += 1;
        inner
            .receipts
            .insert(claimed_id.to_string(), signed.clone());
        inner
            .by_enrollment
            .insert(enrollment_id, claimed_id.to_string());
        drop(inner);
        // Made outside the lock: the hook extracts minutiae and crops the photo.
        self.issue_print_order(&opened, claimed_id, now);
        Answer::receipt(StatusCode::CREATED, &signed)
    }

    /// A signed rejection of `packet_id`: the only refusal a workstation takes as final.
    fn reject(
        &self,
        status: StatusCode,
        packet_id: &str,
        code: &str,
        reason: &str,
        now: Timestamp,
    ) -> Answer {
        // The reason is the opener's message; keep it within what a rejection may carry.
        let mut reason = reason.to_string();
        if reason.len() > MAX_REASON_BYTES {
            let mut cut = MAX_REASON_BYTES;
            while !reason.is_char_boundary(cut) {
                cut -= 1;
            }
            reason.truncate(cut);
        }
        let rejection = Rejection {
            packet_id: packet_id.to_string(),
            registry_id: self.config.registry_id.clone(),
            code: code.to_string(),
            reason,
            rejected_at: now,
        };
        match rejection.sign(&self.config.receipt_key, &SystemRandom::new()) {
            Ok(signed) => Answer {
                status,
                body: signed.to_json(),
            },
            Err(e) => Answer::error(StatusCode::INTERNAL_SERVER_ERROR, "signing", &e.to_string()),
        }
    }

    /// The receipt held for a packet.
    pub fn receipt(&self, packet_id: &str) -> Option<SignedReceipt> {
        self.lock().receipts.get(packet_id).cloned()
    }
}

/// An HTTP answer: status and JSON body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The status.
    pub status: StatusCode,
    /// The JSON body.
    pub body: Vec<u8>,
}

impl Answer {
    fn json(status: StatusCode, body: Vec<u8>) -> Answer {
        Answer { status, body }
    }

    fn receipt(status: StatusCode, r: &SignedReceipt) -> Answer {
        Answer {
            status,
            body: r.to_json(),
        }
    }

    fn error(status: StatusCode, kind: &str, reason: &str) -> Answer {
        Answer {
            status,
            body: json!({ "error": kind, "reason": reason })
                .to_string()
                .into_bytes(),
        }
    }
}

impl IntoResponse for Answer {
    fn into_response(self) -> Response {
        (
            self.status,
            [(axum::http::header::CONTENT_TYPE, "application/json")],
            self.body,
        )
            .into_response()
    }
}

/// `BadSignature` -> `bad_signature`, for the machine-readable error field.
fn snake_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

fn now() -> Timestamp {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0);
    Timestamp::from_unix_ms(ms)
}

async fn put_packet(State(reg): State<Registry>, Path(id): Path<String>, body: Bytes) -> Answer {
    // Opening costs milliseconds of CPU (HPKE, signature, hashes): keep it off the reactor.
    let r = reg.clone();
    match tokio::task::spawn_blocking(move || r.receive(&id, &body, now())).await {
        Ok(a) => a,
        Err(e) => Answer::error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            &e.to_string(),
        ),
    }
}

async fn get_packet(State(reg): State<Registry>, Path(id): Path<String>) -> Answer {
    match reg.receipt(&id) {
        Some(r) => Answer::receipt(StatusCode::OK, &r),
        None => Answer::error(
            StatusCode::NOT_FOUND,
            "not_found",
            &format!("no packet {id:?} has been received"),
        ),
    }
}

async fn get_stats(State(reg): State<Registry>) -> Response {
    axum::Json(reg.stats()).into_response()
}

/// The HTTP routes over `registry`.
pub fn router(registry: Registry) -> Router {
    Router::new()
        .route("/v1/packets/{id}", get(get_packet).put(put_packet))
        .route("/v1/stats", get(get_stats))
        .route(
            "/v1/offices/{office}/print-orders",
            get(print_orders::get_orders),
        )
        .route(
            "/v1/print-orders/{order_id}/printed",
            axum::routing::put(print_orders::put_printed),
        )
        .layer(DefaultBodyLimit::max(MAX_PACKET_BYTES))
        .with_state(registry)
}

/// Serves `registry` on `listener` until `shutdown` completes, then finishes open requests.
pub async fn run(
    listener: TcpListener,
    registry: Registry,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(registry))
        .with_graceful_shutdown(shutdown)
        .await
}

/// Serves `registry` over HTTPS with `tls` (see [`crate::tls`]) until `shutdown` completes.
pub async fn run_tls(
    listener: TcpListener,
    registry: Registry,
    tls: Arc<rustls::ServerConfig>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    crate::tls::serve(listener, router(registry), tls, shutdown).await
}
