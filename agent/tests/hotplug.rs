//! Hot-plug in the daemon: devices that come and go are published on the event stream, and the
//! configured scanner's port disappearing closes the scanner at once (its health says so), to be
//! reopened on next use.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use rekam_agent::config::Config;
use rekam_agent::devices::{DeviceManager, Health, simulated_kit};
use rekam_agent::service::{Agent, Event};
use rekam_agent::store::Store;
use rekam_drivers::discovery::SerialPortInfo;
use rekam_drivers::discovery::watch::{Enumerator, Found};
use rekam_drivers::fingerprint::Finger;
use rekam_drivers::{CancelToken, TransportError};
use rekam_protocol::{RegistryPrivateKey, SignatureAlgorithm, WorkstationSigningKey};
use ring::rand::SystemRandom;

/// Plays snapshots in order, then keeps showing the last.
struct Script(VecDeque<Vec<Found>>);

impl Enumerator for Script {
    fn enumerate(&mut self) -> Result<Vec<Found>, TransportError> {
        Ok(match self.0.len() {
            0 => Vec::new(),
            1 => self.0[0].clone(),
            _ => self.0.pop_front().unwrap_or_default(),
        })
    }
}

fn port(path: &str) -> Found {
    Found::Serial(SerialPortInfo {
        path: path.into(),
        usb: None,
    })
}

fn agent() -> Arc<Agent> {
    let rng = SystemRandom::new();
    let (key, _) = WorkstationSigningKey::generate(SignatureAlgorithm::Ed25519, &rng).expect("key");
    let registry = RegistryPrivateKey::generate(&rng).expect("registry key");
    let mut config = Config::default();
    config.devices.realtime = false;
    let (f, c, p, i) = simulated_kit(3, false, false);
    let devices = DeviceManager::new(f, c, p, i, config.capture_timeout());
    Arc::new(Agent::new(
        config,
        Store::in_memory().expect("store"),
        devices,
        key,
        *registry.public_key(),
    ))
}

async fn next_event(rx: &mut tokio::sync::broadcast::Receiver<Event>) -> Event {
    tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .expect("an event within 5 s")
        .expect("event")
}

#[tokio::test]
async fn a_port_that_appears_and_goes_is_published_as_arrived_then_left() {
    let agent = agent();
    let mut rx = agent.subscribe();
    let script = Script(VecDeque::from([
        vec![port("/dev/ttyS0")],
        vec![port("/dev/ttyS0"), port("/dev/ttyUSB7")],
        vec![port("/dev/ttyS0")],
    ]));
    let cancel = CancelToken::new();
    let thread = rekam_agent::hotplug::spawn(
        agent.clone(),
        script,
        Duration::from_millis(10),
        None,
        cancel.clone(),
    )
    .expect("thread");
    let arrived = next_event(&mut rx).await;
    assert_eq!(
        (arrived.kind.as_str(), arrived.subject.as_str()),
        ("device.arrived", "serial /dev/ttyUSB7")
    );
    assert!(
        arrived.detail["device"]
            .as_str()
            .expect("description")
            .contains("/dev/ttyUSB7")
    );
    let left = next_event(&mut rx).await;
    assert_eq!(
        (left.kind.as_str(), left.subject.as_str()),
        ("device.left", "serial /dev/ttyUSB7")
    );
    cancel.cancel();
    tokio::task::spawn_blocking(move || thread.join())
        .await
        .expect("join")
        .expect("the watcher stops when cancelled");
}

#[tokio::test]
async fn the_configured_scanner_port_disappearing_closes_the_scanner_until_next_use() {
    let agent = agent();
    // Open the scanner with a capture: it is then ready.
    agent
        .devices
        .capture_finger(Finger::RightIndex)
        .await
        .expect("capture");
    assert_eq!(agent.devices.fingerprint.status().health, Health::Ready);
    let mut rx = agent.subscribe();
    let script = Script(VecDeque::from([vec![port("/dev/ttyUSB0")], vec![]]));
    let cancel = CancelToken::new();
    let thread = rekam_agent::hotplug::spawn(
        agent.clone(),
        script,
        Duration::from_millis(10),
        Some("/dev/ttyUSB0".into()),
        cancel.clone(),
    )
    .expect("thread");
    assert_eq!(next_event(&mut rx).await.kind, "device.left");
    match agent.devices.fingerprint.status().health {
        Health::Disconnected { reason } => assert!(reason.contains("unplugged"), "{reason}"),
        other => panic!("expected disconnected, got {other:?}"),
    }
    // The next capture reopens it.
    agent
        .devices
        .capture_finger(Finger::RightIndex)
        .await
        .expect("reopened");
    assert_eq!(agent.devices.fingerprint.status().health, Health::Ready);
    cancel.cancel();
    let _ = tokio::task::spawn_blocking(move || thread.join()).await;
}
