//! Plain pixel buffers for the rendered card and its panels, and their PNG form.
//!
//! Contract: an [`RgbRaster`] is 8-bit RGB, row-major, no padding; a [`MonoRaster`] is one
//! `bool` per dot, row-major, `true` = the printer lays this panel's ink (resin black or
//! overlay) on that dot. PNG output is deterministic: the same pixels give the same bytes
//! (RGB 8-bit for colour; 1-bit greyscale for a panel, black where a dot is printed).

use crate::CardError;

/// An 8-bit RGB image.
#[derive(Clone, PartialEq, Eq)]
pub struct RgbRaster {
    width: u32,
    height: u32,
    pixels: Vec<u8>,
}

/// A 1-bit panel.
#[derive(Clone, PartialEq, Eq)]
pub struct MonoRaster {
    width: u32,
    height: u32,
    dots: Vec<bool>,
}

fn area(width: u32, height: u32) -> usize {
    width as usize * height as usize
}

impl RgbRaster {
    /// Wraps `pixels` (`width * height * 3` bytes); `None` when the length does not match.
    pub fn new(width: u32, height: u32, pixels: Vec<u8>) -> Option<Self> {
        (pixels.len() == area(width, height) * 3).then_some(Self {
            width,
            height,
            pixels,
        })
    }

    /// Wraps a buffer the caller made of the right length.
    pub(crate) fn from_parts(width: u32, height: u32, pixels: Vec<u8>) -> Self {
        debug_assert_eq!(pixels.len(), area(width, height) * 3);
        Self {
            width,
            height,
            pixels,
        }
    }

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// The pixels, RGB, row-major.
    pub fn pixels(&self) -> &[u8] {
        &self.pixels
    }

    /// The pixels, giving up the buffer.
    pub fn into_pixels(self) -> Vec<u8> {
        self.pixels
    }

    /// The pixel at (`x`, `y`).
    pub fn get(&self, x: u32, y: u32) -> Option<[u8; 3]> {
        if x >= self.width || y >= self.height {
            return None;
        }
        let i = (y as usize * self.width as usize + x as usize) * 3;
        Some([self.pixels[i], self.pixels[i + 1], self.pixels[i + 2]])
    }

    /// PNG, 8-bit RGB.
    pub fn to_png(&self) -> Result<Vec<u8>, CardError> {
        encode(
            self.width,
            self.height,
            png::ColorType::Rgb,
            png::BitDepth::Eight,
            &self.pixels,
        )
    }
}

impl MonoRaster {
    /// Wraps `dots` (`width * height`); `None` when the length does not match.
    pub fn new(width: u32, height: u32, dots: Vec<bool>) -> Option<Self> {
        (dots.len() == area(width, height)).then_some(Self {
            width,
            height,
            dots,
        })
    }

    /// Wraps a buffer the caller made of the right length.
    pub(crate) fn from_parts(width: u32, height: u32, dots: Vec<bool>) -> Self {
        debug_assert_eq!(dots.len(), area(width, height));
        Self {
            width,
            height,
            dots,
        }
    }

    /// Width in dots.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height in dots.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// The dots, row-major, `true` = printed.
    pub fn dots(&self) -> &[bool] {
        &self.dots
    }

    /// The dots, giving up the buffer.
    pub fn into_dots(self) -> Vec<bool> {
        self.dots
    }

    /// Whether the dot at (`x`, `y`) is printed (`false` outside the panel).
    pub fn get(&self, x: u32, y: u32) -> bool {
        x < self.width
            && y < self.height
            && self.dots[y as usize * self.width as usize + x as usize]
    }

    /// PNG, 1-bit greyscale: black where a dot is printed, white elsewhere.
    pub fn to_png(&self) -> Result<Vec<u8>, CardError> {
        let row_bytes = (self.width as usize).div_ceil(8);
        let mut packed = vec![0u8; row_bytes * self.height as usize];
        for (y, row) in self.dots.chunks(self.width.max(1) as usize).enumerate() {
            for (x, printed) in row.iter().enumerate() {
                if !printed {
                    packed[y * row_bytes + x / 8] |= 0x80 >> (x % 8);
                }
            }
        }
        encode(
            self.width,
            self.height,
            png::ColorType::Grayscale,
            png::BitDepth::One,
            &packed,
        )
    }
}

fn encode(
    width: u32,
    height: u32,
    colour: png::ColorType,
    depth: png::BitDepth,
    data: &[u8],
) -> Result<Vec<u8>, CardError> {
    let fail = |e: png::EncodingError| CardError::Png(e.to_string());
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(colour);
    encoder.set_depth(depth);
    // 300 dpi = 11811 dots per metre, so viewers and printers size the card right.
    encoder.set_pixel_dims(Some(png::PixelDimensions {
        xppu: 11_811,
        yppu: 11_811,
        unit: png::Unit::Meter,
    }));
    let mut writer = encoder.write_header().map_err(fail)?;
    writer.write_image_data(data).map_err(fail)?;
    writer.finish().map_err(fail)?;
    Ok(out)
}

impl std::fmt::Debug for RgbRaster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RgbRaster({}x{})", self.width, self.height)
    }
}

impl std::fmt::Debug for MonoRaster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let printed = self.dots.iter().filter(|d| **d).count();
        write!(
            f,
            "MonoRaster({}x{}, {printed} dots)",
            self.width, self.height
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panel_png_is_black_where_a_dot_is_printed() {
        let panel =
            MonoRaster::new(10, 2, (0..20).map(|i| i == 0 || i == 19).collect()).expect("20 dots");
        let png = panel.to_png().expect("encodes");
        let mut decoder = png::Decoder::new(std::io::Cursor::new(png));
        decoder.set_transformations(png::Transformations::IDENTITY);
        let mut reader = decoder.read_info().expect("a PNG");
        let mut buf = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buf).expect("a frame");
        assert_eq!((info.width, info.height), (10, 2));
        assert_eq!(info.bit_depth, png::BitDepth::One);
        // Row 0: dot 0 printed (bit clear), the rest white; row 1: only dot 9 printed.
        assert_eq!(
            &buf[..4],
            &[0b0111_1111, 0b1100_0000, 0b1111_1111, 0b1000_0000]
        );
    }

    #[test]
    fn a_buffer_of_the_wrong_length_is_refused() {
        assert!(RgbRaster::new(2, 2, vec![0; 11]).is_none());
        assert!(MonoRaster::new(2, 2, vec![false; 5]).is_none());
        assert!(RgbRaster::new(2, 2, vec![0; 12]).is_some());
    }
}
