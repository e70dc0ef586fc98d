//! The sealed envelope: a clear header, the HPKE encapsulated key, and the ciphertext.
//!
//! Layout (SPEC.md §3), all integers big-endian:
//!
//! | bytes | field |
//! |---|---|
//! | 4 | magic `RKMP` |
//! | 1 | envelope version, 1 |
//! | 2+2+2 | HPKE suite: KEM 0x0020, KDF 0x0001, AEAD 0x0002 |
//! | 16 | enrollment id (UUIDv7 bytes) |
//! | 16 | registry key id |
//! | 1 + n | workstation id length n (1-64), then n ASCII bytes |
//! | 32 | HPKE `enc` |
//! | 4 | ciphertext length L (at least 16) |
//! | L | ciphertext, ending with the 16-byte GCM tag |
//!
//! Contract: [`SealedView::parse`] checks the whole structure, including that the input ends
//! exactly after the ciphertext, and gives the header, `enc`, the AEAD associated data (every byte
//! before the ciphertext) and the ciphertext, without copying.

use crate::id::EnrollmentId;
use crate::keys::KeyId;

/// First four bytes of every sealed packet.
pub const MAGIC: [u8; 4] = *b"RKMP";
/// The envelope version this build writes and reads.
pub const VERSION: u8 = 1;
/// DHKEM(X25519, HKDF-SHA256).
pub const KEM_ID: u16 = 0x0020;
/// HKDF-SHA256.
pub const KDF_ID: u16 = 0x0001;
/// AES-256-GCM.
pub const AEAD_ID: u16 = 0x0002;
/// Length of the encapsulated key.
pub const ENC_LEN: usize = 32;
/// Length of the AES-GCM tag.
pub const TAG_LEN: usize = 16;
/// The HPKE `info` string.
pub const HPKE_INFO: &[u8] = b"rekam packet v1";
/// Largest sealed packet accepted or produced.
pub const MAX_SEALED_LEN: usize = 64 << 20;

/// The clear header: what anyone can see without keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// The enrollment.
    pub enrollment_id: EnrollmentId,
    /// The registry key the packet is sealed to.
    pub registry_key: KeyId,
    /// The workstation that built it.
    pub workstation_id: String,
}

/// Why bytes are not a well-formed sealed envelope.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvelopeError {
    /// Zero bytes.
    #[error("empty input")]
    Empty,
    /// Wrong magic.
    #[error("not a rekam packet (the first bytes are not 'RKMP')")]
    NotAPacket,
    /// A version this build does not read.
    #[error("envelope version {0} is not supported (this build reads version {VERSION})")]
    UnsupportedVersion(u8),
    /// Another HPKE suite.
    #[error("HPKE suite kem={kem:#06x} kdf={kdf:#06x} aead={aead:#06x} is not supported")]
    UnsupportedSuite {
        /// KEM id.
        kem: u16,
        /// KDF id.
        kdf: u16,
        /// AEAD id.
        aead: u16,
    },
    /// The input ends inside a field.
    #[error(
        "truncated: the {field} needs {needed} bytes at offset {offset}, only {available} remain"
    )]
    Truncated {
        /// The field being read.
        field: &'static str,
        /// Its offset.
        offset: usize,
        /// Bytes it needs.
        needed: usize,
        /// Bytes left.
        available: usize,
    },
    /// Bytes after the ciphertext.
    #[error("{0} unexpected bytes after the ciphertext")]
    TrailingBytes(usize),
    /// A header field has an invalid value.
    #[error("header field {field}: {problem}")]
    BadField {
        /// The field.
        field: &'static str,
        /// What is wrong.
        problem: String,
    },
    /// Larger than [`MAX_SEALED_LEN`].
    #[error("{0} bytes is larger than the {MAX_SEALED_LEN}-byte limit")]
    TooLarge(usize),
}

/// A parsed sealed packet, borrowing the input.
#[derive(Debug)]
pub struct SealedView<'a> {
    /// The clear header.
    pub header: Header,
    /// HPKE encapsulated key.
    pub enc: [u8; ENC_LEN],
    /// AEAD associated data: every byte before the ciphertext.
    pub aad: &'a [u8],
    /// Ciphertext including the tag.
    pub ciphertext: &'a [u8],
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, field: &'static str, n: usize) -> Result<&'a [u8], EnvelopeError> {
        let available = self.bytes.len() - self.at;
        if n > available {
            return Err(EnvelopeError::Truncated {
                field,
                offset: self.at,
                needed: n,
                available,
            });
        }
        let out = &self.bytes[self.at..self.at + n];
        self.at += n;
        Ok(out)
    }

    fn array<const N: usize>(&mut self, field: &'static str) -> Result<[u8; N], EnvelopeError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(field, N)?);
        Ok(out)
    }
}

impl<'a> SealedView<'a> {
    /// Parses and checks the whole envelope.
    pub fn parse(bytes: &'a [u8]) -> Result<SealedView<'a>, EnvelopeError> {
        if bytes.is_empty() {
            return Err(EnvelopeError::Empty);
        }
        if bytes.len() > MAX_SEALED_LEN {
            return Err(EnvelopeError::TooLarge(bytes.len()));
        }
        let mut r = Reader { bytes, at: 0 };
        let magic: [u8; 4] = r.array("magic").map_err(|_| EnvelopeError::NotAPacket)?;
        if magic != MAGIC {
            return Err(EnvelopeError::NotAPacket);
        }
        let [version] = r.array("version")?;
        if version != VERSION {
            return Err(EnvelopeError::UnsupportedVersion(version));
        }
        let suite: [u8; 6] = r.array("HPKE suite")?;
        let kem = u16::from_be_bytes([suite[0], suite[1]]);
        let kdf = u16::from_be_bytes([suite[2], suite[3]]);
        let aead = u16::from_be_bytes([suite[4], suite[5]]);
        if (kem, kdf, aead) != (KEM_ID, KDF_ID, AEAD_ID) {
            return Err(EnvelopeError::UnsupportedSuite { kem, kdf, aead });
        }
        let enrollment_id = EnrollmentId::from_bytes(r.array("enrollment id")?).map_err(|e| {
            EnvelopeError::BadField {
                field: "enrollment id",
                problem: e.to_string(),
            }
        })?;
        let registry_key = KeyId(r.array("registry key id")?);
        let [ws_len] = r.array("workstation id length")?;
        let ws = r.take("workstation id", usize::from(ws_len))?;
        let workstation_id = std::str::from_utf8(ws)
            .ok()
            .filter(|s| crate::model::check_identifier("workstation id", s).is_ok())
            .ok_or_else(|| EnvelopeError::BadField {
                field: "workstation id",
                problem: "not 1-64 characters of A-Z a-z 0-9 . _ -".into(),
            })?
            .to_string();
        let enc: [u8; ENC_LEN] = r.array("encapsulated key")?;
        let ct_len = u32::from_be_bytes(r.array("ciphertext length")?) as usize;
        if ct_len < TAG_LEN {
            return Err(EnvelopeError::BadField {
                field: "ciphertext length",
                problem: format!("{ct_len} is shorter than the {TAG_LEN}-byte tag"),
            });
        }
        let aad_end = r.at;
        let ciphertext = r.take("ciphertext", ct_len)?;
        if r.at != bytes.len() {
            return Err(EnvelopeError::TrailingBytes(bytes.len() - r.at));
        }
        Ok(SealedView {
            header: Header {
                enrollment_id,
                registry_key,
                workstation_id,
            },
            enc,
            aad: &bytes[..aad_end],
            ciphertext,
        })
    }
}

impl Header {
    /// Writes the header fields (magic through workstation id) to `out`.
    pub fn emit(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&MAGIC);
        out.push(VERSION);
        for id in [KEM_ID, KDF_ID, AEAD_ID] {
            out.extend_from_slice(&id.to_be_bytes());
        }
        out.extend_from_slice(self.enrollment_id.as_bytes());
        out.extend_from_slice(&self.registry_key.0);
        // Identifiers are validated to 1-64 ASCII bytes before a header is built.
        out.push(self.workstation_id.len() as u8);
        out.extend_from_slice(self.workstation_id.as_bytes());
    }
}
