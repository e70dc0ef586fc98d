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
use crate::image::GrayImageRef;

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

/// Computes the minutiae features of `trimmed` (the image NFIQ 2 works on, see
/// [`super::trimmed`]) from the FingerJet FX OSE minutiae found in it.
pub fn compute(
    trimmed: &GrayImageRef<'_>,
    minutiae: &[Minutia],
) -> Result<MinutiaeFeatures, Nfiq2Error> {
    compute_raw(
        trimmed.pixels(),
        trimmed.width() as usize,
        trimmed.height() as usize,
        minutiae,
    )
}

/// [`compute`] on raw row-major pixels.
pub(crate) fn compute_raw(
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

#[cfg(test)]
mod tests {
    use super::*;

    fn m(x: u32, y: u32) -> Minutia {
        Minutia {
            x,
            y,
            angle: 0,
            quality: 50,
        }
    }

    /// Columns left of `split` at 100, the rest at 200.
    fn two_tone(w: usize, h: usize, split: usize) -> Vec<u8> {
        (0..w * h)
            .map(|i| if i % w < split { 100 } else { 200 })
            .collect()
    }

    fn halves(w: usize, h: usize) -> Vec<u8> {
        two_tone(w, h, 32)
    }

    #[test]
    fn no_minutiae_gives_zero_counts_and_undefined_fractions() {
        let img = halves(64, 64);
        let f = compute_raw(&img, 64, 64, &[]).unwrap();
        assert_eq!((f.count, f.count_com_200), (0.0, 0.0));
        assert!(f.mu_quality_2.is_nan() && f.ocl_quality_80.is_nan());
    }

    #[test]
    fn block_mean_and_ocl_fractions_follow_nist_definitions() {
        // 300x300 so that no padding applies; columns < 150 at 100, the rest at 200: the image
        // mean is 150 and its deviation 50.
        let (w, h) = (300, 300);
        let img = two_tone(w, h, 150);
        // (16,16): block all 100 -> q = (150-100)/50 = 1 (outside (0, 0.5]); flat -> OCL 0.
        // (146,16): block columns 130..162, 20 at 100 and 12 at 200 -> mean 137.5,
        //   q = 12.5/50 = 0.25 (inside); the vertical edge -> OCL 1 (above 80).
        // (200,200): block all 200 -> q = -1; flat -> OCL 0.
        let f = compute_raw(&img, w, h, &[m(16, 16), m(146, 16), m(200, 200)]).unwrap();
        assert_eq!(f.count, 3.0);
        assert_eq!(f.mu_quality_2, 1.0 / 3.0);
        assert_eq!(f.ocl_quality_80, 1.0 / 3.0);
    }

    #[test]
    fn centre_of_mass_box_is_200_wide_inclusive_and_clipped() {
        let (w, h) = (400, 400);
        let img = halves(w, h);
        // Centre of mass (integer division): x = (50+150+250+251)/4 = 175, y likewise 175.
        // Box [75, 275]: 50 is outside, 150, 250 inside, 251 inside.
        let ms = [m(50, 50), m(150, 150), m(250, 250), m(251, 251)];
        let f = compute_raw(&img, w, h, &ms).unwrap();
        assert_eq!(f.count_com_200, 3.0);
        // Exactly on the box edge (75 and 275) counts.
        let ms = [m(75, 175), m(275, 175), m(175, 175)];
        assert_eq!(compute_raw(&img, w, h, &ms).unwrap().count_com_200, 3.0);
    }

    #[test]
    fn minutiae_in_fingerjet_padding_are_dropped_but_counted() {
        // A 100x100 image is padded to 196x196 for FingerJet FX.
        let img = halves(100, 100);
        let f = compute_raw(&img, 100, 100, &[m(28, 16), m(150, 20)]).unwrap();
        assert_eq!(f.count, 2.0);
        assert_eq!(f.count_com_200, 1.0);
        assert_eq!(f.ocl_quality_80, 1.0);
        assert_eq!(
            compute_raw(&img, 100, 100, &[m(196, 5)]).unwrap_err(),
            Nfiq2Error::MinutiaOutsideImage { x: 196, y: 5 }
        );
        assert_eq!(
            compute_raw(&img, 100, 100, &[m(150, 150)]).unwrap_err(),
            Nfiq2Error::NoMinutiaeInsideImage
        );
    }

    #[test]
    fn blocks_near_the_edge_are_clipped_for_mu_and_shifted_for_ocl() {
        let (w, h) = (300, 300);
        let img = halves(w, h);
        // (2, 290): Mu block columns 0..32 (all 100), rows 274..300 (clipped to 26): q > 0.5.
        // OCL block moved to rows 268..300, columns 0..32: flat -> 0.
        let f = compute_raw(&img, w, h, &[m(2, 290)]).unwrap();
        assert_eq!((f.mu_quality_2, f.ocl_quality_80), (0.0, 0.0));
        // (299, 10): OCL block shifted to columns 268..300 (flat 200) -> 0; Mu block columns
        // 283..300 all 200 -> q < 0.
        let f = compute_raw(&img, w, h, &[m(299, 10)]).unwrap();
        assert_eq!((f.mu_quality_2, f.ocl_quality_80), (0.0, 0.0));
        // (40, 10): OCL block columns 24..56 holds the edge -> OCL 1.
        let f = compute_raw(&img, w, h, &[m(40, 10)]).unwrap();
        assert_eq!(f.ocl_quality_80, 1.0);
    }
}
