//! The decoder against NIST's reference decode of the shared sample, and the encoder's round trip
//! and compression on it.

use rekam_quality::wsq::{self, EncodeOptions};

const SAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/data/wsq/sample.wsq"
);
const REFERENCE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/data/wsq/sample-decoded-reference.png"
);

/// Reads a shared data file; `None` (with a note) when absent outside CI, a failure in CI.
fn shared(path: &str) -> Option<Vec<u8>> {
    match std::fs::read(path) {
        Ok(b) => Some(b),
        Err(e) if std::env::var_os("CI").is_some() => {
            panic!("shared data {path} missing in CI: {e}")
        }
        Err(e) => {
            eprintln!("note: skipping, shared data {path} unavailable: {e}");
            None
        }
    }
}

/// Gray pixels of a PNG (gray, or RGB with equal channels as the reference is stored).
fn png_gray(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let mut decoder = png::Decoder::new(bytes);
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().expect("png header");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).expect("png frame");
    let channels = info.color_type.samples();
    let gray = buf[..info.buffer_size()]
        .chunks(channels)
        .map(|px| {
            if channels >= 3 {
                assert!(px[0] == px[1] && px[1] == px[2], "reference is not gray");
            }
            px[0]
        })
        .collect();
    (info.width, info.height, gray)
}

#[test]
fn sample_decodes_identical_to_the_nbis_reference_png() {
    let (Some(wsq_bytes), Some(png_bytes)) = (shared(SAMPLE), shared(REFERENCE)) else {
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
    let Some(png_bytes) = shared(REFERENCE) else {
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
