//! The irises screen (placeholder until the irises screen lands).

use axum::Router;

use crate::console::ConsoleState;

/// The irises screen's routes.
pub fn routes() -> Router<ConsoleState> {
    Router::new()
}
