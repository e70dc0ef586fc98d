//! Preview frames from the simulators come at 30 fps or more without holding a core busy: the
//! thread's CPU time (from /proc/thread-self/schedstat) stays a small share of the wall time,
//! which only holds if the simulator sleeps between frames instead of spinning.
//!
//! Margins are generous (27 fps for a 30 fps target, half a core) so a loaded CI machine does
//! not make these flaky; a spinning or slow simulator still fails them.

use std::time::{Duration, Instant};

use rekam_drivers::camera::Camera;
use rekam_drivers::fingerprint::{CaptureOptions, Finger, FingerprintScanner};
use rekam_drivers::iris::{Eyes, IrisScanner};
use rekam_sim::devices::{
    CameraConfig, FaceScene, IrisConfig, ScannerConfig, SimCamera, SimFingerprintScanner,
    SimIrisScanner, SimPerson,
};
use rekam_sim::synth::Background;

/// CPU time this thread has used, per the kernel's scheduler statistics.
fn thread_cpu() -> Duration {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat")
        .expect("the test machine runs Linux with schedstat");
    let ns: u64 = text
        .split_whitespace()
        .next()
        .and_then(|field| field.parse().ok())
        .expect("schedstat starts with CPU nanoseconds");
    Duration::from_nanos(ns)
}

/// Pulls frames for `window` after one warm-up frame; returns frames per second and the share
/// of one core the thread used.
fn measure(window: Duration, mut frame: impl FnMut()) -> (f64, f64) {
    frame();
    let (started, cpu_before) = (Instant::now(), thread_cpu());
    let mut frames = 0u32;
    while started.elapsed() < window {
        frame();
        frames += 1;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let cpu = (thread_cpu() - cpu_before).as_secs_f64();
    (f64::from(frames) / elapsed, cpu / elapsed)
}

fn opts() -> CaptureOptions {
    CaptureOptions::with_timeout(Duration::from_secs(2))
}

fn assert_paced(name: &str, (fps, core_share): (f64, f64)) {
    assert!(fps >= 27.0, "{name}: {fps:.1} fps");
    assert!(fps <= 40.0, "{name}: {fps:.1} fps, not paced at 30");
    assert!(
        core_share < 0.5,
        "{name}: used {:.0}% of a core",
        core_share * 100.0
    );
}

#[test]
fn fingerprint_preview_runs_at_30_fps_while_sleeping_between_frames() {
    let mut s = SimFingerprintScanner::new(ScannerConfig::tiny(1));
    s.set_person(Some(SimPerson::new(1)));
    s.capture_finger(Finger::RightIndex, &opts()).unwrap();
    let result = measure(Duration::from_millis(700), || {
        s.preview_frame(&opts()).unwrap();
    });
    assert_paced("fingerprint", result);
}

#[test]
fn camera_preview_runs_at_30_fps_while_sleeping_between_frames() {
    let mut c = SimCamera::new(CameraConfig::tiny(2), FaceScene::framed(Background::Red));
    let result = measure(Duration::from_millis(700), || {
        c.preview_frame(&opts()).unwrap();
    });
    assert_paced("camera", result);
}

#[test]
fn iris_preview_runs_at_30_fps_while_sleeping_between_frames() {
    let mut s = SimIrisScanner::new(IrisConfig::binocular(3, 4));
    let result = measure(Duration::from_millis(700), || {
        s.preview_frame(Eyes::Both, &opts()).unwrap();
    });
    assert_paced("iris", result);
}

#[test]
fn the_cpu_meter_sees_a_spinning_thread_as_busy() {
    // The check above only means something if a busy loop would fail it. On a loaded machine a
    // spinning thread gets less than a core, so compare it with a sleeping one instead of with a
    // fixed share.
    let (_, spinning) = measure(Duration::from_millis(300), || {
        std::hint::black_box((0..1000u64).sum::<u64>());
    });
    let (_, sleeping) = measure(Duration::from_millis(300), || {
        std::thread::sleep(Duration::from_millis(30));
    });
    assert!(
        spinning > 0.1 && spinning > 5.0 * sleeping,
        "spinning used {spinning:.2} of a core, sleeping {sleeping:.2}"
    );
}
