//! A simulated face camera: still capture and live preview of a synthetic sitter
//! (`synth::portrait`) whose background, face position and size, lighting and focus are simple
//! parameters, with exposure compensation and white balance controls.
//!
//! Contract: the same seed and [`FaceScene`] give the same sitter; each shot adds fresh sensor
//! noise drawn from the seed and the shot count. Stills arrive as JPEG (as PTP cameras deliver
//! them) or raw RGB, previews as raw RGB at the preview size, paced at the preview rate.

use std::time::{Duration, Instant};

use rekam_drivers::camera::{Camera, CameraCapabilities, Exposure, Photo, WhiteBalance};
use rekam_drivers::fingerprint::CaptureOptions;
use rekam_drivers::identity::ImageSize;
use rekam_drivers::image::RgbImage;
use rekam_drivers::{DeviceIdentity, ErrorKind};

use super::error::DeviceError;
use super::pace::{FramePacer, Waited, wait_until};
use super::sim_identity;
use super::warp::{add_noise, resize_nearest};
use crate::rng::SimRng;
use crate::sample;
use crate::synth::{self, Background, Rgb};

/// What stands in front of the camera.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FaceScene {
    /// The backdrop colour (red for an odd birth year, blue for even, orange for foreigners).
    pub background: Background,
    /// Column of the face centre, as a fraction of the width (0.5 centred).
    pub face_x: f64,
    /// Row of the face centre, as a fraction of the height (0.45 where a well-framed face sits).
    pub face_y: f64,
    /// Face size relative to a well-framed portrait (1.0); smaller means the sitter is farther.
    pub face_scale: f64,
    /// Scene brightness in stops relative to correct lighting (negative: too dark).
    pub lighting_ev: f64,
    /// Defocus as a box-blur radius in pixels (0 sharp).
    pub blur_radius: u32,
    /// Head tilted in the image plane, degrees (positive: clockwise on screen).
    pub roll_deg: f64,
    /// Head turned left/right, degrees (positive: the face turns towards the image's right).
    pub yaw_deg: f64,
    /// Eyes shut.
    pub eyes_closed: bool,
    /// Wearing glasses.
    pub glasses: bool,
    /// A cluttered backdrop instead of the plain cloth.
    pub cluttered: bool,
    /// Light from one side, -1 (image left) ..= 1 (image right); 0 even.
    pub side_light: f64,
}

impl FaceScene {
    /// A well-framed, well-lit, sharp sitter in front of `background`.
    pub fn framed(background: Background) -> Self {
        Self {
            background,
            face_x: 0.5,
            face_y: 0.45,
            face_scale: 1.0,
            lighting_ev: 0.0,
            blur_radius: 0,
            roll_deg: 0.0,
            yaw_deg: 0.0,
            eyes_closed: false,
            glasses: false,
            cluttered: false,
            side_light: 0.0,
        }
    }

    /// Where the sitter's eyes land (image-left, image-right) in a still of `width` x `height`:
    /// the ground truth a face-quality check's eye finder is measured against.
    pub fn eyes(&self, width: u32, height: u32) -> ((f64, f64), (f64, f64)) {
        let (l, r) = synth::portrait_eyes(width, height, self.yaw_deg);
        (
            self.place_point(l, width, height),
            self.place_point(r, width, height),
        )
    }

    /// Maps a point of the well-framed portrait into the scene's image (the inverse of the map
    /// `render_scene` samples through).
    fn place_point(&self, p: (f64, f64), width: u32, height: u32) -> (f64, f64) {
        let (fw, fh) = (f64::from(width), f64::from(height));
        let scale = self.face_scale.max(0.01);
        let (dx, dy) = ((p.0 - 0.5 * fw) * scale, (p.1 - 0.45 * fh) * scale);
        let (sin, cos) = self.roll_deg.to_radians().sin_cos();
        (
            self.face_x * fw + dx * cos - dy * sin,
            self.face_y * fh + dx * sin + dy * cos,
        )
    }
}

/// How the simulated camera behaves.
#[derive(Debug, Clone)]
pub struct CameraConfig {
    /// Seed of the sitter and of sensor noise.
    pub seed: u64,
    /// Still size.
    pub still: ImageSize,
    /// Preview size.
    pub preview: ImageSize,
    /// Preview rate.
    pub preview_fps: u32,
    /// Time from the shutter command to the picture.
    pub shutter_delay: Duration,
    /// Deliver stills as JPEG (true) or raw RGB.
    pub jpeg_stills: bool,
    /// Standard deviation of sensor noise, in levels.
    pub noise: f64,
}

impl CameraConfig {
    /// A 600x800 portrait camera with a 300x400 preview at 30 fps and a 200 ms shutter.
    pub fn portrait(seed: u64) -> Self {
        Self {
            seed,
            still: ImageSize {
                width: 600,
                height: 800,
            },
            preview: ImageSize {
                width: 300,
                height: 400,
            },
            preview_fps: 30,
            shutter_delay: Duration::from_millis(200),
            jpeg_stills: true,
            noise: 2.0,
        }
    }

    /// Small raw images and no shutter delay, for fast tests.
    pub fn tiny(seed: u64) -> Self {
        Self {
            still: ImageSize {
                width: 120,
                height: 160,
            },
            preview: ImageSize {
                width: 60,
                height: 80,
            },
            shutter_delay: Duration::ZERO,
            jpeg_stills: false,
            ..Self::portrait(seed)
        }
    }
}

/// A simulated camera.
pub struct SimCamera {
    config: CameraConfig,
    identity: DeviceIdentity,
    capabilities: CameraCapabilities,
    scene: FaceScene,
    exposure: Exposure,
    white_balance: WhiteBalance,
    /// Colour temperature of the light on the scene, kelvin (5500: the daylight lamps the
    /// simulator's colours assume).
    light_kelvin: f64,
    shots: u64,
    pacer: FramePacer,
    /// The scene rendered at still and preview size; rebuilt when the scene changes.
    rendered: Option<(Vec<u8>, Vec<u8>)>,
}

impl SimCamera {
    /// A camera looking at `scene`.
    pub fn new(config: CameraConfig, scene: FaceScene) -> Self {
        let capabilities = CameraCapabilities {
            still: config.still,
            preview: Some(config.preview),
            exposure: true,
            white_balance: true,
        };
        Self {
            identity: sim_identity("camera", config.seed),
            pacer: FramePacer::new(config.preview_fps),
            config,
            capabilities,
            scene,
            exposure: Exposure::Auto,
            white_balance: WhiteBalance::Auto,
            light_kelvin: DAYLIGHT_K,
            shots: 0,
            rendered: None,
        }
    }

    /// Changes what stands in front of the camera.
    pub fn set_scene(&mut self, scene: FaceScene) {
        self.scene = scene;
        self.rendered = None;
    }

    /// Lights the scene with lamps of `kelvin` (e.g. 3000 for tungsten bulbs at a mobile unit):
    /// a camera balanced for daylight renders the whole picture, backdrop included, warmer, until
    /// its white balance is set to the lamps' temperature. Nonsense values mean daylight.
    pub fn set_light(&mut self, kelvin: f64) {
        self.light_kelvin = if kelvin.is_finite() && kelvin >= 1000.0 {
            kelvin
        } else {
            DAYLIGHT_K
        };
    }

    /// The exposure and white balance in force.
    pub fn settings(&self) -> (Exposure, WhiteBalance) {
        (self.exposure, self.white_balance)
    }

    /// What stands in front of the camera.
    pub fn scene(&self) -> FaceScene {
        self.scene
    }

    fn error(&self, kind: ErrorKind, detail: impl Into<String>) -> DeviceError {
        DeviceError::new(&self.identity, kind, detail)
    }

    fn rendered(&mut self) -> &(Vec<u8>, Vec<u8>) {
        let (config, scene) = (&self.config, self.scene);
        self.rendered.get_or_insert_with(|| {
            let still = render_scene(config.seed, config.still, scene);
            let preview = resize_nearest(
                &still,
                config.still.width,
                config.still.height,
                3,
                config.preview.width,
                config.preview.height,
            );
            (still, preview)
        })
    }

    /// Per-channel gains: scene lighting plus exposure compensation, times white balance.
    fn gains(&self) -> [f64; 3] {
        let compensation = match self.exposure {
            Exposure::Auto => 0.0,
            Exposure::Compensation(tenths) => f64::from(tenths) / 10.0,
        };
        let level = 2f64.powf(self.scene.lighting_ev + compensation);
        let wb = white_balance_gains(self.white_balance);
        let light = light_gains(self.light_kelvin);
        [
            level * wb[0] * light[0],
            level * wb[1] * light[1],
            level * wb[2] * light[2],
        ]
    }

    /// Develops one frame of `size` from the rendered scene.
    fn develop(&mut self, preview: bool) -> Result<RgbImage, DeviceError> {
        let gains = self.gains();
        self.shots += 1;
        let mut rng = SimRng::derive(self.config.seed, &format!("shot-{}", self.shots));
        let noise = self.config.noise;
        let size = if preview {
            self.config.preview
        } else {
            self.config.still
        };
        let (still, small) = self.rendered();
        let mut pixels = if preview {
            small.clone()
        } else {
            still.clone()
        };
        for px in pixels.chunks_exact_mut(3) {
            for (v, g) in px.iter_mut().zip(gains) {
                *v = (f64::from(*v) * g).clamp(0.0, 255.0) as u8;
            }
        }
        add_noise(&mut pixels, &mut rng, noise);
        RgbImage::new(size.width, size.height, pixels)
            .map_err(|e| self.error(ErrorKind::HardwareFault, e.to_string()))
    }
}

/// The colour temperature the simulator's scene colours are given at.
const DAYLIGHT_K: f64 = 5500.0;

/// Channel gains of lamps of `kelvin` seen by a camera balanced for daylight: lower temperatures
/// are redder, higher ones bluer; exactly undone by [`white_balance_gains`] set to the same
/// temperature.
fn light_gains(kelvin: f64) -> [f64; 3] {
    let t = (kelvin / DAYLIGHT_K).ln();
    [(-0.5 * t).exp(), 1.0, (0.5 * t).exp()]
}

/// Channel gains of a white-balance setting under the simulator's daylight (5500 K) scene: a
/// camera set for a lower colour temperature renders daylight bluer, a higher one redder.
fn white_balance_gains(wb: WhiteBalance) -> [f64; 3] {
    let kelvin = match wb {
        WhiteBalance::Auto | WhiteBalance::Daylight => DAYLIGHT_K,
        WhiteBalance::Fluorescent => 4000.0,
        WhiteBalance::Tungsten => 3200.0,
        WhiteBalance::Flash => 5800.0,
        WhiteBalance::Kelvin(k) => f64::from(k.max(1000)),
    };
    let t = (kelvin / 5500.0).ln();
    [(0.5 * t).exp(), 1.0, (-0.5 * t).exp()]
}

/// The sitter at `size`: a portrait moved and scaled so the face centre lands at the scene's
/// position, on the backdrop colour, then defocused.
fn render_scene(seed: u64, size: ImageSize, scene: FaceScene) -> Vec<u8> {
    let (w, h) = (size.width.max(1), size.height.max(1));
    let mut rng = SimRng::derive(seed, "sitter");
    let style = synth::PortraitStyle {
        background: scene.background,
        yaw_deg: scene.yaw_deg,
        eyes_closed: scene.eyes_closed,
        glasses: scene.glasses,
        cluttered: scene.cluttered,
        side_light: scene.side_light,
    };
    let portrait = synth::portrait_with(&mut rng, w, h, &style);
    let backdrop = backdrop_colour(&portrait);
    let (sin, cos) = scene.roll_deg.to_radians().sin_cos();
    let scale = if scene.face_scale > 0.01 {
        scene.face_scale
    } else {
        0.01
    };
    let (fw, fh) = (f64::from(w), f64::from(h));
    let mut out = Vec::with_capacity(w as usize * h as usize * 3);
    for y in 0..h {
        for x in 0..w {
            // Inverse map into the well-framed portrait, whose face centre is at (0.5, 0.45):
            // undo the roll about the face centre, then the scale.
            let (dx, dy) = (
                f64::from(x) - scene.face_x * fw,
                f64::from(y) - scene.face_y * fh,
            );
            let (rx, ry) = (dx * cos + dy * sin, -dx * sin + dy * cos);
            let sx = 0.5 * fw + rx / scale;
            let sy = 0.45 * fh + ry / scale;
            let inside = sx >= 0.0 && sy >= 0.0 && sx < fw && sy < fh;
            let at = (sy as usize * w as usize + sx as usize) * 3;
            match portrait.pixels.get(at..at + 3).filter(|_| inside) {
                Some(px) => out.extend_from_slice(px),
                None => out.extend_from_slice(&backdrop),
            }
        }
    }
    box_blur(&mut out, w as usize, h as usize, scene.blur_radius as usize);
    out
}

/// The backdrop colour, read from the portrait's top-left corner (always backdrop).
fn backdrop_colour(portrait: &Rgb) -> [u8; 3] {
    let corner: Vec<&[u8]> = portrait.pixels.chunks_exact(3).take(8).collect();
    let mut sum = [0u32; 3];
    for px in &corner {
        for (s, &v) in sum.iter_mut().zip(px.iter()) {
            *s += u32::from(v);
        }
    }
    let n = corner.len().max(1) as u32;
    [(sum[0] / n) as u8, (sum[1] / n) as u8, (sum[2] / n) as u8]
}

/// Separable box blur of radius `r` on an RGB buffer, in place.
fn box_blur(pixels: &mut [u8], w: usize, h: usize, r: usize) {
    if r == 0 || pixels.len() != w * h * 3 {
        return;
    }
    // A radius past the image's size blurs no further.
    let r = r.min(w.max(h));
    let pass = |src: &[u8],
                dst: &mut [u8],
                len: usize,
                lines: usize,
                at: &dyn Fn(usize, usize) -> usize| {
        for line in 0..lines {
            for i in 0..len {
                let (lo, hi) = (i.saturating_sub(r), (i + r).min(len - 1));
                for c in 0..3 {
                    let sum: u32 = (lo..=hi).map(|k| u32::from(src[at(line, k) + c])).sum();
                    dst[at(line, i) + c] = (sum / (hi - lo + 1) as u32) as u8;
                }
            }
        }
    };
    let mut tmp = pixels.to_vec();
    pass(pixels, &mut tmp, w, h, &|row, col| (row * w + col) * 3);
    pass(&tmp, pixels, h, w, &|col, row| (row * w + col) * 3);
}

impl Camera for SimCamera {
    type Error = DeviceError;

    fn identity(&self) -> &DeviceIdentity {
        &self.identity
    }

    fn capabilities(&self) -> &CameraCapabilities {
        &self.capabilities
    }

    fn capture_still(&mut self, options: &CaptureOptions) -> Result<Photo, DeviceError> {
        let due = Instant::now().checked_add(self.config.shutter_delay);
        match wait_until(due, options.timeout, &options.cancel) {
            Waited::Due => {}
            Waited::TimedOut => {
                return Err(self.error(
                    ErrorKind::Timeout,
                    format!("no picture within {:?}", options.timeout),
                ));
            }
            Waited::Cancelled => return Err(self.error(ErrorKind::Cancelled, "capture cancelled")),
        }
        let image = self.develop(false)?;
        if !self.config.jpeg_stills {
            return Ok(Photo::Rgb(image));
        }
        let rgb = Rgb {
            width: image.width(),
            height: image.height(),
            pixels: image.pixels().to_vec(),
        };
        Ok(Photo::Jpeg {
            size: self.config.still,
            bytes: sample::jpeg_rgb(&rgb),
        })
    }

    fn preview_frame(&mut self, options: &CaptureOptions) -> Result<Photo, DeviceError> {
        match self.pacer.wait(options.timeout, &options.cancel) {
            Waited::Due => self.develop(true).map(Photo::Rgb),
            Waited::TimedOut => Err(self.error(ErrorKind::Timeout, "no preview frame in time")),
            Waited::Cancelled => Err(self.error(ErrorKind::Cancelled, "preview cancelled")),
        }
    }

    fn set_exposure(&mut self, exposure: Exposure) -> Result<(), DeviceError> {
        if let Exposure::Compensation(tenths) = exposure
            && !(-50..=50).contains(&tenths)
        {
            return Err(self.error(
                ErrorKind::ProtocolViolation,
                format!("exposure compensation {tenths}/10 EV is outside -5..+5 EV"),
            ));
        }
        self.exposure = exposure;
        Ok(())
    }

    fn set_white_balance(&mut self, white_balance: WhiteBalance) -> Result<(), DeviceError> {
        self.white_balance = white_balance;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lower_colour_temperature_setting_renders_daylight_bluer() {
        let g = white_balance_gains(WhiteBalance::Tungsten);
        assert!(g[2] > 1.0 && g[0] < 1.0);
        assert_eq!(white_balance_gains(WhiteBalance::Daylight), [1.0, 1.0, 1.0]);
    }

    #[test]
    fn white_balance_set_to_the_lamps_temperature_undoes_their_cast() {
        let light = light_gains(3000.0);
        assert!(light[0] > 1.0 && light[2] < 1.0, "tungsten renders warm");
        let wb = white_balance_gains(WhiteBalance::Kelvin(3000));
        for c in 0..3 {
            assert!((light[c] * wb[c] - 1.0).abs() < 1e-3);
        }
    }

    #[test]
    fn tungsten_lamps_warm_the_rendered_backdrop_until_white_balance_matches_them() {
        let o = CaptureOptions {
            timeout: Duration::from_secs(2),
            cancel: Default::default(),
        };
        let mut cam = SimCamera::new(CameraConfig::tiny(1), FaceScene::framed(Background::Blue));
        let corner = |cam: &mut SimCamera| match cam.capture_still(&o) {
            Ok(Photo::Rgb(img)) => [img.pixels()[0], img.pixels()[2]],
            other => panic!("a raw still, not {other:?}"),
        };
        let daylight = corner(&mut cam);
        cam.set_light(3000.0);
        let warm = corner(&mut cam);
        assert!(
            warm[0] > daylight[0] && warm[1] < daylight[1] - 20,
            "{warm:?}"
        );
        cam.set_white_balance(WhiteBalance::Kelvin(3000))
            .expect("kelvin accepted");
        let fixed = corner(&mut cam);
        assert!(
            fixed[1].abs_diff(daylight[1]) <= 8,
            "{fixed:?} vs {daylight:?}"
        );
    }

    #[test]
    fn blurring_a_flat_image_changes_nothing_and_an_edge_softens() {
        let mut flat = vec![100u8; 5 * 4 * 3];
        box_blur(&mut flat, 5, 4, 2);
        assert!(flat.iter().all(|&v| v == 100));
        let mut edge: Vec<u8> = (0..6)
            .flat_map(|x| [if x < 3 { 0 } else { 240 }; 3])
            .collect();
        box_blur(&mut edge, 6, 1, 1);
        assert!(edge[2 * 3] > 0 && edge[3 * 3] < 240);
    }
}
