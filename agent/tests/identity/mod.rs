//! Shared by the agent's API and service tests: operators and their API tokens, made in-process.
//!
//! [`install`] gives a store the operator `OP-1` and the supervisor `SUP-7` (password
//! [`PASSWORD`]) and makes [`TOKEN`], one random token per test binary, `OP-1`'s API token, so
//! request helpers need not carry a token per app. [`issue`] goes the way `rekam operators token`
//! does, for tests about tokens themselves.
#![allow(dead_code)]

use std::sync::LazyLock;

use base64::Engine as _;
use rekam_agent::operators::{Operator, Role};
use rekam_agent::service::Agent;
use rekam_agent::store::Store;
use ring::rand::{SecureRandom, SystemRandom};

/// The operator at the desk in these tests.
pub const OPERATOR: &str = "OP-1";
/// The supervisor who approves.
pub const SUPERVISOR: &str = "SUP-7";
/// Everyone's password.
pub const PASSWORD: &str = "kata-sandi-uji-123";

/// `OP-1`'s API token in every store [`install`] prepared.
pub static TOKEN: LazyLock<String> = LazyLock::new(|| {
    let mut raw = [0u8; 32];
    SystemRandom::new().fill(&mut raw).expect("randomness");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
});

/// `OP-1`, as the service sees them.
pub fn operator() -> Operator {
    Operator {
        id: OPERATOR.into(),
        name: "Operator Satu".into(),
        role: Role::Operator,
    }
}

/// `SUP-7`, as the service sees them.
pub fn supervisor() -> Operator {
    Operator {
        id: SUPERVISOR.into(),
        name: "Supervisor Tujuh".into(),
        role: Role::Supervisor,
    }
}

/// Adds `OP-1` and `SUP-7` to `store` and makes [`TOKEN`] `OP-1`'s API token.
pub fn install(store: &mut Store) {
    for op in [operator(), supervisor()] {
        store
            .add_operator("test", &op.id, &op.name, op.role, PASSWORD, 0)
            .expect("operator added");
    }
    let hash = ring::digest::digest(&ring::digest::SHA256, TOKEN.as_bytes());
    store
        .raw_connection()
        .execute(
            "INSERT INTO operator_tokens (token_hash, operator_id, created_ms, revoked)
             VALUES (?1, ?2, 0, 0)",
            rusqlite::params![hash.as_ref(), OPERATOR],
        )
        .expect("token row");
}

/// An in-memory store prepared by [`install`].
pub fn store() -> Store {
    let mut store = Store::in_memory().expect("store");
    install(&mut store);
    store
}

/// Issues a new token for `id` as `rekam operators token` does.
pub async fn issue(agent: &Agent, id: &str) -> String {
    let id = id.to_string();
    agent
        .with_store(move |s| Ok(s.issue_operator_token(&id, "test", 0)?))
        .await
        .expect("token issued")
}

/// An agent on simulated devices over a [`store`], the registry key its packets are sealed to
/// and a trust store that verifies them.
pub fn agent(
    iris: bool,
) -> (
    std::sync::Arc<Agent>,
    rekam_protocol::RegistryPrivateKey,
    rekam_protocol::TrustStore,
) {
    use rekam_agent::config::Config;
    use rekam_agent::devices::{DeviceManager, simulated_kit};
    use rekam_protocol::{
        RegistryPrivateKey, SignatureAlgorithm, TrustStore, TrustedWorkstation,
        WorkstationSigningKey,
    };
    let rng = SystemRandom::new();
    let (key, _) = WorkstationSigningKey::generate(SignatureAlgorithm::Ed25519, &rng).expect("key");
    let registry = RegistryPrivateKey::generate(&rng).expect("registry key");
    let mut config = Config::default();
    config.devices.realtime = false;
    let mut trust = TrustStore::new();
    trust
        .insert(TrustedWorkstation {
            workstation_id: config.agent.workstation_id.clone(),
            key: key.public_key().clone(),
        })
        .expect("trust");
    let (f, c, p, i) = simulated_kit(5, iris, false);
    let devices = DeviceManager::new(f, c, p, i, config.capture_timeout());
    let agent = Agent::new(config, store(), devices, key, *registry.public_key());
    (std::sync::Arc::new(agent), registry, trust)
}

/// The API over `agent`.
pub fn app(agent: &std::sync::Arc<Agent>) -> axum::Router {
    rekam_agent::api::router(rekam_agent::api::ApiState {
        agent: agent.clone(),
    })
}

/// Sends a JSON request with `token` (none: no Authorization header).
pub async fn call(
    app: &axum::Router,
    token: Option<&str>,
    method: &str,
    path: &str,
    body: Option<serde_json::Value>,
) -> (axum::http::StatusCode, serde_json::Value) {
    use tower::ServiceExt;
    let mut req = axum::http::Request::builder().method(method).uri(path);
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let req = match body {
        Some(b) => req
            .header("content-type", "application/json")
            .body(axum::body::Body::from(b.to_string())),
        None => req.body(axum::body::Body::empty()),
    }
    .expect("request");
    let resp = app.clone().oneshot(req).await.expect("response");
    let status = resp.status();
    let bytes = axum::body::to_bytes(resp.into_body(), 64 << 20)
        .await
        .expect("body");
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null),
    )
}

/// The audit log: actor, action, subject, detail, in order.
pub async fn audit(agent: &Agent) -> Vec<(String, String, String, serde_json::Value)> {
    agent
        .with_store(|s| {
            let rows = (|| -> rusqlite::Result<Vec<(String, String, String, String)>> {
                s.raw_connection()
                    .prepare("SELECT actor, action, subject, detail FROM audit ORDER BY seq")?
                    .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
                    .collect()
            })()
            .map_err(rekam_agent::store::StoreError::from)?;
            Ok(rows
                .into_iter()
                .map(|(a, b, c, d)| (a, b, c, serde_json::from_str(&d).unwrap_or_default()))
                .collect())
        })
        .await
        .expect("audit log")
}

/// Runs a session on the simulated devices to review, with finger 10 recorded as an exception;
/// every step acts as `by`. Returns the session id.
pub async fn to_review_with_exception(agent: &Agent, by: &Operator) -> String {
    use rekam_agent::service::StartRequest;
    use rekam_protocol::model::{ExceptionReason, FingerPosition};
    let src = rekam_sim::sample::enrollment(&rekam_sim::sample::SampleOptions::tiny(3, "WS-1", 0));
    let s = agent
        .start(
            by,
            StartRequest {
                applicant: src.applicant,
                visit_location: None,
            },
        )
        .await
        .expect("start");
    let id = s.id.clone();
    for _ in 0..5 {
        if agent
            .capture_face(by, &id)
            .await
            .expect("face")
            .session
            .face
            .done
        {
            break;
        }
    }
    agent.approve_face(by, &id, true).await.expect("approve");
    agent.capture_signature(by, &id).await.expect("signature");
    for p in 1..=9u8 {
        let p = FingerPosition::new(p).expect("position");
        for _ in 0..5 {
            let r = agent.capture_finger(by, &id, p).await.expect("finger");
            if !r.session.fingers_missing.contains(&p.code()) {
                break;
            }
        }
    }
    let s = agent
        .finger_exception(
            by,
            &id,
            FingerPosition::new(10).expect("position"),
            ExceptionReason::Bandaged,
            None,
            false,
        )
        .await
        .expect("exception");
    assert_eq!(s.stage, rekam_agent::workflow::Stage::Review, "{s:?}");
    id
}

/// Adds `OP-1` and `SUP-7` (password [`PASSWORD`]) to the store of the agent configured by
/// `config`, with `rekam operators add --password-stdin` as a user would, and returns `OP-1`'s
/// token from `rekam operators token`. Issued once per configuration and test binary, before the
/// agent first starts; later calls return the same token.
pub fn cli_token(config: &std::path::Path) -> String {
    use std::collections::BTreeMap;
    use std::io::Write as _;
    use std::process::{Command, Stdio};
    use std::sync::Mutex;
    static ISSUED: Mutex<BTreeMap<std::path::PathBuf, String>> = Mutex::new(BTreeMap::new());
    let mut issued = ISSUED.lock().expect("token cache");
    if let Some(t) = issued.get(config) {
        return t.clone();
    }
    let rekam = env!("CARGO_BIN_EXE_rekam");
    for op in [operator(), supervisor()] {
        let mut child = Command::new(rekam)
            .args(["operators", "add", "--config"])
            .arg(config)
            .args([
                "--id",
                &op.id,
                "--name",
                &op.name,
                "--role",
                op.role.as_str(),
            ])
            .arg("--password-stdin")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn rekam operators add");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(format!("{PASSWORD}\n").as_bytes())
            .expect("password");
        let out = child.wait_with_output().expect("rekam operators add");
        assert!(
            out.status.success(),
            "rekam operators add {}: {}",
            op.id,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let out = Command::new(rekam)
        .args(["operators", "token", "--config"])
        .arg(config)
        .arg(OPERATOR)
        .output()
        .expect("rekam operators token");
    assert!(
        out.status.success(),
        "rekam operators token: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8(out.stdout)
        .expect("token text")
        .trim()
        .to_string();
    issued.insert(config.to_path_buf(), token.clone());
    token
}

/// The next request at review: the supervisor's approval while something awaits it, else
/// finalize.
pub fn at_review(session: &serde_json::Value, id: &str) -> (String, Option<serde_json::Value>) {
    let waiting = session["needs_approval"]
        .as_array()
        .is_some_and(|a| !a.is_empty())
        && session["approved_by"].is_null();
    if waiting {
        (
            format!("/v1/sessions/{id}/approval"),
            Some(serde_json::json!({ "supervisor_id": SUPERVISOR, "password": PASSWORD })),
        )
    } else {
        (format!("/v1/sessions/{id}/finalize"), None)
    }
}
