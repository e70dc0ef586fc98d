//! The PTP camera driver over PTP/IP against the simulated Canon EOS served on an ephemeral
//! loopback port: identity, a still, live view at ten frames a second or more, exposure and
//! white balance reaching the camera, busy replies retried, and a camera switched off reported
//! disconnected and opened again once it is back on.

use std::net::{SocketAddr, TcpListener};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rekam_drivers::camera::{Camera, Exposure, Photo, WhiteBalance};
use rekam_drivers::fingerprint::CaptureOptions;
use rekam_drivers::ptp::camera::{PtpCamera, PtpCameraConfig};
use rekam_drivers::ptp::code::dpc;
use rekam_drivers::ptp::ptpip::PtpIpTransport;
use rekam_drivers::{CancelToken, Error, ErrorKind};
use rekam_sim::devices::{CameraConfig, FaceScene, SimCamera};
use rekam_sim::ptp::SimPtpCamera;
use rekam_sim::ptp::server::serve;
use rekam_sim::synth::Background;

struct Server {
    addr: SocketAddr,
    camera: Arc<Mutex<SimPtpCamera>>,
    shutdown: CancelToken,
    thread: Option<JoinHandle<std::io::Result<()>>>,
}

impl Server {
    fn start(seed: u64) -> Self {
        let scene = SimCamera::new(
            CameraConfig::tiny(seed),
            FaceScene::framed(Background::Blue),
        );
        let camera = Arc::new(Mutex::new(SimPtpCamera::new(scene)));
        let listener = TcpListener::bind("127.0.0.1:0").expect("an ephemeral loopback port");
        let addr = listener.local_addr().expect("bound address");
        let shutdown = CancelToken::new();
        let thread = {
            let (camera, shutdown) = (camera.clone(), shutdown.clone());
            std::thread::spawn(move || serve(listener, camera, shutdown))
        };
        Server {
            addr,
            camera,
            shutdown,
            thread: Some(thread),
        }
    }

    fn connect(&self) -> PtpCamera<PtpIpTransport> {
        let transport = PtpIpTransport::connect(
            self.addr,
            *b"rekam-ptpip-test",
            "rekam test",
            Duration::from_secs(5),
        )
        .expect("the PTP/IP handshake completes");
        PtpCamera::open(transport, PtpCameraConfig::default()).expect("the camera opens")
    }

    fn sim(&self) -> std::sync::MutexGuard<'_, SimPtpCamera> {
        self.camera.lock().expect("sim lock")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shutdown.cancel();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn options() -> CaptureOptions {
    CaptureOptions::with_timeout(Duration::from_secs(10))
}

fn jpeg_size(photo: &Photo) -> (u16, u16) {
    let Photo::Jpeg { bytes, size } = photo else {
        panic!("a PTP camera delivers JPEGs");
    };
    let mut decoder = jpeg_decoder::Decoder::new(bytes.as_slice());
    decoder.decode().expect("the JPEG decodes");
    let info = decoder.info().expect("decoded JPEG has info");
    assert_eq!(
        (u32::from(info.width), u32::from(info.height)),
        (size.width, size.height),
        "the size stated is the JPEG's"
    );
    (info.width, info.height)
}

#[test]
fn the_driver_captures_previews_and_sets_exposure_and_white_balance_over_ptpip() {
    let server = Server::start(21);
    let mut camera = server.connect();
    let id = camera.identity().clone();
    assert_eq!(id.vendor, "Canon Inc.");
    assert_eq!(id.model, rekam_sim::ptp::MODEL);
    assert!(id.firmware.is_some() && id.serial.is_some());
    assert!(
        id.location.starts_with("ptpip:127.0.0.1:"),
        "{}",
        id.location
    );
    let caps = camera.capabilities().clone();
    assert!(caps.exposure && caps.white_balance && caps.preview.is_some());

    let still = camera.capture_still(&options()).expect("a still");
    assert_eq!(jpeg_size(&still), (120, 160));
    assert_eq!(camera.capabilities().still.width, 120);

    let first = camera.preview_frame(&options()).expect("live view starts");
    assert_eq!(jpeg_size(&first), (60, 80));
    // The simulator paces live view at 30 fps: 15 frames in 1.5 s is 10 fps with room to spare.
    let started = Instant::now();
    for _ in 0..15 {
        camera.preview_frame(&options()).expect("a live-view frame");
    }
    let elapsed = started.elapsed();
    assert!(
        elapsed < Duration::from_millis(1500),
        "15 frames took {elapsed:?}"
    );

    camera
        .set_exposure(Exposure::Compensation(7))
        .expect("exposure compensation");
    camera
        .set_white_balance(WhiteBalance::Kelvin(5600))
        .expect("white balance by temperature");
    {
        let sim = server.sim();
        assert_eq!(sim.eos_prop(dpc::CANON_EOS_EXP_COMPENSATION), Some(0x05));
        assert_eq!(sim.eos_prop(dpc::CANON_EOS_WHITE_BALANCE), Some(9));
        assert_eq!(sim.eos_prop(dpc::CANON_EOS_COLOR_TEMPERATURE), Some(5600));
    }
    camera.close().expect("the session closes");
    assert!(
        server.sim().session().is_none(),
        "CloseSession reached the camera"
    );
}

#[test]
fn busy_replies_over_ptpip_are_retried_within_the_deadline() {
    let server = Server::start(22);
    let mut camera = server.connect();
    server.sim().inject_busy(5);
    let still = camera
        .capture_still(&options())
        .expect("a still after busy replies");
    assert_eq!(jpeg_size(&still), (120, 160));
    // Busy past the deadline is reported as busy, not as a failed camera.
    server.sim().inject_busy(10_000);
    let err = camera
        .capture_still(&CaptureOptions::with_timeout(Duration::from_millis(100)))
        .expect_err("still busy at the deadline");
    assert_eq!(err.kind(), ErrorKind::Busy, "{err}");
    server.sim().inject_busy(0);
}

#[test]
fn a_camera_switched_off_over_ptpip_is_disconnected_and_reopens_when_back_on() {
    let server = Server::start(23);
    let mut camera = server.connect();
    server.sim().set_powered(false);
    let err = camera
        .capture_still(&options())
        .expect_err("a camera that is off takes no picture");
    assert_eq!(err.kind(), ErrorKind::Disconnected, "{err}");
    drop(camera);
    server.sim().set_powered(true);
    let mut camera = server.connect();
    let still = camera
        .capture_still(&options())
        .expect("a still after power-on");
    assert_eq!(jpeg_size(&still), (120, 160));
}

#[test]
fn discovery_probes_a_configured_ptpip_address_and_closes_the_session() {
    let server = Server::start(24);
    let id = rekam_drivers::discovery::probe_ptpip(server.addr, Duration::from_secs(2))
        .expect("the camera answers the probe");
    assert_eq!(id.model, rekam_sim::ptp::MODEL);
    assert!(
        server.sim().session().is_none(),
        "the probe closed its session"
    );
    // Nothing listens on the port after shutdown: the probe fails with an error, no panic.
    let addr = server.addr;
    drop(server);
    let err = rekam_drivers::discovery::probe_ptpip(addr, Duration::from_millis(500))
        .expect_err("no camera there any more");
    assert!(
        matches!(
            err.kind(),
            ErrorKind::Disconnected | ErrorKind::Timeout | ErrorKind::NotReady
        ),
        "{err}"
    );
}
