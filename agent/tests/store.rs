//! The durable store: sessions survive reopening, finalizing is atomic and happens once, the
//! audit chain detects edits, and the outbox moves packets through their delivery states.

use rekam_agent::store::{
    AuditEntry, AuditError, Delivery, OutboxState, StorageKey, Store, StoreError,
};
use rekam_agent::workflow::{Policy, Session};
use rekam_sim::sample::{self, SampleOptions};
use rusqlite::Connection;
use serde_json::json;
use time::macros::date;

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

/// A session with a kept photo, a signature and one finger: images the store must keep.
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

#[test]
fn sessions_survive_closing_and_reopening_the_database_with_their_images() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("rekam.db");
    let mut s = session_with_images(1);
    let key = std::sync::Arc::new(StorageKey::ephemeral().expect("storage key"));
    {
        let mut store = Store::open_with_key(&path, key.clone()).expect("open");
        store.save_session(&s, 10).expect("save");
        store.save_session(&s, 11).expect("save again replaces");
    }
    let store = Store::open_with_key(&path, key).expect("reopen");
    let mut loaded = store
        .load_session(&s.id.to_string())
        .expect("load")
        .expect("present");
    assert_eq!(loaded, s);
    let bytes = |s: &mut Session| -> Vec<Vec<u8>> {
        s.images_mut()
            .iter()
            .map(|i| i.data.bytes().to_vec())
            .collect()
    };
    let (a, b) = (bytes(&mut loaded), bytes(&mut s));
    assert_eq!(a.len(), 3, "photo, signature and one finger");
    assert!(a.iter().all(|x| !x.is_empty()));
    assert_eq!(a, b, "image bytes come back identical");
    assert_eq!(store.open_sessions().expect("list"), vec![s.id.to_string()]);
    assert_eq!(store.load_session("nope").expect("load"), None);
}

#[test]
fn finalizing_queues_the_packet_and_audits_it_once() {
    let mut store = Store::in_memory().expect("store");
    let s = session(2);
    store
        .finalize(&s, "aa11", b"sealed", "OP-1", 100)
        .expect("finalize");
    assert!(matches!(
        store.finalize(&s, "bb22", b"other", "OP-1", 101),
        Err(StoreError::Sqlite(_))
    ));
    let st = store.outbox().status().expect("status");
    assert_eq!((st.pending, st.delivered, st.rejected), (1, 0, 0));
    assert_eq!(
        store.verify_audit().expect("chain"),
        1,
        "the refused second finalize left no entry"
    );
    let due = store.outbox().due(100, 10).expect("due");
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].bytes, b"sealed");
}

#[test]
fn the_outbox_reschedules_failures_and_records_receipts_and_rejections() {
    let mut store = Store::in_memory().expect("store");
    store
        .finalize(&session(3), "p1", b"one", "OP-1", 100)
        .expect("finalize");
    store
        .finalize(&session(4), "p2", b"two", "OP-1", 101)
        .expect("finalize");
    store
        .outbox()
        .failed("p1", "connection refused", 5_000)
        .expect("failed");
    assert_eq!(
        store
            .outbox()
            .due(200, 10)
            .expect("due")
            .iter()
            .map(|i| i.packet_id.as_str())
            .collect::<Vec<_>>(),
        ["p2"]
    );
    assert_eq!(store.outbox().retry_all(300).expect("retry"), 2);
    let due = store.outbox().due(300, 10).expect("due");
    assert_eq!(due[0].packet_id, "p1");
    assert_eq!(due[0].attempts, 1);
    store
        .outbox()
        .delivered("p1", b"receipt", 400)
        .expect("delivered");
    store
        .outbox()
        .rejected("p2", "bad signature", b"signed rejection")
        .expect("rejected");
    assert_eq!(
        store.outbox().get("p1").expect("get"),
        Some(Delivery {
            state: OutboxState::Delivered,
            receipt: Some(b"receipt".to_vec()),
            rejection: None,
            last_error: None,
            purged_ms: None,
        })
    );
    let p2 = store.outbox().get("p2").expect("get").expect("known");
    assert_eq!(p2.rejection.as_deref(), Some(&b"signed rejection"[..]));
    assert_eq!(p2.last_error.as_deref(), Some("bad signature"));
    assert!(
        store.outbox().delivered("p1", b"again", 500).is_err(),
        "only pending packets change state"
    );
    assert!(store.outbox().due(10_000, 10).expect("due").is_empty());
}

#[test]
fn the_audit_log_refuses_updates_and_its_chain_detects_edits_made_around_that() {
    let mut store = Store::in_memory().expect("store");
    for i in 0..5 {
        store
            .audit(&AuditEntry::new(
                i,
                "OP-1",
                "face.approve",
                "s1",
                json!({"attempt": i}),
            ))
            .expect("append");
    }
    assert_eq!(store.verify_audit().expect("intact"), 5);
    let conn: &Connection = store_conn(&store);
    assert!(
        conn.execute("UPDATE audit SET actor = 'x' WHERE seq = 2", [])
            .is_err()
    );
    assert!(conn.execute("DELETE FROM audit WHERE seq = 2", []).is_err());

    conn.execute_batch("DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;")
        .expect("drop triggers");
    conn.execute(
        "UPDATE audit SET detail = '{\"attempt\":9}' WHERE seq = 3",
        [],
    )
    .expect("edit");
    assert_eq!(
        store.verify_audit().unwrap_err().to_string(),
        AuditError::Altered { seq: 3 }.to_string()
    );
    conn.execute(
        "UPDATE audit SET detail = '{\"attempt\":2}' WHERE seq = 3",
        [],
    )
    .expect("restore");
    conn.execute("DELETE FROM audit WHERE seq = 2", [])
        .expect("delete");
    assert!(matches!(
        store.verify_audit(),
        Err(StoreError::Audit(AuditError::Broken { seq: 3, .. }))
    ));
}

#[test]
fn a_database_from_a_newer_rekam_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("rekam.db");
    Connection::open(&path)
        .expect("db")
        .pragma_update(None, "user_version", 99)
        .expect("version");
    assert!(matches!(
        Store::open(&path),
        Err(StoreError::NewerSchema(99))
    ));
}

fn store_conn(store: &Store) -> &Connection {
    store.raw_connection()
}
