//! `rekam operators ...`: operator accounts from the command line, on the agent's own store.
//!
//! Contract: the store is found as `rekam serve` finds it (`--config`, or the built-in defaults of
//! `rekam serve --simulated`, and `--data-dir`); the data directory is created private (0700) when
//! missing, so accounts can be added before the first start, and the commands work while the
//! agent runs (SQLite serialises the writes). Every change is audited by the store with the actor
//! `cli:<user>` (`$USER`, or `cli` alone when it is unset or not a plain name). `token` prints the
//! token alone on standard output, once; its note goes to standard error. Refusals (an unknown or
//! duplicate id, a short password, a disabled account's token) name what is wrong and change
//! nothing. `add --fingerprint` and `finger` take the operator's own finger on the scanner
//! configured for `rekam serve` (retaken below the finger gate, up to `policy.max_attempts`) and
//! keep its template sealed under the storage key (see [`crate::service::operator_finger`]).

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use super::{packet, password};
use crate::cli::{AgentStore, OperatorsCommand};
use crate::config::Config;
use crate::operators::{Role, check_id};
use crate::store::Store;
use crate::{data_dir, files, serve};

/// The configuration `rekam serve` would use with these options (without `--simulated`'s device
/// override, which does not move the store).
pub(crate) fn config(at: &AgentStore) -> Result<Config> {
    let mut cfg = match &at.config {
        Some(p) => {
            Config::from_toml(&files::read_text(p)?).with_context(|| format!("{}", p.display()))?
        }
        None => Config::default(),
    };
    if let Some(d) = &at.data_dir {
        cfg.agent.data_dir = d.clone();
    }
    Ok(cfg)
}

/// Opens the agent's store (creating the private data directory and the database if needed).
fn open(at: &AgentStore) -> Result<(Store, PathBuf)> {
    let cfg = config(at)?;
    let data = cfg.agent.data_dir.clone();
    data_dir::create_private_dir(&data)?;
    data_dir::refuse_readable_secrets(&cfg)?;
    let db = data.join(serve::DB_FILE);
    let store = Store::open(&db)?;
    Ok((store, db))
}

/// Takes operator `id`'s own finger at `position` on the configured scanner (as `rekam serve`
/// builds it) and keeps its template sealed under the storage key.
fn take_finger(
    at: &AgentStore,
    id: &str,
    position: u8,
    now: i64,
    out: &mut dyn Write,
) -> Result<()> {
    use crate::service::operator_finger::{take_operator_finger, template_of};
    let cfg = config(at)?;
    let db = cfg.agent.data_dir.join(serve::DB_FILE);
    let key = data_dir::load_or_create_storage_key(&cfg.path(&cfg.keys.storage_key), &db)?;
    let mut s = Store::open_with_key(&db, std::sync::Arc::new(key))?;
    let position = rekam_protocol::model::FingerPosition::new(position)
        .with_context(|| format!("--finger {position}: a finger position 1-10"))?;
    let devices = serve::devices(&cfg)?;
    writeln!(
        out,
        "place finger {} of {id} on the scanner",
        position.code()
    )?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    // Like the desk, a print below the gate is taken again, up to the policy's attempts.
    let mut attempt = 1;
    let t = loop {
        let scored = rt
            .block_on(take_operator_finger(
                &devices,
                cfg.devices.simulated,
                id,
                position,
            ))
            .with_context(|| format!("taking the finger of {id}"))?;
        match template_of(&scored, position, cfg.policy.finger_gate) {
            Ok(t) => break t,
            Err(e) if attempt < cfg.policy.max_attempts => {
                writeln!(out, "{e}")?;
                writeln!(out, "place finger {} again", position.code())?;
                attempt += 1;
            }
            Err(e) => bail!(
                "{e}; no template kept after {attempt} attempts: run `rekam operators finger {id}` to try again"
            ),
        }
    };
    s.set_operator_finger(&actor(), id, &t, now)?;
    writeln!(
        out,
        "finger {} of {id} kept (NFIQ 2 {}), sealed in {}",
        t.position,
        t.quality,
        db.display()
    )?;
    Ok(())
}

/// Who the audit log names for a command-line change.
pub(crate) fn actor() -> String {
    match std::env::var("USER") {
        Ok(u) if check_id(&u).is_ok() => format!("cli:{u}"),
        _ => "cli".into(),
    }
}

fn new_password(id: &str, from_stdin: bool) -> Result<String> {
    if from_stdin {
        password::from_stdin(std::io::stdin().lock())
    } else {
        password::from_terminal(id)
    }
}

/// `id` must have an account in the store at `db` (the audit log names who acted).
pub(super) fn existing(store: &Store, id: &str, db: &Path) -> Result<()> {
    if store.operator(id)?.is_none() {
        bail!(
            "no operator {id:?} in {}; `rekam operators list` shows the accounts",
            db.display()
        );
    }
    Ok(())
}

/// Runs one `rekam operators` command.
pub fn run(cmd: OperatorsCommand, out: &mut dyn Write) -> Result<()> {
    let now = packet::now_ms();
    match cmd {
        OperatorsCommand::Add {
            store,
            id,
            name,
            role,
            password_stdin,
            fingerprint,
            finger,
        } => {
            let role = Role::parse(&role).with_context(|| {
                format!("--role {role:?}: operator, supervisor, technician or admin")
            })?;
            check_id(&id).map_err(anyhow::Error::msg)?;
            let (mut s, db) = open(&store)?;
            if s.operator(&id)?.is_some() {
                bail!(
                    "an operator with id {id:?} already exists in {}",
                    db.display()
                );
            }
            let pw = new_password(&id, password_stdin)?;
            let op = s.add_operator(&actor(), &id, &name, role, &pw, now)?;
            writeln!(
                out,
                "operator {} ({}, {}) added to {}",
                op.id,
                op.name,
                op.role.as_str(),
                db.display()
            )?;
            if fingerprint {
                drop(s);
                take_finger(&store, &op.id, finger, now, out)?;
            }
        }
        OperatorsCommand::Finger { store, id, finger } => {
            let (s, db) = open(&store)?;
            existing(&s, &id, &db)?;
            drop(s);
            take_finger(&store, &id, finger, now, out)?;
        }
        OperatorsCommand::List { store } => {
            let (s, _) = open(&store)?;
            let accounts = s.list_operators()?;
            writeln!(
                out,
                "{:<20} {:<28} {:<11} {:<8} LOCKED UNTIL",
                "ID", "NAME", "ROLE", "ENABLED"
            )?;
            for a in accounts {
                let locked = match a.locked_until_ms {
                    Some(until) if until > now => {
                        rekam_protocol::Timestamp::from_unix_ms(until).to_string()
                    }
                    _ => "-".into(),
                };
                writeln!(
                    out,
                    "{:<20} {:<28} {:<11} {:<8} {locked}",
                    a.operator.id,
                    a.operator.name,
                    a.operator.role.as_str(),
                    if a.enabled { "yes" } else { "no" }
                )?;
            }
        }
        OperatorsCommand::Disable { store, id } => {
            let (mut s, db) = open(&store)?;
            existing(&s, &id, &db)?;
            s.set_operator_enabled(&actor(), &id, false, now)?;
            writeln!(
                out,
                "operator {id} disabled: they cannot sign in and their API token is refused"
            )?;
        }
        OperatorsCommand::Enable { store, id } => {
            let (mut s, db) = open(&store)?;
            existing(&s, &id, &db)?;
            s.set_operator_enabled(&actor(), &id, true, now)?;
            writeln!(out, "operator {id} enabled")?;
        }
        OperatorsCommand::Passwd {
            store,
            id,
            password_stdin,
        } => {
            let (mut s, db) = open(&store)?;
            existing(&s, &id, &db)?;
            let pw = new_password(&id, password_stdin)?;
            s.set_password(&actor(), &id, &pw, now)?;
            writeln!(out, "password of {id} changed; any lock is cleared")?;
        }
        OperatorsCommand::Token { store, id } => {
            let (mut s, db) = open(&store)?;
            existing(&s, &id, &db)?;
            if !s.credentials(&id)?.is_some_and(|c| c.enabled) {
                bail!("operator {id} is disabled; enable them first (rekam operators enable {id})");
            }
            let token = s.issue_operator_token(&id, &actor(), now)?;
            writeln!(out, "{token}")?;
            eprintln!(
                "API token of {id}, shown only now: send it as Authorization: Bearer <token>. Their earlier token no longer works."
            );
        }
    }
    Ok(())
}
