//! The report of a device test: `report.json` (every fact, stable field names) and `report.html`
//! (a self-contained page: inline style, no script, pictures as files beside it referenced by
//! relative name), written into one folder; and the summary table printed on the terminal.
//!
//! Contract: [`write`] creates the folder if needed and refuses one that already holds a report;
//! pictures go first and `report.html` last, so a folder with a page has everything the page
//! shows. Every text from a device is HTML-escaped.

use std::fmt::Write as _;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use super::{Outcome, Report};
use crate::files;

/// The page's file name.
pub const HTML: &str = "report.html";
/// The JSON twin's file name.
pub const JSON: &str = "report.json";

/// The default folder: `<data_dir>/reports/devices-<UTC timestamp>`.
pub fn default_dir(data_dir: &Path, now_ms: i64) -> PathBuf {
    data_dir.join("reports").join(folder_name(now_ms))
}

/// `devices-YYYYMMDD-HHMMSS` for `now_ms` (UTC).
pub fn folder_name(now_ms: i64) -> String {
    match time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(now_ms) * 1_000_000) {
        Ok(t) => format!(
            "devices-{:04}{:02}{:02}-{:02}{:02}{:02}",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        ),
        Err(_) => format!("devices-{now_ms}"),
    }
}

/// Writes the pictures, `report.json` and `report.html` into `dir`.
pub fn write(dir: &Path, report: &Report) -> Result<()> {
    if dir.join(JSON).exists() || dir.join(HTML).exists() {
        bail!(
            "{} already holds a device report; choose another folder",
            dir.display()
        );
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    for d in &report.devices {
        for p in &d.pictures {
            files::write_new(&dir.join(&p.file), &p.bytes, 0o644)?;
        }
    }
    let json = serde_json::to_string_pretty(report)?;
    files::write_new(&dir.join(JSON), format!("{json}\n").as_bytes(), 0o644)?;
    files::write_new(&dir.join(HTML), html(report).as_bytes(), 0o644)?;
    Ok(())
}

/// Escapes text for HTML.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn outcome_word(o: Outcome) -> &'static str {
    match o {
        Outcome::Pass => "pass",
        Outcome::Fail => "FAIL",
        Outcome::Skipped => "skipped",
    }
}

const STYLE: &str = "body{font:16px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#111}\
h1{font-size:1.6rem}h2{font-size:1.3rem;margin-top:2rem;border-top:1px solid #ccc;padding-top:1rem}\
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #ddd;vertical-align:top}\
.pass{color:#03543f;font-weight:600}.fail{color:#9b1c1c;font-weight:700}.skipped{color:#555}\
.verdict{display:inline-block;padding:.2rem .6rem;border-radius:.3rem;font-weight:700}\
.verdict.pass{background:#def7ec}.verdict.fail{background:#fde8e8}\
figure{display:inline-block;margin:.5rem 1rem .5rem 0;max-width:100%}figure img{max-width:22rem;max-height:22rem;border:1px solid #999}\
figcaption{font-size:.9rem;color:#333}dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}dt{font-weight:600}";

/// The report as a self-contained HTML page.
pub fn html(r: &Report) -> String {
    let verdict = if r.passed { "pass" } else { "fail" };
    let mut h = String::new();
    let _ = write!(
        h,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>Device test {} — {}</title><style>{STYLE}</style></head><body><main data-screen=\"device-report\">\
<h1>Device test of workstation {}</h1>\
<p><span class=\"verdict {verdict}\" data-overall=\"{verdict}\">{}</span></p>\
<dl><dt>Date</dt><dd>{}</dd><dt>Workstation</dt><dd>{}</dd><dt>Run by</dt><dd>{}</dd><dt>Devices</dt><dd>{}</dd><dt>Duration</dt><dd>{:.1} s</dd><dt>rekam</dt><dd>{}</dd></dl>",
        esc(&r.workstation_id),
        esc(&r.started_at),
        esc(&r.workstation_id),
        if r.passed {
            "All devices passed"
        } else {
            "Some checks failed"
        },
        esc(&r.started_at),
        esc(&r.workstation_id),
        esc(&r.actor),
        if r.simulated {
            "simulated kit"
        } else {
            "configured hardware"
        },
        r.duration_ms as f64 / 1000.0,
        esc(r.rekam_version),
    );
    let failures = r.failures();
    if !failures.is_empty() {
        h.push_str("<h2>What failed</h2><ul>");
        for f in &failures {
            let _ = write!(h, "<li>{}</li>", esc(f));
        }
        h.push_str("</ul>");
    }
    for d in &r.devices {
        let v = if d.passed { "pass" } else { "fail" };
        let _ = write!(
            h,
            "<section data-class=\"{}\"><h2>{} <span class=\"verdict {v}\">{}</span></h2>",
            d.class.name(),
            d.class.title(),
            if d.passed { "pass" } else { "FAIL" }
        );
        if !d.present {
            h.push_str("<p>This workstation has no such device.</p></section>");
            continue;
        }
        if d.busy {
            h.push_str("<p>In use by an enrollment: not tested. Run the test again when the capture is over.</p></section>");
            continue;
        }
        if let Some(id) = &d.identity {
            let _ = write!(
                h,
                "<dl><dt>Vendor</dt><dd>{}</dd><dt>Model</dt><dd>{}</dd><dt>Serial</dt><dd>{}</dd><dt>Firmware</dt><dd>{}</dd><dt>Attached at</dt><dd>{}</dd></dl>",
                esc(&id.vendor),
                esc(&id.model),
                esc(id.serial.as_deref().unwrap_or("—")),
                esc(id.firmware.as_deref().unwrap_or("—")),
                esc(d.location.as_deref().unwrap_or("—")),
            );
        }
        if let Some(c) = &d.calibration {
            let _ = write!(
                h,
                "<h3>Calibration</h3><p class=\"{}\">{}</p><dl><dt>Exposure compensation</dt><dd>{}</dd><dt>White balance</dt><dd>{}</dd><dt>Backdrop ΔE before</dt><dd>{}</dd><dt>Backdrop ΔE after</dt><dd>{}</dd><dt>Frames measured</dt><dd>{}</dd></dl>",
                if c.passed { "pass" } else { "fail" },
                esc(&c.outcome),
                c.exposure_tenths
                    .map_or("—".into(), |t| format!("{:+.1} EV", f64::from(t) / 10.0)),
                esc(c.white_balance.as_deref().unwrap_or("—")),
                c.delta_e_before.map_or("—".into(), |v| format!("{v:.1}")),
                c.delta_e_after.map_or("—".into(), |v| format!("{v:.1}")),
                c.frames
            );
        }
        h.push_str("<table><thead><tr><th scope=\"col\">Check</th><th scope=\"col\">Measured</th><th scope=\"col\">Limit</th><th scope=\"col\">Result</th></tr></thead><tbody>");
        for c in &d.checks {
            let class = match c.outcome {
                Outcome::Pass => "pass",
                Outcome::Fail => "fail",
                Outcome::Skipped => "skipped",
            };
            let note = c
                .note
                .as_deref()
                .map_or(String::new(), |n| format!("<br><small>{}</small>", esc(n)));
            let _ = write!(
                h,
                "<tr data-check=\"{}\"><td>{}{note}</td><td>{}</td><td>{}</td><td class=\"{class}\">{}</td></tr>",
                c.id,
                esc(&c.label),
                esc(&c.measured),
                esc(&c.limit_text),
                outcome_word(c.outcome)
            );
        }
        h.push_str("</tbody></table>");
        for p in &d.pictures {
            let _ = write!(
                h,
                "<figure><a href=\"{0}\"><img src=\"{0}\" alt=\"{1}\"></a><figcaption>{1}</figcaption></figure>",
                esc(&p.file),
                esc(&p.caption)
            );
        }
        h.push_str("</section>");
    }
    h.push_str("</main></body></html>\n");
    h
}

/// The summary table for the terminal: one line per check.
pub fn summary(r: &Report, out: &mut dyn Write) -> Result<()> {
    writeln!(
        out,
        "{:<14} {:<22} {:<28} {:<18} result",
        "device", "check", "measured", "limit"
    )?;
    for d in &r.devices {
        let class = d.class.name();
        if !d.present {
            writeln!(
                out,
                "{class:<14} {:<22} {:<28} {:<18} FAIL",
                "attached", "no", "yes"
            )?;
            continue;
        }
        if d.busy {
            writeln!(
                out,
                "{class:<14} {:<22} {:<28} {:<18} FAIL",
                "free", "busy", "free"
            )?;
            continue;
        }
        if let Some(c) = &d.calibration {
            writeln!(
                out,
                "{class:<14} {:<22} {:<28} {:<18} {}",
                "calibration",
                format!(
                    "{} EV, WB {}",
                    c.exposure_tenths
                        .map_or("-".into(), |t| format!("{:+.1}", f64::from(t) / 10.0)),
                    c.white_balance.as_deref().unwrap_or("-")
                ),
                format!("ΔE ≤ {}", super::camera::MAX_DELTA_E),
                if c.passed { "pass" } else { "FAIL" }
            )?;
        }
        for c in &d.checks {
            writeln!(
                out,
                "{class:<14} {:<22} {:<28} {:<18} {}",
                c.id,
                truncate(&c.measured, 28),
                c.limit_text,
                outcome_word(c.outcome)
            )?;
        }
    }
    Ok(())
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n - 1).collect();
        t.push('…');
        t
    }
}
