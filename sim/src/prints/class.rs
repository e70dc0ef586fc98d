//! The five Henry classes of fingerprints, drawn with their population frequencies, and where
//! each class puts its singular points (cores and deltas).
//!
//! Contract: [`FingerClass::sample`] draws arch 3.7 %, tented arch 2.9 %, left loop 33.8 %,
//! right loop 31.7 % and whorl 27.9 % (Wilson, Candela and Watson's NIST figures, which SFinGe
//! uses); [`singular_points`] places the class's cores and deltas in a `width` x `height` master,
//! at distances measured in 500 ppi pixels (a delta may fall outside the image, as it often does
//! on a plain impression).

use crate::rng::SimRng;

/// A fingerprint class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FingerClass {
    /// Plain arch: no singular point.
    Arch,
    /// Tented arch: a core with a delta right below it.
    TentedArch,
    /// Left loop: ridges enter and leave on the left, the delta lies to the right.
    LeftLoop,
    /// Right loop: ridges enter and leave on the right, the delta lies to the left.
    RightLoop,
    /// Whorl: two cores and two deltas.
    Whorl,
}

impl FingerClass {
    /// Every class, with its frequency in the population.
    pub const FREQUENCIES: [(FingerClass, f64); 5] = [
        (FingerClass::Arch, 0.037),
        (FingerClass::TentedArch, 0.029),
        (FingerClass::LeftLoop, 0.338),
        (FingerClass::RightLoop, 0.317),
        (FingerClass::Whorl, 0.279),
    ];

    /// A class drawn with the population frequencies.
    pub fn sample(rng: &mut SimRng) -> Self {
        let mut u = rng.unit() * Self::FREQUENCIES.iter().map(|(_, f)| f).sum::<f64>();
        for (class, f) in Self::FREQUENCIES {
            if u < f {
                return class;
            }
            u -= f;
        }
        FingerClass::Whorl
    }

    /// Lower-case name, as in file sidecars and reports.
    pub fn name(self) -> &'static str {
        match self {
            FingerClass::Arch => "arch",
            FingerClass::TentedArch => "tented arch",
            FingerClass::LeftLoop => "left loop",
            FingerClass::RightLoop => "right loop",
            FingerClass::Whorl => "whorl",
        }
    }
}

/// Cores and deltas of one master, in master pixel coordinates (x right, y down).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SingularPoints {
    /// Cores (index +1/2).
    pub cores: Vec<(f64, f64)>,
    /// Deltas (index -1/2).
    pub deltas: Vec<(f64, f64)>,
}

/// Places the singular points of `class` in a `width` x `height` master.
pub fn singular_points(
    class: FingerClass,
    width: u32,
    height: u32,
    rng: &mut SimRng,
) -> SingularPoints {
    let (w, h) = (f64::from(width), f64::from(height));
    // The core sits a little above the middle of the fingertip.
    let core = (
        w * 0.5 + rng.range_f(-0.05, 0.05) * w,
        h * rng.range_f(0.36, 0.46),
    );
    match class {
        FingerClass::Arch => SingularPoints::default(),
        FingerClass::TentedArch => SingularPoints {
            cores: vec![core],
            deltas: vec![(
                core.0 + rng.range_f(-8.0, 8.0),
                core.1 + rng.range_f(45.0, 80.0),
            )],
        },
        FingerClass::LeftLoop | FingerClass::RightLoop => {
            let side = if class == FingerClass::LeftLoop {
                1.0
            } else {
                -1.0
            };
            // About 8 to 16 ridges between core and delta.
            let distance = rng.range_f(80.0, 170.0);
            let angle = rng.range_f(35.0, 70.0).to_radians();
            SingularPoints {
                cores: vec![core],
                deltas: vec![(
                    core.0 + side * distance * angle.cos(),
                    core.1 + distance * angle.sin(),
                )],
            }
        }
        FingerClass::Whorl => {
            let lean = rng.range_f(-0.8, 0.8);
            let gap = rng.range_f(8.0, 60.0);
            let upper = (
                core.0 - gap * lean.sin() / 2.0,
                core.1 - gap * lean.cos() / 2.0,
            );
            let lower = (
                core.0 + gap * lean.sin() / 2.0,
                core.1 + gap * lean.cos() / 2.0,
            );
            let spread = rng.range_f(110.0, 160.0);
            let drop = rng.range_f(90.0, 140.0);
            SingularPoints {
                cores: vec![upper, lower],
                deltas: vec![
                    (core.0 - spread, core.1 + drop + rng.range_f(-15.0, 15.0)),
                    (core.0 + spread, core.1 + drop + rng.range_f(-15.0, 15.0)),
                ],
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_come_with_their_population_frequencies() {
        let mut rng = SimRng::new(3);
        let n = 20_000;
        let mut counts = std::collections::HashMap::new();
        for _ in 0..n {
            *counts
                .entry(FingerClass::sample(&mut rng))
                .or_insert(0usize) += 1;
        }
        for (class, f) in FingerClass::FREQUENCIES {
            let seen = counts.get(&class).copied().unwrap_or(0) as f64 / f64::from(n);
            assert!((seen - f).abs() < 0.01, "{class:?}: {seen} vs {f}");
        }
    }

    #[test]
    fn each_class_has_its_number_of_cores_and_deltas() {
        let mut rng = SimRng::new(4);
        for (class, cores, deltas) in [
            (FingerClass::Arch, 0, 0),
            (FingerClass::TentedArch, 1, 1),
            (FingerClass::LeftLoop, 1, 1),
            (FingerClass::RightLoop, 1, 1),
            (FingerClass::Whorl, 2, 2),
        ] {
            let p = singular_points(class, 416, 560, &mut rng);
            assert_eq!(
                (p.cores.len(), p.deltas.len()),
                (cores, deltas),
                "{class:?}"
            );
        }
        let left = singular_points(FingerClass::LeftLoop, 416, 560, &mut rng);
        assert!(
            left.deltas[0].0 > left.cores[0].0,
            "a left loop's delta lies right"
        );
    }
}
