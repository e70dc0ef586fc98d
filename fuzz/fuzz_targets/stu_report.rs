//! Fuzz target: every Wacom STU report parser returns a value or an error for any bytes, never
//! panics; what it accepts re-encodes to a report that parses to the same value; a HID recording
//! (the hid-recorder text format) loads or is refused with an error.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rekam_drivers::hid::HidReplay;
use rekam_drivers::wacom::stu::report::{
    self, Capability, Information, PenReport, parse_image_data, parse_serial, parse_writing_area,
};

fuzz_target!(|data: &[u8]| {
    if let Ok(p) = PenReport::parse(data) {
        assert_eq!(PenReport::parse(&p.encode()), Ok(p));
    }
    if let Ok(c) = Capability::parse(data) {
        assert_eq!(Capability::parse(&c.encode()), Ok(c));
    }
    if let Ok(i) = Information::parse(data) {
        assert_eq!(Information::parse(&i.encode()), Ok(i));
    }
    if let Ok(chunk) = parse_image_data(data) {
        assert!(chunk.len() <= report::IMAGE_CHUNK);
    }
    let _ = parse_serial(data);
    if let Ok(area) = parse_writing_area(data) {
        assert_eq!(parse_writing_area(&report::encode_writing_area(area)), Ok(area));
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = HidReplay::parse("fuzz", text);
    }
});
