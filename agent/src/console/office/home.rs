//! `/`: the home page after sign-in — today's figures, the enrollments in progress with a way
//! back into each, and the devices with a reconnect button each (`POST
//! /devices/{class}/reconnect`), under a banner when one is not connected.
//!
//! Contract: a reconnect closes the device and opens it again at once (the same open a capture
//! does), audits `device.reconnect` with the outcome, and comes back to `/` saying whether the
//! device answered. A device not opened since the agent started is not "missing": it opens on
//! first use.

use std::time::Duration;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::json;

use super::text::OfficeText;
use crate::console::ConsoleState;
use crate::console::auth::SignedIn;
use crate::console::i18n::{Common, fill};
use crate::console::page::{self, Chrome};
use crate::devices::{DeviceFailure, DeviceStatus, Health, Identified, Slot};
use crate::store::AuditEntry;
use crate::store::figures::{Figures, day_window};
use crate::workflow::Stage;

/// The reason the device manager gives a slot before its first open.
const NOT_OPENED_YET: &str = "not opened yet";

/// One of today's figures.
pub struct Figure {
    /// What it counts.
    pub label: &'static str,
    /// How many.
    pub value: u64,
    /// Stable key for tests and styles.
    pub key: &'static str,
}

/// An enrollment in progress.
pub struct OpenRow {
    /// Its id.
    pub id: String,
    /// The resident's name.
    pub name: String,
    /// Their NIK.
    pub nik: String,
    /// Where it stands.
    pub step: String,
    /// `/desk/{id}`.
    pub href: String,
    /// The link's accessible name.
    pub label: String,
}

/// A device's line.
pub struct DeviceRow {
    /// `fingerprint`, `camera`, `signature_pad`, `iris`.
    pub class: &'static str,
    /// Its name in the page's language.
    pub name: &'static str,
    /// Its state in words.
    pub state: String,
    /// `ok`, `warn` or `error`, for the tag's style.
    pub tone: &'static str,
    /// Vendor and model, once it has been open.
    pub model: String,
    /// The button's accessible name.
    pub reconnect_label: String,
}

/// The home page.
#[derive(Template)]
#[template(path = "office/home.html")]
pub struct HomePage {
    /// The frame.
    pub chrome: Chrome,
    /// The office strings.
    pub t: &'static OfficeText,
    /// "Welcome, NAME".
    pub welcome: String,
    /// "Today (date)".
    pub figures_title: String,
    /// The figures.
    pub figures: Vec<Figure>,
    /// Rejected packets waiting for a supervisor, when there are any.
    pub rejected_open: Option<String>,
    /// Enrollments in progress.
    pub open: Vec<OpenRow>,
    /// The devices.
    pub devices: Vec<DeviceRow>,
    /// The banner naming missing devices.
    pub missing: Option<String>,
    /// The outcome of a reconnect just done.
    pub notice_ok: Option<String>,
    /// A reconnect that failed.
    pub notice_error: Option<String>,
    /// The blank-card run-out alert, when it fires.
    pub stock_alert: Option<String>,
    /// The link to the stock page beside it.
    pub stock_link: &'static str,
}

/// `?reconnected=CLASS&ok=1` (or `&busy=1`).
#[derive(Deserialize)]
pub struct HomeQuery {
    reconnected: Option<String>,
    ok: Option<u8>,
    busy: Option<u8>,
}

fn device_name(t: &'static OfficeText, class: &str) -> &'static str {
    match class {
        "fingerprint" => t.class_fingerprint,
        "camera" => t.class_camera,
        "signature_pad" => t.class_signature_pad,
        "iris" => t.class_iris,
        "printer" => t.class_printer,
        _ => t.unknown_model,
    }
}

fn stage_name(t: &'static OfficeText, stage: Stage) -> &'static str {
    match stage {
        Stage::Face => t.stage_face,
        Stage::Signature => t.stage_signature,
        Stage::Fingers => t.stage_fingers,
        Stage::Irises => t.stage_irises,
        Stage::Review => t.stage_review,
        Stage::Finalized | Stage::Abandoned => t.stage_done,
    }
}

/// A device's row; `missing` when it was open (or tried) and is not connected now.
fn device_row(t: &'static OfficeText, s: &DeviceStatus) -> (DeviceRow, bool) {
    let name = device_name(t, s.class);
    let (state, tone, missing) = match &s.health {
        Health::Ready => (t.health_ready.to_string(), "ok", false),
        Health::Busy => (t.health_busy.to_string(), "ok", false),
        Health::Disconnected { reason } if reason == NOT_OPENED_YET => {
            (t.health_unopened.to_string(), "warn", false)
        }
        Health::Disconnected { reason } => (fill(t.health_disconnected, reason), "error", true),
        Health::Faulty { reason } => (fill(t.health_faulty, reason), "warn", false),
    };
    let model = s
        .identity
        .as_ref()
        .map_or(t.unknown_model.to_string(), |i| {
            format!("{} {}", i.vendor, i.model)
        });
    (
        DeviceRow {
            class: s.class,
            name,
            state,
            tone,
            model,
            reconnect_label: fill(t.reconnect_label, name.to_lowercase()),
        },
        missing,
    )
}

/// `GET /`.
pub async fn page(
    State(st): State<ConsoleState>,
    me: SignedIn,
    Query(q): Query<HomeQuery>,
) -> Response {
    let t = OfficeText::for_lang(me.lang);
    let agent = &st.agent;
    let (day, date) = day_window((agent.clock)(), agent.config.console.utc_offset_minutes);
    let figures: Figures = match agent.with_store(move |s| Ok(s.figures(day)?)).await {
        Ok(f) => f,
        Err(e) => return page::failure(&me.session, e),
    };
    let ids = match agent.with_store(|s| Ok(s.open_sessions()?)).await {
        Ok(ids) => ids,
        Err(e) => return page::failure(&me.session, e),
    };
    let mut open = Vec::with_capacity(ids.len());
    for id in ids {
        // One unreadable session must not hide the others or the page.
        let (name, nik, step) = match agent.summary(&id).await {
            Ok(s) => (s.full_name, s.nik, stage_name(t, s.stage).to_string()),
            Err(e) => (fill(t.unreadable_session, e), String::new(), String::new()),
        };
        open.push(OpenRow {
            href: format!("/desk/{id}"),
            label: fill(t.continue_label, &name),
            id,
            name,
            nik,
            step,
        });
    }
    let mut missing = Vec::new();
    let devices: Vec<DeviceRow> = agent
        .devices
        .status()
        .iter()
        .map(|s| {
            let (row, gone) = device_row(t, s);
            if gone {
                missing.push(row.name);
            }
            row
        })
        .collect();
    let (mut notice_ok, mut notice_error) = (None, None);
    if let Some(class) = q.reconnected.as_deref() {
        let name = device_name(t, class);
        if q.ok == Some(1) {
            notice_ok = Some(fill(t.reconnected, name));
        } else if q.busy == Some(1) {
            notice_error = Some(fill(t.reconnect_busy, name));
        } else {
            notice_error = Some(fill(t.reconnect_failed, name));
        }
    }
    let stock_alert = crate::console::cards::home_alert(agent, me.lang).await;
    let chrome = me.chrome(Common::for_lang(me.lang).home_title);
    let welcome = fill(chrome.c.home_welcome, &me.operator.name);
    let body = HomePage {
        welcome,
        t,
        figures_title: fill(t.figures_title, date),
        figures: vec![
            Figure {
                label: t.fig_started,
                value: figures.started,
                key: "started",
            },
            Figure {
                label: t.fig_finalized,
                value: figures.finalized,
                key: "finalized",
            },
            Figure {
                label: t.fig_delivered,
                value: figures.delivered,
                key: "delivered",
            },
            Figure {
                label: t.fig_rejected,
                value: figures.rejected,
                key: "rejected",
            },
            Figure {
                label: t.fig_pending,
                value: figures.pending,
                key: "pending",
            },
        ],
        rejected_open: (figures.rejected_open > 0)
            .then(|| fill(t.fig_rejected_open, figures.rejected_open)),
        open,
        devices,
        missing: (!missing.is_empty()).then(|| fill(t.banner_missing, missing.join(", "))),
        notice_ok,
        notice_error,
        stock_alert,
        stock_link: crate::console::cards::text::CardsText::for_lang(me.lang).stock_alert_link,
        chrome,
    };
    page::render(StatusCode::OK, &body)
}

/// `GET /devices`: the devices are on the home page.
pub async fn devices_redirect() -> Redirect {
    Redirect::to("/#devices")
}

/// Closes the device and opens it again now.
async fn reopen<D: ?Sized + Identified + Send + 'static>(
    slot: &Slot<D>,
    deadline: Duration,
) -> Result<(), DeviceFailure> {
    slot.close("reconnecting at an operator's request");
    slot.run(deadline, |_, _| Ok(())).await
}

/// `POST /devices/{class}/reconnect`.
pub async fn reconnect(
    State(st): State<ConsoleState>,
    me: SignedIn,
    Path(class): Path<String>,
) -> Response {
    let agent = &st.agent;
    let d = &agent.devices;
    // A capture holds the device: closing it under the capture is not done; say so instead.
    let busy = d
        .status()
        .iter()
        .any(|s| s.class == class && s.health == Health::Busy);
    if busy {
        return Redirect::to(&format!("/?reconnected={class}&ok=0&busy=1#devices")).into_response();
    }
    let deadline = Duration::from_millis(agent.config.agent.capture_timeout_ms);
    let result = match class.as_str() {
        "fingerprint" => reopen(&d.fingerprint, deadline).await,
        "camera" => reopen(&d.camera, deadline).await,
        "signature_pad" => reopen(&d.pad, deadline).await,
        "iris" => match &d.iris {
            Some(slot) => reopen(slot, deadline).await,
            None => return page::not_found(&me.session),
        },
        "printer" => match &d.printer {
            Some(slot) => reopen(slot, deadline).await,
            None => return page::not_found(&me.session),
        },
        _ => return page::not_found(&me.session),
    };
    let now = (agent.clock)();
    let entry = AuditEntry::new(
        now,
        &me.operator.id,
        "device.reconnect",
        &class,
        match &result {
            Ok(()) => json!({ "ok": true }),
            Err(e) => json!({ "ok": false, "error": e.to_string() }),
        },
    );
    if let Err(e) = agent.with_store(move |s| Ok(s.audit(&entry)?)).await {
        return page::failure(&me.session, e);
    }
    let ok = u8::from(result.is_ok());
    Redirect::to(&format!("/?reconnected={class}&ok={ok}#devices")).into_response()
}
