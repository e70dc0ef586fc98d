//! The local API's OpenAPI document against the API itself, in-process: the served document is the
//! generated one and a structurally valid OpenAPI 3.1 document; real answers validate against the
//! schemas it gives for their status (the classes of mismatch schemathesis found in the
//! hand-written document: a list documented as an object, bodies documented as `{}`, plain-text
//! errors where JSON is documented); and the framework's own rejections are JSON errors.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use rekam_agent::api::{ApiState, MAX_BODY_BYTES, openapi_json, router};
use rekam_agent::config::Config;
use rekam_agent::devices::{DeviceManager, simulated_kit};
use rekam_agent::service::Agent;
use rekam_protocol::{RegistryPrivateKey, SignatureAlgorithm, WorkstationSigningKey};
use ring::rand::SystemRandom;
use serde_json::{Value, json};
use tower::ServiceExt;

mod identity;

use identity::TOKEN;

fn app() -> axum::Router {
    let rng = SystemRandom::new();
    let (key, _) = WorkstationSigningKey::generate(SignatureAlgorithm::Ed25519, &rng).expect("key");
    let registry = RegistryPrivateKey::generate(&rng).expect("registry key");
    let mut config = Config::default();
    config.devices.realtime = false;
    let (f, c, p, i) = simulated_kit(5, false, false);
    let devices = DeviceManager::new(f, c, p, i, config.capture_timeout());
    let agent = Agent::new(
        config,
        identity::store(),
        devices,
        key,
        *registry.public_key(),
    );
    router(ApiState {
        agent: Arc::new(agent),
    })
}

fn doc() -> Value {
    serde_json::from_str(&openapi_json()).expect("the document is JSON")
}

/// One answer: status, content type and body bytes.
struct Answer {
    status: StatusCode,
    content_type: String,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "{} answered {:?} ({e}), not JSON",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }
}

async fn send(
    app: &axum::Router,
    method: &str,
    path: &str,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> Answer {
    let mut req = Request::builder()
        .method(method)
        .uri(path)
        .header("authorization", format!("Bearer {}", TOKEN.as_str()));
    if let Some(t) = content_type {
        req = req.header("content-type", t);
    }
    let req = req
        .header("content-length", body.len())
        .body(Body::from(body))
        .expect("request");
    let resp = app.clone().oneshot(req).await.expect("response");
    let status = resp.status();
    let content_type = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().expect("ascii").to_string())
        .unwrap_or_default();
    let body = axum::body::to_bytes(resp.into_body(), 64 << 20)
        .await
        .expect("body")
        .to_vec();
    Answer {
        status,
        content_type,
        body,
    }
}

async fn json_call(app: &axum::Router, method: &str, path: &str, body: Option<Value>) -> Answer {
    match body {
        Some(b) => {
            send(
                app,
                method,
                path,
                Some("application/json"),
                b.to_string().into_bytes(),
            )
            .await
        }
        None => send(app, method, path, None, Vec::new()).await,
    }
}

/// Follows `#/...` references within the document.
fn resolve<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
    match v.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let target = doc
                .pointer(r.trim_start_matches('#'))
                .unwrap_or_else(|| panic!("{r} does not resolve"));
            resolve(doc, target)
        }
        None => v,
    }
}

/// Checks an answer against the schema the document gives for its operation and status: the
/// status is documented, the content type is the documented one and the body validates.
fn conforms(doc: &Value, method: &str, template: &str, answer: &Answer) {
    let op = &doc["paths"][template][method.to_lowercase()];
    assert!(op.is_object(), "{method} {template} is not documented");
    let status = answer.status.as_str();
    let response = op["responses"]
        .get(status)
        .unwrap_or_else(|| panic!("{method} {template} answered {status}, not documented"));
    let response = resolve(doc, response);
    let content = response["content"].as_object().expect("content");
    let (media, spec) = content.iter().next().expect("one media type");
    assert!(
        answer.content_type.starts_with(media.as_str()),
        "{method} {template} {status}: content type {:?}, documented {media}",
        answer.content_type
    );
    let mut schema = spec["schema"].clone();
    // The components travel with the schema so that its `$ref`s resolve.
    schema["components"] = doc["components"].clone();
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let instance = answer.json();
    let errors: Vec<String> = validator
        .iter_errors(&instance)
        .map(|e| format!("{e} at {}", e.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "{method} {template} {status}: {errors:?} in {instance}"
    );
}

fn start_body() -> Value {
    json!({ "applicant": applicant() })
}

fn applicant() -> Value {
    let e = rekam_sim::sample::enrollment(&rekam_sim::sample::SampleOptions::tiny(3, "WS-1", 0));
    serde_json::to_value(&e.applicant).expect("applicant")
}

#[tokio::test]
async fn the_served_document_is_the_generated_one() {
    let app = app();
    let req = Request::builder()
        .uri("/openapi.json")
        .body(Body::empty())
        .expect("request");
    let resp = app.oneshot(req).await.expect("response");
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["content-type"], "application/json");
    let served = axum::body::to_bytes(resp.into_body(), 1 << 20)
        .await
        .expect("body");
    let served: Value = serde_json::from_slice(&served).expect("JSON");
    assert_eq!(served, doc());
}

#[test]
fn the_document_is_a_structurally_valid_openapi_3_1_document() {
    let doc = doc();
    assert!(
        doc["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1.")),
        "openapi is {}",
        doc["openapi"]
    );
    assert!(doc["info"]["title"].is_string() && doc["info"]["version"].is_string());
    let schemes = doc["components"]["securitySchemes"]
        .as_object()
        .expect("securitySchemes");
    let mut operation_ids = BTreeSet::new();
    let paths = doc["paths"].as_object().expect("paths");
    for (template, item) in paths {
        assert!(template.starts_with('/'), "{template}");
        let in_template: BTreeSet<&str> = template
            .split('{')
            .skip(1)
            .filter_map(|s| s.split('}').next())
            .collect();
        for (method, op) in item.as_object().expect("path item") {
            assert!(
                ["get", "put", "post", "delete", "patch"].contains(&method.as_str()),
                "{method} {template}"
            );
            let id = op["operationId"].as_str().expect("operationId");
            assert!(operation_ids.insert(id.to_string()), "{id} twice");
            let declared: BTreeSet<&str> = op["parameters"]
                .as_array()
                .map(|ps| {
                    ps.iter()
                        .filter(|p| p["in"] == "path")
                        .inspect(|p| assert_eq!(p["required"], true, "{id}: {p}"))
                        .filter_map(|p| p["name"].as_str())
                        .collect()
                })
                .unwrap_or_default();
            assert_eq!(declared, in_template, "{id}: path parameters");
            let responses = op["responses"].as_object().expect("responses");
            assert!(!responses.is_empty(), "{id}: no responses");
            for (status, r) in responses {
                assert!(
                    status.len() == 3 && status.parse::<u16>().is_ok(),
                    "{id}: {status}"
                );
                let r = resolve(&doc, r);
                assert!(r["description"].is_string(), "{id} {status}: description");
                assert!(r["content"].is_object(), "{id} {status}: no content");
            }
            for requirement in op["security"].as_array().into_iter().flatten() {
                for name in requirement.as_object().expect("requirement").keys() {
                    assert!(schemes.contains_key(name), "{id}: scheme {name}");
                }
            }
        }
    }
    // Every `$ref` resolves, every link names an operation of the document and only parameters
    // that operation takes.
    fn walk(doc: &Value, v: &Value, ids: &BTreeSet<String>) {
        match v {
            Value::Object(m) => {
                if let Some(r) = m.get("$ref").and_then(Value::as_str) {
                    resolve(doc, v);
                    assert!(r.starts_with("#/components/"), "{r}");
                }
                if let Some(links) = m.get("links").and_then(Value::as_object) {
                    for (name, link) in links {
                        let to = link["operationId"].as_str().expect("link operationId");
                        assert!(ids.contains(to), "link {name} to unknown {to}");
                    }
                }
                m.values().for_each(|x| walk(doc, x, ids));
            }
            Value::Array(a) => a.iter().for_each(|x| walk(doc, x, ids)),
            _ => {}
        }
    }
    walk(&doc, &doc, &operation_ids);
    // Every component schema is a JSON Schema that compiles.
    for (name, schema) in doc["components"]["schemas"].as_object().expect("schemas") {
        let mut s = schema.clone();
        s["components"] = doc["components"].clone();
        assert!(
            jsonschema::validator_for(&s).is_ok(),
            "{name} does not compile"
        );
    }
}

#[test]
fn every_request_body_is_described_by_a_schema_not_an_empty_object() {
    let doc = doc();
    let mut bodies = 0;
    for (template, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("item") {
            let Some(rb) = op.get("requestBody") else {
                continue;
            };
            bodies += 1;
            let content = rb["content"].as_object().expect("content");
            assert_eq!(
                content.keys().collect::<Vec<_>>(),
                ["application/json"],
                "{method} {template}"
            );
            let schema = resolve(&doc, &content["application/json"]["schema"]);
            // `Option<Body>` is documented as the body or null.
            let schema = schema["oneOf"]
                .as_array()
                .and_then(|alts| alts.iter().find(|a| a["type"] != "null"))
                .map_or(schema, |a| resolve(&doc, a));
            assert_eq!(schema["type"], "object", "{method} {template}: {schema}");
            assert_eq!(
                schema["additionalProperties"], false,
                "{method} {template}: unknown members are refused, so the schema says so"
            );
        }
    }
    assert_eq!(bodies, 10, "every route that takes a body");
}

#[tokio::test]
async fn the_session_list_is_an_array_and_every_answer_of_an_enrollment_matches_its_schema() {
    let app = app();
    let doc = doc();
    let health = json_call(&app, "GET", "/v1/health", None).await;
    conforms(&doc, "GET", "/v1/health", &health);
    let devices = json_call(&app, "GET", "/v1/devices", None).await;
    conforms(&doc, "GET", "/v1/devices", &devices);
    let empty = json_call(&app, "GET", "/v1/sessions", None).await;
    conforms(&doc, "GET", "/v1/sessions", &empty);
    let started = json_call(&app, "POST", "/v1/sessions", Some(start_body())).await;
    assert_eq!(started.status, StatusCode::CREATED);
    conforms(&doc, "POST", "/v1/sessions", &started);
    let id = started.json()["id"].as_str().expect("id").to_string();
    let list = json_call(&app, "GET", "/v1/sessions", None).await;
    assert!(list.json().is_array());
    conforms(&doc, "GET", "/v1/sessions", &list);
    let again = json_call(&app, "POST", "/v1/sessions", Some(start_body())).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    conforms(&doc, "POST", "/v1/sessions", &again);
    for (method, template, body) in [
        ("GET", "/v1/sessions/{id}", None),
        ("POST", "/v1/sessions/{id}/face", None),
        (
            "POST",
            "/v1/sessions/{id}/face/approval",
            Some(json!({"approved": true})),
        ),
        ("POST", "/v1/sessions/{id}/signature", None),
        ("POST", "/v1/sessions/{id}/slaps/right", None),
        ("POST", "/v1/sessions/{id}/fingers/{position}", None),
        (
            "POST",
            "/v1/sessions/{id}/fingers/{position}/exception",
            Some(json!({"reason": "bandaged"})),
        ),
        ("DELETE", "/v1/sessions/{id}/fingers/{position}", None),
        ("DELETE", "/v1/sessions/{id}/irises/left", None),
        ("POST", "/v1/sessions/{id}/finalize", None),
        (
            "PUT",
            "/v1/sessions/{id}/applicant",
            Some(json!({"applicant": applicant()})),
        ),
        (
            "POST",
            "/v1/sessions/{id}/approval",
            Some(json!({"supervisor_id": "nobody", "password": "x"})),
        ),
        (
            "POST",
            "/v1/sessions/{id}/abandon",
            Some(json!({"reason": "test"})),
        ),
        ("GET", "/v1/sessions/{id}", None),
        ("GET", "/v1/outbox", None),
        ("GET", "/v1/outbox/{packet_id}", None),
    ] {
        let path = template
            .replace("{id}", &id)
            .replace("{position}", "2")
            .replace("{packet_id}", "no-such-packet");
        let doc_template = template
            .replace("/right", "/{slap}")
            .replace("/left", "/{eye}");
        let answer = json_call(&app, method, &path, body).await;
        conforms(&doc, method, &doc_template, &answer);
    }
}

#[tokio::test]
async fn the_frameworks_own_rejections_are_documented_json_errors() {
    let app = app();
    let doc = doc();
    let error_schema = doc["components"]["schemas"]["Error"].clone();
    let error_validator = jsonschema::validator_for(&error_schema).expect("compiles");
    // Method, path, content type, body, expected status and error code.
    type Case<'a> = (
        &'a str,
        &'a str,
        Option<&'a str>,
        Vec<u8>,
        StatusCode,
        &'a str,
    );
    let cases: Vec<Case<'_>> = vec![
        (
            "POST",
            "/v1/sessions",
            Some("application/json"),
            b"{\"applicant\": ".to_vec(),
            StatusCode::BAD_REQUEST,
            "invalid_body",
        ),
        (
            "POST",
            "/v1/sessions",
            Some("text/plain"),
            start_body().to_string().into_bytes(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
        (
            "POST",
            "/v1/sessions",
            None,
            start_body().to_string().into_bytes(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
        (
            "POST",
            "/v1/sessions",
            Some("application/json"),
            b"{}".to_vec(),
            StatusCode::BAD_REQUEST,
            "invalid_body",
        ),
        (
            "POST",
            "/v1/sessions",
            Some("application/json"),
            vec![b' '; MAX_BODY_BYTES + 1],
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
        ),
        (
            "GET",
            "/v1/no-such-route",
            None,
            Vec::new(),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            "PATCH",
            "/v1/sessions",
            None,
            Vec::new(),
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
        ),
    ];
    for (method, path, content_type, body, status, code) in cases {
        let answer = send(&app, method, path, content_type, body).await;
        assert_eq!(answer.status, status, "{method} {path} {content_type:?}");
        assert!(
            answer.content_type.starts_with("application/json"),
            "{method} {path}: {}",
            answer.content_type
        );
        let body = answer.json();
        assert_eq!(body["error"], code, "{method} {path}: {body}");
        assert!(error_validator.is_valid(&body), "{body}");
        if doc["paths"][path][method.to_lowercase()].is_object() {
            conforms(&doc, method, path, &answer);
        }
    }
}

#[tokio::test]
async fn a_number_with_a_zero_fraction_is_the_integer_json_schema_says_it_is() {
    let app = app();
    let mut body = start_body();
    body["applicant"]["address"]["rw"] = json!(2.0);
    let answer = json_call(&app, "POST", "/v1/sessions", Some(body)).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.json());
    assert_eq!(answer.json()["stage"], "face");
    let mut body = start_body();
    body["applicant"]["address"]["rw"] = json!(2.5);
    let answer = json_call(&app, "POST", "/v1/sessions", Some(body)).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(answer.json()["field"], "applicant.address.rw");
}

#[tokio::test]
async fn a_clear_takes_no_body_an_empty_object_or_null_and_nothing_else() {
    let app = app();
    let started = json_call(&app, "POST", "/v1/sessions", Some(start_body())).await;
    let id = started.json()["id"].as_str().expect("id").to_string();
    let path = format!("/v1/sessions/{id}/face");
    for body in ["null", "{}", " "] {
        let answer = send(&app, "DELETE", &path, Some("application/json"), body.into()).await;
        // Nothing was taken yet: the body is accepted and the clear is refused as out of turn.
        assert_eq!(answer.status, StatusCode::CONFLICT, "{body}");
        assert_eq!(answer.json()["error"], "nothing_to_clear", "{body}");
    }
    let answer = send(
        &app,
        "DELETE",
        &path,
        Some("application/json"),
        b"{\"operator_id\": \"x\"}".to_vec(),
    )
    .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn an_abandon_reason_the_schema_admits_is_accepted_and_one_it_refuses_is_refused() {
    let app = app();
    let doc = doc();
    let schema = &doc["components"]["schemas"]["AbandonBody"];
    let validator = jsonschema::validator_for(schema).expect("compiles");
    // 500 characters of two bytes each: within the limit, which counts characters.
    let long = "é".repeat(500);
    for (reason, valid) in [
        ("moved away", true),
        (long.as_str(), true),
        ("   ", false),
        ("bad\u{7}bell", false),
        ("hidden\u{202e}", false),
    ] {
        let body = json!({ "reason": reason });
        assert_eq!(validator.is_valid(&body), valid, "{reason:?}");
        let started = json_call(&app, "POST", "/v1/sessions", Some(start_body())).await;
        let id = started.json()["id"].as_str().expect("id").to_string();
        let answer = json_call(
            &app,
            "POST",
            &format!("/v1/sessions/{id}/abandon"),
            Some(body),
        )
        .await;
        let expected = if valid {
            StatusCode::OK
        } else {
            StatusCode::BAD_REQUEST
        };
        assert_eq!(answer.status, expected, "{reason:?}: {}", answer.json());
        if !valid {
            // Give it up for real, so the next start of the same resident is not refused.
            let answer = json_call(
                &app,
                "POST",
                &format!("/v1/sessions/{id}/abandon"),
                Some(json!({"reason": "cleanup"})),
            )
            .await;
            assert_eq!(answer.status, StatusCode::OK);
        }
    }
}

#[test]
fn the_nik_pattern_admits_exactly_the_niks_the_parser_accepts() {
    let doc = doc();
    let schema = &doc["components"]["schemas"]["Nik"];
    let validator = jsonschema::validator_for(schema).expect("compiles");
    let mut checked = 0;
    let mut compare = |nik: String| {
        let by_schema = validator.is_valid(&json!(nik));
        let by_parser = rekam_protocol::Nik::parse(&nik).is_ok();
        assert_eq!(by_schema, by_parser, "{nik}");
        checked += 1;
    };
    // Every province pair, regency and district edge, every day and month pair (with the days
    // that exist in some months only) and the serial's edge.
    for province in 0..100 {
        compare(format!("{province:02}7301570890001"));
    }
    for (regency, district) in [(0, 1), (1, 0), (0, 0), (99, 99), (10, 1)] {
        compare(format!("32{regency:02}{district:02}570890001"));
    }
    for day in 0..100 {
        for month in 0..14 {
            compare(format!("327301{day:02}{month:02}900001"));
        }
    }
    for serial in ["0000", "0001", "0010", "0100", "1000", "9999"] {
        compare(format!("327301570890{serial}"));
    }
    // Length and characters.
    for odd in [
        "",
        "327301570890001",
        "32730157089000011",
        "32730157089000a1",
        "３２７３０１５７０８９０００１",
    ] {
        compare(odd.to_string());
    }
    // A deterministic spread of other digit strings.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..20_000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        compare(format!("{:016}", x % 10_000_000_000_000_000));
    }
    assert!(checked > 21_000);
}
