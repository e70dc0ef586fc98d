//! What every console page shares: the header's data ([`Chrome`]), the error summary of a
//! refused form ([`FormErrors`]), rendering with the right headers, and the plain message page
//! (403, 404, 500).
//!
//! Contract: pages are rendered by askama templates that extend `layout.html`; a template
//! failing to render is a 500 with the message page, never a blank or half page.

use askama::Template;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::assets;
use super::i18n::{Common, Lang, fill};
use super::session::ConsoleSession;
use crate::operators::{Operator, Role};

/// The header and frame of a page.
#[derive(Clone, Debug)]
pub struct Chrome {
    /// The language shown.
    pub lang: Lang,
    /// The shared strings in that language.
    pub c: &'static Common,
    /// The session's CSRF token, for every form.
    pub csrf: String,
    /// Who is signed in (none on the sign-in page).
    pub operator: Option<Operator>,
    /// The page's title (before the application's name).
    pub title: String,
    /// Whether to show the navigation (signed in and not locked).
    pub nav: bool,
    /// A screen facing the resident: no navigation, no account or language controls.
    pub kiosk: bool,
}

impl Chrome {
    /// The frame for `session`, titled `title`.
    pub fn for_session(session: &ConsoleSession, title: &str) -> Chrome {
        Chrome {
            lang: session.lang,
            c: Common::for_lang(session.lang),
            csrf: session.csrf.clone(),
            operator: session.operator.clone(),
            title: title.to_string(),
            nav: session.operator.is_some() && !session.locked,
            kiosk: false,
        }
    }

    /// `<html lang>`.
    pub fn lang_code(&self) -> &'static str {
        self.lang.code()
    }

    /// The URL of an embedded asset (with its content hash, so it can be cached for good).
    pub fn asset(&self, name: &str) -> String {
        assets::url(name)
    }

    /// "Signed in as NAME (ROLE)".
    pub fn signed_in_as(&self) -> String {
        match &self.operator {
            Some(o) => fill(
                self.c.signed_in_as,
                format!("{} ({})", o.name, self.role_name(o.role)),
            ),
            None => String::new(),
        }
    }

    /// A role's name in this language.
    pub fn role_name(&self, role: Role) -> &'static str {
        match role {
            Role::Operator => self.c.role_operator,
            Role::Supervisor => self.c.role_supervisor,
            Role::Technician => self.c.role_technician,
            Role::Admin => self.c.role_admin,
        }
    }

    /// The signed-in operator may read the audit log.
    pub fn can_audit(&self) -> bool {
        self.operator.as_ref().is_some_and(|o| o.role.can_audit())
    }

    /// The signed-in operator may test devices (the technician page).
    pub fn can_test_devices(&self) -> bool {
        self.operator
            .as_ref()
            .is_some_and(|o| super::technician::can_test(o.role))
    }

    /// The signed-in operator may manage accounts.
    pub fn can_manage(&self) -> bool {
        self.operator.as_ref().is_some_and(|o| o.role.can_manage())
    }
}

/// One field at fault.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    /// The `id` of the input at fault (the summary links `#field`).
    pub field: String,
    /// What to do about it, in the page's language.
    pub message: String,
}

/// The errors of a refused form, for the summary at the top and the message beside each field.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FormErrors {
    /// In the order of the fields on the page.
    pub items: Vec<FieldError>,
}

impl FormErrors {
    /// Adds an error for `field`.
    pub fn push(&mut self, field: &str, message: impl Into<String>) {
        self.items.push(FieldError {
            field: field.into(),
            message: message.into(),
        });
    }

    /// No errors.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The message for `field`, if it is at fault.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.items
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }

    /// `field` is at fault (for `aria-invalid` and the error style).
    pub fn has(&self, field: &str) -> bool {
        self.get(field).is_some()
    }
}

/// Renders `page` with `status`; pages are never cached.
pub fn render(status: StatusCode, page: &impl Template) -> Response {
    match page.render() {
        Ok(html) => (
            status,
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            html,
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "a console page failed to render");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                format!("the page failed to render: {e}"),
            )
                .into_response()
        }
    }
}

/// A page that only says something (refusals, not found, failures).
#[derive(Template)]
#[template(path = "message.html")]
pub struct MessagePage {
    /// The frame.
    pub chrome: Chrome,
    /// The heading.
    pub heading: String,
    /// The text.
    pub body: String,
    /// Which message, for tests and `data-screen`.
    pub screen: &'static str,
}

/// The message page with `status`; `what` picks the heading and text from the catalogue.
pub fn message_page(
    status: StatusCode,
    chrome: Option<Chrome>,
    what: impl Fn(&'static Common) -> (&'static str, String),
) -> Response {
    let chrome = chrome.unwrap_or_else(|| Chrome {
        lang: Lang::Id,
        c: Common::ID,
        csrf: String::new(),
        operator: None,
        title: String::new(),
        nav: false,
        kiosk: false,
    });
    let (heading, body) = what(chrome.c);
    let mut chrome = chrome;
    chrome.title = heading.to_string();
    render(
        status,
        &MessagePage {
            chrome,
            heading: heading.to_string(),
            body,
            screen: match status {
                StatusCode::FORBIDDEN => "forbidden",
                StatusCode::NOT_FOUND => "not-found",
                _ => "error",
            },
        },
    )
}

/// 403 for a role that may not open a page.
pub fn forbidden(session: &ConsoleSession) -> Response {
    message_page(
        StatusCode::FORBIDDEN,
        Some(Chrome::for_session(session, "")),
        |c| (c.forbidden_title, c.forbidden_body.to_string()),
    )
}

/// 404 in the console's words.
pub fn not_found(session: &ConsoleSession) -> Response {
    message_page(
        StatusCode::NOT_FOUND,
        Some(Chrome::for_session(session, "")),
        |c| (c.not_found_title, c.not_found_body.to_string()),
    )
}

/// 500 naming what failed; nothing typed is lost because the form is not consumed.
pub fn failure(session: &ConsoleSession, detail: impl std::fmt::Display) -> Response {
    let detail = detail.to_string();
    message_page(
        StatusCode::INTERNAL_SERVER_ERROR,
        Some(Chrome::for_session(session, "")),
        move |c| (c.internal_title, fill(c.internal_body, &detail)),
    )
}

/// A local path to go back to after a redirect, or `/` for anything else (no open redirects).
pub fn local_path(next: Option<&str>) -> String {
    match next {
        Some(p) if p.starts_with('/') && !p.starts_with("//") && !p.contains('\\') => p.into(),
        _ => "/".into(),
    }
}

/// Formats Unix ms as `HH:MM` at the workstation's UTC offset.
pub fn local_hm(ms: i64, offset_minutes: i32) -> String {
    let t = ms.div_euclid(60_000) + i64::from(offset_minutes);
    let m = t.rem_euclid(24 * 60);
    format!("{:02}:{:02}", m / 60, m % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(local_path(Some("/desk/x")), "/desk/x");
        assert_eq!(local_path(Some("//evil.example")), "/");
        assert_eq!(local_path(Some("https://evil.example")), "/");
        assert_eq!(local_path(None), "/");
    }

    #[test]
    fn times_are_shown_at_the_workstations_offset() {
        // 2026-01-01T00:00Z is 07:00 WIB.
        assert_eq!(local_hm(1_767_225_600_000, 420), "07:00");
        assert_eq!(local_hm(1_767_225_600_000 + 90 * 60_000, 480), "09:30");
    }
}
