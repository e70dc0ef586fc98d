//! The enrollment desk driven in-process through the console: the start form's refusals, resuming
//! at the right step, the resident's approval of the photo, supervisor approval before finalize,
//! and the slip.

mod support;

use axum::http::StatusCode;
use rekam_agent::operators::{Operator, Role};
use rekam_agent::service::{Agent, StartRequest};
use rekam_drivers::fingerprint::Slap;
use rekam_protocol::model::FingerPosition;
use support::{Console, PASSWORD, console_with, signed_in};

/// A valid start form (NIK 3171050708900003: DKI Jakarta, a man born 07-08-1990).
fn start_fields() -> Vec<(&'static str, &'static str)> {
    vec![
        ("nik", "3171050708900003"),
        ("full_name", "Budi Santoso"),
        ("place_of_birth", "Jakarta"),
        ("date_of_birth", "1990-08-07"),
        ("sex", "male"),
        ("blood_type", "O"),
        ("street", "Jl. Melati No. 5"),
        ("rt", "3"),
        ("rw", "7"),
        ("village", "Cempaka Putih"),
        ("district", "Cempaka Putih"),
        ("regency", "Jakarta Pusat"),
        ("province", "DKI Jakarta"),
        ("postal_code", ""),
        ("religion", "islam"),
        ("marital_status", "kawin"),
        ("occupation", "Guru"),
        ("citizenship", "wni"),
        ("country", ""),
    ]
}

/// The desk's operator, as the agent knows them.
fn op() -> Operator {
    Operator {
        id: "op".into(),
        name: "Siti Operator".into(),
        role: Role::Operator,
    }
}

/// Starts an enrollment on the agent (as the API would) and returns its id.
async fn started(agent: &Agent) -> String {
    let sample =
        rekam_sim::sample::enrollment(&rekam_sim::sample::SampleOptions::tiny(7, "WS-1", 0));
    agent
        .start(
            &op(),
            StartRequest {
                applicant: sample.applicant,
                visit_location: None,
            },
        )
        .await
        .expect("start")
        .id
}

/// Takes the face until kept, the resident's approval, the signature and all ten fingers.
async fn at_review(agent: &Agent) -> String {
    let id = started(agent).await;
    for _ in 0..5 {
        if agent
            .capture_face(&op(), &id)
            .await
            .expect("face")
            .session
            .face
            .done
        {
            break;
        }
    }
    agent.approve_face(&op(), &id, true).await.expect("approve");
    agent
        .capture_signature(&op(), &id)
        .await
        .expect("signature");
    for slap in [Slap::RightFour, Slap::LeftFour, Slap::Thumbs] {
        let _ = agent.capture_slap(&op(), &id, slap).await;
    }
    for _ in 0..10 {
        let s = agent.summary(&id).await.expect("summary");
        let Some(&code) = s.fingers_missing.first() else {
            break;
        };
        let _ = agent
            .capture_finger(&op(), &id, FingerPosition::new(code).expect("position"))
            .await;
    }
    let s = agent.summary(&id).await.expect("summary");
    assert_eq!(
        s.stage,
        rekam_agent::workflow::Stage::Review,
        "at review: {s:?}"
    );
    id
}

fn h1_count(body: &str) -> usize {
    body.matches("<h1").count()
}

#[tokio::test]
async fn start_refuses_a_bad_nik_naming_the_digits_and_keeps_everything_typed() {
    let c = console_with(false, |_| {}).await;
    let mut b = signed_in(&c, "op").await;
    let p = b.get(&c.app, "/desk/new").await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.body.contains("data-screen=\"desk-start\""));
    assert_eq!(h1_count(&p.body), 1);
    assert!(p.body.contains("<label for=\"nik\">NIK</label>"));
    let mut fields = start_fields();
    // Digits 9-10 are 13: no such month.
    fields[0] = ("nik", "3171050713900003");
    let p = b.post(&c.app, "/desk/new", &fields).await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        p.body.contains("Digit 9-10 NIK (13) bukan bulan lahir"),
        "{}",
        p.body
    );
    assert!(
        p.body.contains("href=\"#nik\""),
        "the summary links the field"
    );
    assert!(
        p.body.contains("value=\"3171050713900003\""),
        "the NIK typed is kept"
    );
    assert!(
        p.body.contains("value=\"Budi Santoso\""),
        "the name typed is kept"
    );
    assert!(p.body.contains("value=\"Jl. Melati No. 5\""));
    assert!(p.body.contains("<option value=\"kawin\" selected>"));
    // A NIK that disagrees with the declared sex names digits 7-8.
    fields[0] = ("nik", "3171054708900003");
    let p = b.post(&c.app, "/desk/new", &fields).await;
    assert!(
        p.body.contains("Digit 7-8 NIK menandai perempuan"),
        "{}",
        p.body
    );
}

#[tokio::test]
async fn the_live_check_answers_with_the_messages_of_the_submit() {
    let c = console_with(false, |_| {}).await;
    let mut b = signed_in(&c, "op").await;
    b.get(&c.app, "/desk/new").await;
    let mut fields = start_fields();
    fields[0] = ("nik", "31710507089000");
    let p = b.post(&c.app, "/desk/new/check", &fields).await;
    assert_eq!(p.status, StatusCode::OK);
    let v: serde_json::Value = serde_json::from_str(&p.body).expect("JSON");
    assert_eq!(v["errors"][0]["field"], "nik");
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .expect("message")
            .contains("yang diketik 14 karakter")
    );
    let p = b.post(&c.app, "/desk/new/check", &start_fields()).await;
    let v: serde_json::Value = serde_json::from_str(&p.body).expect("JSON");
    assert_eq!(v["errors"].as_array().expect("errors").len(), 0, "{v}");
    assert!(
        v["notices"][0]
            .as_str()
            .expect("a note")
            .contains("17 tahun")
    );
}

#[tokio::test]
async fn a_valid_start_opens_the_face_step_and_the_desk_follows_it() {
    let c = console_with(false, |_| {}).await;
    let mut b = signed_in(&c, "op").await;
    b.get(&c.app, "/desk/new").await;
    let p = b.post(&c.app, "/desk/new", &start_fields()).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let to = p.location.expect("location");
    assert!(to.ends_with("/face"), "{to}");
    let id = to
        .trim_start_matches("/desk/")
        .trim_end_matches("/face")
        .to_string();
    assert_eq!(c.state.desk.current().as_deref(), Some(id.as_str()));
    let p = b.get(&c.app, &to).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.body.contains("data-screen=\"desk-face\""));
    assert!(p.body.contains("src=\"/preview/face.mjpg\""));
    // Born 1990, an even year: blue.
    assert!(p.body.contains("biru (tahun lahir genap)"), "{}", p.body);
    assert!(
        !p.body.contains("resident/face"),
        "the desk has no approve button"
    );
}

#[tokio::test]
async fn desk_id_redirects_to_the_step_the_enrollment_is_at() {
    let c = console_with(false, |_| {}).await;
    let mut b = signed_in(&c, "op").await;
    let id = started(&c.agent).await;
    let p = b.get(&c.app, &format!("/desk/{id}")).await;
    assert_eq!(
        p.location.as_deref(),
        Some(format!("/desk/{id}/face").as_str())
    );
    for _ in 0..5 {
        if c.agent
            .capture_face(&op(), &id)
            .await
            .expect("face")
            .session
            .face
            .done
        {
            break;
        }
    }
    c.agent
        .approve_face(&op(), &id, true)
        .await
        .expect("approve");
    let p = b.get(&c.app, &format!("/desk/{id}")).await;
    assert_eq!(
        p.location.as_deref(),
        Some(format!("/desk/{id}/signature").as_str())
    );
    // A later step's page sends an enrollment back to where it is.
    let p = b.get(&c.app, &format!("/desk/{id}/review")).await;
    assert_eq!(
        p.location.as_deref(),
        Some(format!("/desk/{id}/signature").as_str())
    );
    let p = b.get(&c.app, "/desk/no-such-enrollment").await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_face_capture_then_the_residents_approval_moves_on_to_the_signature() {
    let c = console_with(false, |_| {}).await;
    let mut b = signed_in(&c, "op").await;
    let id = started(&c.agent).await;
    b.get(&c.app, &format!("/desk/{id}/face")).await;
    for _ in 0..5 {
        let p = b
            .post(&c.app, &format!("/desk/{id}/face/capture"), &[])
            .await;
        assert_eq!(p.status, StatusCode::SEE_OTHER);
        if c.agent.summary(&id).await.expect("summary").face.done {
            break;
        }
    }
    let p = b.get(&c.app, &format!("/desk/{id}/face")).await;
    assert!(
        p.body.contains("Menunggu persetujuan penduduk"),
        "{}",
        p.body
    );
    let photo = b.get(&c.app, &format!("/desk/{id}/photo.jpg")).await;
    assert_eq!(photo.status, StatusCode::OK);
    // The resident's screen (a second window of the same browser) shows the photo.
    let mut resident = b.clone();
    let r = resident.get(&c.app, "/resident").await;
    assert!(r.body.contains("data-screen=\"resident\""));
    assert!(
        r.body.contains(&format!("/desk/{id}/photo.jpg")),
        "{}",
        r.body
    );
    assert!(r.body.contains("Ya, setujui foto"));
    let r = resident
        .post(
            &c.app,
            "/resident/face",
            &[("id", id.as_str()), ("decision", "approve")],
        )
        .await;
    assert_eq!(r.location.as_deref(), Some("/resident"));
    let s = c.agent.summary(&id).await.expect("summary");
    assert!(s.face_approved);
    let p = b.get(&c.app, &format!("/desk/{id}/face")).await;
    assert_eq!(
        p.location.as_deref(),
        Some(format!("/desk/{id}/signature").as_str())
    );
    let r = resident.get(&c.app, "/resident").await;
    assert!(r.body.contains("Data yang akan dicetak"), "{}", r.body);
    assert!(r.body.contains("Nama"));
}

#[tokio::test]
async fn the_resident_screen_waits_when_the_desk_has_nothing() {
    let c = console_with(false, |_| {}).await;
    let mut b = signed_in(&c, "op").await;
    let r = b.get(&c.app, "/resident").await;
    assert!(r.body.contains("Mohon tunggu"));
    assert_eq!(h1_count(&r.body), 1);
}

#[tokio::test]
async fn finalize_is_refused_until_a_supervisor_approves_a_forced_capture() {
    let c: Console = console_with(false, |config| {
        // Every photo falls below the gate and the first is kept, forced.
        config.policy.face_gate = 100;
        config.policy.max_attempts = 1;
    })
    .await;
    let id = at_review(&c.agent).await;
    let mut b = signed_in(&c, "op").await;
    let p = b.get(&c.app, &format!("/desk/{id}/review")).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.body.contains("data-screen=\"desk-review\""));
    assert!(
        p.body.contains("Perlu persetujuan supervisor"),
        "{}",
        p.body
    );
    let p = b.post(&c.app, &format!("/desk/{id}/finalize"), &[]).await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.body.contains("Belum dapat diselesaikan"));
    assert_ne!(
        c.agent.summary(&id).await.expect("summary").stage,
        rekam_agent::workflow::Stage::Finalized
    );
    // An operator cannot approve; a wrong password counts towards the lockout.
    b.get(&c.app, &format!("/desk/{id}/approval")).await;
    let p = b
        .post(
            &c.app,
            &format!("/desk/{id}/approval"),
            &[("supervisor_id", "op"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.body.contains("bukan supervisor"), "{}", p.body);
    let p = b
        .post(
            &c.app,
            &format!("/desk/{id}/approval"),
            &[("supervisor_id", "spv"), ("password", "salah")],
        )
        .await;
    assert!(
        p.body.contains("Sisa percobaan sebelum akun dikunci: 4"),
        "{}",
        p.body
    );
    let p = b
        .post(
            &c.app,
            &format!("/desk/{id}/approval"),
            &[("supervisor_id", "spv"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    // The desk's operator is still the one signed in.
    let p = b.get(&c.app, &format!("/desk/{id}/review")).await;
    assert!(p.body.contains("Siti Operator"));
    assert!(p.body.contains("Disetujui oleh supervisor spv"));
    let p = b.post(&c.app, &format!("/desk/{id}/finalize"), &[]).await;
    assert_eq!(
        p.location.as_deref(),
        Some(format!("/desk/{id}/slip").as_str())
    );
    assert_eq!(
        c.state.desk.current(),
        None,
        "the resident's screen goes idle"
    );
}

#[tokio::test]
async fn the_slip_has_the_id_as_text_and_a_qr_code() {
    let c = console_with(false, |_| {}).await;
    let id = at_review(&c.agent).await;
    let mut b = signed_in(&c, "op").await;
    let p = b.get(&c.app, &format!("/desk/{id}/slip")).await;
    assert_eq!(
        p.location.as_deref(),
        Some(format!("/desk/{id}/review").as_str()),
        "no slip before finalize"
    );
    let p = b.get(&c.app, &format!("/desk/{id}/review")).await;
    assert!(p.body.contains(&format!("src=\"/desk/{id}/card.svg\"")));
    // The card crate's front, with the photo and the signature embedded.
    let card = b.get(&c.app, &format!("/desk/{id}/card.svg")).await;
    assert_eq!(card.status, StatusCode::OK);
    assert!(card.body.contains("<svg"), "{}", card.body);
    assert!(
        card.body.contains("data:image/jpeg;base64,"),
        "the photo is on the card"
    );
    let p = b.post(&c.app, &format!("/desk/{id}/finalize"), &[]).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let p = b.get(&c.app, &format!("/desk/{id}/slip")).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.body.contains("data-screen=\"desk-slip\""));
    assert!(p.body.contains(&format!("<dd class=\"slip-id\">{id}</dd>")));
    assert!(
        p.body.contains("<svg class=\"qr\" role=\"img\""),
        "{}",
        p.body
    );
    assert!(p.body.contains("slip-a6"));
    let p = b
        .get(&c.app, &format!("/desk/{id}/slip?layout=receipt"))
        .await;
    assert!(p.body.contains("slip-receipt"));
    // Resuming a finalized enrollment lands on its slip.
    let p = b.get(&c.app, &format!("/desk/{id}")).await;
    assert_eq!(
        p.location.as_deref(),
        Some(format!("/desk/{id}/slip").as_str())
    );
}

#[tokio::test]
async fn the_signature_is_taken_from_the_pad_shown_and_can_be_cleared_for_another() {
    let c = console_with(false, |_| {}).await;
    let mut b = signed_in(&c, "op").await;
    let id = started(&c.agent).await;
    for _ in 0..5 {
        if c.agent
            .capture_face(&op(), &id)
            .await
            .expect("face")
            .session
            .face
            .done
        {
            break;
        }
    }
    c.agent
        .approve_face(&op(), &id, true)
        .await
        .expect("approve");
    let p = b.get(&c.app, &format!("/desk/{id}/signature")).await;
    assert!(p.body.contains("data-screen=\"desk-signature\""));
    assert!(
        p.body.contains("data-pen-url=\"/preview/pen\""),
        "live strokes"
    );
    let p = b
        .post(&c.app, &format!("/desk/{id}/signature/capture"), &[])
        .await;
    assert_eq!(
        p.location.as_deref(),
        Some(format!("/desk/{id}/signature").as_str())
    );
    assert!(c.agent.summary(&id).await.expect("summary").signature);
    let p = b.get(&c.app, &format!("/desk/{id}/signature")).await;
    assert!(p.body.contains(&format!("/desk/{id}/signature.png")));
    let png = b.get(&c.app, &format!("/desk/{id}/signature.png")).await;
    assert_eq!(png.status, StatusCode::OK);
    let p = b
        .post(&c.app, &format!("/desk/{id}/signature/clear"), &[])
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    assert!(!c.agent.summary(&id).await.expect("summary").signature);
    b.get(&c.app, &format!("/desk/{id}/signature")).await;
    b.post(&c.app, &format!("/desk/{id}/signature/capture"), &[])
        .await;
    let p = b
        .post(&c.app, &format!("/desk/{id}/signature/accept"), &[])
        .await;
    assert_eq!(p.location.as_deref(), Some(format!("/desk/{id}").as_str()));
    let p = b.get(&c.app, &format!("/desk/{id}")).await;
    assert_eq!(
        p.location.as_deref(),
        Some(format!("/desk/{id}/fingers").as_str())
    );
}

#[tokio::test]
async fn a_mobile_unit_must_say_where_it_records() {
    let c = console_with(false, |config| config.agent.unit = "mobile".into()).await;
    let mut b = signed_in(&c, "op").await;
    let p = b.get(&c.app, "/desk/new").await;
    assert!(p.body.contains("<label for=\"visit_location\">"));
    let p = b.post(&c.app, "/desk/new", &start_fields()).await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.body.contains("href=\"#visit_location\""));
    let mut fields = start_fields();
    fields.push(("visit_location", "SMA Negeri 1"));
    let p = b.post(&c.app, "/desk/new", &fields).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
}
