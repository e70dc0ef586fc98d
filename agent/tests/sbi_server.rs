//! `rekam sbi serve` end to end over loopback: discovery, device info, a left slap missing one
//! finger, thumbs, a face and irises, and the error codes; every answer validated against
//! MOSIP's compliance-toolkit schemas and every capture checked with the protocol crate's
//! verifier (signatures against the pinned device certificate, hash chain, transaction).

#[path = "../../protocol/tests/sbi_support/mod.rs"]
mod sbi_support;

use std::time::Duration;

use rekam_agent::devices::{CameraDevice, DeviceFailure, DeviceManager, Slot, simulated_kit};
use rekam_agent::sbi::keys;
use rekam_agent::sbi::server::{SbiConfig, SbiService, serve};
use rekam_drivers::ErrorKind;
use rekam_protocol::Timestamp;
use rekam_protocol::sbi::decoded::add_decoded;
use rekam_protocol::sbi::{
    BioSubType, BioType, DeviceSigner, EntryOutcome, Env, JwsError, TrustAnchors, check_capture,
    parse_capture_response, parse_device_info, parse_device_info_response, parse_discover_response,
    verify,
};
use sbi_support::{assert_valid, schema_dir};
use serde_json::{Value, json};

struct Running {
    base: String,
    anchors: TrustAnchors,
    client: reqwest::Client,
    _closing: tokio::sync::watch::Sender<bool>,
}

fn now() -> Timestamp {
    Timestamp::from_unix_ms(
        i64::try_from(time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000)
            .expect("ms"),
    )
}

fn kit() -> DeviceManager {
    let (f, c, p, i) = simulated_kit(11, true, false);
    DeviceManager::new(f, c, p, i, Duration::from_secs(30))
}

async fn start(devices: DeviceManager, registered: bool) -> Running {
    let mut anchors = TrustAnchors::new();
    let signer = if registered {
        let (key, cert) =
            keys::generate("sbi test device", time::OffsetDateTime::now_utc()).expect("keys");
        anchors.add_der(cert.clone()).expect("anchor");
        Some(DeviceSigner::new(&key, vec![cert]).expect("signer"))
    } else {
        None
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let (tx, closing) = tokio::sync::watch::channel(false);
    let service = SbiService::new(
        devices,
        SbiConfig {
            port,
            env: Env::Developer,
            signer,
        },
        closing.clone(),
    );
    service.open_devices().await;
    let mut stop = closing;
    tokio::spawn(serve(service, listener, async move {
        let _ = stop.wait_for(|c| *c).await;
    }));
    Running {
        base: format!("http://127.0.0.1:{port}"),
        anchors,
        client: reqwest::Client::new(),
        _closing: tx,
    }
}

impl Running {
    async fn call(&self, verb: &str, path: &str, body: &Value) -> Value {
        let method = reqwest::Method::from_bytes(verb.as_bytes()).expect("method");
        let r = self
            .client
            .request(method, format!("{}{path}", self.base))
            .header("content-type", "application/json")
            .body(serde_json::to_vec(body).expect("json"))
            .timeout(Duration::from_secs(60))
            .send()
            .await
            .expect("answer");
        assert_eq!(r.status(), 200, "{verb} {path}");
        let bytes = r.bytes().await.expect("body");
        serde_json::from_slice(&bytes).expect("JSON")
    }
}

fn capture_request(tx: &str, bio: Value) -> Value {
    json!({
        "env": "Developer",
        "purpose": "Registration",
        "specVersion": "0.9.5",
        "timeout": "30000",
        "captureTime": "2026-12-03T00:00:00.000Z",
        "transactionId": tx,
        "bio": [bio],
        "customOpts": null
    })
}

fn decoded(v: &Value) -> Value {
    let mut d = v.clone();
    add_decoded(&mut d);
    d
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_registration_client_discovers_reads_info_and_captures_a_slap_with_an_exception_and_a_face()
 {
    let schemas = schema_dir();
    let s = start(kit(), true).await;

    let disc = s
        .call("MOSIPDISC", "/device", &json!({"type": "Biometric Device"}))
        .await;
    let devices = parse_discover_response(&serde_json::to_vec(&disc).expect("json"))
        .expect("discovery parses");
    let ids: Vec<&str> = devices.iter().map(|d| d.device_id.as_str()).collect();
    assert_eq!(ids, ["1", "2", "3"]);
    let fingers_only = s
        .call("MOSIPDISC", "/device", &json!({"type": "Finger"}))
        .await;
    assert_eq!(fingers_only.as_array().map(Vec::len), Some(1));

    let info = s.call("MOSIPDINFO", "/info", &json!({})).await;
    let entries =
        parse_device_info_response(&serde_json::to_vec(&info).expect("json")).expect("info");
    for e in &entries {
        let v = verify(&e.device_info, &s.anchors, now()).expect("device info is signed");
        let di = parse_device_info(&v.payload).expect("device info parses");
        assert_eq!(di.device_status, rekam_protocol::sbi::DeviceStatus::Ready);
        verify(&di.digital_id, &s.anchors, now()).expect("digital ID is signed");
    }

    // The left slap without the ring finger: count 3 and one exception.
    let req = capture_request(
        "tx-slap-1",
        json!({
            "type": "Finger", "count": "3",
            "bioSubType": ["Left IndexFinger", "Left MiddleFinger", "Left LittleFinger"],
            "exception": ["Left RingFinger"],
            "requestedScore": "40", "deviceId": "1", "deviceSubId": "1", "previousHash": ""
        }),
    );
    let slap = s.call("RCAPTURE", "/capture", &req).await;
    let response =
        parse_capture_response(&serde_json::to_vec(&slap).expect("json")).expect("capture parses");
    let outcomes = check_capture(&response, "tx-slap-1", "", &s.anchors, now())
        .expect("signatures, payloads and hash chain hold");
    assert_eq!(outcomes.len(), 3);
    let mut last_hash = String::new();
    let mut subs = Vec::new();
    for o in &outcomes {
        let EntryOutcome::Captured(c) = o else {
            panic!("a finger was not captured: {o:?}")
        };
        assert_eq!(&c.record[..8], b"FIR\x00020\x00");
        // The record's finger position agrees with the payload's bioSubType.
        let position = c.record[40];
        let expected = match c.payload.bio_sub_type {
            Some(BioSubType::LeftIndexFinger) => 7,
            Some(BioSubType::LeftMiddleFinger) => 8,
            Some(BioSubType::LeftLittleFinger) => 10,
            other => panic!("unexpected finger {other:?}"),
        };
        assert_eq!(position, expected);
        // Quality on the NFIQ 2 scale, and in the record's quality block too.
        assert!(c.payload.quality_score.value() <= 100.0);
        assert_eq!(f64::from(c.record[35]), c.payload.quality_score.value());
        subs.push(c.payload.bio_sub_type);
        last_hash = c.hash.clone();
    }
    assert!(!subs.contains(&Some(BioSubType::LeftRingFinger)));

    // The face, chained from the slap's last hash as the client would.
    let face_req = capture_request(
        "tx-slap-1",
        json!({
            "type": "Face", "count": "1", "bioSubType": [null], "exception": [],
            "requestedScore": "9", "deviceId": "2", "deviceSubId": "0", "previousHash": last_hash
        }),
    );
    let face = s.call("RCAPTURE", "/capture", &face_req).await;
    let face_response =
        parse_capture_response(&serde_json::to_vec(&face).expect("json")).expect("parses");
    let out = check_capture(&face_response, "tx-slap-1", &last_hash, &s.anchors, now())
        .expect("face checks");
    let [EntryOutcome::Captured(f)] = out.as_slice() else {
        panic!("one face: {out:?}")
    };
    assert_eq!(&f.record[..8], b"FAC\x00030\x00");
    assert_eq!(f.payload.bio_type, BioType::Face);
    assert_eq!(f.payload.bio_sub_type, None);

    let Some(dir) = schemas else { return };
    assert_valid(&dir, "DiscoverResponseSchema.json", &decoded(&disc));
    assert_valid(&dir, "DeviceInfoResponseSchema.json", &decoded(&info));
    assert_valid(&dir, "DeviceInfoReadyResponseSchema.json", &decoded(&info));
    assert_valid(&dir, "RegistrationCaptureRequestSchema.json", &req);
    assert_valid(
        &dir,
        "RegistrationCaptureResponseSchema.json",
        &decoded(&slap),
    );
    assert_valid(&dir, "RegistrationCaptureRequestSchema.json", &face_req);
    assert_valid(
        &dir,
        "RegistrationCaptureResponseSchema.json",
        &decoded(&face),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thumbs_and_both_irises_come_back_as_one_entry_each_in_a_single_chain() {
    let s = start(kit(), true).await;
    let thumbs = s
        .call(
            "RCAPTURE",
            "/capture",
            &capture_request(
                "tx-thumbs",
                json!({"type": "Finger", "count": "2", "bioSubType": ["Left Thumb", "Right Thumb"],
                       "exception": [], "requestedScore": "40", "deviceId": "1",
                       "deviceSubId": "3", "previousHash": ""}),
            ),
        )
        .await;
    let r = parse_capture_response(&serde_json::to_vec(&thumbs).expect("json")).expect("parses");
    let out = check_capture(&r, "tx-thumbs", "", &s.anchors, now()).expect("checks");
    assert_eq!(out.len(), 2);
    assert!(
        out.iter().all(|o| matches!(o, EntryOutcome::Captured(_))),
        "{out:?}"
    );

    let irises = s
        .call(
            "RCAPTURE",
            "/capture",
            &capture_request(
                "tx-irises",
                json!({"type": "Iris", "count": "2", "bioSubType": ["Left", "Right"],
                       "exception": [], "requestedScore": "60", "deviceId": "3",
                       "deviceSubId": "3", "previousHash": ""}),
            ),
        )
        .await;
    let r = parse_capture_response(&serde_json::to_vec(&irises).expect("json")).expect("parses");
    let out = check_capture(&r, "tx-irises", "", &s.anchors, now()).expect("checks");
    let eyes: Vec<_> = out
        .iter()
        .map(|o| match o {
            EntryOutcome::Captured(c) => {
                assert_eq!(&c.record[..8], b"IIR\x00020\x00");
                c.payload.bio_sub_type
            }
            EntryOutcome::Failed(e) => panic!("an eye failed: {e:?}"),
        })
        .collect();
    assert_eq!(
        eyes,
        [Some(BioSubType::LeftIris), Some(BioSubType::RightIris)]
    );
    if let Some(dir) = schema_dir() {
        assert_valid(
            &dir,
            "RegistrationCaptureResponseSchema.json",
            &decoded(&thumbs),
        );
        assert_valid(
            &dir,
            "RegistrationCaptureResponseSchema.json",
            &decoded(&irises),
        );
    }
}

fn code(v: &Value) -> &str {
    v["biometrics"][0]["error"]["errorCode"]
        .as_str()
        .unwrap_or("none")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_get_mosips_error_codes() {
    let s = start(kit(), true).await;
    let slap = |tx: &str, count: &str, exception: Value| {
        capture_request(
            tx,
            json!({"type": "Finger", "count": count, "bioSubType": [], "exception": exception,
                   "requestedScore": "40", "deviceId": "1", "deviceSubId": "2",
                   "previousHash": ""}),
        )
    };
    let bad_tx = s
        .call("RCAPTURE", "/capture", &slap("tx 1!", "4", json!([])))
        .await;
    assert_eq!(code(&bad_tx), "112");
    // Four right fingers less one exception is three, not four.
    let count = s
        .call(
            "RCAPTURE",
            "/capture",
            &slap("tx-count", "4", json!(["Right RingFinger"])),
        )
        .await;
    assert_eq!(code(&count), "109");
    // A left finger is no exception on the right slap.
    let wrong = s
        .call(
            "RCAPTURE",
            "/capture",
            &slap("tx-wrong", "3", json!(["Left RingFinger"])),
        )
        .await;
    assert_eq!(code(&wrong), "109");
    let mut unknown = slap("tx-unknown", "4", json!([]));
    unknown["bio"][0]["deviceId"] = json!("9");
    assert_eq!(code(&s.call("RCAPTURE", "/capture", &unknown).await), "106");
    let verb = s.call("MOSIPFOO", "/device", &json!({})).await;
    assert_eq!(verb["error"]["errorCode"], "500");

    // Two captures at once on one scanner: the second is told the device is busy.
    let (first, second) = (slap("tx-a", "4", json!([])), slap("tx-b", "4", json!([])));
    let (a, b) = tokio::join!(
        s.call("RCAPTURE", "/capture", &first),
        s.call("RCAPTURE", "/capture", &second)
    );
    let codes = [code(&a), code(&b)];
    assert!(codes.contains(&"111"), "{codes:?}");
    assert!(codes.contains(&"0"), "{codes:?}");

    if let Some(dir) = schema_dir() {
        assert_valid(
            &dir,
            "TransactionIdErrorRCaptureResponseSchema.json",
            &bad_tx,
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_camera_that_will_not_open_is_not_ready_and_its_capture_is_refused_with_110() {
    let (f, _, p, i) = simulated_kit(3, false, false);
    let dead: Slot<dyn CameraDevice> = Slot::new(
        "camera",
        Box::new(|| {
            Err(DeviceFailure::new(
                "camera",
                ErrorKind::Disconnected,
                "unplugged",
            ))
        }),
    );
    let s = start(
        DeviceManager::new(f, dead, p, i, Duration::from_secs(10)),
        true,
    )
    .await;
    let info = s.call("MOSIPDINFO", "/info", &json!({})).await;
    let face = &info.as_array().expect("array")[1];
    assert_eq!(face["error"]["errorCode"], "110");
    let v = verify(
        face["deviceInfo"].as_str().expect("string"),
        &s.anchors,
        now(),
    )
    .expect("signed");
    assert_eq!(
        parse_device_info(&v.payload).expect("parses").device_status,
        rekam_protocol::sbi::DeviceStatus::NotReady
    );
    let req = capture_request(
        "tx-face",
        json!({"type": "Face", "count": "1", "bioSubType": [], "exception": [],
               "requestedScore": "9", "deviceId": "2", "deviceSubId": "0", "previousHash": ""}),
    );
    assert_eq!(code(&s.call("RCAPTURE", "/capture", &req).await), "110");
    if let Some(dir) = schema_dir() {
        assert_valid(
            &dir,
            "DeviceInfoNotReadyResponseSchema.json",
            &decoded(&json!([face.clone()])),
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_keys_the_devices_are_unregistered_and_their_info_is_unsigned() {
    let s = start(kit(), false).await;
    let disc = s
        .call("MOSIPDISC", "/device", &json!({"type": "Face"}))
        .await;
    assert_eq!(disc[0]["deviceStatus"], "Not Registered");
    let info = s.call("MOSIPDINFO", "/info", &json!({})).await;
    let first = info[0]["deviceInfo"].as_str().expect("string");
    assert_eq!(verify(first, &s.anchors, now()), Err(JwsError::Unsigned));
    assert_eq!(info[0]["error"]["errorCode"], "100");
    let req = capture_request(
        "tx-unreg",
        json!({"type": "Face", "count": "1", "bioSubType": [], "exception": [],
               "requestedScore": "9", "deviceId": "2", "deviceSubId": "0", "previousHash": ""}),
    );
    assert_eq!(code(&s.call("RCAPTURE", "/capture", &req).await), "100");
    if let Some(dir) = schema_dir() {
        assert_valid(
            &dir,
            "DeviceInfoNotRegisteredResponseSchema.json",
            &decoded(&info),
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stream_sends_the_fingerprint_scanners_preview_as_multipart_jpeg() {
    let s = start(kit(), true).await;
    let method = reqwest::Method::from_bytes(b"STREAM").expect("method");
    let mut r = s
        .client
        .request(method, format!("{}/stream", s.base))
        .header("content-type", "application/json")
        .body(r#"{"deviceId": "1", "deviceSubId": "1"}"#)
        .send()
        .await
        .expect("answer");
    let ct = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(ct.starts_with("multipart/x-mixed-replace"), "{ct}");
    let mut got = Vec::new();
    while got.len() < 4096 {
        match tokio::time::timeout(Duration::from_secs(30), r.chunk()).await {
            Ok(Ok(Some(c))) => got.extend_from_slice(c.as_ref()),
            other => panic!("the stream ended early: {other:?}"),
        }
    }
    let text = String::from_utf8_lossy(&got[..200.min(got.len())]).to_string();
    assert!(text.contains("Content-Type: image/jpeg"), "{text}");
    // A JPEG starts after the part's headers.
    let start = got
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("headers end")
        + 4;
    assert_eq!(&got[start..start + 2], &[0xFF, 0xD8]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovery_finds_the_service_on_its_port_and_a_silent_range_answers_within_a_second() {
    use rekam_agent::sbi::client::discover;
    use rekam_protocol::sbi::DiscoverType;
    let s = start(kit(), true).await;
    let port: u16 = s
        .base
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("port");
    let found = discover(
        &s.client,
        port..=port,
        DiscoverType::Finger,
        Duration::from_millis(500),
    )
    .await;
    assert_eq!(found.len(), 1);
    let devices = found[0].devices.as_ref().expect("parses");
    assert_eq!(devices[0].device_id, "1");

    // SBI's whole range, where nothing (or at most a quick local service) listens.
    let started = std::time::Instant::now();
    let _ = discover(
        &s.client,
        rekam_agent::sbi::client::PORTS,
        DiscoverType::BiometricDevice,
        Duration::from_millis(500),
    )
    .await;
    let took = started.elapsed();
    assert!(took < Duration::from_secs(1), "{took:?}");
}
