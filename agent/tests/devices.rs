//! The device manager: blocking drivers run off the runtime under a deadline, a device unplugged
//! mid-session is reopened when it comes back, and health says what is going on.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::Duration;

use rekam_agent::devices::{
    DeviceFailure, DeviceManager, FingerDevice, Health, Identified, Slot, simulated_kit,
};
use rekam_drivers::fingerprint::{CaptureOptions, Finger};
use rekam_drivers::{DeviceIdentity, ErrorKind, GrayImage};

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
