//! Speed of 1:1 verification at card pickup (`rekam_quality::verify::verify`): the order's
//! chip-finger template against a fresh print, both built from their minutiae each time, as the
//! pickup desk does it (target: at most 20 ms). Minutiae are FingerJet FX's on two simulated
//! impressions of one finger, all of them (up to the matcher's cap of 100), plus a pair of
//! different fingers (an impostor: the relaxation works on weaker pairs).
//!
//! Run: `cargo bench -p rekam-quality --bench verify_1to1`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use rekam_drivers::fingerprint::Finger;
use rekam_quality::minutiae::{self, Minutia};
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
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = bench
}
criterion_main!(benches);
