//! The technician page, driven in-process: only technicians and admins open it; a test runs on
//! the daemon's own devices, writes a report the console serves with its pictures, and is
//! audited with the technician as actor; report paths outside the reports folder are refused.

mod support;

use axum::http::StatusCode;
use support::{Browser, console_with, signed_in};

fn screen(body: &str) -> &str {
    let at = body.find("data-screen=\"").map(|i| i + 13).unwrap_or(0);
    let rest = &body[at..];
    &rest[..rest.find('"').unwrap_or(0)]
}

#[tokio::test]
async fn the_technician_page_is_for_technicians_and_admins_only() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().to_path_buf();
    let c = console_with(true, move |cfg| cfg.agent.data_dir = dir).await;
    for who in ["op", "spv", "tek", "adm"] {
        let mut b = signed_in(&c, who).await;
        let home = b.get(&c.app, "/").await;
        let allowed = matches!(who, "tek" | "adm");
        assert_eq!(
            home.body.contains("href=\"/technician\""),
            allowed,
            "{who}'s navigation"
        );
        let p = b.get(&c.app, "/technician").await;
        if allowed {
            assert_eq!(p.status, StatusCode::OK, "{who}");
            assert_eq!(screen(&p.body), "technician");
            assert!(p.body.contains("data-action=\"test-camera\""));
        } else {
            assert_eq!(p.status, StatusCode::FORBIDDEN, "{who}");
            let run = b.post(&c.app, "/technician/test/camera", &[]).await;
            assert_eq!(run.status, StatusCode::FORBIDDEN, "{who} cannot run a test");
        }
    }
    let mut b = Browser::default();
    let p = b.get(&c.app, "/technician").await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_technician_tests_the_camera_reads_the_report_with_its_pictures_and_it_is_audited() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().to_path_buf();
    let c = console_with(true, move |cfg| cfg.agent.data_dir = dir).await;
    let mut b = signed_in(&c, "tek").await;
    b.get(&c.app, "/technician").await;
    // Without the form's token nothing runs.
    let refused = b
        .post_raw(&c.app, "/technician/test/camera", String::new())
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    let ran = b.post(&c.app, "/technician/test/camera", &[]).await;
    assert_eq!(ran.status, StatusCode::SEE_OTHER, "{}", ran.body);
    let back = ran.location.expect("back to the page");
    assert!(back.starts_with("/technician?ran=devices-"), "{back}");
    let page = b.get(&c.app, &back).await;
    assert!(
        page.body.contains("data-banner=\"test-passed\""),
        "{}",
        page.body
    );
    let folder = back
        .trim_start_matches("/technician?ran=")
        .trim_end_matches("#result")
        .to_string();
    assert!(page.body.contains(&format!("data-report=\"{folder}\"")));

    let report = b
        .get(&c.app, &format!("/technician/reports/{folder}/"))
        .await;
    assert_eq!(report.status, StatusCode::OK);
    assert!(report.body.contains("src=\"camera-still.jpg\""));
    assert!(report.body.contains("Teknisi") || report.body.contains("tek"));
    let picture = b
        .get(
            &c.app,
            &format!("/technician/reports/{folder}/camera-still.jpg"),
        )
        .await;
    assert_eq!(picture.status, StatusCode::OK);

    let audited = c
        .agent
        .with_store(|s| {
            let mut st = s
                .raw_connection()
                .prepare("SELECT actor, subject, detail FROM audit WHERE action = 'devices.test'")
                .expect("prepare");
            Ok(st
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .expect("query")
                .collect::<Result<Vec<(String, String, String)>, _>>()
                .expect("rows"))
        })
        .await
        .expect("store");
    assert_eq!(audited.len(), 1);
    assert_eq!(
        (audited[0].0.as_str(), audited[0].1.as_str()),
        ("tek", "camera")
    );
    assert!(audited[0].2.contains(&folder) && audited[0].2.contains("\"passed\":true"));

    for bad in [
        format!("/technician/reports/{folder}/..%2F..%2Fagent.db"),
        format!("/technician/reports/{folder}/.hidden"),
        format!("/technician/reports/{folder}/report.sh"),
        "/technician/reports/..%2F/report.html".to_string(),
        "/technician/reports/other/report.html".to_string(),
    ] {
        let p = b.get(&c.app, &bad).await;
        assert_eq!(p.status, StatusCode::NOT_FOUND, "{bad}");
    }
}
