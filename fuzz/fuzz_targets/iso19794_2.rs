//! The ISO/IEC 19794-2:2005 finger minutiae record parser: never panics, and what it accepts
//! re-encodes to a record that parses back to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rekam_protocol::iso19794_2::{encode, parse};

fuzz_target!(|data: &[u8]| {
    if let Ok(record) = parse(data) {
        assert_eq!(parse(&encode(&record)), Ok(record));
    }
});
