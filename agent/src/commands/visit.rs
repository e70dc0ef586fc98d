//! `rekam visit ...`: mobile-unit visits ("jemput bola") on the agent's store.
//!
//! Contract: every command takes the database with `--db` (it must exist); commands that change
//! anything name the operator with `--by`, who must have an account, and are audited with them as
//! actor. `new` plans a visit (targets: the desa's open worklist entries unless `--entries`),
//! `open` starts it (one open visit at a time), `close` ends it and prints its figures; `list`,
//! `show` and `plan` read. `plan` suggests desa to visit next, kecamatan with the largest backlog
//! first, leaving out desa visited in the last `--recent-days` days. Errors name the argument at
//! fault and exit 1.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Subcommand;

use super::worklist::{Db, load_config};
use super::{open_existing, operators};
use crate::store::Store;
use crate::store::visits::{
    NewVisit, PLAN_LIMIT, PLAN_RECENT_DAYS, PlaceKind, Visit, VisitFigures, plan_since,
};

/// `rekam visit ...`
#[derive(Subcommand, Debug)]
pub enum VisitCommand {
    /// Plan a visit to a place in a desa on a day, with its staff.
    New {
        #[command(flatten)]
        db: Db,
        /// What kind of place.
        #[arg(long, value_parser = ["school", "prison", "village-hall", "home", "other"])]
        place_kind: String,
        /// The place's name ("SMAN 1 Cileunyi", "Balai Desa Cibiru Wetan", a home address).
        #[arg(long)]
        place: String,
        /// The desa or kelurahan (code or name, a configured region); its kecamatan follows.
        #[arg(long)]
        desa: String,
        /// The day, YYYY-MM-DD.
        #[arg(long)]
        date: String,
        /// The staff's operator ids, comma-separated.
        #[arg(long, value_delimiter = ',', required = true)]
        staff: Vec<String>,
        /// The worklist entries it targets, comma-separated; by default every open entry of the
        /// desa.
        #[arg(long, value_delimiter = ',')]
        entries: Option<Vec<i64>>,
        /// The mobile unit's id; by default the workstation's id when --config makes it a
        /// mobile unit.
        #[arg(long)]
        unit: Option<String>,
        /// The daemon's configuration (for the mobile unit).
        #[arg(long)]
        config: Option<PathBuf>,
        /// The operator planning it.
        #[arg(long)]
        by: String,
    },
    /// Start a planned visit: enrollments finalized until it closes carry it.
    Open {
        #[command(flatten)]
        db: Db,
        /// The visit's id.
        visit: i64,
        /// The operator opening it.
        #[arg(long)]
        by: String,
    },
    /// End the open visit and record its figures.
    Close {
        #[command(flatten)]
        db: Db,
        /// The visit's id.
        visit: i64,
        /// The operator closing it.
        #[arg(long)]
        by: String,
    },
    /// Every visit, newest day first.
    List {
        #[command(flatten)]
        db: Db,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// One visit with its targets and figures.
    Show {
        #[command(flatten)]
        db: Db,
        /// The visit's id.
        visit: i64,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Suggest the next visits: desa by backlog (open worklist entries), kecamatan with the
    /// largest backlog first, leaving out desa visited recently.
    Plan {
        #[command(flatten)]
        db: Db,
        /// At most this many suggestions.
        #[arg(long, default_value_t = PLAN_LIMIT)]
        limit: usize,
        /// Leave out desa with a visit in the last this many days (planned ones included).
        #[arg(long, default_value_t = PLAN_RECENT_DAYS)]
        recent_days: u32,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
}

/// Runs one `rekam visit` command.
pub fn run(cmd: VisitCommand, out: &mut dyn Write) -> Result<()> {
    let now = crate::service::system_ms();
    match cmd {
        VisitCommand::New {
            db,
            place_kind,
            place,
            desa,
            date,
            staff,
            entries,
            unit,
            config,
            by,
        } => {
            let place_kind = PlaceKind::parse(&place_kind)
                .with_context(|| format!("--place-kind {place_kind:?} is not a kind of place"))?;
            let unit_id = match unit {
                Some(u) => Some(u),
                None => load_config(config.as_deref())?.mobile_unit_id(),
            };
            let mut store = operator_store(&db.db, &by)?;
            let v = NewVisit {
                place_kind,
                place_name: place,
                desa,
                day: date,
                unit_id,
                staff,
                entries,
            };
            let id = store.create_visit(&v, &by, now)?;
            let visit = get(&store, id)?;
            writeln!(
                out,
                "visit {id} planned: {} {}, {}, {} on {} ({} worklist entries)",
                visit.place_kind.as_str(),
                visit.place_name,
                visit.desa,
                visit.kecamatan,
                visit.day,
                visit.entries.len()
            )?;
            Ok(())
        }
        VisitCommand::Open { db, visit, by } => {
            let mut store = operator_store(&db.db, &by)?;
            store.open_visit(visit, &by, now)?;
            writeln!(
                out,
                "visit {visit} open: enrollments finalized until it closes carry it"
            )?;
            Ok(())
        }
        VisitCommand::Close { db, visit, by } => {
            let mut store = operator_store(&db.db, &by)?;
            let f = store.close_visit(visit, &by, now)?;
            writeln!(out, "visit {visit} closed")?;
            print_figures(&f, out)
        }
        VisitCommand::List { db, json } => {
            let store = open_existing(&db.db)?;
            let visits = store.visits()?;
            if json {
                writeln!(out, "{}", serde_json::to_string_pretty(&visits)?)?;
            } else if visits.is_empty() {
                writeln!(out, "no visits")?;
            } else {
                for v in &visits {
                    writeln!(
                        out,
                        "{:>5}  {}  {:<7}  {:<12}  {:<30}  {}, {}  {} entries",
                        v.id,
                        v.day,
                        v.status.as_str(),
                        v.place_kind.as_str(),
                        v.place_name,
                        v.desa,
                        v.kecamatan,
                        v.entries.len()
                    )?;
                }
            }
            Ok(())
        }
        VisitCommand::Show { db, visit, json } => {
            let mut store = open_existing(&db.db)?;
            let v = get(&store, visit)?;
            let figures = store.visit_figures(visit)?.unwrap_or_default();
            if json {
                let mut value = serde_json::to_value(&v)?;
                if let Some(o) = value.as_object_mut() {
                    o.insert("figures".into(), serde_json::to_value(figures)?);
                }
                writeln!(out, "{}", serde_json::to_string_pretty(&value)?)?;
                return Ok(());
            }
            writeln!(out, "visit {}: {}", v.id, v.status.as_str())?;
            writeln!(out, "place: {} ({})", v.place_name, v.place_kind.as_str())?;
            writeln!(
                out,
                "desa: {} ({}), kecamatan {} ({})",
                v.desa, v.desa_code, v.kecamatan, v.kecamatan_code
            )?;
            writeln!(out, "day: {}", v.day)?;
            writeln!(out, "unit: {}", v.unit_id.as_deref().unwrap_or("-"))?;
            writeln!(out, "staff: {}", v.staff.join(", "))?;
            let ids: Vec<String> = v.entries.iter().map(i64::to_string).collect();
            writeln!(out, "worklist entries: {}", ids.join(", "))?;
            print_figures(&figures, out)
        }
        VisitCommand::Plan {
            db,
            limit,
            recent_days,
            json,
        } => {
            let store = open_existing(&db.db)?;
            let today = rekam_protocol::Timestamp::from_unix_ms(now).date();
            let since = plan_since(today, recent_days);
            let rows = store.plan_visits(&since, limit)?;
            if json {
                writeln!(out, "{}", serde_json::to_string_pretty(&rows)?)?;
            } else if rows.is_empty() {
                writeln!(
                    out,
                    "nothing to suggest: no open worklist entries outside desa visited since {since}"
                )?;
            } else {
                for r in &rows {
                    writeln!(
                        out,
                        "{:<30} {:>6} open  {:<30} {:>6} open{}",
                        format!("{} ({})", r.kecamatan, r.kecamatan_code),
                        r.kecamatan_backlog,
                        format!("{} ({})", r.desa, r.desa_code),
                        r.backlog,
                        r.last_visit
                            .as_deref()
                            .map(|d| format!("  last visit {d}"))
                            .unwrap_or_default()
                    )?;
                }
            }
            Ok(())
        }
    }
}

fn operator_store(db: &std::path::Path, by: &str) -> Result<Store> {
    let store = open_existing(db)?;
    operators::existing(&store, by, db)?;
    Ok(store)
}

fn get(store: &Store, id: i64) -> Result<Visit> {
    match store.visit(id)? {
        Some(v) => Ok(v),
        None => bail!("no visit {id} (see rekam visit list)"),
    }
}

fn print_figures(f: &VisitFigures, out: &mut dyn Write) -> Result<()> {
    writeln!(
        out,
        "enrollments started {}, finalized {} (first-time voters {})",
        f.started, f.finalized, f.first_time_voters
    )?;
    writeln!(
        out,
        "worklist entries targeted {}, matched {}, closed {}, remaining {}",
        f.targeted, f.targeted_matched, f.targeted_closed, f.remaining
    )?;
    Ok(())
}
