//! Routes to go back before finalize: `PUT .../applicant` (correct the demographics, a full
//! replacement), `DELETE` on a capture's route (clear it for a retake: face, signature, a finger
//! or its exception, an iris) and `POST .../abandon` (give the session up with a reason).
//!
//! Contract: the audit entry names the operator whose token made the request; a body naming an
//! operator (`operator_id`) is refused as an unknown field. A `DELETE` takes no body (an empty or
//! white-space body is accepted, anything else refused). Like every mutating route, each runs to
//! its end even if the client hangs up.

use axum::body::Bytes;
use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use rekam_protocol::model::Applicant;
use serde::Deserialize;

use super::{ApiError, ApiState, body, detached, eye, json_ok, position};
use crate::operators::Operator;

/// The body of `PUT /v1/sessions/{id}/applicant`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CorrectBody {
    applicant: Applicant,
}

/// The (empty) body of a `DELETE` that clears a capture.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ClearBody {}

/// The body of `POST /v1/sessions/{id}/abandon`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AbandonBody {
    reason: String,
}

/// Refuses a `DELETE` body other than nothing or `{}`.
fn no_body(b: &[u8]) -> Result<(), ApiError> {
    if b.iter().all(u8::is_ascii_whitespace) {
        return Ok(());
    }
    body::<ClearBody>(b).map(|_| ())
}

pub(super) async fn correct_applicant(
    State(s): State<ApiState>,
    Extension(by): Extension<Operator>,
    Path(id): Path<String>,
    b: Bytes,
) -> Result<Response, ApiError> {
    let req: CorrectBody = body(&b)?;
    let agent = s.agent.clone();
    let r = detached(async move { agent.correct_applicant(&by, &id, req.applicant).await }).await?;
    Ok(json_ok(StatusCode::OK, r))
}

pub(super) async fn abandon(
    State(s): State<ApiState>,
    Extension(by): Extension<Operator>,
    Path(id): Path<String>,
    b: Bytes,
) -> Result<Response, ApiError> {
    let req: AbandonBody = body(&b)?;
    let agent = s.agent.clone();
    let r = detached(async move { agent.abandon(&by, &id, req.reason).await }).await?;
    Ok(json_ok(StatusCode::OK, r))
}

pub(super) async fn clear_face(
    State(s): State<ApiState>,
    Extension(by): Extension<Operator>,
    Path(id): Path<String>,
    b: Bytes,
) -> Result<Response, ApiError> {
    no_body(&b)?;
    let agent = s.agent.clone();
    let r = detached(async move { agent.clear_face(&by, &id).await }).await?;
    Ok(json_ok(StatusCode::OK, r))
}

pub(super) async fn clear_signature(
    State(s): State<ApiState>,
    Extension(by): Extension<Operator>,
    Path(id): Path<String>,
    b: Bytes,
) -> Result<Response, ApiError> {
    no_body(&b)?;
    let agent = s.agent.clone();
    let r = detached(async move { agent.clear_signature(&by, &id).await }).await?;
    Ok(json_ok(StatusCode::OK, r))
}

pub(super) async fn clear_finger(
    State(s): State<ApiState>,
    Extension(by): Extension<Operator>,
    Path((id, p)): Path<(String, String)>,
    b: Bytes,
) -> Result<Response, ApiError> {
    let p = position(&p)?;
    no_body(&b)?;
    let agent = s.agent.clone();
    let r = detached(async move { agent.clear_finger(&by, &id, p).await }).await?;
    Ok(json_ok(StatusCode::OK, r))
}

pub(super) async fn clear_iris(
    State(s): State<ApiState>,
    Extension(by): Extension<Operator>,
    Path((id, e)): Path<(String, String)>,
    b: Bytes,
) -> Result<Response, ApiError> {
    let e = eye(&e)?;
    no_body(&b)?;
    let agent = s.agent.clone();
    let r = detached(async move { agent.clear_iris(&by, &id, e).await }).await?;
    Ok(json_ok(StatusCode::OK, r))
}
