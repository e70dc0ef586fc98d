use rekam_protocol::KeyId;
use rekam_protocol::Timestamp;
use rekam_protocol::model::FingerPosition;
use rekam_protocol::print_order::{Backdrop, CardText, ChipFinger, PrintOrder, SignedPrintOrder};

use super::*;
use crate::store::Store;

const T0: i64 = 1_780_000_000_000;

/// An order as the registry would serve it (the store keeps what it is given; verification is
/// the caller's, so a placeholder signature does here).
fn order(order_id: &str, enrollment_id: &str, nik: &str) -> SignedPrintOrder {
    let text = |s: &str| s.to_string();
    SignedPrintOrder {
        print_order: PrintOrder {
            order_id: text(order_id),
            registry_id: text("registry-1"),
            office: text("3273-01"),
            enrollment_id: text(enrollment_id),
            packet_id: "ab".repeat(32),
            issued_at: Timestamp::from_unix_ms(T0),
            card: CardText {
                province: text("JAWA BARAT"),
                regency: text("KOTA BANDUNG"),
                nik: text(nik),
                name: text("SITI AMINAH"),
                place_of_birth: text("BANDUNG"),
                date_of_birth: text("17-08-1990"),
                sex: text("PEREMPUAN"),
                blood_type: text("O"),
                address: text("JL. MERDEKA NO. 1"),
                rt_rw: text("001/002"),
                village: text("CITARUM"),
                district: text("BANDUNG WETAN"),
                religion: text("ISLAM"),
                marital_status: text("KAWIN"),
                occupation: text("GURU"),
                citizenship: text("WNI"),
                valid_until: text("SEUMUR HIDUP"),
                issue_place: text("KOTA BANDUNG"),
                issue_date: text("01-06-2026"),
            },
            backdrop: Backdrop::Blue,
            photo: text("/9j/4AAQ"),
            signature: text("iVBORw0K"),
            chip_fingers: [
                ChipFinger {
                    position: FingerPosition::RIGHT_INDEX,
                    template: text("Rk1SAA=="),
                },
                ChipFinger {
                    position: FingerPosition::LEFT_INDEX,
                    template: text("Rk1SAA=="),
                },
            ],
        },
        key_id: KeyId([7; 16]),
        signature: text("c2ln"),
    }
}

fn batch(id: &str, prefix: &str, first: u64, last: u64) -> CardBatch {
    CardBatch {
        batch_id: id.into(),
        prefix: prefix.into(),
        first,
        last,
    }
}

fn store_with_order() -> Store {
    let mut s = Store::in_memory().expect("store");
    assert!(
        s.put_print_order(&order("PO-1", "enr-1", "3273015708900001"), T0)
            .expect("put")
    );
    s
}

#[test]
fn an_order_is_kept_sealed_and_read_back_whole() {
    let s = store_with_order();
    let got = s.print_order("PO-1").expect("read").expect("held");
    assert_eq!(got.signed, order("PO-1", "enr-1", "3273015708900001"));
    assert_eq!(got.state, OrderState::Waiting);
    assert_eq!(got.nik, "3273015708900001");
    assert_eq!(got.name, "SITI AMINAH");
    let (bytes, sealed): (Vec<u8>, bool) = s
        .raw_connection()
        .query_row("SELECT bytes, sealed FROM print_orders", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .expect("row");
    assert!(sealed);
    assert!(
        !bytes.windows(8).any(|w| w == b"/9j/4AAQ"),
        "the photo is not in the file in clear"
    );
}

#[test]
fn the_same_order_twice_is_held_once_and_a_second_order_for_an_enrollment_is_refused() {
    let mut s = store_with_order();
    assert!(
        !s.put_print_order(&order("PO-1", "enr-1", "3273015708900001"), T0 + 5)
            .expect("again")
    );
    let err = s
        .put_print_order(&order("PO-2", "enr-1", "3273015708900001"), T0 + 6)
        .expect_err("second order");
    assert!(
        err.to_string().contains("already has print order PO-1"),
        "{err}"
    );
    assert_eq!(s.print_orders(None).expect("list").len(), 1);
}

#[test]
fn orders_are_found_by_nik_newest_first_and_listed_oldest_first() {
    let mut s = store_with_order();
    s.put_print_order(&order("PO-2", "enr-2", "3273015708900001"), T0 + 10)
        .expect("put");
    s.put_print_order(&order("PO-3", "enr-3", "3273015708900002"), T0 + 5)
        .expect("put");
    let by_nik = s
        .print_order_by_nik("3273015708900001")
        .expect("find")
        .expect("some");
    assert_eq!(by_nik.order_id, "PO-2");
    let ids: Vec<String> = s
        .print_orders(Some(OrderState::Waiting))
        .expect("list")
        .into_iter()
        .map(|o| o.order_id)
        .collect();
    assert_eq!(ids, ["PO-1", "PO-3", "PO-2"]);
    assert!(
        s.print_order_by_nik("3273015708900009")
            .expect("find")
            .is_none()
    );
}

#[test]
fn a_store_without_the_storage_key_cannot_read_orders_and_says_so() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("agent.db");
    let key = std::sync::Arc::new(crate::store::StorageKey::ephemeral().expect("key"));
    {
        let mut s = Store::open_with_key(&path, key).expect("open");
        s.put_print_order(&order("PO-1", "enr-1", "3273015708900001"), T0)
            .expect("put");
    }
    let s = Store::open(&path).expect("open without key");
    let err = s.print_order("PO-1").expect_err("no key");
    assert!(
        err.to_string()
            .contains("without the workstation storage key"),
        "{err}"
    );
}

#[test]
fn blanks_are_taken_lowest_serial_of_the_oldest_batch_first_and_counted_out_of_stock() {
    let mut s = store_with_order();
    s.receive_card_batch(&batch("B2", "KTP-2026B-", 1, 5), "op1", T0 + 2)
        .expect("b2");
    s.receive_card_batch(&batch("B1", "KTP-2026A-", 10, 11), "op1", T0 + 1)
        .expect("b1");
    assert_eq!(s.blanks_in_stock().expect("stock"), 7);
    let serial = s
        .take_blank("PO-1", "op1", T0 + 3)
        .expect("take")
        .expect("some");
    assert_eq!(serial, "KTP-2026A-000010");
    assert_eq!(
        s.print_order("PO-1").expect("o").expect("o").state,
        OrderState::Printing
    );
    assert_eq!(
        s.blanks_printing()
            .expect("printing")
            .into_iter()
            .map(|b| (b.serial, b.order_id))
            .collect::<Vec<_>>(),
        [(serial.clone(), Some("PO-1".to_string()))]
    );
    s.spoil_blank(&serial, "jam", "op1", T0 + 4).expect("spoil");
    assert_eq!(
        s.print_order("PO-1").expect("o").expect("o").state,
        OrderState::Waiting
    );
    let next = s
        .take_blank("PO-1", "op1", T0 + 5)
        .expect("take")
        .expect("some");
    assert_eq!(next, "KTP-2026A-000011");
    s.complete_card(&next, b"{\"report\":1}", "op1", T0 + 6)
        .expect("complete");
    let o = s.print_order("PO-1").expect("o").expect("o");
    assert_eq!(o.state, OrderState::Printed);
    assert_eq!(o.card_serial.as_deref(), Some("KTP-2026A-000011"));
    assert_eq!(o.printed_ms, Some(T0 + 6));
    assert_eq!(s.blanks_in_stock().expect("stock"), 5);
    let blanks = s.card_blanks(Some("PO-1")).expect("blanks");
    assert_eq!(
        blanks
            .iter()
            .map(|b| (b.state, b.reason.clone()))
            .collect::<Vec<_>>(),
        [
            (BlankState::Spoiled, Some("jam".to_string())),
            (BlankState::Printed, None)
        ]
    );
    assert_eq!(
        s.due_card_reports(T0 + 6, 10).expect("due"),
        [("PO-1".to_string(), b"{\"report\":1}".to_vec())]
    );
    // The first batch is used up: the next blank comes from the second.
    s.put_print_order(&order("PO-2", "enr-2", "3273015708900002"), T0 + 7)
        .expect("put");
    assert_eq!(
        s.take_blank("PO-2", "op1", T0 + 8)
            .expect("take")
            .as_deref(),
        Some("KTP-2026B-000001")
    );
    // A printed order is not printed again.
    let err = s.take_blank("PO-1", "op1", T0 + 9).expect_err("printed");
    assert!(err.to_string().contains("is printed"), "{err}");
}

#[test]
fn with_no_blank_left_nothing_is_taken() {
    let mut s = store_with_order();
    assert_eq!(s.take_blank("PO-1", "op1", T0).expect("take"), None);
    assert_eq!(
        s.print_order("PO-1").expect("o").expect("o").state,
        OrderState::Waiting
    );
}

#[test]
fn overlapping_or_already_used_serials_and_bad_ranges_are_refused_with_the_reason() {
    let mut s = Store::in_memory().expect("store");
    s.receive_card_batch(&batch("B1", "KTP-A-", 1, 100), "op1", T0)
        .expect("b1");
    let cases = [
        (
            batch("B2", "KTP-A-", 100, 200),
            "overlap batch B1 (KTP-A-000001..KTP-A-000100)",
        ),
        (batch("B1", "KTP-B-", 1, 2), "already received"),
        (batch("B3", "KTP-A-", 300, 200), "is after the last"),
        (batch("B4", "KTP-A-", 1, 1_000_000), "six digits"),
        (batch("B5", "KTP A", 1, 2), "prefix"),
        (batch("", "KTP-C-", 1, 2), "1-64 characters"),
    ];
    for (b, why) in cases {
        let err = s.receive_card_batch(&b, "op1", T0).expect_err("refused");
        assert!(err.to_string().contains(why), "{b:?}: {err}");
    }
    // Another prefix does not overlap.
    s.receive_card_batch(&batch("B6", "KTP-B-", 1, 100), "op1", T0)
        .expect("b6");
    assert_eq!(s.blanks_in_stock().expect("stock"), 200);
    assert_eq!(s.card_batches().expect("batches").len(), 2);
}

#[test]
fn a_reprint_spoils_the_printed_card_and_the_order_waits_for_a_new_blank() {
    let mut s = store_with_order();
    s.receive_card_batch(&batch("B1", "K-", 1, 2), "op1", T0)
        .expect("b1");
    let serial = s
        .take_blank("PO-1", "op1", T0 + 1)
        .expect("take")
        .expect("some");
    s.complete_card(&serial, b"r1", "op1", T0 + 2)
        .expect("complete");
    let err = s
        .void_printed_card("PO-1", " ", "sup", T0 + 3)
        .expect_err("no reason");
    assert!(err.to_string().contains("reason"), "{err}");
    assert_eq!(
        s.void_printed_card("PO-1", "photo smudged", "sup", T0 + 3)
            .expect("void"),
        serial
    );
    let o = s.print_order("PO-1").expect("o").expect("o");
    assert_eq!((o.state, o.card_serial), (OrderState::Waiting, None));
    let again = s
        .take_blank("PO-1", "op1", T0 + 4)
        .expect("take")
        .expect("some");
    s.complete_card(&again, b"r2", "op1", T0 + 5)
        .expect("complete");
    // The new card's report replaces the spoiled card's.
    assert_eq!(
        s.due_card_reports(T0 + 5, 10).expect("due"),
        [("PO-1".to_string(), b"r2".to_vec())]
    );
    // No blank left: a reprint is refused before the printed card is spoiled.
    let err = s
        .void_printed_card("PO-1", "again", "sup", T0 + 6)
        .expect_err("none");
    assert!(err.to_string().contains("no blank cards"), "{err}");
    assert_eq!(
        s.print_order("PO-1").expect("o").expect("o").state,
        OrderState::Printed
    );
    let actions: Vec<String> = audit_actions(&s);
    assert!(actions.contains(&"card.reprint".to_string()), "{actions:?}");
}

fn audit_actions(s: &Store) -> Vec<String> {
    s.raw_connection()
        .prepare("SELECT action FROM audit ORDER BY seq")
        .expect("prepare")
        .query_map([], |r| r.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows")
}

#[test]
fn reports_are_retried_until_acknowledged() {
    let mut s = store_with_order();
    s.receive_card_batch(&batch("B1", "K-", 1, 2), "op1", T0)
        .expect("b1");
    let serial = s
        .take_blank("PO-1", "op1", T0)
        .expect("take")
        .expect("some");
    s.complete_card(&serial, b"r1", "op1", T0)
        .expect("complete");
    s.settle_card_report(
        "PO-1",
        ReportSettlement::Retry {
            error: "offline".into(),
            next_attempt_ms: T0 + 1000,
        },
        T0,
    )
    .expect("retry");
    assert!(s.due_card_reports(T0 + 999, 10).expect("due").is_empty());
    assert_eq!(s.due_card_reports(T0 + 1000, 10).expect("due").len(), 1);
    assert_eq!(
        s.card_report_state("PO-1").expect("state"),
        Some(("pending".to_string(), 1, Some("offline".to_string())))
    );
    s.settle_card_report(
        "PO-1",
        ReportSettlement::Acknowledged {
            ack: b"ack".to_vec(),
        },
        T0 + 1000,
    )
    .expect("ack");
    assert!(s.due_card_reports(T0 + 5000, 10).expect("due").is_empty());
    assert!(
        s.settle_card_report("PO-9", ReportSettlement::Acknowledged { ack: vec![] }, T0)
            .is_err()
    );
}

#[test]
fn a_card_is_handed_over_only_once_it_is_printed_and_every_attempt_is_kept() {
    let mut s = store_with_order();
    let pickup = |outcome, at_ms| PickupRecord {
        order_id: "PO-1".into(),
        at_ms,
        operator: "op1".into(),
        outcome,
        finger: Some(2),
        score: Some(0.1),
        supervisor: None,
        detail: "right index".into(),
    };
    let err = s
        .record_pickup(&pickup(PickupOutcome::Collected, T0))
        .expect_err("not printed");
    assert!(err.to_string().contains("the order is waiting"), "{err}");
    s.receive_card_batch(&batch("B1", "K-", 1, 2), "op1", T0)
        .expect("b1");
    let serial = s
        .take_blank("PO-1", "op1", T0)
        .expect("take")
        .expect("some");
    s.complete_card(&serial, b"r1", "op1", T0)
        .expect("complete");
    s.record_pickup(&pickup(PickupOutcome::Refused, T0 + 1))
        .expect("refused");
    s.record_pickup(&pickup(PickupOutcome::Collected, T0 + 2))
        .expect("collected");
    let o = s.print_order("PO-1").expect("o").expect("o");
    assert_eq!(
        (o.state, o.collected_ms),
        (OrderState::Collected, Some(T0 + 2))
    );
    let outcomes: Vec<PickupOutcome> = s
        .pickups("PO-1")
        .expect("pickups")
        .into_iter()
        .map(|p| p.outcome)
        .collect();
    assert_eq!(outcomes, [PickupOutcome::Refused, PickupOutcome::Collected]);
    assert!(
        s.record_pickup(&pickup(PickupOutcome::Approved, T0 + 3))
            .is_err()
    );
    let pickups: Vec<String> = audit_actions(&s)
        .into_iter()
        .filter(|a| {
            [
                "card.handed_over",
                "card.pickup_refused",
                "card.pickup_approved",
            ]
            .contains(&a.as_str())
        })
        .collect();
    assert_eq!(pickups, ["card.pickup_refused", "card.handed_over"]);
    s.verify_audit().expect("chain intact");
}

#[test]
fn enrollment_niks_are_recorded_and_looked_up() {
    let mut s = Store::in_memory().expect("store");
    assert_eq!(s.enrollment_nik("enr-1").expect("nik"), None);
    s.record_enrollment_nik("enr-1", "3273015708900001")
        .expect("record");
    assert_eq!(
        s.enrollment_nik("enr-1").expect("nik").as_deref(),
        Some("3273015708900001")
    );
}

#[test]
fn the_stock_level_counts_printed_and_spoiled_blanks_of_today() {
    let mut s = store_with_order();
    s.receive_card_batch(&batch("B1", "K-", 1, 10), "op1", T0)
        .expect("b1");
    let a = s
        .take_blank("PO-1", "op1", T0 + 1)
        .expect("take")
        .expect("some");
    s.spoil_blank(&a, "cover open", "op1", T0 + 2)
        .expect("spoil");
    let b = s
        .take_blank("PO-1", "op1", T0 + 3)
        .expect("take")
        .expect("some");
    s.complete_card(&b, b"r", "op1", T0 + 4).expect("complete");
    let lvl = s
        .card_stock(&StockPolicy::default(), T0 + 5)
        .expect("stock");
    assert_eq!(
        (lvl.in_stock, lvl.printed_today, lvl.spoiled_today),
        (8, 1, 1)
    );
    assert_eq!(lvl.daily_target, 50);
}
