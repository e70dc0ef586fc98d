//! Minutia confirmation by FingerJet's "bifurcation filter": a 19x19 patch of the phase map,
//! resampled along the local orientation, is correlated with two banks of separable 17-tap
//! filters (5 ridge periods x 3x3 offsets); the strongest of their sum/difference responses must
//! pass an absolute and a mirror-ratio threshold.
//!
//! Contract: `BifFilter::test` is FJFX `biffilt::operator()`, including the quirk that the
//! `rotate180` flag keeps its previous value when a test fails.

use super::phasemap::FILLER;

const N: usize = 17;
const M: usize = 3;
const SCALES: usize = 5;
const RESP2: usize = M * M * SCALES;
const PATCH_W: usize = N + M - 1;
const BITS: u32 = 7;

const THRESHOLD: i32 = 80;
const RATIO: i32 = 102;
/// Confidence above which the minutia type (ending/bifurcation) is reported.
pub const TYPE_THRESHOLD: i32 = 105;

/// Taps t0..t8 and whether the filter is symmetric (`true`) or antisymmetric.
type Taps = ([i32; 9], bool);

const CV1: Taps = ([50, 48, 41, 32, 23, 14, 8, 4, 2], true);
const CV2: Taps = ([0, 48, 82, 96, 90, 72, 50, 30, 16], false);
const BANK1: [Taps; 5] = [
    ([0, 55, -53, -61, 74, 3, -28, 7, 3], true),
    ([0, 42, 0, -83, 3, 63, -1, -25, 1], true),
    ([0, 29, 25, -50, -58, 22, 51, 5, -24], true),
    ([-2, 16, 28, -14, -60, -41, 18, 41, 13], true),
    ([0, 13, 28, 13, -27, -50, -29, 14, 38], true),
];
const BANK2: [Taps; 5] = [
    ([52, -14, -32, 22, 6, -9, 1, 1, 0], true),
    ([44, 0, -36, 1, 19, 0, -7, 0, 2], true),
    ([37, 9, -28, -18, 12, 14, -1, -6, -1], true),
    ([31, 13, -17, -24, -5, 13, 11, 0, -5], true),
    ([26, 15, -7, -21, -16, 0, 11, 10, 3], true),
];
const CONF_WEIGHT: [i32; 45] = [
    16, 16, 16, 16, 16, 16, 16, 16, 16, 15, 15, 15, 15, 15, 15, 15, 15, 15, 14, 14, 14, 14, 14, 14,
    14, 14, 14, 13, 13, 13, 13, 13, 13, 13, 13, 13, 12, 12, 12, 12, 12, 12, 12, 12, 12,
];

fn ap(sym: bool, a: i32, b: i32) -> i32 {
    if sym {
        a.wrapping_add(b)
    } else {
        a.wrapping_sub(b)
    }
}

/// Streaming horizontal 17-tap filter with a 16-sample history (FJFX `conv17`).
struct Conv17 {
    taps: Taps,
    /// Ring of the last 16 inputs stored twice, so `buf[pos + k]` is the k-th oldest.
    buf: [i32; 32],
    pos: usize,
}

impl Conv17 {
    fn new(taps: Taps) -> Self {
        Self {
            taps,
            buf: [0; 32],
            pos: 0,
        }
    }

    fn add(&mut self, v: i32) {
        self.buf[self.pos] = v;
        self.buf[self.pos + 16] = v;
        self.pos = (self.pos + 1) % 16;
    }

    fn push(&mut self, v: i32) -> i32 {
        let (t, sym) = self.taps;
        let h = &self.buf[self.pos..self.pos + 16];
        let mut out = h[8].wrapping_mul(t[0]);
        for k in 1..9 {
            // Pair (newest - k + 1 .. ) around the centre h[8].
            let newer = if k == 8 { v } else { h[8 + k] };
            let older = h[8 - k];
            out = out.wrapping_add(ap(sym, newer, older).wrapping_mul(t[k]));
        }
        self.add(v);
        out
    }

    fn vert(taps: &Taps, patch: &[u8], p: usize) -> i32 {
        let (t, sym) = taps;
        let at = |i: usize| i32::from(patch[i]);
        let mut out = at(p) * t[0];
        for (k, tap) in t.iter().enumerate().skip(1) {
            out += ap(*sym, at(p + PATCH_W * k), at(p - PATCH_W * k)) * tap;
        }
        out
    }
}

/// The filter state (FJFX keeps one instance for the whole image).
pub struct BifFilter<'a> {
    mem: &'a [u8],
    width: usize,
    height: usize,
    patch: [u8; PATCH_W * PATCH_W],
    resp: [i32; RESP2 * 2],
    pub confidence: i32,
    pub ending: bool,
    pub rotate180: bool,
}

impl<'a> BifFilter<'a> {
    /// `mem` is the phase map followed by the bytes FJFX's buffer holds after it.
    pub fn new(mem: &'a [u8], width: usize, height: usize) -> Self {
        Self {
            mem,
            width,
            height,
            patch: [0; PATCH_W * PATCH_W],
            resp: [0; RESP2 * 2],
            confidence: 0,
            ending: false,
            rotate180: false,
        }
    }

    /// Bilinear sample at (x, y) in 1/128 pixel; `FILLER` outside.
    fn sample(&self, x: i64, y: i64) -> u8 {
        if x < 0 || y < 0 {
            return FILLER;
        }
        let (x, y) = (x as u64, y as u64);
        let wx1 = (x & 127) as u32;
        let wy1 = (y & 127) as u32;
        let (wx0, wy0) = (128 - wx1, 128 - wy1);
        let (x0, y0) = ((x >> BITS) as usize, (y >> BITS) as usize);
        if y0 > self.height - 1 || x0 > self.width - 1 {
            return FILLER;
        }
        let p = x0 + y0 * self.width;
        let at = |i: usize| u32::from(self.mem.get(i).copied().unwrap_or(0));
        let v = at(p) * wx0 * wy0
            + at(p + 1) * wx1 * wy0
            + at(p + self.width) * wx0 * wy1
            + at(p + self.width + 1) * wx1 * wy1;
        ((v + (1 << 13)) >> 14) as u8
    }

    fn rotate(&mut self, x: usize, y: usize, c: i8, s: i8) {
        let (c, s) = (i64::from(c), i64::from(s));
        let half = (PATCH_W / 2) as i64;
        let mut x = ((x as i64) << BITS) - half * (c - s);
        let mut y = ((y as i64) << BITS) - half * (s + c);
        for r in 0..PATCH_W {
            let (mut x0, mut y0) = (x, y);
            for col in 0..PATCH_W {
                self.patch[r * PATCH_W + col] = self.sample(x0, y0);
                x0 += c;
                y0 += s;
            }
            x -= s;
            y += c;
        }
    }

    fn convolutions(&mut self, cv: &Taps, bank: &[Taps; 5], offset: usize) {
        let mut b: Vec<Conv17> = bank.iter().map(|t| Conv17::new(*t)).collect();
        let mut o = offset;
        for row in 0..M {
            let p = PATCH_W * (N / 2 + row);
            for pi in p..p + N - 1 {
                let bv = Conv17::vert(cv, &self.patch, pi);
                for f in b.iter_mut() {
                    f.add(bv);
                }
            }
            for pi in p + N - 1..p + N - 1 + M {
                let bv = Conv17::vert(cv, &self.patch, pi);
                for f in b.iter_mut() {
                    self.resp[o] = f.push(bv);
                    o += 1;
                }
            }
        }
    }

    fn butterfly(&mut self) -> bool {
        let mut conf = 0i32;
        let mut mirr = 0i32;
        let mut pmx = 0usize;
        for (k, weight) in CONF_WEIGHT.iter().enumerate() {
            let (a, b) = (self.resp[k], self.resp[k + RESP2]);
            let sum = a.wrapping_add(b);
            let diff = a.wrapping_sub(b);
            self.resp[k] = sum;
            self.resp[k + RESP2] = diff;
            let asum = reduce4(sum.wrapping_abs().wrapping_mul(*weight));
            let adif = reduce4(diff.wrapping_abs().wrapping_mul(*weight));
            if asum > conf {
                conf = asum;
                mirr = adif;
                pmx = k;
            }
            if adif > conf {
                conf = adif;
                mirr = asum;
                pmx = k + RESP2;
            }
        }
        conf = norm(conf);
        self.confidence = conf;
        let mirr = norm(mirr);
        if conf < THRESHOLD {
            return false;
        }
        if conf.wrapping_mul(RATIO) < mirr.wrapping_mul(256) {
            return false;
        }
        self.rotate180 = pmx >= RESP2;
        self.ending = self.resp[pmx] > 0;
        true
    }

    /// Tests a candidate at phase-map pixel (x, y) with direction (c, s) * 127.
    pub fn test(&mut self, x: usize, y: usize, c: i8, s: i8) -> bool {
        self.confidence = 0;
        self.ending = false;
        self.rotate(x, y, c, s);
        self.convolutions(&CV1, &BANK1, 0);
        self.convolutions(&CV2, &BANK2, RESP2);
        self.butterfly()
    }
}

fn reduce4(v: i32) -> i32 {
    v.wrapping_add(8) >> 4
}

/// Responses are 2^18 per unit; confidence is on a 0..256 scale.
fn norm(v: i32) -> i32 {
    v.wrapping_add(1 << 16) >> 17
}
