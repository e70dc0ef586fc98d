//! Mobile-unit visits ("jemput bola") in the store (schema version 7), and the first-time voter
//! flag of enrollments.
//!
//! Contract: a visit is `planned`, then `open`, then `closed`; at most one visit is open on a
//! workstation (a unique index makes a second impossible). Sessions started while a visit is open
//! are noted against it ([`Store::note_visit_session`]); [`Store::finalize`] links an enrollment
//! whose capture context names a visit to it and records whether the resident is a first-time
//! voter. Closing a visit computes and stores its figures ([`VisitFigures`]) in the same
//! transaction as its audit entry. Every change is one transaction and audited with the
//! operator; times come in as arguments.

use rusqlite::{OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::audit::{self, AuditEntry};
use super::{Store, StoreError};

/// The tables of version 7 (also part of a new database).
pub(super) const SCHEMA_7: &str = "
CREATE TABLE IF NOT EXISTS visits (
    id INTEGER PRIMARY KEY,
    place_kind TEXT NOT NULL CHECK (place_kind IN ('school', 'prison', 'village_hall', 'home', 'other')),
    place_name TEXT NOT NULL,
    kecamatan_code TEXT NOT NULL REFERENCES worklist_regions(code),
    desa_code TEXT NOT NULL REFERENCES worklist_regions(code),
    day TEXT NOT NULL,
    unit_id TEXT,
    staff TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('planned', 'open', 'closed')),
    created_by TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    opened_by TEXT,
    opened_ms INTEGER,
    closed_by TEXT,
    closed_ms INTEGER,
    figures TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS visits_one_open ON visits(status) WHERE status = 'open';
CREATE INDEX IF NOT EXISTS visits_desa ON visits(desa_code, day);
CREATE TABLE IF NOT EXISTS visit_targets (
    visit_id INTEGER NOT NULL REFERENCES visits(id),
    entry_id INTEGER NOT NULL REFERENCES worklist_entries(id),
    PRIMARY KEY (visit_id, entry_id)
);
CREATE TABLE IF NOT EXISTS visit_sessions (
    session_id TEXT PRIMARY KEY,
    visit_id INTEGER NOT NULL REFERENCES visits(id),
    started_ms INTEGER NOT NULL,
    finalized_ms INTEGER
);
CREATE INDEX IF NOT EXISTS visit_sessions_visit ON visit_sessions(visit_id);
CREATE TABLE IF NOT EXISTS first_time_voters (
    enrollment_id TEXT PRIMARY KEY,
    finalized_ms INTEGER NOT NULL
);
";

/// Where a visit takes place.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlaceKind {
    /// A school (students turning 17).
    School,
    /// A prison (lapas/rutan).
    Prison,
    /// The village hall (balai desa/kantor kelurahan).
    VillageHall,
    /// A resident's home (elderly, disabled).
    Home,
    /// Anywhere else.
    Other,
}

impl PlaceKind {
    /// Every kind, in the order forms list them.
    pub const ALL: [PlaceKind; 5] = [
        PlaceKind::School,
        PlaceKind::Prison,
        PlaceKind::VillageHall,
        PlaceKind::Home,
        PlaceKind::Other,
    ];

    /// The kind as stored and typed (`school`, `prison`, `village-hall`, `home`, `other`).
    pub fn as_str(self) -> &'static str {
        match self {
            PlaceKind::School => "school",
            PlaceKind::Prison => "prison",
            PlaceKind::VillageHall => "village_hall",
            PlaceKind::Home => "home",
            PlaceKind::Other => "other",
        }
    }

    /// The kind named `s` (`village-hall` and `village_hall` both name the hall).
    pub fn parse(s: &str) -> Option<PlaceKind> {
        let s = s.replace('-', "_");
        PlaceKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Where a visit stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VisitStatus {
    /// Scheduled, not yet started.
    Planned,
    /// Under way: enrollments finalized now carry it.
    Open,
    /// Done, with its figures.
    Closed,
}

impl VisitStatus {
    /// The status as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            VisitStatus::Planned => "planned",
            VisitStatus::Open => "open",
            VisitStatus::Closed => "closed",
        }
    }

    fn parse(s: &str) -> Option<VisitStatus> {
        match s {
            "planned" => Some(VisitStatus::Planned),
            "open" => Some(VisitStatus::Open),
            "closed" => Some(VisitStatus::Closed),
            _ => None,
        }
    }
}

/// A visit to create.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewVisit {
    /// What kind of place.
    pub place_kind: PlaceKind,
    /// Its name ("SMAN 1 Cileunyi", "Balai Desa Cibiru Wetan").
    pub place_name: String,
    /// The desa's code or name (a configured worklist region); its kecamatan is its parent.
    pub desa: String,
    /// The day, `YYYY-MM-DD`.
    pub day: String,
    /// The mobile unit's id, when the workstation is one.
    pub unit_id: Option<String>,
    /// The staff's operator ids (each must have an account).
    pub staff: Vec<String>,
    /// The worklist entries it targets; `None`: every open entry of the desa.
    pub entries: Option<Vec<i64>>,
}

/// What a visit did, computed when it closes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitFigures {
    /// Enrollments started while it was open.
    pub started: u64,
    /// Enrollments finalized during it.
    pub finalized: u64,
    /// Of those, first-time voters.
    pub first_time_voters: u64,
    /// Worklist entries it targeted.
    pub targeted: u64,
    /// Targeted entries matched to an enrollment (here, at any time up to closing).
    pub targeted_matched: u64,
    /// Targeted entries closed with another outcome.
    pub targeted_closed: u64,
    /// Targeted entries still open.
    pub remaining: u64,
}

/// A stored visit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Visit {
    /// Its id (what `rekam visit open|close|show` take; carried in packets as text).
    pub id: i64,
    /// What kind of place.
    pub place_kind: PlaceKind,
    /// The place's name.
    pub place_name: String,
    /// Kecamatan code.
    pub kecamatan_code: String,
    /// Kecamatan name.
    pub kecamatan: String,
    /// Desa code.
    pub desa_code: String,
    /// Desa name.
    pub desa: String,
    /// The day, `YYYY-MM-DD`.
    pub day: String,
    /// The mobile unit.
    pub unit_id: Option<String>,
    /// The staff's operator ids.
    pub staff: Vec<String>,
    /// Where it stands.
    pub status: VisitStatus,
    /// Who planned it.
    pub created_by: String,
    /// Who opened it and when (Unix ms).
    pub opened: Option<(String, i64)>,
    /// Who closed it and when (Unix ms).
    pub closed: Option<(String, i64)>,
    /// Its worklist entries.
    pub entries: Vec<i64>,
    /// Its figures, once closed.
    pub figures: Option<VisitFigures>,
}

impl Visit {
    /// The visit as the capture context's `visit` names it.
    pub fn packet_id(&self) -> String {
        self.id.to_string()
    }
}

/// One suggestion of `rekam visit plan`: a desa with open entries, in its kecamatan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PlanRow {
    /// Kecamatan code.
    pub kecamatan_code: String,
    /// Kecamatan name.
    pub kecamatan: String,
    /// Open entries in the whole kecamatan (desa visited recently included).
    pub kecamatan_backlog: u64,
    /// Desa code.
    pub desa_code: String,
    /// Desa name.
    pub desa: String,
    /// Open entries in the desa.
    pub backlog: u64,
    /// The last visit's day there, if any (older than the window).
    pub last_visit: Option<String>,
}

/// How many suggestions planning shows unless asked for another number.
pub const PLAN_LIMIT: usize = 10;

/// Desa visited (or with a visit planned) this many days back are left out of the suggestions
/// unless another window is asked for.
pub const PLAN_RECENT_DAYS: u32 = 30;

/// The first day of the window of `recent_days` ending `today`, as [`Store::plan_visits`] takes
/// it (`YYYY-MM-DD`).
pub fn plan_since(today: time::Date, recent_days: u32) -> String {
    rekam_protocol::timefmt::format_date(today - time::Duration::days(i64::from(recent_days)))
}

fn corrupt(what: String, reason: String) -> StoreError {
    StoreError::CorruptSession { id: what, reason }
}

const VISIT_COLUMNS: &str = "v.id, v.place_kind, v.place_name, v.kecamatan_code, k.name,
    v.desa_code, d.name, v.day, v.unit_id, v.staff, v.status, v.created_by, v.opened_by,
    v.opened_ms, v.closed_by, v.closed_ms, v.figures
    FROM visits v JOIN worklist_regions d ON d.code = v.desa_code
    JOIN worklist_regions k ON k.code = v.kecamatan_code";

fn load_visit(
    conn: &rusqlite::Connection,
    where_: &str,
    arg: i64,
) -> Result<Option<Visit>, StoreError> {
    let row = conn
        .query_row(
            &format!("SELECT {VISIT_COLUMNS} WHERE {where_}"),
            [arg],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, String>(6)?,
                    r.get::<_, String>(7)?,
                    r.get::<_, Option<String>>(8)?,
                    r.get::<_, String>(9)?,
                    r.get::<_, String>(10)?,
                    r.get::<_, String>(11)?,
                    (
                        r.get::<_, Option<String>>(12)?,
                        r.get::<_, Option<i64>>(13)?,
                        r.get::<_, Option<String>>(14)?,
                        r.get::<_, Option<i64>>(15)?,
                        r.get::<_, Option<String>>(16)?,
                    ),
                ))
            },
        )
        .optional()?;
    let Some((id, kind, place_name, kc, k, dc, d, day, unit_id, staff, status, created_by, rest)) =
        row
    else {
        return Ok(None);
    };
    let what = || format!("visit {id}");
    let place_kind = PlaceKind::parse(&kind)
        .ok_or_else(|| corrupt(what(), format!("unknown place kind {kind:?}")))?;
    let status = VisitStatus::parse(&status)
        .ok_or_else(|| corrupt(what(), format!("unknown status {status:?}")))?;
    let staff: Vec<String> =
        serde_json::from_str(&staff).map_err(|e| corrupt(what(), format!("staff: {e}")))?;
    let (opened_by, opened_ms, closed_by, closed_ms, figures) = rest;
    let figures = match figures {
        None => None,
        Some(f) => {
            Some(serde_json::from_str(&f).map_err(|e| corrupt(what(), format!("figures: {e}")))?)
        }
    };
    let mut stmt = conn.prepare_cached(
        "SELECT entry_id FROM visit_targets WHERE visit_id = ?1 ORDER BY entry_id",
    )?;
    let entries = stmt
        .query_map([id], |r| r.get(0))?
        .collect::<Result<Vec<i64>, _>>()?;
    Ok(Some(Visit {
        id,
        place_kind,
        place_name,
        kecamatan_code: kc,
        kecamatan: k,
        desa_code: dc,
        desa: d,
        day,
        unit_id,
        staff,
        status,
        created_by,
        opened: opened_by.zip(opened_ms),
        closed: closed_by.zip(closed_ms),
        entries,
        figures,
    }))
}

fn count(tx: &Transaction<'_>, sql: &str, id: i64) -> Result<u64, StoreError> {
    let n: i64 = tx.query_row(sql, [id], |r| r.get(0))?;
    Ok(n.max(0) as u64)
}

fn figures_of(tx: &Transaction<'_>, id: i64) -> Result<VisitFigures, StoreError> {
    let targets = |status: &str| {
        count(
            tx,
            &format!(
                "SELECT count(*) FROM visit_targets t JOIN worklist_entries e ON e.id = t.entry_id
                 WHERE t.visit_id = ?1 AND e.status = '{status}'"
            ),
            id,
        )
    };
    Ok(VisitFigures {
        started: count(tx, "SELECT count(*) FROM visit_sessions WHERE visit_id = ?1", id)?,
        finalized: count(
            tx,
            "SELECT count(*) FROM visit_sessions WHERE visit_id = ?1 AND finalized_ms IS NOT NULL",
            id,
        )?,
        first_time_voters: count(
            tx,
            "SELECT count(*) FROM visit_sessions s JOIN first_time_voters f
             ON f.enrollment_id = s.session_id WHERE s.visit_id = ?1 AND s.finalized_ms IS NOT NULL",
            id,
        )?,
        targeted: count(tx, "SELECT count(*) FROM visit_targets WHERE visit_id = ?1", id)?,
        targeted_matched: targets("matched")?,
        targeted_closed: targets("closed")?,
        remaining: targets("open")?,
    })
}

/// Called inside [`Store::finalize`]'s transaction: links the enrollment to the visit its
/// context names and records the first-time voter flag.
pub(super) fn on_finalize(
    tx: &Transaction<'_>,
    enrollment_id: &str,
    visit: Option<&str>,
    first_time_voter: bool,
    now_ms: i64,
) -> Result<(), StoreError> {
    if let Some(v) = visit {
        let id: i64 = v.parse().map_err(|_| {
            StoreError::Refused(format!(
                "the capture context names visit {v:?}, not a visit id"
            ))
        })?;
        tx.execute(
            "INSERT INTO visit_sessions (session_id, visit_id, started_ms, finalized_ms)
             VALUES (?1, ?2, ?3, ?3)
             ON CONFLICT(session_id) DO UPDATE SET visit_id = ?2, finalized_ms = ?3",
            params![enrollment_id, id, now_ms],
        )?;
    }
    if first_time_voter {
        tx.execute(
            "INSERT OR IGNORE INTO first_time_voters (enrollment_id, finalized_ms) VALUES (?1, ?2)",
            params![enrollment_id, now_ms],
        )?;
    }
    Ok(())
}

/// Why a visit cannot be planned as asked (the command line prints it; the console maps each to
/// its field).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VisitProblem {
    /// No place name.
    #[error("the place needs a name")]
    NoPlaceName,
    /// The day is not `YYYY-MM-DD`.
    #[error("date {day:?}: {why}")]
    BadDate {
        /// As given.
        day: String,
        /// What is wrong with it.
        why: String,
    },
    /// The desa is not a configured region (by code or name).
    #[error("desa {0:?} is not a configured region (see rekam worklist regions list)")]
    UnknownDesa(String),
    /// Nobody named to staff it.
    #[error("a visit needs at least one staff member")]
    NoStaff,
    /// A staff member without an operator account.
    #[error("staff {0:?} has no operator account")]
    UnknownStaff(String),
}

/// A desa's code and its kecamatan's code.
type DesaCodes = (String, String);

/// The problems of `v` and, when the desa is known, its codes.
fn check_new_visit(
    conn: &rusqlite::Connection,
    v: &NewVisit,
) -> Result<(Vec<VisitProblem>, Option<DesaCodes>), StoreError> {
    let mut problems = Vec::new();
    if v.place_name.trim().is_empty() {
        problems.push(VisitProblem::NoPlaceName);
    }
    let desa: Option<DesaCodes> = conn
        .query_row(
            "SELECT code, parent FROM worklist_regions
             WHERE kind = 'desa' AND (code = ?1 OR lower(name) = lower(?1)) ORDER BY code LIMIT 2",
            [v.desa.trim()],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get::<_, Option<String>>(1)?.unwrap_or_default(),
                ))
            },
        )
        .optional()?;
    if desa.is_none() {
        problems.push(VisitProblem::UnknownDesa(v.desa.clone()));
    }
    if let Err(e) = rekam_protocol::timefmt::parse_date(&v.day) {
        problems.push(VisitProblem::BadDate {
            day: v.day.clone(),
            why: e.to_string(),
        });
    }
    if v.staff.is_empty() {
        problems.push(VisitProblem::NoStaff);
    }
    for s in &v.staff {
        let known: bool = conn.query_row(
            "SELECT EXISTS(SELECT 1 FROM operators WHERE id = ?1)",
            [s],
            |r| r.get(0),
        )?;
        if !known {
            problems.push(VisitProblem::UnknownStaff(s.clone()));
        }
    }
    Ok((problems, desa))
}

impl Store {
    /// Plans a visit (status `planned`), audited as `visit.new`; returns its id. The desa must be
    /// a configured region, the day a date, the staff operators with accounts, and the entries
    /// open entries.
    pub fn create_visit(&mut self, v: &NewVisit, by: &str, now_ms: i64) -> Result<i64, StoreError> {
        let tx = self.conn.transaction()?;
        let (problems, desa) = check_new_visit(&tx, v)?;
        if let Some(p) = problems.into_iter().next() {
            return Err(StoreError::Refused(p.to_string()));
        }
        let Some((desa_code, kecamatan_code)) = desa else {
            return Err(StoreError::Refused(
                VisitProblem::UnknownDesa(v.desa.clone()).to_string(),
            ));
        };
        tx.execute(
            "INSERT INTO visits (place_kind, place_name, kecamatan_code, desa_code, day, unit_id,
             staff, status, created_by, created_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'planned', ?8, ?9)",
            params![
                v.place_kind.as_str(),
                v.place_name.trim(),
                kecamatan_code,
                desa_code,
                v.day,
                v.unit_id,
                serde_json::to_string(&v.staff).map_err(|e| StoreError::Refused(e.to_string()))?,
                by,
                now_ms
            ],
        )?;
        let id = tx.last_insert_rowid();
        let targets: Vec<i64> = match &v.entries {
            Some(list) => list.clone(),
            None => {
                let mut stmt = tx.prepare(
                    "SELECT id FROM worklist_entries WHERE desa_code = ?1 AND status = 'open' ORDER BY id",
                )?;
                stmt.query_map([&desa_code], |r| r.get(0))?
                    .collect::<Result<Vec<i64>, _>>()?
            }
        };
        for e in &targets {
            let status: Option<String> = tx
                .query_row(
                    "SELECT status FROM worklist_entries WHERE id = ?1",
                    [e],
                    |r| r.get(0),
                )
                .optional()?;
            match status.as_deref() {
                Some("open") => {}
                Some(s) => {
                    return Err(StoreError::Refused(format!(
                        "worklist entry {e} is {s}, not open"
                    )));
                }
                None => return Err(StoreError::Refused(format!("no worklist entry {e}"))),
            }
            tx.execute(
                "INSERT OR IGNORE INTO visit_targets (visit_id, entry_id) VALUES (?1, ?2)",
                params![id, e],
            )?;
        }
        audit::append(
            &tx,
            &AuditEntry::new(
                now_ms,
                by,
                "visit.new",
                &id.to_string(),
                json!({
                    "place_kind": v.place_kind.as_str(), "place": v.place_name.trim(),
                    "desa": desa_code, "kecamatan": kecamatan_code, "day": v.day,
                    "unit_id": v.unit_id, "staff": v.staff, "entries": targets.len(),
                }),
            ),
        )?;
        tx.commit()?;
        self.advance_anchor();
        Ok(id)
    }

    /// Everything wrong with `v` before it is planned (what [`Store::create_visit`] refuses,
    /// bar the worklist entries), in the order of a form's fields; empty when it may be planned.
    pub fn new_visit_problems(&self, v: &NewVisit) -> Result<Vec<VisitProblem>, StoreError> {
        Ok(check_new_visit(&self.conn, v)?.0)
    }

    /// Opens a planned visit, audited as `visit.open`. Refused while another visit is open.
    pub fn open_visit(&mut self, id: i64, by: &str, now_ms: i64) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        if let Some(other) = tx
            .query_row("SELECT id FROM visits WHERE status = 'open'", [], |r| {
                r.get::<_, i64>(0)
            })
            .optional()?
        {
            return Err(StoreError::Refused(format!(
                "visit {other} is open; close it (rekam visit close {other}) before opening another"
            )));
        }
        let status: Option<String> = tx
            .query_row("SELECT status FROM visits WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()?;
        match status.as_deref() {
            Some("planned") => {}
            Some(s) => {
                return Err(StoreError::Refused(format!(
                    "visit {id} is {s}, not planned"
                )));
            }
            None => return Err(StoreError::Refused(format!("no visit {id}"))),
        }
        tx.execute(
            "UPDATE visits SET status = 'open', opened_by = ?2, opened_ms = ?3 WHERE id = ?1",
            params![id, by, now_ms],
        )?;
        audit::append(
            &tx,
            &AuditEntry::new(now_ms, by, "visit.open", &id.to_string(), json!({})),
        )?;
        tx.commit()?;
        self.advance_anchor();
        Ok(())
    }

    /// Closes the open visit `id`, computing and storing its figures with the audit entry
    /// (`visit.close`, the figures as detail).
    pub fn close_visit(
        &mut self,
        id: i64,
        by: &str,
        now_ms: i64,
    ) -> Result<VisitFigures, StoreError> {
        let tx = self.conn.transaction()?;
        let status: Option<String> = tx
            .query_row("SELECT status FROM visits WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()?;
        match status.as_deref() {
            Some("open") => {}
            Some(s) => return Err(StoreError::Refused(format!("visit {id} is {s}, not open"))),
            None => return Err(StoreError::Refused(format!("no visit {id}"))),
        }
        let figures = figures_of(&tx, id)?;
        let text =
            serde_json::to_string(&figures).map_err(|e| StoreError::Refused(e.to_string()))?;
        tx.execute(
            "UPDATE visits SET status = 'closed', closed_by = ?2, closed_ms = ?3, figures = ?4 WHERE id = ?1",
            params![id, by, now_ms, text],
        )?;
        audit::append(
            &tx,
            &AuditEntry::new(
                now_ms,
                by,
                "visit.close",
                &id.to_string(),
                serde_json::to_value(figures).map_err(|e| StoreError::Refused(e.to_string()))?,
            ),
        )?;
        tx.commit()?;
        self.advance_anchor();
        Ok(figures)
    }

    /// The open visit, if any.
    pub fn open_visit_now(&self) -> Result<Option<Visit>, StoreError> {
        load_visit(&self.conn, "v.status = 'open' AND ?1 = ?1", 0)
    }

    /// One visit.
    pub fn visit(&self, id: i64) -> Result<Option<Visit>, StoreError> {
        load_visit(&self.conn, "v.id = ?1", id)
    }

    /// Every visit, newest day first.
    pub fn visits(&self) -> Result<Vec<Visit>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT id FROM visits ORDER BY day DESC, id DESC")?;
        let ids = stmt
            .query_map([], |r| r.get(0))?
            .collect::<Result<Vec<i64>, _>>()?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(v) = self.visit(id)? {
                out.push(v);
            }
        }
        Ok(out)
    }

    /// The figures of a visit: stored ones once closed, computed now while planned or open.
    pub fn visit_figures(&mut self, id: i64) -> Result<Option<VisitFigures>, StoreError> {
        let Some(v) = self.visit(id)? else {
            return Ok(None);
        };
        if let Some(f) = v.figures {
            return Ok(Some(f));
        }
        let tx = self.conn.transaction()?;
        let f = figures_of(&tx, id)?;
        drop(tx);
        Ok(Some(f))
    }

    /// Notes that a session started while visit `visit_id` was open (counted as started there).
    pub fn note_visit_session(
        &mut self,
        session_id: &str,
        visit_id: i64,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT OR IGNORE INTO visit_sessions (session_id, visit_id, started_ms) VALUES (?1, ?2, ?3)",
            params![session_id, visit_id, now_ms],
        )?;
        Ok(())
    }

    /// Whether the enrollment was flagged a first-time voter when it was finalized.
    pub fn is_first_time_voter(&self, enrollment_id: &str) -> Result<bool, StoreError> {
        Ok(self.conn.query_row(
            "SELECT EXISTS(SELECT 1 FROM first_time_voters WHERE enrollment_id = ?1)",
            [enrollment_id],
            |r| r.get(0),
        )?)
    }

    /// The visit an enrollment was finalized during, if any.
    pub fn visit_of_enrollment(&self, enrollment_id: &str) -> Result<Option<i64>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT visit_id FROM visit_sessions WHERE session_id = ?1 AND finalized_ms IS NOT NULL",
                [enrollment_id],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Suggested next visits: desa with open worklist entries and no visit (planned, open or
    /// closed) on or after `since` (`YYYY-MM-DD`), kecamatan with the largest backlog first and,
    /// within one, desa with the largest first; at most `limit` rows.
    pub fn plan_visits(&self, since: &str, limit: usize) -> Result<Vec<PlanRow>, StoreError> {
        let mut stmt = self.conn.prepare(
            "WITH backlog AS (
                SELECT kecamatan_code, desa_code, count(*) AS n FROM worklist_entries
                WHERE status = 'open' GROUP BY kecamatan_code, desa_code),
             kec AS (SELECT kecamatan_code, sum(n) AS total FROM backlog GROUP BY kecamatan_code)
             SELECT b.kecamatan_code, k.name, kec.total, b.desa_code, d.name, b.n,
                (SELECT max(day) FROM visits v WHERE v.desa_code = b.desa_code)
             FROM backlog b JOIN kec ON kec.kecamatan_code = b.kecamatan_code
             JOIN worklist_regions k ON k.code = b.kecamatan_code
             JOIN worklist_regions d ON d.code = b.desa_code
             WHERE NOT EXISTS (SELECT 1 FROM visits v WHERE v.desa_code = b.desa_code AND v.day >= ?1)
             ORDER BY kec.total DESC, b.kecamatan_code, b.n DESC, b.desa_code
             LIMIT ?2",
        )?;
        let rows = stmt
            .query_map(params![since, limit as i64], |r| {
                Ok(PlanRow {
                    kecamatan_code: r.get(0)?,
                    kecamatan: r.get(1)?,
                    kecamatan_backlog: r.get::<_, i64>(2)?.max(0) as u64,
                    desa_code: r.get(3)?,
                    desa: r.get(4)?,
                    backlog: r.get::<_, i64>(5)?.max(0) as u64,
                    last_visit: r.get(6)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }
}
