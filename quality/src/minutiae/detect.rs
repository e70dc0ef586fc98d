//! Minutia candidates and their confirmation (FJFX `extract_minutia`): the phase map's gradient
//! structure tensor is smoothed, points where its determinant-like response `b2` is a strict
//! local maximum (3x3 block maxima checked over 5x5) and inside the footprint become candidates;
//! each candidate is tested with the bifurcation filter along the local orientation (two angles
//! 2/256 turn apart), its direction is refined by following the ridge (`adjust_angle`), and it
//! becomes a raw minutia in internal (333 ppi) coordinates.
//!
//! Contract: `detect` returns the raw minutiae in the order FJFX finds them; bit-exact with FJFX.

use super::biffilt::{BifFilter, TYPE_THRESHOLD};
use super::fixed::{Delay, atan2, cos8, oct_sign, sin8};
use super::phasemap::FILLER;

/// A minutia as FJFX holds it before rescaling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawMinutia {
    pub x: i16,
    pub y: i16,
    /// Direction in 1/256 turns, FJFX's internal convention (before the ISO conversion).
    pub theta: u8,
    /// Confidence as stored (u8 truncation of the filter confidence).
    pub conf: u8,
    /// 0 other, 1 ridge ending, 2 bifurcation.
    pub kind: u8,
}

/// 3x3 smoothing [1 2 1]x[1 2 1] / 32 over the stream (FJFX `conv2d3<stride,2,1,5>`).
struct Conv2d3 {
    dv1: Delay<i32>,
    dv2: Delay<i32>,
    dh1: i32,
    dh2: i32,
}

impl Conv2d3 {
    fn new(width: usize) -> Self {
        Self {
            dv1: Delay::new(width, 0),
            dv2: Delay::new(width, 0),
            dh1: 0,
            dh2: 0,
        }
    }

    fn push(&mut self, v0: i32) -> i32 {
        let v1 = self.dv1.push(v0);
        let v2 = self.dv2.push(v1);
        let h0 = v1.wrapping_mul(2).wrapping_add(v2.wrapping_add(v0));
        let h1 = std::mem::replace(&mut self.dh1, h0);
        let h2 = std::mem::replace(&mut self.dh2, h1);
        let o = h1.wrapping_mul(2).wrapping_add(h2.wrapping_add(h0));
        o.wrapping_add(16) >> 5
    }
}

/// Local-maximum detector over the stream (FJFX `max2d5fast`): reports a maximum 4 rows and 4
/// columns after the pixel that holds it.
struct Max5 {
    width: usize,
    buf: Vec<i32>,
    marks: Vec<Vec<bool>>,
}

impl Max5 {
    fn new(width: usize) -> Self {
        Self {
            width,
            buf: vec![-1; 7 * width],
            marks: vec![vec![false; width + 4]; 7],
        }
    }

    fn at(&self, i: usize, j: usize) -> i32 {
        self.buf[(i % 7) * self.width + j]
    }

    fn push(&mut self, v: i32, x: usize, y: usize) -> bool {
        let yr = y % 7;
        self.buf[yr * self.width + x] = v;
        if x == 0 {
            // FJFX computes (y - 1) % 7 on an unsigned type: row 1 when y == 0.
            let prev = if y == 0 { 1 } else { (y - 1) % 7 };
            self.marks[prev].iter_mut().for_each(|m| *m = false);
        }
        if y >= 6 && y.is_multiple_of(3) && x >= 6 && x.is_multiple_of(3) {
            self.find_max_in_block(y - 4, x - 4);
        }
        if self.marks[yr][x] {
            self.marks[yr][x] = false;
            return true;
        }
        false
    }

    fn find_max_in_block(&mut self, i: usize, j: usize) {
        let (mut mi, mut mj) = (i, j);
        let mut mv = self.at(i, j);
        for i2 in i..=i + 2 {
            for j2 in j..=j + 2 {
                let v = self.at(i2, j2);
                if v < 0 {
                    return;
                }
                if v > mv {
                    (mi, mj, mv) = (i2, j2, v);
                }
            }
        }
        if mv <= 0 {
            return;
        }
        for i2 in mi - 2..=mi + 2 {
            for j2 in mj - 2..=mj + 2 {
                if i2 < i || i2 > i + 2 || j2 < j || j2 > j + 2 {
                    let v = self.at(i2, j2);
                    if v < 0 || v > mv {
                        return;
                    }
                }
            }
        }
        self.marks[(mi + 4) % 7][mj + 4] = true;
    }
}

/// True when the four diagonal neighbours of (xp, yp) carry a phase (FJFX `is_in_footprint<1>`).
fn in_footprint(xp: i64, yp: i64, width: usize, size: usize, pm: &[u8]) -> bool {
    let (x, y) = (xp + 1, yp + 1);
    let w = width as i64;
    let offs = x + y * w;
    if !(x >= 2 && y >= 2 && x < w && offs >= 0 && (offs as usize) < size) {
        return false;
    }
    let o = offs as usize;
    let at = |i: usize| pm.get(i).copied().unwrap_or(FILLER);
    at(o - 2) != FILLER
        && at(o) != FILLER
        && at(o - 2 * width - 2) != FILLER
        && at(o - 2 * width) != FILLER
}

/// A point on a ridge/valley walk: position, step direction (0..7) and phase value.
#[derive(Clone, Copy)]
struct APoint {
    x: i16,
    y: i16,
    a: u8,
    v: u8,
}

impl APoint {
    fn new(x: i16, y: i16, a: u8, pm: &[u8], width: usize) -> Self {
        let idx = i64::from(x) + i64::from(y) * width as i64;
        let v = usize::try_from(idx)
            .ok()
            .and_then(|i| pm.get(i).copied())
            .unwrap_or(0);
        Self { x, y, a, v }
    }

    /// Best of the three neighbours ahead (lowest phase when `mn`, else highest; later wins ties).
    fn next(&self, pm: &[u8], width: usize, mn: bool, relative: bool) -> Self {
        const OFFS: [i16; 8] = [0, 1, 1, 1, 0, -1, -1, -1];
        let mut out = APoint {
            x: 0,
            y: 0,
            a: 0,
            v: if mn { 255 } else { 0 },
        };
        for i in -1i32..=1 {
            let ai = i32::from(self.a) + i;
            let dx = OFFS[(ai & 7) as usize];
            let dy = OFFS[((ai - 2) & 7) as usize];
            let a = if relative { (ai & 0xff) as u8 } else { self.a };
            let cur = APoint::new(
                self.x.wrapping_add(dx),
                self.y.wrapping_add(dy),
                a,
                pm,
                width,
            );
            if if mn { cur.v <= out.v } else { cur.v >= out.v } {
                out = cur;
            }
        }
        out
    }
}

/// Refines the direction `a` by walking along the ridge or valley from (xp, yp) for up to 20
/// steps; false (and `a` untouched) when the walk is shorter than 14 pixels.
fn adjust_angle(
    a: &mut u8,
    xp: usize,
    yp: usize,
    pm: &[u8],
    width: usize,
    size: usize,
    relative: bool,
) -> bool {
    let start = APoint::new(xp as i16, yp as i16, *a >> 5, pm, width);
    let mut cur = start.next(pm, width, false, relative);
    let mut p2 = start.next(pm, width, true, relative);
    let mn = (255 - i32::from(p2.v)) > i32::from(cur.v);
    if mn {
        cur = p2;
    }
    let mut d0: u32 = 0;
    for i in 0..20 {
        cur = cur.next(pm, width, mn, relative);
        if mn == (cur.v >= 128) {
            break;
        }
        if !in_footprint(i64::from(cur.x), i64::from(cur.y), width, size, pm) {
            break;
        }
        let dx = i32::from(cur.x.wrapping_sub(start.x));
        let dy = i32::from(cur.y.wrapping_sub(start.y));
        let d = (dx * dx + dy * dy) as u32;
        if d <= d0 {
            break;
        }
        d0 = d;
        if d > 400 {
            break;
        }
        if i == 0 {
            p2 = cur;
        }
    }
    if d0 >= 14 * 14 {
        let bx = i32::from(cur.x.wrapping_sub(p2.x));
        let by = i32::from(cur.y.wrapping_sub(p2.y));
        *a = atan2(-by, bx);
        true
    } else {
        false
    }
}

/// Raw minutiae of the phase map (`width` x `height`); `mem` is the map followed by FJFX's
/// trailing buffer bytes (read by the bilinear sampler at the last line).
pub fn detect(mem: &[u8], width: usize, height: usize) -> Vec<RawMinutia> {
    const ORIFILT: usize = 13;
    const YOFFS: usize = 3;
    const TB: i32 = 1328;
    let size = width * height;
    let pm = &mem[..size.min(mem.len())];
    let at = |i: usize| i32::from(mem.get(i).copied().unwrap_or(FILLER));
    let end = size.saturating_sub(width);
    let (mut cxx, mut cxy, mut cyy) = (
        Conv2d3::new(width),
        Conv2d3::new(width),
        Conv2d3::new(width),
    );
    let mut max5 = Max5::new(width);
    let mut delay_mc = Delay::new(width * (ORIFILT - 4) - 4, false);
    let mut bf = BifFilter::new(mem, width, height);
    let mut delay_ori = Delay::new(ORIFILT * width / 2, (0i8, 0i8));
    let half = width / 2;
    let mut ori_s1 = vec![(0i16, 0i16); half];
    let mut direction = vec![0u8; half];
    let mut found = Vec::new();
    let mut p = width * YOFFS;
    // Per line: the gradient and the outside test of every pixel, computed from row slices when
    // the whole line lies before `end` (then every read is inside the phase map), else per pixel.
    let mut line_g = vec![(0i32, 0i32, false); width];
    for y in 0..height + ORIFILT {
        let whole = p + width <= end && p >= 3 * width && p >= 3;
        let rows = if whole {
            match (
                mem.get(p + 1..p + 1 + width),
                mem.get(p - 1..p - 1 + width),
                mem.get(p - 3..p - 3 + width),
                mem.get(p + width..p + 2 * width),
                mem.get(p - width..p),
                mem.get(p - 3 * width..p - 2 * width),
            ) {
                (Some(r), Some(l), Some(l3), Some(d), Some(u), Some(u3)) => {
                    Some((r, l, l3, d, u, u3))
                }
                _ => None,
            }
        } else {
            None
        };
        if let Some((r, l, l3, d, u, u3)) = rows {
            for (i, g) in line_g.iter_mut().enumerate() {
                let outside = r[i] == 255 || l3[i] == 255 || d[i] == 255 || u3[i] == 255;
                *g = (
                    i32::from(r[i]) - i32::from(l[i]),
                    i32::from(d[i]) - i32::from(u[i]),
                    outside,
                );
            }
        } else {
            for (i, g) in line_g.iter_mut().enumerate() {
                let q = p + i;
                *g = if q >= end {
                    (0, 0, true)
                } else {
                    (
                        at(q + 1) - at(q - 1),
                        at(q + width) - at(q - width),
                        at(q + 1) == 255
                            || at(q - 3) == 255
                            || at(q + width) == 255
                            || at(q - 3 * width) == 255,
                    )
                };
            }
        }
        for (x, &(gx, gy, outside)) in line_g.iter().enumerate() {
            p += 1;
            let gxx = cxx.push(gx * gx);
            let gxy = cxy.push(gx * gy);
            let gyy = cyy.push(gy * gy);
            let e1b = gxx.wrapping_add(gyy) > 2 * TB;
            let b2 = (TB.wrapping_sub(gxx))
                .wrapping_mul(TB.wrapping_sub(gyy))
                .wrapping_sub(gxy.wrapping_mul(gxy));
            let e = e1b && b2 > 0;
            if x & 1 == 0 && y & 1 == 0 {
                let ori = oct_sign(gxx.wrapping_sub(gyy), gxy.wrapping_mul(2), 0);
                let old = delay_ori.push(ori);
                let s1 = &mut ori_s1[x / 2];
                s1.0 =
                    s1.0.wrapping_add(i16::from(ori.0))
                        .wrapping_sub(i16::from(old.0));
                s1.1 =
                    s1.1.wrapping_add(i16::from(ori.1))
                        .wrapping_sub(i16::from(old.1));
            }
            let v = if outside {
                -1
            } else if e {
                b2
            } else {
                0
            };
            let mc = delay_mc.push(max5.push(v, x, y));
            let xp = x as i64 - 1;
            let yp = y as i64 + YOFFS as i64 - 1 - ORIFILT as i64;
            if mc && in_footprint(xp, yp, width, size, pm) {
                let (xp, yp) = (xp as usize, yp as usize);
                let mut confidence = 0i32;
                let mut confirmed = false;
                let mut ending = false;
                let mut a = 0u8;
                for i in [-2i8, 2] {
                    let a0 = direction[x / 2].wrapping_add(i as u8);
                    if bf.test(xp, yp, cos8(a0), sin8(a0)) {
                        confirmed = true;
                        if bf.confidence > confidence {
                            confidence = bf.confidence;
                            a = a0;
                            ending = bf.ending;
                        }
                    }
                }
                if confirmed {
                    if bf.rotate180 {
                        a = a.wrapping_add(128);
                    }
                    if !adjust_angle(&mut a, xp, yp, pm, width, size, false) {
                        adjust_angle(&mut a, xp, yp, pm, width, size, true);
                    }
                    let kind = if confidence > TYPE_THRESHOLD {
                        if ending { 1 } else { 2 }
                    } else {
                        0
                    };
                    found.push(RawMinutia {
                        x: xp as i16,
                        y: yp as i16,
                        theta: a,
                        conf: confidence as u8,
                        kind,
                    });
                }
            }
        }
        if y & 1 == 0 {
            let mut s2 = (0i32, 0i32);
            for x in 0..half + ORIFILT / 2 {
                if x < half {
                    s2.0 += i32::from(ori_s1[x].0);
                    s2.1 += i32::from(ori_s1[x].1);
                }
                if x >= ORIFILT {
                    s2.0 -= i32::from(ori_s1[x - ORIFILT].0);
                    s2.1 -= i32::from(ori_s1[x - ORIFILT].1);
                }
                if x >= ORIFILT / 2 {
                    direction[x - ORIFILT / 2] = atan2(s2.0, s2.1) / 2;
                }
            }
        }
    }
    found
}
