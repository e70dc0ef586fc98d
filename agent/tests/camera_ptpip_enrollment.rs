//! An enrollment with a real camera driver: the daemon's camera slot drives the simulated Canon
//! EOS over PTP/IP on loopback. The camera switched off mid-enrollment fails one capture as
//! disconnected and loses nothing; switched back on, the next capture reopens it and the same
//! enrollment goes on.

use std::net::TcpListener;
use std::time::Duration;

use rekam_agent::config::Config;
use rekam_agent::devices::ptp::{CameraSpec, slot};
use rekam_agent::devices::{DeviceManager, simulated_kit};
use rekam_agent::service::{Agent, ServiceError, StartRequest};
use rekam_agent::store::Store;
use rekam_drivers::ErrorKind;
use rekam_protocol::{RegistryPrivateKey, SignatureAlgorithm, WorkstationSigningKey};
use rekam_sim::devices::{CameraConfig, FaceScene, SimCamera};
use rekam_sim::ptp::SimPtpCamera;
use rekam_sim::synth::Background;
use ring::rand::SystemRandom;

mod identity;

fn agent(camera_addr: std::net::SocketAddr) -> Agent {
    let rng = SystemRandom::new();
    let (key, _) = WorkstationSigningKey::generate(SignatureAlgorithm::Ed25519, &rng).expect("key");
    let registry = RegistryPrivateKey::generate(&rng).expect("registry key");
    let mut config = Config::default();
    config.devices.realtime = false;
    let (finger, _, pad, _) = simulated_kit(41, false, false);
    let spec = CameraSpec::parse(&format!("ptpip:{camera_addr}")).expect("a camera setting");
    let devices = DeviceManager::new(finger, slot(spec), pad, None, config.capture_timeout());
    Agent::new(
        config,
        Store::in_memory().expect("store"),
        devices,
        key,
        *registry.public_key(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ptpip_camera_switched_off_mid_enrollment_costs_one_capture_and_nothing_else() {
    let mut scene = CameraConfig::portrait(41);
    scene.shutter_delay = Duration::ZERO;
    let camera = SimPtpCamera::new(SimCamera::new(scene, FaceScene::framed(Background::Blue)));
    let server = rekam_sim::ptp::server::spawn(
        TcpListener::bind("127.0.0.1:0").expect("loopback port"),
        camera,
    )
    .expect("the camera serves");
    let agent = agent(server.addr());
    let op = identity::operator();
    let sample =
        rekam_sim::sample::enrollment(&rekam_sim::sample::SampleOptions::tiny(41, "WS-1", 0));
    let id = agent
        .start(
            &op,
            StartRequest {
                applicant: sample.applicant,
                visit_location: None,
            },
        )
        .await
        .expect("start")
        .id;

    let first = agent
        .capture_face(&op, &id)
        .await
        .expect("a photo over PTP/IP");
    assert_eq!(first.session.face.tries, 1);
    // The resident asks for another photo, so the desk takes one more.
    let before = agent
        .approve_face(&op, &id, false)
        .await
        .expect("the resident asks for a retake");

    server
        .camera()
        .lock()
        .expect("camera lock")
        .set_powered(false);
    match agent.capture_face(&op, &id).await {
        Err(ServiceError::Device(f)) => assert_eq!(f.kind, ErrorKind::Disconnected, "{f}"),
        other => panic!("expected a disconnected camera, got {other:?}"),
    }
    let kept = agent
        .summary(&id)
        .await
        .expect("the enrollment is still there");
    assert_eq!(kept.face, before.face, "the failed capture changed nothing");
    assert_eq!(kept.stage, before.stage);

    server
        .camera()
        .lock()
        .expect("camera lock")
        .set_powered(true);
    let again = agent
        .capture_face(&op, &id)
        .await
        .expect("the camera is reopened on next use");
    assert_eq!(again.session.id, id);
    assert_eq!(again.session.face.tries, before.face.tries + 1);
}
