//! Registry receipts: signed by the registry, verified by the workstation against the packet it sent.

use rekam_protocol::packet::PacketId;
use rekam_protocol::receipt::{Receipt, ReceiptError, SignedReceipt, TrustedRegistry};
use rekam_protocol::{SignatureAlgorithm, Timestamp, WorkstationSigningKey};
use ring::rand::SystemRandom;

fn registry() -> (WorkstationSigningKey, TrustedRegistry) {
    let rng = SystemRandom::new();
    let (key, _) = WorkstationSigningKey::generate(SignatureAlgorithm::Ed25519, &rng).expect("key");
    let trusted = TrustedRegistry {
        registry_id: "REG-PUSAT".into(),
        key: key.public_key().clone(),
    };
    (key, trusted)
}

fn receipt_for(packet: &PacketId) -> Receipt {
    Receipt {
        packet_id: packet.to_string(),
        enrollment_id: "0190f0a0-0000-7000-8000-000000000001".into(),
        workstation_id: "WS-1".into(),
        registry_id: "REG-PUSAT".into(),
        received_at: Timestamp::from_unix_ms(1_790_000_000_000),
        sequence: 7,
    }
}

#[test]
fn a_signed_receipt_round_trips_through_json_and_verifies_for_its_packet() {
    let (key, trusted) = registry();
    let packet = PacketId::of(b"sealed bytes");
    let signed = receipt_for(&packet)
        .sign(&key, &SystemRandom::new())
        .unwrap();
    let parsed = SignedReceipt::parse(&signed.to_json()).unwrap();
    assert_eq!(parsed, signed);
    assert_eq!(parsed.verify(&trusted, &packet).unwrap().sequence, 7);
}

#[test]
fn a_receipt_for_another_packet_is_refused() {
    let (key, trusted) = registry();
    let signed = receipt_for(&PacketId::of(b"a"))
        .sign(&key, &SystemRandom::new())
        .unwrap();
    let err = signed.verify(&trusted, &PacketId::of(b"b")).unwrap_err();
    assert!(matches!(err, ReceiptError::WrongPacket { .. }), "{err}");
}

#[test]
fn an_altered_receipt_fails_its_signature() {
    let (key, trusted) = registry();
    let packet = PacketId::of(b"a");
    let mut signed = receipt_for(&packet)
        .sign(&key, &SystemRandom::new())
        .unwrap();
    signed.receipt.sequence += 1;
    assert_eq!(
        signed.verify(&trusted, &packet).unwrap_err(),
        ReceiptError::BadSignature
    );
}

#[test]
fn a_receipt_signed_by_another_key_names_both_keys() {
    let (_, trusted) = registry();
    let (other, _) = registry();
    let packet = PacketId::of(b"a");
    let signed = receipt_for(&packet)
        .sign(&other, &SystemRandom::new())
        .unwrap();
    let err = signed.verify(&trusted, &packet).unwrap_err();
    assert!(matches!(err, ReceiptError::UnknownKey { .. }), "{err}");
}

#[test]
fn receipts_with_unknown_fields_or_trailing_bytes_are_malformed() {
    let (key, _) = registry();
    let signed = receipt_for(&PacketId::of(b"a"))
        .sign(&key, &SystemRandom::new())
        .unwrap();
    let mut json = signed.to_json();
    json.extend_from_slice(b" {}");
    assert!(matches!(
        SignedReceipt::parse(&json),
        Err(ReceiptError::Malformed(_))
    ));
    let text = String::from_utf8(signed.to_json()).unwrap();
    let extra = text.replacen("\"sequence\"", "\"bonus\":1,\"sequence\"", 1);
    assert!(matches!(
        SignedReceipt::parse(extra.as_bytes()),
        Err(ReceiptError::Malformed(_))
    ));
}

#[test]
fn the_receipt_key_text_form_round_trips_and_rejects_other_tags() {
    let (_, trusted) = registry();
    assert_eq!(
        TrustedRegistry::parse_text(&trusted.to_text()).unwrap(),
        trusted
    );
    let wrong = trusted
        .to_text()
        .replace("rekam-receipt-v1", "rekam-registry-v1");
    assert!(TrustedRegistry::parse_text(&wrong).is_err());
}
