//! SBI discovery of the whole 127.0.0.1:4501-4600 range when no device service listens, the
//! case a workstation with only native drivers meets at every start (MOSIP's registration
//! client probes the ports one by one with 5 s timeouts).
//!
//! Run: `cargo bench -p rekam-agent --bench sbi_discovery` (nothing may listen on 4501-4600).

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use rekam_agent::sbi::client::{PORTS, discover};
use rekam_protocol::sbi::DiscoverType;

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let client = reqwest::Client::new();
    c.bench_function("sbi-discover-empty-4501-4600", |b| {
        b.iter(|| {
            let found = rt.block_on(discover(
                &client,
                PORTS,
                DiscoverType::BiometricDevice,
                Duration::from_millis(500),
            ));
            assert!(found.is_empty(), "a service listens on {found:?}");
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
