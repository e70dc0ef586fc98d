//! The sealed envelope parser.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rekam_protocol::envelope::SealedView;

fuzz_target!(|data: &[u8]| {
    if let Ok(view) = SealedView::parse(data) {
        assert_eq!(view.aad.len() + view.ciphertext.len(), data.len());
    }
});
