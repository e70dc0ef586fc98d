//! The HID reports of Wacom STU-430/530/540 pads (unencrypted mode), parsed strictly and encoded
//! byte for byte. Layouts follow the reverse-engineered WebHID driver pabloko/Wacom-STU-WebHID:
//! feature replies carry their id at byte 0 and big-endian fields after it; the writing area is
//! four little-endian u16 (x1, y1, x2, y2) in screen pixels; image data goes in chunks of at most
//! 253 bytes behind a little-endian u16 length.
//!
//! Pen reports: byte 1 (after the id) holds the proximity flag in bit 7 and the tip switch in
//! bits 4-6, its low nibble the top 4 bits of the 12-bit pressure, byte 2 the low 8; x and y are
//! big-endian u16 at bytes 3 and 5. (The WebHID driver tests bits 0 and 1 for the flags yet reads
//! the same low nibble as pressure, which cannot both hold; the Wacom SDK's `sw` is a small
//! number, not a bit, which fits a field in the high nibble.) Report 34 adds a big-endian u16
//! time count in milliseconds and a u16 sequence number.
//!
//! Contract: every parser checks the report id and length and the ranges a pad can report, and
//! returns a [`ReportError`] saying what is wrong; none panics on any input.

/// Input report: pen data.
pub const PEN_DATA: u8 = 0x01;
/// Feature report: model name and firmware.
pub const INFORMATION: u8 = 0x08;
/// Feature report: tablet and screen sizes.
pub const CAPABILITY: u8 = 0x09;
/// Feature report: writing mode (0 plain pen data, 1 with time and sequence).
pub const WRITING_MODE: u8 = 0x0E;
/// Feature report: serial number.
pub const SERIAL: u8 = 0x0F;
/// Feature report: wipe the screen to the background colour.
pub const CLEAR_SCREEN: u8 = 0x20;
/// Feature report: inking on or off.
pub const INKING_MODE: u8 = 0x21;
/// Feature report: begin an image upload, with its encoding.
pub const WRITE_IMAGE_START: u8 = 0x25;
/// Feature report: a chunk of image data.
pub const WRITE_IMAGE_DATA: u8 = 0x26;
/// Feature report: end of the image upload.
pub const WRITE_IMAGE_END: u8 = 0x27;
/// Feature report: the area where the pen inks, in screen pixels.
pub const WRITING_AREA: u8 = 0x2A;
/// Feature report: pen colour and width.
pub const PEN_COLOR_AND_WIDTH: u8 = 0x2D;
/// Feature report: background colour.
pub const BACKGROUND_COLOR: u8 = 0x2E;
/// Input report: pen data with time count and sequence number.
pub const PEN_DATA_TIMING: u8 = 0x34;

/// Image data bytes per 0x26 report.
pub const IMAGE_CHUNK: usize = 253;
/// Length of an 0x26 report: id, u16 length, data.
pub const IMAGE_DATA_REPORT_LEN: usize = 3 + IMAGE_CHUNK;
/// Length of the pen data report (id included).
pub const PEN_DATA_LEN: usize = 7;
/// Length of the timed pen data report (id included).
pub const PEN_DATA_TIMING_LEN: usize = 11;
/// Length of the capability reply the driver reads (id included).
pub const CAPABILITY_LEN: usize = 17;
/// Length of the information reply (id included).
pub const INFORMATION_LEN: usize = 16;
/// Length of the serial reply (id included).
pub const SERIAL_LEN: usize = 16;

/// Why a report was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReportError {
    /// The report is not the one expected.
    #[error("expected report {expected:#04x}, got {actual:#04x}")]
    WrongId {
        /// The id expected.
        expected: u8,
        /// The id found.
        actual: u8,
    },
    /// Too short for its layout.
    #[error("report {id:#04x} needs {needed} bytes, got {actual}")]
    Truncated {
        /// The report id (0 when the report was empty).
        id: u8,
        /// Bytes its layout needs.
        needed: usize,
        /// Bytes received.
        actual: usize,
    },
    /// A field holds a value no pad reports.
    #[error("report {id:#04x}: {detail}")]
    BadValue {
        /// The report id.
        id: u8,
        /// What is wrong.
        detail: String,
    },
}

fn check(bytes: &[u8], id: u8, needed: usize) -> Result<(), ReportError> {
    let Some(&actual) = bytes.first() else {
        return Err(ReportError::Truncated {
            id: 0,
            needed,
            actual: 0,
        });
    };
    if actual != id {
        return Err(ReportError::WrongId {
            expected: id,
            actual,
        });
    }
    if bytes.len() < needed {
        return Err(ReportError::Truncated {
            id,
            needed,
            actual: bytes.len(),
        });
    }
    Ok(())
}

fn be16(bytes: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([bytes[at], bytes[at + 1]])
}

fn bad(id: u8, detail: impl Into<String>) -> ReportError {
    ReportError::BadValue {
        id,
        detail: detail.into(),
    }
}

/// The capability report (0x09).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capability {
    /// Largest x in tablet units.
    pub tablet_max_x: u16,
    /// Largest y in tablet units.
    pub tablet_max_y: u16,
    /// Largest pressure.
    pub tablet_max_pressure: u16,
    /// Screen width in pixels.
    pub screen_width: u16,
    /// Screen height in pixels.
    pub screen_height: u16,
    /// Pen report rate in Hz (0 when the pad does not say).
    pub report_rate: u8,
}

impl Capability {
    /// Parses a 0x09 reply (12 bytes at least: id, five u16, the rate).
    pub fn parse(bytes: &[u8]) -> Result<Self, ReportError> {
        check(bytes, CAPABILITY, 12)?;
        let c = Capability {
            tablet_max_x: be16(bytes, 1),
            tablet_max_y: be16(bytes, 3),
            tablet_max_pressure: be16(bytes, 5),
            screen_width: be16(bytes, 7),
            screen_height: be16(bytes, 9),
            report_rate: bytes[11],
        };
        if c.tablet_max_x == 0 || c.tablet_max_y == 0 {
            return Err(bad(CAPABILITY, "a tablet of zero size"));
        }
        if c.tablet_max_pressure == 0 || c.tablet_max_pressure > 0x0FFF {
            return Err(bad(
                CAPABILITY,
                format!(
                    "maximum pressure {} is outside 1..=4095 (12 bits)",
                    c.tablet_max_pressure
                ),
            ));
        }
        if c.screen_width == 0 || c.screen_height == 0 {
            return Err(bad(CAPABILITY, "a screen of zero size"));
        }
        Ok(c)
    }

    /// Encodes the reply as a pad sends it (`CAPABILITY_LEN` bytes, unknown tail zero).
    pub fn encode(&self) -> Vec<u8> {
        let mut b = vec![0u8; CAPABILITY_LEN];
        b[0] = CAPABILITY;
        for (i, v) in [
            self.tablet_max_x,
            self.tablet_max_y,
            self.tablet_max_pressure,
            self.screen_width,
            self.screen_height,
        ]
        .into_iter()
        .enumerate()
        {
            b[1 + 2 * i..3 + 2 * i].copy_from_slice(&v.to_be_bytes());
        }
        b[11] = self.report_rate;
        b
    }
}

/// The information report (0x08).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Information {
    /// Model name, e.g. "STU-540".
    pub model: String,
    /// Firmware version bytes, shown as "a.b.c.d".
    pub firmware: [u8; 4],
}

impl Information {
    /// Parses a 0x08 reply: id, 7 ASCII bytes of model name (NUL-padded), 4 firmware bytes.
    pub fn parse(bytes: &[u8]) -> Result<Self, ReportError> {
        check(bytes, INFORMATION, 12)?;
        let model = ascii_field(INFORMATION, &bytes[1..8])?;
        if model.is_empty() {
            return Err(bad(INFORMATION, "empty model name"));
        }
        Ok(Information {
            model,
            firmware: [bytes[8], bytes[9], bytes[10], bytes[11]],
        })
    }

    /// The firmware as a version string.
    pub fn firmware_text(&self) -> String {
        let [a, b, c, d] = self.firmware;
        format!("{a}.{b}.{c}.{d}")
    }

    /// Encodes the reply as a pad sends it (`INFORMATION_LEN` bytes).
    pub fn encode(&self) -> Vec<u8> {
        let mut b = vec![0u8; INFORMATION_LEN];
        b[0] = INFORMATION;
        for (dst, src) in b[1..8].iter_mut().zip(self.model.bytes()) {
            *dst = src;
        }
        b[8..12].copy_from_slice(&self.firmware);
        b
    }
}

/// Printable ASCII up to the first NUL; anything else is an error.
fn ascii_field(id: u8, bytes: &[u8]) -> Result<String, ReportError> {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    let text = &bytes[..end];
    if let Some(b) = text.iter().find(|b| !(0x20..0x7f).contains(*b)) {
        return Err(bad(id, format!("byte {b:#04x} in a text field")));
    }
    // Checked printable ASCII above, so this is valid UTF-8.
    Ok(text.iter().map(|&b| char::from(b)).collect())
}

/// Parses a 0x0F serial number reply: id then ASCII up to a NUL.
pub fn parse_serial(bytes: &[u8]) -> Result<String, ReportError> {
    check(bytes, SERIAL, 2)?;
    let serial = ascii_field(SERIAL, &bytes[1..])?;
    if serial.trim().is_empty() {
        return Err(bad(SERIAL, "empty serial number"));
    }
    Ok(serial.trim().to_owned())
}

/// Encodes a 0x0F serial reply.
pub fn encode_serial(serial: &str) -> Vec<u8> {
    let mut b = vec![0u8; SERIAL_LEN];
    b[0] = SERIAL;
    for (dst, src) in b[1..].iter_mut().zip(serial.bytes()) {
        *dst = src;
    }
    b
}

/// One pen report (0x01, or 0x34 with time and sequence).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PenReport {
    /// The pen is in proximity.
    pub ready: bool,
    /// The tip switch (0 up; the pads report 1 when pressed).
    pub switch: u8,
    /// 12-bit pressure.
    pub pressure: u16,
    /// x in tablet units.
    pub x: u16,
    /// y in tablet units.
    pub y: u16,
    /// Report 34 only: time count in ms (wraps at 65536) and sequence number.
    pub timing: Option<(u16, u16)>,
}

impl PenReport {
    /// Parses an input report 0x01 or 0x34.
    pub fn parse(bytes: &[u8]) -> Result<Self, ReportError> {
        let id = bytes.first().copied().unwrap_or(0);
        let needed = match id {
            PEN_DATA => PEN_DATA_LEN,
            PEN_DATA_TIMING => PEN_DATA_TIMING_LEN,
            actual => {
                return Err(ReportError::WrongId {
                    expected: PEN_DATA,
                    actual,
                });
            }
        };
        check(bytes, id, needed)?;
        let flags = bytes[1];
        let pressure = u16::from(flags & 0x0F) << 8 | u16::from(bytes[2]);
        let switch = (flags >> 4) & 0x07;
        let ready = flags & 0x80 != 0;
        if switch != 0 && !ready {
            return Err(bad(id, "tip pressed while the pen is out of proximity"));
        }
        let timing = (id == PEN_DATA_TIMING).then(|| (be16(bytes, 7), be16(bytes, 9)));
        Ok(PenReport {
            ready,
            switch,
            pressure,
            x: be16(bytes, 3),
            y: be16(bytes, 5),
            timing,
        })
    }

    /// Encodes the report (0x34 when `timing` is set, else 0x01).
    pub fn encode(&self) -> Vec<u8> {
        let mut b = Vec::with_capacity(PEN_DATA_TIMING_LEN);
        b.push(if self.timing.is_some() {
            PEN_DATA_TIMING
        } else {
            PEN_DATA
        });
        let flags = (if self.ready { 0x80 } else { 0 })
            | ((self.switch & 0x07) << 4)
            | ((self.pressure >> 8) as u8 & 0x0F);
        b.push(flags);
        b.push(self.pressure as u8);
        b.extend_from_slice(&self.x.to_be_bytes());
        b.extend_from_slice(&self.y.to_be_bytes());
        if let Some((time, seq)) = self.timing {
            b.extend_from_slice(&time.to_be_bytes());
            b.extend_from_slice(&seq.to_be_bytes());
        }
        b
    }
}

/// How an uploaded image is encoded (byte of report 0x25).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageEncoding {
    /// 1 bit per pixel, rows packed MSB first, padded to whole bytes; a set bit is a dark pixel
    /// (monochrome STU-430).
    Mono1 = 0x00,
    /// 24 bits per pixel, blue, green, red (colour STU-530/540).
    Bgr24 = 0x04,
}

impl ImageEncoding {
    /// From the byte of report 0x25.
    pub fn from_byte(b: u8) -> Option<Self> {
        match b {
            0x00 => Some(ImageEncoding::Mono1),
            0x04 => Some(ImageEncoding::Bgr24),
            _ => None,
        }
    }

    /// Bytes of an image of `width` x `height` in this encoding.
    pub fn image_len(self, width: u32, height: u32) -> usize {
        let (w, h) = (width as usize, height as usize);
        match self {
            ImageEncoding::Mono1 => w.div_ceil(8) * h,
            ImageEncoding::Bgr24 => w * h * 3,
        }
    }
}

/// Encodes `rgb` (row-major RGB, `width * height * 3` bytes) as the pad wants it.
pub fn encode_image(encoding: ImageEncoding, width: u32, rgb: &[u8]) -> Vec<u8> {
    match encoding {
        ImageEncoding::Bgr24 => rgb
            .chunks_exact(3)
            .flat_map(|p| [p[2], p[1], p[0]])
            .collect(),
        ImageEncoding::Mono1 => {
            let w = width as usize;
            let row_bytes = w.div_ceil(8);
            let rows = (rgb.len() / 3).checked_div(w).unwrap_or(0);
            let mut out = vec![0u8; row_bytes * rows];
            for (i, p) in rgb.chunks_exact(3).enumerate() {
                // Luma below mid-grey inks the pixel.
                let luma =
                    (299 * u32::from(p[0]) + 587 * u32::from(p[1]) + 114 * u32::from(p[2])) / 1000;
                if luma < 128 {
                    let (row, col) = (i / w, i % w);
                    out[row * row_bytes + col / 8] |= 0x80 >> (col % 8);
                }
            }
            out
        }
    }
}

/// The 0x26 reports carrying `data`: each id, u16 length (LE), up to 253 bytes, zero-padded.
pub fn image_data_reports(data: &[u8]) -> Vec<Vec<u8>> {
    data.chunks(IMAGE_CHUNK)
        .map(|chunk| {
            let mut r = vec![0u8; IMAGE_DATA_REPORT_LEN];
            r[0] = WRITE_IMAGE_DATA;
            // A chunk is at most 253 bytes, so the length fits in u16.
            r[1..3].copy_from_slice(&(chunk.len() as u16).to_le_bytes());
            r[3..3 + chunk.len()].copy_from_slice(chunk);
            r
        })
        .collect()
}

/// Parses a 0x26 report into its data bytes.
pub fn parse_image_data(bytes: &[u8]) -> Result<&[u8], ReportError> {
    check(bytes, WRITE_IMAGE_DATA, 3)?;
    let len = usize::from(u16::from_le_bytes([bytes[1], bytes[2]]));
    if len == 0 || len > IMAGE_CHUNK {
        return Err(bad(
            WRITE_IMAGE_DATA,
            format!("chunk length {len} is outside 1..={IMAGE_CHUNK}"),
        ));
    }
    bytes.get(3..3 + len).ok_or(ReportError::Truncated {
        id: WRITE_IMAGE_DATA,
        needed: 3 + len,
        actual: bytes.len(),
    })
}

/// A rectangle in screen pixels, right and bottom exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScreenRect {
    /// Left edge.
    pub x1: u16,
    /// Top edge.
    pub y1: u16,
    /// Right edge (exclusive).
    pub x2: u16,
    /// Bottom edge (exclusive).
    pub y2: u16,
}

impl ScreenRect {
    /// Whether (`x`, `y`) lies inside.
    pub fn contains(&self, x: u16, y: u16) -> bool {
        (self.x1..self.x2).contains(&x) && (self.y1..self.y2).contains(&y)
    }
}

/// Encodes a 0x2A writing area report.
pub fn encode_writing_area(r: ScreenRect) -> Vec<u8> {
    let mut b = vec![WRITING_AREA];
    for v in [r.x1, r.y1, r.x2, r.y2] {
        b.extend_from_slice(&v.to_le_bytes());
    }
    b
}

/// Parses a 0x2A writing area report.
pub fn parse_writing_area(bytes: &[u8]) -> Result<ScreenRect, ReportError> {
    check(bytes, WRITING_AREA, 9)?;
    let le = |at: usize| u16::from_le_bytes([bytes[at], bytes[at + 1]]);
    let r = ScreenRect {
        x1: le(1),
        y1: le(3),
        x2: le(5),
        y2: le(7),
    };
    if r.x1 >= r.x2 || r.y1 >= r.y2 {
        return Err(bad(WRITING_AREA, format!("empty writing area {r:?}")));
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_capability_reply_round_trips() {
        let c = Capability {
            tablet_max_x: 9600,
            tablet_max_y: 6000,
            tablet_max_pressure: 1023,
            screen_width: 800,
            screen_height: 480,
            report_rate: 200,
        };
        assert_eq!(Capability::parse(&c.encode()), Ok(c));
    }

    #[test]
    fn a_capability_with_a_13_bit_pressure_is_rejected() {
        let mut b = Capability {
            tablet_max_x: 1,
            tablet_max_y: 1,
            tablet_max_pressure: 1,
            screen_width: 1,
            screen_height: 1,
            report_rate: 0,
        }
        .encode();
        b[5..7].copy_from_slice(&0x1000u16.to_be_bytes());
        assert!(matches!(
            Capability::parse(&b),
            Err(ReportError::BadValue { .. })
        ));
    }

    #[test]
    fn a_pen_report_with_time_round_trips() {
        let p = PenReport {
            ready: true,
            switch: 1,
            pressure: 0x3FF,
            x: 4800,
            y: 3000,
            timing: Some((65535, 7)),
        };
        assert_eq!(PenReport::parse(&p.encode()), Ok(p));
    }

    #[test]
    fn a_truncated_pen_report_is_an_error() {
        let mut b = PenReport {
            ready: true,
            switch: 0,
            pressure: 0,
            x: 1,
            y: 2,
            timing: Some((0, 0)),
        }
        .encode();
        b.pop();
        assert!(matches!(
            PenReport::parse(&b),
            Err(ReportError::Truncated { needed: 11, .. })
        ));
        assert!(PenReport::parse(&[]).is_err());
    }

    #[test]
    fn a_model_name_with_control_bytes_is_rejected() {
        let mut b = Information {
            model: "STU-540".into(),
            firmware: [1, 2, 3, 4],
        }
        .encode();
        assert_eq!(
            Information::parse(&b).map(|i| i.firmware_text()),
            Ok("1.2.3.4".into())
        );
        b[3] = 0x07;
        assert!(Information::parse(&b).is_err());
    }

    #[test]
    fn an_image_goes_in_253_byte_chunks_and_comes_back_whole() {
        let data: Vec<u8> = (0..600u32).map(|i| i as u8).collect();
        let reports = image_data_reports(&data);
        assert_eq!(reports.len(), 3);
        let back: Vec<u8> = reports
            .iter()
            .flat_map(|r| parse_image_data(r).expect("valid chunk").to_vec())
            .collect();
        assert_eq!(back, data);
    }

    #[test]
    fn a_monochrome_image_packs_dark_pixels_msb_first() {
        // 10 pixels wide, 1 row: black, white x8, black.
        let mut rgb = vec![255u8; 30];
        rgb[..3].fill(0);
        rgb[27..].fill(0);
        assert_eq!(
            encode_image(ImageEncoding::Mono1, 10, &rgb),
            vec![0x80, 0x40]
        );
    }
}
