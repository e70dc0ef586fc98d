//! The fingers step of the desk: `/desk/{id}/fingers` (the two-hand diagram, the next 4-4-2 slap
//! with its live preview, NFIQ 2 per finger against the gate, attempts left, advice, fingers
//! not found offered singly), `/desk/{id}/fingers/{position}` (one finger on its own) and
//! `/desk/{id}/fingers/{position}/exception` (amputated, bandaged, unable to print, with an
//! optional photo of the hand from the camera).
//!
//! Contract: every capture is a POST that calls the agent and redirects (303) to a page that
//! reads the session from the store, so a reload never captures twice and the page resumes
//! where the session is. A refusal re-renders the page with an error summary and nothing
//! recorded: a duplicate finger (422) names both fingers in words; a device failure (503) shows a
//! banner naming the device and what to do, and the session is untouched, so the next attempt
//! works once the device is back. A session at another step is sent to that step.

mod diagram;
mod exception;
mod notes;
mod support;

pub use diagram::{FingerState, SCREEN_ORDER, accessible_name, fill, finger_name};
pub use notes::{FingerLine, Note, get as notes_get, put as notes_put};
pub use support::{Banner, banner_for, banner_from_health, capitalised, in_lang, step_path};

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use rekam_drivers::fingerprint::Slap;
use rekam_protocol::model::FingerPosition;
use serde::Deserialize;

use super::fingers_text::FingersText;
use crate::console::ConsoleState;
use crate::console::auth::SignedIn;
use crate::console::page::{Chrome, FormErrors, not_found, render};
use crate::service::{DuplicateRefusal, ServiceError};
use crate::workflow::{FingerSummary, Outcome, Stage, Summary, WorkflowError};

/// The live preview of the fingerprint scanner (the desk's MJPEG hub).
pub const PREVIEW: &str = "/preview/finger.mjpg";

/// The fingers routes.
pub fn routes() -> Router<ConsoleState> {
    Router::new()
        .route("/desk/{id}/fingers", get(show).post(take_slap))
        .route(
            "/desk/{id}/fingers/{position}",
            get(show_single).post(take_single),
        )
        .route(
            "/desk/{id}/fingers/{position}/exception",
            get(exception::show_exception).post(exception::record_exception),
        )
}

/// A slap as the page offers it.
pub struct SlapView {
    /// The form value (`right`, `left`, `thumbs`).
    pub value: &'static str,
    /// Its name.
    pub title: &'static str,
    /// "Next: right four fingers".
    pub heading: String,
    /// What to ask of the resident.
    pub place: &'static str,
    /// The fingers it asks for, named.
    pub asked: String,
    /// The button's words.
    pub button: String,
}

/// One row of the quality table.
pub struct Row {
    /// The finger's name.
    pub name: &'static str,
    /// The NFIQ 2 bar (SVG, gate marked).
    pub bar: String,
    /// The score or a dash.
    pub score: String,
    /// The state in words.
    pub state: String,
    /// Attempts left, or a dash once resolved.
    pub attempts_left: String,
    /// Where to take it on its own, while it is still to take.
    pub single: Option<(String, String)>,
}

/// What the last capture said.
pub struct LastView {
    /// One line per finger: "Jari telunjuk kanan: NFIQ 2 62, diterima".
    pub lines: Vec<(String, Option<String>)>,
    /// Fingers not found in the slap: (link words, link) to take each singly.
    pub not_found: Vec<(String, String)>,
}

/// `GET /desk/{id}/fingers`.
#[derive(Template)]
#[template(path = "desk/fingers.html")]
pub struct FingersPage {
    /// The frame.
    pub chrome: Chrome,
    /// The words.
    pub t: &'static FingersText,
    /// The session.
    pub id: String,
    /// The refusal, if the last POST was refused.
    pub errors: FormErrors,
    /// A device problem.
    pub banner: Option<Banner>,
    /// The two-hand diagram (markup built and escaped by [`diagram::render`]).
    pub diagram: String,
    /// The slap to take next.
    pub next: Option<SlapView>,
    /// Other slaps still to take.
    pub others: Vec<SlapView>,
    /// The quality table.
    pub rows: Vec<Row>,
    /// "Quality gate: 40 of 100".
    pub gate: String,
    /// The last capture's results.
    pub last: Option<LastView>,
    /// The next step, once every finger is resolved.
    pub continue_to: Option<String>,
    /// Some finger is forced or excepted (a supervisor must approve).
    pub approval: bool,
    /// The live preview's URL.
    pub preview: &'static str,
}

/// `GET /desk/{id}/fingers/{position}`.
#[derive(Template)]
#[template(path = "desk/fingers_single.html")]
pub struct SinglePage {
    /// The frame.
    pub chrome: Chrome,
    /// The words.
    pub t: &'static FingersText,
    /// The session.
    pub id: String,
    /// The position code.
    pub code: u8,
    /// The heading.
    pub heading: String,
    /// What to ask of the resident.
    pub place: String,
    /// The refusal, if any.
    pub errors: FormErrors,
    /// A device problem.
    pub banner: Option<Banner>,
    /// This finger's row.
    pub row: Row,
    /// The gate in words.
    pub gate: String,
    /// The last capture's results for this finger.
    pub last: Option<LastView>,
    /// Whether it can still be taken.
    pub open: bool,
    /// The words of the link to this finger's exception form.
    pub exception_link: String,
    /// The live preview's URL.
    pub preview: &'static str,
}

const SLAPS: [Slap; 3] = [Slap::RightFour, Slap::LeftFour, Slap::Thumbs];

fn slap_value(slap: Slap) -> &'static str {
    match slap {
        Slap::RightFour => "right",
        Slap::LeftFour => "left",
        Slap::Thumbs => "thumbs",
    }
}

fn slap_view(t: &'static FingersText, slap: Slap, missing: &[u8]) -> SlapView {
    let (title, place) = match slap {
        Slap::RightFour => (t.slap_right, t.place_right),
        Slap::LeftFour => (t.slap_left, t.place_left),
        Slap::Thumbs => (t.slap_thumbs, t.place_thumbs),
    };
    let asked: Vec<&str> = asked_of(slap, missing)
        .into_iter()
        .map(|c| finger_name(t, c))
        .collect();
    SlapView {
        value: slap_value(slap),
        title,
        heading: fill(t.next_slap, &[&title.to_lowercase()]),
        place,
        asked: fill(t.asked_now, &[&asked.join(", ")]),
        button: fill(t.capture_slap, &[&title.to_lowercase()]),
    }
}

/// The fingers of `slap` still to take.
fn asked_of(slap: Slap, missing: &[u8]) -> Vec<u8> {
    slap.fingers()
        .iter()
        .map(|f| f.position())
        .filter(|p| missing.contains(p))
        .collect()
}

/// The first slap, in desk order (right four, left four, thumbs), with a finger still to take.
pub fn next_slap(missing: &[u8]) -> Option<Slap> {
    SLAPS
        .into_iter()
        .find(|s| !asked_of(*s, missing).is_empty())
}

/// A quality bar: the score's length, the gate as a line across it; `label` names both
/// ("NFIQ 2: {}; gate {}").
pub fn bar(t: &FingersText, label: &str, score: Option<u8>, gate: u8) -> String {
    let label = fill(
        label,
        &[
            &score.map_or_else(|| t.no_score.to_string(), |s| s.to_string()),
            &gate.to_string(),
        ],
    );
    let level = score.unwrap_or(0).min(100);
    let below = if score.is_some_and(|s| s < gate) {
        " below"
    } else {
        ""
    };
    let gate = gate.min(100);
    format!(
        r#"<svg class="nfiq-bar" viewBox="0 0 100 10" preserveAspectRatio="none" role="img" aria-label="{}"><rect class="track" x="0" y="0" width="100" height="10"/><rect class="level{below}" x="0" y="1" width="{level}" height="8"/><line class="gate" x1="{gate}" y1="0" x2="{gate}" y2="10"/></svg>"#,
        diagram::escape(&label)
    )
}

fn state_words(t: &FingersText, state: FingerState) -> String {
    match state {
        FingerState::Pending => t.state_pending.to_string(),
        FingerState::Retake { .. } => t.state_retake.to_string(),
        FingerState::Accepted { .. } => t.state_accepted.to_string(),
        FingerState::Forced { .. } => t.state_forced.to_string(),
        FingerState::Exception { reason } => format!(
            "{}: {}",
            t.state_exception,
            diagram::reason_words(t, reason)
        ),
        FingerState::Refused { .. } => t.state_refused.to_string(),
    }
}

fn row(
    t: &'static FingersText,
    id: &str,
    code: u8,
    state: FingerState,
    summary: Option<&FingerSummary>,
    policy: &crate::workflow::Policy,
) -> Row {
    let score = match summary {
        Some(FingerSummary::Captured(c)) => c.score,
        _ => None,
    };
    let name = finger_name(t, code);
    let open = matches!(
        state,
        FingerState::Pending | FingerState::Retake { .. } | FingerState::Refused { .. }
    );
    let tries = match summary {
        Some(FingerSummary::Captured(c)) => c.tries,
        _ => 0,
    };
    Row {
        name,
        bar: bar(t, t.bar_label, score, policy.finger_gate),
        score: score.map_or_else(|| t.no_score.to_string(), |s| s.to_string()),
        state: state_words(t, state),
        attempts_left: if open {
            policy.max_attempts.saturating_sub(tries).to_string()
        } else {
            t.no_score.to_string()
        },
        single: open.then(|| {
            (
                fill(t.take_single, &[name]),
                format!("/desk/{id}/fingers/{code}"),
            )
        }),
    }
}

/// The advice of a finger capture in the page's words.
pub fn finger_advice(t: &FingersText, raw: &str) -> String {
    use crate::capture::{
        FINGER_ADVICE_CLEAN, FINGER_ADVICE_PRESS_FLAT, FINGER_ADVICE_TOO_LIGHT,
        FINGER_ADVICE_UNSCORED,
    };
    match raw {
        FINGER_ADVICE_PRESS_FLAT => t.advice_flat.to_string(),
        FINGER_ADVICE_CLEAN => t.advice_clean.to_string(),
        FINGER_ADVICE_TOO_LIGHT => t.advice_light.to_string(),
        r if r.starts_with(FINGER_ADVICE_UNSCORED) => t.advice_unscored.to_string(),
        // Not one the desk knows: the capture's own words rather than nothing.
        r => r.to_string(),
    }
}

/// An attempt's outcome in words.
pub fn outcome_words(t: &FingersText, outcome: Outcome) -> (u8, String) {
    match outcome {
        Outcome::Accepted { score } => (score, t.state_accepted.to_string()),
        Outcome::Retake {
            score,
            gate,
            attempts_left,
        } => (
            score,
            fill(
                t.retake_left,
                &[&gate.to_string(), &attempts_left.to_string()],
            ),
        ),
        Outcome::Forced { kept_score } => {
            (kept_score, fill(t.forced_kept, &[&kept_score.to_string()]))
        }
    }
}

fn last_view(t: &'static FingersText, id: &str, note: &Note, only: Option<u8>) -> Option<LastView> {
    let Note::Fingers { lines, not_found } = note else {
        return None;
    };
    let lines: Vec<(String, Option<String>)> = lines
        .iter()
        .filter(|l| only.is_none_or(|c| c == l.code))
        .map(|l| {
            let (score, words) = outcome_words(t, l.outcome);
            (
                fill(
                    t.last_line,
                    &[finger_name(t, l.code), &score.to_string(), &words],
                ),
                l.advice.as_deref().map(|a| finger_advice(t, a)),
            )
        })
        .collect();
    // A single finger's page shows only its own line.
    let not_found: Vec<(String, String)> = not_found
        .iter()
        .filter(|_| only.is_none())
        .map(|c| {
            (
                fill(t.take_single, &[finger_name(t, *c)]),
                format!("/desk/{id}/fingers/{c}"),
            )
        })
        .collect();
    (!lines.is_empty() || !not_found.is_empty()).then_some(LastView { lines, not_found })
}

/// What went wrong with a POST, for the page to show.
#[derive(Default)]
pub struct Refusal {
    /// The error summary.
    pub errors: FormErrors,
    /// A device problem.
    pub banner: Option<Banner>,
    /// A duplicate finger refused.
    pub refused: Option<DuplicateRefusal>,
}

/// Turns a service error of a capture into what the page shows, or a response of its own
/// (another step, no such session). `field` is the control the summary links to; `device` the
/// device the operation used.
#[allow(clippy::result_large_err)]
pub fn refusal(
    who: &SignedIn,
    t: &'static FingersText,
    id: &str,
    e: ServiceError,
    field: &str,
    device: &'static str,
) -> Result<(StatusCode, Refusal), Response> {
    let mut r = Refusal::default();
    let status = match e {
        ServiceError::NotFound(_) => return Err(not_found(&who.session)),
        ServiceError::Workflow(WorkflowError::WrongStage { stage, .. }) => {
            return Err(Redirect::to(&step_path(id, stage)).into_response());
        }
        ServiceError::Workflow(WorkflowError::FingerDone(p)) => {
            r.errors
                .push(field, fill(t.finger_done, &[finger_name(t, p.code())]));
            StatusCode::CONFLICT
        }
        ServiceError::Duplicate(d) => {
            let (asked, matches) = (
                finger_name(t, d.position.code()).to_lowercase(),
                finger_name(t, d.matches.code()).to_lowercase(),
            );
            let words = if d.in_slap {
                capitalised(&fill(t.duplicate_slap, &[&asked, &matches]))
            } else {
                fill(t.duplicate_single, &[&matches, &asked])
            };
            r.errors.push(field, words);
            r.refused = Some(d);
            StatusCode::UNPROCESSABLE_ENTITY
        }
        ServiceError::Device(d) => {
            r.banner = Some(banner_for(t, device, &d));
            StatusCode::SERVICE_UNAVAILABLE
        }
        ServiceError::Rejected(why) => {
            r.errors.push(field, in_lang(who.lang, &why));
            StatusCode::UNPROCESSABLE_ENTITY
        }
        ServiceError::Capture(c) => {
            r.errors.push(field, fill(t.capture_output, &[&c.reason]));
            StatusCode::BAD_GATEWAY
        }
        ServiceError::BadField { reason, .. } => {
            r.errors.push(field, reason);
            StatusCode::UNPROCESSABLE_ENTITY
        }
        ServiceError::Workflow(w) => {
            r.errors.push(field, w.to_string());
            StatusCode::CONFLICT
        }
        other => {
            r.errors
                .push(field, fill(t.store_failed, &[&other.to_string()]));
            StatusCode::INTERNAL_SERVER_ERROR
        }
    };
    Ok((status, r))
}

/// The fingers page for `summary`, with what the last POST said.
fn fingers_page(
    state: &ConsoleState,
    who: &SignedIn,
    summary: &Summary,
    refusal: Refusal,
) -> FingersPage {
    let t = FingersText::for_lang(who.lang);
    let policy = &state.agent.config.policy;
    let id = summary.id.clone();
    let mut states = diagram::states(&summary.fingers, policy.max_attempts);
    if let Some(d) = &refusal.refused {
        states.insert(
            d.position.code(),
            FingerState::Refused {
                matches: d.matches.code(),
            },
        );
    }
    let missing = &summary.fingers_missing;
    let at_fingers = summary.stage == Stage::Fingers;
    let next = next_slap(missing).filter(|_| at_fingers);
    let asked = next.map(|s| asked_of(s, missing)).unwrap_or_default();
    let diagram = diagram::render(t, &states, &asked, |c| {
        format!("/desk/{id}/fingers/{c}/exception")
    });
    let others = SLAPS
        .into_iter()
        .filter(|s| at_fingers && Some(*s) != next && !asked_of(*s, missing).is_empty())
        .map(|s| slap_view(t, s, missing))
        .collect();
    let rows = SCREEN_ORDER
        .iter()
        .map(|c| row(t, &id, *c, states[c], summary.fingers.get(c), policy))
        .collect();
    let last = notes::get(&id).and_then(|n| last_view(t, &id, &n, None));
    let approval = states.values().any(|s| {
        matches!(
            s,
            FingerState::Forced { .. } | FingerState::Exception { .. }
        )
    });
    let banner = refusal.banner.or_else(|| {
        banner_from_health(t, "fingerprint", &state.agent.devices.fingerprint.status())
    });
    FingersPage {
        chrome: who.chrome(t.fingers_title),
        t,
        errors: refusal.errors,
        banner,
        diagram,
        next: next.map(|s| slap_view(t, s, missing)),
        others,
        rows,
        gate: fill(t.quality_gate, &[&policy.finger_gate.to_string()]),
        last,
        continue_to: (missing.is_empty()).then(|| step_path(&id, summary.stage)),
        approval,
        preview: PREVIEW,
        id,
    }
}

/// Loads the session or answers for it (404, or the page of its step when that is not in `at`).
#[allow(clippy::result_large_err)]
pub async fn session_at(
    state: &ConsoleState,
    who: &SignedIn,
    id: &str,
    at: &[Stage],
) -> Result<Summary, Response> {
    match state.agent.summary(id).await {
        Ok(s) if at.contains(&s.stage) => Ok(s),
        Ok(s) => Err(Redirect::to(&step_path(id, s.stage)).into_response()),
        Err(ServiceError::NotFound(_)) => Err(not_found(&who.session)),
        Err(e) => Err(crate::console::page::failure(&who.session, e)),
    }
}

/// The stages at which the fingers page shows (after the fingers, to review them and go on).
const FINGER_PAGES: [Stage; 3] = [Stage::Fingers, Stage::Irises, Stage::Review];

async fn show(
    State(state): State<ConsoleState>,
    who: SignedIn,
    Path(id): Path<String>,
) -> Response {
    let summary = match session_at(&state, &who, &id, &FINGER_PAGES).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    // Resumed here (after a reload or a restart): the resident's screen follows this session.
    state.desk.set_current(Some(id));
    render(
        StatusCode::OK,
        &fingers_page(&state, &who, &summary, Refusal::default()),
    )
}

/// The capture form of the fingers page.
#[derive(Deserialize)]
pub struct SlapForm {
    /// `right`, `left` or `thumbs`.
    #[serde(default)]
    pub slap: String,
}

async fn take_slap(
    State(state): State<ConsoleState>,
    who: SignedIn,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<SlapForm>,
) -> Response {
    let t = FingersText::for_lang(who.lang);
    let slap = SLAPS.into_iter().find(|s| slap_value(*s) == form.slap);
    let result = match slap {
        Some(slap) => state.agent.capture_slap(&who.operator, &id, slap).await,
        None => Err(ServiceError::BadField {
            field: "slap".into(),
            reason: t.unknown_slap.into(),
        }),
    };
    match result {
        Ok(r) => {
            let lines = r
                .fingers
                .iter()
                .map(|f| FingerLine {
                    code: f.position,
                    outcome: f.outcome,
                    advice: f.advice.clone(),
                })
                .collect();
            notes::put(
                &id,
                Note::Fingers {
                    lines,
                    not_found: r.not_found,
                },
            );
            Redirect::to(&format!("/desk/{id}/fingers")).into_response()
        }
        Err(e) => refused_fingers(&state, &who, &id, e, "capture").await,
    }
}

async fn refused_fingers(
    state: &ConsoleState,
    who: &SignedIn,
    id: &str,
    e: ServiceError,
    field: &str,
) -> Response {
    let t = FingersText::for_lang(who.lang);
    let (status, refusal) = match refusal(who, t, id, e, field, "fingerprint") {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    let summary = match session_at(state, who, id, &FINGER_PAGES).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    render(status, &fingers_page(state, who, &summary, refusal))
}

fn position(code: &str) -> Option<FingerPosition> {
    code.parse::<u8>().ok().and_then(FingerPosition::new)
}

fn single_page(
    state: &ConsoleState,
    who: &SignedIn,
    summary: &Summary,
    code: u8,
    refusal: Refusal,
) -> SinglePage {
    let t = FingersText::for_lang(who.lang);
    let policy = &state.agent.config.policy;
    let id = summary.id.clone();
    let mut states = diagram::states(&summary.fingers, policy.max_attempts);
    if let Some(d) = &refusal.refused {
        states.insert(
            code,
            FingerState::Refused {
                matches: d.matches.code(),
            },
        );
    }
    let name = finger_name(t, code);
    let open = summary.stage == Stage::Fingers && summary.fingers_missing.contains(&code);
    let heading = fill(t.single_title, &[name]);
    let banner = refusal.banner.or_else(|| {
        banner_from_health(t, "fingerprint", &state.agent.devices.fingerprint.status())
    });
    SinglePage {
        chrome: who.chrome(&heading),
        t,
        code,
        heading,
        place: fill(t.place_single, &[&name.to_lowercase()]),
        errors: refusal.errors,
        banner,
        row: row(
            t,
            &id,
            code,
            states[&code],
            summary.fingers.get(&code),
            policy,
        ),
        gate: fill(t.quality_gate, &[&policy.finger_gate.to_string()]),
        last: notes::get(&id).and_then(|n| last_view(t, &id, &n, Some(code))),
        open,
        exception_link: fill(t.exception_title, &[name]),
        preview: PREVIEW,
        id,
    }
}

async fn show_single(
    State(state): State<ConsoleState>,
    who: SignedIn,
    Path((id, code)): Path<(String, String)>,
) -> Response {
    let Some(p) = position(&code) else {
        return not_found(&who.session);
    };
    let summary = match session_at(&state, &who, &id, &FINGER_PAGES).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    render(
        StatusCode::OK,
        &single_page(&state, &who, &summary, p.code(), Refusal::default()),
    )
}

async fn take_single(
    State(state): State<ConsoleState>,
    who: SignedIn,
    Path((id, code)): Path<(String, String)>,
) -> Response {
    let Some(p) = position(&code) else {
        return not_found(&who.session);
    };
    match state.agent.capture_finger(&who.operator, &id, p).await {
        Ok(r) => {
            notes::put(
                &id,
                Note::Fingers {
                    lines: vec![FingerLine {
                        code: p.code(),
                        outcome: r.outcome,
                        advice: r.advice,
                    }],
                    not_found: vec![],
                },
            );
            // Below the gate with attempts left: stay on this finger for the retake.
            let again = matches!(r.outcome, Outcome::Retake { .. });
            let to = if again {
                format!("/desk/{id}/fingers/{}", p.code())
            } else {
                format!("/desk/{id}/fingers")
            };
            Redirect::to(&to).into_response()
        }
        Err(e) => {
            let t = FingersText::for_lang(who.lang);
            let (status, refusal) = match refusal(&who, t, &id, e, "capture", "fingerprint") {
                Ok(r) => r,
                Err(resp) => return resp,
            };
            let summary = match session_at(&state, &who, &id, &FINGER_PAGES).await {
                Ok(s) => s,
                Err(r) => return r,
            };
            render(
                status,
                &single_page(&state, &who, &summary, p.code(), refusal),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_slaps_come_right_four_then_left_four_then_thumbs_and_skip_what_is_resolved() {
        let all: Vec<u8> = (1..=10).collect();
        assert_eq!(next_slap(&all), Some(Slap::RightFour));
        assert_eq!(next_slap(&[1, 6, 7, 8, 9, 10]), Some(Slap::LeftFour));
        assert_eq!(next_slap(&[1, 6]), Some(Slap::Thumbs));
        assert_eq!(next_slap(&[]), None);
        // A right finger not found in the first slap is asked for again, alone.
        assert_eq!(asked_of(Slap::RightFour, &[5, 6, 7]), vec![5]);
    }

    #[test]
    fn finger_advice_is_said_in_the_pages_language() {
        let t = FingersText::ID;
        assert_eq!(
            finger_advice(t, crate::capture::FINGER_ADVICE_PRESS_FLAT),
            t.advice_flat
        );
        assert_eq!(
            finger_advice(
                t,
                &format!("{}: too small", crate::capture::FINGER_ADVICE_UNSCORED)
            ),
            t.advice_unscored
        );
    }

    #[test]
    fn fingers_not_found_in_a_slap_are_offered_singly_with_the_others_results_and_advice() {
        let t = FingersText::EN;
        let note = Note::Fingers {
            lines: vec![
                FingerLine {
                    code: 2,
                    outcome: Outcome::Accepted { score: 62 },
                    advice: None,
                },
                FingerLine {
                    code: 3,
                    outcome: Outcome::Retake {
                        score: 21,
                        gate: 40,
                        attempts_left: 2,
                    },
                    advice: Some(crate::capture::FINGER_ADVICE_TOO_LIGHT.into()),
                },
            ],
            not_found: vec![4, 5],
        };
        let v = last_view(t, "S1", &note, None).expect("something to say");
        assert_eq!(
            v.lines[0],
            ("Right index finger: NFIQ 2 62, accepted".into(), None)
        );
        assert_eq!(
            v.lines[1],
            (
                "Right middle finger: NFIQ 2 21, below the gate 40; attempts left: 2".into(),
                Some(t.advice_light.into())
            )
        );
        assert_eq!(
            v.not_found,
            vec![
                (
                    "Take on its own: Right ring finger".into(),
                    "/desk/S1/fingers/4".into()
                ),
                (
                    "Take on its own: Right little finger".into(),
                    "/desk/S1/fingers/5".into()
                ),
            ]
        );
        // A single finger's page shows only its own line.
        let v = last_view(t, "S1", &note, Some(3)).expect("finger 3");
        assert_eq!(v.lines.len(), 1);
        assert!(v.not_found.is_empty());
    }

    #[test]
    fn the_bar_marks_the_gate_and_says_the_score_in_words() {
        let b = bar(FingersText::EN, FingersText::EN.bar_label, Some(31), 40);
        assert!(b.contains(r#"aria-label="NFIQ 2: 31; gate 40""#), "{b}");
        assert!(b.contains(r#"class="level below""#));
        assert!(b.contains(r#"x1="40""#));
    }
}
