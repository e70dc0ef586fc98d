//! The operator console: server-rendered pages for the whole enrollment and the office's day,
//! served by the agent on its loopback listener next to the JSON API.
//!
//! Contract: [`router`] is pure wiring over a [`ConsoleState`] (testable with `oneshot`). Every
//! page is an askama template with its words from a catalogue ([`i18n`]); every asset is embedded
//! ([`assets`]); every request carries a session ([`session`]) and every state-changing one its
//! CSRF token ([`csrf`]). Pages send a Content-Security-Policy that allows nothing but this
//! origin, so the console makes no request to anything but the agent.

pub mod assets;
pub mod auth;
pub mod cards;
pub mod csrf;
pub mod desk;
pub mod i18n;
pub mod login;
pub mod login_finger;
pub mod office;
pub mod page;
pub mod resident;
pub mod session;
pub mod technician;

use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::middleware::{self, map_response};
use axum::response::Response;
use axum::routing::{get, post};
use tokio::sync::watch;

use crate::service::Agent;
use session::Sessions;

/// The workstation's desk: which enrollment the resident's screen follows.
pub struct DeskState {
    current: watch::Sender<Option<String>>,
}

impl Default for DeskState {
    fn default() -> Self {
        DeskState {
            current: watch::channel(None).0,
        }
    }
}

impl DeskState {
    /// The enrollment at the desk now (what `/resident` shows).
    pub fn current(&self) -> Option<String> {
        self.current.borrow().clone()
    }

    /// Sets the enrollment at the desk (`None` when the desk is idle).
    pub fn set_current(&self, id: Option<String>) {
        self.current.send_if_modified(|c| {
            let changed = *c != id;
            *c = id;
            changed
        });
    }

    /// Woken when the enrollment at the desk changes.
    pub fn subscribe(&self) -> watch::Receiver<Option<String>> {
        self.current.subscribe()
    }
}

/// What console handlers share.
#[derive(Clone)]
pub struct ConsoleState {
    /// The agent.
    pub agent: Arc<Agent>,
    /// Sign-in sessions.
    pub sessions: Arc<Sessions>,
    /// The desk.
    pub desk: Arc<DeskState>,
}

impl ConsoleState {
    /// The console of `agent`, with its configured idle lock.
    pub fn new(agent: Arc<Agent>) -> ConsoleState {
        let c = &agent.config.console;
        let sessions = Arc::new(Sessions::new(c.idle_lock_minutes, c.session_hours));
        ConsoleState {
            agent,
            sessions,
            desk: Arc::default(),
        }
    }
}

/// No request leaves for anything but this origin; no framing; no referrer to other sites.
const CSP: &str = "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; \
                   script-src 'self'; connect-src 'self'; font-src 'self'; object-src 'none'; \
                   frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

async fn security_headers(mut resp: Response) -> Response {
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    resp
}

/// The console's routes over `state`.
pub fn router(state: ConsoleState) -> Router {
    Router::new()
        .route("/login", get(login::form).post(login::submit))
        .route(
            "/login/finger",
            get(login_finger::form).post(login_finger::capture),
        )
        .route("/logout", post(login::sign_out))
        .route("/lock", get(login::lock_form).post(login::unlock))
        .route("/lock/now", post(login::lock_now))
        .route("/lang", post(login::switch_lang))
        .route("/assets/{name}", get(assets::serve))
        .merge(office::routes())
        .merge(cards::routes())
        .merge(desk::routes())
        .merge(resident::routes())
        .merge(technician::routes())
        .layer(middleware::from_fn(csrf::check))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            session::layer,
        ))
        .layer(map_response(security_headers))
        .with_state(state)
}
