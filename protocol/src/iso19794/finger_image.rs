//! ISO/IEC 19794-4:2011 finger image records (`FIR\0`, version `020\0`).
//!
//! Layout (big-endian): general header of 16 bytes — format identifier, version, record length
//! (4 bytes, whole record), number of representations (2), certification flag (1: 0 or 1),
//! number of distinct finger/palm positions (1). Each representation: its length (4 bytes,
//! itself included), capture date and time (9), device technology (1, codes 0-20), vendor (2),
//! device type (2), quality blocks (count, then 5 bytes each), when the certification flag is 1
//! certification blocks (count, then authority (2) and scheme (1) each), finger/palm position
//! (1), representation number (1), scale units (1: 1 ppi, 2 pixels per cm), capture device
//! horizontal and vertical sampling rates (2 each), image horizontal and vertical sampling rates
//! (2 each), bit depth (1, 1-16), compression (1: 0 raw, 1 raw bit-packed, 2 WSQ, 3 JPEG,
//! 4 JPEG 2000 lossy, 5 JPEG 2000 lossless, 6 PNG), impression type (1), image width and height
//! (2 each), image data length (4) and the image; then extended data blocks (type code (2,
//! 0x0001 segmentation, 0x0002 annotation, 0x0003-0x00FF comment, 0x0100 and up vendor), block
//! length (2, its 4-byte header included) and data) up to the representation's length.
//!
//! Contract: see [`super`]. Besides the lengths, the reader checks that the distinct-positions
//! byte equals the number of distinct positions among the representations. Extended data
//! blocks are kept as opaque bytes with their type code, so they re-encode unchanged.

use super::{
    CaptureDateTime, CaptureDevice, EncodeError, QualityBlock, Reader, RecordError, RecordFault,
    expect_magic, expect_record_length, expect_representation_end, fits, patch_u32, put_u16,
    put_u32, read_image, read_quality_blocks, representation_end, write_quality_blocks,
};

const MAGIC: &[u8; 8] = b"FIR\x00020\x00";
const HEADER_LEN: usize = 16;
/// A representation without quality, certification or extended blocks and with no image.
const MIN_REPRESENTATION_LEN: usize = 46;

/// A finger image record: one or more representations (images of fingers, slaps or palms).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FingerImageRecord {
    /// The certification flag: when set, each representation carries its certification blocks.
    pub certified: bool,
    /// The representations, at least one.
    pub representations: Vec<FingerImageRepresentation>,
}

/// One finger (or slap, or palm) image with how it was taken.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FingerImageRepresentation {
    /// When.
    pub captured: CaptureDateTime,
    /// With what (technology codes 0-20 of 19794-4:2011).
    pub device: CaptureDevice,
    /// Quality blocks (at most 255).
    pub quality: Vec<QualityBlock>,
    /// Certification blocks; written only when the record's `certified` flag is set.
    pub certifications: Vec<CertificationBlock>,
    /// Finger or palm position code (0 unknown, 1-10 fingers as ANSI/NIST, 13-15 slaps, 20-36
    /// palms, 40-50 finger combinations).
    pub position: u8,
    /// Number of this representation among those of the same position.
    pub representation_number: u8,
    /// Unit of the sampling rates.
    pub scale: ScaleUnits,
    /// Capture device sampling rate, horizontal and vertical.
    pub capture_rate: (u16, u16),
    /// Image sampling rate, horizontal and vertical.
    pub image_rate: (u16, u16),
    /// Bits per pixel, 1-16.
    pub bit_depth: u8,
    /// How `image` is encoded.
    pub compression: FingerCompression,
    /// Impression type code (0-15 live/non-live/latent finger and palm, 24 optical contactless
    /// plain, 28 other, 29 unknown).
    pub impression: u8,
    /// Image width in pixels.
    pub width: u16,
    /// Image height in pixels.
    pub height: u16,
    /// The encoded image.
    pub image: Vec<u8>,
    /// Extended data blocks after the image, kept as they were.
    pub extended: Vec<ExtendedDataBlock>,
}

/// A certification block: the certifying authority and the scheme it certified against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CertificationBlock {
    /// Certification authority identifier.
    pub authority: u16,
    /// Certification scheme identifier.
    pub scheme: u8,
}

/// An extended data block of a finger image representation, kept opaque.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExtendedDataBlock {
    /// Type code: 1 segmentation, 2 annotation, 3-255 comment, 256 and up vendor defined.
    pub code: u16,
    /// The block's data (after its 4-byte header).
    pub data: Vec<u8>,
}

/// Unit of a representation's sampling rates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScaleUnits {
    /// Pixels per inch (code 1).
    PixelsPerInch,
    /// Pixels per centimetre (code 2).
    PixelsPerCm,
}

/// Image compression of a finger image (19794-4:2011 table of compression algorithms).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FingerCompression {
    /// 0: uncompressed, one pixel per byte (or two).
    Raw,
    /// 1: uncompressed, bit-packed.
    RawPacked,
    /// 2: FBI WSQ.
    Wsq,
    /// 3: JPEG (lossy).
    Jpeg,
    /// 4: JPEG 2000 lossy.
    Jpeg2000Lossy,
    /// 5: JPEG 2000 lossless (what MOSIP registration devices send).
    Jpeg2000Lossless,
    /// 6: PNG.
    Png,
}

impl FingerCompression {
    /// The record's code.
    pub fn code(self) -> u8 {
        match self {
            FingerCompression::Raw => 0,
            FingerCompression::RawPacked => 1,
            FingerCompression::Wsq => 2,
            FingerCompression::Jpeg => 3,
            FingerCompression::Jpeg2000Lossy => 4,
            FingerCompression::Jpeg2000Lossless => 5,
            FingerCompression::Png => 6,
        }
    }

    /// From the record's code.
    pub fn from_code(code: u8) -> Option<FingerCompression> {
        Some(match code {
            0 => FingerCompression::Raw,
            1 => FingerCompression::RawPacked,
            2 => FingerCompression::Wsq,
            3 => FingerCompression::Jpeg,
            4 => FingerCompression::Jpeg2000Lossy,
            5 => FingerCompression::Jpeg2000Lossless,
            6 => FingerCompression::Png,
            _ => return None,
        })
    }
}

/// Whether `code` is a finger or palm position 19794-4:2011 defines.
pub fn position_known(code: u8) -> bool {
    matches!(code, 0..=10 | 13..=15 | 20..=36 | 40..=50)
}

/// Whether `code` is an impression type 19794-4:2011 defines (16-23 and 25-27 are reserved).
pub fn impression_known(code: u8) -> bool {
    matches!(code, 0..=15 | 24 | 28 | 29)
}

/// Impression type: live-scan plain.
pub const IMPRESSION_LIVE_PLAIN: u8 = 0;
/// Impression type: live-scan rolled.
pub const IMPRESSION_LIVE_ROLLED: u8 = 1;
/// Impression type: unknown (MOSIP devices send it).
pub const IMPRESSION_UNKNOWN: u8 = 29;
/// Position: plain right four fingers.
pub const POSITION_RIGHT_FOUR: u8 = 13;
/// Position: plain left four fingers.
pub const POSITION_LEFT_FOUR: u8 = 14;
/// Position: plain two thumbs.
pub const POSITION_TWO_THUMBS: u8 = 15;

impl FingerImageRecord {
    /// Parses exactly one whole record.
    pub fn parse(data: &[u8]) -> Result<FingerImageRecord, RecordError> {
        let mut r = Reader::new(data);
        expect_magic(&mut r, MAGIC, "FIR\\0020\\0")?;
        expect_record_length(&mut r, data.len())?;
        let count_at = r.pos();
        let count = r.u16("number of representations")?;
        if count == 0 {
            return Err(RecordError::at(
                count_at,
                RecordFault::Invalid {
                    field: "number of representations",
                    value: 0,
                    why: "a record holds at least one",
                },
            ));
        }
        let flag_at = r.pos();
        let certified = match r.u8("certification flag")? {
            0 => false,
            1 => true,
            v => {
                return Err(RecordError::at(
                    flag_at,
                    RecordFault::UnknownCode {
                        field: "certification flag",
                        value: v.into(),
                    },
                ));
            }
        };
        let positions_at = r.pos();
        let positions = r.u8("number of distinct positions")?;
        let mut representations = Vec::new();
        for _ in 0..count {
            representations.push(read_representation(&mut r, data.len(), certified)?);
        }
        if r.pos() != data.len() {
            return Err(RecordError::at(
                r.pos(),
                RecordFault::TrailingBytes(data.len() - r.pos()),
            ));
        }
        let distinct = distinct_positions(&representations);
        if usize::from(positions) != distinct {
            return Err(RecordError::at(
                positions_at,
                RecordFault::Invalid {
                    field: "number of distinct positions",
                    value: positions.into(),
                    why: "differs from the distinct positions of the representations",
                },
            ));
        }
        Ok(FingerImageRecord {
            certified,
            representations,
        })
    }

    /// Writes the record. Fails when it has no representation, a count or length does not fit
    /// its field, or a field holds a code [`FingerImageRecord::parse`] would refuse.
    pub fn encode(&self) -> Result<Vec<u8>, EncodeError> {
        if self.representations.is_empty() {
            return Err(EncodeError::Empty);
        }
        fits(
            "number of representations",
            self.representations.len(),
            u16::MAX.into(),
        )?;
        let mut out = Vec::with_capacity(
            HEADER_LEN
                + self
                    .representations
                    .iter()
                    .map(|p| p.image.len() + 64)
                    .sum::<usize>(),
        );
        out.extend_from_slice(MAGIC);
        put_u32(&mut out, 0);
        put_u16(&mut out, self.representations.len() as u16);
        out.push(u8::from(self.certified));
        out.push(distinct_positions(&self.representations) as u8);
        for p in &self.representations {
            write_representation(p, self.certified, &mut out)?;
        }
        fits("record length", out.len(), u32::MAX.into())?;
        let len = out.len();
        patch_u32(&mut out, 8, len);
        Self::parse(&out)?;
        Ok(out)
    }
}

fn distinct_positions(reps: &[FingerImageRepresentation]) -> usize {
    let mut seen = [false; 256];
    reps.iter()
        .filter(|p| !std::mem::replace(&mut seen[usize::from(p.position)], true))
        .count()
}

fn read_representation(
    r: &mut Reader<'_>,
    total: usize,
    certified: bool,
) -> Result<FingerImageRepresentation, RecordError> {
    let start = r.pos();
    let end = representation_end(r, total, MIN_REPRESENTATION_LEN)?;
    let captured = CaptureDateTime::read(r)?;
    let device = CaptureDevice::read(r, |t| t <= 20)?;
    let quality = read_quality_blocks(r)?;
    let mut certifications = Vec::new();
    if certified {
        let n = r.u8("number of certification blocks")?;
        for _ in 0..n {
            certifications.push(CertificationBlock {
                authority: r.u16("certification authority")?,
                scheme: r.u8("certification scheme")?,
            });
        }
    }
    let position = r.code8("finger/palm position", position_known)?;
    let representation_number = r.u8("representation number")?;
    let scale_at = r.pos();
    let scale = match r.u8("scale units")? {
        1 => ScaleUnits::PixelsPerInch,
        2 => ScaleUnits::PixelsPerCm,
        v => {
            return Err(RecordError::at(
                scale_at,
                RecordFault::UnknownCode {
                    field: "scale units",
                    value: v.into(),
                },
            ));
        }
    };
    let capture_rate = (
        r.u16("capture sampling rate (horizontal)")?,
        r.u16("capture sampling rate (vertical)")?,
    );
    let image_rate = (
        r.u16("image sampling rate (horizontal)")?,
        r.u16("image sampling rate (vertical)")?,
    );
    let bit_depth = r.code8("bit depth", |d| (1..=16).contains(&d))?;
    let comp_at = r.pos();
    let comp = r.u8("compression algorithm")?;
    let compression = FingerCompression::from_code(comp).ok_or(RecordError::at(
        comp_at,
        RecordFault::UnknownCode {
            field: "compression algorithm",
            value: comp.into(),
        },
    ))?;
    let impression = r.code8("impression type", impression_known)?;
    let width = r.u16("image width")?;
    let height = r.u16("image height")?;
    let image = read_image(r, end, 0)?;
    let mut extended = Vec::new();
    while r.pos() < end {
        let at = r.pos();
        let code = r.u16("extended data block type")?;
        if code == 0 {
            return Err(RecordError::at(
                at,
                RecordFault::UnknownCode {
                    field: "extended data block type",
                    value: 0,
                },
            ));
        }
        let len = usize::from(r.u16("extended data block length")?);
        if len < 4 || len - 4 > end.saturating_sub(r.pos()) {
            return Err(RecordError::at(
                at + 2,
                RecordFault::Length {
                    field: "extended data block length",
                    declared: len as u64,
                    actual: (end - at) as u64,
                },
            ));
        }
        extended.push(ExtendedDataBlock {
            code,
            data: r.bytes(len - 4, "extended data block")?.to_vec(),
        });
    }
    expect_representation_end(r, start, end)?;
    Ok(FingerImageRepresentation {
        captured,
        device,
        quality,
        certifications,
        position,
        representation_number,
        scale,
        capture_rate,
        image_rate,
        bit_depth,
        compression,
        impression,
        width,
        height,
        image,
        extended,
    })
}

fn write_representation(
    p: &FingerImageRepresentation,
    certified: bool,
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    fits("number of quality blocks", p.quality.len(), 255)?;
    fits("image data length", p.image.len(), u32::MAX.into())?;
    let start = out.len();
    put_u32(out, 0);
    p.captured.write(out);
    p.device.write(out);
    write_quality_blocks(&p.quality, out);
    if certified {
        fits(
            "number of certification blocks",
            p.certifications.len(),
            255,
        )?;
        out.push(p.certifications.len() as u8);
        for c in &p.certifications {
            put_u16(out, c.authority);
            out.push(c.scheme);
        }
    }
    out.push(p.position);
    out.push(p.representation_number);
    out.push(match p.scale {
        ScaleUnits::PixelsPerInch => 1,
        ScaleUnits::PixelsPerCm => 2,
    });
    put_u16(out, p.capture_rate.0);
    put_u16(out, p.capture_rate.1);
    put_u16(out, p.image_rate.0);
    put_u16(out, p.image_rate.1);
    out.push(p.bit_depth);
    out.push(p.compression.code());
    out.push(p.impression);
    put_u16(out, p.width);
    put_u16(out, p.height);
    put_u32(out, p.image.len() as u32);
    out.extend_from_slice(&p.image);
    for b in &p.extended {
        fits(
            "extended data block length",
            b.data.len() + 4,
            u16::MAX.into(),
        )?;
        put_u16(out, b.code);
        put_u16(out, (b.data.len() + 4) as u16);
        out.extend_from_slice(&b.data);
    }
    fits("representation length", out.len() - start, u32::MAX.into())?;
    let len = out.len() - start;
    patch_u32(out, start, len);
    Ok(())
}
