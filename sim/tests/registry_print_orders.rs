//! The registry simulator's print orders, at the router: issued for accepted packets after the
//! configured delay, served only to their office, acknowledged once per order with a signed ack,
//! a second card refused with a signed `already_printed` refusal.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use rekam_protocol::iso19794_2::{self, FingerView, MinutiaeRecord};
use rekam_protocol::model::{FaceCapture, FingerCapture, FingerPosition};
use rekam_protocol::packet;
use rekam_protocol::print_order::{
    CardPrinted, SignedCardPrinted, SignedPrintAck, SignedPrintOrder, SignedPrintRefusal,
};
use rekam_protocol::receipt::TrustedRegistry;
use rekam_protocol::{
    RegistryPrivateKey, SignatureAlgorithm, Timestamp, TrustStore, TrustedWorkstation,
    WorkstationSigningKey,
};
use rekam_sim::registry::{self, CardMedia, Registry, RegistryConfig};
use rekam_sim::sample::{self, SampleOptions};
use rekam_sim::synth::Rgb;
use ring::rand::SystemRandom;
use serde_json::Value;
use tower::ServiceExt;

/// Templates and a photo without a minutiae extractor: what the hook returns is all the registry
/// needs to know.
struct FixedMedia;

impl CardMedia for FixedMedia {
    fn template(&self, position: FingerPosition, _: &FingerCapture) -> Result<Vec<u8>, String> {
        Ok(iso19794_2::encode(&MinutiaeRecord {
            width: 24,
            height: 24,
            x_ppcm: 197,
            y_ppcm: 197,
            views: vec![FingerView {
                position: position.code(),
                ..FingerView::default()
            }],
        }))
    }

    fn card_photo(&self, _: &FaceCapture) -> Result<Vec<u8>, String> {
        Ok(sample::jpeg_rgb(&Rgb {
            width: 8,
            height: 8,
            pixels: vec![128; 8 * 8 * 3],
        }))
    }
}

struct World {
    registry: Registry,
    ws: WorkstationSigningKey,
    registry_pub: rekam_protocol::RegistryPublicKey,
    trusted: TrustedRegistry,
}

fn world(print_delay_ms: u64, media: bool) -> World {
    let rng = SystemRandom::new();
    let (ws, _) = WorkstationSigningKey::generate(SignatureAlgorithm::Ed25519, &rng).expect("ws");
    let (receipt_key, _) =
        WorkstationSigningKey::generate(SignatureAlgorithm::Ed25519, &rng).expect("receipt");
    let key = RegistryPrivateKey::generate(&rng).expect("registry");
    let registry_pub = *key.public_key();
    let mut trust = TrustStore::new();
    trust
        .insert(TrustedWorkstation {
            workstation_id: "WS-P1".into(),
            key: ws.public_key().clone(),
        })
        .expect("trust");
    let registry = Registry::new(RegistryConfig {
        registry_id: "REG-P".into(),
        key,
        trust,
        receipt_key,
        unavailable_rate: 0.0,
        seed: 5,
        print_delay_ms,
        card_media: media.then(|| Arc::new(FixedMedia) as Arc<dyn CardMedia>),
    });
    let trusted = registry.trusted();
    World {
        registry,
        ws,
        registry_pub,
        trusted,
    }
}

/// Delivers one sample enrollment (office `3171-CPT`) at `now`; returns its packet id.
fn deliver(w: &World, seed: u64, now: Timestamp) -> String {
    let mut e = sample::enrollment(&SampleOptions::tiny(seed, "WS-P1", 1_790_000_000_000));
    let p = packet::seal(
        &mut e,
        &w.ws,
        &w.registry_pub,
        [7; 32],
        &SystemRandom::new(),
    )
    .expect("seal");
    let id = p.id.to_string();
    let answer = w.registry.receive(&id, &p.bytes, now);
    assert_eq!(answer.status, StatusCode::CREATED);
    id
}

async fn call(w: &World, method: &str, uri: &str, body: Vec<u8>) -> (StatusCode, Vec<u8>) {
    let resp = registry::router(w.registry.clone())
        .oneshot(
            Request::builder()
                .method(method)
                .uri(uri)
                .body(Body::from(body))
                .expect("request"),
        )
        .await
        .expect("answer");
    let status = resp.status();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .expect("body");
    (status, bytes.to_vec())
}

async fn orders(w: &World, office: &str) -> Vec<SignedPrintOrder> {
    let (status, body) = call(
        w,
        "GET",
        &format!("/v1/offices/{office}/print-orders"),
        vec![],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let v: Value = serde_json::from_slice(&body).expect("json");
    v["print_orders"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|o| SignedPrintOrder::parse(o.to_string().as_bytes()).expect("an order"))
        .collect()
}

fn report(w: &World, order: &SignedPrintOrder, serial: &str) -> Vec<u8> {
    reprint_report(w, order, serial, None)
}

fn reprint_report(
    w: &World,
    order: &SignedPrintOrder,
    serial: &str,
    replaces: Option<&str>,
) -> Vec<u8> {
    let o = &order.print_order;
    CardPrinted {
        order_id: o.order_id.clone(),
        enrollment_id: o.enrollment_id.clone(),
        office: o.office.clone(),
        workstation_id: "WS-P1".into(),
        operator_id: "op1".into(),
        card_serial: serial.into(),
        printed_at: Timestamp::from_unix_ms(1_790_000_100_000),
        replaces: replaces.map(str::to_string),
    }
    .sign(&w.ws, &SystemRandom::new())
    .expect("sign")
    .to_json()
}

fn wall_now() -> Timestamp {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_millis();
    Timestamp::from_unix_ms(i64::try_from(ms).expect("ms"))
}

#[tokio::test]
async fn an_accepted_packet_gets_a_signed_print_order_for_its_office_only() {
    let w = world(0, true);
    let packet_id = deliver(&w, 1, wall_now());
    let served = orders(&w, "3171-CPT").await;
    assert_eq!(served.len(), 1);
    let order = served[0]
        .verify(&w.trusted, "3171-CPT")
        .expect("the registry's signed order");
    assert_eq!(order.packet_id, packet_id);
    assert_eq!(order.order_id, format!("PO-{}", &packet_id[..16]));
    assert_eq!(
        order.template(0).map(|t| iso19794_2::parse(&t).is_ok()),
        Ok(true)
    );
    assert!(orders(&w, "3273-BDG").await.is_empty(), "another office");
    assert_eq!(w.registry.stats().print_orders_issued, 1);
}

#[tokio::test]
async fn an_order_is_served_only_once_its_delay_has_passed() {
    let w = world(3_600_000, true);
    deliver(&w, 2, wall_now());
    assert!(orders(&w, "3171-CPT").await.is_empty(), "not yet due");
    assert_eq!(w.registry.stats().print_orders_issued, 1);
    let later = wall_now().unix_ms() + 3_600_000;
    assert_eq!(w.registry.orders_for("3171-CPT", None, later).len(), 1);
}

#[tokio::test]
async fn without_a_media_hook_no_order_is_issued() {
    let w = world(0, false);
    deliver(&w, 3, wall_now());
    assert!(orders(&w, "3171-CPT").await.is_empty());
    assert_eq!(w.registry.stats().print_orders_issued, 0);
}

#[tokio::test]
async fn a_printed_report_is_acknowledged_once_and_the_order_is_no_longer_served() {
    let w = world(0, true);
    deliver(&w, 4, wall_now());
    let order = orders(&w, "3171-CPT").await.remove(0);
    let id = order.print_order.order_id.clone();
    let uri = format!("/v1/print-orders/{id}/printed");
    let body = report(&w, &order, "KTP-2026A-000001");
    let (status, first) = call(&w, "PUT", &uri, body.clone()).await;
    assert_eq!(status, StatusCode::CREATED);
    let ack = SignedPrintAck::parse(&first).expect("an ack");
    let reported = &SignedCardPrinted::parse(&body)
        .expect("report")
        .card_printed;
    assert!(ack.verify(&w.trusted, reported).is_ok());
    // The office lost the answer and reports the same card again: the same ack.
    let (status, again) = call(&w, "PUT", &uri, body).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again, first);
    assert!(orders(&w, "3171-CPT").await.is_empty(), "printed");
    assert_eq!(w.registry.stats().cards_printed, 1);
}

#[tokio::test]
async fn a_second_card_for_a_printed_order_gets_a_signed_already_printed_refusal() {
    let w = world(0, true);
    deliver(&w, 5, wall_now());
    let order = orders(&w, "3171-CPT").await.remove(0);
    let uri = format!("/v1/print-orders/{}/printed", order.print_order.order_id);
    let (status, _) = call(&w, "PUT", &uri, report(&w, &order, "KTP-2026A-000001")).await;
    assert_eq!(status, StatusCode::CREATED);
    let second = report(&w, &order, "KTP-2026A-000002");
    let (status, body) = call(&w, "PUT", &uri, second.clone()).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let refusal = SignedPrintRefusal::parse(&body).expect("a signed refusal");
    let reported = SignedCardPrinted::parse(&second)
        .expect("report")
        .card_printed;
    let r = refusal.verify(&w.trusted, &reported).expect("verifies");
    assert_eq!(r.code, "already_printed");
    assert!(r.reason.contains("KTP-2026A-000001"), "{}", r.reason);
    assert_eq!(w.registry.stats().cards_refused, 1);
}

#[tokio::test]
async fn a_reprint_naming_the_recorded_card_replaces_it_and_the_earlier_card_is_then_refused() {
    let w = world(0, true);
    deliver(&w, 6, wall_now());
    let order = orders(&w, "3171-CPT").await.remove(0);
    let uri = format!("/v1/print-orders/{}/printed", order.print_order.order_id);
    let (status, _) = call(&w, "PUT", &uri, report(&w, &order, "KTP-2026A-000001")).await;
    assert_eq!(status, StatusCode::CREATED);
    // A reprint naming a card the registry never recorded is a second card.
    let wrong = reprint_report(&w, &order, "KTP-2026A-000003", Some("KTP-2026A-000009"));
    assert_eq!(call(&w, "PUT", &uri, wrong).await.0, StatusCode::CONFLICT);
    let reprint = reprint_report(&w, &order, "KTP-2026A-000002", Some("KTP-2026A-000001"));
    let (status, body) = call(&w, "PUT", &uri, reprint.clone()).await;
    assert_eq!(status, StatusCode::CREATED);
    let reported = SignedCardPrinted::parse(&reprint)
        .expect("report")
        .card_printed;
    let ack = SignedPrintAck::parse(&body).expect("a signed ack");
    assert_eq!(
        ack.verify(&w.trusted, &reported)
            .expect("verifies")
            .card_serial,
        "KTP-2026A-000002"
    );
    // The same reprint again gets the same ack; the replaced card is now a second card.
    let (status, again) = call(&w, "PUT", &uri, reprint).await;
    assert_eq!((status, again), (StatusCode::OK, body));
    let old = report(&w, &order, "KTP-2026A-000001");
    assert_eq!(call(&w, "PUT", &uri, old).await.0, StatusCode::CONFLICT);
}

#[tokio::test]
async fn reports_that_do_not_verify_or_name_unknown_orders_are_refused_unsigned() {
    let w = world(0, true);
    deliver(&w, 6, wall_now());
    let order = orders(&w, "3171-CPT").await.remove(0);
    let uri = format!("/v1/print-orders/{}/printed", order.print_order.order_id);
    // Signed by a key the registry does not trust.
    let (stranger, _) =
        WorkstationSigningKey::generate(SignatureAlgorithm::Ed25519, &SystemRandom::new())
            .expect("key");
    let reported = SignedCardPrinted::parse(&report(&w, &order, "KTP-2026A-000001"))
        .expect("report")
        .card_printed;
    let forged = reported
        .sign(&stranger, &SystemRandom::new())
        .expect("sign")
        .to_json();
    let (status, body) = call(&w, "PUT", &uri, forged).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let v: Value = serde_json::from_slice(&body).expect("json");
    assert_eq!(v["error"], "report_not_verified");
    // Not JSON at all.
    let (status, _) = call(&w, "PUT", &uri, b"<html>".to_vec()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // A valid report under another order's path.
    let (status, _) = call(
        &w,
        "PUT",
        "/v1/print-orders/PO-other/printed",
        report(&w, &order, "KTP-2026A-000001"),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // An order never issued.
    let mut unknown = order.clone();
    unknown.print_order.order_id = "PO-unknown".into();
    let (status, _) = call(
        &w,
        "PUT",
        "/v1/print-orders/PO-unknown/printed",
        report(&w, &unknown, "KTP-2026A-000001"),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(w.registry.stats().cards_printed, 0);
}

#[tokio::test]
async fn pages_of_orders_follow_the_after_cursor() {
    let w = world(0, true);
    let n = registry::print_orders::PAGE + 2;
    for seed in 0..n as u64 {
        deliver(&w, 100 + seed, wall_now());
    }
    let first = orders(&w, "3171-CPT").await;
    assert_eq!(first.len(), registry::print_orders::PAGE);
    let last = first.last().expect("a page").print_order.order_id.clone();
    let (_, body) = call(
        &w,
        "GET",
        &format!("/v1/offices/3171-CPT/print-orders?after={last}"),
        vec![],
    )
    .await;
    let v: Value = serde_json::from_slice(&body).expect("json");
    assert_eq!(v["print_orders"].as_array().map(Vec::len), Some(2));
}
