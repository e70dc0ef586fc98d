//! The local API: HTTP/JSON on loopback for a recording application (or our own console), with an
//! SSE stream of capture progress.
//!
//! Every route but `/v1/health` and `/openapi.json` needs `Authorization: Bearer <token>`, the
//! token the agent wrote (mode 0600) into its data directory at first start. Errors are JSON
//! `{"error": <code>, "message": <text>, "field": <dotted path, when one field is at fault>}`.
//!
//! Contract: [`router`] is pure wiring over an [`Agent`]; it can be driven in tests with
//! `tower::ServiceExt::oneshot` and no socket. The OpenAPI document served at `/openapi.json`
//! lists exactly the routes wired here (a test checks it).

mod error;

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use rekam_drivers::fingerprint::Slap;
use rekam_protocol::model::{ExceptionReason, FingerPosition};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use tokio_stream::StreamExt;
use tokio_stream::wrappers::{BroadcastStream, WatchStream};

pub use error::ApiError;

use crate::service::{Agent, ServiceError, StartRequest};
use crate::workflow::Eye;

/// The OpenAPI 3.1 document of this API.
pub const OPENAPI: &str = include_str!("openapi.json");

/// What handlers share.
#[derive(Clone)]
pub struct ApiState {
    /// The agent.
    pub agent: Arc<Agent>,
    /// The bearer token clients must present.
    pub token: Arc<str>,
}

/// Parses a JSON body completely, naming the field at fault on error.
fn body<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        ApiError::bad_request(
            "invalid_body",
            e.inner().to_string(),
            (path != ".").then_some(path),
        )
    })?;
    Ok(value)
}

fn json_ok(status: StatusCode, v: impl serde::Serialize) -> Response {
    (status, axum::Json(v)).into_response()
}

fn position(p: u8) -> Result<FingerPosition, ApiError> {
    FingerPosition::new(p).ok_or_else(|| {
        ApiError::bad_request(
            "invalid_path",
            format!("{p} is not a finger position (1-10, ISO/IEC 19794-4)"),
            Some("position".into()),
        )
    })
}

async fn health() -> Response {
    json_ok(
        StatusCode::OK,
        json!({ "status": "ok", "version": env!("CARGO_PKG_VERSION") }),
    )
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

async fn devices(State(s): State<ApiState>) -> Response {
    json_ok(StatusCode::OK, s.agent.devices.status())
}

async fn list_sessions(State(s): State<ApiState>) -> Result<Response, ApiError> {
    let list = s.agent.list().await?;
    let v: Vec<Value> = list
        .into_iter()
        .map(|(id, stage)| json!({ "id": id, "stage": stage.to_lowercase() }))
        .collect();
    Ok(json_ok(StatusCode::OK, v))
}

async fn start_session(State(s): State<ApiState>, b: Bytes) -> Result<Response, ApiError> {
    let req: StartRequest = body(&b)?;
    Ok(json_ok(StatusCode::CREATED, s.agent.start(req).await?))
}

async fn get_session(
    State(s): State<ApiState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    Ok(json_ok(StatusCode::OK, s.agent.summary(&id).await?))
}

async fn capture_face(
    State(s): State<ApiState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    Ok(json_ok(StatusCode::OK, s.agent.capture_face(&id).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Approval {
    approved: bool,
}

async fn approve_face(
    State(s): State<ApiState>,
    Path(id): Path<String>,
    b: Bytes,
) -> Result<Response, ApiError> {
    let a: Approval = body(&b)?;
    Ok(json_ok(
        StatusCode::OK,
        s.agent.approve_face(&id, a.approved).await?,
    ))
}

async fn capture_signature(
    State(s): State<ApiState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    Ok(json_ok(
        StatusCode::OK,
        s.agent.capture_signature(&id).await?,
    ))
}

async fn capture_finger(
    State(s): State<ApiState>,
    Path((id, p)): Path<(String, u8)>,
) -> Result<Response, ApiError> {
    let p = position(p)?;
    Ok(json_ok(
        StatusCode::OK,
        s.agent.capture_finger(&id, p).await?,
    ))
}

async fn capture_slap(
    State(s): State<ApiState>,
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
    Ok(json_ok(
        StatusCode::OK,
        s.agent.capture_slap(&id, slap).await?,
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExceptionBody {
    reason: ExceptionReason,
    #[serde(default)]
    note: Option<String>,
    /// Photograph the hand with the camera and keep the photo with the exception.
    #[serde(default)]
    photo: bool,
}

async fn finger_exception(
    State(s): State<ApiState>,
    Path((id, p)): Path<(String, u8)>,
    b: Bytes,
) -> Result<Response, ApiError> {
    let p = position(p)?;
    let e: ExceptionBody = body(&b)?;
    Ok(json_ok(
        StatusCode::OK,
        s.agent
            .finger_exception(&id, p, e.reason, e.note, e.photo)
            .await?,
    ))
}

async fn capture_iris(
    State(s): State<ApiState>,
    Path((id, eye)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let eye = match eye.as_str() {
        "left" => Eye::Left,
        "right" => Eye::Right,
        other => {
            return Err(ApiError::bad_request(
                "invalid_path",
                format!("{other:?} is not an eye (left or right)"),
                Some("eye".into()),
            ));
        }
    };
    Ok(json_ok(
        StatusCode::OK,
        s.agent.capture_iris(&id, eye).await?,
    ))
}

async fn finalize(State(s): State<ApiState>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let packet = s.agent.finalize(&id).await?;
    Ok(json_ok(StatusCode::CREATED, json!({ "packet_id": packet })))
}

async fn outbox(State(s): State<ApiState>) -> Result<Response, ApiError> {
    let st = s.agent.with_store(|st| Ok(st.outbox().status()?)).await?;
    Ok(json_ok(
        StatusCode::OK,
        json!({ "pending": st.pending, "delivered": st.delivered, "rejected": st.rejected }),
    ))
}

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

async fn auth(State(s): State<ApiState>, req: Request, next: Next) -> Response {
    let presented = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match presented {
        Some(t) if constant_time_eq(t.as_bytes(), s.token.as_bytes()) => next.run(req).await,
        Some(_) => ApiError::unauthorized("the bearer token is not this agent's token").into_response(),
        None => ApiError::unauthorized(
            "send Authorization: Bearer <token>; the token is in the agent's data directory (api-token)",
        )
        .into_response(),
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The API's routes over `state`.
pub fn router(state: ApiState) -> Router {
    let protected = Router::new()
        .route("/v1/devices", get(devices))
        .route("/v1/sessions", get(list_sessions).post(start_session))
        .route("/v1/sessions/{id}", get(get_session))
        .route("/v1/sessions/{id}/face", post(capture_face))
        .route("/v1/sessions/{id}/face/approval", post(approve_face))
        .route("/v1/sessions/{id}/signature", post(capture_signature))
        .route("/v1/sessions/{id}/fingers/{position}", post(capture_finger))
        .route("/v1/sessions/{id}/slaps/{slap}", post(capture_slap))
        .route(
            "/v1/sessions/{id}/fingers/{position}/exception",
            post(finger_exception),
        )
        .route("/v1/sessions/{id}/irises/{eye}", post(capture_iris))
        .route("/v1/sessions/{id}/finalize", post(finalize))
        .route("/v1/outbox", get(outbox))
        .route("/v1/outbox/{packet_id}", get(outbox_packet))
        .route("/v1/events", get(events))
        .route_layer(middleware::from_fn_with_state(state.clone(), auth));
    Router::new()
        .route("/v1/health", get(health))
        .route("/openapi.json", get(openapi))
        .merge(protected)
        .fallback(|| async {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                "no such route; see /openapi.json",
                None,
            )
        })
        .with_state(state)
}
