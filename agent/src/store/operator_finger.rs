//! Operators' own finger templates (the second factor of `[policy] operator_fingerprint`).
//!
//! Contract: one template per operator (the minutiae of one finger, with its position and NFIQ 2
//! score), sealed under the workstation storage key with associated data naming the operator, so
//! a row copied to another operator does not open. A store opened without the key refuses to
//! read or write templates ([`StoreError::Refused`] saying so) but can still tell whether an
//! operator has one. Enrolling replaces the earlier template and is audited as
//! `operator.finger_enrolled` in the same transaction.

use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::audit::{self, AuditEntry};
use super::{Store, StoreError};
use crate::workflow::duplicate::StoredMinutia;

/// The table, created on every open (it is part of schema version 4).
pub(super) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS operator_fingers (
    operator_id TEXT PRIMARY KEY REFERENCES operators (id),
    template BLOB NOT NULL,
    updated_ms INTEGER NOT NULL
);
";

/// An operator's enrolled finger.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperatorFinger {
    /// ISO finger position (1-10) taken.
    pub position: u8,
    /// Its NFIQ 2 score at enrollment.
    pub quality: u8,
    /// Its minutiae.
    pub minutiae: Vec<StoredMinutia>,
}

fn aad(id: &str) -> Vec<u8> {
    format!("rekam operator finger {id}").into_bytes()
}

fn no_key() -> StoreError {
    StoreError::Refused(
        "operator fingerprint templates are encrypted at rest, and this database was opened without the workstation storage key".into(),
    )
}

impl Store {
    /// Stores (or replaces) the finger template of operator `id`, sealed; `actor` did it.
    pub fn set_operator_finger(
        &mut self,
        actor: &str,
        id: &str,
        finger: &OperatorFinger,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let seal = self.seal.clone().ok_or_else(no_key)?;
        if self.operator(id)?.is_none() {
            return Err(StoreError::NotFound(format!("no operator {id:?}")));
        }
        let plain = serde_json::to_vec(finger)
            .map_err(|e| StoreError::Refused(format!("template of {id}: {e}")))?;
        let sealed = seal.seal(&aad(id), &plain)?;
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO operator_fingers (operator_id, template, updated_ms) VALUES (?1, ?2, ?3)
             ON CONFLICT(operator_id) DO UPDATE SET template = excluded.template, updated_ms = excluded.updated_ms",
            params![id, sealed, now_ms],
        )?;
        audit::append(
            &tx,
            &AuditEntry::new(
                now_ms,
                actor,
                "operator.finger_enrolled",
                id,
                json!({"position": finger.position, "quality": finger.quality}),
            ),
        )?;
        tx.commit()?;
        self.advance_anchor();
        Ok(())
    }

    /// The finger template of operator `id`, if one was enrolled.
    pub fn operator_finger(&self, id: &str) -> Result<Option<OperatorFinger>, StoreError> {
        let sealed: Option<Vec<u8>> = self
            .conn
            .query_row(
                "SELECT template FROM operator_fingers WHERE operator_id = ?1",
                [id],
                |r| r.get(0),
            )
            .optional()?;
        let Some(sealed) = sealed else {
            return Ok(None);
        };
        let seal = self.seal.as_deref().ok_or_else(no_key)?;
        let plain = seal.open(&aad(id), &sealed, &format!("the finger template of {id}"))?;
        serde_json::from_slice(&plain)
            .map(Some)
            .map_err(|e| StoreError::CorruptSession {
                id: format!("operator finger {id}"),
                reason: e.to_string(),
            })
    }

    /// Records a correct password while the finger is still awaited (failures stay counted).
    pub fn record_password_verified(&mut self, id: &str, now_ms: i64) -> Result<(), StoreError> {
        self.audit(&AuditEntry::new(
            now_ms,
            id,
            "operator.password_verified",
            id,
            json!({}),
        ))
    }

    /// Records a sign-in completed by password and finger: failures reset.
    pub fn record_finger_sign_in(&mut self, id: &str, now_ms: i64) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "UPDATE operators SET failures = 0, locked_until_ms = NULL WHERE id = ?1",
            [id],
        )?;
        audit::append(
            &tx,
            &AuditEntry::new(
                now_ms,
                id,
                "operator.sign_in",
                id,
                json!({"factor": "password+finger"}),
            ),
        )?;
        tx.commit()?;
        self.advance_anchor();
        Ok(())
    }

    /// Whether operator `id` has an enrolled finger (answers without the storage key).
    pub fn has_operator_finger(&self, id: &str) -> Result<bool, StoreError> {
        Ok(self.conn.query_row(
            "SELECT EXISTS(SELECT 1 FROM operator_fingers WHERE operator_id = ?1)",
            [id],
            |r| r.get(0),
        )?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operators::Role;

    fn finger() -> OperatorFinger {
        OperatorFinger {
            position: 2,
            quality: 61,
            minutiae: vec![StoredMinutia(123_457, 98_765, 17, 'B', 80); 3],
        }
    }

    #[test]
    fn a_template_is_stored_sealed_and_reads_back() {
        let mut s = Store::in_memory().expect("store");
        s.add_operator("cli", "siti", "Siti", Role::Operator, "a long password", 1)
            .expect("add");
        assert!(!s.has_operator_finger("siti").expect("has"));
        s.set_operator_finger("cli", "siti", &finger(), 2)
            .expect("set");
        assert_eq!(s.operator_finger("siti").expect("read"), Some(finger()));
        let raw: Vec<u8> = s
            .raw_connection()
            .query_row("SELECT template FROM operator_fingers", [], |r| r.get(0))
            .expect("raw");
        let text = String::from_utf8_lossy(&raw);
        assert!(!text.contains("123457"), "plaintext minutiae in the db");
        assert!(!text.contains("quality"), "plaintext template in the db");
    }

    #[test]
    fn a_store_without_the_key_refuses_templates_in_words() {
        let dir = tempfile::tempdir().expect("dir");
        let db = dir.path().join("agent.db");
        {
            let mut s = Store::open_with_key(
                &db,
                std::sync::Arc::new(super::super::StorageKey::ephemeral().expect("key")),
            )
            .expect("open");
            s.add_operator("cli", "siti", "Siti", Role::Operator, "a long password", 1)
                .expect("add");
            s.set_operator_finger("cli", "siti", &finger(), 2)
                .expect("set");
        }
        let mut s = Store::open(&db).expect("open without key");
        assert!(s.has_operator_finger("siti").expect("has"));
        let e = s.operator_finger("siti").unwrap_err();
        assert!(e.to_string().contains("storage key"), "{e}");
        let e = s
            .set_operator_finger("cli", "siti", &finger(), 3)
            .unwrap_err();
        assert!(e.to_string().contains("storage key"), "{e}");
    }
}
