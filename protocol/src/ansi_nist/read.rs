//! Reading ANSI/NIST-ITL 1-2011 transactions in the traditional encoding, enough to take finger
//! images (Type-4 and Type-14) with their positions out of a transaction, and to list every record.
//!
//! Contract: [`Transaction::parse`] checks every record length against the data, every tagged
//! record's type against the Type-1 list, and that nothing follows the last record; malformed
//! input is an error naming the record and offset, never a panic. Records borrow the input.

use std::collections::BTreeMap;

use super::{FS, GS, RS, US};

/// Why a transaction could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("ANSI/NIST-ITL record {record} (Type-{record_type}) at byte {offset}: {reason}")]
pub struct AnsiNistError {
    /// Index of the record (0 for the Type-1 record).
    pub record: usize,
    /// Its type, as far as known.
    pub record_type: u8,
    /// Byte offset of the record.
    pub offset: usize,
    /// What is wrong.
    pub reason: String,
}

/// One record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record<'a> {
    /// A tagged-field record.
    Tagged {
        /// Record type.
        record_type: u8,
        /// Fields by number; values are the raw bytes (text, or binary for field 999).
        fields: BTreeMap<u16, &'a [u8]>,
    },
    /// A binary record (Types 3-8).
    Binary {
        /// Record type.
        record_type: u8,
        /// The whole record, length prefix included.
        bytes: &'a [u8],
    },
}

impl<'a> Record<'a> {
    /// The record type.
    pub fn record_type(&self) -> u8 {
        match self {
            Record::Tagged { record_type, .. } | Record::Binary { record_type, .. } => *record_type,
        }
    }

    /// A tagged field's raw value.
    pub fn field(&self, number: u16) -> Option<&'a [u8]> {
        match self {
            Record::Tagged { fields, .. } => fields.get(&number).copied(),
            Record::Binary { .. } => None,
        }
    }

    /// A tagged field as text (Latin-1 decoded, which is exact for the ASCII most fields use).
    pub fn text(&self, number: u16) -> Option<String> {
        self.field(number)
            .map(|v| v.iter().map(|&b| b as char).collect())
    }

    /// A field's subfields, each split into items.
    pub fn items(&self, number: u16) -> Vec<Vec<&'a [u8]>> {
        self.field(number)
            .map(|v| {
                v.split(|&b| b == RS)
                    .map(|s| s.split(|&b| b == US).collect())
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// A parsed transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transaction<'a> {
    /// Every record, the Type-1 record first.
    pub records: Vec<Record<'a>>,
}

/// How a finger image is compressed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Compression {
    /// Uncompressed pixels.
    None,
    /// FBI WSQ.
    Wsq,
    /// Baseline JPEG.
    Jpeg,
    /// JPEG 2000.
    Jpeg2000,
    /// PNG.
    Png,
    /// Anything else, as named in the record.
    Other(String),
}

/// A finger image taken from a Type-4 or Type-14 record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FingerImage<'a> {
    /// Index of its record in the transaction.
    pub record: usize,
    /// 4 or 14.
    pub record_type: u8,
    /// Finger position code (FGP): 0 unknown, 1-10 single fingers, 11/12 plain thumbs, 13/14
    /// four-finger slaps, 15 both thumbs, 19 EJI or tip, 20-50 palms and segments.
    pub position: u8,
    /// Impression type code (0 live plain, 1 live rolled, 2 ink plain, 3 ink rolled, ...).
    pub impression: u8,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Resolution, when stated.
    pub ppi: Option<u32>,
    /// Compression of `data`.
    pub compression: Compression,
    /// The image bytes.
    pub data: &'a [u8],
}

pub(crate) fn number(bytes: &[u8]) -> Option<u64> {
    if bytes.is_empty() || bytes.len() > 18 || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    bytes.iter().try_fold(0u64, |acc, &d| {
        acc.checked_mul(10)?.checked_add(u64::from(d - b'0'))
    })
}

/// Splits `T.FFF:` off the front of a field; returns (type, field number, value start).
fn tag(bytes: &[u8]) -> Option<(u8, u16, usize)> {
    let colon = bytes.iter().take(12).position(|&b| b == b':')?;
    let dot = bytes[..colon].iter().position(|&b| b == b'.')?;
    let t = u8::try_from(number(&bytes[..dot])?).ok()?;
    let f = u16::try_from(number(&bytes[dot + 1..colon])?).ok()?;
    Some((t, f, colon + 1))
}

impl<'a> Transaction<'a> {
    /// Parses a whole transaction.
    pub fn parse(data: &'a [u8]) -> Result<Transaction<'a>, AnsiNistError> {
        let first = parse_tagged(data, 0, 0, Some(1))?;
        let mut at = record_len(&first, data, 0, 0)?;
        let cnt = first.items(3);
        let expected: Vec<u8> = cnt
            .iter()
            .skip(1)
            .map(|sub| {
                sub.first()
                    .and_then(|t| number(t))
                    .and_then(|t| u8::try_from(t).ok())
            })
            .collect::<Option<Vec<u8>>>()
            .ok_or_else(|| err(0, 1, 0, "field 1.003 (CNT) does not list record types"))?;
        let declared = cnt.first().and_then(|s| s.get(1)).and_then(|n| number(n));
        if declared != Some(expected.len() as u64) {
            return Err(err(
                0,
                1,
                0,
                "field 1.003 (CNT) counts a different number of records than it lists",
            ));
        }
        let mut records = vec![first];
        for (i, &t) in expected.iter().enumerate() {
            let index = i + 1;
            let record = match t {
                3..=8 => {
                    let len = data
                        .get(at..at + 4)
                        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize)
                        .ok_or_else(|| err(index, t, at, "truncated before its length"))?;
                    if len < 5 || at + len > data.len() {
                        return Err(err(
                            index,
                            t,
                            at,
                            &format!(
                                "binary length {len} does not fit the remaining {} bytes",
                                data.len() - at
                            ),
                        ));
                    }
                    Record::Binary {
                        record_type: t,
                        bytes: &data[at..at + len],
                    }
                }
                _ => parse_tagged(&data[at..], index, at, Some(t))?,
            };
            at += match &record {
                Record::Binary { bytes, .. } => bytes.len(),
                tagged => record_len(tagged, &data[at..], index, at)?,
            };
            records.push(record);
        }
        if at != data.len() {
            return Err(err(
                records.len(),
                0,
                at,
                &format!("{} bytes follow the last listed record", data.len() - at),
            ));
        }
        Ok(Transaction { records })
    }

    /// Every finger image in Type-4 and Type-14 records, in record order.
    pub fn finger_images(&self) -> Result<Vec<FingerImage<'a>>, AnsiNistError> {
        let native_ppi = self.records[0]
            .text(11)
            .and_then(|s| s.trim().parse::<f64>().ok())
            .filter(|ppmm| *ppmm > 0.0)
            .map(|ppmm| (ppmm * 25.4).round() as u32);
        let mut out = Vec::new();
        for (i, r) in self.records.iter().enumerate() {
            match r {
                Record::Binary {
                    record_type: 4,
                    bytes,
                } => {
                    if bytes.len() < 18 {
                        return Err(err(
                            i,
                            4,
                            0,
                            "Type-4 record is shorter than its 18-byte header",
                        ));
                    }
                    let position = bytes[6..12]
                        .iter()
                        .copied()
                        .find(|&p| p != 255)
                        .unwrap_or(0);
                    out.push(FingerImage {
                        record: i,
                        record_type: 4,
                        position,
                        impression: bytes[5],
                        width: u32::from(u16::from_be_bytes([bytes[13], bytes[14]])),
                        height: u32::from(u16::from_be_bytes([bytes[15], bytes[16]])),
                        ppi: if bytes[12] == 0 {
                            native_ppi.or(Some(500))
                        } else {
                            None
                        },
                        compression: match bytes[17] {
                            0 => Compression::None,
                            1 => Compression::Wsq,
                            other => Compression::Other(format!("GCA {other}")),
                        },
                        data: &bytes[18..],
                    });
                }
                Record::Tagged {
                    record_type: 14, ..
                } => {
                    // Since 1-2011 a finger recorded as amputated or unable to print (14.018 AMP)
                    // may come without an image: it is a finger, but not a finger image.
                    if r.field(999).is_none() && r.field(18).is_some() {
                        continue;
                    }
                    let num = |f: u16| r.text(f).and_then(|s| s.trim().parse::<u32>().ok());
                    let data = r.field(999).ok_or_else(|| {
                        err(i, 14, 0, "Type-14 record has no image data (14.999)")
                    })?;
                    let (width, height) = num(6).zip(num(7)).ok_or_else(|| {
                        err(i, 14, 0, "Type-14 record lacks 14.006/14.007 (image size)")
                    })?;
                    let ppi = match (num(8), num(9)) {
                        (Some(1), Some(p)) => Some(p),
                        (Some(2), Some(ppcm)) => Some((f64::from(ppcm) * 2.54).round() as u32),
                        _ => None,
                    };
                    let cga = r.text(11).unwrap_or_default().trim().to_ascii_uppercase();
                    let compression = match cga.as_str() {
                        "NONE" | "0" => Compression::None,
                        "WSQ20" | "WSQ" | "1" => Compression::Wsq,
                        "JPEGB" | "JPEGL" => Compression::Jpeg,
                        "JP2" | "JP2L" => Compression::Jpeg2000,
                        "PNG" => Compression::Png,
                        _ => Compression::Other(cga),
                    };
                    let first_item = |f: u16| {
                        r.items(f)
                            .first()
                            .and_then(|s| s.first())
                            .and_then(|v| number(v))
                    };
                    out.push(FingerImage {
                        record: i,
                        record_type: 14,
                        position: first_item(13)
                            .and_then(|p| u8::try_from(p).ok())
                            .unwrap_or(0),
                        impression: first_item(3)
                            .and_then(|p| u8::try_from(p).ok())
                            .unwrap_or(0),
                        width,
                        height,
                        ppi,
                        compression,
                        data,
                    });
                }
                _ => {}
            }
        }
        Ok(out)
    }
}

fn err(record: usize, record_type: u8, offset: usize, reason: &str) -> AnsiNistError {
    AnsiNistError {
        record,
        record_type,
        offset,
        reason: reason.to_string(),
    }
}

fn record_len(
    r: &Record<'_>,
    data: &[u8],
    index: usize,
    offset: usize,
) -> Result<usize, AnsiNistError> {
    let len = r.field(1).and_then(number).unwrap_or(0) as usize;
    if len == 0 || len > data.len() {
        return Err(err(index, r.record_type(), offset, "bad record length"));
    }
    Ok(len)
}

/// Parses a tagged record at the start of `data`.
fn parse_tagged<'a>(
    data: &'a [u8],
    index: usize,
    offset: usize,
    expect: Option<u8>,
) -> Result<Record<'a>, AnsiNistError> {
    let t0 = expect.unwrap_or(0);
    let (t, f, start) = tag(data).ok_or_else(|| {
        err(
            index,
            t0,
            offset,
            "does not start with a 'T.001:' length field",
        )
    })?;
    if f != 1 {
        return Err(err(
            index,
            t,
            offset,
            "the first field is not field 1 (record length)",
        ));
    }
    if expect.is_some_and(|e| e != t) {
        return Err(err(
            index,
            t,
            offset,
            &format!("Type-1 lists Type-{t0} here but the record is Type-{t}"),
        ));
    }
    let len_end = data[start..]
        .iter()
        .position(|&b| b == GS || b == FS)
        .map(|p| start + p);
    let len = len_end
        .and_then(|e| number(&data[start..e]))
        .map(|n| n as usize)
        .ok_or_else(|| err(index, t, offset, "field 1 is not a length"))?;
    if len < start + 2 || len > data.len() {
        return Err(err(
            index,
            t,
            offset,
            &format!(
                "length {len} does not fit the {} bytes remaining",
                data.len()
            ),
        ));
    }
    let body = &data[..len];
    if body[len - 1] != FS {
        return Err(err(
            index,
            t,
            offset,
            "the record does not end with FS (0x1C) at its stated length",
        ));
    }
    let body = &body[..len - 1];
    let mut fields = BTreeMap::new();
    let mut at = 0;
    while at < body.len() {
        let (ft, fnum, vstart) = tag(&body[at..]).ok_or_else(|| {
            err(
                index,
                t,
                offset + at,
                "a field does not start with 'T.FFF:'",
            )
        })?;
        if ft != t {
            return Err(err(
                index,
                t,
                offset + at,
                &format!("field {ft}.{fnum:03} inside a Type-{t} record"),
            ));
        }
        let vs = at + vstart;
        // Field 999 is binary image data and runs to the end of the record.
        let ve = if fnum == 999 {
            body.len()
        } else {
            body[vs..]
                .iter()
                .position(|&b| b == GS)
                .map_or(body.len(), |p| vs + p)
        };
        if fields.insert(fnum, &body[vs..ve]).is_some() {
            return Err(err(
                index,
                t,
                offset + at,
                &format!("field {t}.{fnum:03} appears twice"),
            ));
        }
        at = ve + 1;
    }
    Ok(Record::Tagged {
        record_type: t,
        fields,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tagged(t: u8, fields: &[(u16, &[u8])]) -> Vec<u8> {
        let mut body = Vec::new();
        for (f, v) in fields {
            body.extend_from_slice(format!("{t}.{f:03}:").as_bytes());
            body.extend_from_slice(v);
            body.push(GS);
        }
        body.pop();
        // The length field counts itself, so find the fixed point.
        let mut len = body.len() + 10;
        loop {
            let head = format!("{t}.001:{len}");
            let total = head.len() + 1 + body.len() + 1;
            if total == len {
                let mut out = head.into_bytes();
                out.push(GS);
                out.extend_from_slice(&body);
                out.push(FS);
                return out;
            }
            len = total;
        }
    }

    fn sample() -> Vec<u8> {
        let mut t = tagged(
            1,
            &[
                (2, b"0400"),
                (3, b"1\x1f2\x1e2\x1f00\x1e14\x1f01"),
                (11, b"19.69"),
            ],
        );
        t.extend(tagged(2, &[(2, b"00")]));
        t.extend(tagged(
            14,
            &[
                (2, b"01"),
                (3, b"1"),
                (6, b"3"),
                (7, b"2"),
                (8, b"1"),
                (9, b"500"),
                (10, b"500"),
                (11, b"NONE"),
                (13, b"2"),
                (999, b"\x00\x1c\x1d\x01\x02\x03"),
            ],
        ));
        t
    }

    #[test]
    fn a_small_transaction_yields_its_finger_image_even_with_separator_bytes_in_the_pixels() {
        let data = sample();
        let tx = Transaction::parse(&data).expect("parses");
        assert_eq!(tx.records.len(), 3);
        let fingers = tx.finger_images().expect("fingers");
        assert_eq!(fingers.len(), 1);
        let f = &fingers[0];
        assert_eq!(
            (f.position, f.impression, f.width, f.height, f.ppi),
            (2, 1, 3, 2, Some(500))
        );
        assert_eq!(f.compression, Compression::None);
        assert_eq!(f.data, b"\x00\x1c\x1d\x01\x02\x03");
    }

    #[test]
    fn truncation_and_trailing_bytes_are_rejected_at_every_length() {
        let data = sample();
        for len in 0..data.len() {
            assert!(Transaction::parse(&data[..len]).is_err(), "length {len}");
        }
        let mut longer = data.clone();
        longer.push(b'x');
        assert!(
            Transaction::parse(&longer)
                .unwrap_err()
                .reason
                .contains("follow the last listed record")
        );
    }
}
