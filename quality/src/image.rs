//! 8-bit images the quality measures read: borrowed RGB and gray views for the face, signature and
//! iris checks (with luma, area-averaging downscale, box sums), and gray images that carry their
//! resolution for NFIQ 2 ([`GrayImageRef`], [`GrayImage`]).
//!
//! Contract: a view always holds exactly `width * height * channels` bytes, row-major, top row
//! first; constructors reject anything else with [`ImageError`], so checks never index outside.

/// Why a view could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageError {
    /// Zero width or height.
    #[error("image must have non-zero size (got {width}x{height})")]
    Empty {
        /// Stated width.
        width: u32,
        /// Stated height.
        height: u32,
    },
    /// The buffer does not match the stated size.
    #[error("image of {width}x{height} needs {expected} bytes, got {actual}")]
    WrongLength {
        /// Stated width.
        width: u32,
        /// Stated height.
        height: u32,
        /// Bytes needed.
        expected: usize,
        /// Bytes given.
        actual: usize,
    },
}

fn check(width: u32, height: u32, channels: usize, len: usize) -> Result<(), ImageError> {
    if width == 0 || height == 0 {
        return Err(ImageError::Empty { width, height });
    }
    let expected = width as usize * height as usize * channels;
    if len != expected {
        return Err(ImageError::WrongLength {
            width,
            height,
            expected,
            actual: len,
        });
    }
    Ok(())
}

/// An RGB image, three bytes per pixel (red, green, blue).
#[derive(Debug, Clone, Copy)]
pub struct RgbView<'a> {
    width: u32,
    height: u32,
    pixels: &'a [u8],
}

impl<'a> RgbView<'a> {
    /// Views `pixels` (`width * height * 3` bytes).
    pub fn new(width: u32, height: u32, pixels: &'a [u8]) -> Result<Self, ImageError> {
        check(width, height, 3, pixels.len())?;
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
    pub fn pixels(&self) -> &'a [u8] {
        self.pixels
    }

    /// The pixel at (`x`, `y`), clamped to the image.
    pub fn at(&self, x: i64, y: i64) -> [u8; 3] {
        let x = x.clamp(0, i64::from(self.width) - 1) as usize;
        let y = y.clamp(0, i64::from(self.height) - 1) as usize;
        let i = (y * self.width as usize + x) * 3;
        match self.pixels.get(i..i + 3) {
            Some(p) => [p[0], p[1], p[2]],
            None => [0, 0, 0],
        }
    }

    /// Luma (ITU-R BT.601 weights) of every pixel.
    pub fn luma(&self) -> Gray {
        let pixels = self
            .pixels
            .chunks_exact(3)
            .map(|p| luma(p[0], p[1], p[2]))
            .collect();
        Gray {
            width: self.width,
            height: self.height,
            pixels,
        }
    }
}

/// BT.601 luma of one pixel, integer arithmetic.
pub fn luma(r: u8, g: u8, b: u8) -> u8 {
    ((299 * u32::from(r) + 587 * u32::from(g) + 114 * u32::from(b) + 500) / 1000) as u8
}

/// A gray image, one byte per pixel, 0 black.
#[derive(Debug, Clone, Copy)]
pub struct GrayView<'a> {
    width: u32,
    height: u32,
    pixels: &'a [u8],
}

impl<'a> GrayView<'a> {
    /// Views `pixels` (`width * height` bytes).
    pub fn new(width: u32, height: u32, pixels: &'a [u8]) -> Result<Self, ImageError> {
        check(width, height, 1, pixels.len())?;
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

    /// All pixels, row-major.
    pub fn pixels(&self) -> &'a [u8] {
        self.pixels
    }
}

/// An owned gray image, for intermediate results.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gray {
    /// Pixels per row.
    pub width: u32,
    /// Rows.
    pub height: u32,
    /// Row-major pixels.
    pub pixels: Vec<u8>,
}

impl Gray {
    /// Borrows it as a view.
    pub fn view(&self) -> GrayView<'_> {
        GrayView {
            width: self.width,
            height: self.height,
            pixels: &self.pixels,
        }
    }

    /// The pixel at (`x`, `y`), clamped to the image.
    pub fn at(&self, x: i64, y: i64) -> u8 {
        let x = x.clamp(0, i64::from(self.width) - 1) as usize;
        let y = y.clamp(0, i64::from(self.height) - 1) as usize;
        self.pixels
            .get(y * self.width as usize + x)
            .copied()
            .unwrap_or(0)
    }

    /// Area-averaged downscale by an integer `factor` (1 copies).
    pub fn shrink(&self, factor: u32) -> Gray {
        let f = factor.max(1);
        let (w, h) = ((self.width / f).max(1), (self.height / f).max(1));
        let mut pixels = Vec::with_capacity(w as usize * h as usize);
        let sw = self.width as usize;
        for y in 0..h as usize {
            for x in 0..w as usize {
                let mut sum = 0u32;
                let mut n = 0u32;
                for yy in y * f as usize..((y + 1) * f as usize).min(self.height as usize) {
                    let row = yy * sw;
                    for xx in x * f as usize..((x + 1) * f as usize).min(sw) {
                        sum += u32::from(self.pixels.get(row + xx).copied().unwrap_or(0));
                        n += 1;
                    }
                }
                pixels.push((sum / n.max(1)) as u8);
            }
        }
        Gray {
            width: w,
            height: h,
            pixels,
        }
    }
}

/// Summed-area table of a gray image, for constant-time box means.
#[derive(Debug, Clone)]
pub struct Integral {
    width: usize,
    height: usize,
    sums: Vec<u64>,
    squares: Vec<u64>,
}

impl Integral {
    /// Builds the tables of `img`.
    pub fn new(img: &GrayView<'_>) -> Self {
        let (w, h) = (img.width() as usize, img.height() as usize);
        let mut sums = vec![0u64; (w + 1) * (h + 1)];
        let mut squares = vec![0u64; (w + 1) * (h + 1)];
        for y in 0..h {
            let mut row = 0u64;
            let mut row2 = 0u64;
            for x in 0..w {
                let v = u64::from(img.pixels()[y * w + x]);
                row += v;
                row2 += v * v;
                sums[(y + 1) * (w + 1) + x + 1] = sums[y * (w + 1) + x + 1] + row;
                squares[(y + 1) * (w + 1) + x + 1] = squares[y * (w + 1) + x + 1] + row2;
            }
        }
        Self {
            width: w,
            height: h,
            sums,
            squares,
        }
    }

    fn clip(&self, x0: i64, y0: i64, x1: i64, y1: i64) -> Option<(usize, usize, usize, usize)> {
        let x0 = x0.clamp(0, self.width as i64) as usize;
        let x1 = x1.clamp(0, self.width as i64) as usize;
        let y0 = y0.clamp(0, self.height as i64) as usize;
        let y1 = y1.clamp(0, self.height as i64) as usize;
        (x1 > x0 && y1 > y0).then_some((x0, y0, x1, y1))
    }

    fn rect(table: &[u64], stride: usize, r: (usize, usize, usize, usize)) -> u64 {
        let (x0, y0, x1, y1) = r;
        table[y1 * stride + x1] + table[y0 * stride + x0]
            - table[y0 * stride + x1]
            - table[y1 * stride + x0]
    }

    /// Mean over columns `x0..x1`, rows `y0..y1` (clipped to the image); `None` when empty.
    pub fn mean(&self, x0: i64, y0: i64, x1: i64, y1: i64) -> Option<f64> {
        let r = self.clip(x0, y0, x1, y1)?;
        let n = ((r.2 - r.0) * (r.3 - r.1)) as f64;
        Some(Self::rect(&self.sums, self.width + 1, r) as f64 / n)
    }

    /// Mean and standard deviation over a box (clipped); `None` when empty.
    pub fn mean_std(&self, x0: i64, y0: i64, x1: i64, y1: i64) -> Option<(f64, f64)> {
        let r = self.clip(x0, y0, x1, y1)?;
        let n = ((r.2 - r.0) * (r.3 - r.1)) as f64;
        let m = Self::rect(&self.sums, self.width + 1, r) as f64 / n;
        let m2 = Self::rect(&self.squares, self.width + 1, r) as f64 / n;
        Some((m, (m2 - m * m).max(0.0).sqrt()))
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_view_rejects_a_buffer_of_the_wrong_length() {
        assert!(matches!(
            RgbView::new(2, 2, &[0; 11]),
            Err(ImageError::WrongLength { expected: 12, .. })
        ));
        assert!(matches!(
            GrayView::new(0, 2, &[]),
            Err(ImageError::Empty { .. })
        ));
    }

    #[test]
    fn box_means_match_direct_sums() {
        let px: Vec<u8> = (0..20).map(|i| (i * 7) as u8).collect();
        let v = GrayView::new(5, 4, &px).unwrap();
        let t = Integral::new(&v);
        let direct: f64 = [6usize, 7, 11, 12]
            .iter()
            .map(|&i| f64::from(px[i]))
            .sum::<f64>()
            / 4.0;
        assert_eq!(t.mean(1, 1, 3, 3), Some(direct));
        assert_eq!(t.mean(3, 3, 3, 9), None);
        let (_, sd) = t.mean_std(0, 0, 5, 4).unwrap();
        assert!(sd > 0.0);
    }

    #[test]
    fn shrinking_averages_blocks() {
        let g = Gray {
            width: 4,
            height: 2,
            pixels: vec![0, 2, 10, 20, 4, 6, 30, 40],
        };
        let s = g.shrink(2);
        assert_eq!((s.width, s.height), (2, 1));
        assert_eq!(s.pixels, vec![3, 25]);
    }
}
