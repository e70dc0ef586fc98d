//! `rekam cards pickup (--nik NIK | --qr TEXT) --by OPERATOR [--finger N]`: hands a printed card
//! over at the desk, from the command line, after verifying one chip finger on the scanner.
//!
//! Contract: the store and devices are found as `rekam serve` finds them (`--config`, or the
//! built-in simulated defaults, and `--data-dir`; `--simulated` simulates every device). The
//! operator must be an enabled account. The order is looked up by NIK or by the slip's QR text
//! (the enrollment id), then [`crate::office::pickup`] takes the finger, verifies it and records
//! the outcome with its audit entry. The verdict is printed; a refused or unreadable finger exits
//! non-zero (the card stays at the office; a supervisor's approval is given in the console).
//! `--stranger` (simulated devices only) puts someone else's finger on the scanner, for training.

use std::io::Write;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use rekam_protocol::RegistryPublicKey;

use super::{keys, operators};
use crate::cli::AgentStore;
use crate::office::pickup::{PickupPerson, PickupVerdict};
use crate::service::Agent;
use crate::store::Store;
use crate::{data_dir, files, serve};

/// `rekam cards pickup` arguments.
#[derive(clap::Args, Debug, Clone)]
pub struct PickupArgs {
    /// The agent's store.
    #[command(flatten)]
    pub store: AgentStore,
    /// The resident's NIK.
    #[arg(long, required_unless_present = "qr", conflicts_with = "qr")]
    pub nik: Option<String>,
    /// The text of the recording slip's QR code (the enrollment id).
    #[arg(long)]
    pub qr: Option<String>,
    /// The operator at the pickup desk (an enabled account).
    #[arg(long)]
    pub by: String,
    /// The chip finger to take (ANSI/NIST position); the order's first chip finger by default.
    #[arg(long)]
    pub finger: Option<u8>,
    /// Simulate every device.
    #[arg(long)]
    pub simulated: bool,
    /// With simulated devices, someone other than the resident presents the finger (training).
    #[arg(long)]
    pub stranger: bool,
}

/// Builds the agent `rekam serve` would run over this store, without serving.
fn agent(args: &PickupArgs) -> Result<Agent> {
    let mut cfg = operators::config(&args.store)?;
    if args.simulated {
        cfg.devices.simulated = true;
    }
    if args.stranger && !cfg.devices.simulated {
        bail!("--stranger needs simulated devices (a real scanner shows whoever is at it)");
    }
    cfg.check()?;
    let data = cfg.agent.data_dir.clone();
    let db = data.join(serve::DB_FILE);
    if !db.exists() {
        bail!(
            "{} does not exist: no print orders here (is --config or --data-dir right?)",
            db.display()
        );
    }
    data_dir::refuse_readable_secrets(&cfg)?;
    if cfg.devices.simulated {
        serve::provision_simulated(&cfg)?;
    }
    let key = keys::load_workstation_key(&cfg.path(&cfg.keys.workstation_key))?;
    let reg_path = cfg.path(&cfg.keys.registry_pub);
    let registry = RegistryPublicKey::parse_text(&files::read_text(&reg_path)?)
        .with_context(|| format!("{}", reg_path.display()))?;
    let storage_key = data_dir::load_or_create_storage_key(&cfg.path(&cfg.keys.storage_key), &db)?;
    let store = Store::open_with_key(&db, Arc::new(storage_key))?;
    match store.credentials(&args.by)? {
        Some(c) if c.enabled => {}
        Some(_) => bail!("--by {}: the account is disabled", args.by),
        None => bail!("--by {}: no such operator account", args.by),
    }
    let devices = serve::devices(&cfg)?;
    Ok(Agent::new(cfg, store, devices, key, registry))
}

/// Runs `rekam cards pickup`.
pub fn run(args: &PickupArgs, out: &mut dyn Write) -> Result<()> {
    let agent = agent(args)?;
    if args.stranger {
        agent.simulated_pickup.set(PickupPerson::Stranger);
    }
    let query = match (&args.nik, &args.qr) {
        (Some(nik), _) => nik.clone(),
        (None, Some(qr)) => qr.clone(),
        (None, None) => bail!("give --nik or --qr"),
    };
    let found = agent.pickup_find(&query)?;
    let o = &found.order;
    writeln!(
        out,
        "order {} for {} (NIK {}), card {}, {}",
        o.order_id,
        o.name,
        o.nik,
        o.card_serial.as_deref().unwrap_or("not printed"),
        o.state.as_str()
    )?;
    let refused_before = found
        .attempts
        .iter()
        .filter(|p| p.outcome == crate::store::cards::PickupOutcome::Refused)
        .count();
    if refused_before > 0 {
        writeln!(out, "{refused_before} earlier attempt(s) refused")?;
    }
    writeln!(out, "place the chip finger on the scanner")?;
    out.flush()?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let verdict = rt.block_on(agent.pickup_verify_finger(&o.order_id, &args.by, args.finger))?;
    match verdict {
        PickupVerdict::HandedOver { finger, score } => {
            writeln!(
                out,
                "finger {finger} matches (score {score:.3}): hand over card {}",
                o.card_serial.as_deref().unwrap_or("?")
            )?;
            Ok(())
        }
        PickupVerdict::Refused { finger, score } => {
            bail!("finger {finger} does not match (score {score:.3}): do not hand over the card")
        }
        PickupVerdict::Unreadable { reason } => bail!("{reason}"),
        PickupVerdict::Approved { supervisor } => {
            writeln!(out, "approved by {supervisor}")?;
            Ok(())
        }
    }
}
