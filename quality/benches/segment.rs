//! Slap segmentation on a 1600x1500, 500 ppi right-four slap from the simulated slap scanner
//! (`ScannerConfig::slap_scanner`), alone and with NIST's NFIQ 2 on each of the four fingertips;
//! and on NIST's 1572x1000 ink-card right slap when the shared data is present.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use rekam_drivers::fingerprint::{CaptureOptions, FingerprintScanner, Slap};
use rekam_protocol::ansi_nist::Transaction;
use rekam_quality::image::GrayImageRef;
use rekam_quality::segment::{SegmentOptions, SlapKind, segment};
use rekam_quality::wsq;
use rekam_sim::devices::{ScannerConfig, SimFingerprintScanner, SimPerson};

const NIST_SLAPS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/data/ansi-nist/type-4-14-slaps.an2"
);

fn simulated_slap() -> (u32, u32, Vec<u8>) {
    let mut scanner = SimFingerprintScanner::new(ScannerConfig {
        placement_delay: Duration::ZERO,
        ..ScannerConfig::slap_scanner(11)
    });
    scanner.set_person(Some(SimPerson::new(11)));
    let slap = scanner
        .capture_slap(
            Slap::RightFour,
            &[],
            &CaptureOptions::with_timeout(Duration::from_secs(5)),
        )
        .expect("simulated slap");
    let img = slap.image;
    (img.width(), img.height(), img.pixels().to_vec())
}

fn nist_right_slap() -> Option<(u32, u32, Vec<u8>)> {
    let data = std::fs::read(NIST_SLAPS).ok()?;
    let tx = Transaction::parse(&data).ok()?;
    let f = tx
        .finger_images()
        .ok()?
        .into_iter()
        .find(|f| f.position == 13)?;
    let img = wsq::decode(f.data).ok()?;
    Some((img.width, img.height, img.pixels))
}

fn bench(c: &mut Criterion) {
    let alone = SegmentOptions {
        nfiq2: false,
        ..SegmentOptions::default()
    };
    let scored = SegmentOptions::default();
    let (w, h, px) = simulated_slap();
    let view = GrayImageRef::new(w, h, &px, 500).expect("valid slap");
    let found = segment(&view, SlapKind::RightFour, &alone).expect("segments");
    assert_eq!(
        found.fingers.len(),
        4,
        "the simulated slap shows four fingers"
    );
    c.bench_function("segment 1600x1500 slap", |b| {
        b.iter(|| segment(black_box(&view), SlapKind::RightFour, &alone))
    });
    c.bench_function("segment 1600x1500 slap + NFIQ 2 per finger", |b| {
        b.iter(|| segment(black_box(&view), SlapKind::RightFour, &scored))
    });
    match nist_right_slap() {
        Some((w, h, px)) => {
            let view = GrayImageRef::new(w, h, &px, 500).expect("valid slap");
            c.bench_function("segment NIST 1572x1000 ink slap", |b| {
                b.iter(|| segment(black_box(&view), SlapKind::RightFour, &alone))
            });
        }
        None => eprintln!("note: {NIST_SLAPS} unavailable; NIST slap bench skipped"),
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = bench
}
criterion_main!(benches);
