//! Fingerprint quality end to end: NFIQ 2.3 with its minutiae from the FingerJet FX OSE port,
//! exactly as NIST's NFIQ 2 pipeline runs them (trim the white frame, extract on the trimmed
//! image, compute the 69 features, evaluate the forest).
//!
//! Contract: pure; an image NIST's NFIQ 2 refuses (wrong resolution, blank, too small, too few
//! minutiae) is an error naming why, never a score made up for it. The assessment carries the
//! minutiae it was computed from (for [`crate::matching`]).

use crate::image::GrayImageRef;
use crate::minutiae::{self, MinutiaeError};
use crate::nfiq2::{self, Assessment, Minutia, Nfiq2Error};

/// Why a print got no NFIQ 2 score.
#[derive(Debug, thiserror::Error)]
pub enum FingerQualityError {
    /// NFIQ 2 refused the image.
    #[error(transparent)]
    Nfiq2(#[from] Nfiq2Error),
    /// FingerJet FX found too little print.
    #[error("minutiae: {0}")]
    Minutiae(#[from] MinutiaeError),
}

const PAD_MIN: u32 = 196;

/// The name recorded with scores from [`nfiq2`] (an identifier, as packets require): NIST NFIQ 2.3
/// as computed by rekam in pure Rust.
pub const ALGORITHM: &str = "nfiq-2.3-rekam";

/// NFIQ 2.3 of a 500 ppi plain print, with every feature and the actionable feedback.
pub fn nfiq2(image: &GrayImageRef<'_>) -> Result<Assessment, FingerQualityError> {
    let trimmed = nfiq2::trimmed(image)?;
    // NIST hands FingerJet FX at least 196x196, padding a smaller print with white on the right
    // and bottom; minutiae coordinates are unchanged by that.
    let (w, h) = (trimmed.width.max(PAD_MIN), trimmed.height.max(PAD_MIN));
    let found = if (w, h) == (trimmed.width, trimmed.height) {
        minutiae::extract(&trimmed.pixels, w, h, 500)?
    } else {
        let mut padded = vec![255u8; (w * h) as usize];
        for y in 0..trimmed.height as usize {
            let src = &trimmed.pixels[y * trimmed.width as usize..(y + 1) * trimmed.width as usize];
            padded[y * w as usize..y * w as usize + src.len()].copy_from_slice(src);
        }
        minutiae::extract(&padded, w, h, 500)?
    };
    let converted: Vec<Minutia> = found
        .iter()
        .map(|m| Minutia {
            x: m.x,
            y: m.y,
            angle: m.angle,
            quality: m.quality,
        })
        .collect();
    let mut assessment = nfiq2::assess(image, &converted)?;
    // Handed on so that the duplicate-finger check matches without extracting again.
    assessment.minutiae = found;
    Ok(assessment)
}
