//! FingerJet-compatible minutiae extraction of a 416x560 print (NIST's SFinGe example 1 at
//! 500 ppi, as NFIQ 2.3 passes it after trimming its white frame: 416x495).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use rekam_quality::minutiae;

const EXAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/data/nfiq2/examples/SFinGe_Test01.pgm"
);

/// The example print, or a synthetic 416x560 ridge pattern when the shared data is absent.
fn print() -> (u32, u32, Vec<u8>) {
    if let Ok(bytes) = std::fs::read(EXAMPLE) {
        return rekam_tests::pgm_gray(&bytes);
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
    let (w, h, pixels) = print();
    c.bench_function("minutiae_extract_416x560", |b| {
        b.iter(|| minutiae::extract_unchecked(black_box(&pixels), w, h, 500))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
