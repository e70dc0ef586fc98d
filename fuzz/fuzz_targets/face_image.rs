//! The ISO/IEC 19794 (2011) face image record reader: never panics, and what it accepts re-encodes to
//! the same bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rekam_protocol::iso19794::FaceImageRecord;

fuzz_target!(|data: &[u8]| {
    if let Ok(record) = FaceImageRecord::parse(data) {
        assert_eq!(record.encode().as_deref(), Ok(data));
    }
});
