//! Face quality speed: the live per-frame checks on a 640x480 preview frame (target <= 30 ms on
//! one core) and the full checks on a kept 600x800 still and on the real 910x1137 portrait
//! (target <= 150 ms), plus detection alone; with the `yunet` feature, the full checks with
//! YuNet (`shared/models/yunet_s_640_640.onnx`) as the detector.
//!
//! Frames come from the simulated camera; the real portrait from `shared/data/faces` (skipped
//! with a note when missing).

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use rekam_drivers::camera::{Camera, Photo};
use rekam_drivers::fingerprint::CaptureOptions;
use rekam_drivers::identity::ImageSize;
use rekam_quality::face::{
    BackgroundColour, FaceAssessor, FaceOptions, LiveChecker, SeetaDetector,
};
use rekam_quality::image::RgbView;
use rekam_sim::devices::{CameraConfig, FaceScene, SimCamera};
use rekam_sim::synth::Background;

const PORTRAIT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/data/faces/portrait-1.jpg"
);

/// One raw RGB still of the simulated sitter at `width` x `height`.
fn frame(width: u32, height: u32, scale: f64) -> (u32, u32, Vec<u8>) {
    let config = CameraConfig {
        still: ImageSize { width, height },
        jpeg_stills: false,
        shutter_delay: Duration::ZERO,
        ..CameraConfig::portrait(3)
    };
    let scene = FaceScene {
        face_scale: scale,
        ..FaceScene::framed(Background::Red)
    };
    let mut camera = SimCamera::new(config, scene);
    match camera.capture_still(&CaptureOptions::with_timeout(Duration::from_secs(5))) {
        Ok(Photo::Rgb(img)) => (img.width(), img.height(), img.pixels().to_vec()),
        other => panic!("simulated camera gave {other:?}"),
    }
}

fn options() -> FaceOptions {
    FaceOptions {
        expected_background: Some(BackgroundColour::Red),
        ..Default::default()
    }
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("face");
    group.sample_size(20);

    let (w, h, live) = frame(640, 480, 0.9);
    let view = RgbView::new(w, h, &live).expect("view");
    let mut checker = LiveChecker::new(options(), 3).expect("live checker");
    let (report, _) = checker.frame(&view);
    assert_eq!(report.faces.len(), 1, "live frame must show the sitter");
    group.bench_function("live_frame_640x480", |b| {
        b.iter(|| black_box(checker.frame(black_box(&view))))
    });

    let (w, h, still) = frame(600, 800, 1.0);
    let view = RgbView::new(w, h, &still).expect("view");
    let mut assessor = FaceAssessor::seeta().expect("detector");
    group.bench_function("full_assess_600x800", |b| {
        b.iter(|| black_box(assessor.assess(black_box(&view), &options())))
    });
    let mut detector = SeetaDetector::for_stills().expect("detector");
    let gray = view.luma();
    group.bench_function("detect_only_600x800", |b| {
        b.iter(|| black_box(detector.detect_gray(black_box(&gray))))
    });

    #[cfg(feature = "yunet")]
    {
        let model = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/models/yunet_s_640_640.onnx"
        );
        match rekam_quality::face::YunetDetector::load(std::path::Path::new(model)) {
            Ok(yunet) => {
                let mut with_yunet = FaceAssessor::new(Box::new(yunet));
                group.bench_function("full_assess_yunet_600x800", |b| {
                    b.iter(|| black_box(with_yunet.assess(black_box(&view), &options())))
                });
            }
            Err(e) => eprintln!("note: YuNet model unavailable ({e}); YuNet timing skipped"),
        }
    }

    match std::fs::read(PORTRAIT) {
        Ok(bytes) => {
            let mut d = jpeg_decoder::Decoder::new(std::io::Cursor::new(bytes));
            let rgb = d.decode().expect("jpeg");
            let info = d.info().expect("info");
            let view =
                RgbView::new(u32::from(info.width), u32::from(info.height), &rgb).expect("view");
            group.bench_function("full_assess_portrait_910x1137", |b| {
                b.iter(|| black_box(assessor.assess(black_box(&view), &FaceOptions::default())))
            });
        }
        Err(e) => eprintln!("note: {PORTRAIT} unavailable ({e}); real-portrait timing skipped"),
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
