//! WSQ scalar quantisation: the encoder's per-subband bin widths from subband variances and the
//! target bitrate, dead-zone quantisation, and the decoder's dequantisation.
//!
//! Contract: arithmetic mirrors NBIS (`variance`, `quantize`, `unquantize` in its `wsq/util.c`)
//! operation for operation, including where it mixes single and double precision, so decoded
//! values match NBIS exactly and encoded bin widths match it closely.

use super::tables::QuantTable;
use super::tree::{NUM_SUBBANDS, QBand};

/// Subbands whose variance is below this are not coded.
const VARIANCE_THRESH: f32 = 1.01;
/// Subband index where the second (and third) size region of the spec's `m` weights starts.
const SIZE_REGION_2: usize = 4;
const SIZE_REGION_3: usize = 51;

/// Places the decoded coefficients `coeffs` (coded subbands in order) into a frame-sized plane.
pub(crate) fn unquantize(
    coeffs: &[i16],
    table: &QuantTable,
    bands: &[QBand],
    width: usize,
    height: usize,
) -> Vec<f32> {
    let mut out = vec![0.0f32; width * height];
    let c = table.bin_center;
    let mut it = coeffs.iter();
    for (k, b) in bands.iter().enumerate().take(NUM_SUBBANDS) {
        let q = table.q_bin[k];
        if q == 0.0 {
            continue;
        }
        let half_z = f64::from(table.z_bin[k]) / 2.0;
        for r in 0..b.leny {
            let row = &mut out[(b.y + r) * width + b.x..][..b.lenx];
            for (v, &s) in row.iter_mut().zip(&mut it) {
                *v = match s {
                    0 => 0.0,
                    s if s > 0 => (f64::from(q * (f32::from(s) - c)) + half_z) as f32,
                    s => (f64::from(q * (f32::from(s) + c)) - half_z) as f32,
                };
            }
        }
    }
    out
}

/// Subband variances as NBIS estimates them: over a central window of each subband, or over the
/// whole subband when the four lowest bands are nearly flat.
pub(crate) fn variances(data: &[f32], width: usize, bands: &[QBand]) -> [f32; 64] {
    let mut var = [0.0f32; 64];
    let window = |b: &QBand, cropped: bool| -> f32 {
        let (x, y, lenx, leny) = if cropped {
            (
                b.x + b.lenx / 8,
                b.y + (9 * b.leny) / 32,
                (3 * b.lenx) / 4,
                (7 * b.leny) / 16,
            )
        } else {
            (b.x, b.y, b.lenx, b.leny)
        };
        let mut ssq = 0.0f32;
        let mut sum = 0.0f32;
        for r in 0..leny {
            for &v in &data[(y + r) * width + x..][..lenx] {
                sum += v;
                ssq += v * v;
            }
        }
        let n = (lenx * leny) as f32;
        let sum2 = (sum * sum) / n;
        ((f64::from(ssq - sum2)) / (f64::from(n) - 1.0)) as f32
    };
    let mut vsum = 0.0f32;
    for (k, b) in bands.iter().enumerate().take(4) {
        var[k] = window(b, true);
        vsum += var[k];
    }
    if vsum < 20000.0 {
        for (k, b) in bands.iter().enumerate().take(NUM_SUBBANDS) {
            var[k] = window(b, false);
        }
    } else {
        for (k, b) in bands.iter().enumerate().take(NUM_SUBBANDS).skip(4) {
            var[k] = window(b, true);
        }
    }
    var
}

/// Bin widths (`q_bin`) and zero-bin widths (`z_bin`) meeting `bitrate` (bits per pixel).
pub(crate) fn bin_widths(var: &[f32; 64], bitrate: f32) -> ([f32; 64], [f32; 64]) {
    let mut a = [1.0f32; NUM_SUBBANDS];
    for (k, w) in [1.32, 1.08, 1.42, 1.08, 1.32, 1.42, 1.08, 1.08]
        .into_iter()
        .enumerate()
    {
        a[52 + k] = w;
    }
    let mut qbss = [0.0f32; 64];
    let mut qzbs = [0.0f32; 64];
    for k in 0..NUM_SUBBANDS {
        if var[k] >= VARIANCE_THRESH {
            qbss[k] = if k < SIZE_REGION_2 {
                1.0
            } else {
                (10.0 / f64::from(a[k] * (f64::from(var[k]).ln() as f32))) as f32
            };
        }
    }
    let m: [f32; NUM_SUBBANDS] = std::array::from_fn(|k| {
        if k < SIZE_REGION_2 {
            (1.0 / 1024.0) as f32
        } else if k < SIZE_REGION_3 {
            (1.0 / 256.0) as f32
        } else {
            (1.0 / 16.0) as f32
        }
    });
    let k0: Vec<usize> = (0..NUM_SUBBANDS)
        .filter(|&k| var[k] >= VARIANCE_THRESH)
        .collect();
    if k0.is_empty() {
        return (qbss, qzbs);
    }
    let sigma: [f32; NUM_SUBBANDS] = std::array::from_fn(|k| f64::from(var[k]).sqrt() as f32);
    let mut set = k0.clone();
    let q = loop {
        let s: f32 = set.iter().fold(0.0f32, |acc, &k| acc + m[k]);
        let mut p = 1.0f32;
        for &k in &set {
            p = (f64::from(p) * f64::from(sigma[k] / qbss[k]).powf(f64::from(m[k]))) as f32;
        }
        let q = ((2f64.powf(f64::from(bitrate / s) - 1.0) / 2.5)
            / f64::from(p).powf(1.0 / f64::from(s))) as f32;
        let keep: Vec<usize> = set
            .iter()
            .copied()
            .filter(|&k| f64::from(qbss[k] / q) < 5.0 * f64::from(sigma[k]))
            .collect();
        // Bands that would get a non-positive bitrate drop out and q is recomputed.
        if keep.len() == set.len() {
            break q;
        }
        if keep.is_empty() {
            // NBIS's q becomes infinite here, zeroing every bin: nothing is coded.
            return ([0.0; 64], [0.0; 64]);
        }
        set = keep;
    };
    for k in 0..NUM_SUBBANDS {
        if k0.contains(&k) {
            qbss[k] /= q;
        } else {
            qbss[k] = 0.0;
        }
        qzbs[k] = (1.2 * f64::from(qbss[k])) as f32;
    }
    (qbss, qzbs)
}

/// Dead-zone quantisation of the coded subbands, in subband order.
pub(crate) fn quantize(
    data: &[f32],
    width: usize,
    bands: &[QBand],
    qbss: &[f32; 64],
    qzbs: &[f32; 64],
) -> Vec<i16> {
    let total: usize = bands
        .iter()
        .enumerate()
        .take(NUM_SUBBANDS)
        .filter(|(k, _)| qbss[*k] != 0.0)
        .map(|(_, b)| b.area())
        .sum();
    let mut out = Vec::with_capacity(total);
    for (k, b) in bands.iter().enumerate().take(NUM_SUBBANDS) {
        let q = qbss[k];
        if q == 0.0 {
            continue;
        }
        let zbin = (f64::from(qzbs[k]) / 2.0) as f32;
        for r in 0..b.leny {
            for &v in &data[(b.y + r) * width + b.x..][..b.lenx] {
                let s = if -zbin <= v && v <= zbin {
                    0
                } else if v > 0.0 {
                    (f64::from((v - zbin) / q) + 1.0) as i16
                } else {
                    (f64::from((v + zbin) / q) - 1.0) as i16
                };
                out.push(s);
            }
        }
    }
    out
}
