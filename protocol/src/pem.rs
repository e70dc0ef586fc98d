//! PEM (RFC 7468) text encoding of DER documents such as PKCS#8 private keys.
//!
//! Contract: [`decode`] accepts exactly one block with the expected label, standard base64 in lines,
//! and nothing but white space around it.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// Why text is not the expected PEM block.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PemError {
    /// No `-----BEGIN <label>-----` line.
    #[error("no '-----BEGIN {0}-----' line")]
    MissingBegin(&'static str),
    /// No matching end line.
    #[error("no '-----END {0}-----' line")]
    MissingEnd(&'static str),
    /// The body is not base64.
    #[error("the PEM body is not valid base64")]
    Base64,
    /// Something other than white space outside the block.
    #[error("unexpected text outside the PEM block")]
    Trailing,
}

/// Encodes DER bytes as a PEM block with 64-character lines.
pub fn encode(label: &str, der: &[u8]) -> String {
    let body = STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in body.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// Decodes a single PEM block with the given label.
pub fn decode(label: &'static str, text: &str) -> Result<Vec<u8>, PemError> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let text = text.trim();
    let rest = text
        .strip_prefix(&begin)
        .ok_or(PemError::MissingBegin(label))?;
    let (body, after) = rest.split_once(&end).ok_or(PemError::MissingEnd(label))?;
    if !after.trim().is_empty() {
        return Err(PemError::Trailing);
    }
    let compact: String = body.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    STANDARD.decode(compact).map_err(|_| PemError::Base64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_round_trip_and_wrong_labels_are_refused() {
        let der: Vec<u8> = (0..=200).collect();
        let pem = encode("PRIVATE KEY", &der);
        assert!(pem.lines().all(|l| l.len() <= 64 || l.starts_with("-----")));
        assert_eq!(decode("PRIVATE KEY", &pem), Ok(der));
        assert_eq!(
            decode("PUBLIC KEY", &pem),
            Err(PemError::MissingBegin("PUBLIC KEY"))
        );
        assert_eq!(
            decode("PRIVATE KEY", &format!("{pem}x")),
            Err(PemError::Trailing)
        );
    }
}
