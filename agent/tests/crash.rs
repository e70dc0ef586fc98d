//! Killing the agent at any moment loses nothing: the `rekam serve` binary is SIGKILLed 50 times
//! at random points while a client drives enrollments through its API and the uploader delivers
//! to a registry simulator. After each restart every step the client saw acknowledged is still
//! there; at the end every finalized packet is delivered exactly once and the audit chain holds.
//! A second, shorter run deletes the WAL after each kill (the committed transactions since the
//! last checkpoint with it): the agent then refuses to start, naming the truncated audit log (or
//! the damaged file), or starts with every acknowledged step still there; it never serves a
//! silently truncated log.

mod identity;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rekam_agent::config::Config;
use rekam_agent::store::{OutboxState, Store};
use rekam_sim::registry::Registry;
use rekam_sim::rng::SimRng;
use serde_json::{Value, json};
use tokio::net::TcpListener;

const KILLS: usize = 50;

fn stage_rank(stage: &str) -> u8 {
    match stage {
        "face" => 0,
        "signature" => 1,
        "fingers" => 2,
        "irises" => 3,
        "review" => 4,
        "finalized" => 5,
        _ => 0,
    }
}

/// What the client saw acknowledged for one session: its furthest stage and finished fingers.
#[derive(Clone, Debug, Default)]
struct Acked {
    stage: u8,
    fingers_done: usize,
}

#[derive(Default)]
struct Ledger {
    sessions: std::collections::HashMap<String, Acked>,
    packets: Vec<String>,
}

fn note(ledger: &Mutex<Ledger>, summary: &Value) {
    let Some(id) = summary["id"].as_str() else {
        return;
    };
    let done = summary["fingers"]
        .as_object()
        .map(|f| {
            f.values()
                .filter(|v| v["done"] == true || v["state"] == "exception")
                .count()
        })
        .unwrap_or(0);
    let rank = stage_rank(summary["stage"].as_str().unwrap_or(""));
    let mut l = ledger.lock().expect("ledger");
    let e = l.sessions.entry(id.to_string()).or_default();
    e.stage = e.stage.max(rank);
    e.fingers_done = e.fingers_done.max(done);
}

struct Agent {
    child: Child,
    base: String,
    token: String,
}

fn spawn_agent(config: &Path) -> Agent {
    let mut child = Command::new(env!("CARGO_BIN_EXE_rekam"))
        .args(["serve", "--config"])
        .arg(config)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn rekam serve");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("first line");
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_string();
    let token = identity::cli_token(config);
    Agent {
        child,
        base: format!("http://{addr}"),
        token,
    }
}

async fn call(
    http: &reqwest::Client,
    a: &(String, String),
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> Option<(u16, Value)> {
    let mut req = http
        .request(method, format!("{}{path}", a.0))
        .bearer_auth(&a.1);
    if let Some(b) = body {
        req = req
            .header("content-type", "application/json")
            .body(b.to_string());
    }
    let resp = req.send().await.ok()?;
    let status = resp.status().as_u16();
    let bytes = resp.bytes().await.ok()?;
    Some((
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    ))
}

/// One step of the enrollment in progress (or a new one); `None` when the agent went away.
async fn step(
    http: &reqwest::Client,
    a: &(String, String),
    ledger: &Mutex<Ledger>,
    seed: u64,
) -> Option<()> {
    use reqwest::Method as M;
    let (_, list) = call(http, a, M::GET, "/v1/sessions", None).await?;
    let open = list
        .as_array()?
        .iter()
        .find(|s| s["stage"] != "finalized")
        .and_then(|s| s["id"].as_str().map(str::to_string));
    let Some(id) = open else {
        let e = rekam_sim::sample::enrollment(&rekam_sim::sample::SampleOptions::tiny(
            seed, "WS-K1", 0,
        ));
        let body = json!({ "applicant": e.applicant });
        let (status, s) = call(http, a, M::POST, "/v1/sessions", Some(body)).await?;
        assert_eq!(status, 201, "{s}");
        note(ledger, &s);
        return Some(());
    };
    let (_, s) = call(http, a, M::GET, &format!("/v1/sessions/{id}"), None).await?;
    let (path, body) = match s["stage"].as_str()? {
        "face" if s["face"]["done"] == true => (
            format!("/v1/sessions/{id}/face/approval"),
            Some(json!({ "approved": true })),
        ),
        "face" => (format!("/v1/sessions/{id}/face"), None),
        "signature" => (format!("/v1/sessions/{id}/signature"), None),
        "fingers" => {
            let p = s["fingers_missing"].as_array()?.first()?.as_u64()?;
            (format!("/v1/sessions/{id}/fingers/{p}"), None)
        }
        "irises" => {
            let eye = if s["irises"]["left"]["done"] == true {
                "right"
            } else {
                "left"
            };
            (format!("/v1/sessions/{id}/irises/{eye}"), None)
        }
        "review" => identity::at_review(&s, &id),
        other => panic!("unexpected stage {other}"),
    };
    let (status, r) = call(http, a, M::POST, &path, body).await?;
    assert!(status < 300, "{path}: {status} {r}");
    if let Some(p) = r["packet_id"].as_str() {
        ledger.lock().expect("ledger").packets.push(p.to_string());
        note(ledger, &json!({ "id": id, "stage": "finalized" }));
    } else if r["session"].is_object() {
        note(ledger, &r["session"]);
    } else {
        note(ledger, &r);
    }
    Some(())
}

async fn check_acknowledged_steps_survived(
    http: &reqwest::Client,
    a: &(String, String),
    ledger: &Mutex<Ledger>,
) {
    let acked: Vec<(String, Acked)> = ledger
        .lock()
        .expect("ledger")
        .sessions
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for (id, ack) in acked {
        let (status, s) = call(
            http,
            a,
            reqwest::Method::GET,
            &format!("/v1/sessions/{id}"),
            None,
        )
        .await
        .expect("agent answers");
        assert_eq!(status, 200, "acknowledged session {id} is gone: {s}");
        let rank = stage_rank(s["stage"].as_str().unwrap_or(""));
        assert!(
            rank >= ack.stage,
            "session {id} went back from stage {} to {}",
            ack.stage,
            rank
        );
        let done = s["fingers"]
            .as_object()
            .map(|f| {
                f.values()
                    .filter(|v| v["done"] == true || v["state"] == "exception")
                    .count()
            })
            .unwrap_or(0);
        if rank < 5 {
            assert!(
                done >= ack.fingers_done,
                "session {id} lost fingers: {done} < {}",
                ack.fingers_done
            );
        }
    }
}

/// A registry simulator, keys and an agent configuration under `root`.
struct Rig {
    config: PathBuf,
    data: PathBuf,
    registry: Registry,
}

async fn rig(root: &Path) -> Rig {
    let data = root.join("agent");
    let mut keys_config = Config::default();
    keys_config.agent.data_dir = data.clone();
    keys_config.agent.workstation_id = "WS-K1".into();
    rekam_agent::serve::provision_simulated(&keys_config).expect("keys");
    let registry = Registry::new(
        rekam_agent::commands::serve::registry_config(
            &rekam_agent::commands::serve::RegistryArgs {
                listen: ([127, 0, 0, 1], 0).into(),
                registry_key: data.join("sim-registry/registry.key"),
                receipt_key: None,
                trust: vec![data.join("keys/workstation.pub")],
                id: None,
                unavailable_rate: 0.2,
                tls: None,
                print_delay_ms: None,
            },
        )
        .expect("registry configuration"),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let reg_url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(rekam_sim::registry::run(
        listener,
        registry.clone(),
        std::future::pending(),
    ));
    let config: PathBuf = root.join("agent.toml");
    std::fs::write(
        &config,
        format!(
            "[agent]\nlisten = \"127.0.0.1:0\"\ndata_dir = {:?}\nworkstation_id = \"WS-K1\"\n\
             [registry]\nurl = {reg_url:?}\n[devices]\nrealtime = false\niris = false\n\
             [uploader]\ninitial_backoff_ms = 10\nmax_backoff_ms = 100\npoll_ms = 20\n[log]\nlevel = \"warn\"\n",
            data.display().to_string()
        ),
    )
    .expect("config");
    Rig {
        config,
        data,
        registry,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_the_agent_at_random_moments_loses_no_acknowledged_work_and_delivers_each_packet_once()
 {
    let dir = tempfile::tempdir().expect("tempdir");
    let Rig {
        config,
        data,
        registry,
    } = rig(dir.path()).await;

    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .expect("client");
    let ledger = Arc::new(Mutex::new(Ledger::default()));
    let mut rng = SimRng::derive(2026, "kills");
    for round in 0..KILLS {
        let mut agent = spawn_agent(&config);
        let a = (agent.base.clone(), agent.token.clone());
        check_acknowledged_steps_survived(&http, &a, &ledger).await;
        let worker = {
            let (http, a, ledger) = (http.clone(), a.clone(), ledger.clone());
            tokio::spawn(async move {
                let mut i = 0u64;
                while step(&http, &a, &ledger, round as u64 * 1000 + i)
                    .await
                    .is_some()
                {
                    i += 1;
                }
            })
        };
        tokio::time::sleep(Duration::from_millis(rng.range(100, 1000))).await;
        agent.child.kill().expect("SIGKILL");
        agent.child.wait().expect("reaped");
        let _ = worker.await;
    }

    // Let the last agent finish: complete open sessions (at least two enrollments in all, however
    // little a slow machine got done between kills) and drain the outbox.
    let mut agent = spawn_agent(&config);
    let a = (agent.base.clone(), agent.token.clone());
    check_acknowledged_steps_survived(&http, &a, &ledger).await;
    for _ in 0..800 {
        let (_, list) = call(&http, &a, reqwest::Method::GET, "/v1/sessions", None)
            .await
            .expect("list");
        if list
            .as_array()
            .is_some_and(|l| l.iter().all(|s| s["stage"] == "finalized"))
            && ledger.lock().expect("ledger").packets.len() >= 2
        {
            break;
        }
        step(&http, &a, &ledger, 999_999)
            .await
            .expect("agent alive");
    }
    let mut pending = u64::MAX;
    for _ in 0..500 {
        let (_, o) = call(&http, &a, reqwest::Method::GET, "/v1/outbox", None)
            .await
            .expect("outbox");
        pending = o["pending"].as_u64().unwrap_or(u64::MAX);
        if pending == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    agent.child.kill().expect("kill");
    agent.child.wait().expect("reaped");
    assert_eq!(pending, 0, "the outbox drained");

    let store = Store::open(&data.join("agent.db")).expect("open");
    store
        .verify_audit()
        .expect("audit chain intact after 50 kills");
    let integrity: String = store
        .raw_connection()
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity");
    assert_eq!(integrity, "ok");
    let packets = ledger.lock().expect("ledger").packets.clone();
    assert!(
        packets.len() >= 2,
        "enough enrollments were finalized to mean something: {}",
        packets.len()
    );
    for p in &packets {
        let d = store
            .outbox()
            .get(p)
            .expect("get")
            .expect("acknowledged packet is in the outbox");
        assert_eq!(d.state, OutboxState::Delivered, "{p}");
        assert!(registry.receipt(p).is_some(), "{p} reached the registry");
    }
    let status = store.outbox().status().expect("status");
    let stats = registry.stats();
    assert_eq!(
        stats.accepted, status.delivered,
        "each packet accepted exactly once"
    );
    assert_eq!(stats.rejected, 0);
    eprintln!(
        "{KILLS} kills: {} enrollments finalized ({} acknowledged), {} duplicate deliveries absorbed",
        status.delivered,
        packets.len(),
        stats.duplicates
    );
}

/// Starts `rekam serve`; `Err` with its message when it refuses to start.
fn try_spawn_agent(config: &Path) -> Result<Agent, String> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_rekam"))
        .args(["serve", "--config"])
        .arg(config)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn rekam serve");
    let mut stderr = child.stderr.take().expect("stderr");
    // Drained on a thread so a long-running agent never blocks on a full pipe.
    let errors = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr, &mut text);
        text
    });
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("first line");
    if line.is_empty() {
        let status = child.wait().expect("reaped");
        assert!(!status.success(), "rekam serve exited 0 without serving");
        return Err(errors.join().unwrap_or_default());
    }
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_string();
    let token = identity::cli_token(config);
    Ok(Agent {
        child,
        base: format!("http://{addr}"),
        token,
    })
}

const WAL_KILLS: usize = 4;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_the_wal_after_a_kill_is_refused_and_named_never_served_as_a_silently_truncated_log()
 {
    let dir = tempfile::tempdir().expect("tempdir");
    let Rig { config, data, .. } = rig(dir.path()).await;
    let db = data.join("agent.db");
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .expect("client");
    let ledger = Arc::new(Mutex::new(Ledger::default()));
    let mut rng = SimRng::derive(2026, "wal-kills");
    let mut refusals = 0;
    for round in 0..WAL_KILLS {
        let mut agent = try_spawn_agent(&config).expect("the agent starts");
        let a = (agent.base.clone(), agent.token.clone());
        let worker = {
            let (http, a, ledger) = (http.clone(), a.clone(), ledger.clone());
            tokio::spawn(async move {
                let mut i = 0u64;
                while step(&http, &a, &ledger, round as u64 * 1000 + i)
                    .await
                    .is_some()
                {
                    i += 1;
                }
            })
        };
        tokio::time::sleep(Duration::from_millis(rng.range(400, 1200))).await;
        agent.child.kill().expect("SIGKILL");
        agent.child.wait().expect("reaped");
        let _ = worker.await;
        let wal = data.join("agent.db-wal");
        if wal.exists() {
            std::fs::remove_file(&wal).expect("delete the WAL");
        }
        match try_spawn_agent(&config) {
            Ok(mut agent) => {
                // Nothing the anchor knew of was lost: every acknowledged step is still there.
                let a = (agent.base.clone(), agent.token.clone());
                check_acknowledged_steps_survived(&http, &a, &ledger).await;
                agent.child.kill().expect("kill");
                agent.child.wait().expect("reaped");
            }
            Err(refusal) => {
                refusals += 1;
                if refusal.contains("is damaged") {
                    // The kill cut a checkpoint short: without the WAL the file itself is
                    // damaged. Refused and named is the point; salvage is tested elsewhere.
                    let doctor = Command::new(env!("CARGO_BIN_EXE_rekam"))
                        .args(["doctor", "--db"])
                        .arg(&db)
                        .output()
                        .expect("rekam doctor");
                    assert!(!doctor.status.success(), "doctor passed a damaged store");
                    break;
                }
                assert!(
                    refusal.contains("audit log truncated: the anchor"),
                    "{refusal}"
                );
                let verify = Command::new(env!("CARGO_BIN_EXE_rekam"))
                    .args(["audit", "verify", "--db"])
                    .arg(&db)
                    .output()
                    .expect("rekam audit verify");
                let said = String::from_utf8_lossy(&verify.stderr);
                assert!(!verify.status.success(), "audit verify passed: {said}");
                assert!(said.contains("audit log truncated"), "{said}");
                // The operator accepts the loss on purpose: the old anchor (and the ledger of
                // what was lost with the WAL) is put aside, and the next round starts from here.
                let anchor = data.join("agent.db.audit-head");
                std::fs::rename(&anchor, data.join(format!("audit-head.lost-{round}")))
                    .expect("move the anchor aside");
                *ledger.lock().expect("ledger") = Ledger::default();
            }
        }
    }
    assert!(
        refusals >= 1,
        "deleting the WAL after a kill lost committed entries at least once in {WAL_KILLS} rounds"
    );
    eprintln!("{WAL_KILLS} kills with the WAL deleted: {refusals} refused and named");
}
