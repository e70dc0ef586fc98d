//! CBEFF (ISO/IEC 19785-3 XML as MOSIP carries it): what the writer produces parses back to the
//! same document, the reader refuses anything outside the schema it knows with the line of the
//! fault, and an enrollment's biometrics become BIRs whose BDBs are the 19794 records of its
//! images.

use rekam_protocol::cbeff::{
    BdbInfo, BdbRecord, Bir, BirInfo, Cbeff, CbeffFault, FORMAT_FINGER_IMAGE, Level, Purpose,
    Quality, Registered, VERSION_1_1, enrollment_bir,
};
use rekam_protocol::iso19794::finger_image::{FingerCompression, IMPRESSION_LIVE_PLAIN};
use rekam_protocol::iso19794::iris::EyeLabel;
use rekam_protocol::model::{FingerRecord, ImageEncoding};
use rekam_protocol::timefmt::Timestamp;
use rekam_sim::sample::{self, SampleOptions};
use time::OffsetDateTime;

fn document() -> Cbeff {
    Cbeff {
        version: None,
        cbeff_version: None,
        info: BirInfo::default(),
        birs: vec![Bir {
            version: Some(VERSION_1_1),
            cbeff_version: Some(VERSION_1_1),
            info: BirInfo {
                creator: Some("rekam <ws-01> & \"friends\"".into()),
                index: None,
                payload: Some(vec![0, 1, 2, 0xFF]),
                integrity: false,
                creation_date: None,
            },
            bdb_info: BdbInfo {
                index: Some("e4e1c5e0-3650-401e-b03f-88c3a07ff2b4".into()),
                format: Some(Registered {
                    organization: "Mosip".into(),
                    kind: "7".into(),
                }),
                creation_date: Some(
                    OffsetDateTime::from_unix_timestamp_nanos(1_763_890_000_123_456_789)
                        .expect("date"),
                ),
                types: vec!["Finger".into()],
                subtype: Some("Left IndexFinger".into()),
                level: Some(Level::Raw),
                purpose: Some(Purpose::Enroll),
                quality: Some(Quality {
                    algorithm: Registered {
                        organization: "HMAC".into(),
                        kind: "SHA-256".into(),
                    },
                    score: 88,
                }),
            },
            bdb: Some(b"not a record, just bytes \x00\xFF".to_vec()),
            sb: None,
            others: vec![
                ("EXCEPTION".into(), "false".into()),
                ("NOTE".into(), "a < b & c > 'd'\nline two\tand\r".into()),
            ],
        }],
    }
}

/// A minimal document around one BIR body, for the rejection tests.
fn wrap(bir_body: &str) -> String {
    format!(
        "<?xml version=\"1.0\"?>\n<BIR xmlns=\"http://standards.iso.org/iso-iec/19785/-3/ed-2/\">\n\
         <BIRInfo><Integrity>false</Integrity></BIRInfo>\n<BIR>\n{bir_body}\n</BIR>\n</BIR>\n"
    )
}

const INFO: &str = "<BIRInfo><Integrity>false</Integrity></BIRInfo>";
const BDB_INFO: &str = "<BDBInfo><Format><Organization>Mosip</Organization><Type>7</Type></Format><Type>Finger</Type></BDBInfo>";

fn fault(xml: &str) -> (u32, CbeffFault) {
    let e = Cbeff::parse(xml.as_bytes()).expect_err("refused");
    (e.line, e.fault)
}

#[test]
fn a_document_written_as_xml_parses_back_to_the_same_document() {
    let doc = document();
    let xml = doc.to_xml().expect("writes");
    assert!(xml.contains("&lt; b &amp; c &gt; &apos;d&apos;&#10;line two&#9;and&#13;"));
    assert!(xml.contains("rekam &lt;ws-01&gt; &amp; &quot;friends&quot;"));
    assert_eq!(Cbeff::parse(xml.as_bytes()).expect("parses"), doc);
}

#[test]
fn a_control_character_xml_cannot_carry_is_refused_by_the_writer() {
    let mut doc = document();
    doc.birs[0].others.push(("BELL".into(), "\u{7}".into()));
    let e = doc.to_xml().expect_err("refused");
    assert_eq!((e.element, e.code), ("entry", 7));
}

#[test]
fn bdb_info_children_are_accepted_in_any_order() {
    let xml = wrap(&format!(
        "{INFO}<BDBInfo><Purpose>Enroll</Purpose><Type>Finger</Type><Level>Raw</Level></BDBInfo><BDB>AAEC</BDB>"
    ));
    let doc = Cbeff::parse(xml.as_bytes()).expect("parses");
    let info = &doc.birs[0].bdb_info;
    assert_eq!(
        (info.purpose, info.level),
        (Some(Purpose::Enroll), Some(Level::Raw))
    );
    assert_eq!(doc.birs[0].bdb.as_deref(), Some(&[0, 1, 2][..]));
}

#[test]
fn base64_in_either_alphabet_is_read_but_a_mix_of_both_is_refused() {
    // 0xFB 0xFF encodes as "+/8=" in the standard alphabet and "-_8" in the URL-safe one.
    for text in ["+/8=", "+/8", "-_8", "-_8=", " +/\n8= "] {
        let xml = wrap(&format!("{INFO}{BDB_INFO}<BDB>{text}</BDB>"));
        let doc = Cbeff::parse(xml.as_bytes()).unwrap_or_else(|e| panic!("{text:?}: {e}"));
        assert_eq!(
            doc.birs[0].bdb.as_deref(),
            Some(&[0xFB, 0xFF][..]),
            "{text:?}"
        );
    }
    let xml = wrap(&format!("{INFO}{BDB_INFO}<BDB>+_8=</BDB>"));
    assert!(matches!(
        fault(&xml).1,
        CbeffFault::Value { element: "BDB", .. }
    ));
}

#[test]
fn an_element_the_schema_does_not_have_is_refused_with_its_line() {
    let xml = wrap(&format!("{INFO}\n{BDB_INFO}\n<Extra/>"));
    assert_eq!(
        fault(&xml),
        (
            7,
            CbeffFault::Unexpected {
                element: "Extra".into(),
                parent: "BIR"
            }
        )
    );
}

#[test]
fn an_element_outside_the_cbeff_namespace_is_refused() {
    let xml = wrap(&format!(
        "{INFO}{BDB_INFO}<x:BDB xmlns:x=\"urn:other\">AAEC</x:BDB>"
    ));
    assert!(matches!(
        fault(&xml).1,
        CbeffFault::Unexpected { parent: "BIR", .. }
    ));
    let xml = "<BIR><BIRInfo><Integrity>false</Integrity></BIRInfo></BIR>";
    assert!(matches!(
        fault(xml).1,
        CbeffFault::Unexpected {
            parent: "document",
            ..
        }
    ));
}

#[test]
fn a_second_bdb_in_one_bir_is_refused() {
    let xml = wrap(&format!("{INFO}{BDB_INFO}<BDB>AAEC</BDB><BDB>AAEC</BDB>"));
    assert_eq!(fault(&xml).1, CbeffFault::Duplicate("BDB"));
}

#[test]
fn a_bir_without_bdb_info_is_refused() {
    let xml = wrap(&format!("{INFO}<BDB>AAEC</BDB>"));
    assert_eq!(
        fault(&xml).1,
        CbeffFault::Missing {
            element: "BDBInfo",
            parent: "BIR"
        }
    );
}

#[test]
fn values_outside_their_types_are_refused() {
    for (body, element) in [
        ("<BDBInfo><Level>Cooked</Level></BDBInfo>", "Level"),
        ("<BDBInfo><Purpose>Enrol</Purpose></BDBInfo>", "Purpose"),
        ("<BDBInfo><Type>Fingers</Type></BDBInfo>", "Type"),
        (
            "<BDBInfo><CreationDate>2019-06-24 18:11</CreationDate></BDBInfo>",
            "CreationDate",
        ),
        (
            "<BDBInfo><Quality><Algorithm><Organization>a</Organization><Type>b</Type></Algorithm><Score>101</Score></Quality></BDBInfo>",
            "Score",
        ),
    ] {
        let xml = wrap(&format!("{INFO}{body}"));
        match fault(&xml).1 {
            CbeffFault::Value { element: e, .. } => assert_eq!(e, element, "{body}"),
            other => panic!("{body}: {other}"),
        }
    }
    let xml = wrap("<BIRInfo><Integrity>maybe</Integrity></BIRInfo>");
    assert!(matches!(
        fault(&xml).1,
        CbeffFault::Value {
            element: "Integrity",
            ..
        }
    ));
}

#[test]
fn attributes_stray_text_and_dtds_are_refused() {
    let xml = wrap(&format!(
        "{INFO}<BDBInfo id=\"1\"><Type>Finger</Type></BDBInfo>"
    ));
    assert!(matches!(fault(&xml).1, CbeffFault::Attribute { .. }));
    let xml = wrap(&format!("{INFO}stray{BDB_INFO}"));
    assert!(matches!(
        fault(&xml).1,
        CbeffFault::Value { element: "BIR", .. }
    ));
    let xml = "<?xml version=\"1.0\"?><!DOCTYPE BIR [<!ENTITY x \"y\">]><BIR/>";
    assert!(matches!(fault(xml).1, CbeffFault::Xml(_)));
}

#[test]
fn a_bdb_of_an_unknown_format_has_no_record() {
    let xml = wrap(&format!(
        "{INFO}<BDBInfo><Format><Organization>Mosip</Organization><Type>2</Type></Format></BDBInfo><BDB>AAEC</BDB>"
    ));
    let doc = Cbeff::parse(xml.as_bytes()).expect("parses");
    assert!(matches!(
        doc.birs[0].record(),
        Err(CbeffFault::UnknownFormat { .. })
    ));
}

#[test]
fn an_enrollment_becomes_one_bir_per_finger_face_and_iris_with_19794_records() {
    let mut opts = SampleOptions::tiny(11, "WS-1", 1_763_890_000_000);
    opts.iris_size = Some((40, 30));
    opts.with_exception = true;
    let enrollment = sample::enrollment(&opts);
    let b = &enrollment.biometrics;
    let created = Timestamp::from_unix_ms(1_763_890_123_456);
    let doc = enrollment_bir(b, created).expect("exports");

    // Ten finger BIRs (one an exception with its photo after it), the face and two irises.
    let exception_photos = b
        .fingers
        .iter()
        .filter(|f| matches!(&f.record, FingerRecord::Exception(e) if e.photo.is_some()))
        .count();
    assert_eq!(exception_photos, 1);
    assert_eq!(doc.birs.len(), 10 + exception_photos + 1 + 2);

    let xml = doc.to_xml().expect("writes");
    let back = Cbeff::parse(xml.as_bytes()).expect("reads back");
    assert_eq!(back, doc);

    let mut fingers = 0;
    for (bir, entry) in back
        .birs
        .iter()
        .filter(|b| b.bdb_info.types == ["Finger"])
        .zip(&b.fingers)
    {
        let format = bir.bdb_info.format.as_ref().expect("format");
        assert_eq!(format.kind, FORMAT_FINGER_IMAGE.to_string());
        match &entry.record {
            FingerRecord::Captured(f) => {
                let Ok(BdbRecord::Finger(r)) = bir.record() else {
                    panic!("finger {} has no finger record", entry.position)
                };
                let p = &r.representations[0];
                assert_eq!(p.position, entry.position.code());
                assert_eq!(p.image, f.image.data.bytes());
                assert_eq!(
                    (u32::from(p.width), u32::from(p.height)),
                    (f.image.width, f.image.height)
                );
                assert_eq!(p.image_rate, (500, 500));
                assert_eq!(p.impression, IMPRESSION_LIVE_PLAIN);
                let expected = match f.image.encoding {
                    ImageEncoding::Wsq => FingerCompression::Wsq,
                    _ => FingerCompression::Png,
                };
                assert_eq!(p.compression, expected);
                assert_eq!(p.quality[0].score, f.quality.score);
                fingers += 1;
            }
            FingerRecord::Exception(_) => {
                assert_eq!(bir.bdb, None);
                assert!(bir.others.contains(&("EXCEPTION".into(), "true".into())));
            }
        }
    }
    assert_eq!(fingers, 9);

    let face = back
        .birs
        .iter()
        .find(|b| b.bdb_info.types == ["Face"])
        .expect("face BIR");
    let Ok(BdbRecord::Face(r)) = face.record() else {
        panic!("face record")
    };
    assert_eq!(r.representations[0].image, b.face.image.data.bytes());

    let irises: Vec<_> = back
        .birs
        .iter()
        .filter(|b| b.bdb_info.types == ["Iris"])
        .collect();
    assert_eq!(irises.len(), 2);
    for bir in irises {
        let Ok(BdbRecord::Iris(r)) = bir.record() else {
            panic!("iris record")
        };
        let (eye, capture) = match r.representations[0].eye {
            EyeLabel::Left => ("Left", b.irises.left.as_ref()),
            EyeLabel::Right => ("Right", b.irises.right.as_ref()),
            EyeLabel::Unspecified => panic!("eye unlabelled"),
        };
        assert_eq!(bir.bdb_info.subtype.as_deref(), Some(eye));
        assert_eq!(
            r.representations[0].image,
            capture.expect("captured").image.data.bytes()
        );
    }
    // Capture times are the enrollment's.
    let Ok(BdbRecord::Face(r)) = face.record() else {
        panic!("face record")
    };
    assert_eq!(r.representations[0].captured.millisecond, 456);
}
