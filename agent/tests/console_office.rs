//! The office pages, driven in-process: home with today's figures and devices, the outbox with
//! retry, send-now and export, the audit log with filters and the chain check, and operator
//! accounts — each for the roles allowed and refused (403) for the others.

mod support;

use axum::http::StatusCode;
use rekam_agent::operators::{Operator, Role};
use rekam_agent::service::StartRequest;
use rekam_agent::store::Settlement;
use rekam_agent::workflow::Eye;
use rekam_protocol::model::{ExceptionReason, FingerPosition};
use rekam_protocol::receipt::Receipt;
use rekam_protocol::rejection::Rejection;
use rekam_protocol::timefmt::Timestamp;
use rekam_protocol::{SignatureAlgorithm, WorkstationSigningKey};
use rekam_sim::sample::{self, SampleOptions};
use ring::rand::SystemRandom;
use serde_json::{Value, json};
use support::{Browser, Console, PASSWORD, console, signed_in};

/// The `<main data-screen>` of a page, and that it has exactly one `<h1>`.
fn screen(body: &str) -> &str {
    assert_eq!(body.matches("<h1").count(), 1, "one h1:\n{body}");
    let at = body.find("data-screen=\"").expect("data-screen") + 13;
    let rest = &body[at..];
    &rest[..rest.find('"').expect("closing quote")]
}

/// Every `<input>`/`<select>` with an id has a `<label for>` (hidden inputs have no id).
fn assert_labelled(body: &str) {
    for tag in ["<input ", "<select "] {
        for piece in body.split(tag).skip(1) {
            let head = &piece[..piece.find('>').expect("tag end")];
            if head.contains("type=\"hidden\"") {
                continue;
            }
            let id = head
                .split("id=\"")
                .nth(1)
                .and_then(|r| r.split('"').next())
                .unwrap_or_else(|| panic!("an input without id: {head}"));
            assert!(
                body.contains(&format!("<label for=\"{id}\"")),
                "no label for {id}"
            );
        }
    }
}

fn packet_id(n: u8) -> String {
    hex::encode([n; 32])
}

fn key() -> WorkstationSigningKey {
    WorkstationSigningKey::generate(SignatureAlgorithm::Ed25519, &SystemRandom::new())
        .expect("key")
        .0
}

/// Queues packet `n` of enrollment `ENR-n` with `bytes`.
async fn queue(c: &Console, n: u8, bytes: &'static [u8]) -> String {
    let id = packet_id(n);
    let p = id.clone();
    let now = (c.agent.clock)();
    c.agent
        .with_store(move |s| Ok(s.queue_imported(&p, &format!("ENR-{n}"), bytes, now)?))
        .await
        .expect("queue");
    id
}

async fn settle(c: &Console, id: &str, s: Settlement) {
    let outcome = vec![(id.to_string(), s)];
    c.agent
        .with_store(move |st| Ok(st.settle(&outcome)?))
        .await
        .expect("settle");
}

fn rejection(id: &str) -> Settlement {
    Settlement::Rejected {
        reason: "the workstation key is not trusted".into(),
        rejection: Rejection {
            packet_id: id.into(),
            registry_id: "REG-T".into(),
            code: "unknown_workstation".into(),
            reason: "the workstation key is not trusted".into(),
            rejected_at: Timestamp::from_unix_ms(1_796_180_400_000),
        }
        .sign(&key(), &SystemRandom::new())
        .expect("sign")
        .to_json(),
    }
}

async fn state_of(c: &Console, id: &str) -> String {
    let id = id.to_string();
    c.agent
        .with_store(move |s| {
            Ok(s.raw_connection()
                .query_row(
                    "SELECT state FROM outbox WHERE packet_id = ?1",
                    [&id],
                    |r| r.get::<_, String>(0),
                )
                .expect("row"))
        })
        .await
        .expect("store")
}

/// (actor, action, subject) of every audit entry with `action`.
async fn audited(c: &Console, action: &str) -> Vec<(String, String, String)> {
    let action = action.to_string();
    c.agent
        .with_store(move |s| {
            let mut st = s
                .raw_connection()
                .prepare("SELECT actor, action, subject FROM audit WHERE action = ?1 ORDER BY seq")
                .expect("prepare");
            Ok(st
                .query_map([&action], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .expect("query")
                .collect::<Result<Vec<_>, _>>()
                .expect("rows"))
        })
        .await
        .expect("store")
}

#[tokio::test]
async fn each_office_page_opens_for_the_roles_allowed_and_is_refused_to_the_others() {
    let c = console().await;
    let pages = [
        ("/", "office-home", ["op", "spv", "tek", "adm"].as_slice()),
        (
            "/outbox",
            "office-outbox",
            ["op", "spv", "tek", "adm"].as_slice(),
        ),
        ("/audit", "office-audit", ["spv", "adm"].as_slice()),
        ("/operators", "office-operators", ["adm"].as_slice()),
    ];
    for who in ["op", "spv", "tek", "adm"] {
        let mut b = signed_in(&c, who).await;
        for (path, name, allowed) in pages {
            let p = b.get(&c.app, path).await;
            if allowed.contains(&who) {
                assert_eq!(p.status, StatusCode::OK, "{who} {path}: {}", p.body);
                assert_eq!(screen(&p.body), name, "{who} {path}");
                assert_labelled(&p.body);
            } else {
                assert_eq!(p.status, StatusCode::FORBIDDEN, "{who} {path}");
                assert!(!p.body.contains(&format!("data-screen=\"{name}\"")));
            }
        }
    }
}

#[tokio::test]
async fn a_visitor_who_is_not_signed_in_is_sent_to_sign_in_from_every_office_page() {
    let c = console().await;
    let mut b = Browser::default();
    for path in ["/", "/outbox", "/audit", "/operators"] {
        let p = b.get(&c.app, path).await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{path}");
        assert!(
            p.location
                .as_deref()
                .is_some_and(|l| l.starts_with("/login")),
            "{path}"
        );
    }
}

#[tokio::test]
async fn a_form_without_its_csrf_token_is_refused_and_changes_nothing() {
    let c = console().await;
    let id = queue(&c, 1, b"sealed").await;
    settle(&c, &id, rejection(&id)).await;
    let mut b = signed_in(&c, "adm").await;
    for (path, body) in [
        (format!("/outbox/{id}/retry"), "why=try".to_string()),
        ("/outbox/send".into(), String::new()),
        (
            "/operators".into(),
            format!(
                "id=x1&name=X&role=operator&password={0}&password2={0}",
                "a".repeat(12)
            ),
        ),
        ("/operators/op/disable".into(), String::new()),
        ("/devices/camera/reconnect".into(), String::new()),
    ] {
        let p = b.post_raw(&c.app, &path, body).await;
        assert_eq!(p.status, StatusCode::FORBIDDEN, "{path}");
    }
    assert_eq!(state_of(&c, &id).await, "rejected");
    assert!(
        audited(&c, "operator.add")
            .await
            .iter()
            .all(|e| e.2 != "x1")
    );
    assert!(audited(&c, "operator.disable").await.is_empty());
}

/// The test accounts as the service sees them.
fn account(id: &str, role: Role) -> Operator {
    Operator {
        id: id.into(),
        name: id.into(),
        role,
    }
}

/// Runs a whole enrollment on the simulated devices and finalizes it.
async fn enroll_and_finalize(c: &Console) -> String {
    let a = &c.agent;
    let applicant = sample::enrollment(&SampleOptions::tiny(3, "WS-1", 0)).applicant;
    let op = account("op", Role::Operator);
    let req: StartRequest = serde_json::from_value(json!({
        "applicant": serde_json::to_value(&applicant).expect("applicant"),
    }))
    .expect("request");
    let id = a.start(&op, req).await.expect("start").id;
    let done = |v: &Value| v["done"] == true;
    for _ in 0..5 {
        let r = a.capture_face(&op, &id).await.expect("face");
        if done(&serde_json::to_value(&r.session).expect("json")["face"]) {
            break;
        }
    }
    a.approve_face(&op, &id, true).await.expect("approve");
    a.capture_signature(&op, &id).await.expect("signature");
    for p in 1..=9u8 {
        for _ in 0..5 {
            let r = a
                .capture_finger(&op, &id, FingerPosition::new(p).expect("position"))
                .await
                .expect("finger");
            if done(&serde_json::to_value(&r.session).expect("json")["fingers"][p.to_string()]) {
                break;
            }
        }
    }
    a.finger_exception(
        &op,
        &id,
        FingerPosition::new(10).expect("position"),
        ExceptionReason::Bandaged,
        None,
        true,
    )
    .await
    .expect("exception");
    for eye in [Eye::Left, Eye::Right] {
        for _ in 0..5 {
            let r = a.capture_iris(&op, &id, eye).await.expect("iris");
            let name = serde_json::to_value(eye).expect("eye");
            if done(
                &serde_json::to_value(&r.session).expect("json")["irises"]
                    [name.as_str().expect("eye name")],
            ) {
                break;
            }
        }
    }
    // The excepted finger needs a supervisor's approval before finalizing.
    a.approve(&op, &id, &account("spv", Role::Supervisor))
        .await
        .expect("approve");
    a.finalize(&op, &id).await.expect("finalize");
    id
}

fn figure(body: &str, key: &str) -> u64 {
    let at = body
        .find(&format!("data-figure=\"{key}\""))
        .unwrap_or_else(|| panic!("figure {key}"));
    let rest = &body[at..];
    let dd = rest.find("<dd>").expect("dd") + 4;
    rest[dd..dd + rest[dd..].find('<').expect("end")]
        .trim()
        .parse()
        .expect("number")
}

#[tokio::test]
async fn the_home_page_counts_a_finalized_enrollment_and_lists_one_in_progress() {
    let c = console().await;
    let mut b = signed_in(&c, "op").await;
    let p = b.get(&c.app, "/").await;
    assert_eq!(
        (figure(&p.body, "started"), figure(&p.body, "finalized")),
        (0, 0)
    );
    let finished = enroll_and_finalize(&c).await;
    // A second resident, left at the face step.
    let other = sample::enrollment(&SampleOptions::tiny(4, "WS-1", 0)).applicant;
    let req: StartRequest = serde_json::from_value(json!({
        "applicant": serde_json::to_value(&other).expect("applicant"),
    }))
    .expect("request");
    let open = c
        .agent
        .start(&account("op", Role::Operator), req)
        .await
        .expect("start")
        .id;
    let p = b.get(&c.app, "/").await;
    assert_eq!(figure(&p.body, "started"), 2, "{}", p.body);
    assert_eq!(figure(&p.body, "finalized"), 1);
    assert_eq!(figure(&p.body, "pending"), 1);
    assert_eq!(figure(&p.body, "delivered"), 0);
    assert!(
        p.body.contains(&format!("href=\"/desk/{open}\"")),
        "continue link"
    );
    assert!(!p.body.contains(&format!("href=\"/desk/{finished}\"")));
    assert!(p.body.contains(&other.full_name), "the resident's name");
    assert!(p.body.contains("href=\"/desk/new\""));
}

#[tokio::test]
async fn reconnecting_a_device_reopens_it_reports_it_and_is_audited() {
    let c = console().await;
    let mut b = signed_in(&c, "tek").await;
    let p = b.get(&c.app, "/").await;
    assert!(p.body.contains("data-device=\"camera\""));
    assert!(
        !p.body.contains("data-banner=\"device-missing\""),
        "devices not opened yet are not missing"
    );
    let p = b.post(&c.app, "/devices/camera/reconnect", &[]).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    assert_eq!(
        p.location.as_deref(),
        Some("/?reconnected=camera&ok=1#devices")
    );
    let p = b.get(&c.app, "/?reconnected=camera&ok=1").await;
    assert!(p.body.contains("Kamera tersambung dan siap."), "{}", p.body);
    assert_eq!(
        audited(&c, "device.reconnect").await,
        [("tek".into(), "device.reconnect".into(), "camera".into())]
    );
    // A device that is gone is shown in a banner.
    c.agent.devices.pad.close("the pad was unplugged");
    let p = b.get(&c.app, "/").await;
    assert!(p.body.contains("data-banner=\"device-missing\""));
    assert!(p.body.contains("Alat tanda tangan"));
    let p = b.post(&c.app, "/devices/printer/reconnect", &[]).await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_device_in_use_is_not_closed_under_its_capture() {
    let c = console().await;
    let mut b = signed_in(&c, "op").await;
    // Hold the camera as a capture does, until told to let go.
    let (release, held) = std::sync::mpsc::channel::<()>();
    let (started, running) = tokio::sync::oneshot::channel::<()>();
    let camera = c.agent.devices.camera.clone();
    let capture = tokio::spawn(async move {
        camera
            .run(std::time::Duration::from_secs(10), move |_, _| {
                let _ = started.send(());
                let _ = held.recv();
                Ok(())
            })
            .await
    });
    running.await.expect("the capture started");
    let p = b.post(&c.app, "/devices/camera/reconnect", &[]).await;
    assert_eq!(
        p.location.as_deref(),
        Some("/?reconnected=camera&ok=0&busy=1#devices")
    );
    let p = b.get(&c.app, "/?reconnected=camera&ok=0&busy=1").await;
    assert!(p.body.contains("Kamera sedang dipakai"), "{}", p.body);
    release.send(()).expect("release");
    capture
        .await
        .expect("join")
        .expect("the capture finished unharmed");
    assert!(audited(&c, "device.reconnect").await.is_empty());
}

#[tokio::test]
async fn the_outbox_shows_the_last_error_the_receipt_and_the_registrys_reason() {
    let c = console().await;
    let pending = queue(&c, 1, b"one").await;
    let delivered = queue(&c, 2, b"two").await;
    let rejected = queue(&c, 3, b"three").await;
    let now = (c.agent.clock)();
    settle(
        &c,
        &pending,
        Settlement::Retry {
            error: "registry unreachable: connection refused".into(),
            next_attempt_ms: now + 60_000,
        },
    )
    .await;
    let receipt = Receipt {
        packet_id: delivered.clone(),
        enrollment_id: "ENR-2".into(),
        workstation_id: "WS-SIM-01".into(),
        registry_id: "REG-T".into(),
        received_at: Timestamp::from_unix_ms(now),
        sequence: 4711,
    }
    .sign(&key(), &SystemRandom::new())
    .expect("sign")
    .to_json();
    settle(
        &c,
        &delivered,
        Settlement::Delivered {
            receipt,
            at_ms: now,
        },
    )
    .await;
    settle(&c, &rejected, rejection(&rejected)).await;
    let mut b = signed_in(&c, "op").await;
    let p = b.get(&c.app, "/outbox").await;
    assert!(p.body.contains("registry unreachable: connection refused"));
    assert!(p.body.contains("REG-T no. 4711"), "{}", p.body);
    assert!(
        p.body
            .contains("the workstation key is not trusted (unknown_workstation)")
    );
    // An operator sees the refusal but cannot send it again.
    assert!(!p.body.contains(&format!("/outbox/{rejected}/retry")));
    let p = b
        .post(
            &c.app,
            &format!("/outbox/{rejected}/retry"),
            &[("why", "x")],
        )
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    assert_eq!(state_of(&c, &rejected).await, "rejected");
}

#[tokio::test]
async fn a_supervisor_sends_a_rejected_packet_again_with_a_reason_and_it_is_audited() {
    let c = console().await;
    let id = queue(&c, 7, b"seven").await;
    settle(&c, &id, rejection(&id)).await;
    let mut b = signed_in(&c, "spv").await;
    b.get(&c.app, "/outbox").await;
    // No reason: refused, with the summary linking to the field of that packet.
    let p = b
        .post(&c.app, &format!("/outbox/{id}/retry"), &[("why", "  ")])
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        p.body.contains(&format!("href=\"#why-{id}\"")),
        "{}",
        p.body
    );
    assert!(p.body.contains("Tulis alasan kirim ulang paket ini"));
    assert_eq!(state_of(&c, &id).await, "rejected");
    let p = b
        .post(
            &c.app,
            &format!("/outbox/{id}/retry"),
            &[("why", "the registry trusts our key now")],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    assert_eq!(p.location.as_deref(), Some("/outbox?requeued=ENR-7"));
    assert_eq!(state_of(&c, &id).await, "pending");
    assert_eq!(
        audited(&c, "outbox.requeue").await,
        [("spv".into(), "outbox.requeue".into(), "ENR-7".into())]
    );
    // Once pending, it is not rejected any more: a second retry says so.
    let p = b
        .post(&c.app, &format!("/outbox/{id}/retry"), &[("why", "again")])
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn send_now_makes_every_waiting_packet_due_and_is_audited() {
    let c = console().await;
    let id = queue(&c, 1, b"one").await;
    let later = (c.agent.clock)() + 3_600_000;
    settle(
        &c,
        &id,
        Settlement::Retry {
            error: "timeout".into(),
            next_attempt_ms: later,
        },
    )
    .await;
    let mut b = signed_in(&c, "op").await;
    b.get(&c.app, "/outbox").await;
    let p = b.post(&c.app, "/outbox/send", &[]).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    assert_eq!(p.location.as_deref(), Some("/outbox?sent=1"));
    let due = c
        .agent
        .with_store(|s| Ok(s.outbox().due((rekam_agent::service::system_ms)(), 10)?))
        .await
        .expect("due");
    assert_eq!(due.len(), 1, "due now, not in an hour");
    assert_eq!(audited(&c, "outbox.send_now").await.len(), 1);
}

#[tokio::test]
async fn export_writes_the_waiting_packets_into_the_folder_chosen() {
    let c = console().await;
    let id = queue(&c, 9, b"sealed packet bytes").await;
    let tmp = tempfile::tempdir().expect("tmp");
    let to = tmp.path().join("rekam");
    let mut b = signed_in(&c, "op").await;
    b.get(&c.app, "/outbox").await;
    let p = b
        .post(
            &c.app,
            "/outbox/export",
            &[("dir", to.to_str().expect("utf-8"))],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    assert_eq!(
        std::fs::read(to.join(format!("{id}.rkp"))).expect("exported file"),
        b"sealed packet bytes"
    );
    let p = b
        .get(&c.app, p.location.as_deref().expect("location"))
        .await;
    assert!(p.body.contains("1 baru"), "{}", p.body);
    assert_eq!(audited(&c, "outbox.export").await[0].0, "op");
    // Again: the intact copy is left alone.
    let p = b
        .post(
            &c.app,
            "/outbox/export",
            &[("dir", to.to_str().expect("utf-8"))],
        )
        .await;
    assert!(
        p.location
            .as_deref()
            .is_some_and(|l| l.contains("&w=0&r=0&u=1")),
        "{:?}",
        p.location
    );
}

#[tokio::test]
async fn export_to_a_folder_that_cannot_take_it_says_why_and_keeps_what_was_typed() {
    let c = console().await;
    queue(&c, 9, b"sealed").await;
    let tmp = tempfile::tempdir().expect("tmp");
    let absent = tmp.path().join("no-medium/rekam");
    let mut b = signed_in(&c, "op").await;
    b.get(&c.app, "/outbox").await;
    for (typed, says) in [
        ("", "Tulis folder tujuan".to_string()),
        (
            "usb/rekam",
            "Tulis jalur lengkap yang diawali /".to_string(),
        ),
        (
            absent.to_str().expect("utf-8"),
            format!("{} tidak ada", absent.display()),
        ),
        ("/proc", "/proc tidak dapat ditulisi".to_string()),
    ] {
        let p = b.post(&c.app, "/outbox/export", &[("dir", typed)]).await;
        assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{typed}");
        assert!(p.body.contains("href=\"#dir\""), "summary links the field");
        assert!(p.body.contains(&says), "{typed}: {}", p.body);
        assert!(p.body.contains(&format!("value=\"{typed}\"")), "kept");
    }
    assert!(!absent.exists());
    // Rejected packets leave only by a supervisor's choice.
    let p = b
        .post(
            &c.app,
            "/outbox/export",
            &[
                ("dir", tmp.path().to_str().expect("utf-8")),
                ("include_rejected", "1"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_audit_log_filters_by_operator_and_date_and_verifies_the_chain() {
    let c = console().await;
    let mut b = signed_in(&c, "spv").await;
    signed_in(&c, "op").await;
    let p = b.get(&c.app, "/audit?actor=op").await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.body.contains("operator.sign_in"));
    assert!(
        !p.body.contains("<td>spv</td>"),
        "only op's entries: {}",
        p.body
    );
    assert!(p.body.contains("<option value=\"op\" selected>"));
    // Newest first.
    let all = b.get(&c.app, "/audit").await;
    let seqs: Vec<i64> = all
        .body
        .split("data-seq=\"")
        .skip(1)
        .map(|s| s[..s.find('"').expect("quote")].parse().expect("seq"))
        .collect();
    assert!(
        seqs.len() > 2 && seqs.windows(2).all(|w| w[0] > w[1]),
        "{seqs:?}"
    );
    // A day long ago has nothing; a date that is not one is refused beside the field.
    let p = b.get(&c.app, "/audit?date=2001-01-01").await;
    assert!(p.body.contains("Tidak ada entri yang cocok."));
    let p = b.get(&c.app, "/audit?date=kemarin").await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.body.contains("href=\"#date\""));
    assert!(p.body.contains("value=\"kemarin\""));
    let p = b.get(&c.app, "/audit?verify=1").await;
    assert!(p.body.contains("data-verify=\"ok\""), "{}", p.body);
    assert!(p.body.contains("Rantai utuh"));
    // Tampering shows as a broken chain, not an error page.
    c.agent
        .with_store(|s| {
            s.raw_connection()
                .execute_batch(
                    "DROP TRIGGER audit_no_update; UPDATE audit SET actor = 'x' WHERE seq = 1;",
                )
                .expect("tamper");
            Ok(())
        })
        .await
        .expect("store");
    let p = b.get(&c.app, "/audit?verify=1").await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.body.contains("data-verify=\"broken\""), "{}", p.body);
}

#[tokio::test]
async fn the_audit_log_is_paged_fifty_at_a_time() {
    let c = console().await;
    c.agent
        .with_store(|s| {
            for i in 0..120 {
                s.audit(&rekam_agent::store::AuditEntry::new(
                    i,
                    "op",
                    "test.entry",
                    "x",
                    json!({}),
                ))?;
            }
            Ok(())
        })
        .await
        .expect("audit");
    let mut b = signed_in(&c, "adm").await;
    let p = b.get(&c.app, "/audit?actor=op&page=3").await;
    assert_eq!(
        p.body.matches("data-seq=").count(),
        20,
        "120 = 50 + 50 + 20"
    );
    assert!(p.body.contains("Halaman 3 dari 3"), "{}", p.body);
    let pager = &p.body[p.body.find("class=\"pager\"").expect("pager")..];
    assert!(
        pager.contains("href=\"/audit?actor=op&#38;date=&#38;page=2\""),
        "{pager}"
    );
}

#[tokio::test]
async fn an_admin_adds_an_operator_who_can_then_sign_in_and_the_change_names_the_admin() {
    let c = console().await;
    let mut b = signed_in(&c, "adm").await;
    b.get(&c.app, "/operators").await;
    // Passwords that differ: refused, the id and name kept, the passwords not sent back.
    let p = b
        .post(
            &c.app,
            "/operators",
            &[
                ("id", "op2"),
                ("name", "Dewi Operator"),
                ("role", "supervisor"),
                ("password", "panjang sekali 1"),
                ("password2", "panjang sekali 2"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.body.contains("href=\"#new-password2\""));
    assert!(p.body.contains("value=\"op2\"") && p.body.contains("value=\"Dewi Operator\""));
    assert!(p.body.contains("<option value=\"supervisor\" selected>"));
    assert!(!p.body.contains("panjang sekali"));
    // A taken id, a short password and no name, all at once.
    let p = b
        .post(
            &c.app,
            "/operators",
            &[
                ("id", "op"),
                ("name", ""),
                ("role", "operator"),
                ("password", "pendek"),
                ("password2", "pendek"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    for field in ["new-id", "new-name", "new-password"] {
        assert!(p.body.contains(&format!("href=\"#{field}\"")), "{field}");
    }
    let p = b
        .post(
            &c.app,
            "/operators",
            &[
                ("id", "op2"),
                ("name", "Dewi Operator"),
                ("role", "supervisor"),
                ("password", PASSWORD),
                ("password2", PASSWORD),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let list = b
        .get(&c.app, p.location.as_deref().expect("location"))
        .await;
    assert!(list.body.contains("data-operator=\"op2\""));
    assert!(list.body.contains("Operator op2 ditambahkan."));
    assert!(audited(&c, "operator.add").await.contains(&(
        "adm".into(),
        "operator.add".into(),
        "op2".into()
    )));
    signed_in(&c, "op2").await;
}

#[tokio::test]
async fn an_admin_disables_enables_and_resets_a_password_but_cannot_disable_themself() {
    let c = console().await;
    let mut b = signed_in(&c, "adm").await;
    b.get(&c.app, "/operators").await;
    let p = b.post(&c.app, "/operators/op/disable", &[]).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    let mut other = Browser::default();
    other.get(&c.app, "/login").await;
    let refused = other
        .post(
            &c.app,
            "/login",
            &[("operator_id", "op"), ("password", PASSWORD), ("next", "/")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "disabled");
    let p = b.post(&c.app, "/operators/op/enable", &[]).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    signed_in(&c, "op").await;

    let p = b.post(&c.app, "/operators/adm/disable", &[]).await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        p.body
            .contains("Anda tidak dapat menonaktifkan akun Anda sendiri.")
    );

    let form = b.get(&c.app, "/operators/spv/password").await;
    assert_eq!(form.status, StatusCode::OK);
    assert_labelled(&form.body);
    let p = b
        .post(
            &c.app,
            "/operators/spv/password",
            &[
                ("password", "kata sandi baru"),
                ("password2", "kata sandi lain"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.body.contains("href=\"#password2\""));
    let p = b
        .post(
            &c.app,
            "/operators/spv/password",
            &[
                ("password", "kata sandi baru"),
                ("password2", "kata sandi baru"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    let mut spv = Browser::default();
    spv.get(&c.app, "/login").await;
    let ok = spv
        .post(
            &c.app,
            "/login",
            &[
                ("operator_id", "spv"),
                ("password", "kata sandi baru"),
                ("next", "/"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    let actions: Vec<String> = ["operator.disable", "operator.enable", "operator.password"]
        .iter()
        .map(|a| (*a).to_string())
        .collect();
    for a in actions {
        let entries = audited(&c, &a).await;
        assert!(
            entries.iter().any(|e| e.0 == "adm"),
            "{a} names the admin: {entries:?}"
        );
    }
    let p = b.get(&c.app, "/operators/nobody/password").await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    // Only an admin.
    let mut s = signed_in(&c, "tek").await;
    let p = s.post(&c.app, "/operators/op/disable", &[]).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_office_pages_speak_english_after_one_click() {
    let c = console().await;
    let mut b = signed_in(&c, "adm").await;
    b.post(&c.app, "/lang", &[]).await;
    for (path, word) in [
        ("/", "Enrollments in progress"),
        ("/outbox", "Copy to removable media"),
        ("/audit", "Verify the chain"),
        ("/operators", "Add an operator"),
    ] {
        let p = b.get(&c.app, path).await;
        assert!(p.body.contains(word), "{path}: {}", p.body);
    }
}
