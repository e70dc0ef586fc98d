//! The device manager: blocking drivers run off the runtime under a deadline, a device unplugged
//! mid-session is reopened when it comes back, and health says what is going on.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::Duration;

use rekam_agent::devices::{
    DeviceFailure, DeviceManager, FingerDevice, Health, Identified, LiveFrame, Resident, Slot,
    auto_capture, simulated_kit,
};
use rekam_drivers::fingerprint::{CaptureOptions, Finger};
use rekam_drivers::{DeviceIdentity, ErrorKind, GrayImage};
use rekam_quality::live::{AutoCaptureRule, Decision};

/// A scanner on a cable the test can pull.
struct Cable {
    plugged: Arc<AtomicBool>,
    opens: Arc<AtomicU32>,
}

struct Scanner {
    plugged: Arc<AtomicBool>,
    delay: Duration,
}

impl Identified for Scanner {
    fn identity(&self) -> DeviceIdentity {
        DeviceIdentity {
            vendor: "test".into(),
            model: "cable scanner".into(),
            serial: Some("1".into()),
            firmware: None,
            location: "usb-1".into(),
        }
    }
}

impl FingerDevice for Scanner {
    fn capture_finger(
        &mut self,
        _finger: Finger,
        o: &CaptureOptions,
    ) -> Result<GrayImage, DeviceFailure> {
        let started = std::time::Instant::now();
        while started.elapsed() < self.delay {
            if o.cancel.is_cancelled() {
                return Err(DeviceFailure::new(
                    "cable scanner",
                    ErrorKind::Cancelled,
                    "cancelled",
                ));
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        if !self.plugged.load(Ordering::SeqCst) {
            return Err(DeviceFailure::new(
                "cable scanner",
                ErrorKind::Disconnected,
                "the device went away",
            ));
        }
        GrayImage::new(32, 32, 500, vec![128; 32 * 32]).map_err(|e| {
            DeviceFailure::new("cable scanner", ErrorKind::ProtocolViolation, e.to_string())
        })
    }
}

fn manager(cable: &Cable, delay: Duration, timeout: Duration) -> DeviceManager {
    let (plugged, opens) = (cable.plugged.clone(), cable.opens.clone());
    let finger: Slot<dyn FingerDevice> = Slot::new(
        "fingerprint",
        Box::new(move || {
            opens.fetch_add(1, Ordering::SeqCst);
            if !plugged.load(Ordering::SeqCst) {
                return Err(DeviceFailure::new(
                    "cable scanner",
                    ErrorKind::Disconnected,
                    "not found on the bus",
                ));
            }
            Ok(Box::new(Scanner {
                plugged: plugged.clone(),
                delay,
            }) as Box<dyn FingerDevice>)
        }),
    );
    let (_, camera, pad, _) = simulated_kit(1, false, false);
    DeviceManager::new(finger, camera, pad, None, timeout)
}

fn cable() -> Cable {
    Cable {
        plugged: Arc::new(AtomicBool::new(true)),
        opens: Arc::new(AtomicU32::new(0)),
    }
}

#[tokio::test]
async fn a_scanner_unplugged_mid_session_is_reopened_when_it_comes_back() {
    let c = cable();
    let m = manager(&c, Duration::ZERO, Duration::from_secs(2));
    assert!(m.capture_finger(Finger::RightIndex).await.is_ok());
    assert_eq!(c.opens.load(Ordering::SeqCst), 1);

    c.plugged.store(false, Ordering::SeqCst);
    let e = m
        .capture_finger(Finger::RightIndex)
        .await
        .expect_err("unplugged");
    assert_eq!(e.kind, ErrorKind::Disconnected);
    assert!(matches!(m.status()[0].health, Health::Disconnected { .. }));
    let e = m
        .capture_finger(Finger::RightIndex)
        .await
        .expect_err("still unplugged");
    assert_eq!(e.kind, ErrorKind::Disconnected, "{e}");

    c.plugged.store(true, Ordering::SeqCst);
    assert!(m.capture_finger(Finger::RightIndex).await.is_ok());
    assert_eq!(m.status()[0].health, Health::Ready);
    assert_eq!(
        c.opens.load(Ordering::SeqCst),
        3,
        "one open per attempt while away"
    );
}

#[tokio::test]
async fn a_capture_that_outlives_its_deadline_is_cancelled_and_reported_as_a_timeout() {
    let c = cable();
    let m = manager(&c, Duration::from_secs(30), Duration::from_millis(100));
    let started = std::time::Instant::now();
    let e = m
        .capture_finger(Finger::LeftThumb)
        .await
        .expect_err("too slow");
    assert_eq!(e.kind, ErrorKind::Timeout, "{e}");
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[tokio::test]
async fn a_second_operation_on_a_busy_device_is_refused_rather_than_queued() {
    let c = cable();
    let m = manager(&c, Duration::from_millis(400), Duration::from_secs(5));
    let first = {
        let m = m.clone();
        tokio::spawn(async move { m.capture_finger(Finger::RightThumb).await })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    let e = m
        .capture_finger(Finger::RightIndex)
        .await
        .expect_err("busy");
    assert_eq!(e.kind, ErrorKind::Busy);
    assert!(first.await.expect("join").is_ok());
}

/// The simulated kit with a realistic placement delay, so previews first show an empty platen.
fn live_kit(seed: u64) -> DeviceManager {
    let (finger, camera, pad, iris) = simulated_kit(seed, false, true);
    DeviceManager::new(finger, camera, pad, iris, Duration::from_secs(8))
}

type Frames = Arc<std::sync::Mutex<Vec<LiveFrame>>>;

fn collect() -> (Frames, Box<dyn FnMut(LiveFrame) + Send>) {
    let frames = Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = {
        let frames = frames.clone();
        Box::new(move |f: LiveFrame| frames.lock().expect("frames").push(f))
    };
    (frames, sink)
}

#[tokio::test]
async fn a_live_capture_previews_an_empty_platen_then_captures_once_the_finger_is_steady() {
    let m = live_kit(11);
    let (frames, sink) = collect();
    let (image, _) = m
        .capture_finger_live(Finger::RightIndex, AutoCaptureRule::default(), sink)
        .await
        .expect("live capture");
    let frames = frames.lock().expect("frames");
    assert!(
        frames.len() > 5,
        "only {} preview frames were reported",
        frames.len()
    );
    // Before the resident puts the finger down, the platen is empty.
    assert!(!frames[0].quality.present);
    assert_eq!(frames[0].view().reason, Some("no_finger"));
    // The last frame is the one that fired the rule, after a run of steady good frames.
    let last = frames.last().expect("a frame");
    assert_eq!(last.decision, Decision::Capture, "{:?}", last.view());
    assert!(!last.forced);
    let rule = AutoCaptureRule::default();
    let run = &frames[frames.len() - rule.min_frames as usize..];
    assert!(run.iter().all(|f| f.quality.present
        && f.quality.area >= rule.min_area
        && f.quality.estimate >= rule.min_estimate));
    // The capture itself is the full-resolution print, not a preview frame.
    assert_eq!(
        (image.width(), image.height(), image.ppi()),
        (400, 500, 500)
    );
    assert!(last.image.width() < image.width());
}

#[tokio::test]
async fn a_live_capture_of_a_missing_finger_times_out_showing_only_an_empty_platen() {
    let (finger, camera, pad, iris) = simulated_kit(12, false, true);
    let m = DeviceManager::new(finger, camera, pad, iris, Duration::from_millis(1500));
    m.present(Resident {
        seed: 12,
        background: rekam_sim::synth::Background::Blue,
        missing: vec![Finger::LeftRing],
    })
    .await
    .expect("present");
    let (frames, sink) = collect();
    let e = m
        .capture_finger_live(Finger::LeftRing, AutoCaptureRule::default(), sink)
        .await
        .expect_err("no finger to place");
    assert_eq!(e.kind, ErrorKind::Timeout, "{e}");
    let frames = frames.lock().expect("frames");
    assert!(!frames.is_empty());
    assert!(frames.iter().all(|f| !f.quality.present && !f.forced));
}

/// A scanner with previews whose finger never satisfies the rule (it slides on the platen).
struct Sliding {
    inner: rekam_sim::devices::SimFingerprintScanner,
}

#[tokio::test]
async fn a_finger_that_never_settles_is_captured_anyway_near_the_deadline_and_marked_forced() {
    use rekam_drivers::fingerprint::FingerprintScanner;
    let mut s = Sliding {
        inner: rekam_sim::devices::SimFingerprintScanner::new(
            rekam_sim::devices::ScannerConfig::slap_scanner(5),
        ),
    };
    s.inner
        .set_person(Some(rekam_sim::devices::SimPerson::new(5)));
    let o = CaptureOptions {
        timeout: Duration::from_millis(1200),
        cancel: rekam_drivers::CancelToken::new(),
    };
    // Impossible rule: a whole frame of print with a perfect estimate.
    let rule = AutoCaptureRule {
        min_area: 1.0,
        min_estimate: 100,
        ..AutoCaptureRule::default()
    };
    let mut frames = Vec::new();
    s.inner.prompt_finger(Finger::LeftIndex);
    let image = tokio::task::spawn_blocking(move || {
        let r = auto_capture(&mut s.inner, Finger::LeftIndex, &o, rule, &mut |f| {
            frames.push(f)
        });
        (r, frames, s.inner.capabilities().ppi)
    })
    .await
    .expect("join");
    let (result, frames, ppi) = image;
    let image = result.expect("forced capture");
    assert_eq!(image.ppi(), ppi);
    let last = frames.last().expect("frames");
    assert!(last.forced && last.quality.present);
    assert_eq!(last.view().decision, "capture");
    assert!(frames[..frames.len() - 1].iter().all(|f| !f.forced));
}
