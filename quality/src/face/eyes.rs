//! Eye finder for detectors without landmarks (SeetaFace): each eye is the strongest dark spot
//! with brighter surroundings left and right (iris between the whites of the eye and the skin)
//! in its half of the upper face box, weighted towards where eyes sit in such boxes.
//!
//! Contract: works on the luma image (through its integral image) at the detector's box; returns image-left then image-right
//! eye in image pixels, or `None` when the box is too small (under 24 pixels) to search.
//!
//! Why this method: it needs only box sums (an integral image), so it costs well under a
//! millisecond per face; it was checked against the known eye positions of the simulated
//! portraits and the real portraits in `../shared/data/faces` (see the face tests).

use super::detect::{FaceBox, Point};
use crate::image::Integral;

/// Where eye centres sit in a SeetaFace box, as fractions of its size: measured on the
/// simulated portraits (0.29 / 0.70, 0.335) and real portraits.
const EXPECTED_X: [f64; 2] = [0.30, 0.70];
const EXPECTED_Y: f64 = 0.35;

/// Finds both eyes inside `bbox` of the luma image whose integral image is `table`.
pub fn locate(table: &Integral, bbox: &FaceBox) -> Option<(Point, Point)> {
    if bbox.width < 24.0 || bbox.height < 24.0 {
        return None;
    }
    let s = bbox.width;
    let half = |side: usize| -> Option<Point> {
        // Iris-sized core and the eye-wide band around it.
        let core = (s * 0.035).max(1.0);
        let (band_w, band_h) = (s * 0.11, (s * 0.035).max(1.0));
        let step = (s / 120.0).max(1.0);
        let (x0, x1) = (
            bbox.x + s * (EXPECTED_X[side] - 0.17),
            bbox.x + s * (EXPECTED_X[side] + 0.17),
        );
        let (y0, y1) = (bbox.y + s * 0.25, bbox.y + s * 0.50);
        let mut best: Option<(f64, f64, f64)> = None;
        let mut y = y0;
        while y <= y1 {
            let mut x = x0;
            while x <= x1 {
                let (xi, yi) = (x as i64, y as i64);
                let c = core as i64;
                let centre = table.mean(xi - c, yi - c, xi + c + 1, yi + c + 1)?;
                let bw = band_w as i64;
                let bh = band_h as i64;
                let left = table.mean(xi - bw, yi - bh, xi - c, yi + bh + 1)?;
                let right = table.mean(xi + c + 1, yi - bh, xi + bw + 1, yi + bh + 1)?;
                // Skin below the eye is brighter than the iris; a brow has skin below it too,
                // but no bright sides, so the side term separates them.
                let below = table.mean(xi - c, yi + 2 * c, xi + c + 1, yi + 5 * c)?;
                let contrast = left.min(right) - centre + 0.5 * (below - centre);
                let dx = (x - (bbox.x + s * EXPECTED_X[side])) / (s * 0.17);
                // Vertical prior is tighter: a brow (or, with eyes shut, the lash line below it)
                // is another dark bar about 0.1 box heights from the eye.
                let dy = (y - (bbox.y + s * EXPECTED_Y)) / (s * 0.10);
                let prior = 1.0 - 0.35 * (dx * dx + dy * dy);
                let response = contrast * prior;
                if best.is_none_or(|b| response > b.0) {
                    best = Some((response, x, y));
                }
                x += step;
            }
            y += step;
        }
        let (_, bx, by) = best?;
        Some(refine(table, s, bx, by))
    };
    Some((half(0)?, half(1)?))
}

/// Moves a found eye to the darkest iris-sized spot near it: the band search can settle between
/// iris and lid corner when the eye is narrowed (smiling).
fn refine(table: &Integral, s: f64, x0: f64, y0: f64) -> Point {
    let core = (s * 0.025).max(1.0) as i64;
    let step = (s / 200.0).max(1.0);
    let mut best = (f64::INFINITY, x0, y0);
    let mut y = y0 - 0.03 * s;
    while y <= y0 + 0.03 * s {
        let mut x = x0 - 0.06 * s;
        while x <= x0 + 0.06 * s {
            let (xi, yi) = (x as i64, y as i64);
            if let Some(m) = table.mean(xi - core, yi - core, xi + core + 1, yi + core + 1) {
                // A slight pull to the band search's answer breaks ties on flat dark areas.
                let v = m + 8.0 * ((x - x0).abs() / (0.06 * s));
                if v < best.0 {
                    best = (v, x, y);
                }
            }
            x += step;
        }
        y += step;
    }
    Point {
        x: best.1,
        y: best.2,
    }
}
