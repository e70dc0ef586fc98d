//! Who an API token acts for.
//!
//! Contract: [`Agent::operator_of_token`] maps a presented bearer token to its operator, or says
//! why it cannot act: no live token matches (never issued, or replaced by a newer one), or the
//! operator is disabled. Only the token's SHA-256 is looked up (see
//! [`crate::store::operator_tokens`]).

use super::{Agent, ServiceError};
use crate::operators::Operator;

/// What a presented token stands for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenCheck {
    /// The operator it acts for.
    Operator(Operator),
    /// No live token matches.
    Unknown,
    /// The token's operator is disabled (id).
    Disabled(String),
}

impl Agent {
    /// The operator a bearer token acts for.
    pub async fn operator_of_token(&self, token: &str) -> Result<TokenCheck, ServiceError> {
        let token = token.to_string();
        self.with_store(move |s| {
            let Some(id) = s.token_operator(&token)? else {
                return Ok(TokenCheck::Unknown);
            };
            Ok(match s.credentials(&id)? {
                None => TokenCheck::Unknown,
                Some(c) if !c.enabled => TokenCheck::Disabled(id),
                Some(c) => TokenCheck::Operator(c.operator),
            })
        })
        .await
    }
}
