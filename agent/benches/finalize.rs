//! Finalize latency: from a reviewed session (last capture accepted) to the sealed packet durable
//! in the outbox of a file-backed database (WAL, synchronous FULL, so each commit is fsynced).
//! Field-sized enrollment: ten 500x500 prints, 600x800 face, signature, two 640x480 irises.
//!
//! Run: `cargo bench -p rekam-agent --bench finalize`.

use criterion::{Criterion, criterion_group, criterion_main};
use rekam_agent::finalize::finalize;
use rekam_agent::store::{StorageKey, Store};
use rekam_agent::workflow::{Eye, Policy, Session};
use rekam_protocol::model::FingerPosition;
use rekam_protocol::{RegistryPrivateKey, SignatureAlgorithm, Timestamp, WorkstationSigningKey};
use rekam_sim::sample::{self, SampleOptions};
use ring::rand::SystemRandom;
use time::macros::date;

fn reviewed(seed: u64) -> Session {
    let src = sample::enrollment(&SampleOptions::realistic(
        seed,
        "WS-1",
        1_763_890_000_000 + seed as i64,
    ));
    let mut a = src.applicant.clone();
    a.marital_status = rekam_protocol::model::MaritalStatus::Kawin;
    let policy = Policy {
        irises: true,
        face_gate: 0,
        finger_gate: 0,
        iris_gate: 0,
        ..Policy::default()
    };
    let mut s = Session::start(
        src.id,
        a,
        src.context.clone(),
        policy,
        date!(2026 - 11 - 23),
    )
    .expect("start");
    s.submit_face(src.biometrics.face.clone()).expect("face");
    s.resident_approves_face(true).expect("approve");
    s.submit_signature(src.biometrics.signature.clone())
        .expect("signature");
    for p in FingerPosition::all() {
        s.submit_finger(p, src.biometrics.finger(p).expect("finger").clone())
            .expect("finger");
    }
    s.submit_iris(Eye::Left, src.biometrics.irises.left.clone().expect("left"))
        .expect("iris");
    s.submit_iris(
        Eye::Right,
        src.biometrics.irises.right.clone().expect("right"),
    )
    .expect("iris");
    s
}

fn bench(c: &mut Criterion) {
    let rng = SystemRandom::new();
    let (key, _) = WorkstationSigningKey::generate(SignatureAlgorithm::Ed25519, &rng).expect("key");
    let registry = RegistryPrivateKey::from_secret([3; 32]);
    let dir = tempfile::tempdir().expect("tempdir");
    // As the daemon opens it: sealed under a storage key (finalizing also truncates the WAL).
    let mut store = Store::open_with_key(
        &dir.path().join("rekam.db"),
        std::sync::Arc::new(StorageKey::ephemeral().expect("storage key")),
    )
    .expect("store");
    let sessions: Vec<Session> = (0..8).map(reviewed).collect();
    let mut n = 0u64;
    c.bench_function("finalize-to-durable-outbox", |b| {
        b.iter_batched(
            || {
                // Each iteration needs a fresh enrollment id: the outbox queues an enrollment once.
                n += 1;
                let mut s = sessions[(n % 8) as usize].clone();
                s.id = rekam_protocol::EnrollmentId::new(1_763_890_000_000 + n, [n as u8; 10]);
                s
            },
            |s| {
                finalize(
                    &mut store,
                    &s,
                    &key,
                    registry.public_key(),
                    5 << 20,
                    "OP-1",
                    Timestamp::from_unix_ms(1_763_890_700_000),
                    &rng,
                )
                .expect("finalize")
            },
            criterion::BatchSize::SmallInput,
        )
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
