//! Frequency Domain Analysis (FDA): NIST's `fda` per foreground local region.
//!
//! Contract: for each foreground region of the [`LocalGrid`], the 36x36 window is zero-padded,
//! rotated so that ridges are horizontal, a 32x16 slanted block is cropped, its row means form a
//! 32-sample signature whose DFT amplitude peak (with 0.3 of its neighbours) over the sum of the
//! lower half of the spectrum is the region's value (1.0 when the peak is at either end).

use super::cv::{Crop, rotate_crop_nearest};
use super::segment::{LocalGrid, PADDED, padded_window};

/// Signature length (rows of the slanted block).
const N: usize = 32;
/// Columns of the slanted block averaged per signature sample.
const M: usize = 16;

/// FDA values of the foreground regions, in NIST's order.
pub(crate) fn values(img: &[u8], width: usize, height: usize, grid: &LocalGrid) -> Vec<f64> {
    let (cos, sin) = twiddles();
    let mut win = [0u8; PADDED * PADDED];
    let mut rot = [0u8; N * M];
    let mut out = Vec::new();
    for reg in grid.regions.iter().filter(|r| r.foreground) {
        padded_window(img, width, height, reg.r, reg.c, &mut win);
        // Rows 2..34 (icBlock - (xoff-1) - 1 .. icBlock + xoff), columns 10..26 of the rotation.
        let crop = Crop {
            x0: 10,
            y0: 2,
            w: M,
            h: N,
        };
        rotate_crop_nearest(
            &win,
            PADDED,
            reg.orientation + std::f64::consts::FRAC_PI_2,
            crop,
            &mut rot,
        );
        let mut t = [0.0f64; N];
        for (i, v) in t.iter_mut().enumerate() {
            let row = &rot[i * M..(i + 1) * M];
            let s: u32 = row.iter().map(|&p| u32::from(p)).sum();
            *v = f64::from(s) * (1.0 / M as f64);
        }
        out.push(fda_of_signature(&t, &cos, &sin));
    }
    out
}

fn twiddles() -> ([f64; N], [f64; N]) {
    let mut c = [0.0; N];
    let mut s = [0.0; N];
    for k in 0..N {
        let a = -2.0 * std::f64::consts::PI * k as f64 / N as f64;
        c[k] = a.cos();
        s[k] = a.sin();
    }
    (c, s)
}

fn fda_of_signature(t: &[f64; N], cos: &[f64; N], sin: &[f64; N]) -> f64 {
    // Amplitudes of DFT bins 1..N-1 (the DC term is cut out).
    let mut amp = [0.0f64; N - 1];
    for (k, a) in amp.iter_mut().enumerate() {
        let k = k + 1;
        let (mut re, mut im) = (0.0, 0.0);
        for (n, &v) in t.iter().enumerate() {
            let idx = (k * n) % N;
            re += v * cos[idx];
            im += v * sin[idx];
        }
        *a = (re * re + im * im).sqrt();
    }
    let mut max_loc = 0;
    let mut max_val = amp[0];
    for (i, &a) in amp.iter().enumerate().skip(1) {
        if a > max_val {
            max_val = a;
            max_loc = i;
        }
    }
    let denom: f64 = amp[..amp.len() / 2].iter().sum();
    if max_loc == 0 || max_loc + 1 >= amp.len() {
        return 1.0;
    }
    (max_val + 0.3 * (amp[max_loc - 1] + amp[max_loc + 1])) / denom
}
