//! ISO/IEC 19794-5:2011 face image records (`FAC\0`, version `030\0`), 2D representations.
//!
//! Layout (big-endian): general header of 17 bytes — format identifier, version, record length
//! (4 bytes, whole record), number of representations (2), certification flag (1, always 0 in
//! this part), temporal semantics (2: 0 one image, 1-3 sequences, larger values the interval in
//! milliseconds). Each representation: its length (4, itself included), capture date and time
//! (9), device technology (1: 0-6, 0x80-0xFF vendor), vendor (2), device type (2), quality
//! blocks (count, then 5 bytes each), facial information (17 bytes: number of landmark points
//! (2), gender (1), eye colour (1), hair colour (1), subject height (1), property mask (3),
//! expression (2), pose angles yaw/pitch/roll (3), their uncertainties (3)), landmark points
//! (8 bytes each: type (1: 1 MPEG-4, 2 anthropometric 2D, 3 anthropometric 3D), code (1), x, y,
//! z (2 each)), image information (11 bytes: face image type (1), image data type (1: 0 JPEG,
//! 1 JPEG 2000 lossy, 2 JPEG 2000 lossless, 3 PNG), width (2), height (2), spatial sampling rate
//! level (1, 0-7), post-acquisition processing mask (2), cross reference (1), colour space (1)),
//! image data length (4) and the image.
//!
//! Contract: see [`super`]. 3D representations (face image types 0x80-0x82, which add a 3D block
//! after the image) are refused as unsupported; so is a certification flag other than 0.

use super::{
    CaptureDateTime, CaptureDevice, EncodeError, QualityBlock, Reader, RecordError, RecordFault,
    expect_magic, expect_record_length, expect_representation_end, fits, patch_u32, put_u16,
    put_u32, read_image, read_quality_blocks, representation_end, write_quality_blocks,
};

const MAGIC: &[u8; 8] = b"FAC\x00030\x00";
const HEADER_LEN: usize = 17;
/// Length, date, device, quality count, facial information, image information, image length.
const MIN_REPRESENTATION_LEN: usize = 4 + 9 + 5 + 1 + 17 + 11 + 4;

/// A face image record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FaceImageRecord {
    /// Temporal semantics: 0 for a single image.
    pub temporal_semantics: u16,
    /// The representations, at least one.
    pub representations: Vec<FaceImageRepresentation>,
}

/// One face image with what is known about the face and the image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FaceImageRepresentation {
    /// When.
    pub captured: CaptureDateTime,
    /// With what (technology 0 unknown, 1-3 static photo, 4-6 video frame, 0x80+ vendor).
    pub device: CaptureDevice,
    /// Quality blocks (at most 255).
    pub quality: Vec<QualityBlock>,
    /// The facial information block.
    pub face: FacialInformation,
    /// Landmark points (at most 65535).
    pub landmarks: Vec<LandmarkPoint>,
    /// The image information block.
    pub image_info: FaceImageInfo,
    /// The encoded image.
    pub image: Vec<u8>,
}

/// Facial information: who and how the face looks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FacialInformation {
    /// 0 unspecified, 1 male, 2 female, 0xFF unknown.
    pub gender: u8,
    /// 0 unspecified, 1-7 black/blue/brown/grey/green/multi-coloured/pink, 0xFF other or unknown.
    pub eye_colour: u8,
    /// 0 unspecified, 1-7 bald/black/blonde/brown/grey/white/red, 0xFF unknown.
    pub hair_colour: u8,
    /// Subject height in cm, 0 unspecified.
    pub subject_height: u8,
    /// Property mask (24 bits: bit 0 "properties given", then glasses, moustache, beard, ...).
    pub properties: u32,
    /// Expression (16 bits).
    pub expression: u16,
    /// Pose angles yaw, pitch, roll as coded (0 unspecified, 1-181 for -180..180 degrees).
    pub pose: [u8; 3],
    /// Pose angle uncertainties yaw, pitch, roll.
    pub pose_uncertainty: [u8; 3],
}

/// A landmark point of the face.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LandmarkPoint {
    /// 1 MPEG-4 feature point, 2 anthropometric 2D, 3 anthropometric 3D.
    pub kind: u8,
    /// The point's code in its scheme (MPEG-4: major group in the high nibble, index low).
    pub code: u8,
    /// Pixel column.
    pub x: u16,
    /// Pixel row.
    pub y: u16,
    /// Depth (0 for 2D).
    pub z: u16,
}

/// Image information of a face representation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FaceImageInfo {
    /// 0 basic, 1 full frontal, 2 token frontal, 3 post-processed frontal.
    pub face_image_type: u8,
    /// How `image` is encoded.
    pub data_type: FaceImageDataType,
    /// Width in pixels.
    pub width: u16,
    /// Height in pixels.
    pub height: u16,
    /// Spatial sampling rate level 0-7 (0: under 180 ppi of the face ... 7: 750 ppi and more).
    pub spatial_sampling_level: u8,
    /// Post-acquisition processing bit mask (rotated, cropped, down-sampled, ...).
    pub post_processing: u16,
    /// Cross reference to another representation (0 basic).
    pub cross_reference: u8,
    /// Colour space: 0 unspecified, 1 24-bit RGB, 2 YUV422, 3 8-bit grey, 4 48-bit RGB, 5 16-bit
    /// grey, 6 other, 0x80-0xFF vendor.
    pub colour_space: u8,
}

/// Encoding of a face image.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaceImageDataType {
    /// 0: JPEG.
    Jpeg,
    /// 1: JPEG 2000 lossy.
    Jpeg2000Lossy,
    /// 2: JPEG 2000 lossless.
    Jpeg2000Lossless,
    /// 3: PNG.
    Png,
}

impl FaceImageDataType {
    /// The record's code.
    pub fn code(self) -> u8 {
        match self {
            FaceImageDataType::Jpeg => 0,
            FaceImageDataType::Jpeg2000Lossy => 1,
            FaceImageDataType::Jpeg2000Lossless => 2,
            FaceImageDataType::Png => 3,
        }
    }

    /// From the record's code.
    pub fn from_code(code: u8) -> Option<FaceImageDataType> {
        Some(match code {
            0 => FaceImageDataType::Jpeg,
            1 => FaceImageDataType::Jpeg2000Lossy,
            2 => FaceImageDataType::Jpeg2000Lossless,
            3 => FaceImageDataType::Png,
            _ => return None,
        })
    }
}

/// Colour space: 24-bit RGB.
pub const COLOUR_SPACE_RGB24: u8 = 1;
/// Face image type: full frontal.
pub const FACE_TYPE_FULL_FRONTAL: u8 = 1;
/// Device technology: static photograph from a digital still camera.
pub const TECHNOLOGY_DIGITAL_CAMERA: u8 = 2;

fn technology_known(t: u8) -> bool {
    t <= 6 || t >= 0x80
}

fn colour_known(c: u8) -> bool {
    c <= 7 || c == 0xFF
}

impl FaceImageRecord {
    /// Parses exactly one whole record.
    pub fn parse(data: &[u8]) -> Result<FaceImageRecord, RecordError> {
        let mut r = Reader::new(data);
        expect_magic(&mut r, MAGIC, "FAC\\0030\\0")?;
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
        let temporal_semantics = r.u16("temporal semantics")?;
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
        Ok(FaceImageRecord {
            temporal_semantics,
            representations,
        })
    }

    /// Writes the record. Fails when it has no representation, a count or length does not fit
    /// its field, or a field holds a code [`FaceImageRecord::parse`] would refuse.
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
                    .map(|p| p.image.len() + 64 + 8 * p.landmarks.len())
                    .sum::<usize>(),
        );
        out.extend_from_slice(MAGIC);
        put_u32(&mut out, 0);
        put_u16(&mut out, self.representations.len() as u16);
        out.push(0);
        put_u16(&mut out, self.temporal_semantics);
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

fn read_representation(
    r: &mut Reader<'_>,
    total: usize,
) -> Result<FaceImageRepresentation, RecordError> {
    let start = r.pos();
    let end = representation_end(r, total, MIN_REPRESENTATION_LEN)?;
    let captured = CaptureDateTime::read(r)?;
    let device = CaptureDevice::read(r, technology_known)?;
    let quality = read_quality_blocks(r)?;
    let landmark_count = r.u16("number of landmark points")?;
    let gender = r.code8("gender", |g| matches!(g, 0 | 1 | 2 | 0xFF))?;
    let eye_colour = r.code8("eye colour", colour_known)?;
    let hair_colour = r.code8("hair colour", colour_known)?;
    let subject_height = r.u8("subject height")?;
    let mask = r.bytes(3, "property mask")?;
    let properties = u32::from_be_bytes([0, mask[0], mask[1], mask[2]]);
    let expression = r.u16("expression")?;
    let pose = [r.u8("pose yaw")?, r.u8("pose pitch")?, r.u8("pose roll")?];
    let pose_uncertainty = [
        r.u8("pose yaw uncertainty")?,
        r.u8("pose pitch uncertainty")?,
        r.u8("pose roll uncertainty")?,
    ];
    let mut landmarks = Vec::new();
    for _ in 0..landmark_count {
        landmarks.push(LandmarkPoint {
            kind: r.code8("landmark point type", |t| (1..=3).contains(&t))?,
            code: r.u8("landmark point code")?,
            x: r.u16("landmark x")?,
            y: r.u16("landmark y")?,
            z: r.u16("landmark z")?,
        });
    }
    let type_at = r.pos();
    let face_image_type = r.u8("face image type")?;
    match face_image_type {
        0..=3 => {}
        0x80..=0x82 => {
            return Err(RecordError::at(
                type_at,
                RecordFault::Unsupported("a 3D face representation"),
            ));
        }
        v => {
            return Err(RecordError::at(
                type_at,
                RecordFault::UnknownCode {
                    field: "face image type",
                    value: v.into(),
                },
            ));
        }
    }
    let data_at = r.pos();
    let data = r.u8("image data type")?;
    let data_type = FaceImageDataType::from_code(data).ok_or(RecordError::at(
        data_at,
        RecordFault::UnknownCode {
            field: "image data type",
            value: data.into(),
        },
    ))?;
    let image_info = FaceImageInfo {
        face_image_type,
        data_type,
        width: r.u16("image width")?,
        height: r.u16("image height")?,
        spatial_sampling_level: r.code8("spatial sampling rate level", |l| l <= 7)?,
        post_processing: r.u16("post-acquisition processing")?,
        cross_reference: r.u8("cross reference")?,
        colour_space: r.code8("image colour space", |c| c <= 6 || c >= 0x80)?,
    };
    let image = read_image(r, end, 0)?;
    expect_representation_end(r, start, end)?;
    Ok(FaceImageRepresentation {
        captured,
        device,
        quality,
        face: FacialInformation {
            gender,
            eye_colour,
            hair_colour,
            subject_height,
            properties,
            expression,
            pose,
            pose_uncertainty,
        },
        landmarks,
        image_info,
        image,
    })
}

fn write_representation(p: &FaceImageRepresentation, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    fits("number of quality blocks", p.quality.len(), 255)?;
    fits(
        "number of landmark points",
        p.landmarks.len(),
        u16::MAX.into(),
    )?;
    fits("property mask", p.face.properties as usize, 0xFF_FFFF)?;
    fits("image data length", p.image.len(), u32::MAX.into())?;
    let start = out.len();
    put_u32(out, 0);
    p.captured.write(out);
    p.device.write(out);
    write_quality_blocks(&p.quality, out);
    let f = &p.face;
    put_u16(out, p.landmarks.len() as u16);
    out.extend_from_slice(&[f.gender, f.eye_colour, f.hair_colour, f.subject_height]);
    out.extend_from_slice(&f.properties.to_be_bytes()[1..]);
    put_u16(out, f.expression);
    out.extend_from_slice(&f.pose);
    out.extend_from_slice(&f.pose_uncertainty);
    for l in &p.landmarks {
        out.extend_from_slice(&[l.kind, l.code]);
        put_u16(out, l.x);
        put_u16(out, l.y);
        put_u16(out, l.z);
    }
    let i = &p.image_info;
    out.extend_from_slice(&[i.face_image_type, i.data_type.code()]);
    put_u16(out, i.width);
    put_u16(out, i.height);
    out.push(i.spatial_sampling_level);
    put_u16(out, i.post_processing);
    out.extend_from_slice(&[i.cross_reference, i.colour_space]);
    put_u32(out, p.image.len() as u32);
    out.extend_from_slice(&p.image);
    fits("representation length", out.len() - start, u32::MAX.into())?;
    let len = out.len() - start;
    patch_u32(out, start, len);
    Ok(())
}
