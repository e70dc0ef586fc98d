//! Card pickup at the desk (`office::pickup`) on the simulated scanner, printer and encoder: the
//! resident's own chip finger hands the card over once; a stranger's is refused and the card
//! stays, three times a day at most, then only a supervisor can hand it over; the slip's QR finds
//! the order; an unprinted card is not handed over; fingers that cannot be read need a
//! supervisor's approval. Every outcome is in the audit log.
//!
//! `rekam cards pickup` does the same from the command line, exiting 1 on a refusal.
//!
//! The order's templates are taken the way the registry gets them: the enrolled resident's
//! fingers on the same simulated scanner (the person seeded from the NIK, as at enrollment),
//! their minutiae in ISO/IEC 19794-2 records.

mod cards_support;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use cards_support::{PASSWORD, T0, desk, order};
use rekam_agent::office::pickup::{PickupPerson, PickupVerdict, pickup_resident};
use rekam_agent::service::{Agent, ServiceError};
use rekam_agent::store::cards::{OrderState, PickupOutcome};
use rekam_drivers::fingerprint::Finger;
use rekam_protocol::iso19794_2 as iso;
use rekam_protocol::print_order::{Backdrop, SignedPrintOrder};
use rekam_protocol::{SignatureAlgorithm, WorkstationSigningKey};
use rekam_quality::minutiae::MinutiaKind;
use rekam_quality::verify::PICKUP_THRESHOLD;
use ring::rand::SystemRandom;

mod cli_support;
use cli_support::rekam;

const ENROLLMENT: &str = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";

/// The ISO record of `finger` of the person the scanner shows for `nik`, or an empty view.
async fn template(agent: &Agent, nik: &str, finger: Finger, empty: bool) -> String {
    agent
        .devices
        .present_finger(pickup_resident(nik, Backdrop::Blue, PickupPerson::Resident))
        .await
        .expect("present");
    let (img, _) = agent.devices.capture_finger(finger).await.expect("capture");
    let view =
        rekam_quality::image::GrayImageRef::new(img.width(), img.height(), img.pixels(), 500)
            .expect("view");
    let found = rekam_quality::fingerprint::nfiq2(&view).expect("a good print");
    let minutiae = if empty {
        Vec::new()
    } else {
        found
            .minutiae
            .iter()
            .take(255)
            .map(|m| iso::IsoMinutia {
                kind: match m.kind {
                    MinutiaKind::Ending => iso::MinutiaKind::RidgeEnding,
                    MinutiaKind::Bifurcation => iso::MinutiaKind::Bifurcation,
                    MinutiaKind::Other => iso::MinutiaKind::Other,
                },
                x: m.x as u16,
                y: m.y as u16,
                angle: m.angle,
                quality: m.quality,
            })
            .collect()
    };
    let record = iso::MinutiaeRecord {
        width: img.width() as u16,
        height: img.height() as u16,
        x_ppcm: 197,
        y_ppcm: 197,
        views: vec![iso::FingerView {
            position: finger.position(),
            view: 0,
            impression: 0,
            quality: found.score,
            minutiae,
        }],
    };
    STANDARD.encode(iso::encode(&record))
}

/// Order 1 of the support set, for `ENROLLMENT`, with the resident's real chip-finger templates
/// (right and left index), re-signed.
async fn real_order(agent: &Agent, empty: bool) -> SignedPrintOrder {
    let mut o = order(1).print_order;
    o.enrollment_id = ENROLLMENT.into();
    let nik = o.card.nik.clone();
    o.chip_fingers[0].template = template(agent, &nik, Finger::RightIndex, empty).await;
    o.chip_fingers[1].template = template(agent, &nik, Finger::LeftIndex, empty).await;
    let rng = SystemRandom::new();
    let (key, _) = WorkstationSigningKey::generate(SignatureAlgorithm::Ed25519, &rng).expect("key");
    o.sign(&key, &rng).expect("sign")
}

/// An agent holding the real order, printed unless `print` is false.
async fn office(print: bool, empty: bool) -> (Agent, SignedPrintOrder) {
    let d = desk(0, 5, |_, _| {});
    let o = real_order(&d.agent, empty).await;
    let kept = o.clone();
    d.agent
        .with_store(move |s| Ok(s.put_print_order(&kept, T0)?))
        .await
        .expect("order kept");
    if print {
        let id = o.print_order.order_id.clone();
        let r = d.agent.print_orders_now(&[id], "op1").await.expect("print");
        assert!(
            matches!(
                r[0].outcome,
                rekam_agent::office::printing::PrintOutcome::Printed { .. }
            ),
            "{:?}",
            r[0].outcome
        );
    }
    (d.agent, o)
}

async fn state(agent: &Agent, id: &str) -> OrderState {
    let id = id.to_string();
    agent
        .with_store(move |s| Ok(s.print_order(&id)?.expect("order").state))
        .await
        .expect("state")
}

/// (actor, action) of every audit entry about pickups.
async fn pickup_audit(agent: &Agent) -> Vec<(String, String)> {
    agent
        .with_store(|s| {
            Ok(s.raw_connection()
                .prepare(
                    "SELECT actor, action FROM audit WHERE action LIKE 'card.%pick%' OR action = 'card.handed_over' ORDER BY seq",
                )
                .expect("prepare")
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .expect("query")
                .collect::<Result<_, _>>()
                .expect("rows"))
        })
        .await
        .expect("audit")
}

#[tokio::test]
async fn the_residents_own_finger_hands_the_card_over_once() {
    let (agent, o) = office(true, false).await;
    let nik = o.print_order.card.nik.clone();
    let found = agent.pickup_find(&nik).expect("found by NIK");
    assert_eq!(found.order.order_id, o.print_order.order_id);
    assert_eq!(found.photo_jpeg, cards_support::photo());
    assert!(found.attempts.is_empty());

    let v = agent
        .pickup_verify(&found.order.order_id, "op1")
        .await
        .expect("verified");
    let PickupVerdict::HandedOver { finger, score } = v else {
        panic!("not handed over: {v:?}");
    };
    assert_eq!(finger, 2, "the first chip finger by default");
    assert!(score >= PICKUP_THRESHOLD, "{score}");
    assert_eq!(
        state(&agent, &found.order.order_id).await,
        OrderState::Collected
    );
    assert_eq!(
        pickup_audit(&agent).await,
        [("op1".to_string(), "card.handed_over".to_string())]
    );
    let attempts = agent.pickup_find(&nik).expect("found").attempts;
    assert_eq!(attempts.len(), 1);
    assert!(attempts[0].detail.contains(&nik), "{}", attempts[0].detail);

    let again = agent
        .pickup_verify(&found.order.order_id, "op1")
        .await
        .expect_err("a collected card is not handed over twice");
    assert!(again.to_string().contains("already collected"), "{again}");
}

#[tokio::test]
async fn the_operator_may_take_the_second_chip_finger() {
    let (agent, o) = office(true, false).await;
    let id = o.print_order.order_id.clone();
    let v = agent
        .pickup_verify_finger(&id, "op1", Some(7))
        .await
        .expect("verified");
    assert!(
        matches!(v, PickupVerdict::HandedOver { finger: 7, .. }),
        "{v:?}"
    );
    let (agent, o) = office(true, false).await;
    let e = agent
        .pickup_verify_finger(&o.print_order.order_id, "op1", Some(3))
        .await
        .expect_err("not a chip finger");
    assert!(e.to_string().contains("not a chip finger"), "{e}");
}

#[tokio::test]
async fn a_strangers_finger_is_refused_and_after_three_only_a_supervisor_hands_over() {
    let (agent, o) = office(true, false).await;
    let id = o.print_order.order_id.clone();
    agent.simulated_pickup.set(PickupPerson::Stranger);
    for _ in 0..3 {
        let v = agent.pickup_verify(&id, "op1").await.expect("verified");
        let PickupVerdict::Refused { score, .. } = v else {
            panic!("a stranger's finger was not refused: {v:?}");
        };
        assert!(score < PICKUP_THRESHOLD, "{score}");
        assert_eq!(state(&agent, &id).await, OrderState::Printed);
    }
    let e = agent
        .pickup_verify(&id, "op1")
        .await
        .expect_err("a fourth try");
    assert!(e.to_string().contains("only a supervisor"), "{e}");

    let e = agent
        .pickup_approve(&id, "op1", PASSWORD, "op1", "looks like the photo")
        .await
        .expect_err("an operator cannot approve");
    assert!(matches!(e, ServiceError::NotASupervisor { .. }), "{e}");
    let e = agent
        .pickup_approve(
            &id,
            "sup1",
            "wrong password!",
            "op1",
            "looks like the photo",
        )
        .await
        .expect_err("a wrong password");
    assert!(matches!(e, ServiceError::SupervisorSignIn(_)), "{e}");
    let e = agent
        .pickup_approve(&id, "sup1", PASSWORD, "op1", "  ")
        .await
        .expect_err("no note");
    assert!(e.to_string().starts_with("note: "), "{e}");
    assert_eq!(state(&agent, &id).await, OrderState::Printed);

    let v = agent
        .pickup_approve(
            &id,
            "sup1",
            PASSWORD,
            "op1",
            "face matches the order's photo",
        )
        .await
        .expect("approved");
    assert_eq!(
        v,
        PickupVerdict::Approved {
            supervisor: "sup1".into()
        }
    );
    assert_eq!(state(&agent, &id).await, OrderState::Collected);
    let actions: Vec<String> = pickup_audit(&agent)
        .await
        .into_iter()
        .map(|a| a.1)
        .collect();
    assert_eq!(
        actions,
        [
            "card.pickup_refused",
            "card.pickup_refused",
            "card.pickup_refused",
            "card.pickup_approved"
        ]
    );
    let last = agent.pickup_find(&o.print_order.card.nik).expect("found");
    let approval = last.attempts.last().expect("attempts");
    assert_eq!(approval.outcome, PickupOutcome::Approved);
    assert_eq!(approval.supervisor.as_deref(), Some("sup1"));
}

#[tokio::test]
async fn the_slips_qr_finds_the_order_and_an_unprinted_card_stays() {
    let (agent, o) = office(false, false).await;
    let nik = o.print_order.card.nik.clone();
    agent
        .with_store(move |s| Ok(s.record_enrollment_nik(ENROLLMENT, &nik)?))
        .await
        .expect("nik recorded");
    let found = agent.pickup_find(ENROLLMENT).expect("found by the QR text");
    assert_eq!(found.order.order_id, o.print_order.order_id);
    let e = agent
        .pickup_verify(&found.order.order_id, "op1")
        .await
        .expect_err("not printed");
    assert!(e.to_string().contains("not printed yet"), "{e}");
    assert!(pickup_audit(&agent).await.is_empty());

    let e = agent
        .pickup_find("3273015708999999")
        .expect_err("no order for that NIK");
    assert_eq!(e.to_string(), "no print order for NIK 3273015708999999");
    let e = agent.pickup_find("calo").expect_err("not a NIK");
    assert!(e.to_string().starts_with("query: "), "{e}");
}

#[tokio::test]
async fn unreadable_chip_fingers_need_a_supervisors_approval() {
    let (agent, o) = office(true, true).await;
    let id = o.print_order.order_id.clone();
    let e = agent
        .pickup_approve(&id, "sup1", PASSWORD, "op1", "face matches")
        .await
        .expect_err("no finger tried yet");
    assert!(e.to_string().contains("take a chip finger first"), "{e}");
    let v = agent.pickup_verify(&id, "op1").await.expect("tried");
    let PickupVerdict::Unreadable { reason } = v else {
        panic!("not unreadable: {v:?}");
    };
    assert!(
        reason.contains("finger 2") && reason.contains("finger 7"),
        "{reason}"
    );
    assert_eq!(state(&agent, &id).await, OrderState::Printed);
    let v = agent
        .pickup_approve(
            &id,
            "sup1",
            PASSWORD,
            "op1",
            "face matches the order's photo",
        )
        .await
        .expect("approved");
    assert!(matches!(v, PickupVerdict::Approved { .. }), "{v:?}");
    assert_eq!(state(&agent, &id).await, OrderState::Collected);
}

fn text(o: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rekam_cards_pickup_refuses_a_stranger_and_hands_over_to_the_resident() {
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().join("data");
    let cfg = dir.path().join("rekam.toml");
    std::fs::write(
        &cfg,
        format!("[agent]\ndata_dir = {data:?}\nsite_code = \"3273-01\"\n\n[devices]\nsimulated = true\nrealtime = false\n"),
    )
    .expect("config");
    let c = cfg.to_str().expect("utf-8");
    // The order, made on an in-process desk's scanner (the same simulated person), kept in the
    // configured store with an operator and blanks.
    let (agent, o) = office(false, false).await;
    drop(agent);
    {
        let config =
            rekam_agent::config::Config::from_toml(&std::fs::read_to_string(&cfg).expect("read"))
                .expect("config");
        rekam_agent::data_dir::create_private_dir(&data).expect("data dir");
        let db = data.join(rekam_agent::serve::DB_FILE);
        let key = rekam_agent::data_dir::load_or_create_storage_key(
            &config.path(&config.keys.storage_key),
            &db,
        )
        .expect("storage key");
        let mut store =
            rekam_agent::store::Store::open_with_key(&db, std::sync::Arc::new(key)).expect("store");
        store.put_print_order(&o, T0).expect("order");
        store
            .add_operator(
                "admin",
                "op1",
                "Operator",
                rekam_agent::operators::Role::Operator,
                PASSWORD,
                T0,
            )
            .expect("operator");
    }
    let ok = rekam(&[
        "cards",
        "receive",
        "--config",
        c,
        "--batch",
        "B-1",
        "--prefix",
        "KTP-2026A-",
        "--first",
        "1",
        "--last",
        "5",
        "--by",
        "op1",
    ]);
    assert!(ok.status.success(), "{}", text(&ok));
    let id = o.print_order.order_id.clone();
    let ok = rekam(&["cards", "print", "--config", c, "--by", "op1", &id]);
    assert!(ok.status.success(), "{}", text(&ok));

    let nik = o.print_order.card.nik.clone();
    let no = rekam(&[
        "cards",
        "pickup",
        "--config",
        c,
        "--nik",
        &nik,
        "--by",
        "op1",
        "--stranger",
    ]);
    assert!(!no.status.success(), "{}", text(&no));
    assert!(text(&no).contains("does not match"), "{}", text(&no));
    let no = rekam(&[
        "cards", "pickup", "--config", c, "--nik", &nik, "--by", "nobody",
    ]);
    assert!(
        text(&no).contains("no such operator account"),
        "{}",
        text(&no)
    );

    let ok = rekam(&[
        "cards", "pickup", "--config", c, "--qr", ENROLLMENT, "--by", "op1",
    ]);
    assert!(ok.status.success(), "{}", text(&ok));
    let out = text(&ok);
    assert!(out.contains("1 earlier attempt(s) refused"), "{out}");
    assert!(out.contains("hand over card KTP-2026A-000001"), "{out}");
    let again = rekam(&[
        "cards", "pickup", "--config", c, "--nik", &nik, "--by", "op1",
    ]);
    assert!(
        text(&again).contains("already collected"),
        "{}",
        text(&again)
    );
}
