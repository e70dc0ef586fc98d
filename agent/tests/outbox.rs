//! The outbox beyond delivery: a supervisor's audited requeue of a rejected packet, and the
//! retention purge that drops delivered packets' bytes while keeping their receipts.

use rekam_agent::store::{OutboxState, Store};
use rekam_agent::workflow::{Policy, Session};
use rekam_sim::sample::{self, SampleOptions};
use time::macros::date;

const DAY: i64 = 86_400_000;

fn session(seed: u64) -> Session {
    let src = sample::enrollment(&SampleOptions::tiny(seed, "WS-1", 1_763_890_000_000));
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

fn audit_actions(store: &Store) -> Vec<(String, String, String)> {
    let mut stmt = store
        .raw_connection()
        .prepare("SELECT actor, action, detail FROM audit ORDER BY seq")
        .expect("prepare");
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows")
}

#[test]
fn a_supervisor_requeues_a_rejected_packet_and_the_audit_log_says_who_and_why() {
    let mut store = Store::in_memory().expect("store");
    store
        .finalize(&session(1), "p1", b"one", "OP-1", 100)
        .expect("finalize");
    store
        .outbox()
        .rejected(
            "p1",
            "registry refused (422, unknown_workstation)",
            b"{signed}",
        )
        .expect("rejected");
    assert_eq!(store.outbox().retry_all(200).expect("retry"), 0);
    assert!(
        store.outbox().schedule().expect("schedule").is_empty(),
        "plain retry leaves a rejected packet alone"
    );
    store
        .requeue_rejected(
            "p1",
            "SPV-7",
            "registry trusts the new key since today",
            300,
        )
        .expect("requeue");
    let d = store.outbox().get("p1").expect("get").expect("known");
    assert_eq!(d.state, OutboxState::Pending);
    assert_eq!(
        d.rejection.as_deref(),
        Some(&b"{signed}"[..]),
        "the proof stays"
    );
    assert_eq!(store.outbox().due(300, 10).expect("due").len(), 1);
    let (actor, action, detail) = audit_actions(&store).pop().expect("an entry");
    assert_eq!(
        (actor.as_str(), action.as_str()),
        ("SPV-7", "outbox.requeue")
    );
    assert!(
        detail.contains("new key") && detail.contains("p1"),
        "{detail}"
    );
    assert_eq!(store.verify_audit().expect("chain"), 2);
}

#[test]
fn only_a_rejected_packet_can_be_requeued() {
    let mut store = Store::in_memory().expect("store");
    store
        .finalize(&session(2), "p2", b"two", "OP-1", 100)
        .expect("finalize");
    let err = store
        .requeue_rejected("p2", "SPV-7", "why not", 200)
        .expect_err("pending");
    assert!(err.to_string().contains("not rejected"), "{err}");
    let err = store
        .requeue_rejected("nope", "SPV-7", "why not", 200)
        .expect_err("unknown");
    assert!(err.to_string().contains("not in the outbox"), "{err}");
    assert_eq!(store.verify_audit().expect("chain"), 1, "nothing audited");
}

#[test]
fn delivered_packets_lose_their_bytes_after_the_retention_but_keep_their_receipts() {
    let mut store = Store::in_memory().expect("store");
    for (i, id) in ["old", "new", "waiting", "refused"].iter().enumerate() {
        store
            .finalize(&session(10 + i as u64), id, &[7u8; 5000], "OP-1", 0)
            .expect("finalize");
    }
    let o = store.outbox();
    o.delivered("old", b"{\"receipt\":1}", DAY).expect("old");
    o.delivered("new", b"{\"receipt\":2}", 25 * DAY)
        .expect("new");
    o.rejected("refused", "refused", b"{}").expect("refused");
    let purged = store
        .purge_delivered(31 * DAY + 1, 30 * DAY, 100)
        .expect("purge");
    assert_eq!(purged.packet_ids, ["old"]);
    assert_eq!(purged.bytes, 5000);
    let old = store.outbox().get("old").expect("get").expect("row kept");
    assert_eq!(old.state, OutboxState::Delivered);
    assert_eq!(old.receipt.as_deref(), Some(&b"{\"receipt\":1}"[..]));
    assert_eq!(old.purged_ms, Some(31 * DAY + 1));
    let len: i64 = store
        .raw_connection()
        .query_row(
            "SELECT length(bytes) FROM outbox WHERE packet_id = 'old'",
            [],
            |r| r.get(0),
        )
        .expect("len");
    assert_eq!(len, 0);
    for id in ["new", "waiting", "refused"] {
        assert!(
            store
                .outbox()
                .get(id)
                .expect("get")
                .expect("row")
                .purged_ms
                .is_none(),
            "{id}"
        );
    }
    let (actor, action, detail) = audit_actions(&store).pop().expect("an entry");
    assert_eq!(
        (actor.as_str(), action.as_str()),
        ("system", "outbox.purge")
    );
    assert!(detail.contains("\"old\""), "{detail}");
    // Nothing more to purge: no empty audit entries.
    let n = store.verify_audit().expect("chain");
    assert!(
        store
            .purge_delivered(31 * DAY + 2, 30 * DAY, 100)
            .expect("purge")
            .packet_ids
            .is_empty()
    );
    assert_eq!(store.verify_audit().expect("chain"), n);
    let secure: i64 = store
        .raw_connection()
        .query_row("PRAGMA secure_delete", [], |r| r.get(0))
        .expect("pragma");
    assert_eq!(secure, 1, "freed pages are overwritten");
}

#[test]
fn a_packet_delivered_by_an_older_rekam_starts_its_retention_at_the_first_purge() {
    let mut store = Store::in_memory().expect("store");
    store
        .finalize(&session(20), "legacy", b"bytes", "OP-1", 0)
        .expect("finalize");
    store
        .raw_connection()
        .execute(
            "UPDATE outbox SET state = 'delivered', receipt = x'7b7d' WHERE packet_id = 'legacy'",
            [],
        )
        .expect("as an older rekam left it");
    assert!(
        store
            .purge_delivered(100 * DAY, 30 * DAY, 10)
            .expect("purge")
            .packet_ids
            .is_empty(),
        "not purged early for want of a delivery time"
    );
    assert_eq!(
        store
            .purge_delivered(130 * DAY, 30 * DAY, 10)
            .expect("purge")
            .packet_ids,
        ["legacy"]
    );
}

#[test]
fn a_database_from_before_signed_rejections_sends_its_unproven_rejections_again() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("agent.db");
    {
        let conn = rusqlite::Connection::open(&db).expect("open");
        conn.execute_batch(
            "CREATE TABLE blobs (digest TEXT PRIMARY KEY, bytes BLOB NOT NULL);
             CREATE TABLE sessions (id TEXT PRIMARY KEY, stage TEXT NOT NULL, state TEXT NOT NULL, updated_ms INTEGER NOT NULL);
             CREATE TABLE outbox (packet_id TEXT PRIMARY KEY, enrollment_id TEXT NOT NULL UNIQUE, bytes BLOB NOT NULL,
                 created_ms INTEGER NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
                 next_attempt_ms INTEGER NOT NULL, last_error TEXT, receipt BLOB);
             CREATE TABLE audit (seq INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
                 subject TEXT NOT NULL, detail TEXT NOT NULL, prev_hash BLOB NOT NULL, hash BLOB NOT NULL);
             INSERT INTO outbox (packet_id, enrollment_id, bytes, created_ms, state, next_attempt_ms, last_error)
                 VALUES ('p', 'e', x'00', 1, 'rejected', 1, 'registry refused (409): <html>');
             PRAGMA user_version = 2;",
        )
        .expect("a version 2 database");
    }
    let store = Store::open(&db).expect("opens");
    let d = store.outbox().get("p").expect("get").expect("kept");
    assert_eq!(
        d.state,
        OutboxState::Pending,
        "an unsigned rejection is not final: sent again"
    );
    assert_eq!(d.rejection, None);
    let err = d.last_error.expect("says why");
    assert!(err.contains("unsigned") && err.contains("<html>"), "{err}");
    assert_eq!(store.outbox().due(0, 10).expect("due").len(), 1);
    let (actor, action, _) = audit_actions(&store).pop().expect("audited");
    assert_eq!(
        (actor.as_str(), action.as_str()),
        ("system", "outbox.unproven_rejections_requeued")
    );
    drop(store);
    let store = Store::open(&db).expect("and opens again (the migration is idempotent)");
    assert_eq!(store.verify_audit().expect("chain"), 1);
}
