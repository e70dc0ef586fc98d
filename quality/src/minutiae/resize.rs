//! Scaling of the input print to FingerJet's internal ~333 ppi grid, with its size limits
//! (at most 256 x 400 internal pixels, centred crop) and the offsets it later adds back.
//!
//! Contract: `to_internal` validates the geometry like `FRFXLLCreateFeatureSetFromRaw` does and
//! returns the internal image (width and height multiples of 4) or a `MinutiaeError`; it never
//! reads outside `pixels`.

use super::MinutiaeError;

/// Internal working resolution (pixels per inch).
const INT_RESOLUTION: usize = 333;
const MAX_WIDTH: usize = 256;
const MAX_HEIGHT: usize = 400;
const ORI_SCALE: usize = 4;

/// The print on FingerJet's internal grid.
#[derive(Debug, Clone)]
pub struct Internal {
    pub img: Vec<u8>,
    pub width: usize,
    pub height: usize,
    /// Resolution used to map internal coordinates back (FJFX `imageResolution`).
    pub resolution: u16,
    /// Phase-map offsets in internal pixels (FJFX `xOffs`, `yOffs`).
    pub x_offs: i32,
    pub y_offs: i32,
}

/// Checks the geometry FingerJet accepts (`FRFXLLCreateFeatureSetFromRaw` and `Init`).
fn check_geometry(width: usize, height: usize, ppi: usize) -> Result<(), MinutiaeError> {
    let bad = |reason: &'static str| MinutiaeError::UnsupportedGeometry {
        width: width as u32,
        height: height as u32,
        ppi: ppi as u16,
        reason,
    };
    if !(300..=1008).contains(&ppi) {
        return Err(bad("resolution must be 300..=1008 ppi"));
    }
    if width > 2000 || height > 2000 {
        return Err(bad("width and height must be at most 2000 pixels"));
    }
    if width * 500 < 150 * ppi || width * 500 > 812 * ppi {
        return Err(bad("width must be 0.3..1.62 inch"));
    }
    if height * 500 < 150 * ppi || height * 500 > 1000 * ppi {
        return Err(bad("height must be 0.3..2.0 inch"));
    }
    // FJFX checks the width at 500 ppi against both the width and the height limits.
    let width_at_500 = width * 500 / ppi;
    if !(196..=800).contains(&width_at_500) {
        return Err(bad("width must be 196..=800 pixels at 500 ppi"));
    }
    if height < 32 || width < 32 {
        return Err(bad("image must be at least 32 x 32 pixels"));
    }
    Ok(())
}

/// Resamples `pixels` (row-major, `width` x `height`, `ppi`) to the internal grid.
pub fn to_internal(
    pixels: &[u8],
    width: usize,
    height: usize,
    ppi: usize,
) -> Result<Internal, MinutiaeError> {
    check_geometry(width, height, ppi)?;
    let near_500 = (450..=550).contains(&ppi);
    let (mut w, mut h) = if near_500 {
        (width / 6 * 4, height / 6 * 4)
    } else {
        (
            (width * INT_RESOLUTION / ppi) & !(ORI_SCALE - 1),
            (height * INT_RESOLUTION / ppi) & !(ORI_SCALE - 1),
        )
    };
    let mut start = 0usize;
    let mut x_offs = 1i32;
    let mut y_offs = 6i32;
    if h > MAX_HEIGHT {
        let max_in = if near_500 {
            MAX_HEIGHT * 3 / 2
        } else {
            MAX_HEIGHT * ppi / INT_RESOLUTION
        };
        let diff = height.saturating_sub(max_in);
        start += diff / 2 * width;
        y_offs += ((h - MAX_HEIGHT) / 2) as i32;
        h = MAX_HEIGHT;
    }
    if w > MAX_WIDTH {
        let max_in = if near_500 {
            MAX_WIDTH * 3 / 2
        } else {
            MAX_WIDTH * ppi / INT_RESOLUTION
        };
        let diff = width.saturating_sub(max_in);
        start += diff / 2;
        x_offs += ((w - MAX_WIDTH) / 2) as i32;
        w = MAX_WIDTH;
    }
    if w < 4 * ORI_SCALE || h < 4 * ORI_SCALE {
        return Err(MinutiaeError::UnsupportedGeometry {
            width: width as u32,
            height: height as u32,
            ppi: ppi as u16,
            reason: "image too small after scaling to 333 ppi",
        });
    }
    let src = |i: usize| -> u8 { pixels.get(start + i).copied().unwrap_or(0) };
    let mut img = vec![0u8; w * h];
    let mut resolution = ppi as u16;
    if near_500 {
        resize_2_3(&mut img, w, h, &src, width);
    } else if (300..=366).contains(&ppi) && width.is_multiple_of(4) {
        // FJFX copies the bytes as they lie, keeping the input stride as is.
        for (i, o) in img.iter_mut().enumerate() {
            *o = src(i);
        }
        resolution = ((ppi * 5 + 1) / 3) as u16;
    } else {
        let scale256 = ppi * 256 / INT_RESOLUTION;
        resize_bilinear(
            &mut img,
            w,
            &src,
            width,
            height,
            start,
            pixels.len(),
            scale256,
        );
        resolution = 500;
    }
    Ok(Internal {
        img,
        width: w,
        height: h,
        resolution,
        x_offs,
        y_offs,
    })
}

/// 3:2 reduction: each 3x3 input block gives 2x2 outputs weighted 4:2:2:1 (sum 9, x28/256).
fn resize_2_3(out: &mut [u8], w: usize, h: usize, src: &dyn Fn(usize) -> u8, in_w: usize) {
    for r in 0..h / 2 {
        let row = 3 * r * in_w;
        for c in 0..w / 2 {
            let b = row + 3 * c;
            let px = |dy: usize, dx: usize| u32::from(src(b + dy * in_w + dx));
            let (i00, i01, i02) = (px(0, 0), px(0, 1), px(0, 2));
            let (i10, i11, i12) = (px(1, 0), px(1, 1), px(1, 2));
            let (i20, i21, i22) = (px(2, 0), px(2, 1), px(2, 2));
            let o00 = i00 * 4 + i01 * 2 + i10 * 2 + i11;
            let o01 = i02 * 4 + i01 * 2 + i12 * 2 + i11;
            let o10 = i20 * 4 + i21 * 2 + i10 * 2 + i11;
            let o11 = i22 * 4 + i21 * 2 + i12 * 2 + i11;
            let o = 2 * r * w + 2 * c;
            out[o] = (o00 * 28 / 256) as u8;
            out[o + 1] = (o01 * 28 / 256) as u8;
            out[o + w] = (o10 * 28 / 256) as u8;
            out[o + w + 1] = (o11 * 28 / 256) as u8;
        }
    }
}

/// Bilinear resampling with an 8-bit fractional step (`scale256` input pixels per 256 outputs).
#[allow(clippy::too_many_arguments)]
fn resize_bilinear(
    out: &mut [u8],
    w: usize,
    src: &dyn Fn(usize) -> u8,
    in_w: usize,
    in_h: usize,
    start: usize,
    total: usize,
    scale256: usize,
) {
    let mut row = 0usize;
    let mut dy = 0usize;
    for line in out.chunks_mut(w) {
        let mut pi = row;
        let mut dx = 0usize;
        for o in line.iter_mut() {
            // FJFX's guard against reading past the last input line.
            if pi + in_w < in_w * in_h && start + pi + in_w + 1 < total + 1 {
                let p = |i: usize| src(i) as usize;
                let v = ((p(pi) * (256 - dx) + p(pi + 1) * dx) * (256 - dy)
                    + (p(pi + in_w) * (256 - dx) + p(pi + in_w + 1) * dx) * dy)
                    >> 16;
                *o = v as u8;
            }
            dx += scale256;
            pi += dx >> 8;
            dx &= 0xff;
        }
        dy += scale256;
        row += (dy >> 8) * in_w;
        dy &= 0xff;
    }
}
