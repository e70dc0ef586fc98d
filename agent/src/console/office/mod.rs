//! The office's day: the home page after sign-in (today's figures, enrollments in progress,
//! device health with reconnect), the outbox (delivery, retry, export to removable media), the
//! audit log (filter, pages, chain check), operator accounts and mobile-unit visits
//! ([`visits`]).
//!
//! Contract: every page is for a signed-in operator; the audit log is for supervisors and
//! admins, accounts for admins only, and sending a rejected packet again and planning, opening
//! and closing visits for supervisors and admins (anyone else gets 403). Every change made here
//! (a device reconnected, a packet requeued or exported, an account added, disabled, enabled or
//! given a new password, a visit planned, opened or closed) is in the audit log with the
//! signed-in operator as its actor. "Today" is the calendar day at the
//! workstation's configured UTC offset (`[console] utc_offset_minutes`, WIB by default).

mod audit;
mod figures;
mod home;
pub mod media;
mod operators;
mod outbox;
pub mod text;
mod visit_new;
pub mod visits;
pub mod visits_text;

use axum::Router;
use axum::routing::{get, post};
use time::{OffsetDateTime, UtcOffset};

use super::ConsoleState;

/// The office pages' routes.
pub fn routes() -> Router<ConsoleState> {
    Router::new()
        .route("/", get(home::page))
        .route("/devices", get(home::devices_redirect))
        .route("/devices/{class}/reconnect", post(home::reconnect))
        .route("/outbox", get(outbox::page))
        .route("/outbox/send", post(outbox::send_now))
        .route("/outbox/export", post(outbox::export))
        .route("/outbox/{packet}/retry", post(outbox::retry))
        .route("/audit", get(audit::page))
        .route("/figures", get(figures::page))
        .route("/figures/report", get(figures::report_page))
        .route("/figures/report.pdf", get(figures::report_pdf))
        .route("/operators", get(operators::page).post(operators::add))
        .route("/visits", get(visits::list))
        .route("/visits/new", get(visit_new::form).post(visit_new::create))
        .route("/visits/{id}", get(visits::show))
        .route("/visits/{id}/open", post(visits::open))
        .route("/visits/{id}/close", post(visits::close))
        .route("/operators/{id}/enable", post(operators::enable))
        .route("/operators/{id}/disable", post(operators::disable))
        .route(
            "/operators/{id}/password",
            get(operators::password_form).post(operators::set_password),
        )
}

/// Unix ms as `YYYY-MM-DD HH:MM` at `offset_minutes` east of UTC.
pub fn local_time(ms: i64, offset_minutes: i32) -> String {
    let offset = UtcOffset::from_whole_seconds(offset_minutes * 60).unwrap_or(UtcOffset::UTC);
    match OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000) {
        Ok(t) => {
            let t = t.to_offset(offset);
            format!(
                "{:04}-{:02}-{:02} {:02}:{:02}",
                t.year(),
                u8::from(t.month()),
                t.day(),
                t.hour(),
                t.minute()
            )
        }
        Err(_) => ms.to_string(),
    }
}

/// A value for a URL query (percent-encoded; unreserved characters kept).
pub fn query_value(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_show_the_date_and_minute_at_the_workstations_offset() {
        // 2026-12-02T03:00Z is 10:00 WIB, 12:00 WIT.
        assert_eq!(local_time(1_796_180_400_000, 420), "2026-12-02 10:00");
        assert_eq!(local_time(1_796_180_400_000, 540), "2026-12-02 12:00");
        assert_eq!(local_time(1_796_180_400_000, -240), "2026-12-01 23:00");
    }

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(query_value("/media/usb 0/a&b"), "/media/usb%200/a%26b");
    }
}
