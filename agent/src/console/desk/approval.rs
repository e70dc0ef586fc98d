//! Supervisor approval (`/desk/{id}/approval`): an enrollment with a forced capture or a finger
//! exception cannot be finalized until a supervisor signs in on the same screen and approves; the
//! operator at the desk stays signed in.
//!
//! Contract: the supervisor's id and password are checked by [`crate::service::Agent::sign_in`] (the lockout
//! applies, failures are audited); only a role that may approve (supervisor, admin), and never
//! the operator signed in at the desk, can approve. The approval itself is [`crate::service::Agent::approve`]:
//! saved in the session with its audit entry, voided by any later change.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::{Form, Router};
use rekam_protocol::model::ExceptionReason;
use serde::Deserialize;

use super::text::{DeskText, fill};
use super::{at_step, see_other, service_failure, summary_or_page, text_for};
use crate::console::ConsoleState;
use crate::console::auth::SignedIn;
use crate::console::login::refusal_text;
use crate::console::page::{self, Chrome, FormErrors};
use crate::service::ServiceError;
use crate::workflow::{FingerSummary, Stage, Summary};

/// The approval screen's routes.
pub fn routes() -> Router<ConsoleState> {
    Router::new().route("/desk/{id}/approval", get(show).post(submit))
}

/// A finger's name.
pub fn finger_name(t: &DeskText, code: u8) -> &'static str {
    [
        t.finger_1,
        t.finger_2,
        t.finger_3,
        t.finger_4,
        t.finger_5,
        t.finger_6,
        t.finger_7,
        t.finger_8,
        t.finger_9,
        t.finger_10,
    ]
    .get(usize::from(code.saturating_sub(1)))
    .copied()
    .unwrap_or_default()
}

/// An exception reason's name.
pub fn reason_name(t: &DeskText, r: ExceptionReason) -> &'static str {
    match r {
        ExceptionReason::Amputated => t.reason_amputated,
        ExceptionReason::Bandaged => t.reason_bandaged,
        ExceptionReason::UnableToPrint => t.reason_unable,
    }
}

/// What needs a supervisor's approval, named: each of the summary's reason codes
/// (`forced_face`, `forced_finger_7`, `exception_finger_2`, `forced_iris_left`) in words.
pub fn needs_approval(t: &DeskText, sum: &Summary) -> Vec<String> {
    sum.needs_approval
        .iter()
        .map(|code| reason_words(t, sum, code))
        .collect()
}

fn reason_words(t: &DeskText, sum: &Summary, code: &str) -> String {
    if code == "forced_face" {
        return format!("{} ({})", t.face_row, t.state_forced);
    }
    if let Some(n) = code.strip_prefix("forced_finger_")
        && let Ok(n) = n.parse::<u8>()
    {
        return format!("{} ({})", finger_name(t, n), t.state_forced);
    }
    if let Some(n) = code.strip_prefix("exception_finger_")
        && let Ok(n) = n.parse::<u8>()
    {
        let reason = match sum.fingers.get(&n) {
            Some(FingerSummary::Exception { reason, .. }) => reason_name(t, *reason),
            _ => "",
        };
        return format!("{} ({})", finger_name(t, n), reason);
    }
    if let Some(eye) = code.strip_prefix("forced_iris_") {
        let name = if eye == "left" {
            t.left_eye
        } else {
            t.right_eye
        };
        return format!("{} ({})", fill(t.iris_row, &[name]), t.state_forced);
    }
    code.to_string()
}

/// The approval page.
#[derive(Template)]
#[template(path = "desk/approval.html")]
pub struct ApprovalPage {
    /// The frame.
    pub chrome: Chrome,
    /// The desk's strings.
    pub t: &'static DeskText,
    /// The enrollment id.
    pub id: String,
    /// What needs approval.
    pub reasons: Vec<String>,
    /// The supervisor id typed.
    pub supervisor_id: String,
    /// What is wrong.
    pub errors: FormErrors,
    /// The supervisor's finger is asked for too (`[policy] operator_fingerprint`).
    pub finger: bool,
}

async fn show(me: SignedIn, State(s): State<ConsoleState>, Path(id): Path<String>) -> Response {
    let sum = match summary_or_page(&s, &me, &id).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    if let Err(r) = at_step(&s, &sum, &[Stage::Review]) {
        return r;
    }
    render(
        &s,
        &me,
        &sum,
        String::new(),
        FormErrors::default(),
        StatusCode::OK,
    )
}

fn render(
    s: &ConsoleState,
    me: &SignedIn,
    sum: &Summary,
    supervisor_id: String,
    errors: FormErrors,
    status: StatusCode,
) -> Response {
    let t = text_for(me);
    page::render(
        status,
        &ApprovalPage {
            chrome: me.chrome(t.approval_title),
            t,
            id: sum.id.clone(),
            reasons: needs_approval(t, sum),
            supervisor_id,
            errors,
            finger: s.agent.config.policy.operator_fingerprint,
        },
    )
}

/// The supervisor's sign-in.
#[derive(Debug, Deserialize)]
struct Credentials {
    #[serde(default)]
    supervisor_id: String,
    #[serde(default)]
    password: String,
}

async fn submit(
    me: SignedIn,
    State(s): State<ConsoleState>,
    Path(id): Path<String>,
    Form(f): Form<Credentials>,
) -> Response {
    let sum = match summary_or_page(&s, &me, &id).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    if let Err(r) = at_step(&s, &sum, &[Stage::Review]) {
        return r;
    }
    let t = text_for(&me);
    let c = me.session.lang_text();
    // Every refusal re-renders the form with the id typed and the message beside it.
    let refuse = |message: String| {
        let mut errors = FormErrors::default();
        errors.push("supervisor_id", message);
        render(
            &s,
            &me,
            &sum,
            f.supervisor_id.clone(),
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
    };
    let mut errors = FormErrors::default();
    if f.supervisor_id.trim().is_empty() {
        errors.push("supervisor_id", c.sign_in_missing_id);
    }
    if f.password.is_empty() {
        errors.push("password", c.sign_in_missing_password);
    }
    if !errors.is_empty() {
        return render(
            &s,
            &me,
            &sum,
            f.supervisor_id.clone(),
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    let supervisor = match s.agent.sign_in(&f.supervisor_id, &f.password).await {
        Ok(Ok(op)) => op,
        Ok(Err(e)) => return refuse(refusal_text(&s, &me.session, &e)),
        Err(e) => return service_failure(&me, &id, &e),
    };
    if !supervisor.role.can_approve() {
        return refuse(t.not_a_supervisor.to_string());
    }
    if supervisor.id == me.operator.id {
        return refuse(t.same_person.to_string());
    }
    // Where the policy asks for it, the supervisor's own finger on the scanner, counted toward
    // their lockout like a wrong password.
    match s.agent.approval_finger(&supervisor).await {
        Ok(()) => {}
        Err(ServiceError::SupervisorSignIn(e)) => {
            return refuse(refusal_text(&s, &me.session, &e));
        }
        Err(ServiceError::Rejected(m)) if m.contains("operators finger") => {
            return refuse(t.approval_finger_missing.to_string());
        }
        Err(ServiceError::Rejected(_)) => return refuse(t.approval_finger_mismatch.to_string()),
        Err(e) => return service_failure(&me, &id, &e),
    }
    match s.agent.approve(&me.operator, &id, &supervisor).await {
        Ok(_) => see_other(&format!("/desk/{id}/review")),
        Err(ServiceError::NotASupervisor { .. }) => refuse(t.not_a_supervisor.to_string()),
        Err(e) => service_failure(&me, &id, &e),
    }
}
