//! No packet is lost to something that is not the registry: a raw TCP stub on loopback stands
//! where the registry should be and answers what proxies, impostors and broken peers answer. Only
//! a rejection signed by the registry's receipt key and naming the packet makes a packet final;
//! everything else leaves it pending with a readable last error, and no answer is read past the
//! cap. A supervisor can send a rejected packet again, audited.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rekam_agent::commands::keys;
use rekam_agent::config::Config;
use rekam_agent::serve::{self, Running};
use rekam_agent::store::{Delivery, OutboxState};
use rekam_agent::uploader::{self, Client, MAX_ANSWER_BYTES};
use rekam_protocol::packet::{self, PacketId};
use rekam_protocol::receipt::{Receipt, TrustedRegistry};
use rekam_protocol::rejection::{Rejection, SignedRejection};
use rekam_protocol::{SignatureAlgorithm, Timestamp, WorkstationSigningKey};
use rekam_sim::registry::Registry;
use rekam_sim::sample::{self, SampleOptions};
use ring::rand::SystemRandom;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

mod cli_support;
use cli_support::{p, rekam};

/// What the stub answers to the next requests.
#[derive(Clone)]
enum Script {
    /// These bytes verbatim, then close.
    Raw(Vec<u8>),
    /// A status with a body, well-formed HTTP.
    Answer(u16, Vec<u8>),
    /// Headers announcing 2 GiB, then zeros streamed until the client hangs up.
    HugeAnnounced,
    /// 2 GiB of zeros in chunked encoding (no length announced), until the client hangs up.
    HugeChunked,
    /// A 200 whose chunked body trickles on and never ends.
    Endless,
    /// What the registry simulator answers.
    Honest,
}

#[derive(Clone)]
struct Stub {
    script: Arc<Mutex<Script>>,
    /// Bytes of body the stub managed to send on its last huge answer.
    sent: Arc<Mutex<u64>>,
    /// What answers `Script::Honest`.
    registry: Arc<Mutex<Option<Registry>>>,
}

impl Stub {
    fn set(&self, s: Script) {
        *self.script.lock().expect("script") = s;
    }
}

async fn read_request(sock: &mut TcpStream) -> Option<(String, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
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
    let mut body = buf[head_end..].to_vec();
    while body.len() < len {
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    let path = head.split_whitespace().nth(1)?.to_string();
    Some((path, body))
}

fn http(status: u16, body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {status} Whatever\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

const TWO_GIB: u64 = 2 << 30;

async fn serve_one(stub: Stub, mut sock: TcpStream) {
    let Some((path, body)) = read_request(&mut sock).await else {
        return;
    };
    let script = stub.script.lock().expect("script").clone();
    let zeros = vec![0u8; 64 * 1024];
    match script {
        Script::Raw(bytes) => {
            let _ = sock.write_all(&bytes).await;
        }
        Script::Answer(status, body) => {
            let _ = sock.write_all(&http(status, &body)).await;
        }
        Script::HugeAnnounced | Script::HugeChunked => {
            let chunked = matches!(script, Script::HugeChunked);
            let head = if chunked {
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_string()
            } else {
                format!("HTTP/1.1 200 OK\r\nContent-Length: {TWO_GIB}\r\n\r\n")
            };
            if sock.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            let mut sent = 0u64;
            while sent < TWO_GIB {
                let ok = if chunked {
                    let mut piece = format!("{:x}\r\n", zeros.len()).into_bytes();
                    piece.extend_from_slice(&zeros);
                    piece.extend_from_slice(b"\r\n");
                    sock.write_all(&piece).await.is_ok()
                } else {
                    sock.write_all(&zeros).await.is_ok()
                };
                if !ok {
                    break;
                }
                sent += zeros.len() as u64;
                *stub.sent.lock().expect("sent") = sent;
            }
        }
        Script::Endless => {
            if sock
                .write_all(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
                .await
                .is_err()
            {
                return;
            }
            // A byte every 50 ms: never near the cap, never finished.
            while sock.write_all(b"1\r\n{\r\n").await.is_ok() {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        Script::Honest => {
            let reg = stub
                .registry
                .lock()
                .expect("registry")
                .clone()
                .expect("a registry behind the stub");
            let id = path.rsplit('/').next().unwrap_or("").to_string();
            let now = Timestamp::from_unix_ms(1_790_000_000_000);
            let a = tokio::task::spawn_blocking(move || reg.receive(&id, &body, now))
                .await
                .expect("registry");
            let _ = sock.write_all(&http(a.status.as_u16(), &a.body)).await;
        }
    }
    let _ = sock.shutdown().await;
}

async fn start_stub() -> (Stub, String) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let stub = Stub {
        script: Arc::new(Mutex::new(Script::Answer(503, b"not yet".to_vec()))),
        sent: Arc::new(Mutex::new(0)),
        registry: Arc::new(Mutex::new(None)),
    };
    let s = stub.clone();
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            tokio::spawn(serve_one(s.clone(), sock));
        }
    });
    (stub, url)
}

/// The registry's receipt key and what a workstation trusts of it.
fn registry_key() -> (WorkstationSigningKey, TrustedRegistry) {
    let (key, _) =
        WorkstationSigningKey::generate(SignatureAlgorithm::Ed25519, &SystemRandom::new())
            .expect("key");
    let trusted = TrustedRegistry {
        registry_id: "REG-T".into(),
        key: key.public_key().clone(),
    };
    (key, trusted)
}

fn rejection(packet: &PacketId, key: &WorkstationSigningKey) -> Vec<u8> {
    Rejection {
        packet_id: packet.to_string(),
        registry_id: "REG-T".into(),
        code: "unknown_workstation".into(),
        reason: "the workstation key is not trusted".into(),
        rejected_at: Timestamp::from_unix_ms(1_790_000_000_000),
    }
    .sign(key, &SystemRandom::new())
    .expect("sign")
    .to_json()
}

fn item(bytes: &[u8]) -> rekam_agent::store::OutboxItem {
    rekam_agent::store::OutboxItem {
        packet_id: PacketId::of(bytes).to_string(),
        enrollment_id: "e".into(),
        bytes: bytes.to_vec(),
        attempts: 0,
    }
}

/// Every hostile answer, with a word the resulting last error must contain.
fn hostile_answers(
    packet: &PacketId,
    trusted_key: &WorkstationSigningKey,
) -> Vec<(&'static str, Script, &'static str)> {
    let (impostor, _) = registry_key();
    let receipt = Receipt {
        packet_id: packet.to_string(),
        enrollment_id: "0190f0a0-0000-7000-8000-000000000001".into(),
        workstation_id: "WS-1".into(),
        registry_id: "REG-T".into(),
        received_at: Timestamp::from_unix_ms(1_790_000_000_000),
        sequence: 1,
    }
    .sign(trusted_key, &SystemRandom::new())
    .expect("receipt")
    .to_json();
    vec![
        (
            "an unsigned 409 HTML page",
            Script::Answer(
                409,
                b"<html>\r\n<head><title>409 Conflict</title></head>\r\n<body>nginx</body></html>"
                    .to_vec(),
            ),
            "409 Conflict",
        ),
        (
            "a 422 rejection signed by another key",
            Script::Answer(422, rejection(packet, &impostor)),
            "not the registry's key",
        ),
        (
            "a rejection naming another packet",
            Script::Answer(422, rejection(&PacketId::of(b"another"), trusted_key)),
            "rejection is for packet",
        ),
        (
            "a receipt sent as a rejection",
            Script::Answer(422, receipt),
            "rejection is malformed",
        ),
        (
            "a 2 GiB body announced",
            Script::HugeAnnounced,
            "larger than 65536 bytes",
        ),
        (
            "a 2 GiB body streamed",
            Script::HugeChunked,
            "larger than 65536 bytes",
        ),
        ("a body that never ends", Script::Endless, "timed out"),
        (
            "junk bytes on the socket",
            Script::Raw(b"\x00\xffSSH-2.0-junk\r\n\x1b[2J garbage".to_vec()),
            "cannot reach",
        ),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_hostile_answer_is_a_delivery_or_a_rejection_and_each_says_what_came_back() {
    let (key, trusted) = registry_key();
    let (stub, url) = start_stub().await;
    let client = Client::new(&url, None, trusted, Duration::from_millis(1500)).expect("client");
    let it = item(b"sealed bytes");
    let id = PacketId::of(&it.bytes);
    for (what, script, expect) in hostile_answers(&id, &key) {
        stub.set(script);
        match client.send(&it).await {
            uploader::Attempt::Failed(why) => {
                eprintln!("{what}: {why}");
                assert!(why.contains(expect), "{what}: {why}");
                assert!(why.len() < 1000, "{what}: a bounded message: {why}");
                assert!(!why.chars().any(char::is_control), "{what}: {why:?}");
            }
            other => panic!("{what}: {other:?}"),
        }
    }
    assert!(
        *stub.sent.lock().expect("sent") < 64 << 20,
        "the client hung up long before 2 GiB"
    );
    assert_eq!(MAX_ANSWER_BYTES, 65536, "the cap the messages above name");
    stub.set(Script::Answer(422, rejection(&id, &key)));
    match client.send(&it).await {
        uploader::Attempt::Rejected {
            code, rejection, ..
        } => {
            assert_eq!(code, "unknown_workstation");
            assert!(SignedRejection::parse(&rejection).is_ok());
        }
        other => panic!("a signed rejection: {other:?}"),
    }
}

struct Site {
    _dir: tempfile::TempDir,
    data: PathBuf,
}

/// An agent (keys provisioned as for a simulated kit) delivering to the stub at `url`; its own
/// uploader loop sleeps, the test drives [`uploader::drain_once`].
async fn agent(url: &str) -> (Site, Running) {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("agent");
    let mut c = Config::default();
    c.agent.data_dir = data.clone();
    c.agent.workstation_id = "WS-H1".into();
    c.registry.url = url.into();
    c.devices.realtime = false;
    c.uploader.initial_backoff_ms = 1;
    c.uploader.max_backoff_ms = 1;
    c.uploader.poll_ms = 3_600_000;
    c.uploader.request_timeout_ms = 1500;
    serve::provision_simulated(&c).expect("keys");
    let running = serve::start(c, TcpListener::bind("127.0.0.1:0").await.expect("bind"))
        .await
        .expect("agent starts");
    (Site { _dir: dir, data }, running)
}

/// Seals a synthetic enrollment and queues it without waking the uploader.
async fn queue(running: &Running, data: &Path, seed: u64) -> PacketId {
    let key = keys::load_workstation_key(&data.join("keys/workstation.key")).expect("key");
    let reg = rekam_protocol::RegistryPublicKey::parse_text(
        &std::fs::read_to_string(data.join("keys/registry.pub")).expect("pub"),
    )
    .expect("pub");
    let mut e = sample::enrollment(&SampleOptions::tiny(seed, "WS-H1", 1_790_000_000_000));
    let sealed =
        packet::seal(&mut e, &key, &reg, [seed as u8; 32], &SystemRandom::new()).expect("seal");
    let (id, eid) = (sealed.id.to_string(), e.id.to_string());
    running
        .agent
        .with_store(move |s| Ok(s.queue_imported(&id, &eid, &sealed.bytes, 0)?))
        .await
        .expect("queue");
    sealed.id
}

async fn delivery(running: &Running, id: &PacketId) -> Delivery {
    let k = id.to_string();
    running
        .agent
        .with_store(move |s| Ok(s.outbox().get(&k)?))
        .await
        .expect("get")
        .expect("known")
}

async fn attempts(running: &Running, id: &PacketId) -> u32 {
    let k = id.to_string();
    running
        .agent
        .with_store(move |s| {
            Ok(s.raw_connection()
                .query_row(
                    "SELECT attempts FROM outbox WHERE packet_id = ?1",
                    [k],
                    |r| r.get(0),
                )
                .map_err(rekam_agent::store::StoreError::from)?)
        })
        .await
        .expect("attempts")
}

fn sim_registry(data: &Path) -> Registry {
    Registry::new(
        rekam_agent::commands::serve::registry_config(
            &rekam_agent::commands::serve::RegistryArgs {
                listen: ([127, 0, 0, 1], 0).into(),
                registry_key: data.join("sim-registry/registry.key"),
                receipt_key: None,
                trust: vec![data.join("keys/workstation.pub")],
                id: None,
                unavailable_rate: 0.0,
                tls: None,
                print_delay_ms: None,
            },
        )
        .expect("registry configuration"),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_answers_leave_the_packet_pending_and_a_signed_rejection_is_final_until_a_supervisor_requeues_it()
 {
    // The stub answers honestly at the end with the registry the agent's keys were made for.
    let (stub, url) = start_stub().await;
    let (site, running) = agent(&url).await;
    let registry = sim_registry(&site.data);
    *stub.registry.lock().expect("registry") = Some(registry.clone());
    let receipt_key =
        keys::load_workstation_key(&site.data.join("sim-registry/receipt.key")).expect("key");
    let trusted = keys::load_trusted_registry(&site.data.join("keys/receipt.pub")).expect("pub");
    let client = Client::new(&url, None, trusted, Duration::from_millis(1500)).expect("client");
    let id = queue(&running, &site.data, 1).await;
    // The hostile answers, signed ones by the sim registry's key (REG-SIM) where it matters.
    let fake_packet = PacketId::of(b"another");
    let sign_as_registry = |packet: &PacketId| {
        Rejection {
            packet_id: packet.to_string(),
            registry_id: "REG-SIM".into(),
            code: "bad_signature".into(),
            reason: "the manifest signature does not verify".into(),
            rejected_at: Timestamp::from_unix_ms(1_790_000_000_000),
        }
        .sign(&receipt_key, &SystemRandom::new())
        .expect("sign")
        .to_json()
    };
    let mut scripts = hostile_answers(&id, &receipt_key);
    scripts[2].1 = Script::Answer(422, sign_as_registry(&fake_packet));
    for (what, script, expect) in scripts {
        stub.set(script);
        tokio::time::sleep(Duration::from_millis(5)).await;
        let before = attempts(&running, &id).await;
        uploader::drain_once(&running.agent, &client)
            .await
            .expect("drain");
        let d = delivery(&running, &id).await;
        assert_eq!(d.state, OutboxState::Pending, "{what}");
        let err = d.last_error.unwrap_or_default();
        assert!(err.contains(expect), "{what}: {err}");
        assert_eq!(
            attempts(&running, &id).await,
            before + 1,
            "{what}: one attempt"
        );
    }

    // The registry's own signed rejection is final.
    stub.set(Script::Answer(422, sign_as_registry(&id)));
    tokio::time::sleep(Duration::from_millis(5)).await;
    uploader::drain_once(&running.agent, &client)
        .await
        .expect("drain");
    let d = delivery(&running, &id).await;
    assert_eq!(d.state, OutboxState::Rejected);
    let proof = SignedRejection::parse(&d.rejection.expect("the signed rejection is kept"))
        .expect("parses");
    assert_eq!(proof.rejection.packet_id, id.to_string());
    assert!(d.last_error.unwrap_or_default().contains("bad_signature"));

    // `rekam outbox retry` leaves it rejected; the uploader does not send it.
    let db = site.data.join(serve::DB_FILE);
    let out = rekam(&["outbox", "retry", "--db", p(&db)]);
    assert!(out.status.success(), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("1 rejected packets left as they are"),
        "{out:?}"
    );
    stub.set(Script::Honest);
    uploader::drain_once(&running.agent, &client)
        .await
        .expect("drain");
    assert_eq!(delivery(&running, &id).await.state, OutboxState::Rejected);
    assert_eq!(registry.stats().accepted, 0);

    // A supervisor requeues it; it is delivered and the audit log names them and their reason.
    let out = rekam(&[
        "outbox",
        "retry",
        "--db",
        p(&db),
        "--rejected",
        &id.to_string(),
        "--by",
        "SPV-1",
        "--reason",
        "the registry added our new key",
    ]);
    assert!(out.status.success(), "{out:?}");
    uploader::drain_once(&running.agent, &client)
        .await
        .expect("drain");
    assert_eq!(delivery(&running, &id).await.state, OutboxState::Delivered);
    assert_eq!(registry.stats().accepted, 1);
    running.shutdown().await.expect("shutdown");
    let store = rekam_agent::store::Store::open(&db).expect("open");
    let (actor, detail): (String, String) = store
        .raw_connection()
        .query_row(
            "SELECT actor, detail FROM audit WHERE action = 'outbox.requeue'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("the requeue is audited");
    assert_eq!(actor, "SPV-1");
    assert!(detail.contains("new key"), "{detail}");
    store.verify_audit().expect("chain intact");
}
