//! Key file parsers: public key lines, trust files, PEM private keys, NIKs.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rekam_protocol::{Nik, RegistryPrivateKey, RegistryPublicKey, TrustStore, WorkstationSigningKey};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = TrustStore::new().add_text(text);
    let _ = RegistryPublicKey::parse_text(text);
    let _ = RegistryPrivateKey::from_pem(text);
    let _ = WorkstationSigningKey::from_pem(text, &ring::rand::SystemRandom::new());
    let _ = Nik::parse(text);
});
