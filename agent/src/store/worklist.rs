//! Worklists in the store (schema version 6): the office's regions (kecamatan and desa codes and
//! names), the by-name-by-address lists it imported, and what became of each entry.
//!
//! Contract: every method is one transaction and times come in as arguments. An import is one
//! transaction ([`Store::import_worklist`]): the caller validates and inserts row by row through a
//! [`WorklistWriter`], and either everything it inserted is committed with the import's record
//! and audit entry, or nothing is (a refused import leaves only its audit entry). An entry is
//! `open` until it is `matched` to an enrollment finalized here (automatically by NIK, or by an
//! operator confirming a name + date of birth + desa candidate with [`Store::confirm_match`]) or
//! `closed` by an operator with an [`Outcome`]; both are final and audited with the operator as
//! actor. A NIK appears on at most one entry, and so does a (name key, date of birth, desa).

use rusqlite::{OptionalExtension, Transaction, params};
use serde::Serialize;
use serde_json::json;

use rekam_protocol::model::{Applicant, Sex};

use super::audit::{self, AuditEntry};
use super::{Store, StoreError};
use crate::office::worklist::names;

/// The tables of version 6 (also part of a new database).
pub(super) const SCHEMA_6: &str = "
CREATE TABLE IF NOT EXISTS worklist_regions (
    code TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('kecamatan', 'desa')),
    name TEXT NOT NULL,
    parent TEXT,
    updated_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS worklist_imports (
    id INTEGER PRIMARY KEY,
    file_name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    rows INTEGER NOT NULL,
    imported INTEGER NOT NULL,
    skipped INTEGER NOT NULL,
    imported_by TEXT NOT NULL,
    imported_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS worklist_entries (
    id INTEGER PRIMARY KEY,
    import_id INTEGER NOT NULL REFERENCES worklist_imports(id),
    line INTEGER NOT NULL,
    nik TEXT,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    date_of_birth TEXT NOT NULL,
    sex TEXT NOT NULL CHECK (sex IN ('male', 'female')),
    address TEXT NOT NULL,
    rt INTEGER,
    rw INTEGER,
    desa_code TEXT NOT NULL REFERENCES worklist_regions(code),
    kecamatan_code TEXT NOT NULL REFERENCES worklist_regions(code),
    reason TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'matched', 'closed')),
    outcome TEXT,
    note TEXT,
    enrollment_id TEXT,
    decided_by TEXT,
    decided_ms INTEGER
);
CREATE UNIQUE INDEX IF NOT EXISTS worklist_entries_nik ON worklist_entries(nik) WHERE nik IS NOT NULL;
CREATE UNIQUE INDEX IF NOT EXISTS worklist_entries_person ON worklist_entries(name_key, date_of_birth, desa_code);
CREATE INDEX IF NOT EXISTS worklist_entries_place ON worklist_entries(kecamatan_code, desa_code, status);
CREATE TABLE IF NOT EXISTS worklist_candidates (
    entry_id INTEGER NOT NULL REFERENCES worklist_entries(id),
    enrollment_id TEXT NOT NULL,
    nik TEXT NOT NULL,
    found_ms INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'confirmed', 'rejected')),
    decided_by TEXT,
    decided_ms INTEGER,
    PRIMARY KEY (entry_id, enrollment_id)
);
";

/// Whether a region is a kecamatan (district) or a desa/kelurahan (village).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RegionKind {
    /// Six-digit Kemendagri code (province, regency, district).
    Kecamatan,
    /// Ten-digit code: the kecamatan's six and four more.
    Desa,
}

impl RegionKind {
    fn as_str(self) -> &'static str {
        match self {
            RegionKind::Kecamatan => "kecamatan",
            RegionKind::Desa => "desa",
        }
    }
}

/// One kecamatan or desa the office works in. Codes are digits only (`320405`, `3204052001`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Region {
    /// The code, digits only.
    pub code: String,
    /// Kecamatan or desa.
    pub kind: RegionKind,
    /// The name as the office writes it.
    pub name: String,
    /// A desa's kecamatan code; a kecamatan's regency code (four digits) when given.
    pub parent: Option<String>,
}

/// Where an entry stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryStatus {
    /// Still to be recorded.
    Open,
    /// Recorded on this workstation (linked to the enrollment).
    Matched,
    /// Closed by an operator with an outcome.
    Closed,
}

impl EntryStatus {
    /// The status as stored and typed on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            EntryStatus::Open => "open",
            EntryStatus::Matched => "matched",
            EntryStatus::Closed => "closed",
        }
    }

    /// The status named `s`.
    pub fn parse(s: &str) -> Option<EntryStatus> {
        match s {
            "open" => Some(EntryStatus::Open),
            "matched" => Some(EntryStatus::Matched),
            "closed" => Some(EntryStatus::Closed),
            _ => None,
        }
    }
}

/// What became of an entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Recorded on this workstation (set by matching, never by closing).
    RecordedHere,
    /// Recorded at another office or unit.
    RecordedElsewhere,
    /// Died (a death not yet registered: a data correction for the office).
    Deceased,
    /// Moved away without reporting it.
    MovedAway,
    /// Not found at the address.
    NotFound,
    /// Refused to record.
    Refused,
}

impl Outcome {
    /// Every outcome an operator may close an entry with.
    pub const CLOSING: [Outcome; 5] = [
        Outcome::RecordedElsewhere,
        Outcome::Deceased,
        Outcome::MovedAway,
        Outcome::NotFound,
        Outcome::Refused,
    ];

    /// The outcome as stored and typed on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::RecordedHere => "recorded-here",
            Outcome::RecordedElsewhere => "recorded-elsewhere",
            Outcome::Deceased => "deceased",
            Outcome::MovedAway => "moved-away",
            Outcome::NotFound => "not-found",
            Outcome::Refused => "refused",
        }
    }

    /// The outcome named `s`.
    pub fn parse(s: &str) -> Option<Outcome> {
        [Outcome::RecordedHere]
            .into_iter()
            .chain(Outcome::CLOSING)
            .find(|o| o.as_str() == s)
    }
}

/// A validated row to insert.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewEntry {
    /// Line (CSV) or row (XLSX) in the source file.
    pub line: u64,
    /// The NIK, when the list knows it (structurally valid).
    pub nik: Option<String>,
    /// The name as written.
    pub name: String,
    /// The name folded for matching ([`names::key`]).
    pub name_key: String,
    /// Date of birth, YYYY-MM-DD.
    pub date_of_birth: String,
    /// Sex.
    pub sex: Sex,
    /// Street address.
    pub address: String,
    /// RT, when given.
    pub rt: Option<u16>,
    /// RW, when given.
    pub rw: Option<u16>,
    /// The desa's code (a known region).
    pub desa_code: String,
    /// The kecamatan's code (a known region, the desa's parent).
    pub kecamatan_code: String,
    /// Why the resident is on the list.
    pub reason: String,
}

/// A stored entry with its regions' names and its source.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// The entry's id (what `rekam worklist close` takes).
    pub id: i64,
    /// The file it came from.
    pub source_file: String,
    /// Its line (or spreadsheet row) there.
    pub line: u64,
    /// NIK when known.
    pub nik: Option<String>,
    /// Name as written.
    pub name: String,
    /// Date of birth, YYYY-MM-DD.
    pub date_of_birth: String,
    /// Sex.
    pub sex: Sex,
    /// Street address.
    pub address: String,
    /// RT.
    pub rt: Option<u16>,
    /// RW.
    pub rw: Option<u16>,
    /// Desa code.
    pub desa_code: String,
    /// Desa name.
    pub desa: String,
    /// Kecamatan code.
    pub kecamatan_code: String,
    /// Kecamatan name.
    pub kecamatan: String,
    /// Why the resident is on the list.
    pub reason: String,
    /// Where it stands.
    pub status: EntryStatus,
    /// What became of it (matched: recorded-here).
    pub outcome: Option<Outcome>,
    /// The operator's note on closing.
    pub note: Option<String>,
    /// The enrollment it was matched to.
    pub enrollment_id: Option<String>,
    /// Who matched or closed it.
    pub decided_by: Option<String>,
    /// When (Unix ms).
    pub decided_ms: Option<i64>,
    /// When its list was imported (Unix ms): the reference day of the first-time voter rule.
    pub imported_ms: i64,
}

impl Entry {
    /// Whether the resident is a first-time voter ("pemilih pemula") at the election on
    /// `election_day`: 17 by then and not yet 17 on the day the list was imported (that day
    /// taken at `utc_offset_minutes`). See [`crate::workflow::eligibility::first_time_voter`].
    pub fn first_time_voter(&self, election_day: time::Date, utc_offset_minutes: i32) -> bool {
        let Ok(birth) = rekam_protocol::timefmt::parse_date(&self.date_of_birth) else {
            return false;
        };
        let local_ms = self.imported_ms + i64::from(utc_offset_minutes) * 60_000;
        let imported = rekam_protocol::Timestamp::from_unix_ms(local_ms).date();
        crate::workflow::eligibility::first_time_voter(birth, imported, election_day)
    }
}

/// Which entries to list; `None` lists all. Region filters take a code or a name.
#[derive(Clone, Debug, Default)]
pub struct EntryFilter {
    /// Kecamatan code or name.
    pub kecamatan: Option<String>,
    /// Desa code or name.
    pub desa: Option<String>,
    /// Status.
    pub status: Option<EntryStatus>,
    /// Words that must each appear in the name, the NIK or the address (case-insensitive).
    pub search: Option<String>,
    /// Only the entries this visit targets.
    pub visit: Option<i64>,
}

/// An enrollment that may be an entry's resident (same name, date of birth and desa), waiting for
/// an operator.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Candidate {
    /// The entry.
    pub entry_id: i64,
    /// The enrollment finalized here.
    pub enrollment_id: String,
    /// The enrollment's NIK.
    pub nik: String,
    /// When it was found (Unix ms).
    pub found_ms: i64,
    /// `pending`, `confirmed` or `rejected`.
    pub state: String,
}

/// What an import was, for its record and audit entry.
#[derive(Clone, Debug)]
pub struct ImportMeta {
    /// The file's name (no directories).
    pub file_name: String,
    /// SHA-256 of the file's bytes, hex.
    pub sha256: String,
    /// The operator importing.
    pub by: String,
    /// When (Unix ms).
    pub now_ms: i64,
    /// Whether bad rows are skipped (else any bad row refuses the file).
    pub skip_bad: bool,
}

/// What the caller of [`Store::import_worklist`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImportCounts {
    /// Data rows in the file (blank rows not counted).
    pub rows: u64,
    /// Rows inserted.
    pub imported: u64,
    /// Bad rows.
    pub bad: u64,
}

/// Inserts rows inside an import's transaction.
pub struct WorklistWriter<'a> {
    tx: &'a Transaction<'a>,
    import_id: i64,
}

impl WorklistWriter<'_> {
    /// The entry (in the store, or inserted earlier in this import) with this NIK.
    pub fn known_nik(&self, nik: &str) -> Result<Option<i64>, StoreError> {
        Ok(self
            .tx
            .prepare_cached("SELECT id FROM worklist_entries WHERE nik = ?1")?
            .query_row([nik], |r| r.get(0))
            .optional()?)
    }

    /// The entry with this name key, date of birth and desa.
    pub fn known_person(
        &self,
        name_key: &str,
        date_of_birth: &str,
        desa_code: &str,
    ) -> Result<Option<i64>, StoreError> {
        Ok(self
            .tx
            .prepare_cached(
                "SELECT id FROM worklist_entries WHERE name_key = ?1 AND date_of_birth = ?2 AND desa_code = ?3",
            )?
            .query_row(params![name_key, date_of_birth, desa_code], |r| r.get(0))
            .optional()?)
    }

    /// Inserts an open entry; returns its id.
    pub fn insert(&mut self, e: &NewEntry) -> Result<i64, StoreError> {
        self.tx
            .prepare_cached(
                "INSERT INTO worklist_entries (import_id, line, nik, name, name_key, date_of_birth,
                 sex, address, rt, rw, desa_code, kecamatan_code, reason, status)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, 'open')",
            )?
            .execute(params![
                self.import_id,
                e.line as i64,
                e.nik,
                e.name,
                e.name_key,
                e.date_of_birth,
                sex_str(e.sex),
                e.address,
                e.rt,
                e.rw,
                e.desa_code,
                e.kecamatan_code,
                e.reason,
            ])?;
        Ok(self.tx.last_insert_rowid())
    }
}

fn sex_str(s: Sex) -> &'static str {
    match s {
        Sex::Male => "male",
        Sex::Female => "female",
    }
}

fn corrupt(what: String, reason: String) -> StoreError {
    StoreError::CorruptSession { id: what, reason }
}

const ENTRY_COLUMNS: &str = "e.id, i.file_name, e.line, e.nik, e.name, e.date_of_birth, e.sex,
    e.address, e.rt, e.rw, e.desa_code, d.name, e.kecamatan_code, k.name, e.reason, e.status,
    e.outcome, e.note, e.enrollment_id, e.decided_by, e.decided_ms, i.imported_ms";
const ENTRY_FROM: &str = "FROM worklist_entries e
    JOIN worklist_imports i ON i.id = e.import_id
    JOIN worklist_regions d ON d.code = e.desa_code
    JOIN worklist_regions k ON k.code = e.kecamatan_code";

fn entry_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Result<Entry, StoreError>> {
    let id: i64 = r.get(0)?;
    let sex: String = r.get(6)?;
    let status: String = r.get(15)?;
    let outcome: Option<String> = r.get(16)?;
    let line: i64 = r.get(2)?;
    let what = || format!("worklist entry {id}");
    let sex = match sex.as_str() {
        "male" => Sex::Male,
        "female" => Sex::Female,
        other => return Ok(Err(corrupt(what(), format!("unknown sex {other:?}")))),
    };
    let Some(status) = EntryStatus::parse(&status) else {
        return Ok(Err(corrupt(what(), format!("unknown status {status:?}"))));
    };
    let outcome = match outcome {
        None => None,
        Some(o) => match Outcome::parse(&o) {
            Some(o) => Some(o),
            None => return Ok(Err(corrupt(what(), format!("unknown outcome {o:?}")))),
        },
    };
    Ok(Ok(Entry {
        id,
        source_file: r.get(1)?,
        line: line.max(0) as u64,
        nik: r.get(3)?,
        name: r.get(4)?,
        date_of_birth: r.get(5)?,
        sex,
        address: r.get(7)?,
        rt: r.get(8)?,
        rw: r.get(9)?,
        desa_code: r.get(10)?,
        desa: r.get(11)?,
        kecamatan_code: r.get(12)?,
        kecamatan: r.get(13)?,
        reason: r.get(14)?,
        status,
        outcome,
        note: r.get(17)?,
        enrollment_id: r.get(18)?,
        decided_by: r.get(19)?,
        decided_ms: r.get(20)?,
        imported_ms: r.get(21)?,
    }))
}

/// Called inside [`Store::finalize`]'s transaction: an open entry with the enrollment's NIK is
/// matched to it; open entries with the same name key, date of birth and desa name (and, where
/// both are known, kecamatan name) become candidates for an operator to confirm.
pub(super) fn match_enrollment(
    tx: &Transaction<'_>,
    enrollment_id: &str,
    applicant: &Applicant,
    actor: &str,
    now_ms: i64,
) -> Result<(), StoreError> {
    let nik = applicant.nik.to_string();
    let by_nik: Option<i64> = tx
        .query_row(
            "SELECT id FROM worklist_entries WHERE nik = ?1 AND status = 'open'",
            [&nik],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(id) = by_nik {
        mark_matched(tx, id, enrollment_id, actor, now_ms)?;
        audit::append(
            tx,
            &AuditEntry::new(
                now_ms,
                actor,
                "worklist.match",
                &id.to_string(),
                json!({ "enrollment_id": enrollment_id, "by": "nik" }),
            ),
        )?;
        return Ok(());
    }
    let name_key = names::key(&applicant.full_name);
    let dob = rekam_protocol::timefmt::format_date(applicant.date_of_birth);
    let desa = names::place_key(&applicant.address.village);
    let kecamatan = names::place_key(&applicant.address.district);
    let mut stmt = tx.prepare_cached(
        "SELECT e.id, d.name, k.name FROM worklist_entries e
         JOIN worklist_regions d ON d.code = e.desa_code
         JOIN worklist_regions k ON k.code = e.kecamatan_code
         WHERE e.name_key = ?1 AND e.date_of_birth = ?2 AND e.status = 'open'",
    )?;
    let found = stmt
        .query_map(params![name_key, dob], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    for (id, d, k) in found {
        let same_kecamatan = kecamatan.is_empty() || names::place_key(&k) == kecamatan;
        if names::place_key(&d) != desa || !same_kecamatan {
            continue;
        }
        let added = tx.execute(
            "INSERT OR IGNORE INTO worklist_candidates (entry_id, enrollment_id, nik, found_ms, state)
             VALUES (?1, ?2, ?3, ?4, 'pending')",
            params![id, enrollment_id, nik, now_ms],
        )?;
        if added > 0 {
            audit::append(
                tx,
                &AuditEntry::new(
                    now_ms,
                    actor,
                    "worklist.candidate",
                    &id.to_string(),
                    json!({ "enrollment_id": enrollment_id, "by": "name_dob_desa" }),
                ),
            )?;
        }
    }
    Ok(())
}

fn mark_matched(
    tx: &Transaction<'_>,
    id: i64,
    enrollment_id: &str,
    by: &str,
    now_ms: i64,
) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE worklist_entries SET status = 'matched', outcome = 'recorded-here',
         enrollment_id = ?2, decided_by = ?3, decided_ms = ?4 WHERE id = ?1",
        params![id, enrollment_id, by, now_ms],
    )?;
    // Another entry's candidacy for the same enrollment is moot once it is matched.
    tx.execute(
        "UPDATE worklist_candidates SET state = 'rejected', decided_by = ?3, decided_ms = ?4
         WHERE state = 'pending' AND (entry_id = ?1 OR enrollment_id = ?2)",
        params![id, enrollment_id, by, now_ms],
    )?;
    Ok(())
}

impl Store {
    /// Every region the office works in, kecamatan first, by code.
    pub fn worklist_regions(&self) -> Result<Vec<Region>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT code, kind, name, parent FROM worklist_regions ORDER BY kind = 'desa', code",
        )?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<String>>(3)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(code, kind, name, parent)| {
                let kind = match kind.as_str() {
                    "kecamatan" => RegionKind::Kecamatan,
                    "desa" => RegionKind::Desa,
                    other => {
                        return Err(corrupt(
                            format!("region {code}"),
                            format!("unknown kind {other:?}"),
                        ));
                    }
                };
                Ok(Region {
                    code,
                    kind,
                    name,
                    parent,
                })
            })
            .collect()
    }

    /// Adds or renames regions (a code keeps its kind), in one transaction with its audit entry.
    /// A desa's parent must be a kecamatan in `regions` or already stored. Returns (added,
    /// renamed).
    pub fn import_worklist_regions(
        &mut self,
        regions: &[Region],
        file_name: &str,
        sha256: &str,
        by: &str,
        now_ms: i64,
    ) -> Result<(u64, u64), StoreError> {
        let tx = self.conn.transaction()?;
        let (mut added, mut renamed) = (0u64, 0u64);
        // Kecamatan first so that their desa find their parent.
        let mut ordered: Vec<&Region> = regions.iter().collect();
        ordered.sort_by_key(|r| r.kind == RegionKind::Desa);
        for r in ordered {
            let stored: Option<(String, String)> = tx
                .query_row(
                    "SELECT kind, name FROM worklist_regions WHERE code = ?1",
                    [&r.code],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )
                .optional()?;
            if r.kind == RegionKind::Desa {
                let parent = r.parent.as_deref().unwrap_or_default();
                let ok: bool = tx.query_row(
                    "SELECT EXISTS(SELECT 1 FROM worklist_regions WHERE code = ?1 AND kind = 'kecamatan')",
                    [parent],
                    |row| row.get(0),
                )?;
                if !ok {
                    return Err(StoreError::Refused(format!(
                        "desa {} ({}) names kecamatan {parent:?}, which is neither in the file nor configured",
                        r.code, r.name
                    )));
                }
            }
            match stored {
                Some((kind, _)) if kind != r.kind.as_str() => {
                    return Err(StoreError::Refused(format!(
                        "region {} is configured as a {kind}, the file makes it a {}",
                        r.code,
                        r.kind.as_str()
                    )));
                }
                Some((_, name)) if name == r.name => {}
                Some(_) => {
                    tx.execute(
                        "UPDATE worklist_regions SET name = ?2, parent = ?3, updated_ms = ?4 WHERE code = ?1",
                        params![r.code, r.name, r.parent, now_ms],
                    )?;
                    renamed += 1;
                }
                None => {
                    tx.execute(
                        "INSERT INTO worklist_regions (code, kind, name, parent, updated_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
                        params![r.code, r.kind.as_str(), r.name, r.parent, now_ms],
                    )?;
                    added += 1;
                }
            }
        }
        audit::append(
            &tx,
            &AuditEntry::new(
                now_ms,
                by,
                "worklist.regions.import",
                file_name,
                json!({ "sha256": sha256, "rows": regions.len(), "added": added, "renamed": renamed }),
            ),
        )?;
        tx.commit()?;
        self.advance_anchor();
        Ok((added, renamed))
    }

    /// Runs one import in one transaction: records the import, lets `fill` validate and insert
    /// rows through the writer, then commits with the audit entry when `fill` found no bad row or
    /// `meta.skip_bad` is set; otherwise rolls everything back and audits the refusal. Returns
    /// the import's id when committed. An error from `fill` rolls back and is returned.
    pub fn import_worklist<E: From<StoreError>>(
        &mut self,
        meta: &ImportMeta,
        fill: impl FnOnce(&mut WorklistWriter<'_>) -> Result<ImportCounts, E>,
    ) -> Result<Option<i64>, E> {
        let tx = self.conn.transaction().map_err(StoreError::from)?;
        tx.execute(
            "INSERT INTO worklist_imports (file_name, sha256, rows, imported, skipped, imported_by, imported_ms)
             VALUES (?1, ?2, 0, 0, 0, ?3, ?4)",
            params![meta.file_name, meta.sha256, meta.by, meta.now_ms],
        )
        .map_err(StoreError::from)?;
        let import_id = tx.last_insert_rowid();
        let counts = {
            let mut w = WorklistWriter { tx: &tx, import_id };
            fill(&mut w)?
        };
        let detail = json!({
            "sha256": meta.sha256,
            "rows": counts.rows,
            "imported": counts.imported,
            "bad": counts.bad,
            "skip_bad": meta.skip_bad,
        });
        if counts.bad > 0 && !meta.skip_bad {
            drop(tx);
            self.audit(&AuditEntry::new(
                meta.now_ms,
                &meta.by,
                "worklist.import.refused",
                &meta.file_name,
                detail,
            ))?;
            return Ok(None);
        }
        tx.execute(
            "UPDATE worklist_imports SET rows = ?2, imported = ?3, skipped = ?4 WHERE id = ?1",
            params![
                import_id,
                counts.rows as i64,
                counts.imported as i64,
                counts.bad as i64
            ],
        )
        .map_err(StoreError::from)?;
        audit::append(
            &tx,
            &AuditEntry::new(
                meta.now_ms,
                &meta.by,
                "worklist.import",
                &meta.file_name,
                detail,
            ),
        )
        .map_err(StoreError::from)?;
        tx.commit().map_err(StoreError::from)?;
        self.advance_anchor();
        Ok(Some(import_id))
    }

    /// Entries matching `filter`, by kecamatan, desa, then source order.
    pub fn worklist_entries(&self, filter: &EntryFilter) -> Result<Vec<Entry>, StoreError> {
        let mut sql = format!("SELECT {ENTRY_COLUMNS} {ENTRY_FROM} WHERE 1 = 1");
        let mut args: Vec<String> = Vec::new();
        if let Some(k) = &filter.kecamatan {
            args.push(k.clone());
            sql.push_str(&format!(
                " AND (e.kecamatan_code = ?{n} OR lower(k.name) = lower(?{n}))",
                n = args.len()
            ));
        }
        if let Some(d) = &filter.desa {
            args.push(d.clone());
            sql.push_str(&format!(
                " AND (e.desa_code = ?{n} OR lower(d.name) = lower(?{n}))",
                n = args.len()
            ));
        }
        if let Some(s) = filter.status {
            args.push(s.as_str().into());
            sql.push_str(&format!(" AND e.status = ?{}", args.len()));
        }
        if let Some(v) = filter.visit {
            args.push(v.to_string());
            sql.push_str(&format!(
                " AND e.id IN (SELECT entry_id FROM visit_targets WHERE visit_id = CAST(?{} AS INTEGER))",
                args.len()
            ));
        }
        for word in filter.search.as_deref().unwrap_or("").split_whitespace() {
            // LIKE's wildcards in what the operator typed are literal characters.
            let escaped = word
                .to_lowercase()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            args.push(format!("%{escaped}%"));
            let n = args.len();
            // The folded name finds "Nurul Aini" from "nurul aini" and accents alike; a word
            // with nothing to fold (punctuation) must not match every name.
            let key = names::key(word);
            let folded = if key.is_empty() { escaped } else { key };
            args.push(format!("%{folded}%"));
            let k = args.len();
            sql.push_str(&format!(
                " AND (lower(e.name) LIKE ?{n} ESCAPE '\\' OR ifnull(e.nik, '') LIKE ?{n} ESCAPE '\\'
                   OR lower(e.address) LIKE ?{n} ESCAPE '\\' OR e.name_key LIKE ?{k} ESCAPE '\\')"
            ));
        }
        sql.push_str(" ORDER BY e.kecamatan_code, e.desa_code, e.import_id, e.line");
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt
            .query_map(rusqlite::params_from_iter(args.iter()), entry_row)?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter().collect()
    }

    /// One entry.
    pub fn worklist_entry(&self, id: i64) -> Result<Option<Entry>, StoreError> {
        let row = self
            .conn
            .query_row(
                &format!("SELECT {ENTRY_COLUMNS} {ENTRY_FROM} WHERE e.id = ?1"),
                [id],
                entry_row,
            )
            .optional()?;
        row.transpose()
    }

    /// Closes an open entry with an outcome (never [`Outcome::RecordedHere`], which only matching
    /// sets) and an optional note, audited with `by` as actor.
    pub fn close_worklist_entry(
        &mut self,
        id: i64,
        outcome: Outcome,
        note: Option<&str>,
        by: &str,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        if outcome == Outcome::RecordedHere {
            return Err(StoreError::Refused(
                "recorded-here is set when an enrollment made here is matched, not by closing"
                    .into(),
            ));
        }
        let tx = self.conn.transaction()?;
        let status: Option<String> = tx
            .query_row(
                "SELECT status FROM worklist_entries WHERE id = ?1",
                [id],
                |r| r.get(0),
            )
            .optional()?;
        match status.as_deref() {
            None => return Err(StoreError::NotFound(format!("no worklist entry {id}"))),
            Some("open") => {}
            Some(other) => {
                return Err(StoreError::Refused(format!(
                    "worklist entry {id} is already {other}; only open entries can be closed"
                )));
            }
        }
        tx.execute(
            "UPDATE worklist_entries SET status = 'closed', outcome = ?2, note = ?3, decided_by = ?4,
             decided_ms = ?5 WHERE id = ?1",
            params![id, outcome.as_str(), note, by, now_ms],
        )?;
        tx.execute(
            "UPDATE worklist_candidates SET state = 'rejected', decided_by = ?2, decided_ms = ?3
             WHERE entry_id = ?1 AND state = 'pending'",
            params![id, by, now_ms],
        )?;
        audit::append(
            &tx,
            &AuditEntry::new(
                now_ms,
                by,
                "worklist.close",
                &id.to_string(),
                json!({ "outcome": outcome.as_str(), "note": note }),
            ),
        )?;
        tx.commit()?;
        self.advance_anchor();
        Ok(())
    }

    /// Candidates waiting for an operator, oldest first.
    pub fn worklist_candidates(&self) -> Result<Vec<Candidate>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT entry_id, enrollment_id, nik, found_ms, state FROM worklist_candidates
             WHERE state = 'pending' ORDER BY found_ms, entry_id",
        )?;
        let rows = stmt
            .query_map([], |r| {
                Ok(Candidate {
                    entry_id: r.get(0)?,
                    enrollment_id: r.get(1)?,
                    nik: r.get(2)?,
                    found_ms: r.get(3)?,
                    state: r.get(4)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// The operator `by` confirms (`accept`) or rejects a pending candidate. Confirming matches
    /// the entry to the enrollment (and fills in the entry's NIK when the list lacked it); both
    /// are audited.
    pub fn decide_match(
        &mut self,
        entry_id: i64,
        enrollment_id: &str,
        accept: bool,
        by: &str,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        let cand: Option<(String, String)> = tx
            .query_row(
                "SELECT state, nik FROM worklist_candidates WHERE entry_id = ?1 AND enrollment_id = ?2",
                params![entry_id, enrollment_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let nik = match cand {
            None => {
                return Err(StoreError::NotFound(format!(
                    "enrollment {enrollment_id} is not a candidate for worklist entry {entry_id}"
                )));
            }
            Some((state, _)) if state != "pending" => {
                return Err(StoreError::Refused(format!(
                    "the candidate enrollment {enrollment_id} for worklist entry {entry_id} was already {state}"
                )));
            }
            Some((_, nik)) => nik,
        };
        let action = if accept {
            let (entry_nik, status): (Option<String>, String) = tx.query_row(
                "SELECT nik, status FROM worklist_entries WHERE id = ?1",
                [entry_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            if status != "open" {
                return Err(StoreError::Refused(format!(
                    "worklist entry {entry_id} is already {status}; only an open entry can be matched"
                )));
            }
            if entry_nik.is_none() {
                // Another entry may already carry this NIK (a list with the resident twice).
                let taken: bool = tx.query_row(
                    "SELECT EXISTS(SELECT 1 FROM worklist_entries WHERE nik = ?1)",
                    [&nik],
                    |r| r.get(0),
                )?;
                if !taken {
                    tx.execute(
                        "UPDATE worklist_entries SET nik = ?2 WHERE id = ?1",
                        params![entry_id, nik],
                    )?;
                }
            }
            tx.execute(
                "UPDATE worklist_candidates SET state = 'confirmed', decided_by = ?3, decided_ms = ?4
                 WHERE entry_id = ?1 AND enrollment_id = ?2",
                params![entry_id, enrollment_id, by, now_ms],
            )?;
            mark_matched(&tx, entry_id, enrollment_id, by, now_ms)?;
            "worklist.match"
        } else {
            tx.execute(
                "UPDATE worklist_candidates SET state = 'rejected', decided_by = ?3, decided_ms = ?4
                 WHERE entry_id = ?1 AND enrollment_id = ?2",
                params![entry_id, enrollment_id, by, now_ms],
            )?;
            "worklist.candidate.reject"
        };
        audit::append(
            &tx,
            &AuditEntry::new(
                now_ms,
                by,
                action,
                &entry_id.to_string(),
                json!({ "enrollment_id": enrollment_id, "by": "operator" }),
            ),
        )?;
        tx.commit()?;
        self.advance_anchor();
        Ok(())
    }
}
