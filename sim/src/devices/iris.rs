//! A simulated binocular iris scanner: 640x480 near-infrared images of a simulated person's left
//! and right eye (`synth::iris`), with paced low-resolution preview.
//!
//! Contract: each eye's pattern depends only on (person seed, eye), so captures of one eye agree;
//! each capture shifts and turns the eye slightly and adds sensor noise from the scanner's seed
//! and the capture count. A capture returns every eye asked for after the acquisition delay, or
//! fails with `Timeout` or `Cancelled`.

use std::time::{Duration, Instant};

use rekam_drivers::fingerprint::CaptureOptions;
use rekam_drivers::identity::ImageSize;
use rekam_drivers::iris::{Eyes, IrisCapabilities, IrisCapture, IrisScanner};
use rekam_drivers::{DeviceIdentity, ErrorKind, GrayImage};

use super::error::DeviceError;
use super::pace::{FramePacer, Waited, wait_until};
use super::sim_identity;
use super::warp::{Placement, add_noise, draw_darkest};
use crate::rng::SimRng;
use crate::synth::{self, Gray};

/// Resolution stated for iris images: ISO/IEC 19794-6 asks for about 200 pixels across an iris
/// of about 11 mm, close to 500 ppi.
const PPI: u32 = 500;

/// How the simulated iris scanner behaves.
#[derive(Debug, Clone)]
pub struct IrisConfig {
    /// Seed of the per-capture variation.
    pub seed: u64,
    /// Seed of the person looking into the scanner.
    pub person_seed: u64,
    /// Capture size (640x480 per ISO/IEC 19794-6).
    pub image: ImageSize,
    /// Preview frames are the capture size divided by this (at least 1).
    pub preview_divisor: u32,
    /// Preview rate.
    pub preview_fps: u32,
    /// Time to find and focus the eyes before a capture.
    pub acquisition_delay: Duration,
    /// Standard deviation of sensor noise, in gray levels.
    pub noise: f64,
}

impl IrisConfig {
    /// A binocular 640x480 scanner with a 160x120 preview at 30 fps and a 300 ms acquisition.
    pub fn binocular(seed: u64, person_seed: u64) -> Self {
        Self {
            seed,
            person_seed,
            image: ImageSize {
                width: 640,
                height: 480,
            },
            preview_divisor: 4,
            preview_fps: 30,
            acquisition_delay: Duration::from_millis(300),
            noise: 3.0,
        }
    }
}

/// A simulated binocular iris scanner.
pub struct SimIrisScanner {
    config: IrisConfig,
    identity: DeviceIdentity,
    capabilities: IrisCapabilities,
    pacer: FramePacer,
    captures: u64,
    /// Left and right master eyes, generated on first use.
    masters: [Option<Gray>; 2],
}

impl SimIrisScanner {
    /// A scanner with the person of `config.person_seed` in front of it.
    pub fn new(config: IrisConfig) -> Self {
        let capabilities = IrisCapabilities {
            image: config.image,
            binocular: true,
            preview: true,
        };
        Self {
            identity: sim_identity("iris scanner", config.seed),
            pacer: FramePacer::new(config.preview_fps),
            config,
            capabilities,
            captures: 0,
            masters: [None, None],
        }
    }

    fn error(&self, kind: ErrorKind, detail: impl Into<String>) -> DeviceError {
        DeviceError::new(&self.identity, kind, detail)
    }

    /// Renders the eyes asked for at capture size divided by `divisor`.
    fn shoot(&mut self, eyes: Eyes, divisor: u32) -> Result<IrisCapture, DeviceError> {
        self.captures += 1;
        let mut rng = SimRng::derive(self.config.seed, &format!("capture-{}", self.captures));
        let (want_left, want_right) = match eyes {
            Eyes::Left => (true, false),
            Eyes::Right => (false, true),
            Eyes::Both => (true, true),
        };
        let left = if want_left {
            Some(self.eye(0, divisor, &mut rng)?)
        } else {
            None
        };
        let right = if want_right {
            Some(self.eye(1, divisor, &mut rng)?)
        } else {
            None
        };
        Ok(IrisCapture { left, right })
    }

    fn eye(
        &mut self,
        side: usize,
        divisor: u32,
        rng: &mut SimRng,
    ) -> Result<GrayImage, DeviceError> {
        let size = self.config.image;
        let (w, h) = (size.width.max(1), size.height.max(1));
        let person = self.config.person_seed;
        let master = self.masters[side].get_or_insert_with(|| {
            let mut eye_rng =
                SimRng::derive(person, if side == 0 { "iris-left" } else { "iris-right" });
            synth::iris(&mut eye_rng, w, h)
        });
        let divisor = divisor.max(1);
        let (ow, oh) = ((w / divisor).max(1), (h / divisor).max(1));
        let scale = 1.0 / f64::from(divisor);
        // Iris scanners guide the eye into a small box: a few pixels of shift, a little head
        // tilt.
        let place = Placement {
            x: (f64::from(w) / 2.0 + (rng.normal() * 4.0).clamp(-12.0, 12.0)) * scale,
            y: (f64::from(h) / 2.0 + (rng.normal() * 4.0).clamp(-12.0, 12.0)) * scale,
            angle: (rng.normal() * 1.5).clamp(-5.0, 5.0).to_radians(),
            scale,
        };
        let mut canvas = vec![u8::MAX; ow as usize * oh as usize];
        // The master never reaches full white, so what stays white is where it did not land:
        // skin around the eye, mid-gray in near infrared.
        draw_darkest(&mut canvas, ow, oh, master, place, |v| v.min(254.0));
        for p in canvas.iter_mut().filter(|p| **p == u8::MAX) {
            *p = 140;
        }
        add_noise(&mut canvas, rng, self.config.noise);
        GrayImage::new(ow, oh, (PPI / divisor).max(1), canvas)
            .map_err(|e| self.error(ErrorKind::HardwareFault, e.to_string()))
    }
}

impl IrisScanner for SimIrisScanner {
    type Error = DeviceError;

    fn identity(&self) -> &DeviceIdentity {
        &self.identity
    }

    fn capabilities(&self) -> &IrisCapabilities {
        &self.capabilities
    }

    fn capture(
        &mut self,
        eyes: Eyes,
        options: &CaptureOptions,
    ) -> Result<IrisCapture, DeviceError> {
        let due = Instant::now().checked_add(self.config.acquisition_delay);
        match wait_until(due, options.timeout, &options.cancel) {
            Waited::Due => self.shoot(eyes, 1),
            Waited::TimedOut => Err(self.error(
                ErrorKind::Timeout,
                format!("eyes not acquired within {:?}", options.timeout),
            )),
            Waited::Cancelled => Err(self.error(ErrorKind::Cancelled, "capture cancelled")),
        }
    }

    fn preview_frame(
        &mut self,
        eyes: Eyes,
        options: &CaptureOptions,
    ) -> Result<IrisCapture, DeviceError> {
        match self.pacer.wait(options.timeout, &options.cancel) {
            Waited::Due => self.shoot(eyes, self.config.preview_divisor),
            Waited::TimedOut => Err(self.error(ErrorKind::Timeout, "no preview frame in time")),
            Waited::Cancelled => Err(self.error(ErrorKind::Cancelled, "preview cancelled")),
        }
    }
}
