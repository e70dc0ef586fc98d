//! Measurements on a picture with a located face: crown, cheek extents, face-region statistics,
//! sharpness, eye openness, glasses, backdrop sample and its colour. Each returns a plain number;
//! thresholds and messages live in [`super::checks`].
//!
//! Contract: every function reads inside the image only (coordinates are clamped), never panics,
//! and scales its regions by the inter-eye distance so results do not depend on resolution.

use super::detect::Point;
use super::report::BackgroundColour;
use crate::image::{Gray, Integral, RgbView, luma};

/// A picture prepared for measuring: RGB, its luma and luma's integral image.
pub struct Frame<'a> {
    /// The picture.
    pub rgb: RgbView<'a>,
    /// Its luma.
    pub gray: Gray,
    /// Box sums of the luma.
    pub table: Integral,
}

impl<'a> Frame<'a> {
    /// Prepares `rgb`.
    pub fn new(rgb: RgbView<'a>) -> Self {
        let gray = rgb.luma();
        let table = Integral::new(&gray.view());
        Self { rgb, gray, table }
    }

    fn mean_rgb(&self, x0: f64, y0: f64, x1: f64, y1: f64) -> [f64; 3] {
        let mut sum = [0.0; 3];
        let mut n = 0.0;
        let (x0, x1) = (
            x0.max(0.0) as i64,
            x1.min(f64::from(self.rgb.width())) as i64,
        );
        let (y0, y1) = (
            y0.max(0.0) as i64,
            y1.min(f64::from(self.rgb.height())) as i64,
        );
        for y in y0..y1 {
            for x in x0..x1 {
                let p = self.rgb.at(x, y);
                for c in 0..3 {
                    sum[c] += f64::from(p[c]);
                }
                n += 1.0;
            }
        }
        if n == 0.0 {
            return [0.0; 3];
        }
        [sum[0] / n, sum[1] / n, sum[2] / n]
    }
}

/// The eye line: midpoint and distance between the eyes.
#[derive(Debug, Clone, Copy)]
pub struct EyeLine {
    /// Midpoint.
    pub mid: Point,
    /// Distance, pixels.
    pub ied: f64,
}

impl EyeLine {
    /// From both eyes.
    pub fn new(left: Point, right: Point) -> Self {
        Self {
            mid: Point {
                x: (left.x + right.x) / 2.0,
                y: (left.y + right.y) / 2.0,
            },
            ied: (right.x - left.x).hypot(right.y - left.y),
        }
    }
}

fn chroma(c: [f64; 3]) -> (f64, f64, f64) {
    let s = (c[0] + c[1] + c[2]).max(1.0);
    (
        c[0] / s,
        c[1] / s,
        0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2],
    )
}

/// Reference skin colour: the nose bridge just below the eye line.
pub fn skin_colour(frame: &Frame<'_>, eyes: &EyeLine) -> [f64; 3] {
    let (m, d) = (eyes.mid, eyes.ied);
    frame.mean_rgb(
        m.x - 0.12 * d,
        m.y + 0.15 * d,
        m.x + 0.12 * d,
        m.y + 0.35 * d,
    )
}

/// Distance from the eye midpoint to the face's edge on each side (image-left, image-right), at
/// cheekbone height, walking outward from each eye's outer corner while the colour stays skin.
pub fn cheek_extents(
    frame: &Frame<'_>,
    left: Point,
    right: Point,
    eyes: &EyeLine,
    skin: [f64; 3],
) -> (f64, f64) {
    let (r0, g0, l0) = chroma(skin);
    let d = eyes.ied;
    let is_skin = |x: i64, y: i64| {
        let p = frame.rgb.at(x, y);
        let (r, g, l) = chroma([f64::from(p[0]), f64::from(p[1]), f64::from(p[2])]);
        (r - r0).hypot(g - g0) < 0.035 && l > 0.45 * l0 && l < 1.8 * l0 + 10.0
    };
    let walk = |start: Point, dir: f64| -> f64 {
        let y = (start.y + 0.45 * d) as i64;
        let mut x = start.x + dir * 0.25 * d;
        let limit = 1.6 * d;
        let mut misses = 0;
        let mut edge = x;
        let w = f64::from(frame.rgb.width());
        while (x - start.x).abs() < limit && x >= 0.0 && x < w {
            if is_skin(x as i64, y) {
                misses = 0;
                edge = x;
            } else {
                misses += 1;
                if misses > (0.04 * d).max(2.0) as i32 {
                    break;
                }
            }
            x += dir;
        }
        (edge - eyes.mid.x).abs()
    };
    (walk(left, -1.0), walk(right, 1.0))
}

/// The backdrop's colour: per-channel medians of the picture's top rows and outer columns down
/// to the eye line (where a portrait shows the backdrop).
pub fn backdrop_reference(frame: &Frame<'_>, eyes: &EyeLine) -> [f64; 3] {
    let (w, h) = (i64::from(frame.rgb.width()), i64::from(frame.rgb.height()));
    let (edge_x, edge_y) = ((w / 20).max(1), (h / 20).max(1));
    let bottom = (eyes.mid.y as i64).clamp(edge_y, h);
    let mut sample = Vec::new();
    for y in (0..bottom).step_by(2) {
        for x in (0..w).step_by(2) {
            if y < edge_y || x < edge_x || x >= w - edge_x {
                sample.push(frame.rgb.at(x, y));
            }
        }
    }
    median_rgb(&sample)
}

fn median_rgb(sample: &[[u8; 3]]) -> [f64; 3] {
    let mut out = [0.0; 3];
    for (c, o) in out.iter_mut().enumerate() {
        let mut v: Vec<u8> = sample.iter().map(|p| p[c]).collect();
        v.sort_unstable();
        *o = v.get(v.len() / 2).map_or(0.0, |&x| f64::from(x));
    }
    out
}

/// Backdrop pixels (every 4th): above `crown` (when known) across the width, and beside the head
/// (farther than `half_width` plus a margin from the eye midpoint) down to `chin`.
pub fn backdrop_sample(
    frame: &Frame<'_>,
    eyes: &EyeLine,
    crown: Option<f64>,
    chin: f64,
    half_width: f64,
) -> Vec<[u8; 3]> {
    let (w, h) = (i64::from(frame.rgb.width()), i64::from(frame.rgb.height()));
    let margin = 0.35 * eyes.ied;
    let top = crown.map_or(0.0, |c| c - margin);
    let mut out = Vec::new();
    for y in (0..h.min(chin as i64)).step_by(4) {
        for x in (0..w).step_by(4) {
            let beside = (x as f64 - eyes.mid.x).abs() > half_width + margin;
            if beside || (y as f64) < top {
                out.push(frame.rgb.at(x, y));
            }
        }
    }
    out
}

/// Top of the head: the highest row above the eyes, near the face's centre line, that is not
/// backdrop, found by walking up until the colour matches the backdrop for a run of rows.
/// `None` when the head reaches the top edge or the backdrop cannot be told from the head.
pub fn crown(frame: &Frame<'_>, eyes: &EyeLine, backdrop: [f64; 3]) -> Option<f64> {
    let d = eyes.ied;
    let mut tops = Vec::new();
    for k in [-0.3, 0.0, 0.3] {
        let x = (eyes.mid.x + k * d) as i64;
        let mut y = eyes.mid.y - 0.5 * d;
        let mut run = 0;
        let need = (0.08 * d).max(3.0) as i32;
        let mut found = None;
        while y >= 0.0 {
            let p = frame.rgb.at(x, y as i64);
            let dist = (0..3)
                .map(|c| (f64::from(p[c]) - backdrop[c]).powi(2))
                .sum::<f64>()
                .sqrt();
            if dist < 40.0 {
                run += 1;
                if run >= need {
                    found = Some(y + f64::from(need));
                    break;
                }
            } else {
                run = 0;
            }
            y -= 1.0;
        }
        tops.push(found?);
    }
    tops.into_iter().reduce(f64::min)
}

/// The inner face region (between and below the eyes) as a box `(x0, y0, x1, y1)`.
pub fn inner_face(eyes: &EyeLine, left: Point, right: Point) -> (f64, f64, f64, f64) {
    let d = eyes.ied;
    (
        left.x - 0.35 * d,
        eyes.mid.y - 0.45 * d,
        right.x + 0.35 * d,
        eyes.mid.y + 1.25 * d,
    )
}

/// Luma statistics of a box: mean (0-255), share at or below 25, share at or above 247, and
/// histogram entropy in bits.
pub fn luma_stats(frame: &Frame<'_>, region: (f64, f64, f64, f64)) -> (f64, f64, f64, f64) {
    let mut hist = [0u32; 256];
    let (x0, y0, x1, y1) = region;
    let mut n = 0u32;
    for y in (y0.max(0.0) as i64)..(y1.min(f64::from(frame.gray.height)) as i64) {
        for x in (x0.max(0.0) as i64)..(x1.min(f64::from(frame.gray.width)) as i64) {
            hist[usize::from(frame.gray.at(x, y))] += 1;
            n += 1;
        }
    }
    if n == 0 {
        return (0.0, 1.0, 0.0, 0.0);
    }
    let total = f64::from(n);
    let mean = hist
        .iter()
        .enumerate()
        .map(|(v, &c)| v as f64 * f64::from(c))
        .sum::<f64>()
        / total;
    let under = hist[..=25].iter().map(|&c| f64::from(c)).sum::<f64>() / total;
    let over = hist[247..].iter().map(|&c| f64::from(c)).sum::<f64>() / total;
    let entropy = hist
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / total;
            -p * p.log2()
        })
        .sum();
    (mean, under, over, entropy)
}

/// Left and right halves of the inner face, mean luma each.
pub fn halves(frame: &Frame<'_>, eyes: &EyeLine, region: (f64, f64, f64, f64)) -> (f64, f64) {
    let (x0, y0, x1, y1) = region;
    let m = eyes.mid.x;
    let t = &frame.table;
    let l = t
        .mean(x0 as i64, y0 as i64, (m - 0.1 * eyes.ied) as i64, y1 as i64)
        .unwrap_or(0.0);
    let r = t
        .mean((m + 0.1 * eyes.ied) as i64, y0 as i64, x1 as i64, y1 as i64)
        .unwrap_or(0.0);
    (l, r)
}

/// Focus: mean absolute Laplacian of the inner face, brought to a standard scale of about 60
/// pixels between the eyes, relative to the region's contrast (so exposure does not count).
pub fn sharpness(frame: &Frame<'_>, eyes: &EyeLine, region: (f64, f64, f64, f64)) -> f64 {
    let factor = (eyes.ied / 60.0).floor().max(1.0) as u32;
    let (x0, y0, x1, y1) = region;
    let (x0, y0) = (x0.max(0.0) as i64, y0.max(0.0) as i64);
    let x1 = (x1 as i64).min(i64::from(frame.gray.width));
    let y1 = (y1 as i64).min(i64::from(frame.gray.height));
    if x1 - x0 < 8 || y1 - y0 < 8 {
        return 0.0;
    }
    let mut pixels = Vec::with_capacity(((x1 - x0) * (y1 - y0)) as usize);
    for y in y0..y1 {
        for x in x0..x1 {
            pixels.push(frame.gray.at(x, y));
        }
    }
    let patch = Gray {
        width: (x1 - x0) as u32,
        height: (y1 - y0) as u32,
        pixels,
    }
    .shrink(factor);
    let (w, h) = (i64::from(patch.width), i64::from(patch.height));
    if w < 3 || h < 3 {
        return 0.0;
    }
    let mut sum = 0.0;
    let mut n = 0.0;
    let (mut s1, mut s2) = (0.0, 0.0);
    for y in 1..h - 1 {
        for x in 1..w - 1 {
            let c = f64::from(patch.at(x, y));
            let lap = 4.0 * c
                - f64::from(patch.at(x - 1, y))
                - f64::from(patch.at(x + 1, y))
                - f64::from(patch.at(x, y - 1))
                - f64::from(patch.at(x, y + 1));
            sum += lap.abs();
            s1 += c;
            s2 += c * c;
            n += 1.0;
        }
    }
    let mean = s1 / n;
    let sd = (s2 / n - mean * mean).max(0.0).sqrt();
    100.0 * (sum / n) / (sd + 8.0)
}

/// How open an eye is: the height of the dark iris band through the eye centre, in inter-eye
/// distances (about 0.15 for an open eye, under 0.06 for a shut one).
pub fn openness(frame: &Frame<'_>, eye: Point, ied: f64) -> f64 {
    let t = &frame.table;
    let band = (0.05 * ied).max(1.0);
    let (top, bottom) = (eye.y - 0.3 * ied, eye.y + 0.3 * ied);
    let mut rows = Vec::new();
    let mut y = top;
    while y < bottom {
        let v = t
            .mean(
                (eye.x - band) as i64,
                y as i64,
                (eye.x + band) as i64 + 1,
                y as i64 + 1,
            )
            .unwrap_or(255.0);
        rows.push(v);
        y += 1.0;
    }
    let skin = t
        .mean(
            (eye.x - 0.15 * ied) as i64,
            (eye.y + 0.3 * ied) as i64,
            (eye.x + 0.15 * ied) as i64,
            (eye.y + 0.45 * ied) as i64,
        )
        .unwrap_or(255.0);
    // The darkest row near the eye centre, and the contiguous rows around it darker than
    // halfway to the skin.
    let centre = rows.len() / 2;
    let reach = (0.12 * ied) as usize + 1;
    let lo = centre.saturating_sub(reach);
    let hi = (centre + reach).min(rows.len());
    let Some((min_i, &min_v)) = rows
        .iter()
        .enumerate()
        .skip(lo)
        .take(hi - lo)
        .min_by(|a, b| a.1.total_cmp(b.1))
    else {
        return 0.0;
    };
    if skin - min_v < 15.0 {
        return 0.0;
    }
    let thr = min_v + 0.5 * (skin - min_v);
    let up = rows[..min_i].iter().rev().take_while(|&&v| v < thr).count();
    let down = rows[min_i + 1..].iter().take_while(|&&v| v < thr).count();
    (up + down + 1) as f64 / ied
}

/// Evidence of glasses: the strongest thin dark line where a frame would be (the bridge between
/// the eyes and the rims below them), relative to the skin around it; 0 for bare skin.
pub fn glasses_evidence(frame: &Frame<'_>, left: Point, right: Point, eyes: &EyeLine) -> f64 {
    let d = eyes.ied;
    let t = &frame.table;
    let line_contrast = |cx: f64, half: f64, y0: f64, y1: f64| -> f64 {
        let mut rows = Vec::new();
        let mut y = y0;
        while y < y1 {
            if let Some(v) = t.mean(
                (cx - half) as i64,
                y as i64,
                (cx + half) as i64 + 1,
                y as i64 + 1,
            ) {
                rows.push(v);
            }
            y += 1.0;
        }
        if rows.len() < 3 {
            return 0.0;
        }
        let mut sorted = rows.clone();
        sorted.sort_by(f64::total_cmp);
        let median = sorted[sorted.len() / 2];
        let min = sorted[0];
        if median < 20.0 {
            return 0.0;
        }
        (median - min) / median
    };
    let bridge = line_contrast(
        eyes.mid.x,
        0.08 * d,
        eyes.mid.y - 0.3 * d,
        eyes.mid.y + 0.1 * d,
    );
    let rims = [left, right]
        .iter()
        .map(|e| line_contrast(e.x, 0.1 * d, e.y + 0.2 * d, e.y + 0.5 * d))
        .fold(f64::INFINITY, f64::min);
    bridge.max(rims)
}

/// Hue (degrees), saturation and value (0-1) of an RGB colour.
pub fn hsv(rgb: [f64; 3]) -> (f64, f64, f64) {
    let (r, g, b) = (rgb[0] / 255.0, rgb[1] / 255.0, rgb[2] / 255.0);
    let max = r.max(g).max(b);
    let min = r.min(g).min(b);
    let delta = max - min;
    if delta <= 0.0 {
        return (0.0, 0.0, max);
    }
    let hue = if max == r {
        60.0 * ((g - b) / delta).rem_euclid(6.0)
    } else if max == g {
        60.0 * ((b - r) / delta + 2.0)
    } else {
        60.0 * ((r - g) / delta + 4.0)
    };
    (hue, delta / max, max)
}

/// The e-KTP colour closest to `rgb`, if it is one: saturated enough and in the hue range of red
/// (330-18 degrees), orange (18-50) or blue (190-260).
pub fn classify_backdrop(rgb: [f64; 3]) -> Option<BackgroundColour> {
    let (hue, sat, val) = hsv(rgb);
    if val < 0.2 || sat < 0.35 {
        return None;
    }
    match hue {
        h if !(18.0..330.0).contains(&h) => Some(BackgroundColour::Red),
        h if h < 50.0 => Some(BackgroundColour::Orange),
        h if (190.0..=260.0).contains(&h) => Some(BackgroundColour::Blue),
        _ => None,
    }
}

/// Spread of the backdrop: standard deviation of luma over the sample (0 for a flat cloth).
pub fn backdrop_spread(sample: &[[u8; 3]]) -> f64 {
    if sample.is_empty() {
        return 0.0;
    }
    let n = sample.len() as f64;
    let lum: Vec<f64> = sample
        .iter()
        .map(|p| f64::from(luma(p[0], p[1], p[2])))
        .collect();
    let mean = lum.iter().sum::<f64>() / n;
    (lum.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt()
}

/// Mean colour of a sample.
pub fn mean_colour(sample: &[[u8; 3]]) -> [f64; 3] {
    let n = sample.len().max(1) as f64;
    let mut s = [0.0; 3];
    for p in sample {
        for c in 0..3 {
            s[c] += f64::from(p[c]);
        }
    }
    [s[0] / n, s[1] / n, s[2] / n]
}
