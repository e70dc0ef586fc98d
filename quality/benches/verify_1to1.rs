//! Speed of 1:1 verification at card pickup (`rekam_quality::verify::verify`): the order's
//! chip-finger template against a fresh print, both built from their minutiae each time, as the
//! pickup desk does it (target: at most 20 ms). Minutiae are FingerJet FX's on two simulated
//! impressions of one finger, all of them (up to the matcher's cap of 100), plus a pair of
//! different fingers (an impostor: the relaxation works on weaker pairs), and the worst case the
//! matcher allows: 100 minutiae a side (its cap), spread over a 400 x 500 print.
//!
//! Run: `cargo bench -p rekam-quality --bench verify_1to1`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use rekam_drivers::fingerprint::Finger;
use rekam_quality::matching::MAX_MINUTIAE;
use rekam_quality::minutiae::{self, Minutia, MinutiaKind};
use rekam_quality::verify::verify;
use rekam_sim::prints::dataset::{finger_master, impression, subject_seed};
use rekam_sim::prints::{Condition, MasterSize};

const SEED: u64 = 1313;

/// The minutiae of impression `i` of `finger` of simulated person `subject`.
fn minutiae_of(subject: u32, finger: Finger, i: u32) -> Vec<Minutia> {
    let master = finger_master(subject_seed(SEED, subject), finger, MasterSize::STANDARD);
    let g = impression(SEED, &master, subject, finger, i, Condition::Good);
    minutiae::extract_unchecked(&g.pixels, g.width, g.height, 500)
        .expect("a simulated print extracts")
        .minutiae
}

/// `MAX_MINUTIAE` minutiae spread deterministically over a 400 x 500 print.
fn spread(seed: u32) -> Vec<Minutia> {
    let mut s = seed.wrapping_mul(2_654_435_761).wrapping_add(99);
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 17;
        s ^= s << 5;
        s
    };
    (0..MAX_MINUTIAE)
        .map(|_| Minutia {
            x: 20 + next() % 400,
            y: 20 + next() % 500,
            angle: (next() % 256) as u8,
            kind: MinutiaKind::Ending,
            quality: 20 + (next() % 80) as u8,
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let template = minutiae_of(1, Finger::RightIndex, 1);
    let genuine = minutiae_of(1, Finger::RightIndex, 2);
    let impostor = minutiae_of(2, Finger::RightIndex, 2);
    eprintln!(
        "minutiae: template {}, genuine probe {}, impostor probe {}",
        template.len(),
        genuine.len(),
        impostor.len()
    );
    c.bench_function("verify_1to1/genuine", |b| {
        b.iter(|| verify(black_box(&template), black_box(&genuine)))
    });
    c.bench_function("verify_1to1/impostor", |b| {
        b.iter(|| verify(black_box(&template), black_box(&impostor)))
    });
    let (full_a, full_b) = (spread(1), spread(2));
    c.bench_function("verify_1to1/cap 100 x 100", |b| {
        b.iter(|| verify(black_box(&full_a), black_box(&full_b)))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = bench
}
criterion_main!(benches);
