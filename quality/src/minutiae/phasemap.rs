//! Ridge phase map: at every pixel, the phase of the ridge wave across the local orientation,
//! from steerable 9x9 second- and third-derivative filters (FJFX `freeman_phasemap`).
//!
//! Contract: returns a `width*height` map whose values are `(127 - cos-like phase) & 0xf0`
//! (multiples of 16) inside the footprint and `FILLER` (127) where the filters give nothing and on
//! the last 8 rows. The map is shifted 4 rows up relative to the image, as in FJFX.

use super::fixed::oct_sign;
use super::orientation::{ORI_SCALE, Ori};

/// Phase-map value meaning "no phase" (outside the footprint).
pub const FILLER: u8 = 127;

/// Streaming 9-tap symmetric/antisymmetric FIR (FJFX `conv9`): `push` takes the newest sample
/// and returns the response centred 4 samples back.
#[derive(Clone)]
struct Conv9 {
    taps: [i32; 5],
    /// Ring of the last 8 inputs stored twice, so `buf[pos + k]` is the k-th oldest.
    buf: [i32; 16],
    pos: usize,
}

impl Conv9 {
    const fn new(taps: [i32; 5]) -> Self {
        Self {
            taps,
            buf: [0; 16],
            pos: 0,
        }
    }

    fn ap(taps: &[i32; 5], a: i32, b: i32) -> i32 {
        // A zero centre tap marks an antisymmetric filter.
        if taps[0] != 0 {
            a.wrapping_add(b)
        } else {
            a.wrapping_sub(b)
        }
    }

    fn push(&mut self, v: i32) -> i32 {
        let t = &self.taps;
        let h = &self.buf[self.pos..self.pos + 8];
        let v4 = Self::ap(t, v, h[0]);
        let v3 = Self::ap(t, h[7], h[1]);
        let v2 = Self::ap(t, h[6], h[2]);
        let v1 = Self::ap(t, h[5], h[3]);
        let out = h[4] * t[0] + v1 * t[1] + v2 * t[2] + v3 * t[3] + v4 * t[4];
        self.buf[self.pos] = v;
        self.buf[self.pos + 8] = v;
        self.pos = (self.pos + 1) % 8;
        out
    }
}

/// The column around one pixel: centre value, and for k = 1..4 the sums and differences
/// (below minus above) of the pixels k rows away, shared by all vertical filters.
struct Column {
    centre: i32,
    sum: [i32; 4],
    diff: [i32; 4],
}

impl Column {
    fn at(mem: &[u8], width: usize, p: usize) -> Self {
        let px = |i: usize| i32::from(mem.get(i).copied().unwrap_or(0));
        let mut c = Column {
            centre: px(p),
            sum: [0; 4],
            diff: [0; 4],
        };
        for k in 1..5 {
            let (below, above) = (px(p + width * k), px(p.wrapping_sub(width * k)));
            c.sum[k - 1] = below + above;
            c.diff[k - 1] = below - above;
        }
        c
    }

    /// The vertical 9-tap filter `taps` at this column (FJFX `conv9::vert`).
    fn vert(&self, taps: &[i32; 5]) -> i32 {
        // A zero centre tap marks an antisymmetric filter.
        let pairs = if taps[0] != 0 { &self.sum } else { &self.diff };
        self.centre * taps[0]
            + pairs[0] * taps[1]
            + pairs[1] * taps[2]
            + pairs[2] * taps[3]
            + pairs[3] * taps[4]
    }
}

const T20: [i32; 5] = [-112, -7, 48, 14, 1];
const T22: [i32; 5] = [122, 78, 20, 2, 0];
const T21: [i32; 5] = [0, 71, 37, 6, 0];
const T30: [i32; 5] = [0, -92, -12, 8, 1];
const T32: [i32; 5] = [0, 52, 27, 4, 0];
const T31: [i32; 5] = [-90, -23, 21, 7, 1];

fn sincosnorm(x: i32) -> i32 {
    x.wrapping_add(64) >> 7
}

/// Phase map of `img` (`width` x `height`) steered by the cell orientation `ori`.
/// `mem` is `img` followed by whatever FJFX's buffer holds after it (the orientation bytes),
/// because the filters read 4 bytes past the image on the last line.
pub fn freeman_phasemap(width: usize, height: usize, mem: &[u8], ori: &[Ori]) -> Vec<u8> {
    let size = width * height;
    let ori_w = width / ORI_SCALE;
    let ori_size = size / (ORI_SCALE * ORI_SCALE);
    let mut out = vec![FILLER; size];
    let mut p = (width + 1) * 4;
    let mut k = 0usize;
    let (mut x20, mut x22, mut x33) = (Conv9::new(T20), Conv9::new(T22), Conv9::new(T22));
    let (mut x21, mut x30, mut x32, mut x31) = (
        Conv9::new(T21),
        Conv9::new(T30),
        Conv9::new(T32),
        Conv9::new(T31),
    );
    let mut y = ori_w;
    while y + ori_w < ori_size {
        for _ in 0..ORI_SCALE {
            for x in 0..ori_w {
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
                for _ in 0..ORI_SCALE {
                    let col = Column::at(mem, width, p);
                    let v20 = x20.push(col.vert(&T22));
                    let v21 = x21.push(col.vert(&T21));
                    let v22 = x22.push(col.vert(&T20));
                    let v30 = x30.push(col.vert(&T22));
                    let v31 = x31.push(col.vert(&T32));
                    let v32 = x32.push(col.vert(&T31));
                    let v33 = x33.push(col.vert(&T30));
                    let x2 = a20
                        .wrapping_mul(v20)
                        .wrapping_add(a21.wrapping_mul(v21))
                        .wrapping_add(a22.wrapping_mul(v22));
                    let x3 = a30
                        .wrapping_mul(v30)
                        .wrapping_add(a31.wrapping_mul(v31))
                        .wrapping_add(a32.wrapping_mul(v32))
                        .wrapping_add(a33.wrapping_mul(v33));
                    let x2 = x2.wrapping_add(1024) >> 11;
                    let x3 = x3.wrapping_add(1024) >> 11;
                    if let Some(o) = out.get_mut(k) {
                        *o = if x2 != 0 {
                            ((127 - i32::from(oct_sign(x2, x3, 0).0)) & 0xf0) as u8
                        } else {
                            FILLER
                        };
                    }
                    p += 1;
                    k += 1;
                }
            }
        }
        y += ori_w;
    }
    out
}
