//! Plastic distortion of the skin, after Cappelli, Maio and Maltoni (2001): where the finger
//! first touches the platen (region R1) the skin does not move; far from it (R3) it follows a
//! small rotation and translation as the finger is pressed and dragged; in between (R2) the
//! displacement grows smoothly, controlled by a brake function.
//!
//! Contract: [`Distortion::apply`] maps a point in finger coordinates to the master point that
//! shows there: the identity inside R1, continuous and smooth everywhere, and
//! [`Distortion::none`] is the identity.

use crate::rng::SimRng;

/// One impression's skin distortion.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Distortion {
    /// Centre of the undistorted region R1, in finger coordinates.
    pub centre: (f64, f64),
    /// Radius of R1 in pixels.
    pub radius: f64,
    /// Brake distance: how quickly the displacement sets in outside R1, in pixels.
    pub brake: f64,
    /// Rotation of the far skin, radians.
    pub rotation: f64,
    /// Translation of the far skin, pixels.
    pub shift: (f64, f64),
}

impl Distortion {
    /// No distortion.
    pub fn none() -> Self {
        Self {
            centre: (0.0, 0.0),
            radius: 0.0,
            brake: 1.0,
            rotation: 0.0,
            shift: (0.0, 0.0),
        }
    }

    /// A random distortion for a fingertip of half-size `extent`; `strength` 0 gives none,
    /// 1 the strongest seen in ordinary plain impressions (a few degrees, ten or so pixels).
    pub fn random(rng: &mut SimRng, extent: (f64, f64), strength: f64) -> Self {
        let s = strength.clamp(0.0, 2.0);
        let scale = extent.0.min(extent.1);
        Self {
            centre: (
                rng.range_f(-0.15, 0.15) * extent.0,
                rng.range_f(-0.1, 0.2) * extent.1,
            ),
            radius: scale * rng.range_f(0.35, 0.5),
            brake: scale * rng.range_f(0.3, 0.45),
            rotation: (rng.range_f(-4.0, 4.0) * s).to_radians(),
            shift: (
                rng.range_f(-0.05, 0.05) * scale * s,
                rng.range_f(-0.05, 0.05) * scale * s,
            ),
        }
    }

    /// The master point (finger coordinates) shown at finger point `q`.
    pub fn apply(&self, q: (f64, f64)) -> (f64, f64) {
        let (dx, dy) = (q.0 - self.centre.0, q.1 - self.centre.1);
        let outside = (dx.hypot(dy) - self.radius).max(0.0);
        if outside == 0.0 {
            return q;
        }
        let b = 1.0 - (-(outside * outside) / (2.0 * self.brake * self.brake)).exp();
        let (sin, cos) = self.rotation.sin_cos();
        let moved = (
            cos * dx - sin * dy + self.shift.0 - dx,
            sin * dx + cos * dy + self.shift.1 - dy,
        );
        (q.0 + moved.0 * b, q.1 + moved.1 * b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_contact_region_does_not_move_and_the_rest_moves_smoothly() {
        let d = Distortion::random(&mut SimRng::new(3), (170.0, 230.0), 1.5);
        assert_eq!(d.apply(d.centre), d.centre);
        let inside = (d.centre.0 + d.radius * 0.9, d.centre.1);
        assert_eq!(d.apply(inside), inside);
        let mut last = d.apply((-200.0, 0.0));
        for i in 1..=400 {
            let q = (-200.0 + f64::from(i), 0.0);
            let p = d.apply(q);
            assert!((p.0 - last.0).hypot(p.1 - last.1) < 1.5, "jump at {q:?}");
            last = p;
        }
        assert_eq!(Distortion::none().apply((12.0, -7.0)), (12.0, -7.0));
    }
}
