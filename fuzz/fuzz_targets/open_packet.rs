//! Whole-packet opening with a fixed registry key and trust store: any input is rejected or
//! opened, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rekam_protocol::{RegistryPrivateKey, TrustStore, packet};

fuzz_target!(|data: &[u8]| {
    let key = RegistryPrivateKey::from_secret([0x42; 32]);
    let _ = packet::inspect(data);
    let _ = packet::open(data, &key, &TrustStore::new());
});
