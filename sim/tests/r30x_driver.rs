//! The rekam R30x driver against the simulated module, in process and over a pseudo-terminal,
//! including the field faults the driver must survive.

use std::time::{Duration, Instant};

use rekam_drivers::fingerprint::{CaptureOptions, Feedback, Finger, FingerprintScanner};
use rekam_drivers::r30x::command::{CharBuffer, Match};
use rekam_drivers::r30x::{Cause, Confirmation, R30x, R30xConfig};
use rekam_drivers::transport::{Recorder, Replay, SerialTransport};
use rekam_drivers::{Error, ErrorKind};
use rekam_sim::r30x::{Fault, ModuleConfig, SimLink, SimulatedModule, spawn_pty};

fn fast() -> R30xConfig {
    R30xConfig {
        ack_timeout: Duration::from_millis(150),
        poll_interval: Duration::from_millis(1),
        ..R30xConfig::default()
    }
}

fn driver(config: ModuleConfig) -> R30x<SimLink> {
    R30x::open(SimLink::new(SimulatedModule::new(config)), fast()).expect("driver opens")
}

fn opts() -> CaptureOptions {
    CaptureOptions::with_timeout(Duration::from_secs(2))
}

fn module(d: &mut R30x<SimLink>) -> &mut SimulatedModule {
    d.transport_mut().module_mut()
}

#[test]
fn open_reads_identity_and_image_size_from_the_module() {
    let d = driver(ModuleConfig::new(11));
    assert_eq!(d.identity().model, "R307-SIM");
    assert_eq!(d.identity().serial.as_deref(), Some("00000011"));
    let caps = d.capabilities();
    assert_eq!(
        (caps.finger_image.width, caps.finger_image.height),
        (256, 288)
    );
    assert_eq!(caps.ppi, 500);
    assert_eq!(d.system_parameters().library_size, 1000);
}

#[test]
fn a_captured_image_is_the_modules_image_at_4_bits_per_pixel() {
    let mut d = driver(ModuleConfig::new(12));
    let img = d.capture_finger(Finger::RightIndex, &opts()).unwrap();
    assert_eq!(img.finger, Finger::RightIndex);
    assert_eq!(
        (img.image.width(), img.image.height(), img.image.ppi()),
        (256, 288, 500)
    );
    let expected: Vec<u8> = module(&mut d)
        .last_image()
        .unwrap()
        .iter()
        .map(|p| (p >> 4) * 17)
        .collect();
    assert!(img.image.pixels() == expected.as_slice());
}

#[test]
fn an_enrolled_finger_is_found_and_another_finger_is_not() {
    let mut d = driver(ModuleConfig::new(13));
    module(&mut d).present_finger(Some(2));
    d.enroll(7, &opts()).unwrap();
    assert_eq!(d.template_count().unwrap(), 1);
    let hit = d.identify(&opts()).unwrap().unwrap();
    assert_eq!(hit.page, 7);
    module(&mut d).present_finger(Some(3));
    assert_eq!(d.identify(&opts()).unwrap(), None);
    d.empty_library().unwrap();
    assert_eq!(d.template_count().unwrap(), 0);
}

#[test]
fn index_table_marks_the_stored_page() {
    let mut d = driver(ModuleConfig::new(14));
    d.enroll(258, &opts()).unwrap();
    let table = d.index_table(1).unwrap();
    assert_eq!(table[0], 0b100);
    assert!(d.index_table(0).unwrap().iter().all(|&b| b == 0));
}

#[test]
fn a_template_uploaded_and_downloaded_again_matches_itself() {
    let mut d = driver(ModuleConfig::new(15));
    d.wait_for_finger(&opts()).unwrap();
    d.image_to_features(CharBuffer::One).unwrap();
    let template = d.upload_template(CharBuffer::One).unwrap();
    assert_eq!(template.len(), 512);
    d.download_template(CharBuffer::Two, &template).unwrap();
    let score = d.execute(&Match).unwrap().unwrap();
    assert!(score >= 200, "score {score}");
}

#[test]
fn garbage_before_a_reply_is_skipped() {
    let mut d = driver(ModuleConfig::new(16));
    // Noise with a false start marker and a plausible header in it.
    module(&mut d).inject(Fault::Garbage(vec![
        0x00, 0xEF, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0x07, 0x00, 0x10, 0x13,
    ]));
    module(&mut d).inject(Fault::RandomGarbage(40));
    d.handshake().unwrap();
    assert!(
        d.discarded_bytes() >= 51,
        "discarded {}",
        d.discarded_bytes()
    );
    assert_eq!(d.template_count().unwrap(), 0);
}

#[test]
fn a_silent_module_times_out_naming_the_device() {
    let mut d = driver(ModuleConfig::new(17));
    module(&mut d).inject(Fault::Silent);
    let started = Instant::now();
    let err = d.handshake().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert!(matches!(
        err.cause,
        Cause::Timeout {
            command: "HandShake",
            ..
        }
    ));
    assert!(
        err.to_string()
            .starts_with("Grow/ZhianTec R307-SIM #00000017"),
        "{err}"
    );
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[test]
fn a_corrupted_reply_is_a_protocol_violation() {
    let mut d = driver(ModuleConfig::new(18));
    module(&mut d).inject(Fault::CorruptNextReply);
    let err = d.handshake().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ProtocolViolation, "{err}");
    d.handshake().unwrap();
}

#[test]
fn no_finger_within_the_timeout_is_a_timeout() {
    let mut d = driver(ModuleConfig::new(19));
    module(&mut d).present_finger(None);
    let err = d
        .capture_finger(
            Finger::LeftThumb,
            &CaptureOptions::with_timeout(Duration::from_millis(50)),
        )
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert!(matches!(err.cause, Cause::NoFinger(_)));
}

#[test]
fn a_cancelled_capture_stops_with_cancelled() {
    let mut d = driver(ModuleConfig::new(20));
    module(&mut d).present_finger(None);
    let options = CaptureOptions::with_timeout(Duration::from_secs(30));
    let cancel = options.cancel.clone();
    let canceller = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(30));
        cancel.cancel();
    });
    let started = Instant::now();
    let err = d.capture_finger(Finger::LeftThumb, &options).unwrap_err();
    canceller.join().unwrap();
    assert_eq!(err.kind(), ErrorKind::Cancelled);
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[test]
fn a_wrong_password_is_refused_at_open() {
    let mut config = ModuleConfig::new(21);
    config.password = 0x1234;
    let err = R30x::open(SimLink::new(SimulatedModule::new(config)), fast())
        .err()
        .unwrap();
    assert!(matches!(
        err.cause,
        Cause::Module {
            code: Confirmation::WrongPassword,
            ..
        }
    ));
    assert_eq!(err.kind(), ErrorKind::NotReady);
    let mut config = ModuleConfig::new(21);
    config.password = 0x1234;
    let right = R30xConfig {
        password: 0x1234,
        ..fast()
    };
    R30x::open(SimLink::new(SimulatedModule::new(config)), right).unwrap();
}

#[test]
fn an_older_module_without_r50x_commands_opens_and_refuses_led_feedback() {
    let mut config = ModuleConfig::new(22);
    config.r50x_commands = false;
    let mut d = driver(config);
    assert_eq!(d.identity().model, "R30x");
    assert!(d.product_info().is_none());
    let err = d.set_feedback(Feedback::Place).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported);
}

#[test]
fn led_feedback_reaches_an_r503_style_module() {
    let mut d = driver(ModuleConfig::new(23));
    d.set_feedback(Feedback::Rejected).unwrap();
    let led = module(&mut d).led().unwrap();
    assert_eq!(led.cycles, 3);
    assert_eq!(led.colour as u8, 1);
}

#[test]
fn slap_capture_is_unsupported_on_a_single_finger_module() {
    let mut d = driver(ModuleConfig::new(24));
    let err = d
        .capture_slap(rekam_drivers::fingerprint::Slap::Thumbs, &[], &opts())
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported);
    assert!(err.to_string().contains("slap capture"));
}

#[test]
fn the_driver_works_over_a_pseudo_terminal() {
    // The simulated module synthesises each print before it answers GenImg; on a loaded machine
    // that can exceed a real module's one second, and this test is about the pty path, not timing.
    let patient = R30xConfig {
        ack_timeout: Duration::from_secs(15),
        ..R30xConfig::default()
    };
    let opts = CaptureOptions::with_timeout(Duration::from_secs(30));
    let (path, handle) = spawn_pty(25).unwrap();
    let port = SerialTransport::open(path.to_str().unwrap(), 57600).unwrap();
    let mut d = R30x::open(port, patient.clone()).unwrap();
    assert_eq!(d.identity().location, path.to_str().unwrap());
    let img = d.capture_finger(Finger::RightThumb, &opts).unwrap();
    assert_eq!(img.image.pixels().len(), 256 * 288);
    d.enroll(0, &opts).unwrap();
    assert_eq!(d.identify(&opts).unwrap().unwrap().page, 0);
    handle.module().inject(Fault::RandomGarbage(300));
    d.handshake().unwrap();
    drop(d);
    // A second session on the same path, as when a technician reconnects a tool.
    let port = SerialTransport::open(path.to_str().unwrap(), 57600).unwrap();
    let mut d = R30x::open(port, patient).unwrap();
    assert_eq!(d.template_count().unwrap(), 1);
    drop(d);
    handle.stop().unwrap();
}

#[test]
fn a_recorded_session_replays_and_a_divergence_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("session.txt");
    let link = SimLink::new(SimulatedModule::new(ModuleConfig::new(26)));
    let recorder = Recorder::create(link, &file).unwrap();
    let mut d = R30x::open(recorder, fast()).unwrap();
    let live = d.capture_finger(Finger::LeftIndex, &opts()).unwrap();
    d.into_transport().finish().unwrap();

    let replay = Replay::open(&file).unwrap();
    let mut d = R30x::open(replay, fast()).unwrap();
    let replayed = d.capture_finger(Finger::LeftIndex, &opts()).unwrap();
    assert_eq!(live, replayed);
    assert!(d.into_transport().is_finished());

    let replay = Replay::open(&file).unwrap();
    let mut d = R30x::open(replay, fast()).unwrap();
    let err = d.template_count().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ProtocolViolation, "{err}");
    assert!(err.to_string().contains("diverged"), "{err}");
}

#[test]
fn a_module_that_goes_away_is_reported_disconnected() {
    let (path, handle) = spawn_pty(27).unwrap();
    let port = SerialTransport::open(path.to_str().unwrap(), 57600).unwrap();
    let mut d = R30x::open(port, R30xConfig::default()).unwrap();
    handle.stop().unwrap();
    let err = d.handshake().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Disconnected, "{err}");
}

#[test]
fn a_stored_template_loads_back_and_deleting_it_empties_the_page() {
    let mut d = driver(ModuleConfig::new(28));
    d.enroll(3, &opts()).unwrap();
    d.wait_for_lift(&opts()).unwrap();
    d.wait_for_finger(&opts()).unwrap();
    d.image_to_features(CharBuffer::Two).unwrap();
    d.load_template(CharBuffer::One, 3).unwrap();
    assert!(d.compare_buffers().unwrap().is_some());
    d.delete_templates(3, 1).unwrap();
    let err = d.load_template(CharBuffer::One, 3).unwrap_err();
    assert!(matches!(
        err.cause,
        Cause::Module {
            code: Confirmation::TemplateReadFailed,
            ..
        }
    ));
    let err = d.load_template(CharBuffer::One, 1000).unwrap_err();
    assert!(matches!(
        err.cause,
        Cause::Module {
            code: Confirmation::BadPage,
            ..
        }
    ));
}

#[test]
fn a_smaller_packet_size_still_transfers_whole_images() {
    let mut d = driver(ModuleConfig::new(29));
    d.set_system_parameter(6, 0).unwrap();
    assert_eq!(d.system_parameters().packet_size(), Some(32));
    let img = d.capture_finger(Finger::LeftRing, &opts()).unwrap();
    assert_eq!(img.image.pixels().len(), 256 * 288);
    let err = d.set_system_parameter(9, 1).unwrap_err();
    assert!(matches!(
        err.cause,
        Cause::Module {
            code: Confirmation::InvalidRegister,
            ..
        }
    ));
}
