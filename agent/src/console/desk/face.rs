//! The face screen (`/desk/{id}/face`): the live preview with the ICAO guide over it, the face
//! checks' advice, the backdrop the resident's birth year asks for, the capture, then the kept
//! photo's card crop waiting for the resident's approval on `/resident`.
//!
//! Contract: the desk cannot approve the photo (e-KTP rules want the resident's approval); it can
//! only ask for a retake. While waiting, the page polls `/desk/{id}/state` and reloads when the
//! resident has decided. A capture below the gate comes back here with its score and the advice.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use rekam_protocol::model::Citizenship;
use rekam_quality::face::BackgroundColour;
use serde::Deserialize;

use super::text::{DeskText, fill};
use super::{at_step, load, see_other, service_failure, summary_or_page, text_for};
use crate::console::ConsoleState;
use crate::console::auth::SignedIn;
use crate::console::page::{self, Chrome};
use crate::preview::{FaceAdvice, GUIDE};
use crate::service::ServiceError;
use crate::workflow::{Outcome, Stage};

/// The face screen's routes.
pub fn routes() -> Router<ConsoleState> {
    Router::new()
        .route("/desk/{id}/face", get(show))
        .route("/desk/{id}/face/capture", post(capture))
        .route("/desk/{id}/face/retake", post(retake))
}

/// The face page.
#[derive(Template)]
#[template(path = "desk/face.html")]
pub struct FacePage {
    /// The frame.
    pub chrome: Chrome,
    /// The desk's strings.
    pub t: &'static DeskText,
    /// The enrollment id.
    pub id: String,
    /// The resident's name.
    pub name: String,
    /// "Backdrop required: red (odd birth year)".
    pub backdrop: String,
    /// `red`, `blue` or `orange` (swatch class).
    pub backdrop_class: &'static str,
    /// The advice now (the page updates it live).
    pub advice: String,
    /// A photo is kept and waits for the resident.
    pub waiting: bool,
    /// The kept photo was forced.
    pub forced: bool,
    /// "Attempts left: N".
    pub attempts: String,
    /// What the last capture said (score below the gate, a device failure).
    pub message: Option<String>,
    /// The guide: eye band top and height, head box, in the 300x400 view box.
    pub guide: [f64; 6],
    /// Early recording: when the card can be printed.
    pub early: Option<String>,
}

/// What the capture left to say.
#[derive(Debug, Default, Deserialize)]
pub struct Said {
    /// Score of the last attempt.
    #[serde(default)]
    score: Option<u8>,
    /// Gate it missed.
    #[serde(default)]
    gate: Option<u8>,
    /// The checks' advice.
    #[serde(default)]
    advice: Option<String>,
    /// A failure.
    #[serde(default)]
    error: Option<String>,
}

/// The colour the resident's photo needs.
pub fn backdrop_of(a: &rekam_protocol::model::Applicant) -> BackgroundColour {
    BackgroundColour::for_resident(
        a.date_of_birth.year(),
        matches!(a.citizenship, Citizenship::Wna { .. }),
    )
}

/// The backdrop's name and swatch class.
pub fn backdrop_label(t: &DeskText, c: BackgroundColour) -> (String, &'static str) {
    let (name, class) = match c {
        BackgroundColour::Red => (t.backdrop_red, "red"),
        BackgroundColour::Blue => (t.backdrop_blue, "blue"),
        BackgroundColour::Orange => (t.backdrop_orange, "orange"),
    };
    (fill(t.backdrop_expected, &[name]), class)
}

/// The early-recording flag: the date from which the card can be printed.
pub fn early_note(t: &DeskText, e: crate::workflow::Eligibility) -> Option<String> {
    match e {
        crate::workflow::Eligibility::EarlyRecording { .. } => {
            Some(super::start::eligibility_note(t, e))
        }
        _ => None,
    }
}

/// The advice in the operator's language.
pub fn advice_text(t: &DeskText, a: &FaceAdvice, lang: crate::console::i18n::Lang) -> String {
    match a.state {
        "waiting" => t.advice_waiting.to_string(),
        "failed" => fill(t.preview_failed, &[a.error.as_deref().unwrap_or_default()]),
        _ => match lang {
            crate::console::i18n::Lang::Id => a.id.clone(),
            crate::console::i18n::Lang::En => a.en.clone(),
        },
    }
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
    if let Err(r) = at_step(&s, &sum, &[Stage::Face]) {
        return r;
    }
    let session = match load(&s.agent, &id).await {
        Ok(Some(x)) => x,
        Ok(None) => return service_failure(&me, &id, &ServiceError::NotFound(id.clone())),
        Err(e) => return service_failure(&me, &id, &e),
    };
    let t = text_for(&me);
    let colour = backdrop_of(&session.applicant);
    s.agent.previews.advisor.expect(Some(colour));
    let (backdrop, backdrop_class) = backdrop_label(t, colour);
    let advice = advice_text(t, &s.agent.previews.advisor.current(), me.lang);
    let left = session.policy.max_attempts.saturating_sub(sum.face.tries);
    let message = match (&said.error, said.score, said.gate) {
        (Some(e), _, _) => Some(fill(t.device_failed, &[e])),
        (None, Some(score), Some(gate)) => {
            let mut m = fill(t.score_gate, &[&score.to_string(), &gate.to_string()]);
            if let Some(a) = &said.advice {
                m = format!("{m}. {}", fill(t.capture_rejected, &[a]));
            }
            Some(m)
        }
        _ => None,
    };
    let g = GUIDE;
    page::render(
        StatusCode::OK,
        &FacePage {
            chrome: me.chrome(t.face_title),
            t,
            id: sum.id.clone(),
            name: sum.full_name.clone(),
            backdrop,
            backdrop_class,
            advice,
            waiting: sum.face.done && !sum.face_approved,
            forced: sum.face.forced,
            attempts: fill(t.attempts_left, &[&left.to_string()]),
            message,
            guide: [
                g.eye_band[0] * 400.0,
                (g.eye_band[1] - g.eye_band[0]) * 400.0,
                g.head_box[0] * 300.0,
                g.head_box[1] * 400.0,
                g.head_box[2] * 300.0,
                g.head_box[3] * 400.0,
            ],
            early: early_note(t, sum.eligibility),
        },
    )
}

/// A POSTed button: only its CSRF token.
#[derive(Debug, Default, Deserialize)]
pub struct Button {
    /// The CSRF token (checked by the middleware).
    #[serde(default, rename = "_csrf")]
    pub csrf: String,
}

fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

async fn capture(
    me: SignedIn,
    State(s): State<ConsoleState>,
    Path(id): Path<String>,
    Form(_b): Form<Button>,
) -> Response {
    let back = format!("/desk/{id}/face");
    match s.agent.capture_face(&me.operator, &id).await {
        Ok(r) => match r.outcome {
            Outcome::Retake { score, gate, .. } => {
                let mut to = format!("{back}?score={score}&gate={gate}");
                if let Some(a) = r.advice {
                    to.push_str(&format!("&advice={}", enc(&a)));
                }
                see_other(&to)
            }
            _ => see_other(&back),
        },
        Err(ServiceError::Device(e)) => see_other(&format!("{back}?error={}", enc(&e.to_string()))),
        Err(ServiceError::Rejected(m)) => see_other(&format!("{back}?error={}", enc(&m))),
        Err(ServiceError::Workflow(_)) => see_other(&format!("/desk/{id}")),
        Err(e) => service_failure(&me, &id, &e),
    }
}

async fn retake(
    me: SignedIn,
    State(s): State<ConsoleState>,
    Path(id): Path<String>,
    Form(_b): Form<Button>,
) -> Response {
    match s.agent.clear_face(&me.operator, &id).await {
        Ok(_) | Err(ServiceError::Workflow(_)) => see_other(&format!("/desk/{id}/face")),
        Err(e) => service_failure(&me, &id, &e),
    }
}
