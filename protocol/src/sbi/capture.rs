//! Building and checking `RCAPTURE` responses: signed entries chained by hash.
//!
//! Contract: [`sign_entry`] makes one successful `biometrics[]` entry from a payload (the JWS of
//! its JSON, and its chain hash after `previous_hash`); [`check_capture`] is the client's whole
//! check of a response: every successful entry's JWS verifies against the anchors at `now`, its
//! payload parses strictly, its `bioValue` decodes, it answers the request's transaction, and the
//! hashes chain from the request's `previousHash` in response order. Error entries are kept (with
//! their code) and, like MOSIP's mock, do not advance the chain.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::hash::{HashChainError, chain_hash};
use super::jws::{DeviceSigner, JwsError, TrustAnchors, verify};
use super::messages::{
    BioPayload, BiometricEntry, CaptureResponse, ErrorInfo, MessageError, parse_bio_payload,
};
use crate::Timestamp;

/// Why a capture response is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaptureCheckError {
    /// An entry's JWS is refused.
    #[error("biometrics[{index}].data: {source}")]
    Signature {
        /// Entry.
        index: usize,
        /// Why.
        source: JwsError,
    },
    /// An entry's payload is not a capture payload.
    #[error("biometrics[{index}].data: {source}")]
    Payload {
        /// Entry.
        index: usize,
        /// Why.
        source: MessageError,
    },
    /// `bioValue` is not base64url.
    #[error("biometrics[{index}].data.bioValue is not base64url")]
    BioValue {
        /// Entry.
        index: usize,
    },
    /// The entry answers another transaction.
    #[error("biometrics[{index}] answers transaction {found:?}, not {expected:?}")]
    Transaction {
        /// Entry.
        index: usize,
        /// In the payload.
        found: String,
        /// Requested.
        expected: String,
    },
    /// The hash chain breaks.
    #[error(transparent)]
    Chain(#[from] HashChainError),
}

/// A checked successful entry.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckedBiometric {
    /// The signed payload.
    pub payload: BioPayload,
    /// The decoded `bioValue` (an ISO/IEC 19794 record).
    pub record: Vec<u8>,
    /// The entry's hash.
    pub hash: String,
}

/// The outcome of one entry.
#[derive(Clone, Debug, PartialEq)]
pub enum EntryOutcome {
    /// Captured and checked.
    Captured(CheckedBiometric),
    /// The device's error for this entry.
    Failed(ErrorInfo),
}

/// Signs one successful entry after `previous_hash` (empty for a capture's first).
pub fn sign_entry(
    signer: &DeviceSigner,
    spec_version: &str,
    payload: &BioPayload,
    previous_hash: &str,
) -> Result<BiometricEntry, CaptureSignError> {
    let record = URL_SAFE_NO_PAD
        .decode(&payload.bio_value)
        .map_err(|_| CaptureSignError::BioValue)?;
    let hash = chain_hash(previous_hash, &record)?;
    // A struct of strings and numbers always serialises.
    let json = serde_json::to_vec(payload).unwrap_or_default();
    Ok(BiometricEntry {
        spec_version: spec_version.to_string(),
        data: signer.sign(&json),
        hash,
        error: ErrorInfo::success(),
    })
}

/// Why an entry cannot be signed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaptureSignError {
    /// `bioValue` is not base64url without padding.
    #[error("bioValue is not base64url")]
    BioValue,
    /// The previous hash is not a hash.
    #[error(transparent)]
    Chain(#[from] HashChainError),
}

/// Checks a whole `RCAPTURE` response (see the module contract).
pub fn check_capture(
    response: &CaptureResponse,
    transaction_id: &str,
    previous_hash: &str,
    anchors: &TrustAnchors,
    now: Timestamp,
) -> Result<Vec<EntryOutcome>, CaptureCheckError> {
    let mut prev = previous_hash.to_string();
    let mut out = Vec::with_capacity(response.biometrics.len());
    for (index, e) in response.biometrics.iter().enumerate() {
        if !e.error.is_success() {
            out.push(EntryOutcome::Failed(e.error.clone()));
            continue;
        }
        let v = verify(&e.data, anchors, now)
            .map_err(|source| CaptureCheckError::Signature { index, source })?;
        let payload = parse_bio_payload(&v.payload)
            .map_err(|source| CaptureCheckError::Payload { index, source })?;
        if payload.transaction_id != transaction_id {
            return Err(CaptureCheckError::Transaction {
                index,
                found: payload.transaction_id,
                expected: transaction_id.to_string(),
            });
        }
        let record = URL_SAFE_NO_PAD
            .decode(payload.bio_value.trim_end_matches('='))
            .map_err(|_| CaptureCheckError::BioValue { index })?;
        let expected = chain_hash(&prev, &record)?;
        if !e.hash.eq_ignore_ascii_case(&expected) {
            return Err(HashChainError::Mismatch {
                index,
                found: e.hash.clone(),
                expected,
            }
            .into());
        }
        prev = expected.clone();
        out.push(EntryOutcome::Captured(CheckedBiometric {
            payload,
            record,
            hash: expected,
        }));
    }
    Ok(out)
}
