//! `rekam sim isdv4 --pty`: the simulated ISDV4 digitizer on a pseudo-terminal, for trying the
//! `isdv4:` signature pad setting (or any ISDV4 client) without hardware.
//!
//! Contract: the pty path is the first line printed, flushed before serving; the command then
//! serves until killed, in real time.

use std::io::Write;

use anyhow::Result;
use rekam_sim::wacom::{Isdv4Config, spawn_isdv4_pty};

/// Serves until killed.
pub fn run(seed: u64, out: &mut dyn Write) -> Result<()> {
    let (path, handle) = spawn_isdv4_pty(Isdv4Config { seed, speed: 1.0 })?;
    // Whoever started us reads the path to point the pad setting or a client at it.
    writeln!(out, "{}", path.display())?;
    out.flush()?;
    handle.wait()?;
    Ok(())
}
