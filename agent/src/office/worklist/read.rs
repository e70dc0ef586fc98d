//! Reading a list file into rows of cells: CSV (`,` or `;`, UTF-8 with or without BOM, or
//! Windows-1252) and spreadsheets (XLSX, and XLS or ODS as the same reader opens them).
//!
//! Contract: [`read`] never panics on any input. A file that starts like a zip or an OLE
//! compound file is a workbook, its first sheet is read; anything else is CSV. CSV bytes that are
//! valid UTF-8 (after an optional BOM) are UTF-8, otherwise Windows-1252 (every byte decodes).
//! The separator is whichever of `;` and `,` occurs more often outside quotes on the first
//! non-blank line (`,` on a tie). Each row carries its 1-based line (CSV: the line the record
//! starts on) or sheet row number. Rows whose cells are all blank are skipped.

use std::io::Cursor;

use calamine::{Data, Reader};

/// One cell as the file holds it.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    /// Nothing (or only spaces).
    Empty,
    /// Text.
    Text(String),
    /// A number (spreadsheets only).
    Number(f64),
    /// A date cell (spreadsheets only): year, month, day.
    Date(i32, u8, u8),
}

impl Cell {
    /// The cell as text, for headers and messages (numbers without a trailing `.0`).
    pub fn text(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(t) => t.trim().to_string(),
            Cell::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", *n as i64),
            Cell::Number(n) => n.to_string(),
            Cell::Date(y, m, d) => format!("{y:04}-{m:02}-{d:02}"),
        }
    }

    fn is_blank(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(t) => t.trim().is_empty(),
            _ => false,
        }
    }
}

/// One row.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// Line (CSV) or sheet row (workbook), 1-based.
    pub line: u64,
    /// The cells, left to right.
    pub cells: Vec<Cell>,
}

/// Why a file cannot be read at all.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The workbook could not be opened.
    #[error("not a readable workbook (XLSX, XLS or ODS): {0}")]
    Workbook(String),
    /// The workbook has no sheet.
    #[error("the workbook has no sheet")]
    NoSheet,
    /// A CSV record could not be read.
    #[error("line {line}: {reason}")]
    Csv {
        /// Where.
        line: u64,
        /// Why.
        reason: String,
    },
}

/// Whether the file was read as text or as a workbook (for "line" or "row" in messages).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// CSV text.
    Csv,
    /// A spreadsheet.
    Workbook,
}

/// The rows of a file, read lazily for CSV.
pub struct Rows {
    /// What the file was read as.
    pub kind: Kind,
    /// For CSV, the text encoding found (`UTF-8`, `UTF-8 with BOM`, `windows-1252`).
    pub encoding: &'static str,
    inner: Inner,
}

enum Inner {
    Csv(csv::StringRecordsIntoIter<Cursor<Vec<u8>>>),
    Sheet {
        range: calamine::Range<Data>,
        next: usize,
    },
}

impl Iterator for Rows {
    type Item = Result<Row, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let row = match &mut self.inner {
                Inner::Csv(records) => match records.next()? {
                    Err(e) => {
                        let line = e.position().map_or(0, |p| p.line());
                        return Some(Err(ReadError::Csv {
                            line,
                            reason: e.to_string(),
                        }));
                    }
                    Ok(rec) => Row {
                        line: rec.position().map_or(0, |p| p.line()),
                        cells: rec
                            .iter()
                            .map(|f| {
                                if f.trim().is_empty() {
                                    Cell::Empty
                                } else {
                                    Cell::Text(f.to_string())
                                }
                            })
                            .collect(),
                    },
                },
                Inner::Sheet { range, next } => {
                    if *next >= range.height() {
                        return None;
                    }
                    let r = *next;
                    *next += 1;
                    let first_row = range.start().map_or(0, |(row, _)| row as u64);
                    Row {
                        line: first_row + r as u64 + 1,
                        cells: (0..range.width())
                            .map(|c| range.get((r, c)).map_or(Cell::Empty, sheet_cell))
                            .collect(),
                    }
                }
            };
            if row.cells.iter().all(Cell::is_blank) {
                continue;
            }
            return Some(Ok(row));
        }
    }
}

fn sheet_cell(d: &Data) -> Cell {
    match d {
        Data::Empty => Cell::Empty,
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => {
            if s.trim().is_empty() {
                Cell::Empty
            } else {
                Cell::Text(s.clone())
            }
        }
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Float(f) => Cell::Number(*f),
        Data::Bool(b) => Cell::Text(b.to_string()),
        Data::DateTime(dt) if dt.is_datetime() => {
            let (y, m, d, ..) = dt.to_ymd_hms_milli();
            Cell::Date(i32::from(y), m, d)
        }
        Data::DateTime(dt) => Cell::Number(dt.as_f64()),
        Data::Error(e) => Cell::Text(format!("#{e:?}")),
    }
}

/// Reads `bytes` (a whole file).
pub fn read(bytes: Vec<u8>) -> Result<Rows, ReadError> {
    const ZIP: &[u8] = b"PK\x03\x04";
    const OLE: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    if bytes.starts_with(ZIP) || bytes.starts_with(OLE) {
        let mut book = calamine::open_workbook_auto_from_rs(Cursor::new(bytes))
            .map_err(|e| ReadError::Workbook(e.to_string()))?;
        let range = book
            .worksheet_range_at(0)
            .ok_or(ReadError::NoSheet)?
            .map_err(|e| ReadError::Workbook(e.to_string()))?;
        return Ok(Rows {
            kind: Kind::Workbook,
            encoding: "",
            inner: Inner::Sheet { range, next: 0 },
        });
    }
    let (text, encoding) = decode(bytes);
    let separator = separator(&text);
    let records = csv::ReaderBuilder::new()
        .delimiter(separator)
        .has_headers(false)
        .flexible(true)
        .from_reader(Cursor::new(text.into_bytes()))
        .into_records();
    Ok(Rows {
        kind: Kind::Csv,
        encoding,
        inner: Inner::Csv(records),
    })
}

/// The text of a CSV file and the encoding it was in: UTF-8 when the bytes (after a BOM) are
/// valid UTF-8, Windows-1252 otherwise. Offices' spreadsheet programs save "CSV" in the
/// system's ANSI code page, which on Indonesian Windows is 1252.
pub fn decode(bytes: Vec<u8>) -> (String, &'static str) {
    const BOM: &[u8] = b"\xEF\xBB\xBF";
    let bom = bytes.starts_with(BOM);
    let body = if bom { &bytes[BOM.len()..] } else { &bytes[..] };
    if let Ok(s) = std::str::from_utf8(body) {
        let label = if bom { "UTF-8 with BOM" } else { "UTF-8" };
        return (s.to_string(), label);
    }
    let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(&bytes);
    (text.into_owned(), "windows-1252")
}

/// `;` or `,`, whichever occurs more often outside quotes on the first non-blank line.
fn separator(text: &str) -> u8 {
    let line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let (mut semi, mut comma, mut quoted) = (0usize, 0usize, false);
    for c in line.chars() {
        match c {
            '"' => quoted = !quoted,
            ';' if !quoted => semi += 1,
            ',' if !quoted => comma += 1,
            _ => {}
        }
    }
    if semi > comma { b';' } else { b',' }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(bytes: &[u8]) -> Vec<(u64, Vec<String>)> {
        read(bytes.to_vec())
            .expect("readable")
            .map(|r| {
                let r = r.expect("row");
                (r.line, r.cells.iter().map(Cell::text).collect())
            })
            .collect()
    }

    #[test]
    fn semicolons_are_the_separator_when_the_header_has_more_of_them() {
        let rows = texts(b"Nama;Alamat\n\"Budi, S.Pd\";Jl. Mawar, 3\n");
        assert_eq!(rows[1].1, vec!["Budi, S.Pd", "Jl. Mawar, 3"]);
    }

    #[test]
    fn blank_rows_are_skipped_and_lines_are_counted_from_one() {
        let rows = texts(b"a,b\n\n , \n1,2\n");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].0, 4);
    }

    #[test]
    fn invalid_utf8_is_read_as_windows_1252() {
        let (text, enc) = decode(b"Ren\xe9".to_vec());
        assert_eq!((text.as_str(), enc), ("René", "windows-1252"));
        let (text, enc) = decode(b"\xEF\xBB\xBFRen\xc3\xa9".to_vec());
        assert_eq!((text.as_str(), enc), ("René", "UTF-8 with BOM"));
    }

    #[test]
    fn a_damaged_workbook_is_an_error_not_a_panic() {
        let mut bytes = b"PK\x03\x04".to_vec();
        bytes.extend_from_slice(&[0u8; 64]);
        assert!(matches!(read(bytes), Err(ReadError::Workbook(_))));
    }
}
