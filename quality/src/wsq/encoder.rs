//! The WSQ encoder: shift and scale to floats, the forward wavelet transform, bitrate-driven
//! quantisation, and Huffman coding in NBIS's three blocks.
//!
//! Contract: output is a complete WSQ stream in NBIS's marker order
//! `SOI COM [COM] DTT DQT SOF DHT SOB DHT SOB SOB EOI`, with NBIS's filters, table encodings and
//! NISTCOM attributes, decodable by NBIS and by [`super::decode`]. Given the same pixels and
//! bitrate it computes what NBIS's `wsq_encode_mem` computes.

use super::error::WsqError;
use super::huffman::{self, BitWriter, HuffmanSpec};
use super::nistcom;
use super::quant::{bin_widths, quantize, variances};
use super::tables;
use super::tree::{BLOCK2_START, BLOCK3_START, NUM_SUBBANDS, Trees};
use super::wavelet;

/// NBIS's default bitrate in bits per pixel, about 15:1 on 500 ppi prints.
pub const DEFAULT_BITRATE: f32 = 0.75;

/// Encoder settings.
#[derive(Debug, Clone, PartialEq)]
pub struct EncodeOptions {
    /// Target bits per pixel (NBIS: 0.75 for about 15:1, 2.25 for about 5:1).
    pub bitrate: f32,
    /// Scanning resolution written to the NISTCOM comment (`-1`, unknown, when `None`).
    pub ppi: Option<u32>,
    /// An extra free-text comment, written in its own COM segment after the NISTCOM.
    pub comment: Option<String>,
}

impl Default for EncodeOptions {
    fn default() -> Self {
        EncodeOptions {
            bitrate: DEFAULT_BITRATE,
            ppi: Some(500),
            comment: None,
        }
    }
}

/// Analysis filters of the FBI 9/7 filter bank, as NBIS stores them (double literals rounded to
/// single precision). NBIS's digits are kept verbatim, so the double rounding matches too.
#[allow(clippy::excessive_precision)]
const LO_ANALYSIS: [f64; 9] = [
    0.037_828_455_506_995_46,
    -0.023_849_465_019_380_00,
    -0.110_624_404_418_423_42,
    0.377_402_855_612_653_80,
    0.852_698_679_009_403_44,
    0.377_402_855_612_653_80,
    -0.110_624_404_418_423_42,
    -0.023_849_465_019_380_00,
    0.037_828_455_506_995_46,
];
#[allow(clippy::excessive_precision)]
const HI_ANALYSIS: [f64; 7] = [
    0.064_538_882_628_938_45,
    -0.040_689_417_609_558_44,
    -0.418_092_273_222_212_21,
    0.788_485_616_405_664_39,
    -0.418_092_273_222_212_21,
    -0.040_689_417_609_558_44,
    0.064_538_882_628_938_45,
];

/// Encodes 8-bit gray `pixels` (row-major, `width * height`) as WSQ.
pub fn encode(
    pixels: &[u8],
    width: u32,
    height: u32,
    options: &EncodeOptions,
) -> Result<Vec<u8>, WsqError> {
    let (w16, h16) = match (u16::try_from(width), u16::try_from(height)) {
        (Ok(w), Ok(h)) if w > 0 && h > 0 => (w, h),
        _ => return Err(WsqError::InvalidInput("width and height must be 1..=65535")),
    };
    let (w, h) = (usize::from(w16), usize::from(h16));
    if pixels.len() != w * h {
        return Err(WsqError::InvalidInput(
            "pixel count differs from width x height",
        ));
    }
    if !(options.bitrate.is_finite() && options.bitrate > 0.0) {
        return Err(WsqError::InvalidInput("bitrate must be positive"));
    }
    let trees = Trees::new(w, h);
    if !trees.is_usable() {
        return Err(WsqError::TooSmall { width, height });
    }
    let lo = LO_ANALYSIS.map(|c| c as f32);
    let hi = HI_ANALYSIS.map(|c| c as f32);

    let (mut plane, m_shift, r_scale) = to_floats(pixels);
    wavelet::decompose(&mut plane, w, &trees, &lo, &hi)
        .ok_or(WsqError::TooSmall { width, height })?;
    let var = variances(&plane, w, &trees.q);
    let (qbss, qzbs) = bin_widths(&var, options.bitrate);
    let q = quantize(&plane, w, &trees.q, &qbss, &qzbs);
    drop(plane);

    let coded = |range: std::ops::Range<usize>| -> usize {
        range
            .filter(|&k| qbss[k] != 0.0)
            .map(|k| trees.q[k].area())
            .sum()
    };
    let n1 = coded(0..BLOCK2_START);
    let n2 = coded(BLOCK2_START..BLOCK3_START);
    let (b1, rest) = q.split_at(n1);
    let (b2, b3) = rest.split_at(n2);
    debug_assert_eq!(b3.len(), coded(BLOCK3_START..NUM_SUBBANDS));

    let mut out = Vec::with_capacity(w * h / 8 + 1024);
    out.extend_from_slice(&tables::SOI.to_be_bytes());
    let com = nistcom::build(width, height, options.ppi, options.bitrate);
    tables::write_com(&mut out, com.as_bytes());
    if let Some(text) = &options.comment {
        tables::write_com(&mut out, text.as_bytes());
    }
    tables::write_dtt(&mut out, &lo, &hi);
    tables::write_dqt(&mut out, &qbss, &qzbs);
    tables::write_sof(&mut out, w16, h16, m_shift, r_scale);

    let spec1 = huffman::design(&count(&[b1]));
    tables::write_dht(&mut out, 0, &spec1);
    tables::write_sob(&mut out, 0);
    out.extend(entropy_code(b1, &spec1)?);

    let spec2 = huffman::design(&count(&[b2, b3]));
    tables::write_dht(&mut out, 1, &spec2);
    tables::write_sob(&mut out, 1);
    out.extend(entropy_code(b2, &spec2)?);
    tables::write_sob(&mut out, 1);
    out.extend(entropy_code(b3, &spec2)?);
    out.extend_from_slice(&tables::EOI.to_be_bytes());
    Ok(out)
}

/// Shifts by the mean and scales so the farther extreme maps to +-128 (NBIS
/// `conv_img_2_flt_ret`). A flat image keeps scale 1 instead of dividing by zero.
fn to_floats(pixels: &[u8]) -> (Vec<f32>, f32, f32) {
    let sum: u64 = pixels.iter().map(|&p| u64::from(p)).sum();
    let low = pixels.iter().copied().min().unwrap_or(0);
    let high = pixels.iter().copied().max().unwrap_or(0);
    let mean = sum as f32 / pixels.len() as f32;
    let low_diff = mean - f32::from(low);
    let high_diff = f32::from(high) - mean;
    let mut r_scale = (f64::from(low_diff.max(high_diff)) / 128.0) as f32;
    if r_scale == 0.0 {
        r_scale = 1.0;
    }
    let data = pixels
        .iter()
        .map(|&p| (f32::from(p) - mean) / r_scale)
        .collect();
    (data, mean, r_scale)
}

/// The largest coefficient magnitude with its own Huffman symbol, and the longest zero run.
const MAX_COEFF: i32 = 74;
const MAX_ZRUN: u32 = 100;

/// Turns quantised coefficients into WSQ symbols with their raw extra bits (NBIS
/// `compress_block` / `count_block`).
fn symbols(block: &[i16], mut emit: impl FnMut(u8, u16, u8)) {
    let coeff = |pix: i32, emit: &mut dyn FnMut(u8, u16, u8)| {
        if pix > MAX_COEFF {
            if pix > 255 {
                emit(103, pix as u16, 16);
            } else {
                emit(101, pix as u16, 8);
            }
        } else if pix < 1 - MAX_COEFF {
            if pix < -255 {
                emit(104, (-pix) as u16, 16);
            } else {
                emit(102, (-pix) as u16, 8);
            }
        } else {
            emit((pix + 180) as u8, 0, 0);
        }
    };
    let run = |rcnt: u32, emit: &mut dyn FnMut(u8, u16, u8)| {
        if rcnt <= MAX_ZRUN {
            emit(rcnt as u8, 0, 0);
        } else if rcnt <= 0xff {
            emit(105, rcnt as u16, 8);
        } else {
            emit(106, rcnt as u16, 16);
        }
    };
    let mut rcnt: u32 = 0;
    for &pix in block {
        let pix = i32::from(pix);
        if rcnt > 0 {
            if pix == 0 && rcnt < 0xffff {
                rcnt += 1;
                continue;
            }
            run(rcnt, &mut emit);
            rcnt = 0;
        }
        if pix == 0 {
            rcnt = 1;
        } else {
            coeff(pix, &mut emit);
        }
    }
    if rcnt > 0 {
        run(rcnt, &mut emit);
    }
}

fn count(blocks: &[&[i16]]) -> [u32; 256] {
    let mut counts = [0u32; 256];
    for block in blocks {
        symbols(block, |sym, _, _| {
            counts[usize::from(sym)] = counts[usize::from(sym)].saturating_add(1)
        });
    }
    counts
}

fn entropy_code(block: &[i16], spec: &HuffmanSpec) -> Result<Vec<u8>, WsqError> {
    let table = huffman::encoding_table(spec)?;
    let mut w = BitWriter::new();
    let mut missing = false;
    symbols(block, |sym, extra, nbits| {
        let (code, len) = table[usize::from(sym)];
        if len == 0 {
            missing = true;
        }
        w.write(code, len);
        if nbits > 0 {
            w.write(extra, nbits);
        }
    });
    if missing {
        return Err(WsqError::InvalidInput(
            "Huffman design left a symbol without a code",
        ));
    }
    Ok(w.finish())
}
