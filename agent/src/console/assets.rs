//! The console's static files, embedded in the binary: the console works with no network.
//!
//! Contract: [`ASSETS`] lists every file; [`url`] gives `/assets/NAME?v=HASH` (the first 16 hex
//! digits of the SHA-256 of its bytes), which is served with a year's `immutable` caching, since
//! a changed file gets a new URL. An unknown name is 404.

use std::collections::HashMap;
use std::sync::OnceLock;

use axum::extract::{Path, Query};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

/// Name, media type, bytes.
pub static ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "console.css",
        "text/css; charset=utf-8",
        include_bytes!("../../assets/console.css"),
    ),
    (
        "office.css",
        "text/css; charset=utf-8",
        include_bytes!("../../assets/office.css"),
    ),
    (
        "cards.css",
        "text/css; charset=utf-8",
        include_bytes!("../../assets/cards.css"),
    ),
    (
        "fingers.css",
        "text/css; charset=utf-8",
        include_bytes!("../../assets/fingers.css"),
    ),
    (
        "console.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/js/console.js"),
    ),
    (
        "desk.css",
        "text/css; charset=utf-8",
        include_bytes!("../../assets/desk.css"),
    ),
    (
        "desk-live.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/js/desk-live.js"),
    ),
    (
        "desk-start.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/js/desk-start.js"),
    ),
    (
        "desk-signature.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/js/desk-signature.js"),
    ),
    (
        "desk-slip.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/js/desk-slip.js"),
    ),
    (
        "icon.svg",
        "image/svg+xml",
        include_bytes!("../../assets/icon.svg"),
    ),
];

fn hashes() -> &'static HashMap<&'static str, String> {
    static H: OnceLock<HashMap<&'static str, String>> = OnceLock::new();
    H.get_or_init(|| {
        ASSETS
            .iter()
            .map(|(name, _, bytes)| {
                let d = ring::digest::digest(&ring::digest::SHA256, bytes);
                (*name, hex::encode(&d.as_ref()[..8]))
            })
            .collect()
    })
}

/// The URL of asset `name` (with its content hash).
pub fn url(name: &str) -> String {
    match hashes().get(name) {
        Some(h) => format!("/assets/{name}?v={h}"),
        None => format!("/assets/{name}"),
    }
}

/// The query of an asset request.
#[derive(Deserialize)]
pub struct Version {
    v: Option<String>,
}

/// `GET /assets/{name}`.
pub async fn serve(Path(name): Path<String>, Query(q): Query<Version>) -> Response {
    let Some((_, mime, bytes)) = ASSETS.iter().find(|(n, _, _)| *n == name) else {
        return (StatusCode::NOT_FOUND, "no such asset").into_response();
    };
    let current = hashes().get(name.as_str()).map(String::as_str);
    let cache = if q.v.as_deref().is_some() && q.v.as_deref() == current {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    (
        [
            (header::CONTENT_TYPE, *mime),
            (header::CACHE_CONTROL, cache),
        ],
        *bytes,
    )
        .into_response()
}
