//! The SBI capture hash chain.
//!
//! Contract: each biometric entry's `hash` is `HEX_UPPER(SHA256(prev || SHA256(record)))` where
//! `record` is the base64url-decoded `bioValue` (the ISO 19794 record bytes, not its text) and
//! `prev` is the raw 32 bytes of the previous entry's hash (hex-decoded), or `SHA256("")` (raw
//! bytes) for the first entry of a capture when the request's `previousHash` is empty. This is
//! how MOSIP's mock SBI service computes it (`SBIServiceResponse.getBiometricData`: the previous
//! hash is hex-decoded, the first is the digest of the empty string as bytes, never its hex text).

use sha2::{Digest, Sha256};

/// Why a hash chain does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HashChainError {
    /// A previous hash is not 64 hexadecimal digits.
    #[error("previousHash {0:?} is not 64 hexadecimal digits")]
    BadPreviousHash(String),
    /// An entry's hash is not the one its record and predecessor give.
    #[error("biometrics[{index}].hash is {found}, but its record and predecessor give {expected}")]
    Mismatch {
        /// Index in `biometrics[]`.
        index: usize,
        /// The hash in the response.
        found: String,
        /// The hash computed.
        expected: String,
    },
}

/// `SHA256("")` as raw bytes: the predecessor of a chain's first entry.
pub fn first_previous_hash() -> [u8; 32] {
    Sha256::digest(b"").into()
}

fn previous_bytes(previous_hash: &str) -> Result<[u8; 32], HashChainError> {
    if previous_hash.is_empty() {
        return Ok(first_previous_hash());
    }
    let bytes = hex::decode(previous_hash)
        .map_err(|_| HashChainError::BadPreviousHash(previous_hash.to_string()))?;
    bytes
        .try_into()
        .map_err(|_| HashChainError::BadPreviousHash(previous_hash.to_string()))
}

/// The hash of an entry holding `record` after the entry whose hash is `previous_hash` (empty for
/// the first entry), upper-case hex.
pub fn chain_hash(previous_hash: &str, record: &[u8]) -> Result<String, HashChainError> {
    let prev = previous_bytes(previous_hash)?;
    let mut h = Sha256::new();
    h.update(prev);
    h.update(Sha256::digest(record));
    Ok(hex::encode_upper(h.finalize()))
}

/// Checks `(hash, record)` entries in response order, starting after `previous_hash` (the
/// request's `previousHash`); returns the last hash (the next request's `previousHash`).
/// Hashes compare case-insensitively, since hex has no canonical case in the specification.
pub fn verify_chain<'a>(
    previous_hash: &str,
    entries: impl IntoIterator<Item = (&'a str, &'a [u8])>,
) -> Result<String, HashChainError> {
    let mut prev = previous_hash.to_string();
    for (index, (found, record)) in entries.into_iter().enumerate() {
        let expected = chain_hash(&prev, record)?;
        if !found.eq_ignore_ascii_case(&expected) {
            return Err(HashChainError::Mismatch {
                index,
                found: found.to_string(),
                expected,
            });
        }
        prev = expected;
    }
    Ok(prev)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_entry_chains_from_the_raw_digest_of_the_empty_string_not_its_hex_text() {
        let record = b"FIR\0record";
        let mut h = Sha256::new();
        h.update(Sha256::digest(b""));
        h.update(Sha256::digest(record));
        let expected = hex::encode_upper(h.finalize());
        assert_eq!(chain_hash("", record).expect("chain"), expected);
        // The hex text of SHA256("") as the predecessor gives a different hash.
        let mut wrong = Sha256::new();
        wrong.update(hex::encode(Sha256::digest(b"")).as_bytes());
        wrong.update(Sha256::digest(record));
        assert_ne!(hex::encode_upper(wrong.finalize()), expected);
    }

    #[test]
    fn a_chain_verifies_in_order_and_a_swapped_pair_is_caught_at_its_index() {
        let a = chain_hash("", b"one").expect("a");
        let b = chain_hash(&a, b"two").expect("b");
        let last = verify_chain("", [(a.as_str(), &b"one"[..]), (b.as_str(), &b"two"[..])])
            .expect("verifies");
        assert_eq!(last, b);
        let err = verify_chain("", [(b.as_str(), &b"two"[..]), (a.as_str(), &b"one"[..])])
            .expect_err("swapped");
        assert!(matches!(err, HashChainError::Mismatch { index: 0, .. }));
        assert!(matches!(
            chain_hash("ABC", b"x"),
            Err(HashChainError::BadPreviousHash(_))
        ));
    }
}
