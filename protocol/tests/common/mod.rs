//! Shared fixtures for the packet tests: fixed keys and small sealed packets.

#![allow(dead_code)]

use hpke::aead::{AeadTag, AesGcm256};
use hpke::inout::InOutBuf;
use hpke::kdf::HkdfSha256;
use hpke::kem::X25519HkdfSha256;
use hpke::{Deserializable, OpModeR, OpModeS, Serializable};
use rekam_protocol::envelope::{HPKE_INFO, SealedView, TAG_LEN};
use rekam_protocol::model::Enrollment;
use rekam_protocol::packet::{self, SealedPacket};
use rekam_protocol::{
    Manifest, RegistryPrivateKey, SignatureAlgorithm, TrustStore, TrustedWorkstation,
    WorkstationSigningKey,
};
use rekam_sim::sample::{self, SampleOptions};
use ring::rand::SystemRandom;

pub const WS: &str = "WS-3171-CPT-01";
pub const T0: i64 = 1_763_890_000_000;

pub struct Fixture {
    pub key: WorkstationSigningKey,
    pub registry: RegistryPrivateKey,
    pub trust: TrustStore,
    pub enrollment: Enrollment,
    pub sealed: SealedPacket,
}

/// Ed25519 PKCS#8 v1 from a 32-byte seed (RFC 8410 layout).
pub fn ed25519_from_seed(seed: [u8; 32]) -> WorkstationSigningKey {
    let mut der = vec![
        0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04,
        0x20,
    ];
    der.extend_from_slice(&seed);
    WorkstationSigningKey::from_pkcs8_der(&der, &SystemRandom::new()).expect("ed25519 key")
}

pub fn fixture_with(key: WorkstationSigningKey, opts: &SampleOptions) -> Fixture {
    let registry = RegistryPrivateKey::from_secret([0x42; 32]);
    let mut trust = TrustStore::new();
    trust
        .insert(TrustedWorkstation {
            workstation_id: WS.into(),
            key: key.public_key().clone(),
        })
        .expect("trust");
    let mut enrollment = sample::enrollment(opts);
    let sealed = packet::seal(
        &mut enrollment,
        &key,
        registry.public_key(),
        [7; 32],
        &SystemRandom::new(),
    )
    .expect("seal");
    Fixture {
        key,
        registry,
        trust,
        enrollment,
        sealed,
    }
}

pub fn tiny() -> Fixture {
    fixture_with(ed25519_from_seed([1; 32]), &SampleOptions::tiny(5, WS, T0))
}

pub fn ecdsa_tiny() -> Fixture {
    let (key, _) =
        WorkstationSigningKey::generate(SignatureAlgorithm::EcdsaP256Sha256, &SystemRandom::new())
            .expect("ecdsa key");
    fixture_with(key, &SampleOptions::tiny(6, WS, T0))
}

/// Decrypts a sealed packet's content, lets `edit` change it, and seals it again to the same
/// registry key with the same header: a validly sealed packet with altered insides, as only a
/// holder of the registry key (or a buggy workstation) could produce.
pub fn reseal(f: &Fixture, edit: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let view = SealedView::parse(&f.sealed.bytes).expect("parse");
    let enc = <X25519HkdfSha256 as hpke::Kem>::EncappedKey::from_bytes(&view.enc).expect("enc");
    let sk = <X25519HkdfSha256 as hpke::Kem>::PrivateKey::from_bytes(&[0x42; 32]).expect("sk");
    let (body, tag) = view.ciphertext.split_at(view.ciphertext.len() - TAG_LEN);
    let tag = AeadTag::<AesGcm256>::from_bytes(tag).expect("tag");
    let mut ctx = hpke::setup_receiver::<AesGcm256, HkdfSha256, X25519HkdfSha256>(
        &OpModeR::Base,
        &sk,
        &enc,
        HPKE_INFO,
    )
    .expect("receiver");
    let mut plain = body.to_vec();
    ctx.open_inout_detached(InOutBuf::from(plain.as_mut_slice()), view.aad, &tag)
        .expect("open");
    edit(&mut plain);

    let header_len = view.aad.len() - 32 - 4;
    let mut out = f.sealed.bytes[..header_len].to_vec();
    let pk = <X25519HkdfSha256 as hpke::Kem>::PublicKey::from_bytes(&f.registry.public_key().0)
        .expect("pk");
    let (enc, mut sctx) = hpke::setup_sender_with_rng::<AesGcm256, HkdfSha256, X25519HkdfSha256>(
        &OpModeS::Base,
        &pk,
        HPKE_INFO,
        &mut CountingRng(1),
    )
    .expect("sender");
    out.extend_from_slice(&enc.to_bytes());
    out.extend_from_slice(&((plain.len() + TAG_LEN) as u32).to_be_bytes());
    let aad = out.clone();
    let tag = sctx
        .seal_inout_detached(InOutBuf::from(plain.as_mut_slice()), &aad)
        .expect("seal");
    out.extend_from_slice(&plain);
    out.extend_from_slice(&tag.to_bytes());
    out
}

/// Offsets inside the decrypted content: (manifest, signature, parts) ranges.
pub fn layout(plain: &[u8]) -> (std::ops::Range<usize>, std::ops::Range<usize>, usize) {
    let m = u32::from_be_bytes(plain[..4].try_into().expect("len")) as usize;
    let s_at = 4 + m;
    let s = u16::from_be_bytes(plain[s_at..s_at + 2].try_into().expect("len")) as usize;
    (4..4 + m, s_at + 2..s_at + 2 + s, s_at + 2 + s)
}

/// A predictable generator for re-sealing in tests (never for real keys).
pub struct CountingRng(pub u64);

impl hpke::rand_core::TryRng for CountingRng {
    type Error = std::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        Ok(self.try_next_u64()? as u32)
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        Ok(self.0)
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        for b in dst {
            *b = (self.try_next_u64()? >> 33) as u8;
        }
        Ok(())
    }
}

impl hpke::rand_core::TryCryptoRng for CountingRng {}

/// Rewrites the manifest inside decrypted content, keeping its length prefix right, so that only
/// the signature (or the manifest's own checks) can catch the change.
pub fn edit_manifest(plain: &mut Vec<u8>, edit: impl FnOnce(&str) -> String) {
    let (m, _, _) = layout(plain);
    let text = String::from_utf8(plain[m.clone()].to_vec()).expect("utf8");
    let changed = edit(&text);
    let mut out = (changed.len() as u32).to_be_bytes().to_vec();
    out.extend_from_slice(changed.as_bytes());
    out.extend_from_slice(&plain[m.end..]);
    *plain = out;
}

/// Opens the fixture's packet, lets `edit` change its manifest and part bytes (the enrollment
/// document first), and signs and seals the result with the fixture's keys: an authentic packet
/// that breaks whatever rule the edit breaks.
pub fn resign(f: &Fixture, edit: impl FnOnce(&mut Manifest, &mut Vec<Vec<u8>>)) -> Vec<u8> {
    let opened = packet::open(&f.sealed.bytes, &f.registry, &f.trust).expect("open");
    let mut manifest = opened.manifest.clone();
    let mut parts: Vec<Vec<u8>> = opened.parts().iter().map(|(_, b)| b.to_vec()).collect();
    edit(&mut manifest, &mut parts);
    let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
    packet::seal_parts(
        &manifest,
        &refs,
        &f.key,
        f.registry.public_key(),
        [9; 32],
        &SystemRandom::new(),
    )
    .expect("seal")
    .bytes
}

/// Replaces the enrollment document (part 0) and its manifest entry.
pub fn set_document(manifest: &mut Manifest, parts: &mut [Vec<u8>], doc: &serde_json::Value) {
    let bytes = serde_json::to_vec(doc).expect("json");
    manifest.parts[0].length = bytes.len() as u64;
    manifest.parts[0].sha256 = rekam_protocol::manifest::Sha256Digest::of(&bytes);
    parts[0] = bytes;
}
