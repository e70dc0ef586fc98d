//! The WSQ decoder: markers and tables, entropy-coded blocks, dequantisation and the inverse
//! wavelet transform, to 8-bit gray pixels.
//!
//! Contract: a stream either decodes completely or is refused with a specific [`WsqError`]; there
//! are no partial images. Pixels equal NBIS's `wsq_decode_mem` output exactly. Memory is bounded
//! by [`DecodeLimits::max_pixels`] and by what the stream actually encodes: the frame-sized planes
//! are allocated only once the coded data has decoded to exactly the coefficients the frame needs.

use super::error::WsqError;
use super::huffman::{BitReader, Decoder, HuffmanSpec, Symbol};
use super::nistcom;
use super::quant::unquantize;
use super::tables::{self, ByteReader, FrameHeader, MAX_DHT_TABLES, QuantTable, TransformTable};
use super::tree::{NUM_SUBBANDS, Trees};
use super::wavelet;

/// Resource limits for decoding untrusted input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeLimits {
    /// Largest width x height accepted.
    pub max_pixels: usize,
}

impl Default for DecodeLimits {
    /// 32 megapixels: a 1000 ppi four-finger slap (about 3200 x 3000) fits many times over, while
    /// a hostile header cannot make the decoder reserve gigabytes.
    fn default() -> Self {
        DecodeLimits {
            max_pixels: 1 << 25,
        }
    }
}

/// A decoded WSQ image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WsqImage {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// 8-bit gray, row-major, `width * height` bytes.
    pub pixels: Vec<u8>,
    /// Scanning resolution from the NISTCOM comment, when stated.
    pub ppi: Option<u32>,
    /// The raw text of every COM segment, in stream order.
    pub comments: Vec<Vec<u8>>,
}

/// Decodes a WSQ stream with the default [`DecodeLimits`].
pub fn decode(data: &[u8]) -> Result<WsqImage, WsqError> {
    decode_with_limits(data, &DecodeLimits::default())
}

struct Frame {
    header: FrameHeader,
    trees: Trees,
    width: usize,
    height: usize,
}

/// Decodes a WSQ stream, refusing frames larger than `limits` allow.
pub fn decode_with_limits(data: &[u8], limits: &DecodeLimits) -> Result<WsqImage, WsqError> {
    let mut r = ByteReader::new(data);
    let soi = r.u16("SOI marker")?;
    if soi != tables::SOI {
        return Err(WsqError::MissingSoi(soi));
    }
    let mut dtt: Option<TransformTable> = None;
    let mut dqt: Option<QuantTable> = None;
    let mut dht: [Option<HuffmanSpec>; MAX_DHT_TABLES] = Default::default();
    let mut frame: Option<Frame> = None;
    let mut comments = Vec::new();
    let mut coeffs: Vec<i16> = Vec::new();

    loop {
        let marker = r.u16("marker")?;
        match marker {
            tables::DTT => dtt = Some(tables::parse_dtt(&mut r.segment("DTT segment")?)?),
            tables::DQT => dqt = Some(tables::parse_dqt(&mut r.segment("DQT segment")?)?),
            tables::DHT => tables::parse_dht(&mut r.segment("DHT segment")?, &mut dht)?,
            tables::DRT => {
                if tables::parse_drt(&mut r.segment("DRT segment")?)? != 0 {
                    return Err(WsqError::Unsupported("restart intervals"));
                }
            }
            tables::COM => comments.push(r.segment("COM segment")?.rest().to_vec()),
            tables::SOF if frame.is_none() => {
                let header = tables::parse_sof(&mut r.segment("SOF segment")?)?;
                frame = Some(new_frame(header, limits)?);
            }
            tables::SOB => {
                let Some(f) = &frame else {
                    return Err(WsqError::UnexpectedMarker {
                        found: marker,
                        expected: "SOF before the first block",
                    });
                };
                let id = tables::parse_sob(&mut r.segment("SOB segment")?)?;
                let spec = dht
                    .get(usize::from(id))
                    .and_then(Option::as_ref)
                    .ok_or(WsqError::UndefinedHuffmanTable(id))?;
                let decoder = Decoder::new(spec)?;
                let (bytes, consumed) = unstuff(r.rest())?;
                r.skip(consumed);
                decode_block(&bytes, &decoder, &mut coeffs, f.width * f.height)?;
            }
            tables::EOI => break,
            found => {
                return Err(WsqError::UnexpectedMarker {
                    found,
                    expected: "a table, SOF, SOB, COM or EOI marker",
                });
            }
        }
    }

    let f = frame.ok_or(WsqError::MissingTable("frame header (SOF)"))?;
    let dtt = dtt.ok_or(WsqError::MissingTable("transform table (DTT)"))?;
    let dqt = dqt.ok_or(WsqError::MissingTable("quantisation table (DQT)"))?;
    let expected: usize = f.trees.q[..NUM_SUBBANDS]
        .iter()
        .zip(&dqt.q_bin)
        .filter(|(_, q)| **q != 0.0)
        .map(|(b, _)| b.area())
        .sum();
    if coeffs.len() != expected {
        return Err(WsqError::CoefficientCount {
            expected,
            found: coeffs.len(),
        });
    }
    let mut plane = unquantize(&coeffs, &dqt, &f.trees.q, f.width, f.height);
    drop(coeffs);
    wavelet::reconstruct(&mut plane, f.width, &f.trees, &dtt.lo, &dtt.hi).ok_or(
        WsqError::BadTransformTable("filters do not fit the image size"),
    )?;
    let pixels = to_pixels(&plane, f.header.m_shift, f.header.r_scale);
    let ppi = comments.iter().find_map(|c| nistcom::ppi(c));
    Ok(WsqImage {
        width: u32::from(f.header.width),
        height: u32::from(f.header.height),
        pixels,
        ppi,
        comments,
    })
}

fn new_frame(header: FrameHeader, limits: &DecodeLimits) -> Result<Frame, WsqError> {
    let (width, height) = (usize::from(header.width), usize::from(header.height));
    if width * height > limits.max_pixels {
        return Err(WsqError::TooLarge {
            width: width as u32,
            height: height as u32,
            max_pixels: limits.max_pixels,
        });
    }
    let trees = Trees::new(width, height);
    if !trees.is_usable() {
        return Err(WsqError::TooSmall {
            width: width as u32,
            height: height as u32,
        });
    }
    Ok(Frame {
        header,
        trees,
        width,
        height,
    })
}

/// The entropy-coded bytes up to the next marker with stuffed zero bytes removed, and how many
/// input bytes they took.
fn unstuff(data: &[u8]) -> Result<(Vec<u8>, usize), WsqError> {
    let mut out = Vec::with_capacity(data.len());
    let mut i = 0;
    loop {
        match data.get(i) {
            None => return Err(WsqError::Truncated("entropy-coded data")),
            Some(0xff) => match data.get(i + 1) {
                None => return Err(WsqError::Truncated("entropy-coded data")),
                Some(0) => {
                    out.push(0xff);
                    i += 2;
                }
                Some(_) => return Ok((out, i)),
            },
            Some(&b) => {
                out.push(b);
                i += 1;
            }
        }
    }
}

/// Decodes one block's symbols into coefficients, never growing `out` past `max`.
fn decode_block(
    bytes: &[u8],
    decoder: &Decoder,
    out: &mut Vec<i16>,
    max: usize,
) -> Result<(), WsqError> {
    let mut bits = BitReader::new(bytes);
    let cut = WsqError::BadData("raw bits cut short by a marker");
    let grow = |out: &mut Vec<i16>, n: usize, v: i16| -> Result<(), WsqError> {
        if out.len() + n > max {
            return Err(WsqError::CoefficientCount {
                expected: max,
                found: out.len() + n,
            });
        }
        out.resize(out.len() + n, v);
        Ok(())
    };
    loop {
        let sym = match decoder.decode(&mut bits)? {
            Symbol::End => return Ok(()),
            Symbol::Value(v) => v,
        };
        match sym {
            1..=100 => grow(out, usize::from(sym), 0)?,
            // Escapes carry the magnitude in 8 or 16 raw bits; NBIS stores them as 16-bit
            // two's complement, wrapping as it does.
            101 => grow(out, 1, bits.read(8).ok_or(cut.clone())? as i16)?,
            102 => grow(
                out,
                1,
                (-i32::from(bits.read(8).ok_or(cut.clone())?)) as i16,
            )?,
            103 => grow(out, 1, bits.read(16).ok_or(cut.clone())? as i16)?,
            104 => grow(
                out,
                1,
                (-i32::from(bits.read(16).ok_or(cut.clone())?)) as i16,
            )?,
            105 => grow(out, usize::from(bits.read(8).ok_or(cut.clone())?), 0)?,
            106 => grow(out, usize::from(bits.read(16).ok_or(cut.clone())?), 0)?,
            107..=254 => grow(out, 1, i16::from(sym) - 180)?,
            _ => return Err(WsqError::BadData("Huffman symbol outside the WSQ alphabet")),
        }
    }
}

/// Undoes the encoder's shift and scale and rounds to 8 bits as NBIS does (add 0.5, clamp,
/// truncate), in the same mix of single and double precision.
fn to_pixels(plane: &[f32], m_shift: f32, r_scale: f32) -> Vec<u8> {
    plane
        .iter()
        .map(|&v| {
            let t = v * r_scale + m_shift;
            let t = (f64::from(t) + 0.5) as f32;
            if t < 0.0 {
                0
            } else if t > 255.0 {
                255
            } else {
                t as u8
            }
        })
        .collect()
}
