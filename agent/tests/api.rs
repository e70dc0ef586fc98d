//! The local API, driven in-process with `oneshot` over simulated devices: authentication, errors
//! that name the field at fault, a whole enrollment, and an OpenAPI document that matches the
//! routes.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use rekam_agent::api::{ApiState, openapi_json, router};
use rekam_agent::config::Config;
use rekam_agent::devices::{DeviceManager, simulated_kit};
use rekam_agent::service::Agent;
use rekam_protocol::{RegistryPrivateKey, SignatureAlgorithm, WorkstationSigningKey};
use ring::rand::SystemRandom;
use serde_json::{Value, json};
use tower::ServiceExt;

mod identity;

use identity::TOKEN;

fn app(iris: bool) -> axum::Router {
    app_and_agent(iris).0
}

fn app_and_agent(iris: bool) -> (axum::Router, Arc<Agent>) {
    let rng = SystemRandom::new();
    let (key, _) = WorkstationSigningKey::generate(SignatureAlgorithm::Ed25519, &rng).expect("key");
    let registry = RegistryPrivateKey::generate(&rng).expect("registry key");
    let mut config = Config::default();
    config.devices.realtime = false;
    let (f, c, p, i) = simulated_kit(5, iris, false);
    let devices = DeviceManager::new(f, c, p, i, config.capture_timeout());
    let agent = Agent::new(
        config,
        identity::store(),
        devices,
        key,
        *registry.public_key(),
    );
    let agent = Arc::new(agent);
    let app = router(ApiState {
        agent: agent.clone(),
    });
    (app, agent)
}

async fn call(
    app: &axum::Router,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    call_with(app, method, path, body, Some(TOKEN.as_str())).await
}

async fn call_with(
    app: &axum::Router,
    method: &str,
    path: &str,
    body: Option<Value>,
    token: Option<&str>,
) -> (StatusCode, Value) {
    let mut req = Request::builder().method(method).uri(path);
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let req = match body {
        Some(b) => req
            .header("content-type", "application/json")
            .body(Body::from(b.to_string())),
        None => req.body(Body::empty()),
    }
    .expect("request");
    let resp = app.clone().oneshot(req).await.expect("response");
    let status = resp.status();
    let bytes = axum::body::to_bytes(resp.into_body(), 64 << 20)
        .await
        .expect("body");
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

fn applicant() -> Value {
    let e = rekam_sim::sample::enrollment(&rekam_sim::sample::SampleOptions::tiny(3, "WS-1", 0));
    serde_json::to_value(&e.applicant).expect("applicant")
}

#[tokio::test]
async fn health_and_the_openapi_document_need_no_token_but_everything_else_does() {
    let app = app(false);
    assert_eq!(
        call_with(&app, "GET", "/v1/health", None, None).await.0,
        StatusCode::OK
    );
    assert_eq!(
        call_with(&app, "GET", "/openapi.json", None, None).await.0,
        StatusCode::OK
    );
    let (status, body) = call_with(&app, "GET", "/v1/devices", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "unauthorized");
    let (status, _) = call_with(&app, "GET", "/v1/devices", None, Some("wrong-token")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        call(&app, "GET", "/v1/devices", None).await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_malformed_body_names_the_field_at_fault() {
    let app = app(false);
    let mut a = applicant();
    a["date_of_birth"] = json!("31-12-1990");
    let (status, body) = call(
        &app,
        "POST",
        "/v1/sessions",
        Some(json!({ "applicant": a })),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["field"], "applicant.date_of_birth", "{body}");

    let (status, body) = call(
        &app,
        "POST",
        "/v1/sessions",
        Some(json!({ "applicant": applicant(), "colour": "red" })),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        body["message"].as_str().unwrap_or("").contains("colour"),
        "{body}"
    );
}

#[tokio::test]
async fn a_nik_inconsistent_with_the_birth_date_is_refused_naming_the_nik() {
    let app = app(false);
    let mut a = applicant();
    let nik = a["nik"].as_str().expect("nik").to_string();
    // Shift the day of birth in the NIK (digits 7-8) by one.
    let day: u32 = nik[6..8].parse().expect("day");
    let wrong = format!(
        "{}{:02}{}",
        &nik[..6],
        if day % 40 == 1 { day + 1 } else { day - 1 },
        &nik[8..]
    );
    a["nik"] = json!(wrong);
    let (status, body) = call(
        &app,
        "POST",
        "/v1/sessions",
        Some(json!({ "applicant": a })),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["field"], "applicant.nik", "{body}");
}

#[tokio::test]
async fn unknown_sessions_are_404_and_actions_out_of_turn_are_409() {
    let app = app(false);
    let (status, _) = call(&app, "GET", "/v1/sessions/nope", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, s) = call(
        &app,
        "POST",
        "/v1/sessions",
        Some(json!({ "applicant": applicant() })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{s}");
    let id = s["id"].as_str().expect("id");
    let (status, body) = call(&app, "POST", &format!("/v1/sessions/{id}/fingers/2"), None).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"], "wrong_stage");
    let (status, body) = call(&app, "POST", &format!("/v1/sessions/{id}/fingers/11"), None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["field"], "position");
}

#[tokio::test]
async fn a_whole_enrollment_through_the_api_ends_in_the_outbox() {
    let app = app(true);
    let (_, s) = call(
        &app,
        "POST",
        "/v1/sessions",
        Some(json!({ "applicant": applicant() })),
    )
    .await;
    let id = s["id"].as_str().expect("id").to_string();
    assert_eq!(s["irises_required"], true);
    let until_done = |path: String, key: &'static str, sub: Option<String>| {
        let app = app.clone();
        async move {
            for _ in 0..5 {
                let (status, r) = call(&app, "POST", &path, None).await;
                assert_eq!(status, StatusCode::OK, "{path}: {r}");
                let node = match &sub {
                    Some(k) => &r["session"][key][k],
                    None => &r["session"][key],
                };
                if node["done"] == true {
                    return r;
                }
            }
            panic!("{path} never completed")
        }
    };
    until_done(format!("/v1/sessions/{id}/face"), "face", None).await;
    let (status, _) = call(
        &app,
        "POST",
        &format!("/v1/sessions/{id}/face/approval"),
        Some(json!({ "approved": true })),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, s) = call(&app, "POST", &format!("/v1/sessions/{id}/signature"), None).await;
    assert_eq!(
        (status, s["stage"].clone()),
        (StatusCode::OK, json!("fingers"))
    );
    for p in 1..=9u8 {
        until_done(
            format!("/v1/sessions/{id}/fingers/{p}"),
            "fingers",
            Some(p.to_string()),
        )
        .await;
    }
    let (status, s) = call(
        &app,
        "POST",
        &format!("/v1/sessions/{id}/fingers/10/exception"),
        Some(json!({ "reason": "bandaged", "note": "burn", "photo": true })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{s}");
    assert_eq!(s["stage"], "irises");
    assert_eq!(s["fingers"]["10"]["reason"], "bandaged", "{s}");
    assert_eq!(
        s["fingers"]["10"]["photo"], true,
        "the hand was photographed: {s}"
    );
    for eye in ["left", "right"] {
        until_done(
            format!("/v1/sessions/{id}/irises/{eye}"),
            "irises",
            Some(eye.into()),
        )
        .await;
    }
    // The excepted finger waits for a supervisor.
    let (status, f) = call(&app, "POST", &format!("/v1/sessions/{id}/finalize"), None).await;
    assert_eq!(
        (status, &f["error"]),
        (StatusCode::CONFLICT, &json!("approval_required")),
        "{f}"
    );
    assert!(
        f["message"]
            .as_str()
            .is_some_and(|m| m.contains("exception_finger_10")),
        "{f}"
    );
    let (status, s) = call(
        &app,
        "POST",
        &format!("/v1/sessions/{id}/approval"),
        Some(json!({ "supervisor_id": identity::SUPERVISOR, "password": identity::PASSWORD })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{s}");
    assert_eq!(s["approved_by"], identity::SUPERVISOR, "{s}");
    let (status, f) = call(&app, "POST", &format!("/v1/sessions/{id}/finalize"), None).await;
    assert_eq!(status, StatusCode::CREATED, "{f}");
    let packet = f["packet_id"].as_str().expect("packet id");
    let (_, o) = call(&app, "GET", &format!("/v1/outbox/{packet}"), None).await;
    assert_eq!(o["state"], "pending");
    let (status, _) = call(&app, "POST", &format!("/v1/sessions/{id}/finalize"), None).await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "a finalized session cannot be finalized again"
    );
}

#[test]
fn the_openapi_document_lists_exactly_the_routes_the_router_serves() {
    let doc: Value = serde_json::from_str(&openapi_json()).expect("valid JSON");
    let mut documented: Vec<String> = doc["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .flat_map(|(path, ops)| {
            ops.as_object()
                .expect("operations")
                .keys()
                .filter(|k| *k != "parameters")
                .map(move |m| format!("{} {path}", m.to_uppercase()))
        })
        .collect();
    documented.sort();
    let source = include_str!("../src/api/mod.rs");
    let mut served = Vec::new();
    // Each `.route("path", get(..).post(..))`, whether on one line or several.
    let joined = source.replace("\n", " ");
    for chunk in joined.split(".route(").skip(1) {
        let path = chunk.split('"').nth(1).expect("path");
        let body = chunk.split(".route").next().unwrap_or("");
        for (m, call) in [
            ("GET", "get("),
            ("POST", "post("),
            ("PUT", "put("),
            ("DELETE", "delete("),
        ] {
            if body.contains(call) && !served.contains(&format!("{m} {path}")) {
                served.push(format!("{m} {path}"));
            }
        }
    }
    served.sort();
    served.dedup();
    assert_eq!(served, documented);
}

#[tokio::test]
async fn the_event_stream_reports_each_step_as_it_is_recorded() {
    use tokio_stream::StreamExt;
    let app = app(false);
    let req = Request::builder()
        .uri("/v1/events")
        .header("authorization", format!("Bearer {}", *TOKEN))
        .body(Body::empty())
        .expect("request");
    let resp = app.clone().oneshot(req).await.expect("response");
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        resp.headers()["content-type"].to_str().expect("type"),
        "text/event-stream"
    );
    let mut stream = resp.into_body().into_data_stream();
    let (status, s) = call(
        &app,
        "POST",
        "/v1/sessions",
        Some(json!({ "applicant": applicant() })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let mut seen = String::new();
    while !seen.contains("\n\n") {
        let chunk = tokio::time::timeout(std::time::Duration::from_secs(5), stream.next())
            .await
            .expect("an event within 5 s")
            .expect("stream open")
            .expect("chunk");
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(seen.starts_with("event: session.start\n"), "{seen}");
    assert!(seen.contains(s["id"].as_str().expect("id")), "{seen}");
}

/// Starts a session and takes the face, its approval and the signature: the fingers are next.
async fn session_at_fingers(app: &axum::Router) -> String {
    let (_, s) = call(
        app,
        "POST",
        "/v1/sessions",
        Some(json!({ "applicant": applicant() })),
    )
    .await;
    let id = s["id"].as_str().expect("id").to_string();
    for _ in 0..5 {
        let (status, r) = call(app, "POST", &format!("/v1/sessions/{id}/face"), None).await;
        assert_eq!(status, StatusCode::OK, "{r}");
        if r["session"]["face"]["done"] == true {
            break;
        }
    }
    let approval = Some(json!({ "approved": true }));
    let path = format!("/v1/sessions/{id}/face/approval");
    assert_eq!(call(app, "POST", &path, approval).await.0, StatusCode::OK);
    let (_, s) = call(app, "POST", &format!("/v1/sessions/{id}/signature"), None).await;
    assert_eq!(s["stage"], "fingers", "{s}");
    id
}

#[tokio::test]
async fn the_event_stream_shows_live_preview_frames_while_a_finger_is_captured() {
    use tokio_stream::StreamExt;
    let app = app(false);
    let id = session_at_fingers(&app).await;
    let req = Request::builder()
        .uri("/v1/events")
        .header("authorization", format!("Bearer {}", *TOKEN))
        .body(Body::empty())
        .expect("request");
    let resp = app.clone().oneshot(req).await.expect("response");
    let mut stream = resp.into_body().into_data_stream();
    let (status, r) = call(&app, "POST", &format!("/v1/sessions/{id}/fingers/2"), None).await;
    assert_eq!(status, StatusCode::OK, "{r}");
    let mut seen = String::new();
    while !seen.contains("event: capture.finger\n") {
        let chunk = tokio::time::timeout(std::time::Duration::from_secs(5), stream.next())
            .await
            .expect("an event within 5 s")
            .expect("stream open")
            .expect("chunk");
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    let previews: Vec<Value> = seen
        .split("\n\n")
        .filter(|e| e.starts_with("event: preview.finger\n"))
        .filter_map(|e| e.split_once("data: ").map(|(_, d)| d))
        .map(|d| serde_json::from_str(d).expect("event JSON"))
        .collect();
    assert!(!previews.is_empty(), "no preview events in {seen}");
    for p in &previews {
        assert_eq!(p["subject"], id.as_str(), "{p}");
        assert_eq!(p["detail"]["position"], 2, "{p}");
        let img = p["detail"]["image"].as_str().expect("a preview image");
        assert!(img.starts_with("data:image/png;base64,"), "{img:.40}");
    }
    let last = &previews[previews.len() - 1]["detail"];
    assert_eq!(last["decision"], "capture", "{last}");
    assert_eq!(last["present"], true, "{last}");
    // The previews come before the capture they led to.
    let capture_at = seen.find("event: capture.finger\n").expect("capture");
    assert!(seen.rfind("event: preview.finger\n").expect("preview") < capture_at);
}

#[tokio::test]
async fn the_event_stream_ends_when_the_agent_closes_so_shutdown_is_not_held_open() {
    use tokio_stream::StreamExt;
    let (app, agent) = app_and_agent(false);
    let req = Request::builder()
        .uri("/v1/events")
        .header("authorization", format!("Bearer {}", *TOKEN))
        .body(Body::empty())
        .expect("request");
    let resp = app.oneshot(req).await.expect("response");
    let mut stream = resp.into_body().into_data_stream();
    agent.close();
    let end = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        while let Some(chunk) = stream.next().await {
            chunk.expect("chunk");
        }
    })
    .await;
    assert!(end.is_ok(), "the stream stayed open after close");
}

#[tokio::test]
async fn three_slaps_4_4_2_record_all_ten_fingers_segmented_with_their_positions() {
    let app = app(false);
    let id = session_at_fingers(&app).await;
    let mut positions = Vec::new();
    for (slap, expected) in [
        ("right", vec![2, 3, 4, 5]),
        ("left", vec![10, 9, 8, 7]),
        ("thumbs", vec![6, 1]),
    ] {
        let (status, r) = call(
            &app,
            "POST",
            &format!("/v1/sessions/{id}/slaps/{slap}"),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{slap}: {r}");
        let found: Vec<u64> = r["fingers"]
            .as_array()
            .expect("fingers")
            .iter()
            .map(|f| f["position"].as_u64().expect("position"))
            .collect();
        assert_eq!(found, expected, "{slap}: {r}");
        assert_eq!(r["not_found"], json!([]), "{r}");
        for f in r["fingers"].as_array().expect("fingers") {
            let b = f["bbox"].as_array().expect("bbox");
            assert!(
                b[0].as_u64() < b[2].as_u64() && b[1].as_u64() < b[3].as_u64(),
                "{f}"
            );
        }
        positions.extend(found);
    }
    positions.sort_unstable();
    assert_eq!(positions, (1..=10).collect::<Vec<u64>>());
    // Slap fingers below the gate are retaken singly; once all are done the stage moves on.
    let (_, s) = call(&app, "GET", &format!("/v1/sessions/{id}"), None).await;
    for p in s["fingers_missing"].as_array().cloned().unwrap_or_default() {
        for _ in 0..5 {
            let (status, r) = call(
                &app,
                "POST",
                &format!("/v1/sessions/{id}/fingers/{p}"),
                None,
            )
            .await;
            assert_eq!(status, StatusCode::OK, "{r}");
            if r["session"]["fingers"][p.to_string()]["done"] == true {
                break;
            }
        }
    }
    let (_, s) = call(&app, "GET", &format!("/v1/sessions/{id}"), None).await;
    assert_eq!(s["stage"], "review", "{s}");
}

#[tokio::test]
async fn a_slap_of_fingers_already_taken_is_refused_and_an_unknown_slap_names_the_field() {
    let app = app(false);
    let id = session_at_fingers(&app).await;
    let path = format!("/v1/sessions/{id}/slaps/thumbs");
    assert_eq!(call(&app, "POST", &path, None).await.0, StatusCode::OK);
    let (status, body) = call(&app, "POST", &path, None).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let (status, body) = call(&app, "POST", &format!("/v1/sessions/{id}/slaps/both"), None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["field"], "slap", "{body}");
}
