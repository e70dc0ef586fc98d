//! Delivery to the registry: the agent's uploader against the registry simulator over loopback
//! HTTP. Packets arrive exactly once in effect, through outages, duplicates and removable media;
//! invalid packets are rejected with the registry's reason; a receipt that does not verify is not
//! a delivery.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rekam_agent::commands::keys;
use rekam_agent::config::Config;
use rekam_agent::serve::{self, Running};
use rekam_agent::store::{OutboxState, Store, transfer};
use rekam_protocol::packet;
use rekam_sim::registry::Registry;
use rekam_sim::sample::{self, SampleOptions};
use ring::rand::SystemRandom;
use tokio::net::TcpListener;

struct Site {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

/// Keys for a registry (REG-T) and a workstation (WS-T1) the registry trusts.
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

async fn start_registry(site: &Site, unavailable_rate: f64) -> (Registry, String) {
    start_registry_with(site, unavailable_rate, None).await
}

/// The registry simulator, over HTTPS when `tls` is given.
async fn start_registry_with(
    site: &Site,
    unavailable_rate: f64,
    tls: Option<std::sync::Arc<rustls::ServerConfig>>,
) -> (Registry, String) {
    let reg = &site.root.join("registry");
    let config = rekam_agent::commands::serve::registry_config(
        &rekam_agent::commands::serve::RegistryArgs {
            listen: ([127, 0, 0, 1], 0).into(),
            registry_key: reg.join("registry.key"),
            receipt_key: None,
            trust: vec![site.root.join("ws/workstation.pub")],
            id: None,
            unavailable_rate,
            tls: None,
            print_delay_ms: None,
        },
    )
    .expect("registry configuration");
    let registry = Registry::new(config);
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let r = registry.clone();
    let url = match tls {
        Some(tls) => {
            tokio::spawn(rekam_sim::registry::run_tls(
                listener,
                r,
                tls,
                std::future::pending(),
            ));
            format!("https://{addr}")
        }
        None => {
            tokio::spawn(rekam_sim::registry::run(
                listener,
                r,
                std::future::pending(),
            ));
            format!("http://{addr}")
        }
    };
    (registry, url)
}

/// An agent in `data` with the site's workstation key, delivering to `url`.
async fn start_agent(site: &Site, data: &Path, url: &str, receipt_pub: Option<&Path>) -> Running {
    start_agent_with(site, data, url, receipt_pub, |_| {}).await
}

/// As [`start_agent`], with a last change to the configuration.
async fn start_agent_with(
    site: &Site,
    data: &Path,
    url: &str,
    receipt_pub: Option<&Path>,
    edit: impl FnOnce(&mut Config),
) -> Running {
    std::fs::create_dir_all(data.join("keys")).expect("mkdir");
    for (from, to) in [
        (site.root.join("ws/workstation.key"), "workstation.key"),
        (site.root.join("registry/registry.pub"), "registry.pub"),
        (
            receipt_pub
                .map(Path::to_path_buf)
                .unwrap_or_else(|| site.root.join("registry/receipt.pub")),
            "receipt.pub",
        ),
    ] {
        let dest = data.join("keys").join(to);
        if !dest.exists() {
            std::fs::copy(from, dest).expect("copy key");
        }
    }
    let mut c = Config::default();
    c.agent.data_dir = data.to_path_buf();
    c.agent.workstation_id = "WS-T1".into();
    c.registry.url = url.into();
    c.devices.realtime = false;
    c.uploader.initial_backoff_ms = 10;
    c.uploader.max_backoff_ms = 80;
    c.uploader.poll_ms = 20;
    edit(&mut c);
    serve::start(c, TcpListener::bind("127.0.0.1:0").await.expect("bind"))
        .await
        .expect("agent starts")
}

/// Seals a synthetic enrollment as `ws_key` and queues it in the agent's outbox.
async fn queue(agent: &Running, ws_key: &Path, seed: u64) -> String {
    let key = keys::load_workstation_key(ws_key).expect("key");
    let registry_pub = rekam_protocol::RegistryPublicKey::parse_text(
        &std::fs::read_to_string(
            agent
                .agent
                .config
                .path(&agent.agent.config.keys.registry_pub),
        )
        .expect("registry.pub"),
    )
    .expect("registry pub");
    let mut e = sample::enrollment(&SampleOptions::tiny(seed, "WS-T1", 1_790_000_000_000));
    let sealed = packet::seal(
        &mut e,
        &key,
        &registry_pub,
        [seed as u8; 32],
        &SystemRandom::new(),
    )
    .expect("seal");
    let id = sealed.id.to_string();
    let eid = e.id.to_string();
    let k = id.clone();
    agent
        .agent
        .with_store(move |s| Ok(s.queue_imported(&k, &eid, &sealed.bytes, 0)?))
        .await
        .expect("queue");
    agent.agent.upload_wake.notify_one();
    id
}

async fn state_of(agent: &Running, id: &str) -> OutboxState {
    let k = id.to_string();
    agent
        .agent
        .with_store(move |s| Ok(s.outbox().get(&k)?))
        .await
        .expect("get")
        .expect("known")
        .state
}

/// The outbox's record of the last failure of `id`.
async fn last_error(agent: &Running, id: &str) -> Option<String> {
    let k = id.to_string();
    agent
        .agent
        .with_store(move |s| {
            Ok(s.raw_connection()
                .query_row(
                    "SELECT last_error FROM outbox WHERE packet_id = ?1",
                    [k],
                    |r| r.get(0),
                )
                .map_err(rekam_agent::store::StoreError::from)?)
        })
        .await
        .expect("read")
}

async fn wait_until_settled(agent: &Running, ids: &[String]) {
    for _ in 0..500 {
        let mut all = true;
        for id in ids {
            if state_of(agent, id).await == OutboxState::Pending {
                all = false;
            }
        }
        if all {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("packets still pending after 10 s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn packets_get_through_a_registry_that_fails_half_the_time_each_exactly_once() {
    let site = site();
    let (registry, url) = start_registry(&site, 0.5).await;
    let agent = start_agent(&site, &site.root.join("agent"), &url, None).await;
    let mut ids = Vec::new();
    for seed in 0..8 {
        ids.push(queue(&agent, &site.root.join("ws/workstation.key"), seed).await);
    }
    wait_until_settled(&agent, &ids).await;
    for id in &ids {
        assert_eq!(state_of(&agent, id).await, OutboxState::Delivered);
        assert!(registry.receipt(id).is_some());
    }
    let stats = registry.stats();
    assert_eq!(stats.accepted, 8);
    assert!(stats.unavailable > 0, "the fault injection fired");
    agent.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_packet_from_an_untrusted_workstation_is_rejected_with_the_registry_reason() {
    let site = site();
    let (registry, url) = start_registry(&site, 0.0).await;
    let agent = start_agent(&site, &site.root.join("agent"), &url, None).await;
    keys::workstation_new(
        &site.root.join("rogue"),
        Some("WS-T1"),
        "ed25519",
        &mut std::io::sink(),
    )
    .expect("rogue key");
    let id = queue(&agent, &site.root.join("rogue/workstation.key"), 1).await;
    wait_until_settled(&agent, std::slice::from_ref(&id)).await;
    assert_eq!(state_of(&agent, &id).await, OutboxState::Rejected);
    let err = last_error(&agent, &id).await.expect("a reason");
    assert!(err.contains("unknown workstation"), "{err}");
    assert_eq!(registry.stats().rejected, 1);
    // The registry's signed word is kept with the packet: the refusal is provable.
    let k = id.clone();
    let proof = agent
        .agent
        .with_store(move |s| Ok(s.outbox().get(&k)?))
        .await
        .expect("get")
        .and_then(|d| d.rejection)
        .expect("the signed rejection is stored");
    let signed = rekam_protocol::rejection::SignedRejection::parse(&proof).expect("parses");
    let packet = packet::PacketId::of(
        &agent
            .agent
            .with_store({
                let k = id.clone();
                move |s| {
                    Ok(s.raw_connection()
                        .query_row("SELECT bytes FROM outbox WHERE packet_id = ?1", [k], |r| {
                            r.get::<_, Vec<u8>>(0)
                        })
                        .map_err(rekam_agent::store::StoreError::from)?)
                }
            })
            .await
            .expect("bytes"),
    );
    assert_eq!(
        signed
            .verify(&registry.trusted(), &packet)
            .expect("verifies")
            .code,
        "unknown_workstation"
    );
    agent.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receipt_signed_by_another_key_is_not_a_delivery() {
    let site = site();
    let (registry, url) = start_registry(&site, 0.0).await;
    keys::registry_new(
        &site.root.join("impostor"),
        Some("REG-T"),
        &mut std::io::sink(),
    )
    .expect("keys");
    let agent = start_agent(
        &site,
        &site.root.join("agent"),
        &url,
        Some(&site.root.join("impostor/receipt.pub")),
    )
    .await;
    let id = queue(&agent, &site.root.join("ws/workstation.key"), 2).await;
    for _ in 0..100 {
        if registry.stats().accepted + registry.stats().duplicates >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(registry.stats().duplicates >= 1, "the agent kept retrying");
    assert_eq!(state_of(&agent, &id).await, OutboxState::Pending);
    agent.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_packet_carried_on_removable_media_and_also_uploaded_is_counted_once() {
    let site = site();
    let (registry, url) = start_registry(&site, 0.0).await;
    // The field workstation has no network: a registry URL nobody listens on.
    let offline = start_agent(&site, &site.root.join("field"), "http://127.0.0.1:9", None).await;
    let id = queue(&offline, &site.root.join("ws/workstation.key"), 3).await;
    offline.shutdown().await.expect("shutdown");
    let usb = site.root.join("usb");
    {
        let store = Store::open(&site.root.join("field").join(serve::DB_FILE)).expect("open");
        assert_eq!(transfer::export(&store, &usb).expect("export"), 1);
    }
    // The office imports the copy and delivers it.
    let office = start_agent(&site, &site.root.join("office"), &url, None).await;
    let n = {
        let usb = usb.clone();
        office
            .agent
            .with_store(move |s| {
                transfer::import(s, &usb, 0)
                    .map_err(|e| rekam_agent::service::ServiceError::Internal(e.to_string()))
            })
            .await
            .expect("import")
    };
    assert_eq!(n.imported, 1);
    office.agent.upload_wake.notify_one();
    wait_until_settled(&office, std::slice::from_ref(&id)).await;
    office.shutdown().await.expect("shutdown");
    // Back online, the field workstation sends its own copy too.
    let field = start_agent(&site, &site.root.join("field"), &url, None).await;
    wait_until_settled(&field, std::slice::from_ref(&id)).await;
    assert_eq!(state_of(&field, &id).await, OutboxState::Delivered);
    let stats = registry.stats();
    assert_eq!((stats.accepted, stats.duplicates), (1, 1));
    field.shutdown().await.expect("shutdown");
}

/// A certificate authority and a server certificate it issued for 127.0.0.1.
struct Pki {
    ca_pem: String,
    server: std::sync::Arc<rustls::ServerConfig>,
}

fn pki() -> Pki {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
    let ca_key = KeyPair::generate().expect("CA key");
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).expect("CA certificate");
    let server_key = KeyPair::generate().expect("server key");
    let server = CertificateParams::new(vec!["127.0.0.1".to_string()])
        .expect("server params")
        .signed_by(&server_key, &ca, &ca_key)
        .expect("server certificate");
    let chain = format!("{}{}", server.pem(), ca.pem());
    let config =
        rekam_sim::tls::server_config(chain.as_bytes(), server_key.serialize_pem().as_bytes())
            .expect("TLS config");
    Pki {
        ca_pem: ca.pem(),
        server: config,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn packets_reach_an_https_registry_whose_certificate_authority_is_configured() {
    let site = site();
    let pki = pki();
    let (registry, url) = start_registry_with(&site, 0.0, Some(pki.server.clone())).await;
    assert!(url.starts_with("https://"));
    let data = site.root.join("agent");
    std::fs::create_dir_all(data.join("keys")).expect("mkdir");
    std::fs::write(data.join("keys/registry-ca.pem"), &pki.ca_pem).expect("CA file");
    let agent = start_agent_with(&site, &data, &url, None, |c| {
        c.registry.ca_file = Some("keys/registry-ca.pem".into());
    })
    .await;
    let ids = [
        queue(&agent, &site.root.join("ws/workstation.key"), 1).await,
        queue(&agent, &site.root.join("ws/workstation.key"), 2).await,
    ];
    wait_until_settled(&agent, &ids).await;
    for id in &ids {
        assert_eq!(state_of(&agent, id).await, OutboxState::Delivered);
        assert!(registry.receipt(id).is_some());
    }
    assert_eq!(registry.stats().accepted, 2);
    agent.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_https_registry_with_a_certificate_from_an_untrusted_authority_gets_nothing() {
    let site = site();
    let (registry, url) = start_registry_with(&site, 0.0, Some(pki().server)).await;
    // The agent trusts another authority: the registry's certificate must not be accepted.
    let data = site.root.join("agent");
    std::fs::create_dir_all(data.join("keys")).expect("mkdir");
    std::fs::write(data.join("keys/registry-ca.pem"), pki().ca_pem).expect("CA file");
    let agent = start_agent_with(&site, &data, &url, None, |c| {
        c.registry.ca_file = Some("keys/registry-ca.pem".into());
    })
    .await;
    let id = queue(&agent, &site.root.join("ws/workstation.key"), 3).await;
    let mut err = None;
    for _ in 0..250 {
        err = last_error(&agent, &id).await;
        if err.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let err = err.expect("the upload failed with a reason");
    assert!(
        err.contains("cannot reach") && err.contains("certificate"),
        "{err}"
    );
    assert_eq!(state_of(&agent, &id).await, OutboxState::Pending);
    let stats = registry.stats();
    assert_eq!(stats.accepted + stats.duplicates + stats.rejected, 0);
    agent.shutdown().await.expect("shutdown");
}

#[test]
fn a_ca_file_that_is_not_pem_is_refused_naming_the_setting() {
    let site = site();
    let text = std::fs::read_to_string(site.root.join("registry/receipt.pub")).expect("read");
    let trusted = rekam_protocol::receipt::TrustedRegistry::parse_text(&text).expect("trusted");
    let e = rekam_agent::uploader::Client::new(
        "https://127.0.0.1:1",
        Some(&b"not a certificate"[..]),
        trusted,
        Duration::from_secs(1),
    )
    .err()
    .expect("refused");
    assert!(e.contains("registry.ca_file"), "{e}");
}
