//! The office's regions from a file: one row per kecamatan or desa, `code,name,parent`.
//!
//! Contract: [`parse`] reads the file as the worklist import does (CSV in UTF-8 or Windows-1252
//! with `,` or `;`, or a workbook); a first row whose code cell is not a code is a header. A
//! six-digit code (dots allowed: `32.04.05`) is a kecamatan, whose optional parent is its
//! four-digit regency; a ten-digit code is a desa, whose parent (defaulting to its first six
//! digits) must be those six digits. Every bad line is reported; any bad line refuses the file.

use std::collections::HashMap;

use super::import::code_digits;
use super::read::{self, Cell, ReadError};
use crate::store::worklist::{Region, RegionKind};

/// Why a regions file was refused.
#[derive(Debug, thiserror::Error)]
pub enum RegionsError {
    /// The file cannot be read.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// Lines are wrong (each named).
    #[error("{}", .0.join("\n"))]
    Lines(Vec<String>),
    /// Nothing in it.
    #[error("the file has no region")]
    Empty,
}

/// The regions in `bytes`.
pub fn parse(bytes: Vec<u8>) -> Result<Vec<Region>, RegionsError> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    for (i, row) in read::read(bytes)?.enumerate() {
        let row = match row {
            Ok(r) => r,
            Err(e) => {
                errors.push(e.to_string());
                continue;
            }
        };
        let cell = |n: usize| row.cells.get(n).map(Cell::text).unwrap_or_default();
        let (code_text, name, parent_text) = (cell(0), cell(1), cell(2));
        let Some(code) = code_digits(&code_text) else {
            if i == 0 {
                continue; // the header
            }
            errors.push(format!(
                "line {}: {code_text:?} is not a region code",
                row.line
            ));
            continue;
        };
        let fail = |why: String| format!("line {}: {code_text}: {why}", row.line);
        if name.is_empty() {
            errors.push(fail("the name is missing".into()));
            continue;
        }
        let parent = if parent_text.is_empty() {
            None
        } else {
            match code_digits(&parent_text) {
                Some(p) => Some(p),
                None => {
                    errors.push(fail(format!("parent {parent_text:?} is not a code")));
                    continue;
                }
            }
        };
        let (kind, parent) = match code.len() {
            6 => match parent {
                Some(p) if p.len() != 4 || !code.starts_with(&p) => {
                    errors.push(fail(format!(
                        "a kecamatan's parent is its regency, the first four digits ({}), not {p}",
                        &code[..4]
                    )));
                    continue;
                }
                p => (RegionKind::Kecamatan, p),
            },
            10 => {
                let own = code[..6].to_string();
                match parent {
                    Some(p) if p != own => {
                        errors.push(fail(format!(
                            "a desa's parent is its kecamatan, the first six digits ({own}), not {p}"
                        )));
                        continue;
                    }
                    _ => (RegionKind::Desa, Some(own)),
                }
            }
            n => {
                errors.push(fail(format!(
                    "a code has 6 digits (kecamatan) or 10 (desa), this one {n}"
                )));
                continue;
            }
        };
        if let Some(first) = seen.insert(code.clone(), row.line) {
            errors.push(fail(format!("the code is also on line {first}")));
            continue;
        }
        out.push(Region {
            code,
            kind,
            name,
            parent,
        });
    }
    if !errors.is_empty() {
        return Err(RegionsError::Lines(errors));
    }
    if out.is_empty() {
        return Err(RegionsError::Empty);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kecamatan_and_desa_are_told_apart_by_their_code_length() {
        let r = parse(b"code,name,parent\n32.04.05,Cibinong,3204\n3204052001,Sukamaju,320405\n3204052002,Cikaret,\n".to_vec())
            .expect("valid");
        assert_eq!(r.len(), 3);
        assert_eq!(r[0].kind, RegionKind::Kecamatan);
        assert_eq!(r[2].kind, RegionKind::Desa);
        assert_eq!(r[2].parent.as_deref(), Some("320405"));
    }

    #[test]
    fn a_desa_under_another_kecamatan_or_an_odd_code_is_refused_with_its_line() {
        let err = parse(b"320405,Cibinong,\n3204052001,Sukamaju,320406\n12345,X,\n".to_vec())
            .expect_err("refused")
            .to_string();
        assert!(err.contains("line 2:"), "{err}");
        assert!(err.contains("line 3:"), "{err}");
    }
}
