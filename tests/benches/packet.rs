//! Packet build, sign and seal, and open and verify, on a field-sized enrollment: ten 500x500
//! 8-bit prints (PNG), a 600x800 JPEG face, a signature image with pen series, two 640x480 irises.
//!
//! Run: `cargo bench -p rekam-tests --bench packet`. Single-threaded by construction.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rekam_protocol::packet;
use rekam_protocol::{
    RegistryPrivateKey, SignatureAlgorithm, TrustStore, TrustedWorkstation, WorkstationSigningKey,
};
use rekam_sim::sample::{self, SampleOptions};
use ring::rand::SystemRandom;

fn bench(c: &mut Criterion) {
    let rng = SystemRandom::new();
    let registry = RegistryPrivateKey::from_secret([0x42; 32]);
    let template = sample::enrollment(&SampleOptions::realistic(
        1,
        "WS-BENCH-01",
        1_763_890_000_000,
    ));
    for alg in [
        SignatureAlgorithm::Ed25519,
        SignatureAlgorithm::EcdsaP256Sha256,
    ] {
        let (key, _) = WorkstationSigningKey::generate(alg, &rng).expect("key");
        let mut trust = TrustStore::new();
        trust
            .insert(TrustedWorkstation {
                workstation_id: "WS-BENCH-01".into(),
                key: key.public_key().clone(),
            })
            .expect("trust");
        let mut e = template.clone();
        let sealed =
            packet::seal(&mut e, &key, registry.public_key(), [9; 32], &rng).expect("seal");
        let mut group = c.benchmark_group(format!("packet-{}", alg.name()));
        group.throughput(Throughput::Bytes(sealed.bytes.len() as u64));
        group.bench_function("build-sign-seal", |b| {
            b.iter_batched(
                || template.clone(),
                |mut e| {
                    packet::seal(&mut e, &key, registry.public_key(), [9; 32], &rng).expect("seal")
                },
                criterion::BatchSize::LargeInput,
            )
        });
        group.bench_function("open-verify", |b| {
            b.iter(|| packet::open(&sealed.bytes, &registry, &trust).expect("open"))
        });
        group.finish();
        eprintln!(
            "{}: sealed packet {} bytes, {} parts",
            alg.name(),
            sealed.bytes.len(),
            sealed.manifest.parts.len()
        );
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = bench
}
criterion_main!(benches);
