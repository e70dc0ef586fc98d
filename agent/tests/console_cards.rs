//! The card pages, driven in-process on a simulated printer and encoder: the print queue (print
//! one, a selection, a jam shown as a spoiled blank, a supervisor's reprint), the blank-card
//! stock (the receive form refused field by field, a batch received, the run-out alert on the
//! stock page and the home page), each for the roles allowed.

mod cards_support;
mod support;

use std::sync::{Arc, Mutex};

use axum::http::StatusCode;
use rekam_agent::config::Config;
use rekam_agent::console::{ConsoleState, router};
use rekam_agent::devices::{DeviceManager, shared_sim_encoder, shared_sim_printer, simulated_kit};
use rekam_agent::operators::Role;
use rekam_agent::service::Agent;
use rekam_agent::store::Store;
use rekam_protocol::model::FingerPosition;
use rekam_protocol::print_order::{Backdrop, CardText, ChipFinger, PrintOrder, SignedPrintOrder};
use rekam_protocol::{
    KeyId, RegistryPrivateKey, SignatureAlgorithm, Timestamp, WorkstationSigningKey,
};
use rekam_sim::devices::{PrinterConfig, SimCardPrinter};
use rekam_sim::encoder::SimCardEncoder;
use ring::rand::SystemRandom;
use support::{Browser, Console, PASSWORD};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// A console whose simulated printer the test holds (to jam it).
async fn console_with_printer() -> (Console, Arc<Mutex<SimCardPrinter>>) {
    let rng = SystemRandom::new();
    let (key, _) = WorkstationSigningKey::generate(SignatureAlgorithm::Ed25519, &rng).expect("key");
    let registry = RegistryPrivateKey::generate(&rng).expect("registry key");
    let mut config = Config::default();
    config.devices.realtime = false;
    let (f, c, p, i) = simulated_kit(5, false, false);
    let mut printer = PrinterConfig::evolis_like(9);
    printer.job_time = std::time::Duration::from_millis(20);
    let (printer_slot, handle) = shared_sim_printer(SimCardPrinter::new(printer));
    let (encoder_slot, _) = shared_sim_encoder(SimCardEncoder::new(9));
    let devices = DeviceManager::new(f, c, p, i, config.capture_timeout())
        .with_printer(printer_slot)
        .with_encoder(encoder_slot);
    let mut store = Store::in_memory().expect("store");
    for (id, name, role) in [
        ("op", "Siti Operator", Role::Operator),
        ("spv", "Budi Supervisor", Role::Supervisor),
    ] {
        store
            .add_operator("test", id, name, role, PASSWORD, 0)
            .expect("add operator");
    }
    let agent = Arc::new(Agent::new(
        config,
        store,
        devices,
        key,
        *registry.public_key(),
    ));
    let state = ConsoleState::new(agent.clone());
    let app = router(state.clone());
    (Console { agent, state, app }, handle)
}

/// A small signature, a real PNG (the card renderer decodes it).
fn signature_png() -> Vec<u8> {
    let (w, h) = (60u32, 20u32);
    let pixels: Vec<u8> = (0..w * h)
        .map(|i| if (i % w) / 3 == i / w { 0 } else { 255 })
        .collect();
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, w, h);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().expect("png header");
    writer.write_image_data(&pixels).expect("png data");
    writer.finish().expect("png");
    out
}

/// An order as the store keeps it (the store holds what it is given; the signature is the
/// fetch loop's to verify, so a placeholder does here), with a real JPEG photo to print.
fn order(n: u8, name: &str, nik: &str) -> SignedPrintOrder {
    let text = |s: &str| s.to_string();
    let photo = rekam_sim::faces::generate(u64::from(n), 0)
        .expect("face")
        .jpeg;
    SignedPrintOrder {
        print_order: PrintOrder {
            order_id: format!("PO-{n}"),
            registry_id: text("REG-SIM"),
            office: text("3171-01"),
            enrollment_id: format!("enr-{n}"),
            packet_id: format!("{n:02x}").repeat(32),
            issued_at: Timestamp::from_unix_ms(1_780_000_000_000),
            card: CardText {
                province: text("DKI JAKARTA"),
                regency: text("KOTA JAKARTA PUSAT"),
                nik: text(nik),
                name: text(name),
                place_of_birth: text("JAKARTA"),
                date_of_birth: text("15-08-1990"),
                sex: text("LAKI-LAKI"),
                blood_type: text("O"),
                address: text("JL. CEMPAKA PUTIH RAYA NO. 12"),
                rt_rw: text("003/007"),
                village: text("CEMPAKA PUTIH TIMUR"),
                district: text("CEMPAKA PUTIH"),
                religion: text("ISLAM"),
                marital_status: text("BELUM KAWIN"),
                occupation: text("KARYAWAN SWASTA"),
                citizenship: text("WNI"),
                valid_until: text("SEUMUR HIDUP"),
                issue_place: text("KOTA JAKARTA PUSAT"),
                issue_date: text("03-12-2026"),
            },
            backdrop: Backdrop::Blue,
            photo: STANDARD.encode(photo),
            signature: STANDARD.encode(signature_png()),
            chip_fingers: [
                ChipFinger {
                    position: FingerPosition::RIGHT_INDEX,
                    template: STANDARD.encode(cards_support::empty_template(2)),
                },
                ChipFinger {
                    position: FingerPosition::LEFT_INDEX,
                    template: STANDARD.encode(cards_support::empty_template(7)),
                },
            ],
        },
        key_id: KeyId([7; 16]),
        signature: text("c2ln"),
    }
}

async fn put_orders(c: &Console, orders: Vec<SignedPrintOrder>) {
    // Valid in every way but the placeholder signature, as printing checks them.
    for o in &orders {
        o.print_order.validate().expect("a valid order");
    }
    let now = (c.agent.clock)();
    c.agent
        .with_store(move |s| {
            for o in &orders {
                s.put_print_order(o, now)?;
            }
            Ok(())
        })
        .await
        .expect("orders");
}

async fn signed_in(c: &Console, id: &str) -> Browser {
    let mut b = Browser::default();
    b.sign_in(&c.app, id).await;
    b
}

fn screen(body: &str) -> &str {
    let at = body.find("data-screen=\"").expect("data-screen") + 13;
    let rest = &body[at..];
    &rest[..rest.find('"').expect("closing quote")]
}

async fn receive(b: &mut Browser, c: &Console, batch: &str, first: &str, last: &str) -> StatusCode {
    b.get(&c.app, "/cards/stock").await;
    let p = b
        .post(
            &c.app,
            "/cards/stock/receive",
            &[
                ("batch_id", batch),
                ("prefix", "KTP-T-"),
                ("first", first),
                ("last", last),
            ],
        )
        .await;
    p.status
}

#[tokio::test]
async fn a_refused_receive_form_names_each_field_and_a_batch_received_is_in_stock() {
    let (c, _) = console_with_printer().await;
    let mut b = signed_in(&c, "op").await;
    let p = b.get(&c.app, "/cards/stock").await;
    assert_eq!(p.status, StatusCode::OK);
    assert_eq!(screen(&p.body), "cards-stock");
    // Nothing received yet: the stock is empty, and that is the alert.
    assert!(p.body.contains("data-banner=\"stock-alert\""), "{}", p.body);
    let p = b
        .post(
            &c.app,
            "/cards/stock/receive",
            &[
                ("batch_id", ""),
                ("prefix", "ktp"),
                ("first", "20"),
                ("last", "x"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    for field in ["#batch_id", "#prefix", "#last"] {
        assert!(
            p.body.contains(&format!("href=\"{field}\"")),
            "{field} in the summary"
        );
    }
    assert!(!p.body.contains("href=\"#first\""));
    // What was typed is kept.
    assert!(p.body.contains("value=\"ktp\""));

    let p = b
        .post(
            &c.app,
            "/cards/stock/receive",
            &[
                ("batch_id", "BA-1"),
                ("prefix", "KTP-T-"),
                ("first", "1"),
                ("last", "1000"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let p = b
        .get(&c.app, p.location.as_deref().expect("location"))
        .await;
    assert!(
        p.body.contains("Kiriman BA-1 diterima: 1000 blangko."),
        "{}",
        p.body
    );
    assert!(p.body.contains("KTP-T-000001 – KTP-T-001000"));
    assert!(!p.body.contains("data-banner=\"stock-alert\""));

    // A range overlapping the batch already received is refused on the first number.
    assert_eq!(
        receive(&mut b, &c, "BA-2", "900", "1100").await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
}

#[tokio::test]
async fn one_card_and_a_selection_print_on_blanks_in_order_and_a_jam_spoils_a_blank() {
    let (c, printer) = console_with_printer().await;
    put_orders(
        &c,
        vec![
            order(1, "AGUS PRASETYO", "3171011508900001"),
            order(2, "DEWI LESTARI", "3171014203950002"),
            order(3, "RINA WATI", "3171014203950003"),
        ],
    )
    .await;
    let mut b = signed_in(&c, "op").await;
    assert_eq!(
        receive(&mut b, &c, "BA-1", "1", "10").await,
        StatusCode::SEE_OTHER
    );
    let p = b.get(&c.app, "/cards").await;
    assert_eq!(screen(&p.body), "cards-queue");
    assert!(p.body.contains("Menunggu cetak (3)"));
    // Lists show the NIK's last digits only.
    assert!(p.body.contains("berakhiran 0001"));
    assert!(!p.body.contains("3171011508900001"));
    assert!(
        p.body
            .contains("Printer kartu: <span class=\"tag ok\">Siap</span>")
    );

    // Nothing ticked: refused, linked to the first box.
    let p = b.post(&c.app, "/cards/print", &[]).await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.body.contains("href=\"#order-PO-1\""));

    // One card by its own button (the boxes ticked do not matter then).
    let p = b
        .post(
            &c.app,
            "/cards/print",
            &[("order", "PO-2"), ("one", "PO-1")],
        )
        .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    assert_eq!(screen(&p.body), "cards-result");
    assert!(
        p.body.contains("Tercetak pada blangko KTP-T-000001"),
        "{}",
        p.body
    );
    assert!(p.body.contains("1 dari 1 kartu tercetak."));

    // A jam on the next card: its blank is spoiled, and the card stays in the queue.
    printer.lock().expect("printer").jam_next_card();
    b.get(&c.app, "/cards").await;
    let p = b
        .post(
            &c.app,
            "/cards/print",
            &[("order", "PO-3"), ("order", "PO-2")],
        )
        .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    assert!(
        p.body.contains("Rusak pada blangko KTP-T-000002"),
        "{}",
        p.body
    );
    // In the queue's order: DEWI (PO-2) before RINA (PO-3), whatever order the boxes came in.
    let dewi = p.body.find("DEWI LESTARI").expect("dewi");
    let rina = p.body.find("RINA WATI").expect("rina");
    assert!(dewi < rina);

    let p = b.get(&c.app, "/cards").await;
    assert!(
        p.body.contains("KTP-T-000001"),
        "the printed card is listed"
    );
    // An operator does not reprint.
    assert!(
        p.body
            .contains("Hanya supervisor yang dapat mencetak ulang kartu.")
    );
    let p = b.get(&c.app, "/cards/PO-1/reprint").await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    let stock = c.agent.card_stock().expect("stock");
    assert_eq!(
        stock.printed_today + stock.spoiled_today,
        10 - stock.in_stock
    );
}

#[tokio::test]
async fn a_supervisor_reprints_a_card_with_a_reason_on_a_new_blank() {
    let (c, _) = console_with_printer().await;
    put_orders(&c, vec![order(1, "AGUS PRASETYO", "3171011508900001")]).await;
    let mut b = signed_in(&c, "spv").await;
    assert_eq!(
        receive(&mut b, &c, "BA-1", "1", "5").await,
        StatusCode::SEE_OTHER
    );
    b.get(&c.app, "/cards").await;
    let p = b.post(&c.app, "/cards/print", &[("one", "PO-1")]).await;
    assert!(p.body.contains("KTP-T-000001"), "{}", p.body);
    let p = b.get(&c.app, "/cards/PO-1/reprint").await;
    assert_eq!(screen(&p.body), "cards-reprint");
    let p = b
        .post(&c.app, "/cards/PO-1/reprint", &[("reason", "  ")])
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.body.contains("href=\"#reason\""));
    let p = b
        .post(
            &c.app,
            "/cards/PO-1/reprint",
            &[("reason", "foto tergores")],
        )
        .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    assert!(
        p.body.contains("Dicetak ulang pada blangko KTP-T-000002"),
        "{}",
        p.body
    );
}

#[tokio::test]
async fn the_run_out_alert_shows_on_the_home_page_when_the_last_blank_is_used() {
    let (c, _) = console_with_printer().await;
    put_orders(&c, vec![order(1, "AGUS PRASETYO", "3171011508900001")]).await;
    let mut b = signed_in(&c, "op").await;
    assert_eq!(
        receive(&mut b, &c, "BA-1", "7", "7").await,
        StatusCode::SEE_OTHER
    );
    let p = b.get(&c.app, "/").await;
    assert!(
        !p.body.contains("data-banner=\"stock-alert\""),
        "{}",
        p.body
    );
    b.get(&c.app, "/cards").await;
    b.post(&c.app, "/cards/print", &[("one", "PO-1")]).await;
    let p = b.get(&c.app, "/").await;
    assert!(p.body.contains("data-banner=\"stock-alert\""), "{}", p.body);
    assert!(p.body.contains("Stok blangko habis."));
    assert!(p.body.contains("href=\"/cards/stock\""));
}

#[tokio::test]
async fn pickup_finds_the_card_by_nik_and_a_supervisor_approves_only_after_a_finger_was_tried() {
    let (c, _) = console_with_printer().await;
    put_orders(&c, vec![order(1, "AGUS PRASETYO", "3171011508900001")]).await;
    let mut b = signed_in(&c, "op").await;
    let p = b.get(&c.app, "/cards/pickup").await;
    assert_eq!(screen(&p.body), "cards-pickup");
    let p = b.post(&c.app, "/cards/pickup", &[("q", " ")]).await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.body.contains("href=\"#q\""));
    let p = b
        .post(&c.app, "/cards/pickup", &[("q", "3171014203950002")])
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        p.body.contains("Tidak ada kartu untuk 3171014203950002"),
        "{}",
        p.body
    );

    let p = b
        .post(&c.app, "/cards/pickup", &[("q", "3171011508900001")])
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    assert_eq!(p.location.as_deref(), Some("/cards/pickup/PO-1"));
    let p = b.get(&c.app, "/cards/pickup/PO-1").await;
    assert_eq!(screen(&p.body), "cards-pickup-order");
    // Not printed yet: no finger is taken.
    assert!(p.body.contains("Kartu ini belum dicetak."));
    assert!(!p.body.contains("/cards/pickup/PO-1/verify"));
    let photo = b.get(&c.app, "/cards/pickup/PO-1/photo.jpg").await;
    assert_eq!(photo.status, StatusCode::OK);

    assert_eq!(
        receive(&mut b, &c, "BA-1", "1", "5").await,
        StatusCode::SEE_OTHER
    );
    b.get(&c.app, "/cards").await;
    b.post(&c.app, "/cards/print", &[("one", "PO-1")]).await;
    let p = b.get(&c.app, "/cards/pickup/PO-1").await;
    assert!(p.body.contains("action=\"/cards/pickup/PO-1/verify\""));
    // The full NIK on the card being handed over, and both chip fingers to choose from.
    assert!(p.body.contains("3171011508900001"));
    assert!(p.body.contains("telunjuk kanan") && p.body.contains("telunjuk kiri"));
    // No finger tried yet: no approval offered.
    assert!(!p.body.contains("/cards/pickup/PO-1/approval"));

    let p = b.get(&c.app, "/cards/pickup/PO-1/approval").await;
    assert_eq!(screen(&p.body), "cards-pickup-approval");
    assert!(p.body.contains("src=\"/preview/face.mjpg\""));
    let p = b
        .post(
            &c.app,
            "/cards/pickup/PO-1/approval",
            &[("supervisor_id", "op")],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    for field in ["#supervisor_id", "#password", "#note"] {
        assert!(p.body.contains(&format!("href=\"{field}\"")), "{field}");
    }
    // A wrong password counts against the supervisor's lockout and is said beside the id.
    let p = b
        .post(
            &c.app,
            "/cards/pickup/PO-1/approval",
            &[
                ("supervisor_id", "spv"),
                ("password", "salah"),
                ("note", "foto sama"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        p.body.contains("ID operator atau kata sandi salah"),
        "{}",
        p.body
    );
    assert!(p.body.contains("foto sama"), "the note is kept");
    // The right password, but no finger was tried: the service refuses, nothing handed over.
    let p = b
        .post(
            &c.app,
            "/cards/pickup/PO-1/approval",
            &[
                ("supervisor_id", "spv"),
                ("password", PASSWORD),
                ("note", "foto sama"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.body);
    let o = c
        .agent
        .with_store(|s| Ok(s.print_order("PO-1")?))
        .await
        .expect("order")
        .expect("held");
    assert_eq!(o.state, rekam_agent::store::OrderState::Printed);
}
