//! The card-photo crop: a 3:4 (width:height) window that puts the head where ISO 19794-5 full
//! frontal wants it: chin-to-crown 75% of the height (70-80% allowed), at least 7:4 image width
//! to head width (as far as the 70% floor allows: in a 3:4 window a head wider than 0.61 of its
//! height cannot meet both, and chin-to-crown wins), face centred, and a margin of 8% of the height above the crown; when the
//! picture is too tight for that, the window moves as far as the rules allow (eye line 50-70% of
//! the height from the bottom, face centre 45-55% of the width, crown inside).
//!
//! Contract: [`place`] always gives a window (possibly reaching outside the picture, with how
//! far in `shift`); [`cut`] copies a window that lies inside the picture and refuses one that
//! does not.

use super::report::{Crop, FaceGeometry};
use crate::image::RgbView;

/// Why a crop could not be cut.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CropError {
    /// The window reaches outside the picture.
    #[error(
        "crop {width}x{height} at ({x}, {y}) reaches outside the {image_width}x{image_height} picture"
    )]
    Outside {
        /// Left edge.
        x: i64,
        /// Top edge.
        y: i64,
        /// Width.
        width: u32,
        /// Height.
        height: u32,
        /// Picture width.
        image_width: u32,
        /// Picture height.
        image_height: u32,
    },
}

/// A window and how badly it misses the picture.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Placement {
    /// The window.
    pub crop: Crop,
    /// How much larger than the picture the window is, as a fraction of the picture (0 if not).
    pub overflow: f64,
    /// Pixels beyond the left, top, right and bottom edges (0 when inside).
    pub shift: [f64; 4],
}

/// Places the card window for a head of geometry `g` in a `width` x `height` picture.
pub fn place(g: &FaceGeometry, width: u32, height: u32) -> Placement {
    let head = (g.chin_y - g.crown_y).max(1.0);
    // Height from the 75% rule, raised if needed for the 7:4 width rule, within 70-80%.
    let by_height = head / 0.75;
    let by_width = 1.75 * g.head_width / 0.75;
    let h = by_height.max(by_width).clamp(head / 0.80, head / 0.70);
    let w = 0.75 * h;
    let centre_x = (g.left_eye.x + g.right_eye.x) / 2.0;
    let eye_y = (g.left_eye.y + g.right_eye.y) / 2.0;
    let (iw, ih) = (f64::from(width), f64::from(height));
    // Preferred: 8% of the height above the crown, face centred. Allowed: eye line 50-70% of the
    // height from the bottom with the crown inside, face centre at 45-55% of the width. Within
    // what is allowed, move the window into the picture.
    let top = fit(
        g.crown_y - 0.08 * h,
        eye_y - 0.5 * h,
        g.crown_y.min(eye_y - 0.3 * h),
        ih - h,
    );
    let left = fit(
        centre_x - 0.5 * w,
        centre_x - 0.55 * w,
        centre_x - 0.45 * w,
        iw - w,
    );
    let overflow = (h / ih - 1.0).max(w / iw - 1.0).max(0.0);
    let shift = [
        (-left).max(0.0),
        (-top).max(0.0),
        (left + w - iw).max(0.0),
        (top + h - ih).max(0.0),
    ];
    let (x, y) = (left.round() as i64, top.round() as i64);
    let (cw, ch) = (w.round().max(1.0) as u32, h.round().max(1.0) as u32);
    let inside = x >= 0
        && y >= 0
        && x + i64::from(cw) <= i64::from(width)
        && y + i64::from(ch) <= i64::from(height);
    Placement {
        crop: Crop {
            x,
            y,
            width: cw,
            height: ch,
            inside,
        },
        overflow,
        shift,
    }
}

/// `preferred` moved into `lo..=hi` (the rules) and then, as far as the rules allow, into
/// `0..=max` (the picture).
fn fit(preferred: f64, lo: f64, hi: f64, max: f64) -> f64 {
    if lo > hi {
        return preferred;
    }
    let v = preferred.clamp(lo, hi);
    let (a, b) = (lo.max(0.0), hi.min(max));
    if a <= b { v.clamp(a, b) } else { v }
}

/// Copies the window `crop` out of `image` as RGB bytes.
pub fn cut(image: &RgbView<'_>, crop: &Crop) -> Result<Vec<u8>, CropError> {
    let outside = CropError::Outside {
        x: crop.x,
        y: crop.y,
        width: crop.width,
        height: crop.height,
        image_width: image.width(),
        image_height: image.height(),
    };
    if crop.x < 0
        || crop.y < 0
        || crop.x + i64::from(crop.width) > i64::from(image.width())
        || crop.y + i64::from(crop.height) > i64::from(image.height())
    {
        return Err(outside);
    }
    let stride = image.width() as usize * 3;
    let mut out = Vec::with_capacity(crop.width as usize * crop.height as usize * 3);
    for row in 0..crop.height as usize {
        let start = (crop.y as usize + row) * stride + crop.x as usize * 3;
        let bytes = image
            .pixels()
            .get(start..start + crop.width as usize * 3)
            .ok_or_else(|| outside.clone())?;
        out.extend_from_slice(bytes);
    }
    Ok(out)
}
