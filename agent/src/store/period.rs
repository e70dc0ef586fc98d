//! The raw material of the office's figures over a period: one [`Event`] per enrollment started,
//! finalized, delivered or rejected and per card printed or collected, each carrying the
//! dimensions it is counted under (operator, unit, desa, kecamatan); the worklist's coverage per
//! kecamatan and desa as of a moment; and the data problems (entries closed as deceased, moved
//! away or not found) decided in a window.
//!
//! Contract: nothing here writes except [`finalize_detail`], which [`super::Store::finalize`]
//! puts in its audit entry so the enrollment's dimensions survive the session's biometrics
//! being purged: `operator`, `unit` (`office` or the mobile unit's id), `desa` and `kecamatan`
//! (the resident's village and district as recorded), `started_ms`, the finger `exceptions`
//! with their reasons and the number of `forced` captures. Delivered, rejected and card events
//! take the dimensions of their enrollment's finalize entry (the operator who recorded it);
//! an enrollment finalized before these facts were recorded counts under its audit actor and
//! [`UNKNOWN`] places. Times of rejections are the registry's, inside its signed answer.
//!
//! The mobile-unit visit an enrollment was started during ([`Dims::visit`], labelled
//! `#ID place (day)`) comes from the `visit_sessions` table, and the first-time voter flag of a
//! finalized enrollment from `first_time_voters` (store schema 7).

use std::collections::HashMap;

use rusqlite::params;
use serde::Serialize;
use serde_json::{Value, json};

use rekam_protocol::model::RecordingUnit;
use rekam_protocol::rejection::SignedRejection;

use super::figures::Window;
use super::{Store, StoreError};
use crate::workflow::Session;

/// The name given to a dimension that was not recorded.
pub const UNKNOWN: &str = "(tidak tercatat)";

/// What happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// A session was started.
    Started,
    /// An enrollment was finalized (sealed into the outbox).
    Finalized,
    /// The registry receipted its packet.
    Delivered,
    /// The registry rejected its packet.
    Rejected,
    /// A card was printed for it.
    CardPrinted,
    /// Its card was handed over.
    CardCollected,
}

/// The dimensions an event counts under.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Dims {
    /// The operator who recorded the enrollment.
    pub operator: String,
    /// `office` or the mobile unit's id.
    pub unit: String,
    /// The resident's desa/kelurahan as recorded.
    pub desa: String,
    /// The resident's kecamatan as recorded.
    pub kecamatan: String,
    /// The mobile-unit visit the session was started during, as `#ID place (day)`.
    pub visit: Option<String>,
}

impl Dims {
    fn unknown(operator: &str) -> Dims {
        Dims {
            operator: operator.to_string(),
            unit: UNKNOWN.into(),
            desa: UNKNOWN.into(),
            kecamatan: UNKNOWN.into(),
            visit: None,
        }
    }
}

/// One thing that happened in the window.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Event {
    /// What.
    pub kind: EventKind,
    /// When (Unix ms).
    pub at_ms: i64,
    /// To which enrollment.
    pub enrollment_id: String,
    /// Under which dimensions.
    pub dims: Dims,
    /// Finalized: milliseconds from start to finalize.
    pub duration_ms: Option<i64>,
    /// Finalized: fingers recorded as exceptions, with their reasons (`amputated`, ...).
    pub exceptions: Vec<(u8, String)>,
    /// Finalized: captures kept below their quality gate.
    pub forced: u32,
    /// Finalized: the resident is a first-time voter ("pemilih pemula", see
    /// [`crate::workflow::eligibility`]).
    pub first_time_voter: bool,
}

/// What the finalize entry records about an enrollment.
#[derive(Clone, Debug)]
struct Facts {
    dims: Dims,
    started_ms: Option<i64>,
    exceptions: Vec<(u8, String)>,
    forced: u32,
}

/// The detail of a `finalize` audit entry: the packet and the facts the figures count by.
pub fn finalize_detail(session: &Session, packet_id: &str) -> Value {
    let unit = match &session.context.unit {
        RecordingUnit::Office => "office".to_string(),
        RecordingUnit::Mobile { unit_id, .. } => unit_id.clone(),
    };
    let exceptions: Vec<Value> = session
        .finger_exceptions()
        .into_iter()
        .map(|(finger, reason)| {
            json!({ "finger": finger, "reason": serde_json::to_value(reason).unwrap_or(Value::Null) })
        })
        .collect();
    let forced = session
        .needs_approval()
        .iter()
        .filter(|c| c.starts_with("forced_"))
        .count();
    json!({
        "packet_id": packet_id,
        "operator": session.context.operator_id,
        "unit": unit,
        "desa": session.applicant.address.village,
        "kecamatan": session.applicant.address.district,
        "started_ms": session.context.started_at.unix_ms(),
        "exceptions": exceptions,
        "forced": forced,
    })
}

/// The detail of a `session.start` audit entry: the resident's NIK and the places and unit
/// the figures count a started session under before it is finalized.
pub fn start_detail(session: &Session) -> Value {
    let unit = match &session.context.unit {
        RecordingUnit::Office => "office".to_string(),
        RecordingUnit::Mobile { unit_id, .. } => unit_id.clone(),
    };
    json!({
        "nik": session.applicant.nik.to_string(),
        "unit": unit,
        "desa": session.applicant.address.village,
        "kecamatan": session.applicant.address.district,
    })
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .map(str::to_string)
}

fn facts_of(actor: &str, detail: &Value) -> Facts {
    let mut dims = Dims::unknown(&text(detail, "operator").unwrap_or_else(|| actor.into()));
    if let Some(u) = text(detail, "unit") {
        dims.unit = u;
    }
    if let Some(d) = text(detail, "desa") {
        dims.desa = d;
    }
    if let Some(k) = text(detail, "kecamatan") {
        dims.kecamatan = k;
    }
    let exceptions = detail
        .get("exceptions")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|e| {
                    Some((
                        u8::try_from(e.get("finger")?.as_u64()?).ok()?,
                        e.get("reason")?.as_str()?.to_string(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    Facts {
        dims,
        started_ms: detail.get("started_ms").and_then(Value::as_i64),
        exceptions,
        forced: detail
            .get("forced")
            .and_then(Value::as_u64)
            .and_then(|n| u32::try_from(n).ok())
            .unwrap_or(0),
    }
}

/// Coverage of the worklist in one desa.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Coverage {
    /// Kecamatan code.
    pub kecamatan_code: String,
    /// Kecamatan name.
    pub kecamatan: String,
    /// Desa code.
    pub desa_code: String,
    /// Desa name.
    pub desa: String,
    /// Entries on the list.
    pub listed: u64,
    /// Entries that must record: all but those closed as deceased or moved away.
    pub obliged: u64,
    /// Matched to an enrollment here, or closed as recorded elsewhere.
    pub recorded: u64,
    /// Obliged and not recorded.
    pub backlog: u64,
    /// Closed as deceased.
    pub deceased: u64,
    /// Closed as moved away.
    pub moved_away: u64,
    /// Closed as not found at the address (still obliged).
    pub not_found: u64,
    /// Closed as refused (still obliged).
    pub refused: u64,
}

/// A worklist entry closed as a data problem for the office to correct.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// Entry id.
    pub entry_id: i64,
    /// `deceased`, `moved-away` or `not-found`.
    pub outcome: String,
    /// Resident's name.
    pub name: String,
    /// NIK when known.
    pub nik: Option<String>,
    /// Address on the list.
    pub address: String,
    /// Desa name.
    pub desa: String,
    /// Kecamatan name.
    pub kecamatan: String,
    /// The closing note.
    pub note: Option<String>,
    /// Who closed it.
    pub decided_by: Option<String>,
    /// When.
    pub decided_ms: Option<i64>,
}

impl Store {
    /// Every event in `w`, oldest first (ties by kind, then enrollment).
    pub fn period_events(&self, w: Window) -> Result<Vec<Event>, StoreError> {
        // The facts of every finalized enrollment, by enrollment id, and start times.
        let mut facts: HashMap<String, Facts> = HashMap::new();
        let mut starts: HashMap<String, (i64, String, Value)> = HashMap::new();
        let mut finals: Vec<(i64, String)> = Vec::new();
        {
            let mut stmt = self.conn.prepare(
                "SELECT at_ms, actor, action, subject, detail FROM audit
                 WHERE action IN ('session.start', 'finalize') ORDER BY seq",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                ))
            })?;
            for row in rows {
                let (at, actor, action, subject, detail) = row?;
                let detail: Value = serde_json::from_str(&detail).unwrap_or(Value::Null);
                if action == "finalize" {
                    facts.insert(subject.clone(), facts_of(&actor, &detail));
                    finals.push((at, subject));
                } else {
                    starts.entry(subject).or_insert((at, actor, detail));
                }
            }
        }
        // Sessions started during a visit, and first-time voters, by enrollment id.
        let mut visits: HashMap<String, String> = HashMap::new();
        {
            let mut stmt = self.conn.prepare(
                "SELECT s.session_id, v.id, v.place_name, v.day
                 FROM visit_sessions s JOIN visits v ON v.id = s.visit_id",
            )?;
            for row in stmt.query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                ))
            })? {
                let (session, id, place, day) = row?;
                visits.insert(session, format!("#{id} {place} ({day})"));
            }
        }
        let voters: std::collections::HashSet<String> = self
            .conn
            .prepare("SELECT enrollment_id FROM first_time_voters")?
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<Result<_, _>>()?;
        let in_w = |at: i64| (w.start_ms..w.end_ms).contains(&at);
        let dims_of = |id: &str| -> Dims {
            let mut d = match facts.get(id) {
                Some(f) => f.dims.clone(),
                None => match starts.get(id) {
                    Some((_, actor, detail)) => facts_of(actor, detail).dims,
                    None => Dims::unknown(UNKNOWN),
                },
            };
            d.visit = visits.get(id).cloned();
            d
        };
        let event = |kind, at_ms, id: &str| Event {
            kind,
            at_ms,
            enrollment_id: id.to_string(),
            dims: dims_of(id),
            duration_ms: None,
            exceptions: Vec::new(),
            forced: 0,
            first_time_voter: false,
        };
        let mut out = Vec::new();
        for (id, (at, _, _)) in &starts {
            if in_w(*at) {
                out.push(event(EventKind::Started, *at, id));
            }
        }
        for (at, id) in &finals {
            if !in_w(*at) {
                continue;
            }
            let mut e = event(EventKind::Finalized, *at, id);
            e.first_time_voter = voters.contains(id);
            if let Some(f) = facts.get(id) {
                let started = f.started_ms.or_else(|| starts.get(id).map(|s| s.0));
                e.duration_ms = started.map(|s| at - s).filter(|d| *d >= 0);
                e.exceptions = f.exceptions.clone();
                e.forced = f.forced;
            }
            out.push(e);
        }
        {
            let mut stmt = self.conn.prepare(
                "SELECT enrollment_id, delivered_ms FROM outbox
                 WHERE state = 'delivered' AND delivered_ms >= ?1 AND delivered_ms < ?2",
            )?;
            for row in stmt.query_map(params![w.start_ms, w.end_ms], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
            })? {
                let (id, at) = row?;
                out.push(event(EventKind::Delivered, at, &id));
            }
            let mut stmt = self.conn.prepare(
                "SELECT enrollment_id, rejection FROM outbox
                 WHERE state = 'rejected' AND rejection IS NOT NULL",
            )?;
            for row in stmt.query_map([], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?))
            })? {
                let (id, doc) = row?;
                if let Ok(signed) = SignedRejection::parse(&doc) {
                    let at = signed.rejection.rejected_at.unix_ms();
                    if in_w(at) {
                        out.push(event(EventKind::Rejected, at, &id));
                    }
                }
            }
            let mut stmt = self.conn.prepare(
                "SELECT enrollment_id, printed_ms, collected_ms FROM print_orders
                 WHERE (printed_ms >= ?1 AND printed_ms < ?2)
                    OR (collected_ms >= ?1 AND collected_ms < ?2)",
            )?;
            for row in stmt.query_map(params![w.start_ms, w.end_ms], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<i64>>(1)?,
                    r.get::<_, Option<i64>>(2)?,
                ))
            })? {
                let (id, printed, collected) = row?;
                if let Some(at) = printed.filter(|a| in_w(*a)) {
                    out.push(event(EventKind::CardPrinted, at, &id));
                }
                if let Some(at) = collected.filter(|a| in_w(*a)) {
                    out.push(event(EventKind::CardCollected, at, &id));
                }
            }
        }
        out.sort_by(|a, b| {
            (a.at_ms, a.kind as u8, &a.enrollment_id).cmp(&(
                b.at_ms,
                b.kind as u8,
                &b.enrollment_id,
            ))
        });
        Ok(out)
    }

    /// The worklist's coverage per desa as it stood just before `as_of_ms` (decisions made
    /// later do not count), by kecamatan code then desa code.
    pub fn worklist_coverage(&self, as_of_ms: i64) -> Result<Vec<Coverage>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT e.kecamatan_code, k.name, e.desa_code, d.name,
                    COUNT(*),
                    SUM(e.status = 'matched' AND e.decided_ms < ?1),
                    SUM(e.status = 'closed' AND e.decided_ms < ?1 AND e.outcome = 'recorded-elsewhere'),
                    SUM(e.status = 'closed' AND e.decided_ms < ?1 AND e.outcome = 'deceased'),
                    SUM(e.status = 'closed' AND e.decided_ms < ?1 AND e.outcome = 'moved-away'),
                    SUM(e.status = 'closed' AND e.decided_ms < ?1 AND e.outcome = 'not-found'),
                    SUM(e.status = 'closed' AND e.decided_ms < ?1 AND e.outcome = 'refused')
             FROM worklist_entries e
             JOIN worklist_regions k ON k.code = e.kecamatan_code
             JOIN worklist_regions d ON d.code = e.desa_code
             GROUP BY e.kecamatan_code, e.desa_code
             ORDER BY e.kecamatan_code, e.desa_code",
        )?;
        let rows = stmt
            .query_map([as_of_ms], |r| {
                let n = |i: usize| -> rusqlite::Result<u64> {
                    Ok(r.get::<_, Option<i64>>(i)?.unwrap_or(0).max(0) as u64)
                };
                let listed = n(4)?;
                let recorded = n(5)? + n(6)?;
                let (deceased, moved_away) = (n(7)?, n(8)?);
                let obliged = listed.saturating_sub(deceased + moved_away);
                Ok(Coverage {
                    kecamatan_code: r.get(0)?,
                    kecamatan: r.get(1)?,
                    desa_code: r.get(2)?,
                    desa: r.get(3)?,
                    listed,
                    obliged,
                    recorded,
                    backlog: obliged.saturating_sub(recorded),
                    deceased,
                    moved_away,
                    not_found: n(9)?,
                    refused: n(10)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Entries closed in `w` as deceased, moved away or not found, by kecamatan, desa, name.
    pub fn worklist_problems(&self, w: Window) -> Result<Vec<Problem>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT e.id, e.outcome, e.name, e.nik, e.address, d.name, k.name, e.note,
                    e.decided_by, e.decided_ms
             FROM worklist_entries e
             JOIN worklist_regions k ON k.code = e.kecamatan_code
             JOIN worklist_regions d ON d.code = e.desa_code
             WHERE e.status = 'closed' AND e.outcome IN ('deceased', 'moved-away', 'not-found')
               AND e.decided_ms >= ?1 AND e.decided_ms < ?2
             ORDER BY e.kecamatan_code, e.desa_code, e.name_key, e.id",
        )?;
        let rows = stmt
            .query_map(params![w.start_ms, w.end_ms], |r| {
                Ok(Problem {
                    entry_id: r.get(0)?,
                    outcome: r.get(1)?,
                    name: r.get(2)?,
                    nik: r.get(3)?,
                    address: r.get(4)?,
                    desa: r.get(5)?,
                    kecamatan: r.get(6)?,
                    note: r.get(7)?,
                    decided_by: r.get(8)?,
                    decided_ms: r.get(9)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }
}
