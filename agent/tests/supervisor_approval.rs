//! Supervisor approval of forced captures and finger exceptions, through the service and the
//! API, over simulated devices: finalize waits for it, only a supervisor (signed in with their
//! password) gives it, any later change voids it, and it travels in the sealed packet.

mod identity;

use axum::http::StatusCode;
use rekam_agent::service::ServiceError;
use rekam_protocol::model::FingerPosition;
use rekam_protocol::packet;
use serde_json::json;

use identity::{PASSWORD, SUPERVISOR, TOKEN, operator, supervisor};

#[tokio::test]
async fn finalize_waits_for_a_supervisor_when_a_finger_is_excepted() {
    let (agent, _, _) = identity::agent(false);
    let id = identity::to_review_with_exception(&agent, &operator()).await;
    let s = agent.summary(&id).await.expect("summary");
    assert!(
        s.needs_approval
            .contains(&"exception_finger_10".to_string()),
        "{:?}",
        s.needs_approval
    );
    assert_eq!(s.approved_by, None);
    match agent.finalize(&operator(), &id).await {
        Err(ServiceError::ApprovalRequired { reasons }) => assert_eq!(reasons, s.needs_approval),
        other => panic!("expected approval_required, got {other:?}"),
    }
    let (status, body) = identity::call(
        &identity::app(&agent),
        Some(&TOKEN),
        "POST",
        &format!("/v1/sessions/{id}/finalize"),
        None,
    )
    .await;
    assert_eq!(
        (status, &body["error"]),
        (StatusCode::CONFLICT, &json!("approval_required"))
    );
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("finger 10 recorded as an exception")),
        "{body}"
    );
    let s = agent
        .approve(&operator(), &id, &supervisor())
        .await
        .expect("approve");
    assert_eq!(s.approved_by.as_deref(), Some(SUPERVISOR));
    // Saved with the session: an agent restarted now reads it back from the store.
    let key = id.clone();
    let stored = agent
        .with_store(move |s| Ok(s.load_session(&key)?))
        .await
        .expect("load")
        .expect("session");
    assert_eq!(
        stored.approval().map(|a| a.supervisor_id.as_str()),
        Some(SUPERVISOR)
    );
    agent
        .finalize(&operator(), &id)
        .await
        .expect("finalize after the approval");
}

#[tokio::test]
async fn an_operator_cannot_approve_their_own_forced_capture() {
    let (agent, _, _) = identity::agent(false);
    let app = identity::app(&agent);
    let id = identity::to_review_with_exception(&agent, &operator()).await;
    let path = format!("/v1/sessions/{id}/approval");
    // The operator at the desk types their own (right) password: their role may not approve.
    let (status, body) = identity::call(
        &app,
        Some(&TOKEN),
        "POST",
        &path,
        Some(json!({ "supervisor_id": identity::OPERATOR, "password": PASSWORD })),
    )
    .await;
    assert_eq!(
        (status, &body["error"]),
        (StatusCode::FORBIDDEN, &json!("not_a_supervisor")),
        "{body}"
    );
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("OP-1 has the role operator")),
        "{body}"
    );
    // A supervisor's wrong password is refused, counted towards the lock, and says so.
    let (status, body) = identity::call(
        &app,
        Some(&TOKEN),
        "POST",
        &path,
        Some(json!({ "supervisor_id": SUPERVISOR, "password": "bukan kata sandinya" })),
    )
    .await;
    assert_eq!(
        (status, &body["error"], &body["field"]),
        (
            StatusCode::FORBIDDEN,
            &json!("supervisor_sign_in_failed"),
            &json!("password")
        ),
        "{body}"
    );
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("4 attempts left")),
        "{body}"
    );
    let s = agent.summary(&id).await.expect("summary");
    assert_eq!(s.approved_by, None, "nothing was approved");
    let log = identity::audit(&agent).await;
    assert!(
        !log.iter()
            .any(|(_, action, _, _)| action == "session.approved"),
        "{log:?}"
    );
    // The service refuses an operator as approver whoever calls it.
    assert!(matches!(
        agent.approve(&operator(), &id, &operator()).await,
        Err(ServiceError::NotASupervisor { .. })
    ));
}

#[tokio::test]
async fn a_capture_after_approval_voids_it() {
    let (agent, _, _) = identity::agent(false);
    let id = identity::to_review_with_exception(&agent, &operator()).await;
    agent
        .approve(&operator(), &id, &supervisor())
        .await
        .expect("approve");
    let p = FingerPosition::new(3).expect("position");
    let s = agent
        .clear_finger(&operator(), &id, p)
        .await
        .expect("clear for a retake");
    assert_eq!(s.approved_by, None, "the change voided the approval");
    for _ in 0..5 {
        let r = agent
            .capture_finger(&operator(), &id, p)
            .await
            .expect("retake");
        if !r.session.fingers_missing.contains(&3) {
            break;
        }
    }
    let s = agent.summary(&id).await.expect("summary");
    assert_eq!(
        (s.stage, s.approved_by),
        (rekam_agent::workflow::Stage::Review, None)
    );
    assert!(matches!(
        agent.finalize(&operator(), &id).await,
        Err(ServiceError::ApprovalRequired { .. })
    ));
    let log = identity::audit(&agent).await;
    let clear = log
        .iter()
        .find(|(_, action, _, _)| action == "clear.finger")
        .expect("the clear is audited");
    assert_eq!(
        clear.3["approval_voided"], SUPERVISOR,
        "the audit says which approval the change voided: {clear:?}"
    );
}

#[tokio::test]
async fn the_approval_is_in_the_sealed_packets_capture_context() {
    let (agent, registry, trust) = identity::agent(false);
    let app = identity::app(&agent);
    let id = identity::to_review_with_exception(&agent, &operator()).await;
    let needs = agent.summary(&id).await.expect("summary").needs_approval;
    let (status, s) = identity::call(
        &app,
        Some(&TOKEN),
        "POST",
        &format!("/v1/sessions/{id}/approval"),
        Some(json!({ "supervisor_id": SUPERVISOR, "password": PASSWORD })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{s}");
    assert_eq!(s["approved_by"], SUPERVISOR);
    let (status, f) = identity::call(
        &app,
        Some(&TOKEN),
        "POST",
        &format!("/v1/sessions/{id}/finalize"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{f}");

    let due = agent
        .with_store(|s| Ok(s.outbox().due(i64::MAX, 10)?))
        .await
        .expect("outbox");
    let opened = packet::open(&due[0].bytes, &registry, &trust).expect("the packet opens");
    let context = &opened.enrollment.context;
    assert_eq!(context.operator_id, identity::OPERATOR);
    let approval = context
        .supervisor_approval
        .as_ref()
        .expect("the approval is in the capture context");
    assert_eq!(approval.supervisor_id, SUPERVISOR);
    assert_eq!(approval.reasons, needs);
    assert!(
        approval.approved_at >= context.started_at && approval.approved_at <= context.finished_at
    );

    // The audit log names the approving supervisor and the operator at the desk.
    let log = identity::audit(&agent).await;
    let (actor, _, subject, detail) = log
        .iter()
        .find(|(_, action, _, _)| action == "session.approved")
        .expect("the approval is audited");
    assert_eq!(
        (actor.as_str(), subject.as_str()),
        (SUPERVISOR, id.as_str())
    );
    assert_eq!(detail["operator"], identity::OPERATOR);
    assert_eq!(detail["reasons"], json!(needs));
}
