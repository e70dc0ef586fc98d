//! Fuzz target: the usbmon pcapng reader must return packets or an error for any input, never
//! panic; a capture it accepts must also load for replay or be refused with an error.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rekam_drivers::usb::UsbReplay;
use rekam_drivers::usb::pcapng::parse;

fuzz_target!(|data: &[u8]| {
    if let Ok(packets) = parse(data) {
        for p in &packets {
            // Data never exceed what the block captured.
            assert!(p.packet.data.len() <= data.len());
        }
        let _ = UsbReplay::from_bytes("fuzz", data, None);
    }
});
