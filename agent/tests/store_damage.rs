//! A store that cannot be trusted or written is noticed and named, never served silently: a
//! database with 4 KB overwritten mid-file is refused by `rekam serve`, named by `rekam doctor`,
//! and what is readable is salvaged and re-imported; an audit log cut short is named against the
//! anchor beside the database; damage found while running turns `/v1/health` to 503; a full disk
//! and an unwritable data directory answer with the path and what to do, recording nothing.

use std::fs;
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use rekam_agent::api::{ApiState, router};
use rekam_agent::config::Config;
use rekam_agent::devices::{DeviceManager, simulated_kit};
use rekam_agent::service::Agent;
use rekam_agent::store::anchor::AnchorState;
use rekam_agent::store::{AuditEntry, AuditError, Store, StoreError};
use rekam_protocol::packet::PacketId;
use rekam_protocol::{RegistryPrivateKey, SignatureAlgorithm, WorkstationSigningKey};
use ring::rand::SystemRandom;
use serde_json::{Value, json};
use tower::ServiceExt;

mod identity;

use identity::TOKEN;

fn rekam(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rekam"))
        .args(args)
        .output()
        .expect("rekam runs")
}

fn os(s: &str) -> &std::ffi::OsStr {
    s.as_ref()
}

/// `n` bytes that do not compress or repeat, different for each `seed`.
fn noise(seed: u64, n: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(n + 32);
    let mut i = 0u64;
    while out.len() < n {
        let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
        ctx.update(&seed.to_le_bytes());
        ctx.update(&i.to_le_bytes());
        out.extend_from_slice(ctx.finish().as_ref());
        i += 1;
    }
    out.truncate(n);
    out
}

/// A store at `db` with `packets` sealed synthetic enrollments queued and an audit entry for each
/// plus `extra_audit` more; returns the packets by id.
fn filled(db: &Path, packets: u64, extra_audit: i64) -> Vec<(String, Vec<u8>)> {
    let rng = SystemRandom::new();
    let (key, _) = WorkstationSigningKey::generate(SignatureAlgorithm::Ed25519, &rng).expect("key");
    let registry = RegistryPrivateKey::from_secret([7; 32]);
    let mut store = Store::open(db).expect("open");
    let mut queued = Vec::new();
    for p in 0..packets {
        let mut e = rekam_sim::sample::enrollment(&rekam_sim::sample::SampleOptions::tiny(
            p,
            "WS-1",
            1_763_890_000_000 + p as i64,
        ));
        let sealed =
            rekam_protocol::packet::seal(&mut e, &key, registry.public_key(), [p as u8; 32], &rng)
                .expect("seal");
        let (id, bytes) = (sealed.id.to_string(), sealed.bytes);
        assert!(
            store
                .queue_imported(&id, &e.id.to_string(), &bytes, 1000 + p as i64)
                .expect("queue")
        );
        for a in 0..extra_audit {
            store
                .audit(&AuditEntry::new(
                    a,
                    "OP-1",
                    "capture.finger",
                    &format!("s{p}"),
                    json!({ "position": a % 10 + 1, "note": "x".repeat(40) }),
                ))
                .expect("audit");
        }
        queued.push((id, bytes));
    }
    queued
}

/// Overwrites the 4 KB page `page` (counting from 0) of the closed database with noise.
fn overwrite_page(db: &Path, page: u64) {
    let mut f = fs::OpenOptions::new().write(true).open(db).expect("db");
    f.seek(SeekFrom::Start(page * 4096)).expect("seek");
    f.write_all(&noise(0xBAD, 4096)).expect("overwrite");
    f.sync_all().expect("sync");
}

fn page_count(db: &Path) -> u64 {
    fs::metadata(db).expect("db").len() / 4096
}

fn sha(path: &Path) -> Vec<u8> {
    ring::digest::digest(&ring::digest::SHA256, &fs::read(path).expect("read"))
        .as_ref()
        .to_vec()
}

#[cfg(unix)]
fn private(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(0o600)).expect("chmod");
}

#[cfg(not(unix))]
fn private(_: &Path) {}

fn simulated_config(data: &Path) -> Config {
    let mut config = Config::default();
    config.agent.data_dir = data.to_path_buf();
    config.agent.listen = ([127, 0, 0, 1], 0).into();
    config.devices.realtime = false;
    config.devices.iris = false;
    config
}

#[tokio::test]
async fn a_database_with_4kb_overwritten_mid_file_is_refused_by_serve_named_by_doctor_and_salvaged()
{
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    fs::create_dir(&data).expect("data dir");
    let db = data.join("agent.db");
    let queued = filled(&db, 40, 3);
    // Closed cleanly: everything is in the main file, which now holds mostly packet pages.
    assert!(!data.join("agent.db-wal").exists());
    overwrite_page(&db, page_count(&db) / 2);
    let before = sha(&db);

    let config = simulated_config(&data);
    rekam_agent::serve::provision_simulated(&config).expect("keys");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let refusal = match rekam_agent::serve::start(config, listener).await {
        Ok(_) => panic!("serve started on a damaged store"),
        Err(e) => format!("{e:#}"),
    };
    for needed in [
        db.display().to_string(),
        "is damaged".into(),
        "quick_check".into(),
        "rekam store salvage".into(),
    ] {
        assert!(
            refusal.contains(&needed),
            "{needed:?} missing from: {refusal}"
        );
    }

    let out = rekam(&[os("doctor"), os("--db"), db.as_os_str()]);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(
        !out.status.success(),
        "doctor passed a damaged store: {stdout}"
    );
    assert!(
        stdout.contains("database  PROBLEM") && stdout.contains("integrity_check"),
        "{stdout}"
    );
    assert!(stderr.contains(&db.display().to_string()), "{stderr}");

    let salvaged = tmp.path().join("salvaged");
    let out = rekam(&[
        os("store"),
        os("salvage"),
        os("--db"),
        db.as_os_str(),
        os("--to"),
        salvaged.as_os_str(),
    ]);
    let report = String::from_utf8_lossy(&out.stdout).into_owned();
    // One packet sat on the overwritten page: salvage says so and fails, after saving the rest.
    assert!(
        !out.status.success(),
        "{report}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("could not be salvaged"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(sha(&db), before, "salvage only reads the damaged file");
    let mut recovered = Vec::new();
    for e in fs::read_dir(salvaged.join("pending")).expect("pending/") {
        let path = e.expect("entry").path();
        let bytes = fs::read(&path).expect("packet");
        let id = PacketId::of(&bytes).to_string();
        assert_eq!(path.file_stem().and_then(|s| s.to_str()), Some(id.as_str()));
        assert!(queued.iter().any(|(q, b)| *q == id && *b == bytes), "{id}");
        recovered.push(id);
    }
    let lost: Vec<&String> = queued
        .iter()
        .map(|(id, _)| id)
        .filter(|id| !recovered.contains(id))
        .collect();
    // 4 KB is one page: at most a couple of packets (or only audit entries) sit on it.
    assert!(lost.len() <= 2, "lost {} packets: {report}", lost.len());
    for id in &lost {
        assert!(
            report.contains(id.as_str()),
            "the lost packet {id} is named: {report}"
        );
    }
    assert!(
        report.contains("could not be read"),
        "the damage is listed: {report}"
    );
    let audit = fs::read_to_string(salvaged.join("audit.jsonl")).expect("audit.jsonl");
    let entries: Vec<Value> = audit
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    assert!(
        entries.len() >= 150,
        "{} of 160 audit entries",
        entries.len()
    );
    assert!(
        entries
            .iter()
            .all(|e| e["seq"].is_i64() && e["hash"].is_string())
    );

    // The documented recovery: move the damaged files aside, re-import into a new store.
    let aside = tmp.path().join("damaged");
    fs::create_dir(&aside).expect("aside");
    for e in fs::read_dir(&data).expect("ls") {
        let path = e.expect("entry").path();
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        if name.starts_with("agent.db") {
            fs::rename(&path, aside.join(&name)).expect("move aside");
        }
    }
    let out = rekam(&[
        os("outbox"),
        os("import"),
        os("--db"),
        db.as_os_str(),
        salvaged.join("pending").as_os_str(),
    ]);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        said.contains(&format!("imported {} packets", recovered.len())),
        "{said}"
    );
    let store = Store::open(&db).expect("new store");
    assert_eq!(
        store.outbox().status().expect("status").pending,
        recovered.len() as u64
    );
    drop(store);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&data, fs::Permissions::from_mode(0o700)).expect("chmod");
    }
    for e in fs::read_dir(&data).expect("ls") {
        let path = e.expect("entry").path();
        if path.is_file() {
            private(&path);
        }
    }
    let out = rekam(&[os("doctor"), os("--db"), db.as_os_str()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("no problem found"), "{stdout}");
}

/// A store with `n` audit entries at `db`, closed.
fn audited(db: &Path, from: i64, n: i64) {
    let mut store = Store::open(db).expect("open");
    for i in from..from + n {
        store
            .audit(&AuditEntry::new(
                i,
                "OP-1",
                "session.start",
                "s",
                json!({ "i": i }),
            ))
            .expect("append");
    }
}

fn anchor_of(db: &Path) -> PathBuf {
    db.with_file_name("agent.db.audit-head")
}

#[test]
fn an_audit_log_cut_short_is_named_by_audit_verify_doctor_and_serve_against_its_anchor() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = tmp.path().join("agent.db");
    audited(&db, 0, 35);
    // The state a deleted -wal file leaves: the main file as of an earlier checkpoint.
    let older = tmp.path().join("older.db");
    fs::copy(&db, &older).expect("copy");
    audited(&db, 35, 18);
    let full_head = Store::open(&db).expect("open").audit_head().expect("head");
    assert_eq!(full_head.seq, 53);
    assert!(
        anchor_of(&db).exists(),
        "the anchor is written beside the database"
    );
    fs::copy(&older, &db).expect("put the older file back");

    let out = rekam(&[os("audit"), os("verify"), os("--db"), db.as_os_str()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "verify passed a truncated log");
    let expected = format!(
        "audit log truncated: the anchor {} says entry 53 (hash {}), the database ends at 35",
        anchor_of(&db).display(),
        full_head.hash_hex()
    );
    assert!(err.contains(&expected), "{err}");

    let out = rekam(&[os("doctor"), os("--db"), db.as_os_str()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success());
    assert!(
        stdout.contains("anchor    PROBLEM: audit log truncated"),
        "{stdout}"
    );

    let mut store = Store::open(&db).expect("open");
    assert!(matches!(
        store.check_for_serving(),
        Err(StoreError::Audit(AuditError::Truncated {
            anchored_seq: 53,
            last_seq: 35,
            ..
        }))
    ));
    // Appending to a truncated log does not move the anchor back over the loss.
    store
        .audit(&AuditEntry::new(
            99,
            "OP-1",
            "session.start",
            "s",
            json!({}),
        ))
        .expect("append");
    assert!(matches!(
        store.verify_audit(),
        Err(StoreError::Audit(AuditError::Truncated {
            last_seq: 36,
            ..
        }))
    ));
}

#[test]
fn an_anchor_lagging_the_database_is_accepted_and_caught_up_but_another_hash_is_named() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = tmp.path().join("agent.db");
    audited(&db, 0, 5);
    let hash4 = {
        let store = Store::open(&db).expect("open");
        let h: Vec<u8> = store
            .raw_connection()
            .query_row("SELECT hash FROM audit WHERE seq = 4", [], |r| r.get(0))
            .expect("hash 4");
        hex::encode(h)
    };
    // A crash between the commit of entry 5 and the anchor's update.
    let lagging =
        format!("{{\"format\":\"rekam-audit-head-v1\",\"seq\":4,\"hash\":\"{hash4}\"}}\n");
    fs::write(anchor_of(&db), &lagging).expect("anchor");
    let mut store = Store::open(&db).expect("open");
    assert_eq!(store.verify_audit().expect("a lagging anchor is fine"), 5);
    match store.check_for_serving().expect("serves").anchor {
        AnchorState::Holds {
            anchored, ahead, ..
        } => assert_eq!((anchored.seq, ahead), (4, 1)),
        other => panic!("{other:?}"),
    }
    let caught_up = fs::read_to_string(anchor_of(&db)).expect("anchor");
    assert!(caught_up.contains("\"seq\":5"), "{caught_up}");
    drop(store);

    fs::write(anchor_of(&db), lagging.replace(&hash4, &"ab".repeat(32))).expect("anchor");
    let store = Store::open(&db).expect("open");
    let err = store.verify_audit().expect_err("another hash at seq 4");
    assert!(
        err.to_string().contains("audit log rewritten") && err.to_string().contains("entry 4"),
        "{err}"
    );

    fs::write(anchor_of(&db), "not an anchor").expect("anchor");
    let err = store.verify_audit().expect_err("garbage");
    assert!(err.to_string().contains("is unreadable"), "{err}");
}

#[test]
fn an_in_memory_store_keeps_no_anchor() {
    let mut store = Store::in_memory().expect("store");
    store
        .audit(&AuditEntry::new(1, "OP-1", "session.start", "s", json!({})))
        .expect("append");
    assert_eq!(store.anchor_state().expect("state"), AnchorState::NotKept);
    assert_eq!(store.verify_audit().expect("intact"), 1);
}

fn app_over(mut store: Store) -> (axum::Router, Arc<Agent>) {
    identity::install(&mut store);
    let rng = SystemRandom::new();
    let (key, _) = WorkstationSigningKey::generate(SignatureAlgorithm::Ed25519, &rng).expect("key");
    let registry = RegistryPrivateKey::generate(&rng).expect("registry key");
    let mut config = Config::default();
    config.devices.realtime = false;
    let (f, c, p, i) = simulated_kit(5, false, false);
    let devices = DeviceManager::new(f, c, p, i, config.capture_timeout());
    let agent = Arc::new(Agent::new(
        config,
        store,
        devices,
        key,
        *registry.public_key(),
    ));
    let app = router(ApiState {
        agent: agent.clone(),
    });
    (app, agent)
}

async fn call(
    app: &axum::Router,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let req = Request::builder()
        .method(method)
        .uri(path)
        .header("authorization", format!("Bearer {}", *TOKEN));
    let req = match body {
        Some(b) => req
            .header("content-type", "application/json")
            .body(Body::from(b.to_string())),
        None => req.body(Body::empty()),
    }
    .expect("request");
    let resp = app.clone().oneshot(req).await.expect("response");
    let status = resp.status();
    let bytes = axum::body::to_bytes(resp.into_body(), 64 << 20)
        .await
        .expect("body");
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

fn applicant() -> Value {
    let e = rekam_sim::sample::enrollment(&rekam_sim::sample::SampleOptions::tiny(3, "WS-1", 0));
    serde_json::to_value(&e.applicant).expect("applicant")
}

#[tokio::test]
async fn a_full_disk_during_a_capture_answers_507_records_nothing_and_shows_in_health() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = tmp.path().join("agent.db");
    let key = Arc::new(rekam_agent::store::StorageKey::ephemeral().expect("storage key"));
    let (app, agent) = app_over(Store::open_with_key(&db, key).expect("open"));
    let (status, s) = call(
        &app,
        "POST",
        "/v1/sessions",
        Some(json!({ "applicant": applicant() })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{s}");
    let id = s["id"].as_str().expect("id").to_string();
    // The database may not grow by a page: what a full disk does to SQLite (SQLITE_FULL).
    agent
        .with_store(|s| {
            let c = s.raw_connection();
            let pages: i64 = c
                .query_row("PRAGMA page_count", [], |r| r.get(0))
                .expect("pages");
            c.query_row(&format!("PRAGMA max_page_count = {pages}"), [], |_| Ok(()))
                .expect("limit");
            Ok(())
        })
        .await
        .expect("limit");
    let (status, body) = call(&app, "POST", &format!("/v1/sessions/{id}/face"), None).await;
    assert_eq!(status, StatusCode::INSUFFICIENT_STORAGE, "{body}");
    assert_eq!(body["error"], "disk_full");
    let message = body["message"].as_str().expect("message");
    assert!(
        message.contains(&format!("the disk holding {} is full", db.display()))
            && message.contains("nothing was recorded"),
        "{message}"
    );
    let (_, s) = call(&app, "GET", &format!("/v1/sessions/{id}"), None).await;
    assert_eq!(
        s["face"]["done"], false,
        "the capture was not recorded: {s}"
    );
    let (status, health) = call(&app, "GET", "/v1/health", None).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{health}");
    assert!(
        health["store"]
            .as_str()
            .expect("store")
            .starts_with("full: "),
        "{health}"
    );

    // Space freed: the same capture goes through and health recovers.
    agent
        .with_store(|s| {
            s.raw_connection()
                .query_row("PRAGMA max_page_count = 1000000", [], |_| Ok(()))
                .expect("unlimit");
            Ok(())
        })
        .await
        .expect("unlimit");
    let (status, body) = call(&app, "POST", &format!("/v1/sessions/{id}/face"), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, health) = call(&app, "GET", "/v1/health", None).await;
    assert_eq!(status, StatusCode::OK, "{health}");
    assert_eq!(health["store"], "ok");
}

#[tokio::test]
async fn damage_found_by_the_uploader_while_running_turns_health_503_naming_the_file() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = tmp.path().join("agent.db");
    let queued = filled(&db, 3, 0);
    let store = Store::open(&db).expect("open");
    let root: u64 = store
        .raw_connection()
        .query_row(
            "SELECT rootpage FROM sqlite_master WHERE name = 'outbox'",
            [],
            |r| r.get(0),
        )
        .expect("root page");
    // The store goes bad after it was opened (and checked), as under a running `rekam serve`.
    overwrite_page(&db, root - 1);
    // Drop the pages the connection cached while opening, so it reads the file again.
    store
        .raw_connection()
        .execute_batch("PRAGMA shrink_memory")
        .expect("shrink_memory");
    let (app, agent) = app_over(store);
    let (status, health) = call(&app, "GET", "/v1/health", None).await;
    assert_eq!(status, StatusCode::OK, "not known yet: {health}");
    // The uploader's poll is the first to read the damaged table.
    let (receipt_key, _) =
        WorkstationSigningKey::generate(SignatureAlgorithm::Ed25519, &SystemRandom::new())
            .expect("key");
    let client = rekam_agent::uploader::Client::new(
        "http://127.0.0.1:9",
        None,
        rekam_protocol::receipt::TrustedRegistry {
            registry_id: "REG-1".into(),
            key: receipt_key.public_key().clone(),
        },
        std::time::Duration::from_secs(1),
    )
    .expect("client");
    let polled = rekam_agent::uploader::drain_once(&agent, &client).await;
    assert!(
        matches!(
            polled,
            Err(rekam_agent::service::ServiceError::Store(
                StoreError::Damaged { .. }
            ))
        ),
        "{polled:?}"
    );
    let (status, health) = call(&app, "GET", "/v1/health", None).await;
    assert_eq!(
        status,
        StatusCode::SERVICE_UNAVAILABLE,
        "the uploader's failure shows: {health}"
    );
    // The counts come from the outbox's index; a packet's row is in the damaged table.
    let (status, body) = call(&app, "GET", &format!("/v1/outbox/{}", queued[0].0), None).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["error"], "store_damaged");
    let (status, health) = call(&app, "GET", "/v1/health", None).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{health}");
    let store = health["store"].as_str().expect("store");
    assert!(
        store.starts_with("damaged: ") && store.contains(&db.display().to_string()),
        "{store}"
    );
}

#[test]
fn a_data_directory_that_cannot_hold_files_is_named_not_writable() {
    // A path under a regular file fails even for root, which ignores permission bits.
    let tmp = tempfile::tempdir().expect("tempdir");
    let file = tmp.path().join("a-file");
    fs::write(&file, b"x").expect("file");
    let err = match Store::open(&file.join("agent.db")) {
        Ok(_) => panic!("opened a database under a regular file"),
        Err(e) => e,
    };
    assert!(matches!(err, StoreError::NotWritable { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains(&format!(
            "the data directory {} is not writable",
            file.display()
        )),
        "{text}"
    );
    assert!(!text.contains("unable to open database file"), "{text}");
}

#[test]
fn doctor_finds_the_store_through_the_serve_configuration_and_passes_a_sound_private_one() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    fs::create_dir(&data).expect("data dir");
    audited(&data.join("agent.db"), 0, 3);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&data, fs::Permissions::from_mode(0o700)).expect("chmod");
    }
    private(&data.join("agent.db"));
    let config = tmp.path().join("agent.toml");
    fs::write(
        &config,
        format!("[agent]\ndata_dir = {:?}\n", data.display().to_string()),
    )
    .expect("config");
    let out = rekam(&[os("doctor"), os("--config"), config.as_os_str()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for line in [
        "audit     ok: 3 entries, hash chain verified",
        "names entry 3",
        "outbox    pending 0, delivered 0, rejected 0",
        "modes     ok",
        "no problem found",
    ] {
        assert!(stdout.contains(line), "{line:?} missing from:\n{stdout}");
    }

    // A key left readable in keys/, and a database left 0644: both named, before anything is opened.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::create_dir(data.join("keys")).expect("keys/");
        fs::set_permissions(data.join("keys"), fs::Permissions::from_mode(0o700)).expect("chmod");
        fs::write(data.join("keys/storage.key"), [7u8; 32]).expect("key");
        fs::set_permissions(
            data.join("keys/storage.key"),
            fs::Permissions::from_mode(0o644),
        )
        .expect("chmod");
        fs::set_permissions(data.join("agent.db"), fs::Permissions::from_mode(0o644))
            .expect("chmod");
        let out = rekam(&[os("doctor"), os("--config"), config.as_os_str()]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(!out.status.success(), "{stdout}");
        assert!(
            stdout.contains("keys/storage.key 644") && stdout.contains("agent.db 644"),
            "{stdout}"
        );
    }
}

#[test]
fn a_missing_anchor_beside_an_audited_database_is_recorded_in_the_audit_log_at_start() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = tmp.path().join("agent.db");
    audited(&db, 0, 5);
    fs::remove_file(anchor_of(&db)).expect("delete the anchor");
    let mut store = Store::open(&db).expect("open");
    let check = store.check_for_serving_at(1_000).expect("serves");
    assert!(matches!(check.anchor, AnchorState::Missing(_)), "{check:?}");
    // The event is in the chain itself, and a new anchor holds the new head.
    assert_eq!(store.verify_audit().expect("intact"), 6);
    let action: String = store
        .raw_connection()
        .query_row("SELECT action FROM audit WHERE seq = 6", [], |r| r.get(0))
        .expect("entry 6");
    assert_eq!(action, "audit.anchor_missing");
    let anchor = fs::read_to_string(anchor_of(&db)).expect("a new anchor");
    assert!(anchor.contains("\"seq\":6"), "{anchor}");
    // Once the anchor is there again, nothing more is recorded.
    drop(store);
    let mut store = Store::open(&db).expect("open");
    store.check_for_serving_at(2_000).expect("serves");
    assert_eq!(store.verify_audit().expect("intact"), 6);
}
