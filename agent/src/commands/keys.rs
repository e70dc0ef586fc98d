//! `rekam keys`: generate workstation and registry keys.
//!
//! Contract: private keys are written as PKCS#8 PEM with mode 0600 and public keys in the one-line
//! text form of SPEC.md §2; nothing is written if either file of the pair already exists.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use rekam_protocol::model::check_identifier;
use rekam_protocol::{
    RegistryPrivateKey, RegistryPublicKey, SignatureAlgorithm, TrustStore, TrustedRegistry,
    TrustedWorkstation, WorkstationSigningKey, pem,
};
use ring::rand::SystemRandom;

use crate::files;

fn prepare(dir: &Path, names: [&str; 2]) -> Result<[PathBuf; 2]> {
    fs::create_dir_all(dir)
        .with_context(|| format!("cannot create directory {}", dir.display()))?;
    let paths = names.map(|n| dir.join(n));
    for p in &paths {
        if p.exists() {
            bail!(
                "{} already exists; refusing to overwrite a key",
                p.display()
            );
        }
    }
    Ok(paths)
}

/// `rekam keys workstation-new`.
pub fn workstation_new(
    dir: &Path,
    id: Option<&str>,
    algorithm: &str,
    out: &mut dyn Write,
) -> Result<()> {
    let algorithm: SignatureAlgorithm = algorithm.parse()?;
    let [key_path, pub_path] = prepare(dir, ["workstation.key", "workstation.pub"])?;
    let rng = SystemRandom::new();
    let (key, der) = WorkstationSigningKey::generate(algorithm, &rng)?;
    let key_id = key.public_key().key_id();
    let workstation_id = match id {
        Some(id) => id.to_string(),
        None => format!("ws-{}", &key_id.to_string()[..12]),
    };
    check_identifier("--id", &workstation_id)?;
    let entry = TrustedWorkstation {
        workstation_id: workstation_id.clone(),
        key: key.public_key().clone(),
    };
    files::write_new(
        &key_path,
        pem::encode("PRIVATE KEY", &der).as_bytes(),
        0o600,
    )?;
    files::write_new(&pub_path, entry.to_text().as_bytes(), 0o644)?;
    writeln!(
        out,
        "workstation {workstation_id}: {algorithm} key {key_id}"
    )?;
    writeln!(
        out,
        "  private key: {} (mode 0600, keep it on this workstation)",
        key_path.display()
    )?;
    writeln!(
        out,
        "  public key:  {} (give it to the registry)",
        pub_path.display()
    )?;
    Ok(())
}

/// `rekam keys registry-new`: the sealing key pair (X25519) and the receipt-signing key pair
/// (Ed25519) that workstations use to verify the registry's receipts.
pub fn registry_new(dir: &Path, id: Option<&str>, out: &mut dyn Write) -> Result<()> {
    let [key_path, pub_path] = prepare(dir, ["registry.key", "registry.pub"])?;
    let [rkey_path, rpub_path] = prepare(dir, ["receipt.key", "receipt.pub"])?;
    let rng = SystemRandom::new();
    let key = RegistryPrivateKey::generate(&rng)?;
    let (receipt_key, receipt_der) =
        WorkstationSigningKey::generate(SignatureAlgorithm::Ed25519, &rng)?;
    let registry_id = match id {
        Some(id) => id.to_string(),
        None => format!("registry-{}", &key.public_key().key_id().to_string()[..12]),
    };
    check_identifier("--id", &registry_id)?;
    let trusted = TrustedRegistry {
        registry_id: registry_id.clone(),
        key: receipt_key.public_key().clone(),
    };
    files::write_new(&key_path, key.to_pem().as_bytes(), 0o600)?;
    files::write_new(&pub_path, key.public_key().to_text().as_bytes(), 0o644)?;
    files::write_new(
        &rkey_path,
        pem::encode("PRIVATE KEY", &receipt_der).as_bytes(),
        0o600,
    )?;
    files::write_new(&rpub_path, trusted.to_text().as_bytes(), 0o644)?;
    writeln!(
        out,
        "registry {registry_id}: sealing key {}",
        key.public_key().key_id()
    )?;
    writeln!(
        out,
        "  private keys: {} and {} (mode 0600, keep them at the registry)",
        key_path.display(),
        rkey_path.display()
    )?;
    writeln!(
        out,
        "  public keys:  {} and {} (install both on every workstation)",
        pub_path.display(),
        rpub_path.display()
    )?;
    Ok(())
}

/// What kind of registry public key `text` is, if it is one.
fn registry_key_kind(text: &str) -> Option<&'static str> {
    if RegistryPublicKey::parse_text(text).is_ok() {
        Some("sealing key")
    } else if TrustedRegistry::parse_text(text).is_ok() {
        Some("receipt key")
    } else {
        None
    }
}

/// Loads the registry's receipt key as workstations trust it.
pub fn load_trusted_registry(path: &Path) -> Result<TrustedRegistry> {
    TrustedRegistry::parse_text(&files::read_text(path)?)
        .with_context(|| format!("{}", path.display()))
}

/// Loads a workstation private key from PEM.
pub fn load_workstation_key(path: &Path) -> Result<WorkstationSigningKey> {
    let text = files::read_text(path)?;
    WorkstationSigningKey::from_pem(&text, &SystemRandom::new())
        .with_context(|| format!("{}", path.display()))
}

/// Loads a registry private key from PEM.
pub fn load_registry_key(path: &Path) -> Result<RegistryPrivateKey> {
    RegistryPrivateKey::from_pem(&files::read_text(path)?)
        .with_context(|| format!("{}", path.display()))
}

/// Builds a trust store from files and directories of `*.pub` files. A directory may also hold
/// the registry's own public keys (a workstation's `keys/` holds `registry.pub` and
/// `receipt.pub`): those are passed over with a note on stderr; any other file that is not a
/// workstation key is an error naming it.
pub fn load_trust(paths: &[PathBuf]) -> Result<TrustStore> {
    let mut store = TrustStore::new();
    for path in paths {
        let dir = path.is_dir();
        let files: Vec<PathBuf> = if dir {
            let mut v: Vec<PathBuf> = fs::read_dir(path)
                .with_context(|| format!("cannot list {}", path.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "pub"))
                .collect();
            v.sort();
            v
        } else {
            vec![path.clone()]
        };
        for f in files {
            let text = files::read_text(&f)?;
            if dir && let Some(kind) = registry_key_kind(&text) {
                eprintln!(
                    "note: {} is the registry's {kind}, not a workstation key; skipped",
                    f.display()
                );
                continue;
            }
            store
                .add_text(&text)
                .with_context(|| format!("{}", f.display()))?;
        }
    }
    if store.is_empty() {
        bail!(
            "no trusted workstation keys found in {}",
            paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    Ok(store)
}
