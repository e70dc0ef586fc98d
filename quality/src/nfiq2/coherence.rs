//! Orientation-map coherence over the ROI blocks (NIST's `QualityMap::computeOrientationMap`
//! with the ROI filter): `OrientationMap_ROIFilter_CoherenceSum` and `..._CoherenceRel`.
//!
//! Contract: for every 32x32 block (edge blocks partial) that holds ROI foreground, the gradient
//! coherence `|Σ(gx²-gy², 2gxgy)| / Σ|(gx²-gy², 2gxgy)|` (0 when the denominator is 0) is summed
//! in row-major order; the relative value divides by the number of ROI blocks (0 when none).

/// Block side.
const BS: usize = 32;

/// (CoherenceSum, CoherenceRel).
pub(crate) fn coherence(
    img: &[u8],
    width: usize,
    height: usize,
    roi_blocks: &[bool],
) -> (f64, f64) {
    let mut sum = 0.0;
    let mut n_roi = 0usize;
    let mut k = 0;
    for i in (0..height).step_by(BS) {
        for j in (0..width).step_by(BS) {
            let in_roi = roi_blocks.get(k).copied().unwrap_or(false);
            k += 1;
            if !in_roi {
                continue;
            }
            n_roi += 1;
            let (w, h) = (BS.min(width - j), BS.min(height - i));
            sum += block_coherence(img, width, j, i, w, h);
        }
    }
    let rel = if n_roi == 0 { 0.0 } else { sum / n_roi as f64 };
    (sum, rel)
}

fn block_coherence(img: &[u8], width: usize, x0: usize, y0: usize, w: usize, h: usize) -> f64 {
    let px = |y: usize, x: usize| f64::from(img[(y0 + y) * width + x0 + x]);
    let (mut sum_x, mut sum_y, mut coh2) = (0.0f64, 0.0f64, 0.0f64);
    for y in 0..h {
        for x in 0..w {
            let gx = if w < 2 {
                0.0
            } else if x == 0 {
                px(y, 1) - px(y, 0)
            } else if x == w - 1 {
                px(y, x) - px(y, x - 1)
            } else {
                (px(y, x + 1) - px(y, x - 1)) / 2.0
            };
            let gy = if h < 2 {
                0.0
            } else if y == 0 {
                px(1, x) - px(0, x)
            } else if y == h - 1 {
                px(y, x) - px(y - 1, x)
            } else {
                (px(y + 1, x) - px(y - 1, x)) / 2.0
            };
            let a = 2.0 * gx * gy;
            let b = gx * gx - gy * gy;
            sum_y += a;
            sum_x += b;
            coh2 += (a * a + b * b).sqrt();
        }
    }
    let coh1 = (sum_x * sum_x + sum_y * sum_y).sqrt();
    if coh2 != 0.0 { coh1 / coh2 } else { 0.0 }
}
