//! The image-processing region of interest (NIST's `ImgProcROI::computeROI`): the fingerprint
//! foreground, its pixel count and mean gray value, and which 32x32 blocks it touches.
//!
//! Contract: erode (5x5), Gaussian blur 41x41, Otsu, Gaussian blur 91x91, Otsu (OpenCV's bit-exact
//! 8-bit paths, see [`super::cv`]); then holes in the foreground (background regions, 4-connected,
//! not reaching the image edge, which is what `findContours(RETR_CCOMP)` + filled `drawContours`
//! closes) are filled; of the 4-connected foreground regions only the one with the largest
//! bounding box (first found in row-major order on ties) is kept, as NIST's flood fills do.

use super::cv::{erode5, gaussian_blur_u8, otsu_binarize};

/// Block side for the ROI block list.
const BS: usize = 32;

/// What the ROI computation yields.
#[derive(Debug, Clone)]
pub(crate) struct Roi {
    /// Number of foreground pixels (`SufficientFingerprintForeground`).
    pub pixels: u32,
    /// Mean gray value of the foreground (255 when there is none).
    pub mean: f64,
    /// For every 32x32 block (edge blocks partial, row-major): whether it holds foreground.
    pub blocks: Vec<bool>,
}

/// Computes the ROI of an image.
pub(crate) fn compute(img: &[u8], width: usize, height: usize) -> Roi {
    let eroded = erode5(img, width, height);
    let blur1 = gaussian_blur_u8(&eroded, width, height, 41);
    let bin1 = otsu_binarize(&blur1);
    let blur2 = gaussian_blur_u8(&bin1, width, height, 91);
    let mut mask = otsu_binarize(&blur2); // 0 = foreground, 255 = background
    fill_holes(&mut mask, width, height);
    keep_largest_region(&mut mask, width, height);

    let mut pixels = 0u32;
    let mut sum = 0.0f64;
    for (&m, &p) in mask.iter().zip(img) {
        if m == 0 {
            pixels += 1;
            sum += f64::from(p);
        }
    }
    let mean = if pixels == 0 {
        255.0
    } else {
        sum / f64::from(pixels)
    };
    let mut blocks = Vec::with_capacity(width.div_ceil(BS) * height.div_ceil(BS));
    for i in (0..height).step_by(BS) {
        for j in (0..width).step_by(BS) {
            let (w, h) = (BS.min(width - j), BS.min(height - i));
            let any = (i..i + h).any(|y| mask[y * width + j..y * width + j + w].contains(&0));
            blocks.push(any);
        }
    }
    Roi {
        pixels,
        mean,
        blocks,
    }
}

/// Labels the 4-connected region of pixels equal to `mask[seed]` containing `seed` with `label`
/// in `labels` (0 = unlabelled), span by span; returns its bounding box area.
fn flood(
    mask: &[u8],
    labels: &mut [u32],
    width: usize,
    height: usize,
    seed: usize,
    label: u32,
    stack: &mut Vec<(usize, usize)>,
) -> usize {
    let value = mask[seed];
    // Open: unlabelled and of the seed's value. Scans run over row slices (no per-pixel bounds
    // checks on the whole image).
    let open = |l: &u32, m: &u8| *l == 0 && *m == value;
    stack.clear();
    stack.push((seed % width, seed / width));
    let (mut x0, mut y0, mut x1, mut y1) = (usize::MAX, usize::MAX, 0, 0);
    while let Some((x, y)) = stack.pop() {
        let row = y * width;
        let (lrow, mrow) = (&labels[row..row + width], &mask[row..row + width]);
        if !open(&lrow[x], &mrow[x]) {
            continue;
        }
        let l = x - lrow[..x]
            .iter()
            .rev()
            .zip(mrow[..x].iter().rev())
            .take_while(|(a, b)| open(a, b))
            .count();
        let r = x + lrow[x + 1..]
            .iter()
            .zip(&mrow[x + 1..])
            .take_while(|(a, b)| open(a, b))
            .count();
        labels[row + l..=row + r].fill(label);
        x0 = x0.min(l);
        x1 = x1.max(r);
        y0 = y0.min(y);
        y1 = y1.max(y);
        // One seed per run of open pixels directly above and below the span.
        for ny in [y.wrapping_sub(1), y + 1] {
            if ny >= height {
                continue;
            }
            let nrow = ny * width;
            let (nl, nm) = (&labels[nrow + l..=nrow + r], &mask[nrow + l..=nrow + r]);
            let mut i = 0;
            while i < nl.len() {
                if open(&nl[i], &nm[i]) {
                    stack.push((l + i, ny));
                    i += 1 + nl[i + 1..]
                        .iter()
                        .zip(&nm[i + 1..])
                        .take_while(|(a, b)| open(a, b))
                        .count();
                } else {
                    i += 1;
                }
            }
        }
    }
    (x1 - x0 + 1) * (y1 - y0 + 1)
}

/// Background (255) regions enclosed by foreground become foreground.
fn fill_holes(mask: &mut [u8], width: usize, height: usize) {
    // Background reachable from the image edge stays; every other background pixel is a hole.
    let mut labels = vec![0u32; mask.len()];
    let mut stack = Vec::new();
    let edge = (0..width)
        .flat_map(|x| [x, (height - 1) * width + x])
        .chain((0..height).flat_map(|y| [y * width, y * width + width - 1]));
    let edge: Vec<usize> = edge.collect();
    for p in edge {
        if mask[p] == 255 && labels[p] == 0 {
            flood(mask, &mut labels, width, height, p, 1, &mut stack);
        }
    }
    for (m, &l) in mask.iter_mut().zip(&labels) {
        if l == 0 {
            *m = 0;
        }
    }
}

/// Keeps only the foreground region with the largest bounding box (the first found in row-major
/// order among equals).
fn keep_largest_region(mask: &mut [u8], width: usize, height: usize) {
    let mut labels = vec![0u32; mask.len()];
    let mut stack = Vec::new();
    let mut next = 1u32;
    let (mut best, mut best_area) = (0u32, 0usize);
    for seed in 0..mask.len() {
        if mask[seed] == 0 && labels[seed] == 0 {
            let area = flood(mask, &mut labels, width, height, seed, next, &mut stack);
            if area > best_area {
                best_area = area;
                best = next;
            }
            next += 1;
        }
    }
    for (m, &l) in mask.iter_mut().zip(&labels) {
        *m = if l != 0 && l == best { 0 } else { 255 };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enclosed_background_is_filled_but_edge_background_is_not() {
        // 7x7: foreground ring with a background hole at the centre; background outside.
        let w = 7;
        let mut m = vec![255u8; 49];
        for y in 1..6 {
            for x in 1..6 {
                m[y * w + x] = 0;
            }
        }
        m[3 * w + 3] = 255;
        fill_holes(&mut m, 7, 7);
        assert_eq!(m[3 * w + 3], 0);
        assert_eq!(m[0], 255);
    }

    #[test]
    fn only_the_region_with_the_largest_bounding_box_survives() {
        let w = 10;
        let mut m = vec![255u8; 100];
        m[0] = 0; // 1x1 region first in scan order
        for y in 4..8 {
            for x in 4..9 {
                m[y * w + x] = 0;
            }
        }
        keep_largest_region(&mut m, 10, 10);
        assert_eq!(m[0], 255);
        assert_eq!(m.iter().filter(|&&p| p == 0).count(), 20);
    }
}
