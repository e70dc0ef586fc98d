//! The enrollment document parser and validator.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rekam_protocol::Enrollment;

fuzz_target!(|data: &[u8]| {
    if let Ok(e) = serde_json::from_slice::<Enrollment>(data) {
        let _ = e.validate();
        for (_, img) in e.images() {
            let _ = img.check_data();
        }
    }
});
