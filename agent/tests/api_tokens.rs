//! The JSON API acts as an identified operator: the bearer token is an operator's own, the audit
//! log names whoever's token made each request, a client cannot name an operator itself, and a
//! disabled operator's or a replaced token is refused.

mod identity;

use axum::http::StatusCode;
use serde_json::json;

use identity::{OPERATOR, SUPERVISOR, TOKEN};

fn applicant() -> serde_json::Value {
    let e = rekam_sim::sample::enrollment(&rekam_sim::sample::SampleOptions::tiny(3, "WS-1", 0));
    serde_json::to_value(&e.applicant).expect("applicant")
}

#[tokio::test]
async fn the_audit_log_names_the_operator_whose_token_made_the_request() {
    let (agent, _, _) = identity::agent(false);
    let app = identity::app(&agent);
    let sup = identity::issue(&agent, SUPERVISOR).await;
    let (status, s) = identity::call(
        &app,
        Some(&TOKEN),
        "POST",
        "/v1/sessions",
        Some(json!({ "applicant": applicant() })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{s}");
    let id = s["id"].as_str().expect("id").to_string();
    // Another operator at the same desk takes the photo: the log names them, not the starter.
    let (status, r) = identity::call(
        &app,
        Some(&sup),
        "POST",
        &format!("/v1/sessions/{id}/face"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    let (status, r) = identity::call(
        &app,
        Some(&TOKEN),
        "POST",
        &format!("/v1/sessions/{id}/abandon"),
        Some(json!({ "reason": "the resident left" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    let log = identity::audit(&agent).await;
    let of_session: Vec<(&str, &str)> = log
        .iter()
        .filter(|(_, _, subject, _)| *subject == id)
        .map(|(actor, action, _, _)| (actor.as_str(), action.as_str()))
        .collect();
    assert_eq!(
        of_session,
        [
            (OPERATOR, "session.start"),
            (SUPERVISOR, "capture.face"),
            (OPERATOR, "session.abandon"),
        ]
    );
    // The session records who started it (the packet's operator_id).
    let stored = agent
        .with_store(move |s| Ok(s.load_session(&id)?))
        .await
        .expect("load")
        .expect("session");
    assert_eq!(stored.context.operator_id, OPERATOR);
}

#[tokio::test]
async fn a_client_supplied_operator_id_is_refused_as_an_unknown_field() {
    let (agent, _, _) = identity::agent(false);
    let app = identity::app(&agent);
    let (status, body) = identity::call(
        &app,
        Some(&TOKEN),
        "POST",
        "/v1/sessions",
        Some(json!({ "applicant": applicant(), "operator_id": "SOMEONE-ELSE" })),
    )
    .await;
    assert_eq!(
        (status, &body["error"]),
        (StatusCode::BAD_REQUEST, &json!("invalid_body")),
        "{body}"
    );
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("unknown field `operator_id`")),
        "{body}"
    );
    assert!(
        agent.list().await.expect("list").is_empty(),
        "nothing started"
    );

    let (_, s) = identity::call(
        &app,
        Some(&TOKEN),
        "POST",
        "/v1/sessions",
        Some(json!({ "applicant": applicant() })),
    )
    .await;
    let id = s["id"].as_str().expect("id");
    for (method, path, body) in [
        (
            "PUT",
            format!("/v1/sessions/{id}/applicant"),
            json!({ "applicant": applicant(), "operator_id": "X" }),
        ),
        (
            "POST",
            format!("/v1/sessions/{id}/abandon"),
            json!({ "reason": "test", "operator_id": "X" }),
        ),
        (
            "DELETE",
            format!("/v1/sessions/{id}/face"),
            json!({ "operator_id": "X" }),
        ),
    ] {
        let (status, body) = identity::call(&app, Some(&TOKEN), method, &path, Some(body)).await;
        assert_eq!(
            (status, &body["error"]),
            (StatusCode::BAD_REQUEST, &json!("invalid_body")),
            "{method} {path}: {body}"
        );
    }
    let log = identity::audit(&agent).await;
    assert!(
        log.iter()
            .all(|(actor, ..)| actor != "X" && actor != "SOMEONE-ELSE")
    );
}

#[tokio::test]
async fn a_disabled_operators_token_is_refused() {
    let (agent, _, _) = identity::agent(false);
    let app = identity::app(&agent);
    let devices = |token: Option<&str>| {
        let app = app.clone();
        let token = token.map(str::to_string);
        async move { identity::call(&app, token.as_deref(), "GET", "/v1/devices", None).await }
    };
    assert_eq!(devices(Some(&TOKEN)).await.0, StatusCode::OK);
    agent
        .with_store(|s| Ok(s.set_operator_enabled("test", OPERATOR, false, 1)?))
        .await
        .expect("disable");
    let (status, body) = devices(Some(&TOKEN)).await;
    assert_eq!(
        (status, &body["error"]),
        (StatusCode::UNAUTHORIZED, &json!("unauthorized"))
    );
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("operator OP-1 is disabled")),
        "{body}"
    );
    agent
        .with_store(|s| Ok(s.set_operator_enabled("test", OPERATOR, true, 2)?))
        .await
        .expect("enable");
    assert_eq!(devices(Some(&TOKEN)).await.0, StatusCode::OK);
}

#[tokio::test]
async fn a_token_replaced_by_a_newer_one_or_never_issued_is_refused() {
    let (agent, _, _) = identity::agent(false);
    let app = identity::app(&agent);
    let first = identity::issue(&agent, SUPERVISOR).await;
    let second = identity::issue(&agent, SUPERVISOR).await;
    for (token, status) in [
        (first.as_str(), StatusCode::UNAUTHORIZED),
        (second.as_str(), StatusCode::OK),
        ("0123456789abcdef0123456789abcdef", StatusCode::UNAUTHORIZED),
    ] {
        let (got, body) = identity::call(&app, Some(token), "GET", "/v1/outbox", None).await;
        assert_eq!(got, status, "{token}: {body}");
    }
    let (_, body) = identity::call(&app, Some(&first), "GET", "/v1/outbox", None).await;
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("replaced by a newer one")),
        "{body}"
    );
    let (_, body) = identity::call(&app, None, "GET", "/v1/outbox", None).await;
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("rekam operators token")),
        "{body}"
    );
}
