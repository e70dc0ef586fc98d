//! The second sign-in step of `[policy] operator_fingerprint`: the operator's own finger.
//!
//! Contract: after a correct password, [`second_factor`] either lets the sign-in complete (the
//! policy is off), refuses it in words (no template enrolled), or leaves the session "password
//! verified, finger awaited" (not signed in) for [`WAIT_MS`] and sends the browser to
//! `/login/finger`. There the Capture button takes the finger on the scanner and matches it
//! against the operator's template ([`crate::service::operator_finger`]): a match completes the
//! sign-in as the password form does (new session id and CSRF token, cookie, `next`); a
//! non-match counts as a failed sign-in toward the lockout and says how many attempts are left.
//! A wait that expired, or none, goes back to `/login`.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::ConsoleState;
use super::auth::Visitor;
use super::i18n::{Lang, fill};
use super::page::{self, Chrome, FormErrors, local_hm, local_path};
use super::session::{self, ConsoleSession};
use crate::operators::{Operator, SignInError};
use crate::service::ServiceError;

/// How long a verified password waits for the finger.
pub const WAIT_MS: i64 = 2 * 60 * 1000;

crate::catalogue! {
    /// Strings of the finger sign-in step.
    pub struct FingerText {
        title: ("Sidik jari operator", "Operator fingerprint"),
        intro: ("{}, letakkan jari Anda yang terdaftar pada pemindai, lalu tekan Ambil.", "{}, place your enrolled finger on the scanner, then press Capture."),
        capture: ("Ambil sidik jari", "Capture"),
        no_match: ("Sidik jari tidak cocok (sisa percobaan: {})", "The fingerprint does not match ({} attempts left before the account locks)"),
        locked: ("Akun dikunci sampai {} karena terlalu banyak kegagalan", "The account is locked until {} after too many failures"),
        device: ("Pemindai sidik jari gagal: {}", "The fingerprint scanner failed: {}"),
        no_template: ("Belum ada sidik jari terdaftar untuk akun ini: minta administrator menjalankan rekam operators finger {}", "No fingerprint is enrolled for this account: ask an administrator to run rekam operators finger {}"),
    }
}

/// The finger page.
#[derive(Template)]
#[template(path = "login_finger.html")]
pub struct FingerPage {
    /// The frame.
    pub chrome: Chrome,
    /// The words.
    pub t: &'static FingerText,
    /// "NAME, place your finger".
    pub intro: String,
    /// Where to go after.
    pub next: String,
    /// What was wrong.
    pub errors: FormErrors,
}

/// `?next=` or the form's `next`.
#[derive(Deserialize)]
pub struct NextField {
    #[serde(default)]
    next: Option<String>,
}

/// What the password step does next.
pub enum Step {
    /// Sign in now (the policy is off).
    SignIn(Operator),
    /// Send this response (the finger is awaited).
    Respond(Response),
    /// Refuse the sign-in with this message.
    Refuse(String),
}

/// After a correct password: the policy's second factor, if on.
pub async fn second_factor(
    state: &ConsoleState,
    s: &ConsoleSession,
    operator: Operator,
    next: &str,
) -> Step {
    match state.agent.operator_finger_required(&operator).await {
        Ok(false) => Step::SignIn(operator),
        Ok(true) => {
            let until = (state.agent.clock)() + WAIT_MS;
            state.sessions.await_finger(&s.sid, operator, until);
            let to = format!("/login/finger?next={}", url_escape(&local_path(Some(next))));
            Step::Respond(Redirect::to(&to).into_response())
        }
        Err(ServiceError::Rejected(_)) => {
            Step::Refuse(fill(text(s.lang).no_template, &operator.id))
        }
        Err(e) => Step::Refuse(e.to_string()),
    }
}

/// Percent-encodes a local path for a query value.
fn url_escape(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The operator awaited on `s`, if the wait has not expired.
fn awaited(state: &ConsoleState, s: &ConsoleSession) -> Option<Operator> {
    match &s.pending_finger {
        Some((op, until)) if *until > (state.agent.clock)() => Some(op.clone()),
        _ => None,
    }
}

fn text(lang: Lang) -> &'static FingerText {
    FingerText::for_lang(lang)
}

fn render(s: &ConsoleSession, op: &Operator, next: String, errors: FormErrors) -> Response {
    let t = text(s.lang);
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    page::render(
        status,
        &FingerPage {
            chrome: Chrome::for_session(s, t.title),
            t,
            intro: fill(t.intro, &op.name),
            next,
            errors,
        },
    )
}

fn back_to_login(next: &str) -> Response {
    Redirect::to(&format!("/login?next={}", url_escape(next))).into_response()
}

/// `GET /login/finger`.
pub async fn form(
    State(state): State<ConsoleState>,
    Visitor(s): Visitor,
    Query(q): Query<NextField>,
) -> Response {
    let next = local_path(q.next.as_deref());
    match awaited(&state, &s) {
        Some(op) => render(&s, &op, next, FormErrors::default()),
        None => back_to_login(&next),
    }
}

/// `POST /login/finger`: the Capture button.
pub async fn capture(
    State(state): State<ConsoleState>,
    Visitor(s): Visitor,
    Form(f): Form<NextField>,
) -> Response {
    let next = local_path(f.next.as_deref());
    let Some(op) = awaited(&state, &s) else {
        state.sessions.clear_finger(&s.sid);
        return back_to_login(&next);
    };
    let t = text(s.lang);
    let mut errors = FormErrors::default();
    match state.agent.confirm_operator_finger(&op).await {
        Ok(Ok(())) => {
            let now = (state.agent.clock)();
            let new = state.sessions.sign_in(&s.sid, op, now);
            let mut resp = Redirect::to(&next).into_response();
            resp.headers_mut()
                .insert(header::SET_COOKIE, session::session_cookie(&new.sid));
            return resp;
        }
        Ok(Err(SignInError::WrongCredentials { attempts_left })) => {
            errors.push("capture", fill(t.no_match, attempts_left));
        }
        Ok(Err(SignInError::Locked { until_ms })) => {
            state.sessions.clear_finger(&s.sid);
            errors.push(
                "capture",
                fill(
                    t.locked,
                    local_hm(until_ms, state.agent.config.console.utc_offset_minutes),
                ),
            );
        }
        Ok(Err(e)) => {
            state.sessions.clear_finger(&s.sid);
            errors.push("capture", e.to_string());
        }
        Err(e @ (ServiceError::Device(_) | ServiceError::Capture(_))) => {
            errors.push("capture", fill(t.device, e));
        }
        Err(ServiceError::Rejected(m)) => errors.push("capture", m),
        Err(e) => return page::failure(&s, e),
    }
    render(&s, &op, next, errors)
}
