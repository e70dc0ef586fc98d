//! Fuzz target: the ISDV4 pen packet and query reply parsers return a value or an error for any
//! bytes, never panic, and what they accept re-encodes to the same value (the 7-bit packing
//! loses nothing).
#![no_main]

use libfuzzer_sys::fuzz_target;
use rekam_drivers::wacom::isdv4::{QueryReply, encode_pen_packet, parse_pen_packet};

fuzz_target!(|data: &[u8]| {
    if let Ok(p) = parse_pen_packet(data) {
        assert_eq!(parse_pen_packet(&encode_pen_packet(&p)), Ok(p));
    }
    if let Ok(q) = QueryReply::parse(data) {
        assert_eq!(QueryReply::parse(&q.encode()), Ok(q));
    }
});
