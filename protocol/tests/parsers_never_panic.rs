//! The bodies of the fuzz targets in `fuzz/`, run on random input in every test run: every parser
//! of untrusted input returns an error instead of panicking.

use proptest::prelude::*;
use rekam_protocol::ansi_nist::Transaction;
use rekam_protocol::cbeff::Cbeff;
use rekam_protocol::envelope::SealedView;
use rekam_protocol::iso19794::{FaceImageRecord, FingerImageRecord, IrisImageRecord};
use rekam_protocol::iso19794_2;
use rekam_protocol::print_order::{SignedCardPrinted, SignedPrintOrder, SignedPrintRefusal};
use rekam_protocol::sbi;
use rekam_protocol::{
    Enrollment, Manifest, Nik, RegistryPrivateKey, RegistryPublicKey, SignedReceipt,
    SignedRejection, Timestamp, TrustStore, packet,
};

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn envelopes_and_packets(mut data in proptest::collection::vec(any::<u8>(), 0..300), magic in any::<bool>()) {
        if magic && data.len() >= 11 {
            data[..11].copy_from_slice(b"RKMP\x01\x00\x20\x00\x01\x00\x02");
        }
        if let Ok(view) = SealedView::parse(&data) {
            prop_assert_eq!(view.aad.len() + view.ciphertext.len(), data.len());
        }
        let key = RegistryPrivateKey::from_secret([0x42; 32]);
        prop_assert!(packet::open(&data, &key, &TrustStore::new()).is_err());
    }

    #[test]
    fn manifests_and_documents(text in "\\PC{0,200}") {
        if let Ok(m) = Manifest::decode(text.as_bytes()) {
            prop_assert_eq!(m.encode(), text.as_bytes());
        }
        if let Some((place, _)) = rekam_protocol::manifest::image_part_place(&text) {
            prop_assert!((1..=14).contains(&place));
        }
        if let Ok(e) = serde_json::from_str::<Enrollment>(&text) {
            let _ = e.validate();
        }
    }

    #[test]
    fn ansi_nist_transactions(mut data in proptest::collection::vec(any::<u8>(), 0..300), head in any::<bool>()) {
        if head && data.len() > 8 {
            data[..7].copy_from_slice(b"1.001:9");
        }
        if let Ok(tx) = Transaction::parse(&data) {
            let _ = tx.finger_images();
            // What parses writes again, and reads back to the same records.
            let again = tx.encode().expect("a parsed transaction writes again");
            let reread = Transaction::parse(&again).expect("what was written reads back");
            prop_assert_eq!(reread.to_owned_records(), tx.to_owned_records());
        }
    }

    #[test]
    fn ansi_nist_round_trip_of_damaged_transactions(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
        cut in any::<prop::sample::Index>(),
        truncate in any::<bool>(),
    ) {
        // Random bytes rarely parse, so damage a valid transaction instead: most damage is
        // rejected, and what still parses must write again and read back the same.
        let mut data = b"1.001:39\x1d1.002:0500\x1d1.003:1\x1f2\x1e2\x1f0\x1e14\x1f1\x1c\
2.001:27\x1d2.002:0\x1d2.100:a\x1fb\x1c14.001:38\x1d14.002:1\x1d14.013:2\x1d14.999:\x1c\x1d\x1c".to_vec();
        prop_assert!(Transaction::parse(&data).is_ok(), "the seed parses");
        for (at, byte) in edits {
            let i = at.index(data.len());
            data[i] = byte;
        }
        if truncate {
            data.truncate(cut.index(data.len() + 1));
        }
        if let Ok(tx) = Transaction::parse(&data) {
            let again = tx.encode().expect("a parsed transaction writes again");
            let reread = Transaction::parse(&again).expect("what was written reads back");
            prop_assert_eq!(reread.to_owned_records(), tx.to_owned_records());
            prop_assert_eq!(reread.encode().expect("again"), again);
        }
    }

    #[test]
    fn key_text_and_niks(text in "\\PC{0,120}") {
        let _ = TrustStore::new().add_text(&text);
        let _ = RegistryPublicKey::parse_text(&text);
        let _ = RegistryPrivateKey::from_pem(&text);
        let _ = Nik::parse(&text);
    }

    #[test]
    fn registry_answers(text in "\\PC{0,300}", shape in any::<bool>()) {
        // Half the cases look like a rejection document, so the parser gets past the first brace.
        let body = if shape {
            format!("{{\"rejection\":{{\"packet_id\":\"{text}\"}},\"key_id\":\"00\",\"signature\":\"\"}}")
        } else {
            text
        };
        if let Ok(r) = SignedRejection::parse(body.as_bytes()) {
            prop_assert_eq!(SignedRejection::parse(&r.to_json()).ok(), Some(r));
        }
        let _ = SignedReceipt::parse(body.as_bytes());
    }

    #[test]
    fn iso19794_2_records(mut data in proptest::collection::vec(any::<u8>(), 0..200), head in any::<bool>()) {
        // Half the cases carry a valid header with a matching length, so the parser reaches the views.
        if head && data.len() >= 24 {
            data[..8].copy_from_slice(b"FMR\0 20\0");
            let len = u32::try_from(data.len()).unwrap_or(0).to_be_bytes();
            data[8..12].copy_from_slice(&len);
        }
        if let Ok(record) = iso19794_2::parse(&data) {
            prop_assert_eq!(iso19794_2::parse(&iso19794_2::encode(&record)), Ok(record));
        }
    }

    #[test]
    fn print_order_documents(text in "\\PC{0,300}", shape in 0u8..3) {
        // Most cases look like one of the documents, so the parser gets past the first member.
        let body = match shape {
            0 => format!("{{\"print_order\":{{\"order_id\":\"{text}\"}},\"key_id\":\"00\",\"signature\":\"\"}}"),
            1 => format!("{{\"print_refusal\":{text}}}"),
            _ => text,
        };
        if let Ok(o) = SignedPrintOrder::parse(body.as_bytes()) {
            let _ = o.print_order.validate();
            prop_assert_eq!(SignedPrintOrder::parse(&o.to_json()).ok(), Some(o));
        }
        if let Ok(r) = SignedCardPrinted::parse(body.as_bytes()) {
            prop_assert_eq!(SignedCardPrinted::parse(&r.to_json()).ok(), Some(r));
        }
        if let Ok(r) = SignedPrintRefusal::parse(body.as_bytes()) {
            let _ = r.print_refusal.validate();
        }
    }

    #[test]
    fn iso19794_image_records(kind in 0u8..3, edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 0..6), cut in any::<usize>(), truncate in any::<bool>()) {
        // Random bytes rarely pass the header, so each case mutates a valid record: a few bytes
        // overwritten and perhaps a tail cut off.
        let mut data = valid_record(kind);
        for (at, value) in edits {
            let i = at % data.len();
            data[i] = value;
        }
        if truncate {
            data.truncate(cut % (data.len() + 1));
        }
        match kind {
            0 => if let Ok(r) = FingerImageRecord::parse(&data) {
                prop_assert_eq!(r.encode().ok(), Some(data));
            },
            1 => if let Ok(r) = FaceImageRecord::parse(&data) {
                prop_assert_eq!(r.encode().ok(), Some(data));
            },
            _ => if let Ok(r) = IrisImageRecord::parse(&data) {
                prop_assert_eq!(r.encode().ok(), Some(data));
            },
        }
    }

    #[test]
    fn cbeff_documents(text in "\\PC{0,200}", shape in 0u8..3) {
        // Most cases sit inside a valid envelope, so the reader gets to the BIR's children.
        let body = match shape {
            0 => format!("<?xml version=\"1.0\"?><BIR xmlns=\"http://standards.iso.org/iso-iec/19785/-3/ed-2/\"><BIRInfo><Integrity>false</Integrity></BIRInfo><BIR><BIRInfo><Integrity>false</Integrity></BIRInfo>{text}</BIR></BIR>"),
            1 => format!("<?xml version=\"1.0\"?><BIR xmlns=\"http://standards.iso.org/iso-iec/19785/-3/ed-2/\"><BIRInfo><Integrity>false</Integrity></BIRInfo><BIR><BIRInfo><Integrity>false</Integrity></BIRInfo><BDBInfo><Format><Organization>Mosip</Organization><Type>7</Type></Format></BDBInfo><BDB>{text}</BDB></BIR></BIR>"),
            _ => text,
        };
        if let Ok(doc) = Cbeff::parse(body.as_bytes()) {
            for bir in &doc.birs {
                let _ = bir.record();
            }
            if let Ok(xml) = doc.to_xml() {
                prop_assert_eq!(Cbeff::parse(xml.as_bytes()).ok(), Some(doc));
            }
        }
    }

    #[test]
    fn sbi_messages(text in "\\PC{0,300}", shape in 0u8..4) {
        // Most cases look like an SBI body, so the parsers get past the first member.
        let body = match shape {
            0 => format!("{{\"bio\":[{{\"type\":\"Finger\",\"count\":{text}}}]}}"),
            1 => format!("[{{\"deviceInfo\":\"{text}\",\"error\":{{\"errorCode\":\"0\",\"errorInfo\":\"\"}}}}]"),
            2 => format!("eyJhbGciOiJSUzI1NiJ9.{text}.AA"),
            _ => text,
        };
        let b = body.as_bytes();
        let _ = sbi::parse_discover_request(b);
        let _ = sbi::parse_discover_response(b);
        let _ = sbi::parse_device_info_response(b);
        let _ = sbi::parse_device_info(b);
        let _ = sbi::parse_digital_id(b);
        let _ = sbi::parse_bio_payload(b);
        let _ = sbi::parse_stream_request(b);
        if let Ok(r) = sbi::parse_capture_request(b) {
            let again = serde_json::to_vec(&r).expect("serialises");
            prop_assert_eq!(sbi::parse_capture_request(&again).ok(), Some(r));
        }
        if let Ok(r) = sbi::parse_capture_response(b) {
            let _ = sbi::check_capture(&r, "tx-1", "", &sbi::TrustAnchors::new(), Timestamp::from_unix_ms(0));
        }
        prop_assert!(sbi::verify(&body, &sbi::TrustAnchors::new(), Timestamp::from_unix_ms(0)).is_err());
        let mut v = serde_json::Value::String(body.clone());
        sbi::decoded::add_decoded(&mut v);
    }

    #[test]
    fn sbi_mjpeg_stream(bytes in proptest::collection::vec(any::<u8>(), 0..600), step in 1usize..64, framed in any::<bool>()) {
        // Half the cases start like a stream, so the reader gets past the boundary line.
        let mut body = if framed { b"--f\r\nContent-Length: 5\r\n\r\n".to_vec() } else { Vec::new() };
        body.extend_from_slice(&bytes);
        let mut r = sbi::mjpeg::MjpegReader::new("multipart/x-mixed-replace; boundary=f", 64)
            .expect("a multipart type");
        'feed: for chunk in body.chunks(step) {
            if r.push(chunk).is_err() {
                break;
            }
            loop {
                match r.next_frame() {
                    Ok(Some(f)) => prop_assert!(f.data.len() <= 64),
                    Ok(None) => break,
                    Err(_) => break 'feed,
                }
            }
        }
    }
}

/// A small valid 19794-2011 record: 0 finger, 1 face, 2 iris (one byte of image each).
fn valid_record(kind: u8) -> Vec<u8> {
    use rekam_protocol::iso19794::face::{
        FaceImageDataType, FaceImageInfo, FaceImageRepresentation,
    };
    use rekam_protocol::iso19794::finger_image::{
        FingerCompression, FingerImageRepresentation, ScaleUnits,
    };
    use rekam_protocol::iso19794::iris::{EyeLabel, IrisImageFormat, IrisImageRepresentation};
    use rekam_protocol::iso19794::{CaptureDateTime, CaptureDevice, QualityBlock};
    let quality = vec![QualityBlock {
        score: 50,
        vendor: 15,
        algorithm: 55,
    }];
    let encoded = match kind {
        0 => FingerImageRecord {
            certified: false,
            representations: vec![FingerImageRepresentation {
                captured: CaptureDateTime::UNKNOWN,
                device: CaptureDevice::default(),
                quality,
                certifications: Vec::new(),
                position: 2,
                representation_number: 0,
                scale: ScaleUnits::PixelsPerInch,
                capture_rate: (500, 500),
                image_rate: (500, 500),
                bit_depth: 8,
                compression: FingerCompression::Wsq,
                impression: 0,
                width: 1,
                height: 1,
                image: vec![7],
                extended: Vec::new(),
            }],
        }
        .encode(),
        1 => FaceImageRecord {
            temporal_semantics: 0,
            representations: vec![FaceImageRepresentation {
                captured: CaptureDateTime::UNKNOWN,
                device: CaptureDevice::default(),
                quality,
                face: Default::default(),
                landmarks: Vec::new(),
                image_info: FaceImageInfo {
                    face_image_type: 0,
                    data_type: FaceImageDataType::Jpeg,
                    width: 1,
                    height: 1,
                    spatial_sampling_level: 0,
                    post_processing: 0,
                    cross_reference: 0,
                    colour_space: 1,
                },
                image: vec![7],
            }],
        }
        .encode(),
        _ => IrisImageRecord {
            representations: vec![IrisImageRepresentation {
                captured: CaptureDateTime::UNKNOWN,
                device: CaptureDevice::default(),
                quality,
                representation_number: 1,
                eye: EyeLabel::Left,
                image_type: 3,
                format: IrisImageFormat::Png,
                horizontal_orientation: 0,
                vertical_orientation: 0,
                compression_history: 1,
                width: 1,
                height: 1,
                bit_depth: 8,
                range: 0,
                roll_angle: 0xFFFF,
                roll_uncertainty: 0xFFFF,
                centre_x: (0, 0),
                centre_y: (0, 0),
                diameter: (0, 0),
                image: vec![7],
            }],
        }
        .encode(),
    };
    encoded.expect("a valid record encodes")
}
