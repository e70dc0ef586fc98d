//! The operator's own fingerprint as a second factor (`[policy] operator_fingerprint`), over
//! simulated devices: the template is kept sealed, the console's sign-in waits for the finger
//! after the password, another finger counts toward the lockout, and the API's supervisor
//! approval asks for the supervisor's finger.

mod identity;
mod support;

use axum::http::StatusCode;
use rekam_agent::operators::Operator;
use rekam_agent::service::Agent;
use rekam_protocol::model::FingerPosition;
use serde_json::json;

fn right_index() -> FingerPosition {
    FingerPosition::new(2).expect("position")
}

async fn account(agent: &Agent, id: &str) -> Operator {
    let id = id.to_string();
    agent
        .with_store(move |s| Ok(s.operator(&id)?))
        .await
        .expect("read")
        .expect("account exists")
}

/// Enrolls `id`'s right index finger, retaking it (as an operator would) while the simulated
/// print falls below the gate.
async fn enroll(agent: &Agent, id: &str) {
    let op = account(agent, id).await;
    let mut last = None;
    for _ in 0..5 {
        match agent
            .enroll_operator_finger("test", &op, right_index())
            .await
        {
            Ok(_) => return,
            Err(e) => last = Some(e),
        }
    }
    panic!("enrolling {id}'s finger: {last:?}");
}

/// Makes `to`'s template the finger of `from` (so `to` presenting their own finger presents
/// someone else's print to the match).
async fn give_template(agent: &Agent, from: &str, to: &str) {
    let (from, to) = (from.to_string(), to.to_string());
    agent
        .with_store(move |s| {
            let t = s.operator_finger(&from)?.expect("template");
            Ok(s.set_operator_finger("test", &to, &t, 1)?)
        })
        .await
        .expect("template copied");
}

async fn policy_on() -> support::Console {
    support::console_with(false, |c| c.policy.operator_fingerprint = true).await
}

async fn failures(agent: &Agent, id: &str) -> u32 {
    let id = id.to_string();
    agent
        .with_store(move |s| Ok(s.list_operators()?))
        .await
        .expect("list")
        .into_iter()
        .find(|a| a.operator.id == id)
        .expect("account")
        .failures
}

/// Posts the password form as `id`.
async fn password(c: &support::Console, b: &mut support::Browser, id: &str) -> support::Page {
    b.get(&c.app, "/login").await;
    b.post(
        &c.app,
        "/login",
        &[
            ("operator_id", id),
            ("password", support::PASSWORD),
            ("next", "/outbox"),
        ],
    )
    .await
}

#[tokio::test]
async fn enrolling_keeps_the_template_sealed_with_no_plaintext_in_the_database() {
    let c = policy_on().await;
    enroll(&c.agent, "op").await;
    let (raw, plain) = c
        .agent
        .with_store(|s| {
            let raw: Vec<u8> = s
                .raw_connection()
                .query_row(
                    "SELECT template FROM operator_fingers WHERE operator_id = 'op'",
                    [],
                    |r| r.get(0),
                )
                .map_err(rekam_agent::store::StoreError::from)?;
            let plain =
                serde_json::to_vec(&s.operator_finger("op")?.expect("template")).expect("json");
            Ok((raw, plain))
        })
        .await
        .expect("read");
    assert!(plain.len() > 40, "a template with minutiae");
    let text = String::from_utf8_lossy(&raw);
    assert!(
        !text.contains("minutiae") && !text.contains("position"),
        "{text}"
    );
    // No run of the plaintext's bytes appears in the stored value.
    assert!(
        !raw.windows(24).any(|w| plain.windows(24).any(|p| p == w)),
        "plaintext template bytes in the database"
    );
    let log = identity::audit(&c.agent).await;
    assert!(
        log.iter().any(|(actor, action, subject, d)| actor == "test"
            && action == "operator.finger_enrolled"
            && subject == "op"
            && d["position"] == json!(2)),
        "{log:?}"
    );
}

#[tokio::test]
async fn with_the_policy_on_a_password_alone_does_not_sign_in_and_the_operators_finger_completes_it()
 {
    let c = policy_on().await;
    enroll(&c.agent, "op").await;
    let mut b = support::Browser::default();
    let p = password(&c, &mut b, "op").await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    assert_eq!(p.location.as_deref(), Some("/login/finger?next=/outbox"));
    // Not signed in yet.
    let home = b.get(&c.app, "/outbox").await;
    assert_eq!(home.status, StatusCode::SEE_OTHER);
    assert!(
        home.location
            .as_deref()
            .is_some_and(|l| l.starts_with("/login")),
        "{:?}",
        home.location
    );
    let page = b.get(&c.app, "/login/finger?next=/outbox").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("data-screen=\"login-finger\""),
        "{}",
        page.body
    );
    assert!(page.body.contains("<h1>") && page.body.contains("Siti Operator"));
    let done = b
        .post(&c.app, "/login/finger", &[("next", "/outbox")])
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(done.location.as_deref(), Some("/outbox"));
    assert_eq!(b.get(&c.app, "/outbox").await.status, StatusCode::OK);
    let log = identity::audit(&c.agent).await;
    assert!(
        log.iter().any(|(actor, action, _, d)| actor == "op"
            && action == "operator.sign_in"
            && d["factor"] == json!("password+finger")),
        "{log:?}"
    );
}

#[tokio::test]
async fn another_operators_finger_is_refused_and_counts_toward_the_lockout() {
    let c = policy_on().await;
    enroll(&c.agent, "spv").await;
    give_template(&c.agent, "spv", "op").await;
    let mut b = support::Browser::default();
    assert_eq!(
        password(&c, &mut b, "op").await.status,
        StatusCode::SEE_OTHER
    );
    b.get(&c.app, "/login/finger").await;
    for n in 1..=4u32 {
        let p = b.post(&c.app, "/login/finger", &[("next", "/")]).await;
        assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.body);
        assert!(p.body.contains("Sidik jari tidak cocok"), "{}", p.body);
        assert_eq!(failures(&c.agent, "op").await, n);
        assert_eq!(b.get(&c.app, "/").await.status, StatusCode::SEE_OTHER);
        b.get(&c.app, "/login/finger").await;
    }
    let p = b.post(&c.app, "/login/finger", &[("next", "/")]).await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.body.contains("dikunci"), "{}", p.body);
    // Locked: even the right password is refused now.
    let again = password(&c, &mut b, "op").await;
    assert_eq!(
        again.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        again.body
    );
}

#[tokio::test]
async fn with_the_policy_off_the_password_alone_signs_in_as_before() {
    let c = support::console_with(false, |_| {}).await;
    enroll(&c.agent, "op").await;
    let mut b = support::Browser::default();
    let p = password(&c, &mut b, "op").await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    assert_eq!(p.location.as_deref(), Some("/outbox"));
    assert_eq!(b.get(&c.app, "/outbox").await.status, StatusCode::OK);
}

#[tokio::test]
async fn an_operator_without_a_template_is_refused_in_words_while_the_policy_is_on() {
    let c = policy_on().await;
    let mut b = support::Browser::default();
    let p = password(&c, &mut b, "op").await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.body);
    assert!(
        p.body
            .contains("minta administrator menjalankan rekam operators finger op"),
        "{}",
        p.body
    );
    assert_eq!(b.get(&c.app, "/").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn the_approval_route_needs_the_supervisors_finger_when_the_policy_is_on() {
    let c = policy_on().await;
    let token = identity::issue(&c.agent, "op").await;
    let op = account(&c.agent, "op").await;
    let app = identity::app(&c.agent);
    let id = identity::to_review_with_exception(&c.agent, &op).await;
    let path = format!("/v1/sessions/{id}/approval");
    let body = json!({"supervisor_id": "spv", "password": support::PASSWORD});
    // No template: refused in words.
    let (status, b) = identity::call(&app, Some(&token), "POST", &path, Some(body.clone())).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert!(
        b["message"]
            .as_str()
            .is_some_and(|m| m.contains("rekam operators finger spv")),
        "{b}"
    );
    // The right password with another person's finger: refused, counted.
    enroll(&c.agent, "op").await;
    give_template(&c.agent, "op", "spv").await;
    let (status, b) = identity::call(&app, Some(&token), "POST", &path, Some(body.clone())).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert!(
        b["message"]
            .as_str()
            .is_some_and(|m| m.contains("does not match")),
        "{b}"
    );
    assert_eq!(failures(&c.agent, "spv").await, 1);
    assert_eq!(
        c.agent.summary(&id).await.expect("summary").approved_by,
        None
    );
    // The supervisor's own finger: approved.
    enroll(&c.agent, "spv").await;
    let (status, b) = identity::call(&app, Some(&token), "POST", &path, Some(body)).await;
    assert_eq!(status, StatusCode::OK, "{b}");
    assert_eq!(
        c.agent
            .summary(&id)
            .await
            .expect("summary")
            .approved_by
            .as_deref(),
        Some("spv")
    );
    assert_eq!(failures(&c.agent, "spv").await, 0);
}

/// Runs `rekam operators ARGS --config CONFIG` with `stdin`; stdout, or the failure's stderr.
fn rekam_operators(config: &std::path::Path, args: &[&str], stdin: &str) -> Result<String, String> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_rekam"))
        .arg("operators")
        .args(args)
        .arg("--config")
        .arg(config)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn rekam operators");
    let mut input = child.stdin.take().expect("stdin");
    input.write_all(stdin.as_bytes()).expect("write stdin");
    drop(input);
    let out = child.wait_with_output().expect("rekam operators");
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

#[test]
fn operators_add_with_fingerprint_keeps_a_sealed_template_that_operators_finger_retakes() {
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().join("data");
    let config = dir.path().join("rekam.toml");
    std::fs::write(
        &config,
        format!(
            "[agent]\ndata_dir = {:?}\n[devices]\nrealtime = false\nwatch_interval_ms = 0\n",
            data.display().to_string()
        ),
    )
    .expect("config");
    let added = rekam_operators(
        &config,
        &[
            "add",
            "--id",
            "siti",
            "--name",
            "Siti",
            "--role",
            "operator",
            "--password-stdin",
            "--fingerprint",
        ],
        "kata sandi panjang\n",
    )
    .expect("operators add --fingerprint");
    assert!(added.contains("finger 2 of siti kept"), "{added}");
    let again = rekam_operators(&config, &["finger", "siti", "--finger", "7"], "")
        .expect("operators finger");
    assert!(again.contains("finger 7 of siti kept"), "{again}");
    let unknown = rekam_operators(&config, &["finger", "nobody"], "").unwrap_err();
    assert!(unknown.contains("no operator \"nobody\""), "{unknown}");
    // Without the storage key the template is there but cannot be read.
    let store = rekam_agent::store::Store::open(&data.join("agent.db")).expect("open");
    assert!(store.has_operator_finger("siti").expect("has"));
    let e = store.operator_finger("siti").unwrap_err();
    assert!(e.to_string().contains("storage key"), "{e}");
    let enrolled: i64 = store
        .raw_connection()
        .query_row(
            "SELECT COUNT(*) FROM audit WHERE action = 'operator.finger_enrolled'",
            [],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(enrolled, 2);
}

#[tokio::test]
async fn the_desks_approval_page_takes_the_supervisors_finger_when_the_policy_is_on() {
    let c = policy_on().await;
    let op = account(&c.agent, "op").await;
    let id = identity::to_review_with_exception(&c.agent, &op).await;
    // The operator at the desk is already signed in (their own second factor is tested above).
    let now = (c.agent.clock)();
    let anon = c.state.sessions.touch(None, Default::default(), now, true);
    let session = c.state.sessions.sign_in(&anon.sid, op.clone(), now);
    let mut b = support::Browser {
        sid: Some(session.sid),
        ..Default::default()
    };
    let path = format!("/desk/{id}/approval");
    let page = b.get(&c.app, &path).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body.contains("meletakkan jari yang didaftarkan"),
        "the page says the finger is next"
    );
    let form = [("supervisor_id", "spv"), ("password", support::PASSWORD)];
    let refused = b.post(&c.app, &path, &form).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("belum mendaftarkan sidik jari"),
        "{}",
        refused.body
    );
    enroll(&c.agent, "op").await;
    give_template(&c.agent, "op", "spv").await;
    let wrong = b.post(&c.app, &path, &form).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.body.contains("tidak cocok"), "{}", wrong.body);
    assert_eq!(
        c.agent.summary(&id).await.expect("summary").approved_by,
        None
    );
    enroll(&c.agent, "spv").await;
    let ok = b.post(&c.app, &path, &form).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    assert_eq!(
        c.agent
            .summary(&id)
            .await
            .expect("summary")
            .approved_by
            .as_deref(),
        Some("spv")
    );
}

#[tokio::test]
async fn with_the_policy_on_unlocking_an_idle_desk_takes_the_finger_too() {
    let c = support::console_with(false, |cfg| {
        cfg.policy.operator_fingerprint = true;
        cfg.console.idle_lock_minutes = 1;
    })
    .await;
    enroll(&c.agent, "op").await;
    let op = account(&c.agent, "op").await;
    let now = (c.agent.clock)();
    let anon = c.state.sessions.touch(None, Default::default(), now, true);
    let session = c.state.sessions.sign_in(&anon.sid, op, now);
    c.state
        .sessions
        .touch(Some(&session.sid), Default::default(), now + 61_000, true);
    let mut b = support::Browser {
        sid: Some(session.sid),
        ..Default::default()
    };
    assert!(
        b.get(&c.app, "/lock?next=/")
            .await
            .body
            .contains("data-screen=\"lock\"")
    );
    let p = b
        .post(
            &c.app,
            "/lock",
            &[("password", support::PASSWORD), ("next", "/")],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    assert!(
        p.location
            .as_deref()
            .is_some_and(|l| l.starts_with("/login/finger")),
        "{:?}",
        p.location
    );
    assert_eq!(
        b.get(&c.app, "/").await.location.as_deref(),
        Some("/lock?next=/"),
        "the password alone does not unlock"
    );
    b.get(&c.app, "/login/finger?next=/").await;
    let done = b.post(&c.app, "/login/finger", &[("next", "/")]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(b.get(&c.app, "/").await.status, StatusCode::OK);
}
