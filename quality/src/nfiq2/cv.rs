//! The handful of OpenCV 4 image operations NIST's NFIQ 2.3 relies on, reimplemented so that they
//! give the same numbers: the bit-exact fixed-point 8-bit Gaussian blur, erosion with OpenCV's
//! default border, Otsu's threshold, nearest-neighbour `warpAffine` rotation with OpenCV's 10-bit
//! fixed-point coordinates, `borderInterpolate`, and `cvRound`.
//!
//! Contract: every function here is deterministic, allocation-light and matches the OpenCV
//! behaviour it names (default arguments as NFIQ 2 calls them), bit for bit on 8-bit data.

/// OpenCV's `cvRound` on doubles: round half to even (the FPU's default mode).
pub(crate) fn cv_round(v: f64) -> i32 {
    // Adding and removing 1.5 * 2^52 rounds to an integer in the default (nearest-even) mode,
    // without a libm call; exact for |v| < 2^51, far beyond the coordinates used here.
    const SHIFT: f64 = 6_755_399_441_055_744.0;
    if v.abs() < 2_251_799_813_685_248.0 {
        ((v + SHIFT) - SHIFT) as i32
    } else {
        v.round_ties_even() as i32
    }
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
///
/// OpenCV sums `kx[j] * src` with 8 fractional bits, then `ky[i] * row` with 16, and rounds half
/// up: the result is `(Σ ky[i] kx[j] src + 2^15) >> 16` with exact integer sums, which do not
/// depend on the order of the passes. Every partial sum is an integer below 2^24 (the kernels sum
/// to 256 and pixels are at most 255), so the second pass is exact in `f32`.
pub(crate) fn gaussian_blur_u8(src: &[u8], width: usize, height: usize, n: usize) -> Vec<u8> {
    if src.iter().all(|&p| p == 0 || p == 255) {
        return gaussian_blur_binary(src, width, height, n);
    }
    let kq = gaussian_kernel_q8(n);
    let k16: Vec<u16> = kq.iter().map(|&k| k as u16).collect();
    let kernel: Vec<f32> = kq.iter().map(|&k| k as f32).collect();
    let r = n / 2;
    // Vertical pass first (the exact sums do not depend on the order), in 16-bit lanes: every
    // partial sum is at most 256 * 255 = 65280.
    let mut vert = vec![0u16; width * height];
    for y in 0..height {
        let acc = &mut vert[y * width..(y + 1) * width];
        let centre = &src[y * width..(y + 1) * width];
        for (a, &p) in acc.iter_mut().zip(centre) {
            *a = k16[r] * u16::from(p);
        }
        let row = |yy: usize| &src[yy * width..(yy + 1) * width];
        let pair = |j: usize| {
            let up = reflect_101(y as i64 + j as i64 - r as i64, height as i64);
            let down = reflect_101(y as i64 + r as i64 - j as i64, height as i64);
            (row(up), row(down))
        };
        let mut j = 0;
        while j + 4 <= r {
            let ((u0, d0), (u1, d1)) = (pair(j), pair(j + 1));
            let ((u2, d2), (u3, d3)) = (pair(j + 2), pair(j + 3));
            let (k0, k1, k2, k3) = (k16[j], k16[j + 1], k16[j + 2], k16[j + 3]);
            let acc = &mut acc[..width];
            let (u0, d0, u1, d1) = (&u0[..width], &d0[..width], &u1[..width], &d1[..width]);
            let (u2, d2, u3, d3) = (&u2[..width], &d2[..width], &u3[..width], &d3[..width]);
            for x in 0..width {
                let s = k0 * (u16::from(u0[x]) + u16::from(d0[x]))
                    + k1 * (u16::from(u1[x]) + u16::from(d1[x]))
                    + k2 * (u16::from(u2[x]) + u16::from(d2[x]))
                    + k3 * (u16::from(u3[x]) + u16::from(d3[x]));
                acc[x] += s;
            }
            j += 4;
        }
        while j < r {
            let (u, d) = pair(j);
            let k = k16[j];
            for ((a, &p), &q) in acc.iter_mut().zip(u).zip(d) {
                *a += k * (u16::from(p) + u16::from(q));
            }
            j += 1;
        }
    }
    // Horizontal pass on each row extended by reflection (sums below 2^24: exact in f32), then
    // round half up to 8 bits.
    let mut dst = vec![0u8; width * height];
    let mut ext = vec![0.0f32; width + 2 * r];
    let mut out = vec![0.0f32; width];
    let ext_index: Vec<usize> = (0..width + 2 * r)
        .map(|i| reflect_101(i as i64 - r as i64, width as i64))
        .collect();
    // Pairs of mirrored taps (offset of the left one in the extended row, offset of the right
    // one, weight); the kernel's zero tails add nothing.
    let taps: Vec<(usize, usize, f32)> = (0..r)
        .filter(|&j| kernel[j] != 0.0)
        .map(|j| (j, n - 1 - j, kernel[j]))
        .collect();
    for y in 0..height {
        let row = &vert[y * width..(y + 1) * width];
        for (e, &i) in ext.iter_mut().zip(&ext_index) {
            *e = f32::from(row[i]);
        }
        match r {
            20 => horizontal_row_fixed::<20>(&mut out[..width], &ext, &kernel),
            45 => horizontal_row_fixed::<45>(&mut out[..width], &ext, &kernel),
            _ => horizontal_row(&mut out[..width], &ext, kernel[r], &taps),
        }
        for (d, &a) in dst[y * width..(y + 1) * width].iter_mut().zip(out.iter()) {
            // The sum is an integer below 2^24; adding 2^52 in f64 puts it exactly in the low
            // bits of the mantissa, a conversion that compiles to vector code (a float-to-int
            // cast saturates, which is scalar here).
            let a = (f64::from(a) + 4_503_599_627_370_496.0).to_bits() as u32;
            *d = ((a + (1 << 15)) >> 16).min(255) as u8;
        }
    }
    dst
}

/// [`horizontal_row`] for a kernel of `2 * R + 1` taps known at compile time (the ROI blurs'
/// 41 and 91): each block of eight outputs reads one window of the extended row whose length
/// the compiler knows, so the taps need no bounds checks. The kernel's zero tails are skipped.
fn horizontal_row_fixed<const R: usize>(out: &mut [f32], ext: &[f32], kernel: &[f32]) {
    let Some(kernel) = kernel.get(..=R) else {
        return;
    };
    let first = kernel.iter().position(|&k| k != 0.0).unwrap_or(R).min(R);
    let kc = kernel[R];
    let width = out.len();
    let mut x0 = 0;
    while x0 + 8 <= width {
        let Some(win) = ext.get(x0..x0 + 2 * R + 8) else {
            break;
        };
        let mut acc = [0.0f32; 8];
        for (s, &e) in acc.iter_mut().zip(&win[R..R + 8]) {
            *s = kc * e;
        }
        for (j, &k) in kernel.iter().enumerate().take(R).skip(first) {
            let pa = &win[j..j + 8];
            let pb = &win[2 * R - j..2 * R - j + 8];
            for l in 0..8 {
                acc[l] += k * (pa[l] + pb[l]);
            }
        }
        out[x0..x0 + 8].copy_from_slice(&acc);
        x0 += 8;
    }
    for (x, o) in out.iter_mut().enumerate().skip(x0) {
        let mut s = kc * ext.get(x + R).copied().unwrap_or(0.0);
        for (j, &k) in kernel.iter().enumerate().take(R).skip(first) {
            s += k
                * (ext.get(x + j).copied().unwrap_or(0.0)
                    + ext.get(x + 2 * R - j).copied().unwrap_or(0.0));
        }
        *o = s;
    }
}

/// One row of the horizontal pass: `out[x] = kc * ext[x + r] + Σ k * (ext[x + a] + ext[x + b])`
/// over the `taps` (a, b, k), `r = out`'s reflection margin. Eight outputs at a time are
/// accumulated in registers over all taps, which compiles to vector code; the sums are exact
/// integers (below 2^24), so their order does not matter.
fn horizontal_row(out: &mut [f32], ext: &[f32], kc: f32, taps: &[(usize, usize, f32)]) {
    let width = out.len();
    let r = (ext.len() - width) / 2;
    let mut x0 = 0;
    while x0 + 8 <= width {
        let mut acc = [0.0f32; 8];
        if let Some(c) = ext.get(x0 + r..x0 + r + 8) {
            for (s, &e) in acc.iter_mut().zip(c) {
                *s = kc * e;
            }
        }
        for &(a, b, k) in taps {
            if let (Some(pa), Some(pb)) = (ext.get(x0 + a..x0 + a + 8), ext.get(x0 + b..x0 + b + 8))
            {
                for l in 0..8 {
                    acc[l] += k * (pa[l] + pb[l]);
                }
            }
        }
        out[x0..x0 + 8].copy_from_slice(&acc);
        x0 += 8;
    }
    for (x, o) in out.iter_mut().enumerate().skip(x0) {
        let mut s = kc * ext.get(x + r).copied().unwrap_or(0.0);
        for &(a, b, k) in taps {
            s += k
                * (ext.get(x + a).copied().unwrap_or(0.0) + ext.get(x + b).copied().unwrap_or(0.0));
        }
        *o = s;
    }
}

/// [`gaussian_blur_u8`] of an image holding only 0 and 255 (the second ROI blur's input).
///
/// With `b` the 0/1 image, the fixed-point sum is `255 * S` where `S = Σ ky[i] * W[i]` and
/// `W = Σ kx[j] * b` (0..=256) is the horizontal pass. `S` is at most 256 * 256 = 65536, so it is
/// accumulated in wrapping 16-bit lanes: the only value that wraps is 65536 itself (to 0), and a
/// true 0 needs `W = 0` at the centre, which tells the two apart.
fn gaussian_blur_binary(src: &[u8], width: usize, height: usize, n: usize) -> Vec<u8> {
    let kernel: Vec<u16> = gaussian_kernel_q8(n).iter().map(|&k| k as u16).collect();
    let r = n / 2;
    // prefix[t] = sum of the first t kernel weights.
    let mut prefix = vec![0u16; n + 1];
    for t in 0..n {
        prefix[t + 1] = prefix[t] + kernel[t];
    }
    let ext_index: Vec<usize> = (0..width + 2 * r)
        .map(|i| reflect_101(i as i64 - r as i64, width as i64))
        .collect();
    let mut w_img = vec![0u16; width * height];
    let mut runs: Vec<(usize, usize)> = Vec::new();
    for y in 0..height {
        let row = &src[y * width..(y + 1) * width];
        // Runs of 255 in the reflected row.
        runs.clear();
        let mut start = None;
        for (i, &si) in ext_index.iter().enumerate() {
            match (row[si] == 255, start) {
                (true, None) => start = Some(i),
                (false, Some(s)) => {
                    runs.push((s, i));
                    start = None;
                }
                _ => {}
            }
        }
        if let Some(s) = start {
            runs.push((s, ext_index.len()));
        }
        let out = &mut w_img[y * width..(y + 1) * width];
        for (x, o) in out.iter_mut().enumerate() {
            let mut w = 0u16;
            for &(s, e) in &runs {
                if s >= x + n {
                    break;
                }
                if e > x {
                    w += prefix[(e - x).min(n)] - prefix[s.saturating_sub(x)];
                }
            }
            *o = w;
        }
    }
    let mut dst = vec![0u8; width * height];
    let mut acc = vec![0u16; width];
    // The kernel's zero tails add nothing to the vertical sums.
    let nonzero: Vec<usize> = (0..r).filter(|&j| kernel[j] != 0).collect();
    for y in 0..height {
        let centre = &w_img[y * width..(y + 1) * width];
        let kc = kernel[r];
        for (a, &w) in acc.iter_mut().zip(centre) {
            *a = kc.wrapping_mul(w);
        }
        for group in nonzero.chunks(4) {
            let taps = group.len();
            let mut rows: [(&[u16], &[u16], u16); 4] = [(&[], &[], 0); 4];
            for (slot, &jj) in rows.iter_mut().zip(group) {
                let up = reflect_101(y as i64 + jj as i64 - r as i64, height as i64);
                let down = reflect_101(y as i64 + r as i64 - jj as i64, height as i64);
                *slot = (
                    &w_img[up * width..(up + 1) * width],
                    &w_img[down * width..(down + 1) * width],
                    kernel[jj],
                );
            }
            if taps == 4 {
                let [(u0, d0, k0), (u1, d1, k1), (u2, d2, k2), (u3, d3, k3)] = rows;
                let acc = &mut acc[..width];
                let (u0, d0, u1, d1) = (&u0[..width], &d0[..width], &u1[..width], &d1[..width]);
                let (u2, d2, u3, d3) = (&u2[..width], &d2[..width], &u3[..width], &d3[..width]);
                for x in 0..width {
                    let s = k0
                        .wrapping_mul(u0[x].wrapping_add(d0[x]))
                        .wrapping_add(k1.wrapping_mul(u1[x].wrapping_add(d1[x])))
                        .wrapping_add(k2.wrapping_mul(u2[x].wrapping_add(d2[x])))
                        .wrapping_add(k3.wrapping_mul(u3[x].wrapping_add(d3[x])));
                    acc[x] = acc[x].wrapping_add(s);
                }
            } else {
                for &(u, d, k) in &rows[..taps] {
                    for ((a, &p), &q) in acc.iter_mut().zip(u).zip(d) {
                        *a = a.wrapping_add(k.wrapping_mul(p.wrapping_add(q)));
                    }
                }
            }
        }
        for ((d, &a), &w) in dst[y * width..(y + 1) * width]
            .iter_mut()
            .zip(&acc)
            .zip(centre)
        {
            let sum = if a == 0 && w != 0 {
                65536u32
            } else {
                u32::from(a)
            };
            *d = ((255 * sum + (1 << 15)) >> 16).min(255) as u8;
        }
    }
    dst
}

/// `cv::erode` with a 5x5 rectangle, default anchor and OpenCV's default border (pixels outside
/// the image never win the minimum).
pub(crate) fn erode5(src: &[u8], width: usize, height: usize) -> Vec<u8> {
    let min_of = |rows: &[&[u8]], out: &mut [u8]| {
        out.copy_from_slice(rows[0]);
        for r in &rows[1..] {
            for (o, &v) in out.iter_mut().zip(r.iter()) {
                *o = (*o).min(v);
            }
        }
    };
    // Horizontal minimum over [x-2, x+2] clipped to the row.
    let mut tmp = vec![0u8; width * height];
    for y in 0..height {
        let row = &src[y * width..(y + 1) * width];
        let out = &mut tmp[y * width..(y + 1) * width];
        if width > 4 {
            let shifted: Vec<&[u8]> = (0..5).map(|d| &row[d..d + width - 4]).collect();
            min_of(&shifted, &mut out[2..width - 2]);
        }
        for x in (0..width.min(2)).chain(width.saturating_sub(2).max(2.min(width))..width) {
            let lo = x.saturating_sub(2);
            let hi = (x + 2).min(width - 1);
            out[x] = row[lo..=hi].iter().copied().fold(255, u8::min);
        }
    }
    // Vertical minimum over [y-2, y+2] clipped to the image.
    let mut dst = vec![0u8; width * height];
    for y in 0..height {
        let lo = y.saturating_sub(2);
        let hi = (y + 2).min(height - 1);
        let rows: Vec<&[u8]> = (lo..=hi)
            .map(|yy| &tmp[yy * width..(yy + 1) * width])
            .collect();
        min_of(&rows, &mut dst[y * width..(y + 1) * width]);
    }
    dst
}

/// `cv::threshold(src, dst, 0, 255, THRESH_OTSU)` (binary): Otsu's level computed exactly as
/// OpenCV's `getThreshVal_Otsu_8u`, then 255 where the pixel exceeds it, else 0.
pub(crate) fn otsu_binarize(src: &[u8]) -> Vec<u8> {
    // Four interleaved histograms avoid stalls on runs of equal pixels.
    let mut parts = [[0u32; 256]; 4];
    let mut chunks = src.chunks_exact(4);
    for c in &mut chunks {
        parts[0][c[0] as usize] += 1;
        parts[1][c[1] as usize] += 1;
        parts[2][c[2] as usize] += 1;
        parts[3][c[3] as usize] += 1;
    }
    for &p in chunks.remainder() {
        parts[0][p as usize] += 1;
    }
    let mut h = [0u64; 256];
    for (i, v) in h.iter_mut().enumerate() {
        *v = parts.iter().map(|p| u64::from(p[i])).sum();
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
    if thresh < 0 {
        return vec![255; src.len()];
    }
    // A byte comparison instead of a table look-up: the same map, in vector code.
    let t = thresh.min(255) as u8;
    src.iter().map(|&p| if p > t { 255 } else { 0 }).collect()
}

/// A rectangle of the rotated output to produce: columns `x0..x0+w`, rows `y0..y0+h`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Crop {
    pub x0: usize,
    pub y0: usize,
    pub w: usize,
    pub h: usize,
}

/// NFIQ 2's `getRotatedBlock` followed by its crop: `warpAffine(input,
/// getRotationMatrix2D(centre, degrees, 1), size, INTER_NEAREST)` of a square `in_size` block
/// about its centre, with OpenCV's inverse map and 10-bit fixed-point coordinates; outside samples
/// are 0 (`BORDER_CONSTANT`). Only the `crop` rectangle of the output is computed (row-major into
/// `out`); each output pixel depends only on its own coordinates, so this equals cropping the
/// full output.
pub(crate) fn rotate_crop_nearest(
    input: &[u8],
    in_size: usize,
    orientation: f64,
    crop: Crop,
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
    for (i, x) in (crop.x0..crop.x0 + crop.w).enumerate() {
        adelta[i] = cv_round(m[0] * x as f64 * AB_SCALE);
        bdelta[i] = cv_round(m[3] * x as f64 * AB_SCALE);
    }
    let n = in_size as i32;
    for (row, y) in (crop.y0..crop.y0 + crop.h).enumerate() {
        let x0 = cv_round((m[1] * y as f64 + m[2]) * AB_SCALE) + ROUND_DELTA;
        let y0 = cv_round((m[4] * y as f64 + m[5]) * AB_SCALE) + ROUND_DELTA;
        let dst = &mut out[row * crop.w..(row + 1) * crop.w];
        // Source indices first (vector code), outside samples marked with an index no slice
        // has; then the gather.
        let mut index = [u32::MAX; 64];
        for ((k, &ad), &bd) in index.iter_mut().zip(&adelta).zip(&bdelta).take(dst.len()) {
            let sx = (x0 + ad) >> AB_BITS;
            let sy = (y0 + bd) >> AB_BITS;
            let inside = (sx as u32) < n as u32 && (sy as u32) < n as u32;
            *k = if inside {
                sy.wrapping_mul(n).wrapping_add(sx) as u32
            } else {
                u32::MAX
            };
        }
        for (d, &k) in dst.iter_mut().zip(&index) {
            *d = input.get(k as usize).copied().unwrap_or(0);
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

    /// Direct evaluation of OpenCV's fixed-point definition, in integers.
    fn blur_reference(src: &[u8], w: usize, h: usize, n: usize) -> Vec<u8> {
        let k = gaussian_kernel_q8(n);
        let r = (n / 2) as i64;
        let mut out = vec![0u8; w * h];
        for y in 0..h {
            for x in 0..w {
                let mut acc = 0u64;
                for (i, &ki) in k.iter().enumerate() {
                    let sy = reflect_101(y as i64 + i as i64 - r, h as i64);
                    let mut row = 0u64;
                    for (j, &kj) in k.iter().enumerate() {
                        let sx = reflect_101(x as i64 + j as i64 - r, w as i64);
                        row += u64::from(kj) * u64::from(src[sy * w + sx]);
                    }
                    acc += u64::from(ki) * row;
                }
                out[y * w + x] = ((acc + (1 << 15)) >> 16).min(255) as u8;
            }
        }
        out
    }

    #[test]
    fn fast_blur_equals_the_fixed_point_definition() {
        let (w, h) = (23, 17);
        let src: Vec<u8> = (0..w * h).map(|i| ((i * 7919) % 256) as u8).collect();
        for n in [5, 41] {
            assert_eq!(
                gaussian_blur_u8(&src, w, h, n),
                blur_reference(&src, w, h, n),
                "n={n}"
            );
        }
        // A binary blob (the second ROI blur's input) takes the run-based path.
        let (w, h) = (40, 31);
        let blob: Vec<u8> = (0..w * h)
            .map(|i| {
                let (x, y) = ((i % w) as i32 - 18, (i / w) as i32 - 14);
                if x * x + 2 * y * y < 150 || (x > 15 && y < -10) {
                    255
                } else {
                    0
                }
            })
            .collect();
        for n in [5, 91] {
            assert_eq!(
                gaussian_blur_u8(&blob, w, h, n),
                blur_reference(&blob, w, h, n),
                "n={n}"
            );
        }
    }

    #[test]
    fn erosion_takes_the_minimum_of_the_clipped_5x5_window() {
        let (w, h) = (9, 7);
        let src: Vec<u8> = (0..w * h).map(|i| ((i * 37 + 11) % 251) as u8).collect();
        let e = erode5(&src, w, h);
        for y in 0..h {
            for x in 0..w {
                let mut m = 255;
                for yy in y.saturating_sub(2)..=(y + 2).min(h - 1) {
                    for xx in x.saturating_sub(2)..=(x + 2).min(w - 1) {
                        m = m.min(src[yy * w + xx]);
                    }
                }
                assert_eq!(e[y * w + x], m, "({x},{y})");
            }
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
    fn zero_rotation_is_identity_and_crops_match_the_full_rotation() {
        let block: Vec<u8> = (0..36 * 36).map(|i| (i % 251) as u8).collect();
        let mut out = vec![0u8; 36 * 36];
        let all = Crop {
            x0: 0,
            y0: 0,
            w: 36,
            h: 36,
        };
        rotate_crop_nearest(&block, 36, 0.0, all, &mut out);
        assert_eq!(out, block);
        // A crop is the same rectangle of the full output, at any angle.
        rotate_crop_nearest(&block, 36, 0.7, all, &mut out);
        let mut part = vec![0u8; 16 * 32];
        let crop = Crop {
            x0: 2,
            y0: 10,
            w: 32,
            h: 16,
        };
        rotate_crop_nearest(&block, 36, 0.7, crop, &mut part);
        for y in 0..16 {
            assert_eq!(
                part[y * 32..(y + 1) * 32],
                out[(10 + y) * 36 + 2..(10 + y) * 36 + 34]
            );
        }
    }

    #[test]
    fn otsu_separates_two_levels() {
        let img = [10u8, 10, 10, 200, 200, 200];
        assert_eq!(otsu_binarize(&img), vec![0, 0, 0, 255, 255, 255]);
    }
}
