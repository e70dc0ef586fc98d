//! ISO/IEC 19794-4/-5/-6:2011 image records: what the writers produce reads back to the same
//! value and bytes, and the readers refuse every length that disagrees, every undefined code and
//! every trailing byte, naming the byte offset.

use rekam_protocol::iso19794::face::{
    FaceImageDataType, FaceImageInfo, FaceImageRepresentation, FacialInformation, LandmarkPoint,
};
use rekam_protocol::iso19794::finger_image::{
    CertificationBlock, ExtendedDataBlock, FingerCompression, FingerImageRepresentation, ScaleUnits,
};
use rekam_protocol::iso19794::iris::{EyeLabel, IrisImageFormat, IrisImageRepresentation};
use rekam_protocol::iso19794::{
    CaptureDateTime, CaptureDevice, EncodeError, FaceImageRecord, FingerImageRecord,
    IrisImageRecord, QualityBlock, RecordError, RecordFault,
};

const WHEN: CaptureDateTime = CaptureDateTime {
    year: 2026,
    month: 11,
    day: 23,
    hour: 9,
    minute: 37,
    second: 5,
    millisecond: 123,
};

fn finger(position: u8) -> FingerImageRepresentation {
    FingerImageRepresentation {
        captured: WHEN,
        device: CaptureDevice {
            technology: 1,
            vendor: 0x1234,
            device_type: 7,
        },
        quality: vec![QualityBlock {
            score: 64,
            vendor: 0x000F,
            algorithm: 0x0037,
        }],
        certifications: Vec::new(),
        position,
        representation_number: 0,
        scale: ScaleUnits::PixelsPerInch,
        capture_rate: (500, 500),
        image_rate: (500, 500),
        bit_depth: 8,
        compression: FingerCompression::Wsq,
        impression: 0,
        width: 416,
        height: 560,
        image: vec![0xFF, 0xA0, 1, 2, 3],
        extended: Vec::new(),
    }
}

fn finger_record() -> FingerImageRecord {
    FingerImageRecord {
        certified: false,
        representations: vec![finger(2)],
    }
}

// Offsets in a one-representation finger record with one quality block and no certification.
const FIR_POSITION: usize = 40;
const FIR_COMPRESSION: usize = 52;
const FIR_IMPRESSION: usize = 53;
const FIR_IMAGE_LENGTH: usize = 58;

fn face_record() -> FaceImageRecord {
    FaceImageRecord {
        temporal_semantics: 0,
        representations: vec![FaceImageRepresentation {
            captured: WHEN,
            device: CaptureDevice::default(),
            quality: Vec::new(),
            face: FacialInformation {
                gender: 2,
                eye_colour: 3,
                hair_colour: 2,
                subject_height: 160,
                properties: 0x000003,
                expression: 1,
                pose: [91, 91, 91],
                pose_uncertainty: [0, 0, 0],
            },
            landmarks: Vec::new(),
            image_info: FaceImageInfo {
                face_image_type: 1,
                data_type: FaceImageDataType::Jpeg,
                width: 600,
                height: 800,
                spatial_sampling_level: 2,
                post_processing: 0,
                cross_reference: 0,
                colour_space: 1,
            },
            image: vec![0xFF, 0xD8, 0xFF, 0xD9],
        }],
    }
}

// Offsets in a one-representation face record without quality blocks or landmarks.
const FAC_FACE_IMAGE_TYPE: usize = 53;
const FAC_DATA_TYPE: usize = 54;

fn iris(eye: EyeLabel) -> IrisImageRepresentation {
    IrisImageRepresentation {
        captured: WHEN,
        device: CaptureDevice::default(),
        quality: vec![QualityBlock {
            score: 80,
            vendor: 0,
            algorithm: 0,
        }],
        representation_number: 1,
        eye,
        image_type: 3,
        format: IrisImageFormat::Png,
        horizontal_orientation: 1,
        vertical_orientation: 1,
        compression_history: 1,
        width: 640,
        height: 480,
        bit_depth: 8,
        range: 0,
        roll_angle: 0xFFFF,
        roll_uncertainty: 0xFFFF,
        centre_x: (300, 340),
        centre_y: (220, 260),
        diameter: (200, 220),
        image: vec![0x89, b'P', b'N', b'G'],
    }
}

// Offsets in a one-representation iris record with one quality block.
const IIR_EYES: usize = 15;
const IIR_FORMAT: usize = 44;
const IIR_PROPERTIES: usize = 45;

fn set_u32(bytes: &mut [u8], at: usize, v: u32) {
    bytes[at..at + 4].copy_from_slice(&v.to_be_bytes());
}

fn fault_at(result: Result<impl std::fmt::Debug, RecordError>) -> (usize, RecordFault) {
    let e = result.expect_err("the record is refused");
    (e.offset, e.fault)
}

#[test]
fn a_finger_record_reads_back_to_the_value_and_bytes_it_was_written_from() {
    let record = FingerImageRecord {
        certified: false,
        representations: vec![finger(2), finger(7), finger(2)],
    };
    let bytes = record.encode().expect("encodes");
    assert_eq!(&bytes[..8], b"FIR\x00020\x00");
    assert_eq!(
        u32::from_be_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
        bytes.len()
    );
    // Two distinct positions among three representations.
    assert_eq!(bytes[15], 2);
    let parsed = FingerImageRecord::parse(&bytes).expect("parses");
    assert_eq!(parsed, record);
    assert_eq!(parsed.encode().expect("re-encodes"), bytes);
}

#[test]
fn certification_blocks_travel_only_when_the_record_is_certified() {
    let mut rep = finger(1);
    rep.certifications = vec![CertificationBlock {
        authority: 0x0101,
        scheme: 3,
    }];
    let record = FingerImageRecord {
        certified: true,
        representations: vec![rep],
    };
    let bytes = record.encode().expect("encodes");
    assert_eq!(bytes[14], 1);
    assert_eq!(FingerImageRecord::parse(&bytes).expect("parses"), record);
    // A flag other than 0 or 1 is no defined code.
    let mut bad = bytes.clone();
    bad[14] = 2;
    assert_eq!(
        fault_at(FingerImageRecord::parse(&bad)),
        (
            14,
            RecordFault::UnknownCode {
                field: "certification flag",
                value: 2
            }
        )
    );
}

#[test]
fn extended_data_blocks_after_the_image_are_kept_and_rewritten_unchanged() {
    let mut rep = finger(3);
    rep.extended = vec![
        ExtendedDataBlock {
            code: 0x0003,
            data: b"comment".to_vec(),
        },
        ExtendedDataBlock {
            code: 0x0100,
            data: Vec::new(),
        },
    ];
    let record = FingerImageRecord {
        certified: false,
        representations: vec![rep],
    };
    let bytes = record.encode().expect("encodes");
    assert_eq!(FingerImageRecord::parse(&bytes).expect("parses"), record);
}

#[test]
fn a_record_whose_length_disagrees_with_its_header_is_rejected() {
    let mut bytes = finger_record().encode().expect("encodes");
    let n = bytes.len() as u32;
    set_u32(&mut bytes, 8, n + 1);
    assert_eq!(
        fault_at(FingerImageRecord::parse(&bytes)),
        (
            8,
            RecordFault::Length {
                field: "record length",
                declared: u64::from(n) + 1,
                actual: u64::from(n)
            }
        )
    );
}

#[test]
fn a_representation_longer_than_the_record_is_rejected_at_its_length_field() {
    let mut bytes = finger_record().encode().expect("encodes");
    let rep_len = bytes.len() as u32 - 16;
    set_u32(&mut bytes, 16, rep_len + 1);
    let (offset, fault) = fault_at(FingerImageRecord::parse(&bytes));
    assert_eq!(offset, 16);
    assert!(
        matches!(
            fault,
            RecordFault::Length {
                field: "representation length",
                ..
            }
        ),
        "{fault}"
    );
}

#[test]
fn an_image_length_past_its_representation_is_rejected() {
    let mut bytes = finger_record().encode().expect("encodes");
    set_u32(&mut bytes, FIR_IMAGE_LENGTH, 6);
    assert_eq!(
        fault_at(FingerImageRecord::parse(&bytes)),
        (
            FIR_IMAGE_LENGTH,
            RecordFault::Length {
                field: "image data length",
                declared: 6,
                actual: 5
            }
        )
    );
}

#[test]
fn a_shorter_image_length_leaves_bytes_that_must_form_extended_blocks() {
    let mut bytes = finger_record().encode().expect("encodes");
    // Two image bytes fewer: the remaining "02 03" is read as an extended block type 0x0203
    // whose length field is missing.
    set_u32(&mut bytes, FIR_IMAGE_LENGTH, 3);
    let (_, fault) = fault_at(FingerImageRecord::parse(&bytes));
    assert_eq!(fault, RecordFault::Truncated("extended data block length"));
}

#[test]
fn bytes_after_the_last_representation_are_rejected() {
    let mut bytes = finger_record().encode().expect("encodes");
    let n = bytes.len();
    bytes.extend_from_slice(&[0, 0, 0]);
    set_u32(&mut bytes, 8, n as u32 + 3);
    assert_eq!(
        fault_at(FingerImageRecord::parse(&bytes)),
        (n, RecordFault::TrailingBytes(3))
    );
}

#[test]
fn an_undefined_compression_code_is_rejected_with_its_offset() {
    let mut bytes = finger_record().encode().expect("encodes");
    bytes[FIR_COMPRESSION] = 7;
    assert_eq!(
        fault_at(FingerImageRecord::parse(&bytes)),
        (
            FIR_COMPRESSION,
            RecordFault::UnknownCode {
                field: "compression algorithm",
                value: 7
            }
        )
    );
}

#[test]
fn reserved_impression_types_and_positions_are_rejected() {
    let mut bytes = finger_record().encode().expect("encodes");
    bytes[FIR_IMPRESSION] = 20;
    assert_eq!(fault_at(FingerImageRecord::parse(&bytes)).0, FIR_IMPRESSION);
    let mut bytes = finger_record().encode().expect("encodes");
    bytes[FIR_POSITION] = 11;
    assert_eq!(
        fault_at(FingerImageRecord::parse(&bytes)),
        (
            FIR_POSITION,
            RecordFault::UnknownCode {
                field: "finger/palm position",
                value: 11
            }
        )
    );
}

#[test]
fn the_distinct_positions_byte_must_match_the_representations() {
    let mut bytes = finger_record().encode().expect("encodes");
    bytes[15] = 2;
    let (offset, fault) = fault_at(FingerImageRecord::parse(&bytes));
    assert_eq!(offset, 15);
    assert!(matches!(
        fault,
        RecordFault::Invalid {
            field: "number of distinct positions",
            ..
        }
    ));
}

#[test]
fn an_impossible_capture_month_is_rejected() {
    let mut bytes = finger_record().encode().expect("encodes");
    bytes[22] = 13;
    let (offset, fault) = fault_at(FingerImageRecord::parse(&bytes));
    assert_eq!(offset, 22);
    assert!(matches!(
        fault,
        RecordFault::Invalid {
            field: "capture month",
            value: 13,
            ..
        }
    ));
}

#[test]
fn a_quality_score_between_100_and_255_is_rejected() {
    let mut bytes = finger_record().encode().expect("encodes");
    bytes[35] = 101;
    assert_eq!(fault_at(FingerImageRecord::parse(&bytes)).0, 35);
}

#[test]
fn every_truncation_of_a_record_is_rejected_without_panicking() {
    let bytes = finger_record().encode().expect("encodes");
    for n in 0..bytes.len() {
        assert!(
            FingerImageRecord::parse(&bytes[..n]).is_err(),
            "prefix of {n} bytes"
        );
    }
    let bytes = face_record().encode().expect("encodes");
    for n in 0..bytes.len() {
        assert!(
            FaceImageRecord::parse(&bytes[..n]).is_err(),
            "prefix of {n} bytes"
        );
    }
}

#[test]
fn a_face_record_is_not_read_as_a_finger_record() {
    let bytes = face_record().encode().expect("encodes");
    let (offset, fault) = fault_at(FingerImageRecord::parse(&bytes));
    assert_eq!(offset, 0);
    assert!(matches!(fault, RecordFault::WrongFormat { .. }), "{fault}");
}

#[test]
fn the_writer_refuses_what_the_reader_would_refuse() {
    let record = FingerImageRecord {
        certified: false,
        representations: vec![finger(11)],
    };
    assert!(matches!(record.encode(), Err(EncodeError::Invalid(_))));
    let empty = FingerImageRecord {
        certified: false,
        representations: Vec::new(),
    };
    assert_eq!(empty.encode(), Err(EncodeError::Empty));
}

#[test]
fn a_face_record_with_landmarks_reads_back_to_the_same_value_and_bytes() {
    let mut record = face_record();
    record.representations[0].landmarks = vec![
        LandmarkPoint {
            kind: 1,
            code: 0x31,
            x: 250,
            y: 300,
            z: 0,
        },
        LandmarkPoint {
            kind: 1,
            code: 0x32,
            x: 350,
            y: 300,
            z: 0,
        },
    ];
    record.representations[0].quality = vec![QualityBlock {
        score: 90,
        vendor: 1,
        algorithm: 1,
    }];
    let bytes = record.encode().expect("encodes");
    assert_eq!(&bytes[..8], b"FAC\x00030\x00");
    let parsed = FaceImageRecord::parse(&bytes).expect("parses");
    assert_eq!(parsed, record);
    assert_eq!(parsed.encode().expect("re-encodes"), bytes);
}

#[test]
fn a_3d_face_representation_is_refused_as_unsupported() {
    let mut bytes = face_record().encode().expect("encodes");
    bytes[FAC_FACE_IMAGE_TYPE] = 0x81;
    assert_eq!(
        fault_at(FaceImageRecord::parse(&bytes)),
        (
            FAC_FACE_IMAGE_TYPE,
            RecordFault::Unsupported("a 3D face representation")
        )
    );
}

#[test]
fn an_undefined_face_image_data_type_is_rejected() {
    let mut bytes = face_record().encode().expect("encodes");
    bytes[FAC_DATA_TYPE] = 4;
    assert_eq!(
        fault_at(FaceImageRecord::parse(&bytes)),
        (
            FAC_DATA_TYPE,
            RecordFault::UnknownCode {
                field: "image data type",
                value: 4
            }
        )
    );
}

#[test]
fn an_iris_record_of_both_eyes_reads_back_to_the_same_value_and_bytes() {
    let record = IrisImageRecord {
        representations: vec![iris(EyeLabel::Right), iris(EyeLabel::Left)],
    };
    let bytes = record.encode().expect("encodes");
    assert_eq!(&bytes[..8], b"IIR\x00020\x00");
    assert_eq!(bytes[IIR_EYES], 2);
    let parsed = IrisImageRecord::parse(&bytes).expect("parses");
    assert_eq!(parsed, record);
    assert_eq!(parsed.encode().expect("re-encodes"), bytes);
}

#[test]
fn an_eye_count_that_disagrees_with_the_labels_is_rejected() {
    let record = IrisImageRecord {
        representations: vec![iris(EyeLabel::Left)],
    };
    let mut bytes = record.encode().expect("encodes");
    bytes[IIR_EYES] = 2;
    assert_eq!(fault_at(IrisImageRecord::parse(&bytes)).0, IIR_EYES);
}

#[test]
fn iris_formats_of_the_2005_table_and_reserved_property_bits_are_rejected() {
    let record = IrisImageRecord {
        representations: vec![iris(EyeLabel::Left)],
    };
    let mut bytes = record.encode().expect("encodes");
    bytes[IIR_FORMAT] = 0x06;
    assert_eq!(
        fault_at(IrisImageRecord::parse(&bytes)),
        (
            IIR_FORMAT,
            RecordFault::UnknownCode {
                field: "image format",
                value: 6
            }
        )
    );
    let mut bytes = record.encode().expect("encodes");
    bytes[IIR_PROPERTIES] |= 0x10;
    assert_eq!(fault_at(IrisImageRecord::parse(&bytes)).0, IIR_PROPERTIES);
}
