//! Face photo quality per ICAO / ISO 19794-5 full-frontal geometry, ISO/IEC 29794-5 style
//! components and the e-KTP backdrop rule, with the card-photo crop and live feedback.
//!
//! Contract: [`assess`] (or [`FaceAssessor::assess`], which keeps the detector between calls)
//! takes an RGB picture and returns a [`FaceReport`]: every face found, one component per check
//! with score, verdict and a bilingual message, the 3:4 crop and a unified pass/fail. Pure: the
//! same picture and options always give the same report.
//!
//! Eye positions come from the detector's landmarks when it has them (YuNet) and otherwise from
//! [`eyes`] (SeetaFace gives boxes only). The chin is estimated at 1.8 inter-eye distances below
//! the eye line (adult anthropometry: pupil-to-menton about 115 mm for an interpupillary distance
//! of about 63 mm); the crown is measured against the backdrop. Pitch needs nose and mouth
//! landmarks and is only assessed when the detector gives them.

pub mod checks;
pub mod crop;
pub mod detect;
pub mod eyes;
pub mod live;
pub mod measure;
pub mod report;
#[cfg(feature = "yunet")]
pub mod yunet;

use serde::Serialize;

pub use crop::{CropError, cut};
pub use detect::{
    DetectError, DetectedFace, FaceBox, FaceDetector, Landmarks, Point, SeetaDetector,
};
pub use live::{LiveChecker, LiveFeedback, LiveVerdict};
pub use report::{BackgroundColour, Check, Component, Crop, FaceGeometry, FaceReport, Message};
#[cfg(feature = "yunet")]
pub use yunet::YunetDetector;

use crate::image::RgbView;
use measure::{EyeLine, Frame};

/// What the assessment needs to know besides the picture.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct FaceOptions {
    /// The backdrop this resident needs (see [`BackgroundColour::for_resident`]); `None` accepts
    /// any e-KTP colour.
    pub expected_background: Option<BackgroundColour>,
    /// Pixels of the still photo per pixel of this image: 1 for the still itself, more for a
    /// camera's smaller live-view frame, so that a frame is judged by the still it foretells
    /// (the inter-eye distance is a size in the still's pixels).
    pub pixel_scale: f64,
}

impl Default for FaceOptions {
    fn default() -> Self {
        FaceOptions {
            expected_background: None,
            pixel_scale: 1.0,
        }
    }
}

/// Why an assessment could not run at all (a picture without a face is a failing report, not an
/// error).
#[derive(Debug, thiserror::Error)]
pub enum FaceError {
    /// The detector failed.
    #[error(transparent)]
    Detect(#[from] DetectError),
}

/// Assesses `image` with the default (SeetaFace) detector, parsing its embedded model for this
/// call; keep a [`FaceAssessor`] to assess many pictures.
pub fn assess(image: &RgbView<'_>, options: &FaceOptions) -> Result<FaceReport, FaceError> {
    FaceAssessor::new(Box::new(SeetaDetector::for_stills()?)).assess(image, options)
}

/// A detector kept for repeated assessments.
pub struct FaceAssessor {
    detector: Box<dyn FaceDetector>,
}

impl std::fmt::Debug for FaceAssessor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaceAssessor").finish_non_exhaustive()
    }
}

impl FaceAssessor {
    /// Uses `detector`.
    pub fn new(detector: Box<dyn FaceDetector>) -> Self {
        Self { detector }
    }

    /// The default detector (SeetaFace, embedded model).
    pub fn seeta() -> Result<Self, FaceError> {
        Ok(Self::new(Box::new(SeetaDetector::for_stills()?)))
    }

    /// Runs every check on `image`.
    pub fn assess(
        &mut self,
        image: &RgbView<'_>,
        options: &FaceOptions,
    ) -> Result<FaceReport, FaceError> {
        let faces = self.detector.detect(image)?;
        Ok(evaluate(image, faces, options))
    }
}

/// The largest face of `faces`.
fn largest(faces: &[DetectedFace]) -> Option<&DetectedFace> {
    faces
        .iter()
        .max_by(|a, b| (a.bbox.width * a.bbox.height).total_cmp(&(b.bbox.width * b.bbox.height)))
}

/// Eyes of `face`: its landmarks, else the eye finder.
fn eyes_of(frame: &Frame<'_>, face: &DetectedFace) -> Option<(Point, Point, bool)> {
    if let Some(l) = face.landmarks {
        return Some((l.left_eye, l.right_eye, true));
    }
    eyes::locate(&frame.table, &face.bbox).map(|(l, r)| (l, r, false))
}

/// Runs the checks on `image` given the faces a detector found in it.
pub fn evaluate(
    image: &RgbView<'_>,
    faces: Vec<DetectedFace>,
    options: &FaceOptions,
) -> FaceReport {
    let frame = Frame::new(*image);
    let mut components = vec![checks::single_face(faces.len())];
    let mut geometry = None;
    let mut crop = None;
    let mut background_seen = None;
    if let Some(face) = largest(&faces)
        && let Some((left, right, from_landmarks)) = eyes_of(&frame, face)
    {
        let eyes = EyeLine::new(left, right);
        let d = eyes.ied;
        let skin = measure::skin_colour(&frame, &eyes);
        let (to_left, to_right) = measure::cheek_extents(&frame, left, right, &eyes, skin);
        let head_width = to_left + to_right;
        let backdrop = measure::backdrop_reference(&frame, &eyes);
        let crown_seen = measure::crown(&frame, &eyes, backdrop);
        let crown_y = crown_seen.unwrap_or(eyes.mid.y - 1.9 * d);
        let chin_y = eyes.mid.y + 1.8 * d;
        let g = FaceGeometry {
            bbox: face.bbox,
            left_eye: left,
            right_eye: right,
            eyes_from_landmarks: from_landmarks,
            crown_y,
            crown_measured: crown_seen.is_some(),
            chin_y,
            head_width,
        };
        geometry = Some(g);

        components.push(checks::inter_eye(d * options.pixel_scale.max(1.0)));
        let c = crop::place(&g, image.width(), image.height());
        let head_share = (chin_y - crown_y) / f64::from(image.height());
        components.push(checks::head_size(c.overflow, head_share));
        components.push(checks::head_position(
            c.shift,
            f64::from(c.crop.height),
            eyes.mid.x / f64::from(image.width()),
        ));
        crop = Some(c.crop);

        let roll = (right.y - left.y).atan2(right.x - left.x).to_degrees();
        components.push(checks::roll(roll));
        // A head seen as a cylinder: the eye midpoint sits sin(yaw) of the half-width off the
        // silhouette's centre. Positive yaw: the face turns towards the image's right.
        let yaw = if head_width > 0.0 {
            ((to_left - to_right) / head_width)
                .clamp(-1.0, 1.0)
                .asin()
                .to_degrees()
        } else {
            0.0
        };
        components.push(checks::yaw(yaw));
        if let Some(p) = face.landmarks.and_then(|l| pitch_from_landmarks(&l)) {
            components.push(checks::pitch(p));
        }

        let region = measure::inner_face(&eyes, left, right);
        let (mean, under, over, entropy) = measure::luma_stats(&frame, region);
        components.push(checks::luminance_mean(mean));
        components.push(checks::under_exposure(under));
        components.push(checks::over_exposure(over));
        components.push(checks::dynamic_range(entropy));
        components.push(checks::sharpness(measure::sharpness(&frame, &eyes, region)));
        let (l, r) = measure::halves(&frame, &eyes, region);
        let ratio = if l.max(r) > 0.0 {
            l.min(r) / l.max(r)
        } else {
            0.0
        };
        components.push(checks::illumination(ratio));

        let sample = measure::backdrop_sample(
            &frame,
            &eyes,
            crown_seen,
            chin_y,
            (0.5 * head_width).max(1.1 * d),
        );
        components.push(checks::background_uniformity(measure::backdrop_spread(
            &sample,
        )));
        let colour = measure::mean_colour(&sample);
        background_seen = measure::classify_backdrop(colour);
        components.push(checks::background_colour(
            background_seen,
            options.expected_background,
            measure::hsv(colour).0,
        ));

        let open = measure::openness(&frame, left, d).min(measure::openness(&frame, right, d));
        components.push(checks::eyes_open(open));
        components.push(checks::no_glasses(measure::glasses_evidence(
            &frame, left, right, &eyes,
        )));
    }
    if geometry.is_none() && !faces.is_empty() {
        // A face too small for the eye finder's 24-pixel minimum.
        components.push(checks::inter_eye(0.0));
    }
    if geometry.is_none() {
        // No face to measure: the whole picture's exposure often says why none was found.
        let whole = (
            0.0,
            0.0,
            f64::from(image.width()),
            f64::from(image.height()),
        );
        let (mean, under, over, _) = measure::luma_stats(&frame, whole);
        components.push(checks::luminance_mean(mean));
        components.push(checks::under_exposure(under));
        components.push(checks::over_exposure(over));
    }
    let passed = components.iter().all(|c| c.passed) && geometry.is_some();
    let mean = if components.is_empty() {
        0.0
    } else {
        components.iter().map(|c| f64::from(c.score)).sum::<f64>() / components.len() as f64
    };
    let unified_score = if passed {
        mean.round().max(50.0) as u8
    } else {
        mean.round().min(49.0) as u8
    };
    // Without a face, a badly exposed picture is the likelier cause: say that first.
    let exposure_first = geometry.is_none()
        && components
            .iter()
            .any(|c| c.check != Check::SingleFacePresent && !c.passed);
    let order: Vec<Check> = if exposure_first {
        let mut o = vec![
            Check::LuminanceMean,
            Check::OverExposure,
            Check::UnderExposure,
        ];
        o.extend(ADVICE_ORDER);
        o
    } else {
        ADVICE_ORDER.to_vec()
    };
    let advice = order.iter().find_map(|check| {
        components
            .iter()
            .find(|c| c.check == *check && !c.passed)
            .map(|c| c.message.clone())
    });
    FaceReport {
        width: image.width(),
        height: image.height(),
        faces,
        geometry,
        background_seen,
        components,
        crop,
        unified_score,
        passed,
        advice,
    }
}

/// The order in which an operator should fix things: framing first, then pose, eyes, light,
/// focus and backdrop.
pub const ADVICE_ORDER: [Check; 17] = [
    Check::SingleFacePresent,
    Check::InterEyeDistance,
    Check::HeadSize,
    Check::HeadPosition,
    // Shut eyes also throw off the eye finder, so say so before any pose message.
    Check::EyesOpen,
    Check::Roll,
    Check::Yaw,
    Check::Pitch,
    Check::NoGlasses,
    Check::LuminanceMean,
    Check::UnderExposure,
    Check::OverExposure,
    Check::DynamicRange,
    Check::Sharpness,
    Check::IlluminationUniformity,
    // A cluttered backdrop's colour means little: clear it first.
    Check::BackgroundUniformity,
    Check::BackgroundColour,
];

/// Pitch from five landmarks: where the nose tip falls between the eye line and the mouth line
/// (about 0.55 for a frontal face; a raised chin moves the nose tip up towards the eyes). Each
/// 0.01 of that ratio is about one degree for an adult head (nose tip about 25 mm in front of
/// the eye-mouth plane, eye-to-mouth about 70 mm).
pub fn pitch_from_landmarks(l: &Landmarks) -> Option<f64> {
    let nose = l.nose?;
    let (ml, mr) = l.mouth?;
    let eye_y = (l.left_eye.y + l.right_eye.y) / 2.0;
    let mouth_y = (ml.y + mr.y) / 2.0;
    let span = mouth_y - eye_y;
    if span <= 1.0 {
        return None;
    }
    let ratio = (nose.y - eye_y) / span;
    // sin(pitch) = (0.55 - ratio) * 70 / 25
    Some(
        ((0.55 - ratio) * 70.0 / 25.0)
            .clamp(-1.0, 1.0)
            .asin()
            .to_degrees(),
    )
}
