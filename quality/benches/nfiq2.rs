//! NFIQ 2 on NIST's 416x560 SFinGe example: the 65 image measures (trimming included), and a
//! whole assessment with 40 given minutiae (minutiae measures and random forest added).
//!
//! Uses `shared/data/nfiq2/examples/SFinGe_Test01.pgm`; without the shared data it notes that and
//! times a synthetic 416x560 ridge pattern instead.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use rekam_quality::image::GrayImageRef;
use rekam_quality::nfiq2::{self, Minutia};
use rekam_quality::pgm::read_pgm;

const EXAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/data/nfiq2/examples/SFinGe_Test01.pgm"
);

fn input() -> (u32, u32, Vec<u8>) {
    if let Ok(bytes) = std::fs::read(EXAMPLE)
        && let Ok(img) = read_pgm(&bytes)
    {
        return (img.width, img.height, img.pixels);
    }
    eprintln!("note: {EXAMPLE} unavailable, benchmarking a synthetic 416x560 ridge pattern");
    let (w, h) = (416u32, 560u32);
    let pixels = (0..h)
        .flat_map(|y| {
            (0..w).map(move |x| {
                let (fx, fy) = (f64::from(x), f64::from(y));
                let ridge = ((fx * 0.3 + fy * 0.25 + (fy * 0.03).sin() * 8.0).sin() + 1.0) * 0.5;
                (30.0 + ridge * 190.0) as u8
            })
        })
        .collect();
    (w, h, pixels)
}

fn bench(c: &mut Criterion) {
    let (w, h, pixels) = input();
    let Ok(img) = GrayImageRef::new(w, h, &pixels, 500) else {
        return;
    };
    let minutiae: Vec<Minutia> = (0..40)
        .map(|i| Minutia {
            x: 60 + 7 * i,
            y: 80 + 9 * i,
            angle: (i * 6) as u8,
            quality: 60,
        })
        .collect();
    c.bench_function("nfiq2_image_features_416x560", |b| {
        b.iter(|| nfiq2::image_features(black_box(&img)))
    });
    c.bench_function("nfiq2_assess_416x560", |b| {
        b.iter(|| nfiq2::assess(black_box(&img), black_box(&minutiae)))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
