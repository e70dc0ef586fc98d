//! Synthetic fingers for the simulated module: a procedural ridge pattern whose minutiae are
//! known, so the module's feature extraction and matching work on ground truth.
//!
//! The ridge phase follows the AM-FM fingerprint model: a smooth phase (a spiral for whorls,
//! U-shaped ridges for loops, waves for arches) plus one spiral phase singularity per minutia,
//! which is exactly where a ridge ends or forks. Impressions move, rotate and press the finger
//! differently and add sensor noise.
//!
//! Contract: the same (seed, finger, impression) always gives the same pixels and minutiae.

use std::f64::consts::{PI, TAU};

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

#[derive(Debug, Clone, Copy)]
enum Pattern {
    Whorl,
    Loop { lean: f64 },
    Arch,
}

struct Singularity {
    x: f64,
    y: f64,
    charge: f64,
}

/// One finger of a simulated person, in finger coordinates centred on the core.
pub struct SyntheticFinger {
    pattern: Pattern,
    period: f64,
    warp: [(f64, f64, f64); 3],
    minutiae: Vec<Singularity>,
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
        let mut rng = SimRng::new(mix(&[seed, u64::from(finger)]));
        let pattern = match rng.next_u64() % 3 {
            0 => Pattern::Whorl,
            1 => Pattern::Loop {
                lean: rng.range_f(-0.5, 0.5),
            },
            _ => Pattern::Arch,
        };
        let period = rng.range_f(8.5, 10.5);
        let warp = [0; 3].map(|_| {
            (
                rng.range_f(1.0, 2.5),
                rng.range_f(40.0, 90.0),
                rng.range_f(0.0, TAU),
            )
        });
        let mut minutiae: Vec<Singularity> = Vec::new();
        while minutiae.len() < 36 {
            let x = rng.range_f(-95.0, 95.0);
            let y = rng.range_f(-120.0, 120.0);
            // Inside the fingertip, away from the core and from each other.
            let inside = (x / 100.0).powi(2) + (y / 130.0).powi(2) < 0.85;
            let apart = minutiae.iter().all(|m| (m.x - x).hypot(m.y - y) > 16.0);
            if inside && apart && x.hypot(y) > 20.0 {
                let charge = if rng.next_u64().is_multiple_of(2) {
                    1.0
                } else {
                    -1.0
                };
                minutiae.push(Singularity { x, y, charge });
            }
        }
        Self {
            pattern,
            period,
            warp,
            minutiae,
        }
    }

    fn smooth_phase(&self, x: f64, y: f64) -> f64 {
        let (wx, wy) = self.warp.iter().fold((0.0, 0.0), |(ax, ay), &(a, l, p)| {
            (ax + a * (y / l + p).sin(), ay + a * (x / l + p).cos())
        });
        let (x, y) = (x + wx, y + wy);
        let d = match self.pattern {
            Pattern::Whorl => x.hypot(1.15 * y) + self.period * y.atan2(x) / TAU,
            Pattern::Loop { lean } => {
                let x = x - lean * y.max(0.0);
                if y < 0.0 { x.hypot(y) } else { x.abs() }
            }
            Pattern::Arch => -y + 25.0 * (-(x * x) / 3000.0).exp() * (1.0 + y / 150.0),
        };
        d / self.period
    }

    fn phase(&self, x: f64, y: f64) -> f64 {
        self.minutiae.iter().fold(self.smooth_phase(x, y), |p, m| {
            p + m.charge * (y - m.y).atan2(x - m.x) / TAU
        })
    }

    /// Impression number `n` (each placement differs in position, angle, pressure and noise).
    pub fn impression(&self, seed: u64, n: u64) -> Impression {
        let mut rng = SimRng::new(mix(&[seed, n, 0x1A7E]));
        let (dx, dy) = (rng.range_f(-14.0, 14.0), rng.range_f(-14.0, 14.0));
        let rot = rng.range_f(-6.0, 6.0).to_radians();
        let pressure = rng.range_f(0.9, 1.15);
        let (cx, cy) = (f64::from(WIDTH) / 2.0 + dx, f64::from(HEIGHT) / 2.0 + dy);
        let (sin, cos) = rot.sin_cos();
        // Finger coordinates of image pixel (px, py): undo translation, then rotation.
        let to_finger = |px: f64, py: f64| {
            let (u, v) = (px - cx, py - cy);
            (cos * u + sin * v, -sin * u + cos * v)
        };
        let to_image = |fx: f64, fy: f64| (cx + cos * fx - sin * fy, cy + sin * fx + cos * fy);
        let (ax, ay) = (92.0 * pressure, 125.0 * pressure);
        let mut pixels = Vec::with_capacity((WIDTH * HEIGHT) as usize);
        for py in 0..HEIGHT {
            for px in 0..WIDTH {
                let (fx, fy) = to_finger(f64::from(px), f64::from(py));
                let edge = (fx / ax).powi(2) + (fy / ay).powi(2);
                let noise = rng.range_f(-18.0, 18.0);
                let value = if edge < 1.0 {
                    // Contact fades out towards the edge of the fingertip.
                    let contrast = ((1.0 - edge) * 4.0).min(1.0) * 0.85 * pressure.min(1.0);
                    let ridge = 0.5 + 0.5 * (TAU * self.phase(fx, fy)).cos();
                    235.0 - 200.0 * contrast * ridge.powf(0.8 / pressure) + noise
                } else {
                    235.0 + noise / 2.0
                };
                pixels.push(value.clamp(0.0, 255.0) as u8);
            }
        }
        let mut minutiae = Vec::new();
        for m in &self.minutiae {
            if rng.unit() < 0.1 {
                continue; // lost in this impression (smudge, low contrast)
            }
            let (mx, my) = (m.x + rng.range_f(-1.5, 1.5), m.y + rng.range_f(-1.5, 1.5));
            if (mx / ax).powi(2) + (my / ay).powi(2) > 0.9 {
                continue;
            }
            let (ix, iy) = to_image(mx, my);
            if ix < 0.0 || iy < 0.0 || ix >= f64::from(WIDTH) || iy >= f64::from(HEIGHT) {
                continue;
            }
            // Ridges run perpendicular to the phase gradient.
            let g = (
                self.smooth_phase(mx + 1.0, my) - self.smooth_phase(mx - 1.0, my),
                self.smooth_phase(mx, my + 1.0) - self.smooth_phase(mx, my - 1.0),
            );
            let kind = if m.charge > 0.0 { 0.0 } else { PI };
            let angle = (g.1.atan2(g.0) + PI / 2.0 + rot).rem_euclid(PI) + kind;
            minutiae.push(Minutia {
                x: ix,
                y: iy,
                angle,
            });
        }
        Impression { pixels, minutiae }
    }
}
