//! The fingers screen (placeholder until the fingers screen lands).

use axum::Router;

use crate::console::ConsoleState;

/// The fingers screen's routes.
pub fn routes() -> Router<ConsoleState> {
    Router::new()
}
