//! RS256 compact JWS with an `x5c` certificate chain, as SBI signs `digitalId`, `deviceInfo`
//! and capture `data`.
//!
//! Contract: [`DeviceSigner::sign`] writes `BASE64URL(header).BASE64URL(payload).BASE64URL(sig)`
//! with header `{"alg":"RS256","typ":"JWT","x5c":[<leaf>, <intermediates>...]}` (standard
//! base64 DER in `x5c`, RFC 7515 4.1.6). [`verify`] accepts a JWS only when its signature checks
//! with the leaf certificate's RSA key and the `x5c` chain leads to one of the configured trust
//! anchors, every certificate on the way valid at `now`; an unsigned document, a chain to no
//! anchor, an expired certificate and a bad signature are distinct errors. Only RSA with SHA-256
//! is accepted, in the JWS and in the certificates.
//!
//! RSA comes from the pure-Rust `rsa` crate. Its advisory RUSTSEC-2023-0071 (a timing side
//! channel in private-key operations) is accepted here: signing happens on the device's own host
//! for its own captures, never as an oracle a remote party can time at will; verification uses
//! only public keys.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use rsa::pkcs1v15::{Signature, SigningKey, VerifyingKey};
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey};
use rsa::signature::{SignatureEncoding, Signer, Verifier};
use rsa::{RsaPrivateKey, RsaPublicKey};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::Timestamp;

/// OID of sha256WithRSAEncryption.
const SHA256_WITH_RSA: &str = "1.2.840.113549.1.1.11";
/// OID of rsaEncryption.
const RSA_ENCRYPTION: &str = "1.2.840.113549.1.1.1";
/// Longest chain followed, anchors included.
const MAX_CHAIN: usize = 8;

/// Why a JWS is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwsError {
    /// Not three base64url parts, or a part does not decode.
    #[error("not a compact JWS: {0}")]
    Malformed(String),
    /// A document with no signature (an unregistered device's `deviceInfo`, or `alg: none`).
    #[error("the document is not signed (an unregistered device?)")]
    Unsigned,
    /// `alg` is not RS256.
    #[error("JWS algorithm {0:?} is not RS256")]
    UnsupportedAlgorithm(String),
    /// No `x5c` certificate in the header.
    #[error("the JWS header has no x5c certificate")]
    NoCertificate,
    /// A certificate does not parse, or is not an RSA/SHA-256 one.
    #[error("certificate {index} of x5c: {message}")]
    BadCertificate {
        /// Position in `x5c`.
        index: usize,
        /// Why.
        message: String,
    },
    /// A certificate on the chain is outside its validity period at `now`.
    #[error("certificate {subject:?} is not valid at {now} (valid {not_before} to {not_after})")]
    CertificateNotValidNow {
        /// Its subject.
        subject: String,
        /// Unix seconds.
        not_before: i64,
        /// Unix seconds.
        not_after: i64,
        /// Unix seconds.
        now: i64,
    },
    /// The chain leads to none of the trust anchors.
    #[error("the device certificate {subject:?} does not chain to a trusted anchor")]
    Untrusted {
        /// The leaf's subject.
        subject: String,
    },
    /// The signature does not verify with the leaf's key.
    #[error("the JWS signature does not verify with its certificate's key")]
    BadSignature,
    /// A key or certificate given to the signer is unusable.
    #[error("signing key: {0}")]
    Key(String),
}

#[derive(Serialize, Deserialize)]
struct Header {
    alg: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    typ: Option<String>,
    #[serde(default)]
    x5c: Vec<String>,
}

/// A device's signing key and certificate chain (leaf first).
pub struct DeviceSigner {
    key: SigningKey<Sha256>,
    chain: Vec<Vec<u8>>,
}

impl std::fmt::Debug for DeviceSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceSigner")
            .field("chain_len", &self.chain.len())
            .finish_non_exhaustive()
    }
}

impl DeviceSigner {
    /// From a PKCS#8 DER RSA private key and the DER certificate chain, leaf first; the leaf
    /// must certify this key.
    pub fn new(pkcs8_der: &[u8], chain: Vec<Vec<u8>>) -> Result<Self, JwsError> {
        let key = RsaPrivateKey::from_pkcs8_der(pkcs8_der)
            .map_err(|e| JwsError::Key(format!("not a PKCS#8 RSA private key: {e}")))?;
        let leaf = chain
            .first()
            .ok_or_else(|| JwsError::Key("no certificate".into()))?;
        let leaf_key = cert_key(0, leaf)?;
        if leaf_key != key.to_public_key() {
            return Err(JwsError::Key(
                "the certificate does not certify this key".into(),
            ));
        }
        Ok(DeviceSigner {
            key: SigningKey::new(key),
            chain,
        })
    }

    /// The certificate chain, leaf first.
    pub fn chain(&self) -> &[Vec<u8>] {
        &self.chain
    }

    /// Signs `payload` (PKCS#1 v1.5 signatures are deterministic: no randomness needed).
    pub fn sign(&self, payload: &[u8]) -> String {
        let header = Header {
            alg: "RS256".into(),
            typ: Some("JWT".into()),
            x5c: self.chain.iter().map(|c| STANDARD.encode(c)).collect(),
        };
        // A struct of strings always serialises.
        let header = serde_json::to_vec(&header).unwrap_or_default();
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header),
            URL_SAFE_NO_PAD.encode(payload)
        );
        let sig = self.key.sign(signing_input.as_bytes());
        format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(sig.to_bytes()))
    }
}

/// Certificates a verifier trusts (MOSIP's device CA, a provider CA, or a pinned device
/// certificate).
#[derive(Clone, Debug, Default)]
pub struct TrustAnchors {
    certs: Vec<Vec<u8>>,
}

impl TrustAnchors {
    /// No anchors: every signed document is untrusted.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a DER certificate; refuses one that does not parse as an RSA certificate.
    pub fn add_der(&mut self, der: Vec<u8>) -> Result<(), JwsError> {
        cert_key(0, &der)?;
        self.certs.push(der);
        Ok(())
    }

    /// Adds every `CERTIFICATE` block of a PEM text; returns how many.
    pub fn add_pem(&mut self, text: &str) -> Result<usize, JwsError> {
        let mut n = 0;
        let mut rest = text;
        const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
        const END: &str = "-----END CERTIFICATE-----";
        while let Some(start) = rest.find(BEGIN) {
            let after = &rest[start..];
            let end = after
                .find(END)
                .ok_or_else(|| JwsError::Key("a CERTIFICATE block has no END line".into()))?;
            let block = &after[..end + END.len()];
            let der = crate::pem::decode("CERTIFICATE", block)
                .map_err(|e| JwsError::Key(format!("certificate PEM: {e}")))?;
            self.add_der(der)?;
            n += 1;
            rest = &after[end + END.len()..];
        }
        if n == 0 {
            return Err(JwsError::Key("no CERTIFICATE block".into()));
        }
        Ok(n)
    }

    /// Number of anchors.
    pub fn len(&self) -> usize {
        self.certs.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.certs.is_empty()
    }
}

/// A verified JWS.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedJws {
    /// The payload bytes.
    pub payload: Vec<u8>,
    /// The leaf certificate (DER).
    pub certificate: Vec<u8>,
    /// Its subject, for messages.
    pub subject: String,
}

fn parse_cert(index: usize, der: &[u8]) -> Result<X509Certificate<'_>, JwsError> {
    let (rest, cert) = X509Certificate::from_der(der).map_err(|e| JwsError::BadCertificate {
        index,
        message: format!("does not parse: {e}"),
    })?;
    if !rest.is_empty() {
        return Err(JwsError::BadCertificate {
            index,
            message: format!("{} bytes after the certificate", rest.len()),
        });
    }
    Ok(cert)
}

fn cert_key(index: usize, der: &[u8]) -> Result<RsaPublicKey, JwsError> {
    let cert = parse_cert(index, der)?;
    key_of(index, &cert)
}

fn key_of(index: usize, cert: &X509Certificate<'_>) -> Result<RsaPublicKey, JwsError> {
    let spki = cert.public_key();
    if spki.algorithm.algorithm.to_id_string() != RSA_ENCRYPTION {
        return Err(JwsError::BadCertificate {
            index,
            message: format!(
                "its key is not RSA (algorithm {})",
                spki.algorithm.algorithm.to_id_string()
            ),
        });
    }
    RsaPublicKey::from_public_key_der(spki.raw).map_err(|e| JwsError::BadCertificate {
        index,
        message: format!("its RSA key does not parse: {e}"),
    })
}

fn check_validity(cert: &X509Certificate<'_>, now: Timestamp) -> Result<(), JwsError> {
    let v = cert.validity();
    let (nb, na) = (v.not_before.timestamp(), v.not_after.timestamp());
    let now_s = now.unix_ms().div_euclid(1000);
    if now_s < nb || now_s > na {
        return Err(JwsError::CertificateNotValidNow {
            subject: cert.subject().to_string(),
            not_before: nb,
            not_after: na,
            now: now_s,
        });
    }
    Ok(())
}

/// Whether `issuer` signed `cert` (sha256WithRSAEncryption only).
fn signed_by(cert: &X509Certificate<'_>, issuer: &X509Certificate<'_>) -> bool {
    if cert.issuer().as_raw() != issuer.subject().as_raw()
        || cert.signature_algorithm.algorithm.to_id_string() != SHA256_WITH_RSA
    {
        return false;
    }
    let Ok(key) = key_of(0, issuer) else {
        return false;
    };
    let Ok(sig) = Signature::try_from(cert.signature_value.data.as_ref()) else {
        return false;
    };
    VerifyingKey::<Sha256>::new(key)
        .verify(cert.tbs_certificate.as_ref(), &sig)
        .is_ok()
}

fn is_ca(cert: &X509Certificate<'_>) -> bool {
    matches!(cert.basic_constraints(), Ok(Some(bc)) if bc.value.ca)
}

/// Decodes an unsigned document: base64url JSON with no dots (an unregistered device's
/// `deviceInfo`, a discovery `digitalId`), or a JWS whose algorithm is `none`.
pub fn decode_unsigned(text: &str) -> Result<Vec<u8>, JwsError> {
    let parts: Vec<&str> = text.split('.').collect();
    match parts.as_slice() {
        [only] => URL_SAFE_NO_PAD
            .decode(only.trim_end_matches('='))
            .map_err(|e| JwsError::Malformed(format!("not base64url: {e}"))),
        [h, p, s] => {
            let header: Header = decode_json_part("header", h)?;
            if header.alg != "none" || !s.is_empty() {
                return Err(JwsError::Malformed(
                    "a signed JWS, not an unsigned document".into(),
                ));
            }
            b64(p, "payload")
        }
        _ => Err(JwsError::Malformed(format!(
            "{} dot-separated parts",
            parts.len()
        ))),
    }
}

fn b64(part: &str, what: &str) -> Result<Vec<u8>, JwsError> {
    URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|e| JwsError::Malformed(format!("{what} is not base64url: {e}")))
}

fn decode_json_part<T: for<'a> Deserialize<'a>>(what: &str, part: &str) -> Result<T, JwsError> {
    serde_json::from_slice(&b64(part, what)?)
        .map_err(|e| JwsError::Malformed(format!("{what} is not the JSON expected: {e}")))
}

/// Verifies a compact JWS against `anchors` at `now`.
pub fn verify(jws: &str, anchors: &TrustAnchors, now: Timestamp) -> Result<VerifiedJws, JwsError> {
    let parts: Vec<&str> = jws.split('.').collect();
    let [h, p, s] = parts.as_slice() else {
        // One part that decodes is an unsigned document; anything else is garbage.
        if parts.len() == 1 && decode_unsigned(jws).is_ok() {
            return Err(JwsError::Unsigned);
        }
        return Err(JwsError::Malformed(format!(
            "{} dot-separated parts, not 3",
            parts.len()
        )));
    };
    let header: Header = decode_json_part("header", h)?;
    if header.alg == "none" || s.is_empty() {
        return Err(JwsError::Unsigned);
    }
    if header.alg != "RS256" {
        return Err(JwsError::UnsupportedAlgorithm(header.alg));
    }
    let payload = b64(p, "payload")?;
    let sig = b64(s, "signature")?;
    if header.x5c.is_empty() {
        return Err(JwsError::NoCertificate);
    }
    let ders = header
        .x5c
        .iter()
        .enumerate()
        .map(|(index, c)| {
            STANDARD.decode(c).map_err(|e| JwsError::BadCertificate {
                index,
                message: format!("not base64: {e}"),
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let certs = ders
        .iter()
        .enumerate()
        .map(|(i, d)| parse_cert(i, d))
        .collect::<Result<Vec<_>, _>>()?;
    let leaf = &certs[0];
    let leaf_key = key_of(0, leaf)?;
    let sig = Signature::try_from(sig.as_slice()).map_err(|_| JwsError::BadSignature)?;
    VerifyingKey::<Sha256>::new(leaf_key)
        .verify(format!("{h}.{p}").as_bytes(), &sig)
        .map_err(|_| JwsError::BadSignature)?;
    let anchors_parsed = anchors
        .certs
        .iter()
        .enumerate()
        .map(|(i, d)| parse_cert(i, d))
        .collect::<Result<Vec<_>, _>>()?;
    // Walk from the leaf: stop at a certificate that is itself an anchor, or one an anchor
    // signed; otherwise step to the next x5c certificate, which must have signed this one.
    let mut current = 0;
    for _ in 0..MAX_CHAIN {
        let cert = &certs[current];
        check_validity(cert, now)?;
        if anchors.certs.iter().any(|a| a == &ders[current]) {
            return Ok(verified(payload, &ders[0], leaf));
        }
        if let Some(anchor) = anchors_parsed
            .iter()
            .find(|a| is_ca(a) && signed_by(cert, a))
        {
            check_validity(anchor, now)?;
            return Ok(verified(payload, &ders[0], leaf));
        }
        let next = current + 1;
        match certs.get(next) {
            Some(issuer) if is_ca(issuer) && signed_by(cert, issuer) => current = next,
            _ => break,
        }
    }
    Err(JwsError::Untrusted {
        subject: leaf.subject().to_string(),
    })
}

fn verified(payload: Vec<u8>, leaf_der: &[u8], leaf: &X509Certificate<'_>) -> VerifiedJws {
    VerifiedJws {
        payload,
        certificate: leaf_der.to_vec(),
        subject: leaf.subject().to_string(),
    }
}
