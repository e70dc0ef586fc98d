//! RCAPTURE of a four-finger slap from the simulated SBI service to decoded records: the
//! service captures the simulated slap, segments it, scores and WSQ-compresses each finger and
//! signs the entries; the client checks signatures and hash chain and decodes the four
//! ISO/IEC 19794-4 records into images. Both ends run in this process over loopback HTTP.
//!
//! Run: `cargo bench -p rekam-agent --bench sbi_rcapture`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use rekam_agent::devices::{DeviceManager, simulated_kit};
use rekam_agent::sbi::device::{SbiClass, SbiDevice, SbiSetting};
use rekam_agent::sbi::keys;
use rekam_agent::sbi::records;
use rekam_agent::sbi::server::{SbiConfig, SbiService, serve};
use rekam_drivers::CancelToken;
use rekam_drivers::fingerprint::CaptureOptions;
use rekam_protocol::sbi::{BioRequest, BioType, DeviceSigner, Env, Score, TrustAnchors};

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let (key, cert) =
        keys::generate("bench device", time::OffsetDateTime::now_utc()).expect("keys");
    let mut anchors = TrustAnchors::new();
    anchors.add_der(cert.clone()).expect("anchor");
    let port = rt.block_on(async {
        let (f, cam, pad, iris) = simulated_kit(5, false, false);
        let devices = DeviceManager::new(f, cam, pad, iris, Duration::from_secs(60));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let (tx, closing) = tokio::sync::watch::channel(false);
        let service = SbiService::new(
            devices,
            SbiConfig {
                port,
                env: Env::Developer,
                signer: Some(DeviceSigner::new(&key, vec![cert]).expect("signer")),
            },
            closing,
        );
        service.open_devices().await;
        tokio::spawn(async move {
            let _keep = tx;
            serve(service, listener, std::future::pending()).await
        });
        port
    });
    let setting = SbiSetting {
        port: Some(port),
        anchors,
        timeout: Duration::from_secs(60),
    };
    let device = rt
        .block_on(rt.spawn_blocking(move || SbiDevice::open(SbiClass::Finger, &setting)))
        .expect("join")
        .expect("the simulated SBI scanner opens");
    let device = Arc::new(Mutex::new(device));
    let mut group = c.benchmark_group("sbi");
    group.sample_size(10);
    group.bench_function("sbi-rcapture-left-slap-4-fingers-to-decoded-records", |b| {
        b.iter(|| {
            let d = device.clone();
            let images = rt
                .block_on(rt.spawn_blocking(move || {
                    let mut d = d.lock().expect("device");
                    let entries = d.rcapture(
                        BioRequest {
                            bio_type: BioType::Finger,
                            count: 4,
                            bio_sub_type: Vec::new(),
                            exception: Vec::new(),
                            requested_score: Score::new(40.0).expect("score"),
                            device_id: String::new(),
                            device_sub_id: 1,
                            previous_hash: String::new(),
                        },
                        &CaptureOptions {
                            timeout: Duration::from_secs(60),
                            cancel: CancelToken::new(),
                        },
                    )?;
                    Ok::<_, rekam_agent::devices::DeviceFailure>(
                        entries
                            .into_iter()
                            .filter_map(Result::ok)
                            .map(|e| records::finger(&e.record).expect("a record that decodes"))
                            .collect::<Vec<_>>(),
                    )
                }))
                .expect("join")
                .expect("RCAPTURE");
            assert_eq!(images.len(), 4);
            images
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
