//! Speed of the duplicate-finger matcher (Minutia Cylinder-Code): building a template of 40
//! minutiae, one comparison of two 40-minutia templates, and the within-enrollment duplicate
//! check of a new finger against nine stored ones. Templates are FingerJet FX minutiae of
//! simulated impressions, the 40 best of each.
//!
//! Run: `cargo bench -p rekam-quality --bench matching`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use rekam_drivers::fingerprint::Finger;
use rekam_quality::matching::{Template, compare};
use rekam_quality::minutiae::{self, Minutia};
use rekam_sim::prints::dataset::{finger_master, impression, subject_seed};
use rekam_sim::prints::{Condition, MasterSize};

const SEED: u64 = 99;

/// The 40 best minutiae of impression `i` of `finger` of one simulated person.
fn minutiae_of(finger: Finger, i: u32) -> Vec<Minutia> {
    let master = finger_master(subject_seed(SEED, 1), finger, MasterSize::STANDARD);
    let g = impression(SEED, &master, 1, finger, i, Condition::Good);
    let mut m = minutiae::extract_unchecked(&g.pixels, g.width, g.height, 500)
        .expect("a simulated print extracts")
        .minutiae;
    m.truncate(40);
    m
}

fn bench(c: &mut Criterion) {
    let first = minutiae_of(Finger::RightIndex, 1);
    let second = minutiae_of(Finger::RightIndex, 2);
    c.bench_function("matching/template 40 minutiae", |b| {
        b.iter(|| Template::new(black_box(&first)))
    });
    let (a, b2) = (Template::new(&first), Template::new(&second));
    c.bench_function("matching/compare 40 x 40", |b| {
        b.iter(|| compare(black_box(&a), black_box(&b2)))
    });
    let stored: Vec<Template> = Finger::ALL[..9]
        .iter()
        .map(|&f| Template::new(&minutiae_of(f, 1)))
        .collect();
    let new = Template::new(&minutiae_of(Finger::LeftLittle, 2));
    c.bench_function("matching/duplicate check 1 vs 9", |b| {
        b.iter(|| {
            stored
                .iter()
                .map(|t| compare(black_box(&new), t))
                .fold(0.0, f64::max)
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = bench
}
criterion_main!(benches);
