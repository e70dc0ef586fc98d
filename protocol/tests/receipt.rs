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

mod rejections {
    use super::*;
    use rekam_protocol::rejection::{Rejection, RejectionError, SignedRejection};

    fn rejection_of(packet: &PacketId) -> Rejection {
        Rejection {
            packet_id: packet.to_string(),
            registry_id: "REG-PUSAT".into(),
            code: "unknown_workstation".into(),
            reason: "workstation key 0011 is not trusted".into(),
            rejected_at: Timestamp::from_unix_ms(1_790_000_000_000),
        }
    }

    #[test]
    fn a_signed_rejection_round_trips_through_json_and_verifies_for_its_packet() {
        let (key, trusted) = registry();
        let packet = PacketId::of(b"sealed");
        let signed = rejection_of(&packet)
            .sign(&key, &SystemRandom::new())
            .unwrap();
        let parsed = SignedRejection::parse(&signed.to_json()).unwrap();
        assert_eq!(parsed, signed);
        assert_eq!(
            parsed.verify(&trusted, &packet).unwrap().code,
            "unknown_workstation"
        );
    }

    #[test]
    fn a_rejection_of_another_packet_or_by_another_key_or_registry_is_refused() {
        let (key, trusted) = registry();
        let (other, _) = registry();
        let packet = PacketId::of(b"a");
        let signed = rejection_of(&packet)
            .sign(&key, &SystemRandom::new())
            .unwrap();
        assert!(matches!(
            signed.verify(&trusted, &PacketId::of(b"b")),
            Err(RejectionError::WrongPacket { .. })
        ));
        let foreign = rejection_of(&packet)
            .sign(&other, &SystemRandom::new())
            .unwrap();
        assert!(matches!(
            foreign.verify(&trusted, &packet),
            Err(RejectionError::UnknownKey { .. })
        ));
        let mut elsewhere = rejection_of(&packet);
        elsewhere.registry_id = "REG-OTHER".into();
        let elsewhere = elsewhere.sign(&key, &SystemRandom::new()).unwrap();
        assert!(matches!(
            elsewhere.verify(&trusted, &packet),
            Err(RejectionError::WrongRegistry { .. })
        ));
    }

    #[test]
    fn an_altered_rejection_fails_its_signature() {
        let (key, trusted) = registry();
        let packet = PacketId::of(b"a");
        let mut signed = rejection_of(&packet)
            .sign(&key, &SystemRandom::new())
            .unwrap();
        signed.rejection.code = "bad_signature".into();
        assert_eq!(
            signed.verify(&trusted, &packet).unwrap_err(),
            RejectionError::BadSignature
        );
    }

    #[test]
    fn a_receipt_is_never_read_as_a_rejection_nor_a_rejection_as_a_receipt() {
        let (key, _) = registry();
        let packet = PacketId::of(b"a");
        let receipt = receipt_for(&packet)
            .sign(&key, &SystemRandom::new())
            .unwrap();
        assert!(matches!(
            SignedRejection::parse(&receipt.to_json()),
            Err(RejectionError::Malformed(_))
        ));
        let rejection = rejection_of(&packet)
            .sign(&key, &SystemRandom::new())
            .unwrap();
        assert!(matches!(
            SignedReceipt::parse(&rejection.to_json()),
            Err(ReceiptError::Malformed(_))
        ));
    }

    #[test]
    fn a_rejection_signature_does_not_verify_under_the_receipt_domain() {
        // Same key, same bytes after the prefix: only the domain separation tells them apart.
        let (key, trusted) = registry();
        let packet = PacketId::of(b"a");
        let r = rejection_of(&packet);
        let mut forged_msg = b"rekam-receipt-v1\0".to_vec();
        forged_msg.extend_from_slice(&serde_json::to_vec(&r).unwrap());
        let sig = key.sign(&forged_msg, &SystemRandom::new()).unwrap();
        let forged = SignedRejection {
            rejection: r,
            key_id: key.public_key().key_id(),
            signature: base64_standard(&sig),
        };
        assert_eq!(
            forged.verify(&trusted, &packet).unwrap_err(),
            RejectionError::BadSignature
        );
    }

    fn base64_standard(b: &[u8]) -> String {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(b)
    }

    #[test]
    fn rejections_with_unknown_fields_trailing_bytes_or_bad_fields_are_malformed() {
        let (key, _) = registry();
        let signed = rejection_of(&PacketId::of(b"a"))
            .sign(&key, &SystemRandom::new())
            .unwrap();
        let mut json = signed.to_json();
        json.extend_from_slice(b"\n<html>");
        assert!(matches!(
            SignedRejection::parse(&json),
            Err(RejectionError::Malformed(_))
        ));
        let text = String::from_utf8(signed.to_json()).unwrap();
        for bad in [
            text.replacen("\"code\"", "\"bonus\":1,\"code\"", 1),
            text.replace("unknown_workstation", "Unknown Workstation"),
            text.replace("workstation key 0011 is not trusted", " "),
            text.replacen(&PacketId::of(b"a").to_string(), "../etc/passwd", 1),
        ] {
            assert!(
                matches!(
                    SignedRejection::parse(bad.as_bytes()),
                    Err(RejectionError::Malformed(_))
                ),
                "{bad}"
            );
        }
        let mut long = rejection_of(&PacketId::of(b"a"));
        long.reason = "x".repeat(rekam_protocol::rejection::MAX_REASON_BYTES + 1);
        assert!(long.sign(&key, &SystemRandom::new()).is_err());
    }
}
