//! Orientation Flow (OF): NIST's local orientation quality from angle differences between
//! neighbouring local regions.
//!
//! Contract: on the [`LocalGrid`] orientations (zero-padded by one region), each region's mean
//! circular absolute angle difference to its 8 neighbours is kept when it exceeds 4 degrees and
//! the whole 3x3 neighbourhood is foreground, mapped to `(diff - 4°) / 86°`, in row-major order.

use super::segment::LocalGrid;

/// Minimum angle change counted, degrees.
const ANGLE_MIN_DEG: f64 = 4.0;

/// OF values, in NIST's order.
pub(crate) fn values(grid: &LocalGrid) -> Vec<f64> {
    let (rows, cols) = (grid.rows, grid.cols);
    let deg2rad = std::f64::consts::PI / 180.0;
    let three_sixty = deg2rad * 360.0;
    let angdiff = (90.0 - ANGLE_MIN_DEG) * deg2rad;
    let angmin = ANGLE_MIN_DEG * deg2rad;
    let orient = |i: i64, j: i64| -> f64 {
        if i < 0 || j < 0 || i >= rows as i64 || j >= cols as i64 {
            0.0
        } else {
            grid.regions[i as usize * cols + j as usize].orientation
        }
    };
    let fg = |i: i64, j: i64| -> bool {
        i >= 0
            && j >= 0
            && i < rows as i64
            && j < cols as i64
            && grid.regions[i as usize * cols + j as usize].foreground
    };
    let mut out = Vec::new();
    for i in 0..rows as i64 {
        for j in 0..cols as i64 {
            let centre = orient(i, j);
            let mut sum = 0.0;
            let mut all_fg = true;
            for di in -1..=1 {
                for dj in -1..=1 {
                    let d = (centre - orient(i + di, j + dj)).abs();
                    sum += d.min(three_sixty - d);
                    all_fg &= fg(i + di, j + dj);
                }
            }
            let loq = sum * (1.0 / 8.0);
            if loq > angmin && all_fg {
                out.push((loq - angmin) / angdiff);
            }
        }
    }
    out
}
