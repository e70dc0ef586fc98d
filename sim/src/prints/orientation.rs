//! The ridge orientation field of a master: the Sherlock–Monro zero-pole model with the
//! Vizcaya–Gerhardt piecewise-linear correction, or a smooth bump for plain arches.
//!
//! Contract: `angle(x, y)` is the ridge direction at a master pixel, in radians, measured from
//! the x axis towards +y (image rows grow downwards), defined modulo pi. Around a core it turns
//! by +pi, around a delta by -pi; far from the singular points ridges run across the finger.

use std::f64::consts::PI;

use super::class::{FingerClass, SingularPoints};
use crate::rng::SimRng;

/// Knots of the Vizcaya–Gerhardt correction: the eight directions around a singular point.
const KNOTS: usize = 8;

/// A piecewise-linear warp g of the angle around one singular point, with g(-pi) = -pi and
/// g(pi) = pi so that the field stays continuous.
#[derive(Debug, Clone, PartialEq)]
struct Correction([f64; KNOTS + 1]);

impl Correction {
    fn random(rng: &mut SimRng, amplitude: f64) -> Self {
        let mut knots = [0.0; KNOTS + 1];
        for (i, k) in knots.iter_mut().enumerate() {
            let base = -PI + 2.0 * PI * i as f64 / KNOTS as f64;
            let jitter = if i == 0 || i == KNOTS {
                0.0
            } else {
                rng.range_f(-amplitude, amplitude)
            };
            *k = base + jitter;
        }
        Self(knots)
    }

    fn apply(&self, alpha: f64) -> f64 {
        let t = ((alpha + PI) / (2.0 * PI) * KNOTS as f64).clamp(0.0, KNOTS as f64);
        let i = (t.floor() as usize).min(KNOTS - 1);
        let f = t - i as f64;
        self.0[i] * (1.0 - f) + self.0[i + 1] * f
    }
}

/// The orientation model of one master.
#[derive(Debug, Clone, PartialEq)]
pub struct OrientationModel {
    cores: Vec<((f64, f64), Correction)>,
    deltas: Vec<((f64, f64), Correction)>,
    /// Plain arch: centre column, bump height at the top, bump width, image height.
    arch: Option<(f64, f64, f64, f64)>,
    /// Individual low-frequency swirl of the flow: (amplitude, wave vector x, y, phase).
    waves: [(f64, f64, f64, f64); 3],
}

impl OrientationModel {
    /// The model for `class` with singular points `points` in a `width` x `height` master.
    pub fn new(
        class: FingerClass,
        points: &SingularPoints,
        width: u32,
        height: u32,
        rng: &mut SimRng,
    ) -> Self {
        let (w, h) = (f64::from(width), f64::from(height));
        let mut correct = |p: &(f64, f64)| (*p, Correction::random(rng, 0.5));
        let cores = points.cores.iter().map(&mut correct).collect();
        let deltas = points.deltas.iter().map(&mut correct).collect();
        let arch = (class == FingerClass::Arch).then(|| {
            (
                w * rng.range_f(0.45, 0.55),
                rng.range_f(0.9, 1.6),
                w * rng.range_f(0.16, 0.24),
                h,
            )
        });
        // Fingers of one class differ in more than their singular points: a gentle random
        // bend of the flow keeps same-class fingers from sharing their minutiae geometry.
        let waves = [0; 3].map(|_| {
            let k = rng.range_f(1.0 / 350.0, 1.0 / 120.0) * std::f64::consts::TAU;
            let dir = rng.range_f(0.0, PI);
            (
                rng.range_f(0.05, 0.14),
                k * dir.cos(),
                k * dir.sin(),
                rng.range_f(0.0, std::f64::consts::TAU),
            )
        });
        Self {
            cores,
            deltas,
            arch,
            waves,
        }
    }

    /// Ridge direction at (`x`, `y`), modulo pi.
    pub fn angle(&self, x: f64, y: f64) -> f64 {
        let bend: f64 = self
            .waves
            .iter()
            .map(|&(a, kx, ky, p)| a * (kx * x + ky * y + p).sin())
            .sum();
        self.model_angle(x, y) + bend
    }

    /// The class model alone, without the individual bend.
    fn model_angle(&self, x: f64, y: f64) -> f64 {
        if let Some((cx, steepness, width, height)) = self.arch {
            // Ridges follow y = y0 - A(y0) exp(-(x-cx)^2 / 2s^2), a bump that flattens towards
            // the bottom of the finger.
            let u = (x - cx) / width;
            let strength = steepness * (1.0 - y / height).clamp(0.0, 1.0);
            return (strength * u * (-u * u / 2.0).exp()).atan();
        }
        let turn = |list: &[((f64, f64), Correction)]| {
            list.iter()
                .map(|((px, py), g)| g.apply((y - py).atan2(x - px)))
                .sum::<f64>()
        };
        0.5 * (turn(&self.cores) - turn(&self.deltas))
    }

    /// The field at every pixel of a `width` x `height` master, row-major.
    pub fn field(&self, width: u32, height: u32) -> Vec<f32> {
        let mut out = Vec::with_capacity(width as usize * height as usize);
        for y in 0..height {
            for x in 0..width {
                out.push(self.angle(f64::from(x), f64::from(y)) as f32);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prints::class::singular_points;

    /// Orientation difference modulo pi, in [0, pi/2].
    fn diff(a: f64, b: f64) -> f64 {
        let d = (a - b).rem_euclid(PI);
        d.min(PI - d)
    }

    #[test]
    fn ridges_run_across_the_finger_above_a_loop_core_and_far_below_its_delta() {
        let mut rng = SimRng::new(5);
        let points = singular_points(FingerClass::LeftLoop, 416, 560, &mut rng);
        let model = OrientationModel::new(FingerClass::LeftLoop, &points, 416, 560, &mut rng);
        let (cx, cy) = points.cores[0];
        assert!(diff(model.angle(cx, cy - 40.0), 0.0) < 0.5);
        let lowest = points.deltas[0].1.max(cy);
        assert!(diff(model.angle(cx, lowest + 400.0), 0.0) < 0.3);
    }

    #[test]
    fn the_field_turns_by_half_a_turn_around_a_core() {
        let mut rng = SimRng::new(6);
        let points = singular_points(FingerClass::TentedArch, 416, 560, &mut rng);
        let model = OrientationModel::new(FingerClass::TentedArch, &points, 416, 560, &mut rng);
        let (cx, cy) = points.cores[0];
        // Unwrap the doubled angle along a small circle around the core.
        let steps = 64;
        let mut total = 0.0;
        let mut last = 2.0 * model.angle(cx + 10.0, cy);
        for i in 1..=steps {
            let a = 2.0 * PI * f64::from(i) / f64::from(steps);
            let now = 2.0 * model.angle(cx + 10.0 * a.cos(), cy + 10.0 * a.sin());
            let mut d = now - last;
            d -= (d / (2.0 * PI)).round() * 2.0 * PI;
            total += d;
            last = now;
        }
        assert!((total - 2.0 * PI).abs() < 0.2, "winding {total}");
    }

    #[test]
    fn a_plain_arch_has_level_ridges_at_its_centre_and_bottom() {
        let mut rng = SimRng::new(7);
        let model = OrientationModel::new(
            FingerClass::Arch,
            &SingularPoints::default(),
            416,
            560,
            &mut rng,
        );
        let (cx, _, _, _) = model.arch.expect("an arch model");
        assert!(diff(model.model_angle(cx, 200.0), 0.0) < 0.05);
        assert!(diff(model.model_angle(100.0, 559.0), 0.0) < 0.05);
        // The individual bend stays gentle.
        assert!(diff(model.angle(cx, 200.0), 0.0) < 0.45);
    }
}
