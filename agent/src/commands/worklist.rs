//! `rekam worklist ...`: the office's by-name-by-address lists on the agent's store.
//!
//! Contract: every command takes the database with `--db` (it must exist: `rekam serve` or
//! `rekam operators add` creates it); commands that change anything name the operator with
//! `--by`, who must have an account, and are audited with them as actor. `import` prints a
//! summary line and every bad row (`line N: reason; reason`); without `--skip-bad` a file with a
//! bad row imports nothing and the command fails (exit 1) after listing them; with it the good
//! rows are imported and the command succeeds. `list` prints a table (or `--json`);
//! `export-outcomes` writes the CSV to `--out` (a new file) or stdout. Errors name the file or
//! argument at fault and exit 1.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};

use super::{open_existing, operators};
use crate::office::worklist::{export, import, matching, read::Kind, regions};
use crate::store::Store;
use crate::store::worklist::{EntryFilter, EntryStatus, Outcome};

/// The database argument every worklist command takes.
#[derive(Args, Debug, Clone)]
pub struct Db {
    /// The agent's database (agent.db in its data directory).
    #[arg(long)]
    pub db: PathBuf,
}

/// `rekam worklist ...`
#[derive(Subcommand, Debug)]
pub enum WorklistCommand {
    /// Import a list (CSV or XLSX) of residents who must still record. Columns by header: NIK
    /// (optional), Nama, Tanggal Lahir, Jenis Kelamin, Alamat, RT/RW (optional), Desa/Kelurahan,
    /// Kecamatan, Alasan (optional). Any bad row refuses the whole file unless --skip-bad.
    Import {
        #[command(flatten)]
        db: Db,
        /// The list file.
        file: PathBuf,
        /// Import the good rows and list the bad ones instead of refusing the file.
        #[arg(long)]
        skip_bad: bool,
        /// The operator importing (recorded in the audit log).
        #[arg(long)]
        by: String,
    },
    /// List entries, by kecamatan, desa and line.
    List {
        #[command(flatten)]
        db: Db,
        /// Only this kecamatan (code or name).
        #[arg(long)]
        kecamatan: Option<String>,
        /// Only this desa (code or name).
        #[arg(long)]
        desa: Option<String>,
        /// Only entries with this status.
        #[arg(long, value_parser = ["open", "matched", "closed"])]
        status: Option<String>,
        /// Only entries whose name, NIK or address contain these words.
        #[arg(long)]
        search: Option<String>,
        /// Only first-time voters ("pemilih pemula": 17 by the election day, not yet 17 when the
        /// list was imported); needs `[election] day` in --config.
        #[arg(long)]
        first_time_voters: bool,
        /// The daemon's configuration, for `[election] day` (entries are flagged "pemilih
        /// pemula" when it is set) and the UTC offset of "today".
        #[arg(long)]
        config: Option<PathBuf>,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Close an open entry with what became of the resident.
    Close {
        #[command(flatten)]
        db: Db,
        /// The entry's id (from `rekam worklist list`).
        entry: i64,
        /// What became of the resident.
        #[arg(long, value_parser = ["recorded-elsewhere", "deceased", "moved-away", "not-found", "refused"])]
        outcome: String,
        /// A note for the office.
        #[arg(long)]
        note: Option<String>,
        /// The operator closing it (recorded in the audit log).
        #[arg(long)]
        by: String,
    },
    /// Enrollments that may be an entry's resident (same name, date of birth and desa), waiting
    /// for an operator to confirm or reject.
    Candidates {
        #[command(flatten)]
        db: Db,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Confirm that an enrollment recorded an entry's resident (the entry becomes matched).
    Confirm {
        #[command(flatten)]
        db: Db,
        /// The entry's id.
        entry: i64,
        /// The enrollment's id.
        enrollment: String,
        /// The operator confirming.
        #[arg(long)]
        by: String,
    },
    /// Reject a candidate: the enrollment is someone else; the entry stays open.
    Reject {
        #[command(flatten)]
        db: Db,
        /// The entry's id.
        entry: i64,
        /// The enrollment's id.
        enrollment: String,
        /// The operator rejecting.
        #[arg(long)]
        by: String,
    },
    /// Write the matched and closed entries as CSV for the office's data corrections.
    ExportOutcomes {
        #[command(flatten)]
        db: Db,
        /// The file to write (must not exist); stdout without it.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// The kecamatan and desa the office works in.
    #[command(subcommand)]
    Regions(RegionsCommand),
}

/// `rekam worklist regions ...`
#[derive(Subcommand, Debug)]
pub enum RegionsCommand {
    /// Add or rename regions from a CSV (or XLSX) of code,name,parent: six-digit codes are
    /// kecamatan (parent: the regency), ten-digit codes desa (parent: their kecamatan).
    Import {
        #[command(flatten)]
        db: Db,
        /// The regions file.
        file: PathBuf,
        /// The operator importing.
        #[arg(long)]
        by: String,
    },
    /// List the configured regions.
    List {
        #[command(flatten)]
        db: Db,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
}

/// Runs one `rekam worklist` command.
pub fn run(cmd: WorklistCommand, out: &mut dyn Write) -> Result<()> {
    let now = crate::service::system_ms();
    match cmd {
        WorklistCommand::Import {
            db,
            file,
            skip_bad,
            by,
        } => {
            let mut store = operator_store(&db.db, &by)?;
            run_import(&mut store, &file, skip_bad, &by, now, out)
        }
        WorklistCommand::List {
            db,
            kecamatan,
            desa,
            status,
            search,
            first_time_voters,
            config,
            json,
        } => {
            let store = open_existing(&db.db)?;
            let filter = EntryFilter {
                kecamatan,
                desa,
                status: status.as_deref().and_then(EntryStatus::parse),
                search,
                ..EntryFilter::default()
            };
            let config = load_config(config.as_deref())?;
            let election = match (config.election.day, first_time_voters) {
                (Some(day), _) => Some((day, config.console.utc_offset_minutes)),
                (None, true) => bail!(
                    "--first-time-voters needs an election day: give --config with [election] day = \"YYYY-MM-DD\""
                ),
                (None, false) => None,
            };
            list(&store, &filter, election, first_time_voters, json, out)
        }
        WorklistCommand::Close {
            db,
            entry,
            outcome,
            note,
            by,
        } => {
            let outcome = Outcome::parse(&outcome)
                .with_context(|| format!("--outcome {outcome:?} is not an outcome"))?;
            let mut store = operator_store(&db.db, &by)?;
            store.close_worklist_entry(entry, outcome, note.as_deref(), &by, now)?;
            writeln!(out, "entry {entry} closed: {}", outcome.as_str())?;
            Ok(())
        }
        WorklistCommand::Candidates { db, json } => {
            let store = open_existing(&db.db)?;
            let c = matching::pending(&store)?;
            if json {
                writeln!(out, "{}", serde_json::to_string_pretty(&c)?)?;
            } else if c.is_empty() {
                writeln!(out, "no candidates waiting")?;
            } else {
                for c in c {
                    writeln!(
                        out,
                        "entry {}  enrollment {}  NIK {}",
                        c.entry_id, c.enrollment_id, c.nik
                    )?;
                }
            }
            Ok(())
        }
        WorklistCommand::Confirm {
            db,
            entry,
            enrollment,
            by,
        } => {
            let mut store = operator_store(&db.db, &by)?;
            matching::confirm_match(&mut store, entry, &enrollment, &by, now)?;
            writeln!(out, "entry {entry} matched to enrollment {enrollment}")?;
            Ok(())
        }
        WorklistCommand::Reject {
            db,
            entry,
            enrollment,
            by,
        } => {
            let mut store = operator_store(&db.db, &by)?;
            matching::reject_match(&mut store, entry, &enrollment, &by, now)?;
            writeln!(
                out,
                "enrollment {enrollment} set aside for entry {entry}; the entry stays open"
            )?;
            Ok(())
        }
        WorklistCommand::ExportOutcomes { db, out: file } => {
            let store = open_existing(&db.db)?;
            let (bytes, n) = export::outcomes_csv(&store)?;
            match file {
                Some(path) => {
                    crate::files::write_new(&path, &bytes, 0o600)?;
                    writeln!(out, "{n} outcomes written to {}", path.display())?;
                }
                None => out.write_all(&bytes)?,
            }
            Ok(())
        }
        WorklistCommand::Regions(RegionsCommand::Import { db, file, by }) => {
            let mut store = operator_store(&db.db, &by)?;
            let bytes = read_file(&file)?;
            let sha = hex::encode(ring::digest::digest(&ring::digest::SHA256, &bytes));
            let regions =
                regions::parse(bytes).with_context(|| format!("{} refused", file.display()))?;
            let (added, renamed) =
                store.import_worklist_regions(&regions, &file_name(&file), &sha, &by, now)?;
            writeln!(
                out,
                "{}: {} regions, {added} added, {renamed} renamed",
                file.display(),
                regions.len()
            )?;
            Ok(())
        }
        WorklistCommand::Regions(RegionsCommand::List { db, json }) => {
            let store = open_existing(&db.db)?;
            let regions = store.worklist_regions()?;
            if json {
                writeln!(out, "{}", serde_json::to_string_pretty(&regions)?)?;
            } else {
                for r in regions {
                    writeln!(
                        out,
                        "{:<10}  {:<9}  {}",
                        r.code,
                        match r.kind {
                            crate::store::worklist::RegionKind::Kecamatan => "kecamatan",
                            crate::store::worklist::RegionKind::Desa => "desa",
                        },
                        r.name
                    )?;
                }
            }
            Ok(())
        }
    }
}

fn operator_store(db: &Path, by: &str) -> Result<Store> {
    let store = open_existing(db)?;
    operators::existing(&store, by, db)?;
    Ok(store)
}

fn read_file(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

fn run_import(
    store: &mut Store,
    file: &Path,
    skip_bad: bool,
    by: &str,
    now: i64,
    out: &mut dyn Write,
) -> Result<()> {
    let bytes = read_file(file)?;
    let report = import::import(store, &file_name(file), bytes, skip_bad, by, now)
        .with_context(|| format!("{} refused", file.display()))?;
    let word = match report.kind {
        Kind::Csv => "line",
        Kind::Workbook => "row",
    };
    for bad in &report.bad {
        // RowError's own text says "line"; a spreadsheet user looks for the row number.
        let text = bad.to_string();
        let text = text.strip_prefix("line ").unwrap_or(&text);
        writeln!(out, "{word} {text}")?;
    }
    if !report.committed() {
        bail!(
            "{}: {} of {} rows are bad; nothing was imported (fix them, or import the good rows with --skip-bad)",
            file.display(),
            report.bad.len(),
            report.rows
        );
    }
    writeln!(
        out,
        "{}: {} rows, {} imported, {} bad rows skipped (SHA-256 {})",
        file.display(),
        report.rows,
        report.imported,
        report.bad.len(),
        report.sha256
    )?;
    Ok(())
}

/// The configuration at `path`, or the embedded defaults without one.
pub(crate) fn load_config(path: Option<&Path>) -> Result<crate::config::Config> {
    match path {
        Some(p) => crate::config::Config::from_toml(&crate::files::read_text(p)?)
            .with_context(|| format!("{}", p.display())),
        None => Ok(crate::config::Config::default()),
    }
}

/// An entry as `list --json` prints it: the stored entry and its first-time voter flag.
#[derive(serde::Serialize)]
struct Listed<'a> {
    #[serde(flatten)]
    entry: &'a crate::store::worklist::Entry,
    /// True when an election day is configured and the resident is a first-time voter.
    first_time_voter: bool,
}

fn list(
    store: &Store,
    filter: &EntryFilter,
    election: Option<(time::Date, i32)>,
    only_first_time: bool,
    json: bool,
    out: &mut dyn Write,
) -> Result<()> {
    let flag = |e: &crate::store::worklist::Entry| {
        election.is_some_and(|(day, offset)| e.first_time_voter(day, offset))
    };
    let entries: Vec<_> = store
        .worklist_entries(filter)?
        .into_iter()
        .filter(|e| !only_first_time || flag(e))
        .collect();
    if json {
        let listed: Vec<Listed<'_>> = entries
            .iter()
            .map(|e| Listed {
                entry: e,
                first_time_voter: flag(e),
            })
            .collect();
        writeln!(out, "{}", serde_json::to_string_pretty(&listed)?)?;
        return Ok(());
    }
    if entries.is_empty() {
        writeln!(out, "no entries")?;
        return Ok(());
    }
    for e in &entries {
        let rt_rw = match (e.rt, e.rw) {
            (Some(rt), Some(rw)) => format!(" RT {rt:03}/RW {rw:03}"),
            _ => String::new(),
        };
        let state = match (e.status, e.outcome) {
            (EntryStatus::Open, _) => "open".to_string(),
            (s, Some(o)) => format!("{} ({})", s.as_str(), o.as_str()),
            (s, None) => s.as_str().to_string(),
        };
        writeln!(
            out,
            "{:>6}  {:<16}  {:<30}  {}  {}{}, {}, {}  {}{}",
            e.id,
            e.nik.as_deref().unwrap_or("-"),
            e.name,
            e.date_of_birth,
            e.address,
            rt_rw,
            e.desa,
            e.kecamatan,
            state,
            if flag(e) { "  pemilih pemula" } else { "" }
        )?;
    }
    let first = entries.iter().filter(|e| flag(e)).count();
    if election.is_some() {
        writeln!(
            out,
            "{} entries, {first} first-time voters (pemilih pemula)",
            entries.len()
        )?;
    } else {
        writeln!(out, "{} entries", entries.len())?;
    }
    Ok(())
}
