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
    let row = |y: usize| -> &[u8] { &img[(y0 + y) * width + x0..(y0 + y) * width + x0 + w] };
    let mut gx = [0.0f64; BS];
    let mut gy = [0.0f64; BS];
    let (mut sum_x, mut sum_y, mut coh2) = (0.0f64, 0.0f64, 0.0f64);
    for y in 0..h {
        let cur = row(y);
        // NIST's numerical gradient: centred inside, forward at the block's edges, 0 when the
        // block is a single column or row.
        if w >= 2 {
            gx[0] = f64::from(cur[1]) - f64::from(cur[0]);
            gx[w - 1] = f64::from(cur[w - 1]) - f64::from(cur[w - 2]);
            for x in 1..w - 1 {
                gx[x] = (f64::from(cur[x + 1]) - f64::from(cur[x - 1])) / 2.0;
            }
        } else {
            gx[..w].fill(0.0);
        }
        if h >= 2 {
            let (prev, next, central) = if y == 0 {
                (row(0), row(1), false)
            } else if y == h - 1 {
                (row(h - 2), row(h - 1), false)
            } else {
                (row(y - 1), row(y + 1), true)
            };
            for x in 0..w {
                let d = f64::from(next[x]) - f64::from(prev[x]);
                gy[x] = if central { d / 2.0 } else { d };
            }
        } else {
            gy[..w].fill(0.0);
        }
        for x in 0..w {
            let a = 2.0 * gx[x] * gy[x];
            let b = gx[x] * gx[x] - gy[x] * gy[x];
            sum_y += a;
            sum_x += b;
            coh2 += (a * a + b * b).sqrt();
        }
    }
    let coh1 = (sum_x * sum_x + sum_y * sum_y).sqrt();
    if coh2 != 0.0 { coh1 / coh2 } else { 0.0 }
}
