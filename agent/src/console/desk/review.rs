//! The review screen (`/desk/{id}/review`): every capture with its score, gate and state, forced
//! captures and exceptions flagged, the card preview, supervisor approval when needed, and
//! finalize.
//!
//! Contract: finalize is refused (422, the review again with the reason on top) while something
//! needs a supervisor's approval that no supervisor gave; a finalized enrollment goes to its
//! slip, and the desk becomes idle (the resident's screen says "please wait").

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};

use super::approval::{finger_name, needs_approval, reason_name};
use super::card::CardView;
use super::face::Button;
use super::text::{DeskText, fill};
use super::{at_step, load, see_other, service_failure, summary_or_page, text_for};
use crate::console::ConsoleState;
use crate::console::auth::SignedIn;
use crate::console::page::{self, Chrome, FormErrors};
use crate::service::ServiceError;
use crate::workflow::{CaptureSummary, FingerSummary, Stage, Summary};

/// The review screen's routes.
pub fn routes() -> Router<ConsoleState> {
    Router::new()
        .route("/desk/{id}/review", get(show))
        .route("/desk/{id}/finalize", post(finalize))
}

/// One line of the captures table.
#[derive(Debug)]
pub struct Row {
    /// What.
    pub label: String,
    /// Its score, or a dash.
    pub score: String,
    /// The gate, or a dash.
    pub gate: String,
    /// Its state in words.
    pub state: String,
    /// Forced or an exception: flagged.
    pub flagged: bool,
}

/// The review page.
#[derive(Template)]
#[template(path = "desk/review.html")]
pub struct ReviewPage {
    /// The frame.
    pub chrome: Chrome,
    /// The desk's strings.
    pub t: &'static DeskText,
    /// The enrollment id.
    pub id: String,
    /// The captures.
    pub rows: Vec<Row>,
    /// The card preview.
    pub card: CardView,
    /// The card's accessible name.
    pub card_label: &'static str,
    /// What needs approval (empty: nothing).
    pub reasons: Vec<String>,
    /// "Approved by supervisor X".
    pub approved: Option<String>,
    /// Why finalize was refused.
    pub errors: FormErrors,
    /// Early recording: when the card can be printed.
    pub early: Option<String>,
}

fn capture_row(t: &DeskText, label: String, c: &CaptureSummary, gate: u8) -> Row {
    let state = if !c.done {
        t.state_pending
    } else if c.forced {
        t.state_forced
    } else {
        t.state_ok
    };
    Row {
        label,
        score: c.score.map(|s| s.to_string()).unwrap_or_else(|| "-".into()),
        gate: gate.to_string(),
        state: state.to_string(),
        flagged: c.forced,
    }
}

fn rows(t: &DeskText, sum: &Summary, policy: &crate::workflow::Policy) -> Vec<Row> {
    let mut out = vec![capture_row(
        t,
        t.face_row.to_string(),
        &sum.face,
        policy.face_gate,
    )];
    out.push(Row {
        label: t.signature_row.to_string(),
        score: "-".into(),
        gate: "-".into(),
        state: if sum.signature {
            t.state_ok
        } else {
            t.state_pending
        }
        .to_string(),
        flagged: false,
    });
    for (code, f) in &sum.fingers {
        let label = fill(
            t.finger_row,
            &[&format!("{code} ({})", finger_name(t, *code))],
        );
        out.push(match f {
            FingerSummary::Pending => Row {
                label,
                score: "-".into(),
                gate: policy.finger_gate.to_string(),
                state: t.state_pending.to_string(),
                flagged: false,
            },
            FingerSummary::Captured(c) => capture_row(t, label, c, policy.finger_gate),
            FingerSummary::Exception { reason, .. } => Row {
                label,
                score: "-".into(),
                gate: "-".into(),
                state: fill(t.state_exception, &[reason_name(t, *reason)]),
                flagged: true,
            },
        });
    }
    for (eye, c) in &sum.irises {
        let name = if eye == "left" {
            t.left_eye
        } else {
            t.right_eye
        };
        out.push(capture_row(
            t,
            fill(t.iris_row, &[name]),
            c,
            policy.iris_gate,
        ));
    }
    out
}

async fn render(
    me: &SignedIn,
    s: &ConsoleState,
    sum: &Summary,
    errors: FormErrors,
    status: StatusCode,
) -> Response {
    let t = text_for(me);
    let session = match load(&s.agent, &sum.id).await {
        Ok(Some(x)) => x,
        Ok(None) => {
            return service_failure(me, &sum.id, &ServiceError::NotFound(sum.id.clone()));
        }
        Err(e) => return service_failure(me, &sum.id, &e),
    };
    let approved = sum
        .approved_by
        .as_ref()
        .map(|by| fill(t.approved_by, &[by]));
    page::render(
        status,
        &ReviewPage {
            chrome: me.chrome(t.review_title),
            t,
            id: sum.id.clone(),
            rows: rows(t, sum, &session.policy),
            card: CardView::of(
                &session.applicant,
                &sum.id,
                session.kept_face().is_some(),
                session.kept_signature().is_some(),
            ),
            card_label: t.card_preview,
            reasons: needs_approval(t, sum),
            approved,
            errors,
            early: super::face::early_note(t, sum.eligibility),
        },
    )
}

async fn show(me: SignedIn, State(s): State<ConsoleState>, Path(id): Path<String>) -> Response {
    let sum = match summary_or_page(&s, &me, &id).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    if let Err(r) = at_step(&s, &sum, &[Stage::Review]) {
        return r;
    }
    render(&me, &s, &sum, FormErrors::default(), StatusCode::OK).await
}

async fn finalize(
    me: SignedIn,
    State(s): State<ConsoleState>,
    Path(id): Path<String>,
    Form(_b): Form<Button>,
) -> Response {
    let sum = match summary_or_page(&s, &me, &id).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    if let Err(r) = at_step(&s, &sum, &[Stage::Review]) {
        return r;
    }
    let t = text_for(&me);
    match s.agent.finalize(&me.operator, &id).await {
        Ok(_) => {
            s.desk.set_current(None);
            see_other(&format!("/desk/{id}/slip"))
        }
        Err(ServiceError::ApprovalRequired { .. }) => {
            let mut errors = FormErrors::default();
            errors.push("approval", fill(t.finalize_refused, &[t.needs_approval]));
            render(&me, &s, &sum, errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(ServiceError::Workflow(e)) => {
            let mut errors = FormErrors::default();
            errors.push("approval", fill(t.finalize_refused, &[&e.to_string()]));
            render(&me, &s, &sum, errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => service_failure(&me, &id, &e),
    }
}
