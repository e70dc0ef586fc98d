//! The ANSI/NIST-ITL 1-2011 transaction for one enrollment: Type-1 header, Type-2 demographics,
//! a Type-14 record per finger position, Type-10 face, Type-17 per iris, Type-8 signature.
//!
//! Contract: [`transaction`] is pure: the time and the agencies come in as [`ExportContext`], and
//! the signature comes in already turned into one-bit pixels ([`SignatureBitmap`]), because the
//! enrollment keeps it as a PNG and Type-8 has no PNG form (scanned images are uncompressed
//! one-bit pixels), and protocol decodes no images. Without a bitmap there is no Type-8 record.
//! An enrollment the writer cannot carry faithfully is refused (a finger image without a
//! resolution, a WSQ face), never patched.
//!
//! Choices, which a receiver must know:
//! - 1.004 TOT `EKTP`, 1.009 TCN the enrollment id, 1.013 DOM `REKAM` version `1.0`, defining the
//!   Type-2 fields below. 10.004/14.004/17.004 SRC is the recording site code.
//! - Type-2 (IDC 0), user-defined fields, one value each unless stated:
//!   2.100 enrollment id; 2.101 NIK; 2.102 full name; 2.103 place of birth; 2.104 date of birth
//!   (YYYYMMDD); 2.105 sex (`M`/`F`); 2.106 blood type as on the card (`-` when unknown);
//!   2.107 address as items: street, RT, RW, village, district, regency, province, and the postal
//!   code when known; 2.108 religion; 2.109 marital status (`belum_kawin`, `kawin`, `cerai_hidup`,
//!   `cerai_mati`); 2.110 occupation; 2.111 citizenship: `WNI`, or `WNA` and the ISO 3166 alpha-3
//!   country as two items; 2.112 site code, workstation id and operator id as items.
//! - Type-14 per finger position 1-10, IDC counting from 2 after the face: IMP 0 (live-scan plain,
//!   also for fingers segmented from a slap) or 1 (rolled); CGA from the image (WSQ20 or PNG);
//!   NQM 254 (NFIQ 1 was not computed); FQM with the capture's score, for NFIQ 2 scores
//!   (algorithms named `nfiq-2...`/`nfiq2...`) under the NFIQ 2 ids (vendor 0x0101, product 0x39,
//!   as NIST's NFIQ 2 declares them), for any other algorithm under vendor 0xFFFF (unregistered),
//!   product 1. An exception is a Type-14 without image and AMP `XX` (amputated) or `UP`
//!   (bandaged, unable to print); its photo is not a friction-ridge image and is not exported.
//!   The enrollment keeps the fingers segmented from slaps, not the slap images, so no slap
//!   record (FGP 13-15 with 14.021 SEG) is written here, though [`super::records`] writes them.
//! - Type-10 (IDC 1): SAP 10, POS F, CSP SRGB or GRAY from the photo, CGA JPEGB or PNG.
//! - Type-17: ELR 1 right, 2 left; CGA PNG.
//! - Type-8: the subject's signature, scanned (SRT 0), declared at the minimum scanning resolution
//!   (ISR 0), as a pad's pixels have no scanning resolution of their own.

use super::records::{
    AmpCode, Cga, ColorSpace, Eye, FingerContent, FingerQuality, ImageData, NewRecord,
    NewTransaction, Type1, Type2, Type8, Type10, Type14, Type17,
};
use super::write::WriteError;
use crate::model::{
    Citizenship, Enrollment, ExceptionReason, FingerRecord, Image, ImageEncoding, Impression,
    PixelFormat, QualityScore,
};
use crate::nik::Sex;
use crate::timefmt::Timestamp;

/// What the enrollment does not say: when and by whom the transaction is made, and for whom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportContext {
    /// When the transaction is made (1.005 DAT, 1.014 GMT).
    pub created: Timestamp,
    /// 1.008 ORI.
    pub originating_agency: String,
    /// 1.007 DAI.
    pub destination_agency: String,
}

/// A signature as one-bit pixels for Type-8: 1 is ink, rows padded to whole bytes, most
/// significant bit leftmost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureBitmap {
    /// Pixels per row.
    pub width: u16,
    /// Rows.
    pub height: u16,
    /// `ceil(width / 8) * height` bytes.
    pub bits: Vec<u8>,
}

impl SignatureBitmap {
    /// Thresholds 8-bit gray pixels (row by row, `width * height` of them): darker than
    /// `threshold` is ink. `None` when the pixel count disagrees with the size.
    pub fn from_gray(
        width: u16,
        height: u16,
        gray: &[u8],
        threshold: u8,
    ) -> Option<SignatureBitmap> {
        let (w, h) = (usize::from(width), usize::from(height));
        if gray.len() != w * h {
            return None;
        }
        let row_bytes = w.div_ceil(8);
        let mut bits = vec![0u8; row_bytes * h];
        for (y, row) in gray.chunks(w.max(1)).enumerate().take(h) {
            for (x, &px) in row.iter().enumerate() {
                if px < threshold {
                    bits[y * row_bytes + x / 8] |= 0x80 >> (x % 8);
                }
            }
        }
        Some(SignatureBitmap {
            width,
            height,
            bits,
        })
    }
}

/// Why an enrollment could not be exported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExportError {
    /// The enrollment holds something a transaction cannot carry as it is.
    #[error("{what}: {problem}")]
    Enrollment {
        /// Which capture.
        what: String,
        /// Why.
        problem: String,
    },
    /// A value does not fit its field.
    #[error(transparent)]
    Write(#[from] WriteError),
}

fn refuse(what: impl Into<String>, problem: impl Into<String>) -> ExportError {
    ExportError::Enrollment {
        what: what.into(),
        problem: problem.into(),
    }
}

/// 1.004 TOT of an exported enrollment.
pub const TRANSACTION_TYPE: &str = "EKTP";
/// 1.013 DOM: the domain defining the Type-2 fields.
pub const DOMAIN: (&str, &str) = ("REKAM", "1.0");
/// 10.013 SAP written for the face.
pub const FACE_PROFILE: u8 = 10;

fn image_data(
    what: &str,
    image: &Image,
    allowed: &[(ImageEncoding, Cga)],
) -> Result<ImageData, ExportError> {
    let cga = allowed
        .iter()
        .find(|(e, _)| *e == image.encoding)
        .map(|(_, c)| *c)
        .ok_or_else(|| {
            refuse(
                what,
                format!("a {:?} image cannot go in this record", image.encoding),
            )
        })?;
    Ok(ImageData {
        width: image.width,
        height: image.height,
        compression: cga,
        data: image.data.bytes().to_vec(),
    })
}

fn ppi(what: &str, image: &Image) -> Result<u32, ExportError> {
    image
        .ppi
        .map(u32::from)
        .ok_or_else(|| refuse(what, "the image has no resolution (ppi)"))
}

/// The FQM vendor and product for a quality algorithm's name.
pub fn quality_algorithm_ids(algorithm: &str) -> (u16, u16) {
    let a = algorithm.to_ascii_lowercase();
    if a.starts_with("nfiq-2") || a.starts_with("nfiq2") {
        (0x0101, 0x39)
    } else {
        (0xFFFF, 1)
    }
}

fn finger_quality(position: u8, q: &QualityScore) -> FingerQuality {
    let (vendor, product) = quality_algorithm_ids(&q.algorithm);
    FingerQuality {
        position,
        score: q.score,
        vendor,
        product,
    }
}

fn serde_name<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

fn demographics(e: &Enrollment) -> Type2 {
    let a = &e.applicant;
    let one = |s: String| vec![vec![s]];
    let d = a.date_of_birth;
    let mut address = vec![
        a.address.street.clone(),
        a.address.rt.to_string(),
        a.address.rw.to_string(),
        a.address.village.clone(),
        a.address.district.clone(),
        a.address.regency.clone(),
        a.address.province.clone(),
    ];
    if let Some(p) = &a.address.postal_code {
        address.push(p.clone());
    }
    let blood = match serde_name(&a.blood_type).as_str() {
        "unknown" => "-".to_string(),
        other => other.to_string(),
    };
    let citizenship = match &a.citizenship {
        Citizenship::Wni => vec!["WNI".to_string()],
        Citizenship::Wna { country } => vec!["WNA".to_string(), country.clone()],
    };
    Type2 {
        idc: 0,
        fields: vec![
            (100, one(e.id.to_string())),
            (101, one(a.nik.to_string())),
            (102, one(a.full_name.clone())),
            (103, one(a.place_of_birth.clone())),
            (
                104,
                one(format!(
                    "{:04}{:02}{:02}",
                    d.year(),
                    u8::from(d.month()),
                    d.day()
                )),
            ),
            (
                105,
                one(match a.sex {
                    Sex::Male => "M".into(),
                    Sex::Female => "F".into(),
                }),
            ),
            (106, one(blood)),
            (107, vec![address]),
            (108, one(serde_name(&a.religion))),
            (109, one(serde_name(&a.marital_status))),
            (110, one(a.occupation.clone())),
            (111, vec![citizenship]),
            (
                112,
                vec![vec![
                    e.context.site_code.clone(),
                    e.context.workstation_id.clone(),
                    e.context.operator_id.clone(),
                ]],
            ),
        ],
    }
}

/// The transaction for `enrollment`; see the module documentation for what goes where.
pub fn transaction(
    enrollment: &Enrollment,
    ctx: &ExportContext,
    signature: Option<&SignatureBitmap>,
) -> Result<NewTransaction, ExportError> {
    let site = enrollment.context.site_code.clone();
    let date = enrollment.context.started_at.date();
    let b = &enrollment.biometrics;
    let mut records = vec![NewRecord::Text(demographics(enrollment))];
    let mut idc = 1u8;
    let mut next_idc = || {
        let i = idc;
        idc = idc.saturating_add(1);
        i
    };

    let face = &b.face.image;
    records.push(NewRecord::Face(Type10 {
        idc: next_idc(),
        source_agency: site.clone(),
        capture_date: date,
        image: image_data(
            "face",
            face,
            &[
                (ImageEncoding::Jpeg, Cga::JpegB),
                (ImageEncoding::Png, Cga::Png),
            ],
        )?,
        color_space: match face.pixels {
            PixelFormat::Rgb8 => ColorSpace::Srgb,
            PixelFormat::Gray8 => ColorSpace::Gray,
        },
        acquisition_profile: FACE_PROFILE,
        pose: 'F',
    }));

    for entry in &b.fingers {
        let position = entry.position.code();
        let what = format!("finger {}", entry.position);
        let (impression, content) = match &entry.record {
            FingerRecord::Captured(c) => (
                match c.impression {
                    Impression::Rolled => 1,
                    Impression::Plain | Impression::SlapSegment => 0,
                },
                FingerContent::Image {
                    image: image_data(
                        &what,
                        &c.image,
                        &[
                            (ImageEncoding::Wsq, Cga::Wsq20),
                            (ImageEncoding::Png, Cga::Png),
                        ],
                    )?,
                    ppi: ppi(&what, &c.image)?,
                    nist_quality: vec![(position, 254)],
                    quality: vec![finger_quality(position, &c.quality)],
                    segments: Vec::new(),
                    missing: Vec::new(),
                },
            ),
            FingerRecord::Exception(x) => (
                0,
                FingerContent::Missing(match x.reason {
                    ExceptionReason::Amputated => AmpCode::Amputated,
                    ExceptionReason::Bandaged | ExceptionReason::UnableToPrint => {
                        AmpCode::UnableToPrint
                    }
                }),
            ),
        };
        records.push(NewRecord::Finger(Type14 {
            idc: next_idc(),
            impression,
            source_agency: site.clone(),
            capture_date: date,
            position,
            content,
        }));
    }

    for (eye, capture) in [(Eye::Right, &b.irises.right), (Eye::Left, &b.irises.left)] {
        let Some(c) = capture else { continue };
        let what = format!("{eye:?} iris").to_lowercase();
        records.push(NewRecord::Iris(Type17 {
            idc: next_idc(),
            eye,
            source_agency: site.clone(),
            capture_date: date,
            image: image_data(&what, &c.image, &[(ImageEncoding::Png, Cga::Png)])?,
            ppi: ppi(&what, &c.image)?,
        }));
    }

    if let Some(sig) = signature {
        records.push(NewRecord::Signature(Type8 {
            idc: next_idc(),
            official: false,
            native_resolution: false,
            width: sig.width,
            height: sig.height,
            bits: sig.bits.clone(),
        }));
    }
    if idc == u8::MAX {
        return Err(refuse("enrollment", "more records than IDCs 1-99"));
    }

    Ok(NewTransaction {
        header: Type1 {
            transaction_type: TRANSACTION_TYPE.into(),
            destination_agency: ctx.destination_agency.clone(),
            originating_agency: ctx.originating_agency.clone(),
            control_number: enrollment.id.to_string(),
            domain: (DOMAIN.0.into(), DOMAIN.1.into()),
            created: ctx.created,
        },
        records,
    })
}

/// The transaction's bytes for `enrollment`.
pub fn encode(
    enrollment: &Enrollment,
    ctx: &ExportContext,
    signature: Option<&SignatureBitmap>,
) -> Result<Vec<u8>, ExportError> {
    Ok(transaction(enrollment, ctx, signature)?.encode()?)
}
