//! Registry rejections: the registry's signed statement that it refuses one packet for good.
//!
//! A workstation marks a packet rejected (final: it is no longer retried) only on a rejection that
//! verifies against the registry's receipt key and names that very packet. Anything else the
//! registry's address answers (a proxy's HTML error page, a 5xx, a body signed by another key) is
//! not the registry speaking and leaves the packet pending.
//!
//! Contract: sans-IO and strict, like [`crate::receipt`], and never confusable with a receipt. The
//! signed message is the domain prefix `rekam-rejection-v1\0` followed by the rejection's compact
//! JSON with its fields in declaration order; a receipt's signature covers `rekam-receipt-v1\0`
//! instead, so no signature over one document type verifies as the other, and the JSON forms have
//! different top-level members (`rejection` and `receipt`), so neither even parses as the other.
//! Parsing rejects unknown fields, trailing bytes, a code that is not a machine code, an empty or
//! oversized reason and a packet id that is not 64 lowercase hex digits. The signing key is the
//! registry's receipt key (the one [`TrustedRegistry`] holds). Time comes in as an argument.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ring::rand::SecureRandom;
use serde::{Deserialize, Serialize};

use crate::keys::{KeyError, KeyId, WorkstationSigningKey};
use crate::packet::PacketId;
use crate::receipt::TrustedRegistry;
use crate::timefmt::Timestamp;

const DOMAIN: &[u8] = b"rekam-rejection-v1\0";

/// The longest human reason a rejection may carry, in bytes.
pub const MAX_REASON_BYTES: usize = 2048;

/// What the registry states about a packet it refuses.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rejection {
    /// The packet (SHA-256 of the sealed bytes, lowercase hex).
    pub packet_id: String,
    /// The registry that refused it.
    pub registry_id: String,
    /// Machine reason: 1-64 of `a-z 0-9 _`, e.g. `unknown_workstation`, `bad_signature`,
    /// `invalid_enrollment`, `duplicate_enrollment` (the registry's vocabulary; see SPEC.md §11).
    pub code: String,
    /// Human reason, for the operator and the supervisor (1 to [`MAX_REASON_BYTES`] bytes).
    pub reason: String,
    /// When the registry refused it.
    pub rejected_at: Timestamp,
}

/// A rejection with the registry's signature, as sent on the wire and kept by the workstation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedRejection {
    /// The statement.
    pub rejection: Rejection,
    /// Which registry key signed it.
    pub key_id: KeyId,
    /// The signature, standard base64.
    pub signature: String,
}

/// Why a rejection is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RejectionError {
    /// Not a rejection document.
    #[error("rejection is malformed: {0}")]
    Malformed(String),
    /// Signed by a key other than the trusted registry's.
    #[error("rejection is signed by key {found}, not the registry's key {expected}")]
    UnknownKey {
        /// The registry's key.
        expected: KeyId,
        /// The key named in the rejection.
        found: KeyId,
    },
    /// The signature does not verify.
    #[error("rejection signature does not verify")]
    BadSignature,
    /// A valid rejection of another packet.
    #[error("rejection is for packet {found}, not {expected}")]
    WrongPacket {
        /// The packet that was sent.
        expected: String,
        /// The packet the rejection names.
        found: String,
    },
    /// A valid rejection from another registry id.
    #[error("rejection is from registry {found:?}, expected {expected:?}")]
    WrongRegistry {
        /// The trusted registry id.
        expected: String,
        /// The id in the rejection.
        found: String,
    },
    /// Signing failed.
    #[error(transparent)]
    Key(#[from] KeyError),
}

impl Rejection {
    fn signed_message(&self) -> Result<Vec<u8>, RejectionError> {
        let mut msg = DOMAIN.to_vec();
        serde_json::to_writer(&mut msg, self)
            .map_err(|e| RejectionError::Malformed(e.to_string()))?;
        Ok(msg)
    }

    /// Checks the fields' forms (what serde's types alone do not).
    pub fn check(&self) -> Result<(), RejectionError> {
        let bad = |m: String| Err(RejectionError::Malformed(m));
        if self.packet_id.len() != 64
            || !self
                .packet_id
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return bad("packet_id is not 64 lowercase hex digits".into());
        }
        if crate::model::check_identifier("registry_id", &self.registry_id).is_err() {
            return bad("registry_id is not 1-64 characters of A-Z a-z 0-9 . _ -".into());
        }
        let code_ok = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_';
        if self.code.is_empty() || self.code.len() > 64 || !self.code.bytes().all(code_ok) {
            return bad("code is not 1-64 characters of a-z 0-9 _".into());
        }
        if self.reason.trim().is_empty() || self.reason.len() > MAX_REASON_BYTES {
            return bad(format!(
                "reason is empty or longer than {MAX_REASON_BYTES} bytes"
            ));
        }
        Ok(())
    }

    /// Signs the rejection with the registry's receipt key.
    pub fn sign(
        self,
        key: &WorkstationSigningKey,
        rng: &dyn SecureRandom,
    ) -> Result<SignedRejection, RejectionError> {
        self.check()?;
        let signature = key.sign(&self.signed_message()?, rng)?;
        Ok(SignedRejection {
            rejection: self,
            key_id: key.public_key().key_id(),
            signature: STANDARD.encode(signature),
        })
    }
}

impl SignedRejection {
    /// Parses the JSON form completely (no unknown fields, nothing after it, every field in form).
    pub fn parse(bytes: &[u8]) -> Result<SignedRejection, RejectionError> {
        let parsed: SignedRejection =
            serde_json::from_slice(bytes).map_err(|e| RejectionError::Malformed(e.to_string()))?;
        parsed.rejection.check()?;
        Ok(parsed)
    }

    /// The JSON form.
    pub fn to_json(&self) -> Vec<u8> {
        // A struct of strings always serializes.
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Checks the signature against `registry` and that the rejection names `packet`.
    pub fn verify(
        &self,
        registry: &TrustedRegistry,
        packet: &PacketId,
    ) -> Result<&Rejection, RejectionError> {
        let expected = registry.key.key_id();
        if self.key_id != expected {
            return Err(RejectionError::UnknownKey {
                expected,
                found: self.key_id,
            });
        }
        let signature = STANDARD
            .decode(&self.signature)
            .map_err(|_| RejectionError::Malformed("signature is not standard base64".into()))?;
        if !registry
            .key
            .verify(&self.rejection.signed_message()?, &signature)
        {
            return Err(RejectionError::BadSignature);
        }
        if self.rejection.registry_id != registry.registry_id {
            return Err(RejectionError::WrongRegistry {
                expected: registry.registry_id.clone(),
                found: self.rejection.registry_id.clone(),
            });
        }
        let packet = packet.to_string();
        if self.rejection.packet_id != packet {
            return Err(RejectionError::WrongPacket {
                expected: packet,
                found: self.rejection.packet_id.clone(),
            });
        }
        Ok(&self.rejection)
    }
}
