//! The acknowledgement slip (`/desk/{id}/slip`) of a finalized enrollment, printed from the
//! browser: A6 or an 80 mm receipt (`?layout=receipt`), with the enrollment id as text and as a
//! QR code (inline SVG), the NIK, name, date, the office or mobile unit, and what happens next.
//!
//! Contract: only a finalized enrollment has a slip (others go to their step); the QR code holds
//! exactly the enrollment id. Opening the slip does not make the enrollment the desk's current
//! one: the resident's screen stays idle.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use qrcode::QrCode;
use qrcode::render::svg;
use rekam_protocol::model::RecordingUnit;
use serde::Deserialize;

use super::text::{DeskText, fill};
use super::{load, see_other, service_failure, step_path, summary_or_page, text_for};
use crate::console::ConsoleState;
use crate::console::auth::SignedIn;
use crate::console::page::{self, Chrome};
use crate::workflow::{Eligibility, Stage};

/// The slip's routes.
pub fn routes() -> Router<ConsoleState> {
    Router::new().route("/desk/{id}/slip", get(show))
}

/// The slip page.
#[derive(Template)]
#[template(path = "desk/slip.html")]
pub struct SlipPage {
    /// The frame.
    pub chrome: Chrome,
    /// The desk's strings.
    pub t: &'static DeskText,
    /// The enrollment id.
    pub id: String,
    /// The QR code of the id, as inline SVG.
    pub qr: String,
    /// NIK.
    pub nik: String,
    /// Name.
    pub name: String,
    /// Date of the enrollment (YYYY-MM-DD).
    pub date: String,
    /// The office or mobile unit.
    pub place: String,
    /// What happens next.
    pub next: Vec<String>,
    /// `a6` or `receipt`.
    pub layout: &'static str,
}

/// `?layout=`.
#[derive(Debug, Default, Deserialize)]
pub struct Layout {
    #[serde(default)]
    layout: Option<String>,
}

/// The QR code of `text` as an SVG element (no XML prolog), labelled `label`.
pub fn qr_svg(text: &str, label: &str) -> Result<String, String> {
    let code = QrCode::new(text.as_bytes()).map_err(|e| e.to_string())?;
    let svg = code
        .render::<svg::Color<'_>>()
        .min_dimensions(160, 160)
        .build();
    let start = svg.find("<svg").ok_or("no svg element")?;
    let label = label
        .replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;");
    Ok(svg[start..].replacen(
        "<svg ",
        &format!("<svg class=\"qr\" role=\"img\" aria-label=\"{label}\" "),
        1,
    ))
}

async fn show(
    me: SignedIn,
    State(s): State<ConsoleState>,
    Path(id): Path<String>,
    Query(q): Query<Layout>,
) -> Response {
    let sum = match summary_or_page(&s, &me, &id).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    if sum.stage != Stage::Finalized {
        return see_other(&step_path(&sum.id, sum.stage));
    }
    let session = match load(&s.agent, &id).await {
        Ok(Some(x)) => x,
        Ok(None) => {
            return service_failure(
                &me,
                &id,
                &crate::service::ServiceError::NotFound(id.clone()),
            );
        }
        Err(e) => return service_failure(&me, &id, &e),
    };
    let t = text_for(&me);
    let qr = match qr_svg(&sum.id, t.slip_qr_alt) {
        Ok(x) => x,
        Err(e) => return page::failure(&me.session, e),
    };
    let offset = i64::from(s.agent.config.console.utc_offset_minutes) * 60_000;
    let at = rekam_protocol::Timestamp::from_unix_ms(
        session
            .context
            .finished_at
            .unix_ms()
            .max(session.context.started_at.unix_ms())
            + offset,
    );
    let office = session.context.site_code.clone();
    let place = match &session.context.unit {
        RecordingUnit::Office => fill(t.slip_office, &[&office]),
        RecordingUnit::Mobile { unit_id, location } => fill(t.slip_mobile, &[unit_id, location]),
    };
    let mut next = vec![fill(t.slip_next_text, &[&office])];
    if let Eligibility::EarlyRecording { card_from } = session.eligibility {
        next.push(fill(
            t.slip_next_early,
            &[&rekam_protocol::timefmt::format_date(card_from)],
        ));
    }
    page::render(
        StatusCode::OK,
        &SlipPage {
            chrome: me.chrome(t.slip_title),
            t,
            id: sum.id.clone(),
            qr,
            nik: sum.nik.clone(),
            name: sum.full_name.clone(),
            date: rekam_protocol::timefmt::format_date(at.date()),
            place,
            next,
            layout: match q.layout.as_deref() {
                Some("receipt") => "receipt",
                _ => "a6",
            },
        },
    )
}
