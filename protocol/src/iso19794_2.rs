//! ISO/IEC 19794-2:2005 finger minutiae records ("FMR"): the templates a print order carries for
//! the card's two chip fingers, and that pickup verifies a live finger against.
//!
//! Layout (all integers big-endian):
//! - record header, 24 bytes: format identifier `FMR\0`, version ` 20\0`, record length (4 bytes,
//!   the whole record), capture equipment (2 bytes: 4 bits certification, 12 bits device type),
//!   image width and height (pixels), horizontal and vertical resolution (pixels per cm), number
//!   of finger views, one reserved byte (0);
//! - per finger view: finger position (0 unknown, 1-10 as ANSI/NIST), view number (high 4 bits)
//!   and impression type (low 4 bits: 0 live plain, 1 live rolled, 2 non-live plain, 3 non-live
//!   rolled, 8 swipe), finger quality (0-100), number of minutiae, then 6 bytes per minutia:
//!   type (2 bits: 00 other, 01 ridge ending, 10 bifurcation) and x (14 bits), 2 reserved bits (0)
//!   and y (14 bits), angle (one byte, units of 360/256 = 1.40625 degrees, counter-clockwise from
//!   the x axis), quality (0-100, 0 = not reported); then the extended data length (2 bytes).
//!
//! Contract: [`parse`] is strict and never panics. It takes the whole input: the record length
//! must equal the input's length, nothing may follow the last view, reserved bits and bytes are
//! 0, positions are 0-10, impression types are the five above, qualities at most 100, minutia
//! types not `11`, minutiae inside the image, resolutions and image size non-zero, at least one
//! view, and no two views of the same finger with the same view number. Extended data (ridge
//! counts, cores and deltas) is not supported: a view whose extended data length is not 0 is
//! refused. Each error names the byte offset where the problem is. The capture-equipment field is
//! read but not kept; [`encode`] writes it as 0 (unreported), so a parsed record re-encodes to
//! the same bytes whenever that field was 0.

use std::fmt;

const MAGIC: &[u8; 8] = b"FMR\0 20\0";
const HEADER_LEN: usize = 24;
const VIEW_HEADER_LEN: usize = 4;
const MINUTIA_LEN: usize = 6;
const MAX_COORDINATE: u16 = 0x3FFF;

/// A finger minutiae record: the image it was taken from and one or more finger views.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MinutiaeRecord {
    /// Image width in pixels (non-zero).
    pub width: u16,
    /// Image height in pixels (non-zero).
    pub height: u16,
    /// Horizontal resolution in pixels per centimetre (500 ppi = 197).
    pub x_ppcm: u16,
    /// Vertical resolution in pixels per centimetre.
    pub y_ppcm: u16,
    /// The finger views, at least one.
    pub views: Vec<FingerView>,
}

/// One view of one finger.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FingerView {
    /// Finger position: 0 unknown, 1-10 (right thumb .. left little), as ANSI/NIST.
    pub position: u8,
    /// View number of this finger, 0-15.
    pub view: u8,
    /// Impression type: 0 live plain, 1 live rolled, 2 non-live plain, 3 non-live rolled, 8 swipe.
    pub impression: u8,
    /// Finger quality, 0-100.
    pub quality: u8,
    /// The minutiae, at most 255.
    pub minutiae: Vec<IsoMinutia>,
}

/// One minutia.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IsoMinutia {
    /// What kind of minutia.
    pub kind: MinutiaKind,
    /// Column in pixels from the left (at most 16383 and less than the width).
    pub x: u16,
    /// Row in pixels from the top (at most 16383 and less than the height).
    pub y: u16,
    /// Direction in units of 1.40625 degrees, counter-clockwise from the x axis.
    pub angle: u8,
    /// Quality 1-100, 0 when not reported.
    pub quality: u8,
}

/// The minutia type codes of the 2005 format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MinutiaKind {
    /// Code 00.
    Other,
    /// Code 01.
    RidgeEnding,
    /// Code 10.
    Bifurcation,
}

impl MinutiaKind {
    fn code(self) -> u16 {
        match self {
            MinutiaKind::Other => 0,
            MinutiaKind::RidgeEnding => 1,
            MinutiaKind::Bifurcation => 2,
        }
    }
}

impl IsoMinutia {
    /// The angle in degrees, in `[0, 360)`.
    pub fn degrees(&self) -> f64 {
        f64::from(self.angle) * 360.0 / 256.0
    }
}

/// Why bytes are not an ISO/IEC 19794-2:2005 finger minutiae record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("ISO/IEC 19794-2 record, byte {offset}: {reason}")]
pub struct Iso19794Error {
    /// Byte offset of the offending field.
    pub offset: usize,
    /// What is wrong.
    pub reason: String,
}

fn error(offset: usize, reason: impl fmt::Display) -> Iso19794Error {
    Iso19794Error {
        offset,
        reason: reason.to_string(),
    }
}

/// Encodes a record. Values out of the format's range are written as their low bits (a 14-bit
/// coordinate, a 4-bit view number): callers build records from in-range data, and [`parse`]
/// refuses anything [`encode`] could not have meant.
pub fn encode(record: &MinutiaeRecord) -> Vec<u8> {
    let body: usize = record
        .views
        .iter()
        .map(|v| VIEW_HEADER_LEN + MINUTIA_LEN * v.minutiae.len().min(255) + 2)
        .sum();
    let total = HEADER_LEN + body;
    let mut out = Vec::with_capacity(total);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&u32::try_from(total).unwrap_or(u32::MAX).to_be_bytes());
    out.extend_from_slice(&[0, 0]); // capture equipment: unreported
    for v in [record.width, record.height, record.x_ppcm, record.y_ppcm] {
        out.extend_from_slice(&v.to_be_bytes());
    }
    out.push(u8::try_from(record.views.len()).unwrap_or(u8::MAX));
    out.push(0);
    for view in record.views.iter().take(255) {
        let minutiae = &view.minutiae[..view.minutiae.len().min(255)];
        out.push(view.position);
        out.push(((view.view & 0x0F) << 4) | (view.impression & 0x0F));
        out.push(view.quality);
        out.push(u8::try_from(minutiae.len()).unwrap_or(u8::MAX));
        for m in minutiae {
            let x = (m.kind.code() << 14) | (m.x & MAX_COORDINATE);
            out.extend_from_slice(&x.to_be_bytes());
            out.extend_from_slice(&(m.y & MAX_COORDINATE).to_be_bytes());
            out.push(m.angle);
            out.push(m.quality);
        }
        out.extend_from_slice(&[0, 0]); // no extended data
    }
    out
}

/// A cursor over the input that names the offset of every short read.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], Iso19794Error> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.bytes.len());
        match end.and_then(|e| self.bytes.get(self.at..e)) {
            Some(s) => {
                self.at += n;
                Ok(s)
            }
            None => Err(error(
                self.at,
                format!("the record ends before the {what} ({n} bytes)"),
            )),
        }
    }

    fn u8(&mut self, what: &str) -> Result<u8, Iso19794Error> {
        Ok(self.take(1, what)?[0])
    }

    fn u16(&mut self, what: &str) -> Result<u16, Iso19794Error> {
        let b = self.take(2, what)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    fn u32(&mut self, what: &str) -> Result<u32, Iso19794Error> {
        let b = self.take(4, what)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
}

/// Parses a whole record strictly (see the module documentation for every rule).
pub fn parse(bytes: &[u8]) -> Result<MinutiaeRecord, Iso19794Error> {
    let mut r = Reader { bytes, at: 0 };
    if r.take(4, "format identifier")? != &MAGIC[..4] {
        return Err(error(0, "not a finger minutiae record (no \"FMR\\0\")"));
    }
    if r.take(4, "version")? != &MAGIC[4..] {
        return Err(error(4, "not version \" 20\\0\" (ISO/IEC 19794-2:2005)"));
    }
    let length = r.u32("record length")?;
    if usize::try_from(length).ok() != Some(bytes.len()) {
        return Err(error(
            8,
            format!(
                "the record length says {length} bytes, the record has {}",
                bytes.len()
            ),
        ));
    }
    let _equipment = r.u16("capture equipment")?;
    let width = r.u16("image width")?;
    let height = r.u16("image height")?;
    let x_ppcm = r.u16("horizontal resolution")?;
    let y_ppcm = r.u16("vertical resolution")?;
    for (offset, value, what) in [
        (14, width, "image width"),
        (16, height, "image height"),
        (18, x_ppcm, "horizontal resolution"),
        (20, y_ppcm, "vertical resolution"),
    ] {
        if value == 0 {
            return Err(error(offset, format!("the {what} is 0")));
        }
    }
    let count = r.u8("number of finger views")?;
    if count == 0 {
        return Err(error(22, "no finger views"));
    }
    if r.u8("reserved byte")? != 0 {
        return Err(error(23, "the reserved byte is not 0"));
    }
    let mut views: Vec<FingerView> = Vec::with_capacity(usize::from(count));
    for _ in 0..count {
        let start = r.at;
        let position = r.u8("finger position")?;
        if position > 10 {
            return Err(error(
                start,
                format!("finger position {position} is not 0-10"),
            ));
        }
        let packed = r.u8("view number and impression type")?;
        let (view, impression) = (packed >> 4, packed & 0x0F);
        if !matches!(impression, 0..=3 | 8) {
            return Err(error(
                start + 1,
                format!("impression type {impression} is not 0-3 or 8"),
            ));
        }
        if views
            .iter()
            .any(|v| v.position == position && v.view == view)
        {
            return Err(error(
                start,
                format!("a second view {view} of finger position {position}"),
            ));
        }
        let quality = r.u8("finger quality")?;
        if quality > 100 {
            return Err(error(
                start + 2,
                format!("finger quality {quality} is over 100"),
            ));
        }
        let n = r.u8("number of minutiae")?;
        let mut minutiae = Vec::with_capacity(usize::from(n));
        for _ in 0..n {
            minutiae.push(parse_minutia(&mut r, width, height)?);
        }
        let at = r.at;
        let extended = r.u16("extended data length")?;
        if extended != 0 {
            return Err(error(
                at,
                format!("{extended} bytes of extended data, which is not supported"),
            ));
        }
        views.push(FingerView {
            position,
            view,
            impression,
            quality,
            minutiae,
        });
    }
    if r.at != bytes.len() {
        return Err(error(
            r.at,
            format!("{} bytes after the last finger view", bytes.len() - r.at),
        ));
    }
    Ok(MinutiaeRecord {
        width,
        height,
        x_ppcm,
        y_ppcm,
        views,
    })
}

fn parse_minutia(r: &mut Reader<'_>, width: u16, height: u16) -> Result<IsoMinutia, Iso19794Error> {
    let start = r.at;
    let tx = r.u16("minutia type and x")?;
    let kind = match tx >> 14 {
        0 => MinutiaKind::Other,
        1 => MinutiaKind::RidgeEnding,
        2 => MinutiaKind::Bifurcation,
        _ => return Err(error(start, "minutia type 11 is reserved")),
    };
    let x = tx & MAX_COORDINATE;
    let ry = r.u16("minutia y")?;
    if ry >> 14 != 0 {
        return Err(error(
            start + 2,
            "the reserved bits before minutia y are not 0",
        ));
    }
    let y = ry & MAX_COORDINATE;
    if x >= width || y >= height {
        return Err(error(
            start,
            format!("minutia at ({x}, {y}) lies outside the {width} x {height} image"),
        ));
    }
    let angle = r.u8("minutia angle")?;
    let quality = r.u8("minutia quality")?;
    if quality > 100 {
        return Err(error(
            start + 5,
            format!("minutia quality {quality} is over 100"),
        ));
    }
    Ok(IsoMinutia {
        kind,
        x,
        y,
        angle,
        quality,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> MinutiaeRecord {
        MinutiaeRecord {
            width: 400,
            height: 500,
            x_ppcm: 197,
            y_ppcm: 197,
            views: vec![FingerView {
                position: 2,
                view: 0,
                impression: 0,
                quality: 80,
                minutiae: vec![
                    IsoMinutia {
                        kind: MinutiaKind::RidgeEnding,
                        x: 100,
                        y: 200,
                        angle: 64,
                        quality: 70,
                    },
                    IsoMinutia {
                        kind: MinutiaKind::Bifurcation,
                        x: 399,
                        y: 499,
                        angle: 255,
                        quality: 0,
                    },
                ],
            }],
        }
    }

    #[test]
    fn a_record_encodes_to_the_2005_layout_byte_for_byte() {
        let bytes = encode(&sample());
        let expected: Vec<u8> = [
            &b"FMR\0 20\0"[..],
            &[0, 0, 0, 42],    // length: 24 + 4 + 12 + 2
            &[0, 0],           // capture equipment
            &[1, 144, 1, 244], // 400 x 500
            &[0, 197, 0, 197], // pixels per cm
            &[1, 0],           // one view, reserved
            &[2, 0x00, 80, 2], // right index, view 0 live plain, quality, 2 minutiae
            &[0x40, 100, 0, 200, 64, 70],
            &[0x81, 0x8F, 0x01, 0xF3, 255, 0],
            &[0, 0], // no extended data
        ]
        .concat();
        assert_eq!(bytes, expected);
    }

    #[test]
    fn what_encode_writes_parses_back_to_the_same_record() {
        let record = sample();
        assert_eq!(parse(&encode(&record)), Ok(record));
    }

    #[test]
    fn a_record_with_several_views_and_no_minutiae_round_trips() {
        let mut record = sample();
        record.views.push(FingerView {
            position: 7,
            view: 1,
            impression: 8,
            quality: 0,
            minutiae: vec![],
        });
        assert_eq!(parse(&encode(&record)), Ok(record));
    }

    #[test]
    fn the_angle_unit_is_1_40625_degrees() {
        let m = sample().views[0].minutiae[0];
        assert!((m.degrees() - 90.0).abs() < 1e-9);
    }

    fn broken(offset: usize, value: u8) -> Result<MinutiaeRecord, Iso19794Error> {
        let mut bytes = encode(&sample());
        bytes[offset] = value;
        parse(&bytes)
    }

    fn offset_of(r: Result<MinutiaeRecord, Iso19794Error>) -> usize {
        r.expect_err("the record is refused").offset
    }

    #[test]
    fn each_broken_field_is_refused_at_its_offset() {
        assert_eq!(offset_of(broken(0, b'X')), 0, "format identifier");
        assert_eq!(offset_of(broken(5, b'3')), 4, "version (2011 is ' 30')");
        assert_eq!(offset_of(broken(11, 43)), 8, "record length");
        assert_eq!(offset_of(broken(22, 0)), 22, "no views");
        assert_eq!(offset_of(broken(23, 1)), 23, "reserved byte");
        assert_eq!(offset_of(broken(24, 11)), 24, "finger position 11");
        assert_eq!(offset_of(broken(25, 0x04)), 25, "impression type 4");
        assert_eq!(offset_of(broken(26, 101)), 26, "finger quality over 100");
        assert_eq!(offset_of(broken(28, 0xC0)), 28, "minutia type 11");
        assert_eq!(offset_of(broken(30, 0x40)), 30, "reserved bits before y");
        assert_eq!(offset_of(broken(33, 101)), 33, "minutia quality over 100");
        assert_eq!(offset_of(broken(41, 4)), 40, "extended data");
    }

    #[test]
    fn zero_image_size_or_resolution_is_refused() {
        for (offset, field) in [(14, 14), (16, 16), (18, 18), (20, 20)] {
            let mut bytes = encode(&sample());
            bytes[offset] = 0;
            bytes[offset + 1] = 0;
            assert_eq!(offset_of(parse(&bytes)), field);
        }
    }

    #[test]
    fn a_minutia_outside_the_image_is_refused() {
        let mut record = sample();
        record.views[0].minutiae[0].x = 400;
        let e = parse(&encode(&record)).expect_err("x = width is outside");
        assert_eq!(e.offset, 28);
        assert!(e.reason.contains("outside"), "{e}");
    }

    #[test]
    fn a_count_that_disagrees_with_the_data_is_refused() {
        // Three minutiae announced, two present: the extended-data length is read from the
        // third minutia's place and the record runs out before its end.
        let mut bytes = encode(&sample());
        bytes[27] = 3;
        let e = parse(&bytes).expect_err("short");
        assert!(e.reason.contains("ends before"), "{e}");
        // One announced, two present: the second minutia's bytes are not a zero extended length.
        bytes[27] = 1;
        assert!(parse(&bytes).is_err());
    }

    #[test]
    fn trailing_or_missing_bytes_are_refused() {
        let mut bytes = encode(&sample());
        bytes.push(0);
        bytes[11] = 43;
        let e = parse(&bytes).expect_err("a byte after the last view");
        assert_eq!(e.offset, 42);
        let short = &encode(&sample())[..41];
        assert_eq!(offset_of(parse(short)), 8, "length disagrees");
        assert!(parse(&[]).is_err());
        assert!(parse(b"FMR\0").is_err());
    }

    #[test]
    fn two_copies_of_the_same_view_are_refused() {
        let mut record = sample();
        record.views.push(record.views[0].clone());
        let e = parse(&encode(&record)).expect_err("duplicate view");
        assert_eq!(e.offset, 42);
    }

    #[test]
    fn a_nonzero_capture_equipment_field_is_read_and_not_kept() {
        let mut bytes = encode(&sample());
        bytes[12] = 0x10;
        bytes[13] = 0x2A;
        assert_eq!(parse(&bytes), Ok(sample()));
    }
}
