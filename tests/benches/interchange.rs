//! Interchange formats of a field-sized enrollment (ten 500x500 prints, a 600x800 face, two
//! 640x480 irises, as `rekam_sim::sample::SampleOptions::realistic` makes them): CBEFF of ISO/IEC
//! 19794:2011 records written and read back with every record parsed, and the ANSI/NIST-ITL
//! transaction written and read back.
//!
//! Run: `cargo bench -p rekam-tests --bench interchange`. Single-threaded by construction.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rekam_protocol::Timestamp;
use rekam_protocol::ansi_nist::Transaction;
use rekam_protocol::ansi_nist::enrollment::{self as an2, ExportContext};
use rekam_protocol::cbeff::{self, Cbeff};
use rekam_sim::sample::{self, SampleOptions};

fn bench(c: &mut Criterion) {
    let e = sample::enrollment(&SampleOptions::realistic(
        1,
        "WS-BENCH-01",
        1_763_890_000_000,
    ));
    let now = Timestamp::from_unix_ms(1_763_890_000_000);

    let xml = cbeff::enrollment_bir(&e.biometrics, now)
        .expect("bir")
        .to_xml()
        .expect("xml");
    let mut group = c.benchmark_group("cbeff");
    group.throughput(Throughput::Bytes(xml.len() as u64));
    group.bench_function("encode", |b| {
        b.iter(|| {
            cbeff::enrollment_bir(&e.biometrics, now)
                .expect("bir")
                .to_xml()
                .expect("xml")
        })
    });
    group.bench_function("decode-every-record", |b| {
        b.iter(|| {
            let doc = Cbeff::parse(xml.as_bytes()).expect("parse");
            let records: Vec<_> = doc
                .birs
                .iter()
                .filter(|bir| bir.bdb.is_some())
                .map(|bir| bir.record().expect("record"))
                .collect();
            records
        })
    });
    group.finish();

    let ctx = ExportContext {
        created: now,
        originating_agency: "3171".into(),
        destination_agency: "DUKCAPIL".into(),
    };
    let bytes = an2::encode(&e, &ctx, None).expect("an2");
    let mut group = c.benchmark_group("ansi-nist");
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    group.bench_function("encode", |b| {
        b.iter(|| an2::encode(&e, &ctx, None).expect("an2"))
    });
    group.bench_function("decode", |b| {
        b.iter(|| Transaction::parse(&bytes).expect("parse").records.len())
    });
    group.finish();
    eprintln!(
        "cbeff: {} bytes of XML, {} BIRs; an2: {} bytes",
        xml.len(),
        Cbeff::parse(xml.as_bytes()).expect("parse").birs.len(),
        bytes.len()
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
