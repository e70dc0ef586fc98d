//! WSQ marker segments: the byte reader, the marker codes, and parsing and writing of the
//! transform (DTT), quantisation (DQT), Huffman (DHT), restart (DRT), frame (SOF), block (SOB)
//! and comment (COM) segments.
//!
//! Contract: each parser consumes exactly its segment as its length field declares and checks
//! every count against it, so a bad length or table is an error, never an over-read. Scaled numbers
//! (an integer and a decimal exponent) are converted with NBIS's float arithmetic, because the
//! decoded pixels depend on those exact values.

use super::error::WsqError;
use super::huffman::{HuffmanSpec, MAX_CODE_LEN};

pub(crate) const SOI: u16 = 0xffa0;
pub(crate) const EOI: u16 = 0xffa1;
pub(crate) const SOF: u16 = 0xffa2;
pub(crate) const SOB: u16 = 0xffa3;
pub(crate) const DTT: u16 = 0xffa4;
pub(crate) const DQT: u16 = 0xffa5;
pub(crate) const DHT: u16 = 0xffa6;
pub(crate) const DRT: u16 = 0xffa7;
pub(crate) const COM: u16 = 0xffa8;

/// Number of Huffman table slots.
pub(crate) const MAX_DHT_TABLES: usize = 8;
/// Longest filter the decoder accepts (WSQ uses 9 and 7 taps).
const MAX_FILTER_TAPS: usize = 32;

/// A bounds-checked big-endian reader.
pub(crate) struct ByteReader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> ByteReader<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        ByteReader { data, pos: 0 }
    }

    pub fn rest(&self) -> &'a [u8] {
        &self.data[self.pos..]
    }

    pub fn is_empty(&self) -> bool {
        self.pos >= self.data.len()
    }

    pub fn skip(&mut self, n: usize) {
        self.pos = (self.pos + n).min(self.data.len());
    }

    pub fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], WsqError> {
        let end = self.pos.checked_add(n).ok_or(WsqError::Truncated(what))?;
        let s = self
            .data
            .get(self.pos..end)
            .ok_or(WsqError::Truncated(what))?;
        self.pos = end;
        Ok(s)
    }

    pub fn u8(&mut self, what: &'static str) -> Result<u8, WsqError> {
        Ok(self.take(1, what)?[0])
    }

    pub fn u16(&mut self, what: &'static str) -> Result<u16, WsqError> {
        let b = self.take(2, what)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    pub fn u32(&mut self, what: &'static str) -> Result<u32, WsqError> {
        let b = self.take(4, what)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// Reads a segment's length field and returns a reader over the rest of the segment.
    pub fn segment(&mut self, what: &'static str) -> Result<ByteReader<'a>, WsqError> {
        let len = usize::from(self.u16(what)?);
        if len < 2 {
            return Err(WsqError::BadSegmentLength {
                segment: what,
                length: len,
            });
        }
        Ok(ByteReader::new(self.take(len - 2, what)?))
    }

    /// Fails unless the segment was consumed exactly.
    pub fn finish(&self, what: &'static str) -> Result<(), WsqError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(WsqError::BadSegmentLength {
                segment: what,
                length: self.data.len() + 2,
            })
        }
    }
}

/// A value stored as `raw / 10^scale`, divided one step at a time in double precision and
/// rounded to single after each step (NBIS's `x /= 10.0` on a float).
pub(crate) fn unscale(raw: u32, scale: u8) -> f32 {
    let mut v = raw as f32;
    for _ in 0..scale {
        v = (f64::from(v) / 10.0) as f32;
    }
    v
}

/// NBIS's `sround`: round half away from zero, then truncate to int.
fn sround(x: f64) -> i64 {
    if x < 0.0 {
        (x - 0.5) as i64
    } else {
        (x + 0.5) as i64
    }
}

/// The (scale, integer) pair NBIS writes for a positive value: the value times ten, in single
/// precision, until it reaches `limit`, then one step back and rounded.
fn scale_for(value: f32, limit: f64) -> (u8, i64) {
    if value == 0.0 || !value.is_finite() || value < 0.0 {
        return (0, 0);
    }
    let mut v = value;
    let mut scale: u8 = 0;
    while f64::from(v) < limit && scale < 60 {
        scale += 1;
        v *= 10.0;
    }
    (scale.saturating_sub(1), sround(f64::from(v) / 10.0))
}

/// The synthesis filters a DTT segment defines.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TransformTable {
    /// Low-pass synthesis filter (NBIS `lofilt`, the second group of coefficients).
    pub lo: Vec<f32>,
    /// High-pass synthesis filter (NBIS `hifilt`, the first group).
    pub hi: Vec<f32>,
}

fn filter_half(len: usize) -> usize {
    len.div_ceil(2)
}

/// Parses a DTT segment body.
pub(crate) fn parse_dtt(seg: &mut ByteReader<'_>) -> Result<TransformTable, WsqError> {
    const WHAT: &str = "DTT segment";
    let hisz = usize::from(seg.u8(WHAT)?);
    let losz = usize::from(seg.u8(WHAT)?);
    if !(1..=MAX_FILTER_TAPS).contains(&hisz) || !(1..=MAX_FILTER_TAPS).contains(&losz) {
        return Err(WsqError::BadTransformTable("filter length out of range"));
    }
    if hisz % 2 != losz % 2 {
        return Err(WsqError::BadTransformTable(
            "filter lengths of mixed parity",
        ));
    }
    let coef = |seg: &mut ByteReader<'_>| -> Result<f32, WsqError> {
        let sign = seg.u8(WHAT)?;
        let scale = seg.u8(WHAT)?;
        let raw = seg.u32(WHAT)?;
        let v = unscale(raw, scale);
        Ok(if sign != 0 { -v } else { v })
    };
    // The first group is the analysis low-pass half; modulated, it is the synthesis high-pass.
    let mut hi = vec![0.0f32; hisz];
    let a = filter_half(hisz) - 1;
    for cnt in 0..=a {
        let v = coef(seg)?;
        let m = if cnt % 2 == 0 { v } else { -v };
        if hisz % 2 == 1 {
            hi[cnt + a] = m;
            hi[a - cnt] = m;
        } else {
            hi[cnt + a + 1] = m;
            hi[a - cnt] = -m;
        }
    }
    let mut lo = vec![0.0f32; losz];
    let a = filter_half(losz) - 1;
    for cnt in 0..=a {
        let v = coef(seg)?;
        if losz % 2 == 1 {
            let m = if cnt % 2 == 0 { v } else { -v };
            lo[cnt + a] = m;
            lo[a - cnt] = m;
        } else {
            let m = if cnt % 2 == 0 { -v } else { v };
            lo[cnt + a + 1] = m;
            lo[a - cnt] = m;
        }
    }
    seg.finish(WHAT)?;
    Ok(TransformTable { lo, hi })
}

/// Writes a DTT segment for the analysis filters `lo` and `hi` (each odd or even length).
pub(crate) fn write_dtt(out: &mut Vec<u8>, lo: &[f32], hi: &[f32]) {
    let n = lo.len() - lo.len() / 2 + hi.len() - hi.len() / 2;
    out.extend_from_slice(&DTT.to_be_bytes());
    out.extend_from_slice(&((4 + 6 * n) as u16).to_be_bytes());
    out.push(lo.len() as u8);
    out.push(hi.len() as u8);
    for filt in [lo, hi] {
        for &c in &filt[filt.len() / 2..] {
            let (sign, mag) = if c >= 0.0 { (0u8, c) } else { (1u8, -c) };
            let (scale, int) = scale_for(mag, 4_294_967_295.0);
            out.push(sign);
            out.push(scale);
            out.extend_from_slice(&(int.clamp(0, i64::from(u32::MAX)) as u32).to_be_bytes());
        }
    }
}

/// The quantiser a DQT segment defines.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct QuantTable {
    pub bin_center: f32,
    pub q_bin: [f32; 64],
    pub z_bin: [f32; 64],
}

/// Parses a DQT segment body.
pub(crate) fn parse_dqt(seg: &mut ByteReader<'_>) -> Result<QuantTable, WsqError> {
    const WHAT: &str = "DQT segment";
    let scaled = |seg: &mut ByteReader<'_>| -> Result<f32, WsqError> {
        let scale = seg.u8(WHAT)?;
        let raw = seg.u16(WHAT)?;
        Ok(unscale(u32::from(raw), scale))
    };
    let bin_center = scaled(seg)?;
    let mut q_bin = [0.0f32; 64];
    let mut z_bin = [0.0f32; 64];
    for (q, z) in q_bin.iter_mut().zip(z_bin.iter_mut()) {
        *q = scaled(seg)?;
        *z = scaled(seg)?;
    }
    seg.finish(WHAT)?;
    Ok(QuantTable {
        bin_center,
        q_bin,
        z_bin,
    })
}

/// Writes a DQT segment: bin centre 0.44, and per subband the bin and zero-bin widths.
pub(crate) fn write_dqt(out: &mut Vec<u8>, q_bin: &[f32; 64], z_bin: &[f32; 64]) {
    out.extend_from_slice(&DQT.to_be_bytes());
    out.extend_from_slice(&389u16.to_be_bytes());
    out.push(2);
    out.extend_from_slice(&44u16.to_be_bytes());
    for (&q, &z) in q_bin.iter().zip(z_bin) {
        let ((qs, qi), (zs, zi)) = if q != 0.0 {
            (scale_for(q, 65535.0), scale_for(z, 65535.0))
        } else {
            ((0, 0), (0, 0))
        };
        out.push(qs);
        out.extend_from_slice(&(qi.clamp(0, 65535) as u16).to_be_bytes());
        out.push(zs);
        out.extend_from_slice(&(zi.clamp(0, 65535) as u16).to_be_bytes());
    }
}

/// Parses a DHT segment body (one or more tables) into `slots`.
pub(crate) fn parse_dht(
    seg: &mut ByteReader<'_>,
    slots: &mut [Option<HuffmanSpec>; MAX_DHT_TABLES],
) -> Result<(), WsqError> {
    const WHAT: &str = "DHT segment";
    if seg.is_empty() {
        return Err(WsqError::BadHuffmanTable("empty DHT segment"));
    }
    while !seg.is_empty() {
        let id = usize::from(seg.u8(WHAT)?);
        if id >= MAX_DHT_TABLES {
            return Err(WsqError::BadHuffmanTable("table id out of range"));
        }
        let mut bits = [0u8; MAX_CODE_LEN];
        bits.copy_from_slice(seg.take(MAX_CODE_LEN, WHAT)?);
        let n: usize = bits.iter().map(|&b| usize::from(b)).sum();
        if n > 256 {
            return Err(WsqError::BadHuffmanTable("more than 256 symbols"));
        }
        let values = seg.take(n, WHAT)?.to_vec();
        let spec = HuffmanSpec { bits, values };
        spec.codes()?;
        slots[id] = Some(spec);
    }
    Ok(())
}

/// Writes a DHT segment holding one table.
pub(crate) fn write_dht(out: &mut Vec<u8>, id: u8, spec: &HuffmanSpec) {
    out.extend_from_slice(&DHT.to_be_bytes());
    out.extend_from_slice(&((3 + MAX_CODE_LEN + spec.values.len()) as u16).to_be_bytes());
    out.push(id);
    out.extend_from_slice(&spec.bits);
    out.extend_from_slice(&spec.values);
}

/// The frame header.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FrameHeader {
    pub width: u16,
    pub height: u16,
    pub m_shift: f32,
    pub r_scale: f32,
}

/// Parses a SOF segment body.
pub(crate) fn parse_sof(seg: &mut ByteReader<'_>) -> Result<FrameHeader, WsqError> {
    const WHAT: &str = "SOF segment";
    let _black = seg.u8(WHAT)?;
    let _white = seg.u8(WHAT)?;
    let height = seg.u16(WHAT)?;
    let width = seg.u16(WHAT)?;
    let ms = seg.u8(WHAT)?;
    let m = seg.u16(WHAT)?;
    let rs = seg.u8(WHAT)?;
    let r = seg.u16(WHAT)?;
    let _encoder = seg.u8(WHAT)?;
    let _software = seg.u16(WHAT)?;
    seg.finish(WHAT)?;
    if width == 0 || height == 0 {
        return Err(WsqError::BadFrameHeader("zero width or height"));
    }
    Ok(FrameHeader {
        width,
        height,
        m_shift: unscale(u32::from(m), ms),
        r_scale: unscale(u32::from(r), rs),
    })
}

/// Writes a SOF segment; returns the shift and scale as the decoder will read them back.
pub(crate) fn write_sof(out: &mut Vec<u8>, width: u16, height: u16, m_shift: f32, r_scale: f32) {
    out.extend_from_slice(&SOF.to_be_bytes());
    out.extend_from_slice(&17u16.to_be_bytes());
    out.push(0);
    out.push(255);
    out.extend_from_slice(&height.to_be_bytes());
    out.extend_from_slice(&width.to_be_bytes());
    for v in [m_shift, r_scale] {
        let (s, i) = scale_for(v, 65535.0);
        out.push(s);
        out.extend_from_slice(&(i.clamp(0, 65535) as u16).to_be_bytes());
    }
    // Encoder number 2 and software 0, as NBIS writes.
    out.push(2);
    out.extend_from_slice(&0u16.to_be_bytes());
}

/// Parses a SOB segment body: the Huffman table the block uses.
pub(crate) fn parse_sob(seg: &mut ByteReader<'_>) -> Result<u8, WsqError> {
    const WHAT: &str = "SOB segment";
    let id = seg.u8(WHAT)?;
    seg.finish(WHAT)?;
    Ok(id)
}

pub(crate) fn write_sob(out: &mut Vec<u8>, id: u8) {
    out.extend_from_slice(&SOB.to_be_bytes());
    out.extend_from_slice(&3u16.to_be_bytes());
    out.push(id);
}

/// Parses a DRT segment body: the restart interval.
pub(crate) fn parse_drt(seg: &mut ByteReader<'_>) -> Result<u16, WsqError> {
    const WHAT: &str = "DRT segment";
    let interval = seg.u16(WHAT)?;
    seg.finish(WHAT)?;
    Ok(interval)
}

/// Writes a COM segment; text longer than a segment holds is cut.
pub(crate) fn write_com(out: &mut Vec<u8>, text: &[u8]) {
    let text = &text[..text.len().min(usize::from(u16::MAX) - 2)];
    out.extend_from_slice(&COM.to_be_bytes());
    out.extend_from_slice(&((text.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(text);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scaled_values_round_trip_through_the_nbis_representation() {
        let mut out = Vec::new();
        write_sof(&mut out, 500, 400, 177.25, 1.3125);
        let mut r = ByteReader::new(&out[2..]);
        let mut seg = r.segment("SOF").unwrap();
        let h = parse_sof(&mut seg).unwrap();
        assert_eq!((h.width, h.height), (500, 400));
        assert!((h.m_shift - 177.25).abs() < 1e-3);
        assert!((h.r_scale - 1.3125).abs() < 1e-4);
    }

    #[test]
    fn a_segment_length_shorter_than_its_contents_is_an_error() {
        let mut out = Vec::new();
        write_sob(&mut out, 0);
        out[3] = 2;
        let mut r = ByteReader::new(&out[2..]);
        let mut seg = r.segment("SOB").unwrap();
        assert!(matches!(parse_sob(&mut seg), Err(WsqError::Truncated(_))));
    }
}
