//! MOSIP SBI message parsers: every request and response body, JWS decoding and verification.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rekam_protocol::Timestamp;
use rekam_protocol::sbi::{self, TrustAnchors};

fuzz_target!(|data: &[u8]| {
    let _ = sbi::parse_discover_request(data);
    let _ = sbi::parse_discover_response(data);
    let _ = sbi::parse_device_info_response(data);
    let _ = sbi::parse_device_info(data);
    let _ = sbi::parse_digital_id(data);
    let _ = sbi::parse_capture_request(data);
    let _ = sbi::parse_capture_response(data);
    let _ = sbi::parse_bio_payload(data);
    let _ = sbi::parse_stream_request(data);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = sbi::verify(text, &TrustAnchors::new(), Timestamp::from_unix_ms(0));
        let _ = sbi::decode_unsigned(text);
        let mut v = serde_json::Value::String(text.to_string());
        sbi::decoded::add_decoded(&mut v);
    }
});
