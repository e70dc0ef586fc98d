//! `/technician` (technicians and admins): the devices with their health and a test button
//! each, a test of every device, camera calibration, and the latest reports, each viewable here
//! with its pictures (`/technician/reports/{folder}/`).
//!
//! Contract: a test runs on the daemon's own device manager ([`crate::diagnostics::run`]): a
//! device an enrollment's capture holds is reported busy, never taken. Each run writes its report
//! under `DATA_DIR/reports/` (a new folder every time), is audited as `devices.test` with the
//! signed-in technician as actor, the report's path and the overall result, and comes back to
//! `/technician?ran=FOLDER` saying how it went. Report folders and files are served only by
//! plain names (no path separators, no dot files); anyone else gets 403.

mod text;

use std::path::PathBuf;

use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::json;

use super::ConsoleState;
use super::auth::SignedIn;
use super::i18n::fill;
use super::office::local_time;
use super::page::{self, Chrome};
use crate::commands::devices_test;
use crate::devices::Health;
use crate::diagnostics::{self, Class, Options, report};
use crate::operators::Role;
use crate::store::AuditEntry;
pub use text::TechText;

/// Who may test devices: technicians and admins.
pub fn can_test(role: Role) -> bool {
    matches!(role, Role::Technician | Role::Admin)
}

/// The technician page's routes.
pub fn routes() -> Router<ConsoleState> {
    Router::new()
        .route("/technician", get(page))
        .route("/technician/test", post(test_all))
        .route("/technician/test/{class}", post(test_one))
        .route("/technician/calibrate", post(calibrate))
        .route("/technician/reports/{folder}", get(report_redirect))
        .route("/technician/reports/{folder}/", get(report_page))
        .route("/technician/reports/{folder}/{file}", get(report_file))
}

/// A device's line.
pub struct DeviceRow {
    /// Class name in URLs (`signature-pad`).
    pub class: &'static str,
    /// Its name in the page's language.
    pub name: &'static str,
    /// State in words.
    pub state: String,
    /// `ok`, `warn` or `error`.
    pub tone: &'static str,
    /// Vendor and model.
    pub model: String,
    /// Firmware.
    pub firmware: String,
    /// The test button's accessible name.
    pub label: String,
}

/// A report's line.
pub struct ReportRow {
    /// Its folder.
    pub folder: String,
    /// When.
    pub date: String,
    /// What was tested.
    pub tested: String,
    /// Passed.
    pub passed: bool,
    /// Link.
    pub href: String,
    /// The link's accessible name.
    pub label: String,
}

/// The page.
#[derive(Template)]
#[template(path = "technician.html")]
pub struct TechnicianPage {
    /// The frame.
    pub chrome: Chrome,
    /// Words.
    pub t: &'static TechText,
    /// Devices.
    pub devices: Vec<DeviceRow>,
    /// Latest reports, newest first.
    pub reports: Vec<ReportRow>,
    /// A run just finished and passed.
    pub notice_ok: Option<String>,
    /// A run just finished with failures (and busy devices).
    pub notice_error: Vec<String>,
    /// Link to the report just written.
    pub ran_href: Option<String>,
}

fn class_name(t: &'static TechText, c: Class) -> &'static str {
    match c {
        Class::Fingerprint => t.class_fingerprint,
        Class::Camera => t.class_camera,
        Class::SignaturePad => t.class_signature_pad,
        Class::Iris => t.class_iris,
        Class::Printer => t.class_printer,
    }
}

fn reports_dir(st: &ConsoleState) -> PathBuf {
    st.agent.config.agent.data_dir.join("reports")
}

/// A report folder's name as the console accepts it.
fn plain_folder(name: &str) -> bool {
    name.starts_with("devices-") && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// A file name as the console serves it from a report folder.
fn plain_file(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
}

fn read_report(st: &ConsoleState, folder: &str) -> Option<serde_json::Value> {
    let bytes = std::fs::read(reports_dir(st).join(folder).join(report::JSON)).ok()?;
    serde_json::from_slice(&bytes).ok()
}

fn latest_reports(st: &ConsoleState, t: &'static TechText) -> Vec<ReportRow> {
    let Ok(entries) = std::fs::read_dir(reports_dir(st)) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| plain_folder(n))
        .collect();
    names.sort_unstable_by(|a, b| b.cmp(a));
    let offset = st.agent.config.console.utc_offset_minutes;
    names
        .into_iter()
        .filter_map(|folder| {
            let r = read_report(st, &folder)?;
            let classes: Vec<&str> = r["devices"]
                .as_array()?
                .iter()
                .filter(|d| d["present"].as_bool().unwrap_or(true))
                .filter_map(|d| Class::parse(d["class"].as_str()?))
                .map(|c| class_name(t, c))
                .collect();
            let date = r["started_ms"]
                .as_i64()
                .map_or(folder.clone(), |ms| local_time(ms, offset));
            Some(ReportRow {
                href: format!("/technician/reports/{folder}/"),
                label: fill(t.view_report_label, &date),
                tested: if classes.len() >= 4 {
                    t.all_devices.to_string()
                } else {
                    classes.join(", ")
                },
                passed: r["passed"].as_bool().unwrap_or(false),
                date,
                folder,
            })
        })
        .take(20)
        .collect()
}

/// `?ran=FOLDER`.
#[derive(Deserialize)]
pub struct PageQuery {
    ran: Option<String>,
}

/// `GET /technician`.
pub async fn page(
    State(st): State<ConsoleState>,
    me: SignedIn,
    Query(q): Query<PageQuery>,
) -> Response {
    if let Err(r) = me.require(can_test) {
        return r;
    }
    let t = TechText::for_lang(me.lang);
    let devices = st
        .agent
        .devices
        .status()
        .iter()
        .filter_map(|s| {
            let class = Class::parse(s.class)?;
            let name = class_name(t, class);
            let (state, tone) = match &s.health {
                Health::Ready => (t.health_ready.to_string(), "ok"),
                Health::Busy => (t.health_busy.to_string(), "warn"),
                Health::Disconnected { reason } if reason == "not opened yet" => {
                    (t.health_unopened.to_string(), "warn")
                }
                Health::Disconnected { reason } => (fill(t.health_disconnected, reason), "error"),
                Health::Faulty { reason } => (fill(t.health_faulty, reason), "warn"),
            };
            let (model, firmware) =
                s.identity
                    .as_ref()
                    .map_or((t.unknown.to_string(), t.unknown.to_string()), |i| {
                        (
                            format!("{} {}", i.vendor, i.model),
                            i.firmware.clone().unwrap_or_else(|| t.unknown.to_string()),
                        )
                    });
            Some(DeviceRow {
                class: class.name(),
                name,
                state,
                tone,
                model,
                firmware,
                label: fill(t.run_test_label, name.to_lowercase()),
            })
        })
        .collect();
    let (mut notice_ok, mut notice_error, mut ran_href) = (None, Vec::new(), None);
    if let Some(folder) = q.ran.as_deref().filter(|f| plain_folder(f))
        && let Some(r) = read_report(&st, folder)
    {
        ran_href = Some(format!("/technician/reports/{folder}/"));
        if r["passed"].as_bool() == Some(true) {
            notice_ok = Some(t.ran_pass.to_string());
        } else {
            notice_error.push(t.ran_fail.to_string());
        }
        for d in r["devices"].as_array().into_iter().flatten() {
            if d["busy"].as_bool() == Some(true)
                && let Some(c) = d["class"].as_str().and_then(Class::parse)
            {
                notice_error.push(fill(t.ran_busy, class_name(t, c).to_lowercase()));
            }
        }
    }
    let body = TechnicianPage {
        chrome: me.chrome(t.title),
        t,
        devices,
        reports: latest_reports(&st, t),
        notice_ok,
        notice_error,
        ran_href,
    };
    page::render(StatusCode::OK, &body)
}

/// Runs the tests, writes the report, audits it, and goes back to the page.
async fn execute(
    st: &ConsoleState,
    me: &SignedIn,
    classes: Vec<Class>,
    calibrate: bool,
    backdrop: Option<&str>,
) -> Response {
    let agent = &st.agent;
    let backdrop = match devices_test::backdrop(backdrop.filter(|b| !b.is_empty())) {
        Ok(b) => b,
        Err(_) => return page::not_found(&me.session),
    };
    let now = (agent.clock)();
    let options = Options {
        classes,
        calibrate,
        backdrop,
        workstation_id: agent.config.agent.workstation_id.clone(),
        actor: me.operator.id.clone(),
        simulated: agent.config.devices.simulated,
        now_ms: now,
    };
    let result = diagnostics::run(&agent.devices, &options).await;
    // A new folder every run, even within one second.
    let base = report::folder_name(now);
    let root = reports_dir(st);
    let folder = (1..)
        .map(|n| {
            if n == 1 {
                base.clone()
            } else {
                format!("{base}-{n}")
            }
        })
        .find(|f| !root.join(f).exists())
        .unwrap_or(base);
    let dir = root.join(&folder);
    let written = {
        let (dir, result) = (dir.clone(), result.clone());
        tokio::task::spawn_blocking(move || report::write(&dir, &result)).await
    };
    match written {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return page::failure(&me.session, format!("{e:#}")),
        Err(e) => return page::failure(&me.session, e),
    }
    let entry = AuditEntry::new(
        now,
        &me.operator.id,
        "devices.test",
        &devices_test::subject(&options.classes),
        json!({
            "report": dir.display().to_string(),
            "passed": result.passed,
            "failures": result.failures(),
            "calibrate": calibrate,
            "simulated": options.simulated,
        }),
    );
    if let Err(e) = agent.with_store(move |s| Ok(s.audit(&entry)?)).await {
        return page::failure(&me.session, e);
    }
    Redirect::to(&format!("/technician?ran={folder}#result")).into_response()
}

/// The calibration form.
#[derive(Deserialize)]
pub struct CalibrateForm {
    #[serde(default)]
    backdrop: String,
}

/// `POST /technician/test`: every device.
pub async fn test_all(State(st): State<ConsoleState>, me: SignedIn) -> Response {
    if let Err(r) = me.require(can_test) {
        return r;
    }
    execute(&st, &me, Vec::new(), false, None).await
}

/// `POST /technician/test/{class}`.
pub async fn test_one(
    State(st): State<ConsoleState>,
    me: SignedIn,
    Path(class): Path<String>,
) -> Response {
    if let Err(r) = me.require(can_test) {
        return r;
    }
    let Some(class) = Class::parse(&class) else {
        return page::not_found(&me.session);
    };
    execute(&st, &me, vec![class], false, None).await
}

/// `POST /technician/calibrate`: calibrate the camera, then test it.
pub async fn calibrate(
    State(st): State<ConsoleState>,
    me: SignedIn,
    Form(form): Form<CalibrateForm>,
) -> Response {
    if let Err(r) = me.require(can_test) {
        return r;
    }
    execute(&st, &me, vec![Class::Camera], true, Some(&form.backdrop)).await
}

/// `GET /technician/reports/{folder}`: to the folder's page, so its pictures resolve.
pub async fn report_redirect(me: SignedIn, Path(folder): Path<String>) -> Response {
    if let Err(r) = me.require(can_test) {
        return r;
    }
    if !plain_folder(&folder) {
        return page::not_found(&me.session);
    }
    Redirect::to(&format!("/technician/reports/{folder}/")).into_response()
}

/// `GET /technician/reports/{folder}/`: the report page.
pub async fn report_page(
    State(st): State<ConsoleState>,
    me: SignedIn,
    Path(folder): Path<String>,
) -> Response {
    serve(&st, &me, &folder, report::HTML)
}

/// `GET /technician/reports/{folder}/{file}`: a picture or the JSON twin.
pub async fn report_file(
    State(st): State<ConsoleState>,
    me: SignedIn,
    Path((folder, file)): Path<(String, String)>,
) -> Response {
    serve(&st, &me, &folder, &file)
}

fn serve(st: &ConsoleState, me: &SignedIn, folder: &str, file: &str) -> Response {
    if let Err(r) = me.require(can_test) {
        return r;
    }
    if !plain_folder(folder) || !plain_file(file) {
        return page::not_found(&me.session);
    }
    let kind = match file.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("json") => "application/json",
        Some("png") => "image/png",
        Some("jpg") => "image/jpeg",
        Some("svg") => "image/svg+xml",
        _ => return page::not_found(&me.session),
    };
    match std::fs::read(reports_dir(st).join(folder).join(file)) {
        Ok(bytes) => (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, kind),
                (header::CACHE_CONTROL, "no-store"),
            ],
            bytes,
        )
            .into_response(),
        Err(_) => page::not_found(&me.session),
    }
}
