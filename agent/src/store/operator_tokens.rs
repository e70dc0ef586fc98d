//! Per-operator API tokens: how a program using the JSON API acts as an identified operator.
//!
//! Contract: a token is 32 random bytes, base64url without padding (43 characters), shown once
//! when issued; the store keeps only its SHA-256 in `operator_tokens(token_hash, operator_id,
//! created_ms, revoked)`. Issuing a token for an operator revokes their earlier ones (one live
//! token per operator, so `rekam operators token ID` also replaces a leaked token), and is audited
//! as `operator.token` (the detail never holds the token or its hash). A lookup finds the operator
//! of a live token; whether that operator may act (enabled) is the caller's check.

use base64::Engine as _;
use ring::rand::{SecureRandom, SystemRandom};
use rusqlite::{OptionalExtension, params};
use serde_json::json;

use super::{AuditEntry, Store, StoreError, audit};

/// Random bytes in a token.
pub const TOKEN_BYTES: usize = 32;

/// The table (part of schema version 4, beside `operators`).
pub const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS operator_tokens (
    token_hash BLOB PRIMARY KEY,
    operator_id TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS operator_tokens_by_operator ON operator_tokens (operator_id);
";

fn hash(token: &str) -> Vec<u8> {
    ring::digest::digest(&ring::digest::SHA256, token.as_bytes())
        .as_ref()
        .to_vec()
}

/// A new random token.
fn new_token() -> Result<String, StoreError> {
    let mut raw = [0u8; TOKEN_BYTES];
    SystemRandom::new()
        .fill(&mut raw)
        .map_err(|_| StoreError::Seal(super::SealError::Random))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw))
}

impl Store {
    /// Issues a new API token for `operator_id`, revoking their earlier tokens, and audits it as
    /// done by `actor`; returns the token, which is not kept.
    pub fn issue_operator_token(
        &mut self,
        operator_id: &str,
        actor: &str,
        now_ms: i64,
    ) -> Result<String, StoreError> {
        if self.operator(operator_id)?.is_none() {
            return Err(StoreError::NotFound(format!("no operator {operator_id:?}")));
        }
        let token = new_token()?;
        let tx = self.conn.transaction()?;
        let revoked = tx.execute(
            "UPDATE operator_tokens SET revoked = 1 WHERE operator_id = ?1 AND revoked = 0",
            [operator_id],
        )?;
        tx.execute(
            "INSERT INTO operator_tokens (token_hash, operator_id, created_ms, revoked)
             VALUES (?1, ?2, ?3, 0)",
            params![hash(&token), operator_id, now_ms],
        )?;
        audit::append(
            &tx,
            &AuditEntry::new(
                now_ms,
                actor,
                "operator.token",
                operator_id,
                json!({ "revoked_earlier": revoked }),
            ),
        )?;
        tx.commit()?;
        self.advance_anchor();
        Ok(token)
    }

    /// The operator id of a live (issued, not revoked) token.
    pub fn token_operator(&self, token: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT operator_id FROM operator_tokens WHERE token_hash = ?1 AND revoked = 0",
                [hash(token)],
                |r| r.get(0),
            )
            .optional()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operators::Role;

    fn store_with(ids: &[&str]) -> Store {
        let mut store = Store::in_memory().expect("store");
        for id in ids {
            store
                .add_operator("test", id, "Nama", Role::Operator, "kata sandi panjang", 0)
                .expect("operator");
        }
        store
    }

    #[test]
    fn a_token_is_43_base64url_characters_and_only_its_hash_is_kept() {
        let mut store = store_with(&["OP-1"]);
        let token = store
            .issue_operator_token("OP-1", "cli", 1_000)
            .expect("issued");
        assert_eq!(token.len(), 43);
        assert!(
            token
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        assert_eq!(
            store.token_operator(&token).expect("lookup").as_deref(),
            Some("OP-1")
        );
        let stored: Vec<u8> = store
            .raw_connection()
            .query_row("SELECT token_hash FROM operator_tokens", [], |r| r.get(0))
            .expect("row");
        assert_eq!(stored, hash(&token));
        assert_ne!(stored, token.as_bytes());
    }

    #[test]
    fn issuing_a_new_token_revokes_the_operators_earlier_one() {
        let mut store = store_with(&["OP-1", "OP-2"]);
        let first = store.issue_operator_token("OP-1", "cli", 1).expect("first");
        let other = store.issue_operator_token("OP-2", "cli", 2).expect("other");
        let second = store
            .issue_operator_token("OP-1", "cli", 3)
            .expect("second");
        assert_ne!(first, second);
        assert_eq!(store.token_operator(&first).expect("lookup"), None);
        assert_eq!(
            store.token_operator(&second).expect("lookup").as_deref(),
            Some("OP-1")
        );
        assert_eq!(
            store.token_operator(&other).expect("lookup").as_deref(),
            Some("OP-2")
        );
        assert_eq!(store.token_operator("not-a-token").expect("lookup"), None);
    }

    #[test]
    fn a_token_for_an_unknown_operator_is_refused() {
        let mut store = store_with(&[]);
        let e = store
            .issue_operator_token("NOBODY", "cli", 1)
            .expect_err("no such operator");
        assert!(e.to_string().contains("NOBODY"), "{e}");
    }
}
