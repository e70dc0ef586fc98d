//! `rekam serve` and `rekam sim registry`: the two long-running commands.
//!
//! Contract: configuration problems are reported before anything binds or opens; once serving,
//! the first output line names the address, and SIGTERM or SIGINT stop gracefully.

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use rekam_protocol::receipt::TrustedRegistry;
use tokio::net::TcpListener;

use super::keys;
use crate::config::Config;
use crate::files;
use crate::serve;

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// Options of `rekam serve`.
pub struct ServeArgs {
    /// `--config`.
    pub config: Option<PathBuf>,
    /// `--simulated`.
    pub simulated: bool,
    /// `--data-dir`.
    pub data_dir: Option<PathBuf>,
    /// `--listen`.
    pub listen: Option<SocketAddr>,
    /// `--registry`.
    pub registry: Option<String>,
}

/// Builds the configuration from the file, flags and defaults.
pub fn config(args: &ServeArgs) -> Result<Config> {
    let mut cfg = match &args.config {
        Some(p) => {
            Config::from_toml(&files::read_text(p)?).with_context(|| format!("{}", p.display()))?
        }
        None if args.simulated => Config::default(),
        None => bail!(
            "give --config FILE, or --simulated to run on simulated devices with the built-in defaults"
        ),
    };
    if args.simulated {
        cfg.devices.simulated = true;
    }
    if let Some(d) = &args.data_dir {
        cfg.agent.data_dir = d.clone();
    }
    if let Some(l) = args.listen {
        cfg.agent.listen = l;
    }
    if let Some(r) = &args.registry {
        cfg.registry.url = r.clone();
    }
    cfg.check()?;
    Ok(cfg)
}

/// `rekam serve`.
pub fn serve(args: &ServeArgs, out: &mut dyn Write) -> Result<()> {
    let cfg = config(args)?;
    serve::init_logging(&cfg);
    runtime()?.block_on(async {
        let listener = TcpListener::bind(cfg.agent.listen)
            .await
            .with_context(|| format!("cannot listen on {}", cfg.agent.listen))?;
        let running = serve::start(cfg, listener).await?;
        let accounts = running
            .agent
            .with_store(|s| Ok(s.list_operators()?.len()))
            .await
            .unwrap_or(0);
        // One write: a reader that takes the first line and closes the pipe must not make a
        // later line fail and stop the daemon.
        let mut banner = format!(
            "rekam agent listening on http://{addr} (API clients: `rekam operators token ID`)\n\
             console: open http://{addr}/ in a browser\n",
            addr = running.addr
        );
        if accounts == 0 {
            banner.push_str(
                "no operator can sign in yet: add one with `rekam operators add --id ID --name NAME \
                 --role operator` (and a supervisor with --role supervisor), using the same \
                 --config or --data-dir\n",
            );
        }
        out.write_all(banner.as_bytes())?;
        out.flush()?;
        running.until(serve::shutdown_signal()).await
    })
}

/// Options of `rekam sim registry`.
pub struct RegistryArgs {
    /// `--listen`.
    pub listen: SocketAddr,
    /// `--registry-key`.
    pub registry_key: PathBuf,
    /// `--receipt-key`.
    pub receipt_key: Option<PathBuf>,
    /// `--trust`.
    pub trust: Vec<PathBuf>,
    /// `--id`.
    pub id: Option<String>,
    /// `--unavailable-rate`.
    pub unavailable_rate: f64,
    /// `--print-delay-ms`: issue print orders this long after accepting a packet, with the
    /// quality crate's templates and the desk's card photo; `None`: issue none.
    pub print_delay_ms: Option<u64>,
    /// `--tls-cert` and `--tls-key`: serve HTTPS.
    pub tls: Option<(PathBuf, PathBuf)>,
}

/// Builds the simulated registry's configuration from key files.
pub fn registry_config(args: &RegistryArgs) -> Result<rekam_sim::registry::RegistryConfig> {
    if !(0.0..=1.0).contains(&args.unavailable_rate) {
        bail!("--unavailable-rate must be between 0 and 1");
    }
    let key = keys::load_registry_key(&args.registry_key)?;
    let dir = args.registry_key.parent().unwrap_or(Path::new("."));
    let receipt_path = args
        .receipt_key
        .clone()
        .unwrap_or_else(|| dir.join("receipt.key"));
    let receipt_key = keys::load_workstation_key(&receipt_path)?;
    let registry_id = match &args.id {
        Some(id) => id.clone(),
        None => {
            let p = receipt_path.with_extension("pub");
            TrustedRegistry::parse_text(&files::read_text(&p)?)
                .with_context(|| format!("{} (or give --id)", p.display()))?
                .registry_id
        }
    };
    Ok(rekam_sim::registry::RegistryConfig {
        registry_id,
        key,
        trust: keys::load_trust(&args.trust)?,
        receipt_key,
        unavailable_rate: args.unavailable_rate,
        seed: 1,
        print_delay_ms: args.print_delay_ms.unwrap_or(0),
        card_media: args.print_delay_ms.map(|_| {
            std::sync::Arc::new(crate::office::registry_media::QualityCardMedia)
                as std::sync::Arc<dyn rekam_sim::registry::CardMedia>
        }),
    })
}

/// `rekam sim registry`.
pub fn sim_registry(args: &RegistryArgs, out: &mut dyn Write) -> Result<()> {
    let cfg = registry_config(args)?;
    runtime()?.block_on(async {
        let listener = TcpListener::bind(args.listen)
            .await
            .with_context(|| format!("cannot listen on {}", args.listen))?;
        let addr = listener.local_addr()?;
        let registry = rekam_sim::registry::Registry::new(cfg);
        let tls = match &args.tls {
            Some((cert, key)) => Some(
                rekam_sim::tls::server_config(&files::read(cert)?, &files::read(key)?)
                    .with_context(|| format!("{} / {}", cert.display(), key.display()))?,
            ),
            None => None,
        };
        let scheme = if tls.is_some() { "https" } else { "http" };
        writeln!(
            out,
            "registry simulator {} listening on {scheme}://{addr}",
            registry.trusted().registry_id
        )?;
        out.flush()?;
        match tls {
            Some(tls) => {
                rekam_sim::registry::run_tls(listener, registry, tls, serve::shutdown_signal())
                    .await?
            }
            None => rekam_sim::registry::run(listener, registry, serve::shutdown_signal()).await?,
        }
        Ok(())
    })
}
