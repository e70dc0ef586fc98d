//! The office's figures over a period: enrollments started, finalized, delivered and rejected,
//! finger exceptions (with reasons) and forced captures, the median enrollment time, cards
//! printed and collected, grouped by day, operator (and shift), unit, desa or kecamatan; and the
//! worklist's coverage and backlog. Shared by `rekam figures`, the console's figures page and
//! the signed reports ([`report`]).
//!
//! Contract: a period is a range of whole local days `from..=to` (at most [`MAX_DAYS`]) in the
//! workstation's time zone; every event is counted once in the group its dimensions name
//! ([`crate::store::period`]); grouping by day lists every day of the period, even empty ones.
//! The median enrollment time is over the enrollments finalized in the group, start to
//! finalize, the mean of the two middle values for an even count (whole milliseconds, rounded
//! down). CSV output neutralises cells a spreadsheet would read as a formula.

pub mod pdf;
pub mod report;
pub mod svg;
pub mod text;

use std::collections::BTreeMap;

use serde::Serialize;
use time::{Date, Duration};

use crate::store::figures::{Window, date_window};
use crate::store::period::{Coverage, Event, EventKind, Problem};
use crate::store::{Store, StoreError};

/// The longest period the figures cover at once.
pub const MAX_DAYS: i64 = 366;

/// Why a period or grouping was refused.
#[derive(Debug, thiserror::Error)]
pub enum FiguresError {
    /// Not a date.
    #[error("--{which} {value:?} is not a date; write it as YYYY-MM-DD, e.g. 2026-12-01")]
    BadDate {
        /// `from`, `to` or `date`.
        which: &'static str,
        /// What was given.
        value: String,
    },
    /// The period ends before it starts.
    #[error("the period ends ({to}) before it starts ({from})")]
    Backwards {
        /// First day.
        from: String,
        /// Last day.
        to: String,
    },
    /// The period is too long.
    #[error("the period {from} to {to} spans {days} days; at most {MAX_DAYS} at once")]
    TooLong {
        /// First day.
        from: String,
        /// Last day.
        to: String,
        /// Days.
        days: i64,
    },
    /// Unknown grouping.
    #[error("--by {0:?} is not a grouping; use day, operator, kecamatan, desa or unit")]
    BadGrouping(String),
    /// Bad shift boundaries.
    #[error(
        "shift start {0:?} is not a time of day; give shift starts as HH:MM, comma-separated, e.g. 07:00,13:00"
    )]
    BadShift(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A range of whole local days.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    /// First day.
    pub from: Date,
    /// Last day (inclusive).
    pub to: Date,
    /// The time zone, minutes east of UTC.
    pub offset_minutes: i32,
}

fn parse_date(which: &'static str, value: &str) -> Result<Date, FiguresError> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(value.trim(), &format).map_err(|_| FiguresError::BadDate {
        which,
        value: value.to_string(),
    })
}

/// `YYYY-MM-DD`.
pub fn format_date(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

impl Period {
    /// The days `from..=to` given as `YYYY-MM-DD`, checked.
    pub fn parse(from: &str, to: &str, offset_minutes: i32) -> Result<Period, FiguresError> {
        let (f, t) = (parse_date("from", from)?, parse_date("to", to)?);
        Self::new(f, t, offset_minutes)
    }

    /// The days `from..=to`, checked.
    pub fn new(from: Date, to: Date, offset_minutes: i32) -> Result<Period, FiguresError> {
        if to < from {
            return Err(FiguresError::Backwards {
                from: format_date(from),
                to: format_date(to),
            });
        }
        let days = (to - from).whole_days() + 1;
        if days > MAX_DAYS {
            return Err(FiguresError::TooLong {
                from: format_date(from),
                to: format_date(to),
                days,
            });
        }
        Ok(Period {
            from,
            to,
            offset_minutes,
        })
    }

    /// One day.
    pub fn day(date: &str, offset_minutes: i32) -> Result<Period, FiguresError> {
        let d = parse_date("date", date)?;
        Self::new(d, d, offset_minutes)
    }

    /// The window from the first day's midnight to the midnight after the last.
    pub fn window(&self) -> Window {
        let start = date_window(&format_date(self.from), self.offset_minutes);
        let end = date_window(&format_date(self.to), self.offset_minutes);
        match (start, end) {
            (Some(s), Some(e)) => Window {
                start_ms: s.start_ms,
                end_ms: e.end_ms,
            },
            // Dates are valid and the offset is clamped by the caller's configuration.
            _ => Window {
                start_ms: 0,
                end_ms: 0,
            },
        }
    }

    /// Every day of the period.
    pub fn days(&self) -> Vec<Date> {
        let mut out = Vec::new();
        let mut d = self.from;
        while d <= self.to {
            out.push(d);
            d += Duration::days(1);
        }
        out
    }

    /// `2026-12-01` or `2026-12-01 – 2026-12-31`.
    pub fn label(&self) -> String {
        if self.from == self.to {
            format_date(self.from)
        } else {
            format!("{} – {}", format_date(self.from), format_date(self.to))
        }
    }
}

/// What the rows are grouped by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum By {
    /// Local calendar day.
    Day,
    /// Operator who recorded (and shift).
    Operator,
    /// The resident's kecamatan.
    Kecamatan,
    /// The resident's desa (with its kecamatan).
    Desa,
    /// Office desk or mobile unit.
    Unit,
    /// Mobile-unit visit (enrollments started outside a visit have an empty key).
    Visit,
}

impl By {
    /// Every grouping, in the order pages show them.
    pub const ALL: [By; 6] = [
        By::Day,
        By::Operator,
        By::Kecamatan,
        By::Desa,
        By::Unit,
        By::Visit,
    ];

    /// From its command-line name.
    pub fn parse(s: &str) -> Result<By, FiguresError> {
        Ok(match s.trim() {
            "day" => By::Day,
            "operator" => By::Operator,
            "kecamatan" => By::Kecamatan,
            "desa" => By::Desa,
            "unit" => By::Unit,
            "visit" => By::Visit,
            other => return Err(FiguresError::BadGrouping(other.to_string())),
        })
    }

    /// Its command-line name.
    pub fn name(self) -> &'static str {
        match self {
            By::Day => "day",
            By::Operator => "operator",
            By::Kecamatan => "kecamatan",
            By::Desa => "desa",
            By::Unit => "unit",
            By::Visit => "visit",
        }
    }
}

/// Shift boundaries: the local times of day (minutes after midnight) at which shifts start.
/// None (the default) is one shift for the whole day.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Shifts {
    starts: Vec<u16>,
}

impl Shifts {
    /// From `07:00,13:00`; empty text is one shift.
    pub fn parse(text: &str) -> Result<Shifts, FiguresError> {
        let mut starts = Vec::new();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let bad = || FiguresError::BadShift(part.to_string());
            let (h, m) = part.split_once(':').ok_or_else(bad)?;
            let (h, m): (u16, u16) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
            if h > 23 || m > 59 || part.len() != 5 {
                return Err(bad());
            }
            starts.push(h * 60 + m);
        }
        starts.sort_unstable();
        starts.dedup();
        Ok(Shifts { starts })
    }

    /// The shift holding local minute-of-day `minute`, as `07:00–13:00`; empty with one shift.
    pub fn label(&self, minute: u16) -> String {
        if self.starts.is_empty() {
            return String::new();
        }
        let n = self.starts.len();
        // The last start at or before the minute; before the first start it is the shift that
        // began the evening before.
        let i = self
            .starts
            .iter()
            .rposition(|s| *s <= minute)
            .unwrap_or(n - 1);
        let (a, b) = (self.starts[i], self.starts[(i + 1) % n]);
        format!("{:02}:{:02}–{:02}:{:02}", a / 60, a % 60, b / 60, b % 60)
    }
}

/// The figures of one group.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Row {
    /// The group: a date, an operator id, a kecamatan, a desa or a unit.
    pub key: String,
    /// The desa's kecamatan (by desa), or the shift (by operator, when shifts are configured).
    pub sub: String,
    /// Sessions started.
    pub started: u64,
    /// Enrollments finalized.
    pub finalized: u64,
    /// Of those, first-time voters ("pemilih pemula").
    pub first_time_voters: u64,
    /// Packets the registry receipted.
    pub delivered: u64,
    /// Packets the registry rejected.
    pub rejected: u64,
    /// Fingers recorded as exceptions.
    pub exceptions: u64,
    /// Exceptions by reason (`amputated`, `bandaged`, `unable_to_print`).
    pub exception_reasons: BTreeMap<String, u64>,
    /// Captures kept below their quality gate.
    pub forced: u64,
    /// Median start-to-finalize time, ms.
    pub median_ms: Option<i64>,
    /// Cards printed.
    pub cards_printed: u64,
    /// Cards handed over.
    pub cards_collected: u64,
}

impl Row {
    fn add(&mut self, e: &Event, durations: &mut Vec<i64>) {
        match e.kind {
            EventKind::Started => self.started += 1,
            EventKind::Finalized => {
                self.finalized += 1;
                self.first_time_voters += u64::from(e.first_time_voter);
                self.forced += u64::from(e.forced);
                for (_, reason) in &e.exceptions {
                    self.exceptions += 1;
                    *self.exception_reasons.entry(reason.clone()).or_default() += 1;
                }
                if let Some(d) = e.duration_ms {
                    durations.push(d);
                }
            }
            EventKind::Delivered => self.delivered += 1,
            EventKind::Rejected => self.rejected += 1,
            EventKind::CardPrinted => self.cards_printed += 1,
            EventKind::CardCollected => self.cards_collected += 1,
        }
    }
}

/// The median of `v` (mean of the two middle values for an even count, rounded down).
pub fn median(v: &mut [i64]) -> Option<i64> {
    if v.is_empty() {
        return None;
    }
    v.sort_unstable();
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]).div_euclid(2)
    })
}

/// The figures of a period grouped one way, with the total.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Table {
    /// The grouping.
    pub by: By,
    /// One row per group, in key order (days in date order).
    pub rows: Vec<Row>,
    /// The whole period.
    pub total: Row,
}

/// The local date and minute of day of `at_ms`.
fn local(at_ms: i64, offset_minutes: i32) -> (String, u16) {
    let local_ms = at_ms + i64::from(offset_minutes) * 60_000;
    let day_ms = local_ms.rem_euclid(86_400_000);
    let (_, date) = crate::store::figures::day_window(at_ms, offset_minutes);
    (date, (day_ms / 60_000) as u16)
}

/// Groups `events` of `period` by `by`.
pub fn group(events: &[Event], period: &Period, by: By, shifts: &Shifts) -> Table {
    let mut groups: BTreeMap<(String, String), (Row, Vec<i64>)> = BTreeMap::new();
    if by == By::Day {
        for d in period.days() {
            let key = format_date(d);
            groups.insert(
                (key.clone(), String::new()),
                (
                    Row {
                        key,
                        ..Row::default()
                    },
                    Vec::new(),
                ),
            );
        }
    }
    let mut total = Row {
        key: period.label(),
        ..Row::default()
    };
    let mut all = Vec::new();
    for e in events {
        let (date, minute) = local(e.at_ms, period.offset_minutes);
        let (key, sub) = match by {
            By::Day => (date, String::new()),
            By::Operator => (e.dims.operator.clone(), shifts.label(minute)),
            By::Kecamatan => (e.dims.kecamatan.clone(), String::new()),
            By::Desa => (e.dims.desa.clone(), e.dims.kecamatan.clone()),
            By::Unit => (e.dims.unit.clone(), String::new()),
            By::Visit => (e.dims.visit.clone().unwrap_or_default(), String::new()),
        };
        // Desa names repeat across kecamatan: a desa is keyed by its kecamatan first.
        let sort_key = if by == By::Desa {
            (sub.clone(), key.clone())
        } else {
            (key.clone(), sub.clone())
        };
        let (row, durations) = groups.entry(sort_key).or_insert_with(|| {
            (
                Row {
                    key,
                    sub,
                    ..Row::default()
                },
                Vec::new(),
            )
        });
        row.add(e, durations);
        total.add(e, &mut all);
    }
    total.median_ms = median(&mut all);
    let rows = groups
        .into_values()
        .map(|(mut row, mut d)| {
            row.median_ms = median(&mut d);
            row
        })
        .collect();
    Table { by, rows, total }
}

/// Coverage of a kecamatan: its desa summed.
pub fn coverage_by_kecamatan(desa: &[Coverage]) -> Vec<Coverage> {
    let mut out: BTreeMap<String, Coverage> = BTreeMap::new();
    for c in desa {
        let k = out
            .entry(c.kecamatan_code.clone())
            .or_insert_with(|| Coverage {
                kecamatan_code: c.kecamatan_code.clone(),
                kecamatan: c.kecamatan.clone(),
                ..Coverage::default()
            });
        k.listed += c.listed;
        k.obliged += c.obliged;
        k.recorded += c.recorded;
        k.backlog += c.backlog;
        k.deceased += c.deceased;
        k.moved_away += c.moved_away;
        k.not_found += c.not_found;
        k.refused += c.refused;
    }
    out.into_values().collect()
}

/// Recorded over obliged, in percent with one decimal (`97.9`), or `None` when nobody is
/// obliged.
pub fn percent(recorded: u64, obliged: u64) -> Option<String> {
    if obliged == 0 {
        return None;
    }
    let tenths = (recorded * 1000 + obliged / 2) / obliged;
    Some(format!("{}.{}", tenths / 10, tenths % 10))
}

/// Everything a page or report shows for a period.
#[derive(Clone, Debug, Serialize)]
pub struct PeriodFigures {
    /// The first day, `YYYY-MM-DD`.
    pub from: String,
    /// The last day.
    pub to: String,
    /// One table per grouping.
    pub tables: Vec<Table>,
    /// Coverage per desa at the end of the period.
    pub coverage: Vec<Coverage>,
    /// Coverage per kecamatan (the desa summed).
    pub coverage_kecamatan: Vec<Coverage>,
    /// Worklist entries closed in the period as deceased, moved away or not found.
    pub problems: Vec<Problem>,
}

/// Reads and groups the figures of `period` every way.
pub fn compute(
    store: &Store,
    period: &Period,
    shifts: &Shifts,
) -> Result<PeriodFigures, FiguresError> {
    let w = period.window();
    let events = store.period_events(w)?;
    let coverage = store.worklist_coverage(w.end_ms)?;
    Ok(PeriodFigures {
        from: format_date(period.from),
        to: format_date(period.to),
        tables: By::ALL
            .iter()
            .map(|by| group(&events, period, *by, shifts))
            .collect(),
        coverage_kecamatan: coverage_by_kecamatan(&coverage),
        coverage,
        problems: store.worklist_problems(w)?,
    })
}

/// A CSV cell: quoted when it holds a separator, quote or line break, and prefixed with `'`
/// when a spreadsheet would take it for a formula (`=`, `+`, `-`, `@`, tab, carriage return).
pub fn csv_cell(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// The column names of [`csv`], after the grouping's own.
pub const COLUMNS: [&str; 14] = [
    "started",
    "finalized",
    "first_time_voters",
    "delivered",
    "rejected",
    "exceptions",
    "exceptions_amputated",
    "exceptions_bandaged",
    "exceptions_unable_to_print",
    "forced",
    "median_minutes",
    "cards_printed",
    "cards_collected",
    "rows_kind",
];

/// Median milliseconds as minutes with one decimal.
pub fn minutes(ms: Option<i64>) -> String {
    ms.map(|m| {
        let tenths = (m + 3_000) / 6_000;
        format!("{}.{}", tenths / 10, tenths % 10)
    })
    .unwrap_or_default()
}

/// The table as CSV (header, rows, then the total marked `total` in the last column).
pub fn csv(t: &Table) -> String {
    let sub = match t.by {
        By::Desa => "kecamatan",
        By::Operator => "shift",
        _ => "",
    };
    let mut out = String::new();
    out.push_str(t.by.name());
    if !sub.is_empty() {
        out.push(',');
        out.push_str(sub);
    }
    for c in COLUMNS {
        out.push(',');
        out.push_str(c);
    }
    out.push('\n');
    let line = |r: &Row, kind: &str| {
        let reason = |k: &str| r.exception_reasons.get(k).copied().unwrap_or(0).to_string();
        let mut cells = vec![csv_cell(&r.key)];
        if !sub.is_empty() {
            cells.push(csv_cell(&r.sub));
        }
        cells.extend([
            r.started.to_string(),
            r.finalized.to_string(),
            r.first_time_voters.to_string(),
            r.delivered.to_string(),
            r.rejected.to_string(),
            r.exceptions.to_string(),
            reason("amputated"),
            reason("bandaged"),
            reason("unable_to_print"),
            r.forced.to_string(),
            minutes(r.median_ms),
            r.cards_printed.to_string(),
            r.cards_collected.to_string(),
            kind.to_string(),
        ]);
        cells.join(",") + "\n"
    };
    for r in &t.rows {
        out.push_str(&line(r, "group"));
    }
    let mut total = t.total.clone();
    total.sub.clear();
    out.push_str(&line(&total, "total"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cell_a_spreadsheet_would_run_as_a_formula_is_neutralised() {
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_cell("+62"), "'+62");
        assert_eq!(csv_cell("-1"), "'-1");
        assert_eq!(csv_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_cell("Cibinong, Bogor"), "\"Cibinong, Bogor\"");
        assert_eq!(csv_cell("Sukamaju"), "Sukamaju");
    }

    #[test]
    fn the_median_of_an_even_count_is_the_mean_of_the_middle_two() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [5, 1, 3]), Some(3));
        assert_eq!(median(&mut [4, 1, 3, 10]), Some(3));
        assert_eq!(median(&mut [1, 2]), Some(1));
    }

    #[test]
    fn bad_dates_and_ranges_are_refused_with_what_to_write() {
        let e = Period::parse("2026-12-32", "2026-12-31", 420).expect_err("bad");
        assert!(
            e.to_string()
                .contains("--from \"2026-12-32\" is not a date"),
            "{e}"
        );
        let e = Period::parse("2026-12-02", "kemarin", 420).expect_err("bad");
        assert!(e.to_string().contains("--to \"kemarin\""), "{e}");
        let e = Period::parse("2026-12-02", "2026-12-01", 420).expect_err("bad");
        assert!(
            e.to_string()
                .contains("ends (2026-12-01) before it starts (2026-12-02)"),
            "{e}"
        );
        let e = Period::parse("2025-01-01", "2026-12-01", 420).expect_err("bad");
        assert!(e.to_string().contains("spans 700 days"), "{e}");
        let p = Period::parse("2026-12-01", "2026-12-03", 420).expect("ok");
        assert_eq!(p.days().len(), 3);
        assert_eq!(p.window().end_ms - p.window().start_ms, 3 * 86_400_000);
    }

    #[test]
    fn shifts_name_the_span_holding_a_time_and_wrap_past_midnight() {
        let s = Shifts::parse("13:00, 07:00").expect("shifts");
        assert_eq!(s.label(7 * 60), "07:00–13:00");
        assert_eq!(s.label(12 * 60 + 59), "07:00–13:00");
        assert_eq!(s.label(20 * 60), "13:00–07:00");
        assert_eq!(s.label(3 * 60), "13:00–07:00");
        assert_eq!(Shifts::default().label(600), "");
        assert!(Shifts::parse("7").is_err());
        assert!(Shifts::parse("24:00").is_err());
        assert!(Shifts::parse("7:00").is_err());
    }

    #[test]
    fn coverage_is_recorded_over_obliged_with_one_decimal() {
        assert_eq!(percent(4990, 127_684).as_deref(), Some("3.9"));
        assert_eq!(percent(1, 1).as_deref(), Some("100.0"));
        assert_eq!(percent(0, 0), None);
    }
}
