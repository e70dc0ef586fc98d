//! Ridge phase map: at every pixel, the phase of the ridge wave across the local orientation,
//! from steerable 9x9 second- and third-derivative filters (FJFX `freeman_phasemap`).
//!
//! Contract: returns a `width*height` map whose values are `(127 - cos-like phase) & 0xf0`
//! (multiples of 16) inside the footprint and `FILLER` (127) where the filters give nothing and on
//! the last 8 rows. The map is shifted 4 rows up relative to the image, as in FJFX.

use super::orientation::{ORI_SCALE, Ori};

/// Phase-map value meaning "no phase" (outside the footprint).
pub const FILLER: u8 = 127;

const T20: [i32; 5] = [-112, -7, 48, 14, 1];
const T22: [i32; 5] = [122, 78, 20, 2, 0];
const T21: [i32; 5] = [0, 71, 37, 6, 0];
const T30: [i32; 5] = [0, -92, -12, 8, 1];
const T32: [i32; 5] = [0, 52, 27, 4, 0];
const T31: [i32; 5] = [-90, -23, 21, 7, 1];

fn sincosnorm(x: i32) -> i32 {
    x.wrapping_add(64) >> 7
}

/// Vertical filters in the order their responses are kept: T22, T21, T20, T32, T31, T30.
const VERTICAL: [[i32; 5]; 6] = [T22, T21, T20, T32, T31, T30];
/// Samples of history a 9-tap horizontal filter needs before its newest sample.
const HISTORY: usize = 8;

/// FJFX `conv9::vert` of the six vertical filters at every position `p0 + i` of `out[j][i]`,
/// reading `mem` (zero past its end) 4 rows up and down.
fn vertical_responses(mem: &[u8], width: usize, p0: usize, out: &mut [Vec<i32>; 6]) {
    let n = out[0].len();
    let lo = p0.checked_sub(4 * width);
    let hi = p0 + n + 4 * width;
    match lo {
        Some(lo) if hi <= mem.len() => {
            let row = |k: usize| &mem[lo + k * width..lo + k * width + n];
            let (a4, a3, a2, a1) = (row(0), row(1), row(2), row(3));
            let (c, b1, b2, b3, b4) = (row(4), row(5), row(6), row(7), row(8));
            let [o0, o1, o2, o3, o4, o5] = out;
            for i in 0..n {
                let px = |r: &[u8]| i32::from(r[i]);
                let (c, s1, s2, s3, s4) = (
                    px(c),
                    px(b1) + px(a1),
                    px(b2) + px(a2),
                    px(b3) + px(a3),
                    px(b4) + px(a4),
                );
                let (d1, d2, d3, d4) = (
                    px(b1) - px(a1),
                    px(b2) - px(a2),
                    px(b3) - px(a3),
                    px(b4) - px(a4),
                );
                let sym = |t: &[i32; 5]| c * t[0] + s1 * t[1] + s2 * t[2] + s3 * t[3] + s4 * t[4];
                let anti = |t: &[i32; 5]| d1 * t[1] + d2 * t[2] + d3 * t[3] + d4 * t[4];
                o0[i] = sym(&T22);
                o1[i] = anti(&T21);
                o2[i] = sym(&T20);
                o3[i] = anti(&T32);
                o4[i] = sym(&T31);
                o5[i] = anti(&T30);
            }
        }
        _ => {
            // Near the ends of the buffer: pixels outside it read as zero, like FJFX's padding.
            let px = |q: Option<usize>| i32::from(q.and_then(|q| mem.get(q)).copied().unwrap_or(0));
            for i in 0..n {
                let p = p0 + i;
                let c = px(Some(p));
                let (mut s, mut d) = ([0; 4], [0; 4]);
                for k in 1..5 {
                    let (below, above) = (px(Some(p + width * k)), px(p.checked_sub(width * k)));
                    s[k - 1] = below + above;
                    d[k - 1] = below - above;
                }
                for (o, t) in out.iter_mut().zip(&VERTICAL) {
                    let pairs = if t[0] != 0 { &s } else { &d };
                    o[i] = c * t[0]
                        + pairs[0] * t[1]
                        + pairs[1] * t[2]
                        + pairs[2] * t[3]
                        + pairs[3] * t[4];
                }
            }
        }
    }
}

/// The first component of `oct_sign(x2, x3, 0)`. The quotient is taken in `f64`, which gives
/// the truncated integer quotient exactly here (operands below 2^31, so the exact quotient is
/// never within one ulp of the next integer) and, unlike `idiv`, vectorises.
#[inline]
fn phase_cos(x2: i32, x3: i32) -> i8 {
    let (x, y) = (x2.wrapping_abs(), x3.wrapping_abs());
    let n = x.max(y) / 127;
    if n <= 0 {
        return 0;
    }
    let n = n.max(x.wrapping_add(y) / 180);
    (f64::from(x2) / f64::from(n)) as i32 as i8
}

/// `acc[i] += coef[i] * conv9(h[i..=i + 8])`: the horizontal filter `t` on the vertical responses
/// `h` (8 samples of history first), weighted by each pixel's steering coefficient.
#[inline(always)]
fn steer(acc: &mut [i32], coef: &[i32], h: &[i32], t: &[i32; 5]) {
    let n = acc
        .len()
        .min(coef.len())
        .min(h.len().saturating_sub(HISTORY));
    let (acc, coef) = (&mut acc[..n], &coef[..n]);
    let s = |d: usize| &h[d..d + n];
    let (h0, h1, h2, h3, h4) = (s(0), s(1), s(2), s(3), s(4));
    let (h5, h6, h7, h8) = (s(5), s(6), s(7), s(8));
    let [t0, t1, t2, t3, t4] = *t;
    // A zero centre tap marks an antisymmetric filter (newer minus older samples).
    if t0 != 0 {
        for i in 0..n {
            let v = h4[i]
                .wrapping_mul(t0)
                .wrapping_add(h5[i].wrapping_add(h3[i]).wrapping_mul(t1))
                .wrapping_add(h6[i].wrapping_add(h2[i]).wrapping_mul(t2))
                .wrapping_add(h7[i].wrapping_add(h1[i]).wrapping_mul(t3))
                .wrapping_add(h8[i].wrapping_add(h0[i]).wrapping_mul(t4));
            acc[i] = acc[i].wrapping_add(coef[i].wrapping_mul(v));
        }
    } else {
        for i in 0..n {
            let v = h5[i]
                .wrapping_sub(h3[i])
                .wrapping_mul(t1)
                .wrapping_add(h6[i].wrapping_sub(h2[i]).wrapping_mul(t2))
                .wrapping_add(h7[i].wrapping_sub(h1[i]).wrapping_mul(t3))
                .wrapping_add(h8[i].wrapping_sub(h0[i]).wrapping_mul(t4));
            acc[i] = acc[i].wrapping_add(coef[i].wrapping_mul(v));
        }
    }
}

/// Phase map of `img` (`width` x `height`) steered by the cell orientation `ori`.
/// `mem` is `img` followed by whatever FJFX's buffer holds after it (the orientation bytes),
/// because the filters read 4 bytes past the image on the last line.
///
/// FJFX streams the pixels through seven stateful horizontal filters; here each line's vertical
/// responses are computed first and the horizontal filters read them with the previous line's
/// last 8 responses (zeros before the first pixel) in front, which is the same sequence.
pub fn freeman_phasemap(width: usize, height: usize, mem: &[u8], ori: &[Ori]) -> Vec<u8> {
    let size = width * height;
    let ori_w = width / ORI_SCALE;
    let ori_size = size / (ORI_SCALE * ORI_SCALE);
    let mut out = vec![FILLER; size];
    let line = ori_w * ORI_SCALE;
    let mut p = (width + 1) * 4;
    let mut k = 0usize;
    // Per vertical filter: HISTORY samples carried over, then the current line.
    let mut hist: [Vec<i32>; 6] = std::array::from_fn(|_| vec![0; HISTORY + line]);
    let mut vert: [Vec<i32>; 6] = std::array::from_fn(|_| vec![0; line]);
    let (mut x2s, mut x3s) = (vec![0i32; line], vec![0i32; line]);
    // Steering coefficients a20, a21, a22, a30, a31, a32, a33 of each pixel of a cell row.
    let mut coef: [Vec<i32>; 7] = std::array::from_fn(|_| vec![0; line]);
    let mut y = ori_w;
    while y + ori_w < ori_size {
        for x in 0..ori_w {
            let (a10, a11) = ori
                .get(y + x)
                .map_or((0, 0), |o| (i32::from(o.0), i32::from(o.1)));
            let a20 = sincosnorm(a10 * a10);
            let a22 = sincosnorm(a11 * a11);
            let a = [
                a20,
                sincosnorm(2 * a10 * a11),
                a22,
                sincosnorm(a10 * a20),
                sincosnorm(3 * a20 * a11),
                sincosnorm(3 * a22 * a10),
                sincosnorm(a11 * a22),
            ];
            for (c, &v) in coef.iter_mut().zip(&a) {
                c[x * ORI_SCALE..(x + 1) * ORI_SCALE].fill(v);
            }
        }
        for _ in 0..ORI_SCALE {
            vertical_responses(mem, width, p, &mut vert);
            for (h, v) in hist.iter_mut().zip(&vert) {
                h.copy_within(line..line + HISTORY, 0);
                h[HISTORY..].copy_from_slice(v);
            }
            let [h22, h21, h20, h32, h31, h30] = &hist;
            let [a20, a21, a22, a30, a31, a32, a33] = &coef;
            // x2 = a20 v20 + a21 v21 + a22 v22 and x3 = a30 v30 + .. + a33 v33 in wrapping
            // arithmetic, so the terms may be added in any order.
            x2s.fill(0);
            x3s.fill(0);
            steer(&mut x2s, a20, h22, &T20);
            steer(&mut x2s, a21, h21, &T21);
            steer(&mut x2s, a22, h20, &T22);
            steer(&mut x3s, a30, h22, &T30);
            steer(&mut x3s, a31, h32, &T31);
            steer(&mut x3s, a32, h31, &T32);
            steer(&mut x3s, a33, h30, &T22);
            for v in x2s.iter_mut().chain(x3s.iter_mut()) {
                *v = v.wrapping_add(1024) >> 11;
            }
            let dst = out.get_mut(k..(k + line).min(size)).unwrap_or_default();
            for ((o, &x2), &x3) in dst.iter_mut().zip(&x2s).zip(&x3s) {
                *o = if x2 != 0 {
                    ((127 - i32::from(phase_cos(x2, x3))) & 0xf0) as u8
                } else {
                    FILLER
                };
            }
            p += line;
            k += line;
        }
        y += ori_w;
    }
    out
}
