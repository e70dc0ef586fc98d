//! Devices that come and go while the daemon runs: each arrival and departure that discovery
//! notices is logged and published on the event stream (`device.arrived`, `device.left`), and a
//! configured device whose port disappears is closed at once, so its health says so before the
//! next capture tries it. It is reopened on the next use after it comes back.
//!
//! Contract: the watcher runs on its own thread (enumeration blocks) and stops within one
//! interval of cancellation; an enumeration failure is logged and watching goes on.

use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use rekam_drivers::CancelToken;
use rekam_drivers::discovery::watch::{DeviceEvent, Enumerator, Found, Watcher};
use serde_json::json;

use crate::service::Agent;

/// Watches `enumerator` every `interval` until `cancel`; `r30x_port` is the configured module's
/// serial port, if any.
pub fn spawn<E: Enumerator + Send + 'static>(
    agent: Arc<Agent>,
    enumerator: E,
    interval: Duration,
    r30x_port: Option<String>,
    cancel: CancelToken,
) -> std::io::Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name("rekam-hotplug".into())
        .spawn(move || {
            let (mut watcher, present) = match Watcher::new(enumerator) {
                Ok(w) => w,
                Err(e) => {
                    tracing::warn!(error = %e, "device discovery failed; hot-plug is off");
                    return;
                }
            };
            tracing::info!(
                devices = present.len(),
                "watching for devices that come and go"
            );
            while !cancel.is_cancelled() {
                let result = watcher.run(interval, &cancel, |event| {
                    publish(&agent, event, r30x_port.as_deref());
                    true
                });
                match result {
                    Ok(()) => break,
                    Err(e) => {
                        tracing::warn!(error = %e, "device discovery failed; retrying");
                        if cancel.sleep(interval) {
                            break;
                        }
                    }
                }
            }
        })
}

fn publish(agent: &Agent, event: &DeviceEvent, r30x_port: Option<&str>) {
    let (kind, found) = match event {
        DeviceEvent::Arrived(f) => ("device.arrived", f),
        DeviceEvent::Left(f) => ("device.left", f),
    };
    // Closed before anyone hears of it, so health already agrees with the event.
    if let (DeviceEvent::Left(Found::Serial(p)), Some(port)) = (event, r30x_port)
        && p.path == port
    {
        agent
            .devices
            .fingerprint
            .close(&format!("{port} was unplugged"));
    }
    tracing::info!(event = kind, device = %found.describe());
    agent.emit(
        kind,
        &found.key(),
        json!({ "device": found.describe(), "driver": found.driver_hint() }),
    );
}
