//! Card issuance end to end, on loopback: a resident is enrolled on the agent's simulated
//! devices, the packet is delivered to the registry simulator, the registry issues a print order
//! with the chip fingers' templates taken from the packet, the agent fetches and verifies it,
//! prints it on the simulated printer and encoder (a blank consumed from the stock), and at
//! pickup a stranger's finger is refused (audited) while the resident's own hands the card over.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rekam_agent::commands::keys;
use rekam_agent::config::Config;
use rekam_agent::office::pickup::{PickupPerson, PickupVerdict};
use rekam_agent::office::printing::PrintOutcome;
use rekam_agent::serve::{self, Running};
use rekam_agent::service::StartRequest;
use rekam_agent::store::cards::OrderState;
use rekam_agent::workflow::Eye;
use rekam_protocol::model::FingerPosition;
use rekam_sim::registry::Registry;
use rekam_sim::sample::{self, SampleOptions};
use serde_json::{Value, json};
use tokio::net::TcpListener;

mod identity;

/// Keys for a registry (REG-T) and a workstation (WS-T1) it trusts, under a temporary root.
fn site() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().to_path_buf();
    keys::registry_new(&root.join("registry"), Some("REG-T"), &mut std::io::sink())
        .expect("registry keys");
    keys::workstation_new(
        &root.join("ws"),
        Some("WS-T1"),
        "ed25519",
        &mut std::io::sink(),
    )
    .expect("ws key");
    (dir, root)
}

/// The registry simulator as `rekam sim registry` runs it (card media from the quality
/// extractor), issuing print orders at once.
async fn start_registry(root: &Path) -> String {
    let reg = root.join("registry");
    let config = rekam_agent::commands::serve::registry_config(
        &rekam_agent::commands::serve::RegistryArgs {
            listen: ([127, 0, 0, 1], 0).into(),
            registry_key: reg.join("registry.key"),
            receipt_key: None,
            trust: vec![root.join("ws/workstation.pub")],
            id: None,
            unavailable_rate: 0.0,
            tls: None,
            print_delay_ms: Some(0),
        },
    )
    .expect("registry configuration");
    let registry = Registry::new(config);
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(rekam_sim::registry::run(
        listener,
        registry,
        std::future::pending(),
    ));
    format!("http://{addr}")
}

/// The agent, delivering to and fetching orders from `url`.
async fn start_agent(root: &Path, data: &Path, url: &str) -> Running {
    std::fs::create_dir_all(data.join("keys")).expect("mkdir");
    for (from, to) in [
        (root.join("ws/workstation.key"), "workstation.key"),
        (root.join("registry/registry.pub"), "registry.pub"),
        (root.join("registry/receipt.pub"), "receipt.pub"),
    ] {
        std::fs::copy(from, data.join("keys").join(to)).expect("copy key");
    }
    let mut c = Config::default();
    c.agent.data_dir = data.to_path_buf();
    c.agent.workstation_id = "WS-T1".into();
    c.registry.url = url.into();
    c.devices.realtime = false;
    c.devices.watch_interval_ms = 0;
    c.uploader.initial_backoff_ms = 10;
    c.uploader.max_backoff_ms = 80;
    c.uploader.poll_ms = 20;
    c.cards.fetch_interval_s = 1;
    serve::start(c, TcpListener::bind("127.0.0.1:0").await.expect("bind"))
        .await
        .expect("agent starts")
}

/// Records a whole enrollment on the agent's simulated devices and finalizes it; its id.
async fn enroll(r: &Running) -> (String, String) {
    let a = &r.agent;
    let op = identity::operator();
    let e = sample::enrollment(&SampleOptions::tiny(3, "WS-T1", 0));
    let nik = e.applicant.nik.to_string();
    let s = a
        .start(
            &op,
            serde_json::from_value::<StartRequest>(json!({ "applicant": e.applicant }))
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
    for p in 1..=10u8 {
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
    a.finalize(&op, &id).await.expect("finalize");
    (id, nik)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_enrolled_resident_collects_the_printed_card_and_a_stranger_does_not() {
    let (_dir, root) = site();
    let url = start_registry(&root).await;
    let data = root.join("agent");
    let r = start_agent(&root, &data, &url).await;
    let a = r.agent.clone();
    a.receive_blanks("B-2026-01", "KTP-2026A-", 1, 10, identity::OPERATOR)
        .expect("blanks received");
    let before = a.card_stock().expect("stock").in_stock;

    let (enrollment, nik) = enroll(&r).await;

    // Delivered, then the registry's order is fetched, verified and kept.
    let mut order = None;
    for _ in 0..600 {
        let n = nik.clone();
        order = a
            .with_store(move |s| Ok(s.print_order_by_nik(&n)?))
            .await
            .expect("store");
        if order.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let order = order.expect("the print order arrived");
    assert_eq!(order.enrollment_id, enrollment);
    assert_eq!(order.state, OrderState::Waiting);

    let printed = a
        .print_orders_now(std::slice::from_ref(&order.order_id), identity::OPERATOR)
        .await
        .expect("print");
    assert!(
        matches!(printed[0].outcome, PrintOutcome::Printed { .. }),
        "{:?}",
        printed[0].outcome
    );
    assert_eq!(a.card_stock().expect("stock").in_stock, before - 1);

    // The slip's QR finds it; a stranger's finger is refused, the resident's hands it over.
    let found = a.pickup_find(&enrollment).expect("found by the slip's QR");
    assert_eq!(found.order.order_id, order.order_id);
    a.simulated_pickup.set(PickupPerson::Stranger);
    let v = a
        .pickup_verify(&order.order_id, identity::OPERATOR)
        .await
        .expect("stranger tried");
    assert!(matches!(v, PickupVerdict::Refused { .. }), "{v:?}");
    a.simulated_pickup.set(PickupPerson::Resident);
    let v = a
        .pickup_verify(&order.order_id, identity::OPERATOR)
        .await
        .expect("resident tried");
    assert!(matches!(v, PickupVerdict::HandedOver { .. }), "{v:?}");
    let id = order.order_id.clone();
    let (state, actions) = a
        .with_store(move |s| {
            let state = s.print_order(&id)?.expect("order").state;
            let actions: Vec<String> = s
                .raw_connection()
                .prepare("SELECT action FROM audit WHERE subject = ?1 ORDER BY seq")
                .expect("prepare")
                .query_map([&id], |r| r.get(0))
                .expect("query")
                .collect::<Result<_, _>>()
                .expect("rows");
            Ok((state, actions))
        })
        .await
        .expect("store");
    assert_eq!(state, OrderState::Collected);
    let pickups: Vec<&String> = actions
        .iter()
        .filter(|a| a.as_str() == "card.pickup_refused" || a.as_str() == "card.handed_over")
        .collect();
    assert_eq!(pickups, ["card.pickup_refused", "card.handed_over"]);
    r.shutdown().await.expect("shutdown");
}
