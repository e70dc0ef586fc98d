//! Fuzz target: the WSQ decoder must return an image or an error for any input, never panic,
//! hang or exceed its memory limit.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rekam_quality::wsq::{DecodeLimits, decode_with_limits};

fuzz_target!(|data: &[u8]| {
    // A small frame limit keeps each run fast; the limit itself is what is under test.
    let limits = DecodeLimits {
        max_pixels: 1 << 20,
    };
    if let Ok(img) = decode_with_limits(data, &limits) {
        assert_eq!(img.pixels.len(), img.width as usize * img.height as usize);
    }
});
