//! Biometrics at rest: the data directory is private to the agent's user and the agent refuses to
//! start while a secret in it is not; sessions in progress are sealed under the storage key, so
//! the raw database holds no image nor demographics in plaintext; a finalized session's images
//! are deleted from the database files; and a database written by an older rekam is sealed and
//! purged when it is opened.

#![cfg(unix)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rekam_agent::config::Config;
use rekam_agent::serve::{self, Running};
use rekam_agent::service::StartRequest;
use rekam_agent::store::{StorageKey, Store, StoreError};
use rekam_agent::workflow::{Eye, Policy, Session, Stage};
use rekam_protocol::model::{ExceptionReason, FingerPosition};
use rekam_sim::sample::{self, SampleOptions};
use rusqlite::Connection;
use serde_json::{Value, json};
use time::macros::date;
use tokio::net::TcpListener;

mod identity;

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .permissions()
        .mode()
        & 0o777
}

fn chmod(p: &Path, m: u32) {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).expect("chmod");
}

fn config(data: &Path) -> Config {
    let mut c = Config::default();
    c.agent.data_dir = data.to_path_buf();
    c.devices.realtime = false;
    c.devices.watch_interval_ms = 0;
    // Nobody listens: packets stay pending, which is all these tests need.
    c.registry.url = "http://127.0.0.1:9".into();
    c.uploader.poll_ms = 60_000;
    c
}

async fn start(data: &Path) -> anyhow::Result<Running> {
    serve::start(
        config(data),
        TcpListener::bind("127.0.0.1:0").await.expect("bind"),
    )
    .await
}

async fn refused(data: &Path) -> String {
    match start(data).await {
        Ok(r) => {
            r.shutdown().await.expect("shutdown");
            panic!("the agent started")
        }
        Err(e) => format!("{e:#}"),
    }
}

/// Every file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).expect("ls") {
        let p = e.expect("entry").path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// The data directory and the folders in it are 0700 and every file in it 0600, public keys
/// (`*.pub`) aside.
fn assert_private(data: &Path) {
    assert_eq!(mode(data), 0o700, "{}", data.display());
    for d in ["keys", "sim-registry"] {
        let d = data.join(d);
        if d.exists() {
            assert_eq!(mode(&d), 0o700, "{}", d.display());
        }
    }
    for f in files_under(data) {
        if f.extension().is_some_and(|e| e == "pub") {
            continue;
        }
        assert_eq!(mode(&f), 0o600, "{}", f.display());
    }
}

fn db_files(data: &Path) -> Vec<PathBuf> {
    ["agent.db", "agent.db-wal", "agent.db-shm"]
        .iter()
        .map(|n| data.join(n))
        .collect()
}

/// The raw bytes of the database and its WAL, as a copy of the disk would show them.
fn raw_db(db: &Path) -> Vec<u8> {
    let mut all = std::fs::read(db).expect("db");
    let mut wal = db.as_os_str().to_owned();
    wal.push("-wal");
    if let Ok(w) = std::fs::read(PathBuf::from(wal)) {
        all.extend(w);
    }
    all
}

/// Whether `haystack` holds a 48-byte piece from the middle of `needle` (or all of a shorter one).
fn holds(haystack: &[u8], needle: &[u8]) -> bool {
    let n = needle.len().min(48);
    let start = (needle.len() - n) / 2;
    let piece = &needle[start..start + n];
    haystack.windows(n).any(|w| w == piece)
}

fn applicant() -> Value {
    let e = sample::enrollment(&SampleOptions::tiny(3, "WS-1", 0));
    serde_json::to_value(&e.applicant).expect("applicant")
}

/// Runs a whole enrollment on the agent's simulated devices; returns the session id.
async fn enroll_to_review(r: &Running) -> String {
    let a = &r.agent;
    let op = identity::operator();
    let s = a
        .start(
            &op,
            serde_json::from_value::<StartRequest>(json!({ "applicant": applicant() }))
                .expect("request"),
        )
        .await
        .expect("start");
    let id = s.id.clone();
    let done = |v: &Value| v["done"] == true;
    for _ in 0..5 {
        let c = a.capture_face(&op, &id).await.expect("face");
        if done(&serde_json::to_value(&c.session).expect("json")["face"]) {
            break;
        }
    }
    a.approve_face(&op, &id, true).await.expect("approve");
    a.capture_signature(&op, &id).await.expect("signature");
    for p in 1..=9u8 {
        for _ in 0..5 {
            let c = a
                .capture_finger(&op, &id, FingerPosition::new(p).expect("position"))
                .await
                .expect("finger");
            if done(&serde_json::to_value(&c.session).expect("json")["fingers"][p.to_string()]) {
                break;
            }
        }
    }
    a.finger_exception(
        &op,
        &id,
        FingerPosition::new(10).expect("position"),
        ExceptionReason::Bandaged,
        None,
        true,
    )
    .await
    .expect("exception");
    for eye in [Eye::Left, Eye::Right] {
        for _ in 0..5 {
            let c = a.capture_iris(&op, &id, eye).await.expect("iris");
            let name = serde_json::to_value(eye).expect("eye");
            let name = name.as_str().expect("eye name");
            if done(&serde_json::to_value(&c.session).expect("json")["irises"][name]) {
                break;
            }
        }
    }
    id
}

/// The image bytes of a session as the store holds them now.
async fn images_of(r: &Running, id: &str) -> Vec<Vec<u8>> {
    let id = id.to_string();
    r.agent
        .with_store(move |s| {
            let mut session = s.load_session(&id)?.expect("session");
            Ok(session
                .images_mut()
                .iter()
                .map(|i| i.data.bytes().to_vec())
                .collect())
        })
        .await
        .expect("images")
}

#[tokio::test]
async fn the_data_directory_is_0700_and_every_file_in_it_0600_through_an_enrollment() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    // An existing, too open directory is tightened.
    std::fs::create_dir(&data).expect("mkdir");
    chmod(&data, 0o755);
    let r = start(&data).await.expect("agent starts");
    for f in ["agent.db", "keys/workstation.key", "keys/storage.key"] {
        assert!(data.join(f).exists(), "{f}");
    }
    assert!(
        !data.join("api-token").exists(),
        "API clients use operators' tokens; the agent writes no token file"
    );
    assert_private(&data);

    let id = enroll_to_review(&r).await;
    for f in db_files(&data) {
        assert!(f.exists(), "{}", f.display());
    }
    assert_private(&data);
    let images = images_of(&r, &id).await;
    assert!(images.len() >= 13, "face, signature, 9 fingers, 2 irises");
    assert!(images.iter().all(|i| !i.is_empty()));
    let raw = raw_db(&data.join("agent.db"));
    for img in &images {
        assert!(
            !holds(&raw, img),
            "a captured image is in the database in plaintext"
        );
    }
    let summary = r.agent.summary(&id).await.expect("summary");
    assert!(
        !holds(&raw, summary.full_name.as_bytes()),
        "the name is sealed"
    );
    // (The NIK is also in the audit log's session.start entry, in plaintext: see docs/at-rest.md.)

    // The sealed images too must go: the storage key is on the same disk.
    let sealed: Vec<Vec<u8>> = r
        .agent
        .with_store(|s| {
            let all = || -> rusqlite::Result<Vec<Vec<u8>>> {
                s.raw_connection()
                    .prepare("SELECT bytes FROM blobs")?
                    .query_map([], |r| r.get(0))?
                    .collect()
            };
            Ok(all().map_err(StoreError::from)?)
        })
        .await
        .expect("sealed blobs");
    assert_eq!(sealed.len(), images.len());
    assert!(
        holds(&raw_db(&data.join("agent.db")), &sealed[0]),
        "the check can fail"
    );

    let op = identity::operator();
    r.agent
        .approve(&op, &id, &identity::supervisor())
        .await
        .expect("the supervisor approves the excepted finger");
    r.agent.finalize(&op, &id).await.expect("finalize");
    let raw = raw_db(&data.join("agent.db"));
    for b in images.iter().chain(&sealed) {
        assert!(
            !holds(&raw, b),
            "a finalized session's image remains in the files"
        );
    }
    assert_private(&data);
    let blobs: i64 = r
        .agent
        .with_store(|s| {
            Ok(s.raw_connection()
                .query_row("SELECT COUNT(*) FROM blobs", [], |r| r.get(0))
                .map_err(StoreError::from)?)
        })
        .await
        .expect("count");
    assert_eq!(blobs, 0, "the finalized session's images are deleted");
    // The finalized session still reads: summary, list and its stage, without images.
    let after = r.agent.summary(&id).await.expect("summary after finalize");
    assert_eq!(after.stage, Stage::Finalized);
    assert_eq!(after.full_name, summary.full_name);
    assert!(
        r.agent
            .list()
            .await
            .expect("list")
            .contains(&(id.clone(), "Finalized".into()))
    );
    assert!(images_of(&r, &id).await.iter().all(Vec::is_empty));
    r.shutdown().await.expect("shutdown");
    assert_private(&data);
}

#[tokio::test]
async fn the_agent_refuses_to_start_while_a_secret_is_readable_by_others_naming_it_and_the_fix() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    start(&data)
        .await
        .expect("first start")
        .shutdown()
        .await
        .expect("shutdown");
    for name in ["keys/workstation.key", "agent.db", "keys/storage.key"] {
        let p = data.join(name);
        chmod(&p, 0o644);
        let err = refused(&data).await;
        assert!(
            err.contains(&format!("chmod 600 {}", p.display())),
            "{name}: {err}"
        );
        assert!(err.contains("0644"), "{err}");
        chmod(&p, 0o600);
        start(&data)
            .await
            .unwrap_or_else(|e| panic!("starts again after fixing {name}: {e:#}"))
            .shutdown()
            .await
            .expect("shutdown");
    }
    // Public keys may be world-readable.
    assert_eq!(mode(&data.join("keys/registry.pub")), 0o644);
}

#[tokio::test]
async fn a_lost_storage_key_with_sealed_sessions_is_refused_and_named() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    let r = start(&data).await.expect("start");
    r.agent
        .start(
            &identity::operator(),
            serde_json::from_value::<StartRequest>(json!({ "applicant": applicant() }))
                .expect("request"),
        )
        .await
        .expect("session");
    r.shutdown().await.expect("shutdown");
    let key = data.join("keys/storage.key");
    std::fs::remove_file(&key).expect("lose the key");
    let err = refused(&data).await;
    assert!(err.contains(&key.display().to_string()), "{err}");
    assert!(err.contains("is missing"), "{err}");
    assert!(!key.exists(), "no new key replaces the lost one");
}

// ---- The store, directly ----

fn session(seed: u64) -> Session {
    let src = sample::enrollment(&SampleOptions::tiny(
        seed,
        "WS-1",
        1_763_890_000_000 + seed as i64,
    ));
    let mut a = src.applicant.clone();
    a.marital_status = rekam_protocol::model::MaritalStatus::Kawin;
    Session::start(
        src.id,
        a,
        src.context,
        Policy::default(),
        date!(2026 - 11 - 23),
    )
    .expect("start")
}

/// A session with a kept photo, a signature and one finger.
fn session_with_images(seed: u64) -> Session {
    let src = sample::enrollment(&SampleOptions::tiny(seed, "WS-1", 1_763_890_000_000));
    let mut s = session(seed);
    let mut face = src.biometrics.face.clone();
    face.quality.score = 90;
    s.submit_face(face).expect("face");
    s.resident_approves_face(true).expect("approve");
    s.submit_signature(src.biometrics.signature.clone())
        .expect("signature");
    let rekam_protocol::model::FingerRecord::Captured(mut f) =
        src.biometrics.fingers[0].record.clone()
    else {
        panic!("sample finger 1 is captured")
    };
    f.quality.score = 90;
    s.submit_finger(src.biometrics.fingers[0].position, f)
        .expect("finger");
    s
}

fn image_bytes(s: &Session) -> Vec<Vec<u8>> {
    s.clone()
        .images_mut()
        .iter()
        .map(|i| i.data.bytes().to_vec())
        .collect()
}

fn key() -> Arc<StorageKey> {
    Arc::new(StorageKey::ephemeral().expect("storage key"))
}

#[test]
fn a_store_creates_its_files_0600_and_tightens_an_existing_database() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("agent.db");
    {
        let mut store = Store::open_with_key(&db, key()).expect("open");
        store
            .save_session(&session_with_images(1), 1)
            .expect("save");
        for f in db_files(dir.path()) {
            assert_eq!(mode(&f), 0o600, "{}", f.display());
        }
    }
    // An older rekam left it 0644: the CLI's keyless open makes it private.
    chmod(&db, 0o644);
    Store::open(&db).expect("open");
    assert_eq!(mode(&db), 0o600);
}

#[test]
fn during_a_session_the_raw_database_holds_no_image_nor_demographics_in_plaintext() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("agent.db");
    let s = session_with_images(1);
    let mut store = Store::open_with_key(&db, key()).expect("open");
    store.save_session(&s, 1).expect("save");
    let raw = raw_db(&db);
    let images = image_bytes(&s);
    assert_eq!(images.len(), 3);
    for img in &images {
        assert!(!img.is_empty());
        assert!(!holds(&raw, img), "an image is stored in plaintext");
    }
    assert!(!holds(&raw, s.applicant.full_name.as_bytes()));
    assert!(!holds(&raw, s.applicant.nik.to_string().as_bytes()));
    // The check is able to fail: the plaintext of a known value is found.
    assert!(holds(&raw, b"session_images"));
}

#[test]
fn after_finalizing_the_sealed_images_are_gone_from_the_database_files_and_the_session_still_loads()
{
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("agent.db");
    let s = session_with_images(1);
    let other = session_with_images(2);
    let mut store = Store::open_with_key(&db, key()).expect("open");
    store.save_session(&s, 1).expect("save");
    store.save_session(&other, 1).expect("save");
    let sealed_of = |store: &Store, digests: &[String]| -> Vec<Vec<u8>> {
        digests
            .iter()
            .map(|d| {
                store
                    .raw_connection()
                    .query_row("SELECT bytes FROM blobs WHERE digest = ?1", [d], |r| {
                        r.get(0)
                    })
                    .expect("blob")
            })
            .collect()
    };
    let digest = |b: &[u8]| hex::encode(ring::digest::digest(&ring::digest::SHA256, b));
    let mine: Vec<String> = image_bytes(&s).iter().map(|b| digest(b)).collect();
    let theirs: Vec<String> = image_bytes(&other).iter().map(|b| digest(b)).collect();
    let sealed = sealed_of(&store, &mine);
    assert!(holds(&raw_db(&db), &sealed[0]), "the check is able to fail");

    store
        .finalize(&s, "p1", b"sealed packet", "OP-1", 2)
        .expect("finalize");
    let raw = raw_db(&db);
    for (d, b) in mine.iter().zip(&sealed) {
        if !theirs.contains(d) {
            assert!(!holds(&raw, b), "a deleted image's sealed bytes remain");
        }
    }
    let left: i64 = store
        .raw_connection()
        .query_row("SELECT COUNT(*) FROM blobs", [], |r| r.get(0))
        .expect("count");
    let shared = mine.iter().filter(|d| theirs.contains(d)).count();
    assert_eq!(
        left as usize,
        theirs.len(),
        "only the open session's images remain ({shared} shared)"
    );
    let loaded = store
        .load_session(&s.id.to_string())
        .expect("load")
        .expect("present");
    assert_eq!(loaded.summary(), s.summary());
    assert!(image_bytes(&loaded).iter().all(Vec::is_empty));
    let open = store
        .load_session(&other.id.to_string())
        .expect("load")
        .expect("present");
    assert_eq!(
        image_bytes(&open),
        image_bytes(&other),
        "shared images stay"
    );
}

#[test]
fn a_wrong_storage_key_is_refused_at_open_and_at_loading_naming_the_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("agent.db");
    let s = session_with_images(1);
    {
        let mut store = Store::open_with_key(&db, key()).expect("open");
        store.save_session(&s, 1).expect("save");
    }
    let wrong = Store::open_with_key(&db, key());
    assert!(
        matches!(wrong, Err(StoreError::WrongStorageKey { .. })),
        "{:?}",
        wrong.err()
    );
    // Without the check row (removed by hand), loading still refuses to return anything: a
    // value that does not open under the key the store accepted is reported as damage.
    Connection::open(&db)
        .expect("db")
        .execute("DELETE FROM meta", [])
        .expect("tamper");
    let store = Store::open_with_key(&db, key()).expect("opens without its check");
    let err = store
        .load_session(&s.id.to_string())
        .expect_err("wrong key");
    assert!(matches!(err, StoreError::Damaged { .. }), "{err}");
    assert!(err.to_string().contains(&s.id.to_string()), "{err}");
    assert!(err.to_string().contains("ephemeral"), "{err}");
    // Without a key the outbox and audit work; sessions say why they cannot.
    let keyless = Store::open(&db).expect("open");
    assert!(matches!(
        keyless.load_session(&s.id.to_string()),
        Err(StoreError::NoStorageKey)
    ));
    assert_eq!(keyless.outbox().status().expect("status").pending, 0);
}

/// Schema version 2, as rekam wrote it before sealing.
const SCHEMA_2: &str = "
CREATE TABLE blobs (digest TEXT PRIMARY KEY, bytes BLOB NOT NULL);
CREATE TABLE sessions (id TEXT PRIMARY KEY, stage TEXT NOT NULL, state TEXT NOT NULL, updated_ms INTEGER NOT NULL);
CREATE TABLE outbox (packet_id TEXT PRIMARY KEY, enrollment_id TEXT NOT NULL UNIQUE, bytes BLOB NOT NULL,
    created_ms INTEGER NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_ms INTEGER NOT NULL, last_error TEXT, receipt BLOB);
CREATE TABLE audit (seq INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
    subject TEXT NOT NULL, detail TEXT NOT NULL, prev_hash BLOB NOT NULL, hash BLOB NOT NULL);
PRAGMA user_version = 2;
";

fn write_v2(conn: &Connection, s: &Session, stage: &str) {
    let images = image_bytes(s);
    let digests: Vec<String> = images
        .iter()
        .map(|b| hex::encode(ring::digest::digest(&ring::digest::SHA256, b)))
        .collect();
    for (d, b) in digests.iter().zip(&images) {
        conn.execute(
            "INSERT OR IGNORE INTO blobs (digest, bytes) VALUES (?1, ?2)",
            rusqlite::params![d, b],
        )
        .expect("blob");
    }
    let state = json!({ "session": s, "images": digests }).to_string();
    conn.execute(
        "INSERT INTO sessions (id, stage, state, updated_ms) VALUES (?1, ?2, ?3, 1)",
        rusqlite::params![s.id.to_string(), stage, state],
    )
    .expect("session");
}

#[test]
fn a_schema_2_database_is_sealed_and_its_finalized_images_purged_when_opened() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("agent.db");
    let open_one = session_with_images(1);
    let done = session_with_images(2);
    {
        let conn = Connection::open(&db).expect("db");
        conn.pragma_update(None, "journal_mode", "WAL")
            .expect("wal");
        conn.execute_batch(SCHEMA_2).expect("schema 2");
        write_v2(&conn, &open_one, "Fingers");
        write_v2(&conn, &done, "Finalized");
    }
    let before = raw_db(&db);
    assert!(
        holds(&before, &image_bytes(&done)[0]),
        "the check is able to fail"
    );
    assert!(holds(&before, open_one.applicant.full_name.as_bytes()));

    let k = key();
    let store = Store::open_with_key(&db, k.clone()).expect("migrates");
    let version: i64 = store
        .raw_connection()
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .expect("version");
    assert_eq!(version, rekam_agent::store::SCHEMA_VERSION);
    let raw = raw_db(&db);
    for (i, img) in image_bytes(&open_one)
        .iter()
        .chain(&image_bytes(&done))
        .enumerate()
    {
        let n = img.len().min(48);
        let start = (img.len() - n) / 2;
        let at = raw.windows(n).position(|w| w == &img[start..start + n]);
        assert!(
            at.is_none(),
            "plaintext image {i} left after migration at byte {at:?}"
        );
    }
    for s in [&open_one, &done] {
        assert!(!holds(&raw, s.applicant.full_name.as_bytes()));
    }
    let loaded = store
        .load_session(&open_one.id.to_string())
        .expect("load")
        .expect("present");
    assert_eq!(image_bytes(&loaded), image_bytes(&open_one));
    let finalized = store
        .load_session(&done.id.to_string())
        .expect("load")
        .expect("present");
    assert!(image_bytes(&finalized).iter().all(Vec::is_empty));
    assert_eq!(finalized.applicant, done.applicant);
    drop(store);
    // Reopened, it needs the same key, and the key is recorded.
    let again = Store::open_with_key(&db, k).expect("reopen");
    assert!(again.needs_storage_key().expect("needs"));
}
