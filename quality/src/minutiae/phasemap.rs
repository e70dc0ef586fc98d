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

/// FJFX `conv9` horizontal response at the newest sample `v[8]` of the window `v` (oldest first):
/// centred on `v[4]`, symmetric taps add the mirrored samples, antisymmetric ones (zero centre
/// tap) subtract the older from the newer.
#[inline]
fn horiz(v: [i32; HISTORY + 1], t: &[i32; 5]) -> i32 {
    let ap = |a: i32, b: i32| {
        if t[0] != 0 {
            a.wrapping_add(b)
        } else {
            a.wrapping_sub(b)
        }
    };
    v[4].wrapping_mul(t[0])
        .wrapping_add(ap(v[5], v[3]).wrapping_mul(t[1]))
        .wrapping_add(ap(v[6], v[2]).wrapping_mul(t[2]))
        .wrapping_add(ap(v[7], v[1]).wrapping_mul(t[3]))
        .wrapping_add(ap(v[8], v[0]).wrapping_mul(t[4]))
}

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
    let mut y = ori_w;
    while y + ori_w < ori_size {
        for _ in 0..ORI_SCALE {
            vertical_responses(mem, width, p, &mut vert);
            for (h, v) in hist.iter_mut().zip(&vert) {
                h.copy_within(line..line + HISTORY, 0);
                h[HISTORY..].copy_from_slice(v);
            }
            let [h22, h21, h20, h32, h31, h30] = &hist;
            let dst = out.get_mut(k..(k + line).min(size)).unwrap_or_default();
            for (x, cell) in (0..ori_w).zip(dst.chunks(ORI_SCALE)) {
                let (a10, a11) = ori
                    .get(y + x)
                    .map_or((0, 0), |o| (i32::from(o.0), i32::from(o.1)));
                let a20 = sincosnorm(a10 * a10);
                let a21 = sincosnorm(2 * a10 * a11);
                let a22 = sincosnorm(a11 * a11);
                let a30 = sincosnorm(a10 * a20);
                let a31 = sincosnorm(3 * a20 * a11);
                let a32 = sincosnorm(3 * a22 * a10);
                let a33 = sincosnorm(a11 * a22);
                for j in 0..cell.len() {
                    let i = x * ORI_SCALE + j;
                    let w = |h: &[i32]| -> [i32; HISTORY + 1] {
                        std::array::from_fn(|d| h.get(i + d).copied().unwrap_or(0))
                    };
                    let v20 = horiz(w(h22), &T20);
                    let v21 = horiz(w(h21), &T21);
                    let v22 = horiz(w(h20), &T22);
                    let v30 = horiz(w(h22), &T30);
                    let v31 = horiz(w(h32), &T31);
                    let v32 = horiz(w(h31), &T32);
                    let v33 = horiz(w(h30), &T22);
                    let x2 = a20
                        .wrapping_mul(v20)
                        .wrapping_add(a21.wrapping_mul(v21))
                        .wrapping_add(a22.wrapping_mul(v22));
                    let x3 = a30
                        .wrapping_mul(v30)
                        .wrapping_add(a31.wrapping_mul(v31))
                        .wrapping_add(a32.wrapping_mul(v32))
                        .wrapping_add(a33.wrapping_mul(v33));
                    x2s[i] = x2.wrapping_add(1024) >> 11;
                    x3s[i] = x3.wrapping_add(1024) >> 11;
                }
            }
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
