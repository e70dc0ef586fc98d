//! NFIQ 2.3 fingerprint quality (ISO/IEC 29794-4 reference algorithm), in pure Rust, faithful to
//! NIST's implementation and its OpenCV arithmetic.
//!
//! Contract: [`assess`] takes an 8-bit 500 ppi gray image and the FingerJet FX OSE minutiae of its
//! trimmed form ([`trimmed`]), and returns NIST's unified score (0-100), the four actionable
//! feedback values and the 69 native quality measures under NIST's names and in NIST's random
//! forest order, or the specific [`Nfiq2Error`] NIST would raise for that input. Minutiae
//! extraction is not done here: callers run FingerJet FX on [`trimmed`]'s output.
//!
//! Modules, one measure each: [`preprocess`] (white frame), `segment` (local-region grid), `fda`,
//! `lcs`, `rvup`, `of`, `ocl`, `mu`, `roi`, `coherence`, [`minutiae_features`], `histogram`, the
//! random forest in `forest`, and the shared pieces: block gradients in `gradient` and the
//! OpenCV-equivalent primitives in `cv`.
//!
//! Verified against NIST's expected outputs for its five SFinGe examples and, to 1e-9, against
//! NIST's code as packaged in PyPI `nbis-py` on varied images (`quality/tests/nfiq2_*.rs`).

mod coherence;
mod cv;
mod fda;
mod forest;
mod gradient;
mod histogram;
mod lcs;
pub mod minutiae_features;
mod mu;
mod ocl;
mod of;
pub mod preprocess;
mod roi;
mod rvup;
mod segment;

use crate::image::{GrayImage, GrayImageRef};
use histogram::{Histogram, histogram};
pub use minutiae_features::{Minutia, MinutiaeFeatures};
use thiserror::Error;

/// Why NFIQ 2 cannot assess an image (NIST raises the same conditions).
#[derive(Debug, Clone, PartialEq, Error)]
pub enum Nfiq2Error {
    /// NFIQ 2 is defined for 500 ppi images only.
    #[error("only 500 ppi fingerprint images are supported, got {0} ppi")]
    UnsupportedResolution(u16),
    /// Every row (or column) is near-white (mean above 250).
    #[error("all image {0} appear to be blank")]
    BlankImage(&'static str),
    /// Trimming the white frame leaves a single row or column.
    #[error("asked to inclusively crop from ({left},{top}) to ({right},{bottom})")]
    DegenerateCrop {
        /// First kept column.
        left: usize,
        /// First kept row.
        top: usize,
        /// Last kept column.
        right: usize,
        /// Last kept row.
        bottom: usize,
    },
    /// Wider than FingerJet FX accepts (800) after trimming.
    #[error("width is too large after trimming whitespace: {width}x{height}, maximum width 800")]
    TooWide {
        /// Trimmed width.
        width: usize,
        /// Trimmed height.
        height: usize,
    },
    /// Taller than FingerJet FX accepts (1000) after trimming.
    #[error("height is too large after trimming whitespace: {width}x{height}, maximum height 1000")]
    TooTall {
        /// Trimmed width.
        width: usize,
        /// Trimmed height.
        height: usize,
    },
    /// A quality measure has too little foreground to be computed (NIST's
    /// `QualityMeasureCalculationError`, e.g. a blank or uniform image).
    #[error("cannot compute {measure}: {reason}")]
    Measure {
        /// The measure's module name.
        measure: &'static str,
        /// Why.
        reason: &'static str,
    },
    /// A minutia lies outside the (padded) trimmed image.
    #[error("minutia at ({x},{y}) lies outside the image")]
    MinutiaOutsideImage {
        /// Column.
        x: u32,
        /// Row.
        y: u32,
    },
    /// All minutiae lie in FingerJet FX's white padding of a small image.
    #[error("all minutiae lie outside the trimmed image")]
    NoMinutiaeInsideImage,
    /// Minutia neighbourhoods need an image of at least 32x32.
    #[error("image {width}x{height} is smaller than a 32x32 minutia block")]
    ImageTooSmallForMinutiaBlocks {
        /// Trimmed width.
        width: usize,
        /// Trimmed height.
        height: usize,
    },
    /// The embedded random forest is damaged.
    #[error("random forest model: {0}")]
    Model(String),
}

/// The four actionable feedback values, with NIST's thresholds as methods.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Actionable {
    /// `UniformImage`: standard deviation of the trimmed image's gray values.
    pub uniform_image: f64,
    /// `EmptyImageOrContrastTooLow`: mean gray value of the trimmed image.
    pub empty_image_or_contrast_too_low: f64,
    /// `FingerprintImageWithMinutiae`: number of minutiae.
    pub fingerprint_image_with_minutiae: f64,
    /// `SufficientFingerprintForeground`: number of foreground (ROI) pixels.
    pub sufficient_fingerprint_foreground: f64,
}

impl Actionable {
    /// The image is uniform (deviation below 1.0).
    pub fn is_uniform(&self) -> bool {
        self.uniform_image < 1.0
    }
    /// The image is empty or its contrast too low (mean above 250).
    pub fn is_empty_or_low_contrast(&self) -> bool {
        self.empty_image_or_contrast_too_low > 250.0
    }
    /// Enough minutiae were found (at least 5).
    pub fn has_minutiae(&self) -> bool {
        self.fingerprint_image_with_minutiae >= 5.0
    }
    /// Enough fingerprint foreground (at least 50,000 pixels).
    pub fn has_sufficient_foreground(&self) -> bool {
        self.sufficient_fingerprint_foreground >= 50_000.0
    }
    /// The values under NIST's names, in NIST's order.
    pub fn named(&self) -> [(&'static str, f64); 4] {
        [
            ("UniformImage", self.uniform_image),
            (
                "EmptyImageOrContrastTooLow",
                self.empty_image_or_contrast_too_low,
            ),
            (
                "FingerprintImageWithMinutiae",
                self.fingerprint_image_with_minutiae,
            ),
            (
                "SufficientFingerprintForeground",
                self.sufficient_fingerprint_foreground,
            ),
        ]
    }
}

/// The result of an assessment.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    /// Unified quality score, 0 (worst) to 100 (best).
    pub score: u8,
    /// Actionable feedback.
    pub actionable: Actionable,
    /// The 69 native quality measures: NIST's names, in NIST's random-forest order.
    pub features: Vec<(&'static str, f64)>,
    /// The FingerJet FX minutiae the score was computed from, in pixels of the trimmed image
    /// (what [`crate::matching::Template::new`] takes). Filled by
    /// [`crate::fingerprint::nfiq2`]; empty from [`assess`], whose minutiae come from its caller.
    pub minutiae: Vec<crate::minutiae::Minutia>,
}

/// NIST's names of the native quality measures, in random-forest order.
pub const FEATURE_NAMES: [&str; 69] = [
    "FDA_Bin10_0",
    "FDA_Bin10_1",
    "FDA_Bin10_2",
    "FDA_Bin10_3",
    "FDA_Bin10_4",
    "FDA_Bin10_5",
    "FDA_Bin10_6",
    "FDA_Bin10_7",
    "FDA_Bin10_8",
    "FDA_Bin10_9",
    "FDA_Bin10_Mean",
    "FDA_Bin10_StdDev",
    "FingerJetFX_MinCount_COMMinRect200x200",
    "FingerJetFX_MinutiaeCount",
    "FJFXPos_Mu_MinutiaeQuality_2",
    "FJFXPos_OCL_MinutiaeQuality_80",
    "ImgProcROIArea_Mean",
    "LCS_Bin10_0",
    "LCS_Bin10_1",
    "LCS_Bin10_2",
    "LCS_Bin10_3",
    "LCS_Bin10_4",
    "LCS_Bin10_5",
    "LCS_Bin10_6",
    "LCS_Bin10_7",
    "LCS_Bin10_8",
    "LCS_Bin10_9",
    "LCS_Bin10_Mean",
    "LCS_Bin10_StdDev",
    "MMB",
    "Mu",
    "OCL_Bin10_0",
    "OCL_Bin10_1",
    "OCL_Bin10_2",
    "OCL_Bin10_3",
    "OCL_Bin10_4",
    "OCL_Bin10_5",
    "OCL_Bin10_6",
    "OCL_Bin10_7",
    "OCL_Bin10_8",
    "OCL_Bin10_9",
    "OCL_Bin10_Mean",
    "OCL_Bin10_StdDev",
    "OF_Bin10_0",
    "OF_Bin10_1",
    "OF_Bin10_2",
    "OF_Bin10_3",
    "OF_Bin10_4",
    "OF_Bin10_5",
    "OF_Bin10_6",
    "OF_Bin10_7",
    "OF_Bin10_8",
    "OF_Bin10_9",
    "OF_Bin10_Mean",
    "OF_Bin10_StdDev",
    "OrientationMap_ROIFilter_CoherenceRel",
    "OrientationMap_ROIFilter_CoherenceSum",
    "RVUP_Bin10_0",
    "RVUP_Bin10_1",
    "RVUP_Bin10_2",
    "RVUP_Bin10_3",
    "RVUP_Bin10_4",
    "RVUP_Bin10_5",
    "RVUP_Bin10_6",
    "RVUP_Bin10_7",
    "RVUP_Bin10_8",
    "RVUP_Bin10_9",
    "RVUP_Bin10_Mean",
    "RVUP_Bin10_StdDev",
];

/// Indices of the four minutiae measures in [`FEATURE_NAMES`].
const MINUTIAE_AT: usize = 12;

const FDA_LIMITS: [f64; 9] = [0.268, 0.304, 0.33, 0.355, 0.38, 0.407, 0.44, 0.50, 1.0];
const LCS_LIMITS: [f64; 9] = [0.0, 0.70, 0.74, 0.77, 0.79, 0.81, 0.83, 0.85, 0.87];
const OCL_LIMITS: [f64; 9] = [0.337, 0.479, 0.579, 0.655, 0.716, 0.766, 0.81, 0.852, 0.898];
const OF_LIMITS: [f64; 9] = [
    1.715e-2, 3.5e-2, 5.57e-2, 8.1e-2, 1.15e-1, 1.718e-1, 2.569e-1, 4.758e-1, 7.48e-1,
];
const RVUP_LIMITS: [f64; 9] = [0.5, 0.667, 0.8, 1.0, 1.25, 1.5, 2.0, 24.0, 30.0];

/// The 65 measures that do not depend on minutiae, plus what actionable feedback needs.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageFeatures {
    /// All 69 values in [`FEATURE_NAMES`] order; the four minutiae slots hold NaN.
    pub values: [f64; 69],
    /// Standard deviation of the trimmed image.
    pub sigma: f64,
    /// Foreground pixel count.
    pub roi_pixels: u32,
}

/// The image NFIQ 2 works on: the input with its near-white frame removed. FingerJet FX minutiae
/// for [`assess`] must be extracted from this image.
pub fn trimmed(image: &GrayImageRef<'_>) -> Result<GrayImage, Nfiq2Error> {
    let c = preprocess::trim_white_frame(
        image.pixels(),
        image.width() as usize,
        image.height() as usize,
    )?;
    Ok(GrayImage {
        width: c.width as u32,
        height: c.height as u32,
        pixels: c.pixels,
    })
}

fn check_resolution(image: &GrayImageRef<'_>) -> Result<(), Nfiq2Error> {
    if image.ppi() != 500 {
        return Err(Nfiq2Error::UnsupportedResolution(image.ppi()));
    }
    Ok(())
}

fn put(values: &mut [f64; 69], at: usize, h: &Histogram) {
    values[at..at + 10].copy_from_slice(&h.bins);
    values[at + 10] = h.mean;
    values[at + 11] = h.std_dev;
}

fn hist(
    mut v: Vec<f64>,
    limits: &[f64; 9],
    measure: &'static str,
) -> Result<Histogram, Nfiq2Error> {
    histogram(&mut v, limits).ok_or(Nfiq2Error::Measure {
        measure,
        reason: "no local values to build a histogram from",
    })
}

/// Computes the 65 image measures of an already trimmed image (`pixels` row-major).
fn image_features_trimmed(
    pixels: &[u8],
    width: usize,
    height: usize,
) -> Result<ImageFeatures, Nfiq2Error> {
    let mut values = [f64::NAN; 69];
    let grid = segment::LocalGrid::compute(pixels, width, height);

    let fda = fda::values(pixels, width, height, &grid);
    if fda.len() < 10 {
        return Err(Nfiq2Error::Measure {
            measure: "FrequencyDomainAnalysis",
            reason: "not enough data to generate histogram bins (is the image blank?)",
        });
    }
    put(
        &mut values,
        0,
        &hist(fda, &FDA_LIMITS, "FrequencyDomainAnalysis")?,
    );

    let roi = roi::compute(pixels, width, height);
    values[16] = roi.mean;

    let lcs = hist(
        lcs::values(pixels, width, &grid),
        &LCS_LIMITS,
        "LocalClarity",
    )?;
    put(&mut values, 17, &lcs);

    let contrast = mu::contrast(pixels, width, height);
    values[29] = contrast.mmb;
    values[30] = contrast.mu;

    let ocl = hist(
        ocl::values(pixels, width, height),
        &OCL_LIMITS,
        "OrientationCertainty",
    )?;
    put(&mut values, 31, &ocl);

    let of = hist(of::values(&grid), &OF_LIMITS, "OrientationFlow")?;
    put(&mut values, 43, &of);

    let (coh_sum, coh_rel) = coherence::coherence(pixels, width, height, &roi.blocks);
    values[55] = coh_rel;
    values[56] = coh_sum;

    let rvup = hist(
        rvup::values(pixels, width, height, &grid),
        &RVUP_LIMITS,
        "RidgeValleyUniformity",
    )?;
    put(&mut values, 57, &rvup);

    Ok(ImageFeatures {
        values,
        sigma: contrast.sigma,
        roi_pixels: roi.pixels,
    })
}

/// The 65 image measures (minutiae slots NaN) of an image, after trimming its white frame.
pub fn image_features(image: &GrayImageRef<'_>) -> Result<ImageFeatures, Nfiq2Error> {
    // NIST trims first; the resolution is checked by the first measure.
    let t = trimmed(image)?;
    check_resolution(image)?;
    image_features_trimmed(&t.pixels, t.width as usize, t.height as usize)
}

/// Assesses a fingerprint given the FingerJet FX OSE minutiae of [`trimmed`]`(image)` (for images
/// smaller than 196x196 after trimming, FingerJet FX sees them padded with white on the right and
/// bottom; pass its minutiae unchanged).
pub fn assess(image: &GrayImageRef<'_>, minutiae: &[Minutia]) -> Result<Assessment, Nfiq2Error> {
    let t = trimmed(image)?;
    check_resolution(image)?;
    let (w, h) = (t.width as usize, t.height as usize);
    let features = image_features_trimmed(&t.pixels, w, h)?;
    let minutiae = minutiae_features::compute_raw(&t.pixels, w, h, minutiae)?;
    finish(features, minutiae)
}

/// Assesses a fingerprint with precomputed minutiae measures (e.g. taken from a NIST report).
pub fn assess_with_minutiae_features(
    image: &GrayImageRef<'_>,
    minutiae: MinutiaeFeatures,
) -> Result<Assessment, Nfiq2Error> {
    finish(image_features(image)?, minutiae)
}

/// NIST's unified score of a complete 69-value vector in [`FEATURE_NAMES`] order.
pub fn score(values: &[f64; 69]) -> Result<u8, Nfiq2Error> {
    forest::Forest::new(forest::NIST_PLAIN_TIR_INK)?.predict_score(values)
}

fn finish(features: ImageFeatures, m: MinutiaeFeatures) -> Result<Assessment, Nfiq2Error> {
    let mut values = features.values;
    values[MINUTIAE_AT] = m.count_com_200;
    values[MINUTIAE_AT + 1] = m.count;
    values[MINUTIAE_AT + 2] = m.mu_quality_2;
    values[MINUTIAE_AT + 3] = m.ocl_quality_80;
    let score = score(&values)?;
    Ok(Assessment {
        score,
        actionable: Actionable {
            uniform_image: features.sigma,
            empty_image_or_contrast_too_low: values[30],
            fingerprint_image_with_minutiae: m.count,
            sufficient_fingerprint_foreground: f64::from(features.roi_pixels),
        },
        features: FEATURE_NAMES.iter().copied().zip(values).collect(),
        minutiae: Vec::new(),
    })
}
