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
    /// The backdrop colour as RGB.
    pub fn rgb(self) -> [u8; 3] {
        match self {
            Background::Red => [200, 24, 30],
            Background::Blue => [20, 80, 170],
            Background::Orange => [235, 130, 30],
        }
    }
}

/// How the sitter of a [`portrait_with`] looks: defects a face-quality check must catch.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PortraitStyle {
    /// The backdrop colour.
    pub background: Background,
    /// Head turned left/right, degrees (positive: the face turns towards the image's right).
    pub yaw_deg: f64,
    /// Eyes shut.
    pub eyes_closed: bool,
    /// Dark-rimmed glasses.
    pub glasses: bool,
    /// A cluttered backdrop (shelves, posters) instead of the plain cloth.
    pub cluttered: bool,
    /// Light from one side: -1 (all from the image's left) ..= 1; 0 even.
    pub side_light: f64,
}

impl PortraitStyle {
    /// A plain, frontal, evenly lit sitter with open eyes and no glasses.
    pub fn plain(background: Background) -> Self {
        Self {
            background,
            yaw_deg: 0.0,
            eyes_closed: false,
            glasses: false,
            cluttered: false,
            side_light: 0.0,
        }
    }
}

/// Where a well-framed [`portrait`] of `width` x `height` has its eyes (image-left, image-right),
/// for a frontal head; a yawed head shifts them by [`eye_shift`].
pub fn portrait_eyes(width: u32, height: u32, yaw_deg: f64) -> ((f64, f64), (f64, f64)) {
    let (w, h) = (f64::from(width), f64::from(height));
    let (cx, cy, ax, ay) = (w * 0.5, h * 0.45, w * 0.2, h * 0.21);
    let (shift, squeeze) = eye_shift(yaw_deg);
    let y = cy + EYE_NY * ay;
    (
        (cx + (shift - EYE_NX * squeeze) * ax, y),
        (cx + (shift + EYE_NX * squeeze) * ax, y),
    )
}

/// Horizontal offset of the facial features (in face half-widths) and the squeeze of their
/// spacing when the head turns by `yaw_deg`.
pub fn eye_shift(yaw_deg: f64) -> (f64, f64) {
    let yaw = yaw_deg.to_radians();
    // A cylinder-like head: features on the front move by sin(yaw) of the half-width.
    (yaw.sin(), yaw.cos())
}

/// Eye centres in face half-widths / half-heights from the face centre.
const EYE_NX: f64 = 0.42;
const EYE_NY: f64 = -0.12;

/// A frontal head-and-shoulders portrait on a plain background.
pub fn portrait(rng: &mut SimRng, width: u32, height: u32, background: Background) -> Rgb {
    portrait_with(rng, width, height, &PortraitStyle::plain(background))
}

/// A head-and-shoulders portrait in `style`: oval face with hair, brows, eyes with iris and
/// lids, nose shading and lips, so that face detectors trained on photos find it.
pub fn portrait_with(rng: &mut SimRng, width: u32, height: u32, style: &PortraitStyle) -> Rgb {
    let (w, h) = (f64::from(width), f64::from(height));
    let skin = [
        rng.range(150, 215) as f64,
        rng.range(105, 160) as f64,
        rng.range(80, 125) as f64,
    ];
    let hair = rng.range_f(15.0, 45.0);
    let clutter_seed = rng.next_u64();
    let (cx, cy) = (w * 0.5, h * 0.45);
    let (ax, ay) = (w * 0.2, h * 0.21);
    let (shift, squeeze) = eye_shift(style.yaw_deg);
    let bg = style.background.rgb();
    let hair_c = [hair, hair * 0.8, hair * 0.7];
    let mut pixels = Vec::with_capacity((width * height * 3) as usize);
    for y in 0..height {
        for x in 0..width {
            let (fx, fy) = (f64::from(x), f64::from(y));
            let (nx, ny) = ((fx - cx) / ax, (fy - cy) / ay);
            let r2 = nx * nx + ny * ny;
            let mut c = if style.cluttered {
                clutter(clutter_seed, fx / w, fy / h)
            } else {
                [f64::from(bg[0]), f64::from(bg[1]), f64::from(bg[2])]
            };
            // Neck, then shoulders and clothing.
            if nx.abs() < 0.45 && ny > 0.6 && fy < h * 0.8 {
                c = [skin[0] * 0.8, skin[1] * 0.8, skin[2] * 0.8];
            }
            let shoulder = (fy - h * 0.78) / (h * 0.22) - ((fx - cx) / (w * 0.48)).powi(2) * -0.6;
            if fy > h * 0.7
                && ((fx - cx) / (w * 0.46)).powi(2) + ((h - fy) / (h * 0.3) - 1.0).powi(2)
                    < 1.0 + shoulder
            {
                c = [40.0, 40.0, 55.0];
            }
            // Hair around the top of the head, a little wider than the face.
            let (hx, hy) = (nx / 1.08, (ny + 0.08) / 1.12);
            if hx * hx + hy * hy < 1.0 && ny < -0.35 {
                c = hair_c;
            }
            if r2 < 1.0 {
                c = face_pixel(nx, ny, shift, squeeze, skin, hair_c, style);
                // Soft shading towards the edge of the face, and light from one side.
                let shade = (1.0 - 0.25 * r2) * (1.0 + 0.45 * style.side_light * nx);
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

/// The colour of the face at (`nx`, `ny`) (face half-widths from its centre, inside the oval).
fn face_pixel(
    nx: f64,
    ny: f64,
    shift: f64,
    squeeze: f64,
    skin: [f64; 3],
    hair: [f64; 3],
    style: &PortraitStyle,
) -> [f64; 3] {
    let dark = |k: f64| [skin[0] * k, skin[1] * k, skin[2] * k];
    // Hair above the forehead.
    if ny < -0.62 + 0.1 * (nx * 3.0).cos() {
        return hair;
    }
    let mut c = skin;
    for side in [-1.0, 1.0] {
        let ex = nx - (shift + side * EYE_NX * squeeze);
        // Brows: an arched bar above each eye.
        let bx = ex / (0.22 * squeeze);
        let by = (ny - (EYE_NY - 0.17 + 0.05 * bx * bx)) / 0.035;
        if bx.abs() < 1.0 && by.abs() < 1.0 {
            c = hair;
        }
        let (u, v) = (ex / (0.16 * squeeze), (ny - EYE_NY) / 0.065);
        let e2 = u * u + v * v;
        if style.eyes_closed {
            // A shut lid: skin with the lash line across it.
            if u.abs() < 1.0 && (v - 0.3 * (1.0 - u * u)).abs() < 0.25 {
                c = [30.0, 22.0, 20.0];
            }
        } else if e2 < 1.0 {
            let iris = (ex / 0.075).powi(2) + ((ny - EYE_NY) / 0.06).powi(2);
            c = if iris < 0.3 {
                [15.0, 10.0, 10.0]
            } else if iris < 1.0 {
                [70.0, 45.0, 30.0]
            } else if v < -0.55 {
                [40.0, 30.0, 25.0] // upper lid and lashes
            } else {
                [225.0, 220.0, 210.0]
            };
        } else if e2 < 1.6 && v < 0.0 {
            c = dark(0.75); // lid crease
        }
        if style.glasses {
            let (gx, gy) = (ex / (0.27 * squeeze), (ny - EYE_NY) / 0.14);
            let g = (gx * gx + gy * gy).sqrt();
            if (0.85..1.0).contains(&g) {
                c = [20.0, 20.0, 22.0];
            }
        }
    }
    if style.glasses {
        // The bridge between the lenses.
        let bridge = nx - shift;
        if bridge.abs() < 0.15 * squeeze && (ny - (EYE_NY - 0.03)).abs() < 0.02 {
            c = [20.0, 20.0, 22.0];
        }
    }
    // Nose: a shaded side, the tip and nostrils.
    let nose_x = nx - shift * 1.15;
    if (-0.05..0.28).contains(&ny) && (nose_x - 0.07).abs() < 0.03 {
        c = dark(0.82);
    }
    for side in [-1.0, 1.0] {
        let (u, v) = ((nose_x - side * 0.08) / 0.05, (ny - 0.3) / 0.03);
        if u * u + v * v < 1.0 {
            c = dark(0.45);
        }
    }
    // Lips with the dark line between them.
    let (mx, my) = ((nx - shift) / (0.3 * squeeze), (ny - 0.52) / 0.07);
    if mx * mx + my * my < 1.0 {
        c = if my.abs() < 0.18 {
            [70.0, 30.0, 30.0]
        } else {
            [160.0, 75.0, 70.0]
        };
    }
    c
}

/// A busy backdrop at (`u`, `v`) (fractions of the image): shelves of differently coloured
/// blocks, as in an office corner.
fn clutter(seed: u64, u: f64, v: f64) -> [f64; 3] {
    let (col, row) = ((u * 9.0) as u64, (v * 6.0) as u64);
    let mut z = seed ^ (col.wrapping_mul(0x9e37_79b9_7f4a_7c15)) ^ (row << 32);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    let shelf = (v * 6.0).fract() < 0.08;
    if shelf {
        return [90.0, 60.0, 35.0];
    }
    [
        (z & 0xff) as f64,
        ((z >> 8) & 0xff) as f64,
        ((z >> 16) & 0xff) as f64,
    ]
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
