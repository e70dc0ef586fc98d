//! JPEG encoding of preview frames.
//!
//! Contract: gray and RGB frames become baseline JPEG files of the same size; a frame too large
//! for JPEG (over 65535 pixels a side) or with the wrong number of bytes is an error naming both.

use rekam_drivers::GrayImage;
use rekam_drivers::camera::Photo;

/// Quality of preview JPEGs: enough for the operator to see focus and placement, small enough
/// for 15 frames a second on loopback.
const QUALITY: u8 = 75;

/// A frame that cannot be encoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("preview frame {width}x{height}: {reason}")]
pub struct EncodeError {
    /// Frame width.
    pub width: u32,
    /// Frame height.
    pub height: u32,
    /// What is wrong.
    pub reason: String,
}

fn encode(
    pixels: &[u8],
    width: u32,
    height: u32,
    colour: jpeg_encoder::ColorType,
) -> Result<Vec<u8>, EncodeError> {
    let bad = |reason: String| EncodeError {
        width,
        height,
        reason,
    };
    let (w, h) = match (u16::try_from(width), u16::try_from(height)) {
        (Ok(w), Ok(h)) if w > 0 && h > 0 => (w, h),
        _ => return Err(bad("not a size JPEG can hold".into())),
    };
    let mut out = Vec::with_capacity(pixels.len() / 8);
    jpeg_encoder::Encoder::new(&mut out, QUALITY)
        .encode(pixels, w, h, colour)
        .map_err(|e| bad(e.to_string()))?;
    Ok(out)
}

/// A gray frame (fingerprint scanner) as JPEG.
pub fn gray(image: &GrayImage) -> Result<Vec<u8>, EncodeError> {
    encode(
        image.pixels(),
        image.width(),
        image.height(),
        jpeg_encoder::ColorType::Luma,
    )
}

/// RGB pixels as JPEG.
pub fn rgb(pixels: &[u8], width: u32, height: u32) -> Result<Vec<u8>, EncodeError> {
    encode(pixels, width, height, jpeg_encoder::ColorType::Rgb)
}

/// A camera frame as JPEG: a camera's own JPEG passes through untouched.
pub fn photo(photo: &Photo) -> Result<(Vec<u8>, u32, u32), EncodeError> {
    match photo {
        Photo::Jpeg { size, bytes } => Ok((bytes.clone(), size.width, size.height)),
        Photo::Rgb(img) => Ok((
            rgb(img.pixels(), img.width(), img.height())?,
            img.width(),
            img.height(),
        )),
    }
}

/// A plain dark frame of `width` x `height`: what a stream shows last when the device fails, so
/// the picture does not freeze on a stale face or finger.
pub fn blank(width: u32, height: u32) -> Vec<u8> {
    let (w, h) = (width.clamp(16, 2000), height.clamp(16, 2000));
    let pixels = vec![48u8; (w * h) as usize];
    encode(&pixels, w, h, jpeg_encoder::ColorType::Luma).unwrap_or_default()
}
