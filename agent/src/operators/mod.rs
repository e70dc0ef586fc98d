//! Operator accounts: who may sign in to the console or act through the API, in which role, and
//! how a password is checked.
//!
//! Contract: passwords are kept only as Argon2id PHC strings (RFC 9106 parameters of the `argon2`
//! crate's defaults: 19 MiB, 2 passes). Five wrong passwords in a row lock the account for five
//! minutes; while locked even the right password is refused, and the answer says until when. A
//! disabled account cannot sign in at all. Every sign-in, failure and lock is in the audit log.
//! Hashing runs on the blocking pool, never on the reactor and never under the store's lock.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use ring::rand::{SecureRandom, SystemRandom};
use serde::Serialize;

use crate::service::{Agent, ServiceError, blocking};

/// Failures in a row that lock an account.
pub const MAX_FAILURES: u32 = 5;
/// How long a locked account stays locked, in milliseconds.
pub const LOCK_MS: i64 = 5 * 60 * 1000;
/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// What an operator may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Enrolls residents.
    Operator,
    /// Enrolls, approves forced captures and exceptions, reads the audit log.
    Supervisor,
    /// Installs and calibrates devices.
    Technician,
    /// Everything, and manages operator accounts.
    Admin,
}

impl Role {
    /// The stored and command-line name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Operator => "operator",
            Role::Supervisor => "supervisor",
            Role::Technician => "technician",
            Role::Admin => "admin",
        }
    }

    /// Parses a stored or command-line name.
    pub fn parse(s: &str) -> Option<Role> {
        Some(match s {
            "operator" => Role::Operator,
            "supervisor" => Role::Supervisor,
            "technician" => Role::Technician,
            "admin" => Role::Admin,
            _ => return None,
        })
    }

    /// May approve an enrollment with forced captures or exceptions.
    pub fn can_approve(self) -> bool {
        matches!(self, Role::Supervisor | Role::Admin)
    }

    /// May add, disable and reset operator accounts.
    pub fn can_manage(self) -> bool {
        self == Role::Admin
    }

    /// May read and verify the audit log.
    pub fn can_audit(self) -> bool {
        matches!(self, Role::Supervisor | Role::Admin)
    }
}

/// A signed-in (or token-holding) operator.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Operator {
    /// Login id, as written in the audit log.
    pub id: String,
    /// Full name, as shown on screens.
    pub name: String,
    /// What they may do.
    pub role: Role,
}

/// An account as listed for administration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Account {
    /// The operator.
    pub operator: Operator,
    /// Whether the account may sign in.
    pub enabled: bool,
    /// Locked until (Unix ms), when locked now or in the past.
    pub locked_until_ms: Option<i64>,
    /// Wrong passwords in a row.
    pub failures: u32,
}

/// Why a sign-in was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignInError {
    /// Unknown id or wrong password (the same answer for both, so ids cannot be probed).
    #[error(
        "wrong operator id or password ({attempts_left} attempts left before the account locks)"
    )]
    WrongCredentials {
        /// Attempts left before the lock (0 when the id is unknown).
        attempts_left: u32,
    },
    /// Too many failures.
    #[error(
        "the account is locked after {MAX_FAILURES} wrong passwords until {until_ms} (Unix ms)"
    )]
    Locked {
        /// When it unlocks (Unix ms).
        until_ms: i64,
    },
    /// Disabled by an administrator.
    #[error("the account is disabled; ask an administrator")]
    Disabled,
}

/// Why a password is refused when set.
pub fn check_password(password: &str) -> Result<(), String> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(format!(
            "the password must be at least {MIN_PASSWORD_CHARS} characters"
        ));
    }
    if password.trim() != password {
        return Err("the password must not start or end with a space".into());
    }
    Ok(())
}

/// Checks an operator id: 1-64 characters of letters, digits, `.`, `_` and `-`.
pub fn check_id(id: &str) -> Result<(), String> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{id:?} is not an operator id: use 1-64 letters, digits, '.', '_' or '-'"
        ))
    }
}

/// Hashes a password as an Argon2id PHC string with a fresh 16-byte salt.
pub fn hash_password(password: &str) -> Result<String, String> {
    let mut salt = [0u8; 16];
    SystemRandom::new()
        .fill(&mut salt)
        .map_err(|_| "the system random generator failed".to_string())?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| e.to_string())?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| format!("hashing the password failed: {e}"))
}

/// Whether `password` matches a stored PHC string (false for a malformed one).
pub fn verify_password(phc: &str, password: &str) -> bool {
    PasswordHash::new(phc)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash no password matches, verified for unknown ids so that their answer takes as long.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password("decoy password, never stored").unwrap_or_default())
}

impl Agent {
    /// Signs an operator in: checks the password (Argon2id, off the reactor), applies the lockout
    /// and audits the outcome.
    pub async fn sign_in(
        &self,
        id: &str,
        password: &str,
    ) -> Result<Result<Operator, SignInError>, ServiceError> {
        let now = (self.clock)();
        let id = id.trim().to_string();
        let creds = {
            let id = id.clone();
            self.with_store(move |s| Ok(s.credentials(&id)?)).await?
        };
        let password = password.to_string();
        let (phc, known) = match &creds {
            Some(c) => (c.phc.clone(), true),
            None => (decoy_hash().to_string(), false),
        };
        let matches = blocking(move || verify_password(&phc, &password)).await?;
        let Some(creds) = creds.filter(|_| known) else {
            let audit_id = if check_id(&id).is_ok() {
                id
            } else {
                "?".into()
            };
            self.with_store(move |s| Ok(s.record_unknown_sign_in(&audit_id, now)?))
                .await?;
            return Ok(Err(SignInError::WrongCredentials { attempts_left: 0 }));
        };
        if !creds.enabled {
            let id = creds.operator.id.clone();
            self.with_store(move |s| Ok(s.record_sign_in_refused(&id, "disabled", now)?))
                .await?;
            return Ok(Err(SignInError::Disabled));
        }
        if let Some(until_ms) = creds.locked_until_ms.filter(|u| *u > now) {
            let id = creds.operator.id.clone();
            self.with_store(move |s| Ok(s.record_sign_in_refused(&id, "locked", now)?))
                .await?;
            return Ok(Err(SignInError::Locked { until_ms }));
        }
        let id = creds.operator.id.clone();
        if matches && self.config.policy.operator_fingerprint {
            // Not signed in yet: the finger completes it (service::operator_finger), and only
            // then are the failures reset, so a known password cannot buy endless finger tries.
            self.with_store(move |s| Ok(s.record_password_verified(&id, now)?))
                .await?;
            Ok(Ok(creds.operator))
        } else if matches {
            self.with_store(move |s| Ok(s.record_sign_in(&id, now)?))
                .await?;
            Ok(Ok(creds.operator))
        } else {
            let failures = self
                .with_store(move |s| Ok(s.record_failed_sign_in(&id, now)?))
                .await?;
            if failures >= MAX_FAILURES {
                Ok(Err(SignInError::Locked {
                    until_ms: now + LOCK_MS,
                }))
            } else {
                Ok(Err(SignInError::WrongCredentials {
                    attempts_left: MAX_FAILURES - failures,
                }))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hashed_password_verifies_and_a_wrong_one_does_not() {
        let h = hash_password("correct horse battery").expect("hash");
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(verify_password(&h, "correct horse battery"));
        assert!(!verify_password(&h, "correct horse batterY"));
        assert!(!verify_password("not a phc string", "x"));
    }

    #[test]
    fn short_passwords_and_odd_ids_are_refused_with_the_rule() {
        assert!(check_password("short").unwrap_err().contains("10"));
        assert!(check_password("long enough pw").is_ok());
        assert!(check_id("siti.r").is_ok());
        assert!(check_id("siti r").is_err());
        assert!(check_id("").is_err());
    }

    #[test]
    fn roles_round_trip_and_only_supervisors_and_admins_approve() {
        for r in [
            Role::Operator,
            Role::Supervisor,
            Role::Technician,
            Role::Admin,
        ] {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert!(!Role::Operator.can_approve());
        assert!(Role::Supervisor.can_approve());
        assert!(!Role::Supervisor.can_manage());
        assert!(Role::Admin.can_manage());
    }
}
