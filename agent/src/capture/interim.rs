//! Interim quality measures for photos and irises, used until the `quality` crate's face and
//! iris checks are wired in.
//!
//! Fingerprints are scored with NFIQ 2 already; photos and irises still use these. They are
//! simple and honest, and named for what they are in every score they produce (the
//! `algorithm` field of a capture's quality): they measure contrast, coverage, exposure and
//! sharpness, not matchability or ICAO conformance.
//!
//! Contract: pure functions over 8-bit pixels, 0-100, never panicking on any size (an empty image
//! scores 0).

/// Algorithm name of [`photo`].
pub const PHOTO: &str = "rekam-interim-exposure-sharpness-v0";
/// Algorithm name of [`iris`].
pub const IRIS: &str = "rekam-interim-iris-sharpness-v0";

fn luma(rgb: &[u8]) -> Vec<u8> {
    rgb.chunks_exact(3)
        .map(|p| ((u32::from(p[0]) * 77 + u32::from(p[1]) * 150 + u32::from(p[2]) * 29) >> 8) as u8)
        .collect()
}

/// Mean absolute Laplacian, a sharpness measure, over the central half of the image.
fn sharpness(gray: &[u8], w: usize, h: usize) -> f64 {
    if w < 8 || h < 8 {
        return 0.0;
    }
    let (x0, x1, y0, y1) = (w / 4, 3 * w / 4, h / 4, 3 * h / 4);
    let (mut sum, mut n) = (0.0, 0u64);
    for y in y0.max(1)..y1.min(h - 1) {
        for x in x0.max(1)..x1.min(w - 1) {
            let c = 4 * i32::from(gray[y * w + x]);
            let l = i32::from(gray[y * w + x - 1])
                + i32::from(gray[y * w + x + 1])
                + i32::from(gray[(y - 1) * w + x])
                + i32::from(gray[(y + 1) * w + x]);
            sum += f64::from((c - l).abs());
            n += 1;
        }
    }
    if n == 0 { 0.0 } else { sum / n as f64 }
}

/// Exposure and sharpness of an 8-bit RGB photo: mean luminance near mid-grey, little clipping,
/// and edges in the centre.
pub fn photo(rgb: &[u8], width: u32, height: u32) -> u8 {
    let (w, h) = (width as usize, height as usize);
    if w == 0 || h == 0 || rgb.len() != w * h * 3 {
        return 0;
    }
    let y = luma(rgb);
    exposure_and_sharpness(&y, w, h, 2.5)
}

fn exposure_and_sharpness(y: &[u8], w: usize, h: usize, sharp_ref: f64) -> u8 {
    let n = y.len() as f64;
    let mean = y.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
    let clipped = y.iter().filter(|&&v| !(5..=250).contains(&v)).count() as f64 / n;
    let exposure = (1.0 - ((mean - 128.0).abs() / 128.0)).clamp(0.0, 1.0);
    let clip = (1.0 - clipped * 5.0).clamp(0.0, 1.0);
    let sharp = (sharpness(y, w, h) / sharp_ref).min(1.0);
    (100.0 * (0.35 * exposure + 0.25 * clip + 0.4 * sharp))
        .round()
        .clamp(0.0, 100.0) as u8
}

/// Exposure and focus of a near-infrared iris image.
pub fn iris(gray: &[u8], width: u32, height: u32) -> u8 {
    let (w, h) = (width as usize, height as usize);
    if w == 0 || h == 0 || gray.len() != w * h {
        return 0;
    }
    exposure_and_sharpness(gray, w, h, 4.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrong_sizes_score_zero_instead_of_panicking() {
        assert_eq!(photo(&[], 0, 0), 0);
        assert_eq!(iris(&[0; 10], 3, 3), 0);
    }

    #[test]
    fn an_overexposed_flat_photo_scores_below_a_textured_one() {
        let flat = vec![255u8; 64 * 64 * 3];
        let textured: Vec<u8> = (0..64 * 64 * 3)
            .map(|i| ((i * 37) % 200 + 20) as u8)
            .collect();
        assert!(photo(&flat, 64, 64) < photo(&textured, 64, 64));
    }
}
