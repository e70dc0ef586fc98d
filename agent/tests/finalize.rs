//! Finalizing: a reviewed session becomes a sealed packet in the outbox atomically; failures
//! leave nothing behind; packets move between machines by removable media and are queued once.

use rekam_agent::finalize::{FinalizeError, finalize};
use rekam_agent::store::{Store, transfer};
use rekam_agent::workflow::{Policy, Session, Stage};
use rekam_protocol::model::FingerPosition;
use rekam_protocol::packet::PacketId;
use rekam_protocol::{
    RegistryPrivateKey, SignatureAlgorithm, Timestamp, TrustStore, TrustedWorkstation,
    WorkstationSigningKey, packet,
};
use rekam_sim::sample::{self, SampleOptions};
use ring::rand::SystemRandom;
use time::macros::date;

fn reviewed(seed: u64) -> Session {
    let src = sample::enrollment(&SampleOptions::tiny(
        seed,
        "WS-1",
        1_763_890_000_000 + seed as i64,
    ));
    let mut a = src.applicant.clone();
    a.marital_status = rekam_protocol::model::MaritalStatus::Kawin;
    let mut s = Session::start(
        src.id,
        a,
        src.context.clone(),
        Policy::default(),
        date!(2026 - 11 - 23),
    )
    .expect("start");
    let mut face = src.biometrics.face.clone();
    face.quality.score = 90;
    s.submit_face(face).expect("face");
    s.resident_approves_face(true).expect("approve");
    s.submit_signature(src.biometrics.signature.clone())
        .expect("signature");
    for p in FingerPosition::all() {
        let mut c = src.biometrics.finger(p).expect("finger").clone();
        c.quality.score = 70;
        s.submit_finger(p, c).expect("finger");
    }
    assert_eq!(s.stage(), Stage::Review);
    s
}

struct Keys {
    key: WorkstationSigningKey,
    registry: RegistryPrivateKey,
    trust: TrustStore,
}

fn keys() -> Keys {
    let (key, _) =
        WorkstationSigningKey::generate(SignatureAlgorithm::Ed25519, &SystemRandom::new())
            .expect("key");
    let mut trust = TrustStore::new();
    trust
        .insert(TrustedWorkstation {
            workstation_id: "WS-1".into(),
            key: key.public_key().clone(),
        })
        .expect("trust");
    Keys {
        key,
        registry: RegistryPrivateKey::from_secret([3; 32]),
        trust,
    }
}

impl Keys {
    /// Finalizes as operator OP-1 with this workstation's key and a fresh random source.
    fn finalize(
        &self,
        store: &mut Store,
        session: &Session,
        limit: usize,
        now: Timestamp,
    ) -> Result<PacketId, FinalizeError> {
        finalize(
            store,
            session,
            &self.key,
            self.registry.public_key(),
            limit,
            "OP-1",
            now,
            &SystemRandom::new(),
        )
    }
}

#[test]
fn a_reviewed_session_becomes_one_verifiable_packet_in_the_outbox() {
    let k = keys();
    let mut store = Store::in_memory().expect("store");
    let s = reviewed(1);
    let now = Timestamp::from_unix_ms(1_763_890_700_000);
    let id = k.finalize(&mut store, &s, 5 << 20, now).expect("finalize");
    let due = store.outbox().due(i64::MAX, 10).expect("due");
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].packet_id, id.to_string());
    let opened =
        packet::open(&due[0].bytes, &k.registry, &k.trust).expect("the queued packet verifies");
    assert_eq!(opened.enrollment.id, s.id);
    let stored = store
        .load_session(&s.id.to_string())
        .expect("load")
        .expect("stored");
    assert_eq!(stored.stage(), Stage::Finalized);
    assert_eq!(store.verify_audit().expect("audit"), 1);
    let again = k.finalize(&mut store, &s, 5 << 20, now);
    assert!(
        matches!(again, Err(FinalizeError::Store(_))),
        "an enrollment is queued once"
    );
    assert_eq!(store.outbox().status().expect("status").pending, 1);
}

#[test]
fn the_packet_carries_the_audit_head_from_just_before_its_finalize_entry() {
    let k = keys();
    let mut store = Store::in_memory().expect("store");
    for i in 0..3 {
        store
            .audit(&rekam_agent::store::AuditEntry::new(
                i,
                "OP-1",
                "face.approval",
                "s",
                serde_json::json!({}),
            ))
            .expect("audit");
    }
    let before = store.audit_head().expect("head");
    assert_eq!(before.seq, 3);
    let s = reviewed(4);
    k.finalize(
        &mut store,
        &s,
        5 << 20,
        Timestamp::from_unix_ms(1_763_890_700_000),
    )
    .expect("finalize");
    let due = store.outbox().due(i64::MAX, 10).expect("due");
    let opened = packet::open(&due[0].bytes, &k.registry, &k.trust).expect("opens");
    let head = opened
        .enrollment
        .context
        .audit_head
        .expect("the head is in the capture context");
    assert_eq!(head.seq, 3);
    assert_eq!(head.hash, before.hash_hex());
    assert_eq!(
        store.audit_head().expect("head").seq,
        4,
        "then finalize is entry 4"
    );
}

#[test]
fn an_oversized_packet_is_refused_before_it_is_stored() {
    let k = keys();
    let mut store = Store::in_memory().expect("store");
    let s = reviewed(2);
    let err = k
        .finalize(
            &mut store,
            &s,
            1000,
            Timestamp::from_unix_ms(1_763_890_700_000),
        )
        .expect_err("too large");
    assert!(
        matches!(err, FinalizeError::TooLarge { limit: 1000, .. }),
        "{err}"
    );
    assert_eq!(store.outbox().status().expect("status").pending, 0);
    assert_eq!(store.verify_audit().expect("audit"), 0);
    assert!(
        store
            .load_session(&s.id.to_string())
            .expect("load")
            .is_none()
    );
}

#[test]
fn packets_carried_on_removable_media_are_queued_once() {
    let k = keys();
    let mut offline = Store::in_memory().expect("store");
    for seed in 3..6 {
        k.finalize(
            &mut offline,
            &reviewed(seed),
            5 << 20,
            Timestamp::from_unix_ms(1_763_890_700_000),
        )
        .expect("finalize");
    }
    let media = tempfile::tempdir().expect("media");
    assert_eq!(transfer::export(&offline, media.path()).expect("export"), 3);
    assert_eq!(
        transfer::export(&offline, media.path()).expect("export again"),
        0,
        "already on the media"
    );

    let mut connected = Store::in_memory().expect("store");
    let r = transfer::import(&mut connected, media.path(), 10).expect("import");
    assert_eq!((r.imported, r.skipped), (3, 0));
    let r = transfer::import(&mut connected, media.path(), 11).expect("import again");
    assert_eq!((r.imported, r.skipped), (0, 3));
    assert_eq!(connected.outbox().status().expect("status").pending, 3);
    assert_eq!(connected.verify_audit().expect("audit"), 3);

    let first = std::fs::read_dir(media.path())
        .expect("ls")
        .next()
        .expect("a file")
        .expect("entry")
        .path();
    let mut bytes = std::fs::read(&first).expect("read");
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&first, bytes).expect("tamper");
    // The altered file is refused on its own, naming why; the intact ones still go in.
    let r = transfer::import(&mut Store::in_memory().expect("store"), media.path(), 12)
        .expect("import with one altered file");
    assert_eq!((r.imported, r.skipped, r.refused), (2, 0, 1), "{r:?}");
    let name = first
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    let refused = r.files.iter().find(|f| f.name == name).expect("listed");
    assert!(
        format!("{:?}", refused.outcome).contains("does not match the packet's SHA-256"),
        "{refused:?}"
    );
}
