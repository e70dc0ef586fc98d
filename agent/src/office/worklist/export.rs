//! The outcomes of a worklist as CSV, for the office's data corrections (deaths and moves not yet
//! reported) and its coverage count.
//!
//! Contract: [`outcomes_csv`] writes one row per matched or closed entry, by kecamatan, desa and
//! source line, with a header; UTF-8 with a BOM (so spreadsheet programs open the names with
//! their accents right) and `,` separators, fields quoted where needed. Times are UTC.

use crate::store::worklist::{EntryFilter, EntryStatus};
use crate::store::{Store, StoreError};

/// The header row.
pub const HEADER: [&str; 21] = [
    "entry",
    "nik",
    "name",
    "date_of_birth",
    "sex",
    "address",
    "rt",
    "rw",
    "desa_code",
    "desa",
    "kecamatan_code",
    "kecamatan",
    "reason",
    "status",
    "outcome",
    "enrollment_id",
    "note",
    "decided_by",
    "decided_at",
    "source_file",
    "source_line",
];

/// The CSV bytes and the number of entries in it.
pub fn outcomes_csv(store: &Store) -> Result<(Vec<u8>, usize), StoreError> {
    let entries: Vec<_> = store
        .worklist_entries(&EntryFilter::default())?
        .into_iter()
        .filter(|e| e.status != EntryStatus::Open)
        .collect();
    let mut w = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    let io = |e: csv::Error| StoreError::Refused(format!("writing the outcomes: {e}"));
    w.write_record(HEADER).map_err(io)?;
    for e in &entries {
        let opt = |v: Option<u16>| v.map(|n| format!("{n:03}")).unwrap_or_default();
        let at = e
            .decided_ms
            .and_then(|ms| time::OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000)).ok())
            .and_then(|t| {
                t.format(&time::format_description::well_known::Rfc3339)
                    .ok()
            })
            .unwrap_or_default();
        w.write_record([
            e.id.to_string(),
            e.nik.clone().unwrap_or_default(),
            e.name.clone(),
            e.date_of_birth.clone(),
            match e.sex {
                rekam_protocol::model::Sex::Male => "L".into(),
                rekam_protocol::model::Sex::Female => "P".into(),
            },
            e.address.clone(),
            opt(e.rt),
            opt(e.rw),
            e.desa_code.clone(),
            e.desa.clone(),
            e.kecamatan_code.clone(),
            e.kecamatan.clone(),
            e.reason.clone(),
            e.status.as_str().into(),
            e.outcome
                .map(|o| o.as_str().to_string())
                .unwrap_or_default(),
            e.enrollment_id.clone().unwrap_or_default(),
            e.note.clone().unwrap_or_default(),
            e.decided_by.clone().unwrap_or_default(),
            at,
            e.source_file.clone(),
            e.line.to_string(),
        ])
        .map_err(io)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| StoreError::Refused(format!("writing the outcomes: {e}")))?;
    Ok((bytes, entries.len()))
}
