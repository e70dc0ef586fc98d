//! The local API: HTTP/JSON on loopback for a recording application (or our own console), with an
//! SSE stream of capture progress.
//!
//! Every route but `/v1/health` and `/openapi.json` needs `Authorization: Bearer <token>`, an
//! operator's own token (`rekam operators token ID`): the request acts as that operator, whose id
//! the audit log records; a disabled operator's token is refused. Errors are JSON
//! `{"error": <code>, "message": <text>, "field": <dotted path, when one field is at fault>}`,
//! including the answers the framework would give in plain text or with no body (405, 413, a
//! path that does not parse); only 414 and 431, which hyper sends before a request reaches the
//! router, keep its empty body. A JSON body must be one value with nothing after it.
//!
//! A mutating request runs to its end even when its client hangs up: a capture the device
//! already took is recorded and audited, and the client sees it when it reads the session again.
//!
//! Contract: [`router`] is pure wiring over an [`Agent`]; it can be driven in tests with
//! `tower::ServiceExt::oneshot` and no socket. The OpenAPI document served at `/openapi.json`
//! lists exactly the routes wired here (a test checks it).

mod approval;
mod corrections;
mod doc;
mod error;

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Extension, Path, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use rekam_drivers::fingerprint::Slap;
use rekam_protocol::model::{ExceptionReason, FingerPosition};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use tokio_stream::StreamExt;
use tokio_stream::wrappers::{BroadcastStream, WatchStream};

pub use error::ApiError;

use crate::operators::Operator;
use crate::service::{Agent, CaptureResult, ServiceError, SlapResult, StartRequest, TokenCheck};
use crate::workflow::Eye;
use crate::workflow::Summary;

use doc::ErrorBody;
pub use doc::{document as openapi, json as openapi_json};

/// What handlers share.
#[derive(Clone)]
pub struct ApiState {
    /// The agent.
    pub agent: Arc<Agent>,
}

/// The largest request body accepted, in bytes (the biggest is a start or a correction: a few
/// kilobytes of demographics).
pub const MAX_BODY_BYTES: usize = 2 << 20;

/// Parses a JSON body completely, naming the field at fault on error; anything but white space
/// after the JSON value is refused. Numbers are taken by value, as JSON Schema takes them: `541.0`
/// is the integer 541 wherever an integer is asked for.
fn body<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut value: Value = serde_json::from_slice(bytes).map_err(|e| {
        let message = if e.is_eof() || e.is_syntax() {
            format!("the body is not one JSON value ({e})")
        } else {
            e.to_string()
        };
        ApiError::bad_request("invalid_body", message, None)
    })?;
    integral_numbers(&mut value);
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        ApiError::bad_request(
            "invalid_body",
            e.inner().to_string(),
            (path != ".").then_some(path),
        )
    })
}

/// Rewrites every float with no fractional part that fits an `i64` or `u64` as that integer.
fn integral_numbers(v: &mut Value) {
    match v {
        Value::Number(n) if !(n.is_i64() || n.is_u64()) => {
            if let Some(f) = n.as_f64().filter(|f| f.fract() == 0.0) {
                // Casts saturate; the range test keeps only the exact ones.
                if f >= i64::MIN as f64 && f < i64::MAX as f64 {
                    *v = Value::from(f as i64);
                } else if f >= 0.0 && f < u64::MAX as f64 {
                    *v = Value::from(f as u64);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(integral_numbers),
        Value::Object(members) => members.values_mut().for_each(integral_numbers),
        _ => {}
    }
}

/// Runs a mutating operation to its end on its own task, so a client that hangs up mid-capture
/// does not cancel it half-way: what the device took is recorded and audited as usual.
async fn detached<T: Send + 'static>(
    op: impl Future<Output = Result<T, ServiceError>> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::spawn(op)
        .await
        .map_err(|e| ServiceError::Internal(format!("the operation did not complete: {e}")))?
        .map_err(ApiError::from)
}

fn json_ok(status: StatusCode, v: impl serde::Serialize) -> Response {
    (status, axum::Json(v)).into_response()
}

/// A finger position from the path, as text so that any value (`300`, `x`) gets the same JSON
/// answer naming the field.
fn position(p: &str) -> Result<FingerPosition, ApiError> {
    p.parse::<u8>()
        .ok()
        .and_then(FingerPosition::new)
        .ok_or_else(|| {
            ApiError::bad_request(
                "invalid_path",
                format!("{p:?} is not a finger position (1-10, ISO/IEC 19794-4)"),
                Some("position".into()),
            )
        })
}

fn eye(eye: &str) -> Result<Eye, ApiError> {
    match eye {
        "left" => Ok(Eye::Left),
        "right" => Ok(Eye::Right),
        other => Err(ApiError::bad_request(
            "invalid_path",
            format!("{other:?} is not an eye (left or right)"),
            Some("eye".into()),
        )),
    }
}

#[utoipa::path(get, path = "/v1/health", tag = "agent",
    responses(
        (status = 200, description = "The agent and its store are working", body = doc::HealthBody),
        (status = 503, description = "The store cannot take work", body = doc::HealthBody),
    ))]
async fn health(State(s): State<ApiState>) -> Response {
    let version = env!("CARGO_PKG_VERSION");
    match s.agent.store_health.problem() {
        None => json_ok(
            StatusCode::OK,
            json!({ "status": "ok", "store": "ok", "version": version }),
        ),
        Some(p) => json_ok(
            StatusCode::SERVICE_UNAVAILABLE,
            json!({ "status": "unavailable", "store": p, "version": version }),
        ),
    }
}

#[utoipa::path(get, path = "/openapi.json", tag = "agent",
    responses((status = 200, description = "This document", body = Object)))]
async fn openapi_document() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], openapi_json()).into_response()
}

#[utoipa::path(get, path = "/v1/devices", tag = "agent",
    responses((status = 200, description = "Every device with its health", body = Vec<doc::DeviceStatusDoc>)))]
async fn devices(State(s): State<ApiState>) -> Response {
    json_ok(StatusCode::OK, s.agent.devices.status())
}

#[utoipa::path(get, path = "/v1/sessions", tag = "sessions",
    responses((status = 200, description = "Every session with its stage", body = Vec<doc::SessionListItem>)))]
async fn list_sessions(State(s): State<ApiState>) -> Result<Response, ApiError> {
    let list = s.agent.list().await?;
    let v: Vec<Value> = list
        .into_iter()
        .map(|(id, stage)| json!({ "id": id, "stage": stage.to_lowercase() }))
        .collect();
    Ok(json_ok(StatusCode::OK, v))
}

#[utoipa::path(post, path = "/v1/sessions", tag = "sessions",
    request_body(content = StartRequest, content_type = "application/json", example = json!({
        "applicant": {
            "nik": "3273015708900001", "full_name": "Siti Rahma", "place_of_birth": "Bandung",
            "date_of_birth": "1990-08-17", "sex": "female", "blood_type": "O",
            "address": {
                "street": "Jl. Merdeka 10", "rt": 1, "rw": 2, "village": "Citarum",
                "district": "Bandung Wetan", "regency": "Kota Bandung", "province": "Jawa Barat",
                "postal_code": "40115"
            },
            "religion": "islam", "marital_status": "kawin", "occupation": "Guru",
            "citizenship": {"kind": "wni"}
        }
    })),
    responses(
        (status = 201, description = "The session started", body = Summary),
        (status = 409, description = "A session of the same NIK is still open (`session_open`, with `session_id`)", body = ErrorBody),
        (status = 422, description = "The demographics break a rule a schema cannot state (the NIK disagrees with the birth date or sex, free text, eligibility, a mobile unit's visit location)", body = ErrorBody),
    ))]
async fn start_session(
    State(s): State<ApiState>,
    Extension(by): Extension<Operator>,
    b: Bytes,
) -> Result<Response, ApiError> {
    let req: StartRequest = body(&b)?;
    let agent = s.agent.clone();
    let summary = detached(async move { agent.start(&by, req).await }).await?;
    Ok(json_ok(StatusCode::CREATED, summary))
}

#[utoipa::path(get, path = "/v1/sessions/{id}", tag = "sessions", params(("id" = String, Path, description = "Session id")),
    responses((status = 200, description = "The session", body = Summary)))]
async fn get_session(
    State(s): State<ApiState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    Ok(json_ok(StatusCode::OK, s.agent.summary(&id).await?))
}

#[utoipa::path(post, path = "/v1/sessions/{id}/face", tag = "captures", params(("id" = String, Path, description = "Session id")),
    responses(
        (status = 200, description = "The attempt and the session afterwards", body = CaptureResult),
        (status = 409, description = "Out of turn (wrong stage, already recorded) or the device is busy", body = ErrorBody),
        (status = 422, description = "The capture was refused (duplicate, unusable)", body = ErrorBody),
        (status = 502, description = "The device failed or returned unusable output", body = ErrorBody),
        (status = 504, description = "The device timed out", body = ErrorBody),
    ))]
async fn capture_face(
    State(s): State<ApiState>,
    Extension(by): Extension<Operator>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let agent = s.agent.clone();
    let r = detached(async move { agent.capture_face(&by, &id).await }).await?;
    Ok(json_ok(StatusCode::OK, r))
}

/// The body of `POST /v1/sessions/{id}/face/approval`: the resident approves the kept photo or not.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct Approval {
    approved: bool,
}

#[utoipa::path(post, path = "/v1/sessions/{id}/face/approval", tag = "captures", params(("id" = String, Path, description = "Session id")),
    request_body(content = Approval, content_type = "application/json"),
    responses(
        (status = 200, description = "The session afterwards", body = Summary),
        (status = 409, description = "No photo to approve, or out of turn", body = ErrorBody),
    ))]
async fn approve_face(
    State(s): State<ApiState>,
    Extension(by): Extension<Operator>,
    Path(id): Path<String>,
    b: Bytes,
) -> Result<Response, ApiError> {
    let a: Approval = body(&b)?;
    let agent = s.agent.clone();
    let r = detached(async move { agent.approve_face(&by, &id, a.approved).await }).await?;
    Ok(json_ok(StatusCode::OK, r))
}

#[utoipa::path(post, path = "/v1/sessions/{id}/signature", tag = "captures", params(("id" = String, Path, description = "Session id")),
    responses(
        (status = 200, description = "The session afterwards, with the signature", body = Summary),
        (status = 409, description = "Out of turn (wrong stage, already recorded) or the device is busy", body = ErrorBody),
        (status = 422, description = "The capture was refused (duplicate, unusable)", body = ErrorBody),
        (status = 502, description = "The device failed or returned unusable output", body = ErrorBody),
        (status = 504, description = "The device timed out", body = ErrorBody),
    ))]
async fn capture_signature(
    State(s): State<ApiState>,
    Extension(by): Extension<Operator>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let agent = s.agent.clone();
    let r = detached(async move { agent.capture_signature(&by, &id).await }).await?;
    Ok(json_ok(StatusCode::OK, r))
}

#[utoipa::path(post, path = "/v1/sessions/{id}/fingers/{position}", tag = "captures", params(("id" = String, Path, description = "Session id"), ("position" = u8, Path, minimum = 1, maximum = 10, description = "ISO/IEC 19794-4 finger position")),
    responses(
        (status = 200, description = "The attempt and the session afterwards", body = CaptureResult),
        (status = 409, description = "Out of turn (wrong stage, already recorded) or the device is busy", body = ErrorBody),
        (status = 422, description = "The capture was refused (duplicate, unusable)", body = ErrorBody),
        (status = 502, description = "The device failed or returned unusable output", body = ErrorBody),
        (status = 504, description = "The device timed out", body = ErrorBody),
    ))]
async fn capture_finger(
    State(s): State<ApiState>,
    Extension(by): Extension<Operator>,
    Path((id, p)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let p = position(&p)?;
    let agent = s.agent.clone();
    let r = detached(async move { agent.capture_finger(&by, &id, p).await }).await?;
    Ok(json_ok(StatusCode::OK, r))
}

#[utoipa::path(post, path = "/v1/sessions/{id}/slaps/{slap}", tag = "captures",
    params(("id" = String, Path, description = "Session id"), ("slap" = String, Path, pattern = "^(right|left|thumbs)$", description = "Which slap of the 4-4-2 sequence")),
    responses(
        (status = 200, description = "The fingers found and the session afterwards", body = SlapResult),
        (status = 409, description = "Out of turn (wrong stage, already recorded) or the device is busy", body = ErrorBody),
        (status = 422, description = "The capture was refused (duplicate, unusable)", body = ErrorBody),
        (status = 502, description = "The device failed or returned unusable output", body = ErrorBody),
        (status = 504, description = "The device timed out", body = ErrorBody),
    ))]
async fn capture_slap(
    State(s): State<ApiState>,
    Extension(by): Extension<Operator>,
    Path((id, slap)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let slap = match slap.as_str() {
        "right" => Slap::RightFour,
        "left" => Slap::LeftFour,
        "thumbs" => Slap::Thumbs,
        other => {
            return Err(ApiError::bad_request(
                "invalid_path",
                format!("{other:?} is not a slap: right, left or thumbs (4-4-2)"),
                Some("slap".into()),
            ));
        }
    };
    let agent = s.agent.clone();
    let r = detached(async move { agent.capture_slap(&by, &id, slap).await }).await?;
    Ok(json_ok(StatusCode::OK, r))
}

/// The body of `POST .../fingers/{position}/exception`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct ExceptionBody {
    reason: ExceptionReason,
    #[serde(default)]
    note: Option<String>,
    /// Photograph the hand with the camera and keep the photo with the exception.
    #[serde(default)]
    photo: bool,
}

#[utoipa::path(post, path = "/v1/sessions/{id}/fingers/{position}/exception", tag = "captures", params(("id" = String, Path, description = "Session id"), ("position" = u8, Path, minimum = 1, maximum = 10, description = "ISO/IEC 19794-4 finger position")),
    request_body(content = ExceptionBody, content_type = "application/json"),
    responses(
        (status = 200, description = "The session afterwards", body = Summary),
        (status = 409, description = "Out of turn (wrong stage, already recorded) or the device is busy", body = ErrorBody),
        (status = 422, description = "The capture was refused (duplicate, unusable)", body = ErrorBody),
        (status = 502, description = "The device failed or returned unusable output", body = ErrorBody),
        (status = 504, description = "The device timed out", body = ErrorBody),
    ))]
async fn finger_exception(
    State(s): State<ApiState>,
    Extension(by): Extension<Operator>,
    Path((id, p)): Path<(String, String)>,
    b: Bytes,
) -> Result<Response, ApiError> {
    let p = position(&p)?;
    let e: ExceptionBody = body(&b)?;
    let agent = s.agent.clone();
    let r = detached(async move {
        agent
            .finger_exception(&by, &id, p, e.reason, e.note, e.photo)
            .await
    })
    .await?;
    Ok(json_ok(StatusCode::OK, r))
}

#[utoipa::path(post, path = "/v1/sessions/{id}/irises/{eye}", tag = "captures",
    params(("id" = String, Path, description = "Session id"), ("eye" = String, Path, pattern = "^(left|right)$", description = "Which eye")),
    responses(
        (status = 200, description = "The attempt and the session afterwards", body = CaptureResult),
        (status = 409, description = "Out of turn (wrong stage, already recorded) or the device is busy", body = ErrorBody),
        (status = 422, description = "The capture was refused (duplicate, unusable)", body = ErrorBody),
        (status = 502, description = "The device failed or returned unusable output", body = ErrorBody),
        (status = 504, description = "The device timed out", body = ErrorBody),
    ))]
async fn capture_iris(
    State(s): State<ApiState>,
    Extension(by): Extension<Operator>,
    Path((id, e)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let e = eye(&e)?;
    let agent = s.agent.clone();
    let r = detached(async move { agent.capture_iris(&by, &id, e).await }).await?;
    Ok(json_ok(StatusCode::OK, r))
}

#[utoipa::path(post, path = "/v1/sessions/{id}/finalize", tag = "sessions", params(("id" = String, Path, description = "Session id")),
    responses(
        (status = 201, description = "The packet is sealed and queued for delivery", body = doc::Finalized),
        (status = 409, description = "Incomplete, unapproved or out of turn", body = ErrorBody),
        (status = 413, description = "The sealed packet would be over the registry's size limit", body = ErrorBody),
    ))]
async fn finalize(
    State(s): State<ApiState>,
    Extension(by): Extension<Operator>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let agent = s.agent.clone();
    let packet = detached(async move { agent.finalize(&by, &id).await }).await?;
    Ok(json_ok(StatusCode::CREATED, json!({ "packet_id": packet })))
}

#[utoipa::path(get, path = "/v1/outbox", tag = "outbox",
    responses((status = 200, description = "Packets by delivery state", body = doc::OutboxCounts)))]
async fn outbox(State(s): State<ApiState>) -> Result<Response, ApiError> {
    let st = s.agent.with_store(|st| Ok(st.outbox().status()?)).await?;
    Ok(json_ok(
        StatusCode::OK,
        json!({ "pending": st.pending, "delivered": st.delivered, "rejected": st.rejected }),
    ))
}

#[utoipa::path(get, path = "/v1/outbox/{packet_id}", tag = "outbox",
    params(("packet_id" = String, Path, description = "Packet (enrollment) id")),
    responses((status = 200, description = "The packet's delivery", body = doc::OutboxPacket)))]
async fn outbox_packet(
    State(s): State<ApiState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let key = id.clone();
    let d = s
        .agent
        .with_store(move |st| Ok(st.outbox().get(&key)?))
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("packet {id}")))?;
    let doc = |b: &Option<Vec<u8>>| {
        b.as_deref()
            .and_then(|r| serde_json::from_slice::<Value>(r).ok())
    };
    Ok(json_ok(
        StatusCode::OK,
        json!({
            "packet_id": id,
            "state": format!("{:?}", d.state).to_lowercase(),
            "receipt": doc(&d.receipt),
            "rejection": doc(&d.rejection),
            "last_error": d.last_error,
            "purged": d.purged_ms.is_some(),
        }),
    ))
}

#[utoipa::path(get, path = "/v1/events", tag = "agent",
    responses((status = 200, description = "Server-sent events, one per step recorded (`event:` is the kind, `data:` an Event as JSON)", content_type = "text/event-stream", body = String)))]
async fn events(
    State(s): State<ApiState>,
) -> Sse<impl tokio_stream::Stream<Item = Result<SseEvent, Infallible>>> {
    // The stream ends when the agent closes, so a watching client cannot hold shutdown open.
    let closing = WatchStream::new(s.agent.closing())
        .filter(|c| *c)
        .map(|_| None);
    let stream = BroadcastStream::new(s.agent.subscribe())
        .map(Some)
        .merge(closing)
        .take_while(Option::is_some)
        .filter_map(|e| {
            // A slow client that lagged behind misses events; it re-reads the session to catch up.
            let e = e?.ok()?;
            let data = serde_json::to_string(&e).ok()?;
            Some(Ok(SseEvent::default().event(e.kind.clone()).data(data)))
        });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}

/// Maps the bearer token to its operator and hands the operator to the handler as a request
/// extension; refuses a request without a live token of an enabled operator.
async fn auth(State(s): State<ApiState>, mut req: Request, next: Next) -> Response {
    let presented = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(bearer_token)
        .map(str::to_string);
    let Some(token) = presented else {
        return ApiError::unauthorized(
            "send Authorization: Bearer <token>, an operator's token issued by `rekam operators token ID`",
        )
        .into_response();
    };
    match s.agent.operator_of_token(&token).await {
        Ok(TokenCheck::Operator(op)) => {
            req.extensions_mut().insert(op);
            next.run(req).await
        }
        Ok(TokenCheck::Unknown) => ApiError::unauthorized(
            "the bearer token is not a live operator token of this agent (never issued, or replaced by a newer one); issue one with `rekam operators token ID`",
        )
        .into_response(),
        Ok(TokenCheck::Disabled(id)) => ApiError::unauthorized(&format!(
            "operator {id} is disabled; their token is refused until an administrator enables them (rekam operators enable {id})"
        ))
        .into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// The token of `Bearer <token>`: the scheme in any case (RFC 7235 §2.1), then one or more
/// spaces (RFC 9110 §11.4; tabs are taken too).
fn bearer_token(value: &str) -> Option<&str> {
    let scheme = value.get(..6)?;
    let rest = value.get(6..)?;
    if !scheme.eq_ignore_ascii_case("bearer") || !rest.starts_with([' ', '\t']) {
        return None;
    }
    let token = rest.trim_matches([' ', '\t']);
    (!token.is_empty()).then_some(token)
}

/// Refuses a body announced (`Content-Length`) as larger than the limit at once, before any of it
/// is read: otherwise the answer waits until the limit has actually arrived.
async fn refuse_announced_oversize(req: Request, next: Next) -> Response {
    let announced = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if announced.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            format!("the request body is over the limit of {MAX_BODY_BYTES} bytes"),
            None,
        )
        .into_response();
    }
    next.run(req).await
}

/// Refuses a request that carries a body in anything but JSON (`application/json`, or a
/// `+json` type) with 415, before a handler reads it: every body this API takes is JSON.
async fn require_json(req: Request, next: Next) -> Response {
    let headers = req.headers();
    let has_body = headers.contains_key(header::TRANSFER_ENCODING)
        || headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim() != "0");
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|t| t.trim().to_ascii_lowercase())
        .is_some_and(|t| {
            t == "application/json" || (t.starts_with("application/") && t.ends_with("+json"))
        });
    if has_body && !json {
        return ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the body as Content-Type: application/json",
            None,
        )
        .into_response();
    }
    next.run(req).await
}

/// Gives the framework's own error answers (405 with no body, 413 and path rejections in plain
/// text) the API's JSON form, keeping their status and headers (`Allow` on a 405).
async fn json_errors(resp: Response) -> Response {
    let status = resp.status();
    let is_json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json || !(status.is_client_error() || status.is_server_error()) {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    // These bodies are a line of text; a longer one is cut, not buffered.
    let text = axum::body::to_bytes(body, 4096)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_string())
        .unwrap_or_default();
    let (code, message) = match status {
        StatusCode::METHOD_NOT_ALLOWED => (
            "method_not_allowed",
            "this route does not take this method; the Allow header lists those it takes"
                .to_string(),
        ),
        StatusCode::PAYLOAD_TOO_LARGE => (
            "body_too_large",
            format!("the request body is over the limit of {MAX_BODY_BYTES} bytes"),
        ),
        StatusCode::URI_TOO_LONG => ("uri_too_long", "the URI is too long".to_string()),
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => (
            "headers_too_large",
            "the request headers are too large".to_string(),
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ("unsupported_media_type", text),
        s if s.is_client_error() => ("bad_request", text),
        _ => ("internal", text),
    };
    let mut out = ApiError::new(status, code, message, None).into_response();
    parts.headers.remove(header::CONTENT_TYPE);
    parts.headers.remove(header::CONTENT_LENGTH);
    for (k, v) in out.headers() {
        parts.headers.insert(k.clone(), v.clone());
    }
    *out.headers_mut() = parts.headers;
    out
}

/// The API's routes over `state`.
pub fn router(state: ApiState) -> Router {
    let protected = Router::new()
        .route("/v1/devices", get(devices))
        .route("/v1/sessions", get(list_sessions).post(start_session))
        .route("/v1/sessions/{id}", get(get_session))
        .route(
            "/v1/sessions/{id}/applicant",
            put(corrections::correct_applicant),
        )
        .route("/v1/sessions/{id}/abandon", post(corrections::abandon))
        .route(
            "/v1/sessions/{id}/face",
            post(capture_face).delete(corrections::clear_face),
        )
        .route("/v1/sessions/{id}/face/approval", post(approve_face))
        .route(
            "/v1/sessions/{id}/signature",
            post(capture_signature).delete(corrections::clear_signature),
        )
        .route(
            "/v1/sessions/{id}/fingers/{position}",
            post(capture_finger).delete(corrections::clear_finger),
        )
        .route("/v1/sessions/{id}/slaps/{slap}", post(capture_slap))
        .route(
            "/v1/sessions/{id}/fingers/{position}/exception",
            post(finger_exception),
        )
        .route(
            "/v1/sessions/{id}/irises/{eye}",
            post(capture_iris).delete(corrections::clear_iris),
        )
        .route("/v1/sessions/{id}/approval", post(approval::approve))
        .route("/v1/sessions/{id}/finalize", post(finalize))
        .route("/v1/outbox", get(outbox))
        .route("/v1/outbox/{packet_id}", get(outbox_packet))
        .route("/v1/events", get(events))
        .route_layer(middleware::from_fn_with_state(state.clone(), auth));
    Router::new()
        .route("/v1/health", get(health))
        .route("/openapi.json", get(openapi_document))
        .merge(protected)
        .fallback(|| async {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                "no such route; see /openapi.json",
                None,
            )
        })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn(require_json))
        .layer(middleware::from_fn(refuse_announced_oversize))
        .layer(middleware::map_response(json_errors))
        .with_state(state)
}
