//! A master print: everything about one finger that does not change between impressions.
//!
//! Contract: [`Master::generate`] is a pure function of (seed, size) and takes a fraction of a
//! second for a 416x560 master (cache it: one per finger). Its [`Master::image`] is an 8-bit
//! ridge map at 500 ppi, dark ridges on white, white outside the fingertip; [`Master::coverage`]
//! the fingertip silhouette with a soft edge; [`Master::minutiae`] the ridge endings and
//! bifurcations that the growth produced.

use super::PrintError;
use super::class::{FingerClass, SingularPoints, singular_points};
use super::filter::binomial_blur;
use super::frequency::PeriodMap;
use super::growth::{GrowthSettings, grow};
use super::minutiae::{Minutia, extract};
use super::orientation::OrientationModel;
use super::shape::Silhouette;
use crate::rng::SimRng;
use crate::synth::Gray;

/// Ridges are grown this far beyond the outline, so they run into the edge like real ones.
const GROW_BEYOND: f64 = 12.0;
/// Width of the soft rim of the contact area, where ridges fade out.
const RIM: f64 = 10.0;

/// The size of a master image: 16 to [`MasterSize::MAX`] pixels each side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MasterSize {
    width: u32,
    height: u32,
}

impl MasterSize {
    /// Largest side accepted.
    pub const MAX: u32 = 2048;
    /// SFinGe's default: 416x560 pixels, 0.83 x 1.12 inch at 500 ppi, a whole fingertip.
    pub const STANDARD: MasterSize = MasterSize {
        width: 416,
        height: 560,
    };

    /// A size, or why it is not possible.
    pub fn new(width: u32, height: u32) -> Result<Self, PrintError> {
        let ok = |v: u32| (16..=Self::MAX).contains(&v);
        if ok(width) && ok(height) {
            Ok(Self { width, height })
        } else {
            Err(PrintError::Size {
                width,
                height,
                max: Self::MAX,
            })
        }
    }

    /// Width in pixels.
    pub fn width(self) -> u32 {
        self.width
    }

    /// Height in pixels.
    pub fn height(self) -> u32 {
        self.height
    }
}

/// The master print of one finger.
#[derive(Debug, Clone, PartialEq)]
pub struct Master {
    class: FingerClass,
    singular: SingularPoints,
    silhouette: Silhouette,
    image: Gray,
    coverage: Vec<u8>,
    minutiae: Vec<Minutia>,
}

impl Master {
    /// The master print seeded by `seed`.
    pub fn generate(seed: u64, size: MasterSize) -> Self {
        let (width, height) = (size.width, size.height);
        let (w, h) = (width as usize, height as usize);
        let mut rng = SimRng::derive(seed, "master-print");
        let class = FingerClass::sample(&mut rng);
        let singular = singular_points(class, width, height, &mut rng);
        let orientation =
            OrientationModel::new(class, &singular, width, height, &mut rng).field(width, height);
        let period = PeriodMap::new(&singular, height, &mut rng).field(width, height);
        let silhouette = Silhouette::random(width, height, &mut rng);
        let mut depth = Vec::with_capacity(w * h);
        for y in 0..height {
            for x in 0..width {
                depth.push(silhouette.depth(f64::from(x), f64::from(y)) as f32);
            }
        }
        let active: Vec<bool> = depth.iter().map(|&d| f64::from(d) > -GROW_BEYOND).collect();
        let mut ridges = grow(
            width,
            height,
            &orientation,
            &period,
            &active,
            GrowthSettings::default(),
            &mut rng,
        );
        let minutiae = extract(&ridges, &depth, &orientation, width, height);
        // A rounded ridge profile, so that a threshold shift thickens or thins ridges.
        binomial_blur(&mut ridges, w, h, 2);
        let coverage: Vec<u8> = depth
            .iter()
            .map(|&d| ((f64::from(d) / RIM).clamp(0.0, 1.0) * 255.0).round() as u8)
            .collect();
        let pixels = ridges
            .iter()
            .zip(&coverage)
            .map(|(&r, &c)| {
                if c == 0 {
                    return 255;
                }
                let ink = (f64::from(r).clamp(-1.0, 1.0) + 1.0) / 2.0;
                (255.0 * (1.0 - ink)).round() as u8
            })
            .collect();
        Self {
            class,
            singular,
            silhouette,
            image: Gray {
                width,
                height,
                pixels,
            },
            coverage,
            minutiae,
        }
    }

    /// The fingerprint class.
    pub fn class(&self) -> FingerClass {
        self.class
    }

    /// Cores and deltas.
    pub fn singular_points(&self) -> &SingularPoints {
        &self.singular
    }

    /// The fingertip outline.
    pub fn silhouette(&self) -> &Silhouette {
        &self.silhouette
    }

    /// The ridge map: 0 at ridge centres, 255 in valleys and outside the fingertip.
    pub fn image(&self) -> &Gray {
        &self.image
    }

    /// How fully each pixel lies inside the fingertip, 0-255.
    pub fn coverage(&self) -> &[u8] {
        &self.coverage
    }

    /// Ridge endings and bifurcations, in master coordinates.
    pub fn minutiae(&self) -> &[Minutia] {
        &self.minutiae
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_outside_what_a_sensor_gives_are_refused() {
        assert!(MasterSize::new(0, 100).is_err());
        assert!(MasterSize::new(100, 5000).is_err());
        assert_eq!(MasterSize::new(416, 560), Ok(MasterSize::STANDARD));
    }

    #[test]
    fn a_master_is_deterministic_and_seeds_differ() {
        let size = MasterSize::new(160, 200).expect("a valid size");
        let a = Master::generate(11, size);
        let b = Master::generate(11, size);
        let c = Master::generate(12, size);
        assert_eq!(a, b);
        assert_ne!(a.image().pixels, c.image().pixels);
    }

    #[test]
    fn a_full_master_has_ridges_inside_the_fingertip_and_dozens_of_minutiae() {
        let m = Master::generate(3, MasterSize::STANDARD);
        let (cx, cy) = m.silhouette().centre();
        let (cx, cy) = (cx.round() as usize, cy.round() as usize);
        let row: Vec<u8> = (cx - 100..cx + 100)
            .map(|x| m.image().pixels[cy * 416 + x])
            .collect();
        let column: Vec<u8> = (cy - 100..cy + 100)
            .map(|y| m.image().pixels[y * 416 + cx])
            .collect();
        let crossings = |line: &[u8]| {
            line.windows(2)
                .filter(|p| (p[0] < 128) != (p[1] < 128))
                .count()
        };
        // 200 px at about 9 px per ridge: some 40 edges across the ridges, whichever way they run.
        let most = crossings(&row).max(crossings(&column));
        assert!((20..=60).contains(&most), "crossings {most}");
        assert_eq!(m.image().pixels[0], 255);
        assert!(
            (20..=200).contains(&m.minutiae().len()),
            "{} minutiae",
            m.minutiae().len()
        );
    }
}
