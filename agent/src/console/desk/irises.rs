//! The irises step of the desk: `/desk/{id}/irises`, the left and right iris each with its
//! score against the gate, attempts left and the checks' advice, captured by
//! `POST /desk/{id}/irises/{left|right}`. Without an iris scanner the step is skipped and the
//! page says so.
//!
//! Contract: as the fingers step: a capture redirects (303) to the page, which reads the session
//! from the store; a device failure shows the banner (503) and records nothing; a session at
//! another step is sent there.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use super::fingers::{
    Banner, Note, Refusal, banner_from_health, bar, fill, in_lang, outcome_words, refusal,
    session_at, step_path,
};
use super::fingers_text::FingersText;
use crate::console::ConsoleState;
use crate::console::auth::SignedIn;
use crate::console::page::{Chrome, FormErrors, not_found, render};
use crate::workflow::{Eye, Stage, Summary};

/// The irises routes.
pub fn routes() -> Router<ConsoleState> {
    Router::new()
        .route("/desk/{id}/irises", get(show))
        .route("/desk/{id}/irises/{eye}", post(take))
}

/// One eye on the page.
pub struct EyeView {
    /// `left` or `right` (the form's address and the button's id).
    pub value: &'static str,
    /// "Left iris".
    pub title: &'static str,
    /// The score bar against the gate.
    pub bar: String,
    /// The score in words, or "not taken yet".
    pub score: String,
    /// Attempts left, while it can still be taken.
    pub attempts_left: Option<String>,
    /// Accepted or forced, in words, once resolved.
    pub state: Option<String>,
    /// Whether it can still be taken.
    pub open: bool,
    /// The button's words.
    pub button: String,
    /// What the last capture of this eye said.
    pub last: Option<(String, Option<String>)>,
}

/// `GET /desk/{id}/irises`.
#[derive(Template)]
#[template(path = "desk/irises.html")]
pub struct IrisesPage {
    /// The frame.
    pub chrome: Chrome,
    /// The words.
    pub t: &'static FingersText,
    /// The session.
    pub id: String,
    /// The refusal of the last POST.
    pub errors: FormErrors,
    /// A device problem.
    pub banner: Option<Banner>,
    /// No iris scanner: the step is skipped.
    pub skipped: bool,
    /// Left, then right.
    pub eyes: Vec<EyeView>,
    /// The gate in words.
    pub gate: String,
    /// The next step, once both irises are resolved (or skipped).
    pub continue_to: Option<String>,
}

fn eye_key(eye: Eye) -> &'static str {
    match eye {
        Eye::Left => "left",
        Eye::Right => "right",
    }
}

fn irises_page(
    state: &ConsoleState,
    who: &SignedIn,
    summary: &Summary,
    refusal: Refusal,
) -> IrisesPage {
    let t = FingersText::for_lang(who.lang);
    let policy = &state.agent.config.policy;
    let id = summary.id.clone();
    let skipped = !summary.irises_required;
    let note = super::fingers::notes_get(&id);
    let at_irises = summary.stage == Stage::Irises;
    let eyes = [Eye::Left, Eye::Right]
        .into_iter()
        .map(|eye| {
            let key = eye_key(eye);
            let title = match eye {
                Eye::Left => t.eye_left,
                Eye::Right => t.eye_right,
            };
            let c = summary.irises.get(key);
            let score = c.and_then(|c| c.score);
            let tries = c.map_or(0, |c| c.tries);
            let done = c.is_some_and(|c| c.done);
            let state = c.filter(|c| c.done).map(|c| {
                if c.forced {
                    t.state_forced.to_string()
                } else {
                    t.state_accepted.to_string()
                }
            });
            let last = match &note {
                Some(Note::Iris {
                    eye: e,
                    outcome,
                    advice,
                }) if *e == eye => {
                    let (score, words) = outcome_words(t, *outcome);
                    Some((
                        format!("{}: {}", fill(t.iris_score, &[&score.to_string()]), words),
                        advice.as_deref().map(|a| in_lang(who.lang, a)),
                    ))
                }
                _ => None,
            };
            EyeView {
                value: key,
                title,
                bar: bar(t, t.iris_bar_label, score, policy.iris_gate),
                score: score.map_or_else(
                    || t.iris_not_taken.to_string(),
                    |s| fill(t.iris_score, &[&s.to_string()]),
                ),
                attempts_left: (!done).then(|| {
                    fill(
                        t.attempts_left,
                        &[&policy.max_attempts.saturating_sub(tries).to_string()],
                    )
                }),
                state,
                open: at_irises && !done,
                button: fill(t.capture_eye, &[&title.to_lowercase()]),
                last,
            }
        })
        .collect();
    let banner = refusal.banner.or_else(|| {
        state
            .agent
            .devices
            .iris
            .as_ref()
            .and_then(|slot| banner_from_health(t, "iris", &slot.status()))
    });
    IrisesPage {
        chrome: who.chrome(t.irises_title),
        t,
        errors: refusal.errors,
        banner,
        skipped,
        eyes: if skipped { Vec::new() } else { eyes },
        gate: fill(t.iris_gate, &[&policy.iris_gate.to_string()]),
        continue_to: (!at_irises).then(|| step_path(&id, summary.stage)),
        id,
    }
}

/// The iris page shows from the irises step on (after it, to look back and go on).
const IRIS_PAGES: [Stage; 2] = [Stage::Irises, Stage::Review];

async fn show(
    State(state): State<ConsoleState>,
    who: SignedIn,
    Path(id): Path<String>,
) -> Response {
    match session_at(&state, &who, &id, &IRIS_PAGES).await {
        Ok(s) => render(
            StatusCode::OK,
            &irises_page(&state, &who, &s, Refusal::default()),
        ),
        Err(r) => r,
    }
}

async fn take(
    State(state): State<ConsoleState>,
    who: SignedIn,
    Path((id, eye)): Path<(String, String)>,
) -> Response {
    let eye = match eye.as_str() {
        "left" => Eye::Left,
        "right" => Eye::Right,
        _ => return not_found(&who.session),
    };
    let t = FingersText::for_lang(who.lang);
    match state.agent.capture_iris(&who.operator, &id, eye).await {
        Ok(r) => {
            super::fingers::notes_put(
                &id,
                Note::Iris {
                    eye,
                    outcome: r.outcome,
                    advice: r.advice,
                },
            );
            Redirect::to(&format!("/desk/{id}/irises")).into_response()
        }
        Err(e) => {
            let field = format!("capture-{}", eye_key(eye));
            let (status, refusal) = match refusal(&who, t, &id, e, &field, "iris") {
                Ok(r) => r,
                Err(resp) => return resp,
            };
            match session_at(&state, &who, &id, &IRIS_PAGES).await {
                Ok(s) => render(status, &irises_page(&state, &who, &s, refusal)),
                Err(r) => r,
            }
        }
    }
}
