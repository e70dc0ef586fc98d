//! The report as a signed PDF: it verifies and no changed byte does; an independent reader
//! (pypdf, strict) opens it and finds the title, the coverage per kecamatan and the problem
//! residents; a long report breaks over numbered pages with its table headers repeated; the
//! command writes it for a `.pdf` name; the console serves it for download.

mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use axum::http::{StatusCode, header};
use rekam_agent::console::i18n::Lang;
use rekam_agent::office::figures::pdf::render_pdf;
use rekam_agent::office::figures::{By, PeriodFigures, Row, Table, report};
use rekam_agent::store::period::{Coverage, Problem};
use rekam_protocol::keys::{TrustStore, TrustedWorkstation};
use rekam_protocol::{SignatureAlgorithm, WorkstationSigningKey};
use ring::rand::SystemRandom;

const KEC: [(&str, u64, u64); 3] = [
    // (kecamatan, recorded, obliged) over its desa.
    ("Gambir", 39, 40),
    ("Sawah Besar", 17, 25),
    ("Kemayoran", 5, 20),
];

fn row(key: &str, sub: &str, n: u64) -> Row {
    Row {
        key: key.into(),
        sub: sub.into(),
        started: n + 1,
        finalized: n,
        first_time_voters: n / 3,
        delivered: n.saturating_sub(1),
        rejected: u64::from(n % 4 == 1),
        exceptions: u64::from(n % 3 == 2),
        exception_reasons: if n % 3 == 2 {
            BTreeMap::from([("bandaged".to_string(), 1)])
        } else {
            BTreeMap::new()
        },
        forced: 0,
        median_ms: (n > 0).then_some(754_000 + n as i64 * 1000),
        cards_printed: n / 2,
        cards_collected: n / 4,
    }
}

fn table(by: By, rows: Vec<Row>) -> Table {
    let mut total = Row::default();
    for r in &rows {
        total.started += r.started;
        total.finalized += r.finalized;
        total.delivered += r.delivered;
    }
    Table { by, rows, total }
}

fn problem(id: i64, outcome: &str, name: &str, kec: &str) -> Problem {
    Problem {
        entry_id: id,
        outcome: outcome.into(),
        name: name.into(),
        nik: Some(format!("31710{id:011}")),
        address: format!(
            "Jl. Kenari Raya No. {id}, RT 003/RW 007, sebelah warung Bu Darmi yang lama"
        ),
        desa: format!("Utara {kec}"),
        kecamatan: kec.into(),
        note: Some("Menurut tetangga sudah pindah ke Bekasi sejak tahun lalu".into()),
        decided_by: Some("op1".into()),
        decided_ms: Some(0),
    }
}

/// A November with known figures: `desa_per_kec` desa in each of three kecamatan, the
/// kecamatan totals as in [`KEC`].
fn figures(desa_per_kec: u64) -> PeriodFigures {
    let days: Vec<Row> = (1..=30)
        .map(|d| row(&format!("2026-11-{d:02}"), "", [0, 1, 2, 3, 2][d % 5]))
        .collect();
    let mut coverage = Vec::new();
    for (k, (name, recorded, obliged)) in KEC.iter().enumerate() {
        for d in 0..desa_per_kec {
            // Spread the kecamatan's numbers over its desa, one more on each of the first desa
            // until the remainder is used (so no desa records more than it is obliged).
            let share = |n: u64| n / desa_per_kec + u64::from(d < n % desa_per_kec);
            coverage.push(Coverage {
                kecamatan_code: format!("31710{k}"),
                kecamatan: (*name).into(),
                desa_code: format!("31710{k}{d:04}"),
                desa: format!("Desa {name} {d}"),
                listed: share(*obliged) + u64::from(d == 0),
                obliged: share(*obliged),
                recorded: share(*recorded),
                backlog: share(*obliged) - share(*recorded),
                deceased: u64::from(d == 0),
                moved_away: 0,
                not_found: 0,
                refused: 0,
            });
        }
    }
    PeriodFigures {
        from: "2026-11-01".into(),
        to: "2026-11-30".into(),
        tables: vec![
            table(By::Day, days),
            table(
                By::Operator,
                vec![row("op1", "", 20), row("op2", "", 14), row("op3", "", 3)],
            ),
            table(
                By::Kecamatan,
                KEC.iter().map(|(n, r, _)| row(n, "", *r)).collect(),
            ),
            table(
                By::Desa,
                coverage
                    .iter()
                    .map(|c| row(&c.desa, &c.kecamatan, c.recorded))
                    .collect(),
            ),
            table(By::Unit, vec![row("office", "", 30), row("MU-1", "", 7)]),
            table(
                By::Visit,
                vec![
                    row("", "", 30),
                    row("#1 Balai Warga RW 07 (2026-11-12)", "", 7),
                ],
            ),
        ],
        coverage_kecamatan: rekam_agent::office::figures::coverage_by_kecamatan(&coverage),
        coverage,
        problems: vec![
            problem(1, "deceased", "Suparman Wiryodiharjo", "Gambir"),
            problem(2, "moved-away", "Ni Luh Putu Ayu Ñoman", "Kemayoran"),
            problem(3, "not-found", "Bambang Sutejo", "Sawah Besar"),
            problem(4, "not-found", "Dewi Şahin", "Sawah Besar"),
        ],
    }
}

fn meta(key: &WorkstationSigningKey, lang: Lang) -> report::ReportMeta {
    report::ReportMeta {
        office: "Dinas Dukcapil Kota Jakarta Pusat".into(),
        workstation_id: "WS-1".into(),
        key_id: key.public_key().key_id().to_string(),
        generated: "2026-12-01 08:00".into(),
        daily: false,
        lang,
    }
}

fn key_and_trust() -> (WorkstationSigningKey, TrustStore) {
    let (key, _) =
        WorkstationSigningKey::generate(SignatureAlgorithm::Ed25519, &SystemRandom::new())
            .expect("key");
    let mut trust = TrustStore::new();
    trust
        .insert(TrustedWorkstation {
            workstation_id: "WS-1".into(),
            key: key.public_key().clone(),
        })
        .expect("trust");
    (key, trust)
}

/// What pypdf (strict) reads: the page count, then each page's text after a form feed.
const READER: &str = r#"
import sys
from pypdf import PdfReader
r = PdfReader(sys.argv[1], strict=True)
print(len(r.pages))
for p in r.pages:
    print("\f" + p.extract_text())
"#;

/// The page count and each page's text as pypdf extracts them; `None` when no reference Python
/// is configured outside CI.
fn read_with_pypdf(file: &Path) -> Option<(usize, Vec<String>)> {
    if let Ok(dir) = std::env::var("REKAM_REPORT_OUT") {
        // Kept for a person to look at.
        if let Some(name) = file.file_name() {
            let _ = std::fs::copy(file, Path::new(&dir).join(name));
        }
    }
    let py = rekam_tests::reference_python()?;
    let out = Command::new(&py)
        .arg("-c")
        .arg(READER)
        .arg(file)
        .output()
        .expect("run the reference Python");
    assert!(
        out.status.success(),
        "pypdf refused the report: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let mut parts = text.split('\u{c}');
    let count = parts
        .next()
        .and_then(|n| n.trim().parse().ok())
        .expect("a page count");
    Some((count, parts.map(str::to_string).collect()))
}

#[test]
fn a_signed_pdf_report_verifies_and_any_changed_byte_fails() {
    let (key, trust) = key_and_trust();
    let pdf = render_pdf(&meta(&key, Lang::Id), &figures(2));
    assert!(pdf.starts_with(b"%PDF-"));
    assert!(pdf.ends_with(b"%%EOF"));
    let signed = report::sign_pdf(&pdf, &key, &SystemRandom::new()).expect("sign");
    let last = signed[..signed.len() - 1]
        .rsplit(|b| *b == b'\n')
        .next()
        .expect("a last line");
    assert!(last.starts_with(b"%rekam-report-signature v1 "));
    let v = report::verify(&signed, &trust).expect("verifies");
    assert_eq!(v.workstation_id, "WS-1");

    // Every byte of the header, trailer and signature line, and every 7th byte between (all of
    // them takes most of a minute in a debug build).
    let n = signed.len();
    for i in (0..n).filter(|i| *i < 64 || *i + 400 > n || i % 7 == 3) {
        let mut b = signed.clone();
        b[i] ^= 0x01;
        assert!(report::verify(&b, &trust).is_err(), "flip at {i} passed");
    }
    for cut in [1, 2, 10, 100, signed.len() / 2] {
        assert!(report::verify(&signed[..signed.len() - cut], &trust).is_err());
    }
    let mut extra = signed.clone();
    extra.extend_from_slice(b"%appended\n");
    assert!(report::verify(&extra, &trust).is_err());
    // Unsigned, or signed by a key nobody trusts.
    assert!(matches!(
        report::verify(&pdf, &trust),
        Err(report::ReportError::Unsigned)
    ));
    let (other, _) = key_and_trust();
    let foreign = report::sign_pdf(&pdf, &other, &SystemRandom::new()).expect("sign");
    let err = report::verify(&foreign, &trust).expect_err("untrusted");
    assert!(err.to_string().contains("not among the trusted"), "{err}");
}

#[test]
fn an_independent_reader_opens_the_pdf_and_finds_its_title_coverage_and_problems() {
    let (key, _) = key_and_trust();
    let dir = tempfile::tempdir().expect("dir");
    for (lang, title, coverage_head, page_word) in [
        (
            Lang::Id,
            "Laporan periode",
            "Cakupan per kecamatan",
            "Halaman 1 dari",
        ),
        (
            Lang::En,
            "Period report",
            "Coverage per kecamatan",
            "Page 1 of",
        ),
    ] {
        let signed = report::sign_pdf(
            &render_pdf(&meta(&key, lang), &figures(2)),
            &key,
            &SystemRandom::new(),
        )
        .expect("sign");
        let file = dir.path().join(format!("report-{}.pdf", lang.code()));
        std::fs::write(&file, &signed).expect("write");
        let Some((pages, text)) = read_with_pypdf(&file) else {
            return;
        };
        assert_eq!(pages, text.len());
        assert!(pages >= 2, "{pages} pages");
        let all = text.join("\n");
        assert!(
            all.contains(&format!("{title}: Dinas Dukcapil Kota Jakarta Pusat")),
            "{all}"
        );
        assert!(all.contains("2026-11-01 – 2026-11-30"));
        assert!(all.contains(coverage_head));
        assert!(text[0].contains(page_word), "{}", text[0]);
        // Each kecamatan's coverage as the HTML report prints it: recorded/obliged and percent.
        for (name, recorded, obliged) in KEC {
            let pct = rekam_agent::office::figures::percent(recorded, obliged).expect("obliged");
            assert!(all.contains(name), "{name}");
            assert!(
                all.contains(&format!("{pct}% · {recorded}/{obliged}")),
                "{name} {pct}%: {all}"
            );
            assert!(all.contains(&format!("{pct}%")));
        }
        // A name may wrap inside its cell; its words follow one another.
        let words = all.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(words.contains("Suparman Wiryodiharjo"), "{all}");
        assert!(words.contains("Bambang Sutejo"));
        // Ñ is in Windows-1252 and survives; what is not becomes "?".
        assert!(words.contains("Ni Luh Putu Ayu Ñoman"));
        assert!(words.contains("Dewi ?ahin"), "{all}");
    }
}

#[test]
fn a_long_report_runs_over_numbered_pages_and_repeats_its_table_headers() {
    let (key, trust) = key_and_trust();
    // 3 kecamatan of 20 desa: 60 desa in the figures and coverage tables.
    let pdf = render_pdf(&meta(&key, Lang::En), &figures(20));
    let signed = report::sign_pdf(&pdf, &key, &SystemRandom::new()).expect("sign");
    report::verify(&signed, &trust).expect("verifies");
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("long.pdf");
    std::fs::write(&file, &signed).expect("write");
    let Some((pages, text)) = read_with_pypdf(&file) else {
        return;
    };
    assert!(pages >= 4, "{pages} pages");
    for (i, page) in text.iter().enumerate() {
        assert!(
            page.contains(&format!("Page {} of {pages}", i + 1)),
            "page {}: {page}",
            i + 1
        );
    }
    // Every desa is listed, twice (figures and coverage), and some table goes on to a new
    // page under its caption marked continued, with its header row again.
    let all = text.join("\n");
    for k in ["Gambir", "Sawah Besar", "Kemayoran"] {
        for d in 10..20 {
            let desa = format!("Desa {k} {d}");
            assert_eq!(all.matches(&desa).count(), 2, "{desa}: {all}");
        }
    }
    let continued: Vec<&str> = text
        .iter()
        .filter_map(|p| p.find("(continued)").map(|at| &p[at..]))
        .collect();
    assert!(!continued.is_empty(), "no table went on to a new page");
    for after in continued {
        // The caption, then the header row before any data row.
        let head: String = after.chars().take(160).collect();
        assert!(
            head.contains("Started") || head.contains("Listed"),
            "the header row is repeated: {after}"
        );
    }
}

fn rekam() -> Command {
    Command::new(env!("CARGO_BIN_EXE_rekam"))
}

#[test]
fn the_command_writes_a_pdf_for_a_pdf_name_and_verifies_it() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("agent.db");
    drop(rekam_agent::store::Store::open(&db).expect("an empty store"));
    let keys = dir.path().join("keys");
    let ok = rekam()
        .args(["keys", "workstation-new", "--out"])
        .arg(&keys)
        .args(["--id", "WS-1"])
        .output()
        .expect("keys");
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let out_file = dir.path().join("laporan.pdf");
    let ok = rekam()
        .args(["report", "daily", "--db"])
        .arg(&db)
        .args(["--date", "2026-11-02", "--lang", "en", "--key"])
        .arg(keys.join("workstation.key"))
        .arg("--out")
        .arg(&out_file)
        .output()
        .expect("report");
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let bytes = std::fs::read(&out_file).expect("read");
    assert!(bytes.starts_with(b"%PDF-"));
    let verify = |file: &Path| {
        rekam()
            .args(["report", "verify"])
            .arg(file)
            .arg("--trust")
            .arg(keys.join("workstation.pub"))
            .output()
            .expect("verify")
    };
    let ok = verify(&out_file);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(
        String::from_utf8_lossy(&ok.stdout).contains("signature good, signed by workstation WS-1")
    );
    // One byte of the content changed: the day in the header.
    let at = bytes
        .windows(10)
        .position(|w| w == b"2026-11-02")
        .expect("the day is in the content");
    let mut edited = bytes.clone();
    edited[at + 9] = b'3';
    let tampered = dir.path().join("tampered.pdf");
    std::fs::write(&tampered, edited).expect("write");
    let bad = verify(&tampered);
    assert!(!bad.status.success());
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("changed after workstation"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
    // An HTML name still writes the HTML page.
    let html = dir.path().join("laporan.html");
    let ok = rekam()
        .args(["report", "daily", "--db"])
        .arg(&db)
        .args(["--date", "2026-11-02", "--key"])
        .arg(keys.join("workstation.key"))
        .arg("--out")
        .arg(&html)
        .output()
        .expect("report");
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(
        std::fs::read(&html)
            .expect("read")
            .starts_with(b"<!DOCTYPE html>")
    );
}

/// A console whose workstation key the test knows (to check what it signs), with operator `op`.
fn console_with_known_key() -> (support::Console, TrustStore) {
    use rekam_agent::config::Config;
    use rekam_agent::console::{ConsoleState, router};
    use rekam_agent::devices::{DeviceManager, simulated_kit};
    let (key, trust) = key_and_trust();
    let registry =
        rekam_protocol::RegistryPrivateKey::generate(&SystemRandom::new()).expect("registry key");
    let mut config = Config::default();
    config.devices.realtime = false;
    config.agent.workstation_id = "WS-1".into();
    let (f, c, p, i) = simulated_kit(5, false, false);
    let devices = DeviceManager::new(f, c, p, i, config.capture_timeout());
    let mut store = rekam_agent::store::Store::in_memory().expect("store");
    store
        .add_operator(
            "test",
            "op",
            "Siti Operator",
            rekam_agent::operators::Role::Operator,
            support::PASSWORD,
            0,
        )
        .expect("add operator");
    let agent = std::sync::Arc::new(rekam_agent::service::Agent::new(
        config,
        store,
        devices,
        key,
        *registry.public_key(),
    ));
    let state = ConsoleState::new(agent.clone());
    let app = router(state.clone());
    (support::Console { agent, state, app }, trust)
}

#[tokio::test]
async fn the_console_offers_the_period_report_as_a_pdf_download() {
    let (c, trust) = console_with_known_key();
    let mut b = support::signed_in(&c, "op").await;
    let page = b
        .get(&c.app, "/figures?from=2026-11-01&to=2026-11-03")
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains("href=\"/figures/report.pdf?from=2026-11-01&#38;to=2026-11-03\""),
        "{}",
        page.body
    );
    assert!(page.body.contains("Unduh PDF"));
    let r = b
        .get(&c.app, "/figures/report.pdf?from=2026-11-01&to=2026-11-03")
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.headers.get(header::CONTENT_TYPE).map(|v| v.as_bytes()),
        Some(&b"application/pdf"[..])
    );
    assert_eq!(
        r.headers
            .get(header::CONTENT_DISPOSITION)
            .and_then(|v| v.to_str().ok()),
        Some("attachment; filename=\"rekam-report-2026-11-01_2026-11-03.pdf\"")
    );
    assert!(r.bytes.starts_with(b"%PDF-"));
    let v = report::verify(&r.bytes, &trust).expect("the download verifies");
    assert_eq!(v.workstation_id, "WS-1");

    // A bad period is refused, not a PDF of something else; and nobody signed out gets it.
    let bad = b
        .get(&c.app, "/figures/report.pdf?from=2026-11-31&to=2026-11-03")
        .await;
    assert_ne!(bad.status, StatusCode::OK);
    let mut anonymous = support::Browser::default();
    let r = anonymous
        .get(&c.app, "/figures/report.pdf?from=2026-11-01&to=2026-11-03")
        .await;
    assert!(!r.bytes.starts_with(b"%PDF-"));
}
