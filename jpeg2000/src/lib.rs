//! Lossless JPEG 2000 encoding (ISO/IEC 15444-1), pure Rust and sans-IO.
//!
//! Contract: [`encode_j2k`] turns 8-bit grey or 8-bit RGB pixels into a raw codestream and
//! [`encode_jp2`] into a JP2 file (signature, file type, header and codestream boxes). Both are
//! lossless: one tile, the reversible 5/3 wavelet (up to five decomposition levels), the
//! reversible colour transform for RGB, 64x64 code-blocks, one quality layer in LRCP order, no
//! quantisation. Every decoder of Part 1 gives back the input pixels exactly.
//!
//! Why a crate of our own: the registry's `openjp2` (0.6) encodes only through raw-pointer
//! stream callbacks (unsafe code, which this workspace denies) and `justjp2` (0.1) writes
//! codestreams other decoders reject; ISO/IEC 19794-4/-5 records need lossless JPEG 2000.

mod dwt;
mod mq;
mod t1;
mod t2;

use t1::Orientation;
use t2::{BitWriter, TagTree};

/// The pixel layout of the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Colour {
    /// One 8-bit sample per pixel.
    Grey,
    /// Three 8-bit samples per pixel, R G B, interleaved.
    Rgb,
}

impl Colour {
    fn channels(self) -> usize {
        match self {
            Colour::Grey => 1,
            Colour::Rgb => 3,
        }
    }
}

/// Why an image cannot be encoded.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EncodeError {
    #[error("image is {width}x{height}: both dimensions must be at least 1")]
    Empty { width: u32, height: u32 },
    #[error("{width}x{height} {colour:?} needs {expected} bytes of pixels, got {actual}")]
    PixelCount {
        width: u32,
        height: u32,
        colour: Colour,
        expected: u64,
        actual: usize,
    },
}

/// Code-block side (2^6 = 64, written as the exponent minus 2 in COD).
const BLOCK_LOG2: u32 = 6;
const BLOCK: usize = 1 << BLOCK_LOG2;
const MAX_LEVELS: u32 = 5;
/// Nominal dynamic range exponent of a subband: the sample depth plus the log2 of its gain
/// (0 for LL, 1 for HL and LH, 2 for HH), as QCD's epsilon.
const SAMPLE_BITS: u32 = 8;

struct Subband {
    orientation: Orientation,
    /// Position and size in the decomposed plane.
    x0: usize,
    y0: usize,
    width: usize,
    height: usize,
}

impl Subband {
    fn gain_log2(&self) -> u32 {
        match self.orientation {
            Orientation::Ll => 0,
            Orientation::Hl | Orientation::Lh => 1,
            Orientation::Hh => 2,
        }
    }
}

/// Subbands grouped by resolution level, lowest first: [LL_N], then [HL, LH, HH] of levels N
/// down to 1 -- the order packets and QCD list them in.
fn subbands(width: usize, height: usize, levels: u32) -> Vec<Vec<Subband>> {
    // Size of the LL region each level decomposes.
    let mut sizes = vec![(width, height)];
    for _ in 0..levels {
        let (w, h) = sizes[sizes.len() - 1];
        sizes.push((w.div_ceil(2), h.div_ceil(2)));
    }
    let (lw, lh) = sizes[levels as usize];
    let mut out = vec![vec![Subband {
        orientation: Orientation::Ll,
        x0: 0,
        y0: 0,
        width: lw,
        height: lh,
    }]];
    for level in (1..=levels as usize).rev() {
        let (w, h) = sizes[level - 1];
        let (low_w, low_h) = (w.div_ceil(2), h.div_ceil(2));
        out.push(vec![
            Subband {
                orientation: Orientation::Hl,
                x0: low_w,
                y0: 0,
                width: w - low_w,
                height: low_h,
            },
            Subband {
                orientation: Orientation::Lh,
                x0: 0,
                y0: low_h,
                width: low_w,
                height: h - low_h,
            },
            Subband {
                orientation: Orientation::Hh,
                x0: low_w,
                y0: low_h,
                width: w - low_w,
                height: h - low_h,
            },
        ]);
    }
    out
}

/// The code-blocks of one subband of one component, coded.
struct BandBlocks {
    across: usize,
    down: usize,
    blocks: Vec<t1::CodedBlock>,
}

fn code_band(plane: &[i32], stride: usize, band: &Subband) -> BandBlocks {
    let across = band.width.div_ceil(BLOCK);
    let down = band.height.div_ceil(BLOCK);
    let mut blocks = Vec::with_capacity(across * down);
    let mut samples = Vec::with_capacity(BLOCK * BLOCK);
    for by in 0..down {
        for bx in 0..across {
            let x0 = bx * BLOCK;
            let y0 = by * BLOCK;
            let w = BLOCK.min(band.width - x0);
            let h = BLOCK.min(band.height - y0);
            samples.clear();
            for y in 0..h {
                let row = (band.y0 + y0 + y) * stride + band.x0 + x0;
                samples.extend_from_slice(&plane[row..row + w]);
            }
            blocks.push(t1::encode_block(&samples, w, h, band.orientation));
        }
    }
    BandBlocks {
        across,
        down,
        blocks,
    }
}

/// The pass-count codeword of Table B.4.
fn write_pass_count(out: &mut BitWriter, passes: u32) {
    match passes {
        1 => out.bit(0),
        2 => out.bits(0b10, 2),
        3..=5 => {
            out.bits(0b11, 2);
            out.bits(passes - 3, 2);
        }
        6..=36 => {
            out.bits(0b1111, 4);
            out.bits(passes - 6, 5);
        }
        _ => {
            out.bits(0b1_1111_1111, 9);
            out.bits(passes - 37, 7);
        }
    }
}

/// One packet: a header over the subbands' code-blocks, then their codeword segments.
fn write_packet(out: &mut Vec<u8>, bands: &[(&BandBlocks, u32)]) {
    let mut header = BitWriter::new();
    // Non-empty packet.
    header.bit(1);
    for (band, max_planes) in bands {
        let inclusion: Vec<u32> = band
            .blocks
            .iter()
            .map(|b| u32::from(b.passes == 0))
            .collect();
        let zero_planes: Vec<u32> = band
            .blocks
            .iter()
            .map(|b| max_planes - b.bit_planes)
            .collect();
        let mut inclusion = TagTree::new(band.across, band.down, &inclusion);
        let mut zero_planes = TagTree::new(band.across, band.down, &zero_planes);
        for (i, block) in band.blocks.iter().enumerate() {
            let (x, y) = (i % band.across, i / band.across);
            // Included in layer 0 or not, asked against threshold layer + 1.
            inclusion.encode(&mut header, x, y, 1);
            if block.passes == 0 {
                continue;
            }
            zero_planes.encode(&mut header, x, y, u32::MAX);
            write_pass_count(&mut header, block.passes);
            // Lblock starts at 3; the length takes Lblock + floor(log2(passes)) bits, and
            // each 1 bit before the terminating 0 adds one to Lblock.
            let length = block.bytes.len() as u32;
            let pass_bits = 31 - block.passes.leading_zeros();
            let needed = (32 - length.leading_zeros()).max(1);
            let lblock = needed.saturating_sub(pass_bits).max(3);
            for _ in 3..lblock {
                header.bit(1);
            }
            header.bit(0);
            header.bits(length, lblock + pass_bits);
        }
    }
    out.extend_from_slice(&header.finish());
    for (band, _) in bands {
        for block in &band.blocks {
            out.extend_from_slice(&block.bytes);
        }
    }
}

fn marker(out: &mut Vec<u8>, code: u8, body: &[u8]) {
    out.extend_from_slice(&[0xFF, code]);
    out.extend_from_slice(&(body.len() as u16 + 2).to_be_bytes());
    out.extend_from_slice(body);
}

/// Encodes `pixels` (`width` x `height`, row-major, interleaved when RGB) as a raw JPEG 2000
/// codestream (SOC ... EOC), losslessly.
pub fn encode_j2k(
    width: u32,
    height: u32,
    colour: Colour,
    pixels: &[u8],
) -> Result<Vec<u8>, EncodeError> {
    if width == 0 || height == 0 {
        return Err(EncodeError::Empty { width, height });
    }
    let channels = colour.channels();
    let expected = u64::from(width) * u64::from(height) * channels as u64;
    if expected != pixels.len() as u64 {
        return Err(EncodeError::PixelCount {
            width,
            height,
            colour,
            expected,
            actual: pixels.len(),
        });
    }
    let (w, h) = (width as usize, height as usize);
    // DC level shift of unsigned samples (Annex G.1).
    let mut planes: Vec<Vec<i32>> = (0..channels)
        .map(|c| {
            pixels
                .iter()
                .skip(c)
                .step_by(channels)
                .map(|&p| i32::from(p) - 128)
                .collect()
        })
        .collect();
    if let [r, g, b] = planes.as_mut_slice() {
        dwt::rct(r, g, b);
    }
    // As many levels as leave every subband at least one sample wide and high.
    let levels = (31 - width.min(height).leading_zeros()).min(MAX_LEVELS);
    for plane in &mut planes {
        dwt::forward(plane, w, h, levels);
    }
    let layout = subbands(w, h, levels);
    let coded: Vec<Vec<Vec<BandBlocks>>> = planes
        .iter()
        .map(|plane| {
            layout
                .iter()
                .map(|bands| bands.iter().map(|b| code_band(plane, w, b)).collect())
                .collect()
        })
        .collect();

    // Guard bits: enough that Mb = G + epsilon - 1 covers every block's bit planes (the
    // transforms can grow the range past the nominal epsilon), at least the customary 2.
    let mut guard = 2u32;
    for component in &coded {
        for (bands, res) in component.iter().zip(&layout) {
            for (blocks, band) in bands.iter().zip(res) {
                let epsilon = SAMPLE_BITS + band.gain_log2();
                for b in &blocks.blocks {
                    guard = guard.max((b.bit_planes + 1).saturating_sub(epsilon));
                }
            }
        }
    }

    let mut out = vec![0xFF, 0x4F];
    let mut siz = Vec::new();
    siz.extend_from_slice(&0u16.to_be_bytes());
    for v in [width, height, 0, 0, width, height, 0, 0] {
        siz.extend_from_slice(&v.to_be_bytes());
    }
    siz.extend_from_slice(&(channels as u16).to_be_bytes());
    for _ in 0..channels {
        // Unsigned, 8 bits (depth - 1), no subsampling.
        siz.extend_from_slice(&[SAMPLE_BITS as u8 - 1, 1, 1]);
    }
    marker(&mut out, 0x51, &siz);
    let mct = u8::from(colour == Colour::Rgb);
    let cod = [
        0, // default precincts, no SOP/EPH
        0, // LRCP
        0,
        1, // one layer
        mct,
        levels as u8,
        (BLOCK_LOG2 - 2) as u8,
        (BLOCK_LOG2 - 2) as u8,
        0, // code-block style: one MQ segment, no bypass
        1, // reversible 5/3
    ];
    marker(&mut out, 0x52, &cod);
    let mut qcd = vec![(guard as u8) << 5];
    for bands in &layout {
        for band in bands {
            qcd.push(((SAMPLE_BITS + band.gain_log2()) as u8) << 3);
        }
    }
    marker(&mut out, 0x5C, &qcd);

    let mut data = Vec::new();
    for (r, res) in layout.iter().enumerate() {
        for component in &coded {
            let bands: Vec<(&BandBlocks, u32)> = component[r]
                .iter()
                .zip(res)
                .map(|(blocks, band)| (blocks, guard + SAMPLE_BITS + band.gain_log2() - 1))
                .collect();
            write_packet(&mut data, &bands);
        }
    }
    let mut sot = Vec::new();
    sot.extend_from_slice(&0u16.to_be_bytes());
    sot.extend_from_slice(&(data.len() as u32 + 14).to_be_bytes());
    sot.extend_from_slice(&[0, 1]);
    marker(&mut out, 0x90, &sot);
    out.extend_from_slice(&[0xFF, 0x93]);
    out.extend_from_slice(&data);
    out.extend_from_slice(&[0xFF, 0xD9]);
    Ok(out)
}

fn jp2_box(out: &mut Vec<u8>, kind: &[u8; 4], body: &[u8]) {
    out.extend_from_slice(&(body.len() as u32 + 8).to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(body);
}

/// Encodes `pixels` like [`encode_j2k`] and wraps the codestream in a JP2 file: signature,
/// file type (`jp2 `), header (image header and an sRGB or greyscale colour specification) and
/// contiguous codestream boxes.
pub fn encode_jp2(
    width: u32,
    height: u32,
    colour: Colour,
    pixels: &[u8],
) -> Result<Vec<u8>, EncodeError> {
    let codestream = encode_j2k(width, height, colour, pixels)?;
    let mut out = Vec::with_capacity(codestream.len() + 80);
    jp2_box(&mut out, b"jP  ", &[0x0D, 0x0A, 0x87, 0x0A]);
    jp2_box(&mut out, b"ftyp", b"jp2 \0\0\0\0jp2 ");
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&(colour.channels() as u16).to_be_bytes());
    // 8-bit unsigned, compression type 7 (JPEG 2000), colourspace known, no IPR box.
    ihdr.extend_from_slice(&[SAMPLE_BITS as u8 - 1, 7, 0, 0]);
    let enumerated: u32 = match colour {
        Colour::Grey => 17,
        Colour::Rgb => 16,
    };
    let mut colr = vec![1, 0, 0];
    colr.extend_from_slice(&enumerated.to_be_bytes());
    let mut header = Vec::new();
    jp2_box(&mut header, b"ihdr", &ihdr);
    jp2_box(&mut header, b"colr", &colr);
    jp2_box(&mut out, b"jp2h", &header);
    jp2_box(&mut out, b"jp2c", &codestream);
    Ok(out)
}
