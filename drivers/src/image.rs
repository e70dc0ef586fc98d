//! Gray images (and the RGB images cameras and screens use) that carry their resolution, as every biometric standard needs (ISO 19794-4
//! records and NFIQ 2 both depend on 500 ppi being known, not assumed).
//!
//! Contract: a `GrayImage` always holds exactly `width * height` 8-bit pixels, row-major, top row
//! first, 0 black and 255 white.

/// Why an image could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageError {
    /// The pixel buffer does not match the stated size.
    #[error("image of {width}x{height} needs {expected} pixels, got {actual}")]
    WrongLength {
        /// Stated width.
        width: u32,
        /// Stated height.
        height: u32,
        /// `width * height`.
        expected: usize,
        /// Pixels supplied.
        actual: usize,
    },
    /// Zero width, height or resolution.
    #[error("image dimensions and resolution must be non-zero (got {width}x{height} at {ppi} ppi)")]
    Empty {
        /// Stated width.
        width: u32,
        /// Stated height.
        height: u32,
        /// Stated resolution.
        ppi: u32,
    },
}

/// An 8-bit grayscale image with its resolution in pixels per inch.
#[derive(Clone, PartialEq, Eq)]
pub struct GrayImage {
    width: u32,
    height: u32,
    ppi: u32,
    pixels: Vec<u8>,
}

impl GrayImage {
    /// Wraps `pixels` (row-major, `width * height` bytes).
    pub fn new(width: u32, height: u32, ppi: u32, pixels: Vec<u8>) -> Result<Self, ImageError> {
        if width == 0 || height == 0 || ppi == 0 {
            return Err(ImageError::Empty { width, height, ppi });
        }
        let expected = width as usize * height as usize;
        if pixels.len() != expected {
            return Err(ImageError::WrongLength {
                width,
                height,
                expected,
                actual: pixels.len(),
            });
        }
        Ok(Self {
            width,
            height,
            ppi,
            pixels,
        })
    }

    /// Pixels per row.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Rows.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// Resolution in pixels per inch.
    pub fn ppi(&self) -> u32 {
        self.ppi
    }

    /// All pixels, row-major.
    pub fn pixels(&self) -> &[u8] {
        &self.pixels
    }

    /// The pixel at column `x`, row `y`, if inside the image.
    pub fn get(&self, x: u32, y: u32) -> Option<u8> {
        if x >= self.width || y >= self.height {
            return None;
        }
        self.pixels
            .get(y as usize * self.width as usize + x as usize)
            .copied()
    }

    /// Gives the pixel buffer back.
    pub fn into_pixels(self) -> Vec<u8> {
        self.pixels
    }
}

impl std::fmt::Debug for GrayImage {
    // Pixels are left out: tens of thousands of numbers help no one reading a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GrayImage")
            .field("width", &self.width)
            .field("height", &self.height)
            .field("ppi", &self.ppi)
            .finish_non_exhaustive()
    }
}

/// An 8-bit RGB image, row-major, three bytes per pixel (red, green, blue).
#[derive(Clone, PartialEq, Eq)]
pub struct RgbImage {
    width: u32,
    height: u32,
    pixels: Vec<u8>,
}

impl RgbImage {
    /// Wraps `pixels` (`width * height * 3` bytes).
    pub fn new(width: u32, height: u32, pixels: Vec<u8>) -> Result<Self, ImageError> {
        if width == 0 || height == 0 {
            return Err(ImageError::Empty {
                width,
                height,
                ppi: 0,
            });
        }
        let expected = width as usize * height as usize * 3;
        if pixels.len() != expected {
            return Err(ImageError::WrongLength {
                width,
                height,
                expected,
                actual: pixels.len(),
            });
        }
        Ok(Self {
            width,
            height,
            pixels,
        })
    }

    /// Pixels per row.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Rows.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// All bytes, row-major RGB.
    pub fn pixels(&self) -> &[u8] {
        &self.pixels
    }
}

impl std::fmt::Debug for RgbImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RgbImage")
            .field("width", &self.width)
            .field("height", &self.height)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_image_rejects_a_buffer_of_the_wrong_length() {
        let err = GrayImage::new(4, 3, 500, vec![0; 11]).unwrap_err();
        assert!(matches!(
            err,
            ImageError::WrongLength {
                expected: 12,
                actual: 11,
                ..
            }
        ));
    }

    #[test]
    fn an_image_rejects_zero_resolution() {
        assert!(matches!(
            GrayImage::new(1, 1, 0, vec![0]),
            Err(ImageError::Empty { .. })
        ));
    }

    #[test]
    fn get_is_row_major_and_bounded() {
        let img = GrayImage::new(2, 2, 500, vec![1, 2, 3, 4]).unwrap();
        assert_eq!(img.get(1, 0), Some(2));
        assert_eq!(img.get(0, 1), Some(3));
        assert_eq!(img.get(2, 0), None);
    }
}
