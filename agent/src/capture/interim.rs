//! Interim quality measures, used until the `quality` crate's NFIQ 2 and face checks are wired in.
//!
//! They are simple and honest, and named for what they are in every score they produce (the
//! `algorithm` field of a capture's quality): they measure contrast, coverage, exposure and
//! sharpness, not matchability or ICAO conformance.
//!
//! Contract: pure functions over 8-bit pixels, 0-100, never panicking on any size (an empty image
//! scores 0).

/// Algorithm name of [`finger`].
pub const FINGER: &str = "rekam-interim-ridge-contrast-v0";
/// Algorithm name of [`photo`].
pub const PHOTO: &str = "rekam-interim-exposure-sharpness-v0";
/// Algorithm name of [`iris`].
pub const IRIS: &str = "rekam-interim-iris-sharpness-v0";

const BLOCK: usize = 16;

/// Fingerprint: the share of 16x16 blocks that hold ridges (local standard deviation above a
/// floor), weighted by their mean ridge contrast. A blank or smudged platen scores low.
pub fn finger(pixels: &[u8], width: u32, height: u32) -> u8 {
    let (w, h) = (width as usize, height as usize);
    if w < BLOCK || h < BLOCK || pixels.len() != w * h {
        return 0;
    }
    let (mut blocks, mut ridged, mut contrast) = (0u32, 0u32, 0.0f64);
    for by in (0..h - BLOCK + 1).step_by(BLOCK) {
        for bx in (0..w - BLOCK + 1).step_by(BLOCK) {
            let (mut s, mut s2) = (0u64, 0u64);
            for y in by..by + BLOCK {
                for &p in &pixels[y * w + bx..y * w + bx + BLOCK] {
                    s += u64::from(p);
                    s2 += u64::from(p) * u64::from(p);
                }
            }
            let n = (BLOCK * BLOCK) as f64;
            let mean = s as f64 / n;
            let sd = (s2 as f64 / n - mean * mean).max(0.0).sqrt();
            blocks += 1;
            if sd > 12.0 {
                ridged += 1;
                contrast += (sd / 60.0).min(1.0);
            }
        }
    }
    if blocks == 0 || ridged == 0 {
        return 0;
    }
    let coverage = f64::from(ridged) / f64::from(blocks);
    let mean_contrast = contrast / f64::from(ridged);
    // Full coverage of good contrast reaches ~90; a print filling half the platen ~60.
    let score = 100.0 * (0.55 * coverage.min(0.85) / 0.85 + 0.45 * mean_contrast) * 0.9;
    score.round().clamp(0.0, 100.0) as u8
}

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

    fn ridges(w: usize, h: usize, amplitude: f64) -> Vec<u8> {
        (0..w * h)
            .map(|i| {
                let x = (i % w) as f64;
                (128.0 + amplitude * (x * std::f64::consts::TAU / 9.0).sin()) as u8
            })
            .collect()
    }

    #[test]
    fn a_blank_platen_scores_zero_and_strong_ridges_score_high() {
        assert_eq!(finger(&vec![200; 256 * 256], 256, 256), 0);
        let good = finger(&ridges(256, 256, 100.0), 256, 256);
        let faint = finger(&ridges(256, 256, 20.0), 256, 256);
        assert!(good >= 80, "{good}");
        assert!(faint < good, "{faint} vs {good}");
    }

    #[test]
    fn wrong_sizes_score_zero_instead_of_panicking() {
        assert_eq!(finger(&[1, 2, 3], 100, 100), 0);
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
