//! The resident's screen (`/resident`): a second window, on a monitor turned towards the
//! resident, where they approve their photo or ask for a retake, and see their signature and
//! the data that will be printed. Large type; Indonesian unless the console is switched.
//!
//! Contract: it follows [`super::DeskState::current`]: "please wait" when the desk has no
//! enrollment (or it is finished), the photo with Approve / Retake while the kept photo waits
//! for the resident, the card preview afterwards. It polls `/resident/state` and reloads only
//! when what it shows changes (no flicker). The approval is the resident's own: the desk has no
//! button for it.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde::{Deserialize, Serialize};

use super::ConsoleState;
use super::auth::Visitor;
use super::desk::card::CardView;
use super::desk::text::ResidentText;
use super::desk::{load, see_other, state_key};
use super::page::{self, Chrome};
use super::session::ConsoleSession;
use crate::workflow::{Stage, Summary};

/// The resident screen's routes.
pub fn routes() -> Router<ConsoleState> {
    Router::new()
        .route("/resident", get(show))
        .route("/resident/face", post(decide))
        .route("/resident/state", get(state))
}

/// The resident's page.
#[derive(Template)]
#[template(path = "resident/resident.html")]
pub struct ResidentPage {
    /// The frame.
    pub chrome: Chrome,
    /// The screen's strings.
    pub t: &'static ResidentText,
    /// `idle`, `photo` or `data`.
    pub mode: &'static str,
    /// The enrollment shown.
    pub id: String,
    /// The card preview (data mode).
    pub card: Option<CardView>,
    /// The card's accessible name.
    pub card_label: &'static str,
    /// The state the page shows, to reload when it changes.
    pub key: String,
}

/// What the screen shows for the desk's enrollment.
fn mode_of(sum: Option<&Summary>) -> &'static str {
    match sum {
        None => "idle",
        Some(s) if matches!(s.stage, Stage::Finalized | Stage::Abandoned) => "idle",
        Some(s) if s.stage == Stage::Face && s.face.done && !s.face_approved => "photo",
        Some(s) if s.face_approved => "data",
        Some(_) => "idle",
    }
}

/// The desk's enrollment, shown only while an operator is signed in and the desk is not locked:
/// a resident never sees a sign-in or lock form, nor another resident's data while the operator
/// is away.
async fn current(s: &ConsoleState, session: &ConsoleSession) -> Option<Summary> {
    if session.operator.is_none() || session.locked {
        return None;
    }
    let id = s.desk.current()?;
    s.agent.summary(&id).await.ok()
}

fn key_of(sum: Option<&Summary>) -> String {
    match sum {
        Some(s) => format!("{}:{}", s.id, state_key(s)),
        None => "idle".into(),
    }
}

async fn show(Visitor(me): Visitor, State(s): State<ConsoleState>) -> Response {
    let t = ResidentText::for_lang(me.lang);
    let sum = current(&s, &me).await;
    let mode = mode_of(sum.as_ref());
    let mut card = None;
    if mode == "data"
        && let Some(sum) = &sum
        && let Ok(Some(session)) = load(&s.agent, &sum.id).await
    {
        card = Some(CardView::of(
            &session.applicant,
            &sum.id,
            session.kept_face().is_some(),
            session.kept_signature().is_some(),
        ));
    }
    page::render(
        StatusCode::OK,
        &ResidentPage {
            chrome: Chrome {
                kiosk: true,
                nav: false,
                ..Chrome::for_session(&me, t.title)
            },
            t,
            mode,
            id: sum.as_ref().map(|x| x.id.clone()).unwrap_or_default(),
            card,
            card_label: t.data_title,
            key: key_of(sum.as_ref()),
        },
    )
}

/// The resident's decision.
#[derive(Debug, Deserialize)]
struct Decision {
    #[serde(default)]
    id: String,
    #[serde(default)]
    decision: String,
}

async fn decide(
    Visitor(me): Visitor,
    State(s): State<ConsoleState>,
    Form(d): Form<Decision>,
) -> Response {
    // Only while the desk is open, and only the enrollment at the desk: an old page cannot
    // approve another resident's photo.
    let Some(operator) = me.operator.clone().filter(|_| !me.locked) else {
        return see_other("/resident");
    };
    if s.desk.current().as_deref() != Some(d.id.as_str()) {
        return see_other("/resident");
    }
    let approved = match d.decision.as_str() {
        "approve" => true,
        "retake" => false,
        _ => return see_other("/resident"),
    };
    match s.agent.approve_face(&operator, &d.id, approved).await {
        Ok(_) | Err(crate::service::ServiceError::Workflow(_)) => see_other("/resident"),
        Err(e) => page::failure(&me, e),
    }
}

/// What the screen polls.
#[derive(Debug, Serialize)]
struct ScreenState {
    key: String,
}

async fn state(Visitor(me): Visitor, State(s): State<ConsoleState>) -> Response {
    let sum = current(&s, &me).await;
    Json(ScreenState {
        key: key_of(sum.as_ref()),
    })
    .into_response()
}
