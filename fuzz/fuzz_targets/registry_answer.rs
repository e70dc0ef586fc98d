//! The registry's answers as the uploader reads them: signed receipts and signed rejections.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rekam_protocol::{SignedReceipt, SignedRejection};

fuzz_target!(|data: &[u8]| {
    if let Ok(r) = SignedRejection::parse(data) {
        // Whatever parses re-serializes and parses again to the same document.
        assert_eq!(SignedRejection::parse(&r.to_json()).ok(), Some(r));
    }
    let _ = SignedReceipt::parse(data);
});
