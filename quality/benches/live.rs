//! The live preview measure on a 500x500 frame (500 ppi, one finger): NIST's SFinGe example 1
//! centred in a white 500x500 frame (cropped top and bottom), and the auto-capture step after it.
//!
//! Uses `shared/data/nfiq2/examples/SFinGe_Test01.pgm`; without the shared data it notes that and
//! times a synthetic ridge pattern instead.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use rekam_quality::image::GrayImageRef;
use rekam_quality::live::{self, AutoCapture, AutoCaptureRule};
use rekam_quality::pgm::read_pgm;

const EXAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/data/nfiq2/examples/SFinGe_Test01.pgm"
);
const SIDE: u32 = 500;

fn frame_500() -> Vec<u8> {
    let mut frame = vec![255u8; (SIDE * SIDE) as usize];
    if let Ok(bytes) = std::fs::read(EXAMPLE)
        && let Ok(img) = read_pgm(&bytes)
    {
        let (dx, dy) = (
            (i64::from(SIDE) - i64::from(img.width)) / 2,
            (i64::from(SIDE) - i64::from(img.height)) / 2,
        );
        for y in 0..i64::from(SIDE) {
            for x in 0..i64::from(SIDE) {
                let (sx, sy) = (x - dx, y - dy);
                if (0..i64::from(img.width)).contains(&sx)
                    && (0..i64::from(img.height)).contains(&sy)
                {
                    frame[(y * i64::from(SIDE) + x) as usize] =
                        img.pixels[(sy * i64::from(img.width) + sx) as usize];
                }
            }
        }
        return frame;
    }
    eprintln!("note: {EXAMPLE} unavailable, benchmarking a synthetic 500x500 ridge pattern");
    for y in 0..SIDE {
        for x in 0..SIDE {
            let (fx, fy) = (f64::from(x), f64::from(y));
            let ridge = ((fx * 0.3 + fy * 0.25 + (fy * 0.03).sin() * 8.0).sin() + 1.0) * 0.5;
            frame[(y * SIDE + x) as usize] = (30.0 + ridge * 190.0) as u8;
        }
    }
    frame
}

fn bench(c: &mut Criterion) {
    let pixels = frame_500();
    let Ok(img) = GrayImageRef::new(SIDE, SIDE, &pixels, 500) else {
        return;
    };
    c.bench_function("live_frame_500x500", |b| {
        b.iter(|| live::frame(black_box(&img)))
    });
    let q = live::frame(&img);
    let mut auto = AutoCapture::new(AutoCaptureRule::default());
    c.bench_function("live_autocapture_push", |b| {
        b.iter(|| auto.push(black_box(&q)))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
