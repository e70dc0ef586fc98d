//! `rekam cards` on the command line: receiving blanks (an overlapping batch refused with the
//! reason), the stock report with its alert and JSON form, the queue, and SIGKILL mid-print: the
//! `rekam cards print` process is killed while a card is in the (simulated, real-time) printer;
//! after the restart the card is resolved by reading its chip back and every order is printed
//! exactly once.

mod cards_support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cards_support::order;
use rekam_agent::config::Config;
use rekam_agent::store::{BlankState, OrderState, Store};

mod cli_support;
use cli_support::rekam;

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A configuration file for a simulated desk in `dir`; `realtime` printers take 20 s a card.
fn write_config(dir: &Path, realtime: bool) -> PathBuf {
    let file = dir.join("rekam.toml");
    std::fs::write(
        &file,
        format!(
            "[agent]\ndata_dir = {:?}\nsite_code = \"3273-01\"\n\n[devices]\nsimulated = true\nrealtime = {realtime}\n",
            dir.join("data")
        ),
    )
    .expect("config");
    // The operator the commands name with --by has an account.
    let mut s = store(&file);
    if s.operator("op1").expect("read").is_none() {
        s.add_operator(
            "test",
            "op1",
            "Operator One",
            rekam_agent::operators::Role::Operator,
            "a long enough password 42",
            0,
        )
        .expect("operator");
    }
    file
}

/// The agent's store under `cfg`, with its storage key.
fn store(cfg: &Path) -> Store {
    let config = Config::from_toml(&std::fs::read_to_string(cfg).expect("read")).expect("config");
    let data = &config.agent.data_dir;
    rekam_agent::data_dir::create_private_dir(data).expect("data dir");
    let db = data.join(rekam_agent::serve::DB_FILE);
    let key = rekam_agent::data_dir::load_or_create_storage_key(
        &config.path(&config.keys.storage_key),
        &db,
    )
    .expect("storage key");
    Store::open_with_key(&db, Arc::new(key)).expect("store")
}

#[test]
fn received_batches_show_in_the_stock_report_and_an_overlapping_batch_is_refused_with_the_reason() {
    let dir = tempfile::tempdir().expect("dir");
    let cfg = write_config(dir.path(), false);
    let c = cfg.to_str().expect("utf-8");
    let ok = rekam(&[
        "cards",
        "receive",
        "--config",
        c,
        "--batch",
        "B-1",
        "--prefix",
        "KTP-2026A-",
        "--first",
        "1",
        "--last",
        "300",
        "--by",
        "op1",
    ]);
    assert!(ok.status.success(), "{}", text(&ok));
    assert!(
        text(&ok).contains("300 blank cards, KTP-2026A-000001 to KTP-2026A-000300"),
        "{}",
        text(&ok)
    );
    let overlap = rekam(&[
        "cards",
        "receive",
        "--config",
        c,
        "--batch",
        "B-2",
        "--prefix",
        "KTP-2026A-",
        "--first",
        "300",
        "--last",
        "400",
        "--by",
        "op1",
    ]);
    assert!(!overlap.status.success());
    assert!(
        text(&overlap).contains("overlap batch B-1 (KTP-2026A-000001..KTP-2026A-000300)"),
        "{}",
        text(&overlap)
    );
    let stranger = rekam(&[
        "cards",
        "receive",
        "--config",
        c,
        "--batch",
        "B-3",
        "--prefix",
        "KTP-2026B-",
        "--first",
        "1",
        "--last",
        "10",
        "--by",
        "nobody",
    ]);
    assert!(!stranger.status.success());
    assert!(
        text(&stranger).contains("no operator \"nobody\" in "),
        "{}",
        text(&stranger)
    );
    let stock = rekam(&["cards", "stock", "--config", c]);
    assert!(stock.status.success(), "{}", text(&stock));
    let out = text(&stock);
    assert!(out.contains("blank cards in stock: 300"), "{out}");
    assert!(
        out.contains("printed today: 0 of the daily target 50"),
        "{out}"
    );
    assert!(!out.contains("ALERT"), "{out}");
    let json = rekam(&["cards", "stock", "--config", c, "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
    assert_eq!(v["in_stock"], 300);
    assert_eq!(v["alert"], false);
    assert_eq!(v["batches"][0]["batch"]["batch_id"], "B-1");
    // Empty stock: the alert line, and still exit 0.
    let dir2 = tempfile::tempdir().expect("dir");
    let cfg2 = write_config(dir2.path(), false);
    let empty = rekam(&["cards", "stock", "--config", cfg2.to_str().expect("utf-8")]);
    assert!(empty.status.success(), "{}", text(&empty));
    assert!(
        text(&empty).contains("ALERT: no blank cards left"),
        "{}",
        text(&empty)
    );
}

#[test]
fn killing_rekam_while_a_card_is_in_the_printer_prints_that_order_exactly_once_after_restart() {
    let dir = tempfile::tempdir().expect("dir");
    let cfg = write_config(dir.path(), true);
    let c = cfg.to_str().expect("utf-8").to_string();
    {
        let mut s = store(&cfg);
        for n in 1..=2 {
            s.put_print_order(&order(n), 1).expect("order");
        }
        s.receive_card_batch(
            &rekam_agent::store::cards::CardBatch {
                batch_id: "B-1".into(),
                prefix: "KTP-2026A-".into(),
                first: 1,
                last: 10,
            },
            "op1",
            1,
        )
        .expect("batch");
    }
    let chip = dir
        .path()
        .join("data")
        .join(rekam_agent::serve::SIM_CHIP_FILE);
    let mut child = Command::new(env!("CARGO_BIN_EXE_rekam"))
        .args(["cards", "print", "--config", &c, "--all", "--by", "op1"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    // The chip is written after the blank is recorded `printing` and before the 20 s print.
    let start = Instant::now();
    while !std::fs::metadata(&chip).is_ok_and(|m| m.len() > 0) {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "no card reached the printer"
        );
        assert!(
            child.try_wait().expect("wait").is_none(),
            "rekam ended early"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // Killed once the printer has taken the panels (the card is being printed).
    let taken = || {
        let s = store(&cfg);
        s.card_blanks(None)
            .expect("blanks")
            .iter()
            .any(|b| b.state == BlankState::Printing && s.blank_submitted(&b.serial).expect("read"))
    };
    while !taken() {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "the printer never took the card"
        );
        assert!(
            child.try_wait().expect("wait").is_none(),
            "rekam ended early"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().expect("SIGKILL");
    child.wait().expect("reaped");
    {
        let s = store(&cfg);
        let printing: Vec<_> = s
            .card_blanks(None)
            .expect("blanks")
            .into_iter()
            .filter(|b| b.state == BlankState::Printing)
            .collect();
        assert_eq!(printing.len(), 1, "the kill left one card in the printer");
        assert_eq!(printing[0].order_id.as_deref(), Some("PO-0001"));
    }
    // Restarted (a fast printer now): the card in the printer is read back and completed, and
    // the queue goes on.
    write_config(dir.path(), false);
    let again = rekam(&["cards", "print", "--config", &c, "--all", "--by", "op1"]);
    let out = text(&again);
    assert!(again.status.success(), "{out}");
    assert!(
        out.contains(
            "PO-0001: left in the printer by an interruption: printed on KTP-2026A-000001"
        ),
        "{out}"
    );
    assert!(
        out.contains("PO-0002: printed on KTP-2026A-000002"),
        "{out}"
    );
    let s = store(&cfg);
    for (id, serial) in [
        ("PO-0001", "KTP-2026A-000001"),
        ("PO-0002", "KTP-2026A-000002"),
    ] {
        let o = s.print_order(id).expect("order").expect("held");
        assert_eq!(o.state, OrderState::Printed);
        assert_eq!(o.card_serial.as_deref(), Some(serial));
        let blanks = s.card_blanks(Some(id)).expect("blanks");
        assert_eq!(blanks.len(), 1, "{id}: {blanks:?}");
    }
    assert_eq!(s.due_card_reports(i64::MAX, 10).expect("due").len(), 2);
    s.verify_audit().expect("audit chain intact");
    let queue = rekam(&["cards", "queue", "--config", &c]);
    let q = text(&queue);
    assert!(queue.status.success(), "{q}");
    assert!(q.contains("2 orders, 0 waiting to be printed"), "{q}");
}
