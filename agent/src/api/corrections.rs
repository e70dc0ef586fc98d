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

use super::{ApiError, ApiState, ErrorBody, body, detached, eye, json_ok, position};
use crate::operators::Operator;
use crate::service::CorrectionResult;
use crate::workflow::Summary;

/// The body of `PUT /v1/sessions/{id}/applicant`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct CorrectBody {
    applicant: Applicant,
}

/// The (empty) body of a `DELETE` that clears a capture.
#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct ClearBody {}

/// The body of `POST /v1/sessions/{id}/abandon`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct AbandonBody {
    /// Why the session is given up: at most 500 characters, not only white space, no control
    /// or invisible characters.
    #[schema(
        max_length = 500,
        pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f\\u200b-\\u200f\\u2028-\\u202e\\u2060-\\u2064\\u2066-\\u2069\\ufeff]*[^\\u0000-\\u001f\\u007f-\\u009f\\u200b-\\u200f\\u2028-\\u202e\\u2060-\\u2064\\u2066-\\u2069\\ufeff\\s][^\\u0000-\\u001f\\u007f-\\u009f\\u200b-\\u200f\\u2028-\\u202e\\u2060-\\u2064\\u2066-\\u2069\\ufeff]*$"
    )]
    reason: String,
}

/// Refuses a `DELETE` body other than nothing, `{}` or `null` (what a client sends for "no
/// value").
fn no_body(b: &[u8]) -> Result<(), ApiError> {
    if b.iter().all(u8::is_ascii_whitespace) {
        return Ok(());
    }
    if body::<Option<ClearBody>>(b)?.is_none() {
        return Ok(());
    }
    body::<ClearBody>(b).map(|_| ())
}

#[utoipa::path(put, path = "/v1/sessions/{id}/applicant", tag = "sessions", params(("id" = String, Path, description = "Session id")),
    request_body(content = CorrectBody, content_type = "application/json"),
    responses(
        (status = 200, description = "What changed and the session afterwards", body = CorrectionResult),
        (status = 409, description = "The session is closed, or the corrected NIK has another open session", body = ErrorBody),
        (status = 422, description = "The demographics break a rule a schema cannot state", body = ErrorBody),
    ))]
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

#[utoipa::path(post, path = "/v1/sessions/{id}/abandon", tag = "sessions", params(("id" = String, Path, description = "Session id")),
    request_body(content = AbandonBody, content_type = "application/json"),
    responses(
        (status = 200, description = "The session afterwards", body = Summary),
        (status = 409, description = "The session is already closed", body = ErrorBody),
    ))]
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

#[utoipa::path(delete, path = "/v1/sessions/{id}/face", tag = "corrections", params(("id" = String, Path, description = "Session id")),
    request_body(content = Option<ClearBody>, content_type = "application/json", description = "Nothing, or an empty object"),
    responses(
        (status = 200, description = "The session afterwards", body = Summary),
        (status = 409, description = "Nothing to clear, or the session is closed", body = ErrorBody),
    ))]
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

#[utoipa::path(delete, path = "/v1/sessions/{id}/signature", tag = "corrections", params(("id" = String, Path, description = "Session id")),
    request_body(content = Option<ClearBody>, content_type = "application/json", description = "Nothing, or an empty object"),
    responses(
        (status = 200, description = "The session afterwards", body = Summary),
        (status = 409, description = "Nothing to clear, or the session is closed", body = ErrorBody),
    ))]
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

#[utoipa::path(delete, path = "/v1/sessions/{id}/fingers/{position}", tag = "corrections", params(("id" = String, Path, description = "Session id"), ("position" = u8, Path, minimum = 1, maximum = 10, description = "ISO/IEC 19794-4 finger position")),
    request_body(content = Option<ClearBody>, content_type = "application/json", description = "Nothing, or an empty object"),
    responses(
        (status = 200, description = "The session afterwards", body = Summary),
        (status = 409, description = "Nothing to clear, or the session is closed", body = ErrorBody),
    ))]
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

#[utoipa::path(delete, path = "/v1/sessions/{id}/irises/{eye}", tag = "corrections",
    params(("id" = String, Path, description = "Session id"), ("eye" = String, Path, pattern = "^(left|right)$", description = "Which eye")),
    request_body(content = Option<ClearBody>, content_type = "application/json", description = "Nothing, or an empty object"),
    responses(
        (status = 200, description = "The session afterwards", body = Summary),
        (status = 409, description = "Nothing to clear, or the session is closed", body = ErrorBody),
    ))]
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
