//! Daily and period reports: one self-contained, printable HTML page (inline CSS and SVG, no
//! script, nothing fetched; A4 print stylesheet) with the figures, charts, coverage per kecamatan
//! and desa with what remains, and the data problems found, signed by the workstation key.
//!
//! Format of a signed report: the page's bytes, then one last line
//! `<!--rekam-report-signature v1 KEYID ALGORITHM BASE64-->` and a newline. The signature is the
//! workstation key's over `rekam-report-v1` NUL and every byte before that line, so any edit to
//! the page (a figure, a name, the period) fails [`verify`]. The page also carries the figures as
//! JSON (`<script type="application/json" id="rekam-figures">`, which browsers never run) for
//! whoever reads it by machine; that too is under the signature. Verification needs only the
//! file and the workstation's public key, offline.
//!
//! The PDF form ([`super::pdf`]) is signed the same way ([`sign_pdf`]): after the document's
//! `%%EOF` comes a newline and one PDF comment line `%rekam-report-signature v1 KEYID ALGORITHM
//! BASE64` ending in a newline, which PDF readers skip. Its signature is over
//! `rekam-report-pdf-v1` NUL and every byte before that newline, and the line must be exactly
//! the file's last (nothing after its newline), so any changed, added or removed byte fails.
//! [`verify`] tells the forms apart by the `%PDF-` a PDF starts with.

use std::fmt::Write;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ring::rand::SecureRandom;

use rekam_protocol::keys::{KeyId, SignatureAlgorithm, TrustStore, WorkstationSigningKey};

use super::svg::{self, esc};
use super::text::FiguresText;
use super::{By, PeriodFigures, Row, Table, minutes, percent};
use crate::console::i18n::{Lang, fill2};

/// The domain of a report signature, so it can never be taken for another signed document.
const DOMAIN: &[u8] = b"rekam-report-v1\0";
const MARK: &str = "<!--rekam-report-signature v1 ";
/// The domain of a PDF report's signature.
const PDF_DOMAIN: &[u8] = b"rekam-report-pdf-v1\0";
const PDF_MARK: &[u8] = b"\n%rekam-report-signature v1 ";

/// Why a report does not verify.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// No signature line.
    #[error(
        "the file carries no rekam report signature (its last line must be {MARK}...--> in an HTML report, %rekam-report-signature v1 ... in a PDF)"
    )]
    Unsigned,
    /// The signature line is malformed.
    #[error("the report signature line is malformed: {0}")]
    Malformed(String),
    /// The key is not trusted.
    #[error("the report was signed by key {0}, which is not among the trusted workstation keys")]
    UntrustedKey(String),
    /// The signature does not match the content.
    #[error(
        "the report signature does not match its content: the file was changed after workstation {0} signed it"
    )]
    Altered(String),
    /// Signing failed.
    #[error("signing failed: {0}")]
    Sign(String),
}

/// Who made the report, for its header.
#[derive(Clone, Debug)]
pub struct ReportMeta {
    /// The office or unit the report is for.
    pub office: String,
    /// The workstation that signs it.
    pub workstation_id: String,
    /// The signing key's id (shown so a reader knows which public key checks it).
    pub key_id: String,
    /// When it was made, local time as text.
    pub generated: String,
    /// Daily (one day) or period.
    pub daily: bool,
    /// The language.
    pub lang: Lang,
}

pub(super) fn head_label(by: By, t: &FiguresText) -> (&'static str, &'static str) {
    match by {
        By::Day => (t.by_day, t.col_day),
        By::Operator => (t.by_operator, t.col_operator),
        By::Kecamatan => (t.by_kecamatan, t.col_kecamatan),
        By::Desa => (t.by_desa, t.col_desa),
        By::Unit => (t.by_unit, t.col_unit),
        By::Visit => (t.by_visit, t.col_visit),
    }
}

pub(super) fn reasons(r: &Row, t: &FiguresText) -> String {
    r.exception_reasons
        .iter()
        .map(|(k, n)| {
            let word = match k.as_str() {
                "amputated" => t.reason_amputated,
                "bandaged" => t.reason_bandaged,
                "unable_to_print" => t.reason_unable_to_print,
                other => other,
            };
            format!("{word} {n}")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The report's title (daily or period) and its period in words.
pub(super) fn title_and_period(meta: &ReportMeta, f: &PeriodFigures) -> (&'static str, String) {
    let t = FiguresText::for_lang(meta.lang);
    let title = if meta.daily {
        t.daily_report
    } else {
        t.period_report
    };
    let period = if f.from == f.to {
        f.from.clone()
    } else {
        format!("{} – {}", f.from, f.to)
    };
    (title, period)
}

/// The figure columns of a grouping table, after its key.
pub(super) fn group_columns(t: &FiguresText) -> [&'static str; 10] {
    [
        t.col_started,
        t.col_finalized,
        t.col_first_time_voters,
        t.col_delivered,
        t.col_rejected,
        t.col_exceptions,
        t.col_forced,
        t.col_median,
        t.col_printed,
        t.col_collected,
    ]
}

/// The figure columns of a coverage table, after its kecamatan (and desa).
pub(super) fn coverage_columns(t: &FiguresText) -> [&'static str; 8] {
    [
        t.col_listed,
        t.col_obliged,
        t.col_recorded,
        t.col_backlog,
        t.col_coverage,
        t.col_deceased,
        t.col_moved,
        t.col_not_found,
    ]
}

/// A data problem's outcome in words (an outcome not known here is shown as stored).
pub(super) fn outcome_words<'a>(t: &FiguresText, outcome: &'a str) -> &'a str {
    match outcome {
        "deceased" => t.outcome_deceased,
        "moved-away" => t.outcome_moved_away,
        "not-found" => t.outcome_not_found,
        o => o,
    }
}
/// One grouping's table, with its caption as the heading's id target `fig-{by}`.
pub fn table_html(table: &Table, t: &FiguresText) -> String {
    let (caption, col) = head_label(table.by, t);
    let sub = match table.by {
        By::Desa => Some(t.col_kecamatan),
        By::Operator if table.rows.iter().any(|r| !r.sub.is_empty()) => Some(t.col_shift),
        _ => None,
    };
    let mut out = String::new();
    let _ = write!(
        out,
        "<table class=\"fig-table\" id=\"fig-{}\"><caption>{}</caption><thead><tr>",
        table.by.name(),
        esc(caption)
    );
    if let Some(s) = sub.filter(|_| table.by == By::Desa) {
        let _ = write!(out, "<th scope=\"col\">{}</th>", esc(s));
    }
    let _ = write!(out, "<th scope=\"col\">{}</th>", esc(col));
    if let Some(s) = sub.filter(|_| table.by == By::Operator) {
        let _ = write!(out, "<th scope=\"col\">{}</th>", esc(s));
    }
    for h in group_columns(t) {
        let _ = write!(out, "<th scope=\"col\" class=\"n\">{}</th>", esc(h));
    }
    out.push_str("</tr></thead><tbody>");
    let row = |out: &mut String, r: &Row, total: bool| {
        out.push_str(if total {
            "<tr class=\"total\">"
        } else {
            "<tr>"
        });
        let key = if total {
            t.total.to_string()
        } else if table.by == By::Unit && r.key == "office" {
            t.unit_office.to_string()
        } else if table.by == By::Visit && r.key.is_empty() {
            t.visit_none.to_string()
        } else {
            r.key.clone()
        };
        let colspan = if sub.is_some() && total { 2 } else { 1 };
        if table.by == By::Desa && !total {
            let _ = write!(out, "<td>{}</td>", esc(&r.sub));
        }
        let _ = write!(
            out,
            "<th scope=\"row\"{}>{}</th>",
            if colspan == 2 { " colspan=\"2\"" } else { "" },
            esc(&key)
        );
        if table.by == By::Operator && sub.is_some() && !total {
            let _ = write!(out, "<td>{}</td>", esc(&r.sub));
        }
        let exc = if r.exceptions > 0 {
            format!(
                "{} <span class=\"why\">({})</span>",
                r.exceptions,
                esc(&reasons(r, t))
            )
        } else {
            "0".into()
        };
        let _ = write!(
            out,
            "<td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
             <td class=\"n\">{exc}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            r.started,
            r.finalized,
            r.first_time_voters,
            r.delivered,
            r.rejected,
            r.forced,
            {
                let m = minutes(r.median_ms);
                if m.is_empty() { "–".to_string() } else { m }
            },
            r.cards_printed,
            r.cards_collected
        );
    };
    for r in &table.rows {
        row(&mut out, r, false);
    }
    out.push_str("</tbody><tfoot>");
    row(&mut out, &table.total, true);
    out.push_str("</tfoot></table>");
    out
}

/// The coverage tables (per kecamatan, then per desa) and their chart.
pub fn coverage_html(f: &PeriodFigures, t: &FiguresText) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<h2 id=\"coverage\">{}</h2><p>{}</p>",
        esc(t.coverage_title),
        esc(t.coverage_intro)
    );
    if f.coverage.is_empty() {
        let _ = write!(out, "<p>{}</p>", esc(t.no_worklist));
        return out;
    }
    let rows: Vec<(String, u64, u64)> = f
        .coverage_kecamatan
        .iter()
        .map(|c| (c.kecamatan.clone(), c.recorded, c.obliged))
        .collect();
    out.push_str(&svg::coverage(
        "chart-coverage",
        t.chart_coverage_title,
        t.chart_coverage_desc,
        &rows,
    ));
    for (by_desa, list, caption) in [
        (false, &f.coverage_kecamatan, t.by_kecamatan),
        (true, &f.coverage, t.by_desa),
    ] {
        let _ = write!(
            out,
            "<table class=\"fig-table\" id=\"coverage-{}\"><caption>{} — {}</caption><thead><tr><th scope=\"col\">{}</th>",
            if by_desa { "desa" } else { "kecamatan" },
            esc(t.coverage_title),
            esc(caption),
            esc(t.col_kecamatan)
        );
        if by_desa {
            let _ = write!(out, "<th scope=\"col\">{}</th>", esc(t.col_desa));
        }
        for h in coverage_columns(t) {
            let _ = write!(out, "<th scope=\"col\" class=\"n\">{}</th>", esc(h));
        }
        out.push_str("</tr></thead><tbody>");
        for c in list.iter() {
            if by_desa {
                let _ = write!(
                    out,
                    "<tr><td>{}</td><th scope=\"row\">{}</th>",
                    esc(&c.kecamatan),
                    esc(&c.desa)
                );
            } else {
                let _ = write!(out, "<tr><th scope=\"row\">{}</th>", esc(&c.kecamatan));
            }
            let _ = write!(
                out,
                "<td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\"><strong>{}</strong></td>\
                 <td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                c.listed,
                c.obliged,
                c.recorded,
                c.backlog,
                percent(c.recorded, c.obliged).map_or("–".into(), |p| format!("{p}%")),
                c.deceased,
                c.moved_away,
                c.not_found
            );
        }
        out.push_str("</tbody></table>");
    }
    out
}

/// The data problems found in the period.
pub fn problems_html(f: &PeriodFigures, t: &FiguresText) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<h2 id=\"problems\">{}</h2><p>{}</p>",
        esc(t.problems_title),
        esc(t.problems_intro)
    );
    if f.problems.is_empty() {
        let _ = write!(out, "<p>{}</p>", esc(t.problems_none));
        return out;
    }
    let _ = write!(
        out,
        "<table class=\"fig-table\" id=\"problems-table\"><caption>{}</caption><thead><tr>",
        esc(t.problems_title)
    );
    for h in [
        t.col_kecamatan,
        t.col_desa,
        t.col_name,
        t.col_nik,
        t.col_address,
        t.col_outcome,
        t.col_note,
    ] {
        let _ = write!(out, "<th scope=\"col\">{}</th>", esc(h));
    }
    out.push_str("</tr></thead><tbody>");
    for p in &f.problems {
        let outcome = outcome_words(t, &p.outcome);
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><th scope=\"row\">{}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&p.kecamatan),
            esc(&p.desa),
            esc(&p.name),
            esc(p.nik.as_deref().unwrap_or("–")),
            esc(&p.address),
            esc(outcome),
            esc(p.note.as_deref().unwrap_or(""))
        );
    }
    out.push_str("</tbody></table>");
    out
}

/// The chart of enrollments finalized per day.
pub fn days_chart(f: &PeriodFigures, t: &FiguresText) -> String {
    let series: Vec<(String, u64)> = f
        .tables
        .iter()
        .find(|x| x.by == By::Day)
        .map(|x| {
            x.rows
                .iter()
                .map(|r| (r.key.clone(), r.finalized))
                .collect()
        })
        .unwrap_or_default();
    svg::bars("chart-days", t.chart_days_title, t.chart_days_desc, &series)
}

/// The body shared by the console page and the report: the chart per day, every table, the
/// coverage and the data problems.
pub fn body_html(f: &PeriodFigures, t: &FiguresText) -> String {
    let mut out = String::new();
    let total = f.tables.first().map(|x| &x.total);
    if total.is_none_or(|x| x.started + x.finalized + x.delivered + x.rejected == 0) {
        let _ = write!(out, "<p class=\"nothing\">{}</p>", esc(t.nothing));
    }
    out.push_str("<figure class=\"chart\">");
    out.push_str(&days_chart(f, t));
    out.push_str("</figure>");
    for table in &f.tables {
        out.push_str(&table_html(table, t));
    }
    out.push_str(&coverage_html(f, t));
    out.push_str(&problems_html(f, t));
    out
}

/// The report's style: screen and A4 print.
pub const STYLE: &str = "\
body{font-family:system-ui,'Segoe UI',Roboto,'Noto Sans',sans-serif;color:#111;margin:2rem auto;max-width:60rem;padding:0 1rem;line-height:1.4}\
h1{font-size:1.6rem;margin:0 0 .25rem}h2{font-size:1.2rem;margin:1.75rem 0 .5rem;border-bottom:2px solid #1d3557}\
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:.15rem 1rem;margin:.5rem 0 1rem}dl.meta dt{font-weight:600}dl.meta dd{margin:0}\
table.fig-table{border-collapse:collapse;width:100%;margin:1rem 0;font-size:.85rem;break-inside:auto}\
table.fig-table caption{text-align:left;font-weight:700;font-size:1rem;padding:.25rem 0}\
table.fig-table th,table.fig-table td{border:1px solid #999;padding:.2rem .4rem;text-align:left;vertical-align:top}\
table.fig-table thead th{background:#e8edf3}table.fig-table .n{text-align:right;font-variant-numeric:tabular-nums}\
table.fig-table tfoot th,table.fig-table tfoot td{font-weight:700;background:#f3f3f3}\
.why{color:#444;font-size:.8em}#fig-day th[scope=row]{white-space:nowrap}figure.chart{margin:1rem 0}svg.chart{width:100%;height:auto;max-width:48rem}\
.signature{margin-top:2rem;padding:.75rem;border:1px solid #1d3557;font-size:.85rem;overflow-wrap:anywhere}\
@page{size:A4;margin:15mm}\
@media print{body{margin:0;max-width:none;font-size:10pt}h2{break-after:avoid}tr,figure{break-inside:avoid}a{color:#111;text-decoration:none}}";

/// The report page, unsigned (it ends with `</html>` and a newline).
pub fn render(meta: &ReportMeta, f: &PeriodFigures) -> String {
    let t = FiguresText::for_lang(meta.lang);
    let (title, period) = title_and_period(meta, f);
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{} — {} — {}</title><style>{STYLE}</style></head><body><main data-screen=\"report\">\
         <h1>{}</h1><dl class=\"meta\"><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd></dl>",
        meta.lang.code(),
        esc(title),
        esc(&meta.office),
        esc(&period),
        esc(&format!("{title}: {}", meta.office)),
        esc(t.office),
        esc(&meta.office),
        esc(t.period),
        esc(&period),
        esc(t.workstation),
        esc(&meta.workstation_id),
        esc(t.generated),
        esc(&meta.generated),
    );
    out.push_str(&body_html(f, t));
    let _ = write!(
        out,
        "<section class=\"signature\" aria-labelledby=\"sig-h\"><h2 id=\"sig-h\">{}</h2><p>{}</p></section></main>",
        esc(t.signature_title),
        esc(&fill2(t.signature_text, &meta.workstation_id, &meta.key_id)),
    );
    // The figures for machines; `</` cannot occur inside so the element cannot be closed early.
    let json = serde_json::to_string(f)
        .unwrap_or_default()
        .replace("</", "<\\/");
    let _ = writeln!(
        out,
        "<script type=\"application/json\" id=\"rekam-figures\">{json}</script></body></html>"
    );
    out
}

fn message(content: &[u8]) -> Vec<u8> {
    message_in(DOMAIN, content)
}

fn message_in(domain: &[u8], content: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(domain.len() + content.len());
    m.extend_from_slice(domain);
    m.extend_from_slice(content);
    m
}

/// `pdf` (as [`super::pdf::render_pdf`] made it) with its signature comment line appended.
pub fn sign_pdf(
    pdf: &[u8],
    key: &WorkstationSigningKey,
    rng: &dyn SecureRandom,
) -> Result<Vec<u8>, ReportError> {
    let sig = key
        .sign(&message_in(PDF_DOMAIN, pdf), rng)
        .map_err(|e| ReportError::Sign(e.to_string()))?;
    let public = key.public_key();
    let mut out = Vec::with_capacity(pdf.len() + 200);
    out.extend_from_slice(pdf);
    out.extend_from_slice(PDF_MARK);
    out.extend_from_slice(
        format!(
            "{} {} {}\n",
            public.key_id(),
            public.algorithm().name(),
            STANDARD.encode(sig)
        )
        .as_bytes(),
    );
    Ok(out)
}

/// The signed content and the signature line's fields (key id, algorithm, signature) of a PDF
/// report.
fn split_pdf(file: &[u8]) -> Result<(&[u8], &str), ReportError> {
    let at = file
        .windows(PDF_MARK.len())
        .rposition(|w| w == PDF_MARK)
        .ok_or(ReportError::Unsigned)?;
    let (content, line) = file.split_at(at);
    let line = std::str::from_utf8(&line[PDF_MARK.len()..])
        .map_err(|_| ReportError::Malformed("the signature line is not text".into()))?;
    let fields = line
        .strip_suffix('\n')
        .filter(|l| !l.contains(['\n', '\r']))
        .ok_or_else(|| {
            ReportError::Malformed(
                "it must be the file's last line and end with one newline".into(),
            )
        })?;
    Ok((content, fields))
}

/// `page` with its signature line appended.
pub fn sign(
    page: &str,
    key: &WorkstationSigningKey,
    rng: &dyn SecureRandom,
) -> Result<String, ReportError> {
    let sig = key
        .sign(&message(page.as_bytes()), rng)
        .map_err(|e| ReportError::Sign(e.to_string()))?;
    let public = key.public_key();
    Ok(format!(
        "{page}{MARK}{} {} {}-->\n",
        public.key_id(),
        public.algorithm().name(),
        STANDARD.encode(sig)
    ))
}

/// A report that verified: who signed it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    /// The workstation the trusted key belongs to.
    pub workstation_id: String,
    /// The key's id.
    pub key_id: String,
}

/// Checks a signed report, HTML or PDF, against the trusted workstation keys.
pub fn verify(file: &[u8], trust: &TrustStore) -> Result<Verified, ReportError> {
    if file.starts_with(b"%PDF-") {
        let (content, line) = split_pdf(file)?;
        return check(PDF_DOMAIN, content, line, trust);
    }
    let text = std::str::from_utf8(file)
        .map_err(|e| ReportError::Malformed(format!("the file is not UTF-8 ({e})")))?;
    let at = text.rfind(MARK).ok_or(ReportError::Unsigned)?;
    let (content, line) = text.split_at(at);
    let line = line
        .strip_suffix('\n')
        .unwrap_or(line)
        .strip_prefix(MARK)
        .and_then(|l| l.strip_suffix("-->"))
        .ok_or_else(|| {
            ReportError::Malformed("it must be the last line and end with -->".into())
        })?;
    check(DOMAIN, content.as_bytes(), line, trust)
}

/// Checks the fields of a signature line over `content`.
fn check(
    domain: &[u8],
    content: &[u8],
    line: &str,
    trust: &TrustStore,
) -> Result<Verified, ReportError> {
    let fields: Vec<&str> = line.split(' ').collect();
    let [key_id, alg, sig] = fields[..] else {
        return Err(ReportError::Malformed(format!(
            "expected key id, algorithm and signature, found {} fields",
            fields.len()
        )));
    };
    let id: KeyId = key_id
        .parse()
        .map_err(|e| ReportError::Malformed(format!("key id {key_id:?}: {e}")))?;
    let alg: SignatureAlgorithm = alg
        .parse()
        .map_err(|e| ReportError::Malformed(format!("algorithm {alg:?}: {e}")))?;
    let sig = STANDARD
        .decode(sig)
        .map_err(|_| ReportError::Malformed("the signature is not standard base64".into()))?;
    let entry = trust
        .get(&id)
        .ok_or_else(|| ReportError::UntrustedKey(key_id.to_string()))?;
    if entry.key.algorithm() != alg || !entry.key.verify(&message_in(domain, content), &sig) {
        return Err(ReportError::Altered(entry.workstation_id.clone()));
    }
    Ok(Verified {
        workstation_id: entry.workstation_id.clone(),
        key_id: id.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rekam_protocol::keys::TrustedWorkstation;
    use ring::rand::SystemRandom;

    #[test]
    fn a_truncated_or_garbled_signature_line_is_refused_without_panicking() {
        let rng = SystemRandom::new();
        let (key, _) =
            WorkstationSigningKey::generate(SignatureAlgorithm::Ed25519, &rng).expect("key");
        let mut trust = TrustStore::new();
        trust
            .insert(TrustedWorkstation {
                workstation_id: "WS-1".into(),
                key: key.public_key().clone(),
            })
            .expect("trust");
        let signed =
            sign("<!DOCTYPE html>\n<html><body>7</body></html>\n", &key, &rng).expect("sign");
        assert!(verify(signed.as_bytes(), &trust).is_ok());
        let bytes = signed.as_bytes();
        // The final newline is not signed; every shorter cut fails.
        for cut in 0..bytes.len() - 1 {
            assert!(verify(&bytes[..cut], &trust).is_err(), "cut at {cut}");
        }
        for i in 0..bytes.len() {
            let mut b = bytes.to_vec();
            b[i] ^= 0x01;
            // A flipped bit anywhere fails (a flip in base64 padding or in the trailing newline
            // aside, which changes no signed byte).
            if verify(&b, &trust).is_ok() {
                assert!(
                    i + 1 >= bytes.len() || bytes[i] == b'=',
                    "flip at {i} passed"
                );
            }
        }
        let extra = format!("{signed}<p>added after the signature</p>\n");
        assert!(matches!(
            verify(extra.as_bytes(), &trust),
            Err(ReportError::Malformed(_))
        ));
    }
}
