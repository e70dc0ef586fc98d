//! Retries run on the monotonic clock: a wall clock corrected backwards (or forwards) neither
//! delays nor hastens a scheduled retry, and after a restart a stored due time that only a clock
//! set back could have produced counts as due. The agent's wall clock is injected
//! (`Agent::clock`), the registry is a stub that answers 503 and counts requests.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::time::Duration;

use rekam_agent::config::Config;
use rekam_agent::devices::{DeviceManager, simulated_kit};
use rekam_agent::service::Agent;
use rekam_agent::store::Store;
use rekam_agent::uploader::{self, Client};
use rekam_protocol::packet::PacketId;
use rekam_protocol::receipt::TrustedRegistry;
use rekam_protocol::{RegistryPrivateKey, SignatureAlgorithm, WorkstationSigningKey};
use ring::rand::SystemRandom;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const T: i64 = 1_790_000_000_000;
const DAY: i64 = 86_400_000;

// One injected wall clock per test: the tests run in parallel.
static WALL: AtomicI64 = AtomicI64::new(T);
static WALL_RESTART: AtomicI64 = AtomicI64::new(T);

fn wall() -> i64 {
    WALL.load(Ordering::SeqCst)
}

fn wall_restart() -> i64 {
    WALL_RESTART.load(Ordering::SeqCst)
}

/// A registry address that answers every request 503; returns its URL and the request count.
async fn unavailable_registry() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let count = Arc::new(AtomicUsize::new(0));
    let c = count.clone();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let c = c.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 65536];
                let mut got = Vec::new();
                // The request is small: read until its body (after the blank line) is in.
                while let Ok(n) = sock.read(&mut buf).await {
                    if n == 0 {
                        return;
                    }
                    got.extend_from_slice(&buf[..n]);
                    if got.ends_with(b"sealed packet") {
                        break;
                    }
                }
                c.fetch_add(1, Ordering::SeqCst);
                let _ = sock
                    .write_all(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\nConnection: close\r\n\r\nbusy")
                    .await;
            });
        }
    });
    (url, count)
}

fn agent(url: &str, clock: fn() -> i64) -> (Agent, Client) {
    let mut c = Config::default();
    c.registry.url = url.into();
    c.devices.realtime = false;
    // Every retry waits between 100 and 200 ms.
    c.uploader.initial_backoff_ms = 200;
    c.uploader.max_backoff_ms = 200;
    let (finger, camera, pad, iris) = simulated_kit(1, false, false);
    let devices = DeviceManager::new(finger, camera, pad, iris, Duration::from_secs(5));
    let rng = SystemRandom::new();
    let (key, _) = WorkstationSigningKey::generate(SignatureAlgorithm::Ed25519, &rng).expect("key");
    let registry = *RegistryPrivateKey::generate(&rng)
        .expect("registry key")
        .public_key();
    let trusted = TrustedRegistry {
        registry_id: "REG-C".into(),
        key: key.public_key().clone(),
    };
    let client = Client::new(url, None, trusted, Duration::from_secs(2)).expect("client");
    let mut agent = Agent::new(
        c,
        Store::in_memory().expect("store"),
        devices,
        key,
        registry,
    );
    agent.clock = clock;
    (agent, client)
}

async fn queue(agent: &Agent) {
    let bytes = b"sealed packet".to_vec();
    let id = PacketId::of(&bytes).to_string();
    agent
        .with_store(move |s| Ok(s.queue_imported(&id, "enrollment", &bytes, T)?))
        .await
        .expect("queue");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wall_clock_set_back_a_day_neither_delays_nor_a_jump_ahead_hastens_a_retry() {
    let (url, requests) = unavailable_registry().await;
    let (agent, client) = agent(&url, wall);
    WALL.store(T, Ordering::SeqCst);
    queue(&agent).await;
    uploader::drain_once(&agent, &client).await.expect("drain");
    assert_eq!(requests.load(Ordering::SeqCst), 1);

    // The clock is corrected back by a day; by the monotonic clock the retry is due in 200 ms.
    WALL.store(T - DAY, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(250)).await;
    uploader::drain_once(&agent, &client).await.expect("drain");
    assert_eq!(
        requests.load(Ordering::SeqCst),
        2,
        "sent again after its backoff, not a day later"
    );

    // Right after that failure the clock jumps a day ahead: the retry still waits its backoff.
    WALL.store(T + DAY, Ordering::SeqCst);
    uploader::drain_once(&agent, &client).await.expect("drain");
    assert_eq!(requests.load(Ordering::SeqCst), 2, "not sent early");
    tokio::time::sleep(Duration::from_millis(250)).await;
    uploader::drain_once(&agent, &client).await.expect("drain");
    assert_eq!(requests.load(Ordering::SeqCst), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_restart_a_due_time_beyond_the_backoff_cap_is_taken_as_a_clock_set_back() {
    let (url, requests) = unavailable_registry().await;
    let (agent, client) = agent(&url, wall_restart);
    WALL_RESTART.store(T, Ordering::SeqCst);
    queue(&agent).await;
    uploader::drain_once(&agent, &client).await.expect("drain");
    assert_eq!(requests.load(Ordering::SeqCst), 1);
    // A new uploader (a restarted agent) knows only the stored due time, about T + 200 ms; the
    // clock now reads a day earlier, so that time lies a day ahead: no backoff puts it there.
    let fresh = Client::new(
        &url,
        None,
        TrustedRegistry {
            registry_id: "REG-C".into(),
            key: WorkstationSigningKey::generate(SignatureAlgorithm::Ed25519, &SystemRandom::new())
                .expect("key")
                .0
                .public_key()
                .clone(),
        },
        Duration::from_secs(2),
    )
    .expect("client");
    drop(client);
    WALL_RESTART.store(T - DAY, Ordering::SeqCst);
    uploader::drain_once(&agent, &fresh).await.expect("drain");
    assert_eq!(requests.load(Ordering::SeqCst), 2, "due at once");
}
