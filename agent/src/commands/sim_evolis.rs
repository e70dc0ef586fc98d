//! `rekam sim evolis`: an Evolis card printer simulator on TCP for the driver, the daemon
//! (`[devices] printer = "evolis:tcp:127.0.0.1:9100"`) or any other host speaking the A5013
//! command set.
//!
//! Contract: binds `--listen` (default 127.0.0.1:9100, the raw printing port networked Evolis
//! printers use), prints the bound address as the first line, then serves until killed, writing
//! every printed card as `card-NNNN-front.png` (and `-back.png`) into `--out`, each atomically.
//! The printer starts ready: a 200-card YMCKO ribbon, 100 blank cards, cover closed.

use std::io::Write;
use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use anyhow::{Context, Result};
use rekam_sim::evolis::EvolisState;
use rekam_sim::evolis::server::{SharedPrinter, serve};

/// Serves until the process is killed.
pub fn run(listen: SocketAddr, dir: &Path, out: &mut dyn Write) -> Result<()> {
    let printer = SharedPrinter::new(EvolisState::default(), dir)
        .with_context(|| format!("cannot create {}", dir.display()))?;
    let listener =
        TcpListener::bind(listen).with_context(|| format!("cannot listen on {listen}"))?;
    let addr = listener.local_addr()?;
    // Scripts connect to the printed address, so it goes out before serving.
    writeln!(out, "{addr}")?;
    out.flush()?;
    serve(listener, printer, Arc::new(AtomicBool::new(false)))
        .with_context(|| format!("the Evolis simulator on {addr} stopped"))
}
