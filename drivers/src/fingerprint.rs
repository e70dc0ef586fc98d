//! The fingerprint scanner device class: single-finger sensors (R30x, optical USB readers) and
//! slap scanners that take the 4-4-2 set (left four, right four, two thumbs) as MOSIP SBI does.
//!
//! Contract: captures block until an image is taken, the timeout passes or the token is cancelled,
//! and never longer than one device round trip after a cancel. Optional capabilities (slaps,
//! preview, LED feedback) answer [`Unsupported`] unless the driver overrides them.

use std::time::Duration;

use crate::cancel::CancelToken;
use crate::error::{Error, Unsupported};
use crate::identity::{DeviceIdentity, ImageSize};
use crate::image::GrayImage;

/// A finger, numbered by its ANSI/NIST-ITL finger position code (1 right thumb ... 10 left little).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Finger {
    RightThumb = 1,
    RightIndex = 2,
    RightMiddle = 3,
    RightRing = 4,
    RightLittle = 5,
    LeftThumb = 6,
    LeftIndex = 7,
    LeftMiddle = 8,
    LeftRing = 9,
    LeftLittle = 10,
}

impl Finger {
    /// All ten, in position-code order.
    pub const ALL: [Finger; 10] = [
        Finger::RightThumb,
        Finger::RightIndex,
        Finger::RightMiddle,
        Finger::RightRing,
        Finger::RightLittle,
        Finger::LeftThumb,
        Finger::LeftIndex,
        Finger::LeftMiddle,
        Finger::LeftRing,
        Finger::LeftLittle,
    ];

    /// The ANSI/NIST-ITL position code, 1 to 10.
    pub fn position(self) -> u8 {
        self as u8
    }

    /// The finger with position code `code`, if it is 1 to 10.
    pub fn from_position(code: u8) -> Option<Finger> {
        Finger::ALL.get(usize::from(code).checked_sub(1)?).copied()
    }

    /// The MOSIP SBI `bioSubType` spelling, e.g. "Left IndexFinger".
    pub fn sbi_name(self) -> &'static str {
        match self {
            Finger::RightThumb => "Right Thumb",
            Finger::RightIndex => "Right IndexFinger",
            Finger::RightMiddle => "Right MiddleFinger",
            Finger::RightRing => "Right RingFinger",
            Finger::RightLittle => "Right LittleFinger",
            Finger::LeftThumb => "Left Thumb",
            Finger::LeftIndex => "Left IndexFinger",
            Finger::LeftMiddle => "Left MiddleFinger",
            Finger::LeftRing => "Left RingFinger",
            Finger::LeftLittle => "Left LittleFinger",
        }
    }
}

/// One of the three placements of a 4-4-2 capture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Slap {
    /// Left index to little (SBI deviceSubId 1).
    LeftFour,
    /// Right index to little (SBI deviceSubId 2).
    RightFour,
    /// Both thumbs (SBI deviceSubId 3).
    Thumbs,
}

impl Slap {
    /// The fingers this placement shows when none are missing.
    pub fn fingers(self) -> &'static [Finger] {
        match self {
            Slap::LeftFour => &[
                Finger::LeftIndex,
                Finger::LeftMiddle,
                Finger::LeftRing,
                Finger::LeftLittle,
            ],
            Slap::RightFour => &[
                Finger::RightIndex,
                Finger::RightMiddle,
                Finger::RightRing,
                Finger::RightLittle,
            ],
            Slap::Thumbs => &[Finger::LeftThumb, Finger::RightThumb],
        }
    }
}

/// How long a capture may take and how to stop it early.
#[derive(Debug, Clone)]
pub struct CaptureOptions {
    /// Give up (with a timeout error) when no finger is captured within this time.
    pub timeout: Duration,
    /// Cancel the capture from another thread.
    pub cancel: CancelToken,
}

impl CaptureOptions {
    /// Options with `timeout` and a fresh token.
    pub fn with_timeout(timeout: Duration) -> Self {
        Self {
            timeout,
            cancel: CancelToken::new(),
        }
    }
}

/// What a scanner can do, for the agent to plan a capture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FingerprintCapabilities {
    /// Native resolution of the images it returns.
    pub ppi: u32,
    /// Size of a single-finger image.
    pub finger_image: ImageSize,
    /// Size of a slap image, if it captures slaps.
    pub slap_image: Option<ImageSize>,
    /// Whether `preview_frame` works.
    pub preview: bool,
    /// Whether `set_feedback` works.
    pub feedback: bool,
}

/// A single-finger impression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FingerImage {
    /// The finger the operator was asked to place.
    pub finger: Finger,
    /// The impression.
    pub image: GrayImage,
}

/// A slap impression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlapImage {
    /// The placement.
    pub slap: Slap,
    /// Fingers expected in the image (the placement's fingers minus declared exceptions).
    pub fingers: Vec<Finger>,
    /// The whole slap image; segmentation is the caller's job.
    pub image: GrayImage,
}

/// Signals to the person at the scanner, shown by an LED ring or buzzer where one exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Feedback {
    /// Everything off.
    Off,
    /// Waiting for a finger.
    Place,
    /// Capturing or working; keep still.
    Working,
    /// Capture accepted.
    Accepted,
    /// Capture rejected; try again.
    Rejected,
}

/// A fingerprint scanner.
pub trait FingerprintScanner {
    /// The driver's error; it can say "unsupported" for the default methods.
    type Error: Error + From<Unsupported>;

    /// Who the scanner is.
    fn identity(&self) -> &DeviceIdentity;

    /// What it can do.
    fn capabilities(&self) -> &FingerprintCapabilities;

    /// Waits for a finger and returns its image.
    fn capture_finger(
        &mut self,
        finger: Finger,
        options: &CaptureOptions,
    ) -> Result<FingerImage, Self::Error>;

    /// Waits for a slap; `missing` lists fingers declared absent (SBI `exception[]`).
    fn capture_slap(
        &mut self,
        slap: Slap,
        missing: &[Finger],
        options: &CaptureOptions,
    ) -> Result<SlapImage, Self::Error> {
        let _ = (slap, missing, options);
        Err(unsupported(self.identity(), "slap capture"))
    }

    /// One live frame of whatever is on the platen, for an on-screen preview.
    fn preview_frame(&mut self, options: &CaptureOptions) -> Result<GrayImage, Self::Error> {
        let _ = options;
        Err(unsupported(self.identity(), "preview"))
    }

    /// Shows `feedback` on the device's LED or buzzer.
    fn set_feedback(&mut self, feedback: Feedback) -> Result<(), Self::Error> {
        let _ = feedback;
        Err(unsupported(self.identity(), "LED feedback"))
    }
}

/// Builds the "not supported" error of any driver for `identity`.
pub fn unsupported<E: From<Unsupported>>(identity: &DeviceIdentity, operation: &'static str) -> E {
    E::from(Unsupported {
        device: identity.to_string(),
        operation,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finger_position_codes_round_trip_and_reject_out_of_range() {
        for finger in Finger::ALL {
            assert_eq!(Finger::from_position(finger.position()), Some(finger));
        }
        assert_eq!(Finger::from_position(0), None);
        assert_eq!(Finger::from_position(11), None);
    }

    #[test]
    fn a_4_4_2_set_covers_each_finger_once() {
        let mut all: Vec<Finger> = [Slap::LeftFour, Slap::RightFour, Slap::Thumbs]
            .iter()
            .flat_map(|s| s.fingers().iter().copied())
            .collect();
        all.sort();
        assert_eq!(all, Finger::ALL.to_vec());
    }
}
