//! Console sign-in sessions: a random id in an HttpOnly, SameSite=Strict cookie, kept in memory.
//!
//! Contract: every visitor gets a session (anonymous until sign-in) carrying its CSRF token and
//! language, so even the sign-in form is protected. Signing in replaces the id (no fixation).
//! A signed-in session locks after `console.idle_lock_minutes` without activity; requests for
//! previews (`/preview/`), live updates (`/live/`), assets and anything sent with the `X-Rekam-Background: 1` header (live pages'
//! polling) are not activity. A lock keeps the operator and whatever enrollment is in progress;
//! only the same operator's password lifts it. Sessions end after `console.session_hours`, and
//! all of them end when the agent restarts (the enrollment itself is in the store and resumes).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine;
use ring::rand::{SecureRandom, SystemRandom};

use super::ConsoleState;
use super::i18n::Lang;
use crate::operators::Operator;

/// The session cookie's name.
pub const COOKIE: &str = "rekam_sid";
/// The language cookie's name (outlives sign-ins).
pub const LANG_COOKIE: &str = "rekam_lang";

/// One browser's console session, as handlers see it (a copy taken at the request's start).
#[derive(Clone, Debug)]
pub struct ConsoleSession {
    /// The cookie value.
    pub sid: String,
    /// The token every state-changing request must carry.
    pub csrf: String,
    /// Who is signed in.
    pub operator: Option<Operator>,
    /// The screen language.
    pub lang: Lang,
    /// Locked for inactivity.
    pub locked: bool,
    /// Password verified, finger awaited: who, and until when (Unix ms). Not signed in yet.
    pub pending_finger: Option<(Operator, i64)>,
    last_active_ms: i64,
    started_ms: i64,
}

impl ConsoleSession {
    /// The shared strings in this session's language.
    pub fn lang_text(&self) -> &'static super::i18n::Common {
        super::i18n::Common::for_lang(self.lang)
    }
}

/// Random URL-safe text of `bytes` random bytes.
pub fn random_token(bytes: usize) -> String {
    let mut b = vec![0u8; bytes];
    // The system generator failing is not recoverable; a fixed token would be worse.
    SystemRandom::new()
        .fill(&mut b)
        .unwrap_or_else(|_| panic!("the system random generator failed"));
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

/// The live sessions.
pub struct Sessions {
    map: Mutex<HashMap<String, ConsoleSession>>,
    idle_ms: i64,
    max_ms: i64,
}

impl Sessions {
    /// Sessions that lock after `idle_minutes` and end after `max_hours`.
    pub fn new(idle_minutes: u32, max_hours: u32) -> Sessions {
        Sessions {
            map: Mutex::default(),
            idle_ms: i64::from(idle_minutes) * 60_000,
            max_ms: i64::from(max_hours) * 3_600_000,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, ConsoleSession>> {
        self.map
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The session for `sid` at `now_ms` (a new anonymous one when unknown or expired), after
    /// applying the idle lock; `active` marks this request as the operator's activity.
    pub fn touch(
        &self,
        sid: Option<&str>,
        lang: Lang,
        now_ms: i64,
        active: bool,
    ) -> ConsoleSession {
        let mut map = self.lock();
        map.retain(|_, s| now_ms - s.started_ms < self.max_ms);
        if let Some(s) = sid.and_then(|sid| map.get_mut(sid)) {
            if s.operator.is_some() && !s.locked && now_ms - s.last_active_ms >= self.idle_ms {
                s.locked = true;
            }
            if active && !s.locked {
                s.last_active_ms = now_ms;
            }
            return s.clone();
        }
        let s = ConsoleSession {
            sid: random_token(32),
            csrf: random_token(32),
            operator: None,
            lang,
            locked: false,
            pending_finger: None,
            last_active_ms: now_ms,
            started_ms: now_ms,
        };
        map.insert(s.sid.clone(), s.clone());
        s
    }

    /// Signs `operator` in on the session `sid`, under a new id and CSRF token; returns the new
    /// session.
    pub fn sign_in(&self, sid: &str, operator: Operator, now_ms: i64) -> ConsoleSession {
        let mut map = self.lock();
        let lang = map.remove(sid).map(|s| s.lang).unwrap_or_default();
        let s = ConsoleSession {
            sid: random_token(32),
            csrf: random_token(32),
            operator: Some(operator),
            lang,
            locked: false,
            pending_finger: None,
            last_active_ms: now_ms,
            started_ms: now_ms,
        };
        map.insert(s.sid.clone(), s.clone());
        s
    }

    /// Marks `sid` as "password verified, finger awaited" for `operator` until `until_ms`.
    pub fn await_finger(&self, sid: &str, operator: Operator, until_ms: i64) {
        if let Some(s) = self.lock().get_mut(sid) {
            s.pending_finger = Some((operator, until_ms));
        }
    }

    /// Ends the finger wait of `sid`.
    pub fn clear_finger(&self, sid: &str) {
        if let Some(s) = self.lock().get_mut(sid) {
            s.pending_finger = None;
        }
    }

    /// Lifts the lock of `sid` (the operator re-entered their password).
    pub fn unlock(&self, sid: &str, now_ms: i64) {
        if let Some(s) = self.lock().get_mut(sid) {
            s.locked = false;
            s.last_active_ms = now_ms;
        }
    }

    /// Locks `sid` now (the operator stepped away).
    pub fn lock_now(&self, sid: &str) {
        if let Some(s) = self.lock().get_mut(sid) {
            s.locked = s.operator.is_some();
        }
    }

    /// Ends `sid`.
    pub fn sign_out(&self, sid: &str) {
        self.lock().remove(sid);
    }

    /// Sets the language of `sid`.
    pub fn set_lang(&self, sid: &str, lang: Lang) {
        if let Some(s) = self.lock().get_mut(sid) {
            s.lang = lang;
        }
    }
}

/// The value of cookie `name` in `headers`.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The `Set-Cookie` value for a session id.
pub fn session_cookie(sid: &str) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{COOKIE}={sid}; Path=/; HttpOnly; SameSite=Strict"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("rekam_sid=; Path=/"))
}

fn is_background(req: &Request) -> bool {
    let p = req.uri().path();
    p.starts_with("/assets/")
        || p.starts_with("/preview/")
        || p.starts_with("/live/")
        || req
            .headers()
            .get("x-rekam-background")
            .is_some_and(|v| v == "1")
}

/// Middleware: finds or starts the session, applies the idle lock, and puts the
/// [`ConsoleSession`] in the request's extensions; sets the cookie when the id is new.
pub async fn layer(State(state): State<ConsoleState>, mut req: Request, next: Next) -> Response {
    let now = (state.agent.clock)();
    let sid = cookie(req.headers(), COOKIE).map(str::to_string);
    let lang = cookie(req.headers(), LANG_COOKIE)
        .map(Lang::parse)
        .unwrap_or_default();
    let active = !is_background(&req);
    let session = state.sessions.touch(sid.as_deref(), lang, now, active);
    let fresh = sid.as_deref() != Some(session.sid.as_str());
    let new_sid = session.sid.clone();
    req.extensions_mut().insert(session);
    let mut resp = next.run(req).await;
    // A handler that replaced the session (sign-in) set its own cookie.
    if fresh && !resp.headers().contains_key(header::SET_COOKIE) {
        resp.headers_mut()
            .append(header::SET_COOKIE, session_cookie(&new_sid));
    }
    resp
}

/// Shared handle.
pub type SharedSessions = Arc<Sessions>;

#[cfg(test)]
mod tests {
    use super::*;

    fn op() -> Operator {
        Operator {
            id: "siti".into(),
            name: "Siti".into(),
            role: crate::operators::Role::Operator,
        }
    }

    #[test]
    fn an_idle_session_locks_and_background_requests_do_not_keep_it_awake() {
        let s = Sessions::new(10, 12);
        let anon = s.touch(None, Lang::Id, 0, true);
        let signed = s.sign_in(&anon.sid, op(), 0);
        assert_ne!(signed.sid, anon.sid, "signing in replaces the id");
        assert!(
            !s.touch(Some(&signed.sid), Lang::Id, 9 * 60_000, false)
                .locked
        );
        let later = s.touch(Some(&signed.sid), Lang::Id, 10 * 60_000, true);
        assert!(later.locked);
        assert_eq!(
            later.operator,
            Some(op()),
            "the lock keeps who was signed in"
        );
        s.unlock(&signed.sid, 11 * 60_000);
        assert!(
            !s.touch(Some(&signed.sid), Lang::Id, 11 * 60_000, true)
                .locked
        );
    }

    #[test]
    fn an_unknown_or_expired_id_gets_a_fresh_anonymous_session() {
        let s = Sessions::new(10, 1);
        let a = s.touch(Some("forged"), Lang::En, 0, true);
        assert_ne!(a.sid, "forged");
        assert_eq!(a.lang, Lang::En);
        let signed = s.sign_in(&a.sid, op(), 0);
        let b = s.touch(Some(&signed.sid), Lang::Id, 3_600_000, true);
        assert!(b.operator.is_none(), "a session ends after session_hours");
    }

    #[test]
    fn cookies_are_found_by_exact_name() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("x_rekam_sid=1; rekam_sid=abc"),
        );
        assert_eq!(cookie(&h, COOKIE), Some("abc"));
    }
}
