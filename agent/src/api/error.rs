//! API errors: a status and a JSON body naming what is wrong and, where one field is at fault,
//! which.
//!
//! Contract: every failure of the service maps to exactly one status: 400 for a malformed request,
//! 401 without a valid operator token, 403 for an approval by someone who may not approve, 404 for an unknown session or packet, 409 for an action out of turn,
//! 422 for data the rules refuse, 5xx for device and store failures (the request may be retried):
//! 507 when the disk is full, 503 when the store is damaged or not writable.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rekam_drivers::ErrorKind;
use rekam_protocol::model::ValidationError;
use serde_json::json;

use crate::finalize::FinalizeError;
use crate::operators::SignInError;
use crate::service::ServiceError;
use crate::store::StoreError;
use crate::workflow::WorkflowError;

/// An error answer.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    field: Option<String>,
    /// One more member of the body, e.g. the `session_id` a 409 `session_open` points to.
    extra: Option<(&'static str, String)>,
}

impl ApiError {
    /// Any error.
    pub fn new(
        status: StatusCode,
        code: &'static str,
        message: impl Into<String>,
        field: Option<String>,
    ) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            field,
            extra: None,
        }
    }

    /// Adds one more member to the body.
    pub fn with(mut self, key: &'static str, value: impl Into<String>) -> Self {
        self.extra = Some((key, value.into()));
        self
    }

    /// 400, optionally naming the field.
    pub fn bad_request(
        code: &'static str,
        message: impl Into<String>,
        field: Option<String>,
    ) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message, field)
    }

    /// 401.
    pub fn unauthorized(message: &str) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message, None)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = json!({ "error": self.code, "message": self.message });
        if let Some(f) = self.field {
            body["field"] = json!(f);
        }
        if let Some((k, v)) = self.extra {
            body[k] = json!(v);
        }
        (self.status, axum::Json(body)).into_response()
    }
}

fn validation(e: &ValidationError) -> ApiError {
    let field = match e {
        ValidationError::Nik(_) => "applicant.nik".to_string(),
        ValidationError::Field { field, .. } => field.clone(),
    };
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_data",
        e.to_string(),
        Some(field),
    )
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        use StatusCode as S;
        let msg = e.to_string();
        if let ServiceError::Store(s) | ServiceError::Finalize(FinalizeError::Store(s)) = &e
            && let Some((status, code)) = store_trouble(s)
        {
            return ApiError::new(status, code, msg, None);
        }
        match &e {
            ServiceError::NotFound(_) | ServiceError::NoPrintOrder(_) => {
                ApiError::new(S::NOT_FOUND, "not_found", msg, None)
            }
            ServiceError::BadField { field, .. } => {
                ApiError::bad_request("invalid_field", msg, Some(field.clone()))
            }
            ServiceError::Workflow(w) | ServiceError::Finalize(FinalizeError::Workflow(w)) => {
                match w {
                    WorkflowError::Invalid(v) => validation(v),
                    WorkflowError::NotEligible(_) => ApiError::new(
                        S::UNPROCESSABLE_ENTITY,
                        "not_eligible",
                        msg,
                        Some("applicant.date_of_birth".into()),
                    ),
                    WorkflowError::WrongStage { .. } => {
                        ApiError::new(S::CONFLICT, "wrong_stage", msg, None)
                    }
                    WorkflowError::FingerDone(_) => {
                        ApiError::new(S::CONFLICT, "already_recorded", msg, None)
                    }
                    WorkflowError::Incomplete(_) => {
                        ApiError::new(S::CONFLICT, "incomplete", msg, None)
                    }
                    WorkflowError::NothingToClear(_) => {
                        ApiError::new(S::CONFLICT, "nothing_to_clear", msg, None)
                    }
                    WorkflowError::ApprovalRequired(_) => {
                        ApiError::new(S::CONFLICT, "approval_required", msg, None)
                    }
                    WorkflowError::NothingToApprove => {
                        ApiError::new(S::CONFLICT, "nothing_to_approve", msg, None)
                    }
                }
            }
            ServiceError::Device(d) => {
                let status = match d.kind {
                    ErrorKind::Busy => S::CONFLICT,
                    ErrorKind::Timeout => S::GATEWAY_TIMEOUT,
                    ErrorKind::Disconnected | ErrorKind::NotReady => S::SERVICE_UNAVAILABLE,
                    _ => S::BAD_GATEWAY,
                };
                ApiError::new(status, "device", msg, None)
            }
            ServiceError::AlreadyOpen { session } => ApiError::new(
                S::CONFLICT,
                "session_open",
                msg,
                Some("applicant.nik".into()),
            )
            .with("session_id", session.clone()),
            ServiceError::ApprovalRequired { .. } => {
                ApiError::new(S::CONFLICT, "approval_required", msg, None)
            }
            ServiceError::SupervisorSignIn(s) => {
                let code = match s {
                    SignInError::WrongCredentials { .. } => "supervisor_sign_in_failed",
                    SignInError::Locked { .. } => "supervisor_locked",
                    SignInError::Disabled => "supervisor_disabled",
                };
                let field = match s {
                    SignInError::WrongCredentials { .. } => "password",
                    _ => "supervisor_id",
                };
                ApiError::new(S::FORBIDDEN, code, msg, Some(field.into()))
            }
            ServiceError::NotASupervisor { .. } => ApiError::new(
                S::FORBIDDEN,
                "not_a_supervisor",
                msg,
                Some("supervisor_id".into()),
            ),
            ServiceError::Capture(_) => ApiError::new(S::BAD_GATEWAY, "device_output", msg, None),
            ServiceError::Rejected(_) | ServiceError::Duplicate(_) => {
                ApiError::new(S::UNPROCESSABLE_ENTITY, "capture_rejected", msg, None)
            }
            ServiceError::Finalize(FinalizeError::TooLarge { .. }) => {
                ApiError::new(S::PAYLOAD_TOO_LARGE, "packet_too_large", msg, None)
            }
            ServiceError::Finalize(_) | ServiceError::Store(_) | ServiceError::Internal(_) => {
                ApiError::new(S::INTERNAL_SERVER_ERROR, "internal", msg, None)
            }
        }
    }
}

/// The answer to a store that cannot take the request: 507 for a full disk, 503 for a damaged or
/// unwritable store (nothing was recorded in either case).
fn store_trouble(e: &StoreError) -> Option<(StatusCode, &'static str)> {
    match e {
        StoreError::Full { .. } => Some((StatusCode::INSUFFICIENT_STORAGE, "disk_full")),
        StoreError::NotWritable { .. } => {
            Some((StatusCode::SERVICE_UNAVAILABLE, "store_not_writable"))
        }
        StoreError::Damaged { .. } => Some((StatusCode::SERVICE_UNAVAILABLE, "store_damaged")),
        _ => None,
    }
}
