//! WSQ decode of the shared NIST sample and encode of a 500 ppi print at 0.75 bpp.
//!
//! Uses `shared/data/wsq/sample.wsq` (545x622, 500 ppi) and its reference decode as the print to
//! encode; without the shared data it notes that and times a synthetic ridge pattern instead.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use rekam_quality::wsq::{self, EncodeOptions};

const SAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/data/wsq/sample.wsq"
);

/// The compressed sample and its decoded print, or a synthetic stand-in.
fn inputs() -> (Vec<u8>, u32, u32, Vec<u8>) {
    if let Ok(bytes) = std::fs::read(SAMPLE)
        && let Ok(img) = wsq::decode(&bytes)
    {
        return (bytes, img.width, img.height, img.pixels);
    }
    eprintln!("note: {SAMPLE} unavailable, benchmarking a synthetic 545x622 ridge pattern");
    let (w, h) = (545u32, 622u32);
    let pixels: Vec<u8> = (0..h)
        .flat_map(|y| {
            (0..w).map(move |x| {
                let (fx, fy) = (f64::from(x), f64::from(y));
                let ridge = ((fx * 0.3 + fy * 0.25 + (fy * 0.03).sin() * 8.0).sin() + 1.0) * 0.5;
                (30.0 + ridge * 190.0) as u8
            })
        })
        .collect();
    let bytes = wsq::encode(&pixels, w, h, &EncodeOptions::default()).unwrap_or_default();
    (bytes, w, h, pixels)
}

fn bench(c: &mut Criterion) {
    let (bytes, w, h, pixels) = inputs();
    c.bench_function("wsq_decode_545x622", |b| {
        b.iter(|| wsq::decode(black_box(&bytes)))
    });
    let options = EncodeOptions::default();
    c.bench_function("wsq_encode_545x622_0.75bpp", |b| {
        b.iter(|| wsq::encode(black_box(&pixels), w, h, &options))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
