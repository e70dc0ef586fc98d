//! Speed of the SFinGe-style print generator: a master print (generated once per finger and
//! cached) and one impression of it (the per-capture cost, target at most 20 ms at 500 ppi).
//!
//! Run: `cargo bench -p rekam-sim --bench prints`.

use criterion::{Criterion, criterion_group, criterion_main};
use rekam_sim::prints::{Condition, ImpressionParams, Master, MasterSize, Pose, render};
use rekam_sim::rng::SimRng;

fn master(c: &mut Criterion) {
    let mut seed = 0u64;
    c.bench_function("prints/master 416x560", |b| {
        b.iter(|| {
            seed += 1;
            Master::generate(seed, MasterSize::STANDARD)
        })
    });
}

fn impression(c: &mut Criterion) {
    let master = Master::generate(7, MasterSize::STANDARD);
    for condition in [Condition::Good, Condition::Dry, Condition::Noisy] {
        let mut n = 0u64;
        c.bench_function(
            &format!("prints/impression 416x560 {}", condition.name()),
            |b| {
                b.iter(|| {
                    n += 1;
                    let mut rng = SimRng::new(n);
                    let params = ImpressionParams::sample(&master, condition, &mut rng);
                    let pose = Pose::jittered(416, 560, &mut rng);
                    render(&master, &params, pose, 416, 560)
                })
            },
        );
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = master, impression
}
criterion_main!(benches);
