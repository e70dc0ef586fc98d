//! Key files rekam writes are usable by other tools: a workstation's Ed25519 or ECDSA key, a
//! registry's X25519 key, loaded by OpenSSL 3 (`openssl pkey`) and by Python `cryptography`, which
//! sign and derive exactly what rekam does; and Ed25519 files in the PKCS#8 v2 form older rekam
//! releases wrote (ring's) still load.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use rekam_protocol::pem;
use rekam_protocol::{RegistryPrivateKey, SignatureAlgorithm, WorkstationSigningKey};
use rekam_tests::reference_python;
use ring::rand::SystemRandom;
use ring::signature::{Ed25519KeyPair, KeyPair};

/// The OpenSSL command line tool: `REKAM_OPENSSL` or `/usr/bin/openssl`; under CI its absence
/// fails the test.
fn openssl() -> Option<PathBuf> {
    let path = std::env::var_os("REKAM_OPENSSL")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/openssl"));
    if path.exists() {
        return Some(path);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{} is missing under CI",
        path.display()
    );
    eprintln!(
        "note: {} not found; skipping the OpenSSL check",
        path.display()
    );
    None
}

fn openssl_public_der(openssl: &Path, key: &Path) -> Vec<u8> {
    let out = Command::new(openssl)
        .args(["pkey", "-in"])
        .arg(key)
        .args(["-pubout", "-outform", "DER"])
        .output()
        .expect("openssl runs");
    assert!(
        out.status.success(),
        "openssl cannot load {}: {}",
        key.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let check = Command::new(openssl)
        .args(["pkey", "-noout", "-in"])
        .arg(key)
        .status()
        .expect("openssl runs");
    assert!(
        check.success(),
        "openssl pkey -noout refuses {}",
        key.display()
    );
    out.stdout
}

const PY_SIGN: &str = r#"
import sys
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, x25519
key = serialization.load_pem_private_key(open(sys.argv[1], "rb").read(), password=None)
message = bytes.fromhex(sys.argv[2])
if isinstance(key, ed25519.Ed25519PrivateKey):
    sig = key.sign(message)
    pub = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
elif isinstance(key, ec.EllipticCurvePrivateKey):
    sig = key.sign(message, ec.ECDSA(hashes.SHA256()))
    pub = key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
elif isinstance(key, x25519.X25519PrivateKey):
    sig = b""
    pub = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
else:
    raise SystemExit("unexpected key type %r" % type(key))
print(pub.hex(), sig.hex())
"#;

/// Loads a PEM key file with Python `cryptography`; returns its raw public key and its signature
/// of `message` (empty for X25519).
fn python_sign(python: &Path, key: &Path, message: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let out = Command::new(python)
        .args(["-c", PY_SIGN])
        .arg(key)
        .arg(hex::encode(message))
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "cryptography cannot load {}: {}",
        key.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("utf8");
    let mut words = text.split_whitespace();
    let public = hex::decode(words.next().expect("public")).expect("hex");
    let sig = hex::decode(words.next().unwrap_or("")).expect("hex");
    (public, sig)
}

#[test]
fn workstation_keys_written_by_rekam_load_in_openssl_and_cryptography_and_sign_alike() {
    let rng = SystemRandom::new();
    let dir = tempfile::tempdir().expect("tempdir");
    let message = b"rekam-packet-v1 manifest\0{}";
    let openssl = openssl();
    let python = reference_python();
    for alg in [
        SignatureAlgorithm::Ed25519,
        SignatureAlgorithm::EcdsaP256Sha256,
    ] {
        let (key, der) = WorkstationSigningKey::generate(alg, &rng).expect("key");
        let file = dir.path().join(format!("{alg}.key"));
        fs::write(&file, pem::encode("PRIVATE KEY", &der)).expect("write");
        let raw = key.public_key().raw().to_vec();
        if let Some(openssl) = &openssl {
            // SubjectPublicKeyInfo DER ends with the raw key (32 bytes, or the 65-byte point).
            let spki = openssl_public_der(openssl, &file);
            assert!(
                spki.ends_with(&raw),
                "{alg}: openssl derives another public key"
            );
        }
        if let Some(python) = &python {
            let (public, sig) = python_sign(python, &file, message);
            assert_eq!(
                public, raw,
                "{alg}: cryptography derives another public key"
            );
            assert!(key.public_key().verify(message, &sig), "{alg}");
            if alg == SignatureAlgorithm::Ed25519 {
                // Ed25519 is deterministic: the same key signs the same bytes.
                assert_eq!(sig, key.sign(message, &rng).expect("sign"));
            }
        }
    }
}

#[test]
fn registry_keys_written_by_rekam_load_in_openssl_and_cryptography() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = RegistryPrivateKey::generate(&SystemRandom::new()).expect("key");
    let file = dir.path().join("registry.key");
    fs::write(&file, key.to_pem()).expect("write");
    if let Some(openssl) = openssl() {
        let spki = openssl_public_der(&openssl, &file);
        assert!(spki.ends_with(&key.public_key().0));
    }
    if let Some(python) = reference_python() {
        let (public, _) = python_sign(&python, &file, b"");
        assert_eq!(public, key.public_key().0);
    }
}

#[test]
fn an_ed25519_key_file_in_the_pkcs8_v2_form_of_older_releases_still_loads() {
    let rng = SystemRandom::new();
    // The form rekam wrote before: ring's PKCS#8 v2, with the public key.
    let v2 = Ed25519KeyPair::generate_pkcs8(&rng).expect("v2");
    let ring_key = Ed25519KeyPair::from_pkcs8(v2.as_ref()).expect("ring");
    let key = WorkstationSigningKey::from_pem(&pem::encode("PRIVATE KEY", v2.as_ref()), &rng)
        .expect("v2 loads");
    assert_eq!(key.public_key().raw(), ring_key.public_key().as_ref());
    assert_eq!(
        key.sign(b"m", &rng).expect("sign"),
        ring_key.sign(b"m").as_ref()
    );
}
