//! The PTP/IP packet parser and stream reader: any bytes give a packet or an error, and a parsed
//! packet re-encodes to the same bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rekam_drivers::ptp::ptpip::{Packet, read_packet};

fuzz_target!(|data: &[u8]| {
    if let Ok(packet) = Packet::parse(data) {
        assert_eq!(packet.to_bytes(), data);
    }
    let mut stream = data;
    while let Ok(_packet) = read_packet(&mut stream) {}
});
