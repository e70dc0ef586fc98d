//! `POST /v1/sessions/{id}/approval`: a supervisor approves an enrollment with forced captures or
//! finger exceptions, at the desk of the operator whose token makes the request.
//!
//! Contract: the body is `{"supervisor_id": ..., "password": ...}`; the password is checked by the
//! same sign-in as the console's (Argon2id, lockout after five failures, audited). A wrong
//! password, a locked or disabled account, or a role that may not approve is refused with 403 and
//! changes nothing. With `[policy] operator_fingerprint` the supervisor's finger is then taken on
//! the scanner and must match their template (a non-match is refused with 422 and counts toward
//! their lockout; no template is refused in words). The approval itself is audited as `session.approved` by the supervisor.

use axum::body::Bytes;
use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::{ApiError, ApiState, ErrorBody, body, detached, json_ok};
use crate::operators::Operator;
use crate::service::ServiceError;
use crate::workflow::Summary;

/// The body of `POST /v1/sessions/{id}/approval`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct ApprovalBody {
    supervisor_id: String,
    password: String,
}

#[utoipa::path(post, path = "/v1/sessions/{id}/approval", tag = "sessions", params(("id" = String, Path, description = "Session id")),
    request_body(content = ApprovalBody, content_type = "application/json"),
    responses(
        (status = 200, description = "The session, approved", body = Summary),
        (status = 403, description = "Wrong supervisor credentials, a locked or disabled account, or a role that may not approve", body = ErrorBody),
        (status = 409, description = "Nothing to approve, or out of turn", body = ErrorBody),
        (status = 422, description = "The supervisor's finger did not match their template", body = ErrorBody),
        (status = 502, description = "The fingerprint scanner failed", body = ErrorBody),
        (status = 504, description = "The fingerprint scanner timed out", body = ErrorBody),
    ))]
pub(super) async fn approve(
    State(s): State<ApiState>,
    Extension(by): Extension<Operator>,
    Path(id): Path<String>,
    b: Bytes,
) -> Result<Response, ApiError> {
    let req: ApprovalBody = body(&b)?;
    let agent = s.agent.clone();
    let r = detached(async move {
        let supervisor = agent
            .sign_in(&req.supervisor_id, &req.password)
            .await?
            .map_err(ServiceError::SupervisorSignIn)?;
        agent.approval_finger(&supervisor).await?;
        agent.approve(&by, &id, &supervisor).await
    })
    .await?;
    Ok(json_ok(StatusCode::OK, r))
}
