//! The manifest: the signed list of a packet's parts with their media types, lengths and SHA-256.
//!
//! Contract: the canonical encoding is compact JSON with members in the order of the struct
//! fields below (see SPEC.md §5). [`Manifest::decode`] accepts only that encoding: the bytes must
//! re-encode to themselves, so one manifest has exactly one byte form and one signature input.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::id::EnrollmentId;
use crate::keys::{KeyId, SignatureAlgorithm};
use crate::media;
use crate::timefmt::Timestamp;

/// The `format` member of every manifest.
pub const FORMAT: &str = "rekam-packet";
/// The manifest version this build writes and reads.
pub const VERSION: u32 = 1;
/// Name of the enrollment document, always the first part.
pub const ENROLLMENT_PART: &str = "enrollment.json";
/// Largest manifest accepted.
pub const MAX_MANIFEST_LEN: usize = 1 << 20;
/// Most parts in one packet.
pub const MAX_PARTS: usize = 64;

/// The signed table of contents of a packet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Always [`FORMAT`].
    pub format: String,
    /// Always [`VERSION`] for this build.
    pub version: u32,
    /// The enrollment id (also in the clear header).
    pub enrollment_id: EnrollmentId,
    /// The workstation that signed (also in the clear header).
    pub workstation_id: String,
    /// When the packet was built.
    pub created_at: Timestamp,
    /// The signing key.
    pub signer: Signer,
    /// The parts, in the order their bytes follow the signature.
    pub parts: Vec<PartEntry>,
}

/// Who signed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signer {
    /// Signature algorithm.
    pub algorithm: SignatureAlgorithm,
    /// Key id of the workstation public key.
    pub key_id: KeyId,
}

/// One part.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartEntry {
    /// Unique name, 1-64 of `a-z 0-9 . -`.
    pub name: String,
    /// Media type.
    pub media_type: String,
    /// Length in bytes.
    pub length: u64,
    /// SHA-256 of the bytes.
    pub sha256: Sha256Digest,
}

/// A SHA-256 digest, written as 64 lowercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Sha256Digest(pub [u8; 32]);

impl Sha256Digest {
    /// Digest of `data`.
    pub fn of(data: &[u8]) -> Self {
        let d = ring::digest::digest(&ring::digest::SHA256, data);
        let mut out = [0u8; 32];
        out.copy_from_slice(d.as_ref());
        Sha256Digest(out)
    }
}

impl fmt::Display for Sha256Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for Sha256Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sha256({self})")
    }
}

impl Serialize for Sha256Digest {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Sha256Digest {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        let mut out = [0u8; 32];
        if s.len() != 64
            || s.bytes().any(|c| c.is_ascii_uppercase())
            || hex::decode_to_slice(&*s, &mut out).is_err()
        {
            return Err(serde::de::Error::custom(
                "sha256 must be 64 lowercase hex digits",
            ));
        }
        Ok(Sha256Digest(out))
    }
}

/// Why bytes are not a valid manifest.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ManifestError {
    /// Not JSON of the manifest's shape.
    #[error("manifest: {0}")]
    Syntax(String),
    /// A version this build does not read.
    #[error("manifest version {0} is not supported (this build reads version {VERSION})")]
    UnsupportedVersion(u32),
    /// Valid JSON but not in canonical form.
    #[error("manifest is not in canonical form")]
    NotCanonical,
    /// Structurally wrong content.
    #[error("manifest: {0}")]
    Content(String),
    /// An image part whose name is not one of the names SPEC.md §5 fixes for an image's place.
    #[error(
        "manifest: part name {0:?} is not an image's place (finger-NN, finger-NN-exception, face, \
         signature, iris-left, iris-right) with the extension .png, .jpg or .wsq"
    )]
    UnknownPartName(String),
    /// A part whose name's extension says another media type than the manifest gives it.
    #[error("manifest: part {name:?} is named for {expected} but its media type is {media_type:?}")]
    NameDisagreesWithMediaType {
        /// The part.
        name: String,
        /// The media type its extension implies.
        expected: &'static str,
        /// The media type the manifest gives.
        media_type: String,
    },
    /// Parts not in the fixed order (fingers by position, face, signature, left iris, right iris).
    #[error(
        "manifest: part {name:?} comes after {after:?}; parts must follow the order fingers 01-10, \
         face, signature, iris-left, iris-right, one part per place"
    )]
    PartOutOfOrder {
        /// The misplaced part.
        name: String,
        /// The part before it.
        after: String,
    },
}

#[derive(Deserialize)]
struct VersionPeek {
    format: String,
    version: u32,
}

fn valid_part_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'.' || c == b'-')
}

/// The place of an image part in the fixed part order (1-10 the finger positions, whether the
/// finger's image or the photo of its exception, then 11 face, 12 signature, 13 iris-left, 14
/// iris-right) and the media type its extension names; `None` for any other name.
pub fn image_part_place(name: &str) -> Option<(u8, &'static str)> {
    let (stem, ext) = name.rsplit_once('.')?;
    let media_type = match ext {
        "png" => media::PNG,
        "jpg" => media::JPEG,
        "wsq" => media::WSQ,
        _ => return None,
    };
    let place = match stem {
        "face" => 11,
        "signature" => 12,
        "iris-left" => 13,
        "iris-right" => 14,
        _ => {
            let rest = stem.strip_prefix("finger-")?;
            let digits = rest.strip_suffix("-exception").unwrap_or(rest);
            if digits.len() != 2 || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let position: u8 = digits.parse().ok()?;
            if !(1..=10).contains(&position) {
                return None;
            }
            position
        }
    };
    Some((place, media_type))
}

impl Manifest {
    /// The canonical bytes.
    pub fn encode(&self) -> Vec<u8> {
        // Serializing these plain structs to a Vec cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Parses canonical manifest bytes and checks their structure.
    pub fn decode(bytes: &[u8]) -> Result<Manifest, ManifestError> {
        if bytes.len() > MAX_MANIFEST_LEN {
            return Err(ManifestError::Content(format!(
                "longer than {MAX_MANIFEST_LEN} bytes"
            )));
        }
        let peek: VersionPeek =
            serde_json::from_slice(bytes).map_err(|e| ManifestError::Syntax(e.to_string()))?;
        if peek.format != FORMAT {
            return Err(ManifestError::Content(format!(
                "format is {:?}, not {FORMAT:?}",
                peek.format
            )));
        }
        if peek.version != VERSION {
            return Err(ManifestError::UnsupportedVersion(peek.version));
        }
        let m: Manifest =
            serde_json::from_slice(bytes).map_err(|e| ManifestError::Syntax(e.to_string()))?;
        if m.encode() != bytes {
            return Err(ManifestError::NotCanonical);
        }
        m.check()?;
        Ok(m)
    }

    /// Structural rules: the enrollment document first, unique well-formed part names, a bounded
    /// number of parts, and every image part named for its place, with the media type its name's
    /// extension says, in the fixed order (SPEC.md §5).
    pub fn check(&self) -> Result<(), ManifestError> {
        crate::model::check_identifier("workstation_id", &self.workstation_id)
            .map_err(|e| ManifestError::Content(e.to_string()))?;
        if self.parts.is_empty() || self.parts.len() > MAX_PARTS {
            return Err(ManifestError::Content(format!(
                "has {} parts; 1-{MAX_PARTS} allowed",
                self.parts.len()
            )));
        }
        let first = &self.parts[0];
        if first.name != ENROLLMENT_PART || first.media_type != media::ENROLLMENT {
            return Err(ManifestError::Content(format!(
                "the first part must be {ENROLLMENT_PART} ({})",
                media::ENROLLMENT
            )));
        }
        let mut names = std::collections::BTreeSet::new();
        for p in &self.parts {
            if !valid_part_name(&p.name) {
                return Err(ManifestError::Content(format!(
                    "part name {:?} is not 1-64 of a-z 0-9 . -",
                    p.name
                )));
            }
            if !names.insert(p.name.as_str()) {
                return Err(ManifestError::Content(format!(
                    "part {:?} is listed twice",
                    p.name
                )));
            }
            if ![media::ENROLLMENT, media::PNG, media::JPEG, media::WSQ]
                .contains(&p.media_type.as_str())
            {
                return Err(ManifestError::Content(format!(
                    "part {:?} has unknown media type {:?}",
                    p.name, p.media_type
                )));
            }
        }
        let mut last: Option<(u8, &str)> = None;
        for p in &self.parts[1..] {
            let (place, expected) = image_part_place(&p.name)
                .ok_or_else(|| ManifestError::UnknownPartName(p.name.clone()))?;
            if p.media_type != expected {
                return Err(ManifestError::NameDisagreesWithMediaType {
                    name: p.name.clone(),
                    expected,
                    media_type: p.media_type.clone(),
                });
            }
            if let Some((before, after)) = last
                && place <= before
            {
                return Err(ManifestError::PartOutOfOrder {
                    name: p.name.clone(),
                    after: after.to_string(),
                });
            }
            last = Some((place, &p.name));
        }
        Ok(())
    }

    /// Total length of all parts (saturating, so absurd manifests cannot overflow).
    pub fn parts_len(&self) -> u64 {
        self.parts
            .iter()
            .fold(0u64, |acc, p| acc.saturating_add(p.length))
    }
}
