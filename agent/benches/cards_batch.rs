//! A batch of 50 print orders through the simulated printer and encoder: for each card the blank
//! taken (`printing`), the print job built at full panel size (1016x648), the chip written and
//! read back, the job sent and watched until the card is out, and the card recorded printed with
//! its signed report; on a file-backed store (WAL, synchronous FULL: every step fsynced). The
//! simulated printer takes no time per card, so this is rekam's own cost (a real printer needs
//! about 20 s a card).
//!
//! Run: `cargo bench -p rekam-agent --bench cards_batch`.

#[path = "../tests/cards_support/mod.rs"]
mod cards_support;

use std::sync::Arc;
use std::time::Duration;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use rekam_agent::config::Config;
use rekam_agent::devices::{DeviceManager, shared_sim_encoder, shared_sim_printer, simulated_kit};
use rekam_agent::office::printing::PrintOutcome;
use rekam_agent::service::Agent;
use rekam_agent::store::cards::CardBatch;
use rekam_agent::store::{StorageKey, Store};
use rekam_protocol::{RegistryPrivateKey, SignatureAlgorithm, WorkstationSigningKey};
use rekam_sim::devices::{PrinterConfig, SimCardPrinter};
use rekam_sim::encoder::SimCardEncoder;
use ring::rand::SystemRandom;

const ORDERS: u32 = 50;

/// An agent on a fresh file store with 50 orders waiting and 100 blanks.
fn desk(dir: &std::path::Path) -> (Agent, Vec<String>) {
    let rng = SystemRandom::new();
    let (key, _) = WorkstationSigningKey::generate(SignatureAlgorithm::Ed25519, &rng).expect("key");
    let registry = RegistryPrivateKey::generate(&rng).expect("registry");
    let mut store = Store::open_with_key(
        &dir.join("agent.db"),
        Arc::new(StorageKey::ephemeral().expect("storage key")),
    )
    .expect("store");
    for n in 1..=ORDERS {
        store
            .put_print_order(&cards_support::order(n), cards_support::T0)
            .expect("order");
    }
    store
        .receive_card_batch(
            &CardBatch {
                batch_id: "B-1".into(),
                prefix: "KTP-2026A-".into(),
                first: 1,
                last: 100,
            },
            "op1",
            cards_support::T0,
        )
        .expect("batch");
    let mut p = PrinterConfig::evolis_like(1);
    p.job_time = Duration::ZERO;
    let (printer, _) = shared_sim_printer(SimCardPrinter::new(p));
    let (encoder, _) = shared_sim_encoder(SimCardEncoder::new(1));
    let (f, c, pad, _) = simulated_kit(1, false, false);
    let devices = DeviceManager::new(f, c, pad, None, Duration::from_secs(10))
        .with_printer(printer)
        .with_encoder(encoder);
    let mut config = Config::default();
    config.devices.realtime = false;
    let agent = Agent::new(config, store, devices, key, *registry.public_key());
    (agent, cards_support::ids(ORDERS))
}

fn batch(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let mut g = c.benchmark_group("cards_batch");
    g.sample_size(10);
    g.bench_function(
        "50 orders, simulated printer and encoder, file store",
        |b| {
            b.iter_batched(
                || {
                    let dir = tempfile::tempdir().expect("dir");
                    let (agent, ids) = desk(dir.path());
                    (dir, agent, ids)
                },
                |(dir, agent, ids)| {
                    let results = rt
                        .block_on(agent.print_orders_now(&ids, "op1"))
                        .expect("print");
                    assert!(
                        results
                            .iter()
                            .all(|r| matches!(r.outcome, PrintOutcome::Printed { .. })),
                        "every card printed"
                    );
                    (dir, agent)
                },
                BatchSize::PerIteration,
            )
        },
    );
    g.finish();
}

criterion_group!(benches, batch);
criterion_main!(benches);
