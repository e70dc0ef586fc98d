//! The packet test vectors in `tests/vectors/` (made by `examples/make-vectors.rs`, shown in
//! SPEC.md §9): the stored packet opens with the stored keys, and sealing the same enrollment with
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

/// The text of SPEC.md §9 (the worked example).
fn worked_example() -> &'static str {
    let spec = include_str!("../SPEC.md");
    let start = spec.find("## 9. Worked example").expect("§9");
    let end = spec[start..].find("\n## 10.").expect("§10") + start;
    &spec[start..end]
}

/// The first fenced block after `after` in the worked example.
fn block_after(after: &str) -> &'static str {
    let text = worked_example();
    let at = text.find(after).expect(after);
    let open = text[at..].find("```").expect("block") + at;
    let body = text[open..].find('\n').expect("line") + open + 1;
    let close = text[body..].find("```").expect("end of block") + body;
    &text[body..close]
}

/// Every figure of the worked example is recomputed from the vector: the input table, the sizes,
/// the envelope dump byte for byte, the associated data length, the manifest excerpt and the
/// number of parts it leaves out.
#[test]
fn every_figure_of_the_worked_example_is_the_vectors() {
    let text = worked_example();
    let v = inputs();
    let (key, registry, trust) = keys();
    let row = |label: &str| -> String {
        let line = text
            .lines()
            .find(|l| l.starts_with(&format!("| {label} |")))
            .unwrap_or_else(|| panic!("no row {label:?}"));
        line.split('`')
            .nth(1)
            .expect("value in backquotes")
            .to_string()
    };
    for (label, k) in [
        ("workstation Ed25519 seed", "workstation_ed25519_seed"),
        ("workstation public key", "workstation_public_key"),
        ("workstation key id", "workstation_key_id"),
        ("workstation id", "workstation_id"),
        ("registry X25519 secret", "registry_x25519_secret"),
        ("registry public key", "registry_public_key"),
        ("registry key id", "registry_key_id"),
        ("HPKE ikmE", "hpke_ikm_e"),
    ] {
        assert_eq!(
            row(label),
            v[k].as_str().expect(k),
            "SPEC.md §9 row {label}"
        );
    }
    assert_eq!(
        hex::encode(key.public_key().raw()),
        row("workstation public key")
    );
    let sealed_len = SEALED.len();
    let grouped = |n: usize| {
        let s = n.to_string();
        if s.len() > 3 {
            format!("{} {}", &s[..s.len() - 3], &s[s.len() - 3..])
        } else {
            s
        }
    };
    assert!(
        text.contains(&format!(
            "packet-v1-ed25519.rkp` ({} bytes)",
            grouped(sealed_len)
        )),
        "the vector's size {sealed_len}"
    );
    assert!(
        text.contains(&format!("`{}`", registry.public_key().to_text().trim_end())),
        "the registry key's text form"
    );

    // The envelope dump: every hex byte before the "..." line, in order, is the packet's start.
    let dump = block_after("Envelope, byte by byte:");
    let mut shown = Vec::new();
    for line in dump.lines().take_while(|l| !l.starts_with("...")) {
        let hex_part: String = line
            .split("  ")
            .next()
            .expect("hex")
            .split_whitespace()
            .collect();
        shown.extend(hex::decode(&hex_part).unwrap_or_else(|_| panic!("not hex: {line}")));
    }
    let n = usize::from(SEALED[43]);
    let aad_len = 80 + n;
    assert_eq!(shown, SEALED[..aad_len], "the envelope dump");
    let ct_len = sealed_len - aad_len;
    assert!(
        dump.contains(&format!("ciphertext length {}", grouped(ct_len))),
        "ciphertext length {ct_len}"
    );
    assert!(dump.contains(&format!(
        "ending with tag {}",
        hex::encode(&SEALED[sealed_len - 16..])
    )));
    assert!(
        dump.contains(&format!("workstation id, {n} bytes")),
        "workstation id length"
    );
    let id = packet::inspect(SEALED)
        .expect("inspect")
        .header
        .enrollment_id;
    assert!(dump.contains(&format!("enrollment id {id}")));
    assert!(text.contains(&format!("the first {aad_len} bytes")));

    // The manifest excerpt: the members it shows are the manifest's, and it counts the rest.
    let opened = packet::open(SEALED, &registry, &trust).expect("opens");
    let shown: Value =
        serde_json::from_str(block_after("its manifest is stored byte for byte")).expect("json");
    let full: Value = serde_json::from_slice(MANIFEST).expect("json");
    for (k, value) in shown.as_object().expect("object") {
        if k != "parts" {
            assert_eq!(value, &full[k], "manifest member {k}");
        }
    }
    let shown_parts = shown["parts"].as_array().expect("parts");
    let (last, listed) = shown_parts.split_last().expect("parts");
    for (i, p) in listed.iter().enumerate() {
        assert_eq!(p, &full["parts"][i], "part {i}");
    }
    let rest = opened.manifest.parts.len() - listed.len();
    assert_eq!(last["..."], format!("{rest} more parts"));
    assert!(text.contains(&format!("The packet id is `{}`", opened.id)));
}
