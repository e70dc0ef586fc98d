//! Unplugging the simulated fingerprint scanner from outside the daemon, so the console's
//! handling of a scanner pulled out mid-capture can be shown and tested without hardware: while
//! the file [`CONTROL_FILE`] exists in the data directory, the simulated scanner behaves as
//! unplugged; removing the file plugs it back.
//!
//! Contract: while unplugged, opening the scanner fails as [`ErrorKind::Disconnected`], and an
//! operation already running (a live preview, a slap waiting for fingers) is cancelled within
//! [`POLL`] and fails as disconnected too, so the manager drops the handle and reports the device
//! disconnected, exactly as when a real scanner's port goes away. Once the file is gone the next
//! operation reopens the scanner. Only the simulated kit is wrapped; real scanners are unplugged
//! by hand.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rekam_drivers::fingerprint::{CaptureOptions, Finger, Slap};
use rekam_drivers::{CancelToken, DeviceIdentity, ErrorKind, GrayImage};
use rekam_quality::live::AutoCaptureRule;

use super::adapters::{FingerDevice, Resident};
use super::live::FrameSink;
use super::{DeviceFailure, Identified, Slot};

/// The control file's name in the data directory.
pub const CONTROL_FILE: &str = "sim-fingerprint-unplugged";

/// How often a running operation looks for the control file.
pub const POLL: Duration = Duration::from_millis(50);

/// `slot` (the simulated scanner), unplugged while `control` exists.
pub fn fingerprint(slot: Slot<dyn FingerDevice>, control: PathBuf) -> Slot<dyn FingerDevice> {
    let inner = slot.opener.clone();
    let class = slot.class;
    Slot::new(
        class,
        Box::new(move || {
            let plug = Plug {
                control: control.clone(),
            };
            if plug.unplugged() {
                return Err(plug.failure(class));
            }
            Ok(Box::new(Unpluggable {
                inner: inner()?,
                plug,
            }) as Box<dyn FingerDevice>)
        }),
    )
}

struct Plug {
    control: PathBuf,
}

impl Plug {
    fn unplugged(&self) -> bool {
        Path::new(&self.control).exists()
    }

    fn failure(&self, device: &str) -> DeviceFailure {
        DeviceFailure::new(
            device,
            ErrorKind::Disconnected,
            format!(
                "the scanner was unplugged ({} exists)",
                self.control.display()
            ),
        )
    }

    /// Runs `op` with options whose token is also cancelled when the scanner is unplugged; a
    /// failure while unplugged is reported as the disconnection it really is.
    fn guard<T>(
        &self,
        device: &str,
        o: &CaptureOptions,
        op: impl FnOnce(&CaptureOptions) -> Result<T, DeviceFailure>,
    ) -> Result<T, DeviceFailure> {
        if self.unplugged() {
            return Err(self.failure(device));
        }
        let inner = CaptureOptions {
            timeout: o.timeout,
            cancel: CancelToken::new(),
        };
        let done = CancelToken::new();
        let result = std::thread::scope(|s| {
            s.spawn(|| {
                while !done.sleep(POLL) {
                    if o.cancel.is_cancelled() || self.unplugged() {
                        inner.cancel.cancel();
                        break;
                    }
                }
            });
            let r = op(&inner);
            done.cancel();
            r
        });
        match result {
            Err(_) if self.unplugged() => Err(self.failure(device)),
            r => r,
        }
    }
}

struct Unpluggable {
    inner: Box<dyn FingerDevice>,
    plug: Plug,
}

impl Identified for Unpluggable {
    fn identity(&self) -> DeviceIdentity {
        self.inner.identity()
    }
}

impl FingerDevice for Unpluggable {
    fn capture_finger(
        &mut self,
        finger: Finger,
        o: &CaptureOptions,
    ) -> Result<GrayImage, DeviceFailure> {
        let who = self.inner.identity().to_string();
        let inner = &mut self.inner;
        self.plug
            .guard(&who, o, |o| inner.capture_finger(finger, o))
    }

    fn capture_finger_live(
        &mut self,
        finger: Finger,
        o: &CaptureOptions,
        rule: AutoCaptureRule,
        sink: FrameSink<'_>,
    ) -> Result<GrayImage, DeviceFailure> {
        let who = self.inner.identity().to_string();
        let inner = &mut self.inner;
        self.plug.guard(&who, o, |o| {
            inner.capture_finger_live(finger, o, rule, sink)
        })
    }

    fn capture_slap(
        &mut self,
        slap: Slap,
        missing: &[Finger],
        o: &CaptureOptions,
    ) -> Result<GrayImage, DeviceFailure> {
        let who = self.inner.identity().to_string();
        let inner = &mut self.inner;
        self.plug
            .guard(&who, o, |o| inner.capture_slap(slap, missing, o))
    }

    fn preview_frame(&mut self, o: &CaptureOptions) -> Result<GrayImage, DeviceFailure> {
        // One frame is quick: checked before and after rather than watched.
        let who = self.inner.identity().to_string();
        if self.plug.unplugged() {
            return Err(self.plug.failure(&who));
        }
        let frame = self.inner.preview_frame(o);
        if self.plug.unplugged() {
            return Err(self.plug.failure(&who));
        }
        frame
    }

    fn present(&mut self, resident: &Resident) {
        self.inner.present(resident);
    }
}
