//! The SBI client driver against `rekam sbi serve --simulated` run as its own process: the
//! agent's fingerprint, camera and iris slots driven through the SBI service exactly as native
//! devices (captures, previews, health), a device that is unsigned or signed by an untrusted
//! certificate refused, a tampered hash chain refused, a killed service Disconnected and
//! recovered when restarted, a silent service a Timeout, and a whole enrollment sealed from SBI
//! captures.

mod identity;
#[path = "../../protocol/tests/sbi_support/mod.rs"]
mod sbi_support;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rekam_agent::config::Config;
use rekam_agent::devices::{DeviceManager, Health, PreviewOutcome, Slot, simulated_kit};
use rekam_agent::sbi::device::{
    SbiClass, SbiDevice, SbiSetting, camera_slot, finger_slot, iris_slot,
};
use rekam_agent::sbi::{keys, records};
use rekam_agent::service::{Agent, StartRequest};
use rekam_agent::workflow::Eye;
use rekam_drivers::fingerprint::{CaptureOptions, Finger, Slap};
use rekam_drivers::iris::Eyes;
use rekam_drivers::{CancelToken, ErrorKind};
use rekam_protocol::model::{FingerRecord, Impression};
use rekam_protocol::sbi::decoded::add_decoded;
use rekam_protocol::sbi::{BioRequest, BioSubType, BioType, Score, TrustAnchors};
use rekam_protocol::{RegistryPrivateKey, SignatureAlgorithm, WorkstationSigningKey, packet};
use rekam_quality::segment::{SegmentOptions, SlapKind, segment};
use ring::rand::SystemRandom;
use sbi_support::{assert_valid, schema_dir};
use serde_json::Value;

/// Long enough for a debug build's simulated slap, segmentation and NFIQ 2 per finger.
const DEADLINE: Duration = Duration::from_secs(90);

/// A `rekam sbi serve --simulated` process on a port of SBI's range.
struct Service {
    child: Option<Child>,
    /// Kept open: the service writes to it after its first line.
    stdout: Option<BufReader<ChildStdout>>,
    port: u16,
    dir: tempfile::TempDir,
    keys: bool,
}

/// Ports are handed out from a per-process offset so parallel tests (and other test binaries)
/// rarely try the same one; a port found taken is skipped.
static NEXT: AtomicU16 = AtomicU16::new(0);

fn rekam() -> &'static str {
    env!("CARGO_BIN_EXE_rekam")
}

impl Service {
    fn start(keys: bool) -> Service {
        let dir = tempfile::tempdir().expect("temp dir");
        let data = dir.path().join("data");
        std::fs::create_dir_all(&data).expect("data dir");
        std::fs::write(
            dir.path().join("sbi.toml"),
            format!(
                "[agent]\ndata_dir = {:?}\n[devices]\nrealtime = false\nseed = 7\n",
                data.display().to_string()
            ),
        )
        .expect("config");
        if keys {
            let out = Command::new(rekam())
                .args(["keys", "sbi-device-new", "--out"])
                .arg(dir.path().join("keys"))
                .output()
                .expect("rekam keys sbi-device-new");
            assert!(out.status.success(), "{out:?}");
        }
        let mut s = Service {
            child: None,
            stdout: None,
            port: 0,
            dir,
            keys,
        };
        let base = (std::process::id() % 100) as u16;
        for _ in 0..100 {
            s.port = 4501 + (base + NEXT.fetch_add(1, Ordering::SeqCst)) % 100;
            if std::net::TcpListener::bind(("127.0.0.1", s.port)).is_err() {
                continue;
            }
            if s.spawn() {
                return s;
            }
        }
        panic!("no free port in 4501-4600 for the SBI service");
    }

    /// Starts the process; `true` once it says it serves.
    fn spawn(&mut self) -> bool {
        let mut cmd = Command::new(rekam());
        cmd.args(["sbi", "serve", "--simulated", "--config"])
            .arg(self.dir.path().join("sbi.toml"))
            .args(["--port", &self.port.to_string()]);
        if self.keys {
            cmd.arg("--keys").arg(self.dir.path().join("keys"));
        }
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("rekam sbi serve");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut line = String::new();
        let ok =
            stdout.read_line(&mut line).is_ok() && line.starts_with("SBI 0.9.5 device service on");
        self.child = Some(child);
        self.stdout = Some(stdout);
        if !ok {
            self.kill();
        }
        ok
    }

    fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
        self.stdout = None;
    }

    /// Starts it again on the same port (the old listener may linger for a moment).
    fn restart(&mut self) {
        for _ in 0..50 {
            if self.spawn() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("the SBI service does not start again on port {}", self.port);
    }

    fn certificate(&self) -> PathBuf {
        self.dir.path().join("keys").join(keys::CERT_FILE)
    }

    fn trusted(&self) -> TrustAnchors {
        let mut a = TrustAnchors::new();
        if self.keys {
            a.add_pem(&std::fs::read_to_string(self.certificate()).expect("certificate"))
                .expect("anchor");
        }
        a
    }

    fn setting(&self, anchors: TrustAnchors) -> Arc<SbiSetting> {
        setting_at(Some(self.port), anchors)
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        self.kill();
    }
}

fn setting_at(port: Option<u16>, anchors: TrustAnchors) -> Arc<SbiSetting> {
    Arc::new(SbiSetting {
        port,
        anchors,
        timeout: DEADLINE,
    })
}

/// A manager whose fingerprint, camera and iris slots are SBI devices (the pad is simulated:
/// SBI has no signature pads).
fn sbi_manager(s: &Arc<SbiSetting>, deadline: Duration) -> DeviceManager {
    let (_, _, pad, _) = simulated_kit(3, false, false);
    DeviceManager::new(
        finger_slot(s.clone()),
        camera_slot(s.clone()),
        pad,
        Some(iris_slot(s.clone())),
        deadline,
    )
}

fn positions_found(img: &rekam_drivers::GrayImage, kind: SlapKind) -> Vec<u8> {
    let view = rekam_agent::capture::gray_view(img).expect("a gray view");
    let seg = segment(
        &view,
        kind,
        &SegmentOptions {
            nfiq2: false,
            ..SegmentOptions::default()
        },
    )
    .expect("the laid-out slap segments");
    let mut p: Vec<u8> = seg.fingers.iter().map(|f| f.position).collect();
    p.sort_unstable();
    p
}

fn health_of(slot: &Slot<dyn rekam_agent::devices::FingerDevice>) -> Health {
    slot.status().health
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agents_slots_drive_the_sbi_service_like_native_devices_slap_thumbs_irises_face_and_previews()
 {
    let svc = Service::start(true);
    let s = svc.setting(svc.trusted());
    let m = sbi_manager(&s, DEADLINE);

    // A left slap with the little finger declared an exception: three fingers come back and
    // are laid out where the agent's segmenter finds them at their positions.
    let (left, id) = m
        .capture_slap(Slap::LeftFour, vec![Finger::LeftLittle])
        .await
        .expect("a left slap through SBI");
    assert!(id.location.contains(&svc.port.to_string()), "{id:?}");
    assert_eq!(
        id.vendor, "rekam-sim",
        "the make from the signed digital ID"
    );
    assert_eq!(positions_found(&left, SlapKind::LeftFour), [7, 8, 9]);
    assert_eq!(m.fingerprint.status().health, Health::Ready);

    let (thumbs, _) = m
        .capture_slap(Slap::Thumbs, Vec::new())
        .await
        .expect("thumbs");
    assert_eq!(positions_found(&thumbs, SlapKind::Thumbs), [1, 6]);

    for eye in [Eyes::Left, Eyes::Right] {
        let (img, _) = m.capture_iris(eye).await.expect("an iris through SBI");
        assert!(img.width() >= 320 && img.height() >= 240, "{img:?}");
        rekam_agent::capture::iris(&img, &id).expect("the iris passes the agent's checks");
    }
    let (photo, cam) = m.capture_photo().await.expect("a face through SBI");
    let (face, _) =
        rekam_agent::capture::face(&photo, &cam, None).expect("the face passes the agent's checks");
    assert!(face.quality.score > 0);

    // Previews come from STREAM and feed the same preview calls as a native device's.
    let mut finger_frame = None;
    let mut face_frame = None;
    let started = Instant::now();
    while (finger_frame.is_none() || face_frame.is_none())
        && started.elapsed() < Duration::from_secs(30)
    {
        if finger_frame.is_none()
            && let PreviewOutcome::Frame(f) = m.preview_finger().await
        {
            finger_frame = Some(f);
        }
        if face_frame.is_none()
            && let PreviewOutcome::Frame(f) = m.preview_photo().await
        {
            face_frame = Some(f);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let f = finger_frame.expect("a fingerprint preview frame from STREAM");
    assert!(f.width() > 0 && f.ppi() > 0);
    assert!(face_frame.is_some(), "a face preview frame from STREAM");

    // The device found by discovery across 4501-4600 is the same service's, once the agent's
    // previews have let go of it (a device streaming to a client reports itself Busy).
    drop(m);
    let started = Instant::now();
    let port = loop {
        let found = setting_at(None, svc.trusted());
        let opened = tokio::task::spawn_blocking(move || {
            SbiDevice::open(SbiClass::Finger, &found).map(|d| {
                use rekam_agent::devices::Identified;
                d.identity().location
            })
        })
        .await
        .expect("join");
        match opened {
            Ok(location) => break location,
            Err(e) if e.kind == ErrorKind::Busy || e.message.contains("is busy") => {
                assert!(
                    started.elapsed() < Duration::from_secs(20),
                    "still busy: {e:?}"
                );
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => panic!("discovered and verified: {e:?}"),
        }
    };
    assert!(port.contains(&format!(":{} ", svc.port)), "{port}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slap_capture_answers_signed_iso_records_with_quality_scores_and_a_chain_that_holds() {
    let svc = Service::start(true);
    let s = svc.setting(svc.trusted());
    let entries = tokio::task::spawn_blocking(move || {
        let mut d = SbiDevice::open(SbiClass::Finger, &s)?;
        d.rcapture(
            BioRequest {
                bio_type: BioType::Finger,
                count: 3,
                bio_sub_type: Vec::new(),
                exception: vec![BioSubType::LeftLittleFinger],
                requested_score: Score::new(40.0).expect("score"),
                device_id: String::new(),
                device_sub_id: 1,
                previous_hash: String::new(),
            },
            &CaptureOptions {
                timeout: DEADLINE,
                cancel: CancelToken::new(),
            },
        )
    })
    .await
    .expect("join")
    .expect("RCAPTURE answered and checked");
    assert_eq!(entries.len(), 3);
    let mut positions = Vec::new();
    for e in entries {
        let c = e.expect("each finger captured");
        assert!(c.payload.quality_score.value() > 0.0, "{:?}", c.payload);
        let f = records::finger(&c.record).expect("an ISO/IEC 19794-4 record that decodes");
        assert_eq!(f.image.ppi(), 500);
        positions.push(f.position);
    }
    positions.sort_unstable();
    assert_eq!(positions, [7, 8, 9]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_signed_by_an_untrusted_certificate_is_refused_naming_the_device_and_why() {
    let svc = Service::start(true);
    let (_, other) = keys::generate("someone else", time::OffsetDateTime::now_utc()).expect("keys");
    let mut anchors = TrustAnchors::new();
    anchors.add_der(other).expect("anchor");
    let m = sbi_manager(&svc.setting(anchors), DEADLINE);
    let e = m.capture_photo().await.expect_err("an untrusted camera");
    assert_eq!(e.kind, ErrorKind::NotReady, "{e}");
    assert!(e.message.contains("SBI device 2"), "{e}");
    assert!(e.message.contains("serial"), "{e}");
    assert!(e.message.contains("chains to none"), "{e}");
    assert!(
        matches!(m.camera.status().health, Health::Disconnected { reason } if reason.contains("refused"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unregistered_device_whose_info_is_unsigned_is_refused() {
    let svc = Service::start(false);
    let m = sbi_manager(&svc.setting(TrustAnchors::new()), DEADLINE);
    let e = m
        .capture_slap(Slap::Thumbs, Vec::new())
        .await
        .expect_err("an unsigned device");
    assert_eq!(e.kind, ErrorKind::NotReady, "{e}");
    assert!(e.message.contains("SBI device 1"), "{e}");
    assert!(e.message.contains("not signed"), "{e}");
}

/// Every verb, request and answer (JSON) that went through a [`proxy`].
type Exchanges = Arc<Mutex<Vec<(String, Value, Value)>>>;

/// A proxy in front of the service on `target` that records every exchange and, with `tamper`,
/// changes the second hash of every RCAPTURE answer.
async fn proxy(target: u16, tamper: bool) -> (u16, Exchanges) {
    use axum::body::Bytes;
    use axum::http::{Method, Uri};
    let seen: Exchanges = Arc::default();
    let log = seen.clone();
    let app = axum::Router::new().fallback(move |method: Method, uri: Uri, body: Bytes| {
        let log = log.clone();
        async move {
            let answer = reqwest::Client::new()
                .request(
                    method.clone(),
                    format!("http://127.0.0.1:{target}{}", uri.path()),
                )
                .body(body.to_vec())
                .send()
                .await
                .expect("the service answers")
                .bytes()
                .await
                .expect("body");
            let mut v: Value = serde_json::from_slice(&answer).expect("JSON");
            if tamper
                && method.as_str() == "RCAPTURE"
                && let Some(h) = v["biometrics"][1]["hash"].as_str()
            {
                let flipped = if h.starts_with('0') { "1" } else { "0" };
                v["biometrics"][1]["hash"] = format!("{flipped}{}", &h[1..]).into();
            }
            let request = serde_json::from_slice(&body).unwrap_or(Value::Null);
            log.lock()
                .expect("log")
                .push((method.to_string(), request, v.clone()));
            serde_json::to_vec(&v).expect("JSON")
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (port, seen)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_capture_whose_hash_chain_was_tampered_with_is_refused() {
    let svc = Service::start(true);
    let (port, _) = proxy(svc.port, true).await;
    let m = sbi_manager(&setting_at(Some(port), svc.trusted()), DEADLINE);
    let e = m
        .capture_slap(Slap::Thumbs, Vec::new())
        .await
        .expect_err("a broken chain");
    assert_eq!(e.kind, ErrorKind::ProtocolViolation, "{e}");
    assert!(e.message.contains("biometrics[1].hash"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_killed_mid_session_is_disconnected_and_recovers_when_restarted() {
    let mut svc = Service::start(true);
    let m = sbi_manager(&svc.setting(svc.trusted()), DEADLINE);
    m.capture_slap(Slap::Thumbs, Vec::new())
        .await
        .expect("thumbs before");
    assert_eq!(health_of(&m.fingerprint), Health::Ready);

    svc.kill();
    let e = m
        .capture_slap(Slap::Thumbs, Vec::new())
        .await
        .expect_err("the service is gone");
    assert_eq!(e.kind, ErrorKind::Disconnected, "{e}");
    assert!(matches!(
        health_of(&m.fingerprint),
        Health::Disconnected { .. }
    ));
    // Still gone: reopening fails the same way, without hanging.
    let e = m
        .capture_slap(Slap::Thumbs, Vec::new())
        .await
        .expect_err("still gone");
    assert_eq!(e.kind, ErrorKind::Disconnected, "{e}");

    svc.restart();
    m.capture_slap(Slap::Thumbs, Vec::new())
        .await
        .expect("thumbs after the service is back");
    assert_eq!(health_of(&m.fingerprint), Health::Ready);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_that_accepts_but_never_answers_is_a_timeout_within_the_deadline() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        // Accepts and holds every connection, answering nothing.
        let mut held = Vec::new();
        for c in listener.incoming() {
            held.push(c);
        }
    });
    let deadline = Duration::from_millis(1500);
    let setting = Arc::new(SbiSetting {
        port: Some(port),
        anchors: TrustAnchors::new(),
        timeout: deadline,
    });
    let m = sbi_manager(&setting, deadline);
    let started = Instant::now();
    let e = m
        .capture_slap(Slap::Thumbs, Vec::new())
        .await
        .expect_err("a silent service");
    assert_eq!(e.kind, ErrorKind::Timeout, "{e}");
    assert!(
        started.elapsed() < deadline + Duration::from_millis(1500),
        "{:?}",
        started.elapsed()
    );
}

fn sealed_agent(
    s: &Arc<SbiSetting>,
) -> (Arc<Agent>, RegistryPrivateKey, rekam_protocol::TrustStore) {
    let rng = SystemRandom::new();
    let (key, _) = WorkstationSigningKey::generate(SignatureAlgorithm::Ed25519, &rng).expect("key");
    let registry = RegistryPrivateKey::generate(&rng).expect("registry key");
    let mut config = Config::default();
    config.devices.realtime = false;
    config.agent.capture_timeout_ms = u64::try_from(DEADLINE.as_millis()).expect("ms");
    let mut trust = rekam_protocol::TrustStore::new();
    trust
        .insert(rekam_protocol::TrustedWorkstation {
            workstation_id: config.agent.workstation_id.clone(),
            key: key.public_key().clone(),
        })
        .expect("trust");
    let devices = sbi_manager(s, config.capture_timeout());
    let agent = Agent::new(
        config,
        identity::store(),
        devices,
        key,
        *registry.public_key(),
    );
    (Arc::new(agent), registry, trust)
}

/// A simulated applicant the simulated camera's blue backdrop suits (born in an even year).
fn applicant() -> rekam_protocol::model::Applicant {
    (1..200)
        .map(|seed| {
            rekam_sim::sample::enrollment(&rekam_sim::sample::SampleOptions::tiny(seed, "WS-1", 0))
                .applicant
        })
        .find(|a| {
            a.date_of_birth.year() % 2 == 0
                && matches!(a.citizenship, rekam_protocol::model::Citizenship::Wni)
        })
        .expect("an applicant born in an even year")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_enrollment_whose_fingerprint_camera_and_iris_are_sbi_devices_finalizes_a_sealed_packet()
{
    let schemas = schema_dir();
    let svc = Service::start(true);
    // Every exchange is recorded on the way, to hold both sides to MOSIP's schemas.
    let (port, exchanges) = proxy(svc.port, false).await;
    let s = setting_at(Some(port), svc.trusted());
    let (agent, registry, trust) = sealed_agent(&s);
    let op = identity::operator();
    let id = agent
        .start(
            &op,
            StartRequest {
                applicant: applicant(),
                visit_location: None,
            },
        )
        .await
        .expect("start")
        .id;
    for _ in 0..3 {
        let r = agent
            .capture_face(&op, &id)
            .await
            .expect("face through SBI");
        if r.session.face.done {
            break;
        }
    }
    agent.approve_face(&op, &id, true).await.expect("approve");
    agent.capture_signature(&op, &id).await.expect("signature");
    for slap in [Slap::LeftFour, Slap::RightFour, Slap::Thumbs] {
        for _ in 0..3 {
            let r = agent
                .capture_slap(&op, &id, slap)
                .await
                .expect("a slap through SBI");
            let left = slap
                .fingers()
                .iter()
                .any(|f| r.session.fingers_missing.contains(&f.position()));
            if !left {
                break;
            }
        }
    }
    for (eye, key) in [(Eye::Left, "left"), (Eye::Right, "right")] {
        for _ in 0..3 {
            let r = agent
                .capture_iris(&op, &id, eye)
                .await
                .expect("an iris through SBI");
            if r.session.irises.get(key).is_some_and(|c| c.done) {
                break;
            }
        }
    }
    let summary = agent.summary(&id).await.expect("summary");
    assert_eq!(
        summary.stage,
        rekam_agent::workflow::Stage::Review,
        "{summary:?}"
    );
    agent.finalize(&op, &id).await.expect("finalize");
    let due = agent
        .with_store(|s| Ok(s.outbox().due(i64::MAX, 10)?))
        .await
        .expect("outbox");
    let opened = packet::open(&due[0].bytes, &registry, &trust).expect("the packet opens");
    let b = &opened.enrollment.biometrics;
    let captured = b
        .fingers
        .iter()
        .filter(|f| match &f.record {
            FingerRecord::Captured(c) => {
                c.impression == Impression::SlapSegment && c.device.vendor == "rekam-sim"
            }
            FingerRecord::Exception(_) => false,
        })
        .count();
    assert_eq!(captured, 10, "every finger from an SBI slap");
    assert!(b.irises.left.is_some() && b.irises.right.is_some());

    let Some(dir) = schemas else { return };
    let exchanges = exchanges.lock().expect("log").clone();
    let verbs: Vec<&str> = exchanges.iter().map(|(v, _, _)| v.as_str()).collect();
    assert!(
        verbs.contains(&"MOSIPDINFO") && verbs.contains(&"RCAPTURE"),
        "{verbs:?}"
    );
    for (verb, request, mut answer) in exchanges {
        add_decoded(&mut answer);
        match verb.as_str() {
            "MOSIPDINFO" => assert_valid(&dir, "DeviceInfoResponseSchema.json", &answer),
            "RCAPTURE" => {
                assert_valid(&dir, "RegistrationCaptureRequestSchema.json", &request);
                assert_valid(&dir, "RegistrationCaptureResponseSchema.json", &answer);
            }
            other => panic!("the client sent {other} during an enrollment"),
        }
    }
}
