//! The office's day: the home page after sign-in (figures, devices, open enrollments), the
//! outbox, the audit log and operator accounts.
//!
//! Contract: pages for signed-in operators; the audit log for supervisors and admins, accounts
//! for admins only (403 for other roles).

use askama::Template;
use axum::Router;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;

use super::ConsoleState;
use super::auth::SignedIn;
use super::i18n::fill;
use super::page::{self, Chrome};

/// The home page.
#[derive(Template)]
#[template(path = "office/home.html")]
pub struct HomePage {
    /// The frame.
    pub chrome: Chrome,
    /// "Welcome, NAME".
    pub welcome: String,
}

async fn home(me: SignedIn) -> Response {
    let chrome = me.chrome(me.session.lang_text().home_title);
    let welcome = fill(chrome.c.home_welcome, &me.operator.name);
    page::render(StatusCode::OK, &HomePage { chrome, welcome })
}

/// The office pages' routes.
pub fn routes() -> Router<ConsoleState> {
    Router::new().route("/", get(home))
}
