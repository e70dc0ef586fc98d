//! Contrast measures: Mu (image mean), MMB (mean of 32x32 block means) and Sigma (image standard
//! deviation, used by the UniformImage feedback), as NIST's `Mu` module computes them.
//!
//! Contract: means are OpenCV's `sum * (1/n)` on exact integer sums; MMB accumulates
//! `block_mean / block_count` over blocks in row-major order, edge blocks partial.

/// Block side.
const BS: usize = 32;

/// Mu, MMB and Sigma of an image.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Contrast {
    pub mu: f64,
    pub mmb: f64,
    pub sigma: f64,
}

/// OpenCV `meanStdDev` of a whole 8-bit image: (mean, standard deviation).
pub(crate) fn mean_std(img: &[u8]) -> (f64, f64) {
    let (mut s, mut sq) = (0u64, 0u64);
    for &p in img {
        s += u64::from(p);
        sq += u64::from(p) * u64::from(p);
    }
    let scale = 1.0 / img.len() as f64;
    let mean = s as f64 * scale;
    (mean, (sq as f64 * scale - mean * mean).max(0.0).sqrt())
}

/// OpenCV `mean` of the `w x h` block at (x0, y0).
pub(crate) fn block_mean(
    img: &[u8],
    width: usize,
    x0: usize,
    y0: usize,
    w: usize,
    h: usize,
) -> f64 {
    let mut s = 0u32;
    for y in y0..y0 + h {
        s += img[y * width + x0..y * width + x0 + w]
            .iter()
            .map(|&p| u32::from(p))
            .sum::<u32>();
    }
    f64::from(s) * (1.0 / (w * h) as f64)
}

/// Computes the contrast measures.
pub(crate) fn contrast(img: &[u8], width: usize, height: usize) -> Contrast {
    let mut means = Vec::with_capacity(width.div_ceil(BS) * height.div_ceil(BS));
    for i in (0..height).step_by(BS) {
        for j in (0..width).step_by(BS) {
            let w = BS.min(width - j);
            let h = BS.min(height - i);
            means.push(block_mean(img, width, j, i, w, h));
        }
    }
    let count = means.len() as f64;
    let mut mmb = 0.0;
    for m in &means {
        mmb += m / count;
    }
    let (mu, sigma) = mean_std(img);
    Contrast { mu, mmb, sigma }
}
