//! Every image the encoder writes decodes pixel-exactly with an independent decoder
//! (hayro-jpeg2000), for grey and RGB, odd sizes, flat areas, edges and noise.

use hayro_jpeg2000::{DecodeSettings, DecoderContext, Image};
use proptest::prelude::*;
use rekam_jpeg2000::{Colour, EncodeError, encode_j2k, encode_jp2};

fn decode(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let image = Image::new(bytes, &DecodeSettings::default()).expect("a JPEG 2000 image");
    let (w, h) = (image.width(), image.height());
    let mut ctx = DecoderContext::default();
    let decoded = image.decode(&mut ctx).expect("it decodes");
    (w, h, decoded.data_u8().to_vec())
}

fn assert_exact(width: u32, height: u32, colour: Colour, pixels: &[u8]) {
    for bytes in [
        encode_jp2(width, height, colour, pixels).expect("encodes"),
        encode_j2k(width, height, colour, pixels).expect("encodes"),
    ] {
        let (w, h, decoded) = decode(&bytes);
        assert_eq!((w, h), (width, height));
        assert!(
            decoded == pixels,
            "{width}x{height} {colour:?}: decoded pixels differ"
        );
    }
}

/// A deterministic mix of flat areas, hard edges, gradients and noise.
pub fn synthetic(width: u32, height: u32, channels: usize, seed: u32) -> Vec<u8> {
    let mut state = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    let mut out = Vec::with_capacity(width as usize * height as usize * channels);
    for y in 0..height {
        for x in 0..width {
            for c in 0..channels as u32 {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                let v = match (x / 16 + y / 16 + c) % 4 {
                    0 => 0,
                    1 => 255,
                    2 => ((x * 7 + y * 3 + c * 50) % 256) as u8,
                    _ => (state >> 24) as u8,
                };
                out.push(v);
            }
        }
    }
    out
}

#[test]
fn grey_images_of_odd_sizes_decode_exactly() {
    for (w, h) in [
        (1, 1),
        (1, 7),
        (7, 1),
        (3, 5),
        (2, 2),
        (65, 130),
        (64, 64),
        (129, 67),
    ] {
        assert_exact(w, h, Colour::Grey, &synthetic(w, h, 1, w * 1000 + h));
    }
}

#[test]
fn rgb_images_of_odd_sizes_decode_exactly() {
    for (w, h) in [(1, 1), (3, 5), (2, 7), (65, 130), (100, 33)] {
        assert_exact(w, h, Colour::Rgb, &synthetic(w, h, 3, w * 1000 + h));
    }
}

#[test]
fn flat_black_white_and_mid_grey_images_decode_exactly() {
    for v in [0u8, 128, 255] {
        assert_exact(70, 70, Colour::Grey, &vec![v; 70 * 70]);
        assert_exact(9, 70, Colour::Rgb, &vec![v; 9 * 70 * 3]);
    }
}

#[test]
fn extreme_alternation_that_stretches_the_wavelet_range_decodes_exactly() {
    // A checkerboard of 0 and 255 drives the high-pass coefficients to their largest values.
    let (w, h) = (96u32, 80u32);
    let grey: Vec<u8> = (0..w * h)
        .map(|i| if ((i % w) + (i / w)) % 2 == 0 { 0 } else { 255 })
        .collect();
    assert_exact(w, h, Colour::Grey, &grey);
    let rgb: Vec<u8> = (0..w * h * 3)
        .map(|i| if (i / 3 + i % 3) % 2 == 0 { 0 } else { 255 })
        .collect();
    assert_exact(w, h, Colour::Rgb, &rgb);
}

#[test]
fn a_pixel_buffer_of_the_wrong_length_is_rejected() {
    assert_eq!(
        encode_j2k(4, 4, Colour::Rgb, &[0; 16]),
        Err(EncodeError::PixelCount {
            width: 4,
            height: 4,
            colour: Colour::Rgb,
            expected: 48,
            actual: 16
        })
    );
    assert_eq!(
        encode_jp2(0, 4, Colour::Grey, &[]),
        Err(EncodeError::Empty {
            width: 0,
            height: 4
        })
    );
}

#[test]
fn lossless_coding_compresses_a_smooth_image() {
    let (w, h) = (256u32, 256u32);
    let pixels: Vec<u8> = (0..w * h).map(|i| ((i % w + i / w) / 2) as u8).collect();
    let bytes = encode_jp2(w, h, Colour::Grey, &pixels).expect("encodes");
    assert!(bytes.len() < pixels.len() / 4, "{} bytes", bytes.len());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn random_small_images_decode_exactly(
        w in 1u32..40, h in 1u32..40, rgb in any::<bool>(), seed in any::<u64>()
    ) {
        let colour = if rgb { Colour::Rgb } else { Colour::Grey };
        let n = (w * h) as usize * if rgb { 3 } else { 1 };
        let mut s = seed | 1;
        let pixels: Vec<u8> = (0..n).map(|_| { s ^= s << 13; s ^= s >> 7; s ^= s << 17; (s >> 56) as u8 }).collect();
        let bytes = encode_jp2(w, h, colour, &pixels).expect("encodes");
        let (dw, dh, decoded) = decode(&bytes);
        prop_assert_eq!((dw, dh), (w, h));
        prop_assert!(decoded == pixels);
    }
}
