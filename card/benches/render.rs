//! Card render speed: the front rasterised at 300 dpi (1016 x 648) from its fields, a 300 x 400
//! JPEG photo and a signature, with the panel separation (colour, 1-bit K, overlay) — the work
//! done for every card printed (target <= 100 ms) — and the PNG encoding of the image.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use rekam_card::{Backdrop, CardFields, CardInput, Signature, path_from_pen, render_card};

fn photo() -> Vec<u8> {
    let (w, h) = (300u16, 400u16);
    let px: Vec<u8> = (0..u32::from(w) * u32::from(h))
        .flat_map(|i| [(i % 251) as u8, (i / 300 % 256) as u8, 180])
        .collect();
    let mut out = Vec::new();
    jpeg_encoder::Encoder::new(&mut out, 85)
        .encode(&px, w, h, jpeg_encoder::ColorType::Rgb)
        .expect("encodes");
    out
}

fn input() -> CardInput {
    CardInput {
        fields: CardFields {
            province: "JAWA BARAT".into(),
            regency: "KABUPATEN BANDUNG".into(),
            nik: "3204015708900001".into(),
            name: "SITI NURHALIZA PUTRI RAHAYU".into(),
            place_of_birth: "BANDUNG".into(),
            date_of_birth: "17-08-1990".into(),
            sex: "PEREMPUAN".into(),
            blood_type: "AB".into(),
            address: "JALAN PANGERAN DIPONEGORO GANG MAWAR MERAH NOMOR 128".into(),
            rt_rw: "001/002".into(),
            village: "CIBEUNYING".into(),
            district: "CIMENYAN".into(),
            religion: "ISLAM".into(),
            marital_status: "KAWIN".into(),
            occupation: "PETANI/PEKEBUN".into(),
            citizenship: "WNI".into(),
            valid_until: "SEUMUR HIDUP".into(),
            issue_place: "KAB. BANDUNG".into(),
            issue_date: "02-12-2026".into(),
        },
        photo: Some(photo()),
        signature: Signature::Path {
            d: path_from_pen(
                &[(20, 80, 1), (80, 20, 1), (140, 90, 1), (300, 70, 1)],
                true,
            ),
            width: 320.0,
            height: 100.0,
        },
        backdrop: Backdrop::Red,
    }
}

fn bench(c: &mut Criterion) {
    let input = input();
    c.bench_function("render_card + panels (1016x648, 300 dpi)", |b| {
        b.iter(|| black_box(render_card(black_box(&input)).expect("renders")))
    });
    let card = render_card(&input).expect("renders");
    c.bench_function("card image to PNG", |b| {
        b.iter(|| black_box(card.image.to_png().expect("encodes")))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
