//! RFC 9180 test vectors for the KEM and KDF that sealing uses, through the same code paths:
//! key derivation from input keying material, the registry key's public half, encapsulation
//! from caller-supplied entropy, and the first encryption.

use hpke::aead::AesGcm128;
use hpke::kdf::HkdfSha256;
use hpke::kem::X25519HkdfSha256;
use hpke::{Deserializable, Kem, OpModeS, Serializable};
use rekam_protocol::RegistryPrivateKey;
use serde_json::Value;

fn vector() -> Value {
    let text = include_str!("vectors/rfc9180-a1-base.json");
    serde_json::from_str(text).expect("vector file is JSON")
}

fn hex(v: &Value, key: &str) -> Vec<u8> {
    hex::decode(v[key].as_str().expect(key)).expect("hex")
}

/// X25519 clamps private keys at use; the RFC prints them unclamped, the library stores them
/// clamped, so the comparison is on the clamped form (the public keys prove the scalar is the same).
fn clamped(mut sk: Vec<u8>) -> Vec<u8> {
    sk[0] &= 248;
    sk[31] = (sk[31] & 127) | 64;
    sk
}

#[test]
fn derive_key_pair_matches_the_rfc() {
    let v = vector();
    let (sk_e, pk_e) = X25519HkdfSha256::derive_keypair(&hex(&v, "ikmE"));
    assert_eq!(sk_e.to_bytes().to_vec(), clamped(hex(&v, "skEm")));
    assert_eq!(pk_e.to_bytes().to_vec(), hex(&v, "pkEm"));
    let (sk_r, pk_r) = X25519HkdfSha256::derive_keypair(&hex(&v, "ikmR"));
    assert_eq!(sk_r.to_bytes().to_vec(), clamped(hex(&v, "skRm")));
    assert_eq!(pk_r.to_bytes().to_vec(), hex(&v, "pkRm"));
}

#[test]
fn a_registry_key_from_the_rfc_secret_has_the_rfc_public_key() {
    let v = vector();
    let sk: [u8; 32] = hex(&v, "skRm").try_into().expect("32 bytes");
    let key = RegistryPrivateKey::from_secret(sk);
    assert_eq!(key.public_key().0.to_vec(), hex(&v, "pkRm"));
}

/// Feeds the RFC's ikmE as the sender's randomness, as `packet::seal` does with its entropy.
struct Ikm(Vec<u8>);

impl hpke::rand_core::TryRng for Ikm {
    type Error = std::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        unreachable!("HPKE draws bytes")
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        unreachable!("HPKE draws bytes")
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        dst.copy_from_slice(&self.0[..dst.len()]);
        Ok(())
    }
}

impl hpke::rand_core::TryCryptoRng for Ikm {}

#[test]
fn encapsulation_from_ikm_and_the_first_encryption_match_the_rfc() {
    let v = vector();
    let pk = <X25519HkdfSha256 as Kem>::PublicKey::from_bytes(&hex(&v, "pkRm")).expect("pk");
    let (enc, mut ctx) = hpke::setup_sender_with_rng::<AesGcm128, HkdfSha256, X25519HkdfSha256>(
        &OpModeS::Base,
        &pk,
        &hex(&v, "info"),
        &mut Ikm(hex(&v, "ikmE")),
    )
    .expect("setup");
    assert_eq!(enc.to_bytes().to_vec(), hex(&v, "enc"));
    let e = &v["encryption_0"];
    let ct = ctx
        .seal(&hex(e, "plaintext"), &hex(e, "aad"))
        .expect("seal");
    assert_eq!(ct, hex(e, "ciphertext"));
}
