//! Encoding records in the traditional encoding: each tagged record's fields in number order
//! (field 999, the binary image, always last) behind a field 1 holding the record's whole length,
//! itself included; binary records (Types 3-8) as they are.
//!
//! Contract: [`encode_transaction`] writes only what [`Transaction::parse`] reads back to the same
//! records, or refuses with a [`WriteError`] naming the field: a value holding a field separator,
//! a binary record whose length prefix disagrees with its size, a Type-1 content list (1.003)
//! that does not list the records that follow. Field 1 is always computed, never taken from the
//! caller. [`Transaction::encode`] writes a parsed transaction again.

use std::collections::BTreeMap;

use super::read::{Record, Transaction, number};
use super::{FS, GS, RS, US};

/// Why a record or transaction could not be written: the field, its mnemonic and the problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("ANSI/NIST-ITL field {record_type}.{field:03} ({mnemonic}): {problem}")]
pub struct WriteError {
    /// The record type.
    pub record_type: u8,
    /// The field number.
    pub field: u16,
    /// The field's mnemonic in the standard (`FGP`, `HLL`, ...).
    pub mnemonic: &'static str,
    /// What is wrong with the value.
    pub problem: String,
}

pub(crate) fn write_err(
    record_type: u8,
    field: u16,
    mnemonic: &'static str,
    problem: impl Into<String>,
) -> WriteError {
    WriteError {
        record_type,
        field,
        mnemonic,
        problem: problem.into(),
    }
}

/// A record ready to encode, owning its values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OwnedRecord {
    /// A tagged-field record: raw values by field number (subfields and items already joined by
    /// RS and US). Field 1, the length, is never stored here: it is computed when encoding.
    Tagged {
        /// Record type.
        record_type: u8,
        /// Field values by number.
        fields: BTreeMap<u16, Vec<u8>>,
    },
    /// A binary record (Types 3-8), its 4-byte big-endian length prefix included.
    Binary {
        /// Record type.
        record_type: u8,
        /// The whole record.
        bytes: Vec<u8>,
    },
}

impl OwnedRecord {
    /// The record type.
    pub fn record_type(&self) -> u8 {
        match self {
            OwnedRecord::Tagged { record_type, .. } | OwnedRecord::Binary { record_type, .. } => {
                *record_type
            }
        }
    }

    /// A tagged field's value.
    pub fn field(&self, number: u16) -> Option<&[u8]> {
        match self {
            OwnedRecord::Tagged { fields, .. } => fields.get(&number).map(Vec::as_slice),
            OwnedRecord::Binary { .. } => None,
        }
    }

    /// The record's bytes.
    pub fn encode(&self) -> Result<Vec<u8>, WriteError> {
        match self {
            OwnedRecord::Tagged {
                record_type,
                fields,
            } => encode_tagged(*record_type, fields),
            OwnedRecord::Binary { record_type, bytes } => {
                let declared = bytes
                    .get(..4)
                    .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize);
                if bytes.len() < 5 || declared != Some(bytes.len()) {
                    return Err(write_err(
                        *record_type,
                        1,
                        "LEN",
                        format!(
                            "the length prefix {declared:?} disagrees with the record's {} bytes",
                            bytes.len()
                        ),
                    ));
                }
                Ok(bytes.clone())
            }
        }
    }
}

impl From<&Record<'_>> for OwnedRecord {
    /// The record's values, without field 1 (the length, which encoding recomputes).
    fn from(r: &Record<'_>) -> OwnedRecord {
        match r {
            Record::Tagged {
                record_type,
                fields,
            } => OwnedRecord::Tagged {
                record_type: *record_type,
                fields: fields
                    .iter()
                    .filter(|(n, _)| **n != 1)
                    .map(|(n, v)| (*n, v.to_vec()))
                    .collect(),
            },
            Record::Binary { record_type, bytes } => OwnedRecord::Binary {
                record_type: *record_type,
                bytes: bytes.to_vec(),
            },
        }
    }
}

/// The length field's value for a record of `rest` bytes after the `T.001:` and the number: the
/// number counts its own digits, so it is the `n` with `head + digits(n) + rest == n`.
fn record_length(head: usize, rest: usize) -> Option<usize> {
    (1..=20).find_map(|digits| {
        let total = head + digits + rest;
        (total.to_string().len() == digits).then_some(total)
    })
}

fn encode_tagged(t: u8, fields: &BTreeMap<u16, Vec<u8>>) -> Result<Vec<u8>, WriteError> {
    let mut rest = Vec::new();
    // Field 999 runs to the end of the record, so whatever its number it goes last.
    let ordered = fields
        .iter()
        .filter(|(n, _)| **n != 1 && **n != 999)
        .chain(fields.get_key_value(&999));
    for (&n, value) in ordered {
        if n != 999 && value.contains(&GS) {
            return Err(write_err(
                t,
                n,
                "text",
                "holds a GS (0x1D) byte, which would end the field early",
            ));
        }
        rest.push(GS);
        rest.extend_from_slice(format!("{t}.{n:03}:").as_bytes());
        rest.extend_from_slice(value);
    }
    rest.push(FS);
    let head = format!("{t}.001:");
    let len = record_length(head.len(), rest.len())
        .ok_or_else(|| write_err(t, 1, "LEN", "the record is too long to state its length"))?;
    let mut out = Vec::with_capacity(len);
    out.extend_from_slice(head.as_bytes());
    out.extend_from_slice(len.to_string().as_bytes());
    out.extend_from_slice(&rest);
    debug_assert_eq!(out.len(), len);
    Ok(out)
}

/// The record types that 1.003 (CNT) lists after its first subfield, read by the reader's rules:
/// `None` when the count in the first subfield disagrees with the list, or a type is not a number.
fn listed_types(cnt: &[u8]) -> Option<Vec<u8>> {
    let mut subfields = cnt.split(|&b| b == RS);
    let count = subfields
        .next()?
        .split(|&b| b == US)
        .nth(1)
        .and_then(number)?;
    let listed = subfields
        .map(|s| {
            s.split(|&b| b == US)
                .next()
                .and_then(number)
                .and_then(|t| u8::try_from(t).ok())
        })
        .collect::<Option<Vec<u8>>>()?;
    (count == listed.len() as u64).then_some(listed)
}

/// Encodes a whole transaction: the Type-1 record first, then the records its 1.003 lists.
pub fn encode_transaction(records: &[OwnedRecord]) -> Result<Vec<u8>, WriteError> {
    let Some(first @ OwnedRecord::Tagged { record_type: 1, .. }) = records.first() else {
        return Err(write_err(
            1,
            1,
            "LEN",
            "a transaction starts with its Type-1 record",
        ));
    };
    let listed = first
        .field(3)
        .and_then(listed_types)
        .ok_or_else(|| write_err(1, 3, "CNT", "does not count and list the record types"))?;
    let actual: Vec<u8> = records[1..].iter().map(OwnedRecord::record_type).collect();
    if listed != actual {
        return Err(write_err(
            1,
            3,
            "CNT",
            "does not list the types of the records that follow, in order",
        ));
    }
    let mut out = Vec::new();
    for r in records {
        // Types 3-8 are binary and every other type tagged: the reader tells them apart by type.
        let binary_type = (3..=8).contains(&r.record_type());
        if binary_type != matches!(r, OwnedRecord::Binary { .. }) {
            return Err(write_err(
                r.record_type(),
                1,
                "LEN",
                "Types 3-8 are binary records and every other type a tagged record",
            ));
        }
        out.extend(r.encode()?);
    }
    Ok(out)
}

impl Transaction<'_> {
    /// Every record's values (without the length fields), for comparing and writing again.
    pub fn to_owned_records(&self) -> Vec<OwnedRecord> {
        self.records.iter().map(OwnedRecord::from).collect()
    }

    /// Writes the transaction again: the same values, lengths recomputed, fields in number order.
    pub fn encode(&self) -> Result<Vec<u8>, WriteError> {
        encode_transaction(&self.to_owned_records())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tagged(t: u8, fields: &[(u16, &[u8])]) -> OwnedRecord {
        OwnedRecord::Tagged {
            record_type: t,
            fields: fields.iter().map(|(n, v)| (*n, v.to_vec())).collect(),
        }
    }

    #[test]
    fn the_length_field_counts_itself_across_a_change_in_its_digit_count() {
        // Bodies around 100 bytes, where the length needs a third digit.
        for pad in 80..110 {
            let value = vec![b'x'; pad];
            let bytes = tagged(2, &[(2, b"0"), (3, &value)])
                .encode()
                .expect("encodes");
            let text = String::from_utf8(bytes.clone()).expect("ascii");
            let stated: usize = text["2.001:".len()..text.find('\u{1d}').expect("GS")]
                .parse()
                .expect("number");
            assert_eq!(stated, bytes.len(), "body {pad}");
        }
    }

    #[test]
    fn a_written_transaction_reads_back_to_the_same_values() {
        let records = vec![
            tagged(1, &[(2, b"0500"), (3, b"1\x1f2\x1e2\x1f0\x1e14\x1f1")]),
            tagged(2, &[(2, b"0"), (1000, b"late"), (3, b"a\x1fb\x1ec")]),
            tagged(14, &[(2, b"1"), (999, b"\x1c\x1d\x1e\x1f pixels")]),
        ];
        let bytes = encode_transaction(&records).expect("encodes");
        let tx = Transaction::parse(&bytes).expect("reads");
        assert_eq!(tx.to_owned_records(), records);
        assert_eq!(tx.encode().expect("again"), bytes);
    }

    #[test]
    fn a_content_list_that_disagrees_with_the_records_is_refused() {
        let records = vec![
            tagged(1, &[(2, b"0500"), (3, b"1\x1f1\x1e10\x1f1")]),
            tagged(14, &[(2, b"1")]),
        ];
        let e = encode_transaction(&records).unwrap_err();
        assert_eq!((e.record_type, e.field, e.mnemonic), (1, 3, "CNT"));
    }

    #[test]
    fn a_text_value_holding_a_field_separator_is_refused_naming_the_field() {
        let e = tagged(2, &[(2, b"0"), (5, b"a\x1db")])
            .encode()
            .unwrap_err();
        assert_eq!((e.record_type, e.field), (2, 5));
    }

    #[test]
    fn a_binary_record_whose_prefix_disagrees_with_its_size_is_refused() {
        let r = OwnedRecord::Binary {
            record_type: 8,
            bytes: vec![0, 0, 0, 9, 1, 0],
        };
        assert_eq!(r.encode().unwrap_err().mnemonic, "LEN");
    }
}
