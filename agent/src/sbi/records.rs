//! Minimal ISO/IEC 19794-4/-5/-6:2011 record writers for SBI `bioValue`s: one representation
//! per record, as MOSIP devices send one finger, face or eye per biometrics entry.
//!
//! Contract: the layouts are those of the 2011 editions as MOSIP's sample CBEFF records carry
//! them (`../shared/data/mosip/*.xml`, checked byte for byte against their headers): big-endian
//! fields, a 16-byte (finger, iris) or 17-byte (face) general header, one representation with a
//! 9-byte capture date, one quality block, no certification blocks. Fingers are WSQ
//! (compression 2), faces JPEG (image data type 0) or PNG (3), irises mono PNG (format 0x0E).
//! This module is private to the SBI server until the project's own ISO 19794 writers
//! (`rekam_protocol::iso19794`) land; it only writes, the reader side is theirs.

use time::OffsetDateTime;

/// Quality block vendor and algorithm IDs for NFIQ 2 scores. MOSIP's finger samples use
/// 0x000F / 0x000F (NIST's registered CBEFF vendor ID); we follow them.
const NIST_VENDOR: u16 = 0x000F;
const NFIQ2_ALGORITHM: u16 = 0x000F;

fn date_time(at: OffsetDateTime) -> [u8; 9] {
    let mut d = [0u8; 9];
    d[..2].copy_from_slice(&(at.year().clamp(0, 9999) as u16).to_be_bytes());
    d[2] = u8::from(at.month());
    d[3] = at.day();
    d[4] = at.hour();
    d[5] = at.minute();
    d[6] = at.second();
    d[7..].copy_from_slice(&at.millisecond().to_be_bytes());
    d
}

fn u16_of(what: &str, v: u32) -> Result<[u8; 2], String> {
    u16::try_from(v)
        .map(u16::to_be_bytes)
        .map_err(|_| format!("{what} {v} does not fit the record's 16 bits"))
}

fn len32(what: &str, v: usize) -> Result<[u8; 4], String> {
    u32::try_from(v)
        .map(u32::to_be_bytes)
        .map_err(|_| format!("{what} of {v} bytes is too long for a record"))
}

/// The capture common block: date, device technology/vendor/type, one quality block.
fn capture_block(at: OffsetDateTime, quality: u8, vendor: u16, algorithm: u16) -> Vec<u8> {
    let mut b = Vec::with_capacity(24);
    b.extend_from_slice(&date_time(at));
    // Technology, vendor and type unspecified (0).
    b.extend_from_slice(&[0, 0, 0, 0, 0]);
    b.push(1);
    b.push(quality.min(100));
    b.extend_from_slice(&vendor.to_be_bytes());
    b.extend_from_slice(&algorithm.to_be_bytes());
    b
}

/// A finger image record (ISO/IEC 19794-4:2011) holding one WSQ image.
pub struct FingerRecord<'a> {
    /// When captured.
    pub at: OffsetDateTime,
    /// ISO finger position (1 right thumb ... 10 left little).
    pub position: u8,
    /// NFIQ 2 score, 0-100.
    pub quality: u8,
    /// Resolution (pixels per inch).
    pub ppi: u16,
    /// Width and height in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// The WSQ bytes.
    pub wsq: &'a [u8],
}

/// Writes a finger image record.
pub fn finger(r: &FingerRecord<'_>) -> Result<Vec<u8>, String> {
    let mut rep = Vec::with_capacity(64 + r.wsq.len());
    rep.extend_from_slice(&capture_block(
        r.at,
        r.quality,
        NIST_VENDOR,
        NFIQ2_ALGORITHM,
    ));
    rep.push(r.position);
    rep.push(0); // representation number
    rep.push(1); // scale units: pixels per inch
    for _ in 0..4 {
        // Capture device and image sampling rates, horizontal and vertical.
        rep.extend_from_slice(&r.ppi.to_be_bytes());
    }
    rep.push(8); // bit depth
    rep.push(2); // WSQ
    rep.push(0); // impression: live-scan plain
    rep.extend_from_slice(&u16_of("width", r.width)?);
    rep.extend_from_slice(&u16_of("height", r.height)?);
    rep.extend_from_slice(&len32("image", r.wsq.len())?);
    rep.extend_from_slice(r.wsq);
    let mut out = Vec::with_capacity(16 + 4 + rep.len());
    out.extend_from_slice(b"FIR\x00020\x00");
    out.extend_from_slice(&len32("record", 16 + 4 + rep.len())?);
    out.extend_from_slice(&1u16.to_be_bytes()); // representations
    out.push(0); // certification flag
    out.push(1); // distinct finger positions
    out.extend_from_slice(&len32("representation", 4 + rep.len())?);
    out.extend_from_slice(&rep);
    Ok(out)
}

/// How a face image is encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaceEncoding {
    /// Baseline JPEG (image data type 0).
    Jpeg,
    /// PNG (image data type 3).
    Png,
}

/// Writes a face image record (ISO/IEC 19794-5:2011) holding one full-frontal colour image.
pub fn face(
    at: OffsetDateTime,
    quality: u8,
    encoding: FaceEncoding,
    width: u32,
    height: u32,
    image: &[u8],
) -> Result<Vec<u8>, String> {
    let mut rep = Vec::with_capacity(64 + image.len());
    // rekam's own face checks: vendor and algorithm unregistered (0).
    rep.extend_from_slice(&capture_block(at, quality, 0, 0));
    // Facial information: no landmarks, gender/eyes/hair unspecified, height 0, no property
    // mask, neutral expression unspecified, pose angles and uncertainties unspecified.
    rep.extend_from_slice(&[0u8; 17]);
    rep.push(1); // face image type: full frontal
    rep.push(match encoding {
        FaceEncoding::Jpeg => 0,
        FaceEncoding::Png => 3,
    });
    rep.extend_from_slice(&u16_of("width", width)?);
    rep.extend_from_slice(&u16_of("height", height)?);
    rep.push(0); // spatial sampling rate unspecified
    rep.extend_from_slice(&[0, 0]); // post-acquisition processing: none
    rep.push(0); // cross reference
    rep.push(1); // colour space: 24-bit RGB
    rep.extend_from_slice(&len32("image", image.len())?);
    rep.extend_from_slice(image);
    let mut out = Vec::with_capacity(17 + 4 + rep.len());
    out.extend_from_slice(b"FAC\x00030\x00");
    out.extend_from_slice(&len32("record", 17 + 4 + rep.len())?);
    out.extend_from_slice(&1u16.to_be_bytes()); // representations
    out.push(0); // certification flag
    out.extend_from_slice(&[0, 0]); // temporal semantics: one still
    out.extend_from_slice(&len32("representation", 4 + rep.len())?);
    out.extend_from_slice(&rep);
    Ok(out)
}

/// Which eye.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Eye {
    /// Eye label 1.
    Right,
    /// Eye label 2.
    Left,
}

/// Writes an iris image record (ISO/IEC 19794-6:2011) holding one cropped mono PNG image.
pub fn iris(
    at: OffsetDateTime,
    eye: Eye,
    quality: u8,
    width: u32,
    height: u32,
    png: &[u8],
) -> Result<Vec<u8>, String> {
    let mut rep = Vec::with_capacity(64 + png.len());
    rep.extend_from_slice(&capture_block(at, quality, 0, 0));
    rep.extend_from_slice(&1u16.to_be_bytes()); // representation number
    rep.push(match eye {
        Eye::Right => 1,
        Eye::Left => 2,
    });
    rep.push(3); // image type: cropped
    rep.push(0x0E); // mono PNG
    rep.push(0); // orientation undefined, no compression history
    rep.extend_from_slice(&u16_of("width", width)?);
    rep.extend_from_slice(&u16_of("height", height)?);
    rep.push(8); // bit depth
    rep.extend_from_slice(&[0, 0]); // range unknown
    rep.extend_from_slice(&[0xFF, 0xFF, 0xFF, 0xFF]); // roll angle and uncertainty undefined
    rep.extend_from_slice(&[0u8; 12]); // iris centre and diameter unknown
    rep.extend_from_slice(&len32("image", png.len())?);
    rep.extend_from_slice(png);
    let mut out = Vec::with_capacity(16 + 4 + rep.len());
    out.extend_from_slice(b"IIR\x00020\x00");
    out.extend_from_slice(&len32("record", 16 + 4 + rep.len())?);
    out.extend_from_slice(&1u16.to_be_bytes()); // representations
    out.push(0); // certification flag
    out.push(1); // eyes represented
    out.extend_from_slice(&len32("representation", 4 + rep.len())?);
    out.extend_from_slice(&rep);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at() -> OffsetDateTime {
        time::macros::datetime!(2026-12-03 06:07:08.009 UTC)
    }

    #[test]
    fn a_finger_record_has_the_2011_layout_mosips_samples_have() {
        let r = finger(&FingerRecord {
            at: at(),
            position: 7,
            quality: 55,
            ppi: 500,
            width: 300,
            height: 400,
            wsq: b"\xff\xa0WSQ",
        })
        .expect("record");
        assert_eq!(&r[..8], b"FIR\x00020\x00");
        assert_eq!(
            u32::from_be_bytes([r[8], r[9], r[10], r[11]]) as usize,
            r.len()
        );
        // Representation length covers the rest of the record.
        assert_eq!(
            u32::from_be_bytes([r[16], r[17], r[18], r[19]]) as usize,
            r.len() - 16
        );
        assert_eq!(&r[20..29], &[0x07, 0xEA, 12, 3, 6, 7, 8, 0, 9]);
        // Quality block, then position 7, WSQ, 300 x 400, the image length and the image.
        assert_eq!(&r[34..40], &[1, 55, 0, 0x0F, 0, 0x0F]);
        assert_eq!(r[40], 7);
        assert_eq!(&r[51..54], &[8, 2, 0]);
        assert_eq!(&r[54..58], &[0x01, 0x2C, 0x01, 0x90]);
        assert_eq!(&r[58..62], &[0, 0, 0, 5]);
        assert_eq!(&r[62..], b"\xff\xa0WSQ");
    }

    #[test]
    fn face_and_iris_records_measure_themselves_and_end_with_their_image() {
        let f = face(at(), 80, FaceEncoding::Jpeg, 480, 640, b"JPEG").expect("face");
        assert_eq!(&f[..8], b"FAC\x00030\x00");
        assert_eq!(
            u32::from_be_bytes([f[8], f[9], f[10], f[11]]) as usize,
            f.len()
        );
        assert_eq!(
            u32::from_be_bytes([f[17], f[18], f[19], f[20]]) as usize,
            f.len() - 17
        );
        assert!(f.ends_with(b"\0\0\0\x04JPEG"));
        let i = iris(at(), Eye::Left, 70, 640, 480, b"PNG").expect("iris");
        assert_eq!(&i[..8], b"IIR\x00020\x00");
        assert_eq!(
            u32::from_be_bytes([i[16], i[17], i[18], i[19]]) as usize,
            i.len() - 16
        );
        // Header 24 + representation number 2 + image information 27, as MOSIP's samples.
        assert_eq!(i.len(), 16 + 4 + 20 + 2 + 27 + 4 + 3);
        assert!(i.ends_with(b"\0\0\0\x03PNG"));
    }
}
