//! SPEC.md is enough to open a packet: an independent implementation (Python: pyhpke for HPKE,
//! `cryptography` for keys and signatures, hashlib) opens and verifies packets sealed by rekam,
//! with Ed25519 and with ECDSA P-256 signers, and rejects a tampered one.

use std::fs;
use std::path::Path;
use std::process::Command;

use rekam_protocol::{
    RegistryPrivateKey, SignatureAlgorithm, TrustedWorkstation, WorkstationSigningKey, packet,
};
use rekam_sim::sample::{self, SampleOptions};
use rekam_tests::{reference_python, workspace_root};
use ring::rand::SystemRandom;
use serde_json::Value;

fn run_reference(python: &Path, dir: &Path, packet_file: &str) -> (bool, String, String) {
    let out = Command::new(python)
        .arg(workspace_root().join("tests/python/open_packet.py"))
        .arg(dir.join(packet_file))
        .arg(dir.join("registry.key"))
        .arg(dir.join("workstation.pub"))
        .output()
        .expect("python runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[test]
fn an_independent_implementation_opens_rekam_packets_and_rejects_tampering() {
    let Some(python) = reference_python() else {
        return;
    };
    let rng = SystemRandom::new();
    for (i, alg) in [
        SignatureAlgorithm::Ed25519,
        SignatureAlgorithm::EcdsaP256Sha256,
    ]
    .into_iter()
    .enumerate()
    {
        let dir = tempfile::tempdir().expect("tempdir");
        let (key, _) = WorkstationSigningKey::generate(alg, &rng).expect("key");
        let registry = RegistryPrivateKey::generate(&rng).expect("registry");
        let entry = TrustedWorkstation {
            workstation_id: "WS-PY-01".into(),
            key: key.public_key().clone(),
        };
        fs::write(dir.path().join("registry.key"), registry.to_pem()).expect("write");
        fs::write(dir.path().join("workstation.pub"), entry.to_text()).expect("write");
        let mut e = sample::enrollment(&SampleOptions {
            with_exception: true,
            ..SampleOptions::tiny(i as u64, "WS-PY-01", 1_763_890_000_000)
        });
        let sealed = packet::seal(&mut e, &key, registry.public_key(), [i as u8 + 1; 32], &rng)
            .expect("seal");
        fs::write(dir.path().join("p.rkp"), &sealed.bytes).expect("write");

        let (ok, stdout, stderr) = run_reference(&python, dir.path(), "p.rkp");
        assert!(ok, "reference rejected a valid {alg} packet: {stderr}");
        let v: Value = serde_json::from_str(&stdout).expect("json");
        assert_eq!(v["packet_id"], sealed.id.to_string());
        assert_eq!(v["enrollment_id"], e.id.to_string());
        assert_eq!(v["signer_algorithm"], alg.name());
        assert_eq!(v["nik"], e.applicant.nik.to_string());
        assert_eq!(
            v["parts"].as_array().expect("parts").len(),
            sealed.manifest.parts.len()
        );
        assert_eq!(v["face_bytes"], e.biometrics.face.image.data.bytes().len());

        let mut tampered = sealed.bytes.clone();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        fs::write(dir.path().join("t.rkp"), &tampered).expect("write");
        let (ok, _, stderr) = run_reference(&python, dir.path(), "t.rkp");
        assert!(!ok && stderr.contains("ciphertext altered"), "{stderr}");
    }
}

#[test]
fn the_reference_opens_the_stored_specification_vector() {
    let Some(python) = reference_python() else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let inputs: Value = serde_json::from_str(
        &fs::read_to_string(
            workspace_root().join("protocol/tests/vectors/packet-v1-ed25519.inputs.json"),
        )
        .expect("read"),
    )
    .expect("json");
    let hexv = |k: &str| hex::decode(inputs[k].as_str().expect(k)).expect("hex");
    let registry =
        RegistryPrivateKey::from_pkcs8_der(&hexv("registry_pkcs8_der")).expect("registry");
    fs::write(dir.path().join("registry.key"), registry.to_pem()).expect("write");
    let key =
        WorkstationSigningKey::from_pkcs8_der(&hexv("workstation_pkcs8_der"), &SystemRandom::new())
            .expect("key");
    let entry = TrustedWorkstation {
        workstation_id: inputs["workstation_id"].as_str().expect("ws").into(),
        key: key.public_key().clone(),
    };
    fs::write(dir.path().join("workstation.pub"), entry.to_text()).expect("write");
    fs::copy(
        workspace_root().join("protocol/tests/vectors/packet-v1-ed25519.rkp"),
        dir.path().join("v.rkp"),
    )
    .expect("copy");
    let (ok, stdout, stderr) = run_reference(&python, dir.path(), "v.rkp");
    assert!(ok, "{stderr}");
    let v: Value = serde_json::from_str(&stdout).expect("json");
    assert_eq!(v["packet_id"], inputs["packet_id"]);
}
