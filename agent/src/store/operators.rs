//! Operator accounts in the store (schema version 4): who may sign in, their role, their
//! Argon2id password hash and their lockout state.
//!
//! Contract: every change to an account (added, disabled, enabled, password reset) and every
//! sign-in, failed sign-in and lock is appended to the audit log in the same transaction, naming
//! who did it. Only the PHC hash of a password is stored; callers hash outside the store's lock
//! where they can ([`crate::operators::Agent::sign_in`] verifies off it).

use rusqlite::{OptionalExtension, params};
use serde_json::json;

use super::audit::{self, AuditEntry};
use super::{Store, StoreError};
use crate::operators::{self, Account, LOCK_MS, MAX_FAILURES, Operator, Role};

pub(super) const SCHEMA_4: &str = "
CREATE TABLE operators (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    phc TEXT NOT NULL,
    enabled INTEGER NOT NULL DEFAULT 1,
    failures INTEGER NOT NULL DEFAULT 0,
    locked_until_ms INTEGER,
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL
);
";

/// What checking a password needs.
#[derive(Clone, Debug)]
pub struct Credentials {
    /// The account.
    pub operator: Operator,
    /// Its Argon2id PHC string.
    pub phc: String,
    /// Whether it may sign in.
    pub enabled: bool,
    /// Locked until (Unix ms), if a lock was set.
    pub locked_until_ms: Option<i64>,
}

fn row_operator(id: String, name: String, role: String) -> Result<Operator, StoreError> {
    let role = Role::parse(&role).ok_or_else(|| StoreError::CorruptSession {
        id: format!("operator {id}"),
        reason: format!("unknown role {role:?}"),
    })?;
    Ok(Operator { id, name, role })
}

impl Store {
    /// Adds an account; `actor` is who added it (an admin's id, or `cli`).
    pub fn add_operator(
        &mut self,
        actor: &str,
        id: &str,
        name: &str,
        role: Role,
        password: &str,
        now_ms: i64,
    ) -> Result<Operator, StoreError> {
        operators::check_id(id).map_err(StoreError::Refused)?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 120 {
            return Err(StoreError::Refused(
                "the operator's name must be 1-120 characters".into(),
            ));
        }
        operators::check_password(password).map_err(StoreError::Refused)?;
        let phc = operators::hash_password(password).map_err(StoreError::Refused)?;
        let tx = self.conn.transaction()?;
        let exists: bool = tx
            .query_row("SELECT 1 FROM operators WHERE id = ?1", [id], |_| Ok(()))
            .optional()?
            .is_some();
        if exists {
            return Err(StoreError::Refused(format!(
                "an operator with id {id:?} already exists"
            )));
        }
        tx.execute(
            "INSERT INTO operators (id, name, role, phc, created_ms, updated_ms) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
            params![id, name, role.as_str(), phc, now_ms],
        )?;
        audit::append(
            &tx,
            &AuditEntry::new(
                now_ms,
                actor,
                "operator.add",
                id,
                json!({"name": name, "role": role.as_str()}),
            ),
        )?;
        tx.commit()?;
        self.advance_anchor();
        Ok(Operator {
            id: id.into(),
            name: name.into(),
            role,
        })
    }

    /// The account with this id.
    pub fn operator(&self, id: &str) -> Result<Option<Operator>, StoreError> {
        self.conn
            .query_row(
                "SELECT id, name, role FROM operators WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?
            .map(|(i, n, r)| row_operator(i, n, r))
            .transpose()
    }

    /// Every account, by id.
    pub fn list_operators(&self) -> Result<Vec<Account>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT id, name, role, enabled, locked_until_ms, failures FROM operators ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, bool>(3)?,
                r.get::<_, Option<i64>>(4)?,
                r.get::<_, u32>(5)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, name, role, enabled, locked_until_ms, failures) = row?;
            out.push(Account {
                operator: row_operator(id, name, role)?,
                enabled,
                locked_until_ms,
                failures,
            });
        }
        Ok(out)
    }

    /// What checking this account's password needs, if it exists.
    pub fn credentials(&self, id: &str) -> Result<Option<Credentials>, StoreError> {
        self.conn
            .query_row(
                "SELECT id, name, role, phc, enabled, locked_until_ms FROM operators WHERE id = ?1",
                [id],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, bool>(4)?,
                        r.get::<_, Option<i64>>(5)?,
                    ))
                },
            )
            .optional()?
            .map(|(id, name, role, phc, enabled, locked_until_ms)| {
                Ok(Credentials {
                    operator: row_operator(id, name, role)?,
                    phc,
                    enabled,
                    locked_until_ms,
                })
            })
            .transpose()
    }

    /// Enables or disables an account; `actor` is who did it.
    pub fn set_operator_enabled(
        &mut self,
        actor: &str,
        id: &str,
        enabled: bool,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        let n = tx.execute(
            "UPDATE operators SET enabled = ?2, failures = 0, locked_until_ms = NULL, \
             updated_ms = ?3 WHERE id = ?1",
            params![id, enabled, now_ms],
        )?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("no operator {id:?}")));
        }
        let action = if enabled {
            "operator.enable"
        } else {
            "operator.disable"
        };
        audit::append(&tx, &AuditEntry::new(now_ms, actor, action, id, json!({})))?;
        tx.commit()?;
        self.advance_anchor();
        Ok(())
    }

    /// Sets a new password (and clears a lock); `actor` is who did it.
    pub fn set_password(
        &mut self,
        actor: &str,
        id: &str,
        password: &str,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        operators::check_password(password).map_err(StoreError::Refused)?;
        let phc = operators::hash_password(password).map_err(StoreError::Refused)?;
        let tx = self.conn.transaction()?;
        let n = tx.execute(
            "UPDATE operators SET phc = ?2, failures = 0, locked_until_ms = NULL, updated_ms = ?3 \
             WHERE id = ?1",
            params![id, phc, now_ms],
        )?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("no operator {id:?}")));
        }
        audit::append(
            &tx,
            &AuditEntry::new(now_ms, actor, "operator.password", id, json!({})),
        )?;
        tx.commit()?;
        self.advance_anchor();
        Ok(())
    }

    /// Records a good sign-in: failures reset.
    pub fn record_sign_in(&mut self, id: &str, now_ms: i64) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "UPDATE operators SET failures = 0, locked_until_ms = NULL WHERE id = ?1",
            [id],
        )?;
        audit::append(
            &tx,
            &AuditEntry::new(now_ms, id, "operator.sign_in", id, json!({})),
        )?;
        tx.commit()?;
        self.advance_anchor();
        Ok(())
    }

    /// Records a wrong password; the fifth in a row locks the account. Returns the failures in a
    /// row so far.
    pub fn record_failed_sign_in(&mut self, id: &str, now_ms: i64) -> Result<u32, StoreError> {
        let tx = self.conn.transaction()?;
        let failures: u32 = tx.query_row(
            "UPDATE operators SET failures = failures + 1 WHERE id = ?1 RETURNING failures",
            [id],
            |r| r.get(0),
        )?;
        audit::append(
            &tx,
            &AuditEntry::new(
                now_ms,
                id,
                "operator.sign_in_failed",
                id,
                json!({"failures": failures}),
            ),
        )?;
        if failures >= MAX_FAILURES {
            let until = now_ms + LOCK_MS;
            // The count starts again after the lock, so the next wrong password does not re-lock.
            tx.execute(
                "UPDATE operators SET failures = 0, locked_until_ms = ?2 WHERE id = ?1",
                params![id, until],
            )?;
            audit::append(
                &tx,
                &AuditEntry::new(
                    now_ms,
                    id,
                    "operator.locked",
                    id,
                    json!({"until_ms": until}),
                ),
            )?;
        }
        tx.commit()?;
        self.advance_anchor();
        Ok(failures)
    }

    /// Records a sign-in refused before the password counted (`disabled`, `locked`).
    pub fn record_sign_in_refused(
        &mut self,
        id: &str,
        why: &str,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        self.audit(&AuditEntry::new(
            now_ms,
            id,
            "operator.sign_in_refused",
            id,
            json!({"reason": why}),
        ))
    }

    /// Records a sign-in with an id that has no account.
    pub fn record_unknown_sign_in(&mut self, id: &str, now_ms: i64) -> Result<(), StoreError> {
        self.audit(&AuditEntry::new(
            now_ms,
            "unknown",
            "operator.sign_in_failed",
            id,
            json!({"reason": "unknown id"}),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_wrong_passwords_lock_the_account_and_audit_each_step() {
        let mut s = Store::in_memory().expect("store");
        s.add_operator(
            "cli",
            "siti",
            "Siti Rahma",
            Role::Operator,
            "a long password",
            1,
        )
        .expect("add");
        for n in 1..=4 {
            assert_eq!(s.record_failed_sign_in("siti", 10).expect("fail"), n);
        }
        assert_eq!(s.record_failed_sign_in("siti", 20).expect("fail"), 5);
        let c = s.credentials("siti").expect("read").expect("exists");
        assert_eq!(c.locked_until_ms, Some(20 + LOCK_MS));
        let actions: Vec<String> = s
            .raw_connection()
            .prepare("SELECT action FROM audit ORDER BY seq")
            .expect("prep")
            .query_map([], |r| r.get(0))
            .expect("q")
            .collect::<Result<_, _>>()
            .expect("rows");
        assert_eq!(actions.first().map(String::as_str), Some("operator.add"));
        assert_eq!(actions.last().map(String::as_str), Some("operator.locked"));
        s.record_sign_in("siti", 30).expect("ok");
        assert_eq!(
            s.credentials("siti")
                .expect("r")
                .expect("e")
                .locked_until_ms,
            None
        );
    }

    #[test]
    fn a_duplicate_id_and_a_short_password_are_refused_by_name() {
        let mut s = Store::in_memory().expect("store");
        s.add_operator(
            "cli",
            "budi",
            "Budi",
            Role::Supervisor,
            "a long password",
            1,
        )
        .expect("add");
        let dup = s
            .add_operator(
                "cli",
                "budi",
                "Budi 2",
                Role::Operator,
                "a long password",
                2,
            )
            .unwrap_err();
        assert!(dup.to_string().contains("already exists"), "{dup}");
        let short = s
            .add_operator("cli", "ani", "Ani", Role::Operator, "short", 2)
            .unwrap_err();
        assert!(short.to_string().contains("at least 10"), "{short}");
        assert_eq!(s.list_operators().expect("list").len(), 1);
    }
}
