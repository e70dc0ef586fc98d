//! The simulated fingerprint scanner can be unplugged from outside the daemon (a control file in
//! the data directory), mid-capture, and plugged back, as the console's browser tests need.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use rekam_agent::devices::{DeviceManager, Health, LiveFrame, Resident, simulated_kit, unplug};
use rekam_drivers::ErrorKind;
use rekam_drivers::fingerprint::Finger;
use rekam_quality::live::AutoCaptureRule;

fn kit(control: &std::path::Path) -> DeviceManager {
    let (finger, camera, pad, iris) = simulated_kit(21, false, true);
    let finger = unplug::fingerprint(finger, control.to_path_buf());
    DeviceManager::new(finger, camera, pad, iris, Duration::from_secs(20))
}

fn fingerprint_health(m: &DeviceManager) -> Health {
    m.status()
        .into_iter()
        .find(|s| s.class == "fingerprint")
        .expect("a fingerprint slot")
        .health
}

#[tokio::test]
async fn a_scanner_unplugged_mid_capture_fails_as_disconnected_and_works_again_once_plugged_back() {
    let dir = tempfile::tempdir().expect("tempdir");
    let control = dir.path().join(unplug::CONTROL_FILE);
    let m = kit(&control);
    // A finger the person lacks is never captured: the preview runs until the deadline unless
    // something else ends it.
    m.present(Resident {
        seed: 21,
        background: rekam_sim::synth::Background::Blue,
        missing: vec![Finger::LeftRing],
    })
    .await
    .expect("present");
    let frames = Arc::new(AtomicU32::new(0));
    let sink = {
        let frames = frames.clone();
        let control = control.clone();
        Box::new(move |_: LiveFrame| {
            // Pulled out once the preview is running.
            if frames.fetch_add(1, Ordering::SeqCst) == 2 {
                std::fs::write(&control, b"").expect("unplug");
            }
        })
    };
    let started = std::time::Instant::now();
    let e = m
        .capture_finger_live(Finger::LeftRing, AutoCaptureRule::default(), sink)
        .await
        .expect_err("unplugged mid-capture");
    assert_eq!(e.kind, ErrorKind::Disconnected, "{e}");
    assert!(e.message.contains("unplugged"), "{e}");
    // Ended by the unplugging, not by the 20 s deadline.
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(frames.load(Ordering::SeqCst) >= 3);
    assert!(
        matches!(fingerprint_health(&m), Health::Disconnected { .. }),
        "{:?}",
        fingerprint_health(&m)
    );

    // Still unplugged: opening fails the same way.
    let e = m
        .capture_finger(Finger::RightIndex)
        .await
        .expect_err("still unplugged");
    assert_eq!(e.kind, ErrorKind::Disconnected, "{e}");

    std::fs::remove_file(&control).expect("plug back");
    m.present(Resident {
        seed: 21,
        background: rekam_sim::synth::Background::Blue,
        missing: vec![],
    })
    .await
    .expect("present after plugging back");
    let (image, _) = m
        .capture_finger(Finger::RightIndex)
        .await
        .expect("a capture once plugged back");
    assert!(image.width() > 0);
    assert_eq!(fingerprint_health(&m), Health::Ready);
}

#[tokio::test]
async fn a_scanner_left_plugged_in_is_not_disturbed_by_the_wrapper() {
    let dir = tempfile::tempdir().expect("tempdir");
    let m = kit(&dir.path().join(unplug::CONTROL_FILE));
    let (image, _) = m
        .capture_finger_live(
            Finger::RightThumb,
            AutoCaptureRule::default(),
            Box::new(|_| {}),
        )
        .await
        .expect("a live capture");
    assert!(image.width() > 0);
    assert_eq!(fingerprint_health(&m), Health::Ready);
}

#[tokio::test]
async fn the_live_preview_passes_through_and_fails_as_disconnected_while_unplugged() {
    use rekam_agent::devices::PreviewOutcome;
    let dir = tempfile::tempdir().expect("tempdir");
    let control = dir.path().join(unplug::CONTROL_FILE);
    let m = kit(&control);
    assert!(
        matches!(m.preview_finger().await, PreviewOutcome::Frame(_)),
        "a preview frame through the wrapper"
    );
    std::fs::write(&control, b"").expect("unplug");
    match m.preview_finger().await {
        PreviewOutcome::Failed(e) => assert_eq!(e.kind, ErrorKind::Disconnected, "{e}"),
        _ => panic!("a preview of an unplugged scanner"),
    }
    std::fs::remove_file(&control).expect("plug back");
    assert!(matches!(m.preview_finger().await, PreviewOutcome::Frame(_)));
}
