//! Killing the agent while a registry answers only junk loses nothing and settles nothing: the
//! `rekam serve` binary is SIGKILLed a few times while a client drives enrollments and the
//! uploader meets unsigned 409 pages, foreign-signed rejections and receipts, oversized bodies and
//! garbage bytes. Every finalized packet is still in the outbox, pending; none became delivered or
//! rejected; the audit chain and the database hold. (`crash.rs` does the 50-kill run against an
//! honest registry.)

mod identity;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use rekam_agent::config::Config;
use rekam_agent::store::{OutboxState, Store};
use rekam_protocol::receipt::Receipt;
use rekam_protocol::rejection::Rejection;
use rekam_protocol::{SignatureAlgorithm, Timestamp, WorkstationSigningKey};
use rekam_sim::rng::SimRng;
use ring::rand::SystemRandom;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const KILLS: usize = 4;

/// Reads one request; returns the packet id from its path.
async fn read_request(sock: &mut TcpStream) -> Option<String> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 16384];
    let head_end = loop {
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let len: usize = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0);
    let mut got = buf.len() - head_end;
    while got < len {
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        got += n;
    }
    Some(
        head.split_whitespace()
            .nth(1)?
            .rsplit('/')
            .next()?
            .to_string(),
    )
}

fn http(status: u16, body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

/// A registry that never says anything a workstation may act on, in turn.
async fn junk_registry(listener: TcpListener, impostor: Arc<WorkstationSigningKey>) {
    let turn = Arc::new(AtomicUsize::new(0));
    while let Ok((mut sock, _)) = listener.accept().await {
        let (turn, impostor) = (turn.clone(), impostor.clone());
        tokio::spawn(async move {
            let Some(id) = read_request(&mut sock).await else {
                return;
            };
            let at = Timestamp::from_unix_ms(1_790_000_000_000);
            let reply = match turn.fetch_add(1, Ordering::Relaxed) % 6 {
                0 => http(409, b"<html><body><h1>409 Conflict</h1>proxy</body></html>"),
                1 => http(
                    422,
                    br#"{"error":"unknown_workstation","reason":"unsigned"}"#,
                ),
                2 => http(
                    422,
                    &Rejection {
                        packet_id: id.clone(),
                        registry_id: "REG-SIM".into(),
                        code: "bad_signature".into(),
                        reason: "signed by someone else".into(),
                        rejected_at: at,
                    }
                    .sign(&impostor, &SystemRandom::new())
                    .map(|r| r.to_json())
                    .unwrap_or_default(),
                ),
                3 => http(
                    201,
                    &Receipt {
                        packet_id: id,
                        enrollment_id: "0190f0a0-0000-7000-8000-000000000001".into(),
                        workstation_id: "WS-J1".into(),
                        registry_id: "REG-SIM".into(),
                        received_at: at,
                        sequence: 1,
                    }
                    .sign(&impostor, &SystemRandom::new())
                    .map(|r| r.to_json())
                    .unwrap_or_default(),
                ),
                4 => {
                    // 1 MiB of zeros: over the answer cap.
                    let mut r = b"HTTP/1.1 200 OK\r\nContent-Length: 1048576\r\n\r\n".to_vec();
                    r.resize(r.len() + (1 << 20), 0);
                    r
                }
                _ => b"\x00\x01\x02 not http at all \xff\xfe".to_vec(),
            };
            let _ = sock.write_all(&reply).await;
            let _ = sock.shutdown().await;
        });
    }
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
    a: &Agent,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> Option<(u16, Value)> {
    let mut req = http
        .request(method, format!("{}{path}", a.base))
        .bearer_auth(&a.token);
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

/// One step of the open enrollment (or a new one); the packet id when it finalized; `None` when
/// the agent went away.
async fn step(http: &reqwest::Client, a: &Agent, seed: u64) -> Option<Option<String>> {
    use reqwest::Method as M;
    let (_, list) = call(http, a, M::GET, "/v1/sessions", None).await?;
    let open = list
        .as_array()?
        .iter()
        .find(|s| s["stage"] != "finalized")
        .and_then(|s| s["id"].as_str().map(str::to_string));
    let Some(id) = open else {
        let e = rekam_sim::sample::enrollment(&rekam_sim::sample::SampleOptions::tiny(
            seed, "WS-J1", 0,
        ));
        let body = json!({ "applicant": e.applicant });
        let (status, s) = call(http, a, M::POST, "/v1/sessions", Some(body)).await?;
        assert_eq!(status, 201, "{s}");
        return Some(None);
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
        "review" => identity::at_review(&s, &id),
        other => panic!("unexpected stage {other}"),
    };
    let (status, r) = call(http, a, M::POST, &path, body).await?;
    assert!(status < 300, "{path}: {status} {r}");
    Some(r["packet_id"].as_str().map(str::to_string))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_the_agent_while_the_registry_answers_junk_settles_no_packet_and_loses_none() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let data = root.join("agent");
    let mut keys_config = Config::default();
    keys_config.agent.data_dir = data.clone();
    keys_config.agent.workstation_id = "WS-J1".into();
    rekam_agent::serve::provision_simulated(&keys_config).expect("keys");
    let (impostor, _) =
        WorkstationSigningKey::generate(SignatureAlgorithm::Ed25519, &SystemRandom::new())
            .expect("key");
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let reg_url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(junk_registry(listener, Arc::new(impostor)));
    let config = root.join("agent.toml");
    std::fs::write(
        &config,
        format!(
            "[agent]\nlisten = \"127.0.0.1:0\"\ndata_dir = {:?}\nworkstation_id = \"WS-J1\"\n\
             [registry]\nurl = {reg_url:?}\n[devices]\nrealtime = false\niris = false\n\
             [uploader]\ninitial_backoff_ms = 5\nmax_backoff_ms = 20\npoll_ms = 10\nrequest_timeout_ms = 2000\n\
             [log]\nlevel = \"warn\"\n",
            data.display().to_string()
        ),
    )
    .expect("config");
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .expect("client");
    let mut packets: Vec<String> = Vec::new();
    let mut rng = SimRng::derive(2027, "junk-kills");
    for round in 0..=KILLS {
        let mut agent = spawn_agent(&config);
        let last = round == KILLS;
        // Each life drives enrollments for a while; the last one until two packets exist.
        let deadline = tokio::time::Instant::now()
            + Duration::from_millis(if last { 60_000 } else { rng.range(300, 1500) });
        let mut i = 0u64;
        while tokio::time::Instant::now() < deadline && !(last && packets.len() >= 2) {
            let work = step(&http, &agent, round as u64 * 1000 + i);
            match tokio::time::timeout_at(deadline, work).await {
                Ok(Some(Some(p))) => packets.push(p),
                Ok(Some(None)) => {}
                Ok(None) | Err(_) => break,
            }
            i += 1;
        }
        if last {
            // Let the uploader meet the junk a while longer.
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        agent.child.kill().expect("SIGKILL");
        agent.child.wait().expect("reaped");
    }
    assert!(
        packets.len() >= 2,
        "enrollments finalized: {}",
        packets.len()
    );

    let store = Store::open(&data.join("agent.db")).expect("open");
    store.verify_audit().expect("audit chain intact");
    let integrity: String = store
        .raw_connection()
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity");
    assert_eq!(integrity, "ok");
    let mut tried = 0;
    for p in &packets {
        let d = store
            .outbox()
            .get(p)
            .expect("get")
            .expect("every finalized packet is in the outbox");
        assert_eq!(d.state, OutboxState::Pending, "{p}: {:?}", d.last_error);
        tried += usize::from(d.last_error.is_some());
    }
    assert!(tried > 0, "the uploader did meet the junk registry");
    let status = store.outbox().status().expect("status");
    assert_eq!((status.delivered, status.rejected), (0, 0));
}
