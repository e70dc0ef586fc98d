//! `rekam demo`: a complete enrollment on simulated devices, narrated step by step.
//!
//! It creates the registry's and the workstation's keys, starts a registry simulator and the
//! agent (both in this process, on loopback ports chosen by the system), adds a demo operator and
//! a demo supervisor to the agent's store, then acts as the recording application would: it
//! drives a whole session through the local API with the operator's own token, has the supervisor
//! approve it when a capture was forced or a finger excepted, finalizes it, and follows the packet
//! until the registry's signed receipt is stored.
//!
//! Contract: runs in a fresh temporary directory (or `--keep DIR`, which must not exist), uses
//! only the public API and the daemon's own code paths, and fails loudly if any step does not
//! behave as specified.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::net::TcpListener;

use super::keys;
use super::packet_demo::{TempDir, tempdir};
use crate::config::Config;
use crate::files;
use crate::serve;

/// The demo's operator at the desk.
const OPERATOR: &str = "OP-DEMO";
/// The demo's supervisor.
const SUPERVISOR: &str = "SPV-DEMO";

/// What the demo added to the agent's store.
struct Staff {
    /// The operator's API token.
    token: String,
    /// The supervisor's password (random, used once to approve).
    supervisor_password: String,
}

/// A random password for a demo account.
fn random_password() -> Result<String> {
    use base64::Engine as _;
    use ring::rand::SecureRandom as _;
    let mut raw = [0u8; 18];
    ring::rand::SystemRandom::new()
        .fill(&mut raw)
        .map_err(|_| anyhow::anyhow!("the random number generator failed"))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw))
}

/// Adds the demo operator and supervisor and issues the operator's API token.
async fn add_staff(agent: &crate::service::Agent) -> Result<Staff> {
    use crate::operators::Role;
    let operator_password = random_password()?;
    let supervisor_password = random_password()?;
    let sp = supervisor_password.clone();
    let now = (agent.clock)();
    let token = agent
        .with_store(move |s| {
            s.add_operator(
                "demo",
                OPERATOR,
                "Operator Demo",
                Role::Operator,
                &operator_password,
                now,
            )?;
            s.add_operator(
                "demo",
                SUPERVISOR,
                "Supervisor Demo",
                Role::Supervisor,
                &sp,
                now,
            )?;
            Ok(s.issue_operator_token(OPERATOR, "demo", now)?)
        })
        .await?;
    Ok(Staff {
        token,
        supervisor_password,
    })
}

/// Runs the demo.
pub fn run(keep: Option<&Path>, out: &mut dyn Write) -> Result<()> {
    let _tmp: TempDir;
    let dir: PathBuf = match keep {
        Some(d) => {
            if d.exists() {
                bail!(
                    "{} already exists; give --keep a new directory",
                    d.display()
                );
            }
            std::fs::create_dir_all(d).with_context(|| format!("cannot create {}", d.display()))?;
            d.to_path_buf()
        }
        None => {
            _tmp = tempdir()?;
            _tmp.0.clone()
        }
    };
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?
        .block_on(demo(&dir, out))
}

struct Api {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Api {
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<(StatusCode, Value)> {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(b) = body {
            req = req
                .header("content-type", "application/json")
                .body(b.to_string());
        }
        let resp = req
            .send()
            .await
            .with_context(|| format!("calling {path}"))?;
        let status = resp.status();
        let v: Value = serde_json::from_slice(&resp.bytes().await?).unwrap_or(Value::Null);
        Ok((status, v))
    }

    async fn post(&self, path: &str, body: Option<Value>) -> Result<Value> {
        let (status, v) = self.call(reqwest::Method::POST, path, body).await?;
        if !status.is_success() {
            bail!("POST {path} answered {status}: {v}");
        }
        Ok(v)
    }

    async fn get(&self, path: &str) -> Result<Value> {
        let (status, v) = self.call(reqwest::Method::GET, path, None).await?;
        if !status.is_success() {
            bail!("GET {path} answered {status}: {v}");
        }
        Ok(v)
    }
}

/// What the event stream showed of live finger captures so far.
#[derive(Default)]
struct Live {
    /// Preview frames since the last reset.
    frames: u32,
    /// The last preview frame's measures.
    last: Value,
    /// Finger captures recorded.
    captures: u32,
}

/// Follows `/v1/events` in the background, counting preview frames and finger captures.
async fn follow_previews(api: &Api) -> Result<Arc<Mutex<Live>>> {
    let live = Arc::new(Mutex::new(Live::default()));
    // A client without the request timeout: the stream stays open for the whole demo.
    let mut resp = reqwest::Client::new()
        .get(format!("{}/v1/events", api.base))
        .bearer_auth(&api.token)
        .send()
        .await
        .context("opening the event stream")?;
    if !resp.status().is_success() {
        bail!("GET /v1/events answered {}", resp.status());
    }
    let seen = live.clone();
    tokio::spawn(async move {
        let mut buf = String::new();
        while let Ok(Some(chunk)) = resp.chunk().await {
            buf.push_str(&String::from_utf8_lossy(&chunk));
            while let Some(end) = buf.find("\n\n") {
                let event: String = buf.drain(..end + 2).collect();
                let mut kind = "";
                let mut data = "";
                for line in event.lines() {
                    if let Some(k) = line.strip_prefix("event: ") {
                        kind = k;
                    } else if let Some(d) = line.strip_prefix("data: ") {
                        data = d;
                    }
                }
                let mut l = seen
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                match kind {
                    "preview.finger" => {
                        l.frames += 1;
                        l.last = serde_json::from_str::<Value>(data)
                            .map(|v| v["detail"].clone())
                            .unwrap_or(Value::Null);
                    }
                    "capture.finger" => l.captures += 1,
                    _ => {}
                }
            }
        }
    });
    Ok(live)
}

/// Waits (briefly) until the stream has shown `captures` finger captures, then describes the
/// previews that led to the last one and starts counting afresh.
async fn previews_text(live: &Mutex<Live>, captures: u32) -> String {
    for _ in 0..200 {
        {
            let mut l = live
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if l.captures >= captures {
                let text = format!(
                    "{} after {} live preview frames (live estimate {})",
                    if l.last["forced"] == true {
                        "captured at the deadline"
                    } else {
                        "auto-captured"
                    },
                    l.frames,
                    l.last["estimate"]
                );
                l.frames = 0;
                return text;
            }
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    "no preview frames seen on the event stream".into()
}

fn outcome_text(r: &Value) -> String {
    let o = &r["outcome"];
    match o["outcome"].as_str() {
        Some("accepted") => format!("accepted, quality {}", o["score"]),
        Some("retake") => format!(
            "quality {} below the gate {}: retake ({} left)",
            o["score"], o["gate"], o["attempts_left"]
        ),
        Some("forced") => format!(
            "kept the best attempt (quality {}) as forced",
            o["kept_score"]
        ),
        _ => o.to_string(),
    }
}

async fn demo(dir: &Path, out: &mut dyn Write) -> Result<()> {
    writeln!(out, "rekam demo in {}\n", dir.display())?;
    writeln!(
        out,
        "1. Keys: the registry's (sealing, receipts) and this workstation's"
    )?;
    let reg_dir = dir.join("registry");
    keys::registry_new(&reg_dir, Some("REG-DEMO"), &mut std::io::sink())?;
    let data = dir.join("agent");
    let key_dir = data.join("keys");
    keys::workstation_new(
        &key_dir,
        Some("WS-DEMO-01"),
        "ed25519",
        &mut std::io::sink(),
    )?;
    for name in ["registry.pub", "receipt.pub"] {
        files::write_new(
            &key_dir.join(name),
            &files::read(&reg_dir.join(name))?,
            0o644,
        )?;
    }
    writeln!(out, "  registry REG-DEMO, workstation WS-DEMO-01")?;

    writeln!(
        out,
        "\n2. A registry simulator that trusts this workstation"
    )?;
    let reg_cfg = super::serve::registry_config(&super::serve::RegistryArgs {
        listen: "127.0.0.1:0".parse()?,
        registry_key: reg_dir.join("registry.key"),
        receipt_key: None,
        trust: vec![key_dir.join("workstation.pub")],
        id: None,
        unavailable_rate: 0.0,
        tls: None,
        print_delay_ms: None,
    })?;
    let registry = rekam_sim::registry::Registry::new(reg_cfg);
    let reg_listener = TcpListener::bind("127.0.0.1:0").await?;
    let reg_addr = reg_listener.local_addr()?;
    let (reg_stop, reg_stopped) = tokio::sync::oneshot::channel::<()>();
    let reg_task = tokio::spawn(rekam_sim::registry::run(
        reg_listener,
        registry.clone(),
        async {
            let _ = reg_stopped.await;
        },
    ));
    writeln!(out, "  listening on http://{reg_addr}")?;

    writeln!(out, "\n3. The agent on simulated devices")?;
    let mut cfg = Config::default();
    cfg.agent.data_dir = data.clone();
    cfg.agent.workstation_id = "WS-DEMO-01".into();
    cfg.registry.url = format!("http://{reg_addr}");
    cfg.devices.realtime = false;
    cfg.uploader.poll_ms = 200;
    let running = serve::start(cfg, TcpListener::bind("127.0.0.1:0").await?).await?;
    let staff = add_staff(&running.agent).await?;
    let api = Api {
        http: reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()?,
        base: format!("http://{}", running.addr),
        token: staff.token.clone(),
    };
    writeln!(
        out,
        "  API on http://{}; operator {OPERATOR} and supervisor {SUPERVISOR} added, with an API token for {OPERATOR}",
        running.addr
    )?;
    let (status, _) = api.call(reqwest::Method::GET, "/v1/devices", None).await?;
    let unauth = api
        .http
        .get(format!("{}/v1/devices", api.base))
        .send()
        .await?
        .status();
    writeln!(out, "  without the token: {unauth}; with it: {status}")?;
    for d in api
        .get("/v1/devices")
        .await?
        .as_array()
        .cloned()
        .unwrap_or_default()
    {
        writeln!(
            out,
            "  device {:<14} {}",
            d["class"].as_str().unwrap_or("?"),
            d["health"]["state"].as_str().unwrap_or("?")
        )?;
    }

    writeln!(out, "\n4. A resident sits down")?;
    let sample =
        rekam_sim::sample::enrollment(&rekam_sim::sample::SampleOptions::tiny(7, "WS-DEMO-01", 0));
    let applicant = serde_json::to_value(&sample.applicant)?;
    let s = api
        .post("/v1/sessions", Some(json!({ "applicant": applicant })))
        .await?;
    let id = s["id"].as_str().context("no session id")?.to_string();
    writeln!(
        out,
        "  session started: {id}\n  {} (NIK {}), {}",
        s["full_name"].as_str().unwrap_or("?"),
        s["nik"].as_str().unwrap_or("?"),
        s["eligibility"]
    )?;

    writeln!(out, "\n5. Face photo")?;
    loop {
        let r = api.post(&format!("/v1/sessions/{id}/face"), None).await?;
        writeln!(
            out,
            "  photo: {} ({})",
            outcome_text(&r),
            r["algorithm"].as_str().unwrap_or("?")
        )?;
        if r["session"]["face"]["done"].as_bool() == Some(true) {
            break;
        }
    }
    api.post(
        &format!("/v1/sessions/{id}/face/approval"),
        Some(json!({ "approved": true })),
    )
    .await?;
    writeln!(out, "  the resident approved the photo")?;

    writeln!(out, "\n6. Signature")?;
    let r = api
        .post(&format!("/v1/sessions/{id}/signature"), None)
        .await?;
    writeln!(
        out,
        "  signed and accepted on the pad; stage now {}",
        r["stage"]
    )?;

    writeln!(
        out,
        "\n7. Fingers: live previews until the auto-capture rule fires, then NFIQ 2.3"
    )?;
    let live = follow_previews(&api).await?;
    let mut captures = 0;
    for p in 1..=9u8 {
        loop {
            let r = api
                .post(&format!("/v1/sessions/{id}/fingers/{p}"), None)
                .await?;
            captures += 1;
            writeln!(
                out,
                "  finger {p:>2}: {}; {}",
                previews_text(&live, captures).await,
                outcome_text(&r)
            )?;
            if let Some(advice) = r["advice"].as_str() {
                writeln!(out, "            {advice}")?;
            }
            if r["session"]["fingers"][p.to_string()]["done"].as_bool() == Some(true) {
                break;
            }
        }
    }

    // The resident's left little finger is bandaged: an exception, which a supervisor approves.
    api.post(
        &format!("/v1/sessions/{id}/fingers/10/exception"),
        Some(json!({ "reason": "bandaged", "note": "luka bakar / a burn" })),
    )
    .await?;
    writeln!(out, "  finger 10: bandaged, recorded as an exception")?;

    let s = api.get(&format!("/v1/sessions/{id}")).await?;
    if s["stage"] == "irises" {
        writeln!(out, "\n8. Irises")?;
        for eye in ["left", "right"] {
            loop {
                let r = api
                    .post(&format!("/v1/sessions/{id}/irises/{eye}"), None)
                    .await?;
                writeln!(out, "  {eye:<5} iris: {}", outcome_text(&r))?;
                if r["session"]["irises"][eye]["done"].as_bool() == Some(true) {
                    break;
                }
            }
        }
    }

    writeln!(out, "\n9. Review and finalize")?;
    let s = api.get(&format!("/v1/sessions/{id}")).await?;
    let needs: Vec<&str> = s["needs_approval"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if needs.is_empty() {
        writeln!(
            out,
            "  nothing forced or excepted: no supervisor approval needed"
        )?;
    } else {
        let r = api
            .post(
                &format!("/v1/sessions/{id}/approval"),
                Some(json!({ "supervisor_id": SUPERVISOR, "password": staff.supervisor_password })),
            )
            .await?;
        writeln!(
            out,
            "  supervisor {} approved: {}",
            r["approved_by"].as_str().unwrap_or("?"),
            needs.join(", ")
        )?;
    }
    let f = api
        .post(&format!("/v1/sessions/{id}/finalize"), None)
        .await?;
    let packet = f["packet_id"].as_str().context("no packet id")?.to_string();
    writeln!(out, "  finalized: packet {packet} sealed into the outbox")?;

    writeln!(out, "\n10. Delivery")?;
    let mut receipt = Value::Null;
    for _ in 0..300 {
        let p = api.get(&format!("/v1/outbox/{packet}")).await?;
        match p["state"].as_str() {
            Some("delivered") => {
                receipt = p["receipt"].clone();
                break;
            }
            Some("rejected") => bail!("the registry rejected the packet: {p}"),
            _ => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    if receipt.is_null() {
        bail!("the packet was not delivered within 30 s");
    }
    let r = &receipt["receipt"];
    writeln!(
        out,
        "  receipt from registry {}: sequence {}, received {}, enrollment {}",
        r["registry_id"].as_str().unwrap_or("?"),
        r["sequence"],
        r["received_at"].as_str().unwrap_or("?"),
        r["enrollment_id"].as_str().unwrap_or("?")
    )?;
    writeln!(
        out,
        "  signature {} by key {}",
        &receipt["signature"].as_str().unwrap_or("?")
            [..16.min(receipt["signature"].as_str().unwrap_or("").len())],
        receipt["key_id"].as_str().unwrap_or("?")
    )?;
    let stats = registry.stats();
    writeln!(
        out,
        "  registry counters: {} accepted, {} duplicates, {} rejected",
        stats.accepted, stats.duplicates, stats.rejected
    )?;

    running.shutdown().await?;
    let _ = reg_stop.send(());
    reg_task.await??;
    let store = crate::store::Store::open(&data.join(serve::DB_FILE))?;
    let n = store.verify_audit()?;
    writeln!(
        out,
        "\n11. The agent stopped; audit log intact: {n} entries, hash chain verified"
    )?;
    writeln!(
        out,
        "\nDone: enrolled on simulated devices through the API, sealed, delivered and receipted."
    )?;
    Ok(())
}
