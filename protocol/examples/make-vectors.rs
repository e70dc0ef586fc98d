//! Writes the packet test vectors in `protocol/tests/vectors/` from fixed keys and entropy.
//!
//! Run: `cargo run -p rekam-protocol --example make-vectors`. The output is deterministic
//! (Ed25519 signatures and the HPKE ephemeral key derive from the fixed inputs), so running it
//! again rewrites the same bytes; the `vectors` test checks the files against the code.

use std::fs;
use std::path::Path;

use rekam_protocol::packet;
use rekam_protocol::{RegistryPrivateKey, WorkstationSigningKey};
use rekam_sim::sample::{self, SampleOptions};
use ring::rand::SystemRandom;
use serde_json::json;

const ED25519_PKCS8_V1_PREFIX: [u8; 16] = [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors");
    let seed: [u8; 32] = core::array::from_fn(|i| i as u8);
    let mut der = ED25519_PKCS8_V1_PREFIX.to_vec();
    der.extend_from_slice(&seed);
    let rng = SystemRandom::new();
    let key = WorkstationSigningKey::from_pkcs8_der(&der, &rng)?;
    let registry_secret: [u8; 32] = core::array::from_fn(|i| 0xa0 ^ i as u8);
    let registry = RegistryPrivateKey::from_secret(registry_secret);
    let ikm: [u8; 32] = core::array::from_fn(|i| 0x55 ^ (i as u8).wrapping_mul(3));
    let workstation_id = "WS-3171-CPT-01";
    let opts = SampleOptions {
        finger_size: 12,
        face_size: (12, 16),
        signature_size: (16, 6),
        ..SampleOptions::tiny(2026, workstation_id, 1_763_890_000_000)
    };
    let mut enrollment = sample::enrollment(&opts);
    let sealed = packet::seal(&mut enrollment, &key, registry.public_key(), ikm, &rng)?;
    fs::write(dir.join("packet-v1-ed25519.rkp"), &sealed.bytes)?;
    fs::write(
        dir.join("packet-v1-ed25519.manifest.json"),
        sealed.manifest.encode(),
    )?;
    let inputs = json!({
        "description": "Inputs of packet-v1-ed25519.rkp; see SPEC.md section 9.",
        "workstation_id": workstation_id,
        "workstation_ed25519_seed": hex::encode(seed),
        "workstation_pkcs8_der": hex::encode(&der),
        "workstation_public_key": hex::encode(key.public_key().raw()),
        "workstation_key_id": key.public_key().key_id().to_string(),
        "registry_x25519_secret": hex::encode(registry_secret),
        "registry_pkcs8_der": hex::encode(registry.to_pkcs8_der()),
        "registry_public_key": hex::encode(registry.public_key().0),
        "registry_key_id": registry.public_key().key_id().to_string(),
        "hpke_ikm_e": hex::encode(ikm),
        "packet_id": sealed.id.to_string(),
        "sealed_length": sealed.bytes.len(),
    });
    fs::write(
        dir.join("packet-v1-ed25519.inputs.json"),
        serde_json::to_string_pretty(&inputs)? + "\n",
    )?;
    println!(
        "wrote {} ({} bytes, id {})",
        dir.join("packet-v1-ed25519.rkp").display(),
        sealed.bytes.len(),
        sealed.id
    );
    Ok(())
}
