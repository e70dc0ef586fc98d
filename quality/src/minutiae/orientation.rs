//! Ridge orientation map and fingerprint footprint on 4x4-pixel cells.
//!
//! Contract: `footprint` marks the cells FingerJet treats as fingerprint (raw gradient-energy
//! test, box-filter votes, hole filling, erosion); `orientation` returns, per cell, the ridge
//! direction as a unit vector scaled by 127 (zero outside the footprint). Both reproduce FJFX's
//! streaming integer filters exactly, including their initial filler state.

use super::fixed::{Delay, atan2, cos8, oct_sign, sin8};

/// Cell side in pixels.
pub const ORI_SCALE: usize = 4;

/// Orientation of one cell: (cos, sin) of the doubled or plain angle, scaled by 127.
pub type Ori = (i8, i8);

/// Per-cell orientation vectors (doubled angle) from second-derivative energy, as FJFX
/// `raw_orimap`: `(ori, raw_footprint)` where the footprint flags non-null vectors.
fn raw_orimap(width: usize, height: usize, img: &[u8]) -> (Vec<Ori>, Vec<u8>) {
    let ori_w = width / ORI_SCALE;
    let ori_h = height / ORI_SCALE;
    let ori_size = ori_w * ori_h;
    let mut ori = vec![(0i8, 0i8); ori_size];
    let mut fp = vec![0u8; ori_size];
    let filler: i16 = 255;
    let mut x100 = Delay::new(width + 1, filler * 2);
    let mut x102 = Delay::new(width + 1, filler * 5);
    let mut x103 = Delay::new(width - 1, filler * 10);
    let mut x10c = Delay::new(width, filler * 5);
    let mut x101 = Delay::new(width, filler * 25);
    let mut x201 = Delay::new(width, 0i16);
    let mut x221 = Delay::new(width, 0i16);
    let mut x0: i16 = 0;
    let mut x10: i16 = filler * 50;
    let (mut x11, mut x20, mut x21, mut x22) = (0i16, 0i16, 0i16, 0i16);
    let mut dom = (0i32, 0i32);
    let px = |i: usize| -> i16 { i16::from(img.get(i).copied().unwrap_or(0)) };
    let mut p0 = (width + 1) * 2 + 4;
    for y in (0..ori_size.saturating_sub(ori_w)).step_by(ori_w.max(1)) {
        let mut mag = vec![(0i32, 0i32); ori_w];
        for _ in 0..ORI_SCALE {
            for m in mag.iter_mut() {
                let mut z = (0i32, 0i32);
                for _ in 0..ORI_SCALE {
                    let a = px(p0);
                    let cur = a.wrapping_add(px(p0 + width - 1));
                    p0 += 1;
                    let prev_x0 = std::mem::replace(&mut x0, a);
                    let nv1 = x100.push(cur).wrapping_add(cur).wrapping_add(prev_x0);
                    let v2 = x102.push(nv1).wrapping_add(nv1);
                    // The third stage adds the first stage's output delayed by one line.
                    let old = nv1;
                    let v1 = x103.push(v2).wrapping_add(v2).wrapping_add(x10c.push(old));
                    let v1x = x101.push(v1);
                    let s10 = v1x.wrapping_add(v1);
                    let v10 = std::mem::replace(&mut x10, s10).wrapping_sub(s10);
                    let s11 = v1x.wrapping_sub(v1);
                    let v11 = std::mem::replace(&mut x11, s11).wrapping_add(s11);
                    let v10x = x201.push(v10);
                    let s20 = v10x.wrapping_add(v10);
                    let v20 = std::mem::replace(&mut x20, s20).wrapping_sub(s20);
                    let s21 = v10x.wrapping_sub(v10);
                    let v21 = std::mem::replace(&mut x21, s21).wrapping_add(s21);
                    let s22 = x221.push(v11).wrapping_sub(v11);
                    let v22 = std::mem::replace(&mut x22, s22).wrapping_add(s22);
                    let g20 = i32::from(v20) + i32::from(v22);
                    let g21 = i32::from(v20) - i32::from(v22);
                    let g22 = 2 * i32::from(v21);
                    z.0 = z.0.wrapping_add(g20.wrapping_mul(g21));
                    z.1 = z.1.wrapping_add(g20.wrapping_mul(g22));
                }
                m.0 = m.0.wrapping_add(z.0);
                m.1 = m.1.wrapping_add(z.1);
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
