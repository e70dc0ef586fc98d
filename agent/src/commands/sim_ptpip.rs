//! `rekam sim ptpip`: the simulated Canon EOS camera on PTP/IP, for libgphoto2, rekam's own
//! driver, or any PTP/IP client.
//!
//! Contract: binds the address (default 127.0.0.1:15740, the standard port), prints the bound
//! address as the first line of output and flushes it, then serves until the process is killed.

use std::io::Write;
use std::net::{SocketAddr, TcpListener};
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result};
use rekam_drivers::cancel::CancelToken;
use rekam_sim::devices::camera::{CameraConfig, FaceScene, SimCamera};
use rekam_sim::ptp::SimPtpCamera;
use rekam_sim::synth::Background;

/// Serves a portrait camera looking at a sitter on a red backdrop.
pub fn run(listen: SocketAddr, seed: u64, out: &mut dyn Write) -> Result<()> {
    let listener =
        TcpListener::bind(listen).with_context(|| format!("cannot listen on {listen}"))?;
    let camera = SimPtpCamera::new(SimCamera::new(
        CameraConfig::portrait(seed),
        FaceScene::framed(Background::Red),
    ));
    // Clients are pointed at the printed address, so it goes out before serving.
    writeln!(out, "{}", listener.local_addr()?)?;
    out.flush()?;
    rekam_sim::ptp::serve(listener, Arc::new(Mutex::new(camera)), CancelToken::new())
        .context("PTP/IP server failed")
}
