//! The registry simulator: verifies packets, answers duplicates idempotently with the same signed
//! receipt, and refuses what it cannot accept with a specific status and reason.

use axum::http::StatusCode;
use rekam_protocol::packet::{self, PacketId};
use rekam_protocol::receipt::SignedReceipt;
use rekam_protocol::rejection::SignedRejection;
use rekam_protocol::{
    RegistryPrivateKey, SignatureAlgorithm, Timestamp, TrustStore, TrustedWorkstation,
    WorkstationSigningKey,
};
use rekam_sim::registry::{Registry, RegistryConfig};
use rekam_sim::sample::{self, SampleOptions};
use ring::rand::SystemRandom;
use serde_json::Value;

struct World {
    registry: Registry,
    ws: WorkstationSigningKey,
    registry_pub: rekam_protocol::RegistryPublicKey,
}

fn world(unavailable_rate: f64) -> World {
    let rng = SystemRandom::new();
    let (ws, _) = WorkstationSigningKey::generate(SignatureAlgorithm::Ed25519, &rng).expect("ws");
    let (receipt_key, _) =
        WorkstationSigningKey::generate(SignatureAlgorithm::Ed25519, &rng).expect("receipt");
    let key = RegistryPrivateKey::generate(&rng).expect("registry");
    let registry_pub = *key.public_key();
    let mut trust = TrustStore::new();
    trust
        .insert(TrustedWorkstation {
            workstation_id: "WS-R1".into(),
            key: ws.public_key().clone(),
        })
        .expect("trust");
    let registry = Registry::new(RegistryConfig {
        registry_id: "REG-R".into(),
        key,
        trust,
        receipt_key,
        unavailable_rate,
        seed: 4,
        print_delay_ms: 0,
        card_media: None,
    });
    World {
        registry,
        ws,
        registry_pub,
    }
}

fn seal(w: &World, seed: u64, workstation: &str) -> (String, Vec<u8>) {
    let mut e = sample::enrollment(&SampleOptions::tiny(seed, workstation, 1_790_000_000_000));
    let p = packet::seal(
        &mut e,
        &w.ws,
        &w.registry_pub,
        [7; 32],
        &SystemRandom::new(),
    )
    .expect("seal");
    (p.id.to_string(), p.bytes)
}

fn now() -> Timestamp {
    Timestamp::from_unix_ms(1_790_000_001_000)
}

#[test]
fn a_valid_packet_gets_a_signed_receipt_and_a_resend_gets_the_same_one() {
    let w = world(0.0);
    let (id, bytes) = seal(&w, 1, "WS-R1");
    let first = w.registry.receive(&id, &bytes, now());
    assert_eq!(first.status, StatusCode::CREATED);
    let again = w
        .registry
        .receive(&id, &bytes, Timestamp::from_unix_ms(1_800_000_000_000));
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(
        again.body, first.body,
        "the receipt is the same, time and all"
    );
    let receipt = SignedReceipt::parse(&first.body).expect("receipt");
    let pid = PacketId::of(&bytes);
    let r = receipt
        .verify(&w.registry.trusted(), &pid)
        .expect("verifies");
    assert_eq!((r.sequence, r.workstation_id.as_str()), (1, "WS-R1"));
    let s = w.registry.stats();
    assert_eq!((s.accepted, s.duplicates), (1, 1));
}

#[test]
fn a_body_that_does_not_hash_to_the_path_id_is_a_bad_request() {
    let w = world(0.0);
    let (_, bytes) = seal(&w, 1, "WS-R1");
    let a = w.registry.receive(&"0".repeat(64), &bytes, now());
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    let v: Value = serde_json::from_slice(&a.body).expect("json");
    assert_eq!(v["error"], "packet_id_mismatch");
}

#[test]
fn a_packet_from_an_untrusted_workstation_id_is_refused_with_its_kind() {
    let w = world(0.0);
    let (id, bytes) = seal(&w, 2, "WS-OTHER");
    let a = w.registry.receive(&id, &bytes, now());
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    let signed = SignedRejection::parse(&a.body).expect("a signed rejection");
    let r = signed
        .verify(&w.registry.trusted(), &PacketId::of(&bytes))
        .expect("signed by the registry's receipt key, naming the packet");
    assert_eq!(r.code, "unknown_workstation");
    assert!(r.reason.contains("WS-OTHER"), "{}", r.reason);
}

#[test]
fn a_second_packet_for_an_enrollment_already_received_is_a_conflict() {
    let w = world(0.0);
    let mut e = sample::enrollment(&SampleOptions::tiny(3, "WS-R1", 1_790_000_000_000));
    let rng = SystemRandom::new();
    let a = packet::seal(&mut e.clone(), &w.ws, &w.registry_pub, [1; 32], &rng).expect("seal");
    let b = packet::seal(&mut e, &w.ws, &w.registry_pub, [2; 32], &rng).expect("seal");
    assert_ne!(a.id, b.id);
    assert_eq!(
        w.registry
            .receive(&a.id.to_string(), &a.bytes, now())
            .status,
        StatusCode::CREATED
    );
    let second = w.registry.receive(&b.id.to_string(), &b.bytes, now());
    assert_eq!(second.status, StatusCode::CONFLICT);
    let signed = SignedRejection::parse(&second.body).expect("a signed rejection");
    let r = signed
        .verify(&w.registry.trusted(), &b.id)
        .expect("verifies for the second packet");
    assert_eq!(r.code, "duplicate_enrollment");
}

#[test]
fn fault_injection_answers_unavailable_at_about_the_configured_rate() {
    let w = world(0.3);
    let (id, bytes) = seal(&w, 1, "WS-R1");
    let n = 200;
    let unavailable = (0..n)
        .filter(|_| {
            w.registry.receive(&id, &bytes, now()).status == StatusCode::SERVICE_UNAVAILABLE
        })
        .count();
    assert!((40..=80).contains(&unavailable), "{unavailable} of {n}");
}
