//! A minutiae matcher: how strongly two sets of minutiae look like the same finger.
//!
//! Alignment by Hough voting: every pair of minutiae (one from each set) proposes a rotation and
//! a translation; the best-supported alignments are tried, and each is scored by a one-to-one
//! pairing of minutiae that land close in position and direction. The score is the number of
//! paired minutiae, discounted when the sets are large (pairs become likelier by chance), so it
//! reads like bozorth3's: near zero for different fingers, tens for the same finger.
//!
//! It serves the workflow's duplicate check (a hand placed twice, a finger presented as another)
//! within one enrollment; it is not a deduplication matcher for a registry.
//!
//! Contract: a pure function of its inputs, symmetric up to rounding, never panicking (empty
//! sets score 0).

use std::f64::consts::{PI, TAU};

/// One minutia for matching: position in pixels at 500 ppi and direction in radians.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    /// Column.
    pub x: f64,
    /// Row.
    pub y: f64,
    /// Direction, radians.
    pub angle: f64,
}

/// Tolerances of the pairing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MatchOptions {
    /// Largest distance between paired minutiae after alignment, pixels.
    pub distance: f64,
    /// Largest direction difference, radians.
    pub angle: f64,
    /// Rotations considered, radians either way (placements on a platen rarely exceed this).
    pub max_rotation: f64,
}

impl Default for MatchOptions {
    fn default() -> Self {
        MatchOptions {
            distance: 14.0,
            angle: 20f64.to_radians(),
            max_rotation: 45f64.to_radians(),
        }
    }
}

/// The result of a comparison.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MatchScore {
    /// Minutiae paired under the best alignment.
    pub paired: usize,
    /// The score (paired, discounted for large sets).
    pub score: f64,
    /// The best alignment's rotation, radians.
    pub rotation: f64,
    /// The best alignment's translation, pixels.
    pub translation: (f64, f64),
}

fn wrap(a: f64) -> f64 {
    let mut a = a % TAU;
    if a > PI {
        a -= TAU;
    } else if a < -PI {
        a += TAU;
    }
    a
}

const ROT_BIN: f64 = 6.0 * PI / 180.0;
const XY_BIN: f64 = 12.0;
const CANDIDATES: usize = 6;

/// Compares two minutiae sets.
pub fn compare(a: &[Point], b: &[Point], opts: &MatchOptions) -> MatchScore {
    let none = MatchScore {
        paired: 0,
        score: 0.0,
        rotation: 0.0,
        translation: (0.0, 0.0),
    };
    if a.is_empty() || b.is_empty() {
        return none;
    }
    // Vote: each pair's rotation and the translation that carries a onto b under it.
    let mut votes: std::collections::HashMap<(i32, i32, i32), u32> =
        std::collections::HashMap::new();
    for p in a {
        for q in b {
            let rot = wrap(q.angle - p.angle);
            if rot.abs() > opts.max_rotation {
                continue;
            }
            let (s, c) = rot.sin_cos();
            let tx = q.x - (c * p.x - s * p.y);
            let ty = q.y - (s * p.x + c * p.y);
            let key = (
                (rot / ROT_BIN).round() as i32,
                (tx / XY_BIN).round() as i32,
                (ty / XY_BIN).round() as i32,
            );
            *votes.entry(key).or_insert(0) += 1;
        }
    }
    let mut bins: Vec<((i32, i32, i32), u32)> = votes.into_iter().collect();
    bins.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(&y.0)));
    let mut best = none;
    for &((r, tx, ty), _) in bins.iter().take(CANDIDATES) {
        let rot = f64::from(r) * ROT_BIN;
        let t = (f64::from(tx) * XY_BIN, f64::from(ty) * XY_BIN);
        let paired = pair(a, b, rot, t, opts);
        if paired > best.paired {
            best = MatchScore {
                paired,
                score: 0.0,
                rotation: rot,
                translation: t,
            };
        }
    }
    // Chance pairings grow with the product of the set sizes; discount beyond ~40 minutiae each.
    let size = ((a.len() * b.len()) as f64).sqrt();
    best.score = best.paired as f64 * (40.0 / size.max(40.0)).sqrt();
    best
}

/// One-to-one greedy pairing of `a` (moved by the alignment) with `b`, closest pairs first.
fn pair(a: &[Point], b: &[Point], rot: f64, t: (f64, f64), opts: &MatchOptions) -> usize {
    let (s, c) = rot.sin_cos();
    let d2max = opts.distance * opts.distance;
    let mut candidates: Vec<(f64, usize, usize)> = Vec::new();
    for (i, p) in a.iter().enumerate() {
        let x = c * p.x - s * p.y + t.0;
        let y = s * p.x + c * p.y + t.1;
        let angle = p.angle + rot;
        for (j, q) in b.iter().enumerate() {
            let d2 = (x - q.x).powi(2) + (y - q.y).powi(2);
            if d2 <= d2max && wrap(angle - q.angle).abs() <= opts.angle {
                candidates.push((d2, i, j));
            }
        }
    }
    candidates.sort_by(|x, y| x.0.total_cmp(&y.0).then(x.1.cmp(&y.1)).then(x.2.cmp(&y.2)));
    let (mut used_a, mut used_b) = (vec![false; a.len()], vec![false; b.len()]);
    let mut n = 0;
    for (_, i, j) in candidates {
        if !used_a[i] && !used_b[j] {
            used_a[i] = true;
            used_b[j] = true;
            n += 1;
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(seed: u64, n: usize) -> Vec<Point> {
        let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        let mut next = move || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s >> 11) as f64 / (1u64 << 53) as f64
        };
        (0..n)
            .map(|_| Point {
                x: 40.0 + next() * 320.0,
                y: 40.0 + next() * 420.0,
                angle: next() * TAU,
            })
            .collect()
    }

    fn moved(a: &[Point], rot: f64, t: (f64, f64)) -> Vec<Point> {
        let (s, c) = rot.sin_cos();
        a.iter()
            .map(|p| Point {
                x: c * p.x - s * p.y + t.0,
                y: s * p.x + c * p.y + t.1,
                angle: wrap(p.angle + rot),
            })
            .collect()
    }

    #[test]
    fn a_rotated_and_shifted_copy_pairs_almost_every_minutia() {
        let a = set(1, 45);
        let b = moved(&a, 0.2, (25.0, -30.0));
        let m = compare(&a, &b, &MatchOptions::default());
        assert!(m.paired >= 40, "{m:?}");
        assert!((m.rotation - 0.2).abs() < 0.1, "{m:?}");
    }

    #[test]
    fn unrelated_sets_pair_only_by_chance() {
        let m = compare(&set(1, 45), &set(2, 45), &MatchOptions::default());
        assert!(m.score < 12.0, "{m:?}");
    }

    #[test]
    fn empty_sets_score_zero() {
        assert_eq!(
            compare(&[], &set(1, 10), &MatchOptions::default()).paired,
            0
        );
    }
}
