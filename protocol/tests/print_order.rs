//! Print orders, card-printed reports, acknowledgements and refusals (SPEC.md section 12): the
//! stored vector `vectors/print-order-v1.json` parses, verifies and re-serializes to its bytes,
//! signing it again reproduces it, and every way an order can be wrong is refused by name.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rekam_protocol::iso19794_2;
use rekam_protocol::model::FingerPosition;
use rekam_protocol::print_order::{
    CardPrinted, PrintAck, PrintOrderError, PrintRefusal, SignedCardPrinted, SignedPrintAck,
    SignedPrintOrder, SignedPrintRefusal,
};
use rekam_protocol::receipt::TrustedRegistry;
use rekam_protocol::{
    SignatureAlgorithm, Timestamp, TrustStore, TrustedWorkstation, WorkstationSigningKey,
};
use ring::rand::SystemRandom;
use serde_json::Value;

fn vector() -> Value {
    serde_json::from_str(include_str!("vectors/print-order-v1.json")).expect("json")
}

fn order_bytes() -> Vec<u8> {
    vector()["order"]
        .as_str()
        .expect("order")
        .as_bytes()
        .to_vec()
}

fn registry_key() -> WorkstationSigningKey {
    let der = hex::decode(vector()["registry_pkcs8_der"].as_str().expect("der")).expect("hex");
    WorkstationSigningKey::from_pkcs8_der(&der, &SystemRandom::new()).expect("key")
}

fn trusted() -> TrustedRegistry {
    TrustedRegistry {
        registry_id: "REG-PUSAT".into(),
        key: registry_key().public_key().clone(),
    }
}

fn order() -> SignedPrintOrder {
    SignedPrintOrder::parse(&order_bytes()).expect("parses")
}

/// The stored order with `edit` applied, signed again by the registry's key.
fn resigned(edit: impl FnOnce(&mut rekam_protocol::print_order::PrintOrder)) -> SignedPrintOrder {
    let mut o = order().print_order;
    edit(&mut o);
    o.sign(&registry_key(), &SystemRandom::new())
        .expect("signs")
}

#[test]
fn the_stored_order_verifies_for_its_office_and_reserializes_to_its_bytes() {
    let v = vector();
    let key = registry_key();
    assert_eq!(
        hex::encode(key.public_key().raw()),
        v["registry_public_key"].as_str().expect("pub")
    );
    assert_eq!(
        key.public_key().key_id().to_string(),
        v["registry_key_id"].as_str().expect("id")
    );
    let signed = order();
    assert_eq!(signed.to_json(), order_bytes());
    let o = signed.verify(&trusted(), "3171-CPT").expect("verifies");
    assert_eq!(o.card.nik, "3171015708900003");
    for i in 0..2 {
        let t = o.template(i).expect("template");
        let record = iso19794_2::parse(&t).expect("an ISO/IEC 19794-2 record");
        assert_eq!(record.views[0].position, o.chip_fingers[i].position.code());
    }
}

#[test]
fn signing_the_stored_order_again_reproduces_the_vector() {
    // Ed25519 is deterministic: the same key and order give the same bytes.
    assert_eq!(resigned(|_| {}).to_json(), order_bytes());
}

#[test]
fn a_flipped_byte_in_the_order_fails_the_signature() {
    let text = String::from_utf8(order_bytes()).expect("utf-8");
    let flipped = text.replacen("SITI RAHMAWATI", "SITI RAHMAWATU", 1);
    assert_ne!(flipped, text);
    let parsed = SignedPrintOrder::parse(flipped.as_bytes()).expect("still parses");
    assert_eq!(
        parsed.verify(&trusted(), "3171-CPT").unwrap_err(),
        PrintOrderError::BadSignature
    );
    let mut sig = order();
    let mut raw = STANDARD.decode(&sig.signature).expect("base64");
    raw[0] ^= 1;
    sig.signature = STANDARD.encode(raw);
    assert_eq!(
        sig.verify(&trusted(), "3171-CPT").unwrap_err(),
        PrintOrderError::BadSignature
    );
}

#[test]
fn an_order_for_another_office_is_refused_as_wrong_office() {
    let err = order().verify(&trusted(), "3273-BDG").unwrap_err();
    assert!(
        matches!(&err, PrintOrderError::WrongOffice { found, .. } if found == "3171-CPT"),
        "{err}"
    );
}

#[test]
fn an_order_from_another_registry_is_refused() {
    // Another registry id with the same key.
    let mut other = trusted();
    other.registry_id = "REG-LAIN".into();
    let err = order().verify(&other, "3171-CPT").unwrap_err();
    assert!(
        matches!(err, PrintOrderError::WrongRegistry { .. }),
        "{err}"
    );
    // Another key.
    let (stranger, _) =
        WorkstationSigningKey::generate(SignatureAlgorithm::Ed25519, &SystemRandom::new())
            .expect("key");
    let foreign = TrustedRegistry {
        registry_id: "REG-PUSAT".into(),
        key: stranger.public_key().clone(),
    };
    let err = order().verify(&foreign, "3171-CPT").unwrap_err();
    assert!(matches!(err, PrintOrderError::UnknownKey { .. }), "{err}");
}

#[test]
fn an_order_with_a_bad_nik_is_refused_naming_the_field() {
    let err = resigned(|o| o.card.nik = "3171019999900003".into())
        .verify(&trusted(), "3171-CPT")
        .unwrap_err();
    assert!(
        matches!(&err, PrintOrderError::Invalid { field, .. } if field == "print_order.card.nik"),
        "{err}"
    );
}

#[test]
fn an_order_with_the_same_chip_finger_twice_is_refused() {
    let err = resigned(|o| o.chip_fingers[1].position = FingerPosition::RIGHT_INDEX)
        .verify(&trusted(), "3171-CPT")
        .unwrap_err();
    assert!(
        matches!(&err, PrintOrderError::Invalid { field, .. } if field == "print_order.chip_fingers"),
        "{err}"
    );
}

#[test]
fn unknown_members_and_trailing_bytes_are_malformed() {
    let mut v: Value = serde_json::from_slice(&order_bytes()).expect("json");
    v["extra"] = Value::Bool(true);
    assert!(matches!(
        SignedPrintOrder::parse(v.to_string().as_bytes()),
        Err(PrintOrderError::Malformed { .. })
    ));
    let mut trailing = order_bytes();
    trailing.extend_from_slice(b" {}");
    assert!(SignedPrintOrder::parse(&trailing).is_err());
}

fn workstation() -> (WorkstationSigningKey, TrustStore) {
    let (key, _) =
        WorkstationSigningKey::generate(SignatureAlgorithm::Ed25519, &SystemRandom::new())
            .expect("key");
    let mut trust = TrustStore::new();
    trust
        .insert(TrustedWorkstation {
            workstation_id: "WS-3171-CPT-01".into(),
            key: key.public_key().clone(),
        })
        .expect("trust");
    (key, trust)
}

fn report() -> CardPrinted {
    CardPrinted {
        order_id: "PO-3171-000001".into(),
        enrollment_id: "0190f0a0-0000-7000-8000-000000000001".into(),
        office: "3171-CPT".into(),
        workstation_id: "WS-3171-CPT-01".into(),
        operator_id: "op-ani".into(),
        card_serial: "KTP-2026A-000001".into(),
        printed_at: Timestamp::from_unix_ms(1_796_000_100_000),
        replaces: None,
    }
}

#[test]
fn a_card_printed_report_verifies_only_for_the_workstation_whose_key_signed_it() {
    let (key, trust) = workstation();
    let signed = report().sign(&key, &SystemRandom::new()).expect("signs");
    let parsed = SignedCardPrinted::parse(&signed.to_json()).expect("parses");
    assert_eq!(parsed.verify(&trust).expect("verifies"), &report());
    let mut claimed = report();
    claimed.workstation_id = "WS-OTHER".into();
    let err = claimed
        .sign(&key, &SystemRandom::new())
        .expect("signs")
        .verify(&trust)
        .unwrap_err();
    assert!(
        matches!(err, PrintOrderError::WrongWorkstation { .. }),
        "{err}"
    );
    let err = signed.verify(&TrustStore::new()).unwrap_err();
    assert!(matches!(err, PrintOrderError::UnknownKey { .. }), "{err}");
}

#[test]
fn an_ack_verifies_for_its_report_and_not_for_another_card() {
    let ack = PrintAck {
        order_id: "PO-3171-000001".into(),
        card_serial: "KTP-2026A-000001".into(),
        registry_id: "REG-PUSAT".into(),
        recorded_at: Timestamp::from_unix_ms(1_796_000_200_000),
    }
    .sign(&registry_key(), &SystemRandom::new())
    .expect("signs");
    let parsed = SignedPrintAck::parse(&ack.to_json()).expect("parses");
    assert!(parsed.verify(&trusted(), &report()).is_ok());
    let mut other = report();
    other.card_serial = "KTP-2026A-000002".into();
    let err = parsed.verify(&trusted(), &other).unwrap_err();
    assert!(matches!(err, PrintOrderError::WrongOrder { .. }), "{err}");
}

#[test]
fn a_refusal_is_signed_by_the_registry_and_names_the_refused_card() {
    let refusal = PrintRefusal {
        order_id: "PO-3171-000001".into(),
        card_serial: "KTP-2026A-000002".into(),
        registry_id: "REG-PUSAT".into(),
        code: "already_printed".into(),
        reason: "order PO-3171-000001 is recorded as printed on card KTP-2026A-000001".into(),
        refused_at: Timestamp::from_unix_ms(1_796_000_300_000),
    }
    .sign(&registry_key(), &SystemRandom::new())
    .expect("signs");
    let parsed = SignedPrintRefusal::parse(&refusal.to_json()).expect("parses");
    let mut second = report();
    second.card_serial = "KTP-2026A-000002".into();
    assert_eq!(
        parsed.verify(&trusted(), &second).expect("verifies").code,
        "already_printed"
    );
    assert!(
        parsed.verify(&trusted(), &report()).is_err(),
        "another card"
    );
}

#[test]
fn a_signature_over_one_kind_of_document_never_verifies_as_another() {
    // An ack carrying the order's signature: the domains differ, so it fails.
    let order = order();
    let ack = SignedPrintAck {
        print_ack: PrintAck {
            order_id: "PO-3171-000001".into(),
            card_serial: "KTP-2026A-000001".into(),
            registry_id: "REG-PUSAT".into(),
            recorded_at: Timestamp::from_unix_ms(1_796_000_200_000),
        },
        key_id: order.key_id,
        signature: order.signature.clone(),
    };
    assert_eq!(
        ack.verify(&trusted(), &report()).unwrap_err(),
        PrintOrderError::BadSignature
    );
}

#[test]
fn an_order_whose_template_is_not_an_iso_record_of_its_finger_is_refused() {
    let err = resigned(|o| o.chip_fingers[0].template = STANDARD.encode(b"FMR\0 20\0junk"))
        .verify(&trusted(), "3171-CPT")
        .unwrap_err();
    assert!(
        matches!(&err, PrintOrderError::Invalid { field, reason } if field == "print_order.chip_fingers[0].template" && reason.contains("byte")),
        "{err}"
    );
    // A valid record, of the other chip finger.
    let err = resigned(|o| o.chip_fingers[0].template = o.chip_fingers[1].template.clone())
        .verify(&trusted(), "3171-CPT")
        .unwrap_err();
    assert!(matches!(err, PrintOrderError::Invalid { .. }), "{err}");
}
