//! Enrollment identifiers: UUID version 7 (RFC 9562), so that ids sort by creation time and can be
//! generated offline on any workstation without coordination.
//!
//! Contract: the caller supplies the time and the random bits; an id parsed from text or bytes is
//! accepted only if it is a well-formed version 7, variant 10 UUID.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A time-ordered unique enrollment id (UUIDv7).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EnrollmentId([u8; 16]);

/// Why bytes or text are not an enrollment id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// Not of the form `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` in lowercase hex.
    #[error("enrollment id {0:?} is not a lowercase hyphenated UUID")]
    Syntax(String),
    /// A UUID, but not version 7 with the RFC 9562 variant.
    #[error("enrollment id {0} is not a version 7 UUID")]
    NotVersion7(String),
}

impl EnrollmentId {
    /// Builds an id from a Unix time in milliseconds and 10 random bytes (74 bits are used).
    pub fn new(unix_ms: u64, random: [u8; 10]) -> Self {
        let mut b = [0u8; 16];
        b[..6].copy_from_slice(&unix_ms.to_be_bytes()[2..]);
        b[6] = 0x70 | (random[0] & 0x0f);
        b[7] = random[1];
        b[8] = 0x80 | (random[2] & 0x3f);
        b[9..].copy_from_slice(&random[3..]);
        EnrollmentId(b)
    }

    /// Accepts 16 bytes if they form a version 7 UUID.
    pub fn from_bytes(bytes: [u8; 16]) -> Result<Self, IdError> {
        let id = EnrollmentId(bytes);
        if bytes[6] >> 4 != 7 || bytes[8] >> 6 != 0b10 {
            return Err(IdError::NotVersion7(id.to_string()));
        }
        Ok(id)
    }

    /// The 16 bytes of the UUID, most significant first.
    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// The creation time embedded in the id, in Unix milliseconds.
    pub fn unix_ms(&self) -> u64 {
        let mut t = [0u8; 8];
        t[2..].copy_from_slice(&self.0[..6]);
        u64::from_be_bytes(t)
    }
}

impl fmt::Display for EnrollmentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, byte) in self.0.iter().enumerate() {
            if matches!(i, 4 | 6 | 8 | 10) {
                f.write_str("-")?;
            }
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for EnrollmentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EnrollmentId({self})")
    }
}

impl FromStr for EnrollmentId {
    type Err = IdError;

    fn from_str(s: &str) -> Result<Self, IdError> {
        let syntax = || IdError::Syntax(s.chars().take(64).collect());
        let raw = s.as_bytes();
        if raw.len() != 36 {
            return Err(syntax());
        }
        let mut out = [0u8; 16];
        let mut nibbles = 0usize;
        for (i, &c) in raw.iter().enumerate() {
            if matches!(i, 8 | 13 | 18 | 23) {
                if c != b'-' {
                    return Err(syntax());
                }
                continue;
            }
            let v = match c {
                b'0'..=b'9' => c - b'0',
                b'a'..=b'f' => c - b'a' + 10,
                _ => return Err(syntax()),
            };
            out[nibbles / 2] |= if nibbles.is_multiple_of(2) { v << 4 } else { v };
            nibbles += 1;
        }
        EnrollmentId::from_bytes(out)
    }
}

impl Serialize for EnrollmentId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for EnrollmentId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_carry_their_creation_time_and_sort_by_it() {
        let a = EnrollmentId::new(1_763_890_000_000, [0xff; 10]);
        let b = EnrollmentId::new(1_763_890_000_001, [0x00; 10]);
        assert_eq!(a.unix_ms(), 1_763_890_000_000);
        assert!(a < b);
    }

    #[test]
    fn text_form_round_trips_and_is_version_7() {
        let id = EnrollmentId::new(1_763_890_000_000, [7; 10]);
        let text = id.to_string();
        assert_eq!(&text[14..15], "7");
        assert_eq!(text.parse::<EnrollmentId>(), Ok(id));
    }

    #[test]
    fn uppercase_missing_hyphens_and_other_versions_are_rejected() {
        let id = EnrollmentId::new(1, [0xab; 10]).to_string();
        assert!(id.to_uppercase().parse::<EnrollmentId>().is_err());
        assert!(id.replace('-', "").parse::<EnrollmentId>().is_err());
        let v4 = "123e4567-e89b-42d3-a456-426614174000";
        assert!(matches!(
            v4.parse::<EnrollmentId>(),
            Err(IdError::NotVersion7(_))
        ));
    }
}
