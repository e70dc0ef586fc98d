//! `/outbox`: packets waiting (with the last error), delivered (with the registry's receipt)
//! and rejected (with the registry's reason); "send now" (`POST /outbox/send`), sending a
//! rejected packet again (`POST /outbox/{packet}/retry`, supervisors and admins, with a reason
//! for the audit log) and copying packets to removable media (`POST /outbox/export`).
//!
//! Contract: a refused form (no reason for a retry, a folder that cannot take the export) comes
//! back as the page with status 422, an error summary linking to the field and what was typed.
//! Export goes through the store's hardened export ([`crate::store::transfer`]): each file is
//! written, synced, renamed into place and read back; it is audited as `outbox.export`.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use rekam_protocol::receipt::SignedReceipt;
use rekam_protocol::rejection::SignedRejection;
use serde::Deserialize;
use serde_json::json;

use super::media::{self, Refusal};
use super::text::OfficeText;
use super::{local_time, query_value};
use crate::console::ConsoleState;
use crate::console::auth::SignedIn;
use crate::console::i18n::{fill, fill2};
use crate::console::page::{self, Chrome, FormErrors};
use crate::operators::Role;
use crate::service::ServiceError;
use crate::store::AuditEntry;
use crate::store::figures::OutboxRow;
use crate::store::transfer::{self, ExportReport};

/// Most rows listed per state (the newest); the counts are always whole.
const LIST_LIMIT: u32 = 200;

/// A packet as listed.
pub struct PacketRow {
    /// Packet id.
    pub packet_id: String,
    /// Enrollment id.
    pub enrollment_id: String,
    /// When it was made.
    pub created: String,
    /// Attempts so far.
    pub attempts: u32,
    /// Pending: next attempt; delivered: received at; rejected: rejected at.
    pub when: String,
    /// Pending: last error; delivered: receipt; rejected: the registry's reason.
    pub note: String,
    /// The retry form's reason field id.
    pub why_id: String,
    /// What was typed there (kept on a refused form).
    pub why: String,
    /// The retry button's accessible name.
    pub retry_label: String,
}

/// The outbox page.
#[derive(Template)]
#[template(path = "office/outbox.html")]
pub struct OutboxPage {
    /// The frame.
    pub chrome: Chrome,
    /// The office strings.
    pub t: &'static OfficeText,
    /// What was wrong with a form.
    pub errors: FormErrors,
    /// Section headings with counts.
    pub pending_title: String,
    /// Delivered heading.
    pub delivered_title: String,
    /// Rejected heading.
    pub rejected_title: String,
    /// Waiting packets.
    pub pending: Vec<PacketRow>,
    /// Delivered packets (newest first).
    pub delivered: Vec<PacketRow>,
    /// Rejected packets.
    pub rejected: Vec<PacketRow>,
    /// The signed-in operator may send rejected packets again.
    pub can_retry: bool,
    /// The export folder typed.
    pub export_dir: String,
    /// Whether rejected packets were asked for.
    pub export_rejected: bool,
    /// Removable media found.
    pub media: Vec<String>,
    /// What was just done.
    pub notices: Vec<String>,
    /// A warning about what was just done.
    pub warning: Option<String>,
}

/// What the page reports after a redirect.
#[derive(Deserialize, Default)]
pub struct Done {
    sent: Option<u64>,
    requeued: Option<String>,
    exported: Option<String>,
    w: Option<u64>,
    r: Option<u64>,
    u: Option<u64>,
    same: Option<u8>,
}

/// Everything typed into the page's forms.
#[derive(Default)]
struct Typed {
    export_dir: String,
    export_rejected: bool,
    why: HashMap<String, String>,
}

fn receipt_note(t: &'static OfficeText, bytes: Option<&[u8]>, offset: i32) -> (String, String) {
    match bytes.map(SignedReceipt::parse) {
        Some(Ok(r)) => (
            fill2(t.receipt_text, &r.receipt.registry_id, r.receipt.sequence),
            local_time(r.receipt.received_at.unix_ms(), offset),
        ),
        _ => (t.receipt_unreadable.to_string(), String::new()),
    }
}

fn rejection_note(row: &OutboxRow, t: &'static OfficeText, offset: i32) -> (String, String) {
    match row.rejection.as_deref().map(SignedRejection::parse) {
        Some(Ok(r)) => (
            format!("{} ({})", r.rejection.reason, r.rejection.code),
            local_time(r.rejection.rejected_at.unix_ms(), offset),
        ),
        _ => (
            row.last_error
                .clone()
                .unwrap_or_else(|| t.no_error.to_string()),
            String::new(),
        ),
    }
}

async fn render(
    st: &ConsoleState,
    me: &SignedIn,
    status: StatusCode,
    errors: FormErrors,
    typed: Typed,
    done: Done,
) -> Response {
    let t = OfficeText::for_lang(me.lang);
    let agent = &st.agent;
    let offset = agent.config.console.utc_offset_minutes;
    let lists = agent
        .with_store(|s| {
            Ok((
                s.outbox_rows("pending", LIST_LIMIT)?,
                s.outbox_rows("delivered", LIST_LIMIT)?,
                s.outbox_rows("rejected", LIST_LIMIT)?,
                s.outbox().status()?,
            ))
        })
        .await;
    let (pending, delivered, rejected, counts) = match lists {
        Ok(l) => l,
        Err(e) => return page::failure(&me.session, e),
    };
    let row = |r: &OutboxRow, when: String, note: String| PacketRow {
        enrollment_id: r.enrollment_id.clone(),
        created: local_time(r.created_ms, offset),
        attempts: r.attempts,
        when,
        note,
        why_id: format!("why-{}", r.packet_id),
        why: typed.why.get(&r.packet_id).cloned().unwrap_or_default(),
        retry_label: fill(t.retry_label, &r.enrollment_id),
        packet_id: r.packet_id.clone(),
    };
    let pending: Vec<PacketRow> = pending
        .iter()
        .map(|r| {
            let note = r
                .last_error
                .clone()
                .unwrap_or_else(|| t.no_error.to_string());
            row(r, local_time(r.next_attempt_ms, offset), note)
        })
        .collect();
    let delivered: Vec<PacketRow> = delivered
        .iter()
        .map(|r| {
            let (note, when) = receipt_note(t, r.receipt.as_deref(), offset);
            let when = if when.is_empty() {
                r.delivered_ms
                    .map_or_else(String::new, |ms| local_time(ms, offset))
            } else {
                when
            };
            row(r, when, note)
        })
        .collect();
    let rejected: Vec<PacketRow> = rejected
        .iter()
        .map(|r| {
            let (note, when) = rejection_note(r, t, offset);
            row(r, when, note)
        })
        .collect();
    let mut notices = Vec::new();
    if let Some(n) = done.sent {
        notices.push(fill(t.sent_now, n));
    }
    if let Some(e) = &done.requeued {
        notices.push(fill(t.requeued, e));
    }
    let mut warning = None;
    if let Some(dir) = &done.exported {
        let msg = fill(t.export_done, dir);
        let msg = fill(&msg, done.w.unwrap_or(0));
        let msg = fill(&msg, done.r.unwrap_or(0));
        notices.push(fill(&msg, done.u.unwrap_or(0)));
        if done.same == Some(1) {
            warning = Some(t.export_same_disk.to_string());
        }
    }
    let chrome = me.chrome(t.outbox_title);
    let body = OutboxPage {
        t,
        errors,
        pending_title: fill(t.pending_title, counts.pending),
        delivered_title: fill(t.delivered_title, counts.delivered),
        rejected_title: fill(t.rejected_title, counts.rejected),
        pending,
        delivered,
        rejected,
        can_retry: me.operator.role.can_approve(),
        export_dir: typed.export_dir,
        export_rejected: typed.export_rejected,
        media: media::mounted_media(),
        notices,
        warning,
        chrome,
    };
    page::render(status, &body)
}

/// `GET /outbox`.
pub async fn page(
    State(st): State<ConsoleState>,
    me: SignedIn,
    Query(done): Query<Done>,
) -> Response {
    render(
        &st,
        &me,
        StatusCode::OK,
        FormErrors::default(),
        Typed::default(),
        done,
    )
    .await
}

/// `POST /outbox/send`: every waiting packet due now, and the uploader woken.
pub async fn send_now(State(st): State<ConsoleState>, me: SignedIn) -> Response {
    let agent = &st.agent;
    let now = (agent.clock)();
    let actor = me.operator.id.clone();
    let n = agent
        .with_store(move |s| {
            let n = s.outbox().retry_all(now)?;
            s.audit(&AuditEntry::new(
                now,
                &actor,
                "outbox.send_now",
                "outbox",
                json!({ "packets": n }),
            ))?;
            Ok(n)
        })
        .await;
    match n {
        Ok(n) => {
            agent.upload_wake.notify_one();
            Redirect::to(&format!("/outbox?sent={n}")).into_response()
        }
        Err(e) => page::failure(&me.session, e),
    }
}

/// The retry form.
#[derive(Deserialize)]
pub struct RetryForm {
    #[serde(default)]
    why: String,
}

/// `POST /outbox/{packet}/retry`: a supervisor sends a rejected packet again.
pub async fn retry(
    State(st): State<ConsoleState>,
    me: SignedIn,
    Path(packet): Path<String>,
    Form(form): Form<RetryForm>,
) -> Response {
    if let Err(r) = me.require(Role::can_approve) {
        return r;
    }
    let t = OfficeText::for_lang(me.lang);
    let why = form.why.trim().to_string();
    if why.is_empty() {
        let mut errors = FormErrors::default();
        errors.push(&format!("why-{packet}"), t.retry_why_missing);
        let mut typed = Typed::default();
        typed.why.insert(packet, form.why);
        return render(
            &st,
            &me,
            StatusCode::UNPROCESSABLE_ENTITY,
            errors,
            typed,
            Done::default(),
        )
        .await;
    }
    let agent = &st.agent;
    let now = (agent.clock)();
    let actor = me.operator.id.clone();
    let id = packet.clone();
    let result = agent
        .with_store(move |s| {
            let enrollment = s
                .outbox_rows("rejected", u32::MAX)?
                .into_iter()
                .find(|r| r.packet_id == id)
                .map(|r| r.enrollment_id);
            s.requeue_rejected(&id, &actor, &why, now)?;
            Ok(enrollment.unwrap_or(id))
        })
        .await;
    match result {
        Ok(enrollment) => {
            agent.upload_wake.notify_one();
            Redirect::to(&format!("/outbox?requeued={}", query_value(&enrollment))).into_response()
        }
        Err(ServiceError::Store(crate::store::StoreError::NotFound(why))) => {
            let mut errors = FormErrors::default();
            errors.push(&format!("why-{packet}"), fill(t.packet_gone, why));
            render(
                &st,
                &me,
                StatusCode::UNPROCESSABLE_ENTITY,
                errors,
                Typed::default(),
                Done::default(),
            )
            .await
        }
        Err(e) => page::failure(&me.session, e),
    }
}

/// The export form.
#[derive(Deserialize)]
pub struct ExportForm {
    #[serde(default)]
    dir: String,
    #[serde(default)]
    include_rejected: Option<String>,
}

/// `POST /outbox/export`: waiting packets (and, for a supervisor who asks, rejected ones with
/// their signed rejections) written to a folder on removable media.
pub async fn export(
    State(st): State<ConsoleState>,
    me: SignedIn,
    Form(form): Form<ExportForm>,
) -> Response {
    let include_rejected = form.include_rejected.is_some();
    // Rejected packets leave the workstation only by a supervisor's decision.
    if include_rejected && let Err(r) = me.require(Role::can_approve) {
        return r;
    }
    let t = OfficeText::for_lang(me.lang);
    let refuse = |message: String| {
        let mut errors = FormErrors::default();
        errors.push("dir", message);
        errors
    };
    let typed = Typed {
        export_dir: form.dir.clone(),
        export_rejected: include_rejected,
        why: HashMap::new(),
    };
    let dir = match media::check_destination(&form.dir) {
        Ok(d) => d,
        Err(refusal) => {
            let message = match refusal {
                Refusal::Missing => t.export_missing.to_string(),
                Refusal::Relative => t.export_relative.to_string(),
                Refusal::NotThere(p) => fill(t.export_no_parent, p),
                Refusal::NotDir(p) => fill(t.export_not_dir, p),
                Refusal::NotWritable(p, why) => fill2(t.export_not_writable, p, why),
            };
            return render(
                &st,
                &me,
                StatusCode::UNPROCESSABLE_ENTITY,
                refuse(message),
                typed,
                Done::default(),
            )
            .await;
        }
    };
    let agent = &st.agent;
    let same = media::same_disk(&dir, &agent.config.agent.data_dir);
    let now = (agent.clock)();
    let actor = me.operator.id.clone();
    let to = dir.clone();
    let report = agent
        .with_store(move |s| {
            // The export's own failure (the medium) is the page's to show, not the store's.
            let report =
                transfer::export_with(s, &to, include_rejected).map_err(|e| format!("{e:#}"));
            let detail = match &report {
                Ok(r) => json!({
                    "to": to.display().to_string(),
                    "rejected_included": include_rejected,
                    "written": r.written,
                    "replaced": r.replaced,
                    "unchanged": r.unchanged,
                    "failed": r.failed.len(),
                }),
                Err(e) => json!({ "to": to.display().to_string(), "error": e }),
            };
            s.audit(&AuditEntry::new(
                now,
                &actor,
                "outbox.export",
                "outbox",
                detail,
            ))?;
            Ok(report)
        })
        .await;
    let report: ExportReport = match report {
        Ok(Ok(r)) => r,
        Ok(Err(why)) => {
            return render(
                &st,
                &me,
                StatusCode::UNPROCESSABLE_ENTITY,
                refuse(fill(t.export_failed, why)),
                typed,
                Done::default(),
            )
            .await;
        }
        Err(e) => return page::failure(&me.session, e),
    };
    if !report.failed.is_empty() {
        let mut errors = FormErrors::default();
        for (id, why) in &report.failed {
            errors.push("dir", fill2(t.export_packet_failed, id, why));
        }
        return render(
            &st,
            &me,
            StatusCode::UNPROCESSABLE_ENTITY,
            errors,
            typed,
            Done::default(),
        )
        .await;
    }
    Redirect::to(&format!(
        "/outbox?exported={}&w={}&r={}&u={}&same={}",
        query_value(&dir.display().to_string()),
        report.written,
        report.replaced,
        report.unchanged,
        u8::from(same)
    ))
    .into_response()
}
