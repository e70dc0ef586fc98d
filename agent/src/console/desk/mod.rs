//! The enrollment desk: one screen per step, from the resident's data to the acknowledgement
//! slip (`/desk/...`).
//!
//! Contract: each step is a GET page and a POST action that redirects (303) to the next step's
//! page; `/desk/{id}` redirects to the step the stored session is at, so a reload or an agent
//! restart resumes exactly there. Opening a step makes the enrollment the desk's current one, so
//! the resident's screen follows. Refused input is re-rendered (422) with everything typed kept.
//! The fingers and irises screens live in [`fingers`] and [`irises`].

pub mod approval;
pub mod card;
pub mod face;
pub mod fingers;
pub mod fingers_text;
pub mod form;
pub mod irises;
pub mod lookup;
pub mod photo;
pub mod review;
pub mod signature;
pub mod slip;
pub mod start;
pub mod text;
pub mod worklist;
pub mod worklist_text;

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Serialize;

use super::ConsoleState;
use super::auth::SignedIn;
use super::page::{self, Chrome};
use crate::service::{Agent, ServiceError};
use crate::workflow::{Session, Stage, Summary};
use text::{DeskText, fill};

/// The desk's routes.
pub fn routes() -> Router<ConsoleState> {
    Router::new()
        .route("/desk/{id}", get(resume))
        .route("/desk/{id}/state", get(state))
        .route("/preview/face.mjpg", get(face_preview))
        .route("/preview/finger.mjpg", get(finger_preview))
        .route("/preview/face/advice", get(face_advice))
        .route("/preview/face/status", get(face_status))
        .route("/preview/finger/status", get(finger_status))
        .route("/preview/pen", get(pen_preview))
        .merge(start::routes())
        .merge(face::routes())
        .merge(signature::routes())
        .merge(review::routes())
        .merge(approval::routes())
        .merge(slip::routes())
        .merge(photo::routes())
        .merge(card::routes())
        .merge(fingers::routes())
        .merge(irises::routes())
        .merge(worklist::routes())
}

// The preview streams show the resident: only to a signed-in operator.
async fn face_preview(_me: SignedIn, State(s): State<ConsoleState>) -> Response {
    crate::preview::http::mjpeg(&s.agent.previews.face)
}

async fn finger_preview(_me: SignedIn, State(s): State<ConsoleState>) -> Response {
    crate::preview::http::mjpeg(&s.agent.previews.finger)
}

async fn face_advice(_me: SignedIn, State(s): State<ConsoleState>) -> Response {
    crate::preview::http::face_advice_events(&s.agent.previews)
}

async fn face_status(_me: SignedIn, State(s): State<ConsoleState>) -> Response {
    crate::preview::http::status(&s.agent.previews.face).into_response()
}

async fn finger_status(_me: SignedIn, State(s): State<ConsoleState>) -> Response {
    crate::preview::http::status(&s.agent.previews.finger).into_response()
}

async fn pen_preview(_me: SignedIn, State(s): State<ConsoleState>) -> Response {
    crate::preview::http::pen_events(&s.agent.previews)
}

/// The desk's strings for a signed-in operator.
pub fn text_for(me: &SignedIn) -> &'static DeskText {
    DeskText::for_lang(me.lang)
}

/// The stored session `id` (with its images), if any.
pub async fn load(agent: &Agent, id: &str) -> Result<Option<Session>, ServiceError> {
    let id = id.to_string();
    agent.with_store(move |s| Ok(s.load_session(&id)?)).await
}

/// The page of the step `stage` is at.
pub fn step_path(id: &str, stage: Stage) -> String {
    let step = match stage {
        Stage::Face => "face",
        Stage::Signature => "signature",
        Stage::Fingers => "fingers",
        Stage::Irises => "irises",
        Stage::Review => "review",
        Stage::Finalized => "slip",
        Stage::Abandoned => return "/".into(),
    };
    format!("/desk/{id}/{step}")
}

/// 303 to `path`.
pub fn see_other(path: &str) -> Response {
    Redirect::to(path).into_response()
}

/// The answer to a failed service call: not found, or the failure page naming it.
pub fn service_failure(me: &SignedIn, id: &str, e: &ServiceError) -> Response {
    match e {
        ServiceError::NotFound(_) => {
            let t = text_for(me);
            let body = fill(t.no_session, &[id]);
            page::message_page(
                StatusCode::NOT_FOUND,
                Some(me.chrome(t.no_session)),
                move |c| (c.not_found_title, body.clone()),
            )
        }
        other => page::failure(&me.session, other),
    }
}

/// The summary of `id`, or the page to answer with.
// The Err is a whole response, as axum handlers return it.
#[allow(clippy::result_large_err)]
pub async fn summary_or_page(
    s: &ConsoleState,
    me: &SignedIn,
    id: &str,
) -> Result<Summary, Response> {
    match s.agent.summary(id).await {
        Ok(sum) => Ok(sum),
        Err(e) => Err(service_failure(me, id, &e)),
    }
}

/// Sends the operator to the step `sum` is at unless it is at `expected`; makes the enrollment
/// the desk's current one.
#[allow(clippy::result_large_err)]
pub fn at_step(s: &ConsoleState, sum: &Summary, expected: &[Stage]) -> Result<(), Response> {
    if sum.stage != Stage::Abandoned {
        s.desk.set_current(Some(sum.id.clone()));
    }
    if expected.contains(&sum.stage) {
        Ok(())
    } else {
        Err(see_other(&step_path(&sum.id, sum.stage)))
    }
}

/// A page frame for the desk.
pub fn chrome(me: &SignedIn, title: &str) -> Chrome {
    me.chrome(title)
}

/// `GET /desk/{id}`: the step the enrollment is at.
async fn resume(me: SignedIn, State(s): State<ConsoleState>, Path(id): Path<String>) -> Response {
    let sum = match summary_or_page(&s, &me, &id).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    if sum.stage == Stage::Abandoned {
        let t = text_for(&me);
        return page::message_page(StatusCode::GONE, Some(me.chrome(t.abandoned)), move |c| {
            (t.abandoned, c.back_home.to_string())
        });
    }
    s.desk.set_current(Some(sum.id.clone()));
    see_other(&step_path(&sum.id, sum.stage))
}

/// What a live page polls to know when to reload.
#[derive(Debug, Serialize)]
pub struct StepState {
    /// The stage.
    pub stage: Stage,
    /// Changes whenever anything a desk page shows changes.
    pub key: String,
}

/// A key that changes whenever the summary's visible state changes.
pub fn state_key(sum: &Summary) -> String {
    format!(
        "{:?}:{}:{}:{}:{}",
        sum.stage, sum.face.tries, sum.face.done, sum.face_approved, sum.signature
    )
}

/// `GET /desk/{id}/state`.
async fn state(me: SignedIn, State(s): State<ConsoleState>, Path(id): Path<String>) -> Response {
    match s.agent.summary(&id).await {
        Ok(sum) => Json(StepState {
            stage: sum.stage,
            key: state_key(&sum),
        })
        .into_response(),
        Err(e) => service_failure(&me, &id, &e),
    }
}
