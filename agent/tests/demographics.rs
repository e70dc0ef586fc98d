//! Demographics checked when they are given, and the ways back before finalize, through the local
//! API in-process over simulated devices: bad data refused at start naming the field, corrections
//! (audited by field name only), clearing captures for a retake, abandoning, one open session per
//! NIK; and the HTTP edges (trailing bytes, JSON for 405/413/bad paths, the bearer scheme in any
//! case, a client that hangs up mid-capture).

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use rekam_agent::api::{ApiState, router};
use rekam_agent::config::Config;
use rekam_agent::devices::{DeviceManager, simulated_kit};
use rekam_agent::service::Agent;
use rekam_agent::store::StoreError;
use rekam_agent::workflow::{Policy, Session};
use rekam_protocol::model::FingerPosition;
use rekam_protocol::{RegistryPrivateKey, SignatureAlgorithm, Timestamp, WorkstationSigningKey};
use ring::rand::SystemRandom;
use serde_json::{Value, json};
use tower::ServiceExt;

mod identity;

use identity::TOKEN;

fn app(iris: bool, realtime: bool) -> (axum::Router, Arc<Agent>) {
    let rng = SystemRandom::new();
    let (key, _) = WorkstationSigningKey::generate(SignatureAlgorithm::Ed25519, &rng).expect("key");
    let registry = RegistryPrivateKey::generate(&rng).expect("registry key");
    let mut config = Config::default();
    config.devices.realtime = realtime;
    let (f, c, p, i) = simulated_kit(5, iris, realtime);
    let devices = DeviceManager::new(f, c, p, i, config.capture_timeout());
    let agent = Arc::new(Agent::new(
        config,
        identity::store(),
        devices,
        key,
        *registry.public_key(),
    ));
    let app = router(ApiState {
        agent: agent.clone(),
    });
    (app, agent)
}

async fn send(app: &axum::Router, req: Request<Body>) -> (StatusCode, Value) {
    let resp = app.clone().oneshot(req).await.expect("response");
    let status = resp.status();
    let bytes = axum::body::to_bytes(resp.into_body(), 64 << 20)
        .await
        .expect("body");
    let v = serde_json::from_slice(&bytes).unwrap_or_else(|_| {
        panic!(
            "{status}: the body is not JSON: {:?}",
            String::from_utf8_lossy(&bytes)
        )
    });
    (status, v)
}

async fn call(
    app: &axum::Router,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    call_as(app, &TOKEN, method, path, body).await
}

/// [`call`] with another operator's token.
async fn call_as(
    app: &axum::Router,
    token: &str,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let req = Request::builder()
        .method(method)
        .uri(path)
        .header("authorization", format!("Bearer {token}"));
    let req = match body {
        Some(b) => req
            .header("content-type", "application/json")
            .body(Body::from(b.to_string())),
        None => req.body(Body::empty()),
    }
    .expect("request");
    send(app, req).await
}

fn applicant() -> Value {
    let e = rekam_sim::sample::enrollment(&rekam_sim::sample::SampleOptions::tiny(3, "WS-1", 0));
    serde_json::to_value(&e.applicant).expect("applicant")
}

/// Sets the birth date and rewrites the NIK's digits 7-12 to agree with it (and with the sex).
fn set_birth(a: &mut Value, year: i32, month: u8, day: u8) {
    let nik = a["nik"].as_str().expect("nik").to_string();
    let dd = if a["sex"] == "female" { day + 40 } else { day };
    a["nik"] = json!(format!(
        "{}{dd:02}{month:02}{:02}{}",
        &nik[..6],
        year.rem_euclid(100),
        &nik[12..]
    ));
    a["date_of_birth"] = json!(format!("{year:04}-{month:02}-{day:02}"));
}

async fn start(app: &axum::Router, a: Value) -> (StatusCode, Value) {
    call(app, "POST", "/v1/sessions", Some(json!({ "applicant": a }))).await
}

async fn started(app: &axum::Router) -> String {
    let (status, s) = start(app, applicant()).await;
    assert_eq!(status, StatusCode::CREATED, "{s}");
    s["id"].as_str().expect("id").to_string()
}

/// Takes the face until one is kept, and approves it.
async fn face_taken(app: &axum::Router, id: &str) -> Value {
    for _ in 0..5 {
        let (status, r) = call(app, "POST", &format!("/v1/sessions/{id}/face"), None).await;
        assert_eq!(status, StatusCode::OK, "{r}");
        if r["session"]["face"]["done"] == true {
            let path = format!("/v1/sessions/{id}/face/approval");
            let (status, s) = call(app, "POST", &path, Some(json!({ "approved": true }))).await;
            assert_eq!(status, StatusCode::OK, "{s}");
            return s;
        }
    }
    panic!("the face was never kept")
}

async fn at_fingers(app: &axum::Router) -> String {
    let id = started(app).await;
    face_taken(app, &id).await;
    let (status, s) = call(app, "POST", &format!("/v1/sessions/{id}/signature"), None).await;
    assert_eq!(
        (status, &s["stage"]),
        (StatusCode::OK, &json!("fingers")),
        "{s}"
    );
    id
}

/// Every audit entry as (actor, action, subject, detail).
async fn audit(agent: &Agent) -> Vec<(String, String, String, Value)> {
    agent
        .with_store(|s| {
            let mut stmt = s
                .raw_connection()
                .prepare("SELECT actor, action, subject, detail FROM audit ORDER BY seq")
                .map_err(StoreError::from)?;
            let rows = stmt
                .query_map([], |r| {
                    let detail: String = r.get(3)?;
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        serde_json::from_str(&detail).unwrap_or(Value::Null),
                    ))
                })
                .map_err(StoreError::from)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(StoreError::from)?;
            Ok(rows)
        })
        .await
        .expect("audit")
}

type Edit = Box<dyn Fn(&mut Value)>;

fn edit(f: impl Fn(&mut Value) + 'static) -> Edit {
    Box::new(f)
}

#[tokio::test]
async fn each_bad_demographic_is_refused_at_start_naming_its_field() {
    let (app, agent) = app(false, false);
    let year_now = Timestamp::from_unix_ms(rekam_agent::service::system_ms())
        .date()
        .year();
    let cases: Vec<(&str, Edit, &str)> = vec![
        (
            "empty name",
            edit(|a| a["full_name"] = json!("")),
            "applicant.full_name",
        ),
        (
            "NUL in the name",
            edit(|a| a["full_name"] = json!("Budi\u{0}Santoso")),
            "applicant.full_name",
        ),
        (
            "1 MB name",
            edit(|a| a["full_name"] = json!("a".repeat(1 << 20))),
            "applicant.full_name",
        ),
        (
            "digits in the name",
            edit(|a| a["full_name"] = json!("Budi 2")),
            "applicant.full_name",
        ),
        (
            "RT 0",
            edit(|a| a["address"]["rt"] = json!(0)),
            "applicant.address.rt",
        ),
        (
            "RW 1000",
            edit(|a| a["address"]["rw"] = json!(1000)),
            "applicant.address.rw",
        ),
        (
            "country ../../etc",
            edit(|a| a["citizenship"] = json!({ "kind": "wna", "country": "../../etc" })),
            "applicant.citizenship.country",
        ),
        (
            "country ZZZ (user-assigned in ISO 3166-1)",
            edit(|a| a["citizenship"] = json!({ "kind": "wna", "country": "ZZZ" })),
            "applicant.citizenship.country",
        ),
        (
            "country QQQ (user-assigned in ISO 3166-1)",
            edit(|a| a["citizenship"] = json!({ "kind": "wna", "country": "QQQ" })),
            "applicant.citizenship.country",
        ),
        (
            "born in 2090, married",
            edit(|a| {
                set_birth(a, 2090, 3, 14);
                a["marital_status"] = json!("kawin");
            }),
            "applicant.date_of_birth",
        ),
        (
            "140 years old",
            edit(move |a| set_birth(a, year_now - 140, 3, 14)),
            "applicant.date_of_birth",
        ),
        (
            "NIK marks the other sex",
            edit(|a| {
                a["sex"] = json!(if a["sex"] == "male" { "female" } else { "male" });
            }),
            "applicant.nik",
        ),
        (
            "newline in the street",
            edit(|a| a["address"]["street"] = json!("Jl. Merdeka\nNo. 1")),
            "applicant.address.street",
        ),
        (
            "overlong occupation",
            edit(|a| a["occupation"] = json!("x".repeat(300))),
            "applicant.occupation",
        ),
        (
            "right-to-left override in the place of birth",
            edit(|a| a["place_of_birth"] = json!("Jakarta\u{202e}")),
            "applicant.place_of_birth",
        ),
    ];
    for (what, change, field) in cases {
        let mut a = applicant();
        change(&mut a);
        let (status, body) = start(&app, a).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{what}: {body:.300}"
        );
        assert_eq!(body["error"], "invalid_data", "{what}: {body:.300}");
        assert_eq!(body["field"], field, "{what}: {body:.300}");
        let message = body["message"].as_str().expect("message");
        assert!(
            message.starts_with(field) && message.len() < 400,
            "{what}: {message}"
        );
    }
    assert!(
        agent.list().await.expect("list").is_empty(),
        "no session was started"
    );
    // A one-word name is common and accepted.
    let mut a = applicant();
    a["full_name"] = json!("Soekarno");
    assert_eq!(start(&app, a).await.0, StatusCode::CREATED);
}

#[tokio::test]
async fn a_correction_replaces_the_demographics_and_is_audited_by_field_name_only() {
    let (app, agent) = app(false, false);
    let id = started(&app).await;
    let mut a = applicant();
    a["full_name"] = json!("Siti Nurhaliza");
    a["address"]["rt"] = json!(42);
    // Another operator (the supervisor, with their own token) makes the correction.
    let sup = identity::issue(&agent, identity::SUPERVISOR).await;
    let (status, r) = call_as(
        &app,
        &sup,
        "PUT",
        &format!("/v1/sessions/{id}/applicant"),
        Some(json!({ "applicant": a })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert_eq!(
        r["correction"]["fields"],
        json!(["applicant.address.rt", "applicant.full_name"])
    );
    assert_eq!(r["correction"]["face_retake_required"], false);
    let (_, s) = call(&app, "GET", &format!("/v1/sessions/{id}"), None).await;
    assert_eq!(s["full_name"], "Siti Nurhaliza");
    let log = audit(&agent).await;
    let (actor, _, subject, detail) = log
        .iter()
        .find(|(_, action, _, _)| action == "applicant.correct")
        .expect("a correction entry");
    assert_eq!((actor.as_str(), subject.as_str()), ("SUP-7", id.as_str()));
    let text = detail.to_string();
    assert!(
        text.contains("applicant.full_name") && !text.contains("Nurhaliza") && !text.contains("42"),
        "the audit names fields, not values: {text}"
    );
}

#[tokio::test]
async fn an_invalid_correction_is_refused_and_leaves_the_session_unchanged() {
    let (app, agent) = app(false, false);
    let id = started(&app).await;
    let (_, before) = call(&app, "GET", &format!("/v1/sessions/{id}"), None).await;
    let entries = audit(&agent).await.len();
    let path = format!("/v1/sessions/{id}/applicant");
    for (edit, field) in [
        (json!({ "full_name": "" }), "applicant.full_name"),
        (json!({ "address": { "rt": 0 } }), "applicant.address.rt"),
    ] {
        let mut a = applicant();
        for (k, v) in edit.as_object().expect("object") {
            match v {
                Value::Object(inner) => {
                    for (ik, iv) in inner {
                        a[k][ik] = iv.clone();
                    }
                }
                _ => a[k] = v.clone(),
            }
        }
        let (status, body) = call(&app, "PUT", &path, Some(json!({ "applicant": a }))).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["field"], field, "{body}");
    }
    // A birth date that makes the resident too young to record is refused like at start.
    let mut young = applicant();
    let year_now = Timestamp::from_unix_ms(rekam_agent::service::system_ms())
        .date()
        .year();
    set_birth(&mut young, year_now - 5, 1, 2);
    young["marital_status"] = json!("belum_kawin");
    let (status, body) = call(&app, "PUT", &path, Some(json!({ "applicant": young }))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(
        (&body["error"], &body["field"]),
        (&json!("not_eligible"), &json!("applicant.date_of_birth"))
    );
    // Unknown members are refused before anything is looked at.
    let (status, body) = call(
        &app,
        "PUT",
        &path,
        Some(json!({ "applicant": applicant(), "x": 1 })),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (_, after) = call(&app, "GET", &format!("/v1/sessions/{id}"), None).await;
    assert_eq!(before, after);
    assert_eq!(audit(&agent).await.len(), entries, "nothing was audited");
}

#[tokio::test]
async fn a_correction_that_changes_the_backdrop_drops_the_photo_for_a_retake() {
    let (app, _) = app(false, false);
    let mut a = applicant();
    set_birth(&mut a, 1981, 5, 15);
    a["marital_status"] = json!("kawin");
    let (status, s) = start(&app, a.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{s}");
    let id = s["id"].as_str().expect("id").to_string();
    face_taken(&app, &id).await;
    let (_, s) = call(&app, "POST", &format!("/v1/sessions/{id}/signature"), None).await;
    assert_eq!(s["stage"], "fingers");

    // 1981 is odd (red backdrop); 1980 is even (blue): the photo no longer fits the card.
    set_birth(&mut a, 1980, 5, 15);
    let path = format!("/v1/sessions/{id}/applicant");
    let (status, r) = call(&app, "PUT", &path, Some(json!({ "applicant": a }))).await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert_eq!(r["correction"]["face_retake_required"], true, "{r}");
    assert_eq!(
        r["correction"]["fields"],
        json!(["applicant.date_of_birth", "applicant.nik"])
    );
    let s = &r["session"];
    assert_eq!(
        (
            &s["stage"],
            &s["face_approved"],
            &s["face"]["tries"],
            &s["signature"]
        ),
        (&json!("face"), &json!(false), &json!(0), &json!(true)),
        "{s}"
    );
    // The retake is judged against the new backdrop; once approved the desk goes on where it was.
    let s = face_taken(&app, &id).await;
    assert_eq!(s["stage"], "fingers", "{s}");

    // The same birth-year parity keeps the photo.
    set_birth(&mut a, 1982, 5, 15);
    let (status, r) = call(&app, "PUT", &path, Some(json!({ "applicant": a }))).await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert_eq!(r["correction"]["face_retake_required"], false, "{r}");
    assert_eq!(r["session"]["stage"], "fingers");
}

#[tokio::test]
async fn each_capture_can_be_cleared_for_a_retake_and_the_stage_goes_back() {
    let (app, agent) = app(true, false);
    let id = at_fingers(&app).await;
    let base = format!("/v1/sessions/{id}");

    // The face: back to the face stage; after a new approval the desk returns to the fingers.
    let (status, s) = call(&app, "DELETE", &format!("{base}/face"), None).await;
    assert_eq!(status, StatusCode::OK, "{s}");
    assert_eq!(
        (&s["stage"], &s["face"]["tries"]),
        (&json!("face"), &json!(0))
    );
    assert_eq!(face_taken(&app, &id).await["stage"], "fingers");

    // The signature, by another operator: the audit names whose token made the request.
    let sup = identity::issue(&agent, identity::SUPERVISOR).await;
    let (status, s) = call_as(&app, &sup, "DELETE", &format!("{base}/signature"), None).await;
    assert_eq!(status, StatusCode::OK, "{s}");
    assert_eq!(
        (&s["stage"], &s["signature"]),
        (&json!("signature"), &json!(false))
    );
    let (_, s) = call(&app, "POST", &format!("{base}/signature"), None).await;
    assert_eq!(s["stage"], "fingers", "{s}");

    // A finger already taken points to the route that clears it, and that route does.
    for _ in 0..5 {
        let (_, r) = call(&app, "POST", &format!("{base}/fingers/2"), None).await;
        if r["session"]["fingers"]["2"]["done"] == true {
            break;
        }
    }
    let (status, body) = call(&app, "POST", &format!("{base}/fingers/2"), None).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let message = body["message"].as_str().expect("message");
    assert!(
        message.contains("DELETE /v1/sessions/{id}/fingers/2"),
        "{message}"
    );
    let (status, s) = call(&app, "DELETE", &format!("{base}/fingers/2"), None).await;
    assert_eq!(status, StatusCode::OK, "{s}");
    assert_eq!(s["fingers"]["2"]["state"], "pending", "{s}");
    // Nothing recorded: nothing to clear.
    let (status, body) = call(&app, "DELETE", &format!("{base}/fingers/2"), None).await;
    assert_eq!(
        (status, &body["error"]),
        (StatusCode::CONFLICT, &json!("nothing_to_clear"))
    );

    // Exceptions for every finger lead to the irises; clearing one exception goes back.
    for p in 1..=10 {
        let (status, s) = call(
            &app,
            "POST",
            &format!("{base}/fingers/{p}/exception"),
            Some(json!({ "reason": "bandaged" })),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{s}");
    }
    let (status, s) = call(&app, "DELETE", &format!("{base}/fingers/10"), None).await;
    assert_eq!(status, StatusCode::OK, "{s}");
    assert_eq!(
        (&s["stage"], &s["fingers_missing"]),
        (&json!("fingers"), &json!([10]))
    );
    let path = format!("{base}/fingers/10/exception");
    let (_, s) = call(&app, "POST", &path, Some(json!({ "reason": "amputated" }))).await;
    assert_eq!(s["stage"], "irises", "{s}");

    // An iris.
    for _ in 0..5 {
        let (_, r) = call(&app, "POST", &format!("{base}/irises/left"), None).await;
        if r["session"]["irises"]["left"]["done"] == true {
            break;
        }
    }
    let (status, s) = call(&app, "DELETE", &format!("{base}/irises/left"), None).await;
    assert_eq!(status, StatusCode::OK, "{s}");
    assert!(s["irises"].get("left").is_none(), "{s}");
    let (status, body) = call(&app, "DELETE", &format!("{base}/irises/both"), None).await;
    assert_eq!(
        (status, &body["field"]),
        (StatusCode::BAD_REQUEST, &json!("eye"))
    );

    let log = audit(&agent).await;
    let clears: Vec<(&str, &str)> = log
        .iter()
        .filter(|(_, action, _, _)| action.starts_with("clear."))
        .map(|(actor, action, _, _)| (actor.as_str(), action.as_str()))
        .collect();
    assert_eq!(
        clears,
        [
            ("OP-1", "clear.face"),
            ("SUP-7", "clear.signature"),
            ("OP-1", "clear.finger"),
            ("OP-1", "clear.finger"),
            ("OP-1", "clear.iris"),
        ]
    );
}

#[tokio::test]
async fn an_abandoned_session_keeps_no_captures_and_cannot_continue() {
    let (app, agent) = app(false, false);
    let id = started(&app).await;
    face_taken(&app, &id).await;
    let base = format!("/v1/sessions/{id}");
    let (status, body) = call(
        &app,
        "POST",
        &format!("{base}/abandon"),
        Some(json!({ "reason": " " })),
    )
    .await;
    assert_eq!(
        (status, &body["field"]),
        (StatusCode::BAD_REQUEST, &json!("reason")),
        "{body}"
    );

    let reason = "resident left before the fingers";
    let (status, s) = call(
        &app,
        "POST",
        &format!("{base}/abandon"),
        Some(json!({ "reason": reason })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{s}");
    assert_eq!(
        (&s["stage"], &s["face"]["tries"]),
        (&json!("abandoned"), &json!(0)),
        "{s}"
    );
    for (method, path, body) in [
        ("POST", format!("{base}/face"), None),
        ("POST", format!("{base}/finalize"), None),
        ("DELETE", format!("{base}/face"), None),
        (
            "PUT",
            format!("{base}/applicant"),
            Some(json!({ "applicant": applicant() })),
        ),
        (
            "POST",
            format!("{base}/abandon"),
            Some(json!({ "reason": "again" })),
        ),
    ] {
        let (status, body) = call(&app, method, &path, body).await;
        assert_eq!(
            (status, &body["error"]),
            (StatusCode::CONFLICT, &json!("wrong_stage")),
            "{method} {path}: {body}"
        );
    }
    // It no longer counts as open: its images are not kept for it, and the resident may start again.
    let open = agent
        .with_store(|s| Ok(s.open_sessions()?))
        .await
        .expect("open");
    assert!(open.is_empty(), "{open:?}");
    let mut stored = agent
        .with_store(move |s| Ok(s.load_session(&id)?))
        .await
        .expect("load")
        .expect("session");
    assert!(
        stored.images_mut().is_empty(),
        "an abandoned session holds no images"
    );
    let (status, _) = start(&app, applicant()).await;
    assert_eq!(status, StatusCode::CREATED);
    let log = audit(&agent).await;
    let (_, _, _, detail) = log
        .iter()
        .find(|(_, action, _, _)| action == "session.abandon")
        .expect("an abandon entry");
    assert_eq!(detail["reason"], reason);
}

/// Stores a finalized session of `applicant` made through the workflow, as an earlier visit of
/// the same resident would have left it.
async fn finalized_session_of(agent: &Agent, applicant: Value) {
    let mut src = rekam_sim::sample::enrollment(&rekam_sim::sample::SampleOptions::tiny(
        9,
        "WS-1",
        1_763_890_000_000,
    ));
    src.applicant = serde_json::from_value(applicant).expect("applicant");
    let today = time::macros::date!(2026 - 01 - 10);
    let mut s = Session::start(
        src.id,
        src.applicant.clone(),
        src.context.clone(),
        Policy::default(),
        today,
    )
    .expect("start");
    let mut face = src.biometrics.face.clone();
    face.quality.score = 90;
    s.submit_face(face).expect("face");
    s.resident_approves_face(true).expect("approve");
    s.submit_signature(src.biometrics.signature.clone())
        .expect("signature");
    for p in FingerPosition::all() {
        let mut c = src.biometrics.finger(p).expect("finger").clone();
        c.quality.score = 90;
        s.submit_finger(p, c).expect("finger");
    }
    s.finalize(Timestamp::from_unix_ms(1_768_000_000_000))
        .expect("finalize");
    agent
        .with_store(move |st| Ok(st.save_session(&s, 0)?))
        .await
        .expect("save");
}

#[tokio::test]
async fn a_second_open_session_of_the_same_nik_is_refused_naming_the_first() {
    let (app, agent) = app(false, false);
    // A finalized session of the same resident does not block.
    finalized_session_of(&agent, applicant()).await;
    let first = started(&app).await;
    let (status, body) = start(&app, applicant()).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"], "session_open");
    assert_eq!(body["field"], "applicant.nik");
    assert_eq!(body["session_id"], first.as_str());
    assert!(body["message"].as_str().expect("message").contains(&first));
    // The operator resumes the first.
    let (status, s) = call(&app, "GET", &format!("/v1/sessions/{first}"), None).await;
    assert_eq!((status, &s["stage"]), (StatusCode::OK, &json!("face")));

    // A correction cannot move another session onto an open NIK either.
    let mut other = applicant();
    let nik = other["nik"].as_str().expect("nik").to_string();
    other["nik"] = json!(format!(
        "{}{}",
        &nik[..12],
        if &nik[12..] == "0001" { "0002" } else { "0001" }
    ));
    let (status, s) = start(&app, other.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{s}");
    let second = s["id"].as_str().expect("id");
    let (status, body) = call(
        &app,
        "PUT",
        &format!("/v1/sessions/{second}/applicant"),
        Some(json!({ "applicant": applicant() })),
    )
    .await;
    assert_eq!(
        (status, &body["session_id"]),
        (StatusCode::CONFLICT, &json!(first)),
        "{body}"
    );
}

#[tokio::test]
async fn trailing_bytes_after_the_json_body_are_refused() {
    let (app, _) = app(false, false);
    let body = format!("{} x", json!({ "applicant": applicant() }));
    let req = Request::post("/v1/sessions")
        .header("authorization", format!("Bearer {}", *TOKEN))
        .header("content-type", "application/json")
        .body(Body::from(body))
        .expect("request");
    let (status, body) = send(&app, req).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        body["message"]
            .as_str()
            .expect("message")
            .contains("trailing"),
        "{body}"
    );
    // White space after the value is not trailing data.
    let body = format!("{}\n\n", json!({ "applicant": applicant() }));
    let req = Request::post("/v1/sessions")
        .header("authorization", format!("Bearer {}", *TOKEN))
        .body(Body::from(body))
        .expect("request");
    assert_eq!(send(&app, req).await.0, StatusCode::CREATED);
}

#[tokio::test]
async fn framework_errors_405_413_and_bad_paths_are_json_in_the_api_format() {
    let (app, _) = app(false, false);
    let req = Request::delete("/v1/sessions")
        .header("authorization", format!("Bearer {}", *TOKEN))
        .body(Body::empty())
        .expect("request");
    let resp = app.clone().oneshot(req).await.expect("response");
    assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED);
    let allow = resp.headers()["allow"].to_str().expect("allow").to_string();
    assert!(allow.contains("POST") && allow.contains("GET"), "{allow}");
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .expect("type")
            .starts_with("application/json")
    );
    let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20)
        .await
        .expect("body");
    let body: Value = serde_json::from_slice(&bytes).expect("JSON");
    assert_eq!(body["error"], "method_not_allowed");

    let big = vec![b' '; 3 << 20];
    let req = Request::post("/v1/sessions")
        .header("authorization", format!("Bearer {}", *TOKEN))
        .header("content-type", "application/json")
        .body(Body::from(big))
        .expect("request");
    let (status, body) = send(&app, req).await;
    assert_eq!(
        (status, &body["error"]),
        (StatusCode::PAYLOAD_TOO_LARGE, &json!("body_too_large"))
    );

    // Announced too large: refused from the header alone, without waiting for the body.
    for announced in ["3000000", "999999999999"] {
        let req = Request::post("/v1/sessions")
            .header("authorization", format!("Bearer {}", *TOKEN))
            .header("content-type", "application/json")
            .header("content-length", announced)
            .body(Body::from("{}"))
            .expect("request");
        let (status, body) = send(&app, req).await;
        assert_eq!(
            (status, &body["error"]),
            (StatusCode::PAYLOAD_TOO_LARGE, &json!("body_too_large")),
            "{announced}"
        );
    }

    let id = started(&app).await;
    for p in ["300", "0", "11", "x", "-1"] {
        let (status, body) = call(
            &app,
            "POST",
            &format!("/v1/sessions/{id}/fingers/{p}"),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{p}: {body}");
        assert_eq!(
            (&body["error"], &body["field"]),
            (&json!("invalid_path"), &json!("position"))
        );
        let (status, body) = call(
            &app,
            "DELETE",
            &format!("/v1/sessions/{id}/fingers/{p}"),
            None,
        )
        .await;
        assert_eq!(
            (status, &body["field"]),
            (StatusCode::BAD_REQUEST, &json!("position"))
        );
    }
    let (status, body) = call(&app, "GET", "/v1/no-such-route", None).await;
    assert_eq!(
        (status, &body["error"]),
        (StatusCode::NOT_FOUND, &json!("not_found"))
    );
}

#[tokio::test]
async fn the_bearer_scheme_is_case_insensitive_and_takes_any_number_of_spaces() {
    let (app, _) = app(false, false);
    let get = |auth: String| {
        Request::get("/v1/devices")
            .header("authorization", auth)
            .body(Body::empty())
            .expect("request")
    };
    for auth in [
        format!("bearer {}", *TOKEN),
        format!("BEARER {}", *TOKEN),
        format!("BeArEr {}", *TOKEN),
        format!("Bearer    {}", *TOKEN),
        format!("Bearer \t {}", *TOKEN),
    ] {
        let (status, body) = send(&app, get(auth.clone())).await;
        assert_eq!(status, StatusCode::OK, "{auth:?}: {body}");
    }
    for auth in [
        format!("Bearer{}", *TOKEN),
        format!("Basic {}", *TOKEN),
        format!("Bearers {}", *TOKEN),
        "Bearer ".to_string(),
        format!("bearer {}x", *TOKEN),
    ] {
        let (status, body) = send(&app, get(auth.clone())).await;
        assert_eq!(
            (status, &body["error"]),
            (StatusCode::UNAUTHORIZED, &json!("unauthorized")),
            "{auth:?}"
        );
    }
}

#[tokio::test]
async fn a_capture_whose_client_hung_up_is_still_recorded_and_audited() {
    // The fingerprint simulator waits half a second for the finger, like a person at the desk.
    let (app, agent) = app(false, true);
    let src = rekam_sim::sample::enrollment(&rekam_sim::sample::SampleOptions::tiny(
        3,
        "WS-1",
        1_763_890_000_000,
    ));
    let today = Timestamp::from_unix_ms(rekam_agent::service::system_ms()).date();
    let mut s = Session::start(
        src.id,
        src.applicant.clone(),
        src.context.clone(),
        Policy::default(),
        today,
    )
    .expect("start");
    let mut face = src.biometrics.face.clone();
    face.quality.score = 90;
    s.submit_face(face).expect("face");
    s.resident_approves_face(true).expect("approve");
    s.submit_signature(src.biometrics.signature.clone())
        .expect("signature");
    let id = src.id.to_string();
    agent
        .with_store(move |st| Ok(st.save_session(&s, 0)?))
        .await
        .expect("save");

    let req = Request::post(format!("/v1/sessions/{id}/fingers/2"))
        .header("authorization", format!("Bearer {}", *TOKEN))
        .body(Body::empty())
        .expect("request");
    // The client gives up (its request future is dropped) while the scanner waits for the finger.
    let hung_up = tokio::time::timeout(Duration::from_millis(100), app.clone().oneshot(req)).await;
    assert!(
        hung_up.is_err(),
        "the capture finished before the client hung up"
    );

    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let (_, s) = call(&app, "GET", &format!("/v1/sessions/{id}"), None).await;
        if s["fingers"]["2"]["tries"] == 1 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "never recorded: {s}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let log = audit(&agent).await;
    assert!(
        log.iter()
            .any(|(_, action, subject, detail)| action == "capture.finger"
                && *subject == id
                && detail["position"] == 2),
        "{log:?}"
    );
}

/// Sends `request` raw to a real socket serving the API and returns the status line and body.
async fn raw_http(app: axum::Router, request: Vec<u8>) -> (String, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let mut conn = tokio::net::TcpStream::connect(addr).await.expect("connect");
    // The server may answer and close before it has read everything we send.
    let _ = conn.write_all(&request).await;
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), conn.read_to_end(&mut answer)).await;
    server.abort();
    let text = String::from_utf8_lossy(&answer).to_string();
    let status = text.lines().next().unwrap_or("").to_string();
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

#[tokio::test]
async fn overlong_uris_and_headers_get_their_status_from_the_http_server() {
    // hyper answers these itself, before the router sees the request, with no body; a long URI
    // under its limit reaches the API and gets its JSON.
    let (app, _) = app(false, false);
    let long = |n: usize| {
        format!(
            "GET /v1/{} HTTP/1.1\r\nhost: x\r\nauthorization: Bearer {}\r\nconnection: close\r\n\r\n",
            "a".repeat(n),
            *TOKEN
        )
        .into_bytes()
    };
    let (status, _) = raw_http(app.clone(), long(70_000)).await;
    assert!(status.contains(" 414 "), "{status}");
    let (status, body) = raw_http(app.clone(), long(8_000)).await;
    assert!(status.contains(" 404 "), "{status}");
    assert!(body.contains("\"not_found\""), "{body}");
    let big_header = format!(
        "GET /v1/health HTTP/1.1\r\nhost: x\r\nx-big: {}\r\nconnection: close\r\n\r\n",
        "b".repeat(600_000)
    );
    let (status, _) = raw_http(app, big_header.into_bytes()).await;
    assert!(status.contains(" 431 "), "{status}");
}
