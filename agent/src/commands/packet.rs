//! `rekam packet`: seal a sample enrollment, inspect a packet without keys, open and verify one.
//!
//! Contract: any failure is one error naming the file and the reason (for opening, the protocol's
//! specific rejection: sealed to another key, ciphertext altered, unknown workstation, ...).

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};
use rekam_protocol::model::{FingerRecord, check_identifier};
use rekam_protocol::packet::{self, Inspection, OpenedPacket};
use rekam_protocol::{RegistryPublicKey, TrustedWorkstation};
use rekam_sim::sample::{self, SampleOptions};
use ring::rand::{SecureRandom, SystemRandom};
use serde_json::json;

use super::keys;
use crate::files;

/// Milliseconds since the Unix epoch, from the system clock.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// 32 fresh random bytes for the HPKE ephemeral key.
pub fn fresh_ikm(rng: &SystemRandom) -> Result<[u8; 32]> {
    let mut ikm = [0u8; 32];
    rng.fill(&mut ikm)
        .map_err(|_| anyhow::anyhow!("the random number generator failed"))?;
    Ok(ikm)
}

fn workstation_id_beside(
    key_path: &Path,
    key: &rekam_protocol::WorkstationSigningKey,
) -> Result<String> {
    let pub_path = key_path.with_extension("pub");
    let text = files::read_text(&pub_path).with_context(|| {
        format!(
            "no --workstation-id given and no public key file {} beside the key",
            pub_path.display()
        )
    })?;
    let line = text
        .lines()
        .find(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .unwrap_or("");
    let entry =
        TrustedWorkstation::parse_line(line).with_context(|| format!("{}", pub_path.display()))?;
    if &entry.key != key.public_key() {
        bail!(
            "{} holds a different key than {}",
            pub_path.display(),
            key_path.display()
        );
    }
    Ok(entry.workstation_id)
}

/// `rekam packet sample`.
pub fn sample(
    key_path: &Path,
    registry_pub: &Path,
    out_path: &Path,
    seed: u64,
    workstation_id: Option<&str>,
    out: &mut dyn Write,
) -> Result<()> {
    let key = keys::load_workstation_key(key_path)?;
    let registry = RegistryPublicKey::parse_text(&files::read_text(registry_pub)?)
        .with_context(|| format!("{}", registry_pub.display()))?;
    let ws = match workstation_id {
        Some(id) => id.to_string(),
        None => workstation_id_beside(key_path, &key)?,
    };
    check_identifier("--workstation-id", &ws)?;
    if out_path.exists() {
        bail!(
            "{} already exists; refusing to overwrite it",
            out_path.display()
        );
    }
    let rng = SystemRandom::new();
    let mut enrollment = sample::enrollment(&SampleOptions::realistic(seed, &ws, now_ms()));
    let sealed = packet::seal(&mut enrollment, &key, &registry, fresh_ikm(&rng)?, &rng)?;
    files::write_new(out_path, &sealed.bytes, 0o644)?;
    writeln!(
        out,
        "sealed enrollment {} of {} ({}) from workstation {}",
        enrollment.id, enrollment.applicant.full_name, enrollment.applicant.nik, ws
    )?;
    writeln!(
        out,
        "  {} parts, {} bytes, packet id {}",
        sealed.manifest.parts.len(),
        sealed.bytes.len(),
        sealed.id
    )?;
    writeln!(out, "  written to {}", out_path.display())?;
    Ok(())
}

fn inspection_json(i: &Inspection) -> serde_json::Value {
    json!({
        "packet_id": i.id.to_string(),
        "format_version": rekam_protocol::envelope::VERSION,
        "hpke_suite": {"kem": "0x0020", "kdf": "0x0001", "aead": "0x0002"},
        "enrollment_id": i.header.enrollment_id.to_string(),
        "enrollment_created": i.enrollment_created.to_string(),
        "workstation_id": i.header.workstation_id,
        "registry_key_id": i.header.registry_key.to_string(),
        "sealed_bytes": i.sealed_len,
        "ciphertext_bytes": i.ciphertext_len,
    })
}

/// `rekam packet inspect`.
pub fn inspect(file: &Path, json: bool, out: &mut dyn Write) -> Result<()> {
    let bytes = files::read(file)?;
    let i = packet::inspect(&bytes).with_context(|| format!("{}", file.display()))?;
    if json {
        writeln!(out, "{}", inspection_json(&i))?;
        return Ok(());
    }
    writeln!(
        out,
        "rekam packet v{} ({} bytes)",
        rekam_protocol::envelope::VERSION,
        i.sealed_len
    )?;
    writeln!(out, "  packet id:       {}", i.id)?;
    writeln!(
        out,
        "  enrollment id:   {} (minted {})",
        i.header.enrollment_id, i.enrollment_created
    )?;
    writeln!(out, "  workstation:     {}", i.header.workstation_id)?;
    writeln!(out, "  sealed to key:   {}", i.header.registry_key)?;
    writeln!(
        out,
        "  sealing:         HPKE base, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM"
    )?;
    writeln!(
        out,
        "  ciphertext:      {} bytes (contents need the registry key)",
        i.ciphertext_len
    )?;
    Ok(())
}

fn opened_json(p: &OpenedPacket) -> serde_json::Value {
    json!({
        "packet_id": p.id.to_string(),
        "verified": true,
        "signer": {"workstation_id": p.signer.workstation_id, "key_id": p.signer.key.key_id().to_string(), "algorithm": p.signer.key.algorithm().name()},
        "manifest": p.manifest,
        "enrollment": p.enrollment,
    })
}

/// Opens and fully verifies the packet in `file` with the registry key and trusted workstation
/// keys: the one open path of `rekam packet open` and `rekam packet export`.
pub fn open_verified(registry_key: &Path, trust: &[PathBuf], file: &Path) -> Result<OpenedPacket> {
    let key = keys::load_registry_key(registry_key)?;
    let trust = keys::load_trust(trust)?;
    let bytes = files::read(file)?;
    packet::open(&bytes, &key, &trust).with_context(|| format!("{} rejected", file.display()))
}

/// `rekam packet open`.
pub fn open(
    registry_key: &Path,
    trust: &[PathBuf],
    file: &Path,
    export: Option<&Path>,
    json: bool,
    out: &mut dyn Write,
) -> Result<()> {
    let opened = open_verified(registry_key, trust, file)?;
    if let Some(dir) = export {
        fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        for (part, data) in opened.parts() {
            files::write_new(&dir.join(&part.name), data, 0o600)?;
        }
    }
    if json {
        writeln!(out, "{}", opened_json(&opened))?;
        return Ok(());
    }
    let e = &opened.enrollment;
    let a = &e.applicant;
    writeln!(out, "packet {} verified", opened.id)?;
    writeln!(
        out,
        "  signed by:   workstation {} (key {})",
        opened.signer.workstation_id,
        opened.signer.key.key_id()
    )?;
    writeln!(
        out,
        "  enrollment:  {} recorded {} .. {}",
        e.id, e.context.started_at, e.context.finished_at
    )?;
    writeln!(
        out,
        "  resident:    {} NIK {} born {} in {}",
        a.full_name,
        a.nik,
        rekam_protocol::timefmt::format_date(a.date_of_birth),
        a.place_of_birth
    )?;
    let fingers: Vec<String> = e
        .biometrics
        .fingers
        .iter()
        .map(|f| match &f.record {
            FingerRecord::Captured(c) => format!("{}:{}", f.position.code(), c.quality.score),
            FingerRecord::Exception(x) => format!("{}:{:?}", f.position.code(), x.reason),
        })
        .collect();
    writeln!(
        out,
        "  fingers:     {} (position:quality)",
        fingers.join(" ")
    )?;
    let [c1, c2] = e.biometrics.chip_fingers;
    writeln!(out, "  chip:        {c1}, {c2}")?;
    writeln!(
        out,
        "  parts:       {} parts, every SHA-256 checked",
        opened.manifest.parts.len()
    )?;
    if let Some(dir) = export {
        writeln!(out, "  exported to: {}", dir.display())?;
    }
    Ok(())
}
