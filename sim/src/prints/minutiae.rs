//! The minutiae of a master, read back from its grown ridges: binarise, thin to one-pixel
//! skeletons (Zhang–Suen), and classify skeleton pixels by their crossing number.
//!
//! Contract: [`extract`] reports ridge endings (crossing number 1) and bifurcations (3) at least
//! [`EDGE_CLEARANCE`] pixels inside the silhouette, dropping pairs closer than [`MIN_SPACING`]
//! (spurs and bridges of the skeleton, not features of the finger). The direction of a minutia
//! is the local ridge direction modulo pi, plus pi for bifurcations, so the two kinds never pair.

use std::f64::consts::PI;

/// Minutiae closer than this to the outline are artefacts of the cut-off ridges.
pub const EDGE_CLEARANCE: f64 = 14.0;
/// Minutiae closer together than this are removed in pairs.
pub const MIN_SPACING: f64 = 6.0;

/// Ridge ending or bifurcation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MinutiaKind {
    /// A ridge ends.
    Ending,
    /// A ridge forks.
    Bifurcation,
}

/// One minutia in master coordinates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Minutia {
    /// Column.
    pub x: f64,
    /// Row.
    pub y: f64,
    /// Ridge direction modulo pi, plus pi for bifurcations (0 to 2 pi).
    pub direction: f64,
    /// Ending or bifurcation.
    pub kind: MinutiaKind,
}

/// The 8 neighbours of a pixel, clockwise from north.
const RING: [(i32, i32); 8] = [
    (0, -1),
    (1, -1),
    (1, 0),
    (1, 1),
    (0, 1),
    (-1, 1),
    (-1, 0),
    (-1, -1),
];

fn neighbours(img: &[bool], w: usize, h: usize, x: usize, y: usize) -> [bool; 8] {
    RING.map(|(dx, dy)| {
        let (nx, ny) = (x as i32 + dx, y as i32 + dy);
        nx >= 0
            && ny >= 0
            && (nx as usize) < w
            && (ny as usize) < h
            && img[ny as usize * w + nx as usize]
    })
}

/// Zhang–Suen thinning of a binary image, in place.
fn thin(img: &mut [bool], w: usize, h: usize) {
    let mut changed = true;
    let mut remove = Vec::new();
    while changed {
        changed = false;
        for step in 0..2 {
            remove.clear();
            for y in 0..h {
                for x in 0..w {
                    if !img[y * w + x] {
                        continue;
                    }
                    let p = neighbours(img, w, h, x, y);
                    let b = p.iter().filter(|&&v| v).count();
                    let a = (0..8).filter(|&i| !p[i] && p[(i + 1) % 8]).count();
                    let (n, e, s, west) = (p[0], p[2], p[4], p[6]);
                    let ok = if step == 0 {
                        !(e && s && (n || west))
                    } else {
                        !(n && west && (e || s))
                    };
                    if (2..=6).contains(&b) && a == 1 && ok {
                        remove.push(y * w + x);
                    }
                }
            }
            for &i in &remove {
                img[i] = false;
            }
            changed |= !remove.is_empty();
        }
    }
}

/// The minutiae of grown `ridges` (positive on ridges) over a `width` x `height` master, given
/// the silhouette `depth` (pixels inside the outline) and ridge `orientation` per pixel.
pub fn extract(
    ridges: &[f32],
    depth: &[f32],
    orientation: &[f32],
    width: u32,
    height: u32,
) -> Vec<Minutia> {
    let (w, h) = (width as usize, height as usize);
    let mut img: Vec<bool> = (0..w * h)
        .map(|i| {
            ridges.get(i).copied().unwrap_or(0.0) > 0.0
                && depth.get(i).copied().unwrap_or(0.0) > 0.0
        })
        .collect();
    thin(&mut img, w, h);
    let mut found = Vec::new();
    for y in 1..h.saturating_sub(1) {
        for x in 1..w.saturating_sub(1) {
            let i = y * w + x;
            if !img[i] || f64::from(depth[i]) < EDGE_CLEARANCE {
                continue;
            }
            let p = neighbours(&img, w, h, x, y);
            let crossing = (0..8).filter(|&k| p[k] != p[(k + 1) % 8]).count() / 2;
            let kind = match crossing {
                1 => MinutiaKind::Ending,
                3 => MinutiaKind::Bifurcation,
                _ => continue,
            };
            let ridge = f64::from(orientation[i]).rem_euclid(PI);
            found.push(Minutia {
                x: x as f64,
                y: y as f64,
                direction: ridge
                    + if kind == MinutiaKind::Bifurcation {
                        PI
                    } else {
                        0.0
                    },
                kind,
            });
        }
    }
    let close = |a: &Minutia, b: &Minutia| (a.x - b.x).hypot(a.y - b.y) < MIN_SPACING;
    found
        .iter()
        .enumerate()
        .filter(|(i, m)| {
            !found
                .iter()
                .enumerate()
                .any(|(j, other)| j != *i && close(m, other))
        })
        .map(|(_, m)| *m)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ridge_that_stops_has_an_ending_and_a_fork_a_bifurcation() {
        let (w, h) = (80usize, 60usize);
        let mut ridges = vec![-1f32; w * h];
        // A horizontal ridge from x=10 to x=45, and a Y: a stem forking into two branches.
        for x in 10..46 {
            for y in 14..17 {
                ridges[y * w + x] = 1.0;
            }
        }
        for x in 20..50 {
            for y in 38..41 {
                ridges[y * w + x] = 1.0;
            }
        }
        for x in 50..75 {
            let d = (x - 50) / 2;
            for y in [38 - d, 39 - d, 39 + d, 40 + d] {
                ridges[y * w + x] = 1.0;
            }
        }
        let depth = vec![100f32; w * h];
        let found = extract(&ridges, &depth, &vec![0.0; w * h], w as u32, h as u32);
        let endings = found
            .iter()
            .filter(|m| m.kind == MinutiaKind::Ending)
            .count();
        let forks: Vec<_> = found
            .iter()
            .filter(|m| m.kind == MinutiaKind::Bifurcation)
            .collect();
        assert!(endings >= 2, "{found:?}");
        assert_eq!(forks.len(), 1, "{found:?}");
        assert!((forks[0].x - 50.0).abs() < 4.0 && (forks[0].y - 39.0).abs() < 3.0);
        assert!(forks[0].direction >= PI);
    }
}
