//! Every fault kind, injected into simulated devices of each class and into a byte transport
//! under the R30x driver, programmatically and from a TOML scenario file.

use std::time::{Duration, Instant};

use rekam_drivers::camera::Camera;
use rekam_drivers::fingerprint::{CaptureOptions, Finger, FingerprintScanner};
use rekam_drivers::iris::{Eyes, IrisScanner};
use rekam_drivers::printer::CardPrinter;
use rekam_drivers::r30x::{R30x, R30xConfig};
use rekam_drivers::signature::{PadEvent, SignaturePad};
use rekam_drivers::transport::Transport;
use rekam_drivers::{Error, ErrorKind};
use rekam_sim::devices::{
    CameraConfig, FaceScene, IrisConfig, PadConfig, PrinterConfig, ScannerConfig, SimCamera,
    SimCardPrinter, SimFingerprintScanner, SimIrisScanner, SimPerson, SimSignaturePad,
};
use rekam_sim::faults::{
    Fault, FaultInjector, FaultRule, Faulty, FaultyTransport, FiredFault, Scenario,
};
use rekam_sim::r30x::{ModuleConfig, SimLink, SimulatedModule};
use rekam_sim::synth::Background;

fn scanner(rules: Vec<FaultRule>) -> Faulty<SimFingerprintScanner> {
    let mut s = SimFingerprintScanner::new(ScannerConfig::tiny(1));
    s.set_person(Some(SimPerson::new(1)));
    Faulty::new(s, FaultInjector::new(99, rules))
}

fn opts(ms: u64) -> CaptureOptions {
    CaptureOptions::with_timeout(Duration::from_millis(ms))
}

#[test]
fn a_disconnect_after_n_captures_fails_every_later_one_and_names_the_device() {
    let mut s = scanner(vec![FaultRule::always(Fault::Disconnect).from_operation(3)]);
    for _ in 0..3 {
        s.capture_finger(Finger::RightIndex, &opts(1000)).unwrap();
    }
    for _ in 0..2 {
        let err = s
            .capture_finger(Finger::RightIndex, &opts(1000))
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Disconnected);
        assert!(
            err.to_string()
                .starts_with("rekam-sim simulated fingerprint scanner #SIM-"),
            "{err}"
        );
    }
    assert!(s.injector().is_disconnected());
    assert_eq!(
        s.injector().fired(),
        &[FiredFault {
            operation: 3,
            fault: Fault::Disconnect
        }]
    );
}

#[test]
fn an_injected_timeout_waits_out_the_callers_timeout() {
    let mut s = scanner(vec![
        FaultRule::always(Fault::Timeout { wait_ms: None }).at_most(1),
    ]);
    let started = Instant::now();
    let err = s.capture_finger(Finger::LeftThumb, &opts(40)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert!(started.elapsed() >= Duration::from_millis(35));
    // Fired once: the next capture goes through.
    s.capture_finger(Finger::LeftThumb, &opts(1000)).unwrap();
}

#[test]
fn an_injected_timeout_still_honours_a_cancel() {
    let mut s = scanner(vec![FaultRule::always(Fault::Timeout {
        wait_ms: Some(60_000),
    })]);
    let options = opts(60_000);
    let token = options.cancel.clone();
    let canceller = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(30));
        token.cancel();
    });
    let started = Instant::now();
    let err = s.capture_finger(Finger::LeftThumb, &options).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Cancelled);
    assert!(started.elapsed() < Duration::from_secs(5));
    canceller.join().unwrap();
}

#[test]
fn a_busy_device_answers_busy_on_the_chosen_operation_only() {
    let mut s = scanner(vec![
        FaultRule::always(Fault::Busy).from_operation(1).at_most(1),
    ]);
    s.capture_finger(Finger::RightIndex, &opts(1000)).unwrap();
    assert_eq!(
        s.capture_finger(Finger::RightIndex, &opts(1000))
            .unwrap_err()
            .kind(),
        ErrorKind::Busy
    );
    s.capture_finger(Finger::RightIndex, &opts(1000)).unwrap();
}

#[test]
fn corruption_garbles_image_bytes_and_fails_replies_without_payload() {
    let clean = {
        let mut s = scanner(vec![]);
        s.capture_finger(Finger::RightRing, &opts(1000)).unwrap()
    };
    let mut s = scanner(vec![FaultRule::always(Fault::Corrupt { bytes: 5 })]);
    let garbled = s.capture_finger(Finger::RightRing, &opts(1000)).unwrap();
    let changed = clean
        .image
        .pixels()
        .iter()
        .zip(garbled.image.pixels())
        .filter(|(a, b)| a != b)
        .count();
    assert!((1..=5).contains(&changed), "{changed} bytes changed");
    let mut printer = Faulty::new(
        SimCardPrinter::new(PrinterConfig::tiny(1)),
        FaultInjector::new(1, vec![FaultRule::always(Fault::Corrupt { bytes: 1 })]),
    );
    let err = printer.status().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ProtocolViolation);
    assert!(err.to_string().contains("card printer"));
}

#[test]
fn a_slow_frame_arrives_late_but_intact() {
    let mut s = scanner(vec![FaultRule::always(Fault::Slow { delay_ms: 60 })]);
    let started = Instant::now();
    s.preview_frame(&opts(1000)).unwrap();
    assert!(started.elapsed() >= Duration::from_millis(55));
}

#[test]
fn faults_wrap_the_camera_the_pad_the_iris_scanner_and_the_printer() {
    let busy = || FaultInjector::new(5, vec![FaultRule::always(Fault::Busy)]);
    let mut camera = Faulty::new(
        SimCamera::new(CameraConfig::tiny(1), FaceScene::framed(Background::Red)),
        busy(),
    );
    assert_eq!(
        camera.capture_still(&opts(500)).unwrap_err().kind(),
        ErrorKind::Busy
    );
    let mut pad = Faulty::new(
        SimSignaturePad::new(PadConfig::signs_and_accepts(1)),
        busy(),
    );
    assert_eq!(
        pad.next_event(Duration::ZERO).unwrap_err().kind(),
        ErrorKind::Busy
    );
    let iris = SimIrisScanner::new(IrisConfig {
        acquisition_delay: Duration::ZERO,
        ..IrisConfig::binocular(1, 1)
    });
    let mut iris = Faulty::new(iris, busy());
    let err = iris.capture(Eyes::Left, &opts(500)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Busy);
    assert!(err.to_string().contains("iris scanner"));
    let mut printer = Faulty::new(SimCardPrinter::new(PrinterConfig::tiny(1)), busy());
    assert_eq!(printer.eject().unwrap_err().kind(), ErrorKind::Busy);
}

#[test]
fn a_corrupted_pen_report_moves_the_pen_and_a_device_error_passes_through() {
    let pad = SimSignaturePad::new(PadConfig {
        speed: 1000.0,
        ..PadConfig::signs_and_accepts(2)
    });
    let mut pad = Faulty::new(
        pad,
        FaultInjector::new(5, vec![FaultRule::always(Fault::Corrupt { bytes: 6 })]),
    );
    let mut clean = SimSignaturePad::new(PadConfig {
        speed: 1000.0,
        ..PadConfig::signs_and_accepts(2)
    });
    let (Some(PadEvent::Pen(a)), Some(PadEvent::Pen(b))) = (
        clean.next_event(Duration::from_secs(1)).unwrap(),
        pad.next_event(Duration::from_secs(1)).unwrap(),
    ) else {
        panic!("the signer starts with the pen");
    };
    assert_ne!((a.x, a.y, a.pressure), (b.x, b.y, b.pressure));
    assert_eq!(a.time, b.time);
    // The device's own refusal keeps its kind behind the injector.
    let wrong = rekam_drivers::image::RgbImage::new(1, 1, vec![0; 3]).unwrap();
    assert_eq!(
        pad.show_image(&wrong).unwrap_err().kind(),
        ErrorKind::ProtocolViolation
    );
}

fn r30x_config() -> R30xConfig {
    R30xConfig {
        ack_timeout: Duration::from_millis(50),
        poll_interval: Duration::from_millis(1),
        ..R30xConfig::default()
    }
}

fn link(rules: Vec<FaultRule>) -> FaultyTransport<SimLink> {
    FaultyTransport::new(
        SimLink::new(SimulatedModule::new(ModuleConfig::new(3))),
        FaultInjector::new(3, rules),
    )
}

#[test]
fn a_clean_faulty_transport_is_transparent_to_the_driver() {
    let mut driver = R30x::open(link(vec![]), r30x_config()).unwrap();
    driver.handshake().unwrap();
}

#[test]
fn a_transport_disconnect_reaches_the_driver_as_disconnected() {
    let mut driver = R30x::open(
        link(vec![FaultRule::always(Fault::Disconnect).from_operation(8)]),
        r30x_config(),
    )
    .unwrap();
    let err = driver
        .handshake()
        .and_then(|_| driver.handshake())
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Disconnected);
    let t = driver.transport_mut();
    assert_eq!(t.flush().unwrap_err().kind(), ErrorKind::Disconnected);
    t.injector_mut().reconnect();
    t.flush().unwrap();
}

#[test]
fn transport_timeouts_busy_garbage_and_slowness_map_to_transport_errors() {
    let mut buf = [0u8; 16];
    let mut silent = link(vec![FaultRule::always(Fault::Timeout { wait_ms: None })]);
    let started = Instant::now();
    let err = silent
        .read(&mut buf, Duration::from_millis(30))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert!(started.elapsed() >= Duration::from_millis(25));
    assert!(err.to_string().contains("simulated R30x"));

    let mut busy = link(vec![FaultRule::always(Fault::Busy)]);
    let err = busy.write_all(&[1, 2, 3]).unwrap_err();
    assert!(err.to_string().contains("injected busy"), "{err}");

    // Garbage on the line: the driver sees bad replies but survives and resynchronises.
    let mut driver = R30x::open(link(vec![]), r30x_config()).unwrap();
    *driver.transport_mut().injector_mut() = FaultInjector::new(
        8,
        vec![FaultRule::always(Fault::Corrupt { bytes: 1 }).with_chance(0.2)],
    );
    let outcomes: Vec<bool> = (0..20).map(|_| driver.handshake().is_ok()).collect();
    assert!(outcomes.iter().any(|&ok| ok), "no handshake survived");
    assert!(
        outcomes.iter().any(|&ok| !ok),
        "no garbled byte was noticed"
    );

    let mut slow = link(vec![FaultRule::always(Fault::Slow { delay_ms: 40 })]);
    let started = Instant::now();
    slow.write_all(&[0]).unwrap();
    assert!(started.elapsed() >= Duration::from_millis(35));
}

#[test]
fn a_scenario_file_replays_a_field_problem_per_device() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("unplugged.toml");
    std::fs::write(
        &path,
        r#"
description = "scanner unplugged after the second capture; camera busy once"
seed = 11

[[rule]]
fault = "disconnect"
device = "fingerprint"
after = 2

[[rule]]
fault = "busy"
device = "camera"
times = 1
"#,
    )
    .unwrap();
    let scenario = Scenario::load(&path).unwrap();
    let mut s = SimFingerprintScanner::new(ScannerConfig::tiny(1));
    s.set_person(Some(SimPerson::new(1)));
    let mut s = Faulty::new(s, scenario.injector_for("fingerprint"));
    let kinds: Vec<Option<ErrorKind>> = (0..4)
        .map(|_| {
            s.capture_finger(Finger::LeftIndex, &opts(1000))
                .err()
                .map(|e| e.kind())
        })
        .collect();
    assert_eq!(
        kinds,
        [
            None,
            None,
            Some(ErrorKind::Disconnected),
            Some(ErrorKind::Disconnected)
        ]
    );
    let mut camera = Faulty::new(
        SimCamera::new(CameraConfig::tiny(1), FaceScene::framed(Background::Blue)),
        scenario.injector_for("camera"),
    );
    assert_eq!(
        camera.capture_still(&opts(500)).unwrap_err().kind(),
        ErrorKind::Busy
    );
    camera.capture_still(&opts(500)).unwrap();
    assert!(Scenario::load(&dir.path().join("missing.toml")).is_err());
}

#[test]
fn a_probabilistic_scenario_replays_identically() {
    let scenario = Scenario::from_toml(
        "seed = 4\n[[rule]]\nfault = \"busy\"\nchance = 0.4\n[[rule]]\nfault = \"corrupt\"\nchance = 0.3\n",
    )
    .unwrap();
    let run = || {
        let mut s = SimFingerprintScanner::new(ScannerConfig::tiny(2));
        s.set_person(Some(SimPerson::new(2)));
        let mut s = Faulty::new(s, scenario.injector_for("fingerprint"));
        let outcomes: Vec<_> = (0..12)
            .map(|_| {
                s.capture_finger(Finger::RightMiddle, &opts(1000))
                    .map_err(|e| e.kind())
            })
            .collect();
        (outcomes, s.injector().fired().to_vec())
    };
    let (a, fired) = run();
    assert_eq!(a, run().0);
    assert!(fired.iter().any(|f| f.fault == Fault::Busy));
    assert!(
        fired
            .iter()
            .any(|f| matches!(f.fault, Fault::Corrupt { .. }))
    );
}
