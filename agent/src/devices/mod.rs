//! The device manager: the daemon's one owner of every attached device.
//!
//! Drivers are blocking (serial reads, USB transfers, frame pacing), so every operation runs on
//! tokio's blocking pool, one at a time per device, under a deadline. A device that reports
//! itself disconnected is dropped and reopened on the next use, so unplugging a scanner mid-session
//! and plugging it back costs one failed capture, never the session. Health is reported per device.
//!
//! Contract: operations never block the async runtime; a second operation on a busy device is
//! refused as busy rather than queued behind a possibly stuck one; errors carry the driver's
//! [`ErrorKind`] and a message naming the device. Live previews ([`Slot::preview`]) yield to
//! operations: a preview never starts while an operation waits, and an operation that finds a
//! preview frame in progress waits for that one frame instead of being refused.

mod adapters;
mod encoder;
mod live;
pub mod pad;
mod pen;
mod printer;
pub mod printer_config;
pub mod ptp;
pub mod sign_here;
pub mod unplug;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use rekam_drivers::camera::Photo;
use rekam_drivers::fingerprint::{CaptureOptions, Finger, Slap};
use rekam_drivers::iris::Eyes;
use rekam_drivers::{CancelToken, DeviceIdentity, ErrorKind, GrayImage};
use rekam_quality::live::AutoCaptureRule;
use serde::Serialize;

pub use adapters::{
    CameraDevice, Driver, FingerDevice, IrisDevice, PadDevice, Resident, SignatureTrace, SimPad,
    TapTrace, collect_taps, simulated_kit,
};
pub use encoder::{
    EncoderDevice, EncoderDriver, Shared, encoder_slot, shared_sim_encoder, shared_sim_printer,
    simulated_encoder,
};
pub use live::{FrameSink, LiveFrame, LiveFrameView, auto_capture};
pub use pen::{PenFeed, PenTrace};
pub use printer::{PrinterDevice, PrinterDriver, printer_slot, simulated_printer};

/// A device operation that failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{device}: {message}")]
pub struct DeviceFailure {
    /// Which device (class and identity).
    pub device: String,
    /// What kind of failure, for deciding what to do.
    pub kind: ErrorKind,
    /// The driver's message.
    pub message: String,
}

impl DeviceFailure {
    /// A failure of `device`.
    pub fn new(device: impl Into<String>, kind: ErrorKind, message: impl Into<String>) -> Self {
        DeviceFailure {
            device: device.into(),
            kind,
            message: message.into(),
        }
    }

    /// From any driver error.
    pub fn from_driver<E: rekam_drivers::Error>(device: &str, e: &E) -> Self {
        DeviceFailure::new(device, e.kind(), e.to_string())
    }
}

/// How a device is doing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Health {
    /// Open and idle.
    Ready,
    /// An operation is running.
    Busy,
    /// Not open; it will be (re)opened on next use.
    Disconnected {
        /// Why.
        reason: String,
    },
    /// The last operation failed (the device is still open).
    Faulty {
        /// Why.
        reason: String,
    },
}

/// Opens (or reopens) a device.
pub type Opener<D> = Box<dyn Fn() -> Result<Box<D>, DeviceFailure> + Send + Sync>;

struct SlotState<D: ?Sized> {
    device: Option<Box<D>>,
    health: Health,
    identity: Option<DeviceIdentity>,
}

/// One device of a class, with its opener for recovery.
pub struct Slot<D: ?Sized> {
    class: &'static str,
    state: Arc<Mutex<SlotState<D>>>,
    opener: Arc<Opener<D>>,
    /// A preview frame holds (or is about to take) the device.
    previewing: Arc<AtomicBool>,
    /// Operations waiting for a preview frame to end; previews do not start meanwhile.
    waiting: Arc<AtomicUsize>,
}

impl<D: ?Sized> Clone for Slot<D> {
    fn clone(&self) -> Self {
        Slot {
            class: self.class,
            state: self.state.clone(),
            opener: self.opener.clone(),
            previewing: self.previewing.clone(),
            waiting: self.waiting.clone(),
        }
    }
}

/// Counts an operation as waiting while it lives.
struct Waiting<'a>(&'a AtomicUsize);

impl<'a> Waiting<'a> {
    fn new(n: &'a AtomicUsize) -> Self {
        n.fetch_add(1, Ordering::SeqCst);
        Waiting(n)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Takes the slot for an operation: at once, or after the preview frame holding it ends (a
/// frame is bounded by its own deadline, `limit` here); `None` when another operation holds it.
fn take_for_operation<'a, S>(
    state: &'a Mutex<S>,
    previewing: &AtomicBool,
    waiting: &AtomicUsize,
    limit: Duration,
) -> Option<MutexGuard<'a, S>> {
    let _waiting = Waiting::new(waiting);
    let started = Instant::now();
    loop {
        if let Ok(guard) = state.try_lock() {
            return Some(guard);
        }
        if !previewing.load(Ordering::SeqCst) || started.elapsed() >= limit {
            return None;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// What `GET /v1/devices` shows for one device.
#[derive(Clone, Debug, Serialize)]
pub struct DeviceStatus {
    /// `fingerprint`, `camera`, `signature_pad`, `iris`, `printer`.
    pub class: &'static str,
    /// Vendor, model, serial and firmware, once it has been open.
    pub identity: Option<IdentityView>,
    /// Health.
    pub health: Health,
}

/// Serializable device identity.
#[derive(Clone, Debug, Serialize)]
pub struct IdentityView {
    /// Maker.
    pub vendor: String,
    /// Model.
    pub model: String,
    /// Serial number.
    pub serial: Option<String>,
    /// Firmware.
    pub firmware: Option<String>,
}

impl From<&DeviceIdentity> for IdentityView {
    fn from(d: &DeviceIdentity) -> Self {
        IdentityView {
            vendor: d.vendor.clone(),
            model: d.model.clone(),
            serial: d.serial.clone(),
            firmware: d.firmware.clone(),
        }
    }
}

/// Identity accessor every device adapter provides.
pub trait Identified {
    /// The device's identity.
    fn identity(&self) -> DeviceIdentity;
}

impl<D: ?Sized + Identified + Send + 'static> Slot<D> {
    /// A slot whose device is opened by `opener` on first use.
    pub fn new(class: &'static str, opener: Opener<D>) -> Self {
        Slot {
            class,
            state: Arc::new(Mutex::new(SlotState {
                device: None,
                health: Health::Disconnected {
                    reason: "not opened yet".into(),
                },
                identity: None,
            })),
            opener: Arc::new(opener),
            previewing: Arc::new(AtomicBool::new(false)),
            waiting: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// The device's status.
    pub fn status(&self) -> DeviceStatus {
        match self.state.try_lock() {
            Ok(s) => DeviceStatus {
                class: self.class,
                identity: s.identity.as_ref().map(IdentityView::from),
                health: s.health.clone(),
            },
            // Held by a running operation.
            Err(_) => DeviceStatus {
                class: self.class,
                identity: None,
                health: Health::Busy,
            },
        }
    }

    /// Closes the device (unless an operation holds it) and marks it disconnected with `reason`;
    /// the next operation reopens it.
    pub fn close(&self, reason: &str) {
        if let Ok(mut s) = self.state.try_lock() {
            s.device = None;
            s.health = Health::Disconnected {
                reason: reason.to_string(),
            };
        }
    }

    /// Runs `op` on the device on the blocking pool, opening it first if needed, with `deadline`.
    pub async fn run<T, F>(&self, deadline: Duration, op: F) -> Result<T, DeviceFailure>
    where
        T: Send + 'static,
        F: FnOnce(&mut D, &CaptureOptions) -> Result<T, DeviceFailure> + Send + 'static,
    {
        let state = self.state.clone();
        let opener = self.opener.clone();
        let (previewing, waiting) = (self.previewing.clone(), self.waiting.clone());
        let class = self.class;
        let cancel = CancelToken::new();
        let options = CaptureOptions {
            timeout: deadline,
            cancel: cancel.clone(),
        };
        let task = tokio::task::spawn_blocking(move || {
            let Some(mut s) =
                take_for_operation(&state, &previewing, &waiting, PREVIEW_FRAME_LIMIT)
            else {
                return Err(DeviceFailure::new(
                    class,
                    ErrorKind::Busy,
                    "another operation is running on this device",
                ));
            };
            if s.device.is_none() {
                match opener() {
                    Ok(d) => {
                        s.identity = Some(d.identity());
                        s.device = Some(d);
                    }
                    Err(e) => {
                        s.health = Health::Disconnected {
                            reason: e.to_string(),
                        };
                        return Err(e);
                    }
                }
            }
            let Some(device) = s.device.as_mut() else {
                return Err(DeviceFailure::new(class, ErrorKind::NotReady, "not open"));
            };
            let result = op(device, &options);
            s.health = match &result {
                Ok(_) => Health::Ready,
                Err(e) if e.kind == ErrorKind::Disconnected => {
                    // Drop the handle: the next operation reopens the device.
                    s.device = None;
                    Health::Disconnected {
                        reason: e.to_string(),
                    }
                }
                Err(e) => Health::Faulty {
                    reason: e.to_string(),
                },
            };
            result
        });
        // The driver honours the same deadline; the extra second lets it report its own timeout.
        match tokio::time::timeout(deadline + Duration::from_secs(1), task).await {
            Ok(Ok(r)) => r,
            Ok(Err(join)) => Err(DeviceFailure::new(
                class,
                ErrorKind::HardwareFault,
                format!("the driver crashed: {join}"),
            )),
            Err(_) => {
                cancel.cancel();
                Err(DeviceFailure::new(
                    class,
                    ErrorKind::Timeout,
                    format!("no answer within {} ms", deadline.as_millis()),
                ))
            }
        }
    }
}

/// What one preview pull gave.
#[derive(Debug)]
pub enum PreviewOutcome<T> {
    /// A frame.
    Frame(T),
    /// A capture holds the device: no frame now.
    Paused,
    /// The device failed.
    Failed(DeviceFailure),
}

impl<T> PreviewOutcome<T> {
    fn of(r: Result<Option<T>, DeviceFailure>) -> Self {
        match r {
            Ok(Some(t)) => PreviewOutcome::Frame(t),
            Ok(None) => PreviewOutcome::Paused,
            Err(e) => PreviewOutcome::Failed(e),
        }
    }
}

/// Longest a preview frame may hold a device (an operation waits at most this long for it).
pub const PREVIEW_FRAME_LIMIT: Duration = Duration::from_millis(500);

impl<D: ?Sized + Identified + Send + 'static> Slot<D> {
    /// Runs one preview `op` on the device, opening it first if needed; `Ok(None)` when an
    /// operation holds the device or waits for it (previews pause while a capture runs). A
    /// device that reports itself disconnected is dropped and marked so, as in [`Slot::run`];
    /// a preview that merely fails leaves the device's health alone.
    pub async fn preview<T, F>(&self, op: F) -> Result<Option<T>, DeviceFailure>
    where
        T: Send + 'static,
        F: FnOnce(&mut D, &CaptureOptions) -> Result<T, DeviceFailure> + Send + 'static,
    {
        let state = self.state.clone();
        let opener = self.opener.clone();
        let (previewing, waiting) = (self.previewing.clone(), self.waiting.clone());
        let class = self.class;
        let options = CaptureOptions {
            timeout: PREVIEW_FRAME_LIMIT,
            cancel: CancelToken::new(),
        };
        let task = tokio::task::spawn_blocking(move || {
            if waiting.load(Ordering::SeqCst) > 0 {
                return Ok(None);
            }
            // Set before taking the lock and cleared after releasing it, so an operation that
            // finds the lock taken knows whether a preview holds it.
            previewing.store(true, Ordering::SeqCst);
            let result = (|| {
                let Ok(mut s) = state.try_lock() else {
                    return Ok(None);
                };
                if s.device.is_none() {
                    match opener() {
                        Ok(d) => {
                            s.identity = Some(d.identity());
                            s.device = Some(d);
                            s.health = Health::Ready;
                        }
                        Err(e) => {
                            s.health = Health::Disconnected {
                                reason: e.to_string(),
                            };
                            return Err(e);
                        }
                    }
                }
                let Some(device) = s.device.as_mut() else {
                    return Err(DeviceFailure::new(class, ErrorKind::NotReady, "not open"));
                };
                let result = op(device, &options);
                if let Err(e) = &result
                    && e.kind == ErrorKind::Disconnected
                {
                    s.device = None;
                    s.health = Health::Disconnected {
                        reason: e.to_string(),
                    };
                }
                result.map(Some)
            })();
            previewing.store(false, Ordering::SeqCst);
            result
        });
        match tokio::time::timeout(PREVIEW_FRAME_LIMIT + Duration::from_secs(1), task).await {
            Ok(Ok(r)) => r,
            Ok(Err(join)) => Err(DeviceFailure::new(
                class,
                ErrorKind::HardwareFault,
                format!("the driver crashed during a preview: {join}"),
            )),
            Err(_) => Err(DeviceFailure::new(
                class,
                ErrorKind::Timeout,
                "no preview frame within the deadline",
            )),
        }
    }
}

/// Every device of the workstation.
#[derive(Clone)]
pub struct DeviceManager {
    /// The fingerprint scanner.
    pub fingerprint: Slot<dyn FingerDevice>,
    /// The camera.
    pub camera: Slot<dyn CameraDevice>,
    /// The signature pad.
    pub pad: Slot<dyn PadDevice>,
    /// The iris scanner, when the kit has one.
    pub iris: Option<Slot<dyn IrisDevice>>,
    /// The card printer, when the workstation has one.
    pub printer: Option<Slot<dyn PrinterDevice>>,
    /// The card encoder (the printer's chip station), when the workstation has one.
    pub encoder: Option<Slot<dyn EncoderDevice>>,
    /// The pen of the signature being taken, live.
    pub pen: PenFeed,
    timeout: Duration,
}

impl DeviceManager {
    /// A manager over the given slots.
    pub fn new(
        fingerprint: Slot<dyn FingerDevice>,
        camera: Slot<dyn CameraDevice>,
        pad: Slot<dyn PadDevice>,
        iris: Option<Slot<dyn IrisDevice>>,
        timeout: Duration,
    ) -> Self {
        DeviceManager {
            fingerprint,
            camera,
            pad,
            iris,
            printer: None,
            encoder: None,
            pen: PenFeed::default(),
            timeout,
        }
    }

    /// The same manager with a card printer.
    pub fn with_printer(mut self, printer: Slot<dyn PrinterDevice>) -> Self {
        self.printer = Some(printer);
        self
    }

    /// The same manager with a card encoder.
    pub fn with_encoder(mut self, encoder: Slot<dyn EncoderDevice>) -> Self {
        self.encoder = Some(encoder);
        self
    }

    /// The deadline of one device operation.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Every device's status.
    pub fn status(&self) -> Vec<DeviceStatus> {
        let mut v = vec![
            self.fingerprint.status(),
            self.camera.status(),
            self.pad.status(),
        ];
        if let Some(i) = &self.iris {
            v.push(i.status());
        }
        if let Some(p) = &self.printer {
            v.push(p.status());
        }
        v
    }

    /// Tells simulated devices who is in front of them (real devices ignore it).
    pub async fn present(&self, resident: Resident) -> Result<(), DeviceFailure> {
        let t = self.timeout;
        let r = resident.clone();
        self.fingerprint
            .run(t, move |d, _| {
                d.present(&r);
                Ok(())
            })
            .await?;
        let r = resident.clone();
        self.camera
            .run(t, move |d, _| {
                d.present(&r);
                Ok(())
            })
            .await?;
        let r = resident.clone();
        self.pad
            .run(t, move |d, _| {
                d.present(&r);
                Ok(())
            })
            .await?;
        if let Some(i) = &self.iris {
            i.run(t, move |d, _| {
                d.present(&resident);
                Ok(())
            })
            .await?;
        }
        Ok(())
    }

    /// Tells a simulated fingerprint scanner alone who is in front (an operator's own finger,
    /// without changing the person the camera and pad show).
    pub async fn present_finger(&self, resident: Resident) -> Result<(), DeviceFailure> {
        self.fingerprint
            .run(self.timeout, move |d, _| {
                d.present(&resident);
                Ok(())
            })
            .await
    }

    /// One finger image.
    pub async fn capture_finger(
        &self,
        finger: Finger,
    ) -> Result<(GrayImage, DeviceIdentity), DeviceFailure> {
        self.fingerprint
            .run(self.timeout, move |d, o| {
                Ok((d.capture_finger(finger, o)?, d.identity()))
            })
            .await
    }

    /// One finger, previewed live until `rule` asks for the capture; each frame goes to `sink`
    /// (called on the device's thread).
    pub async fn capture_finger_live(
        &self,
        finger: Finger,
        rule: AutoCaptureRule,
        mut sink: Box<dyn FnMut(LiveFrame) + Send>,
    ) -> Result<(GrayImage, DeviceIdentity), DeviceFailure> {
        self.fingerprint
            .run(self.timeout, move |d, o| {
                let image = d.capture_finger_live(finger, o, rule, &mut *sink)?;
                Ok((image, d.identity()))
            })
            .await
    }

    /// A slap without the fingers in `missing`.
    pub async fn capture_slap(
        &self,
        slap: Slap,
        missing: Vec<Finger>,
    ) -> Result<(GrayImage, DeviceIdentity), DeviceFailure> {
        self.fingerprint
            .run(self.timeout, move |d, o| {
                Ok((d.capture_slap(slap, &missing, o)?, d.identity()))
            })
            .await
    }

    /// A still photo.
    pub async fn capture_photo(&self) -> Result<(Photo, DeviceIdentity), DeviceFailure> {
        self.camera
            .run(self.timeout, |d, o| Ok((d.capture_still(o)?, d.identity())))
            .await
    }

    /// A signature, until the signer presses accept.
    pub async fn capture_signature(
        &self,
    ) -> Result<(SignatureTrace, DeviceIdentity), DeviceFailure> {
        self.capture_signature_of(None).await
    }

    /// A signature by `signer`, whose name pads with a screen show over the signing box.
    pub async fn capture_signature_of(
        &self,
        signer: Option<String>,
    ) -> Result<(SignatureTrace, DeviceIdentity), DeviceFailure> {
        let pen = self.pen.clone();
        self.pad
            .run(self.timeout, move |d, o| {
                d.show_signer(signer.as_deref());
                Ok((d.capture_signature_live(o, &pen)?, d.identity()))
            })
            .await
    }

    /// One eye's image.
    pub async fn capture_iris(
        &self,
        eye: Eyes,
    ) -> Result<(GrayImage, DeviceIdentity), DeviceFailure> {
        let Some(slot) = &self.iris else {
            return Err(DeviceFailure::new(
                "iris",
                ErrorKind::NotReady,
                "no iris scanner is attached",
            ));
        };
        slot.run(self.timeout, move |d, o| {
            Ok((d.capture_eye(eye, o)?, d.identity()))
        })
        .await
    }

    /// One camera live-view frame for the console's preview.
    pub async fn preview_photo(&self) -> PreviewOutcome<(Photo, Option<u32>)> {
        PreviewOutcome::of(
            self.camera
                .preview(|d, o| Ok((d.preview_frame(o)?, d.still_width())))
                .await,
        )
    }

    /// One frame of what lies on the fingerprint scanner, for the console's preview.
    pub async fn preview_finger(&self) -> PreviewOutcome<GrayImage> {
        PreviewOutcome::of(self.fingerprint.preview(|d, o| d.preview_frame(o)).await)
    }

    /// Whether an iris scanner is part of the kit.
    pub fn has_iris(&self) -> bool {
        self.iris.is_some()
    }
}
