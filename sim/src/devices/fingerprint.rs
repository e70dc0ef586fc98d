//! A simulated fingerprint scanner (single finger and 4-4-2 slaps, with live preview) and the
//! simulated person whose fingers it reads.
//!
//! Contract: a [`SimPerson`] has ten fingers, each an SFinGe-style master print
//! ([`crate::prints::Master`]) seeded by (person seed, finger), so every capture of one finger
//! shows the same ridges; each impression varies placement, rotation, skin distortion, pressure
//! and noise, drawn from the scanner's seed and the capture count, in the skin condition set with
//! [`SimFingerprintScanner::set_condition`] (good by default). A capture returns once the person has placed the finger (after the
//! configured placement delay), or fails with `Timeout` or `Cancelled`; it never spins.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use rekam_drivers::fingerprint::{
    CaptureOptions, Feedback, Finger, FingerImage, FingerprintCapabilities, FingerprintScanner,
    Slap, SlapImage,
};
use rekam_drivers::identity::ImageSize;
use rekam_drivers::{DeviceIdentity, ErrorKind, GrayImage};

use super::error::DeviceError;
use super::pace::{FramePacer, Waited, wait_until};
use super::sim_identity;
use super::warp::add_noise;
use crate::prints::{Condition, ImpressionParams, Master, MasterSize, Pose, render_into};
use crate::rng::SimRng;
use crate::synth::Gray;

/// The resolution every simulated print has.
pub const PPI: u32 = 500;

/// Gray level of the platen where nothing touches it.
const PLATEN: u8 = 235;

/// A person at the scanner: ten fingers, minus any that are missing.
#[derive(Clone)]
pub struct SimPerson {
    seed: u64,
    missing: Vec<Finger>,
    masters: HashMap<(Finger, MasterSize), Master>,
}

impl SimPerson {
    /// The person seeded by `seed`, with all ten fingers.
    pub fn new(seed: u64) -> Self {
        Self {
            seed,
            missing: Vec::new(),
            masters: HashMap::new(),
        }
    }

    /// The same person without `fingers` (amputated, bandaged): they never touch the platen.
    pub fn without(mut self, fingers: &[Finger]) -> Self {
        self.missing.extend_from_slice(fingers);
        self
    }

    /// The person's seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Whether the person can place `finger`.
    pub fn has(&self, finger: Finger) -> bool {
        !self.missing.contains(&finger)
    }

    /// The master print of `finger` at `width` x `height` (each side clamped to what a master
    /// can be), generated once and cached: it depends only on the person's seed and the finger.
    pub fn master_print(&mut self, finger: Finger, width: u32, height: u32) -> &Master {
        let seed = self.seed;
        let size = master_size(width, height);
        self.masters
            .entry((finger, size))
            .or_insert_with(|| crate::prints::dataset::finger_master(seed, finger, size))
    }

    /// The ridge map of `finger`'s master print (dark ridges on white), as
    /// [`SimPerson::master_print`].
    pub fn master(&mut self, finger: Finger, width: u32, height: u32) -> &Gray {
        self.master_print(finger, width, height).image()
    }
}

/// The master size for a capture size, clamped into what a master can be.
fn master_size(width: u32, height: u32) -> MasterSize {
    let clamp = |v: u32| v.clamp(16, MasterSize::MAX);
    MasterSize::new(clamp(width), clamp(height)).unwrap_or(MasterSize::STANDARD)
}

impl std::fmt::Debug for SimPerson {
    // Cached masters are left out: their pixels help no one reading a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimPerson")
            .field("seed", &self.seed)
            .field("missing", &self.missing)
            .finish_non_exhaustive()
    }
}

/// How the simulated scanner behaves.
#[derive(Debug, Clone)]
pub struct ScannerConfig {
    /// Seed of the per-impression variation.
    pub seed: u64,
    /// Size of single-finger images (and of each finger's master pattern).
    pub finger_image: ImageSize,
    /// Size of slap images, or `None` for a single-finger scanner.
    pub slap_image: Option<ImageSize>,
    /// Preview frames are the capture size divided by this (at least 1).
    pub preview_divisor: u32,
    /// Preview rate.
    pub preview_fps: u32,
    /// How long the person takes to place a finger once asked.
    pub placement_delay: Duration,
    /// Standard deviation of sensor noise, in gray levels.
    pub noise: f64,
}

impl ScannerConfig {
    /// A 500 ppi slap scanner: 400x500 single prints, 1600x1500 slaps (3.2 x 3 inches, the size
    /// of FBI-certified four-finger scanners), 30 fps preview, half a second to place a finger.
    pub fn slap_scanner(seed: u64) -> Self {
        Self {
            seed,
            finger_image: ImageSize {
                width: 400,
                height: 500,
            },
            slap_image: Some(ImageSize {
                width: 1600,
                height: 1500,
            }),
            preview_divisor: 4,
            preview_fps: 30,
            placement_delay: Duration::from_millis(500),
            noise: 6.0,
        }
    }

    /// Small images and no placement delay, for fast tests.
    pub fn tiny(seed: u64) -> Self {
        Self {
            finger_image: ImageSize {
                width: 96,
                height: 120,
            },
            slap_image: Some(ImageSize {
                width: 384,
                height: 360,
            }),
            placement_delay: Duration::ZERO,
            ..Self::slap_scanner(seed)
        }
    }
}

/// Where one finger landed in a slap image: its centre and rotation, in image pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FingerPlacement {
    /// The finger.
    pub finger: Finger,
    /// Column of the finger's centre.
    pub x: f64,
    /// Row of the finger's centre.
    pub y: f64,
    /// Rotation in radians.
    pub angle: f64,
}

/// What lies on the platen, for preview frames.
#[derive(Debug, Clone, PartialEq)]
enum Platen {
    Empty,
    Finger(Finger),
    Slap(Slap),
    /// A finger the person was asked for: it lands at `layout` once `due` has passed.
    Prompted {
        layout: Vec<FingerPlacement>,
        due: Instant,
    },
}

/// A simulated fingerprint scanner.
pub struct SimFingerprintScanner {
    config: ScannerConfig,
    identity: DeviceIdentity,
    capabilities: FingerprintCapabilities,
    person: Option<SimPerson>,
    platen: Platen,
    impressions: u64,
    pacer: FramePacer,
    feedback: Feedback,
    last_layout: Vec<FingerPlacement>,
    condition: Condition,
    /// Sensor pixels that read a fixed level whatever lies on them (a fault to inject).
    stuck: Vec<StuckPixel>,
}

/// A sensor pixel stuck at one level (0 is a dead pixel), at capture-scale coordinates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StuckPixel {
    /// Column.
    pub x: u32,
    /// Row.
    pub y: u32,
    /// The level it always reads.
    pub level: u8,
}

impl SimFingerprintScanner {
    /// A scanner with nobody at it.
    pub fn new(config: ScannerConfig) -> Self {
        let capabilities = FingerprintCapabilities {
            ppi: PPI,
            finger_image: config.finger_image,
            slap_image: config.slap_image,
            preview: true,
            feedback: true,
        };
        Self {
            identity: sim_identity("fingerprint scanner", config.seed),
            pacer: FramePacer::new(config.preview_fps),
            config,
            capabilities,
            person: None,
            platen: Platen::Empty,
            impressions: 0,
            feedback: Feedback::Off,
            last_layout: Vec::new(),
            condition: Condition::Good,
            stuck: Vec::new(),
        }
    }

    /// Makes these sensor pixels read a fixed level in every image and preview frame from now on
    /// (a fault for diagnostics to find); an empty list repairs the sensor.
    pub fn set_stuck_pixels(&mut self, pixels: Vec<StuckPixel>) {
        self.stuck = pixels;
    }

    /// The person lifts every finger off the platen: preview frames show it empty.
    pub fn lift(&mut self) {
        self.platen = Platen::Empty;
    }

    /// The skin and contact condition of the following impressions (dry, wet, partial...).
    pub fn set_condition(&mut self, condition: Condition) {
        self.condition = condition;
    }

    /// Puts `person` at the scanner (`None`: nobody, so captures time out).
    pub fn set_person(&mut self, person: Option<SimPerson>) {
        self.person = person;
    }

    /// The person at the scanner.
    pub fn person(&self) -> Option<&SimPerson> {
        self.person.as_ref()
    }

    /// Where each finger of the last capture (single or slap) landed, at capture scale.
    pub fn last_layout(&self) -> &[FingerPlacement] {
        &self.last_layout
    }

    /// Asks the person for `finger`, as an operator or an on-screen prompt does before a live
    /// capture: after the placement delay, preview frames show the finger resting at one place
    /// (with a pixel of tremor), and a capture of that finger takes it where it rests. A person
    /// without that finger never places it.
    pub fn prompt_finger(&mut self, finger: Finger) {
        let can_place = self.person.as_ref().is_some_and(|p| p.has(finger));
        let due = Instant::now().checked_add(self.config.placement_delay);
        self.platen = match (can_place, due) {
            (true, Some(due)) => {
                let mut rng = self.next_rng();
                Platen::Prompted {
                    layout: self.single_layout(finger, &mut rng),
                    due,
                }
            }
            _ => Platen::Empty,
        };
    }

    /// The feedback last shown.
    pub fn feedback(&self) -> Feedback {
        self.feedback
    }

    /// Impressions taken so far (captures and preview frames).
    pub fn impressions(&self) -> u64 {
        self.impressions
    }

    fn error(&self, kind: ErrorKind, detail: impl Into<String>) -> DeviceError {
        DeviceError::new(&self.identity, kind, detail)
    }

    /// Waits for the person to put `fingers` down: the placement delay if they can, forever if
    /// nobody is there or none of the fingers exists.
    fn await_placement(
        &mut self,
        fingers: &[Finger],
        options: &CaptureOptions,
    ) -> Result<(), DeviceError> {
        let can_place = self
            .person
            .as_ref()
            .is_some_and(|p| fingers.iter().any(|&f| p.has(f)));
        let due = can_place
            .then(|| Instant::now().checked_add(self.config.placement_delay))
            .flatten();
        match wait_until(due, options.timeout, &options.cancel) {
            Waited::Due => Ok(()),
            Waited::TimedOut => Err(self.error(
                ErrorKind::Timeout,
                format!("no finger placed within {:?}", options.timeout),
            )),
            Waited::Cancelled => Err(self.error(ErrorKind::Cancelled, "capture cancelled")),
        }
    }

    fn next_rng(&mut self) -> SimRng {
        self.impressions += 1;
        SimRng::derive(
            self.config.seed,
            &format!("impression-{}", self.impressions),
        )
    }

    /// Renders the fingers of `layout` (at capture scale) onto a canvas of `size` / `divisor`.
    fn render(
        &mut self,
        size: ImageSize,
        divisor: u32,
        layout: &[FingerPlacement],
        rng: &mut SimRng,
    ) -> Result<GrayImage, DeviceError> {
        let divisor = divisor.max(1);
        let (w, h) = (
            (size.width / divisor).max(1),
            (size.height / divisor).max(1),
        );
        let mut canvas = vec![PLATEN; w as usize * h as usize];
        let scale = 1.0 / f64::from(divisor);
        let master = self.config.finger_image;
        let condition = self.condition;
        if let Some(person) = self.person.as_mut() {
            let present: Vec<FingerPlacement> = layout
                .iter()
                .filter(|p| person.has(p.finger))
                .copied()
                .collect();
            for place in present {
                let print = person.master_print(place.finger, master.width, master.height);
                let mut params = ImpressionParams::sample(print, condition, rng);
                // The scanner's own platen level and sensor noise apply to the whole image.
                params.background = f64::from(PLATEN);
                params.noise = 0.0;
                let pose = Pose {
                    x: place.x * scale,
                    y: place.y * scale,
                    angle: place.angle,
                    scale,
                };
                render_into(print, &params, pose, &mut canvas, w, h);
            }
        }
        add_noise(&mut canvas, rng, self.config.noise);
        for p in &self.stuck {
            let (x, y) = (p.x / divisor, p.y / divisor);
            if x < w && y < h {
                canvas[(y * w + x) as usize] = p.level;
            }
        }
        GrayImage::new(w, h, PPI / divisor, canvas)
            .map_err(|e| self.error(ErrorKind::HardwareFault, e.to_string()))
    }

    /// Where a single finger lands: near the centre, shifted and turned a little.
    fn single_layout(&self, finger: Finger, rng: &mut SimRng) -> Vec<FingerPlacement> {
        let size = self.config.finger_image;
        let (w, h) = (f64::from(size.width), f64::from(size.height));
        vec![FingerPlacement {
            finger,
            x: w / 2.0 + rng.normal() * w * 0.04,
            y: h / 2.0 + rng.normal() * h * 0.04,
            angle: (rng.normal() * 8.0).clamp(-25.0, 25.0).to_radians(),
        }]
    }

    /// Where the fingers of `slap` land on a `size` platen: side by side, fanned out, the middle
    /// finger highest, as a hand lies on a slap scanner.
    fn slap_layout(slap: Slap, size: ImageSize, rng: &mut SimRng) -> Vec<FingerPlacement> {
        let (w, h) = (f64::from(size.width), f64::from(size.height));
        let jitter_x = rng.normal() * w * 0.01;
        let jitter_y = rng.normal() * h * 0.02;
        let hand_turn = rng.normal() * 0.04;
        // Fingers in image order, left to right, palm down: the left hand shows its little
        // finger first, the right hand its index finger.
        let (order, rows, fan): (Vec<Finger>, &[f64], &[f64]) = match slap {
            Slap::LeftFour => (
                slap.fingers().iter().rev().copied().collect(),
                &[0.58, 0.48, 0.42, 0.47],
                &[-0.18, -0.08, 0.0, 0.08],
            ),
            Slap::RightFour => (
                slap.fingers().to_vec(),
                &[0.47, 0.42, 0.48, 0.58],
                &[-0.08, 0.0, 0.08, 0.18],
            ),
            Slap::Thumbs => (slap.fingers().to_vec(), &[0.5, 0.5], &[0.3, -0.3]),
        };
        let columns = order.len() as f64;
        order
            .iter()
            .zip(rows.iter().zip(fan))
            .enumerate()
            .map(|(i, (&finger, (&row, &turn)))| FingerPlacement {
                finger,
                x: w * (i as f64 + 0.5) / columns + jitter_x,
                y: h * row + jitter_y,
                angle: turn + hand_turn,
            })
            .collect()
    }
}

impl FingerprintScanner for SimFingerprintScanner {
    type Error = DeviceError;

    fn identity(&self) -> &DeviceIdentity {
        &self.identity
    }

    fn capabilities(&self) -> &FingerprintCapabilities {
        &self.capabilities
    }

    fn capture_finger(
        &mut self,
        finger: Finger,
        options: &CaptureOptions,
    ) -> Result<FingerImage, DeviceError> {
        let prompted = match std::mem::replace(&mut self.platen, Platen::Empty) {
            Platen::Prompted { layout, due } if layout.iter().all(|p| p.finger == finger) => {
                Some((layout, due))
            }
            _ => None,
        };
        let mut rng = self.next_rng();
        let layout = match prompted {
            // Already asked for: it lands (or has landed) where the preview showed it.
            Some((layout, due)) => {
                match wait_until(Some(due), options.timeout, &options.cancel) {
                    Waited::Due => {}
                    Waited::TimedOut => {
                        return Err(self.error(ErrorKind::Timeout, "no finger placed in time"));
                    }
                    Waited::Cancelled => {
                        return Err(self.error(ErrorKind::Cancelled, "capture cancelled"));
                    }
                }
                layout
            }
            None => {
                self.await_placement(&[finger], options)?;
                self.single_layout(finger, &mut rng)
            }
        };
        self.platen = Platen::Finger(finger);
        let image = self.render(self.config.finger_image, 1, &layout, &mut rng)?;
        self.last_layout = layout;
        Ok(FingerImage { finger, image })
    }

    fn capture_slap(
        &mut self,
        slap: Slap,
        missing: &[Finger],
        options: &CaptureOptions,
    ) -> Result<SlapImage, DeviceError> {
        let Some(size) = self.config.slap_image else {
            return Err(rekam_drivers::fingerprint::unsupported(
                &self.identity,
                "slap capture",
            ));
        };
        let fingers: Vec<Finger> = slap
            .fingers()
            .iter()
            .copied()
            .filter(|f| !missing.contains(f))
            .collect();
        if fingers.is_empty() {
            return Err(self.error(
                ErrorKind::ProtocolViolation,
                format!("every finger of {slap:?} was declared missing: nothing to capture"),
            ));
        }
        self.platen = Platen::Empty;
        self.await_placement(&fingers, options)?;
        self.platen = Platen::Slap(slap);
        let mut rng = self.next_rng();
        let layout: Vec<FingerPlacement> = Self::slap_layout(slap, size, &mut rng)
            .into_iter()
            .filter(|p| fingers.contains(&p.finger))
            .collect();
        let image = self.render(size, 1, &layout, &mut rng)?;
        self.last_layout = layout;
        Ok(SlapImage {
            slap,
            fingers,
            image,
        })
    }

    fn preview_frame(&mut self, options: &CaptureOptions) -> Result<GrayImage, DeviceError> {
        match self.pacer.wait(options.timeout, &options.cancel) {
            Waited::Due => {}
            Waited::TimedOut => {
                return Err(self.error(ErrorKind::Timeout, "no preview frame in time"));
            }
            Waited::Cancelled => return Err(self.error(ErrorKind::Cancelled, "preview cancelled")),
        }
        let mut rng = self.next_rng();
        let divisor = self.config.preview_divisor;
        match self.platen {
            Platen::Finger(finger) => {
                let layout = self.single_layout(finger, &mut rng);
                self.render(self.config.finger_image, divisor, &layout, &mut rng)
            }
            Platen::Slap(slap) => {
                let size = self.config.slap_image.unwrap_or(self.config.finger_image);
                let layout = Self::slap_layout(slap, size, &mut rng);
                self.render(size, divisor, &layout, &mut rng)
            }
            Platen::Empty => {
                let size = self.config.slap_image.unwrap_or(self.config.finger_image);
                self.render(size, divisor, &[], &mut rng)
            }
            Platen::Prompted { ref layout, due } => {
                let layout = layout.clone();
                let size = self.config.finger_image;
                let resting: Vec<FingerPlacement> = if Instant::now() >= due {
                    layout
                        .iter()
                        .map(|p| FingerPlacement {
                            x: p.x + rng.normal() * 0.5,
                            y: p.y + rng.normal() * 0.5,
                            ..*p
                        })
                        .collect()
                } else {
                    Vec::new()
                };
                self.render(size, divisor, &resting, &mut rng)
            }
        }
    }

    fn set_feedback(&mut self, feedback: Feedback) -> Result<(), DeviceError> {
        self.feedback = feedback;
        Ok(())
    }
}
