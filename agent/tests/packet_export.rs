//! `rekam packet export`, through the real binary: a sample packet's enrollment is written as an
//! ANSI/NIST-ITL 1-2011 transaction, or as CBEFF XML of ISO/IEC 19794 records, that rekam's readers
//! read with every capture in it (the same image bytes `rekam packet open` exports); an existing
//! file is never replaced, and a packet that does not open writes nothing.

use std::fs;
use std::path::Path;
use std::process::Output;

use rekam_protocol::ansi_nist::Transaction;

mod cli_support;
use cli_support::{ok, p, rekam};

/// Keys in `d/ws` and `d/reg` and a sample packet `d/e.rkp`.
fn setup(d: &Path) -> std::path::PathBuf {
    ok(&[
        "keys",
        "workstation-new",
        "--out",
        p(&d.join("ws")),
        "--id",
        "WS-3171-01",
    ]);
    ok(&["keys", "registry-new", "--out", p(&d.join("reg"))]);
    let pkt = d.join("e.rkp");
    ok(&[
        "packet",
        "sample",
        "--workstation-key",
        p(&d.join("ws/workstation.key")),
        "--registry-pub",
        p(&d.join("reg/registry.pub")),
        "--out",
        p(&pkt),
    ]);
    pkt
}

fn export(d: &Path, pkt: &Path, out: &Path, key: &str) -> Output {
    export_as(d, pkt, out, key, "an2")
}

fn export_as(d: &Path, pkt: &Path, out: &Path, key: &str, format: &str) -> Output {
    export_with(d, pkt, out, key, format, &[])
}

fn export_with(
    d: &Path,
    pkt: &Path,
    out: &Path,
    key: &str,
    format: &str,
    extra: &[&str],
) -> Output {
    let (key, ws) = (d.join(key), d.join("ws"));
    let mut args = vec![
        "packet",
        "export",
        "--registry-key",
        p(&key),
        "--trust",
        p(&ws),
        p(pkt),
        "--format",
        format,
        "--out",
        p(out),
        "--destination-agency",
        "DUKCAPIL-PUSAT",
    ];
    args.extend_from_slice(extra);
    rekam(&args)
}

#[test]
fn an_exported_packet_reads_back_with_every_capture() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let d = tmp.path();
    let pkt = setup(d);
    let an2 = d.join("e.an2");
    let out = export(d, &pkt, &an2, "reg/registry.key");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("as an2"));

    let opened: serde_json::Value = serde_json::from_str(&ok(&[
        "packet",
        "open",
        "--registry-key",
        p(&d.join("reg/registry.key")),
        "--trust",
        p(&d.join("ws")),
        p(&pkt),
        "--out",
        p(&d.join("parts")),
        "--json",
    ]))
    .expect("json");
    let e = &opened["enrollment"];

    let bytes = fs::read(&an2).expect("written");
    let tx = Transaction::parse(&bytes).expect("rekam's reader reads the export");
    let types: Vec<u8> = tx.records.iter().map(|r| r.record_type()).collect();
    let count = |t: u8| types.iter().filter(|&&x| x == t).count();
    assert_eq!(
        (
            count(1),
            count(2),
            count(10),
            count(14),
            count(17),
            count(8)
        ),
        (1, 1, 1, 10, 2, 1),
        "{types:?}"
    );
    let t1 = &tx.records[0];
    assert_eq!(t1.text(2).as_deref(), Some("0500"));
    assert_eq!(t1.text(7).as_deref(), Some("DUKCAPIL-PUSAT"));
    assert_eq!(
        t1.text(8).as_deref(),
        e["context"]["site_code"].as_str(),
        "ORI defaults to the site code"
    );
    assert_eq!(t1.text(9).as_deref(), e["id"].as_str());
    assert_eq!(
        tx.records[1].text(101).as_deref(),
        e["applicant"]["nik"].as_str()
    );

    let part = |name: &str| fs::read(d.join("parts").join(name)).expect(name);
    let fingers = tx.finger_images().expect("finger images");
    assert_eq!(fingers.len(), 10);
    for (f, entry) in fingers
        .iter()
        .zip(e["biometrics"]["fingers"].as_array().expect("fingers"))
    {
        let captured = &entry["record"]["captured"];
        assert_eq!(
            u64::from(f.position),
            entry["position"].as_u64().expect("position")
        );
        assert_eq!(
            f.data,
            part(captured["image"]["data"].as_str().expect("part"))
        );
        assert_eq!(
            u64::from(f.width),
            captured["image"]["width"].as_u64().expect("w")
        );
        let fqm = tx.records[f.record].text(24).expect("FQM");
        let score = captured["quality"]["score"].as_u64().expect("score");
        assert!(
            fqm.starts_with(&format!("{}\x1f{score}\x1f", f.position)),
            "{fqm}"
        );
    }
    let face = tx
        .records
        .iter()
        .find(|r| r.record_type() == 10)
        .expect("face");
    let face_part = e["biometrics"]["face"]["image"]["data"]
        .as_str()
        .expect("part");
    assert_eq!(face.field(999).expect("image"), part(face_part));
    for (elr, eye) in [("1", "right"), ("2", "left")] {
        let iris = tx
            .records
            .iter()
            .find(|r| r.record_type() == 17 && r.text(3).as_deref() == Some(elr))
            .expect(eye);
        let name = e["biometrics"]["irises"][eye]["image"]["data"]
            .as_str()
            .expect("part");
        assert_eq!(iris.field(999).expect("image"), part(name));
    }
    let rekam_protocol::ansi_nist::Record::Binary { bytes: sig, .. } =
        tx.records.last().expect("signature")
    else {
        panic!("the signature is a binary Type-8 record");
    };
    let sig_image = &e["biometrics"]["signature"]["image"];
    let (w, h) = (
        sig_image["width"].as_u64().expect("w"),
        sig_image["height"].as_u64().expect("h"),
    );
    assert_eq!(u64::from(u16::from_be_bytes([sig[8], sig[9]])), w);
    assert_eq!(u64::from(u16::from_be_bytes([sig[10], sig[11]])), h);
    assert_eq!(sig.len() as u64, 12 + w.div_ceil(8) * h);
    assert!(sig[12..].iter().any(|&b| b != 0), "the signature has ink");

    // Never replaces a file.
    let again = export(d, &pkt, &an2, "reg/registry.key");
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
    assert_eq!(fs::read(&an2).expect("still there"), bytes);
}

#[test]
fn a_packet_that_does_not_open_writes_nothing() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let d = tmp.path();
    let pkt = setup(d);
    ok(&["keys", "registry-new", "--out", p(&d.join("other"))]);
    let an2 = d.join("e.an2");
    let out = export(d, &pkt, &an2, "other/registry.key");
    assert!(!out.status.success());
    assert!(!an2.exists());
    let leftovers: Vec<_> = fs::read_dir(d)
        .expect("dir")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty());
}

fn open_parts(d: &Path, pkt: &Path) -> serde_json::Value {
    serde_json::from_str(&ok(&[
        "packet",
        "open",
        "--registry-key",
        p(&d.join("reg/registry.key")),
        "--trust",
        p(&d.join("ws")),
        p(pkt),
        "--out",
        p(&d.join("parts")),
        "--json",
    ]))
    .expect("json")
}

#[test]
fn a_cbeff_export_holds_each_finger_the_face_and_both_irises_as_19794_records() {
    use rekam_protocol::cbeff::{BdbRecord, Cbeff};

    let tmp = tempfile::tempdir().expect("tempdir");
    let d = tmp.path();
    let pkt = setup(d);
    let xml = d.join("e.xml");
    let out = export_with(
        d,
        &pkt,
        &xml,
        "reg/registry.key",
        "cbeff",
        &[
            "--finger-compression",
            "wsq",
            "--face-compression",
            "stored",
            "--iris-compression",
            "stored",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("as cbeff"));
    let e = open_parts(d, &pkt)["enrollment"].clone();
    let part = |name: &serde_json::Value| {
        let name = name.as_str().expect("part name");
        fs::read(d.join("parts").join(name)).expect("part")
    };

    let doc = Cbeff::parse(&fs::read(&xml).expect("written")).expect("rekam's reader reads it");
    let (mut fingers, mut faces, mut irises) = (Vec::new(), Vec::new(), Vec::new());
    for bir in &doc.birs {
        if bir.bdb.is_none() {
            // A finger recorded as an exception: MOSIP marks it in `others`, with no BDB.
            assert!(bir.others.contains(&("EXCEPTION".into(), "true".into())));
            continue;
        }
        match bir.record().expect("every BDB is a 19794 record") {
            BdbRecord::Finger(r) => fingers.extend(r.representations),
            BdbRecord::Face(r) => faces.extend(r.representations),
            BdbRecord::Iris(r) => irises.extend(r.representations),
        }
    }
    let entries: Vec<_> = e["biometrics"]["fingers"]
        .as_array()
        .expect("fingers")
        .iter()
        .filter(|f| !f["record"]["captured"].is_null())
        .collect();
    assert!(!entries.is_empty());
    assert_eq!(fingers.len(), entries.len());
    for (f, entry) in fingers.iter().zip(&entries) {
        let captured = &entry["record"]["captured"];
        assert_eq!(
            u64::from(f.position),
            entry["position"].as_u64().expect("position")
        );
        assert_eq!(f.image, part(&captured["image"]["data"]));
        assert_eq!(
            u64::from(f.width),
            captured["image"]["width"].as_u64().expect("w")
        );
    }
    assert_eq!(faces.len(), 1);
    assert_eq!(
        faces[0].image,
        part(&e["biometrics"]["face"]["image"]["data"])
    );
    assert_eq!(irises.len(), 2);
    let mut want = vec![
        part(&e["biometrics"]["irises"]["right"]["image"]["data"]),
        part(&e["biometrics"]["irises"]["left"]["image"]["data"]),
    ];
    let mut got: Vec<Vec<u8>> = irises.iter().map(|r| r.image.clone()).collect();
    want.sort();
    got.sort();
    assert_eq!(got, want);
}

/// hayro's decode of a JPEG 2000 image: (width, height, interleaved samples).
fn jp2_pixels(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    use hayro_jpeg2000::{DecodeSettings, DecoderContext, Image};
    let image = Image::new(bytes, &DecodeSettings::default()).expect("a JPEG 2000 image");
    let (w, h) = (image.width(), image.height());
    let mut ctx = DecoderContext::default();
    let decoded = image.decode(&mut ctx).expect("hayro decodes it");
    (w, h, decoded.data_u8().to_vec())
}

#[test]
fn a_default_cbeff_export_carries_fingers_face_and_irises_as_lossless_jpeg_2000_of_the_captured_pixels()
 {
    use rekam_protocol::cbeff::{BdbRecord, Cbeff};
    use rekam_protocol::iso19794::face::FaceImageDataType;
    use rekam_protocol::iso19794::finger_image::FingerCompression;
    use rekam_protocol::iso19794::iris::IrisImageFormat;

    let tmp = tempfile::tempdir().expect("tempdir");
    let d = tmp.path();
    let pkt = setup(d);
    let xml = d.join("e.xml");
    let out = export_as(d, &pkt, &xml, "reg/registry.key", "cbeff");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let e = open_parts(d, &pkt)["enrollment"].clone();
    let part = |name: &serde_json::Value| {
        let name = name.as_str().expect("part name");
        fs::read(d.join("parts").join(name)).expect("part")
    };
    let doc = Cbeff::parse(&fs::read(&xml).expect("written")).expect("rekam's reader reads it");
    let (mut fingers, mut faces, mut irises) = (Vec::new(), Vec::new(), Vec::new());
    for bir in doc.birs.iter().filter(|b| b.bdb.is_some()) {
        match bir.record().expect("every BDB is a 19794 record") {
            BdbRecord::Finger(r) => fingers.extend(r.representations),
            BdbRecord::Face(r) => faces.extend(r.representations),
            BdbRecord::Iris(r) => irises.extend(r.representations),
        }
    }
    let entries: Vec<_> = e["biometrics"]["fingers"]
        .as_array()
        .expect("fingers")
        .iter()
        .filter(|f| !f["record"]["captured"].is_null())
        .collect();
    assert!(!entries.is_empty());
    assert_eq!(fingers.len(), entries.len());
    for (f, entry) in fingers.iter().zip(&entries) {
        let image = &entry["record"]["captured"]["image"];
        assert_eq!(f.compression, FingerCompression::Jpeg2000Lossless);
        let stored = part(&image["data"]);
        let (cw, ch, captured) = match image["encoding"].as_str() {
            Some("wsq") => {
                let w = rekam_quality::wsq::decode(&stored).expect("stored WSQ");
                (w.width, w.height, w.pixels)
            }
            Some("png") => rekam_tests::png_gray(&stored),
            other => panic!("a finger stored as {other:?}"),
        };
        let (w, h, pixels) = jp2_pixels(&f.image);
        assert_eq!((w, h), (cw, ch));
        assert_eq!((u32::from(f.width), u32::from(f.height)), (w, h));
        assert!(
            pixels == captured,
            "finger {}: the JPEG 2000 is not the captured pixels",
            f.position
        );
    }
    assert_eq!(faces.len(), 1);
    let face = &faces[0];
    assert_eq!(
        face.image_info.data_type,
        FaceImageDataType::Jpeg2000Lossless
    );
    let stored = &e["biometrics"]["face"]["image"];
    let bytes = part(&stored["data"]);
    let want = match stored["encoding"].as_str() {
        Some("jpeg") => {
            let mut dec = jpeg_decoder::Decoder::new(&bytes[..]);
            let px = dec.decode().expect("stored JPEG");
            assert_eq!(
                dec.info().expect("info").pixel_format,
                jpeg_decoder::PixelFormat::RGB24
            );
            px
        }
        other => panic!("the sample face is {other:?}"),
    };
    let (_, _, pixels) = jp2_pixels(&face.image);
    assert!(
        pixels == want,
        "the face JPEG 2000 is not the stored face's pixels"
    );
    assert_eq!(irises.len(), 2);
    let mut want: Vec<Vec<u8>> = ["right", "left"]
        .iter()
        .map(|eye| {
            let stored = &e["biometrics"]["irises"][eye]["image"];
            assert_eq!(stored["encoding"], "png", "the sample stores PNG irises");
            rekam_tests::png_gray(&part(&stored["data"])).2
        })
        .collect();
    let mut got: Vec<Vec<u8>> = irises
        .iter()
        .map(|r| {
            assert_eq!(r.format, IrisImageFormat::Jpeg2000);
            jp2_pixels(&r.image).2
        })
        .collect();
    want.sort();
    got.sort();
    assert!(
        got == want,
        "the iris JPEG 2000s are not the stored irises' pixels"
    );
}
