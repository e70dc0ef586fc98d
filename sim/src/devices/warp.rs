//! Pixel helpers shared by the image simulators: placing a master image on a canvas with a shift,
//! rotation and scale (bilinear), sensor noise, and nearest-neighbour downscaling for previews.
//!
//! Contract: pure functions of their inputs (noise from the [`SimRng`] passed in); never index
//! outside a buffer, whatever the placement.

use crate::rng::SimRng;
use crate::synth::Gray;

/// Where a master image lands on a canvas: its centre goes to (`x`, `y`), turned by `angle`
/// radians (clockwise on screen) and scaled by `scale`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Placement {
    /// Canvas column of the master's centre.
    pub x: f64,
    /// Canvas row of the master's centre.
    pub y: f64,
    /// Rotation in radians.
    pub angle: f64,
    /// Scale factor, master pixels to canvas pixels.
    pub scale: f64,
}

/// Samples `src` at fractional coordinates, bilinearly; `None` outside it.
fn sample(src: &Gray, sx: f64, sy: f64) -> Option<f64> {
    let (w, h) = (src.width as usize, src.height as usize);
    if !(sx >= 0.0 && sy >= 0.0) || sx > (w - 1) as f64 || sy > (h - 1) as f64 {
        return None;
    }
    let (x0, y0) = (sx.floor() as usize, sy.floor() as usize);
    let (x1, y1) = ((x0 + 1).min(w - 1), (y0 + 1).min(h - 1));
    let (fx, fy) = (sx - x0 as f64, sy - y0 as f64);
    let px = |x: usize, y: usize| f64::from(src.pixels.get(y * w + x).copied().unwrap_or(255));
    let top = px(x0, y0) * (1.0 - fx) + px(x1, y0) * fx;
    let bottom = px(x0, y1) * (1.0 - fx) + px(x1, y1) * fx;
    Some(top * (1.0 - fy) + bottom * fy)
}

/// Draws `src` onto `canvas` (`width` x `height`, gray) at `place`, keeping the darker of the
/// canvas and the mapped pixel (fingers pressed side by side on one platen), after `tone` maps
/// each source value (pressure, exposure).
pub fn draw_darkest(
    canvas: &mut [u8],
    width: u32,
    height: u32,
    src: &Gray,
    place: Placement,
    tone: impl Fn(f64) -> f64,
) {
    if src.width == 0 || src.height == 0 || !place.scale.is_finite() || place.scale <= 0.0 {
        return;
    }
    let (sin, cos) = place.angle.sin_cos();
    let (scx, scy) = (
        f64::from(src.width - 1) / 2.0,
        f64::from(src.height - 1) / 2.0,
    );
    // Only the master's bounding box on the canvas needs visiting.
    let reach = (scx.hypot(scy) * place.scale).ceil() + 1.0;
    let clamp = |v: f64, max: u32| v.clamp(0.0, f64::from(max)) as u32;
    let (x0, x1) = (clamp(place.x - reach, width), clamp(place.x + reach, width));
    let (y0, y1) = (
        clamp(place.y - reach, height),
        clamp(place.y + reach, height),
    );
    for y in y0..y1 {
        for x in x0..x1 {
            let (dx, dy) = (
                (f64::from(x) - place.x) / place.scale,
                (f64::from(y) - place.y) / place.scale,
            );
            // Inverse rotation: canvas offset back into master coordinates.
            let sx = scx + dx * cos + dy * sin;
            let sy = scy - dx * sin + dy * cos;
            let Some(v) = sample(src, sx, sy) else {
                continue;
            };
            let v = tone(v).clamp(0.0, 255.0) as u8;
            if let Some(slot) = canvas.get_mut(y as usize * width as usize + x as usize) {
                *slot = (*slot).min(v);
            }
        }
    }
}

/// Adds uniform noise of standard deviation `sigma` to every byte.
pub fn add_noise(pixels: &mut [u8], rng: &mut SimRng, sigma: f64) {
    if !sigma.is_finite() || sigma <= 0.0 {
        return;
    }
    // A uniform variable on [-a, a] has standard deviation a / sqrt(3).
    let amplitude = sigma * 3f64.sqrt();
    for p in pixels {
        let v = f64::from(*p) + rng.range_f(-amplitude, amplitude);
        *p = v.clamp(0.0, 255.0) as u8;
    }
}

/// Nearest-neighbour resize of a `channels`-byte-per-pixel image to `to_w` x `to_h`.
pub fn resize_nearest(
    pixels: &[u8],
    width: u32,
    height: u32,
    channels: usize,
    to_w: u32,
    to_h: u32,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(to_w as usize * to_h as usize * channels);
    for y in 0..to_h {
        let sy = (u64::from(y) * u64::from(height) / u64::from(to_h.max(1))) as usize;
        for x in 0..to_w {
            let sx = (u64::from(x) * u64::from(width) / u64::from(to_w.max(1))) as usize;
            let at = (sy * width as usize + sx) * channels;
            match pixels.get(at..at + channels) {
                Some(px) => out.extend_from_slice(px),
                None => out.extend(std::iter::repeat_n(0, channels)),
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checker() -> Gray {
        Gray {
            width: 4,
            height: 4,
            pixels: (0..16).map(|i| if i % 2 == 0 { 0 } else { 200 }).collect(),
        }
    }

    #[test]
    fn an_unrotated_unit_placement_copies_the_master() {
        let src = checker();
        let mut canvas = vec![255u8; 16];
        let place = Placement {
            x: 1.5,
            y: 1.5,
            angle: 0.0,
            scale: 1.0,
        };
        draw_darkest(&mut canvas, 4, 4, &src, place, |v| v);
        assert_eq!(canvas, src.pixels);
    }

    #[test]
    fn a_placement_far_off_the_canvas_leaves_it_untouched() {
        let mut canvas = vec![255u8; 16];
        let place = Placement {
            x: -1e9,
            y: 1e12,
            angle: 1.0,
            scale: 3.0,
        };
        draw_darkest(&mut canvas, 4, 4, &checker(), place, |v| v);
        assert!(canvas.iter().all(|&p| p == 255));
    }

    #[test]
    fn resizing_keeps_the_channel_count() {
        let out = resize_nearest(&[1, 2, 3, 4, 5, 6], 2, 1, 3, 4, 2);
        assert_eq!(out.len(), 4 * 2 * 3);
        assert_eq!(&out[..3], &[1, 2, 3]);
        assert_eq!(&out[9..12], &[4, 5, 6]);
    }
}
