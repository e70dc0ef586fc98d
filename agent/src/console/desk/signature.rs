//! The signature screen (`/desk/{id}/signature`): the strokes drawn live on a canvas as the
//! resident signs on the pad (server-sent events from `/preview/pen`, fed by the pad driver's pen
//! reports), then the signature as recorded with Clear (sign again) and Accept (go on).
//!
//! Contract: "Start signing" takes the signature from the pad (the request lasts until the
//! resident presses OK on the pad, or the device deadline); a signature the checks refuse is
//! not recorded and the page says why. Clear drops the recorded signature for a new one.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::face::Button;
use super::text::{DeskText, fill};
use super::{at_step, see_other, service_failure, summary_or_page, text_for};
use crate::console::ConsoleState;
use crate::console::auth::SignedIn;
use crate::console::page::{self, Chrome};
use crate::service::ServiceError;
use crate::workflow::Stage;

/// The signature screen's routes.
pub fn routes() -> Router<ConsoleState> {
    Router::new()
        .route("/desk/{id}/signature", get(show))
        .route("/desk/{id}/signature/capture", post(capture))
        .route("/desk/{id}/signature/clear", post(clear))
        .route("/desk/{id}/signature/accept", post(accept))
}

/// The signature page.
#[derive(Template)]
#[template(path = "desk/signature.html")]
pub struct SignaturePage {
    /// The frame.
    pub chrome: Chrome,
    /// The desk's strings.
    pub t: &'static DeskText,
    /// The enrollment id.
    pub id: String,
    /// The resident's name.
    pub name: String,
    /// The signature is recorded.
    pub taken: bool,
    /// Why the last attempt was refused.
    pub message: Option<String>,
}

/// What the capture left to say.
#[derive(Debug, Default, Deserialize)]
pub struct Said {
    #[serde(default)]
    error: Option<String>,
}

async fn show(
    me: SignedIn,
    State(s): State<ConsoleState>,
    Path(id): Path<String>,
    Query(said): Query<Said>,
) -> Response {
    let sum = match summary_or_page(&s, &me, &id).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let expected: &[Stage] = if sum.signature {
        &[
            Stage::Signature,
            Stage::Fingers,
            Stage::Irises,
            Stage::Review,
        ]
    } else {
        &[Stage::Signature]
    };
    if let Err(r) = at_step(&s, &sum, expected) {
        return r;
    }
    let t = text_for(&me);
    page::render(
        StatusCode::OK,
        &SignaturePage {
            chrome: me.chrome(t.signature_title),
            t,
            id: sum.id.clone(),
            name: sum.full_name.clone(),
            taken: sum.signature,
            message: said.error.map(|e| fill(t.device_failed, &[&e])),
        },
    )
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

async fn capture(
    me: SignedIn,
    State(s): State<ConsoleState>,
    Path(id): Path<String>,
    Form(_b): Form<Button>,
) -> Response {
    let back = format!("/desk/{id}/signature");
    match s.agent.capture_signature(&me.operator, &id).await {
        Ok(_) => see_other(&back),
        Err(ServiceError::Device(e)) => see_other(&format!("{back}?error={}", enc(&e.to_string()))),
        Err(ServiceError::Rejected(m)) => see_other(&format!("{back}?error={}", enc(&m))),
        Err(ServiceError::Workflow(_)) => see_other(&format!("/desk/{id}")),
        Err(e) => service_failure(&me, &id, &e),
    }
}

async fn clear(
    me: SignedIn,
    State(s): State<ConsoleState>,
    Path(id): Path<String>,
    Form(_b): Form<Button>,
) -> Response {
    match s.agent.clear_signature(&me.operator, &id).await {
        Ok(_) | Err(ServiceError::Workflow(_)) => see_other(&format!("/desk/{id}/signature")),
        Err(e) => service_failure(&me, &id, &e),
    }
}

async fn accept(_me: SignedIn, Path(id): Path<String>, Form(_b): Form<Button>) -> Response {
    see_other(&format!("/desk/{id}"))
}
