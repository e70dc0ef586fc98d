//! The signature pad device class, shaped after Wacom STU pads (USB HID pen reports with 12-bit
//! pressure, buttons drawn on a screen) and ISDV4 serial digitizers (no screen).
//!
//! Contract: `next_event` returns `Ok(None)` when nothing happened within the wait, since a pause
//! while signing is normal; `clear` wipes the pad's ink. A screen is optional.

use std::time::Duration;

use crate::error::{Error, Unsupported};
use crate::fingerprint::unsupported;
use crate::identity::DeviceIdentity;
use crate::image::RgbImage;

/// One pen report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PenSample {
    /// Horizontal position in tablet units, 0 at the left.
    pub x: u16,
    /// Vertical position in tablet units, 0 at the top.
    pub y: u16,
    /// Pressure, 0 (hovering) to the pad's `max_pressure`.
    pub pressure: u16,
    /// Time since the pad was last cleared.
    pub time: Duration,
}

/// Something the signer did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PadEvent {
    /// The pen moved or pressed.
    Pen(PenSample),
    /// The signer pressed "OK".
    Accept,
    /// The signer pressed "Cancel".
    Cancel,
    /// The signer pressed "Clear".
    Clear,
}

/// What a pad can do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PadCapabilities {
    /// Largest x in tablet units.
    pub max_x: u16,
    /// Largest y in tablet units.
    pub max_y: u16,
    /// Largest pressure value.
    pub max_pressure: u16,
    /// Tablet units per millimetre, to render at true size.
    pub units_per_mm: u16,
    /// Screen size in pixels, if it has one.
    pub screen: Option<crate::identity::ImageSize>,
}

/// A signature pad.
pub trait SignaturePad {
    /// The driver's error.
    type Error: Error + From<Unsupported>;

    /// Who the pad is.
    fn identity(&self) -> &DeviceIdentity;

    /// What it can do.
    fn capabilities(&self) -> &PadCapabilities;

    /// Waits up to `wait` for the next event.
    fn next_event(&mut self, wait: Duration) -> Result<Option<PadEvent>, Self::Error>;

    /// Wipes the ink (and restarts sample time at zero).
    fn clear(&mut self) -> Result<(), Self::Error>;

    /// Shows `image` on the pad's screen (instructions, the buttons, the resident's name).
    fn show_image(&mut self, image: &RgbImage) -> Result<(), Self::Error> {
        let _ = image;
        Err(unsupported(self.identity(), "screen"))
    }
}
