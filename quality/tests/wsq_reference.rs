//! The decoder against NIST's reference decode of the shared sample, and the encoder's round trip
//! and compression on it.

use rekam_quality::wsq::{self, EncodeOptions};
use rekam_tests::{png_gray, shared_data};

const SAMPLE: &str = "wsq/sample.wsq";
const REFERENCE: &str = "wsq/sample-decoded-reference.png";

#[test]
fn sample_decodes_identical_to_the_nbis_reference_png() {
    let (Some(wsq_bytes), Some(png_bytes)) = (shared_data(SAMPLE), shared_data(REFERENCE)) else {
        return;
    };
    let img = wsq::decode(&wsq_bytes).expect("decode");
    let (w, h, reference) = png_gray(&png_bytes);
    assert_eq!((img.width, img.height), (w, h));
    assert_eq!(img.ppi, Some(500));
    let diffs = img
        .pixels
        .iter()
        .zip(&reference)
        .filter(|(a, b)| a != b)
        .count();
    let max = img
        .pixels
        .iter()
        .zip(&reference)
        .map(|(&a, &b)| a.abs_diff(b))
        .max()
        .unwrap_or(0);
    assert_eq!(diffs, 0, "{diffs} pixels differ, max difference {max}");
}

#[test]
fn encoding_the_sample_compresses_about_15_to_1_with_small_error() {
    let Some(png_bytes) = shared_data(REFERENCE) else {
        return;
    };
    let (w, h, pixels) = png_gray(&png_bytes);
    let encoded = wsq::encode(&pixels, w, h, &EncodeOptions::default()).expect("encode");
    let decoded = wsq::decode(&encoded).expect("decode own encoding");
    assert_eq!((decoded.width, decoded.height), (w, h));
    assert_eq!(decoded.ppi, Some(500));
    let ratio = pixels.len() as f64 / encoded.len() as f64;
    let mse = pixels
        .iter()
        .zip(&decoded.pixels)
        .map(|(&a, &b)| (f64::from(a) - f64::from(b)).powi(2))
        .sum::<f64>()
        / pixels.len() as f64;
    let rmse = mse.sqrt();
    let psnr = 20.0 * (255.0 / rmse).log10();
    println!(
        "sample {w}x{h} at 0.75 bpp: {} bytes, ratio {ratio:.2}:1, RMSE {rmse:.3}, PSNR {psnr:.2} dB",
        encoded.len()
    );
    assert!((8.0..=25.0).contains(&ratio), "ratio {ratio}");
    assert!(rmse < 12.0, "rmse {rmse}");
}
