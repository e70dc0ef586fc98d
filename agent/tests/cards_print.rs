//! Printing print orders on the simulated printer and encoder: a batch on consecutive blanks with
//! a signed report each; a jam and a cover opened mid-batch lose no order and print no card
//! twice; a chip that reads back wrong is spoiled; a supervisor's reprint; no blank, no print;
//! a card left `printing` by a crash is resolved by reading its chip back.

mod cards_support;

use cards_support::{Desk, desk, ids, order};
use rekam_agent::office::printing::{PrintOutcome, chip_data};
use rekam_agent::service::ServiceError;
use rekam_agent::store::{BlankState, OrderState};
use rekam_drivers::encoder::{CardEncoder, ChipData};
use rekam_protocol::print_order::SignedCardPrinted;

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

fn serial(n: u32) -> String {
    format!("KTP-2026A-{n:06}")
}

fn printed(s: &str) -> PrintOutcome {
    PrintOutcome::Printed { serial: s.into() }
}

/// Every order printed exactly once: (order, the serials of its printed blanks).
async fn printed_cards(d: &Desk) -> Vec<(String, Vec<String>)> {
    d.agent
        .with_store(|s| {
            let mut out = Vec::new();
            for o in s.print_orders(None)? {
                let cards = s
                    .card_blanks(Some(&o.order_id))?
                    .into_iter()
                    .filter(|b| b.state == BlankState::Printed)
                    .map(|b| b.serial)
                    .collect();
                out.push((o.order_id, cards));
            }
            Ok(out)
        })
        .await
        .expect("store")
}

#[test]
fn a_batch_prints_every_order_on_consecutive_blanks_with_its_chip_and_a_signed_report() {
    let d = desk(3, 10, |_, _| {});
    let r = rt();
    let results = r
        .block_on(d.agent.print_orders_now(&ids(3), "op1"))
        .expect("print");
    let outcomes: Vec<PrintOutcome> = results.into_iter().map(|r| r.outcome).collect();
    assert_eq!(
        outcomes,
        [
            printed(&serial(1)),
            printed(&serial(2)),
            printed(&serial(3))
        ]
    );
    assert_eq!(d.printer.lock().expect("p").printed().len(), 3);
    // The chip of each card holds its order, serial and templates.
    let chips: Vec<ChipData> = d
        .encoder
        .lock()
        .expect("e")
        .written()
        .iter()
        .map(|c| c.decode().expect("rekam chip v1"))
        .collect();
    assert_eq!(
        chips[1],
        chip_data(&order(2).print_order, &serial(2)).expect("chip")
    );
    let due = r
        .block_on(
            d.agent
                .with_store(|s| Ok(s.due_card_reports(i64::MAX, 10)?)),
        )
        .expect("due");
    assert_eq!(due.len(), 3);
    let report = SignedCardPrinted::parse(&due[0].1).expect("report");
    assert_eq!(report.card_printed.card_serial, serial(1));
    assert_eq!(report.card_printed.office, "3273-01");
    assert_eq!(report.card_printed.operator_id, "op1");
    assert_eq!(report.key_id, d.key.key_id());
    let stock = d.agent.card_stock().expect("stock");
    assert_eq!((stock.in_stock, stock.printed_today), (7, 3));
}

#[test]
fn a_jam_mid_batch_spoils_that_blank_and_the_order_is_printed_on_the_next_one_exactly_once() {
    // The second card jams.
    let d = desk(3, 10, |n, p| {
        if n == 2 {
            p.jam_next_card();
        }
    });
    let r = rt();
    let results = r
        .block_on(d.agent.print_orders_now(&ids(3), "op1"))
        .expect("print");
    let outcomes: Vec<PrintOutcome> = results.into_iter().map(|r| r.outcome).collect();
    assert_eq!(
        outcomes,
        [
            printed(&serial(1)),
            PrintOutcome::Spoiled {
                serial: serial(2),
                reason: "card jam".into(),
                reprinted_on: Some(serial(3)),
            },
            printed(&serial(4)),
        ]
    );
    let cards = r.block_on(printed_cards(&d));
    assert_eq!(
        cards,
        [
            ("PO-0001".to_string(), vec![serial(1)]),
            ("PO-0002".to_string(), vec![serial(3)]),
            ("PO-0003".to_string(), vec![serial(4)]),
        ]
    );
    let mut p = d.printer.lock().expect("p");
    assert_eq!((p.printed().len(), p.rejected()), (3, 1));
    drop(p);
    let blanks = r
        .block_on(d.agent.with_store(|s| Ok(s.card_blanks(None)?)))
        .expect("blanks");
    assert_eq!(blanks[1].state, BlankState::Spoiled);
    assert_eq!(blanks[1].reason.as_deref(), Some("card jam"));
    assert_eq!(d.agent.card_stock().expect("stock").in_stock, 6);
}

#[test]
fn a_cover_opened_mid_batch_stops_the_run_and_the_rest_print_later_exactly_once() {
    // Someone opens the cover while the second card is in the printer.
    let d = desk(4, 10, |n, p| {
        if n == 2 {
            p.set_cover_open(true);
        }
    });
    let r = rt();
    let results = r
        .block_on(d.agent.print_orders_now(&ids(4), "op1"))
        .expect("print");
    let outcomes: Vec<PrintOutcome> = results.into_iter().map(|r| r.outcome).collect();
    assert_eq!(outcomes[..2], [printed(&serial(1)), printed(&serial(2))]);
    for o in &outcomes[2..] {
        match o {
            PrintOutcome::NotPrinted { reason } => {
                assert!(reason.contains("cover is open"), "{reason}")
            }
            other => panic!("{other:?}"),
        }
    }
    // No blank was taken for the orders that did not print; they wait.
    let waiting = r
        .block_on(
            d.agent
                .with_store(|s| Ok(s.print_orders(Some(OrderState::Waiting))?)),
        )
        .expect("waiting");
    assert_eq!(waiting.len(), 2);
    assert_eq!(d.agent.card_stock().expect("stock").in_stock, 8);
    // The operator closes the cover and prints the whole queue again.
    d.printer.lock().expect("p").set_cover_open(false);
    let again = r
        .block_on(d.agent.print_orders_now(&ids(4), "op1"))
        .expect("print");
    let outcomes: Vec<PrintOutcome> = again.into_iter().map(|r| r.outcome).collect();
    assert!(
        matches!(&outcomes[0], PrintOutcome::NotPrinted { reason } if reason.contains("printed")),
        "{outcomes:?}"
    );
    assert_eq!(outcomes[2..], [printed(&serial(3)), printed(&serial(4))]);
    let cards = r.block_on(printed_cards(&d));
    assert!(cards.iter().all(|(_, c)| c.len() == 1), "{cards:?}");
    assert_eq!(d.printer.lock().expect("p").printed().len(), 4);
}

#[test]
fn a_chip_that_reads_back_wrong_is_spoiled_and_the_card_printed_on_the_next_blank() {
    let d = desk(1, 5, |_, _| {});
    d.encoder.lock().expect("e").garble_next_read();
    let results = rt()
        .block_on(d.agent.print_orders_now(&ids(1), "op1"))
        .expect("print");
    assert_eq!(
        results[0].outcome,
        PrintOutcome::Spoiled {
            serial: serial(1),
            reason: "the chip read back differs from what was written".into(),
            reprinted_on: Some(serial(2)),
        }
    );
    // The spoiled blank never reached the printer.
    assert_eq!(d.printer.lock().expect("p").printed().len(), 1);
}

#[test]
fn an_encoder_without_a_card_spoils_that_blank_and_stops_the_run_with_the_order_waiting() {
    let d = desk(2, 5, |_, _| {});
    let r = rt();
    d.encoder.lock().expect("e").set_card_present(false);
    let out = r
        .block_on(d.agent.print_orders_now(&ids(2), "op1"))
        .expect("print");
    match &out[0].outcome {
        PrintOutcome::Spoiled {
            reason,
            reprinted_on: None,
            ..
        } => assert!(reason.contains("chip could not be written"), "{reason}"),
        other => panic!("{other:?}"),
    }
    assert!(
        matches!(&out[1].outcome, PrintOutcome::NotPrinted { reason } if reason.contains("card encoder cannot be used")),
        "{out:?}"
    );
    let o = r
        .block_on(d.agent.with_store(|s| Ok(s.print_order("PO-0001")?)))
        .expect("order")
        .expect("held");
    assert_eq!(o.state, OrderState::Waiting);
    assert!(d.printer.lock().expect("p").printed().is_empty());
}

#[test]
fn a_supervisor_reprints_a_card_the_earlier_one_is_spoiled_and_an_operator_may_not() {
    let d = desk(1, 5, |_, _| {});
    let r = rt();
    r.block_on(d.agent.print_orders_now(&ids(1), "op1"))
        .expect("print");
    let err = r
        .block_on(d.agent.reprint_order("PO-0001", "photo smudged", "op1"))
        .expect_err("operator");
    assert!(matches!(err, ServiceError::NotASupervisor { .. }), "{err}");
    let again = r
        .block_on(d.agent.reprint_order("PO-0001", "photo smudged", "sup1"))
        .expect("reprint");
    assert_eq!(
        again.outcome,
        PrintOutcome::Spoiled {
            serial: serial(1),
            reason: "reprinted: photo smudged".into(),
            reprinted_on: Some(serial(2)),
        }
    );
    let cards = r.block_on(printed_cards(&d));
    assert_eq!(cards, [("PO-0001".to_string(), vec![serial(2)])]);
    // The report to the registry is the new card's, naming the card it replaces.
    let due = r
        .block_on(
            d.agent
                .with_store(|s| Ok(s.due_card_reports(i64::MAX, 10)?)),
        )
        .expect("reports");
    let report = SignedCardPrinted::parse(&due[0].1)
        .expect("report")
        .card_printed;
    assert_eq!(
        (report.card_serial, report.replaces),
        (serial(2), Some(serial(1)))
    );
}

#[test]
fn a_card_whose_chip_was_written_but_whose_panels_the_printer_never_took_is_spoiled_and_printed_again()
 {
    let d = desk(1, 5, |_, _| {});
    let r = rt();
    // A crash after the chip was written, before the printer accepted the panels.
    let s1 = r
        .block_on(
            d.agent
                .with_store(|s| Ok(s.take_blank("PO-0001", "op1", 1)?)),
        )
        .expect("take")
        .expect("blank");
    let chip = chip_data(&order(1).print_order, &s1)
        .expect("chip")
        .encode()
        .expect("encode");
    d.encoder.lock().expect("e").write(&chip).expect("write");
    let results = r
        .block_on(d.agent.print_orders_now(&ids(1), "op1"))
        .expect("print");
    assert_eq!(results.len(), 1, "{results:?}");
    assert_eq!(results[0].outcome, printed(&serial(2)));
    let blanks = r
        .block_on(d.agent.with_store(|s| Ok(s.card_blanks(Some("PO-0001"))?)))
        .expect("blanks");
    assert_eq!(blanks[0].serial, s1);
    assert_eq!(blanks[0].state, BlankState::Spoiled);
    assert!(
        blanks[0]
            .reason
            .as_deref()
            .is_some_and(|r| r.contains("before the printer took the card")),
        "{blanks:?}"
    );
    let cards = r.block_on(printed_cards(&d));
    assert_eq!(cards, [("PO-0001".to_string(), vec![serial(2)])]);
}

#[test]
fn with_no_blank_in_stock_nothing_is_printed_and_the_run_stops() {
    let d = desk(2, 0, |_, _| {});
    let results = rt()
        .block_on(d.agent.print_orders_now(&ids(2), "op1"))
        .expect("print");
    assert_eq!(
        results[0].outcome,
        PrintOutcome::NotPrinted {
            reason: "no blank cards in stock".into()
        }
    );
    assert!(
        matches!(&results[1].outcome, PrintOutcome::NotPrinted { reason } if reason.contains("run stopped"))
    );
    assert!(d.printer.lock().expect("p").printed().is_empty());
}

#[test]
fn a_card_left_printing_by_a_crash_is_completed_when_its_chip_holds_the_order_else_spoiled() {
    let d = desk(2, 5, |_, _| {});
    let r = rt();
    // A crash after the chip of order 1's card was written: its blank is still `printing`.
    let s1 = r
        .block_on(
            d.agent
                .with_store(|s| Ok(s.take_blank("PO-0001", "op1", 1)?)),
        )
        .expect("take")
        .expect("blank");
    let s1_ = s1.clone();
    let chip = chip_data(&order(1).print_order, &s1)
        .expect("chip")
        .encode()
        .expect("encode");
    d.encoder.lock().expect("e").write(&chip).expect("write");
    // ... and after the printer took its panels.
    r.block_on(
        d.agent
            .with_store(move |s| Ok(s.mark_blank_submitted(&s1_, 1)?)),
    )
    .expect("submitted");
    let recovered = r
        .block_on(d.agent.recover_interrupted_cards())
        .expect("recover");
    assert_eq!(recovered[0].outcome, printed(&s1));
    // A crash before the chip of order 2's card was written: its chip holds order 1's data.
    let s2 = r
        .block_on(
            d.agent
                .with_store(|s| Ok(s.take_blank("PO-0002", "op1", 2)?)),
        )
        .expect("take")
        .expect("blank");
    // Printing again resolves it first, spoiled, then prints order 2 on a new blank.
    let results = r
        .block_on(d.agent.print_orders_now(&ids(2), "op1"))
        .expect("print");
    assert!(
        matches!(&results[0].outcome, PrintOutcome::NotPrinted { reason } if reason.contains("printed"))
    );
    assert_eq!(results[1].outcome, printed(&serial(3)));
    let blanks = r
        .block_on(d.agent.with_store(|s| Ok(s.card_blanks(Some("PO-0002"))?)))
        .expect("blanks");
    assert_eq!(blanks[0].serial, s2);
    assert_eq!(blanks[0].state, BlankState::Spoiled);
    assert!(
        blanks[0]
            .reason
            .as_deref()
            .is_some_and(|r| r.starts_with("interrupted")),
        "{blanks:?}"
    );
    let cards = r.block_on(printed_cards(&d));
    assert!(cards.iter().all(|(_, c)| c.len() == 1), "{cards:?}");
    // Both reports are queued.
    let due = r
        .block_on(
            d.agent
                .with_store(|s| Ok(s.due_card_reports(i64::MAX, 10)?)),
        )
        .expect("due");
    assert_eq!(due.len(), 2);
}
