//! Signing in and out, the idle lock, and the language switch.
//!
//! Contract: `POST /login` checks the password through [`crate::operators`] (lockout, audit) and
//! on success replaces the session (new id and CSRF token) and goes to `next` (a local path) or
//! home. A refused sign-in re-renders the form with the id kept, an error summary linking to the
//! field, and how many attempts are left or until when the account is locked. `/lock` asks the
//! signed-in operator's own password again; signing out there is how another operator takes the
//! desk. `POST /lang` switches the language and returns to the page it came from.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::ConsoleState;
use super::auth::Visitor;
use super::i18n::fill;
use super::page::{self, Chrome, FormErrors, local_hm, local_path};
use super::session::{self, ConsoleSession};
use crate::operators::SignInError;

/// The sign-in page.
#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    /// The frame.
    pub chrome: Chrome,
    /// The id typed.
    pub id: String,
    /// Where to go after.
    pub next: String,
    /// What was wrong.
    pub errors: FormErrors,
}

/// The lock page.
#[derive(Template)]
#[template(path = "lock.html")]
pub struct LockPage {
    /// The frame.
    pub chrome: Chrome,
    /// "NAME, enter your password".
    pub intro: String,
    /// Where to go after.
    pub next: String,
    /// What was wrong.
    pub errors: FormErrors,
}

/// `?next=`.
#[derive(Deserialize)]
pub struct Next {
    next: Option<String>,
}

/// The sign-in form.
#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    operator_id: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

/// The unlock form.
#[derive(Deserialize)]
pub struct UnlockForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

/// `GET /login`.
pub async fn form(Visitor(s): Visitor, Query(q): Query<Next>) -> Response {
    if s.operator.is_some() && !s.locked {
        return Redirect::to(&local_path(q.next.as_deref())).into_response();
    }
    let chrome = Chrome::for_session(&s, Chrome::for_session(&s, "").c.sign_in_title);
    page::render(
        StatusCode::OK,
        &LoginPage {
            chrome,
            id: String::new(),
            next: local_path(q.next.as_deref()),
            errors: FormErrors::default(),
        },
    )
}

/// A refused sign-in in the page's words (attempts left, until when, disabled).
pub(crate) fn refusal_text(state: &ConsoleState, s: &ConsoleSession, e: &SignInError) -> String {
    let c = Chrome::for_session(s, "").c;
    match e {
        SignInError::WrongCredentials { attempts_left: 0 } => c.sign_in_wrong_unknown.into(),
        SignInError::WrongCredentials { attempts_left } => fill(c.sign_in_wrong, attempts_left),
        SignInError::Locked { until_ms } => fill(
            c.sign_in_locked,
            local_hm(*until_ms, state.agent.config.console.utc_offset_minutes),
        ),
        SignInError::Disabled => c.sign_in_disabled.into(),
    }
}

/// `POST /login`.
pub async fn submit(
    State(state): State<ConsoleState>,
    Visitor(s): Visitor,
    Form(f): Form<LoginForm>,
) -> Response {
    let c = Chrome::for_session(&s, "").c;
    let mut errors = FormErrors::default();
    if f.operator_id.trim().is_empty() {
        errors.push("operator_id", c.sign_in_missing_id);
    }
    if f.password.is_empty() {
        errors.push("password", c.sign_in_missing_password);
    }
    if errors.is_empty() {
        match state.agent.sign_in(&f.operator_id, &f.password).await {
            Ok(Ok(operator)) => {
                use super::login_finger::{Step, second_factor};
                match second_factor(&state, &s, operator, &f.next).await {
                    Step::SignIn(operator) => {
                        let now = (state.agent.clock)();
                        let new = state.sessions.sign_in(&s.sid, operator, now);
                        let mut resp = Redirect::to(&local_path(Some(&f.next))).into_response();
                        resp.headers_mut()
                            .insert(header::SET_COOKIE, session::session_cookie(&new.sid));
                        return resp;
                    }
                    Step::Respond(r) => return r,
                    Step::Refuse(m) => errors.push("operator_id", m),
                }
            }
            Ok(Err(e)) => errors.push("operator_id", refusal_text(&state, &s, &e)),
            Err(e) => return page::failure(&s, e),
        }
    }
    let chrome = Chrome::for_session(&s, c.sign_in_title);
    page::render(
        StatusCode::UNPROCESSABLE_ENTITY,
        &LoginPage {
            chrome,
            id: f.operator_id,
            next: local_path(Some(&f.next)),
            errors,
        },
    )
}

fn lock_page(s: &ConsoleSession, next: String, errors: FormErrors, status: StatusCode) -> Response {
    let chrome = Chrome::for_session(s, Chrome::for_session(s, "").c.lock_title);
    let name = s
        .operator
        .as_ref()
        .map(|o| o.name.clone())
        .unwrap_or_default();
    let intro = fill(chrome.c.lock_intro, name);
    page::render(
        status,
        &LockPage {
            chrome,
            intro,
            next,
            errors,
        },
    )
}

/// `GET /lock`.
pub async fn lock_form(Visitor(s): Visitor, Query(q): Query<Next>) -> Response {
    if s.operator.is_none() {
        return Redirect::to("/login").into_response();
    }
    if !s.locked {
        return Redirect::to(&local_path(q.next.as_deref())).into_response();
    }
    lock_page(
        &s,
        local_path(q.next.as_deref()),
        FormErrors::default(),
        StatusCode::OK,
    )
}

/// `POST /lock`: unlock with the same operator's password.
pub async fn unlock(
    State(state): State<ConsoleState>,
    Visitor(s): Visitor,
    Form(f): Form<UnlockForm>,
) -> Response {
    let Some(op) = s.operator.clone() else {
        return Redirect::to("/login").into_response();
    };
    let c = Chrome::for_session(&s, "").c;
    let mut errors = FormErrors::default();
    if f.password.is_empty() {
        errors.push("password", c.sign_in_missing_password);
    } else {
        match state.agent.sign_in(&op.id, &f.password).await {
            Ok(Ok(operator)) => {
                // Where the policy asks for it, unlocking takes the finger too, as signing in does.
                use super::login_finger::{Step, second_factor};
                match second_factor(&state, &s, operator, &f.next).await {
                    Step::SignIn(_) => {
                        state.sessions.unlock(&s.sid, (state.agent.clock)());
                        return Redirect::to(&local_path(Some(&f.next))).into_response();
                    }
                    Step::Respond(r) => return r,
                    Step::Refuse(m) => errors.push("password", m),
                }
            }
            Ok(Err(e)) => errors.push("password", refusal_text(&state, &s, &e)),
            Err(e) => return page::failure(&s, e),
        }
    }
    lock_page(
        &s,
        local_path(Some(&f.next)),
        errors,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
}

/// `POST /lock/now`: the operator locks the screen before stepping away.
pub async fn lock_now(State(state): State<ConsoleState>, Visitor(s): Visitor) -> Response {
    state.sessions.lock_now(&s.sid);
    Redirect::to("/lock").into_response()
}

/// `POST /logout`.
pub async fn sign_out(State(state): State<ConsoleState>, Visitor(s): Visitor) -> Response {
    state.sessions.sign_out(&s.sid);
    Redirect::to("/login").into_response()
}

/// `POST /lang`: the other language, back to the page the switch was on.
pub async fn switch_lang(
    State(state): State<ConsoleState>,
    Visitor(s): Visitor,
    headers: HeaderMap,
) -> Response {
    let lang = s.lang.other();
    state.sessions.set_lang(&s.sid, lang);
    let back = headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| {
            let host = headers.get(header::HOST)?.to_str().ok()?;
            r.strip_prefix("http://")?
                .strip_prefix(host)
                .map(str::to_string)
        });
    let mut resp = Redirect::to(&local_path(back.as_deref())).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{}={}; Path=/; SameSite=Strict; Max-Age=31536000",
        session::LANG_COOKIE,
        lang.code()
    )) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}
