//! `rekam sbi serve`: the SBI device service as a long-running command.
//!
//! Contract: the devices come from the configuration exactly as `rekam serve` builds them
//! (`--simulated` for the simulators); it binds 127.0.0.1:PORT only (SBI services are local),
//! prints the address first, and stops on SIGINT/SIGTERM. Without `--keys` the devices answer
//! as unregistered.

use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use rekam_protocol::sbi::Env;
use tokio::net::TcpListener;

use super::server::{SbiConfig, SbiService, serve};
use crate::commands::serve::{ServeArgs, config};

/// The first port of SBI's range, the default.
pub const DEFAULT_PORT: u16 = 4501;

/// Options of `rekam sbi serve`.
pub struct SbiServeArgs {
    /// `--config`.
    pub config: Option<PathBuf>,
    /// `--simulated`.
    pub simulated: bool,
    /// `--port`.
    pub port: u16,
    /// `--keys`.
    pub keys: Option<PathBuf>,
    /// `--env`.
    pub env: String,
}

fn parse_env(s: &str) -> Result<Env> {
    Ok(match s {
        "Staging" => Env::Staging,
        "Developer" => Env::Developer,
        "Pre-Production" => Env::PreProduction,
        "Production" => Env::Production,
        other => {
            bail!("--env {other:?}: expected Staging, Developer, Pre-Production or Production")
        }
    })
}

/// `rekam sbi serve`.
pub fn run(args: &SbiServeArgs, out: &mut dyn Write) -> Result<()> {
    if !(4501..=4600).contains(&args.port) {
        bail!(
            "--port {}: SBI clients look for devices on 4501-4600 only",
            args.port
        );
    }
    let env = parse_env(&args.env)?;
    let cfg = config(&ServeArgs {
        config: args.config.clone(),
        simulated: args.simulated,
        data_dir: None,
        listen: None,
        registry: None,
    })?;
    let signer = match &args.keys {
        Some(dir) => Some(super::keys::load(dir)?.0),
        None => None,
    };
    let registered = signer.is_some();
    let devices = crate::serve::devices(&cfg)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, args.port));
        let listener = TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen on {addr}"))?;
        let (closing_tx, closing) = tokio::sync::watch::channel(false);
        let service = SbiService::new(
            devices,
            SbiConfig {
                port: args.port,
                env,
                signer,
            },
            closing,
        );
        service.open_devices().await;
        writeln!(out, "SBI 0.9.5 device service on http://{addr}/")?;
        if !registered {
            writeln!(
                out,
                "no --keys: the devices answer as unregistered (make keys with `rekam keys sbi-device-new`)"
            )?;
        }
        out.flush()?;
        serve(service, listener, async move {
            crate::serve::shutdown_signal().await;
            let _ = closing_tx.send(true);
        })
        .await
        .context("the SBI service failed")
    })
}
