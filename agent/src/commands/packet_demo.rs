//! `rekam packet demo`: the packet life cycle on a synthetic enrollment, narrated: keys, seal,
//! inspect, open, and a tampered packet and an untrusted signer rejected.
//!
//! Contract: runs in a fresh temporary directory (or `--keep DIR`, which must not exist), uses only
//! the public commands' code paths, and fails loudly if any step does not behave as specified,
//! including a tampered packet that is not rejected.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use rekam_protocol::packet;

use super::{keys, packet as packet_cmd};
use crate::files;

/// Runs the demo.
pub fn run(keep: Option<&Path>, out: &mut dyn Write) -> Result<()> {
    let _tmp;
    let dir: PathBuf = match keep {
        Some(d) => {
            if d.exists() {
                bail!(
                    "{} already exists; give --keep a new directory",
                    d.display()
                );
            }
            d.to_path_buf()
        }
        None => {
            _tmp = tempdir()?;
            _tmp.0.clone()
        }
    };
    writeln!(out, "rekam packet demo in {}\n", dir.display())?;
    writeln!(
        out,
        "1. A workstation key (the recording desk signs every packet with it)"
    )?;
    keys::workstation_new(&dir.join("ws"), Some("WS-3171-CPT-01"), "ed25519", out)?;
    writeln!(
        out,
        "\n2. A registry key (packets are sealed so only the registry can open them)"
    )?;
    keys::registry_new(&dir.join("registry"), Some("REG-DEMO"), out)?;
    writeln!(out, "\n3. A synthetic enrollment sealed into a packet")?;
    let pkt = dir.join("enrollment.rkp");
    packet_cmd::sample(
        &dir.join("ws/workstation.key"),
        &dir.join("registry/registry.pub"),
        &pkt,
        17,
        None,
        out,
    )?;
    writeln!(out, "\n4. What anyone can see without keys")?;
    packet_cmd::inspect(&pkt, false, out)?;
    writeln!(out, "\n5. The registry opens and verifies it")?;
    let trust = [dir.join("ws/workstation.pub")];
    packet_cmd::open(
        &dir.join("registry/registry.key"),
        &trust,
        &pkt,
        Some(&dir.join("opened")),
        false,
        out,
    )?;
    writeln!(out, "\n6. One flipped bit in the middle of the packet")?;
    let mut bytes = files::read(&pkt)?;
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x01;
    let registry = keys::load_registry_key(&dir.join("registry/registry.key"))?;
    let store = keys::load_trust(&trust)?;
    match packet::open(&bytes, &registry, &store) {
        Ok(_) => bail!("a tampered packet was accepted"),
        Err(e) => writeln!(out, "  rejected: {e}")?,
    }
    writeln!(
        out,
        "\n7. A packet from a workstation the registry does not trust"
    )?;
    keys::workstation_new(
        &dir.join("rogue"),
        Some("WS-ROGUE"),
        "ecdsa-p256-sha256",
        &mut std::io::sink(),
    )?;
    let rogue_pkt = dir.join("rogue.rkp");
    packet_cmd::sample(
        &dir.join("rogue/workstation.key"),
        &dir.join("registry/registry.pub"),
        &rogue_pkt,
        18,
        None,
        &mut std::io::sink(),
    )?;
    match packet::open(&files::read(&rogue_pkt)?, &registry, &store) {
        Ok(_) => bail!("a packet from an untrusted workstation was accepted"),
        Err(e) => writeln!(out, "  rejected: {e}")?,
    }
    writeln!(
        out,
        "\nDone: sealed, inspected, opened and verified; tampering and untrusted signers rejected."
    )?;
    Ok(())
}

/// A directory removed on drop.
pub struct TempDir(pub PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A new directory under the system's temporary directory.
pub fn tempdir() -> Result<TempDir> {
    let mut nonce = [0u8; 8];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut nonce)
        .map_err(|_| anyhow::anyhow!("the random number generator failed"))?;
    let dir = std::env::temp_dir().join(format!("rekam-demo-{}", hex::encode(nonce)));
    std::fs::create_dir(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(TempDir(dir))
}
