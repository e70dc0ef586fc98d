//! `rekam card render` through the real binary: from a sealed sample packet and from a signed
//! print order, the card and its three panels as 1016x648 PNGs, the same bytes twice, an order's
//! signature checked only when asked, and one-line refusals naming the file.

use std::fs;
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rekam_protocol::iso19794_2::{self, FingerView, IsoMinutia, MinutiaKind, MinutiaeRecord};
use rekam_protocol::keys::{SignatureAlgorithm, WorkstationSigningKey};
use rekam_protocol::model::FingerPosition;
use rekam_protocol::print_order::{Backdrop, CardText, ChipFinger, PrintOrder};
use rekam_protocol::receipt::TrustedRegistry;
use rekam_protocol::timefmt::Timestamp;
use ring::rand::SystemRandom;

mod cli_support;
use cli_support::{fails, ok, p};

/// Width and height of a PNG file.
fn png_size(path: &Path) -> (u32, u32) {
    let decoder = png::Decoder::new(fs::File::open(path).expect("png file"));
    let info = decoder.read_info().expect("a PNG");
    (info.info().width, info.info().height)
}

#[test]
fn a_card_renders_from_a_sealed_packet_with_its_panels_the_same_every_time() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let d = tmp.path();
    ok(&[
        "keys",
        "workstation-new",
        "--out",
        p(&d.join("ws")),
        "--id",
        "ws-01",
    ]);
    ok(&["keys", "registry-new", "--out", p(&d.join("reg"))]);
    let packet = d.join("p.rekam");
    let sealed = ok(&[
        "packet",
        "sample",
        "--workstation-key",
        p(&d.join("ws/workstation.key")),
        "--registry-pub",
        p(&d.join("reg/registry.pub")),
        "--out",
        p(&packet),
        "--seed",
        "3",
    ]);
    let nik = sealed
        .split('(')
        .nth(1)
        .and_then(|s| s.split(')').next())
        .expect("the sample's NIK");
    let render = |out: &Path, panels: &Path| {
        ok(&[
            "card",
            "render",
            "--packet",
            p(&packet),
            "--registry-key",
            p(&d.join("reg/registry.key")),
            "--trust",
            p(&d.join("ws")),
            "--issue-date",
            "02-12-2026",
            "--out",
            p(out),
            "--panels",
            p(panels),
        ])
    };
    let said = render(&d.join("card.png"), &d.join("panels"));
    assert!(said.contains(nik), "{said}");
    for file in [
        "card.png",
        "panels/colour.png",
        "panels/black.png",
        "panels/overlay.png",
    ] {
        assert_eq!(png_size(&d.join(file)), (1016, 648), "{file}");
    }
    // Rendering again replaces the files with the same bytes.
    let first = fs::read(d.join("card.png")).expect("card");
    let black = fs::read(d.join("panels/black.png")).expect("black");
    render(&d.join("card.png"), &d.join("panels"));
    assert_eq!(fs::read(d.join("card.png")).expect("card"), first);
    assert_eq!(fs::read(d.join("panels/black.png")).expect("black"), black);
    // No temporary file is left beside them.
    let names: Vec<String> = fs::read_dir(d.join("panels"))
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 3, "{names:?}");

    let err = fails(&[
        "card",
        "render",
        "--packet",
        p(&packet),
        "--registry-key",
        p(&d.join("reg/registry.key")),
        "--trust",
        p(&d.join("ws")),
        "--issue-date",
        "31-02-2026",
        "--out",
        p(&d.join("x.png")),
    ]);
    assert!(err.contains("--issue-date \"31-02-2026\""), "{err}");
    assert!(!d.join("x.png").exists());
}

fn jpeg() -> Vec<u8> {
    let px: Vec<u8> = (0..240u32 * 320)
        .flat_map(|i| [(i % 240) as u8, (i / 240 % 256) as u8, 90])
        .collect();
    let mut out = Vec::new();
    jpeg_encoder::Encoder::new(&mut out, 85)
        .encode(&px, 240, 320, jpeg_encoder::ColorType::Rgb)
        .expect("encodes");
    out
}

fn png_signature() -> Vec<u8> {
    let (w, h) = (160u32, 50u32);
    let px: Vec<u8> = (0..w * h)
        .map(|i| if (i % w) * h / w == i / w { 0 } else { 255 })
        .collect();
    let mut out = Vec::new();
    let mut e = png::Encoder::new(&mut out, w, h);
    e.set_color(png::ColorType::Grayscale);
    e.set_depth(png::BitDepth::Eight);
    let mut writer = e.write_header().expect("header");
    writer.write_image_data(&px).expect("data");
    writer.finish().expect("finish");
    out
}

fn template(position: u8) -> String {
    STANDARD.encode(iso19794_2::encode(&MinutiaeRecord {
        width: 400,
        height: 500,
        x_ppcm: 197,
        y_ppcm: 197,
        views: vec![FingerView {
            position,
            view: 0,
            impression: 0,
            quality: 80,
            minutiae: vec![IsoMinutia {
                kind: MinutiaKind::Bifurcation,
                x: 200,
                y: 210,
                angle: 64,
                quality: 60,
            }],
        }],
    }))
}

fn order() -> PrintOrder {
    PrintOrder {
        order_id: "PO-7".into(),
        registry_id: "reg-1".into(),
        office: "3204".into(),
        enrollment_id: "enr-7".into(),
        packet_id: "cd".repeat(32),
        issued_at: Timestamp::from_unix_ms(1_796_000_000_000),
        card: CardText {
            province: "JAWA BARAT".into(),
            regency: "KABUPATEN BANDUNG".into(),
            nik: "3204011708900001".into(),
            name: "BUDI SANTOSO".into(),
            place_of_birth: "BANDUNG".into(),
            date_of_birth: "17-08-1990".into(),
            sex: "LAKI-LAKI".into(),
            blood_type: "O".into(),
            address: "JL. MERDEKA NO. 1".into(),
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
        backdrop: Backdrop::Blue,
        photo: STANDARD.encode(jpeg()),
        signature: STANDARD.encode(png_signature()),
        chip_fingers: [
            ChipFinger {
                position: FingerPosition::RIGHT_INDEX,
                template: template(2),
            },
            ChipFinger {
                position: FingerPosition::LEFT_INDEX,
                template: template(7),
            },
        ],
    }
}

#[test]
fn a_card_renders_from_a_print_order_whose_signature_is_checked_only_when_asked() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let d = tmp.path();
    let rng = SystemRandom::new();
    let (key, _) = WorkstationSigningKey::generate(SignatureAlgorithm::Ed25519, &rng).expect("key");
    let trusted = TrustedRegistry {
        registry_id: "reg-1".into(),
        key: key.public_key().clone(),
    };
    fs::write(d.join("receipt.pub"), trusted.to_text()).expect("pub");
    let signed = order().sign(&key, &rng).expect("signs");
    fs::write(d.join("order.json"), signed.to_json()).expect("order");
    let out = d.join("card.png");
    let order_file = d.join("order.json");
    let render = |extra: &[&str]| {
        let mut args = vec![
            "card",
            "render",
            "--order",
            p(&order_file),
            "--out",
            p(&out),
        ];
        args.extend_from_slice(extra);
        args.iter().map(|s| s.to_string()).collect::<Vec<_>>()
    };
    let run = |args: Vec<String>| ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let said = run(render(&[]));
    assert!(
        said.contains("PO-7") && said.contains("signature not checked"),
        "{said}"
    );
    assert_eq!(png_size(&out), (1016, 648));
    let pubkey = d.join("receipt.pub");
    let said = run(render(&["--registry-pub", p(&pubkey), "--office", "3204"]));
    assert!(said.contains("signature verified"), "{said}");

    // Another office, or a name changed after signing, is refused when checked.
    let args = render(&["--registry-pub", p(&pubkey), "--office", "3273"]);
    let err = fails(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(
        err.contains("order.json rejected") && err.contains("3273"),
        "{err}"
    );
    let mut forged = signed.clone();
    forged.print_order.card.name = "CALO PERANTARA".into();
    fs::write(d.join("order.json"), forged.to_json()).expect("forged");
    let args = render(&["--registry-pub", p(&pubkey), "--office", "3204"]);
    let err = fails(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(err.contains("does not verify"), "{err}");

    // An order whose photo is not a JPEG names the file and the field, and writes nothing.
    let mut bad = order();
    bad.photo = STANDARD.encode(png_signature());
    fs::write(
        d.join("order.json"),
        bad.sign(&key, &rng).expect("signs").to_json(),
    )
    .expect("bad");
    let other = d.join("other.png");
    let err = fails(&[
        "card",
        "render",
        "--order",
        p(&d.join("order.json")),
        "--out",
        p(&other),
    ]);
    assert!(
        err.contains("order.json") && err.contains("print_order.photo"),
        "{err}"
    );
    assert!(!other.exists());
    let err = fails(&[
        "card",
        "render",
        "--order",
        p(&d.join("missing.json")),
        "--out",
        p(&other),
    ]);
    assert!(err.contains("missing.json"), "{err}");
}
