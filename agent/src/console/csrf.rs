//! Cross-site request forgery defence for the console.
//!
//! Contract: a request that can change state (any method but GET, HEAD and OPTIONS) is refused
//! with 403 unless it carries the session's CSRF token, as the `_csrf` field of a URL-encoded
//! form or in the `X-CSRF-Token` header (for `fetch`), and unless the browser says it came from
//! this origin when it says anything (`Sec-Fetch-Site`, `Origin`). The cookie being
//! SameSite=Strict is a second, independent line. Form bodies are read whole (at most
//! [`MAX_FORM_BYTES`]) and handed on unchanged.

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::page::{self, Chrome};
use super::session::ConsoleSession;

/// The largest console form body.
pub const MAX_FORM_BYTES: usize = 256 * 1024;

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The `_csrf` field of a URL-encoded body.
fn form_token(body: &[u8]) -> Option<&[u8]> {
    body.split(|b| *b == b'&')
        .find_map(|kv| kv.strip_prefix(b"_csrf="))
}

fn cross_site(req: &Request) -> bool {
    let h = req.headers();
    if let Some(site) = h.get("sec-fetch-site").and_then(|v| v.to_str().ok())
        && !matches!(site, "same-origin" | "none")
    {
        return true;
    }
    if let (Some(origin), Some(host)) = (
        h.get(header::ORIGIN).and_then(|v| v.to_str().ok()),
        h.get(header::HOST).and_then(|v| v.to_str().ok()),
    ) {
        let origin_host = origin
            .strip_prefix("http://")
            .or_else(|| origin.strip_prefix("https://"))
            .unwrap_or(origin);
        return origin == "null" || origin_host != host;
    }
    false
}

fn refused(session: Option<&ConsoleSession>) -> Response {
    let chrome = session.map(|s| Chrome::for_session(s, ""));
    let mut resp = page::message_page(StatusCode::FORBIDDEN, chrome, |c| {
        (c.csrf_title, c.csrf_body.to_string())
    });
    resp.headers_mut()
        .insert("x-rekam-refused", header::HeaderValue::from_static("csrf"));
    resp
}

/// Middleware: refuses state-changing requests without the session's token.
pub async fn check(req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let session = req.extensions().get::<ConsoleSession>().cloned();
    let Some(session) = session else {
        return refused(None);
    };
    if cross_site(&req) {
        return refused(Some(&session));
    }
    let expected = session.csrf.as_bytes();
    if let Some(h) = req.headers().get("x-csrf-token") {
        if constant_time_eq(h.as_bytes(), expected) {
            return next.run(req).await;
        }
        return refused(Some(&session));
    }
    let (parts, body) = req.into_parts();
    let bytes = match to_bytes(body, MAX_FORM_BYTES).await {
        Ok(b) => b,
        Err(_) => return (StatusCode::PAYLOAD_TOO_LARGE, "form too large").into_response(),
    };
    match form_token(&bytes) {
        Some(t) if constant_time_eq(t, expected) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        _ => refused(Some(&session)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_found_anywhere_in_the_form() {
        assert_eq!(form_token(b"a=1&_csrf=xyz&b=2"), Some(&b"xyz"[..]));
        assert_eq!(form_token(b"_csrf=abc"), Some(&b"abc"[..]));
        assert_eq!(form_token(b"x_csrf=abc"), None);
        assert!(!constant_time_eq(b"abc", b"abd"));
    }
}
