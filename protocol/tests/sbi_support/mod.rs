//! Test support for SBI: MOSIP's compliance-toolkit JSON Schemas (from `../shared/data/sbi`)
//! and a throwaway device PKI (an RSA CA and a device certificate it signed).
//!
//! Shared by `protocol/tests/sbi.rs` and the agent's SBI server tests (included by path).
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::OnceLock;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, PKCS_RSA_SHA256};
use rsa::RsaPrivateKey;
use rsa::pkcs8::EncodePrivateKey;
use serde_json::Value;

/// The folder of the 0.9.5 schemas; `None` (a skip) only outside CI.
pub fn schema_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/sbi/0.9.5");
    if dir.join("DiscoverResponseSchema.json").exists() {
        return Some(dir);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "../shared/data/sbi/0.9.5 is missing (MOSIP's SBI schemas)"
    );
    None
}

/// Validates `instance` against the named toolkit schema, panicking with every violation.
pub fn assert_valid(dir: &std::path::Path, schema: &str, instance: &Value) {
    let text = std::fs::read_to_string(dir.join(schema)).expect("schema readable");
    let schema_json: Value = serde_json::from_str(&text).expect("schema is JSON");
    let validator = jsonschema::validator_for(&schema_json).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "{schema} rejects the message:\n{}\n{}",
        errors.join("\n"),
        serde_json::to_string_pretty(instance).unwrap_or_default()
    );
}

/// Whether `instance` is valid against the named schema.
pub fn is_valid(dir: &std::path::Path, schema: &str, instance: &Value) -> bool {
    let text = std::fs::read_to_string(dir.join(schema)).expect("schema readable");
    let schema_json: Value = serde_json::from_str(&text).expect("schema is JSON");
    jsonschema::validator_for(&schema_json)
        .expect("schema compiles")
        .is_valid(instance)
}

/// A device PKI: PKCS#8 DER keys and DER certificates.
pub struct Pki {
    pub ca_key: Vec<u8>,
    pub ca_cert: Vec<u8>,
    pub device_key: Vec<u8>,
    pub device_cert: Vec<u8>,
}

fn rsa_key() -> Vec<u8> {
    let key = RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).expect("RSA key");
    key.to_pkcs8_der().expect("PKCS#8").as_bytes().to_vec()
}

pub fn rcgen_key(der: &[u8]) -> KeyPair {
    KeyPair::from_pkcs8_der_and_sign_algo(&der.to_vec().into(), &PKCS_RSA_SHA256)
        .expect("rcgen takes the RSA key")
}

/// Makes a certificate for `key` valid from `from` to `to` (years, 1 January), signed by
/// `issuer` or by itself.
pub fn certificate(
    cn: &str,
    key: &KeyPair,
    ca: bool,
    from: i32,
    to: i32,
    issuer: Option<(&KeyPair, &rcgen::Certificate)>,
) -> rcgen::Certificate {
    let mut p = CertificateParams::new(Vec::<String>::new()).expect("params");
    p.distinguished_name.push(DnType::CommonName, cn);
    p.not_before = rcgen::date_time_ymd(from, 1, 1);
    p.not_after = rcgen::date_time_ymd(to, 1, 1);
    if ca {
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    }
    match issuer {
        None => p.self_signed(key).expect("self-signed"),
        Some((ik, ic)) => p.signed_by(key, ic, ik).expect("signed"),
    }
}

/// A fresh 2048-bit RSA key, PKCS#8 DER.
pub fn new_rsa_key() -> Vec<u8> {
    rsa_key()
}

/// One PKI per test binary (RSA key generation takes a while).
pub fn pki() -> &'static Pki {
    static PKI: OnceLock<Pki> = OnceLock::new();
    PKI.get_or_init(|| {
        let ca_key = rsa_key();
        let ca_kp = rcgen_key(&ca_key);
        let ca = certificate("Test Device CA", &ca_kp, true, 2025, 2030, None);
        let device_key = rsa_key();
        let device = certificate(
            "rekam test device",
            &rcgen_key(&device_key),
            false,
            2025,
            2029,
            Some((&ca_kp, &ca)),
        );
        Pki {
            ca_key,
            ca_cert: ca.der().to_vec(),
            device_key,
            device_cert: device.der().to_vec(),
        }
    })
}
