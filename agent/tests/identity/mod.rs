//! Shared by the agent's API and service tests: operators and their API tokens, made in-process.
//!
//! [`install`] gives a store the operator `OP-1` and the supervisor `SUP-7` (password
//! [`PASSWORD`]) and makes [`TOKEN`], one random token per test binary, `OP-1`'s API token, so
//! request helpers need not carry a token per app. [`issue`] goes the way `rekam operators token`
//! does, for tests about tokens themselves.
#![allow(dead_code)]

use std::sync::LazyLock;

use base64::Engine as _;
use rekam_agent::operators::{Operator, Role};
use rekam_agent::service::Agent;
use rekam_agent::store::Store;
use ring::rand::{SecureRandom, SystemRandom};

/// The operator at the desk in these tests.
pub const OPERATOR: &str = "OP-1";
/// The supervisor who approves.
pub const SUPERVISOR: &str = "SUP-7";
/// Everyone's password.
pub const PASSWORD: &str = "kata-sandi-uji-123";

/// `OP-1`'s API token in every store [`install`] prepared.
pub static TOKEN: LazyLock<String> = LazyLock::new(|| {
    let mut raw = [0u8; 32];
    SystemRandom::new().fill(&mut raw).expect("randomness");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
});

/// `OP-1`, as the service sees them.
pub fn operator() -> Operator {
    Operator {
        id: OPERATOR.into(),
        name: "Operator Satu".into(),
        role: Role::Operator,
    }
}

/// `SUP-7`, as the service sees them.
pub fn supervisor() -> Operator {
    Operator {
        id: SUPERVISOR.into(),
        name: "Supervisor Tujuh".into(),
        role: Role::Supervisor,
    }
}

/// Adds `OP-1` and `SUP-7` to `store` and makes [`TOKEN`] `OP-1`'s API token.
pub fn install(store: &mut Store) {
    for op in [operator(), supervisor()] {
        store
            .add_operator("test", &op.id, &op.name, op.role, PASSWORD, 0)
            .expect("operator added");
    }
    let hash = ring::digest::digest(&ring::digest::SHA256, TOKEN.as_bytes());
    store
        .raw_connection()
        .execute(
            "INSERT INTO operator_tokens (token_hash, operator_id, created_ms, revoked)
             VALUES (?1, ?2, 0, 0)",
            rusqlite::params![hash.as_ref(), OPERATOR],
        )
        .expect("token row");
}

/// An in-memory store prepared by [`install`].
pub fn store() -> Store {
    let mut store = Store::in_memory().expect("store");
    install(&mut store);
    store
}

/// Issues a new token for `id` as `rekam operators token` does.
pub async fn issue(agent: &Agent, id: &str) -> String {
    let id = id.to_string();
    agent
        .with_store(move |s| Ok(s.issue_operator_token(&id, "test", 0)?))
        .await
        .expect("token issued")
}
