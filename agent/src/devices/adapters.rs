//! Object-safe device interfaces for the manager, adapters from the driver traits, and the
//! simulated kit.
//!
//! Contract: an adapter only translates (errors to [`DeviceFailure`], pad events to a finished
//! trace); `present` tells a simulator which resident is in front of it and is a no-op for
//! hardware, which needs no telling.

use std::time::{Duration, Instant};

use rekam_drivers::camera::{Camera, Exposure, Photo, WhiteBalance};
use rekam_drivers::fingerprint::{CaptureOptions, Finger, FingerprintScanner, Slap};
use rekam_drivers::iris::{Eyes, IrisScanner};
use rekam_drivers::signature::{PadCapabilities, PadEvent, PenSample, SignaturePad};
use rekam_drivers::{DeviceIdentity, ErrorKind, GrayImage};
use rekam_sim::devices::{
    CameraConfig, FaceScene, IrisConfig, PadConfig, ScannerConfig, SimCamera,
    SimFingerprintScanner, SimIrisScanner, SimPerson, SimSignaturePad,
};
use rekam_sim::synth::Background;

use rekam_quality::live::AutoCaptureRule;

use super::live::{FrameSink, auto_capture};
use super::pen::PenFeed;
use super::{DeviceFailure, Identified, Slot};

/// Who is in front of the devices (for simulators).
#[derive(Clone, Debug, PartialEq)]
pub struct Resident {
    /// Seed of the simulated person.
    pub seed: u64,
    /// The backdrop the photo should have.
    pub background: Background,
    /// Fingers the person does not have.
    pub missing: Vec<Finger>,
}

/// A finished signature as the pad reported it.
#[derive(Clone, Debug, PartialEq)]
pub struct SignatureTrace {
    /// `(t_ms, x, y, pressure)` samples in order.
    pub samples: Vec<(u32, u16, u16, u16)>,
    /// Pad x range.
    pub max_x: u16,
    /// Pad y range.
    pub max_y: u16,
    /// Pad pressure range (0: no pressure).
    pub max_pressure: u16,
}

/// A fingerprint scanner as the manager drives it.
pub trait FingerDevice: Identified + Send {
    /// One finger image.
    fn capture_finger(
        &mut self,
        finger: Finger,
        o: &CaptureOptions,
    ) -> Result<GrayImage, DeviceFailure>;
    /// One finger, previewed live until `rule` asks for the capture, each frame sent to `sink`.
    /// Devices without previews capture directly.
    fn capture_finger_live(
        &mut self,
        finger: Finger,
        o: &CaptureOptions,
        rule: AutoCaptureRule,
        sink: FrameSink<'_>,
    ) -> Result<GrayImage, DeviceFailure> {
        let _ = (rule, sink);
        self.capture_finger(finger, o)
    }
    /// A four-finger or two-thumb slap, without the fingers in `missing`; devices that take
    /// single fingers only refuse it as unsupported.
    fn capture_slap(
        &mut self,
        slap: Slap,
        missing: &[Finger],
        o: &CaptureOptions,
    ) -> Result<GrayImage, DeviceFailure> {
        let _ = (missing, o);
        Err(DeviceFailure::new(
            self.identity().to_string(),
            ErrorKind::Unsupported,
            format!("this scanner takes single fingers only, not a {slap:?} slap"),
        ))
    }
    /// One live frame of whatever is on the platen, for the console's preview; scanners
    /// without previews refuse it as unsupported.
    fn preview_frame(&mut self, o: &CaptureOptions) -> Result<GrayImage, DeviceFailure> {
        let _ = o;
        Err(unsupported_preview(&self.identity()))
    }
    /// Who is in front (simulators only).
    fn present(&mut self, _resident: &Resident) {}
    /// Whoever is at the scanner lifts their fingers, as a technician asks before reading the
    /// empty platen (simulators only).
    fn lift(&mut self) {}
}

fn unsupported_preview(id: &DeviceIdentity) -> DeviceFailure {
    DeviceFailure::new(
        id.to_string(),
        ErrorKind::Unsupported,
        "this device gives no live preview",
    )
}

/// A camera as the manager drives it.
pub trait CameraDevice: Identified + Send {
    /// A still photo.
    fn capture_still(&mut self, o: &CaptureOptions) -> Result<Photo, DeviceFailure>;
    /// One live-view frame for the console's preview; cameras without live view refuse it as
    /// unsupported.
    fn preview_frame(&mut self, o: &CaptureOptions) -> Result<Photo, DeviceFailure> {
        let _ = o;
        Err(unsupported_preview(&self.identity()))
    }
    /// Who is in front (simulators only).
    fn present(&mut self, _resident: &Resident) {}
    /// The width of a still in pixels, when the camera says (a preview frame is judged by the
    /// still it foretells).
    fn still_width(&self) -> Option<u32> {
        None
    }
    /// Sets exposure compensation; cameras without the control refuse it as unsupported.
    fn set_exposure(&mut self, exposure: Exposure) -> Result<(), DeviceFailure> {
        let _ = exposure;
        Err(unsupported_control(&self.identity(), "exposure control"))
    }
    /// Sets white balance; cameras without the control refuse it as unsupported.
    fn set_white_balance(&mut self, white_balance: WhiteBalance) -> Result<(), DeviceFailure> {
        let _ = white_balance;
        Err(unsupported_control(
            &self.identity(),
            "white balance control",
        ))
    }
}

fn unsupported_control(id: &DeviceIdentity, what: &str) -> DeviceFailure {
    DeviceFailure::new(
        id.to_string(),
        ErrorKind::Unsupported,
        format!("{what} is not supported"),
    )
}

/// A signature pad as the manager drives it.
pub trait PadDevice: Identified + Send {
    /// Collects pen samples until accept; cancel or the deadline end it with an error.
    fn capture_signature(&mut self, o: &CaptureOptions) -> Result<SignatureTrace, DeviceFailure>;
    /// The same, publishing every pen report to `pen` as it comes (pads that deliver the
    /// signature only at the end publish nothing).
    fn capture_signature_live(
        &mut self,
        o: &CaptureOptions,
        pen: &PenFeed,
    ) -> Result<SignatureTrace, DeviceFailure> {
        let _ = pen;
        self.capture_signature(o)
    }
    /// The name of the resident about to sign, for pads that show it on their screen.
    fn show_signer(&mut self, name: Option<&str>) {
        let _ = name;
    }
    /// Who is in front (simulators only).
    fn present(&mut self, _resident: &Resident) {}
    /// Pen reports while the person taps `targets` (tablet units) in order, as a pad test asks:
    /// every report until `targets.len()` taps have lifted, or the deadline. Pads that cannot
    /// hand over raw reports refuse it as unsupported (drivers use [`collect_taps`]).
    fn capture_taps(
        &mut self,
        targets: &[(u16, u16)],
        o: &CaptureOptions,
    ) -> Result<TapTrace, DeviceFailure> {
        let _ = (targets, o);
        Err(unsupported_control(&self.identity(), "raw pen reports"))
    }
}

/// Pen reports of a tap test, with the pad's ranges.
#[derive(Clone, Debug, PartialEq)]
pub struct TapTrace {
    /// Every pen report, hovering ones included, in order.
    pub samples: Vec<PenSample>,
    /// The pad's ranges.
    pub capabilities: PadCapabilities,
}

/// Reads `pad`'s pen reports until `taps` taps (pen down, then up) are done, or the deadline.
pub fn collect_taps<P: SignaturePad>(
    pad: &mut P,
    taps: usize,
    o: &CaptureOptions,
) -> Result<TapTrace, DeviceFailure> {
    let who = name(pad.identity());
    let started = Instant::now();
    let mut samples = Vec::new();
    let (mut down, mut done) = (false, 0usize);
    while done < taps {
        if o.cancel.is_cancelled() {
            return Err(DeviceFailure::new(
                &who,
                ErrorKind::Cancelled,
                "tap test cancelled",
            ));
        }
        let left = o.timeout.saturating_sub(started.elapsed());
        if left.is_zero() {
            return Err(DeviceFailure::new(
                &who,
                ErrorKind::Timeout,
                format!("{done} of {taps} taps within {} ms", o.timeout.as_millis()),
            ));
        }
        let event = pad
            .next_event(left.min(Duration::from_millis(100)))
            .map_err(|e| DeviceFailure::from_driver(&who, &e))?;
        if let Some(PadEvent::Pen(s)) = event {
            if s.pressure > 0 {
                down = true;
            } else if down {
                down = false;
                done += 1;
            }
            samples.push(s);
        }
    }
    Ok(TapTrace {
        samples,
        capabilities: pad.capabilities().clone(),
    })
}

/// An iris scanner as the manager drives it.
pub trait IrisDevice: Identified + Send {
    /// One eye's image.
    fn capture_eye(&mut self, eye: Eyes, o: &CaptureOptions) -> Result<GrayImage, DeviceFailure>;
    /// Who is in front (simulators only).
    fn present(&mut self, _resident: &Resident) {}
}

/// Any driver, adapted.
pub struct Driver<D>(pub D);

fn name(id: &DeviceIdentity) -> String {
    id.to_string()
}

impl<D: FingerprintScanner> Identified for Driver<D> {
    fn identity(&self) -> DeviceIdentity {
        self.0.identity().clone()
    }
}

impl<D: FingerprintScanner + Send> FingerDevice for Driver<D> {
    fn capture_finger(
        &mut self,
        finger: Finger,
        o: &CaptureOptions,
    ) -> Result<GrayImage, DeviceFailure> {
        scanner_capture(&mut self.0, finger, o)
    }
    fn capture_finger_live(
        &mut self,
        finger: Finger,
        o: &CaptureOptions,
        rule: AutoCaptureRule,
        sink: FrameSink<'_>,
    ) -> Result<GrayImage, DeviceFailure> {
        auto_capture(&mut self.0, finger, o, rule, sink)
    }
    fn capture_slap(
        &mut self,
        slap: Slap,
        missing: &[Finger],
        o: &CaptureOptions,
    ) -> Result<GrayImage, DeviceFailure> {
        scanner_slap(&mut self.0, slap, missing, o)
    }
    fn preview_frame(&mut self, o: &CaptureOptions) -> Result<GrayImage, DeviceFailure> {
        scanner_preview(&mut self.0, o)
    }
}

fn scanner_preview<D: FingerprintScanner>(
    d: &mut D,
    o: &CaptureOptions,
) -> Result<GrayImage, DeviceFailure> {
    d.preview_frame(o)
        .map_err(|e| DeviceFailure::from_driver(&name(d.identity()), &e))
}

fn scanner_slap<D: FingerprintScanner>(
    d: &mut D,
    slap: Slap,
    missing: &[Finger],
    o: &CaptureOptions,
) -> Result<GrayImage, DeviceFailure> {
    d.capture_slap(slap, missing, o)
        .map(|s| s.image)
        .map_err(|e| DeviceFailure::from_driver(&name(d.identity()), &e))
}

fn scanner_capture<D: FingerprintScanner>(
    d: &mut D,
    finger: Finger,
    o: &CaptureOptions,
) -> Result<GrayImage, DeviceFailure> {
    d.capture_finger(finger, o)
        .map(|f| f.image)
        .map_err(|e| DeviceFailure::from_driver(&name(d.identity()), &e))
}

impl Identified for SimFingerprintScanner {
    fn identity(&self) -> DeviceIdentity {
        FingerprintScanner::identity(self).clone()
    }
}

impl FingerDevice for SimFingerprintScanner {
    fn capture_finger(
        &mut self,
        finger: Finger,
        o: &CaptureOptions,
    ) -> Result<GrayImage, DeviceFailure> {
        scanner_capture(self, finger, o)
    }
    fn capture_finger_live(
        &mut self,
        finger: Finger,
        o: &CaptureOptions,
        rule: AutoCaptureRule,
        sink: FrameSink<'_>,
    ) -> Result<GrayImage, DeviceFailure> {
        // The simulated person puts the finger down when asked, as a resident does.
        self.prompt_finger(finger);
        auto_capture(self, finger, o, rule, sink)
    }
    fn capture_slap(
        &mut self,
        slap: Slap,
        missing: &[Finger],
        o: &CaptureOptions,
    ) -> Result<GrayImage, DeviceFailure> {
        scanner_slap(self, slap, missing, o)
    }
    fn preview_frame(&mut self, o: &CaptureOptions) -> Result<GrayImage, DeviceFailure> {
        scanner_preview(self, o)
    }
    fn present(&mut self, r: &Resident) {
        self.set_person(Some(SimPerson::new(r.seed).without(&r.missing)));
    }
    fn lift(&mut self) {
        SimFingerprintScanner::lift(self);
    }
}

impl Identified for SimCamera {
    fn identity(&self) -> DeviceIdentity {
        Camera::identity(self).clone()
    }
}

impl CameraDevice for SimCamera {
    fn capture_still(&mut self, o: &CaptureOptions) -> Result<Photo, DeviceFailure> {
        Camera::capture_still(self, o)
            .map_err(|e| DeviceFailure::from_driver(&name(Camera::identity(self)), &e))
    }
    fn preview_frame(&mut self, o: &CaptureOptions) -> Result<Photo, DeviceFailure> {
        Camera::preview_frame(self, o)
            .map_err(|e| DeviceFailure::from_driver(&name(Camera::identity(self)), &e))
    }
    fn present(&mut self, r: &Resident) {
        self.set_scene(FaceScene::framed(r.background));
    }
    fn still_width(&self) -> Option<u32> {
        Some(Camera::capabilities(self).still.width)
    }
    fn set_exposure(&mut self, exposure: Exposure) -> Result<(), DeviceFailure> {
        Camera::set_exposure(self, exposure)
            .map_err(|e| DeviceFailure::from_driver(&name(Camera::identity(self)), &e))
    }
    fn set_white_balance(&mut self, white_balance: WhiteBalance) -> Result<(), DeviceFailure> {
        Camera::set_white_balance(self, white_balance)
            .map_err(|e| DeviceFailure::from_driver(&name(Camera::identity(self)), &e))
    }
}

/// Reads pad events until accept, publishing the pen to `pen` when given.
pub(super) fn collect_signature<P: SignaturePad>(
    pad: &mut P,
    o: &CaptureOptions,
    pen: Option<&PenFeed>,
) -> Result<SignatureTrace, DeviceFailure> {
    let who = name(pad.identity());
    let fail = |e: &P::Error| DeviceFailure::from_driver(&who, e);
    let caps = pad.capabilities().clone();
    if let Some(p) = pen {
        p.begin(caps.max_x, caps.max_y);
    }
    let started = Instant::now();
    let mut samples = Vec::new();
    let mut first: Option<Duration> = None;
    loop {
        if o.cancel.is_cancelled() {
            return Err(DeviceFailure::new(
                &who,
                ErrorKind::Cancelled,
                "signature cancelled",
            ));
        }
        let left = o.timeout.saturating_sub(started.elapsed());
        if left.is_zero() {
            return Err(DeviceFailure::new(
                &who,
                ErrorKind::Timeout,
                format!("no accepted signature within {} ms", o.timeout.as_millis()),
            ));
        }
        match pad
            .next_event(left.min(Duration::from_millis(100)))
            .map_err(|e| fail(&e))?
        {
            None => {}
            Some(PadEvent::Pen(s)) => {
                let t0 = *first.get_or_insert(s.time);
                let t = s.time.saturating_sub(t0).as_millis();
                samples.push((u32::try_from(t).unwrap_or(u32::MAX), s.x, s.y, s.pressure));
                if let Some(p) = pen {
                    p.point(s.x, s.y, s.pressure);
                }
            }
            Some(PadEvent::Clear) => {
                samples.clear();
                if let Some(p) = pen {
                    p.clear();
                }
            }
            Some(PadEvent::Cancel) => {
                return Err(DeviceFailure::new(
                    &who,
                    ErrorKind::Cancelled,
                    "the signer pressed cancel",
                ));
            }
            Some(PadEvent::Accept) => {
                if samples.is_empty() {
                    // Accept on an empty pad means nothing; keep waiting for ink.
                    continue;
                }
                if let Some(p) = pen {
                    p.done();
                }
                return Ok(SignatureTrace {
                    samples,
                    max_x: caps.max_x,
                    max_y: caps.max_y,
                    max_pressure: caps.max_pressure,
                });
            }
        }
    }
}

/// The simulated pad, recreated for each resident (it plays its signer's script from creation).
pub struct SimPad {
    speed: f64,
    seed: u64,
    pad: SimSignaturePad,
    /// How far off the targets the simulated person's taps land (tablet units): a fault knob.
    miss: (i32, i32),
}

impl SimPad {
    /// A simulated pad whose signer has the signature of `seed`, played at `speed`, and whose
    /// taps on request land `miss` tablet units off the target (an offset digitizer).
    pub fn new(seed: u64, speed: f64, miss: (i32, i32)) -> Self {
        let mut c = PadConfig::signs_and_accepts(seed);
        c.speed = speed;
        SimPad {
            speed,
            seed,
            pad: SimSignaturePad::new(c),
            miss,
        }
    }
}

impl SimPad {
    /// A signer with the signature of `seed` ready to sign.
    fn arm(&mut self, seed: u64) {
        let mut config = PadConfig::signs_and_accepts(seed);
        config.speed = self.speed;
        self.seed = seed;
        self.pad = SimSignaturePad::new(config);
    }
}

impl SimPad {
    fn collect(
        &mut self,
        o: &CaptureOptions,
        pen: Option<&PenFeed>,
    ) -> Result<SignatureTrace, DeviceFailure> {
        let trace = collect_signature(&mut self.pad, o, pen);
        if trace.is_ok() {
            // The resident signs again if the operator clears the signature for a retake.
            self.arm(self.seed);
        }
        trace
    }
}

impl Identified for SimPad {
    fn identity(&self) -> DeviceIdentity {
        SignaturePad::identity(&self.pad).clone()
    }
}

impl PadDevice for SimPad {
    fn capture_signature(&mut self, o: &CaptureOptions) -> Result<SignatureTrace, DeviceFailure> {
        self.collect(o, None)
    }
    fn capture_signature_live(
        &mut self,
        o: &CaptureOptions,
        pen: &PenFeed,
    ) -> Result<SignatureTrace, DeviceFailure> {
        self.collect(o, Some(pen))
    }
    fn present(&mut self, r: &Resident) {
        self.arm(r.seed);
    }
    fn capture_taps(
        &mut self,
        targets: &[(u16, u16)],
        o: &CaptureOptions,
    ) -> Result<TapTrace, DeviceFailure> {
        // The simulated person taps where asked, then is ready to sign again.
        self.pad.tap_corners(targets, self.miss);
        let trace = collect_taps(&mut self.pad, targets.len(), o);
        self.arm(self.seed);
        trace
    }
}

/// The simulated iris scanner, recreated for each resident (the eyes belong to the person).
pub struct SimIris {
    config: IrisConfig,
    scanner: SimIrisScanner,
}

impl Identified for SimIris {
    fn identity(&self) -> DeviceIdentity {
        IrisScanner::identity(&self.scanner).clone()
    }
}

impl IrisDevice for SimIris {
    fn capture_eye(&mut self, eye: Eyes, o: &CaptureOptions) -> Result<GrayImage, DeviceFailure> {
        let c = self.scanner.capture(eye, o).map_err(|e| {
            DeviceFailure::from_driver(&name(IrisScanner::identity(&self.scanner)), &e)
        })?;
        let img = match eye {
            Eyes::Left => c.left,
            _ => c.right,
        };
        img.ok_or_else(|| {
            DeviceFailure::new(
                name(IrisScanner::identity(&self.scanner)),
                ErrorKind::ProtocolViolation,
                "the scanner returned no image for the eye asked for",
            )
        })
    }
    fn present(&mut self, r: &Resident) {
        self.config.person_seed = r.seed;
        self.scanner = SimIrisScanner::new(self.config.clone());
    }
}

/// The simulated devices' slots: every class, deterministic from `seed`. With `realtime` false
/// the simulators skip their human-scale delays (placement, shutter, pen speed), for demos and
/// tests.
#[allow(clippy::type_complexity)]
pub fn simulated_kit(
    seed: u64,
    iris: bool,
    realtime: bool,
) -> (
    Slot<dyn FingerDevice>,
    Slot<dyn CameraDevice>,
    Slot<dyn PadDevice>,
    Option<Slot<dyn IrisDevice>>,
) {
    let finger = Slot::new(
        "fingerprint",
        Box::new(move || {
            let mut c = ScannerConfig::slap_scanner(seed);
            // Half-resolution previews (250 ppi) still resolve ridges, which the live quality
            // estimate needs; quarter resolution blurs them away.
            c.preview_divisor = 2;
            if !realtime {
                c.placement_delay = Duration::ZERO;
            }
            let mut s = SimFingerprintScanner::new(c);
            s.set_person(Some(SimPerson::new(seed)));
            Ok(Box::new(s) as Box<dyn FingerDevice>)
        }),
    );
    let camera = Slot::new(
        "camera",
        Box::new(move || {
            let mut c = CameraConfig::portrait(seed.wrapping_add(1));
            if !realtime {
                c.shutter_delay = Duration::ZERO;
            }
            Ok(
                Box::new(SimCamera::new(c, FaceScene::framed(Background::Blue)))
                    as Box<dyn CameraDevice>,
            )
        }),
    );
    let pad = Slot::new(
        "signature_pad",
        Box::new(move || {
            let speed = if realtime { 1.0 } else { 8.0 };
            Ok(Box::new(SimPad::new(seed.wrapping_add(2), speed, (0, 0))) as Box<dyn PadDevice>)
        }),
    );
    let iris = iris.then(|| {
        Slot::new(
            "iris",
            Box::new(move || {
                let mut c = IrisConfig::binocular(seed.wrapping_add(3), seed);
                if !realtime {
                    c.acquisition_delay = Duration::ZERO;
                }
                Ok(Box::new(SimIris {
                    scanner: SimIrisScanner::new(c.clone()),
                    config: c,
                }) as Box<dyn IrisDevice>)
            }),
        )
    });
    (finger, camera, pad, iris)
}
