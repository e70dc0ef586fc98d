//! Importing a by-name-by-address list: columns found by their headers, every row checked, and
//! the good rows stored in one transaction.
//!
//! Columns (headers matched ignoring case, spaces and punctuation, in Indonesian or English; other
//! columns such as a running number are ignored): `NIK` (optional), `Nama`/`Name`, `Tanggal
//! Lahir`/`Date of birth`, `Jenis Kelamin`/`Sex` (`L`/`P`, `Laki-laki`/`Perempuan`, `M`/`F`),
//! `Alamat`/`Address`, `RT/RW` (or `RT` and `RW`; optional), `Desa`/`Kelurahan`/`Village`,
//! `Kecamatan`/`District`, `Alasan`/`Keterangan`/`Reason` (optional). Kecamatan and desa may be
//! given by code (`32.04.05`, `3204052001`) or by name; either must be a region the office
//! configured. The header is the first row, among the first ten, in which three columns are
//! recognised (a title row above it is skipped).
//!
//! Contract: [`import`] reads the whole file, checks every row, and reports every bad row with
//! its line and each reason (NIK structure, NIK region against the kecamatan, NIK date and sex
//! against the row's, unknown kecamatan or desa, bad date, sex or RT/RW, missing field,
//! duplicate within the file or of a stored entry). Without `skip_bad` a file with any bad row
//! imports nothing; with it the good rows are imported. Either way it is one transaction,
//! audited with the operator, the file's SHA-256 and the counts. It never panics on any input.

use std::collections::HashMap;
use std::fmt;

use rekam_protocol::model::Sex;
use rekam_protocol::nik::{Nik, NikError};
use time::{Date, Month};

use super::names;
use super::read::{self, Cell, Kind, ReadError, Row};
use crate::store::worklist::{ImportCounts, ImportMeta, NewEntry, Region, RegionKind};
use crate::store::{Store, StoreError};

/// A column the import understands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Column {
    /// NIK.
    Nik,
    /// Name.
    Name,
    /// Date of birth.
    DateOfBirth,
    /// Sex.
    Sex,
    /// Street address.
    Address,
    /// `RT/RW` in one column.
    RtRw,
    /// RT alone.
    Rt,
    /// RW alone.
    Rw,
    /// Desa or kelurahan.
    Desa,
    /// Kecamatan.
    Kecamatan,
    /// Reason on the list.
    Reason,
}

const ALL: [Column; 11] = [
    Column::Nik,
    Column::Name,
    Column::DateOfBirth,
    Column::Sex,
    Column::Address,
    Column::RtRw,
    Column::Rt,
    Column::Rw,
    Column::Desa,
    Column::Kecamatan,
    Column::Reason,
];

const REQUIRED: [Column; 6] = [
    Column::Name,
    Column::DateOfBirth,
    Column::Sex,
    Column::Address,
    Column::Desa,
    Column::Kecamatan,
];

impl Column {
    /// The column's name in messages.
    pub fn label(self) -> &'static str {
        match self {
            Column::Nik => "NIK",
            Column::Name => "name (Nama)",
            Column::DateOfBirth => "date of birth (Tanggal Lahir)",
            Column::Sex => "sex (Jenis Kelamin)",
            Column::Address => "address (Alamat)",
            Column::RtRw => "RT/RW",
            Column::Rt => "RT",
            Column::Rw => "RW",
            Column::Desa => "desa/kelurahan",
            Column::Kecamatan => "kecamatan",
            Column::Reason => "reason (Alasan)",
        }
    }

    /// The column a header names, ignoring case, spaces and punctuation.
    pub fn of_header(header: &str) -> Option<Column> {
        let h: String = header
            .chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect();
        Some(match h.as_str() {
            "nik"
            | "noktp"
            | "nomorktp"
            | "nonik"
            | "nomornik"
            | "nomorindukkependudukan"
            | "nationalid"
            | "idnumber" => Column::Nik,
            "nama" | "name" | "namalengkap" | "fullname" | "namapenduduk" => Column::Name,
            "tanggallahir" | "tgllahir" | "tgllhr" | "tanggallhr" | "tgllahirddmmyyyy"
            | "dateofbirth" | "birthdate" | "dob" | "tanggalkelahiran" => Column::DateOfBirth,
            "jeniskelamin" | "jk" | "lp" | "sex" | "gender" | "kelamin" => Column::Sex,
            "alamat" | "address" | "alamatlengkap" | "street" | "jalan" => Column::Address,
            "rtrw" => Column::RtRw,
            "rt" => Column::Rt,
            "rw" => Column::Rw,
            "desa" | "kelurahan" | "desakelurahan" | "kelurahandesa" | "keldesa" | "desakel"
            | "village" | "kodedesa" | "namadesa" => Column::Desa,
            "kecamatan" | "kec" | "district" | "kodekecamatan" | "namakecamatan"
            | "subdistrict" => Column::Kecamatan,
            "alasan" | "keterangan" | "ket" | "reason" | "note" | "alasanmasukdaftar" => {
                Column::Reason
            }
            _ => return None,
        })
    }
}

/// What is wrong with one row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// A required field is blank.
    Missing(Column),
    /// The NIK is not a valid NIK.
    Nik(NikError),
    /// A NIK column cell held a number too large to be exact (the spreadsheet rounded it).
    NikRounded(String),
    /// The NIK's digits 1-6 are another kecamatan than the row's.
    NikRegion {
        /// NIK digits 1-6.
        in_nik: String,
        /// The row's kecamatan code.
        kecamatan: String,
    },
    /// The NIK's date or sex disagree with the row's.
    NikMismatch(NikError),
    /// The date of birth is not a date.
    BadDate(String),
    /// The date of birth is after the import.
    FutureDate(String),
    /// The sex is not one of the known spellings.
    BadSex(String),
    /// RT/RW is not two numbers 1-999.
    BadRtRw(String),
    /// The name has no letter or is too long.
    BadName(String),
    /// No configured kecamatan has this code or name.
    UnknownKecamatan(String),
    /// No configured desa of the row's kecamatan has this code or name.
    UnknownDesa {
        /// As written.
        desa: String,
        /// The kecamatan's code.
        kecamatan: String,
    },
    /// The same resident (NIK, or name + date of birth + desa) appears on an earlier line.
    DuplicateInFile {
        /// The earlier line.
        line: u64,
        /// `NIK` or `name, date of birth and desa`.
        by: &'static str,
    },
    /// The same resident is already a stored entry.
    DuplicateInStore {
        /// The entry.
        entry: i64,
        /// `NIK` or `name, date of birth and desa`.
        by: &'static str,
    },
    /// The CSV record itself could not be read.
    Unreadable(String),
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Missing(c) => write!(f, "{} is missing", c.label()),
            Problem::Nik(e) => write!(f, "bad NIK: {e}"),
            Problem::NikRounded(v) => write!(
                f,
                "bad NIK: the spreadsheet stores it as the number {v}, which has lost digits; format the NIK column as text"
            ),
            Problem::NikRegion { in_nik, kecamatan } => write!(
                f,
                "NIK region mismatch: digits 1-6 ({in_nik}) are not the row's kecamatan {kecamatan}"
            ),
            Problem::NikMismatch(e) => write!(f, "NIK disagrees with the row: {e}"),
            Problem::BadDate(v) => write!(
                f,
                "bad date of birth {v:?}: write DD-MM-YYYY, DD/MM/YYYY, YYYY-MM-DD or \"17 Agustus 2008\""
            ),
            Problem::FutureDate(v) => write!(f, "bad date of birth {v}: it is in the future"),
            Problem::BadSex(v) => write!(f, "bad sex {v:?}: write L or P (or M/F)"),
            Problem::BadRtRw(v) => write!(f, "bad RT/RW {v:?}: write two numbers 1-999 as 003/005"),
            Problem::BadName(v) => write!(
                f,
                "bad name {v:?}: it needs a letter and at most 120 characters"
            ),
            Problem::UnknownKecamatan(v) => write!(
                f,
                "unknown kecamatan {v:?}: not among the office's regions (rekam worklist regions import)"
            ),
            Problem::UnknownDesa { desa, kecamatan } => {
                write!(f, "unknown desa {desa:?} in kecamatan {kecamatan}")
            }
            Problem::DuplicateInFile { line, by } => {
                write!(f, "duplicate: same {by} as line {line}")
            }
            Problem::DuplicateInStore { entry, by } => {
                write!(f, "duplicate: same {by} as stored worklist entry {entry}")
            }
            Problem::Unreadable(r) => write!(f, "unreadable record: {r}"),
        }
    }
}

/// One bad row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowError {
    /// Its line (CSV) or sheet row.
    pub line: u64,
    /// Every problem found, in column order.
    pub problems: Vec<Problem>,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: ", self.line)?;
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

/// What an import did.
#[derive(Clone, Debug)]
pub struct ImportReport {
    /// The file's name.
    pub file_name: String,
    /// SHA-256 of its bytes, hex.
    pub sha256: String,
    /// Read as CSV or as a workbook.
    pub kind: Kind,
    /// CSV text encoding found.
    pub encoding: &'static str,
    /// Data rows (blank rows not counted).
    pub rows: u64,
    /// Rows stored (0 when refused).
    pub imported: u64,
    /// Every bad row.
    pub bad: Vec<RowError>,
    /// The import's id when it was committed.
    pub import_id: Option<i64>,
}

impl ImportReport {
    /// Whether anything was committed (a refused file commits nothing).
    pub fn committed(&self) -> bool {
        self.import_id.is_some()
    }
}

/// Why a file could not be imported at all (before any row is judged).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file cannot be read.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// No header row was found.
    #[error(
        "no header row: none of the first rows names at least three known columns (found {found:?}); the columns are NIK, Nama, Tanggal Lahir, Jenis Kelamin, Alamat, RT/RW, Desa/Kelurahan, Kecamatan, Alasan"
    )]
    NoHeader {
        /// The first non-blank row's cells.
        found: Vec<String>,
    },
    /// Required columns are absent.
    #[error("line {line}: the header has no column for {missing}")]
    MissingColumns {
        /// The header's line.
        line: u64,
        /// The missing columns, comma-separated.
        missing: String,
    },
    /// Two headers name the same column.
    #[error("line {line}: headers {first:?} and {second:?} both name the {column} column")]
    DuplicateColumn {
        /// The header's line.
        line: u64,
        /// The column.
        column: &'static str,
        /// The first header.
        first: String,
        /// The second header.
        second: String,
    },
    /// The office has no regions configured.
    #[error(
        "no kecamatan or desa is configured: import the office's regions first (rekam worklist regions import)"
    )]
    NoRegions,
    /// The file has a header and no data.
    #[error("the file has a header but no data rows")]
    Empty,
    /// The store failed; nothing was imported.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The office's regions, indexed for the checks.
struct Regions {
    kecamatan_by_code: HashMap<String, String>,
    kecamatan_by_name: HashMap<String, String>,
    /// desa code -> (kecamatan code).
    desa_parent: HashMap<String, String>,
    /// (kecamatan code, desa place key) -> desa code.
    desa_by_name: HashMap<(String, String), String>,
}

impl Regions {
    fn new(all: Vec<Region>) -> Regions {
        let mut r = Regions {
            kecamatan_by_code: HashMap::new(),
            kecamatan_by_name: HashMap::new(),
            desa_parent: HashMap::new(),
            desa_by_name: HashMap::new(),
        };
        for reg in all {
            match reg.kind {
                RegionKind::Kecamatan => {
                    r.kecamatan_by_name
                        .insert(names::place_key(&reg.name), reg.code.clone());
                    r.kecamatan_by_code.insert(reg.code, reg.name);
                }
                RegionKind::Desa => {
                    let parent = reg.parent.unwrap_or_default();
                    r.desa_by_name.insert(
                        (parent.clone(), names::place_key(&reg.name)),
                        reg.code.clone(),
                    );
                    r.desa_parent.insert(reg.code, parent);
                }
            }
        }
        r
    }

    fn kecamatan(&self, v: &str) -> Option<String> {
        if let Some(code) = code_digits(v) {
            return self.kecamatan_by_code.contains_key(&code).then_some(code);
        }
        self.kecamatan_by_name.get(&names::place_key(v)).cloned()
    }

    fn desa(&self, v: &str, kecamatan: &str) -> Option<String> {
        if let Some(code) = code_digits(v) {
            return (self.desa_parent.get(&code).map(String::as_str) == Some(kecamatan))
                .then_some(code);
        }
        self.desa_by_name
            .get(&(kecamatan.to_string(), names::place_key(v)))
            .cloned()
    }
}

/// A region code as digits when `v` is written as one (`32.04.05`, `320405`), else `None`.
pub fn code_digits(v: &str) -> Option<String> {
    let v = v.trim();
    if v.is_empty() || !v.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return None;
    }
    Some(v.chars().filter(char::is_ascii_digit).collect())
}

/// Imports `bytes` (the file called `file_name`) into `store` on behalf of `by` at `now_ms`.
pub fn import(
    store: &mut Store,
    file_name: &str,
    bytes: Vec<u8>,
    skip_bad: bool,
    by: &str,
    now_ms: i64,
) -> Result<ImportReport, ImportError> {
    let sha256 = hex::encode(ring::digest::digest(&ring::digest::SHA256, &bytes));
    let regions = Regions::new(store.worklist_regions()?);
    if regions.kecamatan_by_code.is_empty() {
        return Err(ImportError::NoRegions);
    }
    let today = time::OffsetDateTime::from_unix_timestamp(now_ms.div_euclid(1000))
        .map(|t| t.date())
        .unwrap_or(Date::MAX);
    let mut rows = read::read(bytes)?;
    let (kind, encoding) = (rows.kind, rows.encoding);
    let columns = header(&mut rows)?;
    let meta = ImportMeta {
        file_name: file_name.to_string(),
        sha256: sha256.clone(),
        by: by.to_string(),
        now_ms,
        skip_bad,
    };
    let mut bad = Vec::new();
    let mut counts = ImportCounts {
        rows: 0,
        imported: 0,
        bad: 0,
    };
    let import_id = store.import_worklist(&meta, |w| -> Result<ImportCounts, ImportError> {
        let mut seen_nik: HashMap<String, u64> = HashMap::new();
        let mut seen_person: HashMap<(String, String, String), u64> = HashMap::new();
        for row in rows.by_ref() {
            counts.rows += 1;
            let row = match row {
                Ok(r) => r,
                Err(ReadError::Csv { line, reason }) => {
                    bad.push(RowError {
                        line,
                        problems: vec![Problem::Unreadable(reason)],
                    });
                    continue;
                }
                Err(e) => return Err(e.into()),
            };
            let line = row.line;
            let mut problems = Vec::new();
            let Some(entry) = check_row(&row, &columns, &regions, today, &mut problems) else {
                bad.push(RowError { line, problems });
                continue;
            };
            if let Some(nik) = &entry.nik {
                if let Some(first) = seen_nik.get(nik) {
                    problems.push(Problem::DuplicateInFile {
                        line: *first,
                        by: "NIK",
                    });
                } else {
                    seen_nik.insert(nik.clone(), line);
                    if let Some(id) = w.known_nik(nik)? {
                        problems.push(Problem::DuplicateInStore {
                            entry: id,
                            by: "NIK",
                        });
                    }
                }
            }
            let person = (
                entry.name_key.clone(),
                entry.date_of_birth.clone(),
                entry.desa_code.clone(),
            );
            const PERSON: &str = "name, date of birth and desa";
            if let Some(first) = seen_person.get(&person) {
                problems.push(Problem::DuplicateInFile {
                    line: *first,
                    by: PERSON,
                });
            } else {
                if let Some(id) = w.known_person(&person.0, &person.1, &person.2)? {
                    problems.push(Problem::DuplicateInStore {
                        entry: id,
                        by: PERSON,
                    });
                }
                seen_person.insert(person, line);
            }
            if problems.is_empty() {
                w.insert(&entry)?;
                counts.imported += 1;
            } else {
                bad.push(RowError { line, problems });
            }
        }
        counts.bad = bad.len() as u64;
        if counts.rows == 0 {
            return Err(ImportError::Empty);
        }
        Ok(counts)
    })?;
    Ok(ImportReport {
        file_name: file_name.to_string(),
        sha256,
        kind,
        encoding,
        rows: counts.rows,
        imported: if import_id.is_some() {
            counts.imported
        } else {
            0
        },
        bad,
        import_id,
    })
}

/// The column index of each known column, from the header row.
struct Columns(HashMap<Column, usize>);

fn header(rows: &mut read::Rows) -> Result<Columns, ImportError> {
    let mut first_seen: Option<Vec<String>> = None;
    for _ in 0..10 {
        let Some(row) = rows.next() else { break };
        let row = row?;
        let texts: Vec<String> = row.cells.iter().map(Cell::text).collect();
        let mut map: HashMap<Column, usize> = HashMap::new();
        for (i, t) in texts.iter().enumerate() {
            if let Some(c) = Column::of_header(t) {
                if let Some(&j) = map.get(&c) {
                    return Err(ImportError::DuplicateColumn {
                        line: row.line,
                        column: c.label(),
                        first: texts[j].clone(),
                        second: t.clone(),
                    });
                }
                map.insert(c, i);
            }
        }
        if map.len() >= 3 {
            let missing: Vec<&str> = REQUIRED
                .iter()
                .filter(|c| !map.contains_key(c))
                .map(|c| c.label())
                .collect();
            if !missing.is_empty() {
                return Err(ImportError::MissingColumns {
                    line: row.line,
                    missing: missing.join(", "),
                });
            }
            return Ok(Columns(map));
        }
        first_seen.get_or_insert(texts);
    }
    Err(ImportError::NoHeader {
        found: first_seen.unwrap_or_default(),
    })
}

/// Checks one row; `None` with the problems in `problems` when it is bad.
fn check_row(
    row: &Row,
    columns: &Columns,
    regions: &Regions,
    today: Date,
    problems: &mut Vec<Problem>,
) -> Option<NewEntry> {
    let cell = |c: Column| -> &Cell {
        columns
            .0
            .get(&c)
            .and_then(|&i| row.cells.get(i))
            .unwrap_or(&Cell::Empty)
    };
    let text = |c: Column| cell(c).text();
    let required = |c: Column, problems: &mut Vec<Problem>| -> Option<String> {
        let t = text(c);
        if t.is_empty() {
            problems.push(Problem::Missing(c));
            None
        } else {
            Some(t)
        }
    };
    let name = required(Column::Name, problems);
    let name = name.filter(|n| {
        let ok = n.chars().any(char::is_alphabetic) && n.chars().count() <= 120;
        if !ok {
            problems.push(Problem::BadName(n.clone()));
        }
        ok
    });
    let dob = match cell(Column::DateOfBirth) {
        Cell::Empty => {
            problems.push(Problem::Missing(Column::DateOfBirth));
            None
        }
        Cell::Date(y, m, d) => date(*y, *m, *d),
        other => {
            let t = other.text();
            let parsed = parse_date(&t);
            if parsed.is_none() {
                problems.push(Problem::BadDate(t));
            }
            parsed
        }
    };
    let dob = dob.filter(|d| {
        let ok = *d <= today;
        if !ok {
            problems.push(Problem::FutureDate(rekam_protocol::timefmt::format_date(
                *d,
            )));
        }
        ok
    });
    let sex = required(Column::Sex, problems).and_then(|s| {
        let parsed = parse_sex(&s);
        if parsed.is_none() {
            problems.push(Problem::BadSex(s));
        }
        parsed
    });
    let address = required(Column::Address, problems);
    let (rt, rw) = rt_rw(row, columns, problems);
    let kecamatan = required(Column::Kecamatan, problems).and_then(|k| {
        let code = regions.kecamatan(&k);
        if code.is_none() {
            problems.push(Problem::UnknownKecamatan(k));
        }
        code
    });
    let desa = required(Column::Desa, problems);
    let desa = match (&desa, &kecamatan) {
        (Some(d), Some(k)) => {
            let code = regions.desa(d, k);
            if code.is_none() {
                problems.push(Problem::UnknownDesa {
                    desa: d.clone(),
                    kecamatan: k.clone(),
                });
            }
            code
        }
        _ => None,
    };
    let nik = nik(cell(Column::Nik), problems);
    if let (Some(n), Some(k)) = (&nik, &kecamatan) {
        let in_nik = &n.as_str()[..6];
        if in_nik != k {
            problems.push(Problem::NikRegion {
                in_nik: in_nik.to_string(),
                kecamatan: k.clone(),
            });
        }
    }
    if let (Some(n), Some(d), Some(s)) = (&nik, dob, sex)
        && let Err(e) = n.check_against(d, s)
    {
        problems.push(Problem::NikMismatch(e));
    }
    if !problems.is_empty() {
        return None;
    }
    let (name, dob, sex, address, kecamatan, desa) =
        (name?, dob?, sex?, address?, kecamatan?, desa?);
    Some(NewEntry {
        line: row.line,
        nik: nik.map(|n| n.to_string()),
        name_key: names::key(&name),
        name,
        date_of_birth: rekam_protocol::timefmt::format_date(dob),
        sex,
        address,
        rt,
        rw,
        desa_code: desa,
        kecamatan_code: kecamatan,
        reason: text(Column::Reason),
    })
}

fn nik(cell: &Cell, problems: &mut Vec<Problem>) -> Option<Nik> {
    let text = match cell {
        Cell::Empty => return None,
        // f64 holds integers exactly only below 2^53 (about 9.007e15): NIKs of provinces 91-96
        // typed into a number cell have already lost their last digits.
        Cell::Number(n) if n.fract() != 0.0 || *n >= 9_007_199_254_740_992.0 || *n < 0.0 => {
            problems.push(Problem::NikRounded(n.to_string()));
            return None;
        }
        Cell::Number(n) => format!("{}", *n as u64),
        other => other.text().replace([' ', '.', '-'], ""),
    };
    // A leading apostrophe is how spreadsheets are told to keep digits as text.
    let text = text.strip_prefix('\'').unwrap_or(&text);
    match Nik::parse(text) {
        Ok(n) => Some(n),
        Err(e) => {
            problems.push(Problem::Nik(e));
            None
        }
    }
}

fn rt_rw(row: &Row, columns: &Columns, problems: &mut Vec<Problem>) -> (Option<u16>, Option<u16>) {
    let get = |c: Column| {
        columns
            .0
            .get(&c)
            .and_then(|&i| row.cells.get(i))
            .map(Cell::text)
            .unwrap_or_default()
    };
    let one = |t: &str| -> Option<u16> {
        let t = t.trim();
        let n: u16 = t.parse().ok()?;
        (1..=999).contains(&n).then_some(n)
    };
    let combined = get(Column::RtRw);
    if !combined.is_empty() {
        let numbers: Vec<&str> = combined
            .split(|c: char| !c.is_ascii_digit())
            .filter(|s| !s.is_empty())
            .collect();
        let letters_ok = combined
            .chars()
            .filter(|c| c.is_alphabetic())
            .collect::<String>()
            .to_lowercase();
        if numbers.len() == 2
            && (letters_ok.is_empty() || letters_ok == "rtrw")
            && let (Some(rt), Some(rw)) = (one(numbers[0]), one(numbers[1]))
        {
            return (Some(rt), Some(rw));
        }
        problems.push(Problem::BadRtRw(combined));
        return (None, None);
    }
    let (rt, rw) = (get(Column::Rt), get(Column::Rw));
    let mut field = |t: String| -> Option<u16> {
        if t.is_empty() {
            return None;
        }
        let n = one(&t);
        if n.is_none() {
            problems.push(Problem::BadRtRw(t));
        }
        n
    };
    (field(rt), field(rw))
}

fn date(y: i32, m: u8, d: u8) -> Option<Date> {
    Date::from_calendar_date(y, Month::try_from(m).ok()?, d).ok()
}

/// A date of birth as offices write it: `DD-MM-YYYY`, `DD/MM/YYYY`, `DD.MM.YYYY`, `YYYY-MM-DD`,
/// or `DD <month> YYYY` with the month's Indonesian or English name (or its first three letters).
/// Two-digit years are refused: the century is what matters for a date of birth.
pub fn parse_date(s: &str) -> Option<Date> {
    let s = s.trim();
    // A spreadsheet's date-time text ("2008-08-17 00:00:00"): the date part.
    let s = s
        .split_once([' ', 'T'])
        .map_or(s, |(d, rest)| if rest.contains(':') { d } else { s });
    let parts: Vec<&str> = s
        .split(['-', '/', '.', ' '])
        .filter(|p| !p.is_empty())
        .collect();
    let [a, b, c] = parts.as_slice() else {
        return None;
    };
    let num = |p: &str| -> Option<u32> {
        if p.is_empty() || p.len() > 4 || !p.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        p.parse().ok()
    };
    if a.len() == 4 {
        let (y, m, d) = (num(a)?, num(b)?, num(c)?);
        return date(
            i32::try_from(y).ok()?,
            u8::try_from(m).ok()?,
            u8::try_from(d).ok()?,
        );
    }
    if c.len() != 4 {
        return None;
    }
    let (d, y) = (num(a)?, num(c)?);
    let m = num(b).or_else(|| month_name(b))?;
    date(
        i32::try_from(y).ok()?,
        u8::try_from(m).ok()?,
        u8::try_from(d).ok()?,
    )
}

fn month_name(s: &str) -> Option<u32> {
    const MONTHS: [[&str; 2]; 12] = [
        ["januari", "january"],
        ["februari", "february"],
        ["maret", "march"],
        ["april", "april"],
        ["mei", "may"],
        ["juni", "june"],
        ["juli", "july"],
        ["agustus", "august"],
        ["september", "september"],
        ["oktober", "october"],
        ["november", "november"],
        ["desember", "december"],
    ];
    let s = s.to_lowercase();
    if s.chars().count() < 3 {
        return None;
    }
    MONTHS
        .iter()
        .position(|names| {
            names
                .iter()
                .any(|n| *n == s || (s.len() == 3 && n.starts_with(&s)))
        })
        .map(|i| i as u32 + 1)
}

/// Sex as lists write it: `L`/`P` (laki-laki/perempuan), `M`/`F`, `Pria`/`Wanita`, and the
/// English words, any case.
pub fn parse_sex(s: &str) -> Option<Sex> {
    let s: String = s
        .chars()
        .filter(|c| c.is_alphabetic())
        .flat_map(char::to_lowercase)
        .collect();
    match s.as_str() {
        "l" | "lk" | "lakilaki" | "laki" | "m" | "male" | "pria" => Some(Sex::Male),
        "p" | "pr" | "perempuan" | "f" | "female" | "w" | "wanita" => Some(Sex::Female),
        _ => None,
    }
}

/// Every column, in the order the documentation lists them.
pub fn columns() -> [Column; 11] {
    ALL
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_read_in_the_ways_offices_write_them() {
        let want = date(2008, 8, 17);
        for s in [
            "17-08-2008",
            "17/08/2008",
            "17.8.2008",
            "2008-08-17",
            "17 Agustus 2008",
            "17 Aug 2008",
            "2008-08-17 00:00:00",
        ] {
            assert_eq!(parse_date(s), want, "{s}");
        }
    }

    #[test]
    fn ambiguous_or_impossible_dates_are_refused() {
        for s in [
            "17-08-08",
            "31-02-2008",
            "2008-13-01",
            "tujuh belas",
            "",
            "17 Agu",
        ] {
            assert_eq!(parse_date(s), None, "{s}");
        }
    }

    #[test]
    fn sex_is_read_in_indonesian_and_english() {
        assert_eq!(parse_sex("L"), Some(Sex::Male));
        assert_eq!(parse_sex("Laki-laki"), Some(Sex::Male));
        assert_eq!(parse_sex("p"), Some(Sex::Female));
        assert_eq!(parse_sex("Female"), Some(Sex::Female));
        assert_eq!(parse_sex("X"), None);
    }

    #[test]
    fn headers_are_matched_ignoring_case_spacing_and_punctuation() {
        assert_eq!(Column::of_header("Tgl. Lahir"), Some(Column::DateOfBirth));
        assert_eq!(
            Column::of_header("Date of birth"),
            Some(Column::DateOfBirth)
        );
        assert_eq!(Column::of_header("JENIS KELAMIN"), Some(Column::Sex));
        assert_eq!(Column::of_header("L/P"), Some(Column::Sex));
        assert_eq!(Column::of_header("Desa/Kelurahan"), Some(Column::Desa));
        assert_eq!(Column::of_header("RT / RW"), Some(Column::RtRw));
        assert_eq!(Column::of_header("No"), None);
    }

    #[test]
    fn region_codes_may_be_written_with_dots() {
        assert_eq!(code_digits("32.04.05"), Some("320405".into()));
        assert_eq!(code_digits("Sukamaju"), None);
    }
}
