//! Routes to go back before finalize: `PUT .../applicant` (correct the demographics, a full
//! replacement), `DELETE` on a capture's route (clear it for a retake: face, signature, a finger
//! or its exception, an iris) and `POST .../abandon` (give the session up with a reason).
//!
//! Contract: each takes an optional `operator_id` in its JSON body for the audit entry (the
//! session's operator when absent); a `DELETE` may have no body at all. Like every mutating
//! route, each runs to its end even if the client hangs up.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use rekam_protocol::model::Applicant;
use serde::Deserialize;

use super::{ApiError, ApiState, body, detached, eye, json_ok, position};

/// The body of `PUT /v1/sessions/{id}/applicant`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CorrectBody {
    applicant: Applicant,
    #[serde(default)]
    operator_id: Option<String>,
}

/// The optional body of a `DELETE` that clears a capture.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ClearBody {
    #[serde(default)]
    operator_id: Option<String>,
}

/// The body of `POST /v1/sessions/{id}/abandon`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AbandonBody {
    reason: String,
    #[serde(default)]
    operator_id: Option<String>,
}

fn operator(b: &[u8]) -> Result<Option<String>, ApiError> {
    if b.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    Ok(body::<ClearBody>(b)?.operator_id)
}

pub(super) async fn correct_applicant(
    State(s): State<ApiState>,
    Path(id): Path<String>,
    b: Bytes,
) -> Result<Response, ApiError> {
    let req: CorrectBody = body(&b)?;
    let agent = s.agent.clone();
    let r = detached(async move {
        agent
            .correct_applicant(&id, req.applicant, req.operator_id)
            .await
    })
    .await?;
    Ok(json_ok(StatusCode::OK, r))
}

pub(super) async fn abandon(
    State(s): State<ApiState>,
    Path(id): Path<String>,
    b: Bytes,
) -> Result<Response, ApiError> {
    let req: AbandonBody = body(&b)?;
    let agent = s.agent.clone();
    let r = detached(async move { agent.abandon(&id, req.reason, req.operator_id).await }).await?;
    Ok(json_ok(StatusCode::OK, r))
}

pub(super) async fn clear_face(
    State(s): State<ApiState>,
    Path(id): Path<String>,
    b: Bytes,
) -> Result<Response, ApiError> {
    let op = operator(&b)?;
    let agent = s.agent.clone();
    let r = detached(async move { agent.clear_face(&id, op).await }).await?;
    Ok(json_ok(StatusCode::OK, r))
}

pub(super) async fn clear_signature(
    State(s): State<ApiState>,
    Path(id): Path<String>,
    b: Bytes,
) -> Result<Response, ApiError> {
    let op = operator(&b)?;
    let agent = s.agent.clone();
    let r = detached(async move { agent.clear_signature(&id, op).await }).await?;
    Ok(json_ok(StatusCode::OK, r))
}

pub(super) async fn clear_finger(
    State(s): State<ApiState>,
    Path((id, p)): Path<(String, String)>,
    b: Bytes,
) -> Result<Response, ApiError> {
    let p = position(&p)?;
    let op = operator(&b)?;
    let agent = s.agent.clone();
    let r = detached(async move { agent.clear_finger(&id, p, op).await }).await?;
    Ok(json_ok(StatusCode::OK, r))
}

pub(super) async fn clear_iris(
    State(s): State<ApiState>,
    Path((id, e)): Path<(String, String)>,
    b: Bytes,
) -> Result<Response, ApiError> {
    let e = eye(&e)?;
    let op = operator(&b)?;
    let agent = s.agent.clone();
    let r = detached(async move { agent.clear_iris(&id, e, op).await }).await?;
    Ok(json_ok(StatusCode::OK, r))
}
