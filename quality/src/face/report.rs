//! What a face assessment reports: one [`Component`] per check (score 0-100, pass/fail, the
//! measured value and an operator message in Indonesian and English), the geometry found, the
//! card-photo crop and the unified verdict.
//!
//! Contract: plain data, serialisable to JSON as the CLI prints it; the messages say what to fix,
//! in words an operator can read out to the resident.

use serde::Serialize;

use super::detect::{DetectedFace, FaceBox, Point};
pub use crate::verdict::{Message, ramp};

/// Which check a component is (names follow ISO/IEC 29794-5 / OFIQ where one exists).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Check {
    /// Exactly one face in the picture.
    SingleFacePresent,
    /// Distance between the eye centres, pixels.
    InterEyeDistance,
    /// The head's chin-to-crown height can fill 70-80% of a card photo cut from this picture.
    HeadSize,
    /// A card photo with the head placed per ISO 19794-5 fits inside this picture.
    HeadPosition,
    /// In-plane tilt of the eye line, degrees.
    Roll,
    /// Left/right head turn, degrees (estimate).
    Yaw,
    /// Up/down head tilt, degrees (estimate; needs nose and mouth landmarks).
    Pitch,
    /// Mean face brightness.
    LuminanceMean,
    /// Share of face pixels crushed to black.
    UnderExposure,
    /// Share of face pixels blown to white.
    OverExposure,
    /// Spread of face brightness levels (histogram entropy, bits).
    DynamicRange,
    /// Focus of the face.
    Sharpness,
    /// Left and right halves of the face lit alike.
    IlluminationUniformity,
    /// Plain backdrop, no objects or patterns.
    BackgroundUniformity,
    /// The e-KTP backdrop colour for this resident.
    BackgroundColour,
    /// Both eyes open.
    EyesOpen,
    /// No glasses.
    NoGlasses,
}

/// One check's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Component {
    /// Which check.
    pub check: Check,
    /// Quality 0-100 (higher is better).
    pub score: u8,
    /// Whether it meets the rule.
    pub passed: bool,
    /// The measured value in the check's unit.
    pub value: f64,
    /// What was measured and, on failure, what to fix.
    pub message: Message,
}

/// e-KTP backdrop colours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BackgroundColour {
    /// Residents born in an odd year.
    Red,
    /// Residents born in an even year.
    Blue,
    /// Foreign residents (WNA).
    Orange,
}

impl BackgroundColour {
    /// The colour a resident's photo needs: orange for foreigners, else red for an odd birth
    /// year and blue for an even one.
    pub fn for_resident(birth_year: i32, foreign: bool) -> Self {
        if foreign {
            Self::Orange
        } else if birth_year.rem_euclid(2) == 1 {
            Self::Red
        } else {
            Self::Blue
        }
    }

    /// Indonesian name.
    pub fn name_id(self) -> &'static str {
        match self {
            Self::Red => "merah",
            Self::Blue => "biru",
            Self::Orange => "oranye",
        }
    }

    /// English name.
    pub fn name_en(self) -> &'static str {
        match self {
            Self::Red => "red",
            Self::Blue => "blue",
            Self::Orange => "orange",
        }
    }
}

/// Where a card photo is cut from the picture.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Crop {
    /// Left edge, pixels (may be negative when the picture is too tight).
    pub x: i64,
    /// Top edge, pixels (may be negative).
    pub y: i64,
    /// Width (3 parts).
    pub width: u32,
    /// Height (4 parts).
    pub height: u32,
    /// Whether the whole crop lies inside the picture.
    pub inside: bool,
}

/// Where the face's parts are, as measured.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct FaceGeometry {
    /// Detector box.
    pub bbox: FaceBox,
    /// Eye nearer the image's left edge.
    pub left_eye: Point,
    /// Eye nearer the image's right edge.
    pub right_eye: Point,
    /// Whether the eyes came from the detector's landmarks (else the eye finder).
    pub eyes_from_landmarks: bool,
    /// Top of the head (hair included), row.
    pub crown_y: f64,
    /// Whether the crown was seen against the backdrop (else estimated from the eyes).
    pub crown_measured: bool,
    /// Chin, row (estimated from the eyes: 1.8 inter-eye distances below the eye line).
    pub chin_y: f64,
    /// Face width at the cheeks, pixels.
    pub head_width: f64,
}

/// The full assessment of one picture.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FaceReport {
    /// Picture width.
    pub width: u32,
    /// Picture height.
    pub height: u32,
    /// Every face found.
    pub faces: Vec<DetectedFace>,
    /// The assessed face's geometry (the largest face), when there is one.
    pub geometry: Option<FaceGeometry>,
    /// The backdrop colour seen, if it is one of the e-KTP colours.
    pub background_seen: Option<BackgroundColour>,
    /// Each check.
    pub components: Vec<Component>,
    /// The card-photo crop, when there is a face.
    pub crop: Option<Crop>,
    /// Mean of the component scores, held below 50 when any check fails.
    pub unified_score: u8,
    /// Whether the picture passes the quality gate.
    pub passed: bool,
    /// The first thing to fix (checks in the order an operator should fix them), if any.
    pub advice: Option<Message>,
}

impl FaceReport {
    /// The component of `check`, if it was assessed.
    pub fn component(&self, check: Check) -> Option<&Component> {
        self.components.iter().find(|c| c.check == check)
    }
}
