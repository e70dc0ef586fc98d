//! The manifest parser: accepted manifests re-encode to exactly the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rekam_protocol::Manifest;

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = Manifest::decode(data) {
        assert_eq!(m.encode(), data);
    }
});
