//! The "decoded" view of SBI responses that MOSIP's compliance toolkit validates.
//!
//! Contract: the toolkit's response schemas describe a response after it has decoded each
//! signed or encoded member and put the JSON beside it: `digitalId` gets `digitalIdDecoded`,
//! `deviceInfo` gets `deviceInfoDecoded`, `data` gets `dataDecoded`. [`add_decoded`] builds that
//! view without checking signatures (that is [`super::jws::verify`]'s job), so a response can be
//! validated against those schemas; members that do not decode are left as they are.

use serde_json::Value;

use super::jws::decode_unsigned;

fn payload_json(text: &str) -> Option<Value> {
    let parts: Vec<&str> = text.split('.').collect();
    let bytes = match parts.as_slice() {
        [_, p, _] => {
            use base64::Engine;
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(p)
                .ok()?
        }
        [_] => decode_unsigned(text).ok()?,
        _ => return None,
    };
    serde_json::from_slice(&bytes).ok()
}

/// Adds the decoded members, recursively, as the toolkit does.
pub fn add_decoded(v: &mut Value) {
    match v {
        Value::Array(items) => items.iter_mut().for_each(add_decoded),
        Value::Object(map) => {
            for (key, decoded_key) in [
                ("digitalId", "digitalIdDecoded"),
                ("deviceInfo", "deviceInfoDecoded"),
                ("data", "dataDecoded"),
            ] {
                let decoded = map
                    .get(key)
                    .and_then(Value::as_str)
                    .filter(|s| !s.is_empty())
                    .and_then(payload_json);
                if let Some(mut d) = decoded {
                    add_decoded(&mut d);
                    map.insert(decoded_key.to_string(), d);
                }
            }
            for (k, child) in map.iter_mut() {
                if !k.ends_with("Decoded") {
                    add_decoded(child);
                }
            }
        }
        _ => {}
    }
}
