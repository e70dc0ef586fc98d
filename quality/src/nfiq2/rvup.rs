//! Ridge-Valley Uniformity (RVUP): NIST's `rvuhist` per foreground local region.
//!
//! Contract: each foreground region's 36x36 window is zero-padded and rotated so that ridges are
//! vertical, a 16x32 block is cropped and split into ridge and valley columns; the widths of the
//! complete ridges and valleys (first and last runs dropped) give ratios of consecutive widths,
//! every other one inverted, all appended to one list in NIST's order (their quirks included).

use super::cv::rotate_crop_nearest;
use super::lcs::CROP_16X32;
use super::segment::{LocalGrid, PADDED, padded_window, ridge_valley_structure};

/// RVUP ratios of all foreground regions.
pub(crate) fn values(img: &[u8], width: usize, height: usize, grid: &LocalGrid) -> Vec<f64> {
    let mut win = [0u8; PADDED * PADDED];
    let mut v2 = [0u8; 16 * 32];
    let (mut ridval, mut dt) = (Vec::with_capacity(32), Vec::with_capacity(32));
    let mut out = Vec::new();
    for reg in grid.regions.iter().filter(|r| r.foreground) {
        padded_window(img, width, height, reg.r, reg.c, &mut win);
        rotate_crop_nearest(&win, PADDED, reg.orientation, CROP_16X32, &mut v2);
        ridge_valley_structure(&v2, 16, 32, &mut ridval, &mut dt);
        ratios(&ridval, &mut out);
    }
    out
}

fn ratios(ridval: &[bool], out: &mut Vec<f64>) {
    let n = ridval.len();
    // NIST compares only the first n-1 labels (the last against its predecessor is never seen);
    // element 0 compares with the last label and is then dropped.
    let change_index: Vec<usize> = (1..n - 1)
        .filter(|&i| ridval[i] != ridval[i - 1])
        .map(|i| i - 1)
        .collect();
    let (Some(&first), Some(&last)) = (change_index.first(), change_index.last()) else {
        return;
    };
    if first + 1 >= last {
        return; // no complete ridge or valley
    }
    let begrid = usize::from(ridval[first + 1]);
    let complete: Vec<usize> = change_index[1..].iter().map(|&c| c - first).collect();
    if complete.len() <= 1 {
        return;
    }
    // Widths, taken from the end backwards as NIST does.
    let widths: Vec<usize> = (1..complete.len())
        .rev()
        .map(|i| complete[i] - complete[i - 1])
        .collect();
    let mut r: Vec<f64> = widths
        .windows(2)
        .map(|w| w[0] as f64 / w[1] as f64)
        .collect();
    let mut i = begrid;
    while i < r.len() {
        r[i] = 1.0 / r[i];
        i += 2;
    }
    out.extend_from_slice(&r);
}
