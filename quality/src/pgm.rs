//! Binary PGM (Netpbm "P5") reader for 8-bit gray images, the format of NIST's NFIQ 2 examples.
//!
//! Contract: [`read_pgm`] accepts exactly a P5 header (magic, width, height, maxval 255, each
//! separated by whitespace, `#` comments allowed between tokens, one whitespace byte before the
//! raster) followed by at least `width * height` raster bytes; anything else is a specific
//! [`PgmError`]. Trailing bytes after the raster are ignored, as Netpbm does.

use crate::image::GrayImage;
use thiserror::Error;

/// Why bytes are not an 8-bit binary PGM.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PgmError {
    /// The file does not start with `P5`.
    #[error("not a binary PGM: magic is not P5")]
    BadMagic,
    /// The header ended before the named field.
    #[error("PGM header truncated before {0}")]
    Truncated(&'static str),
    /// A header field is not a decimal number (or is out of range).
    #[error("PGM header field {0} is not a valid number")]
    BadNumber(&'static str),
    /// Width or height is zero.
    #[error("PGM has a zero dimension ({width}x{height})")]
    ZeroDimension {
        /// Declared width.
        width: u32,
        /// Declared height.
        height: u32,
    },
    /// Only 8-bit samples (maxval 255) are supported.
    #[error("PGM maxval {0} is not supported (only 255)")]
    UnsupportedMaxval(u32),
    /// Fewer raster bytes than `width * height`.
    #[error("PGM raster has {actual} bytes, expected {expected}")]
    ShortRaster {
        /// `width * height`.
        expected: usize,
        /// Bytes present.
        actual: usize,
    },
}

/// Parses a binary 8-bit PGM.
pub fn read_pgm(bytes: &[u8]) -> Result<GrayImage, PgmError> {
    if bytes.len() < 2 || &bytes[..2] != b"P5" {
        return Err(PgmError::BadMagic);
    }
    let mut pos = 2;
    let width = header_number(bytes, &mut pos, "width")?;
    let height = header_number(bytes, &mut pos, "height")?;
    let maxval = header_number(bytes, &mut pos, "maxval")?;
    // Exactly one whitespace byte separates maxval from the raster.
    match bytes.get(pos) {
        Some(b) if b.is_ascii_whitespace() => pos += 1,
        _ => return Err(PgmError::Truncated("raster")),
    }
    if width == 0 || height == 0 {
        return Err(PgmError::ZeroDimension { width, height });
    }
    if maxval != 255 {
        return Err(PgmError::UnsupportedMaxval(maxval));
    }
    let expected = width as usize * height as usize;
    let raster = &bytes[pos..];
    if raster.len() < expected {
        return Err(PgmError::ShortRaster {
            expected,
            actual: raster.len(),
        });
    }
    Ok(GrayImage {
        width,
        height,
        pixels: raster[..expected].to_vec(),
    })
}

/// Skips whitespace and comments, then reads one decimal number.
fn header_number(bytes: &[u8], pos: &mut usize, field: &'static str) -> Result<u32, PgmError> {
    loop {
        match bytes.get(*pos) {
            None => return Err(PgmError::Truncated(field)),
            Some(b) if b.is_ascii_whitespace() => *pos += 1,
            Some(b'#') => {
                while let Some(&b) = bytes.get(*pos) {
                    *pos += 1;
                    if b == b'\n' || b == b'\r' {
                        break;
                    }
                }
            }
            Some(_) => break,
        }
    }
    let start = *pos;
    while bytes.get(*pos).is_some_and(u8::is_ascii_digit) {
        *pos += 1;
    }
    if start == *pos {
        return Err(PgmError::BadNumber(field));
    }
    let text = std::str::from_utf8(&bytes[start..*pos]).map_err(|_| PgmError::BadNumber(field))?;
    text.parse().map_err(|_| PgmError::BadNumber(field))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_header_with_comment_and_raster() {
        let mut bytes = b"P5\n# made by hand\n3 2\n255\n".to_vec();
        bytes.extend_from_slice(&[1, 2, 3, 4, 5, 6]);
        let img = read_pgm(&bytes).unwrap();
        assert_eq!((img.width, img.height), (3, 2));
        assert_eq!(img.pixels, vec![1, 2, 3, 4, 5, 6]);
    }

    #[test]
    fn rejects_ascii_pgm_sixteen_bit_and_short_raster() {
        assert_eq!(read_pgm(b"P2\n1 1\n255\n0"), Err(PgmError::BadMagic));
        assert_eq!(
            read_pgm(b"P5\n1 1\n65535\n\0\0"),
            Err(PgmError::UnsupportedMaxval(65535))
        );
        assert_eq!(
            read_pgm(b"P5\n2 2\n255\n\0"),
            Err(PgmError::ShortRaster {
                expected: 4,
                actual: 1
            })
        );
        assert_eq!(
            read_pgm(b"P5\n2 x\n255\n"),
            Err(PgmError::BadNumber("height"))
        );
        assert_eq!(read_pgm(b"P5\n2 2"), Err(PgmError::Truncated("maxval")));
        assert!(matches!(
            read_pgm(b"P5 0 2 255 "),
            Err(PgmError::ZeroDimension { .. })
        ));
    }
}
