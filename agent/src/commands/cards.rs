//! `rekam cards queue|print|stock|receive`: the office's print queue and blank-card stock from
//! the command line, on the agent's own store.
//!
//! Contract: the store is found as `rekam serve` finds it (`--config`, the built-in defaults and
//! `--data-dir`). `queue` lists the orders waiting, being printed and printed (with `--all`, the
//! collected ones too), oldest first; `stock` prints the level, the usage rate, the days left, the
//! alert line and today's cards against the target, and exits 0 whatever the level (`--json` for
//! scripts); `receive` records a batch of blanks or refuses it with the reason; `print` drives the
//! printer and encoder `rekam serve` would (the simulated ones with `--simulated`), first resolving
//! any card a crash left in the printer, and prints one line per order; it fails (exit 1) when an
//! order was not printed, after printing every line. Every change is audited by the store, the
//! operator given with `--by` as actor. Reading orders needs the storage key, as `rekam serve`.

use std::io::Write;
use std::sync::Arc;

use anyhow::{Context, Result, bail};

use super::{keys, operators};
use crate::cli::{AgentStore, CardsCommand};
use crate::config::Config;
use crate::office::printing::PrintOutcome;
use crate::office::stock::{StockLevel, StockPolicy};
use crate::service::Agent;
use crate::store::{OrderState, Store};
use crate::{data_dir, files, serve};

/// Runs one `rekam cards` command.
pub fn run(cmd: CardsCommand, out: &mut dyn Write) -> Result<()> {
    match cmd {
        CardsCommand::Queue { store, all, json } => queue(&store, all, json, out),
        CardsCommand::Stock { store, json } => stock(&store, json, out),
        CardsCommand::Receive {
            store,
            batch,
            prefix,
            first,
            last,
            by,
        } => receive(&store, &batch, &prefix, first, last, &by, out),
        CardsCommand::Print {
            store,
            order_ids,
            all,
            by,
            simulated,
        } => print(&store, &order_ids, all, &by, simulated, out),
        CardsCommand::Pickup(args) => super::cards_pickup::run(&args, out),
    }
}

/// The configuration, checked.
fn config(at: &AgentStore, simulated: bool) -> Result<Config> {
    let mut cfg = operators::config(at)?;
    if simulated {
        cfg.devices.simulated = true;
    }
    cfg.check()?;
    Ok(cfg)
}

/// The store with its storage key (orders are sealed under it).
fn open(cfg: &Config) -> Result<Store> {
    let data = &cfg.agent.data_dir;
    data_dir::create_private_dir(data)?;
    data_dir::refuse_readable_secrets(cfg)?;
    let db = data.join(serve::DB_FILE);
    let key = data_dir::load_or_create_storage_key(&cfg.path(&cfg.keys.storage_key), &db)?;
    Ok(Store::open_with_key(&db, Arc::new(key))?)
}

fn day_time(ms: i64, offset_minutes: i32) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
        .to_offset(
            time::UtcOffset::from_whole_seconds(offset_minutes * 60)
                .unwrap_or(time::UtcOffset::UTC),
        );
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute()
    )
}

fn queue(at: &AgentStore, all: bool, json: bool, out: &mut dyn Write) -> Result<()> {
    let cfg = config(at, false)?;
    let store = open(&cfg)?;
    let orders: Vec<_> = store
        .print_orders(None)?
        .into_iter()
        .filter(|o| all || o.state != OrderState::Collected)
        .collect();
    if json {
        let rows: Vec<_> = orders
            .iter()
            .map(|o| {
                serde_json::json!({
                    "order_id": o.order_id,
                    "enrollment_id": o.enrollment_id,
                    "nik": o.nik,
                    "name": o.name,
                    "state": o.state,
                    "received_ms": o.received_ms,
                    "card_serial": o.card_serial,
                    "printed_ms": o.printed_ms,
                    "collected_ms": o.collected_ms,
                })
            })
            .collect();
        writeln!(out, "{}", serde_json::to_string_pretty(&rows)?)?;
        return Ok(());
    }
    if orders.is_empty() {
        writeln!(out, "no print orders")?;
        return Ok(());
    }
    let off = cfg.console.utc_offset_minutes;
    for o in &orders {
        writeln!(
            out,
            "{:<20} {:<10} {} {:<30} received {}{}",
            o.order_id,
            o.state.as_str(),
            o.nik,
            o.name,
            day_time(o.received_ms, off),
            match (&o.card_serial, o.printed_ms) {
                (Some(s), Some(t)) => format!(", card {s} printed {}", day_time(t, off)),
                _ => String::new(),
            }
        )?;
    }
    let waiting = orders
        .iter()
        .filter(|o| o.state == OrderState::Waiting)
        .count();
    writeln!(
        out,
        "{} orders, {waiting} waiting to be printed",
        orders.len()
    )?;
    Ok(())
}

/// The stock report's lines.
pub fn stock_lines(level: &StockLevel) -> Vec<String> {
    let mut lines = vec![
        format!("blank cards in stock: {}", level.in_stock),
        format!(
            "printed today: {} of the daily target {}{}",
            level.printed_today,
            level.daily_target,
            if level.spoiled_today > 0 {
                format!(" ({} blanks spoiled)", level.spoiled_today)
            } else {
                String::new()
            }
        ),
        format!("usage: {:.1} blanks a day", level.daily_rate),
        match level.days_left {
            Some(d) => format!("days left at that rate: {d:.1}"),
            None => "days left: no usage yet to estimate from".into(),
        },
    ];
    if level.alert {
        lines.push(if level.in_stock == 0 {
            "ALERT: no blank cards left; ask the province for a new batch".into()
        } else {
            format!(
                "ALERT: blank cards run out within {} days at this rate; ask the province for a new batch now",
                level.alert_days
            )
        });
    }
    lines
}

fn stock(at: &AgentStore, json: bool, out: &mut dyn Write) -> Result<()> {
    let cfg = config(at, false)?;
    data_dir::create_private_dir(&cfg.agent.data_dir)?;
    let store = Store::open(&cfg.agent.data_dir.join(serve::DB_FILE))?;
    let level = store.card_stock(&StockPolicy::of(&cfg), crate::service::system_ms())?;
    if json {
        let mut v = serde_json::to_value(&level)?;
        if let Some(m) = v.as_object_mut() {
            m.insert(
                "batches".into(),
                serde_json::to_value(store.card_batches()?)?,
            );
        }
        writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
        return Ok(());
    }
    for line in stock_lines(&level) {
        writeln!(out, "{line}")?;
    }
    Ok(())
}

fn receive(
    at: &AgentStore,
    batch: &str,
    prefix: &str,
    first: u64,
    last: u64,
    by: &str,
    out: &mut dyn Write,
) -> Result<()> {
    let cfg = config(at, false)?;
    data_dir::create_private_dir(&cfg.agent.data_dir)?;
    let db = cfg.agent.data_dir.join(serve::DB_FILE);
    let mut store = Store::open(&db)?;
    operators::existing(&store, by, &db)?;
    let b = crate::store::cards::CardBatch {
        batch_id: batch.into(),
        prefix: prefix.into(),
        first,
        last,
    };
    store.receive_card_batch(&b, by, crate::service::system_ms())?;
    writeln!(
        out,
        "batch {batch} received: {} blank cards, {} to {}",
        b.size(),
        b.serial(first),
        b.serial(last)
    )?;
    writeln!(out, "blank cards in stock: {}", store.blanks_in_stock()?)?;
    Ok(())
}

fn print(
    at: &AgentStore,
    order_ids: &[String],
    all: bool,
    by: &str,
    simulated: bool,
    out: &mut dyn Write,
) -> Result<()> {
    if order_ids.is_empty() && !all {
        bail!("name the orders to print, or --all for every order waiting");
    }
    let cfg = config(at, simulated)?;
    if cfg.devices.simulated {
        serve::provision_simulated(&cfg)?;
    }
    let store = open(&cfg)?;
    operators::existing(&store, by, &cfg.agent.data_dir.join(serve::DB_FILE))?;
    let key = keys::load_workstation_key(&cfg.path(&cfg.keys.workstation_key))?;
    let reg_path = cfg.path(&cfg.keys.registry_pub);
    let registry = rekam_protocol::RegistryPublicKey::parse_text(&files::read_text(&reg_path)?)
        .with_context(|| format!("{}", reg_path.display()))?;
    let devices = serve::devices(&cfg)?;
    let ids: Vec<String> = if all {
        store
            .print_orders(Some(OrderState::Waiting))?
            .into_iter()
            .map(|o| o.order_id)
            .collect()
    } else {
        order_ids.to_vec()
    };
    let agent = Agent::new(cfg, store, devices, key, registry);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let recovered = rt.block_on(agent.recover_interrupted_cards())?;
    for r in &recovered {
        writeln!(
            out,
            "{}: left in the printer by an interruption: {}",
            r.order_id,
            describe(&r.outcome)
        )?;
    }
    if ids.is_empty() {
        writeln!(out, "no print orders waiting")?;
        return Ok(());
    }
    let results = rt.block_on(agent.print_orders_now(&ids, by))?;
    let mut failed = 0;
    for r in &results {
        if !matches!(
            r.outcome,
            PrintOutcome::Printed { .. }
                | PrintOutcome::Spoiled {
                    reprinted_on: Some(_),
                    ..
                }
        ) {
            failed += 1;
        }
        writeln!(out, "{}: {}", r.order_id, describe(&r.outcome))?;
    }
    let level = agent.card_stock()?;
    for line in stock_lines(&level) {
        writeln!(out, "{line}")?;
    }
    if failed > 0 {
        bail!("{failed} of {} orders not printed", results.len());
    }
    Ok(())
}

/// One result in words.
pub fn describe(o: &PrintOutcome) -> String {
    match o {
        PrintOutcome::Printed { serial } => format!("printed on {serial}"),
        PrintOutcome::Spoiled {
            serial,
            reason,
            reprinted_on: Some(on),
        } => format!("{serial} spoiled ({reason}), printed on {on}"),
        PrintOutcome::Spoiled {
            serial,
            reason,
            reprinted_on: None,
        } => format!("{serial} spoiled ({reason}); the order waits"),
        PrintOutcome::NotPrinted { reason } => format!("not printed: {reason}"),
    }
}
