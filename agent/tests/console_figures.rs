//! The office figures page and its report, driven in-process: the period form (no JavaScript
//! needed), tables and inline SVG charts with text alternatives, a bad date refused beside its
//! field, and the signed report for the period chosen.

mod support;

use axum::http::StatusCode;
use rekam_agent::store::AuditEntry;
use serde_json::json;
use support::{console, signed_in};

#[tokio::test]
async fn the_figures_page_shows_the_chosen_period_as_tables_and_labelled_charts() {
    let c = console().await;
    // Two sessions started on 2026-11-02 (WIB), one in Gambir.
    let at = 1_793_466_000_000 + 86_400_000 + 9 * 3_600_000;
    c.agent
        .with_store(move |s| {
            s.audit(&AuditEntry::new(
                at,
                "op",
                "session.start",
                "e1",
                json!({ "kecamatan": "Gambir", "desa": "Cideng", "unit": "office" }),
            ))?;
            s.audit(&AuditEntry::new(
                at + 60_000,
                "op",
                "session.start",
                "e2",
                json!({}),
            ))?;
            Ok(())
        })
        .await
        .expect("audit");
    let mut b = signed_in(&c, "op").await;
    let p = b
        .get(&c.app, "/figures?from=2026-11-01&to=2026-11-03")
        .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    assert!(p.body.contains("data-screen=\"office-figures\""));
    assert!(p.body.contains("<label for=\"from\"") && p.body.contains("<label for=\"to\""));
    assert!(p.body.contains("<svg") && p.body.contains("role=\"img\""));
    assert!(
        p.body
            .contains("<title id=\"chart-days-title\">Perekaman selesai per hari</title>")
    );
    assert!(p.body.contains("id=\"fig-kecamatan\""));
    assert!(p.body.contains("<th scope=\"row\">Gambir</th>"));
    assert!(
        p.body
            .contains("report?from=2026-11-01&#38;to=2026-11-03\" data-report-link"),
        "{}",
        p.body
    );
    // Three days listed in the by-day table, the 2nd with the two starts.
    let day = p
        .body
        .find("<th scope=\"row\">2026-11-02</th>")
        .expect("the 2nd");
    assert!(p.body[day..].starts_with("<th scope=\"row\">2026-11-02</th><td class=\"n\">2</td>"));

    let bad = b
        .get(&c.app, "/figures?from=2026-11-31&to=2026-11-03")
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("id=\"from-error\""));
    assert!(bad.body.contains("Tulis tanggal awal sebagai TTTT-BB-HH"));
    let backwards = b
        .get(&c.app, "/figures?from=2026-11-03&to=2026-11-01")
        .await;
    assert_eq!(backwards.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(backwards.body.contains("id=\"to-error\""));

    let r = b
        .get(&c.app, "/figures/report?from=2026-11-01&to=2026-11-03")
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.starts_with("<!DOCTYPE html>"));
    assert!(r.body.contains("Laporan periode") && r.body.contains("2026-11-01 – 2026-11-03"));
    assert!(
        r.body
            .trim_end()
            .lines()
            .last()
            .is_some_and(|l| l.starts_with("<!--rekam-report-signature v1 "))
    );
}
