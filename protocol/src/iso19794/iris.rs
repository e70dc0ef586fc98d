//! ISO/IEC 19794-6:2011 iris image records (`IIR\0`, version `020\0`).
//!
//! Layout (big-endian): general header of 16 bytes — format identifier, version, record length
//! (4 bytes, whole record), number of representations (2), certification flag (1, always 0 in
//! this part), number of eyes represented (1: 0 unknown, 1, 2). Each representation: its length
//! (4, itself included), capture date and time (9), device technology (1: 0 unknown, 1 CMOS/CCD),
//! vendor (2), device type (2), quality blocks (count, then 5 bytes each), representation number
//! (2), eye label (1: 0 unspecified, 1 right, 2 left), image type (1: 1 uncropped, 2 VGA,
//! 3 cropped, 7 cropped and masked), image format (1: 0x02 raw, 0x0A JPEG 2000, 0x0E PNG), image
//! properties (1: bits 0-1 horizontal orientation, bits 2-3 vertical orientation (0 undefined,
//! 1 base, 2 flipped), bits 4-5 reserved (0), bits 6-7 compression history (0 undefined,
//! 1 lossless or none, 2 lossy)), width and height (2 each), bit depth (1), range (2), roll angle
//! (2), roll angle uncertainty (2), iris centre smallest and largest x, smallest and largest y,
//! iris diameter smallest and largest (2 each), image data length (4) and the image.
//!
//! The image-format codes are the 2011 ones MOSIP devices write (MOSIP's readers also name
//! codes of the 2005 edition's table, such as JPEG; those are refused here as unknown).
//!
//! Contract: see [`super`]. The eyes byte must agree with the representations: when every eye
//! label is known it equals the number of distinct labels, else it is 0 (unknown), so that a
//! record has one encoding.

use super::{
    CaptureDateTime, CaptureDevice, EncodeError, QualityBlock, Reader, RecordError, RecordFault,
    expect_magic, expect_record_length, expect_representation_end, fits, patch_u32, put_u16,
    put_u32, read_image, read_quality_blocks, representation_end, write_quality_blocks,
};

const MAGIC: &[u8; 8] = b"IIR\x00020\x00";
const HEADER_LEN: usize = 16;
/// A representation without quality blocks and with an empty image.
const MIN_REPRESENTATION_LEN: usize = 57;

/// An iris image record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IrisImageRecord {
    /// The representations, at least one.
    pub representations: Vec<IrisImageRepresentation>,
}

/// One iris image with how it was taken.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IrisImageRepresentation {
    /// When.
    pub captured: CaptureDateTime,
    /// With what (technology 0 unknown, 1 CMOS/CCD).
    pub device: CaptureDevice,
    /// Quality blocks (at most 255).
    pub quality: Vec<QualityBlock>,
    /// Representation number, from 1.
    pub representation_number: u16,
    /// Which eye.
    pub eye: EyeLabel,
    /// 1 uncropped, 2 VGA, 3 cropped, 7 cropped and masked.
    pub image_type: u8,
    /// How `image` is encoded.
    pub format: IrisImageFormat,
    /// Horizontal orientation: 0 undefined, 1 base, 2 flipped.
    pub horizontal_orientation: u8,
    /// Vertical orientation: 0 undefined, 1 base, 2 flipped.
    pub vertical_orientation: u8,
    /// Compression history: 0 undefined, 1 lossless or none, 2 lossy.
    pub compression_history: u8,
    /// Width in pixels.
    pub width: u16,
    /// Height in pixels.
    pub height: u16,
    /// Bits per pixel, 1-16.
    pub bit_depth: u8,
    /// Camera-to-eye range in cm (0 unassigned, 1 failed).
    pub range: u16,
    /// Roll angle of the eye (0xFFFF undefined).
    pub roll_angle: u16,
    /// Uncertainty of the roll angle (0xFFFF undefined).
    pub roll_uncertainty: u16,
    /// Iris centre, smallest and largest x (0 undefined).
    pub centre_x: (u16, u16),
    /// Iris centre, smallest and largest y (0 undefined).
    pub centre_y: (u16, u16),
    /// Iris diameter, smallest and largest (0 undefined).
    pub diameter: (u16, u16),
    /// The encoded image.
    pub image: Vec<u8>,
}

/// Which eye an iris image shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EyeLabel {
    /// 0: not given.
    Unspecified,
    /// 1: right eye.
    Right,
    /// 2: left eye.
    Left,
}

/// Encoding of an iris image (19794-6:2011 codes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IrisImageFormat {
    /// 0x02: raw monochrome pixels.
    Raw,
    /// 0x0A: JPEG 2000.
    Jpeg2000,
    /// 0x0E: PNG.
    Png,
}

impl IrisImageFormat {
    /// The record's code.
    pub fn code(self) -> u8 {
        match self {
            IrisImageFormat::Raw => 0x02,
            IrisImageFormat::Jpeg2000 => 0x0A,
            IrisImageFormat::Png => 0x0E,
        }
    }

    /// From the record's code.
    pub fn from_code(code: u8) -> Option<IrisImageFormat> {
        Some(match code {
            0x02 => IrisImageFormat::Raw,
            0x0A => IrisImageFormat::Jpeg2000,
            0x0E => IrisImageFormat::Png,
            _ => return None,
        })
    }
}

/// Image type: cropped (what MOSIP devices send).
pub const IMAGE_TYPE_CROPPED: u8 = 3;

impl IrisImageRecord {
    /// Parses exactly one whole record.
    pub fn parse(data: &[u8]) -> Result<IrisImageRecord, RecordError> {
        let mut r = Reader::new(data);
        expect_magic(&mut r, MAGIC, "IIR\\0020\\0")?;
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
        r.code8("certification flag", |f| f == 0)?;
        let eyes_at = r.pos();
        let eyes = r.code8("number of eyes represented", |e| e <= 2)?;
        let mut representations = Vec::new();
        for _ in 0..count {
            representations.push(read_representation(&mut r, data.len())?);
        }
        if r.pos() != data.len() {
            return Err(RecordError::at(
                r.pos(),
                RecordFault::TrailingBytes(data.len() - r.pos()),
            ));
        }
        if known_eyes(&representations).unwrap_or(0) != eyes {
            return Err(RecordError::at(
                eyes_at,
                RecordFault::Invalid {
                    field: "number of eyes represented",
                    value: eyes.into(),
                    why: "differs from the eye labels (0 when a label is unspecified)",
                },
            ));
        }
        Ok(IrisImageRecord { representations })
    }

    /// Writes the record. Fails when it has no representation, a count or length does not fit
    /// its field, or a field holds a code [`IrisImageRecord::parse`] would refuse.
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
        out.push(0);
        out.push(known_eyes(&self.representations).unwrap_or(0));
        for p in &self.representations {
            write_representation(p, &mut out)?;
        }
        fits("record length", out.len(), u32::MAX.into())?;
        let len = out.len();
        patch_u32(&mut out, 8, len);
        Self::parse(&out)?;
        Ok(out)
    }
}

/// The number of distinct eyes when every representation names its eye.
fn known_eyes(reps: &[IrisImageRepresentation]) -> Option<u8> {
    if reps.iter().any(|p| p.eye == EyeLabel::Unspecified) {
        return None;
    }
    let right = reps.iter().any(|p| p.eye == EyeLabel::Right);
    let left = reps.iter().any(|p| p.eye == EyeLabel::Left);
    Some(u8::from(right) + u8::from(left))
}

fn read_representation(
    r: &mut Reader<'_>,
    total: usize,
) -> Result<IrisImageRepresentation, RecordError> {
    let start = r.pos();
    let end = representation_end(r, total, MIN_REPRESENTATION_LEN)?;
    let captured = CaptureDateTime::read(r)?;
    let device = CaptureDevice::read(r, |t| t <= 1)?;
    let quality = read_quality_blocks(r)?;
    let representation_number = r.u16("representation number")?;
    let eye = match r.code8("eye label", |e| e <= 2)? {
        1 => EyeLabel::Right,
        2 => EyeLabel::Left,
        _ => EyeLabel::Unspecified,
    };
    let image_type = r.code8("image type", |t| matches!(t, 1 | 2 | 3 | 7))?;
    let format_at = r.pos();
    let code = r.u8("image format")?;
    let format = IrisImageFormat::from_code(code).ok_or(RecordError::at(
        format_at,
        RecordFault::UnknownCode {
            field: "image format",
            value: code.into(),
        },
    ))?;
    let props_at = r.pos();
    let props = r.u8("image properties")?;
    let (horizontal_orientation, vertical_orientation, reserved, compression_history) =
        (props & 3, (props >> 2) & 3, (props >> 4) & 3, props >> 6);
    if horizontal_orientation == 3 || vertical_orientation == 3 || compression_history == 3 {
        return Err(RecordError::at(
            props_at,
            RecordFault::UnknownCode {
                field: "image properties (orientation or compression history)",
                value: props.into(),
            },
        ));
    }
    if reserved != 0 {
        return Err(RecordError::at(
            props_at,
            RecordFault::Invalid {
                field: "image properties reserved bits",
                value: reserved.into(),
                why: "reserved bits are 0",
            },
        ));
    }
    let width = r.u16("image width")?;
    let height = r.u16("image height")?;
    let bit_depth = r.code8("bit depth", |d| (1..=16).contains(&d))?;
    let range = r.u16("range")?;
    let roll_angle = r.u16("roll angle of eye")?;
    let roll_uncertainty = r.u16("roll angle uncertainty")?;
    let centre_x = (
        r.u16("iris centre smallest x")?,
        r.u16("iris centre largest x")?,
    );
    let centre_y = (
        r.u16("iris centre smallest y")?,
        r.u16("iris centre largest y")?,
    );
    let diameter = (
        r.u16("iris diameter smallest")?,
        r.u16("iris diameter largest")?,
    );
    let image = read_image(r, end, 0)?;
    expect_representation_end(r, start, end)?;
    Ok(IrisImageRepresentation {
        captured,
        device,
        quality,
        representation_number,
        eye,
        image_type,
        format,
        horizontal_orientation,
        vertical_orientation,
        compression_history,
        width,
        height,
        bit_depth,
        range,
        roll_angle,
        roll_uncertainty,
        centre_x,
        centre_y,
        diameter,
        image,
    })
}

fn write_representation(p: &IrisImageRepresentation, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    fits("number of quality blocks", p.quality.len(), 255)?;
    fits("image data length", p.image.len(), u32::MAX.into())?;
    let start = out.len();
    put_u32(out, 0);
    p.captured.write(out);
    p.device.write(out);
    write_quality_blocks(&p.quality, out);
    put_u16(out, p.representation_number);
    out.push(match p.eye {
        EyeLabel::Unspecified => 0,
        EyeLabel::Right => 1,
        EyeLabel::Left => 2,
    });
    out.push(p.image_type);
    out.push(p.format.code());
    fits("horizontal orientation", p.horizontal_orientation.into(), 2)?;
    fits("vertical orientation", p.vertical_orientation.into(), 2)?;
    fits("compression history", p.compression_history.into(), 2)?;
    out.push(
        (p.horizontal_orientation & 3)
            | ((p.vertical_orientation & 3) << 2)
            | ((p.compression_history & 3) << 6),
    );
    for v in [p.width, p.height] {
        put_u16(out, v);
    }
    out.push(p.bit_depth);
    for v in [
        p.range,
        p.roll_angle,
        p.roll_uncertainty,
        p.centre_x.0,
        p.centre_x.1,
        p.centre_y.0,
        p.centre_y.1,
        p.diameter.0,
        p.diameter.1,
    ] {
        put_u16(out, v);
    }
    put_u32(out, p.image.len() as u32);
    out.extend_from_slice(&p.image);
    fits("representation length", out.len() - start, u32::MAX.into())?;
    let len = out.len() - start;
    patch_u32(out, start, len);
    Ok(())
}
