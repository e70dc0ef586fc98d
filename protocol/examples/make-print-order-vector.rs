//! Writes the print-order test vector `protocol/tests/vectors/print-order-v1.json` from a fixed
//! registry receipt key (Ed25519) and fixed content.
//!
//! Run: `cargo run -p rekam-protocol --example make-print-order-vector`. Ed25519 signatures are
//! deterministic, so running it again rewrites the same bytes; the `print_order` test checks the
//! file against the code (see SPEC.md section 12).

use std::fs;
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rekam_protocol::iso19794_2::{self, FingerView, IsoMinutia, MinutiaKind, MinutiaeRecord};
use rekam_protocol::model::FingerPosition;
use rekam_protocol::print_order::{Backdrop, CardText, ChipFinger, PrintOrder};
use rekam_protocol::{Timestamp, WorkstationSigningKey};
use rekam_sim::sample;
use rekam_sim::synth::{Gray, Rgb};
use ring::rand::SystemRandom;
use serde_json::json;

const ED25519_PKCS8_V1_PREFIX: [u8; 16] = [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];

fn template(position: FingerPosition, shift: u16) -> Vec<u8> {
    let minutiae = (0..12u16)
        .map(|i| IsoMinutia {
            kind: if i % 3 == 0 {
                MinutiaKind::Bifurcation
            } else {
                MinutiaKind::RidgeEnding
            },
            x: 40 + i * 25 + shift,
            y: 60 + (i * 37) % 300,
            angle: (i * 21 + shift) as u8,
            quality: 40 + (i * 5) as u8,
        })
        .collect();
    iso19794_2::encode(&MinutiaeRecord {
        width: 400,
        height: 500,
        x_ppcm: 197,
        y_ppcm: 197,
        views: vec![FingerView {
            position: position.code(),
            view: 0,
            impression: 0,
            quality: 80,
            minutiae,
        }],
    })
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors");
    let seed: [u8; 32] = core::array::from_fn(|i| 0x5c ^ i as u8);
    let mut der = ED25519_PKCS8_V1_PREFIX.to_vec();
    der.extend_from_slice(&seed);
    let rng = SystemRandom::new();
    let key = WorkstationSigningKey::from_pkcs8_der(&der, &rng)?;
    let photo = sample::jpeg_rgb(&Rgb {
        width: 24,
        height: 32,
        pixels: (0..24 * 32 * 3).map(|i| (i * 7 % 251) as u8).collect(),
    });
    let signature = sample::png_gray(&Gray {
        width: 32,
        height: 12,
        pixels: (0..32 * 12)
            .map(|i| if i % 5 == 0 { 0 } else { 255 })
            .collect(),
    });
    let order = PrintOrder {
        order_id: "PO-3171-000001".into(),
        registry_id: "REG-PUSAT".into(),
        office: "3171-CPT".into(),
        enrollment_id: "0190f0a0-0000-7000-8000-000000000001".into(),
        packet_id: "5d1f8a0e2c4b6d8f0a1c3e5b7d9f1a3c5e7b9d1f3a5c7e9b1d3f5a7c9e1b3d5f".into(),
        issued_at: Timestamp::from_unix_ms(1_796_000_000_000),
        card: CardText {
            province: "DKI JAKARTA".into(),
            regency: "KOTA JAKARTA PUSAT".into(),
            nik: "3171015708900003".into(),
            name: "SITI RAHMAWATI".into(),
            place_of_birth: "JAKARTA".into(),
            date_of_birth: "17-08-1990".into(),
            sex: "PEREMPUAN".into(),
            blood_type: "O".into(),
            address: "JL. KRAMAT RAYA NO. 5".into(),
            rt_rw: "001/012".into(),
            village: "KENARI".into(),
            district: "SENEN".into(),
            religion: "ISLAM".into(),
            marital_status: "KAWIN".into(),
            occupation: "GURU".into(),
            citizenship: "WNI".into(),
            valid_until: "SEUMUR HIDUP".into(),
            issue_place: "KOTA JAKARTA PUSAT".into(),
            issue_date: "30-11-2026".into(),
        },
        backdrop: Backdrop::Blue,
        photo: STANDARD.encode(&photo),
        signature: STANDARD.encode(&signature),
        chip_fingers: [
            ChipFinger {
                position: FingerPosition::RIGHT_INDEX,
                template: STANDARD.encode(template(FingerPosition::RIGHT_INDEX, 0)),
            },
            ChipFinger {
                position: FingerPosition::LEFT_INDEX,
                template: STANDARD.encode(template(FingerPosition::LEFT_INDEX, 3)),
            },
        ],
    };
    order.validate()?;
    let signed = order.sign(&key, &rng)?;
    let vector = json!({
        "description": "A print order signed with a fixed Ed25519 receipt key; see SPEC.md section 12. `order` holds the exact bytes served (compact JSON).",
        "registry_id": "REG-PUSAT",
        "office": "3171-CPT",
        "registry_ed25519_seed": hex::encode(seed),
        "registry_pkcs8_der": hex::encode(&der),
        "registry_public_key": hex::encode(key.public_key().raw()),
        "registry_key_id": key.public_key().key_id().to_string(),
        "order": String::from_utf8(signed.to_json())?,
    });
    fs::write(
        dir.join("print-order-v1.json"),
        serde_json::to_string_pretty(&vector)? + "\n",
    )?;
    Ok(())
}
