//! Interchange formats of a field-sized enrollment (ten 500x500 prints, a 600x800 face, two
//! 640x480 irises, as `rekam_sim::sample::SampleOptions::realistic` makes them): CBEFF of ISO/IEC
//! 19794:2011 records written and read back with every record parsed, and the ANSI/NIST-ITL
//! transaction written and read back. Also rekam's lossless JPEG 2000 encoder on a 500 ppi
//! four-finger slap (1600x1500 gray, four of the sample's prints side by side) and on the face.
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

/// Lossless JPEG 2000 of a four-finger slap and of the face.
fn jpeg2000(c: &mut Criterion) {
    use rekam_jpeg2000::{Colour, encode_jp2};
    use rekam_protocol::model::{FingerRecord, ImageEncoding};

    let e = sample::enrollment(&SampleOptions::realistic(
        1,
        "WS-BENCH-01",
        1_763_890_000_000,
    ));
    // A 3.2 x 3.0 inch slap platen at 500 ppi, white, with four prints across it.
    let (sw, sh) = (1600usize, 1500usize);
    let mut slap = vec![255u8; sw * sh];
    let prints = e.biometrics.fingers.iter().filter_map(|f| match &f.record {
        FingerRecord::Captured(c) => Some(c),
        FingerRecord::Exception(_) => None,
    });
    for (i, f) in prints.take(4).enumerate() {
        let (pw, ph, pixels) = match f.image.encoding {
            ImageEncoding::Wsq => {
                let print = rekam_quality::wsq::decode(f.image.data.bytes()).expect("sample WSQ");
                (print.width, print.height, print.pixels)
            }
            _ => rekam_tests::png_gray(f.image.data.bytes()),
        };
        let (pw, ph) = (pw as usize, ph as usize);
        let (x0, y0) = (i * 400, 300);
        for y in 0..ph.min(sh - y0) {
            for x in 0..pw.min(400) {
                slap[(y0 + y) * sw + x0 + x] = pixels[y * pw + x];
            }
        }
    }
    let face = &e.biometrics.face.image;
    let mut dec = jpeg_decoder::Decoder::new(face.data.bytes());
    let face_rgb = dec.decode().expect("sample face JPEG");
    let (fw, fh) = (face.width, face.height);

    let mut group = c.benchmark_group("jpeg2000-lossless");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(slap.len() as u64));
    group.bench_function("slap-1600x1500-gray", |b| {
        b.iter(|| encode_jp2(sw as u32, sh as u32, Colour::Grey, &slap).expect("jp2"))
    });
    group.throughput(Throughput::Bytes(face_rgb.len() as u64));
    group.bench_function("face-rgb", |b| {
        b.iter(|| encode_jp2(fw, fh, Colour::Rgb, &face_rgb).expect("jp2"))
    });
    group.finish();
    let slap_jp2 = encode_jp2(sw as u32, sh as u32, Colour::Grey, &slap).expect("jp2");
    let face_jp2 = encode_jp2(fw, fh, Colour::Rgb, &face_rgb).expect("jp2");
    eprintln!(
        "jpeg2000: slap {} -> {} bytes; face {fw}x{fh} {} -> {} bytes",
        slap.len(),
        slap_jp2.len(),
        face_rgb.len(),
        face_jp2.len()
    );
}

criterion_group!(benches, bench, jpeg2000);
criterion_main!(benches);
