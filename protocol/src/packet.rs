//! Building, sealing, inspecting and opening enrollment packets.
//!
//! Sealing: the enrollment document and every image become parts; the manifest lists them with
//! their SHA-256; the workstation key signs the manifest; manifest, signature and parts are sealed
//! with HPKE to the registry key, with the clear header as associated data. The packet id is the
//! SHA-256 of the sealed bytes.
//!
//! Opening checks, in order, and stops at the first failure with its own error: envelope structure
//! and version, the registry key id, decryption (the header is authenticated with it), inner
//! structure, manifest, header/manifest agreement, the workstation's trust, the signature, every
//! part's length and hash, then the enrollment's own rules (NIK, all ten fingers, chip fingers,
//! images matching their metadata).
//!
//! Contract: deterministic given the inputs (Ed25519 signatures are deterministic; the HPKE
//! ephemeral key is derived from the caller's 32 bytes of input keying material); never panics.

use std::convert::Infallible;
use std::fmt;

use hpke::aead::{AeadTag, AesGcm256};
use hpke::inout::InOutBuf;
use hpke::kdf::HkdfSha256;
use hpke::kem::X25519HkdfSha256;
use hpke::rand_core::{TryCryptoRng, TryRng};
use hpke::{Deserializable, OpModeR, OpModeS, Serializable};
use ring::rand::SecureRandom;

use crate::envelope::{self, EnvelopeError, HPKE_INFO, Header, SealedView, TAG_LEN};
use crate::keys::{
    KeyError, RegistryPrivateKey, RegistryPublicKey, TrustStore, TrustedWorkstation,
    WorkstationSigningKey,
};
use crate::manifest::{
    self, ENROLLMENT_PART, Manifest, ManifestError, PartEntry, Sha256Digest, Signer,
};
use crate::model::{Enrollment, ValidationError};
use crate::{media, timefmt::Timestamp};

/// Domain separation prefix of the signature input: the manifest is signed as
/// `SIGNATURE_CONTEXT || manifest`.
pub const SIGNATURE_CONTEXT: &[u8] = b"rekam-packet-v1 manifest\0";
/// Largest signature accepted (a DER P-256 signature is at most 72 bytes).
pub const MAX_SIGNATURE_LEN: usize = 512;

/// The coarse class of a packet error, for counting and for API status codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Structure is broken: empty, truncated, trailing bytes, not a packet, bad fields.
    Malformed,
    /// A version this build cannot read.
    UnsupportedVersion,
    /// Sealed to a different registry key.
    SealedToAnotherKey,
    /// Decryption failed authentication.
    CiphertextAltered,
    /// Signed by a key that is not trusted, or trusted for another workstation.
    UnknownWorkstation,
    /// The manifest signature does not verify.
    BadSignature,
    /// A part's bytes do not match the manifest.
    PartHashMismatch,
    /// Well-formed and authentic, but the enrollment breaks a rule.
    InvalidEnrollment,
    /// The packet could not be built.
    Build,
}

/// Everything that can go wrong building or opening a packet.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum PacketError {
    /// The sealed envelope is malformed.
    #[error("malformed packet: {0}")]
    Envelope(EnvelopeError),
    /// The decrypted content is malformed.
    #[error("malformed packet content: {0}")]
    Content(String),
    /// The manifest breaks a rule of its structure (SPEC.md §5).
    #[error("malformed packet content: {0}")]
    Manifest(ManifestError),
    /// A version this build cannot read.
    #[error("unsupported packet version: {0}")]
    UnsupportedVersion(String),
    /// Sealed to another registry key.
    #[error(
        "sealed to another key: the packet is for registry key {packet_key}, this registry's key is {our_key}"
    )]
    SealedToAnotherKey {
        /// Key id in the header.
        packet_key: crate::keys::KeyId,
        /// Our key id.
        our_key: crate::keys::KeyId,
    },
    /// AEAD authentication failed.
    #[error("ciphertext altered: the packet or its header was changed after sealing")]
    CiphertextAltered,
    /// The signing key is not trusted (for this workstation).
    #[error("unknown workstation: {0}")]
    UnknownWorkstation(String),
    /// The signature does not verify.
    #[error(
        "bad signature: the manifest signature by workstation {workstation_id} does not verify"
    )]
    BadSignature {
        /// The workstation the key is trusted for.
        workstation_id: String,
    },
    /// A part's bytes do not match the manifest.
    #[error("part hash mismatch: part {name} does not match its SHA-256 in the manifest")]
    PartHashMismatch {
        /// Part name.
        name: String,
    },
    /// The enrollment breaks a rule.
    #[error("invalid enrollment: {0}")]
    InvalidEnrollment(String),
    /// Building failed.
    #[error("cannot build packet: {0}")]
    Build(String),
}

impl PacketError {
    /// The coarse class.
    pub fn kind(&self) -> ErrorKind {
        match self {
            PacketError::UnsupportedVersion(_) => ErrorKind::UnsupportedVersion,
            PacketError::Envelope(_) | PacketError::Content(_) | PacketError::Manifest(_) => {
                ErrorKind::Malformed
            }
            PacketError::SealedToAnotherKey { .. } => ErrorKind::SealedToAnotherKey,
            PacketError::CiphertextAltered => ErrorKind::CiphertextAltered,
            PacketError::UnknownWorkstation(_) => ErrorKind::UnknownWorkstation,
            PacketError::BadSignature { .. } => ErrorKind::BadSignature,
            PacketError::PartHashMismatch { .. } => ErrorKind::PartHashMismatch,
            PacketError::InvalidEnrollment(_) => ErrorKind::InvalidEnrollment,
            PacketError::Build(_) => ErrorKind::Build,
        }
    }
}

impl From<EnvelopeError> for PacketError {
    /// An unknown envelope version is its own error, not a malformed packet (SPEC.md §8 step 2,
    /// §10): a receiver must say "unsupported version" rather than guess at the bytes.
    fn from(e: EnvelopeError) -> Self {
        match e {
            EnvelopeError::UnsupportedVersion(_) => PacketError::UnsupportedVersion(e.to_string()),
            other => PacketError::Envelope(other),
        }
    }
}

impl From<ValidationError> for PacketError {
    fn from(e: ValidationError) -> Self {
        PacketError::InvalidEnrollment(e.to_string())
    }
}

impl From<ManifestError> for PacketError {
    fn from(e: ManifestError) -> Self {
        match e {
            ManifestError::UnsupportedVersion(_) => PacketError::UnsupportedVersion(e.to_string()),
            other => PacketError::Manifest(other),
        }
    }
}

/// The packet id: SHA-256 of the sealed bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PacketId(pub [u8; 32]);

impl PacketId {
    /// The id of sealed bytes.
    pub fn of(sealed: &[u8]) -> PacketId {
        PacketId(Sha256Digest::of(sealed).0)
    }
}

impl fmt::Display for PacketId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for PacketId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PacketId({self})")
    }
}

/// A sealed packet, ready to store and upload.
#[derive(Clone, Debug)]
pub struct SealedPacket {
    /// The sealed bytes.
    pub bytes: Vec<u8>,
    /// SHA-256 of `bytes`.
    pub id: PacketId,
    /// The manifest that was signed.
    pub manifest: Manifest,
}

/// Feeds HPKE exactly the caller's input keying material, so the ephemeral key is
/// DeriveKeyPair(ikm) as in RFC 9180 and its test vectors. Past 32 bytes it would repeat; X25519
/// key generation asks for exactly 32.
struct IkmRng {
    ikm: [u8; 32],
    at: usize,
}

impl TryRng for IkmRng {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        let mut b = [0u8; 4];
        self.try_fill_bytes(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        let mut b = [0u8; 8];
        self.try_fill_bytes(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        for byte in dst {
            *byte = self.ikm[self.at % 32];
            self.at += 1;
        }
        Ok(())
    }
}

impl TryCryptoRng for IkmRng {}

/// Builds, signs and seals an enrollment.
///
/// Assigns each image its part name (`finger-02.png`, `face.jpg`, ... see SPEC.md §5), which is
/// why the enrollment is borrowed mutably. `ephemeral_ikm` must be 32 fresh random bytes for every
/// packet; `rng` is used only by ECDSA signing.
pub fn seal(
    enrollment: &mut Enrollment,
    key: &WorkstationSigningKey,
    registry: &RegistryPublicKey,
    ephemeral_ikm: [u8; 32],
    rng: &dyn SecureRandom,
) -> Result<SealedPacket, PacketError> {
    enrollment.validate()?;
    let names: Vec<String> = enrollment
        .images()
        .into_iter()
        .map(|(base, img)| format!("{base}.{}", img.encoding.extension()))
        .collect();
    for (img, name) in enrollment.images_mut().into_iter().zip(names) {
        img.data.set_part(name);
    }
    for (name, img) in enrollment.images() {
        img.check_data()
            .map_err(|e| PacketError::InvalidEnrollment(format!("{name}: {e}")))?;
    }
    let document =
        serde_json::to_vec(&*enrollment).map_err(|e| PacketError::Build(e.to_string()))?;
    let images = enrollment.images();
    let mut parts: Vec<(&str, &'static str, &[u8])> =
        vec![(ENROLLMENT_PART, media::ENROLLMENT, &document)];
    for (_, img) in &images {
        parts.push((img.data.part(), img.encoding.media_type(), img.data.bytes()));
    }
    let manifest = Manifest {
        format: manifest::FORMAT.to_string(),
        version: manifest::VERSION,
        enrollment_id: enrollment.id,
        workstation_id: enrollment.context.workstation_id.clone(),
        created_at: enrollment.context.finished_at,
        signer: Signer {
            algorithm: key.public_key().algorithm(),
            key_id: key.public_key().key_id(),
        },
        parts: parts
            .iter()
            .map(|(name, media_type, bytes)| PartEntry {
                name: (*name).to_string(),
                media_type: (*media_type).to_string(),
                length: bytes.len() as u64,
                sha256: Sha256Digest::of(bytes),
            })
            .collect(),
    };
    manifest
        .check()
        .map_err(|e| PacketError::Build(e.to_string()))?;
    let part_bytes: Vec<&[u8]> = parts.iter().map(|p| p.2).collect();
    seal_parts(&manifest, &part_bytes, key, registry, ephemeral_ikm, rng)
}

/// Signs `manifest` and seals it with `parts` (their bytes in manifest order) as they are: no
/// check of the manifest, of the parts against it or of any enrollment.
///
/// [`seal`] is what a workstation uses; this is its last step, public so that conformance
/// suites can build authentic packets that break one rule each and see that every opener
/// refuses them. The header carries the manifest's enrollment id and workstation id (which must
/// be 1-255 bytes long to fit the header).
pub fn seal_parts(
    manifest: &Manifest,
    parts: &[&[u8]],
    key: &WorkstationSigningKey,
    registry: &RegistryPublicKey,
    ephemeral_ikm: [u8; 32],
    rng: &dyn SecureRandom,
) -> Result<SealedPacket, PacketError> {
    if manifest.workstation_id.is_empty() || manifest.workstation_id.len() > 255 {
        return Err(PacketError::Build(
            "the workstation id must be 1-255 bytes to fit the header".into(),
        ));
    }
    let manifest_bytes = manifest.encode();
    let signature = sign_manifest(key, &manifest_bytes, rng)?;

    let header = Header {
        enrollment_id: manifest.enrollment_id,
        registry_key: registry.key_id(),
        workstation_id: manifest.workstation_id.clone(),
    };
    let plaintext_len = 4
        + manifest_bytes.len()
        + 2
        + signature.len()
        + parts.iter().map(|p| p.len()).sum::<usize>();
    let mut out = Vec::with_capacity(128 + plaintext_len + TAG_LEN);
    header.emit(&mut out);
    let enc_at = out.len();
    out.extend_from_slice(&[0u8; envelope::ENC_LEN]);
    let ct_len = u32::try_from(plaintext_len + TAG_LEN)
        .ok()
        .filter(|&n| n as usize + out.len() + 4 <= envelope::MAX_SEALED_LEN)
        .ok_or_else(|| {
            PacketError::Build(format!(
                "{plaintext_len} bytes of content exceed the packet size limit"
            ))
        })?;
    out.extend_from_slice(&ct_len.to_be_bytes());
    let pt_at = out.len();
    out.extend_from_slice(&(manifest_bytes.len() as u32).to_be_bytes());
    out.extend_from_slice(&manifest_bytes);
    out.extend_from_slice(&(signature.len() as u16).to_be_bytes());
    out.extend_from_slice(&signature);
    for bytes in parts {
        out.extend_from_slice(bytes);
    }

    let pk = <X25519HkdfSha256 as hpke::Kem>::PublicKey::from_bytes(&registry.0)
        .map_err(|e| PacketError::Build(format!("registry key: {e}")))?;
    let mut ikm = IkmRng {
        ikm: ephemeral_ikm,
        at: 0,
    };
    let (enc, mut ctx) = hpke::setup_sender_with_rng::<AesGcm256, HkdfSha256, X25519HkdfSha256>(
        &OpModeS::Base,
        &pk,
        HPKE_INFO,
        &mut ikm,
    )
    .map_err(|e| PacketError::Build(format!("HPKE: {e}")))?;
    out[enc_at..enc_at + envelope::ENC_LEN].copy_from_slice(&enc.to_bytes());
    let (aad, plaintext) = out.split_at_mut(pt_at);
    let tag = ctx
        .seal_inout_detached(InOutBuf::from(plaintext), aad)
        .map_err(|e| PacketError::Build(format!("HPKE: {e}")))?;
    out.extend_from_slice(&tag.to_bytes());
    let id = PacketId::of(&out);
    Ok(SealedPacket {
        bytes: out,
        id,
        manifest: manifest.clone(),
    })
}

fn sign_manifest(
    key: &WorkstationSigningKey,
    manifest: &[u8],
    rng: &dyn SecureRandom,
) -> Result<Vec<u8>, PacketError> {
    let mut message = Vec::with_capacity(SIGNATURE_CONTEXT.len() + manifest.len());
    message.extend_from_slice(SIGNATURE_CONTEXT);
    message.extend_from_slice(manifest);
    key.sign(&message, rng)
        .map_err(|e: KeyError| PacketError::Build(e.to_string()))
}

/// What can be learned from a sealed packet without keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Inspection {
    /// SHA-256 of the sealed bytes.
    pub id: PacketId,
    /// The clear header.
    pub header: Header,
    /// Total length.
    pub sealed_len: usize,
    /// Length of the ciphertext (with tag).
    pub ciphertext_len: usize,
    /// When the enrollment id was minted (from the UUIDv7).
    pub enrollment_created: Timestamp,
}

/// Checks the envelope structure and reports the clear header.
pub fn inspect(sealed: &[u8]) -> Result<Inspection, PacketError> {
    let view = SealedView::parse(sealed)?;
    Ok(Inspection {
        id: PacketId::of(sealed),
        enrollment_created: Timestamp::from_unix_ms(view.header.enrollment_id.unix_ms() as i64),
        header: view.header,
        sealed_len: sealed.len(),
        ciphertext_len: view.ciphertext.len(),
    })
}

/// A packet that was opened and fully verified.
#[derive(Clone, Debug)]
pub struct OpenedPacket {
    /// SHA-256 of the sealed bytes.
    pub id: PacketId,
    /// The clear header.
    pub header: Header,
    /// The verified manifest.
    pub manifest: Manifest,
    /// The trusted workstation that signed it.
    pub signer: TrustedWorkstation,
    /// The enrollment, with every image's bytes.
    pub enrollment: Enrollment,
    /// The enrollment document exactly as signed.
    pub document: Vec<u8>,
}

impl OpenedPacket {
    /// Every part with its bytes, in manifest order.
    pub fn parts(&self) -> Vec<(&PartEntry, &[u8])> {
        let images = self.enrollment.images();
        self.manifest
            .parts
            .iter()
            .map(|p| {
                let bytes = if p.name == ENROLLMENT_PART {
                    self.document.as_slice()
                } else {
                    images
                        .iter()
                        .find(|(_, img)| img.data.part() == p.name)
                        .map(|(_, img)| img.data.bytes())
                        .unwrap_or(&[])
                };
                (p, bytes)
            })
            .collect()
    }
}

struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, what: &str, n: usize) -> Result<&'a [u8], PacketError> {
        if n > self.bytes.len() - self.at {
            return Err(PacketError::Content(format!(
                "the {what} needs {n} bytes but only {} remain",
                self.bytes.len() - self.at
            )));
        }
        let out = &self.bytes[self.at..self.at + n];
        self.at += n;
        Ok(out)
    }
}

/// Opens and verifies a sealed packet. See the module documentation for the order of checks.
pub fn open(
    sealed: &[u8],
    key: &RegistryPrivateKey,
    trust: &TrustStore,
) -> Result<OpenedPacket, PacketError> {
    let view = SealedView::parse(sealed)?;
    let our_key = key.public_key().key_id();
    if view.header.registry_key != our_key {
        return Err(PacketError::SealedToAnotherKey {
            packet_key: view.header.registry_key,
            our_key,
        });
    }
    let enc = <X25519HkdfSha256 as hpke::Kem>::EncappedKey::from_bytes(&view.enc)
        .map_err(|_| PacketError::CiphertextAltered)?;
    let (body, tag) = view.ciphertext.split_at(view.ciphertext.len() - TAG_LEN);
    let tag = AeadTag::<AesGcm256>::from_bytes(tag).map_err(|_| PacketError::CiphertextAltered)?;
    let mut ctx = hpke::setup_receiver::<AesGcm256, HkdfSha256, X25519HkdfSha256>(
        &OpModeR::Base,
        &key.sk,
        &enc,
        HPKE_INFO,
    )
    .map_err(|_| PacketError::CiphertextAltered)?;
    let mut plaintext = body.to_vec();
    ctx.open_inout_detached(InOutBuf::from(plaintext.as_mut_slice()), view.aad, &tag)
        .map_err(|_| PacketError::CiphertextAltered)?;

    let mut c = Cursor {
        bytes: &plaintext,
        at: 0,
    };
    let m_len = u32::from_be_bytes(
        c.take("manifest length", 4)?
            .try_into()
            .map_err(|_| PacketError::Content("manifest length".into()))?,
    ) as usize;
    if m_len == 0 || m_len > manifest::MAX_MANIFEST_LEN {
        return Err(PacketError::Content(format!(
            "manifest length {m_len} is not 1-{}",
            manifest::MAX_MANIFEST_LEN
        )));
    }
    let manifest_bytes = c.take("manifest", m_len)?;
    let s_len = u16::from_be_bytes(
        c.take("signature length", 2)?
            .try_into()
            .map_err(|_| PacketError::Content("signature length".into()))?,
    ) as usize;
    if s_len == 0 || s_len > MAX_SIGNATURE_LEN {
        return Err(PacketError::Content(format!(
            "signature length {s_len} is not 1-{MAX_SIGNATURE_LEN}"
        )));
    }
    let signature = c.take("signature", s_len)?;
    let manifest = Manifest::decode(manifest_bytes)?;
    if manifest.enrollment_id != view.header.enrollment_id {
        return Err(PacketError::Content(format!(
            "the header's enrollment id {} differs from the manifest's {}",
            view.header.enrollment_id, manifest.enrollment_id
        )));
    }
    if manifest.workstation_id != view.header.workstation_id {
        return Err(PacketError::Content(format!(
            "the header's workstation id {} differs from the manifest's {}",
            view.header.workstation_id, manifest.workstation_id
        )));
    }
    let signer = trust.get(&manifest.signer.key_id).ok_or_else(|| {
        PacketError::UnknownWorkstation(format!(
            "key {} of workstation {} is not in the trust store",
            manifest.signer.key_id, manifest.workstation_id
        ))
    })?;
    if signer.workstation_id != manifest.workstation_id {
        return Err(PacketError::UnknownWorkstation(format!(
            "key {} is trusted for workstation {}, but the packet claims workstation {}",
            manifest.signer.key_id, signer.workstation_id, manifest.workstation_id
        )));
    }
    if signer.key.algorithm() != manifest.signer.algorithm {
        return Err(PacketError::BadSignature {
            workstation_id: signer.workstation_id.clone(),
        });
    }
    let mut message = Vec::with_capacity(SIGNATURE_CONTEXT.len() + manifest_bytes.len());
    message.extend_from_slice(SIGNATURE_CONTEXT);
    message.extend_from_slice(manifest_bytes);
    if !signer.key.verify(&message, signature) {
        return Err(PacketError::BadSignature {
            workstation_id: signer.workstation_id.clone(),
        });
    }
    let remaining = (plaintext.len() - c.at) as u64;
    if manifest.parts_len() != remaining {
        return Err(PacketError::Content(format!(
            "the manifest lists {} bytes of parts but {remaining} bytes follow the signature",
            manifest.parts_len()
        )));
    }
    let mut part_bytes = Vec::with_capacity(manifest.parts.len());
    for p in &manifest.parts {
        let bytes = c.take("part", p.length as usize)?;
        if Sha256Digest::of(bytes) != p.sha256 {
            return Err(PacketError::PartHashMismatch {
                name: p.name.clone(),
            });
        }
        part_bytes.push(bytes);
    }
    let document = part_bytes[0].to_vec();
    let mut enrollment: Enrollment = serde_json::from_slice(&document)
        .map_err(|e| PacketError::InvalidEnrollment(format!("{ENROLLMENT_PART}: {e}")))?;
    if enrollment.id != manifest.enrollment_id {
        return Err(PacketError::InvalidEnrollment(
            "the document's id differs from the manifest's".into(),
        ));
    }
    if enrollment.context.workstation_id != manifest.workstation_id {
        return Err(PacketError::InvalidEnrollment(
            "the document's workstation differs from the manifest's".into(),
        ));
    }
    enrollment.validate()?;
    join_parts(&mut enrollment, &manifest, &part_bytes)?;
    Ok(OpenedPacket {
        id: PacketId::of(sealed),
        header: view.header,
        manifest,
        signer: signer.clone(),
        enrollment,
        document,
    })
}

/// Gives every image its bytes; every image must name the part its place and encoding fix
/// (`finger-02.png`, `face.jpg`...), every image part must be referenced exactly once, with the
/// media type its encoding implies, and its header must agree with the declared size.
fn join_parts(
    enrollment: &mut Enrollment,
    manifest: &Manifest,
    bytes: &[&[u8]],
) -> Result<(), PacketError> {
    let mut used = vec![false; manifest.parts.len()];
    used[0] = true;
    let places: Vec<String> = enrollment
        .images()
        .into_iter()
        .map(|(base, img)| format!("{base}.{}", img.encoding.extension()))
        .collect();
    for (img, expected) in enrollment.images_mut().into_iter().zip(places) {
        let name = img.data.part().to_string();
        // A part's name is fixed by the image's place (SPEC.md §5), so a document cannot swap two
        // fingers' images by naming each other's parts.
        if name != expected {
            return Err(PacketError::InvalidEnrollment(format!(
                "the {expected:?} image names part {name:?}; an image's part is named for its place"
            )));
        }
        let Some(i) = manifest.parts.iter().position(|p| p.name == name) else {
            return Err(PacketError::InvalidEnrollment(format!(
                "image part {name:?} is not in the manifest"
            )));
        };
        if used[i] {
            return Err(PacketError::InvalidEnrollment(format!(
                "part {name:?} is referenced twice"
            )));
        }
        used[i] = true;
        if manifest.parts[i].media_type != img.encoding.media_type() {
            return Err(PacketError::InvalidEnrollment(format!(
                "part {name:?} is {} but the document says {:?}",
                manifest.parts[i].media_type, img.encoding
            )));
        }
        img.data.set_bytes(bytes[i].to_vec());
        img.check_data()
            .map_err(|e| PacketError::InvalidEnrollment(format!("{name}: {e}")))?;
    }
    if let Some(i) = used.iter().position(|u| !u) {
        return Err(PacketError::InvalidEnrollment(format!(
            "part {:?} is not referenced by the document",
            manifest.parts[i].name
        )));
    }
    Ok(())
}
