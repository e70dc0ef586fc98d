//! The camera device class, shaped after PTP/PTP-IP still cameras (JPEG stills, JPEG live view)
//! and webcams (raw frames), as used for the face photo.
//!
//! Contract: `capture_still` is the only required operation; preview and exposure or white-balance
//! control answer [`Unsupported`] unless the driver overrides them.

use crate::error::{Error, Unsupported};
use crate::fingerprint::{CaptureOptions, unsupported};
use crate::identity::{DeviceIdentity, ImageSize};
use crate::image::RgbImage;

/// A picture as the camera delivers it: still cameras hand over JPEG files, webcams raw frames.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Photo {
    /// A JPEG file, decoded later by whoever needs pixels.
    Jpeg {
        /// Size stated by the camera.
        size: ImageSize,
        /// The file.
        bytes: Vec<u8>,
    },
    /// Decoded pixels.
    Rgb(RgbImage),
}

/// Exposure setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exposure {
    /// Camera decides.
    Auto,
    /// Automatic with a compensation in tenths of a stop (e.g. +7 = +0.7 EV).
    Compensation(i16),
}

/// White balance setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WhiteBalance {
    /// Camera decides.
    Auto,
    /// Preset for daylight.
    Daylight,
    /// Preset for fluorescent tubes (typical office ceilings).
    Fluorescent,
    /// Preset for incandescent light.
    Tungsten,
    /// Preset for flash.
    Flash,
    /// Explicit colour temperature in kelvin.
    Kelvin(u16),
}

/// What a camera can do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CameraCapabilities {
    /// Size of stills.
    pub still: ImageSize,
    /// Size of preview frames, if it previews.
    pub preview: Option<ImageSize>,
    /// Whether `set_exposure` works.
    pub exposure: bool,
    /// Whether `set_white_balance` works.
    pub white_balance: bool,
}

/// A camera.
pub trait Camera {
    /// The driver's error.
    type Error: Error + From<Unsupported>;

    /// Who the camera is.
    fn identity(&self) -> &DeviceIdentity;

    /// What it can do.
    fn capabilities(&self) -> &CameraCapabilities;

    /// Takes one still picture.
    fn capture_still(&mut self, options: &CaptureOptions) -> Result<Photo, Self::Error>;

    /// One live-view frame.
    fn preview_frame(&mut self, options: &CaptureOptions) -> Result<Photo, Self::Error> {
        let _ = options;
        Err(unsupported(self.identity(), "preview"))
    }

    /// Sets exposure.
    fn set_exposure(&mut self, exposure: Exposure) -> Result<(), Self::Error> {
        let _ = exposure;
        Err(unsupported(self.identity(), "exposure control"))
    }

    /// Sets white balance.
    fn set_white_balance(&mut self, white_balance: WhiteBalance) -> Result<(), Self::Error> {
        let _ = white_balance;
        Err(unsupported(self.identity(), "white balance control"))
    }
}
