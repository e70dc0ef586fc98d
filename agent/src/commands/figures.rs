//! `rekam figures` and `rekam report daily|period|verify`: the office's figures over a period on
//! the terminal (a table, `--json` or `--csv`), and the signed printable report.
//!
//! Contract: the database must exist and is only read (without the storage key: the figures
//! come from the audit log, outbox, print orders and worklist). Dates are local days
//! `YYYY-MM-DD` in the workstation's zone (WIB unless `--utc-offset-minutes`); a missing `--to`
//! is `--from` (or today); bad dates, a period ending before it starts or longer than
//! [`figures::MAX_DAYS`] fail with the argument named. `report` writes a new file (never over
//! an existing one) — a PDF when its name ends in `.pdf`, otherwise the HTML page — and
//! `report verify` (either form) exits 1 unless the file's signature checks against a trusted
//! workstation key.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use ring::rand::SystemRandom;

use super::{keys, open_existing};
use crate::console::i18n::Lang;
use crate::office::figures::{self, By, Period, Shifts, pdf, report};
use crate::store::figures::{WIB_OFFSET_MINUTES, day_window};

/// The period and zone arguments.
#[derive(Args, Debug, Clone)]
pub struct PeriodArgs {
    /// The agent's database (agent.db in its data directory).
    #[arg(long)]
    pub db: PathBuf,
    /// First day, YYYY-MM-DD (default: today).
    #[arg(long)]
    pub from: Option<String>,
    /// Last day, YYYY-MM-DD, inclusive (default: --from, or today).
    #[arg(long)]
    pub to: Option<String>,
    /// The workstation's time zone, minutes east of UTC (WIB 420, WITA 480, WIT 540).
    #[arg(long, default_value_t = WIB_OFFSET_MINUTES, allow_negative_numbers = true)]
    pub utc_offset_minutes: i32,
    /// Shift start times, HH:MM comma-separated (e.g. 07:00,13:00); default one shift a day.
    #[arg(long, default_value = "")]
    pub shifts: String,
}

/// `rekam figures` arguments.
#[derive(Args, Debug)]
pub struct FiguresArgs {
    #[command(flatten)]
    pub period: PeriodArgs,
    /// Group by day, operator (and shift), kecamatan, desa, unit or mobile-unit visit.
    #[arg(long, default_value = "day")]
    pub by: String,
    /// Print JSON.
    #[arg(long, conflicts_with = "csv")]
    pub json: bool,
    /// Print CSV (cells that would run as spreadsheet formulas are neutralised).
    #[arg(long)]
    pub csv: bool,
}

/// Who signs a report and how it is labelled.
#[derive(Args, Debug, Clone)]
pub struct SignArgs {
    /// The workstation's private key (PEM, `workstation.key`).
    #[arg(long)]
    pub key: PathBuf,
    /// Where to write the report; must not exist. A name ending in .pdf writes a PDF, any
    /// other the printable HTML page.
    #[arg(long)]
    pub out: PathBuf,
    /// The office or unit the report is for, as printed in its header.
    #[arg(long, default_value = "Kantor Dinas Dukcapil")]
    pub office: String,
    /// The workstation id printed beside the signature (default: ws- and the key id).
    #[arg(long)]
    pub workstation: Option<String>,
    /// Language of the report: id (Bahasa Indonesia) or en.
    #[arg(long, default_value = "id", value_parser = ["id", "en"])]
    pub lang: String,
}

/// `rekam report ...`
#[derive(Subcommand, Debug)]
pub enum ReportCommand {
    /// The report of one day (default today).
    Daily {
        /// The agent's database.
        #[arg(long)]
        db: PathBuf,
        /// The day, YYYY-MM-DD (default: today).
        #[arg(long)]
        date: Option<String>,
        /// The workstation's time zone, minutes east of UTC.
        #[arg(long, default_value_t = WIB_OFFSET_MINUTES, allow_negative_numbers = true)]
        utc_offset_minutes: i32,
        /// Shift start times, HH:MM comma-separated.
        #[arg(long, default_value = "")]
        shifts: String,
        #[command(flatten)]
        sign: SignArgs,
    },
    /// The report of a period of days.
    Period {
        #[command(flatten)]
        period: PeriodArgs,
        #[command(flatten)]
        sign: SignArgs,
    },
    /// Check a report's signature against trusted workstation public keys (exit 1 if it fails).
    Verify {
        /// The report file.
        file: PathBuf,
        /// A workstation public key file (`workstation.pub`) or a directory of them. Repeatable.
        #[arg(long, required = true)]
        trust: Vec<PathBuf>,
    },
}

fn today(offset: i32) -> String {
    day_window(crate::service::system_ms(), offset).1
}

fn period_of(a: &PeriodArgs) -> Result<Period> {
    let from = a
        .from
        .clone()
        .unwrap_or_else(|| today(a.utc_offset_minutes));
    let to = a.to.clone().unwrap_or_else(|| {
        if a.from.is_some() {
            from.clone()
        } else {
            today(a.utc_offset_minutes)
        }
    });
    Ok(Period::parse(&from, &to, a.utc_offset_minutes)?)
}

/// `rekam figures`.
pub fn run_figures(args: FiguresArgs, out: &mut dyn Write) -> Result<()> {
    let by = By::parse(&args.by)?;
    let shifts = Shifts::parse(&args.period.shifts)?;
    let period = period_of(&args.period)?;
    let store = open_existing(&args.period.db)?;
    let events = store.period_events(period.window())?;
    let table = figures::group(&events, &period, by, &shifts);
    if args.json {
        let doc = serde_json::json!({
            "from": figures::format_date(period.from),
            "to": figures::format_date(period.to),
            "by": by,
            "rows": table.rows,
            "total": table.total,
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
    } else if args.csv {
        out.write_all(figures::csv(&table).as_bytes())?;
    } else {
        let text = figures::csv(&table);
        // A plain aligned table for the terminal, from the same cells.
        let rows: Vec<Vec<String>> = text
            .lines()
            .map(|l| l.split(',').map(str::to_string).collect())
            .collect();
        let cols = rows.first().map_or(0, Vec::len);
        let widths: Vec<usize> = (0..cols)
            .map(|c| {
                rows.iter()
                    .map(|r| r.get(c).map_or(0, |s| s.chars().count()))
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        writeln!(out, "{} ({})", period.label(), by.name())?;
        for r in &rows {
            let line: Vec<String> = r
                .iter()
                .zip(&widths)
                .map(|(s, w)| format!("{s:<w$}"))
                .collect();
            writeln!(out, "{}", line.join("  ").trim_end())?;
        }
    }
    Ok(())
}

fn write_report(
    db: &std::path::Path,
    period: &Period,
    shifts: &Shifts,
    sign: &SignArgs,
    daily: bool,
    out: &mut dyn Write,
) -> Result<()> {
    if sign.out.exists() {
        bail!(
            "{} exists; choose a new file for the report",
            sign.out.display()
        );
    }
    let key = keys::load_workstation_key(&sign.key)?;
    let key_id = key.public_key().key_id().to_string();
    let store = open_existing(db)?;
    let f = figures::compute(&store, period, shifts)?;
    let now = crate::service::system_ms();
    let (_, date) = day_window(now, period.offset_minutes);
    let minute = (now + i64::from(period.offset_minutes) * 60_000).rem_euclid(86_400_000) / 60_000;
    let meta = report::ReportMeta {
        office: sign.office.clone(),
        workstation_id: sign
            .workstation
            .clone()
            .unwrap_or_else(|| format!("ws-{}", &key_id[..12])),
        key_id: key_id.clone(),
        generated: format!("{date} {:02}:{:02}", minute / 60, minute % 60),
        daily,
        lang: Lang::parse(&sign.lang),
    };
    let pdf = sign
        .out
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("pdf"));
    let bytes = if pdf {
        report::sign_pdf(&pdf::render_pdf(&meta, &f), &key, &SystemRandom::new())?
    } else {
        report::sign(&report::render(&meta, &f), &key, &SystemRandom::new())?.into_bytes()
    };
    crate::files::write_new(&sign.out, &bytes, 0o644)
        .with_context(|| format!("{}", sign.out.display()))?;
    writeln!(
        out,
        "report {} for {} written to {}, signed with key {key_id}",
        if daily { "daily" } else { "period" },
        period.label(),
        sign.out.display()
    )?;
    Ok(())
}

/// `rekam report ...`.
pub fn run_report(cmd: ReportCommand, out: &mut dyn Write) -> Result<()> {
    match cmd {
        ReportCommand::Daily {
            db,
            date,
            utc_offset_minutes,
            shifts,
            sign,
        } => {
            let date = date.unwrap_or_else(|| today(utc_offset_minutes));
            let period = Period::day(&date, utc_offset_minutes)?;
            write_report(&db, &period, &Shifts::parse(&shifts)?, &sign, true, out)
        }
        ReportCommand::Period { period, sign } => {
            let p = period_of(&period)?;
            let shifts = Shifts::parse(&period.shifts)?;
            write_report(&period.db, &p, &shifts, &sign, false, out)
        }
        ReportCommand::Verify { file, trust } => {
            let trust = keys::load_trust(&trust)?;
            let bytes =
                std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let v =
                report::verify(&bytes, &trust).with_context(|| format!("{}", file.display()))?;
            writeln!(
                out,
                "{}: signature good, signed by workstation {} (key {})",
                file.display(),
                v.workstation_id,
                v.key_id
            )?;
            Ok(())
        }
    }
}
