//! The fingertip silhouette of a master, as SFinGe models it: an upper half-ellipse, a
//! rectangle and a lower half-ellipse, each side with its own width.
//!
//! Contract: the silhouette fits inside the master image it was made for; `depth(x, y)` is an
//! approximate distance in pixels from the outline (positive inside, negative outside), and
//! `coverage` a soft 0-1 mask from it.

use crate::rng::SimRng;

/// Width in pixels of the soft edge of the silhouette.
const EDGE: f64 = 4.0;

/// A fingertip outline.
#[derive(Debug, Clone, PartialEq)]
pub struct Silhouette {
    cx: f64,
    cy: f64,
    left: f64,
    right: f64,
    top: f64,
    middle: f64,
    bottom: f64,
}

impl Silhouette {
    /// A random fingertip filling most of a `width` x `height` master.
    pub fn random(width: u32, height: u32, rng: &mut SimRng) -> Self {
        let (w, h) = (f64::from(width), f64::from(height));
        let top = h * rng.range_f(0.27, 0.34);
        let middle = h * rng.range_f(0.10, 0.18);
        let bottom = h * rng.range_f(0.32, 0.40);
        let total = top + middle + bottom;
        let margin = (h - total).max(0.0);
        Self {
            cx: w * 0.5 + rng.range_f(-0.02, 0.02) * w,
            // Centre of the rectangle: the outline starts just below the top of the image.
            cy: margin * rng.range_f(0.2, 0.6) + top + middle / 2.0,
            left: w * rng.range_f(0.37, 0.45),
            right: w * rng.range_f(0.37, 0.45),
            top,
            middle,
            bottom,
        }
    }

    /// Approximate signed distance from the outline, in pixels (positive inside).
    pub fn depth(&self, x: f64, y: f64) -> f64 {
        let dx = x - self.cx;
        let a = if dx < 0.0 { self.left } else { self.right };
        let upper = self.cy - self.middle / 2.0;
        let lower = self.cy + self.middle / 2.0;
        let (dy, b) = if y < upper {
            (y - upper, self.top)
        } else if y > lower {
            (y - lower, self.bottom)
        } else {
            (0.0, self.bottom)
        };
        // First-order distance to the ellipse f = 0: -f / |grad f|, exact near the outline.
        let f = (dx / a).powi(2) + (dy / b).powi(2) - 1.0;
        let grad = 2.0 * ((dx / (a * a)).powi(2) + (dy / (b * b)).powi(2)).sqrt();
        if grad < 1e-9 {
            return a.min(b);
        }
        (-f / grad).min(a.min(b))
    }

    /// Soft inside-ness in [0, 1].
    pub fn coverage(&self, x: f64, y: f64) -> f64 {
        (self.depth(x, y) / EDGE).clamp(0.0, 1.0)
    }

    /// The centre of the fingertip's contact area (the middle of the rectangle).
    pub fn centre(&self) -> (f64, f64) {
        (self.cx, self.cy)
    }

    /// Half-width and half-height of the outline's bounding box.
    pub fn half_extent(&self) -> (f64, f64) {
        (
            (self.left + self.right) / 2.0,
            (self.top + self.middle + self.bottom) / 2.0,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_silhouette_covers_the_middle_and_not_the_corners() {
        for seed in 0..10 {
            let s = Silhouette::random(416, 560, &mut SimRng::new(seed));
            let (cx, cy) = s.centre();
            assert_eq!(s.coverage(cx, cy), 1.0);
            for (x, y) in [(0.0, 0.0), (415.0, 0.0), (0.0, 559.0), (415.0, 559.0)] {
                assert_eq!(s.coverage(x, y), 0.0, "corner ({x}, {y})");
            }
            let area = (0..560)
                .flat_map(|y| (0..416).map(move |x| (x, y)))
                .filter(|&(x, y)| s.coverage(f64::from(x), f64::from(y)) > 0.5)
                .count();
            let fraction = area as f64 / (416.0 * 560.0);
            assert!((0.45..0.85).contains(&fraction), "fraction {fraction}");
        }
    }
}
