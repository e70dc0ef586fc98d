//! A simulated signature pad: a scripted signer writes a synthetic signature
//! (`synth::signature`), then presses buttons, in real time scaled by a speed factor.
//!
//! Contract: events come out in script order, each once its (scaled) time has come; pen times
//! are the signature's own times since the last `clear`, whatever the playback speed, so the
//! dynamics a verifier reads do not depend on how fast a test plays them. `next_event` sleeps,
//! never spins, and returns `Ok(None)` when nothing is due within the wait. The same seed gives
//! the same samples.

use std::time::{Duration, Instant};

use rekam_drivers::identity::ImageSize;
use rekam_drivers::image::RgbImage;
use rekam_drivers::signature::{PadCapabilities, PadEvent, PenSample, SignaturePad};
use rekam_drivers::{DeviceIdentity, ErrorKind};

use super::error::DeviceError;
use super::sim_identity;
use crate::rng::SimRng;
use crate::synth;

/// One thing the simulated signer does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignerAction {
    /// Writes the signature (pen samples, with a hover sample where the pen lifts).
    Sign,
    /// Waits.
    Pause(Duration),
    /// Presses "OK".
    Accept,
    /// Presses "Cancel".
    Cancel,
    /// Presses "Clear".
    Clear,
    /// Taps the pen once at (x, y) in pad units, as a technician's test asks: it lands,
    /// presses and lifts within about 100 ms, then rests 400 ms.
    Tap(u16, u16),
}

/// How the simulated pad behaves.
#[derive(Debug, Clone)]
pub struct PadConfig {
    /// Seed of the signer's signature.
    pub seed: u64,
    /// Playback speed: 1.0 is real time, 100.0 a hundred times faster.
    pub speed: f64,
    /// What the signer does, in order.
    pub script: Vec<SignerAction>,
    /// Screen size, or `None` for a pad without a screen.
    pub screen: Option<ImageSize>,
}

impl PadConfig {
    /// A pad with an 800x480 screen (Wacom STU-540 size) and a signer who signs, pauses and
    /// presses OK, in real time.
    pub fn signs_and_accepts(seed: u64) -> Self {
        Self {
            seed,
            speed: 1.0,
            script: vec![
                SignerAction::Sign,
                SignerAction::Pause(Duration::from_millis(400)),
                SignerAction::Accept,
            ],
            screen: Some(ImageSize {
                width: 800,
                height: 480,
            }),
        }
    }
}

/// Pen coordinate range of the simulated pad (that of `synth::signature`).
const MAX_X: u16 = 9600;
const MAX_Y: u16 = 6000;
const MAX_PRESSURE: u16 = 1023;

/// A simulated signature pad.
pub struct SimSignaturePad {
    identity: DeviceIdentity,
    capabilities: PadCapabilities,
    speed: f64,
    /// Every event with its time since the script started, in signature time.
    events: Vec<(Duration, PadEvent)>,
    next: usize,
    started: Instant,
    /// Script time of the last `clear`.
    cleared_at: Duration,
    screen: Option<RgbImage>,
}

impl SimSignaturePad {
    /// A pad whose signer starts the script now.
    pub fn new(config: PadConfig) -> Self {
        let capabilities = PadCapabilities {
            max_x: MAX_X,
            max_y: MAX_Y,
            max_pressure: MAX_PRESSURE,
            units_per_mm: 96,
            screen: config.screen,
        };
        let speed = if config.speed.is_finite() && config.speed > 0.0 {
            config.speed
        } else {
            1.0
        };
        Self {
            identity: sim_identity("signature pad", config.seed),
            capabilities,
            speed,
            events: script_events(config.seed, &config.script),
            next: 0,
            started: Instant::now(),
            cleared_at: Duration::ZERO,
            screen: None,
        }
    }

    /// Replaces the script: starting now, the person taps each of `targets` in order (a pad
    /// test asks for the four corners), landing `miss` tablet units off each one (0, 0: dead on;
    /// a pad whose coordinates are offset is simulated by a constant miss). Each tap touches
    /// for 100 ms sampled at 200 Hz, pressure rising to 70 % of the pad's range and back, and
    /// ends with the pen hovering; taps are half a second apart.
    pub fn tap_corners(&mut self, targets: &[(u16, u16)], miss: (i32, i32)) {
        let at = |v: u16, d: i32, max: u16| (i32::from(v) + d).clamp(0, i32::from(max)) as u16;
        let mut script = vec![SignerAction::Pause(Duration::from_millis(300))];
        script.extend(
            targets
                .iter()
                .map(|&(x, y)| SignerAction::Tap(at(x, miss.0, MAX_X), at(y, miss.1, MAX_Y))),
        );
        // Taps and pauses draw nothing from the seed.
        let events = script_events(0, &script);
        self.events = events;
        self.next = 0;
        self.started = Instant::now();
        self.cleared_at = Duration::ZERO;
    }

    /// The image last shown on the screen.
    pub fn screen(&self) -> Option<&RgbImage> {
        self.screen.as_ref()
    }

    /// Script time now, in signature time.
    fn script_now(&self) -> Duration {
        scaled(self.started.elapsed(), self.speed)
    }

    fn error(&self, kind: ErrorKind, detail: impl Into<String>) -> DeviceError {
        DeviceError::new(&self.identity, kind, detail)
    }

    /// Stamps a pen event with its time since the last clear.
    fn stamp(&self, at: Duration, event: PadEvent) -> PadEvent {
        match event {
            PadEvent::Pen(sample) => PadEvent::Pen(PenSample {
                time: at.saturating_sub(self.cleared_at),
                ..sample
            }),
            other => other,
        }
    }
}

/// Lays the script out in time. Every signature take is the same signer: one seed.
pub(crate) fn script_events(seed: u64, script: &[SignerAction]) -> Vec<(Duration, PadEvent)> {
    let mut events = Vec::new();
    let mut t = Duration::ZERO;
    for (take, action) in script.iter().enumerate() {
        match action {
            SignerAction::Sign => {
                let mut rng = SimRng::derive(seed, "signature");
                // A tiny render: only the pen samples matter here.
                let drawing = synth::signature(&mut rng, 8, 8);
                // Nobody signs twice alike: each take drifts a little on the pad.
                let mut drift = SimRng::derive(seed, &format!("take-{take}"));
                let (dx, dy) = (drift.range_f(-150.0, 150.0), drift.range_f(-150.0, 150.0));
                let shift =
                    |v: u16, d: f64, max: u16| (f64::from(v) + d).clamp(0.0, f64::from(max)) as u16;
                let mut previous: Option<(u32, u16, u16)> = None;
                for &(ms, x, y, p) in &drawing.samples {
                    let (x, y) = (shift(x, dx, MAX_X), shift(y, dy, MAX_Y));
                    if let Some((pms, px, py)) = previous
                        && ms > pms + 5
                    {
                        // The pen lifted between strokes: report it hovering where it left.
                        events.push((t + Duration::from_millis(u64::from(pms) + 5), hover(px, py)));
                    }
                    events.push((
                        t + Duration::from_millis(u64::from(ms)),
                        PadEvent::Pen(PenSample {
                            x,
                            y,
                            pressure: p.min(MAX_PRESSURE),
                            time: Duration::ZERO,
                        }),
                    ));
                    previous = Some((ms, x, y));
                }
                if let Some((ms, x, y)) = previous {
                    let lift = t + Duration::from_millis(u64::from(ms) + 5);
                    events.push((lift, hover(x, y)));
                    t = lift;
                }
            }
            SignerAction::Pause(d) => t += *d,
            SignerAction::Accept => events.push((t, PadEvent::Accept)),
            SignerAction::Cancel => events.push((t, PadEvent::Cancel)),
            SignerAction::Clear => events.push((t, PadEvent::Clear)),
            SignerAction::Tap(x, y) => {
                let (x, y) = ((*x).min(MAX_X), (*y).min(MAX_Y));
                const SAMPLES: u32 = 20;
                for i in 0..=SAMPLES {
                    // A half sine: the pen lands, presses, and lifts.
                    let phase = std::f64::consts::PI * f64::from(i) / f64::from(SAMPLES);
                    let pressure = (0.7 * f64::from(MAX_PRESSURE) * phase.sin()).round() as u16;
                    events.push((
                        t + Duration::from_millis(u64::from(i) * 5),
                        PadEvent::Pen(PenSample {
                            x,
                            y,
                            pressure: pressure.max(1),
                            time: Duration::ZERO,
                        }),
                    ));
                }
                events.push((
                    t + Duration::from_millis(u64::from(SAMPLES) * 5 + 5),
                    hover(x, y),
                ));
                t += Duration::from_millis(500);
            }
        }
    }
    events
}

/// `d` times `factor`, saturating instead of panicking on absurd speeds.
fn scaled(d: Duration, factor: f64) -> Duration {
    Duration::try_from_secs_f64(d.as_secs_f64() * factor).unwrap_or(Duration::MAX)
}

fn hover(x: u16, y: u16) -> PadEvent {
    PadEvent::Pen(PenSample {
        x,
        y,
        pressure: 0,
        time: Duration::ZERO,
    })
}

impl SignaturePad for SimSignaturePad {
    type Error = DeviceError;

    fn identity(&self) -> &DeviceIdentity {
        &self.identity
    }

    fn capabilities(&self) -> &PadCapabilities {
        &self.capabilities
    }

    fn next_event(&mut self, wait: Duration) -> Result<Option<PadEvent>, DeviceError> {
        let Some(&(at, event)) = self.events.get(self.next) else {
            std::thread::sleep(wait);
            return Ok(None);
        };
        let due = self.started.checked_add(scaled(at, 1.0 / self.speed));
        let now = Instant::now();
        let limit = now.checked_add(wait);
        match (due, limit) {
            (Some(due), Some(limit)) if due > limit => {
                std::thread::sleep(wait);
                Ok(None)
            }
            (Some(due), _) => {
                std::thread::sleep(due.saturating_duration_since(now));
                self.next += 1;
                Ok(Some(self.stamp(at, event)))
            }
            (None, _) => {
                // An event so far off it cannot be represented never comes.
                std::thread::sleep(wait.min(Duration::from_secs(3600)));
                Ok(None)
            }
        }
    }

    fn clear(&mut self) -> Result<(), DeviceError> {
        self.cleared_at = self.script_now();
        Ok(())
    }

    fn show_image(&mut self, image: &RgbImage) -> Result<(), DeviceError> {
        let Some(screen) = self.capabilities.screen else {
            return Err(rekam_drivers::fingerprint::unsupported(
                &self.identity,
                "screen",
            ));
        };
        if (image.width(), image.height()) != (screen.width, screen.height) {
            return Err(self.error(
                ErrorKind::ProtocolViolation,
                format!(
                    "screen is {}x{}, image is {}x{}",
                    screen.width,
                    screen.height,
                    image.width(),
                    image.height()
                ),
            ));
        }
        self.screen = Some(image.clone());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn asked_to_tap_the_corners_the_person_taps_each_target_once_with_pressure() {
        let mut config = PadConfig::signs_and_accepts(1);
        config.speed = 50.0;
        let mut pad = SimSignaturePad::new(config);
        let targets = [(480, 300), (9120, 300), (9120, 5700), (480, 5700)];
        pad.tap_corners(&targets, (10, -20));
        let mut taps: Vec<(u16, u16, u16)> = Vec::new();
        let mut down = false;
        while let Ok(Some(PadEvent::Pen(s))) = pad.next_event(Duration::from_millis(200)) {
            if s.pressure > 0 && !down {
                taps.push((s.x, s.y, 0));
            }
            if let Some(t) = taps.last_mut().filter(|_| s.pressure > 0) {
                t.2 = t.2.max(s.pressure);
            }
            down = s.pressure > 0;
        }
        assert_eq!(taps.len(), 4);
        for ((x, y, peak), (tx, ty)) in taps.iter().zip(targets) {
            assert_eq!((*x, *y), (tx + 10, ty - 20));
            assert!(*peak >= MAX_PRESSURE / 2, "{peak}");
        }
    }
}
