//! The packet test vectors in `tests/vectors/` (made by `examples/make-vectors.rs`, shown in
//! SPEC.md §8): the stored packet opens with the stored keys, and sealing the same enrollment with
//! the same inputs reproduces it byte for byte, so the format cannot drift unnoticed.

use rekam_protocol::packet;
use rekam_protocol::{
    Manifest, RegistryPrivateKey, TrustStore, TrustedWorkstation, WorkstationSigningKey,
};
use ring::rand::SystemRandom;
use serde_json::Value;

const SEALED: &[u8] = include_bytes!("vectors/packet-v1-ed25519.rkp");
const MANIFEST: &[u8] = include_bytes!("vectors/packet-v1-ed25519.manifest.json");

fn inputs() -> Value {
    serde_json::from_str(include_str!("vectors/packet-v1-ed25519.inputs.json")).expect("json")
}

fn bytes(v: &Value, k: &str) -> Vec<u8> {
    hex::decode(v[k].as_str().expect(k)).expect("hex")
}

fn keys() -> (WorkstationSigningKey, RegistryPrivateKey, TrustStore) {
    let v = inputs();
    let key = WorkstationSigningKey::from_pkcs8_der(
        &bytes(&v, "workstation_pkcs8_der"),
        &SystemRandom::new(),
    )
    .expect("key");
    assert_eq!(
        key.public_key().raw(),
        bytes(&v, "workstation_public_key").as_slice()
    );
    assert_eq!(
        key.public_key().key_id().to_string(),
        v["workstation_key_id"].as_str().expect("id")
    );
    let registry =
        RegistryPrivateKey::from_pkcs8_der(&bytes(&v, "registry_pkcs8_der")).expect("registry");
    assert_eq!(
        registry.public_key().0.to_vec(),
        bytes(&v, "registry_public_key")
    );
    let mut trust = TrustStore::new();
    let ws = v["workstation_id"].as_str().expect("ws").to_string();
    trust
        .insert(TrustedWorkstation {
            workstation_id: ws,
            key: key.public_key().clone(),
        })
        .expect("trust");
    (key, registry, trust)
}

#[test]
fn the_stored_packet_opens_and_its_manifest_is_the_stored_one() {
    let (_, registry, trust) = keys();
    let opened = packet::open(SEALED, &registry, &trust).expect("opens");
    assert_eq!(opened.manifest.encode(), MANIFEST);
    assert_eq!(
        Manifest::decode(MANIFEST).expect("decodes"),
        opened.manifest
    );
    assert_eq!(
        opened.id.to_string(),
        inputs()["packet_id"].as_str().expect("id")
    );
}

#[test]
fn sealing_the_same_enrollment_with_the_same_inputs_reproduces_the_vector() {
    let (key, registry, trust) = keys();
    let mut enrollment = packet::open(SEALED, &registry, &trust)
        .expect("opens")
        .enrollment;
    let ikm: [u8; 32] = bytes(&inputs(), "hpke_ikm_e").try_into().expect("32 bytes");
    let again = packet::seal(
        &mut enrollment,
        &key,
        registry.public_key(),
        ikm,
        &SystemRandom::new(),
    )
    .expect("seal");
    assert_eq!(again.bytes, SEALED);
}

#[test]
fn the_worked_example_in_spec_md_matches_the_vector() {
    let spec = include_str!("../SPEC.md");
    let v = inputs();
    for key in [
        "packet_id",
        "workstation_key_id",
        "registry_key_id",
        "workstation_public_key",
        "registry_public_key",
        "hpke_ikm_e",
    ] {
        let value = v[key].as_str().expect(key);
        assert!(
            spec.contains(value),
            "SPEC.md does not show {key} = {value}"
        );
    }
    let n = usize::from(SEALED[43]);
    let enc = hex::encode(&SEALED[44 + n..76 + n]);
    assert!(spec.contains(&enc), "SPEC.md does not show enc {enc}");
    let tag = hex::encode(&SEALED[SEALED.len() - 16..]);
    assert!(spec.contains(&tag), "SPEC.md does not show the tag {tag}");
}
