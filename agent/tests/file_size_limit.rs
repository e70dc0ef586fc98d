//! A daemon run under a file-size limit (`ulimit -f`, which some kiosk set-ups and service managers
//! impose) keeps running when its database reaches it: the kernel's SIGXFSZ is handled, the write
//! fails with EFBIG, the request answers 507 with the path, health turns 503, and nothing already
//! acknowledged is lost.

#![cfg(unix)]

mod identity;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use rekam_agent::config::Config;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_that_reaches_the_file_size_limit_answers_507_and_the_daemon_lives_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let mut c = Config::default();
    c.agent.data_dir = data.clone();
    rekam_agent::serve::provision_simulated(&c).expect("keys");
    let config = dir.path().join("agent.toml");
    std::fs::write(
        &config,
        format!(
            "[agent]\nlisten = \"127.0.0.1:0\"\ndata_dir = {:?}\n\n[registry]\nurl = \"http://127.0.0.1:9\"\n\n\
             [devices]\nrealtime = false\nwatch_interval_ms = 0\n",
            data.display().to_string()
        ),
    )
    .expect("config");
    // 1 MiB per file: enough to start and record a few steps, not a whole enrollment's images.
    let mut child = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "ulimit -f 1024; exec {} serve --config {}",
            env!("CARGO_BIN_EXE_rekam"),
            config.display()
        ))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn rekam serve under ulimit -f");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("first line");
    let base = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_string();
    let token = identity::cli_token(&config);
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .expect("client");
    let call = |method: reqwest::Method, path: String, body: Option<Value>| {
        let req = http
            .request(method, format!("{base}{path}"))
            .bearer_auth(&token);
        let req = match body {
            Some(b) => req
                .header("content-type", "application/json")
                .body(b.to_string()),
            None => req,
        };
        async move {
            let resp = req.send().await.expect("the daemon answers");
            let status = resp.status().as_u16();
            let bytes = resp.bytes().await.expect("body");
            (
                status,
                serde_json::from_slice::<Value>(&bytes).unwrap_or(Value::Null),
            )
        }
    };

    let e = rekam_sim::sample::enrollment(&rekam_sim::sample::SampleOptions::tiny(5, "WS-F", 0));
    let (status, s) = call(
        reqwest::Method::POST,
        "/v1/sessions".into(),
        Some(json!({ "applicant": e.applicant })),
    )
    .await;
    assert_eq!(status, 201, "{s}");
    let id = s["id"].as_str().expect("id").to_string();
    // Capture until a write no longer fits; every answer before it was a success.
    let mut refused = None;
    let mut recorded = 0;
    for _ in 0..40 {
        let (_, s) = call(reqwest::Method::GET, format!("/v1/sessions/{id}"), None).await;
        let path = match s["stage"].as_str().expect("stage") {
            "face" if s["face"]["done"] == true => {
                let (st, r) = call(
                    reqwest::Method::POST,
                    format!("/v1/sessions/{id}/face/approval"),
                    Some(json!({ "approved": true })),
                )
                .await;
                assert!(st < 300 || st == 507, "{st} {r}");
                continue;
            }
            "face" => format!("/v1/sessions/{id}/face"),
            "signature" => format!("/v1/sessions/{id}/signature"),
            "fingers" => {
                let p = s["fingers_missing"][0].as_u64().expect("a finger to take");
                format!("/v1/sessions/{id}/fingers/{p}")
            }
            other => panic!("reached {other} under a 1 MiB limit"),
        };
        let (status, r) = call(reqwest::Method::POST, path, None).await;
        if status == 507 {
            refused = Some(r);
            break;
        }
        assert!(status < 300, "{status} {r}");
        recorded += 1;
    }
    let refused = refused.expect("a capture reached the limit");
    assert_eq!(refused["error"], "disk_full", "{refused}");
    assert!(
        refused["message"]
            .as_str()
            .is_some_and(|m| m.contains(&data.join("agent.db").display().to_string())),
        "{refused}"
    );
    // Still alive, saying why in its health, and what it acknowledged is still there.
    assert!(
        child.try_wait().expect("status").is_none(),
        "the daemon died"
    );
    let (status, health) = call(reqwest::Method::GET, "/v1/health".into(), None).await;
    assert_eq!(status, 503, "{health}");
    assert!(
        health["store"]
            .as_str()
            .is_some_and(|s| s.starts_with("full")),
        "{health}"
    );
    let (status, s) = call(reqwest::Method::GET, format!("/v1/sessions/{id}"), None).await;
    assert_eq!(status, 200, "{s}");
    assert!(recorded > 0, "no capture fitted under the limit");
    let _ = child.kill();
    let _ = child.wait();
}
