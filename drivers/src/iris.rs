//! The iris scanner device class: monocular or binocular cameras returning near-infrared
//! 640x480 images (ISO/IEC 19794-6), with SBI's left, right or both selection.
//!
//! Contract: `capture` returns an image for every eye asked for, or an error; preview is optional.

use crate::error::{Error, Unsupported};
use crate::fingerprint::{CaptureOptions, unsupported};
use crate::identity::{DeviceIdentity, ImageSize};
use crate::image::GrayImage;

/// Which eyes to capture (SBI deviceSubId 1 left, 2 right, 3 both).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Eyes {
    /// Left eye only.
    Left,
    /// Right eye only.
    Right,
    /// Both eyes, at once on binocular devices.
    Both,
}

/// The images of one capture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IrisCapture {
    /// Left eye, when asked for.
    pub left: Option<GrayImage>,
    /// Right eye, when asked for.
    pub right: Option<GrayImage>,
}

/// What an iris scanner can do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IrisCapabilities {
    /// Image size, typically 640x480.
    pub image: ImageSize,
    /// Whether it captures both eyes at once.
    pub binocular: bool,
    /// Whether `preview_frame` works.
    pub preview: bool,
}

/// An iris scanner.
pub trait IrisScanner {
    /// The driver's error.
    type Error: Error + From<Unsupported>;

    /// Who the scanner is.
    fn identity(&self) -> &DeviceIdentity;

    /// What it can do.
    fn capabilities(&self) -> &IrisCapabilities;

    /// Captures the selected eyes.
    fn capture(&mut self, eyes: Eyes, options: &CaptureOptions)
    -> Result<IrisCapture, Self::Error>;

    /// One live frame for alignment on screen.
    fn preview_frame(
        &mut self,
        eyes: Eyes,
        options: &CaptureOptions,
    ) -> Result<IrisCapture, Self::Error> {
        let _ = (eyes, options);
        Err(unsupported(self.identity(), "preview"))
    }
}
