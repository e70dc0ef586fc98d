//! The enrollment desk: one screen per step, from the resident's data to the acknowledgement
//! slip (`/desk/...`).
//!
//! Contract: filled by the desk screens; each step is a GET page and a POST action that
//! redirects to the next step's page.

pub mod fingers;
pub mod fingers_text;
pub mod irises;

use axum::Router;

use super::ConsoleState;

/// The desk's routes.
pub fn routes() -> Router<ConsoleState> {
    Router::new()
        .merge(fingers::routes())
        .merge(irises::routes())
}
