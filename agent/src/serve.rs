//! `rekam serve`: the daemon. Prepares the data directory (database, keys), opens the devices,
//! and runs the local API and the uploader until shutdown. API clients act as operators, with the
//! tokens `rekam operators token` issues; the agent writes no token file.
//!
//! Contract: [`start`] binds and returns at once with the address, so tests and the demo can drive
//! a real agent in-process; [`Running::shutdown`] stops accepting requests, lets
//! running ones finish and stops the uploader between packets. With simulated devices, missing
//! keys are created (a workstation key, and a local simulated registry's keys under
//! `sim-registry/`); with real devices, missing keys are an error naming the file. The data
//! directory is made 0700, and the agent refuses to start while a secret in it (key, database) is
//! readable by other users (see [`data_dir`]). The storage
//! key that seals sessions at rest is created at first start in both setups.

use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use rekam_protocol::RegistryPublicKey;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::api::{self, ApiState};
use crate::commands::keys;
use crate::config::Config;
use crate::console;
use crate::data_dir;
use crate::devices::{
    DeviceFailure, DeviceManager, Driver, FingerDevice, Slot, simulated_kit, simulated_printer,
    unplug,
};
use crate::files;
use crate::service::Agent;
use crate::store::Store;
use crate::uploader;

/// Name of the workstation-wide API token file earlier versions wrote in the data directory; no
/// longer read (operators have their own tokens), and named in a warning when found.
pub const TOKEN_FILE: &str = "api-token";
/// Name of the database in the data directory.
pub const DB_FILE: &str = "agent.db";
/// The chip of the card in the simulated printer, kept across restarts (`[devices] simulated`).
pub const SIM_CHIP_FILE: &str = "sim-card-chip.bin";

/// A started agent.
pub struct Running {
    /// Where the API listens.
    pub addr: SocketAddr,
    /// The agent's state.
    pub agent: Arc<Agent>,
    stop: watch::Sender<bool>,
    server: JoinHandle<std::io::Result<()>>,
    uploader: JoinHandle<()>,
    office: (JoinHandle<()>, JoinHandle<()>),
    hotplug: Option<(rekam_drivers::CancelToken, std::thread::JoinHandle<()>)>,
}

impl Running {
    /// Stops gracefully: no new requests, running requests finish, the uploader stops between
    /// packets.
    pub async fn shutdown(self) -> Result<()> {
        let _ = self.stop.send(true);
        self.agent.close();
        if let Some((cancel, thread)) = self.hotplug {
            cancel.cancel();
            // The watcher notices within one poll interval; joining blocks, so off the reactor.
            let _ = tokio::task::spawn_blocking(move || thread.join()).await;
        }
        self.server.await.context("the API server task failed")??;
        self.uploader.await.context("the uploader task failed")?;
        self.office
            .0
            .await
            .context("the print-order fetcher failed")?;
        self.office
            .1
            .await
            .context("the card-report sender failed")?;
        Ok(())
    }

    /// Waits until `signal` completes, then shuts down.
    pub async fn until(self, signal: impl Future<Output = ()>) -> Result<()> {
        signal.await;
        tracing::info!("shutting down");
        self.shutdown().await
    }
}

/// Creates what a simulated setup is missing: the workstation key and a local registry's keys
/// (in `sim-registry/` under the data directory, id `REG-SIM`).
pub fn provision_simulated(config: &Config) -> Result<()> {
    let ws_key = config.path(&config.keys.workstation_key);
    if !ws_key.exists() {
        let dir = ws_key.parent().unwrap_or(Path::new("."));
        keys::workstation_new(
            dir,
            Some(&config.agent.workstation_id),
            "ed25519",
            &mut std::io::sink(),
        )?;
    }
    let reg_pub = config.path(&config.keys.registry_pub);
    let receipt_pub = config.path(&config.keys.receipt_pub);
    if !reg_pub.exists() || !receipt_pub.exists() {
        let sim = config.agent.data_dir.join("sim-registry");
        if !sim.join("registry.pub").exists() {
            keys::registry_new(&sim, Some("REG-SIM"), &mut std::io::sink())?;
        }
        for (from, to) in [("registry.pub", &reg_pub), ("receipt.pub", &receipt_pub)] {
            if !to.exists() {
                files::write_new(to, &files::read(&sim.join(from))?, 0o644)?;
            }
        }
    }
    Ok(())
}

pub(crate) fn devices(config: &Config) -> Result<DeviceManager> {
    let d = &config.devices;
    // Each class takes its configured driver; a class left unconfigured is simulated with
    // `simulated = true`, and refused without it (only the iris scanner and the printer are
    // optional at a desk).
    let (sim_finger, sim_camera, sim_pad, sim_iris) = simulated_kit(d.seed, d.iris, d.realtime);
    let missing = |what: &str, key: &str| {
        anyhow::anyhow!(
            "devices.simulated = false and no {what} is configured: set devices.{key}, or devices.simulated = true to simulate it"
        )
    };
    let sbi = if config.uses_sbi() {
        Some(crate::sbi::device::setting(config)?)
    } else {
        None
    };
    let finger = match (&d.r30x_port, &sbi) {
        (_, Some(s)) if d.fingerprint.is_some() => crate::sbi::device::finger_slot(s.clone()),
        (Some(port), _) => r30x_slot(port.clone()),
        (None, _) if d.simulated => {
            unplug::fingerprint(sim_finger, config.path(Path::new(unplug::CONTROL_FILE)))
        }
        (None, _) => return Err(missing("fingerprint scanner", "r30x_port")),
    };
    let camera = match &d.camera {
        Some(spec) if spec == crate::config::SBI => match &sbi {
            Some(s) => crate::sbi::device::camera_slot(s.clone()),
            None => return Err(missing("SBI trust anchor", "sbi_trust")),
        },
        Some(spec) => crate::devices::ptp::slot(
            crate::devices::ptp::CameraSpec::parse(spec).map_err(anyhow::Error::msg)?,
        ),
        None if d.simulated => sim_camera,
        None => return Err(missing("camera", "camera")),
    };
    let pad = match &d.signature_pad {
        Some(setting) => crate::devices::pad::configured_pad(setting, d.seed, d.realtime)?,
        None if d.simulated => sim_pad,
        None => return Err(missing("signature pad", "signature_pad")),
    };
    // A real iris scanner is an SBI one; without it or simulation the kit has none.
    let iris = match &sbi {
        Some(s) if d.iris_scanner.is_some() => Some(crate::sbi::device::iris_slot(s.clone())),
        _ if d.simulated => sim_iris,
        _ => None,
    };
    let manager = DeviceManager::new(finger, camera, pad, iris, config.capture_timeout());
    Ok(match &d.printer {
        Some(setting) => {
            manager.with_printer(crate::devices::printer_config::configured_printer_slot(
                crate::devices::printer_config::PrinterSetting::parse(setting)?,
            ))
        }
        None if d.simulated => manager
            .with_printer(simulated_printer(d.seed, d.realtime))
            .with_encoder(crate::devices::simulated_encoder(
                d.seed,
                Some(config.agent.data_dir.join(SIM_CHIP_FILE)),
            )),
        None => manager,
    })
}

/// A real R30x module on a serial port, reopened after it is unplugged and plugged back.
fn r30x_slot(port: String) -> Slot<dyn FingerDevice> {
    use rekam_drivers::r30x::{R30x, R30xConfig};
    use rekam_drivers::transport::SerialTransport;
    Slot::new(
        "fingerprint",
        Box::new(move || {
            let t = SerialTransport::open(&port, 57_600)
                .map_err(|e| DeviceFailure::from_driver(&format!("R30x on {port}"), &e))?;
            let m = R30x::open(t, R30xConfig::default())
                .map_err(|e| DeviceFailure::from_driver(&format!("R30x on {port}"), &e))?;
            Ok(Box::new(Driver(m)) as Box<dyn FingerDevice>)
        }),
    )
}

fn must_exist(p: PathBuf, what: &str) -> Result<PathBuf> {
    if !p.exists() {
        bail!("{what} {} does not exist", p.display());
    }
    Ok(p)
}

/// Prepares everything and starts serving on `listener`.
pub async fn start(config: Config, listener: TcpListener) -> Result<Running> {
    config.check()?;
    let data = config.agent.data_dir.clone();
    data_dir::create_private_dir(&data)?;
    data_dir::refuse_readable_secrets(&config)?;
    if config.devices.simulated {
        provision_simulated(&config)?;
    }
    data_dir::tighten_subdirs(&data)?;
    if data.join(TOKEN_FILE).exists() {
        tracing::warn!(
            file = %data.join(TOKEN_FILE).display(),
            "this file is no longer used: API clients act as operators with tokens from `rekam operators token ID`; delete it"
        );
    }
    let key = keys::load_workstation_key(&must_exist(
        config.path(&config.keys.workstation_key),
        "keys.workstation_key",
    )?)?;
    let reg_path = must_exist(config.path(&config.keys.registry_pub), "keys.registry_pub")?;
    let registry = RegistryPublicKey::parse_text(&files::read_text(&reg_path)?)
        .with_context(|| format!("{}", reg_path.display()))?;
    let trusted = keys::load_trusted_registry(&must_exist(
        config.path(&config.keys.receipt_pub),
        "keys.receipt_pub",
    )?)?;
    let db = data.join(DB_FILE);
    let storage_key =
        data_dir::load_or_create_storage_key(&config.path(&config.keys.storage_key), &db)?;
    let mut store = Store::open_with_key(&db, Arc::new(storage_key))?;
    // A damaged file or a truncated audit log is refused here, not found by the uploader later.
    store.check_for_serving_at(crate::service::system_ms())?;
    let devices = devices(&config)?;
    let ca = match &config.registry.ca_file {
        Some(p) => Some(files::read(&must_exist(
            config.path(p),
            "registry.ca_file",
        )?)?),
        None => None,
    };
    let timeout = std::time::Duration::from_millis(config.uploader.request_timeout_ms);
    let orders_client = crate::office::orders::OrdersClient::new(
        &config.registry.url,
        ca.as_deref(),
        trusted.clone(),
        timeout,
    )
    .map_err(anyhow::Error::msg)?;
    let reports_client = crate::office::reports::ReportsClient::new(
        &config.registry.url,
        ca.as_deref(),
        trusted.clone(),
        timeout,
    )
    .map_err(anyhow::Error::msg)?;
    let client = uploader::Client::new(&config.registry.url, ca.as_deref(), trusted, timeout)
        .map_err(anyhow::Error::msg)?;
    let agent = Arc::new(Agent::new(config, store, devices, key, registry));
    // A card a crash left in the printer is resolved by reading its chip back (office::printing).
    if let Err(e) = agent.recover_interrupted_cards().await {
        tracing::warn!(error = %e, "could not resolve a card left in the printer");
    }
    let addr = listener.local_addr()?;
    let (stop, stop_rx) = watch::channel(false);
    let state = ApiState {
        agent: agent.clone(),
    };
    let console = console::ConsoleState::new(agent.clone());
    let mut server_stop = stop_rx.clone();
    let server = tokio::spawn(async move {
        let app = api::router(state).merge(console::router(console));
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = server_stop.wait_for(|s| *s).await;
            })
            .await
    });
    // Print orders come in and card-printed reports go out beside the packets.
    let office = (
        tokio::spawn(crate::office::orders::run(
            agent.clone(),
            orders_client,
            stop_rx.clone(),
        )),
        tokio::spawn(crate::office::reports::run(
            agent.clone(),
            reports_client,
            stop_rx.clone(),
        )),
    );
    let uploader = tokio::spawn(uploader::run(agent.clone(), client, stop_rx));
    let hotplug = match agent.config.devices.watch_interval_ms {
        0 => None,
        ms => {
            let port = agent.config.devices.r30x_port.clone();
            // A configured port is watched by name: ptys and some adapters are not enumerated.
            let enumerator = rekam_drivers::discovery::watch::SystemEnumerator::new(
                port.iter().cloned().collect(),
            );
            let cancel = rekam_drivers::CancelToken::new();
            let thread = crate::hotplug::spawn(
                agent.clone(),
                enumerator,
                std::time::Duration::from_millis(ms),
                port,
                cancel.clone(),
            )?;
            Some((cancel, thread))
        }
    };
    // A write past the process's file-size limit (`ulimit -f`) would kill the daemon mid-write
    // with SIGXFSZ; handled, the write fails with EFBIG instead and is reported as a full disk.
    #[cfg(unix)]
    if let Ok(mut xfsz) =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::from_raw(libc::SIGXFSZ))
    {
        tokio::spawn(async move {
            while xfsz.recv().await.is_some() {
                tracing::error!(
                    "a write went past the file-size limit (ulimit -f); it failed and nothing was recorded"
                );
            }
        });
    }
    tracing::info!(%addr, data_dir = %data.display(), "rekam agent listening");
    Ok(Running {
        addr,
        agent,
        stop,
        server,
        uploader,
        office,
        hotplug,
    })
}

/// Completes on SIGTERM or SIGINT.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}

/// Installs the log subscriber (text or JSON lines on stderr).
pub fn init_logging(config: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(&config.log.level));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // A second initialisation (tests, the demo) keeps the first subscriber.
    let _ = if config.log.json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(devices: &str) -> Config {
        Config::from_toml(&format!("[devices]\n{devices}\n")).expect("a valid configuration")
    }

    #[test]
    fn without_simulation_an_unconfigured_desk_device_is_refused_by_its_key() {
        let err = devices(&config("simulated = false"))
            .err()
            .expect("nothing configured");
        assert!(err.to_string().contains("devices.r30x_port"), "{err}");
        let err = devices(&config(
            "simulated = false\nr30x_port = \"/dev/ttyUSB0\"\ncamera = \"ptpip:127.0.0.1\"",
        ))
        .err()
        .expect("no pad configured");
        assert!(err.to_string().contains("devices.signature_pad"), "{err}");
    }

    #[test]
    fn without_simulation_a_fully_configured_desk_builds_without_iris_or_simulated_printer() {
        let manager = devices(&config(
            "simulated = false\nr30x_port = \"/dev/ttyUSB0\"\ncamera = \"ptpip:127.0.0.1\"\nsignature_pad = \"isdv4:/dev/ttyS0\"",
        ))
        .expect("every desk device configured");
        let classes: Vec<String> = manager
            .status()
            .into_iter()
            .map(|d| d.class.to_string())
            .collect();
        assert!(!classes.iter().any(|c| c == "iris"), "{classes:?}");
        assert!(!classes.iter().any(|c| c == "printer"), "{classes:?}");
    }

    #[test]
    fn sbi_devices_take_the_fingerprint_camera_and_iris_slots_once_their_trust_anchors_load() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let dir = tmp.path();
        let (_, cert) =
            crate::sbi::keys::generate("anchor", time::OffsetDateTime::now_utc()).expect("keys");
        let pem = dir.join("sbi-ca.pem");
        std::fs::write(&pem, rekam_protocol::pem::encode("CERTIFICATE", &cert)).expect("write");
        let desk = format!(
            "simulated = false\nfingerprint = \"sbi\"\ncamera = \"sbi\"\niris_scanner = \"sbi\"\nsignature_pad = \"isdv4:/dev/ttyS0\"\nsbi_trust = [{:?}]",
            pem.display().to_string()
        );
        let manager = devices(&config(&desk)).expect("an SBI desk");
        let classes: Vec<String> = manager
            .status()
            .into_iter()
            .map(|d| d.class.to_string())
            .collect();
        assert_eq!(
            classes,
            ["fingerprint", "camera", "signature_pad", "iris"],
            "{classes:?}"
        );
        let missing = desk.replace("sbi-ca.pem", "absent.pem");
        let err = devices(&config(&missing)).err().expect("no anchor file");
        assert!(err.to_string().contains("devices.sbi_trust"), "{err:#}");
    }
}
