//! Ridges grown by iterated, space-variant oriented Gabor filtering from random seeds, as in
//! SFinGe: start from an empty image holding a few random dots, filter it again and again with a
//! Gabor filter tuned at each pixel to the local ridge orientation and period, and saturate.
//! Each pass spreads the pattern; where two growing fronts meet out of phase a ridge ends or
//! forks, which is how the minutiae arise.
//!
//! Contract: [`grow`] returns one value per pixel in [-1, 1] (positive on ridges), zero outside
//! `active`. The oriented 2-D Gabor kernel is applied as two 1-D passes in the rotated frame
//! (a Gabor profile across the ridge, a Gaussian along it), with kernels precomputed for
//! quantised orientations and periods, so a 416x560 master grows in a fraction of a second.

use std::f64::consts::{PI, TAU};

use crate::rng::SimRng;

/// Orientation bins over [0, pi).
const ORIENTATIONS: usize = 48;
/// Period bins and their spacing.
const PERIOD_FIRST: f64 = 6.5;
const PERIOD_STEP: f64 = 0.5;
const PERIODS: usize = 13;
/// Half-length of the along-ridge Gaussian and its standard deviation.
const ALONG_REACH: i32 = 6;
const ALONG_SIGMA: f64 = 3.0;
/// Border kept around the image so that no kernel tap leaves the buffer.
const MARGIN: usize = 16;

/// How the ridges are grown.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GrowthSettings {
    /// Initial dots per 100x100 pixels of active area.
    pub seed_density: f64,
    /// Filtering passes.
    pub iterations: usize,
    /// Gain applied before saturating to [-1, 1]; above 1 so that seeds grow.
    pub gain: f64,
}

impl Default for GrowthSettings {
    fn default() -> Self {
        Self {
            seed_density: 3.0,
            iterations: 40,
            gain: 2.2,
        }
    }
}

/// One tap of a kernel: an offset in the padded buffer and its weight.
type Tap = (isize, f32);

struct Bank {
    across: Vec<Vec<Tap>>,
    along: Vec<Vec<Tap>>,
}

impl Bank {
    fn new(stride: usize) -> Self {
        let mut across = Vec::with_capacity(ORIENTATIONS * PERIODS);
        let mut along = Vec::with_capacity(ORIENTATIONS * PERIODS);
        let offset = |x: f64, y: f64| x.round() as isize + y.round() as isize * stride as isize;
        for o in 0..ORIENTATIONS {
            let theta = PI * o as f64 / ORIENTATIONS as f64;
            let (sin, cos) = theta.sin_cos();
            // Unit normal to the ridge: the Gabor profile runs along it.
            let (nx, ny) = (-sin, cos);
            for p in 0..PERIODS {
                let period = PERIOD_FIRST + PERIOD_STEP * p as f64;
                let sigma = 0.45 * period;
                let reach = (1.2 * period).ceil().min(MARGIN as f64 - 1.0) as i32;
                let mut taps: Vec<(isize, f64, f64, f64)> = (-reach..=reach)
                    .map(|t| {
                        let (ox, oy) = ((f64::from(t) * nx).round(), (f64::from(t) * ny).round());
                        // The exact distance across the ridge of the rounded tap.
                        let v = ox * nx + oy * ny;
                        let envelope = (-v * v / (2.0 * sigma * sigma)).exp();
                        (
                            offset(ox, oy),
                            envelope * (TAU * v / period).cos(),
                            envelope,
                            v,
                        )
                    })
                    .collect();
                // No response to flat areas: take the DC out in proportion to the envelope.
                let dc: f64 = taps.iter().map(|t| t.1).sum();
                let mass: f64 = taps.iter().map(|t| t.2).sum();
                for t in &mut taps {
                    t.1 -= dc * t.2 / mass;
                }
                // Unit response to a ridge pattern of the tuned period.
                let gain: f64 = taps.iter().map(|t| t.1 * (TAU * t.3 / period).cos()).sum();
                across.push(taps.iter().map(|t| (t.0, (t.1 / gain) as f32)).collect());
                let weights: Vec<(isize, f64)> = (-ALONG_REACH..=ALONG_REACH)
                    .map(|u| {
                        let u = f64::from(u);
                        (
                            offset(u * cos, u * sin),
                            (-u * u / (2.0 * ALONG_SIGMA * ALONG_SIGMA)).exp(),
                        )
                    })
                    .collect();
                let total: f64 = weights.iter().map(|w| w.1).sum();
                along.push(
                    weights
                        .iter()
                        .map(|w| (w.0, (w.1 / total) as f32))
                        .collect(),
                );
            }
        }
        Self { across, along }
    }

    fn index(theta: f32, period: f32) -> usize {
        let o = (f64::from(theta).rem_euclid(PI) / PI * ORIENTATIONS as f64).round() as usize
            % ORIENTATIONS;
        let p = ((f64::from(period) - PERIOD_FIRST) / PERIOD_STEP)
            .round()
            .clamp(0.0, (PERIODS - 1) as f64) as usize;
        o * PERIODS + p
    }
}

fn apply(taps: &[Tap], src: &[f32], at: usize) -> f32 {
    taps.iter()
        .map(|&(off, w)| src.get(at.wrapping_add_signed(off)).copied().unwrap_or(0.0) * w)
        .sum()
}

/// Grows ridges over the `active` pixels of a `width` x `height` image whose ridge direction
/// (radians, modulo pi) and period (pixels) are given per pixel.
pub fn grow(
    width: u32,
    height: u32,
    orientation: &[f32],
    period: &[f32],
    active: &[bool],
    settings: GrowthSettings,
    rng: &mut SimRng,
) -> Vec<f32> {
    let (w, h) = (width as usize, height as usize);
    let stride = w + 2 * MARGIN;
    let padded = |x: usize, y: usize| (y + MARGIN) * stride + x + MARGIN;
    let bank = Bank::new(stride);
    let mut cells: Vec<(usize, usize)> = Vec::new();
    for y in 0..h {
        for x in 0..w {
            let i = y * w + x;
            if active.get(i).copied().unwrap_or(false) {
                let theta = orientation.get(i).copied().unwrap_or(0.0);
                let p = period.get(i).copied().unwrap_or(9.0);
                cells.push((padded(x, y), Bank::index(theta, p)));
            }
        }
    }
    let size = stride * (h + 2 * MARGIN);
    let mut field = vec![0f32; size];
    let mut across = vec![0f32; size];
    if cells.is_empty() {
        return vec![0.0; w * h];
    }
    let seeds = ((cells.len() as f64 / 10_000.0) * settings.seed_density).ceil() as usize;
    for _ in 0..seeds.max(1) {
        let (at, _) = cells[rng.range(0, cells.len() as u64 - 1) as usize];
        let sign = if rng.unit() < 0.5 { 1.0 } else { -1.0 };
        field[at] = sign;
    }
    let gain = settings.gain as f32;
    for _ in 0..settings.iterations {
        for &(at, k) in &cells {
            across[at] = apply(&bank.across[k], &field, at);
        }
        for &(at, k) in &cells {
            field[at] = (gain * apply(&bank.along[k], &across, at)).clamp(-1.0, 1.0);
        }
    }
    let mut out = vec![0f32; w * h];
    for y in 0..h {
        for x in 0..w {
            out[y * w + x] = field[padded(x, y)];
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn straight_ridges_grow_across_the_whole_area_at_the_requested_period() {
        let (w, h) = (120u32, 100u32);
        let n = (w * h) as usize;
        let ridges = grow(
            w,
            h,
            &vec![0.0; n],
            &vec![9.0; n],
            &vec![true; n],
            GrowthSettings::default(),
            &mut SimRng::new(1),
        );
        // Ridges run along x, so a column crosses them: sign changes every half period.
        let column: Vec<f32> = (10..90).map(|y| ridges[y * w as usize + 60]).collect();
        let crossings = column
            .windows(2)
            .filter(|p| (p[0] > 0.0) != (p[1] > 0.0))
            .count();
        assert!((14..=22).contains(&crossings), "crossings {crossings}");
        let saturated = ridges.iter().filter(|v| v.abs() > 0.5).count();
        assert!(saturated > n / 2, "saturated {saturated} of {n}");
    }

    #[test]
    fn nothing_grows_outside_the_active_area() {
        let (w, h) = (40u32, 40u32);
        let n = (w * h) as usize;
        let active: Vec<bool> = (0..n).map(|i| i % 40 < 20).collect();
        let ridges = grow(
            w,
            h,
            &vec![0.5; n],
            &vec![9.0; n],
            &active,
            GrowthSettings::default(),
            &mut SimRng::new(2),
        );
        assert!(ridges.iter().zip(&active).all(|(v, &a)| a || *v == 0.0));
    }
}
