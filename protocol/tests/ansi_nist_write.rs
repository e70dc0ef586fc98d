//! Writing ANSI/NIST-ITL 1-2011 transactions: what the writer writes, the reader reads back field
//! for field; the enrollment's transaction holds every capture where 1-2011 puts it; values a field
//! cannot hold are refused naming the field.

use rekam_protocol::Timestamp;
use rekam_protocol::ansi_nist::enrollment::{self, ExportContext, SignatureBitmap};
use rekam_protocol::ansi_nist::records::{
    AmpCode, Cga, ColorSpace, Eye, FingerContent, FingerQuality, ImageData, NewRecord,
    NewTransaction, Segment, Type1, Type2, Type8, Type10, Type14, Type17,
};
use rekam_protocol::ansi_nist::{Compression, OwnedRecord, Transaction, WriteError};
use rekam_protocol::model::{ExceptionReason, FingerException, FingerRecord};
use rekam_sim::sample::{self, SampleOptions};
use time::macros::date;

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x1c\x1d\x1e\x1fpixels";
const WSQ: &[u8] = b"\xff\xa0\xff\xa8\x1c\x1dwsq";
const JPEG: &[u8] = b"\xff\xd8\xff\xe0\x1c jpeg";

fn header() -> Type1 {
    Type1 {
        transaction_type: "EKTP".into(),
        destination_agency: "DUKCAPIL-PUSAT".into(),
        originating_agency: "DKI-3171".into(),
        control_number: "0192-a1b2".into(),
        domain: ("REKAM".into(), "1.0".into()),
        created: Timestamp::from_unix_ms(1_764_700_000_123),
    }
}

fn image(compression: Cga, data: &[u8]) -> ImageData {
    ImageData {
        width: 800,
        height: 750,
        compression,
        data: data.to_vec(),
    }
}

fn slap() -> Type14 {
    Type14 {
        idc: 3,
        impression: 0,
        source_agency: "DKI-3171".into(),
        capture_date: date!(2025 - 12 - 02),
        position: 13,
        content: FingerContent::Image {
            image: image(Cga::Wsq20, WSQ),
            ppi: 500,
            nist_quality: vec![(2, 254), (3, 1), (4, 5)],
            quality: vec![
                FingerQuality {
                    position: 2,
                    score: 71,
                    vendor: 0x0101,
                    product: 0x39,
                },
                FingerQuality {
                    position: 3,
                    score: 0,
                    vendor: 0xFFFF,
                    product: 1,
                },
            ],
            segments: vec![
                Segment {
                    position: 2,
                    left: 10,
                    right: 200,
                    top: 5,
                    bottom: 700,
                },
                Segment {
                    position: 3,
                    left: 210,
                    right: 390,
                    top: 0,
                    bottom: 749,
                },
            ],
            missing: vec![(5, AmpCode::Amputated)],
        },
    }
}

/// One record of every kind the writer makes.
fn full() -> NewTransaction {
    NewTransaction {
        header: header(),
        records: vec![
            NewRecord::Text(Type2 {
                idc: 0,
                fields: vec![
                    (100, vec![vec!["Ni Luh Putu Ayu Sri Wahyuni".into()]]),
                    (
                        107,
                        vec![
                            vec!["Jl. Melati 3".into(), "001".into(), "12".into()],
                            vec!["Kec. Menteng".into()],
                        ],
                    ),
                    (200, vec![vec!["Dœ Jürgen 日本".into()]]),
                ],
            }),
            NewRecord::Face(Type10 {
                idc: 1,
                source_agency: "DKI-3171".into(),
                capture_date: date!(2025 - 12 - 02),
                image: image(Cga::JpegB, JPEG),
                color_space: ColorSpace::Srgb,
                acquisition_profile: 10,
                pose: 'F',
            }),
            NewRecord::Finger(Type14 {
                idc: 2,
                impression: 1,
                source_agency: "DKI-3171".into(),
                capture_date: date!(2025 - 12 - 02),
                position: 1,
                content: FingerContent::Image {
                    image: image(Cga::Png, PNG),
                    ppi: 500,
                    nist_quality: vec![(1, 254)],
                    quality: vec![],
                    segments: vec![],
                    missing: vec![],
                },
            }),
            NewRecord::Finger(slap()),
            NewRecord::Finger(Type14 {
                idc: 4,
                impression: 0,
                source_agency: "DKI-3171".into(),
                capture_date: date!(2025 - 12 - 02),
                position: 10,
                content: FingerContent::Missing(AmpCode::UnableToPrint),
            }),
            NewRecord::Iris(Type17 {
                idc: 5,
                eye: Eye::Left,
                source_agency: "DKI-3171".into(),
                capture_date: date!(2025 - 12 - 02),
                image: image(Cga::Png, PNG),
                ppi: 250,
            }),
            NewRecord::Signature(Type8 {
                idc: 6,
                official: false,
                native_resolution: false,
                width: 12,
                height: 3,
                bits: vec![0x1C, 0x10, 0xFF, 0xF0, 0x1D, 0x00],
            }),
        ],
    }
}

fn text(r: &OwnedRecord, field: u16) -> String {
    String::from_utf8(r.field(field).expect("field present").to_vec()).expect("utf-8")
}

#[test]
fn every_record_written_reads_back_field_for_field() {
    let tx = full();
    let written = tx.to_records().expect("valid");
    let bytes = tx.encode().expect("encodes");
    let read = Transaction::parse(&bytes).expect("our reader reads it");
    assert_eq!(read.to_owned_records(), written);
    // Writing what was read gives the same bytes.
    assert_eq!(read.encode().expect("again"), bytes);
}

#[test]
fn the_header_counts_the_records_and_states_version_time_and_domain() {
    let written = full().to_records().expect("valid");
    let t1 = &written[0];
    assert_eq!(text(t1, 2), "0500");
    assert_eq!(
        text(t1, 3),
        "1\x1f7\x1e2\x1f0\x1e10\x1f1\x1e14\x1f2\x1e14\x1f3\x1e14\x1f4\x1e17\x1f5\x1e8\x1f6"
    );
    assert_eq!(text(t1, 5), "20251202");
    assert_eq!(text(t1, 14), "20251202182640Z");
    assert_eq!(text(t1, 11), "00.00");
    assert_eq!(text(t1, 13), "REKAM\x1f1.0");
    assert_eq!(text(t1, 15), "003\x1fUTF-8");
}

#[test]
fn a_slap_carries_its_segments_qualities_and_missing_finger() {
    let written = full().to_records().expect("valid");
    let r = &written[4];
    assert_eq!(text(r, 13), "13");
    assert_eq!(text(r, 11), "WSQ20");
    assert_eq!(text(r, 8), "1");
    assert_eq!(text(r, 9), "500");
    assert_eq!(text(r, 18), "5\x1fXX");
    assert_eq!(
        text(r, 21),
        "2\x1f10\x1f200\x1f5\x1f700\x1e3\x1f210\x1f390\x1f0\x1f749"
    );
    assert_eq!(text(r, 22), "2\x1f254\x1e3\x1f1\x1e4\x1f5");
    assert_eq!(text(r, 24), "2\x1f71\x1f0101\x1f57\x1e3\x1f0\x1fFFFF\x1f1");
    assert_eq!(r.field(999), Some(WSQ));
}

#[test]
fn an_exception_finger_has_amp_and_no_image_and_is_not_a_finger_image() {
    let bytes = full().encode().expect("encodes");
    let tx = Transaction::parse(&bytes).expect("reads");
    let exception = &tx.records[5];
    assert_eq!(exception.text(18).as_deref(), Some("10\x1fUP"));
    for absent in [6, 7, 11, 12, 999] {
        assert_eq!(exception.field(absent), None, "14.{absent:03}");
    }
    let fingers = tx.finger_images().expect("finger images");
    let positions: Vec<u8> = fingers.iter().map(|f| f.position).collect();
    assert_eq!(positions, [1, 13]);
    assert_eq!(fingers[0].compression, Compression::Png);
    assert_eq!(fingers[0].ppi, Some(500));
    assert_eq!(fingers[1].data, WSQ);
}

#[test]
fn the_signature_is_a_binary_type_8_record_of_one_bit_pixels() {
    let bytes = full().encode().expect("encodes");
    let tx = Transaction::parse(&bytes).expect("reads");
    let OwnedRecord::Binary { record_type, bytes } = OwnedRecord::from(&tx.records[7]) else {
        panic!("Type-8 is binary");
    };
    assert_eq!(record_type, 8);
    assert_eq!(
        bytes,
        [
            0, 0, 0, 18, 6, 0, 0, 0, 0, 12, 0, 3, 0x1C, 0x10, 0xFF, 0xF0, 0x1D, 0x00
        ]
    );
}

fn refused(mut tx: NewTransaction, edit: impl FnOnce(&mut NewTransaction)) -> WriteError {
    let before = tx.clone();
    edit(&mut tx);
    assert_ne!(tx, before, "the edit changed nothing");
    tx.encode().expect_err("refused")
}

fn finger(tx: &mut NewTransaction, i: usize) -> &mut Type14 {
    match &mut tx.records[i] {
        NewRecord::Finger(f) => f,
        _ => panic!("record {i} is a finger"),
    }
}

fn finger_content(tx: &mut NewTransaction, i: usize) -> &mut FingerContent {
    &mut finger(tx, i).content
}

#[test]
fn values_a_field_cannot_hold_are_refused_naming_the_field() {
    let cases: Vec<(WriteError, (u8, u16))> = vec![
        (
            refused(full(), |t| t.header.transaction_type = "E-KTP".into()),
            (1, 4),
        ),
        (
            refused(full(), |t| t.header.originating_agency = "DKI:3171".into()),
            (1, 8),
        ),
        (
            refused(full(), |t| t.header.control_number = String::new()),
            (1, 9),
        ),
        (
            refused(full(), |t| {
                if let NewRecord::Text(r) = &mut t.records[0] {
                    r.fields.push((102, vec![vec!["line\nbreak".into()]]));
                }
            }),
            (2, 102),
        ),
        (
            refused(full(), |t| {
                if let NewRecord::Text(r) = &mut t.records[0] {
                    r.fields.push((999, vec![vec!["x".into()]]));
                }
            }),
            (2, 999),
        ),
        (
            refused(full(), |t| {
                if let NewRecord::Face(r) = &mut t.records[1] {
                    r.image.compression = Cga::Wsq20;
                }
            }),
            (10, 11),
        ),
        (
            refused(full(), |t| {
                if let NewRecord::Face(r) = &mut t.records[1] {
                    r.image.data = PNG.to_vec();
                }
            }),
            (10, 999),
        ),
        (
            refused(full(), |t| {
                if let NewRecord::Face(r) = &mut t.records[1] {
                    r.acquisition_profile = 100;
                }
            }),
            (10, 13),
        ),
        (refused(full(), |t| finger(t, 3).position = 16), (14, 13)),
        (refused(full(), |t| finger(t, 3).impression = 30), (14, 3)),
        (
            refused(full(), |t| {
                if let FingerContent::Image { image, .. } = finger_content(t, 3) {
                    image.width = 100_000;
                }
            }),
            (14, 6),
        ),
        (
            refused(full(), |t| {
                if let FingerContent::Image { nist_quality, .. } = finger_content(t, 3) {
                    nist_quality.push((5, 6));
                }
            }),
            (14, 22),
        ),
        (
            refused(full(), |t| {
                if let FingerContent::Image { quality, .. } = finger_content(t, 3) {
                    quality[0].score = 101;
                }
            }),
            (14, 24),
        ),
        (
            refused(full(), |t| {
                if let FingerContent::Image { quality, .. } = finger_content(t, 3) {
                    quality[0].position = 7;
                }
            }),
            (14, 24),
        ),
        (
            refused(full(), |t| {
                if let FingerContent::Image { segments, .. } = finger_content(t, 3) {
                    segments[1].right = 800;
                }
            }),
            (14, 21),
        ),
        (
            refused(full(), |t| {
                if let FingerContent::Image { segments, .. } = finger_content(t, 2) {
                    segments.push(Segment {
                        position: 1,
                        left: 1,
                        right: 2,
                        top: 1,
                        bottom: 2,
                    });
                }
            }),
            (14, 21),
        ),
        (
            refused(full(), |t| {
                if let FingerContent::Image { missing, .. } = finger_content(t, 3) {
                    missing.push((1, AmpCode::Amputated));
                }
            }),
            (14, 18),
        ),
        (
            refused(full(), |t| {
                if let NewRecord::Signature(r) = &mut t.records[6] {
                    r.bits.pop();
                }
            }),
            (8, 8),
        ),
        (
            refused(full(), |t| {
                if let NewRecord::Iris(r) = &mut t.records[5] {
                    r.idc = 100;
                }
            }),
            (17, 2),
        ),
    ];
    for (e, (t, f)) in cases {
        assert_eq!((e.record_type, e.field), (t, f), "{e}");
        assert!(!e.problem.is_empty());
    }
}

fn context() -> ExportContext {
    ExportContext {
        created: Timestamp::from_unix_ms(1_764_700_000_000),
        originating_agency: "DKI-3171".into(),
        destination_agency: "DUKCAPIL".into(),
    }
}

#[test]
fn an_enrollment_becomes_demographics_face_ten_fingers_irises_and_signature() {
    let mut opts = SampleOptions::tiny(7, "ws-01", 1_764_600_000_000);
    opts.iris_size = Some((40, 30));
    opts.with_exception = true;
    let e = sample::enrollment(&opts);
    let sig = SignatureBitmap::from_gray(10, 2, &[0; 20], 128).expect("size agrees");
    let tx = enrollment::transaction(&e, &context(), Some(&sig)).expect("exports");
    let types: Vec<u8> = tx.records.iter().map(|r| r.type_and_idc().0).collect();
    assert_eq!(
        types,
        [2, 10, 14, 14, 14, 14, 14, 14, 14, 14, 14, 14, 17, 17, 8]
    );
    let bytes = tx.encode().expect("encodes");
    let read = Transaction::parse(&bytes).expect("reads");
    assert_eq!(read.to_owned_records(), tx.to_records().expect("valid"));

    let t2 = &read.records[1];
    assert_eq!(t2.text(101), Some(e.applicant.nik.to_string()));
    assert_eq!(t2.text(100), Some(e.id.to_string()));
    assert_eq!(read.records[0].text(9), Some(e.id.to_string()));
    let face = &read.records[2];
    assert_eq!(face.field(999), Some(e.biometrics.face.image.data.bytes()));
    assert_eq!(face.text(3).as_deref(), Some("FACE"));

    let fingers = read.finger_images().expect("finger images");
    assert_eq!(fingers.len(), 9, "nine captured, the tenth an exception");
    for f in &fingers {
        let entry = &e.biometrics.fingers[usize::from(f.position) - 1];
        let FingerRecord::Captured(c) = &entry.record else {
            panic!("finger {} was captured", f.position);
        };
        assert_eq!(f.data, c.image.data.bytes());
        let record = &read.records[f.record];
        assert_eq!(
            record.text(24),
            Some(format!(
                "{}\x1f{}\x1fFFFF\x1f1",
                f.position, c.quality.score
            )),
            "sim-nominal is no registered algorithm"
        );
    }
    let amp = read.records[12].text(18);
    assert_eq!(amp.as_deref(), Some("10\x1fXX"));
    assert_eq!(
        read.records[13].text(3).as_deref(),
        Some("1"),
        "right eye first"
    );
    assert_eq!(read.records[14].text(3).as_deref(), Some("2"));
}

#[test]
fn without_a_signature_bitmap_there_is_no_type_8_and_bandaged_is_unable_to_print() {
    let mut e = sample::enrollment(&SampleOptions::tiny(3, "ws-01", 1_764_600_000_000));
    e.biometrics.fingers[1].record = FingerRecord::Exception(FingerException {
        reason: ExceptionReason::Bandaged,
        photo: None,
        note: None,
    });
    let tx = enrollment::transaction(&e, &context(), None).expect("exports");
    assert!(tx.records.iter().all(|r| r.type_and_idc().0 != 8));
    let bytes = tx.encode().expect("encodes");
    let read = Transaction::parse(&bytes).expect("reads");
    let second = read
        .records
        .iter()
        .find(|r| r.record_type() == 14 && r.text(13).as_deref() == Some("2"))
        .expect("finger 2");
    assert_eq!(second.text(18).as_deref(), Some("2\x1fUP"));
}

#[test]
fn a_finger_image_without_a_resolution_is_refused_not_guessed() {
    let mut e = sample::enrollment(&SampleOptions::tiny(3, "ws-01", 1_764_600_000_000));
    if let FingerRecord::Captured(c) = &mut e.biometrics.fingers[0].record {
        c.image.ppi = None;
    }
    let err = enrollment::transaction(&e, &context(), None).unwrap_err();
    assert!(err.to_string().contains("resolution"), "{err}");
}

#[test]
fn a_gray_signature_becomes_one_bit_pixels_with_ink_set() {
    let gray = [0, 255, 255, 255, 255, 255, 255, 255, 10, 255, 255, 0];
    let bmp = SignatureBitmap::from_gray(12, 1, &gray, 128).expect("size agrees");
    assert_eq!(bmp.bits, [0b1000_0000, 0b1001_0000]);
    assert!(SignatureBitmap::from_gray(12, 2, &gray, 128).is_none());
}
