//! Synthetic images for sample enrollments: a frontal portrait on the e-KTP background colour, a
//! handwritten-looking signature with its pen series, and an iris image (fingerprints are made
//! by [`crate::prints`]).
//!
//! Contract: deterministic from the [`SimRng`] passed in; sizes are the caller's. These images
//! exist to make packets realistic in size and structure.

use crate::rng::SimRng;

/// An 8-bit gray image, row-major.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Gray {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `width * height` bytes.
    pub pixels: Vec<u8>,
}

/// An 8-bit RGB image, row-major.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rgb {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `3 * width * height` bytes.
    pub pixels: Vec<u8>,
}

/// e-KTP photo background colours.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Background {
    /// Odd birth year.
    Red,
    /// Even birth year.
    Blue,
    /// Foreign residents.
    Orange,
}

impl Background {
    fn rgb(self) -> [u8; 3] {
        match self {
            Background::Red => [200, 24, 30],
            Background::Blue => [20, 80, 170],
            Background::Orange => [235, 130, 30],
        }
    }
}

/// A frontal head-and-shoulders portrait on a plain background.
pub fn portrait(rng: &mut SimRng, width: u32, height: u32, background: Background) -> Rgb {
    let (w, h) = (f64::from(width), f64::from(height));
    let skin = [
        rng.range(150, 215) as f64,
        rng.range(105, 160) as f64,
        rng.range(80, 125) as f64,
    ];
    let hair = rng.range_f(15.0, 45.0);
    let (cx, cy) = (w * 0.5, h * 0.45);
    let (ax, ay) = (w * 0.2, h * 0.21);
    let eye_dy = -ay * 0.12;
    let eye_dx = ax * 0.42;
    let bg = background.rgb();
    let mut pixels = Vec::with_capacity((width * height * 3) as usize);
    for y in 0..height {
        for x in 0..width {
            let (fx, fy) = (f64::from(x), f64::from(y));
            let (nx, ny) = ((fx - cx) / ax, (fy - cy) / ay);
            let r2 = nx * nx + ny * ny;
            let mut c = [f64::from(bg[0]), f64::from(bg[1]), f64::from(bg[2])];
            // Shoulders and clothing.
            let shoulder = (fy - h * 0.78) / (h * 0.22) - ((fx - cx) / (w * 0.48)).powi(2) * -0.6;
            if fy > h * 0.7
                && ((fx - cx) / (w * 0.46)).powi(2) + ((h - fy) / (h * 0.3) - 1.0).powi(2)
                    < 1.0 + shoulder
            {
                c = [40.0, 40.0, 55.0];
            }
            if r2 < 1.0 {
                c = skin;
                // Hair above the forehead.
                if ny < -0.55 + 0.1 * (nx * 3.0).cos() {
                    c = [hair, hair * 0.8, hair * 0.7];
                }
                for side in [-1.0, 1.0] {
                    let ex = (fx - (cx + side * eye_dx)) / (ax * 0.16);
                    let ey = (fy - (cy + eye_dy)) / (ay * 0.06);
                    let e2 = ex * ex + ey * ey;
                    if e2 < 1.0 {
                        c = if e2 < 0.25 {
                            [35.0, 25.0, 20.0]
                        } else {
                            [235.0, 235.0, 230.0]
                        };
                    }
                }
                let mx = (fx - cx) / (ax * 0.32);
                let my = (fy - (cy + ay * 0.5)) / (ay * 0.04);
                if mx * mx + my * my < 1.0 {
                    c = [150.0, 60.0, 60.0];
                }
                // Soft shading towards the edge of the face.
                let shade = 1.0 - 0.25 * r2;
                c = [c[0] * shade, c[1] * shade, c[2] * shade];
            }
            for v in c {
                pixels.push((v + rng.normal() * 2.0).clamp(0.0, 255.0) as u8);
            }
        }
    }
    Rgb {
        width,
        height,
        pixels,
    }
}

/// Pen samples `(t_ms, x, y, pressure)` of a signature and its rendering.
pub struct SignatureDrawing {
    /// The rendered image, black ink on white.
    pub image: Gray,
    /// Samples at 200 Hz in pad coordinates (0..=max_x, 0..=max_y).
    pub samples: Vec<(u32, u16, u16, u16)>,
    /// Pad x range.
    pub max_x: u16,
    /// Pad y range.
    pub max_y: u16,
    /// Pad pressure range.
    pub max_pressure: u16,
}

/// A cursive-looking signature written in two or three strokes.
pub fn signature(rng: &mut SimRng, width: u32, height: u32) -> SignatureDrawing {
    let (max_x, max_y, max_pressure) = (9600u16, 6000u16, 1023u16);
    let strokes = rng.range(2, 3);
    let mut samples = Vec::new();
    let mut t = 0u32;
    let mut x0 = 0.1;
    for _ in 0..strokes {
        let n = rng.range(120, 220);
        let (f1, f2) = (rng.range_f(0.08, 0.16), rng.range_f(0.02, 0.05));
        let (a1, a2) = (rng.range_f(0.12, 0.25), rng.range_f(0.05, 0.15));
        let span = rng.range_f(0.2, 0.35);
        for i in 0..n {
            let s = i as f64 / n as f64;
            let u = x0 + span * s + 0.03 * (f1 * i as f64).sin();
            let v = 0.5 + a1 * (f1 * i as f64).cos() + a2 * (f2 * i as f64).sin();
            let p = (std::f64::consts::PI * s).sin() * 0.7 + 0.2;
            samples.push((
                t,
                (u.clamp(0.0, 1.0) * f64::from(max_x)) as u16,
                (v.clamp(0.0, 1.0) * f64::from(max_y)) as u16,
                (p * f64::from(max_pressure)) as u16,
            ));
            t += 5;
        }
        x0 += span + 0.03;
        t += rng.range(150, 400) as u32;
    }
    let mut pixels = vec![255u8; (width * height) as usize];
    let sx = f64::from(width - 1) / f64::from(max_x);
    let sy = f64::from(height - 1) / f64::from(max_y);
    for pair in samples.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        if b.0 - a.0 > 5 {
            continue; // pen lifted between strokes
        }
        let steps = 8;
        for k in 0..=steps {
            let f = f64::from(k) / f64::from(steps);
            let x = (f64::from(a.1) + f * (f64::from(b.1) - f64::from(a.1))) * sx;
            let y = (f64::from(a.2) + f * (f64::from(b.2) - f64::from(a.2))) * sy;
            let r = 1.0 + 1.5 * f64::from(a.3) / f64::from(max_pressure);
            let (x0, x1) = (
                (x - r).floor().max(0.0) as u32,
                ((x + r).ceil() as u32).min(width - 1),
            );
            let (y0, y1) = (
                (y - r).floor().max(0.0) as u32,
                ((y + r).ceil() as u32).min(height - 1),
            );
            for py in y0..=y1 {
                for px in x0..=x1 {
                    let d = ((f64::from(px) - x).powi(2) + (f64::from(py) - y).powi(2)).sqrt();
                    if d <= r {
                        pixels[(py * width + px) as usize] = 20;
                    }
                }
            }
        }
    }
    SignatureDrawing {
        image: Gray {
            width,
            height,
            pixels,
        },
        samples,
        max_x,
        max_y,
        max_pressure,
    }
}

/// A near-infrared style iris image: pupil, textured iris, sclera and eyelids.
pub fn iris(rng: &mut SimRng, width: u32, height: u32) -> Gray {
    let (cx, cy) = (
        f64::from(width) * rng.range_f(0.45, 0.55),
        f64::from(height) * rng.range_f(0.45, 0.55),
    );
    let iris_r = f64::from(height) * rng.range_f(0.22, 0.26);
    let pupil_r = iris_r * rng.range_f(0.3, 0.45);
    let spokes: Vec<(f64, f64)> = (0..24)
        .map(|_| (rng.range_f(4.0, 40.0), rng.range_f(0.0, 6.3)))
        .collect();
    let lid = iris_r * rng.range_f(0.8, 1.0);
    let mut pixels = Vec::with_capacity((width * height) as usize);
    for y in 0..height {
        for x in 0..width {
            let (dx, dy) = (f64::from(x) - cx, f64::from(y) - cy);
            let r = (dx * dx + dy * dy).sqrt();
            let a = dy.atan2(dx);
            let mut v = if r < pupil_r {
                20.0
            } else if r < iris_r {
                let tex: f64 = spokes
                    .iter()
                    .map(|&(f, p)| (f * a + p + r * 0.05).sin())
                    .sum::<f64>()
                    / 24.0;
                95.0 + 45.0 * tex
            } else {
                185.0
            };
            // Upper eyelid covers the top of the iris.
            if dy < -lid + 0.002 * dx * dx {
                v = 140.0;
            }
            pixels.push((v + rng.normal() * 4.0).clamp(0.0, 255.0) as u8);
        }
    }
    Gray {
        width,
        height,
        pixels,
    }
}
