//! The ridge-period map of a master: about 9 pixels between ridge centres at 500 ppi (0.46 mm),
//! varying smoothly over the finger.
//!
//! Contract: `period(x, y)` lies within [`MIN_PERIOD`], [`MAX_PERIOD`] everywhere and changes by
//! well under a pixel over one ridge, so the Gabor growth never sees a jump. As SFinGe observes
//! on real fingers, ridges lie a little wider apart above the cores than below the deltas.

use super::class::SingularPoints;
use crate::rng::SimRng;

/// Smallest ridge period produced, in pixels at 500 ppi.
pub const MIN_PERIOD: f64 = 7.0;
/// Largest ridge period produced, in pixels at 500 ppi.
pub const MAX_PERIOD: f64 = 12.0;

/// The period model of one master.
#[derive(Debug, Clone, PartialEq)]
pub struct PeriodMap {
    base: f64,
    /// Row of the transition between the wider upper and narrower lower ridges.
    split: f64,
    /// Relative change across that transition.
    tilt: f64,
    /// Low-frequency waves: (amplitude in px, wave vector x, wave vector y, phase).
    waves: [(f64, f64, f64, f64); 3],
}

impl PeriodMap {
    /// A random period map for a master of height `height` with singular points `points`.
    pub fn new(points: &SingularPoints, height: u32, rng: &mut SimRng) -> Self {
        let split = points
            .cores
            .iter()
            .map(|p| p.1)
            .fold(None, |acc: Option<f64>, y| {
                Some(acc.map_or(y, |a| a.min(y)))
            })
            .unwrap_or(f64::from(height) * 0.4);
        let waves = [0; 3].map(|_| {
            let k = rng.range_f(1.0 / 400.0, 1.0 / 150.0) * std::f64::consts::TAU;
            let dir = rng.range_f(0.0, std::f64::consts::PI);
            (
                rng.range_f(0.1, 0.3),
                k * dir.cos(),
                k * dir.sin(),
                rng.range_f(0.0, std::f64::consts::TAU),
            )
        });
        Self {
            base: rng.range_f(8.4, 9.8),
            split,
            tilt: rng.range_f(0.04, 0.09),
            waves,
        }
    }

    /// Ridge period at (`x`, `y`) in pixels.
    pub fn period(&self, x: f64, y: f64) -> f64 {
        let upper = self.tilt * ((self.split - y) / 80.0).tanh();
        let wave: f64 = self
            .waves
            .iter()
            .map(|&(a, kx, ky, p)| a * (kx * x + ky * y + p).sin())
            .sum();
        (self.base * (1.0 + upper) + wave).clamp(MIN_PERIOD, MAX_PERIOD)
    }

    /// The map at every pixel of a `width` x `height` master, row-major.
    pub fn field(&self, width: u32, height: u32) -> Vec<f32> {
        let mut out = Vec::with_capacity(width as usize * height as usize);
        for y in 0..height {
            for x in 0..width {
                out.push(self.period(f64::from(x), f64::from(y)) as f32);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_period_is_about_nine_pixels_and_varies_smoothly() {
        for seed in 0..20 {
            let mut rng = SimRng::new(seed);
            let map = PeriodMap::new(&SingularPoints::default(), 560, &mut rng);
            let field = map.field(416, 560);
            let mean = field.iter().map(|&p| f64::from(p)).sum::<f64>() / field.len() as f64;
            assert!((8.0..10.5).contains(&mean), "mean period {mean}");
            for y in (0..560).step_by(7) {
                for x in 0..415 {
                    let i = y * 416 + x;
                    assert!((field[i + 1] - field[i]).abs() < 0.05);
                }
            }
        }
    }
}
