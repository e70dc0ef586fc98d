//! `/audit` (supervisors and admins): the audit log newest first, filtered by operator and day
//! with a GET form, in pages, and a button that verifies the whole hash chain and its anchor.
//!
//! Contract: nothing here writes; the filter and the page number travel in the query string, so
//! a filtered page can be bookmarked and reloaded. A date that is not a date is refused (422)
//! with the error beside the field; the operator filter still applies.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::text::OfficeText;
use super::{local_time, query_value};
use crate::console::ConsoleState;
use crate::console::auth::SignedIn;
use crate::console::i18n::{fill, fill2};
use crate::console::page::{self, Chrome, FormErrors};
use crate::operators::Role;
use crate::store::figures::{AuditFilter, AuditRow, date_window};

/// Entries per page.
pub const PAGE_SIZE: u32 = 50;

/// An entry as shown.
pub struct EntryRow {
    /// Sequence number.
    pub seq: i64,
    /// Local date and time.
    pub time: String,
    /// Who.
    pub actor: String,
    /// What.
    pub action: String,
    /// To what.
    pub subject: String,
    /// Details (JSON text).
    pub detail: String,
}

/// An actor in the filter's choices.
pub struct ActorChoice {
    /// The id.
    pub id: String,
    /// Chosen now.
    pub selected: bool,
}

/// The audit page.
#[derive(Template)]
#[template(path = "office/audit.html")]
pub struct AuditPage {
    /// The frame.
    pub chrome: Chrome,
    /// The office strings.
    pub t: &'static OfficeText,
    /// What was wrong with the filter.
    pub errors: FormErrors,
    /// Actors to choose from.
    pub actors: Vec<ActorChoice>,
    /// The date typed.
    pub date: String,
    /// The actor chosen (empty: everyone).
    pub actor: String,
    /// The entries.
    pub entries: Vec<EntryRow>,
    /// "N entries".
    pub count: String,
    /// "Page X of Y".
    pub page_text: String,
    /// Link to newer entries.
    pub newer: Option<String>,
    /// Link to older entries.
    pub older: Option<String>,
    /// The chain check's outcome, when asked: intact.
    pub verify_ok: Option<String>,
    /// The chain check's outcome, when asked: broken.
    pub verify_broken: Option<String>,
}

/// The query: filter, page, and whether to verify.
#[derive(Deserialize, Default)]
pub struct AuditQuery {
    #[serde(default)]
    actor: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    page: Option<u64>,
    #[serde(default)]
    verify: Option<String>,
}

fn link(actor: &str, date: &str, page: u64) -> String {
    format!(
        "/audit?actor={}&date={}&page={page}",
        query_value(actor),
        query_value(date)
    )
}

/// `GET /audit`.
pub async fn page(
    State(st): State<ConsoleState>,
    me: SignedIn,
    Query(q): Query<AuditQuery>,
) -> Response {
    if let Err(r) = me.require(Role::can_audit) {
        return r;
    }
    let t = OfficeText::for_lang(me.lang);
    let agent = &st.agent;
    let offset = agent.config.console.utc_offset_minutes;
    let mut errors = FormErrors::default();
    let date = q.date.trim().to_string();
    let window = if date.is_empty() {
        None
    } else {
        match date_window(&date, offset) {
            Some(w) => Some(w),
            None => {
                errors.push("date", t.audit_date_bad);
                None
            }
        }
    };
    let actor = q.actor.trim().to_string();
    let filter = AuditFilter {
        actor: (!actor.is_empty()).then(|| actor.clone()),
        window,
    };
    let page_no = q.page.unwrap_or(1).max(1);
    let offset_rows = (page_no - 1).saturating_mul(u64::from(PAGE_SIZE));
    let verify = q.verify.is_some();
    let result = agent
        .with_store(move |s| {
            let (rows, total) = s.audit_page(&filter, offset_rows, PAGE_SIZE)?;
            let actors = s.audit_actors()?;
            // A broken chain is the answer to show, not a failure of the page.
            let verified = verify.then(|| s.verify_audit().map_err(|e| e.to_string()));
            Ok((rows, total, actors, verified))
        })
        .await;
    let (rows, total, actors, verified) = match result {
        Ok(r) => r,
        Err(e) => return page::failure(&me.session, e),
    };
    let pages = total.div_ceil(u64::from(PAGE_SIZE)).max(1);
    let entries = rows
        .into_iter()
        .map(|r: AuditRow| EntryRow {
            seq: r.seq,
            time: local_time(r.at_ms, offset),
            actor: r.actor,
            action: r.action,
            subject: r.subject,
            detail: r.detail,
        })
        .collect();
    let (verify_ok, verify_broken) = match verified {
        Some(Ok(n)) => (Some(fill(t.verify_ok, n)), None),
        Some(Err(e)) => (None, Some(fill(t.verify_broken, e))),
        None => (None, None),
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let chrome = me.chrome(t.audit_title);
    let body = AuditPage {
        t,
        errors,
        actors: actors
            .into_iter()
            .map(|id| ActorChoice {
                selected: id == actor,
                id,
            })
            .collect(),
        entries,
        count: fill(t.audit_count, total),
        page_text: fill2(t.audit_page, page_no.min(pages), pages),
        newer: (page_no > 1).then(|| link(&actor, &date, page_no - 1)),
        older: (page_no < pages).then(|| link(&actor, &date, page_no + 1)),
        date,
        actor,
        verify_ok,
        verify_broken,
        chrome,
    };
    page::render(status, &body)
}
