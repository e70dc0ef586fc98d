//! ISO/IEC 19794 image records of the 2011 generation, as MOSIP devices and registries exchange
//! them inside CBEFF: finger images (`FIR`, part 4), face images (`FAC`, part 5) and iris images
//! (`IIR`, part 6). The finger minutiae record of the card chip (part 2, 2005) is
//! [`crate::iso19794_2`], re-exported here as [`minutiae`].
//!
//! What the three share, and what this module holds: a general header of format identifier,
//! version, record length (the whole record, big-endian like every integer here) and number of
//! representations; each representation opens with its own length, a capture date and time
//! (9 bytes), the capture device (technology, vendor, type) and quality blocks (score, algorithm
//! vendor, algorithm).
//!
//! Contract: every reader takes exactly one whole record and is strict. Every length is
//! cross-checked against the bytes it covers (record length against the input, representation
//! lengths against the record, image lengths against their representation), every coded field
//! must hold a value its standard defines, nothing may follow the last representation, and each
//! error names the field and the byte offset where it is. Readers never panic. Every writer
//! produces a record its reader accepts, and a parsed record re-encodes to the same bytes.

pub mod face;
pub mod finger_image;
pub mod iris;

pub use crate::iso19794_2 as minutiae;
pub use face::FaceImageRecord;
pub use finger_image::FingerImageRecord;
pub use iris::IrisImageRecord;

use crate::timefmt::Timestamp;

/// Why a record was refused, with the byte offset (from the start of the record) of the field
/// at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("byte {offset}: {fault}")]
pub struct RecordError {
    /// Offset of the offending field in the record.
    pub offset: usize,
    /// What is wrong there.
    pub fault: RecordFault,
}

/// What is wrong with a record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordFault {
    /// The input ends inside a field.
    #[error("the record ends inside the {0}")]
    Truncated(&'static str),
    /// The format identifier or version is not the one this reader reads.
    #[error("format identifier and version are {found:?}, expected {expected:?}")]
    WrongFormat {
        /// What the reader reads, e.g. `FIR\0020\0`.
        expected: &'static str,
        /// The first eight bytes found, lossily as text.
        found: String,
    },
    /// A length field disagrees with the bytes it describes.
    #[error("the {field} is {declared} but {actual} bytes are there for it")]
    Length {
        /// The length field.
        field: &'static str,
        /// Its value.
        declared: u64,
        /// The size it should have had.
        actual: u64,
    },
    /// A coded field holds a value its standard does not define (or reserves).
    #[error("{field} {value:#x} is not a defined code")]
    UnknownCode {
        /// The field.
        field: &'static str,
        /// Its value.
        value: u32,
    },
    /// A field's value is outside its range or inconsistent with another field.
    #[error("{field} {value} is invalid: {why}")]
    Invalid {
        /// The field.
        field: &'static str,
        /// Its value.
        value: u64,
        /// The rule it breaks.
        why: &'static str,
    },
    /// A well-formed feature this implementation does not read.
    #[error("{0} is not supported")]
    Unsupported(&'static str),
    /// Bytes follow the last representation.
    #[error("{0} bytes follow the last representation")]
    TrailingBytes(usize),
}

impl RecordError {
    pub(crate) fn at(offset: usize, fault: RecordFault) -> RecordError {
        RecordError { offset, fault }
    }
}

/// A big-endian cursor over a record that turns a short read into [`RecordFault::Truncated`].
pub(crate) struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(data: &'a [u8]) -> Reader<'a> {
        Reader { data, pos: 0 }
    }

    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    pub(crate) fn bytes(&mut self, n: usize, field: &'static str) -> Result<&'a [u8], RecordError> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.data.len());
        match end {
            Some(end) => {
                let out = &self.data[self.pos..end];
                self.pos = end;
                Ok(out)
            }
            None => Err(RecordError::at(self.pos, RecordFault::Truncated(field))),
        }
    }

    pub(crate) fn u8(&mut self, field: &'static str) -> Result<u8, RecordError> {
        Ok(self.bytes(1, field)?[0])
    }

    pub(crate) fn u16(&mut self, field: &'static str) -> Result<u16, RecordError> {
        let b = self.bytes(2, field)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    pub(crate) fn u32(&mut self, field: &'static str) -> Result<u32, RecordError> {
        let b = self.bytes(4, field)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// Reads one byte that must satisfy `known`, else [`RecordFault::UnknownCode`] at its offset.
    pub(crate) fn code8(
        &mut self,
        field: &'static str,
        known: impl Fn(u8) -> bool,
    ) -> Result<u8, RecordError> {
        let at = self.pos;
        let v = self.u8(field)?;
        if known(v) {
            Ok(v)
        } else {
            Err(RecordError::at(
                at,
                RecordFault::UnknownCode {
                    field,
                    value: u32::from(v),
                },
            ))
        }
    }
}

/// Checks the eight bytes of format identifier and version.
pub(crate) fn expect_magic(
    r: &mut Reader<'_>,
    magic: &'static [u8; 8],
    expected: &'static str,
) -> Result<(), RecordError> {
    let found = r.bytes(8, "format identifier and version")?;
    if found != magic {
        return Err(RecordError::at(
            0,
            RecordFault::WrongFormat {
                expected,
                found: String::from_utf8_lossy(found).into_owned(),
            },
        ));
    }
    Ok(())
}

/// Checks the 4-byte record length against the input; returns it.
pub(crate) fn expect_record_length(r: &mut Reader<'_>, total: usize) -> Result<(), RecordError> {
    let at = r.pos();
    let declared = r.u32("record length")?;
    if u64::from(declared) != total as u64 {
        return Err(RecordError::at(
            at,
            RecordFault::Length {
                field: "record length",
                declared: u64::from(declared),
                actual: total as u64,
            },
        ));
    }
    Ok(())
}

/// When a representation was captured, field by field as the record stores it. A field may be
/// its "not given" value (all ones: 0xFF, or 0xFFFF for year and millisecond).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CaptureDateTime {
    /// Year, e.g. 2026.
    pub year: u16,
    /// Month 1-12.
    pub month: u8,
    /// Day 1-31.
    pub day: u8,
    /// Hour 0-23.
    pub hour: u8,
    /// Minute 0-59.
    pub minute: u8,
    /// Second 0-59.
    pub second: u8,
    /// Millisecond 0-999.
    pub millisecond: u16,
}

impl CaptureDateTime {
    /// Every field "not given".
    pub const UNKNOWN: CaptureDateTime = CaptureDateTime {
        year: 0xFFFF,
        month: 0xFF,
        day: 0xFF,
        hour: 0xFF,
        minute: 0xFF,
        second: 0xFF,
        millisecond: 0xFFFF,
    };

    /// The UTC calendar fields of an instant (the 2011 records carry UTC).
    pub fn from_timestamp(t: Timestamp) -> CaptureDateTime {
        let ms = t.unix_ms();
        let date = t.date();
        let in_day = ms.rem_euclid(86_400_000);
        // Each quotient below is bounded (hour < 24, minute < 60, second < 60, ms < 1000) and
        // every year `Timestamp` can name fits u16 in practice; `try_from` keeps it total anyway.
        CaptureDateTime {
            year: u16::try_from(date.year()).unwrap_or(0xFFFF),
            month: u8::from(date.month()),
            day: date.day(),
            hour: u8::try_from(in_day / 3_600_000).unwrap_or(0xFF),
            minute: u8::try_from(in_day / 60_000 % 60).unwrap_or(0xFF),
            second: u8::try_from(in_day / 1000 % 60).unwrap_or(0xFF),
            millisecond: u16::try_from(in_day % 1000).unwrap_or(0xFFFF),
        }
    }

    pub(crate) fn read(r: &mut Reader<'_>) -> Result<CaptureDateTime, RecordError> {
        let at = r.pos();
        let d = CaptureDateTime {
            year: r.u16("capture year")?,
            month: r.u8("capture month")?,
            day: r.u8("capture day")?,
            hour: r.u8("capture hour")?,
            minute: r.u8("capture minute")?,
            second: r.u8("capture second")?,
            millisecond: r.u16("capture millisecond")?,
        };
        let checks: [(&'static str, usize, u64, bool); 6] = [
            (
                "capture month",
                2,
                d.month.into(),
                (1..=12).contains(&d.month) || d.month == 0xFF,
            ),
            (
                "capture day",
                3,
                d.day.into(),
                (1..=31).contains(&d.day) || d.day == 0xFF,
            ),
            (
                "capture hour",
                4,
                d.hour.into(),
                d.hour <= 23 || d.hour == 0xFF,
            ),
            (
                "capture minute",
                5,
                d.minute.into(),
                d.minute <= 59 || d.minute == 0xFF,
            ),
            (
                "capture second",
                6,
                d.second.into(),
                d.second <= 59 || d.second == 0xFF,
            ),
            (
                "capture millisecond",
                7,
                d.millisecond.into(),
                d.millisecond <= 999 || d.millisecond == 0xFFFF,
            ),
        ];
        for (field, delta, value, ok) in checks {
            if !ok {
                return Err(RecordError::at(
                    at + delta,
                    RecordFault::Invalid {
                        field,
                        value,
                        why: "outside its range and not the all-ones 'not given' value",
                    },
                ));
            }
        }
        Ok(d)
    }

    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.year.to_be_bytes());
        out.extend_from_slice(&[self.month, self.day, self.hour, self.minute, self.second]);
        out.extend_from_slice(&self.millisecond.to_be_bytes());
    }
}

/// The capture device of a representation: technology (a code of the modality's part), and
/// vendor and device type (registered identifiers, 0 = not given).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CaptureDevice {
    /// Technology code, as the modality's part defines it.
    pub technology: u8,
    /// Vendor identifier (IBIA registered), 0 when not given.
    pub vendor: u16,
    /// Vendor's device type, 0 when not given.
    pub device_type: u16,
}

impl CaptureDevice {
    pub(crate) fn read(
        r: &mut Reader<'_>,
        technology_known: impl Fn(u8) -> bool,
    ) -> Result<CaptureDevice, RecordError> {
        Ok(CaptureDevice {
            technology: r.code8("capture device technology", technology_known)?,
            vendor: r.u16("capture device vendor")?,
            device_type: r.u16("capture device type")?,
        })
    }

    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        out.push(self.technology);
        out.extend_from_slice(&self.vendor.to_be_bytes());
        out.extend_from_slice(&self.device_type.to_be_bytes());
    }
}

/// One quality block: a score 0-100 (255: the algorithm failed) and the algorithm's vendor and
/// identifier.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct QualityBlock {
    /// 0-100, or 255 when computing it failed.
    pub score: u8,
    /// Quality algorithm vendor (IBIA registered; 0x000F is NIST, whose NFIQ 2 is algorithm 0x0037).
    pub vendor: u16,
    /// Quality algorithm identifier.
    pub algorithm: u16,
}

/// NIST's registered vendor identifier, the vendor of NFIQ.
pub const VENDOR_NIST: u16 = 0x000F;
/// The algorithm identifier MOSIP devices report for NFIQ 2 (NIST's registration for NFIQ 2.0).
pub const ALGORITHM_NFIQ2: u16 = 0x0037;

pub(crate) fn read_quality_blocks(r: &mut Reader<'_>) -> Result<Vec<QualityBlock>, RecordError> {
    let n = r.u8("number of quality blocks")?;
    let mut blocks = Vec::with_capacity(usize::from(n));
    for _ in 0..n {
        let at = r.pos();
        let score = r.u8("quality score")?;
        if score > 100 && score != 255 {
            return Err(RecordError::at(
                at,
                RecordFault::Invalid {
                    field: "quality score",
                    value: score.into(),
                    why: "a score is 0-100, or 255 when it could not be computed",
                },
            ));
        }
        blocks.push(QualityBlock {
            score,
            vendor: r.u16("quality algorithm vendor")?,
            algorithm: r.u16("quality algorithm")?,
        });
    }
    Ok(blocks)
}

/// Writes the count and blocks; the caller has checked that there are at most 255.
pub(crate) fn write_quality_blocks(blocks: &[QualityBlock], out: &mut Vec<u8>) {
    out.push(blocks.len().min(255) as u8);
    for b in blocks.iter().take(255) {
        out.push(b.score);
        out.extend_from_slice(&b.vendor.to_be_bytes());
        out.extend_from_slice(&b.algorithm.to_be_bytes());
    }
}

pub(crate) fn put_u16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_be_bytes());
}

pub(crate) fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_be_bytes());
}

/// Writes `len` big-endian at `at` (a placeholder written earlier). Lengths past 4 GiB cannot be
/// expressed; the record builders refuse such images before writing.
pub(crate) fn patch_u32(out: &mut [u8], at: usize, len: usize) {
    let v = u32::try_from(len).unwrap_or(u32::MAX);
    out[at..at + 4].copy_from_slice(&v.to_be_bytes());
}

/// Reads a 4-byte length followed by that many bytes, which must end exactly at `end`.
pub(crate) fn read_image(
    r: &mut Reader<'_>,
    end: usize,
    then_at_least: usize,
) -> Result<Vec<u8>, RecordError> {
    let at = r.pos();
    let len = r.u32("image data length")?;
    let room = end.saturating_sub(r.pos()).saturating_sub(then_at_least);
    if u64::from(len) > room as u64 {
        return Err(RecordError::at(
            at,
            RecordFault::Length {
                field: "image data length",
                declared: u64::from(len),
                actual: room as u64,
            },
        ));
    }
    Ok(r.bytes(len as usize, "image data")?.to_vec())
}

/// Reads a representation length at the cursor and checks that it fits the record; returns the
/// offset where the representation ends.
pub(crate) fn representation_end(
    r: &mut Reader<'_>,
    total: usize,
    minimum: usize,
) -> Result<usize, RecordError> {
    let start = r.pos();
    let len = r.u32("representation length")?;
    let room = total - start;
    if (len as usize) < minimum || u64::from(len) > room as u64 {
        return Err(RecordError::at(
            start,
            RecordFault::Length {
                field: "representation length",
                declared: u64::from(len),
                actual: room as u64,
            },
        ));
    }
    Ok(start + len as usize)
}

/// Fails when the representation's declared end and where its fields ended disagree.
pub(crate) fn expect_representation_end(
    r: &Reader<'_>,
    start: usize,
    end: usize,
) -> Result<(), RecordError> {
    if r.pos() != end {
        return Err(RecordError::at(
            start,
            RecordFault::Length {
                field: "representation length",
                declared: (end - start) as u64,
                actual: (r.pos() - start) as u64,
            },
        ));
    }
    Ok(())
}

/// Why a record cannot be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    /// A count or length does not fit its field.
    #[error("{field} is {value}, more than its field holds ({max})")]
    TooLarge {
        /// The field.
        field: &'static str,
        /// The value.
        value: u64,
        /// The largest it may be.
        max: u64,
    },
    /// The record has no representation.
    #[error("a record needs at least one representation")]
    Empty,
    /// A field holds a code or value the reader would refuse (the written record is checked
    /// by reading it back, so a writer never emits what its reader rejects).
    #[error("the record would not read back: {0}")]
    Invalid(#[from] RecordError),
}

pub(crate) fn fits(field: &'static str, value: usize, max: u64) -> Result<(), EncodeError> {
    if value as u64 > max {
        return Err(EncodeError::TooLarge {
            field,
            value: value as u64,
            max,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capture_time_takes_utc_fields_of_the_instant() {
        let t: Timestamp = "2026-11-23T09:37:05.123Z".parse().expect("timestamp");
        let d = CaptureDateTime::from_timestamp(t);
        assert_eq!(
            d,
            CaptureDateTime {
                year: 2026,
                month: 11,
                day: 23,
                hour: 9,
                minute: 37,
                second: 5,
                millisecond: 123
            }
        );
    }
}
