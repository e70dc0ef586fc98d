//! One impression of a master print: where and how the finger touched the platen, rendered.
//!
//! Per impression: placement and rotation ([`Pose`]), Cappelli's skin distortion, pressure
//! (ridges thicken or thin: a threshold on the master's rounded ridge profile), dry skin
//! (broken, faint ridges), wet skin (thick ridges, filled valleys, smudges), partial contact,
//! uneven contact, blur, sensor noise and the platen's background level ([`ImpressionParams`]).
//!
//! Contract: [`render_into`] draws the impression onto a gray canvas keeping the darker value
//! (several fingers on one platen); it visits only the master's footprint, uses a lookup table
//! for pressure and moisture and separable filters, so a 416x560 impression takes a few
//! milliseconds. Pose convention (as `devices::warp`): the master's centre lands on (`x`, `y`),
//! turned by `angle` radians and scaled by `scale`. [`locate`] maps a master point (a minutia) to
//! where it appears, or `None` where the finger did not touch.

use super::distortion::Distortion;
use super::filter::{binomial_blur, value_noise};
use super::master::Master;
use crate::rng::SimRng;
use crate::synth::Gray;

/// Spacing in canvas pixels of the grid on which the geometry is computed exactly.
const GRID: usize = 4;

/// The geometry at one grid point: master coordinates, contact, latent print coordinates.
#[derive(Debug, Clone, Copy, Default)]
struct GridPoint {
    master: (f32, f32),
    touch: f32,
    latent: (f32, f32),
}

/// How the skin and the contact were for one impression.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Condition {
    /// Normal skin, normal pressure, most of the fingertip in contact.
    Good,
    /// Dry skin: faint, broken ridges.
    Dry,
    /// Wet or oily skin, or pressed hard: thick ridges, filled valleys, smudges.
    Wet,
    /// Only part of the fingertip touched the platen.
    Partial,
    /// A dirty platen or a noisy sensor.
    Noisy,
}

impl Condition {
    /// Every condition.
    pub const ALL: [Condition; 5] = [
        Condition::Good,
        Condition::Dry,
        Condition::Wet,
        Condition::Partial,
        Condition::Noisy,
    ];

    /// Lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Condition::Good => "good",
            Condition::Dry => "dry",
            Condition::Wet => "wet",
            Condition::Partial => "partial",
            Condition::Noisy => "noisy",
        }
    }
}

/// Where a master lands on a canvas.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pose {
    /// Canvas column of the master's centre.
    pub x: f64,
    /// Canvas row of the master's centre.
    pub y: f64,
    /// Rotation in radians (clockwise on screen).
    pub angle: f64,
    /// Canvas pixels per master pixel.
    pub scale: f64,
}

impl Pose {
    /// The master centred on a `width` x `height` canvas, upright, at full resolution.
    pub fn centred(width: u32, height: u32) -> Self {
        Self {
            x: f64::from(width.saturating_sub(1)) / 2.0,
            y: f64::from(height.saturating_sub(1)) / 2.0,
            angle: 0.0,
            scale: 1.0,
        }
    }

    /// Centred, then moved by a few millimetres and turned by up to some 15 degrees, as a
    /// person places a finger on a single-finger scanner.
    pub fn jittered(width: u32, height: u32, rng: &mut SimRng) -> Self {
        let c = Self::centred(width, height);
        Self {
            x: c.x + (rng.normal() * 10.0).clamp(-25.0, 25.0),
            y: c.y + (rng.normal() * 12.0).clamp(-30.0, 30.0),
            angle: (rng.normal() * 6.0).clamp(-15.0, 15.0).to_radians(),
            scale: 1.0,
        }
    }
}

/// Everything that varies from one impression of a finger to the next, except the pose.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ImpressionParams {
    /// The kind of impression these parameters were drawn for.
    pub condition: Condition,
    /// Skin distortion, in master coordinates relative to the master's centre.
    pub distortion: Distortion,
    /// -1 (light touch, thin ridges) to 1 (heavy, thick ridges).
    pub pressure: f64,
    /// 0 (supple skin) to 1 (very dry: most ridge pixels missing).
    pub dryness: f64,
    /// 0 (dry) to 1 (very wet: valleys filled in blotches).
    pub wetness: f64,
    /// Fraction of the fingertip's size that is pressed flat, about 0.7-1.
    pub contact: f64,
    /// Partial contact: the finger touches only on the side of a line, given as the line's
    /// normal angle and its signed distance from the contact centre in master pixels.
    pub cut: Option<(f64, f64)>,
    /// How much the contrast of the contact varies over the fingertip, 0-1.
    pub unevenness: f64,
    /// A latent print left on a dirty platen, showing through: its rotation (radians), shift
    /// (master pixels) and ink strength 0-1.
    pub ghost: Option<(f64, (f64, f64), f64)>,
    /// Fraction of the fingertip, in patches, that does not touch at all (dry skin), 0-1.
    pub patchiness: f64,
    /// Gray level of the bare platen.
    pub background: f64,
    /// Gray level of a fully inked ridge.
    pub ridge: f64,
    /// Standard deviation of the sensor noise, gray levels.
    pub noise: f64,
    /// Binomial blur passes (optics, motion).
    pub blur: usize,
    /// Seed of the noise fields.
    pub seed: u64,
}

impl ImpressionParams {
    /// Parameters for an impression of `master` in `condition`.
    pub fn sample(master: &Master, condition: Condition, rng: &mut SimRng) -> Self {
        let extent = master.silhouette().half_extent();
        let strength = rng.range_f(0.3, 1.0);
        let mut p = Self {
            condition,
            distortion: Distortion::random(rng, extent, strength),
            pressure: rng.range_f(-0.2, 0.3),
            dryness: 0.0,
            wetness: 0.0,
            contact: rng.range_f(0.82, 0.98),
            cut: None,
            unevenness: rng.range_f(0.05, 0.25),
            patchiness: 0.0,
            ghost: None,
            background: rng.range_f(225.0, 245.0),
            ridge: rng.range_f(15.0, 45.0),
            noise: rng.range_f(2.0, 5.0),
            blur: 1,
            seed: rng.next_u64(),
        };
        match condition {
            Condition::Good => {}
            Condition::Dry => {
                p.pressure = rng.range_f(-1.0, -0.6);
                p.dryness = rng.range_f(0.4, 0.55);
                p.patchiness = rng.range_f(0.35, 0.5);
                p.ridge = rng.range_f(130.0, 160.0);
                p.noise = rng.range_f(6.0, 10.0);
                p.blur = 2;
                p.unevenness = rng.range_f(0.4, 0.7);
            }
            Condition::Wet => {
                p.pressure = rng.range_f(0.7, 1.0);
                p.wetness = rng.range_f(0.6, 0.9);
                p.ridge = rng.range_f(10.0, 30.0);
                p.blur = 3;
            }
            Condition::Partial => {
                p.contact = rng.range_f(0.78, 0.9);
                p.cut = Some((
                    rng.range_f(0.0, std::f64::consts::TAU),
                    rng.range_f(-0.12, 0.05) * extent.0.min(extent.1),
                ));
            }
            Condition::Noisy => {
                // A dirty platen: faint ridges under a latent print left by someone else, grainy.
                p.noise = rng.range_f(18.0, 26.0);
                p.ridge = rng.range_f(150.0, 170.0);
                p.blur = 3;
                p.unevenness = rng.range_f(0.4, 0.6);
                p.ghost = Some((
                    rng.range_f(0.5, 1.2) * if rng.unit() < 0.5 { -1.0 } else { 1.0 },
                    (rng.range_f(-60.0, 60.0), rng.range_f(-60.0, 60.0)),
                    rng.range_f(0.7, 0.9),
                ));
            }
        }
        p
    }
}

/// Bilinear sample of a row-major byte buffer; `outside` beyond its edge.
fn bilinear(buf: &[u8], w: usize, h: usize, x: f64, y: f64, outside: f32) -> f32 {
    if !(x >= 0.0 && y >= 0.0) || x > (w - 1) as f64 || y > (h - 1) as f64 {
        return outside;
    }
    let (x0, y0) = (x as usize, y as usize);
    let (x1, y1) = ((x0 + 1).min(w - 1), (y0 + 1).min(h - 1));
    let (fx, fy) = ((x - x0 as f64) as f32, (y - y0 as f64) as f32);
    let px = |xx: usize, yy: usize| f32::from(buf.get(yy * w + xx).copied().unwrap_or(0));
    let top = px(x0, y0) + (px(x1, y0) - px(x0, y0)) * fx;
    let bottom = px(x0, y1) + (px(x1, y1) - px(x0, y1)) * fx;
    top + (bottom - top) * fy
}

/// The geometry of one impression: canvas point to master point and back.
struct Geometry {
    pose: Pose,
    sin: f64,
    cos: f64,
    centre: (f64, f64),
    distortion: Distortion,
}

impl Geometry {
    fn new(master: &Master, params: &ImpressionParams, pose: Pose) -> Self {
        let (sin, cos) = pose.angle.sin_cos();
        let img = master.image();
        Self {
            pose,
            sin,
            cos,
            centre: (
                f64::from(img.width.saturating_sub(1)) / 2.0,
                f64::from(img.height.saturating_sub(1)) / 2.0,
            ),
            distortion: params.distortion,
        }
    }

    /// Finger coordinates (relative to the master centre, undistorted) of a canvas point.
    fn finger(&self, x: f64, y: f64) -> (f64, f64) {
        let (dx, dy) = (
            (x - self.pose.x) / self.pose.scale,
            (y - self.pose.y) / self.pose.scale,
        );
        (
            dx * self.cos + dy * self.sin,
            -dx * self.sin + dy * self.cos,
        )
    }

    /// Master pixel coordinates of a canvas point.
    fn master(&self, x: f64, y: f64) -> (f64, f64) {
        let (u, v) = self.distortion.apply(self.finger(x, y));
        (u + self.centre.0, v + self.centre.1)
    }

    /// Canvas point showing master point `m` (inverting the distortion by fixed-point steps).
    fn canvas(&self, m: (f64, f64)) -> (f64, f64) {
        let target = (m.0 - self.centre.0, m.1 - self.centre.1);
        let mut q = target;
        for _ in 0..20 {
            let d = self.distortion.apply(q);
            q = (q.0 + target.0 - d.0, q.1 + target.1 - d.1);
        }
        let (dx, dy) = (
            q.0 * self.cos - q.1 * self.sin,
            q.0 * self.sin + q.1 * self.cos,
        );
        (
            self.pose.x + dx * self.pose.scale,
            self.pose.y + dy * self.pose.scale,
        )
    }
}

/// How firmly master point `m` touched: the silhouette shrunk to the contact area, cut for
/// partial contact.
fn contact(master: &Master, params: &ImpressionParams, m: (f64, f64)) -> f32 {
    let img = master.image();
    let (w, h) = (img.width as usize, img.height as usize);
    let (cx, cy) = master.silhouette().centre();
    let k = 1.0 / params.contact.max(0.05);
    let (sx, sy) = (cx + (m.0 - cx) * k, cy + (m.1 - cy) * k);
    let mut c = bilinear(master.coverage(), w, h, sx, sy, 0.0) / 255.0;
    if let Some((angle, offset)) = params.cut {
        let (s, co) = angle.sin_cos();
        let side = (m.0 - cx) * co + (m.1 - cy) * s - offset;
        c *= (-side / 6.0).clamp(0.0, 1.0) as f32;
    }
    c
}

/// Where master point `point` (e.g. a minutia) appears on the canvas for this impression, or
/// `None` if the finger did not touch there.
pub fn locate(
    master: &Master,
    params: &ImpressionParams,
    pose: Pose,
    point: (f64, f64),
) -> Option<(f64, f64)> {
    let g = Geometry::new(master, params, pose);
    let at = g.canvas(point);
    (contact(master, params, point) > 0.9).then_some(at)
}

/// Draws one impression of `master` onto `canvas` (`width` x `height` gray, row-major), keeping
/// the darker of canvas and impression.
pub fn render_into(
    master: &Master,
    params: &ImpressionParams,
    pose: Pose,
    canvas: &mut [u8],
    width: u32,
    height: u32,
) {
    let img = master.image();
    if !(pose.scale.is_finite() && pose.scale > 0.0 && pose.x.is_finite() && pose.y.is_finite())
        || canvas.len() < width as usize * height as usize
    {
        return;
    }
    let (mw, mh) = (img.width as usize, img.height as usize);
    let g = Geometry::new(master, params, pose);
    // The footprint: the master's bounding circle plus room for the distortion.
    let reach = ((mw as f64).hypot(mh as f64) / 2.0 + 20.0) * pose.scale;
    let clip = |v: f64, max: u32| v.clamp(0.0, f64::from(max)) as usize;
    let (x0, x1) = (
        clip(pose.x - reach, width),
        clip(pose.x + reach + 1.0, width),
    );
    let (y0, y1) = (
        clip(pose.y - reach, height),
        clip(pose.y + reach + 1.0, height),
    );
    let (bw, bh) = (x1.saturating_sub(x0), y1.saturating_sub(y0));
    if bw == 0 || bh == 0 {
        return;
    }
    let mut rng = SimRng::new(params.seed);
    let lut = ink_table(params);
    let scale = pose.scale.max(1e-3);
    // Fields in canvas pixels; their feature sizes follow the master's scale.
    let dry = (params.dryness > 0.0).then(|| value_noise(bw, bh, 3.0 * scale, &mut rng));
    let wet = (params.wetness > 0.0).then(|| value_noise(bw, bh, 12.0 * scale, &mut rng));
    let uneven = value_noise(bw, bh, 70.0 * scale, &mut rng);
    let patches = (params.patchiness > 0.0).then(|| value_noise(bw, bh, 22.0 * scale, &mut rng));
    let (bg, ridge) = (params.background as f32, params.ridge as f32);
    let ghost = params.ghost.map(|(angle, shift, strength)| {
        let ghost_pose = Pose {
            angle: pose.angle + angle,
            x: pose.x + shift.0 * pose.scale,
            y: pose.y + shift.1 * pose.scale,
            ..pose
        };
        let mut still = *params;
        still.distortion = Distortion::none();
        (Geometry::new(master, &still, ghost_pose), strength as f32)
    });
    let mut buf = vec![bg; bw * bh];
    // The mapping and the contact are smooth: compute them every GRID pixels and interpolate.
    let (gw, gh) = (bw / GRID + 2, bh / GRID + 2);
    let mut grid = Vec::with_capacity(gw * gh);
    for gy in 0..gh {
        for gx in 0..gw {
            let (cx, cy) = ((x0 + gx * GRID) as f64, (y0 + gy * GRID) as f64);
            let m = g.master(cx, cy);
            let latent = ghost
                .as_ref()
                .map_or((0.0, 0.0), |(geometry, _)| geometry.master(cx, cy));
            grid.push(GridPoint {
                master: (m.0 as f32, m.1 as f32),
                touch: contact(master, params, m),
                latent: (latent.0 as f32, latent.1 as f32),
            });
        }
    }
    for by in 0..bh {
        let (gy, fy) = (by / GRID, (by % GRID) as f32 / GRID as f32);
        for bx in 0..bw {
            let (gx, fx) = (bx / GRID, (bx % GRID) as f32 / GRID as f32);
            let at = |xx: usize, yy: usize| grid.get(yy * gw + xx).copied().unwrap_or_default();
            let (a, b, c, d) = (
                at(gx, gy),
                at(gx + 1, gy),
                at(gx, gy + 1),
                at(gx + 1, gy + 1),
            );
            let lerp = |p: f32, q: f32, r: f32, t: f32| {
                let top = p + (q - p) * fx;
                let bottom = r + (t - r) * fx;
                top + (bottom - top) * fy
            };
            let touch = lerp(a.touch, b.touch, c.touch, d.touch);
            let i = by * bw + bx;
            let latent = ghost.as_ref().map_or(0.0, |(_, strength)| {
                let lx = lerp(a.latent.0, b.latent.0, c.latent.0, d.latent.0);
                let ly = lerp(a.latent.1, b.latent.1, c.latent.1, d.latent.1);
                let gray = bilinear(&img.pixels, mw, mh, f64::from(lx), f64::from(ly), 255.0);
                lut[gray.clamp(0.0, 255.0) as usize] * strength
            });
            if touch <= 0.0 {
                buf[i] = bg - (bg - ridge) * latent;
                continue;
            }
            let m = (
                f64::from(lerp(a.master.0, b.master.0, c.master.0, d.master.0)),
                f64::from(lerp(a.master.1, b.master.1, c.master.1, d.master.1)),
            );
            let gray = bilinear(&img.pixels, mw, mh, m.0, m.1, 255.0);
            let mut ink = lut[gray.clamp(0.0, 255.0) as usize];
            if let Some(wet) = &wet {
                // Blotches where moisture fills the valleys.
                let blot = ((params.wetness as f32 * 0.5 - wet[i]) * 5.0).clamp(0.0, 0.7);
                ink = ink.max(blot);
            }
            if let Some(dry) = &dry {
                // Ridge pixels drop out where the skin does not touch.
                ink *= ((dry[i] - params.dryness as f32 * 0.8) * 5.0 + 0.5).clamp(0.0, 1.0);
            }
            if let Some(patches) = &patches {
                // Whole patches of dry skin never touch the platen.
                ink *= ((patches[i] - params.patchiness as f32) * 8.0 + 0.5).clamp(0.0, 1.0);
            }
            let even = 1.0 - params.unevenness as f32 * uneven[i];
            buf[i] = bg - (bg - ridge) * (ink * touch * even).max(latent);
        }
    }
    binomial_blur(&mut buf, bw, bh, params.blur);
    let amplitude = (params.noise * 3f64.sqrt()) as f32;
    for by in 0..bh {
        let row = (y0 + by) * width as usize + x0;
        for bx in 0..bw {
            let noise = if amplitude > 0.0 {
                // Uniform noise of the requested deviation, from 16 bits per pixel.
                ((rng.next_u64() & 0xffff) as f32 / 32767.5 - 1.0) * amplitude
            } else {
                0.0
            };
            let v = (buf[by * bw + bx] + noise).clamp(0.0, 255.0) as u8;
            if let Some(slot) = canvas.get_mut(row + bx) {
                *slot = (*slot).min(v);
            }
        }
    }
}

/// Ink (0-1) for each master gray level under this impression's pressure and moisture.
fn ink_table(params: &ImpressionParams) -> [f32; 256] {
    // Heavy pressure and moisture move the ridge edge into the valley, thickening ridges.
    let threshold = 128.0 + 45.0 * params.pressure + 50.0 * params.wetness;
    let softness = 22.0 + 20.0 * params.wetness;
    let mut table = [0f32; 256];
    for (g, slot) in table.iter_mut().enumerate() {
        let t = ((threshold - g as f64) / softness * 0.5 + 0.5).clamp(0.0, 1.0);
        *slot = (t * t * (3.0 - 2.0 * t)) as f32;
    }
    table
}

/// An impression of `master` on a `width` x `height` canvas of the impression's background.
pub fn render(
    master: &Master,
    params: &ImpressionParams,
    pose: Pose,
    width: u32,
    height: u32,
) -> Gray {
    let bg = params.background.clamp(0.0, 255.0) as u8;
    let mut pixels = vec![bg; width as usize * height as usize];
    // The bare platen shows sensor noise too.
    let mut rng = SimRng::new(params.seed ^ 0x5eed_ba5e);
    let amplitude = (params.noise * 3f64.sqrt()) as f32;
    for p in &mut pixels {
        let noise = ((rng.next_u64() & 0xffff) as f32 / 32767.5 - 1.0) * amplitude;
        *p = (f32::from(*p) + noise).clamp(0.0, 255.0) as u8;
    }
    render_into(master, params, pose, &mut pixels, width, height);
    Gray {
        width,
        height,
        pixels,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prints::master::MasterSize;

    fn master() -> Master {
        Master::generate(21, MasterSize::new(200, 240).expect("a valid size"))
    }

    fn mean(g: &Gray) -> f64 {
        g.pixels.iter().map(|&p| f64::from(p)).sum::<f64>() / g.pixels.len() as f64
    }

    #[test]
    fn the_same_parameters_give_the_same_pixels() {
        let m = master();
        let p = ImpressionParams::sample(&m, Condition::Good, &mut SimRng::new(1));
        let pose = Pose::centred(200, 240);
        assert_eq!(
            render(&m, &p, pose, 200, 240),
            render(&m, &p, pose, 200, 240)
        );
    }

    #[test]
    fn a_dry_impression_is_lighter_than_a_wet_one() {
        let m = master();
        let pose = Pose::centred(200, 240);
        let dry = ImpressionParams::sample(&m, Condition::Dry, &mut SimRng::new(2));
        let wet = ImpressionParams::sample(&m, Condition::Wet, &mut SimRng::new(2));
        assert!(
            mean(&render(&m, &dry, pose, 200, 240))
                > mean(&render(&m, &wet, pose, 200, 240)) + 20.0
        );
    }

    #[test]
    fn a_minutia_is_located_where_the_impression_shows_the_master_point() {
        let m = master();
        let p = ImpressionParams::sample(&m, Condition::Good, &mut SimRng::new(3));
        let pose = Pose {
            x: 90.0,
            y: 130.0,
            angle: 0.2,
            scale: 1.0,
        };
        let g = Geometry::new(&m, &p, pose);
        for point in [(100.0, 120.0), (60.0, 80.0), (150.0, 200.0)] {
            let at = g.canvas(point);
            let back = g.master(at.0, at.1);
            assert!(
                (back.0 - point.0).hypot(back.1 - point.1) < 0.01,
                "{point:?} -> {back:?}"
            );
        }
    }

    #[test]
    fn a_pose_far_off_the_canvas_draws_nothing() {
        let m = master();
        let p = ImpressionParams::sample(&m, Condition::Good, &mut SimRng::new(4));
        let mut canvas = vec![200u8; 64];
        let pose = Pose {
            x: -1e9,
            y: 1e12,
            angle: 1.0,
            scale: 3.0,
        };
        render_into(&m, &p, pose, &mut canvas, 8, 8);
        assert!(canvas.iter().all(|&v| v == 200));
    }
}
