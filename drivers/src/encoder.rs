//! The card encoder device class: the contact or contactless station of a card printer that
//! writes a card's chip and reads it back, in the embedded-hal style of the other classes.
//!
//! Contract: `write` replaces the whole content of the chip of the card at the encoding station
//! and returns once it is written; `read` returns what that chip holds now (an unwritten chip
//! reads as empty), never changing it. Errors map onto the shared [`ErrorKind`] (no card at the
//! station: `NotReady`; a chip that refuses the write or reads garbled: `HardwareFault`).
//!
//! The e-KTP applet is not public, so rekam writes its own structure, [`ChipData`], encoded as
//! "rekam chip v1" (all integers big-endian):
//!
//! ```text
//! "RKC1"                                   magic, 4 bytes
//! then exactly these records, in order:   tag (1 byte) | length (2 bytes) | value
//!   0x01 card serial      UTF-8
//!   0x02 order id         UTF-8
//!   0x03 NIK              UTF-8, 16 digits
//!   0x04 name             UTF-8
//!   0x05 photo digest     32 bytes, SHA-256 of the order's JPEG photo
//!   0x06 chip finger 1    position (1 byte, 1-10) | ISO/IEC 19794-2 record
//!   0x06 chip finger 2    the same
//! ```
//!
//! and nothing after the last record. Decoding is strict: another tag, order, a short record or
//! trailing bytes are refused, so a chip that reads back decodes to exactly what was written.

use std::fmt;

use crate::error::Error;
use crate::identity::DeviceIdentity;

const MAGIC: &[u8; 4] = b"RKC1";

/// The bytes on a chip, as written and read.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct ChipImage(pub Vec<u8>);

impl fmt::Debug for ChipImage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ChipImage({} bytes)", self.0.len())
    }
}

impl ChipImage {
    /// Whether the chip holds nothing (a blank card).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Decodes the chip as "rekam chip v1".
    pub fn decode(&self) -> Result<ChipData, ChipFormatError> {
        ChipData::decode(&self.0)
    }
}

/// One chip finger: its position and its ISO/IEC 19794-2 minutiae record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChipFingerRecord {
    /// Finger position (ANSI/NIST 1-10).
    pub position: u8,
    /// The ISO/IEC 19794-2 record.
    pub template: Vec<u8>,
}

/// What rekam writes on a card's chip.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChipData {
    /// The blank card's serial.
    pub card_serial: String,
    /// The print order the card was printed for.
    pub order_id: String,
    /// The holder's NIK.
    pub nik: String,
    /// The holder's name.
    pub name: String,
    /// SHA-256 of the photo printed on the card.
    pub photo_sha256: [u8; 32],
    /// The two chip fingers.
    pub fingers: [ChipFingerRecord; 2],
}

/// Why chip bytes are not "rekam chip v1".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChipFormatError {
    /// The chip holds nothing.
    #[error("the chip is empty")]
    Empty,
    /// Another format.
    #[error("the chip does not hold rekam chip v1 data")]
    BadMagic,
    /// A record is missing, out of order or cut short.
    #[error("record {index}: {reason}")]
    BadRecord {
        /// Which record (0-based).
        index: usize,
        /// What is wrong.
        reason: String,
    },
    /// Bytes after the last record.
    #[error("{0} bytes after the last record")]
    Trailing(usize),
    /// A value too long for its length field.
    #[error("{field} is {len} bytes, more than a record holds (65535)")]
    TooLong {
        /// The field.
        field: &'static str,
        /// Its length.
        len: usize,
    },
}

const TAGS: [(u8, &str); 7] = [
    (1, "card serial"),
    (2, "order id"),
    (3, "NIK"),
    (4, "name"),
    (5, "photo digest"),
    (6, "chip finger 1"),
    (6, "chip finger 2"),
];

fn record(
    out: &mut Vec<u8>,
    tag: u8,
    field: &'static str,
    value: &[u8],
) -> Result<(), ChipFormatError> {
    let len = u16::try_from(value.len()).map_err(|_| ChipFormatError::TooLong {
        field,
        len: value.len(),
    })?;
    out.push(tag);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(value);
    Ok(())
}

impl ChipData {
    /// Encodes as "rekam chip v1".
    pub fn encode(&self) -> Result<ChipImage, ChipFormatError> {
        let mut out = MAGIC.to_vec();
        record(&mut out, 1, TAGS[0].1, self.card_serial.as_bytes())?;
        record(&mut out, 2, TAGS[1].1, self.order_id.as_bytes())?;
        record(&mut out, 3, TAGS[2].1, self.nik.as_bytes())?;
        record(&mut out, 4, TAGS[3].1, self.name.as_bytes())?;
        record(&mut out, 5, TAGS[4].1, &self.photo_sha256)?;
        for (i, f) in self.fingers.iter().enumerate() {
            let mut v = vec![f.position];
            v.extend_from_slice(&f.template);
            record(&mut out, 6, TAGS[5 + i].1, &v)?;
        }
        Ok(ChipImage(out))
    }

    /// Decodes "rekam chip v1" strictly.
    pub fn decode(bytes: &[u8]) -> Result<ChipData, ChipFormatError> {
        if bytes.is_empty() {
            return Err(ChipFormatError::Empty);
        }
        let mut rest = bytes.strip_prefix(MAGIC).ok_or(ChipFormatError::BadMagic)?;
        let mut values: Vec<&[u8]> = Vec::with_capacity(TAGS.len());
        for (index, (tag, name)) in TAGS.iter().enumerate() {
            let bad = |reason: String| ChipFormatError::BadRecord { index, reason };
            let [t, hi, lo, tail @ ..] = rest else {
                return Err(bad(format!("{name} is missing")));
            };
            if t != tag {
                return Err(bad(format!(
                    "tag {t:#04x} where {name} ({tag:#04x}) belongs"
                )));
            }
            let len = usize::from(u16::from_be_bytes([*hi, *lo]));
            if tail.len() < len {
                return Err(bad(format!("{name} is cut short")));
            }
            let (value, after) = tail.split_at(len);
            values.push(value);
            rest = after;
        }
        if !rest.is_empty() {
            return Err(ChipFormatError::Trailing(rest.len()));
        }
        let text = |i: usize| {
            String::from_utf8(values[i].to_vec()).map_err(|_| ChipFormatError::BadRecord {
                index: i,
                reason: format!("{} is not UTF-8", TAGS[i].1),
            })
        };
        let photo_sha256: [u8; 32] =
            values[4]
                .try_into()
                .map_err(|_| ChipFormatError::BadRecord {
                    index: 4,
                    reason: "the photo digest is not 32 bytes".into(),
                })?;
        let finger = |i: usize| match values[i] {
            [position @ 1..=10, template @ ..] => Ok(ChipFingerRecord {
                position: *position,
                template: template.to_vec(),
            }),
            _ => Err(ChipFormatError::BadRecord {
                index: i,
                reason: format!("{} has no finger position 1-10", TAGS[i].1),
            }),
        };
        Ok(ChipData {
            card_serial: text(0)?,
            order_id: text(1)?,
            nik: text(2)?,
            name: text(3)?,
            photo_sha256,
            fingers: [finger(5)?, finger(6)?],
        })
    }
}

/// A card encoder.
pub trait CardEncoder {
    /// The driver's error.
    type Error: Error;

    /// Who the encoder is.
    fn identity(&self) -> &DeviceIdentity;

    /// The most bytes a chip holds.
    fn capacity(&self) -> usize;

    /// Writes `chip` to the card at the station, replacing what it held.
    fn write(&mut self, chip: &ChipImage) -> Result<(), Self::Error>;

    /// Reads the chip of the card at the station.
    fn read(&mut self) -> Result<ChipImage, Self::Error>;
}

impl<E: CardEncoder + ?Sized> CardEncoder for Box<E> {
    type Error = E::Error;

    fn identity(&self) -> &DeviceIdentity {
        (**self).identity()
    }

    fn capacity(&self) -> usize {
        (**self).capacity()
    }

    fn write(&mut self, chip: &ChipImage) -> Result<(), Self::Error> {
        (**self).write(chip)
    }

    fn read(&mut self) -> Result<ChipImage, Self::Error> {
        (**self).read()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data() -> ChipData {
        ChipData {
            card_serial: "KTP-2026A-000001".into(),
            order_id: "PO-1".into(),
            nik: "3273015708900001".into(),
            name: "SITI AMINAH".into(),
            photo_sha256: [9; 32],
            fingers: [
                ChipFingerRecord {
                    position: 2,
                    template: vec![1, 2, 3],
                },
                ChipFingerRecord {
                    position: 7,
                    template: vec![4, 5],
                },
            ],
        }
    }

    #[test]
    fn a_chip_decodes_to_exactly_what_was_encoded() {
        let chip = data().encode().expect("encode");
        assert_eq!(&chip.0[..4], b"RKC1");
        assert_eq!(chip.decode(), Ok(data()));
    }

    #[test]
    fn empty_foreign_short_and_trailing_bytes_are_refused() {
        let chip = data().encode().expect("encode").0;
        assert_eq!(ChipData::decode(&[]), Err(ChipFormatError::Empty));
        assert_eq!(ChipData::decode(b"XXXX"), Err(ChipFormatError::BadMagic));
        assert!(matches!(
            ChipData::decode(&chip[..chip.len() - 1]),
            Err(ChipFormatError::BadRecord { index: 6, .. })
        ));
        let mut long = chip.clone();
        long.push(0);
        assert_eq!(ChipData::decode(&long), Err(ChipFormatError::Trailing(1)));
        let mut swapped = chip;
        swapped[4] = 2;
        assert!(matches!(
            ChipData::decode(&swapped),
            Err(ChipFormatError::BadRecord { index: 0, .. })
        ));
    }

    #[test]
    fn every_prefix_of_a_chip_is_refused_without_panicking() {
        let chip = data().encode().expect("encode").0;
        for n in 0..chip.len() {
            assert!(ChipData::decode(&chip[..n]).is_err(), "prefix of {n} bytes");
        }
    }
}
