//! Local Clarity Score (LCS): NIST's `loclar` per local region.
//!
//! Contract: each region's 36x36 window is rotated (without padding) so that ridges are vertical,
//! a 16x32 block is cropped and split into ridge and valley columns by its least-squares gray
//! trend; when the mean normalised ridge and valley widths are plausible at 500 ppi, the score is
//! 1 minus the mean fraction of misclassified pixels, else 0. Only foreground regions are kept.

use super::cv::{Crop, rotate_crop_nearest};
use super::segment::{LocalGrid, WINDOW, ridge_valley_structure, window};

/// Rows and columns of the cropped block.
const ROWS: usize = 16;
const COLS: usize = 32;

/// LCS values of the foreground regions, in NIST's order.
pub(crate) fn values(img: &[u8], width: usize, grid: &LocalGrid) -> Vec<f64> {
    let mut win = [0u8; WINDOW * WINDOW];
    let mut v2 = [0u8; ROWS * COLS];
    let (mut ridval, mut dt) = (Vec::with_capacity(COLS), Vec::with_capacity(COLS));
    let mut out = Vec::new();
    for reg in grid.regions.iter().filter(|r| r.foreground) {
        window(img, width, reg.r, reg.c, &mut win);
        rotate_crop_nearest(&win, WINDOW, reg.orientation, CROP_16X32, &mut v2);
        ridge_valley_structure(&v2, ROWS, COLS, &mut ridval, &mut dt);
        out.push(clarity(&v2, &ridval, &dt));
    }
    out
}

/// Rows 10..26 and columns 2..34 of a rotated 36x36 window (NIST's `v2`).
pub(crate) const CROP_16X32: Crop = Crop {
    x0: 2,
    y0: 10,
    w: COLS,
    h: ROWS,
};

fn clarity(v2: &[u8], ridval: &[bool], dt: &[f64]) -> f64 {
    let n = ridval.len();
    let begrid = ridval[0];
    // Indices (minus one) where the ridge/valley label changes, the first element excluded.
    let change_index: Vec<usize> = (1..n)
        .filter(|&i| ridval[i] != ridval[i - 1])
        .map(|i| i - 1)
        .collect();
    if change_index.is_empty() {
        return 0.0;
    }
    let mut wrv = Vec::with_capacity(change_index.len());
    wrv.push(change_index[0]);
    for w in change_index.windows(2) {
        wrv.push(w[1] - w[0]);
    }
    let norm = (500.0 / 125.0) * 5.0;
    let (nwr_min, nwr_max) = (3.0 / norm, 10.0 / norm);
    let (nwv_min, nwv_max) = (2.0 / norm, 10.0 / norm);
    let (mut nwr, mut nwv) = (Vec::new(), Vec::new());
    let evens = wrv.iter().step_by(2).map(|&w| w as f64 / norm);
    let odds = wrv.iter().skip(1).step_by(2).map(|&w| w as f64 / norm);
    if begrid {
        nwr.extend(evens);
        nwv.extend(odds);
    } else {
        nwv.extend(evens);
        nwr.extend(odds);
    }
    let mean = |v: &[f64]| {
        if v.is_empty() {
            0.0
        } else {
            v.iter().sum::<f64>() * (1.0 / v.len() as f64)
        }
    };
    let (mu_r, mu_v) = (mean(&nwr), mean(&nwv));
    if !(mu_r >= nwr_min && mu_r <= nwr_max && mu_v >= nwv_min && mu_v <= nwv_max) {
        return 0.0;
    }
    let rows = v2.len() / n;
    let (mut ridge_good, mut valley_good, mut ridge_px, mut valley_px) = (0u32, 0u32, 0u32, 0u32);
    for i in 0..n {
        let col = (0..rows).map(|y| f64::from(v2[y * n + i]));
        if ridval[i] {
            ridge_good += col.filter(|&p| p >= dt[i]).count() as u32;
            ridge_px += rows as u32;
        } else {
            valley_good += col.filter(|&p| p < dt[i]).count() as u32;
            valley_px += rows as u32;
        }
    }
    let alpha = f64::from(valley_good) / f64::from(valley_px);
    let beta = f64::from(ridge_good) / f64::from(ridge_px);
    1.0 - (alpha + beta) / 2.0
}
