//! `rekam sim evolis` through the real binary: it prints its address first, the configured-printer
//! path of the daemon (`[devices] printer = "evolis:tcp:..."`) prints a card on it, and the card
//! lands in `--out` as PNG.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use rekam_agent::devices::printer_config::{PrinterSetting, open_printer};
use rekam_drivers::printer::{CardSide, MonoPanel, PrintJob};

/// Kills the simulator when the test ends, passing or not.
struct Sim(Child);

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn sim_evolis_prints_its_address_and_writes_the_configured_printers_card() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("cards");
    let mut sim = Sim(Command::new(env!("CARGO_BIN_EXE_rekam"))
        .args(["sim", "evolis", "--listen", "127.0.0.1:0", "--out"])
        .arg(&out)
        .stdout(Stdio::piped())
        .spawn()
        .expect("rekam runs"));
    let stdout = sim.0.stdout.take().expect("piped stdout");
    let mut first = String::new();
    BufReader::new(stdout)
        .read_line(&mut first)
        .expect("reads the address");
    let addr = first.trim();
    assert!(addr.starts_with("127.0.0.1:"), "{first:?}");

    let setting = PrinterSetting::parse(&format!("evolis:tcp:{addr}")).expect("setting");
    let mut printer = open_printer(&setting).expect("opens");
    let size = printer.capabilities().panel;
    let dots = vec![true; (size.width * size.height) as usize];
    let job = PrintJob {
        front: CardSide {
            black: Some(MonoPanel::new(size, dots).expect("card-sized")),
            ..CardSide::default()
        },
        back: None,
    };
    printer.print(&job).expect("prints");

    let png = std::fs::read(out.join("card-0001-front.png")).expect("the card is written");
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
    assert!(!out.join("card-0001-back.png").exists());
}
