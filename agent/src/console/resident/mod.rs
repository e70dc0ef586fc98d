//! The resident's screen (`/resident`): a second monitor turned towards the resident.
//!
//! Contract: filled by the resident screen; it follows [`super::DeskState::current`].

use axum::Router;

use super::ConsoleState;

/// The resident screen's routes.
pub fn routes() -> Router<ConsoleState> {
    Router::new()
}
