//! Who is at the console: extractors for handlers.
//!
//! Contract: [`SignedIn`] lets a handler run only for a signed-in, unlocked operator; otherwise
//! the browser is sent to `/login` (or `/lock`) with the page it wanted as `next`, so it comes
//! back there. [`Visitor`] is anyone, signed in or not. Role checks are [`SignedIn::require`],
//! which answers 403 with a page saying why.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};

use super::i18n::Lang;
use super::page::{self, Chrome};
use super::session::ConsoleSession;
use crate::operators::{Operator, Role};

/// A signed-in, unlocked operator.
#[derive(Clone, Debug)]
pub struct SignedIn {
    /// Who.
    pub operator: Operator,
    /// Their screen language.
    pub lang: Lang,
    /// The session's CSRF token.
    pub csrf: String,
    /// The session id.
    pub sid: String,
    /// The whole session, for the page frame.
    pub session: ConsoleSession,
}

impl SignedIn {
    /// The page frame titled `title`.
    pub fn chrome(&self, title: &str) -> Chrome {
        Chrome::for_session(&self.session, title)
    }

    /// Refuses (403 page) unless the operator's role passes `allowed` (e.g. `Role::can_audit`).
    // The Err is a whole response, as axum handlers return it.
    #[allow(clippy::result_large_err)]
    pub fn require(&self, allowed: fn(Role) -> bool) -> Result<(), Response> {
        if allowed(self.operator.role) {
            Ok(())
        } else {
            Err(page::forbidden(&self.session))
        }
    }
}

fn session_of(parts: &Parts) -> Option<ConsoleSession> {
    parts.extensions.get::<ConsoleSession>().cloned()
}

fn wanted(parts: &Parts) -> String {
    let p = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    // Only a page's own address comes back after sign-in; a form's POST target does not.
    let p = if parts.method == axum::http::Method::GET {
        p
    } else {
        "/"
    };
    let mut out = String::new();
    for b in p.bytes() {
        if b.is_ascii_alphanumeric() || b"/-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl<S: Send + Sync> FromRequestParts<S> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let session = session_of(parts).ok_or_else(|| Redirect::to("/login").into_response())?;
        let Some(operator) = session.operator.clone() else {
            return Err(Redirect::to(&format!("/login?next={}", wanted(parts))).into_response());
        };
        if session.locked {
            return Err(Redirect::to(&format!("/lock?next={}", wanted(parts))).into_response());
        }
        Ok(SignedIn {
            operator,
            lang: session.lang,
            csrf: session.csrf.clone(),
            sid: session.sid.clone(),
            session,
        })
    }
}

/// Anyone at the console.
#[derive(Clone, Debug)]
pub struct Visitor(pub ConsoleSession);

impl<S: Send + Sync> FromRequestParts<S> for Visitor {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        session_of(parts)
            .map(Visitor)
            .ok_or_else(|| Redirect::to("/login").into_response())
    }
}
