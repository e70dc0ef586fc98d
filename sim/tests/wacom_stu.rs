//! The STU driver against the HID-level STU-540 simulator, live and through a recording of
//! the same traffic (hid-recorder format) replayed as the pad.

use std::path::Path;
use std::time::Duration;

use rekam_drivers::hid::{HidDevice, HidRecorder, HidReplay};
use rekam_drivers::image::RgbImage;
use rekam_drivers::signature::{PadEvent, SignaturePad};
use rekam_drivers::wacom::stu::report;
use rekam_drivers::wacom::stu::{SignHereScreen, Stu};
use rekam_drivers::{Error, ErrorKind};
use rekam_sim::wacom::{SimStu, StuConfig};

fn fast_pad(seed: u64) -> SimStu {
    let mut c = StuConfig::signs_and_accepts(seed);
    c.speed = 200.0;
    SimStu::new(c)
}

/// Pen events until Accept (which is included), within `limit` events.
fn sign<P: SignaturePad>(pad: &mut P) -> Vec<PadEvent>
where
    P::Error: std::fmt::Debug,
{
    let mut events = Vec::new();
    for _ in 0..5000 {
        match pad
            .next_event(Duration::from_millis(200))
            .expect("pad event")
        {
            Some(PadEvent::Accept) => {
                events.push(PadEvent::Accept);
                return events;
            }
            Some(e) => events.push(e),
            None => panic!(
                "the pad fell silent before Accept after {} events",
                events.len()
            ),
        }
    }
    panic!("no Accept in 5000 events");
}

fn open_with_layout<D: HidDevice>(device: D) -> Stu<D> {
    let mut stu = Stu::open(device).expect("the pad opens");
    stu.set_layout(Some(SignHereScreen::standard(800, 480)));
    stu
}

/// (x, y, pressure) of the pen samples.
fn ink(events: &[PadEvent]) -> Vec<(u16, u16, u16)> {
    events
        .iter()
        .filter_map(|e| match e {
            PadEvent::Pen(s) => Some((s.x, s.y, s.pressure)),
            _ => None,
        })
        .collect()
}

#[test]
fn the_driver_reads_the_simulated_540s_identity_and_capabilities() {
    let stu = Stu::open(fast_pad(7)).expect("the pad opens");
    let id = stu.identity();
    assert_eq!(
        (id.vendor.as_str(), id.model.as_str()),
        ("Wacom", "STU-540")
    );
    assert_eq!(id.firmware.as_deref(), Some("1.0.5.2"));
    assert_eq!(id.serial.as_deref(), Some("500000007"));
    let caps = stu.capabilities();
    assert_eq!(
        (caps.max_x, caps.max_y, caps.max_pressure),
        (9600, 6000, 1023)
    );
    // 9600 units over the 540's 108 mm active width.
    assert_eq!(caps.units_per_mm, 88);
    assert_eq!(caps.screen.map(|s| (s.width, s.height)), Some((800, 480)));
    let sim = stu.device();
    assert!(sim.inking());
    assert_eq!(
        sim.feature_sets(),
        &[
            report::WRITING_MODE,
            report::CLEAR_SCREEN,
            report::INKING_MODE
        ]
    );
}

#[test]
fn a_signature_on_the_stu_arrives_as_timed_samples_and_ends_with_a_tap_on_accept() {
    let mut stu = open_with_layout(fast_pad(3));
    let events = sign(&mut stu);
    let samples: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            PadEvent::Pen(s) => Some(*s),
            _ => None,
        })
        .collect();
    assert!(samples.len() > 200, "{} samples", samples.len());
    assert!(samples.iter().any(|s| s.pressure > 500));
    assert!(samples.windows(2).all(|w| w[0].time <= w[1].time));
    // Report 34's millisecond count times the samples: the signature's own 5 ms steps,
    // whatever the playback speed.
    let span = samples.last().expect("samples").time - samples[0].time;
    assert!(span > Duration::from_millis(1000), "{span:?}");
    let layout = SignHereScreen::standard(800, 480);
    assert!(
        samples
            .iter()
            .all(|s| layout.button_at(s.x, s.y, 9600, 6000).is_none()),
        "ink landed on a button"
    );
}

#[test]
fn the_sign_here_screen_goes_up_as_bgr_and_the_writing_area_follows_the_layout() {
    let mut stu = open_with_layout(fast_pad(1));
    let rgb: Vec<u8> = (0..800 * 480)
        .flat_map(|i: u32| [(i % 251) as u8, (i % 13) as u8, (i / 800) as u8])
        .collect();
    let image = RgbImage::new(800, 480, rgb).expect("image");
    stu.show_image(&image).expect("upload");
    assert_eq!(stu.device().screen(), Some(&image));
    assert_eq!(
        stu.device().writing_area(),
        SignHereScreen::standard(800, 480).signing_area
    );
    // Clear wipes the pad's screen, so the driver puts the image back.
    stu.clear().expect("clear");
    let ends = stu
        .device()
        .feature_sets()
        .iter()
        .filter(|&&id| id == report::WRITE_IMAGE_END)
        .count();
    assert_eq!(ends, 2);
    let small = RgbImage::new(320, 200, vec![0; 320 * 200 * 3]).expect("image");
    let err = stu.show_image(&small).expect_err("wrong size");
    assert_eq!(err.kind(), ErrorKind::ProtocolViolation);
}

#[test]
fn an_unplugged_stu_reports_disconnected() {
    let pad = fast_pad(2);
    let faults = pad.faults();
    let mut stu = open_with_layout(pad);
    assert!(matches!(
        stu.next_event(Duration::from_millis(100)),
        Ok(Some(PadEvent::Pen(_)))
    ));
    faults.unplug(true);
    let err = stu
        .next_event(Duration::from_millis(100))
        .expect_err("unplugged");
    assert_eq!(err.kind(), ErrorKind::Disconnected);
}

#[test]
fn a_truncated_pen_report_is_a_protocol_violation() {
    let pad = fast_pad(2);
    let faults = pad.faults();
    let mut stu = open_with_layout(pad);
    faults.garble_next();
    let err = stu
        .next_event(Duration::from_millis(200))
        .expect_err("garbled");
    assert_eq!(err.kind(), ErrorKind::ProtocolViolation);
    assert!(err.to_string().contains("needs 11 bytes"), "{err}");
}

fn record(path: &Path, seed: u64) -> Vec<PadEvent> {
    let recorder = HidRecorder::create(fast_pad(seed), path).expect("recording starts");
    let mut stu = open_with_layout(recorder);
    sign(&mut stu)
}

#[test]
fn a_recorded_stu_session_replays_as_the_pad() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("stu.hidrec");
    let live = record(&path, 11);
    let mut replayed = open_with_layout(HidReplay::open(&path).expect("recording reads"));
    assert_eq!(replayed.identity().model, "STU-540");
    let events = sign(&mut replayed);
    assert_eq!(ink(&events), ink(&live));
    assert_eq!(events.last(), Some(&PadEvent::Accept));
}

/// The committed recording (`tests/data/stu540_signature.hidrec`, made by this test with
/// `REKAM_WRITE_STU_RECORDING=1`) still drives the driver to the same signature.
#[test]
fn the_committed_stu_recording_replays_to_a_signature_and_accept() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/stu540_signature.hidrec");
    if std::env::var_os("REKAM_WRITE_STU_RECORDING").is_some() {
        record(&path, 5);
    }
    let mut stu = open_with_layout(HidReplay::open(&path).expect("the recording is committed"));
    let events = sign(&mut stu);
    let live = {
        let mut stu = open_with_layout(fast_pad(5));
        sign(&mut stu)
    };
    assert_eq!(ink(&events), ink(&live));
}

#[test]
fn a_replay_refuses_a_host_that_skips_a_recorded_step() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("stu.hidrec");
    record(&path, 4);
    let mut replay = HidReplay::open(&path).expect("recording reads");
    // The driver reads the capability first; asking for the information report diverges.
    let err = replay
        .get_feature(report::INFORMATION, 16)
        .expect_err("out of order");
    assert_eq!(err.kind(), ErrorKind::ProtocolViolation);
}

#[test]
fn over_usb_the_pad_signs_through_hid_class_requests_and_its_usbmon_recording_replays() {
    use rekam_drivers::hid::usb::{HidInterface, UsbHid};
    use rekam_drivers::usb::{UsbRecorder, UsbReplay};
    use rekam_sim::wacom::SimStuUsb;
    use rekam_sim::wacom::usb::{INTERFACE, INTERRUPT_IN};

    let interface = HidInterface {
        number: INTERFACE,
        interrupt_in: INTERRUPT_IN,
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let capture = dir.path().join("stu540.pcapng");
    let recorder = UsbRecorder::create(SimStuUsb::new(fast_pad(21)), &capture)
        .expect("the capture file is created");
    let mut stu = open_with_layout(UsbHid::new(recorder, interface));
    assert_eq!(stu.identity().model, "STU-540");
    let live = sign(&mut stu);
    assert!(ink(&live).len() > 50, "a signature's worth of ink");
    stu.into_device()
        .into_device()
        .finish()
        .expect("the capture is flushed");

    // The driver alone against the file: the same identity and the same ink, in order.
    let replay = UsbReplay::open(&capture, None)
        .expect("the capture loads")
        .with_ids(0x056A, 0x00A8);
    let mut stu = open_with_layout(UsbHid::new(replay, interface));
    assert_eq!(stu.identity().serial.as_deref(), Some("500000021"));
    assert_eq!(ink(&sign(&mut stu)), ink(&live));
}

#[test]
fn over_usb_an_unplugged_pad_is_disconnected() {
    use rekam_drivers::hid::usb::{HidInterface, UsbHid};
    use rekam_sim::wacom::SimStuUsb;
    use rekam_sim::wacom::usb::{INTERFACE, INTERRUPT_IN};

    let pad = fast_pad(22);
    let faults = pad.faults();
    let mut stu = open_with_layout(UsbHid::new(
        SimStuUsb::new(pad),
        HidInterface {
            number: INTERFACE,
            interrupt_in: INTERRUPT_IN,
        },
    ));
    faults.unplug(true);
    let err = stu
        .next_event(Duration::from_millis(50))
        .expect_err("the pad is gone");
    assert_eq!(err.kind(), ErrorKind::Disconnected);
}
