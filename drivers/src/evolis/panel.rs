//! Panel bitmaps as the printer takes them: which panel, how many levels, how pixels are packed,
//! and the run-length form of `Dbc` for the monochrome panels.
//!
//! Contract: a panel is always [`PANEL_WIDTH`] pixels per row and [`PANEL_HEIGHT`] rows (the card
//! as fed, short edge first), whatever the level count; packing and unpacking are exact inverses
//! and unpacking rejects any length other than the one the level count gives.
//!
//! Where the guide is inconsistent (A5013 Rev. E, section 8 D, `Db`): it says every download is
//! 648 x 1016 pixels, then gives byte counts (84,624 / 423,120 / 507,744 / 592,368) computed from
//! 676,992 pixels, which is not 648 x 1016 (658,368). We trust 648 x 1016: a 2-level panel is
//! 81-byte rows, 82,296 bytes; 32 levels 411,480; 64 levels 493,776; 128 levels 576,072. Its
//! example `Db;y;6;...` names a level count (6) the same page does not allow.

use std::fmt;

/// Pixels per panel row: the card's short edge at 300 dpi.
pub const PANEL_WIDTH: usize = 648;
/// Rows per panel: the card's long edge at 300 dpi.
pub const PANEL_HEIGHT: usize = 1016;
/// Pixels in one panel.
pub const PANEL_PIXELS: usize = PANEL_WIDTH * PANEL_HEIGHT;
/// Bytes of one 2-level row.
pub const MONO_ROW_BYTES: usize = PANEL_WIDTH / 8;

/// One ribbon panel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Panel {
    /// Yellow dye.
    Yellow,
    /// Magenta dye.
    Magenta,
    /// Cyan dye.
    Cyan,
    /// Black resin.
    Black,
    /// Clear overlay (varnish).
    Overlay,
}

impl Panel {
    /// Every panel, in the order a YMCKO ribbon prints them.
    pub const ALL: [Panel; 5] = [
        Panel::Yellow,
        Panel::Magenta,
        Panel::Cyan,
        Panel::Black,
        Panel::Overlay,
    ];

    /// The letter commands use (`y`, `m`, `c`, `k`, `o`).
    pub fn letter(self) -> &'static str {
        match self {
            Panel::Yellow => "y",
            Panel::Magenta => "m",
            Panel::Cyan => "c",
            Panel::Black => "k",
            Panel::Overlay => "o",
        }
    }

    /// The panel a command letter names.
    pub fn from_letter(letter: &str) -> Option<Self> {
        Panel::ALL.into_iter().find(|p| p.letter() == letter)
    }

    /// Whether the panel is a dye panel (levels 32, 64 or 128) rather than a 2-level one.
    pub fn is_colour(self) -> bool {
        matches!(self, Panel::Yellow | Panel::Magenta | Panel::Cyan)
    }

    /// Whether `levels` is allowed for this panel (guide, `Db` and `Dbc`: 2 for K and O, 32, 64
    /// or 128 for Y, M and C).
    pub fn accepts(self, levels: Levels) -> bool {
        self.is_colour() != (levels == Levels::Two)
    }
}

impl fmt::Display for Panel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.letter())
    }
}

/// Levels per pixel of a download.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Levels {
    /// 1 bit per pixel (K, O).
    Two,
    /// 5 bits per pixel.
    L32,
    /// 6 bits per pixel.
    L64,
    /// 7 bits per pixel.
    L128,
}

impl Levels {
    /// The number commands carry.
    pub fn count(self) -> u32 {
        match self {
            Levels::Two => 2,
            Levels::L32 => 32,
            Levels::L64 => 64,
            Levels::L128 => 128,
        }
    }

    /// The level count a command parameter names.
    pub fn from_count(count: u32) -> Option<Self> {
        match count {
            2 => Some(Levels::Two),
            32 => Some(Levels::L32),
            64 => Some(Levels::L64),
            128 => Some(Levels::L128),
            _ => None,
        }
    }

    /// Bits per packed pixel.
    pub fn bits(self) -> u32 {
        match self {
            Levels::Two => 1,
            Levels::L32 => 5,
            Levels::L64 => 6,
            Levels::L128 => 7,
        }
    }

    /// Highest level value.
    pub fn max(self) -> u8 {
        // count() is at most 128, so count - 1 fits.
        (self.count() - 1) as u8
    }

    /// Bytes of a whole packed panel (every level count gives whole bytes per 648-pixel row).
    pub fn panel_bytes(self) -> usize {
        PANEL_PIXELS * self.bits() as usize / 8
    }

    /// Bytes of one packed row.
    pub fn row_bytes(self) -> usize {
        PANEL_WIDTH * self.bits() as usize / 8
    }

    /// The level nearest to an 8-bit ink amount (0 none, 255 full).
    pub fn quantize(self, amount: u8) -> u8 {
        let max = u32::from(self.max());
        // Rounded; at most max, so it fits in u8.
        ((u32::from(amount) * max + 127) / 255) as u8
    }

    /// The 8-bit ink amount of a level (clamped to the top level).
    pub fn expand(self, level: u8) -> u8 {
        let max = u32::from(self.max());
        let level = u32::from(level).min(max);
        ((level * 255 + max / 2) / max) as u8
    }
}

impl fmt::Display for Levels {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.count())
    }
}

/// Why panel data could not be unpacked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PanelError {
    /// The data is not the size the level count gives.
    #[error("a {levels}-level panel is {expected} bytes, got {actual}")]
    WrongLength {
        /// Level count.
        levels: u32,
        /// Bytes a panel needs.
        expected: usize,
        /// Bytes given.
        actual: usize,
    },
    /// A run-length line is malformed.
    #[error("compressed data, line {line}: {detail}")]
    BadCompression {
        /// Panel row (0-based).
        line: usize,
        /// What is wrong.
        detail: String,
    },
}

/// Packs `levels.bits()`-bit values (row-major, [`PANEL_PIXELS`] of them) most significant bit
/// first, without padding. Values above the top level are clamped.
pub fn pack(values: &[u8], levels: Levels) -> Vec<u8> {
    let bits = levels.bits();
    let max = levels.max();
    let mut out = Vec::with_capacity(values.len() * bits as usize / 8 + 1);
    let mut acc: u32 = 0;
    let mut filled: u32 = 0;
    for &v in values {
        acc = (acc << bits) | u32::from(v.min(max));
        filled += bits;
        while filled >= 8 {
            filled -= 8;
            out.push((acc >> filled) as u8);
        }
        acc &= (1 << filled) - 1;
    }
    if filled > 0 {
        out.push((acc << (8 - filled)) as u8);
    }
    out
}

/// Unpacks a whole panel into one level value per pixel, row-major.
pub fn unpack(data: &[u8], levels: Levels) -> Result<Vec<u8>, PanelError> {
    if data.len() != levels.panel_bytes() {
        return Err(PanelError::WrongLength {
            levels: levels.count(),
            expected: levels.panel_bytes(),
            actual: data.len(),
        });
    }
    let bits = levels.bits();
    let mask = (1u32 << bits) - 1;
    let mut out = Vec::with_capacity(PANEL_PIXELS);
    let mut acc: u32 = 0;
    let mut filled: u32 = 0;
    for &byte in data {
        acc = (acc << 8) | u32::from(byte);
        filled += 8;
        while filled >= bits {
            filled -= bits;
            out.push(((acc >> filled) & mask) as u8);
        }
        acc &= (1 << filled) - 1;
    }
    Ok(out)
}

/// Run-length encodes a 2-level panel (packed, [`MONO_ROW_BYTES`] per row) as `Dbc` takes it
/// (guide section 4, "Compression of K and O"): a white row is `0x00`, a black row `0xFF`, any
/// other row its count of bytes up to the last non-zero one (1 to 81) followed by those bytes.
pub fn compress_mono(packed: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(packed.len() / 4);
    for row in packed.chunks(MONO_ROW_BYTES) {
        if row.iter().all(|&b| b == 0) {
            out.push(0x00);
        } else if row.iter().all(|&b| b == 0xFF) {
            out.push(0xFF);
        } else {
            let used = row.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
            out.push(used as u8);
            out.extend_from_slice(&row[..used]);
        }
    }
    out
}

/// Decodes `Dbc` run-length data of a 2-level panel whose first row is `first_line`; rows before
/// it and after the data are white. Returns the packed panel.
pub fn decompress_mono(data: &[u8], first_line: usize) -> Result<Vec<u8>, PanelError> {
    let mut panel = vec![0u8; Levels::Two.panel_bytes()];
    let mut line = first_line;
    let mut i = 0;
    while i < data.len() {
        if line >= PANEL_HEIGHT {
            return Err(PanelError::BadCompression {
                line,
                detail: format!("data goes past the last row ({} rows)", PANEL_HEIGHT),
            });
        }
        let row = &mut panel[line * MONO_ROW_BYTES..(line + 1) * MONO_ROW_BYTES];
        let code = data[i];
        i += 1;
        match code {
            0x00 => {}
            0xFF => row.fill(0xFF),
            n if usize::from(n) <= MONO_ROW_BYTES => {
                let n = usize::from(n);
                let bytes = data
                    .get(i..i + n)
                    .ok_or_else(|| PanelError::BadCompression {
                        line,
                        detail: format!("{n} bytes announced, {} left", data.len() - i),
                    })?;
                row[..n].copy_from_slice(bytes);
                i += n;
            }
            n => {
                return Err(PanelError::BadCompression {
                    line,
                    detail: format!("line code {n} is neither 0, 255 nor 1 to {MONO_ROW_BYTES}"),
                });
            }
        }
        line += 1;
    }
    Ok(panel)
}

/// Index into a panel of the card pixel (`x`, `y`) of a landscape 1016 x 648 card image. The
/// panel is the card turned a quarter clockwise, as evolis-driver.pl feeds its bitmaps through
/// `pnmflip -rotate270`: panel row `x`, column `647 - y`.
pub fn panel_index(x: usize, y: usize) -> usize {
    x * PANEL_WIDTH + (PANEL_WIDTH - 1 - y)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_two_level_panel_is_81_byte_rows_not_the_guides_count() {
        assert_eq!(Levels::Two.panel_bytes(), 82_296);
        assert_eq!(Levels::Two.row_bytes(), 81);
        assert_eq!(Levels::L32.panel_bytes(), 411_480);
        assert_eq!(Levels::L64.panel_bytes(), 493_776);
        assert_eq!(Levels::L128.panel_bytes(), 576_072);
    }

    #[test]
    fn packing_round_trips_at_every_level_count() {
        for levels in [Levels::Two, Levels::L32, Levels::L64, Levels::L128] {
            let values: Vec<u8> = (0..PANEL_PIXELS)
                .map(|i| (i * 7 % (usize::from(levels.max()) + 1)) as u8)
                .collect();
            let packed = pack(&values, levels);
            assert_eq!(packed.len(), levels.panel_bytes());
            assert_eq!(unpack(&packed, levels).unwrap(), values);
        }
    }

    #[test]
    fn five_bit_values_are_packed_msb_first() {
        let mut values = vec![0u8; PANEL_PIXELS];
        values[0] = 0b10101;
        values[1] = 0b00011;
        let packed = pack(&values, Levels::L32);
        assert_eq!(packed[0], 0b1010_1000);
        assert_eq!(packed[1], 0b1100_0000);
    }

    #[test]
    fn a_short_panel_is_refused() {
        let err = unpack(&[0; 10], Levels::Two).unwrap_err();
        assert!(matches!(
            err,
            PanelError::WrongLength {
                expected: 82_296,
                ..
            }
        ));
    }

    #[test]
    fn run_length_round_trips_white_black_and_partial_rows() {
        let mut packed = vec![0u8; Levels::Two.panel_bytes()];
        packed[81..162].fill(0xFF);
        packed[162 + 3] = 0x81;
        let rle = compress_mono(&packed);
        assert_eq!(&rle[..6], &[0x00, 0xFF, 4, 0, 0, 0]);
        assert_eq!(decompress_mono(&rle, 0).unwrap(), packed);
    }

    #[test]
    fn run_length_past_the_last_row_or_with_a_bad_code_is_refused() {
        assert!(decompress_mono(&[0, 0], PANEL_HEIGHT - 1).is_err());
        assert!(decompress_mono(&[82], 0).is_err());
        assert!(decompress_mono(&[5, 1, 2], 0).is_err());
    }

    #[test]
    fn quantizing_keeps_the_extremes_exact() {
        for levels in [Levels::L32, Levels::L64, Levels::L128] {
            assert_eq!(levels.expand(levels.quantize(0)), 0);
            assert_eq!(levels.expand(levels.quantize(255)), 255);
        }
    }
}
