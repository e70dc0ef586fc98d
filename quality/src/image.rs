//! Borrowed and owned 8-bit gray images, the common input of the quality measures.
//!
//! Contract: a [`GrayImageRef`] always has `pixels.len() == width * height` (row-major, one byte
//! per pixel, 0 black .. 255 white) and non-zero dimensions; construction checks this and returns
//! an [`ImageError`] otherwise.

use thiserror::Error;

/// Why pixels and dimensions do not form an image.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ImageError {
    /// Width or height is zero.
    #[error("image has a zero dimension ({width}x{height})")]
    Empty {
        /// Declared width.
        width: u32,
        /// Declared height.
        height: u32,
    },
    /// The pixel buffer does not hold exactly `width * height` bytes.
    #[error("pixel buffer has {actual} bytes, expected {expected} for {width}x{height}")]
    SizeMismatch {
        /// Declared width.
        width: u32,
        /// Declared height.
        height: u32,
        /// `width * height`.
        expected: usize,
        /// Bytes given.
        actual: usize,
    },
}

/// A borrowed 8-bit gray image: row-major pixels with their resolution in pixels per inch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GrayImageRef<'a> {
    width: u32,
    height: u32,
    pixels: &'a [u8],
    ppi: u16,
}

impl<'a> GrayImageRef<'a> {
    /// Wraps `pixels` (row-major, `width * height` bytes) captured at `ppi` pixels per inch.
    pub fn new(width: u32, height: u32, pixels: &'a [u8], ppi: u16) -> Result<Self, ImageError> {
        if width == 0 || height == 0 {
            return Err(ImageError::Empty { width, height });
        }
        let expected = width as usize * height as usize;
        if pixels.len() != expected {
            return Err(ImageError::SizeMismatch {
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
            ppi,
        })
    }

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// Row-major pixels.
    pub fn pixels(&self) -> &'a [u8] {
        self.pixels
    }

    /// Resolution in pixels per inch.
    pub fn ppi(&self) -> u16 {
        self.ppi
    }
}

/// An owned 8-bit gray image (row-major), as produced by decoders such as [`crate::pgm`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrayImage {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Row-major pixels, `width * height` bytes.
    pub pixels: Vec<u8>,
}

impl GrayImage {
    /// Borrows this image at the given resolution.
    pub fn view(&self, ppi: u16) -> Result<GrayImageRef<'_>, ImageError> {
        GrayImageRef::new(self.width, self.height, &self.pixels, ppi)
    }
}
