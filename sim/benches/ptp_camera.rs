//! PTP/IP against the simulated Canon EOS on loopback: a still capture from the release to the
//! JPEG in memory (remote release, GetEvent polling, GetObject of a 600x800 JPEG), and the
//! latency of one live-view frame (GetViewFinderData of a 300x400 JPEG). The simulator's shutter
//! delay is zero and its live view unpaced (1000 fps), so the figures are the driver, the
//! protocol and the simulator's JPEG encoding, not a camera's mechanics.
//!
//! Run: `cargo bench -p rekam-sim --bench ptp_camera`.

use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use rekam_drivers::CancelToken;
use rekam_drivers::camera::{Camera, Photo};
use rekam_drivers::fingerprint::CaptureOptions;
use rekam_drivers::ptp::camera::{PtpCamera, PtpCameraConfig};
use rekam_drivers::ptp::ptpip::PtpIpTransport;
use rekam_sim::devices::{CameraConfig, FaceScene, SimCamera};
use rekam_sim::ptp::SimPtpCamera;
use rekam_sim::ptp::server::serve;
use rekam_sim::synth::Background;

fn jpeg_len(photo: Photo) -> usize {
    match photo {
        Photo::Jpeg { bytes, .. } => bytes.len(),
        Photo::Rgb(_) => 0,
    }
}

fn ptpip(c: &mut Criterion) {
    let mut config = CameraConfig::portrait(5);
    config.shutter_delay = Duration::ZERO;
    config.preview_fps = 1000;
    let scene = SimCamera::new(config, FaceScene::framed(Background::Red));
    let camera = Arc::new(Mutex::new(SimPtpCamera::new(scene)));
    let listener = TcpListener::bind("127.0.0.1:0").expect("loopback port");
    let addr = listener.local_addr().expect("bound address");
    let shutdown = CancelToken::new();
    let server = {
        let (camera, shutdown) = (camera.clone(), shutdown.clone());
        std::thread::spawn(move || serve(listener, camera, shutdown))
    };
    let transport =
        PtpIpTransport::connect(addr, *b"rekam-bench-host", "bench", Duration::from_secs(5))
            .expect("PTP/IP handshake");
    let mut cam = PtpCamera::open(transport, PtpCameraConfig::default()).expect("camera opens");
    let options = CaptureOptions::with_timeout(Duration::from_secs(10));

    c.bench_function("ptpip/still capture 600x800 to JPEG in memory", |b| {
        b.iter(|| jpeg_len(cam.capture_still(&options).expect("a still")))
    });
    // The first frame switches live view on; the figure is the frames after it.
    cam.preview_frame(&options).expect("live view starts");
    c.bench_function("ptpip/live-view frame 300x400", |b| {
        b.iter(|| jpeg_len(cam.preview_frame(&options).expect("a frame")))
    });

    drop(cam);
    shutdown.cancel();
    let _ = server.join();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = ptpip
}
criterion_main!(benches);
