//! Synthetic fingers for the simulated module: SFinGe-style master prints ([`crate::prints`])
//! whose minutiae are known, so the module's feature extraction and matching work on ground
//! truth. Each impression places, turns, distorts and presses the finger differently on the
//! 256x288 sensor, and reports the master's minutiae where they appear in that image.
//!
//! Contract: the same (seed, finger, impression) always gives the same pixels and minutiae.

use std::f64::consts::PI;

use crate::prints::{self, Condition, ImpressionParams, Master, MasterSize, MinutiaKind, Pose};
use crate::rng::SimRng;

/// Image size of the simulated sensor.
pub const WIDTH: u32 = 256;
/// Image size of the simulated sensor.
pub const HEIGHT: u32 = 288;

/// Mixes values into one seed.
pub fn mix(parts: &[u64]) -> u64 {
    let mut rng = SimRng::new(0x5EED);
    for &p in parts {
        rng = SimRng::new(rng.next_u64() ^ p);
    }
    rng.next_u64()
}

/// A ridge ending or bifurcation in image coordinates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Minutia {
    /// Column.
    pub x: f64,
    /// Row.
    pub y: f64,
    /// Direction in radians, 0 to 2 pi: the ridge direction, turned by pi for bifurcations so
    /// the two kinds never pair up.
    pub angle: f64,
}

/// One finger of a simulated person: its master print.
pub struct SyntheticFinger {
    master: Master,
}

/// One placement of a finger on the sensor.
pub struct Impression {
    /// 8-bit pixels, `WIDTH * HEIGHT`, row-major.
    pub pixels: Vec<u8>,
    /// Minutiae visible in this impression, in image coordinates.
    pub minutiae: Vec<Minutia>,
}

impl SyntheticFinger {
    /// The finger `finger` (1-10) of the person seeded by `seed`.
    pub fn new(seed: u64, finger: u8) -> Self {
        Self {
            master: Master::generate(mix(&[seed, u64::from(finger)]), MasterSize::STANDARD),
        }
    }

    /// The finger's master print.
    pub fn master(&self) -> &Master {
        &self.master
    }

    /// Impression number `n` (each placement differs in position, angle, distortion, pressure
    /// and noise).
    pub fn impression(&self, seed: u64, n: u64) -> Impression {
        let mut rng = SimRng::new(mix(&[seed, n, 0x1A7E]));
        let params = ImpressionParams::sample(&self.master, Condition::Good, &mut rng);
        // The sensor sees the middle of the fingertip, a little off centre each time.
        let (cx, cy) = self.master.silhouette().centre();
        let img = self.master.image();
        let (mcx, mcy) = (
            f64::from(img.width - 1) / 2.0,
            f64::from(img.height - 1) / 2.0,
        );
        let pose = Pose {
            x: f64::from(WIDTH) / 2.0 + (mcx - cx) + rng.range_f(-14.0, 14.0),
            y: f64::from(HEIGHT) / 2.0 + (mcy - cy) + rng.range_f(-14.0, 14.0),
            angle: rng.range_f(-6.0, 6.0).to_radians(),
            scale: 1.0,
        };
        let pixels = prints::render(&self.master, &params, pose, WIDTH, HEIGHT).pixels;
        let mut minutiae = Vec::new();
        for m in self.master.minutiae() {
            if rng.unit() < 0.1 {
                continue; // lost in this impression (smudge, low contrast)
            }
            let Some((x, y)) = prints::impression::locate(&self.master, &params, pose, (m.x, m.y))
            else {
                continue;
            };
            // Keep clear of the sensor's edge, where a module's extractor sees no context.
            if x < 8.0 || y < 8.0 || x >= f64::from(WIDTH) - 8.0 || y >= f64::from(HEIGHT) - 8.0 {
                continue;
            }
            let kind = match m.kind {
                MinutiaKind::Ending => 0.0,
                MinutiaKind::Bifurcation => PI,
            };
            minutiae.push(Minutia {
                x,
                y,
                angle: (m.direction + pose.angle).rem_euclid(PI) + kind,
            });
        }
        Impression { pixels, minutiae }
    }
}
