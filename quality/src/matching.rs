//! Fingerprint comparison: how strongly two minutiae sets look like the same finger.
//!
//! Method: Minutia Cylinder-Code (Cappelli, Ferrara, Maltoni, IEEE TPAMI 32(12), 2010). Each
//! minutia gets a cylinder, a 16 x 16 x 6 grid of cells over a disc of radius 70 px around it,
//! turned to the minutia's direction: each cell sums the Gaussian spatial contribution of the
//! neighbouring minutiae times the directional contribution of their relative direction, squashed
//! by a sigmoid. Cells outside the print (the convex hull of the minutiae, enlarged by 50 px) are
//! invalid, as are cylinders with too few valid cells or neighbours. Two cylinders compare by the
//! normalised distance of their values over the cells valid in both; the global score is Local
//! Similarity Sort with Relaxation (LSS-R): the best one-to-one local pairs are reinforced by
//! their geometric compatibility with the others, and the mean of the most efficient ones is the
//! score. Parameters are the paper's, except that at most 20 pairs are relaxed (see
//! `MAX_RELAXED`).
//!
//! Scale: 0 (nothing in common) to 1 (identical sets). A template compared with itself scores
//! just under 1 (the relaxation's compatibility of identical pairs is a sigmoid, 0.9997).
//! [`SAME_FINGER_THRESHOLD`] (0.12) is the decision point, chosen from simulated and real prints
//! (`tests/tests/matcher.rs`): on 40 good simulated genuine pairs the lowest score was 0.58, on
//! 1560 simulated impostor pairs the highest 0.072, on 135 real same-person impostor pairs (NIST's
//! ink tenprint card) the highest 0.036. Dry and noisy impressions often fall below it (see the
//! test's report), and plain ink slaps against rolled ink prints mostly do: the check catches a
//! finger presented twice on a live scanner, not every poor-quality repeat.
//!
//! Use: the within-enrollment duplicate check (a hand placed twice, one finger presented as
//! another). It is not a registry deduplication matcher.
//!
//! Contract: pure; `compare` is symmetric up to rounding (ties broken by index); an empty
//! template or one whose cylinders are all invalid scores 0 against anything; work is bounded by
//! keeping at most [`MAX_MINUTIAE`] minutiae (the highest-quality ones) per template.

use std::f32::consts::{PI, TAU};

use crate::minutiae::Minutia;

/// Score from which two prints are taken for the same finger (see the module docs and
/// `tests/tests/matcher.rs` for the distributions it was chosen from).
pub const SAME_FINGER_THRESHOLD: f64 = 0.12;

/// Minutiae kept per template (the highest-quality ones): bounds a comparison to
/// `MAX_MINUTIAE^2` cylinder comparisons.
pub const MAX_MINUTIAE: usize = 100;

/// Cylinder radius, pixels at 500 ppi.
const R: f32 = 70.0;
/// Cells along each side of the cylinder's base.
const NS: usize = 16;
/// Cells along its height (directions).
const ND: usize = 6;
const CELLS: usize = NS * NS * ND;
const DELTA_S: f32 = 2.0 * R / NS as f32;
const DELTA_D: f32 = TAU / ND as f32;
/// Spatial Gaussian standard deviation.
const SIGMA_S: f32 = 28.0 / 3.0;
/// Directional Gaussian standard deviation.
const SIGMA_D: f32 = 2.0 * PI / 9.0;
/// Sigmoid squashing the summed contributions of a cell.
const MU_PSI: f32 = 0.01;
const TAU_PSI: f32 = 400.0;
/// The print's area: convex hull of the minutiae enlarged by this many pixels.
const OMEGA: f32 = 50.0;
/// A cylinder is valid with at least this fraction of valid cells...
const MIN_VC: f32 = 0.75;
/// ... and at least this many other minutiae inside it.
const MIN_M: usize = 2;
/// Two cylinders compare only over at least this fraction of cells valid in both.
const MIN_ME: f32 = 0.6;
/// Minutiae whose directions differ more than this are not compared.
const DELTA_THETA: f32 = PI / 2.0;
/// How many local pairs make the global score: `MIN_NP..=MAX_NP`, by the smaller set's size.
const MIN_NP: f32 = 4.0;
const MAX_NP: f32 = 12.0;
const MU_P: f32 = 20.0;
const TAU_P: f32 = 0.4;
/// Relaxation works on at most this many pairs (the best one-to-one local pairs). The paper
/// relaxes `min(nA, nB)` pairs; with FingerJet FX on dry, noisy or inked prints most of those are
/// spurious and dilute the support true pairs give each other (on simulated prints, capping at 20
/// raised the lowest good genuine score from 0.41 to 0.58, the median dry/noisy ones 2-3 fold,
/// with impostors still below 0.08).
const MAX_RELAXED: usize = 20;
/// Relaxation: iterations, weight of the previous value, compatibility sigmoids.
const N_REL: usize = 5;
const W_R: f32 = 0.5;
const MU_RHO1: f32 = 5.0;
const TAU_RHO1: f32 = -1.6;
const MU_RHO2: f32 = PI / 12.0;
const TAU_RHO2: f32 = -30.0;
const MU_RHO3: f32 = PI / 12.0;
const TAU_RHO3: f32 = -30.0;

/// One minutia as matched: position in pixels at 500 ppi with y growing upwards (so the
/// direction is an ordinary counter-clockwise angle) and direction in radians.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Point {
    x: f32,
    y: f32,
    theta: f32,
}

/// A minutia's cylinder: cell values (0 where invalid) and validity as 0/1 factors, so that the
/// comparison is plain multiply-adds.
#[derive(Debug, Clone, PartialEq)]
struct Cylinder {
    /// Index into the template's points.
    point: usize,
    values: Vec<f32>,
    valid: Vec<f32>,
    /// Validity as bits, to count the cells valid in both with popcounts.
    bits: Vec<u64>,
}

/// A finger's minutiae ready for comparison: the minutiae (as FingerJet FX reports them, the
/// content of an ISO/IEC 19794-2 record) and their cylinders.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    /// The minutiae kept (at most [`MAX_MINUTIAE`], best quality first).
    pub minutiae: Vec<Minutia>,
    points: Vec<Point>,
    cylinders: Vec<Cylinder>,
}

impl Template {
    /// Builds the template of a print from its minutiae (any order; positions in pixels at
    /// 500 ppi, directions in FingerJet FX's 1/256 turns).
    pub fn new(minutiae: &[Minutia]) -> Template {
        let mut kept = minutiae.to_vec();
        // Stable: equal qualities keep the extractor's order.
        kept.sort_by_key(|m| std::cmp::Reverse(m.quality));
        kept.truncate(MAX_MINUTIAE);
        let points: Vec<Point> = kept
            .iter()
            .map(|m| Point {
                x: m.x as f32,
                y: -(m.y as f32),
                theta: f32::from(m.angle) * TAU / 256.0,
            })
            .collect();
        let hull = convex_hull(&points);
        let cylinders = (0..points.len())
            .filter_map(|i| cylinder(&points, i, &hull))
            .collect();
        Template {
            minutiae: kept,
            points,
            cylinders,
        }
    }

    /// Number of valid cylinders (minutiae with enough print and neighbours around them to be
    /// compared).
    pub fn valid_cylinders(&self) -> usize {
        self.cylinders.len()
    }
}

/// Difference of two angles in (-pi, pi].
fn angle_diff(a: f32, b: f32) -> f32 {
    let d = a - b;
    if d <= -PI {
        d + TAU
    } else if d > PI {
        d - TAU
    } else {
        d
    }
}

fn sigmoid(v: f32, mu: f32, tau: f32) -> f32 {
    1.0 / (1.0 + (-tau * (v - mu)).exp())
}

/// Convex hull, counter-clockwise (Andrew's monotone chain); fewer than 3 points give them back.
fn convex_hull(points: &[Point]) -> Vec<(f32, f32)> {
    let mut p: Vec<(f32, f32)> = points.iter().map(|q| (q.x, q.y)).collect();
    p.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    p.dedup();
    if p.len() < 3 {
        return p;
    }
    let cross = |o: (f32, f32), a: (f32, f32), b: (f32, f32)| {
        (a.0 - o.0) * (b.1 - o.1) - (a.1 - o.1) * (b.0 - o.0)
    };
    let mut hull: Vec<(f32, f32)> = Vec::with_capacity(2 * p.len());
    for pass in 0..2 {
        let start = hull.len();
        let iter: Box<dyn Iterator<Item = &(f32, f32)>> = if pass == 0 {
            Box::new(p.iter())
        } else {
            Box::new(p.iter().rev())
        };
        for &q in iter {
            while hull.len() >= start + 2
                && cross(hull[hull.len() - 2], hull[hull.len() - 1], q) <= 0.0
            {
                hull.pop();
            }
            hull.push(q);
        }
        hull.pop();
    }
    hull
}

/// Whether `(x, y)` lies in the hull or within `OMEGA` of it.
fn in_print(hull: &[(f32, f32)], x: f32, y: f32) -> bool {
    let n = hull.len();
    if n == 0 {
        return false;
    }
    let mut inside = n >= 3;
    let mut nearest = f32::INFINITY;
    for i in 0..n {
        let a = hull[i];
        let b = hull[(i + 1) % n];
        let (ex, ey) = (b.0 - a.0, b.1 - a.1);
        let (px, py) = (x - a.0, y - a.1);
        if ex * py - ey * px < 0.0 {
            inside = false;
        }
        let len2 = ex * ex + ey * ey;
        let t = if len2 > 0.0 {
            ((px * ex + py * ey) / len2).clamp(0.0, 1.0)
        } else {
            0.0
        };
        let (dx, dy) = (px - t * ex, py - t * ey);
        nearest = nearest.min(dx * dx + dy * dy);
    }
    inside || nearest <= OMEGA * OMEGA
}

/// The area under the directional Gaussian over one direction cell centred `d` away from the
/// neighbour's relative direction: `erf` differences, by the Abramowitz-Stegun approximation.
fn directional(d: f32) -> f32 {
    let s = SIGMA_D * std::f32::consts::SQRT_2;
    0.5 * (erf((d + DELTA_D / 2.0) / s) - erf((d - DELTA_D / 2.0) / s))
}

fn erf(x: f32) -> f32 {
    // Abramowitz and Stegun 7.1.26, |error| < 1.5e-7.
    let t = 1.0 / (1.0 + 0.327_591_1 * x.abs());
    let y = 1.0
        - (((((1.061_405_4 * t - 1.453_152) * t) + 1.421_413_7) * t - 0.284_496_72) * t
            + 0.254_829_6)
            * t
            * (-x * x).exp();
    if x < 0.0 { -y } else { y }
}

/// The cylinder of minutia `i`, or `None` when it is invalid.
fn cylinder(points: &[Point], i: usize, hull: &[(f32, f32)]) -> Option<Cylinder> {
    let m = points[i];
    // Each neighbour with its directional contribution to every direction cell, which depends
    // only on its direction relative to the minutia.
    let neighbours: Vec<(Point, [f32; ND])> = points
        .iter()
        .enumerate()
        .filter(|&(j, q)| {
            j != i && {
                let (dx, dy) = (q.x - m.x, q.y - m.y);
                dx * dx + dy * dy <= (R + 3.0 * SIGMA_S) * (R + 3.0 * SIGMA_S)
            }
        })
        .map(|(_, q)| {
            let rel = angle_diff(m.theta, q.theta);
            let mut dir = [0f32; ND];
            for (k, d) in dir.iter_mut().enumerate() {
                let dphi_k = -PI + (k as f32 + 0.5) * DELTA_D;
                *d = directional(angle_diff(dphi_k, rel));
            }
            (*q, dir)
        })
        .collect();
    let inside = neighbours
        .iter()
        .filter(|(q, _)| {
            let (dx, dy) = (q.x - m.x, q.y - m.y);
            dx * dx + dy * dy <= R * R
        })
        .count();
    if inside < MIN_M {
        return None;
    }
    let (cos, sin) = (m.theta.cos(), m.theta.sin());
    let mut values = vec![0f32; CELLS];
    let mut valid = vec![0f32; CELLS];
    let mut bits = vec![0u64; CELLS.div_ceil(64)];
    let mut valid_base = 0usize;
    let mut base = 0usize;
    let spatial_norm = 1.0 / (SIGMA_S * (TAU).sqrt());
    for row in 0..NS {
        for col in 0..NS {
            // Cell centre in the minutia's frame, turned into the image.
            let u = (col as f32 + 0.5 - NS as f32 / 2.0) * DELTA_S;
            let v = (row as f32 + 0.5 - NS as f32 / 2.0) * DELTA_S;
            let cx = m.x + u * cos - v * sin;
            let cy = m.y + u * sin + v * cos;
            let within = u * u + v * v <= R * R;
            if !within {
                continue;
            }
            base += 1;
            if !in_print(hull, cx, cy) {
                continue;
            }
            valid_base += 1;
            // Contributions of neighbours near the cell centre, per direction cell.
            let mut sums = [0f32; ND];
            for (q, dir) in &neighbours {
                let (dx, dy) = (q.x - cx, q.y - cy);
                let d2 = dx * dx + dy * dy;
                if d2 > 9.0 * SIGMA_S * SIGMA_S {
                    continue;
                }
                let spatial = spatial_norm * (-d2 / (2.0 * SIGMA_S * SIGMA_S)).exp();
                for (s, d) in sums.iter_mut().zip(dir) {
                    *s += spatial * d;
                }
            }
            for (k, s) in sums.iter().enumerate() {
                let idx = (row * NS + col) * ND + k;
                values[idx] = sigmoid(*s, MU_PSI, TAU_PSI);
                valid[idx] = 1.0;
                bits[idx / 64] |= 1 << (idx % 64);
            }
        }
    }
    if base == 0 || (valid_base as f32) < MIN_VC * base as f32 {
        return None;
    }
    Some(Cylinder {
        point: i,
        values,
        valid,
        bits,
    })
}

/// Local similarity of two cylinders, 0..1.
fn local_similarity(a: &Cylinder, pa: Point, b: &Cylinder, pb: Point, min_cells: usize) -> f32 {
    if angle_diff(pa.theta, pb.theta).abs() > DELTA_THETA {
        return 0.0;
    }
    let common: u32 = a
        .bits
        .iter()
        .zip(&b.bits)
        .map(|(x, y)| (x & y).count_ones())
        .sum();
    if (common as usize) < min_cells {
        return 0.0;
    }
    // Eight independent accumulators per sum, so the loop vectorises.
    let (mut diff, mut na, mut nb) = ([0f32; 8], [0f32; 8], [0f32; 8]);
    let lanes = a
        .values
        .chunks_exact(8)
        .zip(b.valid.chunks_exact(8))
        .zip(b.values.chunks_exact(8).zip(a.valid.chunks_exact(8)));
    for ((av, bm), (bv, am)) in lanes {
        // Re-sliced to a known length so that the lane indexing needs no bounds checks.
        let (av, bm, bv, am) = (&av[..8], &bm[..8], &bv[..8], &am[..8]);
        for l in 0..8 {
            let x = av[l] * bm[l];
            let y = bv[l] * am[l];
            diff[l] += (x - y) * (x - y);
            na[l] += x * x;
            nb[l] += y * y;
        }
    }
    let (diff, na, nb) = (
        diff.iter().sum::<f32>(),
        na.iter().sum::<f32>(),
        nb.iter().sum::<f32>(),
    );
    let norm = na.sqrt() + nb.sqrt();
    if norm <= 0.0 {
        return 0.0;
    }
    1.0 - diff.sqrt() / norm
}

/// Similarity of two prints, 0..1 (see the module docs for the scale and the threshold).
pub fn compare(a: &Template, b: &Template) -> f64 {
    let (na, nb) = (a.cylinders.len(), b.cylinders.len());
    if na == 0 || nb == 0 {
        return 0.0;
    }
    // Cells of a disc of the cylinder's base, times the direction cells: the paper's minimum
    // number of matchable elements is a fraction of those.
    let disc_cells = (0..NS * NS)
        .filter(|&c| {
            let u = ((c % NS) as f32 + 0.5 - NS as f32 / 2.0) * DELTA_S;
            let v = ((c / NS) as f32 + 0.5 - NS as f32 / 2.0) * DELTA_S;
            u * u + v * v <= R * R
        })
        .count();
    let min_cells = (MIN_ME * (disc_cells * ND) as f32).ceil() as usize;
    let mut pairs: Vec<(f32, usize, usize)> = Vec::with_capacity(na * nb);
    for (i, ca) in a.cylinders.iter().enumerate() {
        for (j, cb) in b.cylinders.iter().enumerate() {
            let s = local_similarity(ca, a.points[ca.point], cb, b.points[cb.point], min_cells);
            if s > 0.0 {
                pairs.push((s, i, j));
            }
        }
    }
    // Best first; ties by index from either side alike, so that compare(a, b) == compare(b, a).
    pairs.sort_by(|x, y| {
        y.0.total_cmp(&x.0)
            .then((x.1.min(x.2), x.1.max(x.2)).cmp(&(y.1.min(y.2), y.1.max(y.2))))
    });
    let n_min = na.min(nb);
    let np = (MIN_NP + sigmoid(n_min as f32, MU_P, TAU_P) * (MAX_NP - MIN_NP)).round() as usize;
    // One-to-one: each minutia in at most one of the pairs the relaxation works on.
    let (mut used_a, mut used_b) = (vec![false; na], vec![false; nb]);
    let n_rel_pairs = n_min.min(MAX_RELAXED);
    let mut chosen: Vec<(f32, Point, Point)> = Vec::with_capacity(n_min);
    for &(s, i, j) in &pairs {
        if chosen.len() == n_rel_pairs {
            break;
        }
        if used_a[i] || used_b[j] {
            continue;
        }
        used_a[i] = true;
        used_b[j] = true;
        chosen.push((
            s,
            a.points[a.cylinders[i].point],
            b.points[b.cylinders[j].point],
        ));
    }
    if chosen.is_empty() {
        return 0.0;
    }
    let nr = chosen.len();
    let compat = compatibility(&chosen);
    let initial: Vec<f32> = chosen.iter().map(|c| c.0).collect();
    let mut lambda = initial.clone();
    for _ in 0..N_REL {
        let next: Vec<f32> = (0..nr)
            .map(|t| {
                let support: f32 = if nr > 1 {
                    (0..nr)
                        .filter(|&k| k != t)
                        .map(|k| compat[t * nr + k] * lambda[k])
                        .sum::<f32>()
                        / (nr - 1) as f32
                } else {
                    0.0
                };
                W_R * lambda[t] + (1.0 - W_R) * support
            })
            .collect();
        lambda = next;
    }
    // The pairs whose similarity the relaxation kept best are the most credible.
    let mut order: Vec<usize> = (0..nr).collect();
    order.sort_by(|&x, &y| {
        let ex = lambda[x] / initial[x];
        let ey = lambda[y] / initial[y];
        ey.total_cmp(&ex).then(x.cmp(&y))
    });
    let take = np.min(nr);
    // Fewer pairs than the score needs (tiny overlaps) count as zeros.
    let sum: f32 = order.iter().take(take).map(|&t| lambda[t]).sum();
    f64::from(sum / np.max(1) as f32).clamp(0.0, 1.0)
}

/// Geometric compatibility of every two chosen pairs (row-major `nr x nr`): distances,
/// relative directions and radial angles must agree on both sides.
fn compatibility(chosen: &[(f32, Point, Point)]) -> Vec<f32> {
    let nr = chosen.len();
    let mut out = vec![0f32; nr * nr];
    let radial = |m1: Point, m2: Point| angle_diff(m1.theta, (m2.y - m1.y).atan2(m2.x - m1.x));
    for t in 0..nr {
        for k in (t + 1)..nr {
            let (_, at, bt) = chosen[t];
            let (_, ak, bk) = chosen[k];
            let da = ((at.x - ak.x).powi(2) + (at.y - ak.y).powi(2)).sqrt();
            let db = ((bt.x - bk.x).powi(2) + (bt.y - bk.y).powi(2)).sqrt();
            let d1 = (da - db).abs();
            let d2 = angle_diff(
                angle_diff(at.theta, ak.theta),
                angle_diff(bt.theta, bk.theta),
            )
            .abs();
            let d3 = angle_diff(radial(at, ak), radial(bt, bk)).abs();
            let rho = sigmoid(d1, MU_RHO1, TAU_RHO1)
                * sigmoid(d2, MU_RHO2, TAU_RHO2)
                * sigmoid(d3, MU_RHO3, TAU_RHO3);
            out[t * nr + k] = rho;
            out[k * nr + t] = rho;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::minutiae::MinutiaKind;

    /// A deterministic spread of minutiae over a 300 x 400 print.
    fn sample(seed: u32, n: usize) -> Vec<Minutia> {
        let mut s = seed.wrapping_mul(2_654_435_761).wrapping_add(12345);
        let mut next = move || {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            s
        };
        (0..n)
            .map(|_| Minutia {
                x: 50 + next() % 300,
                y: 50 + next() % 400,
                angle: (next() % 256) as u8,
                kind: MinutiaKind::Ending,
                quality: 40 + (next() % 60) as u8,
            })
            .collect()
    }

    /// `m` turned by `turns` 256ths of a turn about (200, 250) and moved by (dx, dy).
    fn moved(m: &[Minutia], turns: u8, dx: f32, dy: f32) -> Vec<Minutia> {
        let a = f32::from(turns) * TAU / 256.0;
        m.iter()
            .map(|p| {
                // y grows downwards in images: turning counter-clockwise as displayed.
                let (x, y) = (p.x as f32 - 200.0, -(p.y as f32 - 250.0));
                let (rx, ry) = (x * a.cos() - y * a.sin(), x * a.sin() + y * a.cos());
                Minutia {
                    x: (rx + 200.0 + dx).round() as u32,
                    y: (-ry + 250.0 + dy).round() as u32,
                    angle: p.angle.wrapping_add(turns),
                    ..*p
                }
            })
            .collect()
    }

    #[test]
    fn a_template_matches_itself_with_the_top_score() {
        let t = Template::new(&sample(1, 40));
        let own = compare(&t, &t);
        assert!(own > 0.99, "{own}");
        for seed in 2..6 {
            let other = compare(&t, &Template::new(&sample(seed, 40)));
            assert!(other < own, "{other} against {own}");
        }
    }

    #[test]
    fn a_turned_and_moved_copy_matches_above_the_threshold() {
        let m = sample(7, 40);
        let t = Template::new(&m);
        let copy = Template::new(&moved(&m, 21, 135.0, 120.0)); // about 30 degrees
        let s = compare(&t, &copy);
        assert!(s > 0.8, "{s}");
        assert!(s > SAME_FINGER_THRESHOLD + 0.3, "{s}");
    }

    #[test]
    fn unrelated_sets_score_below_the_threshold() {
        for seed in 10..20 {
            let s = compare(
                &Template::new(&sample(seed, 40)),
                &Template::new(&sample(seed + 100, 40)),
            );
            assert!(s < SAME_FINGER_THRESHOLD, "{seed}: {s}");
        }
    }

    #[test]
    fn comparison_is_symmetric() {
        let (a, b) = (
            Template::new(&sample(3, 35)),
            Template::new(&moved(&sample(3, 35)[5..], 10, 5.0, 9.0)),
        );
        assert!((compare(&a, &b) - compare(&b, &a)).abs() < 1e-4);
    }

    #[test]
    fn empty_and_tiny_templates_score_zero() {
        let empty = Template::new(&[]);
        let two = Template::new(&sample(4, 2));
        let full = Template::new(&sample(4, 40));
        assert_eq!(compare(&empty, &full), 0.0);
        assert_eq!(compare(&full, &empty), 0.0);
        assert_eq!(compare(&empty, &empty), 0.0);
        assert_eq!(two.valid_cylinders(), 0);
        assert_eq!(compare(&two, &full), 0.0);
    }

    #[test]
    fn a_huge_template_is_capped() {
        let t = Template::new(&sample(5, 1000));
        assert_eq!(t.minutiae.len(), MAX_MINUTIAE);
        assert!(compare(&t, &t) > 0.99);
    }
}
