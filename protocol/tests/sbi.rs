//! MOSIP SBI 0.9.5 messages: strict parsing, RS256/x5c signatures against trust anchors, the
//! capture hash chain, and every message we build validated against MOSIP's compliance-toolkit
//! schemas (`../shared/data/sbi/0.9.5`, the "decoded" view the toolkit validates).

mod sbi_support;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rekam_protocol::Timestamp;
use rekam_protocol::sbi::decoded::add_decoded;
use rekam_protocol::sbi::*;
use sbi_support::{assert_valid, certificate, is_valid, new_rsa_key, pki, rcgen_key, schema_dir};
use serde_json::{Value, json};

/// 2026-12-03T00:00:00Z, inside the test device certificate's 2025-2029 validity.
const NOW: Timestamp = Timestamp::from_unix_ms(1_796_256_000_000);

fn signer() -> DeviceSigner {
    let p = pki();
    DeviceSigner::new(
        &p.device_key,
        vec![p.device_cert.clone(), p.ca_cert.clone()],
    )
    .expect("signer")
}

fn ca_anchor() -> TrustAnchors {
    let mut a = TrustAnchors::new();
    a.add_der(pki().ca_cert.clone()).expect("anchor");
    a
}

fn digital_id(bio_type: BioType, sub: DeviceSubType) -> DigitalId {
    DigitalId {
        serial_no: "SIM-0001".into(),
        make: "rekam".into(),
        model: "sim-slap".into(),
        bio_type,
        device_sub_type: sub,
        device_provider: "rekam project".into(),
        device_provider_id: "rekam".into(),
        date_time: "2026-12-03T00:00:00.000Z".into(),
    }
}

fn device_info(status: DeviceStatus) -> DeviceInfo {
    let s = signer();
    let did = serde_json::to_vec(&digital_id(BioType::Finger, DeviceSubType::Slap)).expect("json");
    DeviceInfo {
        spec_version: vec!["0.9.5".into()],
        env: Env::Developer,
        digital_id: s.sign(&did),
        device_id: "1".into(),
        device_code: "rekam-finger-1".into(),
        purpose: Purpose::Registration,
        service_version: "0.1.0".into(),
        device_status: status,
        firmware: "sim-1".into(),
        certification: Certification::L0,
        device_sub_id: vec!["1".into(), "2".into(), "3".into()],
        callback_id: "http://127.0.0.1:4501/".into(),
    }
}

fn payload(sub: Option<BioSubType>, bio_type: BioType, record: &[u8]) -> BioPayload {
    let device = match bio_type {
        BioType::Finger => DeviceSubType::Slap,
        BioType::Iris => DeviceSubType::Double,
        BioType::Face => DeviceSubType::FullFace,
    };
    let did = serde_json::to_vec(&digital_id(bio_type, device)).expect("json");
    BioPayload {
        digital_id: signer().sign(&did),
        device_code: "rekam-finger-1".into(),
        device_service_version: "0.1.0".into(),
        bio_type,
        bio_sub_type: sub,
        purpose: Purpose::Registration,
        env: Env::Developer,
        bio_value: URL_SAFE_NO_PAD.encode(record),
        transaction_id: "tx-0001".into(),
        timestamp: "2026-12-03T00:00:01.000Z".into(),
        requested_score: Score::new(40.0).expect("score"),
        quality_score: Score::new(87.0).expect("score"),
    }
}

#[test]
fn a_document_signed_by_a_device_certificate_verifies_through_its_ca_anchor() {
    let jws = signer().sign(b"{\"a\":1}");
    let v = verify(&jws, &ca_anchor(), NOW).expect("verifies");
    assert_eq!(v.payload, b"{\"a\":1}");
    assert!(v.subject.contains("rekam test device"), "{}", v.subject);
    // The header is the one SBI specifies.
    let header: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(jws.split('.').next().expect("header"))
            .expect("b64"),
    )
    .expect("json");
    assert_eq!(header["alg"], "RS256");
    assert_eq!(header["typ"], "JWT");
    assert_eq!(header["x5c"].as_array().map(Vec::len), Some(2));
}

#[test]
fn a_pinned_self_signed_device_certificate_is_its_own_anchor() {
    let key = new_rsa_key();
    let cert = certificate("pinned", &rcgen_key(&key), false, 2025, 2029, None)
        .der()
        .to_vec();
    let s = DeviceSigner::new(&key, vec![cert.clone()]).expect("signer");
    let mut anchors = TrustAnchors::new();
    anchors.add_der(cert).expect("anchor");
    assert!(verify(&s.sign(b"{}"), &anchors, NOW).is_ok());
    // The CA anchor alone does not vouch for it.
    assert!(matches!(
        verify(&s.sign(b"{}"), &ca_anchor(), NOW),
        Err(JwsError::Untrusted { .. })
    ));
}

#[test]
fn an_unregistered_devices_unsigned_device_info_is_refused_as_unsigned() {
    let unsigned = URL_SAFE_NO_PAD.encode(b"{\"deviceStatus\":\"Not Registered\"}");
    assert_eq!(
        verify(&unsigned, &ca_anchor(), NOW),
        Err(JwsError::Unsigned)
    );
    let none = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(b"{\"alg\":\"none\"}"),
        URL_SAFE_NO_PAD.encode(b"{}")
    );
    assert_eq!(verify(&none, &ca_anchor(), NOW), Err(JwsError::Unsigned));
    assert_eq!(
        decode_unsigned(&unsigned).expect("decodes"),
        b"{\"deviceStatus\":\"Not Registered\"}"
    );
    assert!(matches!(
        verify("a.b", &ca_anchor(), NOW),
        Err(JwsError::Malformed(_))
    ));
}

#[test]
fn a_device_whose_chain_reaches_no_anchor_is_refused_as_untrusted() {
    let jws = signer().sign(b"{}");
    assert!(matches!(
        verify(&jws, &TrustAnchors::new(), NOW),
        Err(JwsError::Untrusted { .. })
    ));
    // Another CA with the same name does not do: the signature on the chain is checked.
    let other_key = new_rsa_key();
    let other = certificate(
        "Test Device CA",
        &rcgen_key(&other_key),
        true,
        2025,
        2030,
        None,
    );
    let mut anchors = TrustAnchors::new();
    anchors.add_der(other.der().to_vec()).expect("anchor");
    assert!(matches!(
        verify(&jws, &anchors, NOW),
        Err(JwsError::Untrusted { .. })
    ));
}

#[test]
fn a_device_certificate_outside_its_validity_at_now_is_refused() {
    let jws = signer().sign(b"{}");
    // The device certificate ends on 2029-01-01.
    let later = Timestamp::from_unix_ms(1_900_000_000_000);
    assert!(matches!(
        verify(&jws, &ca_anchor(), later),
        Err(JwsError::CertificateNotValidNow { .. })
    ));
    let earlier = Timestamp::from_unix_ms(1_700_000_000_000);
    assert!(matches!(
        verify(&jws, &ca_anchor(), earlier),
        Err(JwsError::CertificateNotValidNow { .. })
    ));
}

#[test]
fn a_payload_changed_after_signing_fails_the_signature() {
    let jws = signer().sign(b"{\"qualityScore\":\"40\"}");
    let mut parts: Vec<String> = jws.split('.').map(str::to_string).collect();
    parts[1] = URL_SAFE_NO_PAD.encode(b"{\"qualityScore\":\"99\"}");
    assert_eq!(
        verify(&parts.join("."), &ca_anchor(), NOW),
        Err(JwsError::BadSignature)
    );
}

#[test]
fn a_signer_refuses_a_certificate_for_another_key() {
    let p = pki();
    assert!(matches!(
        DeviceSigner::new(&p.device_key, vec![p.ca_cert.clone()]),
        Err(JwsError::Key(_))
    ));
}

#[test]
fn discovery_device_info_and_capture_responses_validate_against_mosips_schemas() {
    let Some(dir) = schema_dir() else { return };
    assert_valid(
        &dir,
        "DiscoverRequestSchema.json",
        &serde_json::to_value(DiscoverRequest {
            device_type: DiscoverType::BiometricDevice,
        })
        .expect("json"),
    );
    let did = serde_json::to_vec(&digital_id(BioType::Finger, DeviceSubType::Slap)).expect("json");
    let discovered = vec![DiscoveredDevice {
        device_id: "1".into(),
        device_status: DeviceStatus::Ready,
        certification: Certification::L0,
        service_version: Some("0.1.0".into()),
        device_sub_id: vec!["1".into(), "2".into(), "3".into()],
        callback_id: "http://127.0.0.1:4501/".into(),
        digital_id: URL_SAFE_NO_PAD.encode(&did),
        device_code: "rekam-finger-1".into(),
        spec_version: vec!["0.9.5".into()],
        purpose: Purpose::Registration,
        error: ErrorInfo::success(),
    }];
    let mut v = serde_json::to_value(&discovered).expect("json");
    add_decoded(&mut v);
    assert!(v[0]["digitalIdDecoded"].is_object());
    assert_valid(&dir, "DiscoverResponseSchema.json", &v);
    assert_eq!(
        parse_discover_response(&serde_json::to_vec(&discovered).expect("json")).expect("parses"),
        discovered
    );

    let info = device_info(DeviceStatus::Ready);
    let entries = vec![DeviceInfoEntry {
        device_info: signer().sign(&serde_json::to_vec(&info).expect("json")),
        error: ErrorInfo::success(),
    }];
    let mut v = serde_json::to_value(&entries).expect("json");
    add_decoded(&mut v);
    assert!(v[0]["deviceInfoDecoded"]["digitalIdDecoded"].is_object());
    assert_valid(&dir, "DeviceInfoResponseSchema.json", &v);
    assert_valid(&dir, "DeviceInfoReadyResponseSchema.json", &v);

    let records: [&[u8]; 3] = [b"FIR\0one", b"FIR\0two", b"FIR\0three"];
    let subs = [
        BioSubType::LeftIndexFinger,
        BioSubType::LeftMiddleFinger,
        BioSubType::LeftLittleFinger,
    ];
    let s = signer();
    let mut prev = String::new();
    let mut biometrics = Vec::new();
    for (r, sub) in records.iter().zip(subs) {
        let e =
            sign_entry(&s, "0.9.5", &payload(Some(sub), BioType::Finger, r), &prev).expect("entry");
        prev = e.hash.clone();
        biometrics.push(e);
    }
    let response = CaptureResponse { biometrics };
    let mut v = serde_json::to_value(&response).expect("json");
    add_decoded(&mut v);
    assert_valid(&dir, "RegistrationCaptureResponseSchema.json", &v);
    // The validator does reject: a lower-case hash breaks the toolkit's pattern.
    let mut lower = v.clone();
    lower["biometrics"][0]["hash"] = json!(prev.to_lowercase());
    assert!(!is_valid(
        &dir,
        "RegistrationCaptureResponseSchema.json",
        &lower
    ));

    let face = CaptureResponse {
        biometrics: vec![
            sign_entry(&s, "0.9.5", &payload(None, BioType::Face, b"FAC\0x"), "").expect("face"),
        ],
    };
    let mut v = serde_json::to_value(&face).expect("json");
    add_decoded(&mut v);
    assert_valid(&dir, "RegistrationCaptureResponseSchema.json", &v);

    // An error entry (a bad transaction ID) is what the toolkit's error schema expects.
    let err = CaptureResponse {
        biometrics: vec![BiometricEntry {
            spec_version: "0.9.5".into(),
            data: String::new(),
            hash: String::new(),
            error: ErrorCode::InvalidTransactionId.info(),
        }],
    };
    assert_valid(
        &dir,
        "TransactionIdErrorRCaptureResponseSchema.json",
        &serde_json::to_value(&err).expect("json"),
    );
}

#[test]
fn an_unregistered_device_answers_unsigned_info_that_the_not_registered_schema_accepts() {
    let Some(dir) = schema_dir() else { return };
    let mut info = device_info(DeviceStatus::NotRegistered);
    info.env = Env::None;
    info.purpose = Purpose::None;
    let entries = vec![DeviceInfoEntry {
        device_info: URL_SAFE_NO_PAD.encode(serde_json::to_vec(&info).expect("json")),
        error: ErrorCode::DeviceNotRegistered.info(),
    }];
    let mut v = serde_json::to_value(&entries).expect("json");
    add_decoded(&mut v);
    assert_valid(&dir, "DeviceInfoNotRegisteredResponseSchema.json", &v);
    assert_eq!(
        verify(&entries[0].device_info, &ca_anchor(), NOW),
        Err(JwsError::Unsigned)
    );
}

/// The request MOSIP's registration client sends for a left slap missing its ring finger.
fn left_slap_request() -> Value {
    json!({
        "env": "Developer",
        "purpose": "Registration",
        "specVersion": "0.9.5",
        "timeout": "10000",
        "captureTime": "2026-12-03T00:00:00.000Z",
        "transactionId": "tx-0001",
        "bio": [{
            "type": "Finger",
            "count": "3",
            "bioSubType": ["Left IndexFinger", "Left MiddleFinger", "Left LittleFinger"],
            "exception": ["Left RingFinger"],
            "requestedScore": "40",
            "deviceId": "1",
            "deviceSubId": "1",
            "previousHash": ""
        }],
        "customOpts": null
    })
}

#[test]
fn a_registration_capture_request_parses_and_what_we_send_back_matches_the_schema() {
    let body = serde_json::to_vec(&left_slap_request()).expect("json");
    let r = parse_capture_request(&body).expect("parses");
    assert_eq!(r.bio[0].count, 3);
    assert_eq!(r.bio[0].exception, vec![BioSubType::LeftRingFinger]);
    assert_eq!(r.bio[0].device_sub_id, 1);
    assert!(valid_transaction_id(&r.transaction_id));
    if let Some(dir) = schema_dir() {
        assert_valid(
            &dir,
            "RegistrationCaptureRequestSchema.json",
            &serde_json::to_value(&r).expect("json"),
        );
    }
}

#[test]
fn numbers_sent_as_json_numbers_read_like_their_strings() {
    let mut v = left_slap_request();
    v["timeout"] = json!(10000);
    v["bio"][0]["count"] = json!(3);
    v["bio"][0]["deviceSubId"] = json!(1);
    v["bio"][0]["requestedScore"] = json!(40);
    let r = parse_capture_request(&serde_json::to_vec(&v).expect("json")).expect("parses");
    assert_eq!(
        (r.timeout, r.bio[0].count, r.bio[0].device_sub_id),
        (10000, 3, 1)
    );
    v["bio"][0]["count"] = json!("three");
    let err = parse_capture_request(&serde_json::to_vec(&v).expect("json")).expect_err("bad");
    assert!(err.to_string().contains("bio[0].count"), "{err}");
}

#[test]
fn parsing_refuses_unknown_and_missing_fields_and_names_them() {
    let mut v = left_slap_request();
    v["bio"][0]["colour"] = json!("red");
    let err = parse_capture_request(&serde_json::to_vec(&v).expect("json")).expect_err("unknown");
    assert!(err.to_string().contains("colour"), "{err}");

    let mut v = left_slap_request();
    v["bio"][0]
        .as_object_mut()
        .expect("object")
        .remove("deviceId");
    let err = parse_capture_request(&serde_json::to_vec(&v).expect("json")).expect_err("missing");
    assert!(err.to_string().contains("deviceId"), "{err}");

    let err = parse_discover_request(b"{\"type\":\"Palm\"}").expect_err("bad type");
    assert!(err.to_string().contains("type"), "{err}");
    assert!(parse_discover_request(b"{\"type\":\"Finger\"} trailing").is_err());
    let err = parse_stream_request(b"{\"deviceId\":\"1\"}").expect_err("missing");
    assert!(err.to_string().contains("deviceSubId"), "{err}");
    let ok =
        parse_stream_request(b"{\"deviceId\":\"1\",\"deviceSubId\":\"2\",\"timeout\":\"5000\"}")
            .expect("stream");
    assert_eq!((ok.device_sub_id, ok.timeout), (2, Some(5000)));

    let bad_payload = json!({"digitalId": "x"});
    let err = parse_bio_payload(&serde_json::to_vec(&bad_payload).expect("json")).expect_err("p");
    assert!(err.to_string().contains("missing field"), "{err}");
}

#[test]
fn a_face_payload_with_a_finger_position_or_a_finger_without_one_is_refused() {
    let mut face = payload(Some(BioSubType::LeftThumb), BioType::Face, b"x");
    let err = parse_bio_payload(&serde_json::to_vec(&face).expect("json")).expect_err("face");
    assert!(err.to_string().contains("bioSubType"), "{err}");
    face.bio_sub_type = None;
    assert!(parse_bio_payload(&serde_json::to_vec(&face).expect("json")).is_ok());
    let finger = payload(None, BioType::Finger, b"x");
    assert!(parse_bio_payload(&serde_json::to_vec(&finger).expect("json")).is_err());
    let iris_as_finger = payload(Some(BioSubType::LeftIris), BioType::Finger, b"x");
    assert!(parse_bio_payload(&serde_json::to_vec(&iris_as_finger).expect("json")).is_err());
}

#[test]
fn a_device_service_error_in_discovery_is_reported_as_that_error() {
    let body = br#"[{"deviceId":null,"deviceStatus":null,"error":{"errorCode":"503","errorInfo":"Devices are not connected"}}]"#;
    assert_eq!(
        parse_discover_response(body),
        Err(MessageError::Device {
            code: "503".into(),
            info: "Devices are not connected".into()
        })
    );
}

#[test]
fn a_capture_response_is_checked_for_signature_payload_transaction_and_chain() {
    let s = signer();
    let a = sign_entry(
        &s,
        "0.9.5",
        &payload(Some(BioSubType::RightThumb), BioType::Finger, b"FIR\0a"),
        "",
    )
    .expect("a");
    let b = sign_entry(
        &s,
        "0.9.5",
        &payload(Some(BioSubType::LeftThumb), BioType::Finger, b"FIR\0b"),
        &a.hash,
    )
    .expect("b");
    let response = CaptureResponse {
        biometrics: vec![a.clone(), b.clone()],
    };
    let out = check_capture(&response, "tx-0001", "", &ca_anchor(), NOW).expect("checks");
    let EntryOutcome::Captured(first) = &out[0] else {
        panic!("captured")
    };
    assert_eq!(first.record, b"FIR\0a");
    assert_eq!(first.payload.bio_sub_type, Some(BioSubType::RightThumb));

    let swapped = CaptureResponse {
        biometrics: vec![b, a],
    };
    assert!(matches!(
        check_capture(&swapped, "tx-0001", "", &ca_anchor(), NOW),
        Err(CaptureCheckError::Chain(HashChainError::Mismatch {
            index: 0,
            ..
        }))
    ));
    assert!(matches!(
        check_capture(&response, "tx-9999", "", &ca_anchor(), NOW),
        Err(CaptureCheckError::Transaction { index: 0, .. })
    ));
    assert!(matches!(
        check_capture(&response, "tx-0001", "", &TrustAnchors::new(), NOW),
        Err(CaptureCheckError::Signature { index: 0, .. })
    ));
}
