//! MOSIP's sample CBEFF files (`../shared/data/mosip`, from MOSIP's compliance toolkit) read
//! back completely: every BIR's BDB parses as the ISO/IEC 19794-2011 record its format type
//! names, and every image in those records is JPEG 2000 that a pure-Rust decoder decodes to the
//! dimensions the record's header states. The one sample MOSIP names "invalid finger data" is
//! refused for the specific reason it is invalid.

use hayro_jpeg2000::{DecodeSettings, DecoderContext, Image as J2kImage};
use rekam_protocol::cbeff::{BdbRecord, Cbeff, CbeffFault, finger_subtype};
use rekam_protocol::iso19794::RecordFault;
use rekam_protocol::iso19794::face::FaceImageDataType;
use rekam_protocol::iso19794::finger_image::FingerCompression;
use rekam_protocol::iso19794::iris::{EyeLabel, IrisImageFormat};
use rekam_tests::shared_data;

/// Decodes a JPEG 2000 image (JP2 file or raw codestream) and returns its decoded size, after
/// checking the decoder produced a sample for every pixel of every channel.
fn decode_j2k(bytes: &[u8]) -> (u32, u32) {
    let image = J2kImage::new(bytes, &DecodeSettings::default()).expect("a JPEG 2000 image");
    let (w, h) = (image.width(), image.height());
    let channels = u32::from(image.color_space().num_channels()) + u32::from(image.has_alpha());
    let mut ctx = DecoderContext::default();
    let decoded = image.decode(&mut ctx).expect("JPEG 2000 decodes");
    let pixels = decoded.data_u8();
    assert_eq!(
        pixels.len() as u64,
        u64::from(w) * u64::from(h) * u64::from(channels)
    );
    (w, h)
}

struct Seen {
    fingers: usize,
    faces: usize,
    irises: usize,
}

/// Reads one sample and checks every record and image in it.
fn check_sample(name: &str) -> Option<Seen> {
    let xml = shared_data(&format!("mosip/{name}"))?;
    let doc = Cbeff::parse(&xml).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert!(!doc.birs.is_empty(), "{name} holds BIRs");
    let mut seen = Seen {
        fingers: 0,
        faces: 0,
        irises: 0,
    };
    for (i, bir) in doc.birs.iter().enumerate() {
        let record = bir
            .record()
            .unwrap_or_else(|e| panic!("{name} BIR {i}: {e}"));
        match record {
            BdbRecord::Finger(r) => {
                assert_eq!(bir.bdb_info.types, ["Finger"]);
                for p in &r.representations {
                    assert_eq!(p.compression, FingerCompression::Jpeg2000Lossless);
                    // The BIR's subtype names the record's finger position the way rekam's
                    // export names it (position 0, unknown, is MOSIP's "UNKNOWN").
                    let subtype = finger_subtype(p.position).unwrap_or("UNKNOWN");
                    assert_eq!(
                        bir.bdb_info.subtype.as_deref(),
                        Some(subtype),
                        "{name} BIR {i}"
                    );
                    assert_eq!(
                        decode_j2k(&p.image),
                        (u32::from(p.width), u32::from(p.height)),
                        "{name} BIR {i}: decoded finger size equals the record's"
                    );
                    seen.fingers += 1;
                }
            }
            BdbRecord::Face(r) => {
                assert_eq!(bir.bdb_info.types, ["Face"]);
                for p in &r.representations {
                    assert_eq!(p.image_info.data_type, FaceImageDataType::Jpeg2000Lossless);
                    assert_eq!(
                        decode_j2k(&p.image),
                        (
                            u32::from(p.image_info.width),
                            u32::from(p.image_info.height)
                        ),
                        "{name} BIR {i}: decoded face size equals the record's"
                    );
                    seen.faces += 1;
                }
            }
            BdbRecord::Iris(r) => {
                assert_eq!(bir.bdb_info.types, ["Iris"]);
                for p in &r.representations {
                    assert_eq!(p.format, IrisImageFormat::Jpeg2000);
                    let label = match p.eye {
                        EyeLabel::Left => "Left",
                        EyeLabel::Right => "Right",
                        EyeLabel::Unspecified => "UNKNOWN",
                    };
                    assert_eq!(bir.bdb_info.subtype.as_deref(), Some(label));
                    assert_eq!(
                        decode_j2k(&p.image),
                        (u32::from(p.width), u32::from(p.height)),
                        "{name} BIR {i}: decoded iris size equals the record's"
                    );
                    seen.irises += 1;
                }
            }
        }
    }
    // What we write from what we read parses back to the same document.
    let again = Cbeff::parse(doc.to_xml().expect("writable").as_bytes()).expect("re-parses");
    assert_eq!(again, doc, "{name} round trip");
    Some(seen)
}

#[test]
fn good_and_bad_quality_finger_samples_read_back_with_decodable_images() {
    for name in [
        "SDK2005-bad-finger-quality.xml",
        "SDK2006-good-finger-quality.xml",
    ] {
        if let Some(seen) = check_sample(name) {
            assert_eq!(seen.fingers, 1, "{name}");
        }
    }
}

#[test]
fn good_and_bad_quality_face_samples_read_back_with_decodable_images() {
    for name in [
        "SDK2001-good-face-quality.xml",
        "SDK2002-bad-face-quality.xml",
    ] {
        if let Some(seen) = check_sample(name) {
            assert_eq!(seen.faces, 1, "{name}");
        }
    }
}

#[test]
fn good_and_bad_quality_iris_samples_read_back_with_decodable_images() {
    for name in [
        "SDK2009-bad-iris-quality.xml",
        "SDK2010-good-iris-quality.xml",
    ] {
        if let Some(seen) = check_sample(name) {
            assert_eq!(seen.irises, 1, "{name}");
        }
    }
}

#[test]
fn the_full_sample_holds_ten_fingers_a_face_and_two_irises_all_decodable() {
    if let Some(seen) = check_sample("SDK2014-modality-quality-check-success-face-finger-iris.xml")
    {
        assert_eq!((seen.fingers, seen.faces, seen.irises), (10, 1, 2));
    }
}

#[test]
fn the_invalid_finger_sample_is_a_three_byte_bdb_that_is_no_finger_record() {
    let Some(xml) = shared_data("mosip/SDK2007-invalid-finger-data-for-quality-check.xml") else {
        return;
    };
    // The XML itself is valid CBEFF: the fault is in the BDB.
    let doc = Cbeff::parse(&xml).expect("the CBEFF envelope is valid");
    assert_eq!(doc.birs.len(), 1);
    let bir = &doc.birs[0];
    assert_eq!(bir.bdb_info.subtype.as_deref(), Some("Left IndexFinger"));
    // Its BDB is the base64 text "abcd": three bytes, not a 19794-4 record.
    assert_eq!(bir.bdb.as_deref(), Some(&[0x69, 0xB7, 0x1D][..]));
    match bir.record() {
        Err(CbeffFault::Record(e)) => {
            assert_eq!(e.offset, 0);
            assert_eq!(
                e.fault,
                RecordFault::Truncated("format identifier and version")
            );
        }
        other => panic!("expected a truncated finger record, got {other:?}"),
    }
}
