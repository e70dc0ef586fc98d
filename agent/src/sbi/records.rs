//! From an SBI capture's `bioValue` to the images the agent's quality checks and workflow take.
//!
//! Contract: each function reads one whole ISO/IEC 19794:2011 record with protocol's strict
//! reader (-4 finger image, -5 face, -6 iris), takes its first representation and decodes its
//! image: WSQ, JPEG, JPEG 2000 (lossy or lossless, as MOSIP devices send), PNG or raw 8-bit
//! pixels. `STREAM` preview frames (JPEG) are read here too. Fingers and irises become 8-bit [`GrayImage`]s at the record's resolution, a face a
//! [`Photo`] (its JPEG kept as it came, other encodings decoded to RGB). A record that does not
//! parse, an encoding this reader does not decode, an image larger than [`MAX_PIXELS`] or one
//! whose decoded size disagrees with the record's header is refused with a [`RecordImageError`]
//! naming the record and why; nothing here panics on any input.

use rekam_drivers::GrayImage;
use rekam_drivers::camera::Photo;
use rekam_drivers::identity::ImageSize;
use rekam_drivers::image::RgbImage;
use rekam_protocol::iso19794::face::FaceImageDataType;
use rekam_protocol::iso19794::finger_image::{FingerCompression, ScaleUnits};
use rekam_protocol::iso19794::iris::{EyeLabel, IrisImageFormat};
use rekam_protocol::iso19794::{FaceImageRecord, FingerImageRecord, IrisImageRecord};

/// Largest image accepted from a device, in pixels (a 4-finger slap at 1000 ppi is about 13 M).
pub const MAX_PIXELS: u64 = 40_000_000;
/// Resolution given to iris images: 19794-6 records carry none, and rekam's iris checks measure
/// in pixels; 500 ppi is what rekam's own scanners report.
pub const IRIS_PPI: u32 = 500;

/// Why a record's image is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{record}: {reason}")]
pub struct RecordImageError {
    /// Which record (`finger image record`, `face image record`, `iris image record`).
    pub record: &'static str,
    /// Why.
    pub reason: String,
}

fn err(record: &'static str, reason: impl Into<String>) -> RecordImageError {
    RecordImageError {
        record,
        reason: reason.into(),
    }
}

/// One finger read from a -4 record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FingerImage {
    /// ISO/ANSI finger position code (1-10; 0 unknown).
    pub position: u8,
    /// The image at the record's resolution.
    pub image: GrayImage,
}

/// Decodes an ISO/IEC 19794-4:2011 finger image record.
pub fn finger(record: &[u8]) -> Result<FingerImage, RecordImageError> {
    const WHAT: &str = "finger image record";
    let r = FingerImageRecord::parse(record).map_err(|e| err(WHAT, e.to_string()))?;
    let rep = r
        .representations
        .first()
        .ok_or_else(|| err(WHAT, "no representation"))?;
    let (w, h) = (u32::from(rep.width), u32::from(rep.height));
    check_size(WHAT, w, h)?;
    let rate = u32::from(rep.image_rate.0);
    let ppi = match rep.scale {
        ScaleUnits::PixelsPerInch => rate,
        // Pixels per centimetre, rounded to the nearest ppi.
        ScaleUnits::PixelsPerCm => (rate * 254 + 50) / 100,
    };
    if ppi == 0 {
        return Err(err(WHAT, "the image sampling rate is 0"));
    }
    let pixels = match rep.compression {
        FingerCompression::Wsq => {
            let d = rekam_quality::wsq::decode(&rep.image)
                .map_err(|e| err(WHAT, format!("its WSQ image does not decode: {e}")))?;
            same_size(WHAT, (d.width, d.height), (w, h))?;
            d.pixels
        }
        FingerCompression::Raw if rep.bit_depth == 8 => rep.image.clone(),
        FingerCompression::Png => gray_png(WHAT, &rep.image, (w, h))?,
        FingerCompression::Jpeg => to_gray(jpeg(WHAT, &rep.image, (w, h))?),
        FingerCompression::Jpeg2000Lossless | FingerCompression::Jpeg2000Lossy => {
            to_gray(jpeg2000(WHAT, &rep.image, (w, h))?)
        }
        other => {
            return Err(err(
                WHAT,
                format!(
                    "{other:?} images at {} bits per pixel are not decoded",
                    rep.bit_depth
                ),
            ));
        }
    };
    let image = GrayImage::new(w, h, ppi, pixels).map_err(|e| err(WHAT, e.to_string()))?;
    Ok(FingerImage {
        position: rep.position,
        image,
    })
}

/// Decodes an ISO/IEC 19794-5:2011 face image record into a photo.
pub fn face(record: &[u8]) -> Result<Photo, RecordImageError> {
    const WHAT: &str = "face image record";
    let r = FaceImageRecord::parse(record).map_err(|e| err(WHAT, e.to_string()))?;
    let rep = r
        .representations
        .first()
        .ok_or_else(|| err(WHAT, "no representation"))?;
    let info = &rep.image_info;
    let (w, h) = (u32::from(info.width), u32::from(info.height));
    check_size(WHAT, w, h)?;
    let pixels = match info.data_type {
        FaceImageDataType::Jpeg => {
            // Decoded once here to be sure it is the image the header says; kept as it came,
            // since the agent records a camera's JPEG unchanged.
            jpeg(WHAT, &rep.image, (w, h))?;
            return Ok(Photo::Jpeg {
                size: ImageSize {
                    width: w,
                    height: h,
                },
                bytes: rep.image.clone(),
            });
        }
        FaceImageDataType::Png => rgb_png(WHAT, &rep.image, (w, h))?,
        FaceImageDataType::Jpeg2000Lossy | FaceImageDataType::Jpeg2000Lossless => {
            to_rgb(jpeg2000(WHAT, &rep.image, (w, h))?)
        }
    };
    let rgb = RgbImage::new(w, h, pixels).map_err(|e| err(WHAT, e.to_string()))?;
    Ok(Photo::Rgb(rgb))
}

/// One eye read from a -6 record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IrisImage {
    /// Which eye the record says.
    pub eye: EyeLabel,
    /// The image, at [`IRIS_PPI`].
    pub image: GrayImage,
}

/// Decodes an ISO/IEC 19794-6:2011 iris image record.
pub fn iris(record: &[u8]) -> Result<IrisImage, RecordImageError> {
    const WHAT: &str = "iris image record";
    let r = IrisImageRecord::parse(record).map_err(|e| err(WHAT, e.to_string()))?;
    let rep = r
        .representations
        .first()
        .ok_or_else(|| err(WHAT, "no representation"))?;
    let (w, h) = (u32::from(rep.width), u32::from(rep.height));
    check_size(WHAT, w, h)?;
    let pixels = match rep.format {
        IrisImageFormat::Raw if rep.bit_depth == 8 => rep.image.clone(),
        IrisImageFormat::Raw => {
            return Err(err(
                WHAT,
                format!(
                    "raw images of {} bits per pixel are not decoded",
                    rep.bit_depth
                ),
            ));
        }
        IrisImageFormat::Png => gray_png(WHAT, &rep.image, (w, h))?,
        IrisImageFormat::Jpeg2000 => to_gray(jpeg2000(WHAT, &rep.image, (w, h))?),
    };
    let image = GrayImage::new(w, h, IRIS_PPI, pixels).map_err(|e| err(WHAT, e.to_string()))?;
    Ok(IrisImage {
        eye: rep.eye,
        image,
    })
}

fn check_size(what: &'static str, w: u32, h: u32) -> Result<(), RecordImageError> {
    if w == 0 || h == 0 {
        return Err(err(what, format!("its image is {w}x{h}")));
    }
    if u64::from(w) * u64::from(h) > MAX_PIXELS {
        return Err(err(
            what,
            format!("its {w}x{h} image is larger than {MAX_PIXELS} pixels"),
        ));
    }
    Ok(())
}

fn same_size(
    what: &'static str,
    found: (u32, u32),
    declared: (u32, u32),
) -> Result<(), RecordImageError> {
    if found != declared {
        return Err(err(
            what,
            format!(
                "its image is {}x{} but the record says {}x{}",
                found.0, found.1, declared.0, declared.1
            ),
        ));
    }
    Ok(())
}

/// Decoded pixels with their channel count (1 gray, 3 RGB).
struct Pixels {
    channels: usize,
    data: Vec<u8>,
}

fn to_gray(p: Pixels) -> Vec<u8> {
    match p.channels {
        0 | 1 => p.data,
        2 => p.data.chunks_exact(2).map(|c| c[0]).collect(),
        n => p
            .data
            .chunks_exact(n)
            // ITU-R BT.601 luma, in integers.
            .map(|c| {
                let (r, g, b) = (u32::from(c[0]), u32::from(c[1]), u32::from(c[2]));
                u8::try_from((299 * r + 587 * g + 114 * b + 500) / 1000).unwrap_or(u8::MAX)
            })
            .collect(),
    }
}

fn to_rgb(p: Pixels) -> Vec<u8> {
    match p.channels {
        0 | 1 => p.data.iter().flat_map(|&v| [v, v, v]).collect(),
        2 => p
            .data
            .chunks_exact(2)
            .flat_map(|c| [c[0], c[0], c[0]])
            .collect(),
        3 => p.data,
        n => p
            .data
            .chunks_exact(n)
            .flat_map(|c| [c[0], c[1], c[2]])
            .collect(),
    }
}

/// A `STREAM` frame (JPEG) as a gray image at `ppi`, for the fingerprint preview.
pub fn jpeg_frame_gray(bytes: &[u8], ppi: u32) -> Result<GrayImage, RecordImageError> {
    const WHAT: &str = "stream frame";
    let (w, h) = jpeg_frame_size(bytes)?;
    let pixels = to_gray(jpeg(WHAT, bytes, (w, h))?);
    GrayImage::new(w, h, ppi, pixels).map_err(|e| err(WHAT, e.to_string()))
}

/// The size a `STREAM` frame (JPEG) says it has, checked against [`MAX_PIXELS`].
pub fn jpeg_frame_size(bytes: &[u8]) -> Result<(u32, u32), RecordImageError> {
    const WHAT: &str = "stream frame";
    let mut dec = jpeg_decoder::Decoder::new(bytes);
    dec.read_info()
        .map_err(|e| err(WHAT, format!("not a JPEG: {e}")))?;
    let info = dec
        .info()
        .ok_or_else(|| err(WHAT, "no JPEG frame header"))?;
    let (w, h) = (u32::from(info.width), u32::from(info.height));
    check_size(WHAT, w, h)?;
    Ok((w, h))
}

fn jpeg(what: &'static str, bytes: &[u8], size: (u32, u32)) -> Result<Pixels, RecordImageError> {
    let mut dec = jpeg_decoder::Decoder::new(bytes);
    dec.read_info()
        .map_err(|e| err(what, format!("its JPEG does not decode: {e}")))?;
    let info = dec
        .info()
        .ok_or_else(|| err(what, "its JPEG has no frame header"))?;
    // Checked before decoding, so a lying header costs no memory.
    same_size(what, (u32::from(info.width), u32::from(info.height)), size)?;
    let data = dec
        .decode()
        .map_err(|e| err(what, format!("its JPEG does not decode: {e}")))?;
    let channels = match info.pixel_format {
        jpeg_decoder::PixelFormat::L8 => 1,
        jpeg_decoder::PixelFormat::RGB24 => 3,
        other => {
            return Err(err(
                what,
                format!("JPEG pixel format {other:?} is not read"),
            ));
        }
    };
    Ok(Pixels { channels, data })
}

fn jpeg2000(
    what: &'static str,
    bytes: &[u8],
    size: (u32, u32),
) -> Result<Pixels, RecordImageError> {
    use hayro_jpeg2000::{DecodeSettings, DecoderContext, Image};
    let image = Image::new(bytes, &DecodeSettings::default())
        .map_err(|e| err(what, format!("its JPEG 2000 image does not read: {e:?}")))?;
    same_size(what, (image.width(), image.height()), size)?;
    let channels = usize::from(image.color_space().num_channels()) + usize::from(image.has_alpha());
    let mut ctx = DecoderContext::default();
    let decoded = image
        .decode(&mut ctx)
        .map_err(|e| err(what, format!("its JPEG 2000 image does not decode: {e:?}")))?;
    let data = decoded.data_u8().to_vec();
    let expected = size.0 as usize * size.1 as usize * channels;
    if channels == 0 || data.len() != expected {
        return Err(err(
            what,
            format!(
                "its JPEG 2000 image gives {} bytes, not {expected}",
                data.len()
            ),
        ));
    }
    if channels == 2 {
        // Gray with alpha: the gray.
        return Ok(Pixels {
            channels: 1,
            data: data.chunks_exact(2).map(|c| c[0]).collect(),
        });
    }
    Ok(Pixels { channels, data })
}

fn png_pixels(
    what: &'static str,
    bytes: &[u8],
    size: (u32, u32),
) -> Result<Pixels, RecordImageError> {
    let mut dec = png::Decoder::new(bytes);
    dec.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = dec
        .read_info()
        .map_err(|e| err(what, format!("its PNG does not decode: {e}")))?;
    let (w, h) = (reader.info().width, reader.info().height);
    same_size(what, (w, h), size)?;
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader
        .next_frame(&mut buf)
        .map_err(|e| err(what, format!("its PNG does not decode: {e}")))?;
    buf.truncate(info.buffer_size());
    let channels = match info.color_type {
        png::ColorType::Grayscale => 1,
        png::ColorType::GrayscaleAlpha => 2,
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        png::ColorType::Indexed => return Err(err(what, "an indexed PNG was not expanded")),
    };
    if channels == 2 {
        return Ok(Pixels {
            channels: 1,
            data: buf.chunks_exact(2).map(|c| c[0]).collect(),
        });
    }
    Ok(Pixels {
        channels,
        data: buf,
    })
}

fn gray_png(
    what: &'static str,
    bytes: &[u8],
    size: (u32, u32),
) -> Result<Vec<u8>, RecordImageError> {
    png_pixels(what, bytes, size).map(to_gray)
}

fn rgb_png(
    what: &'static str,
    bytes: &[u8],
    size: (u32, u32),
) -> Result<Vec<u8>, RecordImageError> {
    png_pixels(what, bytes, size).map(to_rgb)
}

#[cfg(test)]
mod tests {
    use super::*;

    use rekam_protocol::Timestamp;
    use rekam_protocol::iso19794::finger_image::FingerImageRepresentation;
    use rekam_protocol::iso19794::{CaptureDateTime, CaptureDevice};

    fn finger_record(compression: FingerCompression, image: Vec<u8>) -> Vec<u8> {
        FingerImageRecord {
            certified: false,
            representations: vec![FingerImageRepresentation {
                captured: CaptureDateTime::from_timestamp(Timestamp::from_unix_ms(0)),
                device: CaptureDevice::default(),
                quality: Vec::new(),
                certifications: Vec::new(),
                position: 7,
                representation_number: 0,
                scale: ScaleUnits::PixelsPerCm,
                capture_rate: (197, 197),
                image_rate: (197, 197),
                bit_depth: 8,
                compression,
                impression: 0,
                width: 4,
                height: 4,
                image,
                extended: Vec::new(),
            }],
        }
        .encode()
        .expect("a record")
    }

    fn png_of(w: u32, h: u32) -> Vec<u8> {
        let mut out = Vec::new();
        let mut e = png::Encoder::new(&mut out, w, h);
        e.set_color(png::ColorType::Grayscale);
        e.set_depth(png::BitDepth::Eight);
        let mut wr = e.write_header().expect("header");
        wr.write_image_data(&vec![9u8; (w * h) as usize])
            .expect("pixels");
        wr.finish().expect("png");
        out
    }

    #[test]
    fn a_raw_finger_record_in_pixels_per_centimetre_reads_at_its_ppi_and_position() {
        let pixels: Vec<u8> = (0..16).collect();
        let f = finger(&finger_record(FingerCompression::Raw, pixels.clone())).expect("decodes");
        assert_eq!(f.position, 7);
        assert_eq!(f.image.ppi(), 500, "197 px/cm is 500 ppi");
        assert_eq!(f.image.pixels(), pixels.as_slice());
        assert!(finger(&finger_record(FingerCompression::Png, png_of(4, 4))).is_ok());
    }

    #[test]
    fn an_image_whose_size_disagrees_with_its_record_header_is_refused() {
        let e = finger(&finger_record(FingerCompression::Png, png_of(2, 3))).expect_err("2x3");
        assert!(e.reason.contains("2x3") && e.reason.contains("4x4"), "{e}");
    }

    #[test]
    fn a_record_that_is_not_a_record_is_refused_naming_its_part() {
        let e = finger(b"FIR\0nonsense").expect_err("not a record");
        assert_eq!(e.record, "finger image record");
        assert!(face(b"").is_err());
        assert!(iris(&[0u8; 64]).is_err());
    }
}
