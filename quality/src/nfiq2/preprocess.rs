//! NFIQ 2.3 input preparation: removal of the near-white frame, then FingerJet FX's size limits.
//!
//! Contract: [`trim_white_frame`] crops exactly as NIST's `copyRemovingNearWhiteFrame`: rows from
//! the top and bottom, then columns from the left and right, are dropped while their mean gray
//! value (integer sum / count) exceeds 250; blank images, crops that leave a single row or
//! column, and results wider than 800 or taller than 1000 pixels are the same errors NIST raises.

use super::Nfiq2Error;

/// Rows and columns whose mean exceeds this are white frame.
const MU_THRESHOLD: f64 = 250.0;
/// FingerJet FX's largest accepted width after trimming.
pub const MAX_WIDTH: usize = 800;
/// FingerJet FX's largest accepted height after trimming.
pub const MAX_HEIGHT: usize = 1000;

/// A cropped, owned gray image.
#[derive(Debug, Clone)]
pub(crate) struct Cropped {
    pub width: usize,
    pub height: usize,
    pub pixels: Vec<u8>,
}

/// Trims the near-white frame of a `width x height` image.
pub(crate) fn trim_white_frame(
    pixels: &[u8],
    width: usize,
    height: usize,
) -> Result<Cropped, Nfiq2Error> {
    let row_mean = |y: usize| -> f64 {
        let s: u32 = pixels[y * width..(y + 1) * width]
            .iter()
            .map(|&p| u32::from(p))
            .sum();
        f64::from(s) / width as f64
    };
    let col_mean = |x: usize| -> f64 {
        let s: u32 = (0..height).map(|y| u32::from(pixels[y * width + x])).sum();
        f64::from(s) / height as f64
    };
    let top = (0..height)
        .find(|&y| row_mean(y) <= MU_THRESHOLD)
        .ok_or(Nfiq2Error::BlankImage("rows"))?;
    let bottom = (top..height)
        .rev()
        .find(|&y| row_mean(y) <= MU_THRESHOLD)
        .unwrap_or(top);
    let left = (0..width)
        .find(|&x| col_mean(x) <= MU_THRESHOLD)
        .ok_or(Nfiq2Error::BlankImage("columns"))?;
    let right = (left..width)
        .rev()
        .find(|&x| col_mean(x) <= MU_THRESHOLD)
        .unwrap_or(left);
    if right <= left || bottom <= top {
        return Err(Nfiq2Error::DegenerateCrop {
            left,
            top,
            right,
            bottom,
        });
    }
    let (w, h) = (right - left + 1, bottom - top + 1);
    if w > MAX_WIDTH {
        return Err(Nfiq2Error::TooWide {
            width: w,
            height: h,
        });
    }
    if h > MAX_HEIGHT {
        return Err(Nfiq2Error::TooTall {
            width: w,
            height: h,
        });
    }
    let mut out = Vec::with_capacity(w * h);
    for y in top..=bottom {
        out.extend_from_slice(&pixels[y * width + left..y * width + right + 1]);
    }
    Ok(Cropped {
        width: w,
        height: h,
        pixels: out,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn framed(w: usize, h: usize, inner: (usize, usize, usize, usize)) -> Vec<u8> {
        let (x0, y0, x1, y1) = inner;
        let mut px = vec![255u8; w * h];
        for y in y0..y1 {
            for x in x0..x1 {
                px[y * w + x] = 100;
            }
        }
        px
    }

    #[test]
    fn white_frame_is_removed_on_all_four_sides() {
        let px = framed(20, 10, (3, 2, 15, 8));
        let c = trim_white_frame(&px, 20, 10).unwrap();
        assert_eq!((c.width, c.height), (12, 6));
        assert!(c.pixels.iter().all(|&p| p == 100));
    }

    #[test]
    fn a_row_at_mean_250_is_kept_but_above_is_trimmed() {
        // Row 0 mean exactly 250 stays; row 1 all 251 would be trimmed if it were at an edge.
        let w = 4;
        let mut px = vec![250u8; w * 3];
        px[w..2 * w].fill(0);
        px[2 * w..].fill(251);
        let c = trim_white_frame(&px, w, 3).unwrap();
        assert_eq!((c.width, c.height), (4, 2));
    }

    #[test]
    fn blank_and_oversized_images_are_refused() {
        assert_eq!(
            trim_white_frame(&[255u8; 16], 4, 4).unwrap_err(),
            Nfiq2Error::BlankImage("rows")
        );
        let px = vec![0u8; 801 * 2];
        assert!(matches!(
            trim_white_frame(&px, 801, 2),
            Err(Nfiq2Error::TooWide { width: 801, .. })
        ));
        let px = vec![0u8; 2 * 1001];
        assert!(matches!(
            trim_white_frame(&px, 2, 1001),
            Err(Nfiq2Error::TooTall { height: 1001, .. })
        ));
        let px = framed(5, 5, (2, 0, 3, 5));
        assert!(matches!(
            trim_white_frame(&px, 5, 5),
            Err(Nfiq2Error::DegenerateCrop { .. })
        ));
    }
}
