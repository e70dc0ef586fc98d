//! The four FingerJet FX based NFIQ 2 features, computed from minutiae supplied by the caller.
//!
//! Contract: [`compute`] takes the minutiae FingerJet FX OSE returned for the trimmed image (padded
//! with white to at least 196x196 when it is smaller, as NIST does) and gives, as NIST's
//! `FingerJetFX` and `FJFXMinutiaeQuality` modules do:
//! - `FingerJetFX_MinutiaeCount`: the number of minutiae returned (before dropping the ones in the
//!   padding);
//! - `FingerJetFX_MinCount_COMMinRect200x200`: minutiae inside the 200x200 box (clipped to the image,
//!   bounds inclusive) centred on their integer centre of mass;
//! - `FJFXPos_Mu_MinutiaeQuality_2`: the fraction whose 32x32 block mean (clipped at the edges),
//!   normalised as `(image mean - block mean) / image deviation`, lies in (0, 0.5];
//! - `FJFXPos_OCL_MinutiaeQuality_80`: the fraction whose 32x32 block (shifted inside the image)
//!   has an OCL, as `(int)(ocl*100 + 0.5)`, above 80.
//!
//! With no minutiae the counts are 0 and both fractions are NaN (NIST divides 0 by 0).

use super::Nfiq2Error;
use super::mu::{block_mean, mean_std};
use super::ocl::block_ocl;

/// A minutia as FingerJet FX OSE reports it (ISO/IEC 19794-2 basic record fields).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Minutia {
    /// Column, pixels from the left of the trimmed image.
    pub x: u32,
    /// Row, pixels from the top of the trimmed image.
    pub y: u32,
    /// Direction in FingerJet FX units (256 per full turn).
    pub angle: u8,
    /// FingerJet FX's own quality, 0..100.
    pub quality: u8,
}

/// The four minutiae features, in NIST's random-forest order.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MinutiaeFeatures {
    /// `FingerJetFX_MinCount_COMMinRect200x200`.
    pub count_com_200: f64,
    /// `FingerJetFX_MinutiaeCount`.
    pub count: f64,
    /// `FJFXPos_Mu_MinutiaeQuality_2`.
    pub mu_quality_2: f64,
    /// `FJFXPos_OCL_MinutiaeQuality_80`.
    pub ocl_quality_80: f64,
}

/// FingerJet FX's minimum image side; smaller images are padded with white to this.
const FJFX_MIN_SIDE: u32 = 196;
/// Block side for the minutia neighbourhoods.
const BS: usize = 32;

/// Computes the minutiae features of a trimmed `width x height` image.
pub(crate) fn compute(
    img: &[u8],
    width: usize,
    height: usize,
    minutiae: &[Minutia],
) -> Result<MinutiaeFeatures, Nfiq2Error> {
    let count = minutiae.len() as f64;
    if minutiae.is_empty() {
        return Ok(MinutiaeFeatures {
            count_com_200: 0.0,
            count: 0.0,
            mu_quality_2: f64::NAN,
            ocl_quality_80: f64::NAN,
        });
    }
    let padded = (width as u32) < FJFX_MIN_SIDE || (height as u32) < FJFX_MIN_SIDE;
    let (pw, ph) = if padded {
        (
            width.max(FJFX_MIN_SIDE as usize),
            height.max(FJFX_MIN_SIDE as usize),
        )
    } else {
        (width, height)
    };
    let mut kept = Vec::with_capacity(minutiae.len());
    for m in minutiae {
        let (x, y) = (m.x as usize, m.y as usize);
        if x >= pw || y >= ph {
            return Err(Nfiq2Error::MinutiaOutsideImage { x: m.x, y: m.y });
        }
        // Minutiae found in the white padding are dropped, as NIST does.
        if x < width && y < height {
            kept.push(*m);
        }
    }
    if kept.is_empty() {
        return Err(Nfiq2Error::NoMinutiaeInsideImage);
    }
    if width < BS || height < BS {
        return Err(Nfiq2Error::ImageTooSmallForMinutiaBlocks { width, height });
    }

    // Centre of mass (integer division) and the clipped 200x200 box around it.
    let n = kept.len() as u64;
    let cx = (kept.iter().map(|m| u64::from(m.x)).sum::<u64>() / n) as i64;
    let cy = (kept.iter().map(|m| u64::from(m.y)).sum::<u64>() / n) as i64;
    let start_x = (cx - 100).max(0);
    let start_y = (cy - 100).max(0);
    let end_x = (cx + 100).min(width as i64 - 1);
    let end_y = (cy + 100).min(height as i64 - 1);
    let in_box = kept
        .iter()
        .filter(|m| {
            let (x, y) = (i64::from(m.x), i64::from(m.y));
            x >= start_x && x <= end_x && y >= start_y && y <= end_y
        })
        .count();

    let (mean, std) = mean_std(img);
    let mut mu_2 = 0usize;
    let mut ocl_80 = 0usize;
    for m in &kept {
        let (x, y) = (m.x as usize, m.y as usize);
        // Mu: block clipped at the right and bottom edges.
        let left = x.saturating_sub(BS / 2);
        let top = y.saturating_sub(BS / 2);
        let w = if left + BS > width { width - left } else { BS };
        let h = if top + BS > height { height - top } else { BS };
        let q = (mean - block_mean(img, width, left, top, w, h)) / std;
        if q > 0.0 && q <= 0.5 {
            mu_2 += 1;
        }
        // OCL: full block moved inside the image.
        let left = if left + BS > width { width - BS } else { left };
        let top = if top + BS > height { height - BS } else { top };
        let ocl = block_ocl(img, width, left, top).unwrap_or(0.0);
        if (ocl * 100.0 + 0.5) as i32 > 80 {
            ocl_80 += 1;
        }
    }
    let denom = kept.len() as f64;
    Ok(MinutiaeFeatures {
        count_com_200: in_box as f64,
        count,
        mu_quality_2: mu_2 as f64 / denom,
        ocl_quality_80: ocl_80 as f64 / denom,
    })
}
