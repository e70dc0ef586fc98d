//! Fuzz target: the USB PTP container parser must return a container or an error for any input,
//! never panic; a container it accepts must encode back to the same bytes, and a header it reads
//! must state a length covering itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rekam_drivers::ptp::container::{Container, HEADER_LEN, Header};

fuzz_target!(|data: &[u8]| {
    if let Ok(h) = Header::parse(data) {
        assert!(h.length as usize >= HEADER_LEN);
    }
    if let Ok(c) = Container::parse(data) {
        assert_eq!(c.to_bytes().expect("a parsed container fits its length field"), data);
        let _ = c.params();
    }
});
