//! Registry receipts: the registry's signed statement that it received and verified one packet.
//!
//! A workstation keeps the receipt as proof of delivery; the outbox marks a packet delivered only
//! with a receipt that verifies against the registry's receipt key and names that very packet.
//!
//! Contract: sans-IO and strict. The signed message is the domain prefix `rekam-receipt-v1\0`
//! followed by the receipt's compact JSON with its fields in declaration order; parsing rejects
//! unknown fields and trailing bytes, so a parsed receipt re-serializes to the bytes that were
//! signed. Time comes in as an argument.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ring::rand::SecureRandom;
use serde::{Deserialize, Serialize};

use crate::keys::{KeyError, KeyId, SignatureAlgorithm, VerifyingKey, WorkstationSigningKey};
use crate::packet::PacketId;
use crate::timefmt::Timestamp;

const DOMAIN: &[u8] = b"rekam-receipt-v1\0";
const RECEIPT_TAG: &str = "rekam-receipt-v1";

/// What the registry states about one packet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Receipt {
    /// The packet (SHA-256 of the sealed bytes, lowercase hex).
    pub packet_id: String,
    /// The enrollment inside it.
    pub enrollment_id: String,
    /// The workstation that signed it.
    pub workstation_id: String,
    /// The registry that received it.
    pub registry_id: String,
    /// When the registry first accepted it.
    pub received_at: Timestamp,
    /// The registry's sequence number for it (1 for the first packet it ever accepted).
    pub sequence: u64,
}

/// A receipt with the registry's signature, as sent on the wire and kept by the workstation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedReceipt {
    /// The statement.
    pub receipt: Receipt,
    /// Which registry key signed it.
    pub key_id: KeyId,
    /// The signature, standard base64.
    pub signature: String,
}

/// Why a receipt is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReceiptError {
    /// Not a receipt document.
    #[error("receipt is malformed: {0}")]
    Malformed(String),
    /// Signed by a key other than the trusted registry's.
    #[error("receipt is signed by key {found}, not the registry's key {expected}")]
    UnknownKey {
        /// The registry's key.
        expected: KeyId,
        /// The key named in the receipt.
        found: KeyId,
    },
    /// The signature does not verify.
    #[error("receipt signature does not verify")]
    BadSignature,
    /// A valid receipt for another packet.
    #[error("receipt is for packet {found}, not {expected}")]
    WrongPacket {
        /// The packet that was sent.
        expected: String,
        /// The packet the receipt names.
        found: String,
    },
    /// A valid receipt from another registry id.
    #[error("receipt is from registry {found:?}, expected {expected:?}")]
    WrongRegistry {
        /// The trusted registry id.
        expected: String,
        /// The id in the receipt.
        found: String,
    },
    /// Signing failed.
    #[error(transparent)]
    Key(#[from] KeyError),
}

impl Receipt {
    fn signed_message(&self) -> Result<Vec<u8>, ReceiptError> {
        let mut msg = DOMAIN.to_vec();
        serde_json::to_writer(&mut msg, self)
            .map_err(|e| ReceiptError::Malformed(e.to_string()))?;
        Ok(msg)
    }

    /// Signs the receipt with the registry's receipt key.
    pub fn sign(
        self,
        key: &WorkstationSigningKey,
        rng: &dyn SecureRandom,
    ) -> Result<SignedReceipt, ReceiptError> {
        let signature = key.sign(&self.signed_message()?, rng)?;
        Ok(SignedReceipt {
            receipt: self,
            key_id: key.public_key().key_id(),
            signature: STANDARD.encode(signature),
        })
    }
}

impl SignedReceipt {
    /// Parses the JSON form completely (no unknown fields, nothing after it).
    pub fn parse(bytes: &[u8]) -> Result<SignedReceipt, ReceiptError> {
        serde_json::from_slice(bytes).map_err(|e| ReceiptError::Malformed(e.to_string()))
    }

    /// The JSON form.
    pub fn to_json(&self) -> Vec<u8> {
        // A struct of strings and integers always serializes.
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Checks the signature against `registry` and that the receipt names `packet`.
    pub fn verify(
        &self,
        registry: &TrustedRegistry,
        packet: &PacketId,
    ) -> Result<&Receipt, ReceiptError> {
        let expected = registry.key.key_id();
        if self.key_id != expected {
            return Err(ReceiptError::UnknownKey {
                expected,
                found: self.key_id,
            });
        }
        let signature = STANDARD
            .decode(&self.signature)
            .map_err(|_| ReceiptError::Malformed("signature is not standard base64".into()))?;
        if !registry
            .key
            .verify(&self.receipt.signed_message()?, &signature)
        {
            return Err(ReceiptError::BadSignature);
        }
        if self.receipt.registry_id != registry.registry_id {
            return Err(ReceiptError::WrongRegistry {
                expected: registry.registry_id.clone(),
                found: self.receipt.registry_id.clone(),
            });
        }
        let packet = packet.to_string();
        if self.receipt.packet_id != packet {
            return Err(ReceiptError::WrongPacket {
                expected: packet,
                found: self.receipt.packet_id.clone(),
            });
        }
        Ok(&self.receipt)
    }
}

/// The registry as a workstation trusts it for receipts: its id and receipt-signing public key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrustedRegistry {
    /// The registry id receipts must carry.
    pub registry_id: String,
    /// Its receipt-signing public key.
    pub key: VerifyingKey,
}

impl TrustedRegistry {
    /// The one-line text form `rekam-receipt-v1 <algorithm> <base64 key> <registry-id>`.
    pub fn to_text(&self) -> String {
        format!(
            "{RECEIPT_TAG} {} {} {}\n",
            self.key.algorithm(),
            STANDARD.encode(self.key.raw()),
            self.registry_id
        )
    }

    /// Parses the text form (one line, surrounding whitespace ignored).
    pub fn parse_text(text: &str) -> Result<TrustedRegistry, KeyError> {
        let fields: Vec<&str> = text.split_whitespace().collect();
        let [tag, alg, key, id] = fields[..] else {
            return Err(KeyError::PublicKeyText(format!(
                "expected '{RECEIPT_TAG} <algorithm> <base64 key> <registry-id>', found {} fields",
                fields.len()
            )));
        };
        if tag != RECEIPT_TAG {
            return Err(KeyError::PublicKeyText(format!(
                "expected {RECEIPT_TAG:?}, found {tag:?}"
            )));
        }
        let algorithm: SignatureAlgorithm = alg.parse()?;
        let raw = STANDARD
            .decode(key)
            .map_err(|_| KeyError::PublicKeyText("the key is not standard base64".into()))?;
        crate::model::check_identifier("registry id", id)
            .map_err(|e| KeyError::PublicKeyText(e.to_string()))?;
        Ok(TrustedRegistry {
            registry_id: id.to_string(),
            key: VerifyingKey::new(algorithm, raw)?,
        })
    }
}

impl fmt::Display for TrustedRegistry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "registry {} (key {})",
            self.registry_id,
            self.key.key_id()
        )
    }
}
