//! [`Faulty`]: any device of any class, with a [`FaultInjector`] between it and the caller.
//!
//! Contract: every operation that talks to the device (captures, previews, events, settings,
//! printer commands) is one operation of the schedule; `identity` and `capabilities` are local
//! and never fail. An injected failure is a [`FaultError::Injected`] naming the device; the
//! device's own failures pass through unchanged as [`FaultError::Device`].

use std::time::Duration;

use rekam_drivers::camera::{Camera, CameraCapabilities, Exposure, Photo, WhiteBalance};
use rekam_drivers::fingerprint::{
    CaptureOptions, Feedback, Finger, FingerImage, FingerprintCapabilities, FingerprintScanner,
    Slap, SlapImage,
};
use rekam_drivers::image::RgbImage;
use rekam_drivers::iris::{Eyes, IrisCapabilities, IrisCapture, IrisScanner};
use rekam_drivers::printer::{CardPrinter, PrintJob, PrinterCapabilities, PrinterStatus};
use rekam_drivers::signature::{PadCapabilities, PadEvent, SignaturePad};
use rekam_drivers::{CancelToken, DeviceIdentity, Error, ErrorKind, GrayImage, Unsupported};

use super::corrupt::Corrupt;
use super::injector::{FaultInjector, InjectedFault};
use super::scenario::Fault;

/// An error of a device behind a fault injector.
#[derive(Debug, thiserror::Error)]
pub enum FaultError<E> {
    /// The injector failed the operation.
    #[error(transparent)]
    Injected(InjectedFault),
    /// The device itself failed.
    #[error(transparent)]
    Device(E),
}

impl<E: Error + 'static> Error for FaultError<E> {
    fn kind(&self) -> ErrorKind {
        match self {
            FaultError::Injected(fault) => fault.kind,
            FaultError::Device(e) => e.kind(),
        }
    }
}

impl<E: From<Unsupported>> From<Unsupported> for FaultError<E> {
    fn from(u: Unsupported) -> Self {
        FaultError::Device(E::from(u))
    }
}

/// A device whose operations pass through a fault schedule.
pub struct Faulty<D> {
    inner: D,
    injector: FaultInjector,
}

impl<D> Faulty<D> {
    /// Wraps `inner`.
    pub fn new(inner: D, injector: FaultInjector) -> Self {
        Self { inner, injector }
    }

    /// The wrapped device.
    pub fn inner(&self) -> &D {
        &self.inner
    }

    /// The wrapped device, to change its simulated state between operations.
    pub fn inner_mut(&mut self) -> &mut D {
        &mut self.inner
    }

    /// The schedule (what fired, reconnecting).
    pub fn injector(&self) -> &FaultInjector {
        &self.injector
    }

    /// The schedule, to reconnect after an injected disconnect.
    pub fn injector_mut(&mut self) -> &mut FaultInjector {
        &mut self.injector
    }

    /// Unwraps the device.
    pub fn into_inner(self) -> D {
        self.inner
    }

    /// Runs one operation on the device named `device` through the schedule.
    fn run<T: Corrupt, E>(
        &mut self,
        device: &str,
        wait: Duration,
        cancel: Option<&CancelToken>,
        op: impl FnOnce(&mut D) -> Result<T, E>,
    ) -> Result<T, FaultError<E>> {
        let garble = self
            .injector
            .before(device, wait, cancel)
            .map_err(FaultError::Injected)?;
        let reply = op(&mut self.inner).map_err(FaultError::Device)?;
        let Some(count) = garble else {
            return Ok(reply);
        };
        let operation = self.injector.operations().saturating_sub(1);
        reply
            .garbled(count, self.injector.garble_rng())
            .ok_or_else(|| {
                FaultError::Injected(InjectedFault {
                    device: device.to_string(),
                    fault: Fault::Corrupt { bytes: count },
                    kind: ErrorKind::ProtocolViolation,
                    operation,
                })
            })
    }
}

impl<D: FingerprintScanner> FingerprintScanner for Faulty<D>
where
    D::Error: 'static,
{
    type Error = FaultError<D::Error>;

    fn identity(&self) -> &DeviceIdentity {
        self.inner.identity()
    }

    fn capabilities(&self) -> &FingerprintCapabilities {
        self.inner.capabilities()
    }

    fn capture_finger(
        &mut self,
        finger: Finger,
        options: &CaptureOptions,
    ) -> Result<FingerImage, Self::Error> {
        let name = self.inner.identity().to_string();
        self.run(&name, options.timeout, Some(&options.cancel), |d| {
            d.capture_finger(finger, options)
        })
    }

    fn capture_slap(
        &mut self,
        slap: Slap,
        missing: &[Finger],
        options: &CaptureOptions,
    ) -> Result<SlapImage, Self::Error> {
        let name = self.inner.identity().to_string();
        self.run(&name, options.timeout, Some(&options.cancel), |d| {
            d.capture_slap(slap, missing, options)
        })
    }

    fn preview_frame(&mut self, options: &CaptureOptions) -> Result<GrayImage, Self::Error> {
        let name = self.inner.identity().to_string();
        self.run(&name, options.timeout, Some(&options.cancel), |d| {
            d.preview_frame(options)
        })
    }

    fn set_feedback(&mut self, feedback: Feedback) -> Result<(), Self::Error> {
        let name = self.inner.identity().to_string();
        self.run(&name, Duration::ZERO, None, |d| d.set_feedback(feedback))
    }
}

impl<D: Camera> Camera for Faulty<D>
where
    D::Error: 'static,
{
    type Error = FaultError<D::Error>;

    fn identity(&self) -> &DeviceIdentity {
        self.inner.identity()
    }

    fn capabilities(&self) -> &CameraCapabilities {
        self.inner.capabilities()
    }

    fn capture_still(&mut self, options: &CaptureOptions) -> Result<Photo, Self::Error> {
        let name = self.inner.identity().to_string();
        self.run(&name, options.timeout, Some(&options.cancel), |d| {
            d.capture_still(options)
        })
    }

    fn preview_frame(&mut self, options: &CaptureOptions) -> Result<Photo, Self::Error> {
        let name = self.inner.identity().to_string();
        self.run(&name, options.timeout, Some(&options.cancel), |d| {
            d.preview_frame(options)
        })
    }

    fn set_exposure(&mut self, exposure: Exposure) -> Result<(), Self::Error> {
        let name = self.inner.identity().to_string();
        self.run(&name, Duration::ZERO, None, |d| d.set_exposure(exposure))
    }

    fn set_white_balance(&mut self, white_balance: WhiteBalance) -> Result<(), Self::Error> {
        let name = self.inner.identity().to_string();
        self.run(&name, Duration::ZERO, None, |d| {
            d.set_white_balance(white_balance)
        })
    }
}

impl<D: SignaturePad> SignaturePad for Faulty<D>
where
    D::Error: 'static,
{
    type Error = FaultError<D::Error>;

    fn identity(&self) -> &DeviceIdentity {
        self.inner.identity()
    }

    fn capabilities(&self) -> &PadCapabilities {
        self.inner.capabilities()
    }

    fn next_event(&mut self, wait: Duration) -> Result<Option<PadEvent>, Self::Error> {
        let name = self.inner.identity().to_string();
        self.run(&name, wait, None, |d| d.next_event(wait))
    }

    fn clear(&mut self) -> Result<(), Self::Error> {
        let name = self.inner.identity().to_string();
        self.run(&name, Duration::ZERO, None, |d| d.clear())
    }

    fn show_image(&mut self, image: &RgbImage) -> Result<(), Self::Error> {
        let name = self.inner.identity().to_string();
        self.run(&name, Duration::ZERO, None, |d| d.show_image(image))
    }
}

impl<D: IrisScanner> IrisScanner for Faulty<D>
where
    D::Error: 'static,
{
    type Error = FaultError<D::Error>;

    fn identity(&self) -> &DeviceIdentity {
        self.inner.identity()
    }

    fn capabilities(&self) -> &IrisCapabilities {
        self.inner.capabilities()
    }

    fn capture(
        &mut self,
        eyes: Eyes,
        options: &CaptureOptions,
    ) -> Result<IrisCapture, Self::Error> {
        let name = self.inner.identity().to_string();
        self.run(&name, options.timeout, Some(&options.cancel), |d| {
            d.capture(eyes, options)
        })
    }

    fn preview_frame(
        &mut self,
        eyes: Eyes,
        options: &CaptureOptions,
    ) -> Result<IrisCapture, Self::Error> {
        let name = self.inner.identity().to_string();
        self.run(&name, options.timeout, Some(&options.cancel), |d| {
            d.preview_frame(eyes, options)
        })
    }
}

impl<D: CardPrinter> CardPrinter for Faulty<D>
where
    D::Error: 'static,
{
    type Error = FaultError<D::Error>;

    fn identity(&self) -> &DeviceIdentity {
        self.inner.identity()
    }

    fn capabilities(&self) -> &PrinterCapabilities {
        self.inner.capabilities()
    }

    fn status(&mut self) -> Result<PrinterStatus, Self::Error> {
        let name = self.inner.identity().to_string();
        self.run(&name, Duration::ZERO, None, |d| d.status())
    }

    fn print(&mut self, job: &PrintJob) -> Result<(), Self::Error> {
        let name = self.inner.identity().to_string();
        self.run(&name, Duration::ZERO, None, |d| d.print(job))
    }

    fn cancel(&mut self) -> Result<(), Self::Error> {
        let name = self.inner.identity().to_string();
        self.run(&name, Duration::ZERO, None, |d| d.cancel())
    }

    fn eject(&mut self) -> Result<(), Self::Error> {
        let name = self.inner.identity().to_string();
        self.run(&name, Duration::ZERO, None, |d| d.eject())
    }
}
