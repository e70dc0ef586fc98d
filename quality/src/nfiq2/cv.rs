//! The handful of OpenCV 4 image operations NIST's NFIQ 2.3 relies on, reimplemented so that they
//! give the same numbers: the bit-exact fixed-point 8-bit Gaussian blur, erosion with OpenCV's
//! default border, Otsu's threshold, nearest-neighbour `warpAffine` rotation with OpenCV's 10-bit
//! fixed-point coordinates, `borderInterpolate`, and `cvRound`.
//!
//! Contract: every function here is deterministic, allocation-light and matches the OpenCV
//! behaviour it names (default arguments as NFIQ 2 calls them), bit for bit on 8-bit data.

/// OpenCV's `cvRound` on doubles: round half to even (the FPU's default mode).
pub(crate) fn cv_round(v: f64) -> i32 {
    v.round_ties_even() as i32
}

/// OpenCV's `borderInterpolate` for `BORDER_REFLECT_101` (`gfedcb|abcdefgh|gfedcba`).
pub(crate) fn reflect_101(mut p: i64, len: i64) -> usize {
    if len == 1 {
        return 0;
    }
    while p < 0 || p >= len {
        if p < 0 {
            p = -p;
        } else {
            p = 2 * len - 2 - p;
        }
    }
    p as usize
}

/// The fixed-point (8 fractional bits) Gaussian kernel OpenCV's `GaussianBlur` uses for 8-bit
/// images when `sigma == 0`: softfloat kernel, then error-diffused rounding so that it sums to 256.
pub(crate) fn gaussian_kernel_q8(n: usize) -> Vec<u32> {
    // sigma = ((n-1)*0.5 - 1)*0.3 + 0.8, computed as OpenCV does with a fused multiply-add.
    let sigma = (n as f64).mul_add(
        f64::from_bits(0x3fc3333333333333),
        f64::from_bits(0x3fd6666666666666),
    );
    let scale2x = -0.125 / (sigma * sigma);
    let half = (n - 1) / 2;
    let mut values = Vec::with_capacity(half);
    let mut sum = 0.0f64;
    let mut x = 1 - n as i64;
    for _ in 0..half {
        let t = ((x * x) as f64 * scale2x).exp();
        values.push(t);
        sum += t;
        x += 2;
    }
    sum *= 2.0;
    sum += 1.0;
    let mul = 1.0 / sum;
    let mut kernel = vec![0u32; n];
    let mut err = 0.0f64;
    let mut total: i64 = 0;
    for (i, v) in values.iter().enumerate() {
        let adj = v * mul * 256.0 + err;
        let r = cv_round(adj) as i64;
        err = adj - r as f64;
        kernel[i] = r as u32;
        kernel[n - 1 - i] = r as u32;
        total += r;
    }
    kernel[half] = (256 - 2 * total) as u32;
    kernel
}

/// `cv::GaussianBlur(src, dst, Size(n, n), 0)` for an 8-bit image (bit-exact fixed-point path,
/// `BORDER_REFLECT_101`). `n` must be odd.
pub(crate) fn gaussian_blur_u8(src: &[u8], width: usize, height: usize, n: usize) -> Vec<u8> {
    let kernel = gaussian_kernel_q8(n);
    let r = (n / 2) as i64;
    // Horizontal pass: exact products with 8 fractional bits (fits in u32).
    let mut horiz = vec![0u32; width * height];
    let col_index: Vec<Vec<usize>> = (0..width as i64)
        .map(|x| {
            (0..n as i64)
                .map(|j| reflect_101(x + j - r, width as i64))
                .collect()
        })
        .collect();
    for y in 0..height {
        let row = &src[y * width..(y + 1) * width];
        let out = &mut horiz[y * width..(y + 1) * width];
        for x in 0..width {
            let idx = &col_index[x];
            if x as i64 >= r && (x as i64) + r < width as i64 {
                let base = x - r as usize;
                out[x] = kernel
                    .iter()
                    .zip(&row[base..base + n])
                    .map(|(&k, &p)| k * p as u32)
                    .sum();
            } else {
                out[x] = kernel
                    .iter()
                    .zip(idx)
                    .map(|(&k, &i)| k * row[i] as u32)
                    .sum();
            }
        }
    }
    // Vertical pass: 16 fractional bits, then round half up to 8 bits.
    let mut dst = vec![0u8; width * height];
    let mut acc = vec![0u32; width];
    for y in 0..height {
        acc.iter_mut().for_each(|a| *a = 0);
        for (j, &k) in kernel.iter().enumerate() {
            let sy = reflect_101(y as i64 + j as i64 - r, height as i64);
            let hrow = &horiz[sy * width..(sy + 1) * width];
            for (a, &h) in acc.iter_mut().zip(hrow) {
                *a += k * h;
            }
        }
        for (d, &a) in dst[y * width..(y + 1) * width].iter_mut().zip(&acc) {
            *d = ((a + (1 << 15)) >> 16).min(255) as u8;
        }
    }
    dst
}

/// `cv::erode` with a 5x5 rectangle, default anchor and OpenCV's default border (pixels outside
/// the image never win the minimum).
pub(crate) fn erode5(src: &[u8], width: usize, height: usize) -> Vec<u8> {
    let mut tmp = vec![0u8; width * height];
    for y in 0..height {
        let row = &src[y * width..(y + 1) * width];
        for x in 0..width {
            let lo = x.saturating_sub(2);
            let hi = (x + 2).min(width - 1);
            tmp[y * width + x] = row[lo..=hi].iter().copied().min().unwrap_or(255);
        }
    }
    let mut dst = vec![0u8; width * height];
    for y in 0..height {
        let lo = y.saturating_sub(2);
        let hi = (y + 2).min(height - 1);
        for x in 0..width {
            let mut m = 255u8;
            for yy in lo..=hi {
                m = m.min(tmp[yy * width + x]);
            }
            dst[y * width + x] = m;
        }
    }
    dst
}

/// `cv::threshold(src, dst, 0, 255, THRESH_OTSU)` (binary): Otsu's level computed exactly as
/// OpenCV's `getThreshVal_Otsu_8u`, then 255 where the pixel exceeds it, else 0.
pub(crate) fn otsu_binarize(src: &[u8]) -> Vec<u8> {
    let mut h = [0u64; 256];
    for &p in src {
        h[p as usize] += 1;
    }
    let scale = 1.0 / src.len() as f64;
    let mut mu = 0.0f64;
    for (i, &c) in h.iter().enumerate() {
        mu += i as f64 * c as f64;
    }
    mu *= scale;
    let (mut mu1, mut q1) = (0.0f64, 0.0f64);
    let (mut max_sigma, mut max_val) = (0.0f64, 0.0f64);
    let eps = f32::EPSILON as f64;
    for (i, &c) in h.iter().enumerate() {
        let p_i = c as f64 * scale;
        mu1 *= q1;
        q1 += p_i;
        let q2 = 1.0 - q1;
        if q1.min(q2) < eps || q1.max(q2) > 1.0 - eps {
            continue;
        }
        mu1 = (mu1 + i as f64 * p_i) / q1;
        let mu2 = (mu - q1 * mu1) / q2;
        let sigma = q1 * q2 * (mu1 - mu2) * (mu1 - mu2);
        if sigma > max_sigma {
            max_sigma = sigma;
            max_val = i as f64;
        }
    }
    let thresh = max_val.floor() as i32;
    src.iter()
        .map(|&p| if p as i32 > thresh { 255 } else { 0 })
        .collect()
}

/// NFIQ 2's `getRotatedBlock`: `warpAffine(input, getRotationMatrix2D(centre, degrees, 1),
/// out_size, INTER_NEAREST)` of a square `in_size` block about its centre, with OpenCV's inverse
/// map and 10-bit fixed-point coordinates; outside samples are 0 (`BORDER_CONSTANT`).
///
/// `input` is `in_size * in_size` row-major; `out` receives `out_size * out_size` (the output keeps
/// the unpadded block's size, so with NIST's 2-pixel padding the padded input is cropped).
pub(crate) fn rotate_block_nearest(
    input: &[u8],
    in_size: usize,
    out_size: usize,
    orientation: f64,
    out: &mut [u8],
) {
    let centre = f64::from(in_size as f32 / 2.0);
    let degrees = orientation * (180.0 / std::f64::consts::PI);
    let angle = degrees * (std::f64::consts::PI / 180.0);
    let alpha = angle.cos();
    let beta = angle.sin();
    let mut m = [
        alpha,
        beta,
        (1.0 - alpha) * centre - beta * centre,
        -beta,
        alpha,
        beta * centre + (1.0 - alpha) * centre,
    ];
    // warpAffine inverts the forward transform.
    let d = m[0] * m[4] - m[1] * m[3];
    let d = if d != 0.0 { 1.0 / d } else { 0.0 };
    let a11 = m[4] * d;
    let a22 = m[0] * d;
    m[0] = a11;
    m[1] *= -d;
    m[3] *= -d;
    m[4] = a22;
    let b1 = -m[0] * m[2] - m[1] * m[5];
    let b2 = -m[3] * m[2] - m[4] * m[5];
    m[2] = b1;
    m[5] = b2;

    const AB_BITS: i32 = 10;
    const AB_SCALE: f64 = 1024.0;
    const ROUND_DELTA: i32 = 512;
    let mut adelta = [0i32; 64];
    let mut bdelta = [0i32; 64];
    for x in 0..out_size {
        adelta[x] = cv_round(m[0] * x as f64 * AB_SCALE);
        bdelta[x] = cv_round(m[3] * x as f64 * AB_SCALE);
    }
    let n = in_size as i32;
    for y in 0..out_size {
        let x0 = cv_round((m[1] * y as f64 + m[2]) * AB_SCALE) + ROUND_DELTA;
        let y0 = cv_round((m[4] * y as f64 + m[5]) * AB_SCALE) + ROUND_DELTA;
        for x in 0..out_size {
            let sx = (x0 + adelta[x]) >> AB_BITS;
            let sy = (y0 + bdelta[x]) >> AB_BITS;
            out[y * out_size + x] = if sx >= 0 && sy >= 0 && sx < n && sy < n {
                input[sy as usize * in_size + sx as usize]
            } else {
                0
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaussian_kernels_sum_to_256_and_are_symmetric() {
        for n in [41, 91] {
            let k = gaussian_kernel_q8(n);
            assert_eq!(k.iter().sum::<u32>(), 256);
            assert!(k.iter().zip(k.iter().rev()).all(|(a, b)| a == b));
        }
    }

    #[test]
    fn reflect_101_mirrors_without_repeating_the_edge() {
        assert_eq!(reflect_101(-1, 5), 1);
        assert_eq!(reflect_101(-2, 5), 2);
        assert_eq!(reflect_101(5, 5), 3);
        assert_eq!(reflect_101(-7, 3), 1);
    }

    #[test]
    fn zero_rotation_without_padding_is_identity() {
        let block: Vec<u8> = (0..36 * 36).map(|i| (i % 251) as u8).collect();
        let mut out = vec![0u8; 36 * 36];
        rotate_block_nearest(&block, 36, 36, 0.0, &mut out);
        assert_eq!(out, block);
    }

    #[test]
    fn otsu_separates_two_levels() {
        let img = [10u8, 10, 10, 200, 200, 200];
        assert_eq!(otsu_binarize(&img), vec![0, 0, 0, 255, 255, 255]);
    }
}
