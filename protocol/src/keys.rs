//! Keys: workstation signing keys (Ed25519 or ECDSA P-256, through `ring`), registry sealing keys
//! (X25519 for HPKE), key ids, the trust store, and their file and text forms.
//!
//! Contract: private keys are PKCS#8 (RFC 5208/5958; X25519 per RFC 8410), in DER or PEM. Ed25519
//! and X25519 keys are written as version 1 `PrivateKeyInfo` holding only the 32-byte secret in an
//! OCTET STRING (RFC 8410 §7), the form OpenSSL 3 and Python `cryptography` load; Ed25519 keys are
//! also read in the version 2 form (with the public key) that `ring` writes and older rekam
//! releases stored. Public
//! keys have a one-line text form documented in SPEC.md:
//! `rekam-workstation-v1 <algorithm> <base64 key> <workstation-id>` and
//! `rekam-registry-v1 x25519 <base64 key>`. A key id is the first 16 bytes of the SHA-256 of the
//! raw public key.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hpke::kem::X25519HkdfSha256;
use hpke::{Deserializable, Kem as _, Serializable};
use ring::rand::SecureRandom;
use ring::signature::{self, EcdsaKeyPair, Ed25519KeyPair, KeyPair};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::pem;

/// Workstation signature algorithms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SignatureAlgorithm {
    /// Ed25519 (RFC 8032), 64-byte signatures.
    #[serde(rename = "ed25519")]
    Ed25519,
    /// ECDSA on P-256 with SHA-256, DER-encoded signatures (as TPMs and smart cards produce).
    #[serde(rename = "ecdsa-p256-sha256")]
    EcdsaP256Sha256,
}

impl SignatureAlgorithm {
    /// The name used in manifests and public key text.
    pub fn name(self) -> &'static str {
        match self {
            SignatureAlgorithm::Ed25519 => "ed25519",
            SignatureAlgorithm::EcdsaP256Sha256 => "ecdsa-p256-sha256",
        }
    }
}

impl fmt::Display for SignatureAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for SignatureAlgorithm {
    type Err = KeyError;
    fn from_str(s: &str) -> Result<Self, KeyError> {
        match s {
            "ed25519" => Ok(SignatureAlgorithm::Ed25519),
            "ecdsa-p256-sha256" => Ok(SignatureAlgorithm::EcdsaP256Sha256),
            other => Err(KeyError::UnknownAlgorithm(other.chars().take(40).collect())),
        }
    }
}

/// Errors reading, generating or using keys.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// The PEM wrapper is wrong.
    #[error("private key: {0}")]
    Pem(#[from] pem::PemError),
    /// The DER is not a PKCS#8 key of a supported kind.
    #[error("private key is not a PKCS#8 {expected} key")]
    Pkcs8 {
        /// What kind was expected.
        expected: &'static str,
    },
    /// An algorithm name that rekam does not know.
    #[error("unknown algorithm {0:?} (expected ed25519, ecdsa-p256-sha256 or x25519)")]
    UnknownAlgorithm(String),
    /// A public key line is malformed.
    #[error("public key text: {0}")]
    PublicKeyText(String),
    /// The random source failed.
    #[error("the random number generator failed")]
    Random,
    /// Signing failed.
    #[error("signing failed")]
    Signing,
    /// Two trust entries with one key but different workstations.
    #[error("key {key_id} is already trusted for workstation {existing}, not {new}")]
    ConflictingTrust {
        /// The key.
        key_id: KeyId,
        /// Workstation already recorded.
        existing: String,
        /// Workstation in the new entry.
        new: String,
    },
}

/// Identifies a public key: the first 16 bytes of SHA-256 over its raw bytes.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KeyId(pub [u8; 16]);

impl KeyId {
    /// The id of raw public key bytes.
    pub fn of(raw_public_key: &[u8]) -> KeyId {
        let digest = ring::digest::digest(&ring::digest::SHA256, raw_public_key);
        let mut id = [0u8; 16];
        id.copy_from_slice(&digest.as_ref()[..16]);
        KeyId(id)
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({self})")
    }
}

impl FromStr for KeyId {
    type Err = KeyError;
    fn from_str(s: &str) -> Result<Self, KeyError> {
        let mut id = [0u8; 16];
        if s.len() != 32 || s.bytes().any(|c| c.is_ascii_uppercase()) {
            return Err(KeyError::PublicKeyText(format!(
                "key id {s:?} is not 32 lowercase hex digits"
            )));
        }
        hex::decode_to_slice(s, &mut id).map_err(|_| {
            KeyError::PublicKeyText(format!("key id {s:?} is not 32 lowercase hex digits"))
        })?;
        Ok(KeyId(id))
    }
}

impl Serialize for KeyId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for KeyId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A workstation's public signature key.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct VerifyingKey {
    algorithm: SignatureAlgorithm,
    raw: Vec<u8>,
}

impl VerifyingKey {
    /// From raw bytes: 32 for Ed25519, 65 (uncompressed SEC1 point) for P-256.
    pub fn new(algorithm: SignatureAlgorithm, raw: Vec<u8>) -> Result<Self, KeyError> {
        let ok = match algorithm {
            SignatureAlgorithm::Ed25519 => raw.len() == 32,
            SignatureAlgorithm::EcdsaP256Sha256 => raw.len() == 65 && raw[0] == 4,
        };
        if !ok {
            return Err(KeyError::PublicKeyText(format!(
                "a {algorithm} public key must be {}",
                match algorithm {
                    SignatureAlgorithm::Ed25519 => "32 bytes",
                    SignatureAlgorithm::EcdsaP256Sha256 => "65 bytes starting with 04",
                }
            )));
        }
        Ok(VerifyingKey { algorithm, raw })
    }

    /// The algorithm.
    pub fn algorithm(&self) -> SignatureAlgorithm {
        self.algorithm
    }

    /// The raw public key bytes.
    pub fn raw(&self) -> &[u8] {
        &self.raw
    }

    /// The key id.
    pub fn key_id(&self) -> KeyId {
        KeyId::of(&self.raw)
    }

    /// True if `signature` is valid for `message` under this key.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        let alg: &dyn signature::VerificationAlgorithm = match self.algorithm {
            SignatureAlgorithm::Ed25519 => &signature::ED25519,
            SignatureAlgorithm::EcdsaP256Sha256 => &signature::ECDSA_P256_SHA256_ASN1,
        };
        signature::UnparsedPublicKey::new(alg, &self.raw)
            .verify(message, signature)
            .is_ok()
    }
}

enum Signer {
    Ed25519(Ed25519KeyPair),
    Ecdsa(EcdsaKeyPair),
}

/// A workstation's private signing key.
pub struct WorkstationSigningKey {
    signer: Signer,
    public: VerifyingKey,
}

impl fmt::Debug for WorkstationSigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "WorkstationSigningKey({}, {})",
            self.public.algorithm,
            self.public.key_id()
        )
    }
}

impl WorkstationSigningKey {
    /// Generates a key; returns it with its PKCS#8 DER encoding for storage.
    pub fn generate(
        algorithm: SignatureAlgorithm,
        rng: &dyn SecureRandom,
    ) -> Result<(Self, Vec<u8>), KeyError> {
        let der = match algorithm {
            // Not ring's generate_pkcs8: it writes PKCS#8 v2 with the public key in a form
            // OpenSSL 3 and `cryptography` refuse, so operators could not use their key elsewhere.
            SignatureAlgorithm::Ed25519 => {
                let mut seed = [0u8; 32];
                rng.fill(&mut seed).map_err(|_| KeyError::Random)?;
                ed25519_pkcs8_v1(&seed)
            }
            SignatureAlgorithm::EcdsaP256Sha256 => {
                EcdsaKeyPair::generate_pkcs8(&signature::ECDSA_P256_SHA256_ASN1_SIGNING, rng)
                    .map_err(|_| KeyError::Random)?
                    .as_ref()
                    .to_vec()
            }
        };
        Ok((Self::from_pkcs8_der(&der, rng)?, der))
    }

    /// Reads a PKCS#8 DER key, Ed25519 (v1 or v2) or ECDSA P-256.
    pub fn from_pkcs8_der(der: &[u8], rng: &dyn SecureRandom) -> Result<Self, KeyError> {
        if let Ok(kp) = Ed25519KeyPair::from_pkcs8_maybe_unchecked(der) {
            let public = VerifyingKey::new(
                SignatureAlgorithm::Ed25519,
                kp.public_key().as_ref().to_vec(),
            )?;
            return Ok(WorkstationSigningKey {
                signer: Signer::Ed25519(kp),
                public,
            });
        }
        let kp = EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P256_SHA256_ASN1_SIGNING, der, rng)
            .map_err(|_| KeyError::Pkcs8 {
                expected: "Ed25519 or ECDSA P-256",
            })?;
        let public = VerifyingKey::new(
            SignatureAlgorithm::EcdsaP256Sha256,
            kp.public_key().as_ref().to_vec(),
        )?;
        Ok(WorkstationSigningKey {
            signer: Signer::Ecdsa(kp),
            public,
        })
    }

    /// Reads a PEM `PRIVATE KEY` block.
    pub fn from_pem(text: &str, rng: &dyn SecureRandom) -> Result<Self, KeyError> {
        Self::from_pkcs8_der(&pem::decode("PRIVATE KEY", text)?, rng)
    }

    /// The public half.
    pub fn public_key(&self) -> &VerifyingKey {
        &self.public
    }

    /// Signs a message. Ed25519 is deterministic; ECDSA draws its nonce from `rng`.
    pub fn sign(&self, message: &[u8], rng: &dyn SecureRandom) -> Result<Vec<u8>, KeyError> {
        match &self.signer {
            Signer::Ed25519(kp) => Ok(kp.sign(message).as_ref().to_vec()),
            Signer::Ecdsa(kp) => kp
                .sign(rng, message)
                .map(|s| s.as_ref().to_vec())
                .map_err(|_| KeyError::Signing),
        }
    }
}

/// A workstation the registry trusts: its id and public key.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct TrustedWorkstation {
    /// The workstation id its packets must carry.
    pub workstation_id: String,
    /// Its public key.
    pub key: VerifyingKey,
}

const WORKSTATION_TAG: &str = "rekam-workstation-v1";
const REGISTRY_TAG: &str = "rekam-registry-v1";

impl TrustedWorkstation {
    /// The one-line text form, with a trailing newline.
    pub fn to_text(&self) -> String {
        format!(
            "{WORKSTATION_TAG} {} {} {}\n",
            self.key.algorithm,
            STANDARD.encode(&self.key.raw),
            self.workstation_id
        )
    }

    /// Parses one line of the text form.
    pub fn parse_line(line: &str) -> Result<Self, KeyError> {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let [tag, alg, key, ws] = fields[..] else {
            return Err(KeyError::PublicKeyText(format!(
                "expected '{WORKSTATION_TAG} <algorithm> <base64 key> <workstation-id>', found {} fields",
                fields.len()
            )));
        };
        if tag != WORKSTATION_TAG {
            return Err(KeyError::PublicKeyText(format!(
                "expected {WORKSTATION_TAG:?}, found {tag:?}"
            )));
        }
        let algorithm: SignatureAlgorithm = alg.parse()?;
        let raw = STANDARD
            .decode(key)
            .map_err(|_| KeyError::PublicKeyText("the key is not standard base64".into()))?;
        crate::model::check_identifier("workstation id", ws)
            .map_err(|e| KeyError::PublicKeyText(e.to_string()))?;
        Ok(TrustedWorkstation {
            workstation_id: ws.to_string(),
            key: VerifyingKey::new(algorithm, raw)?,
        })
    }
}

/// The set of workstation keys a registry accepts, by key id.
#[derive(Clone, Default, Debug)]
pub struct TrustStore {
    entries: BTreeMap<KeyId, TrustedWorkstation>,
}

impl TrustStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an entry; the same entry twice is fine, one key for two workstations is not.
    pub fn insert(&mut self, entry: TrustedWorkstation) -> Result<(), KeyError> {
        let id = entry.key.key_id();
        if let Some(existing) = self.entries.get(&id)
            && existing.workstation_id != entry.workstation_id
        {
            return Err(KeyError::ConflictingTrust {
                key_id: id,
                existing: existing.workstation_id.clone(),
                new: entry.workstation_id,
            });
        }
        self.entries.insert(id, entry);
        Ok(())
    }

    /// Adds every entry of a text file: one per line, blank lines and `#` comments ignored. The
    /// error names the line.
    pub fn add_text(&mut self, text: &str) -> Result<usize, KeyError> {
        let mut n = 0;
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let entry = TrustedWorkstation::parse_line(line).map_err(|e| match e {
                KeyError::PublicKeyText(m) => {
                    KeyError::PublicKeyText(format!("line {}: {m}", i + 1))
                }
                other => other,
            })?;
            self.insert(entry)?;
            n += 1;
        }
        Ok(n)
    }

    /// The entry for a key id.
    pub fn get(&self, id: &KeyId) -> Option<&TrustedWorkstation> {
        self.entries.get(id)
    }

    /// Number of trusted keys.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when nothing is trusted.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// DER prefix of an RFC 8410 PKCS#8 v1 Ed25519 private key (OID 1.3.101.112); the 32-byte seed
/// follows.
const ED25519_PKCS8_V1_PREFIX: [u8; 16] = [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];

/// The RFC 8410 PKCS#8 v1 DER of an Ed25519 key with this 32-byte seed (the private key of RFC
/// 8032), as OpenSSL writes it: `SEQUENCE { INTEGER 0, SEQUENCE { OID 1.3.101.112 }, OCTET STRING
/// { OCTET STRING seed } }`.
pub fn ed25519_pkcs8_v1(seed: &[u8; 32]) -> Vec<u8> {
    let mut der = ED25519_PKCS8_V1_PREFIX.to_vec();
    der.extend_from_slice(seed);
    der
}

/// DER prefix of an RFC 8410 PKCS#8 X25519 private key; the 32 key bytes follow.
const X25519_PKCS8_PREFIX: [u8; 16] = [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20,
];

/// The registry's private key (X25519), which opens sealed packets.
#[derive(Clone)]
pub struct RegistryPrivateKey {
    secret: [u8; 32],
    pub(crate) sk: <X25519HkdfSha256 as hpke::Kem>::PrivateKey,
    public: RegistryPublicKey,
}

impl fmt::Debug for RegistryPrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RegistryPrivateKey({})", self.public.key_id())
    }
}

impl RegistryPrivateKey {
    /// From 32 secret bytes (random, or the RFC 9180 DeriveKeyPair output).
    pub fn from_secret(secret: [u8; 32]) -> Self {
        // Any 32 bytes are a valid X25519 scalar once clamped, which from_bytes does.
        let sk = match <X25519HkdfSha256 as hpke::Kem>::PrivateKey::from_bytes(&secret) {
            Ok(sk) => sk,
            Err(_) => unreachable!("32 bytes always deserialize as an X25519 private key"),
        };
        let pk = X25519HkdfSha256::sk_to_pk(&sk);
        let mut raw = [0u8; 32];
        raw.copy_from_slice(&pk.to_bytes());
        RegistryPrivateKey {
            secret,
            sk,
            public: RegistryPublicKey(raw),
        }
    }

    /// Generates a key from the random source.
    pub fn generate(rng: &dyn SecureRandom) -> Result<Self, KeyError> {
        let mut secret = [0u8; 32];
        rng.fill(&mut secret).map_err(|_| KeyError::Random)?;
        Ok(Self::from_secret(secret))
    }

    /// RFC 8410 PKCS#8 DER.
    pub fn to_pkcs8_der(&self) -> Vec<u8> {
        let mut der = X25519_PKCS8_PREFIX.to_vec();
        der.extend_from_slice(&self.secret);
        der
    }

    /// Reads RFC 8410 PKCS#8 DER (version 1, without attributes or public key).
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, KeyError> {
        let err = KeyError::Pkcs8 {
            expected: "X25519 (RFC 8410)",
        };
        if der.len() != 48 || der[..16] != X25519_PKCS8_PREFIX {
            return Err(err);
        }
        let mut secret = [0u8; 32];
        secret.copy_from_slice(&der[16..]);
        Ok(Self::from_secret(secret))
    }

    /// PEM `PRIVATE KEY`.
    pub fn to_pem(&self) -> String {
        pem::encode("PRIVATE KEY", &self.to_pkcs8_der())
    }

    /// Reads a PEM `PRIVATE KEY` block.
    pub fn from_pem(text: &str) -> Result<Self, KeyError> {
        Self::from_pkcs8_der(&pem::decode("PRIVATE KEY", text)?)
    }

    /// The public half.
    pub fn public_key(&self) -> &RegistryPublicKey {
        &self.public
    }
}

/// The registry's public key, to which workstations seal packets.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct RegistryPublicKey(pub [u8; 32]);

impl RegistryPublicKey {
    /// The key id carried in packet headers.
    pub fn key_id(&self) -> KeyId {
        KeyId::of(&self.0)
    }

    /// The one-line text form, with a trailing newline.
    pub fn to_text(&self) -> String {
        format!("{REGISTRY_TAG} x25519 {}\n", STANDARD.encode(self.0))
    }

    /// Parses the text form (one line; surrounding white space and `#` comment lines ignored).
    pub fn parse_text(text: &str) -> Result<Self, KeyError> {
        let mut lines = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'));
        let line = lines
            .next()
            .ok_or_else(|| KeyError::PublicKeyText("empty registry key file".into()))?;
        if lines.next().is_some() {
            return Err(KeyError::PublicKeyText(
                "a registry key file holds one key".into(),
            ));
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        let [tag, alg, key] = fields[..] else {
            return Err(KeyError::PublicKeyText(format!(
                "expected '{REGISTRY_TAG} x25519 <base64 key>', found {} fields",
                fields.len()
            )));
        };
        if tag != REGISTRY_TAG {
            return Err(KeyError::PublicKeyText(format!(
                "expected {REGISTRY_TAG:?}, found {tag:?}"
            )));
        }
        if alg != "x25519" {
            return Err(KeyError::UnknownAlgorithm(alg.chars().take(40).collect()));
        }
        let raw = STANDARD
            .decode(key)
            .map_err(|_| KeyError::PublicKeyText("the key is not standard base64".into()))?;
        let raw: [u8; 32] = raw
            .try_into()
            .map_err(|_| KeyError::PublicKeyText("an x25519 key must be 32 bytes".into()))?;
        Ok(RegistryPublicKey(raw))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::rand::SystemRandom;

    #[test]
    fn both_workstation_algorithms_sign_and_verify_and_reload_from_pkcs8() {
        let rng = SystemRandom::new();
        for alg in [
            SignatureAlgorithm::Ed25519,
            SignatureAlgorithm::EcdsaP256Sha256,
        ] {
            let (key, der) = WorkstationSigningKey::generate(alg, &rng).expect("generate");
            let sig = key.sign(b"manifest", &rng).expect("sign");
            assert!(key.public_key().verify(b"manifest", &sig));
            assert!(!key.public_key().verify(b"manifestX", &sig));
            let again = WorkstationSigningKey::from_pem(&pem::encode("PRIVATE KEY", &der), &rng)
                .expect("reload");
            assert_eq!(again.public_key(), key.public_key());
        }
    }

    #[test]
    fn ed25519_keys_are_written_as_pkcs8_v1_and_ring_v2_files_still_load() {
        let rng = SystemRandom::new();
        let (key, der) =
            WorkstationSigningKey::generate(SignatureAlgorithm::Ed25519, &rng).expect("generate");
        assert_eq!(der.len(), 48);
        assert_eq!(der[..16], ED25519_PKCS8_V1_PREFIX);
        let seed: [u8; 32] = der[16..].try_into().expect("seed");
        let same = Ed25519KeyPair::from_seed_unchecked(&seed).expect("seed");
        assert_eq!(same.public_key().as_ref(), key.public_key().raw());
        // A v2 file as ring writes it (and rekam wrote before): version 1, with the public key.
        let v2 = Ed25519KeyPair::generate_pkcs8(&rng).expect("v2");
        assert_eq!(
            v2.as_ref()[4],
            1,
            "ring writes PKCS#8 version 2 (INTEGER 1)"
        );
        let old = WorkstationSigningKey::from_pkcs8_der(v2.as_ref(), &rng).expect("v2 loads");
        let kp = Ed25519KeyPair::from_pkcs8(v2.as_ref()).expect("ring");
        assert_eq!(old.public_key().raw(), kp.public_key().as_ref());
        assert_eq!(
            old.sign(b"m", &rng).expect("sign"),
            kp.sign(b"m").as_ref().to_vec()
        );
    }

    #[test]
    fn public_key_text_round_trips_and_names_its_faults() {
        let rng = SystemRandom::new();
        let (key, _) =
            WorkstationSigningKey::generate(SignatureAlgorithm::Ed25519, &rng).expect("generate");
        let entry = TrustedWorkstation {
            workstation_id: "WS-3171-01".into(),
            key: key.public_key().clone(),
        };
        assert_eq!(
            TrustedWorkstation::parse_line(&entry.to_text()),
            Ok(entry.clone())
        );
        let mut store = TrustStore::new();
        let text = format!("# office 3171\n\n{}", entry.to_text());
        assert_eq!(store.add_text(&text), Ok(1));
        let bad = entry.to_text().replace("ed25519", "rsa");
        assert!(matches!(
            store.add_text(&bad),
            Err(KeyError::UnknownAlgorithm(_))
        ));
        let other = TrustedWorkstation {
            workstation_id: "WS-OTHER".into(),
            ..entry
        };
        assert!(matches!(
            store.insert(other),
            Err(KeyError::ConflictingTrust { .. })
        ));
    }

    #[test]
    fn registry_keys_round_trip_through_pkcs8_and_text() {
        let key = RegistryPrivateKey::from_secret([9; 32]);
        let again = RegistryPrivateKey::from_pem(&key.to_pem()).expect("pem");
        assert_eq!(again.public_key(), key.public_key());
        let text = key.public_key().to_text();
        assert_eq!(RegistryPublicKey::parse_text(&text), Ok(*key.public_key()));
        assert!(RegistryPrivateKey::from_pkcs8_der(&key.to_pkcs8_der()[1..]).is_err());
        assert!(RegistryPublicKey::parse_text(&format!("{text}{text}")).is_err());
    }
}
