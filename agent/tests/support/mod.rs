//! Shared by the console's tests: an in-process agent on simulated devices with its console
//! router, accounts for each role, and a browser-like client that keeps its cookie and CSRF
//! token.
#![allow(dead_code)]

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use rekam_agent::config::Config;
use rekam_agent::console::{ConsoleState, router};
use rekam_agent::devices::{DeviceManager, simulated_kit};
use rekam_agent::operators::Role;
use rekam_agent::service::Agent;
use rekam_agent::store::Store;
use rekam_protocol::{RegistryPrivateKey, SignatureAlgorithm, WorkstationSigningKey};
use ring::rand::SystemRandom;
use tower::ServiceExt;

/// The password every test account has.
pub const PASSWORD: &str = "kata sandi panjang";

/// A console over an in-process agent.
pub struct Console {
    /// The agent.
    pub agent: Arc<Agent>,
    /// The console's shared state.
    pub state: ConsoleState,
    /// The routes.
    pub app: axum::Router,
}

/// A page as the browser got it.
pub struct Page {
    /// Status.
    pub status: StatusCode,
    /// `Location`, for redirects.
    pub location: Option<String>,
    /// The body as text.
    pub body: String,
    /// The response headers.
    pub headers: axum::http::HeaderMap,
    /// The body as sent.
    pub bytes: Vec<u8>,
}

/// A console with accounts `op` (operator), `spv` (supervisor), `tek` (technician) and `adm`
/// (admin), all with [`PASSWORD`]; `configure` adjusts the configuration first.
pub async fn console_with(iris: bool, configure: impl FnOnce(&mut Config)) -> Console {
    let rng = SystemRandom::new();
    let (key, _) = WorkstationSigningKey::generate(SignatureAlgorithm::Ed25519, &rng).expect("key");
    let registry = RegistryPrivateKey::generate(&rng).expect("registry key");
    let mut config = Config::default();
    config.devices.realtime = false;
    configure(&mut config);
    let (f, c, p, i) = simulated_kit(5, iris, false);
    let devices = DeviceManager::new(f, c, p, i, config.capture_timeout());
    let mut store = Store::in_memory().expect("store");
    for (id, name, role) in [
        ("op", "Siti Operator", Role::Operator),
        ("spv", "Budi Supervisor", Role::Supervisor),
        ("tek", "Teknisi Satu", Role::Technician),
        ("adm", "Ani Admin", Role::Admin),
    ] {
        store
            .add_operator("test", id, name, role, PASSWORD, 0)
            .expect("add operator");
    }
    let agent = Arc::new(Agent::new(
        config,
        store,
        devices,
        key,
        *registry.public_key(),
    ));
    let state = ConsoleState::new(agent.clone());
    let app = router(state.clone());
    Console { agent, state, app }
}

/// [`console_with`] with the default configuration and an iris scanner.
pub async fn console() -> Console {
    console_with(true, |_| {}).await
}

/// A browser: its cookies and the CSRF token of the last page it saw.
#[derive(Clone, Default)]
pub struct Browser {
    /// `rekam_sid`.
    pub sid: Option<String>,
    /// `rekam_lang`.
    pub lang: Option<String>,
    /// The `_csrf` value of the last page.
    pub csrf: String,
}

fn attr_after<'a>(html: &'a str, marker: &str) -> Option<&'a str> {
    let at = html.find(marker)? + marker.len();
    let rest = &html[at..];
    let end = rest.find('"')?;
    Some(&rest[..end])
}

/// URL-encodes a form value.
pub fn enc(s: &str) -> String {
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

impl Browser {
    /// Sends a request as this browser, keeping cookies and the page's CSRF token.
    pub async fn send(&mut self, app: &axum::Router, req: Request<Body>) -> Page {
        let (mut parts, body) = req.into_parts();
        let mut cookies = Vec::new();
        if let Some(s) = &self.sid {
            cookies.push(format!("rekam_sid={s}"));
        }
        if let Some(l) = &self.lang {
            cookies.push(format!("rekam_lang={l}"));
        }
        if !cookies.is_empty() {
            parts.headers.insert(
                header::COOKIE,
                cookies.join("; ").parse().expect("cookie header"),
            );
        }
        let resp = app
            .clone()
            .oneshot(Request::from_parts(parts, body))
            .await
            .expect("response");
        for v in resp.headers().get_all(header::SET_COOKIE) {
            let v = v.to_str().expect("ascii cookie");
            let kv = v.split(';').next().unwrap_or_default();
            if let Some(s) = kv.strip_prefix("rekam_sid=") {
                self.sid = Some(s.to_string());
            }
            if let Some(l) = kv.strip_prefix("rekam_lang=") {
                self.lang = Some(l.to_string());
            }
        }
        let status = resp.status();
        let location = resp
            .headers()
            .get(header::LOCATION)
            .map(|v| v.to_str().expect("location").to_string());
        let headers = resp.headers().clone();
        let bytes = axum::body::to_bytes(resp.into_body(), 16 << 20)
            .await
            .expect("body");
        let body = String::from_utf8_lossy(&bytes).into_owned();
        if let Some(t) = attr_after(&body, "name=\"_csrf\" value=\"") {
            self.csrf = t.to_string();
        }
        Page {
            status,
            location,
            body,
            headers,
            bytes: bytes.to_vec(),
        }
    }

    /// GET `path`.
    pub async fn get(&mut self, app: &axum::Router, path: &str) -> Page {
        let req = Request::get(path).body(Body::empty()).expect("request");
        self.send(app, req).await
    }

    /// POST a form (the CSRF token is added).
    pub async fn post(&mut self, app: &axum::Router, path: &str, fields: &[(&str, &str)]) -> Page {
        let mut body = format!("_csrf={}", enc(&self.csrf.clone()));
        for (k, v) in fields {
            body.push_str(&format!("&{}={}", enc(k), enc(v)));
        }
        self.post_raw(app, path, body).await
    }

    /// POST a raw URL-encoded body, as given (no CSRF token added).
    pub async fn post_raw(&mut self, app: &axum::Router, path: &str, body: String) -> Page {
        let req = Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .expect("request");
        self.send(app, req).await
    }

    /// Signs in as `id` with [`PASSWORD`]; panics unless it worked.
    pub async fn sign_in(&mut self, app: &axum::Router, id: &str) {
        self.get(app, "/login").await;
        let p = self
            .post(
                app,
                "/login",
                &[("operator_id", id), ("password", PASSWORD), ("next", "/")],
            )
            .await;
        assert_eq!(
            p.status,
            StatusCode::SEE_OTHER,
            "sign-in as {id}: {}",
            p.body
        );
        self.get(app, "/").await;
    }
}

/// A browser signed in as `id`.
pub async fn signed_in(c: &Console, id: &str) -> Browser {
    let mut b = Browser::default();
    b.sign_in(&c.app, id).await;
    b
}
