//! Absurd configurations and arguments (endless delays, extreme speeds, zero sizes) give errors
//! or endless-but-cancellable waits, never a panic.

use std::time::{Duration, Instant};

use rekam_drivers::fingerprint::{CaptureOptions, Finger, FingerprintScanner};
use rekam_drivers::identity::ImageSize;
use rekam_drivers::printer::{CardPrinter, PrintJob};
use rekam_drivers::signature::SignaturePad;
use rekam_drivers::{Error, ErrorKind};
use rekam_sim::devices::{
    PadConfig, PrinterConfig, ScannerConfig, SimCardPrinter, SimFingerprintScanner, SimPerson,
    SimSignaturePad,
};
use rekam_sim::faults::{Fault, FaultInjector, FaultRule, Faulty};

#[test]
fn an_endless_placement_delay_ends_in_a_timeout() {
    let config = ScannerConfig {
        placement_delay: Duration::MAX,
        ..ScannerConfig::tiny(1)
    };
    let mut s = SimFingerprintScanner::new(config);
    s.set_person(Some(SimPerson::new(1)));
    let err = s
        .capture_finger(
            Finger::LeftIndex,
            &CaptureOptions::with_timeout(Duration::from_millis(20)),
        )
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
}

#[test]
fn zero_image_sizes_do_not_panic() {
    let zero = ImageSize {
        width: 0,
        height: 0,
    };
    let config = ScannerConfig {
        finger_image: zero,
        slap_image: Some(zero),
        ..ScannerConfig::tiny(2)
    };
    let mut s = SimFingerprintScanner::new(config);
    s.set_person(Some(SimPerson::new(2)));
    let options = CaptureOptions::with_timeout(Duration::from_secs(1));
    let _ = s.capture_finger(Finger::RightThumb, &options);
    let _ = s.preview_frame(&options);
}

#[test]
fn extreme_playback_speeds_do_not_panic() {
    for speed in [1e300, 1e-300, f64::NAN, -3.0, 0.0] {
        let mut pad = SimSignaturePad::new(PadConfig {
            speed,
            ..PadConfig::signs_and_accepts(1)
        });
        let _ = pad.next_event(Duration::from_millis(5)).unwrap();
        pad.clear().unwrap();
    }
}

#[test]
fn an_endless_print_job_stays_busy_until_cancelled() {
    let mut p = SimCardPrinter::new(PrinterConfig {
        job_time: Duration::MAX,
        ..PrinterConfig::tiny(3)
    });
    p.print(&PrintJob::default()).unwrap();
    assert!(!p.wait_idle(Duration::from_millis(10)));
    assert!(p.status().unwrap().busy);
    p.cancel().unwrap();
    assert!(!p.status().unwrap().busy);
}

#[test]
fn an_injected_silence_as_long_as_an_endless_timeout_still_yields_to_a_cancel() {
    let mut s = SimFingerprintScanner::new(ScannerConfig::tiny(4));
    s.set_person(Some(SimPerson::new(4)));
    let mut s = Faulty::new(
        s,
        FaultInjector::new(4, vec![FaultRule::always(Fault::Timeout { wait_ms: None })]),
    );
    let options = CaptureOptions::with_timeout(Duration::MAX);
    options.cancel.cancel();
    let started = Instant::now();
    let err = s.capture_finger(Finger::LeftThumb, &options).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Cancelled);
    assert!(started.elapsed() < Duration::from_secs(5));
}
