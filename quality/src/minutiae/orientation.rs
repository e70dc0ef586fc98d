//! Ridge orientation map and fingerprint footprint on 4x4-pixel cells.
//!
//! Contract: `footprint` marks the cells FingerJet treats as fingerprint (raw gradient-energy
//! test, box-filter votes, hole filling, erosion); `orientation` returns, per cell, the ridge
//! direction as a unit vector scaled by 127 (zero outside the footprint). Both reproduce FJFX's
//! streaming integer filters exactly, including their initial filler state.

use super::fixed::{atan2, cos8, oct_sign, sin8};

/// Cell side in pixels.
pub const ORI_SCALE: usize = 4;

/// Orientation of one cell: (cos, sin) of the doubled or plain angle, scaled by 127.
pub type Ori = (i8, i8);

/// Per-cell orientation vectors (doubled angle) from second-derivative energy, as FJFX
/// `raw_orimap`: `(ori, raw_footprint)` where the footprint flags non-null vectors.
///
/// FJFX streams the image through delay lines of about one line; the filters are all FIR (no
/// feedback), so each stage is computed here as a whole-array pass. Every signal keeps `pad`
/// leading samples holding its delay line's initial filler, so a delayed read before the start
/// sees exactly what FJFX's freshly initialised line returns.
fn raw_orimap(width: usize, height: usize, img: &[u8]) -> (Vec<Ori>, Vec<u8>) {
    let ori_w = width / ORI_SCALE;
    let ori_h = height / ORI_SCALE;
    let ori_size = ori_w * ori_h;
    let mut ori = vec![(0i8, 0i8); ori_size];
    let mut fp = vec![0u8; ori_size];
    let rows = ori_h.saturating_sub(1);
    // One stream sample per pixel: the internal width is a multiple of the cell side.
    let n = rows * ORI_SCALE * width;
    if n == 0 || ori_w == 0 {
        return (ori, fp);
    }
    let w = width;
    let filler: i16 = 255;
    let pad = w + 2;
    let total = pad + n;
    let start = (w + 1) * 2 + 4;
    // The source, read up to a line past the stream (bytes past the image read as 0).
    let mut src = vec![0i16; total + w];
    for (d, &s) in src[pad..].iter_mut().zip(img.get(start..).unwrap_or(&[])) {
        *d = i16::from(s);
    }
    let mut cur = vec![filler * 2; total];
    for ((o, &a), &b) in cur[pad..]
        .iter_mut()
        .zip(&src[pad..total])
        .zip(&src[pad + w - 1..])
    {
        *o = a.wrapping_add(b);
    }
    let mut nv1 = vec![filler * 5; total];
    for (((o, &d), &c), &a) in nv1[pad..]
        .iter_mut()
        .zip(&cur[pad - w - 1..])
        .zip(&cur[pad..])
        .zip(&src[pad - 1..])
    {
        *o = d.wrapping_add(c).wrapping_add(a);
    }
    let mut v2 = vec![filler * 10; total];
    for ((o, &d), &c) in v2[pad..]
        .iter_mut()
        .zip(&nv1[pad - w - 1..])
        .zip(&nv1[pad..])
    {
        *o = d.wrapping_add(c);
    }
    drop(cur);
    let mut v1 = vec![filler * 25; total];
    for (((o, &d), &c), &e) in v1[pad..]
        .iter_mut()
        .zip(&v2[pad + 1 - w..])
        .zip(&v2[pad..])
        .zip(&nv1[pad - w..])
    {
        *o = d.wrapping_add(c).wrapping_add(e);
    }
    drop((nv1, v2));
    // v10 = s10[n-1] - s10[n], v11 = s11[n-1] + s11[n] with s10 = v1[n-w] + v1[n] and
    // s11 = v1[n-w] - v1[n]; before the start the padding gives s10 = 50 * filler and s11 = 0,
    // FJFX's initial values for those one-sample delays.
    let mut v10 = vec![0i16; total];
    let mut v11 = vec![0i16; total];
    for (((((o10, o11), &pd), &p), &d), &c) in v10[pad..]
        .iter_mut()
        .zip(v11[pad..].iter_mut())
        .zip(&v1[pad - 1 - w..])
        .zip(&v1[pad - 1..])
        .zip(&v1[pad - w..])
        .zip(&v1[pad..])
    {
        *o10 = pd.wrapping_add(p).wrapping_sub(d.wrapping_add(c));
        *o11 = pd.wrapping_sub(p).wrapping_add(d.wrapping_sub(c));
    }
    drop(v1);
    let mut dom = (0i32, 0i32);
    let mut z0 = vec![0i32; w];
    let mut z1 = vec![0i32; w];
    let mut mag = vec![(0i32, 0i32); ori_w];
    for (cy, y) in (0..rows).map(|r| (r, r * ori_w)) {
        mag.fill((0, 0));
        for r in 0..ORI_SCALE {
            let b = pad + (cy * ORI_SCALE + r) * w;
            // v20 = s20[n-1] - s20[n], v21 = s21[n-1] + s21[n] (s20/s21 = v10[n-w] +/- v10[n]),
            // v22 = s22[n-1] + s22[n] (s22 = v11[n-w] - v11[n]); all zero before the start.
            let t10 = &v10[b - 1 - w..b + w];
            let t11 = &v11[b - 1 - w..b + w];
            for (i, (o0, o1)) in z0.iter_mut().zip(z1.iter_mut()).enumerate() {
                let (pd10, p10, d10, c10) = (t10[i], t10[i + w], t10[i + 1], t10[i + 1 + w]);
                let (pd11, p11, d11, c11) = (t11[i], t11[i + w], t11[i + 1], t11[i + 1 + w]);
                let v20 = pd10.wrapping_add(p10).wrapping_sub(d10.wrapping_add(c10));
                let v21 = pd10.wrapping_sub(p10).wrapping_add(d10.wrapping_sub(c10));
                let v22 = pd11.wrapping_sub(p11).wrapping_add(d11.wrapping_sub(c11));
                let g20 = i32::from(v20) + i32::from(v22);
                let g21 = i32::from(v20) - i32::from(v22);
                let g22 = 2 * i32::from(v21);
                *o0 = g20.wrapping_mul(g21);
                *o1 = g20.wrapping_mul(g22);
            }
            for ((m, a), b) in mag
                .iter_mut()
                .zip(z0.chunks_exact(ORI_SCALE))
                .zip(z1.chunks_exact(ORI_SCALE))
            {
                let s0 = a.iter().fold(0i32, |s, &v| s.wrapping_add(v));
                let s1 = b.iter().fold(0i32, |s, &v| s.wrapping_add(v));
                m.0 = m.0.wrapping_add(s0);
                m.1 = m.1.wrapping_add(s1);
            }
        }
        for (x, m) in mag.iter().enumerate() {
            let prev = std::mem::replace(&mut dom, *m);
            let o = oct_sign(prev.0, prev.1, 50000);
            fp[x + y] = u8::from(o != (0, 0));
            ori[x + y] = o;
        }
    }
    (ori, fp)
}

/// Box filter of odd side `n` with zero padding, each output mapped through `f` (in place).
fn boxfilt(w: usize, h: usize, data: &mut [u8], n: usize, f: impl Fn(u32) -> u8) {
    let r = n / 2;
    let src = data.to_vec();
    let mut col = vec![0u32; w * h];
    for y in 0..h {
        for x in 0..w {
            let lo = y.saturating_sub(r);
            let hi = (y + r).min(h - 1);
            col[y * w + x] = (lo..=hi).map(|yy| u32::from(src[yy * w + x])).sum();
        }
    }
    for y in 0..h {
        for x in 0..w {
            let lo = x.saturating_sub(r);
            let hi = (x + r).min(w - 1);
            let s: u32 = (lo..=hi).map(|xx| col[y * w + xx]).sum();
            data[y * w + x] = f(s);
        }
    }
}

/// Sets every cell strictly between the first and last set cell of each line.
fn fill_holes(stride_x: usize, size_x: usize, stride_y: usize, size_y: usize, fp: &mut [u8]) {
    let mut y = 0;
    while y < size_y {
        let mut x1 = 0;
        while x1 < size_x && fp[y + x1] == 0 {
            x1 += stride_x;
        }
        let mut x2 = size_x - stride_x;
        while x2 > x1 && fp[y + x2] == 0 {
            x2 -= stride_x;
        }
        let mut x = x1 + stride_x;
        while x < x2 {
            fp[y + x] = 1;
            x += stride_x;
        }
        y += stride_y;
    }
}

/// 9x9 separable triangular smoothing (zero padded) of the vectors, gated by the footprint.
fn smooth(w: usize, h: usize, ori: &mut [Ori], fp: &[u8], post: impl Fn(i32, i32) -> Ori) {
    const TRI: [i32; 9] = [1, 2, 3, 4, 5, 4, 3, 2, 1];
    let mut col = vec![(0i32, 0i32); w * h];
    for y in 0..h {
        for x in 0..w {
            let mut s = (0i32, 0i32);
            for (k, t) in TRI.iter().enumerate() {
                if let Some(yy) = (y + k).checked_sub(4).filter(|&yy| yy < h) {
                    let o = ori[yy * w + x];
                    s.0 += t * i32::from(o.0);
                    s.1 += t * i32::from(o.1);
                }
            }
            col[y * w + x] = s;
        }
    }
    for y in 0..h {
        for x in 0..w {
            let mut s = (0i32, 0i32);
            for (k, t) in TRI.iter().enumerate() {
                if let Some(xx) = (x + k).checked_sub(4).filter(|&xx| xx < w) {
                    let o = col[y * w + xx];
                    s.0 += t * o.0;
                    s.1 += t * o.1;
                }
            }
            let i = y * w + x;
            ori[i] = if fp[i] != 0 { post(s.0, s.1) } else { (0, 0) };
        }
    }
}

/// Fingerprint footprint on cells (1 = fingerprint), from the unenhanced internal image.
pub fn footprint(width: usize, height: usize, img: &[u8]) -> Vec<u8> {
    let (w, h) = (width / ORI_SCALE, height / ORI_SCALE);
    let (_, mut fp) = raw_orimap(width, height, img);
    boxfilt(w, h, &mut fp, 3, |s| u8::from(s > 3));
    boxfilt(w, h, &mut fp, 5, |s| u8::from(s > 11));
    boxfilt(w, h, &mut fp, 5, |s| u8::from(s > 11));
    fill_holes(1, w, w, w * h, &mut fp);
    fill_holes(w, w * h, 1, w, &mut fp);
    boxfilt(w, h, &mut fp, 5, |s| u8::from(s > 14));
    boxfilt(w, h, &mut fp, 5, |s| u8::from(s > 14));
    fp
}

/// Smoothed ridge direction per cell as (cos, sin) * 127 of the plain angle; zero off-footprint.
pub fn orientation(width: usize, height: usize, img: &[u8], fp: &[u8]) -> Vec<Ori> {
    let (w, h) = (width / ORI_SCALE, height / ORI_SCALE);
    let (mut ori, _) = raw_orimap(width, height, img);
    smooth(w, h, &mut ori, fp, |re, im| oct_sign(re, im, 128));
    smooth(w, h, &mut ori, fp, |re, im| {
        let a = atan2(re, im) / 2;
        (cos8(a), sin8(a))
    });
    ori
}
