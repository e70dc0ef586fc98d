//! Encryption at rest of what the store keeps about sessions in progress: image blobs and session
//! state (demographics, minutiae) are sealed with AES-256-GCM under the workstation's storage key.
//!
//! Contract: [`SealAtRest`] is the seam for where the key lives. [`StorageKey`] holds 32 bytes in
//! memory, loaded from (or created as) its own 0600 file; a TPM- or PKCS#11-held key can implement
//! the same trait later without the store changing. A sealed value is `version (1) || nonce (12)
//! || ciphertext || tag (16)`, with a fresh random 96-bit nonce per value; the caller binds each
//! value to where it belongs (a blob's plaintext digest, a session's id) as associated data, so a
//! sealed value moved to another row does not open. Opening with the wrong key or altered bytes
//! fails; it never returns wrong plaintext.

use std::io::Read;
use std::path::{Path, PathBuf};

use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};

use crate::files;

/// Length of a storage key in bytes.
pub const KEY_LEN: usize = 32;

/// First byte of every sealed value: AES-256-GCM, random nonce, as described above.
const VERSION: u8 = 1;

/// Why sealing or opening failed.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    /// The value does not open under this key: another key sealed it, or it was altered or moved.
    #[error(
        "{what} does not open under the storage key ({key}): it was sealed under another key, or altered"
    )]
    WrongKey {
        /// What was being opened.
        what: String,
        /// Where the key is.
        key: String,
    },
    /// The sealed value is not in a form this build reads.
    #[error("{what} is not a sealed value this rekam can read ({reason})")]
    Malformed {
        /// What was being opened.
        what: String,
        /// Why.
        reason: String,
    },
    /// No randomness for a nonce.
    #[error("the random number generator failed")]
    Random,
}

/// Encrypts and decrypts values at rest under a key the implementation holds.
pub trait SealAtRest: Send + Sync {
    /// Seals `plaintext`, bound to `aad` (opening needs the same `aad`).
    fn seal(&self, aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, SealError>;
    /// Opens a value sealed with `aad`; `what` names it in errors.
    fn open(&self, aad: &[u8], sealed: &[u8], what: &str) -> Result<Vec<u8>, SealError>;
    /// Where the key lives, for error messages (a file path, a token label).
    fn describe(&self) -> String;
}

/// A 32-byte AES-256-GCM key held in memory: from a file, or ephemeral (in-memory stores).
pub struct StorageKey {
    key: LessSafeKey,
    origin: String,
}

impl StorageKey {
    fn from_bytes(bytes: &[u8], origin: String) -> Option<StorageKey> {
        let unbound = UnboundKey::new(&AES_256_GCM, bytes).ok()?;
        Some(StorageKey {
            key: LessSafeKey::new(unbound),
            origin,
        })
    }

    /// A fresh random key that lives only as long as this value (for in-memory stores and tests).
    pub fn ephemeral() -> Result<StorageKey, SealError> {
        let mut raw = [0u8; KEY_LEN];
        SystemRandom::new()
            .fill(&mut raw)
            .map_err(|_| SealError::Random)?;
        StorageKey::from_bytes(&raw, "an ephemeral in-memory key".into()).ok_or(SealError::Random)
    }

    /// Loads the key file at `path`: exactly 32 bytes.
    pub fn load(path: &Path) -> anyhow::Result<StorageKey> {
        let mut raw = Vec::with_capacity(KEY_LEN);
        std::fs::File::open(path)
            .and_then(|f| f.take(KEY_LEN as u64 + 1).read_to_end(&mut raw))
            .map_err(|e| anyhow::anyhow!("cannot read the storage key {}: {e}", path.display()))?;
        if raw.len() != KEY_LEN {
            anyhow::bail!(
                "{} is not a storage key: it holds {}{} bytes, a key is {KEY_LEN}",
                path.display(),
                raw.len(),
                if raw.len() > KEY_LEN { "+" } else { "" }
            );
        }
        StorageKey::from_bytes(&raw, path.display().to_string())
            .ok_or_else(|| anyhow::anyhow!("{} is not a storage key", path.display()))
    }

    /// Creates a new random key file at `path` (mode 0600, its directory created 0700); fails if
    /// the file exists.
    pub fn create(path: &Path) -> anyhow::Result<StorageKey> {
        if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            crate::data_dir::create_private_dir(dir)?;
        }
        let mut raw = [0u8; KEY_LEN];
        SystemRandom::new()
            .fill(&mut raw)
            .map_err(|_| anyhow::anyhow!("the random number generator failed"))?;
        files::write_new(path, &raw, 0o600)?;
        StorageKey::from_bytes(&raw, path.display().to_string())
            .ok_or_else(|| anyhow::anyhow!("{} is not a storage key", path.display()))
    }

    /// Where this key came from.
    pub fn origin(&self) -> PathBuf {
        PathBuf::from(&self.origin)
    }
}

impl SealAtRest for StorageKey {
    fn seal(&self, aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, SealError> {
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new()
            .fill(&mut nonce)
            .map_err(|_| SealError::Random)?;
        let mut out = Vec::with_capacity(1 + NONCE_LEN + plaintext.len() + AES_256_GCM.tag_len());
        out.push(VERSION);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(plaintext);
        let tag = self
            .key
            .seal_in_place_separate_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(aad),
                &mut out[1 + NONCE_LEN..],
            )
            .map_err(|_| SealError::Random)?;
        out.extend_from_slice(tag.as_ref());
        Ok(out)
    }

    fn open(&self, aad: &[u8], sealed: &[u8], what: &str) -> Result<Vec<u8>, SealError> {
        let malformed = |reason: &str| SealError::Malformed {
            what: what.to_string(),
            reason: reason.to_string(),
        };
        let (&version, rest) = sealed.split_first().ok_or_else(|| malformed("empty"))?;
        if version != VERSION {
            return Err(malformed(&format!("version {version}")));
        }
        if rest.len() < NONCE_LEN + AES_256_GCM.tag_len() {
            return Err(malformed("too short"));
        }
        let (nonce, body) = rest.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| malformed("nonce"))?;
        let mut buf = body.to_vec();
        let plain = self
            .key
            .open_in_place(nonce, Aad::from(aad), &mut buf)
            .map_err(|_| SealError::WrongKey {
                what: what.to_string(),
                key: self.describe(),
            })?;
        let n = plain.len();
        buf.truncate(n);
        Ok(buf)
    }

    fn describe(&self) -> String {
        self.origin.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_value_opens_only_with_its_key_and_its_associated_data() {
        let k = StorageKey::ephemeral().expect("key");
        let sealed = k.seal(b"blob:abc", b"fingerprint bytes").expect("seal");
        assert!(
            !sealed
                .windows(b"fingerprint".len())
                .any(|w| w == b"fingerprint")
        );
        assert_eq!(
            k.open(b"blob:abc", &sealed, "t").expect("open"),
            b"fingerprint bytes"
        );
        assert!(matches!(
            k.open(b"blob:abd", &sealed, "t"),
            Err(SealError::WrongKey { .. })
        ));
        let other = StorageKey::ephemeral().expect("key");
        assert!(matches!(
            other.open(b"blob:abc", &sealed, "t"),
            Err(SealError::WrongKey { .. })
        ));
        let mut altered = sealed.clone();
        let last = altered.len() - 1;
        altered[last] ^= 1;
        assert!(k.open(b"blob:abc", &altered, "t").is_err());
        assert!(matches!(
            k.open(b"blob:abc", &sealed[..10], "t"),
            Err(SealError::Malformed { .. })
        ));
    }

    #[test]
    fn each_seal_uses_a_fresh_nonce() {
        let k = StorageKey::ephemeral().expect("key");
        let a = k.seal(b"x", b"same").expect("seal");
        let b = k.seal(b"x", b"same").expect("seal");
        assert_ne!(a, b);
    }

    #[test]
    fn a_key_file_is_created_0600_and_loads_back() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("keys").join("storage.key");
        let k = StorageKey::create(&path).expect("create");
        let sealed = k.seal(b"a", b"b").expect("seal");
        let again = StorageKey::load(&path).expect("load");
        assert_eq!(again.open(b"a", &sealed, "t").expect("open"), b"b");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
            assert_eq!(mode(&path), 0o600);
            assert_eq!(mode(&dir.path().join("keys")), 0o700);
        }
        assert!(StorageKey::create(&path).is_err(), "never overwritten");
        std::fs::write(dir.path().join("short.key"), b"tooshort").expect("write");
        let err = StorageKey::load(&dir.path().join("short.key"))
            .err()
            .expect("refused")
            .to_string();
        assert!(err.contains("holds 8 bytes"), "{err}");
    }
}
