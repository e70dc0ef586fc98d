//! Print orders between the registry simulator and a running agent: orders for enrollments this
//! workstation delivered are fetched and kept once; orders with a bad signature, for another
//! office, for an enrollment it did not deliver or with another NIK are refused with the reason
//! and audited; a card-printed report is acknowledged once, across a restart.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::RawQuery;
use axum::routing::get;
use rekam_agent::commands::keys;
use rekam_agent::config::Config;
use rekam_agent::office::orders::{OrdersClient, fetch_once};
use rekam_agent::office::reports::{Delivery, ReportsClient};
use rekam_agent::serve::{self, Running};
use rekam_agent::store::OutboxState;
use rekam_protocol::iso19794_2::{self, FingerView, MinutiaeRecord};
use rekam_protocol::model::{FaceCapture, FingerCapture, FingerPosition};
use rekam_protocol::packet;
use rekam_protocol::print_order::{CardPrinted, SignedCardPrinted, SignedPrintOrder};
use rekam_protocol::receipt::TrustedRegistry;
use rekam_protocol::{Timestamp, WorkstationSigningKey};
use rekam_sim::registry::{CardMedia, Registry};
use rekam_sim::sample::{self, SampleOptions};
use rekam_sim::synth::Rgb;
use ring::rand::SystemRandom;
use serde_json::Value;
use tokio::net::TcpListener;

const OFFICE: &str = "3171-CPT";

/// Valid templates and a photo without minutiae extraction, so tiny sample enrollments get
/// orders (the real extractor is `office::registry_media`, tested in the card flow).
struct FixedMedia;

impl CardMedia for FixedMedia {
    fn template(&self, position: FingerPosition, _: &FingerCapture) -> Result<Vec<u8>, String> {
        Ok(iso19794_2::encode(&MinutiaeRecord {
            width: 24,
            height: 24,
            x_ppcm: 197,
            y_ppcm: 197,
            views: vec![FingerView {
                position: position.code(),
                ..FingerView::default()
            }],
        }))
    }

    fn card_photo(&self, _: &FaceCapture) -> Result<Vec<u8>, String> {
        Ok(sample::jpeg_rgb(&Rgb {
            width: 30,
            height: 40,
            pixels: vec![150; 30 * 40 * 3],
        }))
    }
}

struct Site {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

fn site() -> Site {
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
    Site { _dir: dir, root }
}

async fn start_registry(site: &Site) -> (Registry, String) {
    let reg = &site.root.join("registry");
    let mut config = rekam_agent::commands::serve::registry_config(
        &rekam_agent::commands::serve::RegistryArgs {
            listen: ([127, 0, 0, 1], 0).into(),
            registry_key: reg.join("registry.key"),
            receipt_key: None,
            trust: vec![site.root.join("ws/workstation.pub")],
            id: None,
            unavailable_rate: 0.0,
            print_delay_ms: Some(0),
            tls: None,
        },
    )
    .expect("registry configuration");
    config.card_media = Some(Arc::new(FixedMedia));
    let registry = Registry::new(config);
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(rekam_sim::registry::run(
        listener,
        registry.clone(),
        std::future::pending(),
    ));
    (registry, format!("http://{addr}"))
}

async fn start_agent(site: &Site, data: &Path, url: &str) -> Running {
    std::fs::create_dir_all(data.join("keys")).expect("mkdir");
    for (from, to) in [
        ("ws/workstation.key", "workstation.key"),
        ("registry/registry.pub", "registry.pub"),
        ("registry/receipt.pub", "receipt.pub"),
    ] {
        let dest = data.join("keys").join(to);
        if !dest.exists() {
            std::fs::copy(site.root.join(from), dest).expect("copy key");
        }
    }
    let mut c = Config::default();
    c.agent.data_dir = data.to_path_buf();
    c.agent.workstation_id = "WS-T1".into();
    c.agent.site_code = OFFICE.into();
    c.registry.url = url.into();
    c.devices.realtime = false;
    c.uploader.initial_backoff_ms = 10;
    c.uploader.max_backoff_ms = 80;
    c.uploader.poll_ms = 20;
    // Only a delivery makes the agent fetch in these tests.
    c.cards.fetch_interval_s = 3600;
    serve::start(c, TcpListener::bind("127.0.0.1:0").await.expect("bind"))
        .await
        .expect("agent starts")
}

fn ws_key(site: &Site) -> WorkstationSigningKey {
    keys::load_workstation_key(&site.root.join("ws/workstation.key")).expect("key")
}

fn receipt_key(site: &Site) -> WorkstationSigningKey {
    keys::load_workstation_key(&site.root.join("registry/receipt.key")).expect("key")
}

fn trusted(registry: &Registry) -> TrustedRegistry {
    registry.trusted()
}

/// A sealed sample enrollment of office 3171-CPT: (packet id, bytes, enrollment id, NIK).
fn sealed(site: &Site, seed: u64) -> (String, Vec<u8>, String, String) {
    let registry_pub = rekam_protocol::RegistryPublicKey::parse_text(
        &std::fs::read_to_string(site.root.join("registry/registry.pub")).expect("pub"),
    )
    .expect("registry pub");
    let mut e = sample::enrollment(&SampleOptions::tiny(seed, "WS-T1", 1_790_000_000_000));
    let p = packet::seal(
        &mut e,
        &ws_key(site),
        &registry_pub,
        [seed as u8; 32],
        &SystemRandom::new(),
    )
    .expect("seal");
    (
        p.id.to_string(),
        p.bytes,
        e.id.to_string(),
        e.applicant.nik.to_string(),
    )
}

/// Queues a sample enrollment as finalized here with `nik` recorded, and waits until delivered.
async fn deliver(site: &Site, agent: &Running, seed: u64, nik: Option<&str>) -> (String, String) {
    let (id, bytes, eid, real_nik) = sealed(site, seed);
    let nik = nik.map_or(real_nik, str::to_string);
    let (k, e) = (id.clone(), eid.clone());
    agent
        .agent
        .with_store(move |s| {
            s.queue_imported(&k, &e, &bytes, 0)?;
            s.record_enrollment_nik(&e, &nik)?;
            Ok(())
        })
        .await
        .expect("queue");
    agent.agent.upload_wake.notify_one();
    for _ in 0..500 {
        let k = id.clone();
        let state = agent
            .agent
            .with_store(move |s| Ok(s.outbox().get(&k)?))
            .await
            .expect("get")
            .map(|d| d.state);
        if state == Some(OutboxState::Delivered) {
            return (id.clone(), format!("PO-{}", &id[..16]));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("packet not delivered after 10 s");
}

/// Audit entries with `action`: (subject, detail).
async fn audited(agent: &Running, action: &str) -> Vec<(String, Value)> {
    let action = action.to_string();
    agent
        .agent
        .with_store(move |s| {
            let mut stmt = s
                .raw_connection()
                .prepare("SELECT subject, detail FROM audit WHERE action = ?1 ORDER BY seq")
                .map_err(rekam_agent::store::StoreError::from)?;
            let rows = stmt
                .query_map([action], |r| Ok((r.get(0)?, r.get::<_, String>(1)?)))
                .map_err(rekam_agent::store::StoreError::from)?
                .collect::<Result<Vec<(String, String)>, _>>()
                .map_err(rekam_agent::store::StoreError::from)?;
            Ok(rows
                .into_iter()
                .map(|(s, d)| (s, serde_json::from_str(&d).unwrap_or(Value::Null)))
                .collect())
        })
        .await
        .expect("audit")
}

async fn held(agent: &Running, order_id: &str) -> bool {
    let id = order_id.to_string();
    agent
        .agent
        .with_store(move |s| Ok(s.print_order(&id)?.is_some()))
        .await
        .expect("store")
}

async fn wait_for<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    for _ in 0..500 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{what}: not within 10 s");
}

/// A registry stand-in serving exactly `orders` (then an empty page).
async fn fake_registry(orders: Vec<SignedPrintOrder>) -> String {
    let body: Value = serde_json::json!({
        "print_orders": orders
            .iter()
            .map(|o| serde_json::from_slice::<Value>(&o.to_json()).expect("json"))
            .collect::<Vec<_>>()
    });
    let app = axum::Router::new().route(
        "/v1/offices/{office}/print-orders",
        get(move |RawQuery(q): RawQuery| {
            let body = body.clone();
            async move {
                if q.is_some() {
                    axum::Json(serde_json::json!({ "print_orders": [] }))
                } else {
                    axum::Json(body)
                }
            }
        }),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

fn client(url: &str, registry: &Registry) -> OrdersClient {
    OrdersClient::new(url, None, trusted(registry), Duration::from_secs(5)).expect("client")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_for_a_delivered_enrollment_is_kept_once_even_when_served_twice() {
    let site = site();
    let (registry, url) = start_registry(&site).await;
    let agent = start_agent(&site, &site.root.join("agent"), &url).await;
    let (_, order_id) = deliver(&site, &agent, 1, None).await;
    wait_for("the order fetched after the delivery", || {
        held(&agent, &order_id)
    })
    .await;
    // The registry serves it until its card is reported printed: fetched again, nothing new.
    let c = client(&url, &registry);
    for _ in 0..2 {
        let f = fetch_once(&agent.agent, &c).await.expect("fetch");
        assert!(f.accepted.is_empty() && f.refused.is_empty(), "{f:?}");
    }
    let received = audited(&agent, "print_order.received").await;
    assert_eq!(received.len(), 1, "{received:?}");
    assert_eq!(received[0].0, order_id);
    assert!(audited(&agent, "print_order.refused").await.is_empty());
    agent.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_whose_nik_is_not_the_one_recorded_at_finalize_is_refused_with_the_reason() {
    let site = site();
    let (_registry, url) = start_registry(&site).await;
    let agent = start_agent(&site, &site.root.join("agent"), &url).await;
    let (_, order_id) = deliver(&site, &agent, 2, Some("3171010101900001")).await;
    wait_for("the refusal", || async {
        !audited(&agent, "print_order.refused").await.is_empty()
    })
    .await;
    let refused = audited(&agent, "print_order.refused").await;
    assert_eq!(refused[0].0, order_id);
    assert_eq!(refused[0].1["code"], "unknown_nik");
    let reason = refused[0].1["reason"].as_str().expect("reason");
    assert!(reason.contains("3171010101900001"), "{reason}");
    assert!(!held(&agent, &order_id).await, "not kept");
    agent.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_with_a_bad_signature_another_office_or_an_enrollment_not_delivered_are_refused() {
    let site = site();
    let (registry, url) = start_registry(&site).await;
    let agent = start_agent(&site, &site.root.join("agent"), &url).await;
    let (_, order_id) = deliver(&site, &agent, 3, None).await;
    wait_for("the good order", || held(&agent, &order_id)).await;
    let good = registry.print_order(&order_id).expect("issued");
    let rng = SystemRandom::new();
    // Altered after signing.
    let mut forged = good.clone();
    forged.print_order.order_id = "PO-forged".into();
    // Signed by the registry, for another office.
    let mut other_office = good.print_order.clone();
    other_office.order_id = "PO-other-office".into();
    other_office.office = "3273-BDG".into();
    let other_office = other_office.sign(&receipt_key(&site), &rng).expect("sign");
    // Signed by the registry, for a packet this workstation never delivered.
    let mut not_ours = good.print_order.clone();
    not_ours.order_id = "PO-not-ours".into();
    not_ours.packet_id = "ab".repeat(32);
    let not_ours = not_ours.sign(&receipt_key(&site), &rng).expect("sign");
    let fake = fake_registry(vec![forged, other_office, not_ours]).await;
    let c = client(&fake, &registry);
    let f = fetch_once(&agent.agent, &c).await.expect("fetch");
    assert_eq!(
        f.refused,
        [
            ("PO-forged".to_string(), "bad_signature"),
            ("PO-other-office".to_string(), "another_office"),
            ("PO-not-ours".to_string(), "unknown_enrollment"),
        ]
    );
    let refused = audited(&agent, "print_order.refused").await;
    let reason = |id: &str| {
        refused
            .iter()
            .find(|(s, _)| s == id)
            .and_then(|(_, d)| d["reason"].as_str().map(str::to_string))
            .expect("audited with a reason")
    };
    assert!(reason("PO-forged").contains("signature"));
    assert!(reason("PO-other-office").contains("3273-BDG"));
    assert!(reason("PO-not-ours").contains("not delivered"));
    for id in ["PO-forged", "PO-other-office", "PO-not-ours"] {
        assert!(!held(&agent, id).await, "{id} not kept");
    }
    // Remembered: served again, they are not judged (nor audited) again.
    let again = fetch_once(&agent.agent, &c).await.expect("fetch");
    assert!(again.refused.is_empty(), "{again:?}");
    assert_eq!(audited(&agent, "print_order.refused").await.len(), 3);
    agent.shutdown().await.expect("shutdown");
}

async fn report_state(agent: &Running, order_id: &str) -> Option<(String, u32, Option<String>)> {
    let id = order_id.to_string();
    agent
        .agent
        .with_store(move |s| Ok(s.card_report_state(&id)?))
        .await
        .expect("store")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_card_printed_report_whose_answer_was_lost_is_acknowledged_once_after_a_restart() {
    let site = site();
    let (registry, url) = start_registry(&site).await;
    // The registry accepted the packet and issued its order.
    let (packet_id, bytes, _, _) = sealed(&site, 4);
    let now = Timestamp::from_unix_ms(rekam_agent::service::system_ms());
    assert_eq!(
        registry.receive(&packet_id, &bytes, now).status,
        axum::http::StatusCode::CREATED
    );
    let order_id = format!("PO-{}", &packet_id[..16]);
    let order = registry.print_order(&order_id).expect("issued");
    // The office holds it and prints it while the registry is out of reach.
    let data = site.root.join("agent");
    let agent = start_agent(&site, &data, "http://127.0.0.1:9").await;
    agent
        .agent
        .with_store(move |s| Ok(s.put_print_order(&order, 0)?))
        .await
        .expect("order");
    agent
        .agent
        .receive_blanks("B-1", "KTP-2026A-", 1, 10, "op1")
        .expect("blanks");
    let printed = agent
        .agent
        .print_orders_now(std::slice::from_ref(&order_id), "op1")
        .await
        .expect("print");
    assert!(
        matches!(
            &printed[0].outcome,
            rekam_agent::office::printing::PrintOutcome::Printed { .. }
        ),
        "{printed:?}"
    );
    wait_for("a failed delivery attempt", || async {
        report_state(&agent, &order_id)
            .await
            .is_some_and(|(_, n, _)| n > 0)
    })
    .await;
    // The report reaches the registry but its answer is lost (the agent stops before settling).
    let report = agent
        .agent
        .with_store(move |s| Ok(s.due_card_reports(i64::MAX, 10)?))
        .await
        .expect("reports")
        .remove(0)
        .1;
    let reports =
        ReportsClient::new(&url, None, trusted(&registry), Duration::from_secs(5)).expect("client");
    let Delivery::Acknowledged(first_ack) = reports.send(&order_id, &report).await else {
        panic!("the registry acknowledges the first report");
    };
    agent.shutdown().await.expect("shutdown");
    // After the restart the report goes again and gets the same acknowledgement.
    let agent = start_agent(&site, &data, &url).await;
    wait_for("the acknowledgement", || async {
        report_state(&agent, &order_id)
            .await
            .is_some_and(|(s, _, _)| s == "acknowledged")
    })
    .await;
    let stored: Vec<u8> = agent
        .agent
        .with_store({
            let id = order_id.clone();
            move |s| {
                Ok(s.raw_connection()
                    .query_row(
                        "SELECT ack FROM card_reports WHERE order_id = ?1",
                        [id],
                        |r| r.get(0),
                    )
                    .map_err(rekam_agent::store::StoreError::from)?)
            }
        })
        .await
        .expect("ack");
    assert_eq!(stored, first_ack);
    assert_eq!(registry.stats().cards_printed, 1);
    // A second card reported for the order is refused for good with the registry's signature.
    let mut second = SignedCardPrinted::parse(&report)
        .expect("report")
        .card_printed;
    second.card_serial = "KTP-2026A-000009".into();
    let second: CardPrinted = second;
    let signed = second
        .sign(&ws_key(&site), &SystemRandom::new())
        .expect("sign");
    match reports.send(&order_id, &signed.to_json()).await {
        Delivery::Refused { reason, .. } => {
            assert!(reason.contains("already_printed"), "{reason}")
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    agent.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_the_registry_refuses_as_already_printed_is_kept_refused_with_the_reason() {
    let site = site();
    let (registry, url) = start_registry(&site).await;
    let (packet_id, bytes, _, _) = sealed(&site, 5);
    let now = Timestamp::from_unix_ms(rekam_agent::service::system_ms());
    registry.receive(&packet_id, &bytes, now);
    let order_id = format!("PO-{}", &packet_id[..16]);
    let order = registry.print_order(&order_id).expect("issued");
    let o = order.print_order.clone();
    // Another card of this order already reached the registry (signed by this workstation).
    let earlier = CardPrinted {
        order_id: order_id.clone(),
        enrollment_id: o.enrollment_id.clone(),
        office: o.office.clone(),
        workstation_id: "WS-T1".into(),
        operator_id: "op1".into(),
        card_serial: "KTP-2025Z-000777".into(),
        printed_at: now,
        replaces: None,
    }
    .sign(&ws_key(&site), &SystemRandom::new())
    .expect("sign");
    let reports =
        ReportsClient::new(&url, None, trusted(&registry), Duration::from_secs(5)).expect("client");
    assert!(matches!(
        reports.send(&order_id, &earlier.to_json()).await,
        Delivery::Acknowledged(_)
    ));
    // The office prints it (again) and reports its card.
    let agent = start_agent(&site, &site.root.join("agent"), &url).await;
    agent
        .agent
        .with_store(move |s| Ok(s.put_print_order(&order, 0)?))
        .await
        .expect("order");
    agent
        .agent
        .receive_blanks("B-1", "KTP-2026A-", 1, 10, "op1")
        .expect("blanks");
    agent
        .agent
        .print_orders_now(std::slice::from_ref(&order_id), "op1")
        .await
        .expect("print");
    wait_for("the refusal", || async {
        report_state(&agent, &order_id)
            .await
            .is_some_and(|(s, _, _)| s == "refused")
    })
    .await;
    let (_, _, reason) = report_state(&agent, &order_id).await.expect("report");
    let reason = reason.expect("the reason is kept");
    assert!(
        reason.contains("already_printed") && reason.contains("KTP-2025Z-000777"),
        "{reason}"
    );
    let audit = audited(&agent, "card_report.refused").await;
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].0, order_id);
    // Final: not sent again.
    let refused_before = registry.stats().cards_refused;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(registry.stats().cards_refused, refused_before);
    agent.shutdown().await.expect("shutdown");
}
