//! Face detection behind the [`FaceDetector`] trait, and the default detector: SeetaFace's
//! frontal funnel cascade (through the `rustface` crate) with the model the crate publishes,
//! embedded in this crate so it works on a fresh machine with nothing to download.
//!
//! Contract: a detector returns every face it finds with its box in the coordinates of the image
//! it was given; landmarks only when the method provides them (SeetaFace gives none: the eyes
//! are then located by [`super::eyes`]). Images too small to hold the smallest face give an empty
//! list, never a panic.

use serde::Serialize;

use crate::image::{Gray, RgbView};

/// The SeetaFace frontal detection model (`seeta_fd_frontal_v1.0.bin`, BSD-2-Clause, from the
/// `rustface` 0.1.7 crate package; the licence is beside it in `model/LICENSE-SeetaFace.txt`).
const SEETA_MODEL: &[u8] = include_bytes!("../../model/seeta_fd_frontal_v1.0.bin");

/// SeetaFace's window: faces smaller than this in the working image are not found.
const SEETA_WINDOW: u32 = 40;

/// A point in image pixels.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Point {
    /// Column.
    pub x: f64,
    /// Row.
    pub y: f64,
}

/// An axis-aligned box in image pixels.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct FaceBox {
    /// Left edge.
    pub x: f64,
    /// Top edge.
    pub y: f64,
    /// Width.
    pub width: f64,
    /// Height.
    pub height: f64,
}

impl FaceBox {
    /// Centre of the box.
    pub fn centre(&self) -> Point {
        Point {
            x: self.x + self.width / 2.0,
            y: self.y + self.height / 2.0,
        }
    }

    /// Intersection over union with `other`.
    pub fn iou(&self, other: &FaceBox) -> f64 {
        let ix = (self.x + self.width).min(other.x + other.width) - self.x.max(other.x);
        let iy = (self.y + self.height).min(other.y + other.height) - self.y.max(other.y);
        if ix <= 0.0 || iy <= 0.0 {
            return 0.0;
        }
        let inter = ix * iy;
        inter / (self.width * self.height + other.width * other.height - inter)
    }
}

/// Five facial landmarks as YuNet gives them; eyes are as seen in the image (the subject's right
/// eye is the image's left one).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Landmarks {
    /// Eye nearer the image's left edge.
    pub left_eye: Point,
    /// Eye nearer the image's right edge.
    pub right_eye: Point,
    /// Nose tip, when known.
    pub nose: Option<Point>,
    /// Mouth corners (image-left, image-right), when known.
    pub mouth: Option<(Point, Point)>,
}

/// One face found by a detector.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DetectedFace {
    /// Where it is.
    pub bbox: FaceBox,
    /// The detector's confidence, on its own scale.
    pub score: f64,
    /// Landmarks, if the detector gives them.
    pub landmarks: Option<Landmarks>,
}

/// Why detection failed (not "no face", which is an empty list).
#[derive(Debug, thiserror::Error)]
pub enum DetectError {
    /// The model could not be read.
    #[error("face model unreadable: {0}")]
    Model(String),
    /// The model ran but failed on this input.
    #[error("face model failed on the image: {0}")]
    Inference(String),
}

/// Finds faces in an RGB image.
pub trait FaceDetector {
    /// Every face found, best first.
    fn detect(&mut self, image: &RgbView<'_>) -> Result<Vec<DetectedFace>, DetectError>;
}

/// SeetaFace frontal detector on a working copy of the image reduced so that its longer side is
/// at most `working_size` pixels (the cascade's cost grows with the pixel count; its 40-pixel
/// window then sets the smallest face found to `40 / working_size` of the longer side).
pub struct SeetaDetector {
    inner: Box<dyn rustface::Detector>,
    working_size: u32,
}

impl std::fmt::Debug for SeetaDetector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SeetaDetector")
            .field("working_size", &self.working_size)
            .finish_non_exhaustive()
    }
}

impl SeetaDetector {
    /// The embedded model with a working size of `working_size` pixels (longer side).
    pub fn new(working_size: u32) -> Result<Self, DetectError> {
        let model =
            rustface::read_model(SEETA_MODEL).map_err(|e| DetectError::Model(e.to_string()))?;
        let mut inner = rustface::create_detector_with_model(model);
        inner.set_min_face_size(SEETA_WINDOW);
        // The crate's recommended settings: a 0.8 pyramid and 4-pixel steps.
        inner.set_score_thresh(2.0);
        inner.set_pyramid_scale_factor(0.8);
        inner.set_slide_window_step(4, 4);
        Ok(Self {
            inner,
            working_size: working_size.max(SEETA_WINDOW),
        })
    }

    /// For still photos: finds faces down to about 6% of the longer side.
    pub fn for_stills() -> Result<Self, DetectError> {
        Self::new(640)
    }

    /// For live preview frames: finds faces down to about 12% of the longer side, within the
    /// per-frame budget.
    pub fn for_live() -> Result<Self, DetectError> {
        Self::new(320)
    }

    /// Runs on a gray image, boxes in its own coordinates.
    pub fn detect_gray(&mut self, gray: &Gray) -> Vec<DetectedFace> {
        let longer = gray.width.max(gray.height);
        let factor = longer.div_ceil(self.working_size).max(1);
        let small = if factor > 1 {
            gray.shrink(factor)
        } else {
            gray.clone()
        };
        if small.width < SEETA_WINDOW || small.height < SEETA_WINDOW {
            return Vec::new();
        }
        let data = rustface::ImageData::new(&small.pixels, small.width, small.height);
        let f = f64::from(factor);
        let mut faces: Vec<DetectedFace> = self
            .inner
            .detect(&data)
            .into_iter()
            .map(|info| {
                let b = info.bbox();
                DetectedFace {
                    bbox: FaceBox {
                        x: f64::from(b.x()) * f,
                        y: f64::from(b.y()) * f,
                        width: f64::from(b.width()) * f,
                        height: f64::from(b.height()) * f,
                    },
                    score: info.score(),
                    landmarks: None,
                }
            })
            .collect();
        faces.sort_by(|a, b| b.score.total_cmp(&a.score));
        faces
    }
}

impl FaceDetector for SeetaDetector {
    fn detect(&mut self, image: &RgbView<'_>) -> Result<Vec<DetectedFace>, DetectError> {
        Ok(self.detect_gray(&image.luma()))
    }
}
