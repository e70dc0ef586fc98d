//! `/figures`: the office's figures over a chosen period (a GET form with two dates that works
//! without JavaScript), as tables per grouping with server-drawn SVG charts (bars per day,
//! coverage per kecamatan), the worklist coverage and the data problems; and
//! `/figures/report`, the same period as the signed, printable report page, and
//! `/figures/report.pdf`, the same report as a signed PDF to download.
//!
//! Contract: nothing here writes. The period travels in the query string (bookmarkable); no
//! dates is today; a bad date or range is refused (422) with the error beside its field and
//! today's figures below. The report is the file `rekam report period` writes, signed with the
//! workstation key, served inline so it can be printed or saved and forwarded; the PDF is the
//! file `rekam report period --out FILE.pdf` writes, served as an attachment named for the
//! period (`rekam-report-FROM_TO.pdf`, or `rekam-report-DAY.pdf` for one day).

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::query_value;
use crate::console::ConsoleState;
use crate::console::auth::SignedIn;
use crate::console::page::{self, Chrome, FormErrors};
use crate::office::figures::{self, FiguresError, Period, Shifts, pdf, report, text::FiguresText};
use crate::store::figures::day_window;

/// The figures page.
#[derive(Template)]
#[template(path = "office/figures.html")]
pub struct FiguresPage {
    /// The frame.
    pub chrome: Chrome,
    /// The strings.
    pub t: &'static FiguresText,
    /// What was wrong with the dates.
    pub errors: FormErrors,
    /// The first day as typed.
    pub from: String,
    /// The last day as typed.
    pub to: String,
    /// The period shown, in words.
    pub period: String,
    /// The report's link for the period shown.
    pub report_href: String,
    /// The PDF report's link for the period shown.
    pub pdf_href: String,
    /// Tables, charts, coverage and problems (built and escaped by [`report::body_html`]).
    pub body: String,
}

/// The query: the period.
#[derive(Deserialize, Default)]
pub struct PeriodQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

/// The period asked for, or the errors to show (and today instead).
/// "Today" is the agent's clock's day at `offset`.
fn period_of(q: &PeriodQuery, now_ms: i64, offset: i32, t: &FiguresText) -> (Period, FormErrors) {
    let today = day_window(now_ms, offset).1;
    let from = if q.from.trim().is_empty() {
        today.clone()
    } else {
        q.from.trim().to_string()
    };
    let to = if q.to.trim().is_empty() {
        from.clone()
    } else {
        q.to.trim().to_string()
    };
    let mut errors = FormErrors::default();
    match Period::parse(&from, &to, offset) {
        Ok(p) => return (p, errors),
        Err(FiguresError::BadDate { which: "from", .. }) => errors.push("from", t.bad_from),
        Err(FiguresError::BadDate { .. }) => errors.push("to", t.bad_to),
        Err(_) => errors.push("to", t.bad_range),
    }
    let fallback = Period::parse(&today, &today, offset);
    // Today always parses; the match keeps the page up whatever happens.
    let p = fallback.unwrap_or(Period {
        from: time::Date::MIN,
        to: time::Date::MIN,
        offset_minutes: offset,
    });
    (p, errors)
}

/// `GET /figures`.
pub async fn page(
    State(st): State<ConsoleState>,
    me: SignedIn,
    Query(q): Query<PeriodQuery>,
) -> Response {
    let t = FiguresText::for_lang(me.lang);
    let offset = st.agent.config.console.utc_offset_minutes;
    let (period, errors) = period_of(&q, (st.agent.clock)(), offset, t);
    let p = period;
    let result = st
        .agent
        .with_store(move |s| {
            figures::compute(s, &p, &Shifts::default()).map_err(|e| {
                crate::service::ServiceError::from(crate::store::StoreError::Refused(e.to_string()))
            })
        })
        .await;
    let f = match result {
        Ok(f) => f,
        Err(e) => return page::failure(&me.session, e),
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let (from, to) = if errors.is_empty() {
        (f.from.clone(), f.to.clone())
    } else {
        (q.from.clone(), q.to.clone())
    };
    let body = FiguresPage {
        chrome: me.chrome(t.title),
        t,
        errors,
        period: period.label(),
        report_href: format!(
            "/figures/report?from={}&to={}",
            query_value(&f.from),
            query_value(&f.to)
        ),
        pdf_href: format!(
            "/figures/report.pdf?from={}&to={}",
            query_value(&f.from),
            query_value(&f.to)
        ),
        body: report::body_html(&f, t),
        from,
        to,
    };
    page::render(status, &body)
}

/// `GET /figures/report`: the signed report of the period.
pub async fn report_page(
    State(st): State<ConsoleState>,
    me: SignedIn,
    Query(q): Query<PeriodQuery>,
) -> Response {
    signed_report(st, me, q, Form::Html).await
}

/// `GET /figures/report.pdf`: the signed report of the period as a PDF download.
pub async fn report_pdf(
    State(st): State<ConsoleState>,
    me: SignedIn,
    Query(q): Query<PeriodQuery>,
) -> Response {
    signed_report(st, me, q, Form::Pdf).await
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Form {
    Html,
    Pdf,
}

async fn signed_report(st: ConsoleState, me: SignedIn, q: PeriodQuery, form: Form) -> Response {
    let t = FiguresText::for_lang(me.lang);
    let offset = st.agent.config.console.utc_offset_minutes;
    let (period, errors) = period_of(&q, (st.agent.clock)(), offset, t);
    if !errors.is_empty() {
        return page::failure(
            &me.session,
            crate::service::ServiceError::from(crate::store::StoreError::Refused(
                errors
                    .items
                    .iter()
                    .map(|e| e.message.clone())
                    .collect::<Vec<_>>()
                    .join("; "),
            )),
        );
    }
    let key = st.agent.workstation_key();
    let c = &st.agent.config.agent;
    let meta = report::ReportMeta {
        office: c.site_code.clone(),
        workstation_id: c.workstation_id.clone(),
        key_id: key.public_key().key_id().to_string(),
        generated: super::local_time((st.agent.clock)(), offset),
        daily: period.from == period.to,
        lang: me.lang,
    };
    let result = st
        .agent
        .with_store(move |s| {
            let refused = |e: String| {
                crate::service::ServiceError::from(crate::store::StoreError::Refused(e))
            };
            let f = figures::compute(s, &period, &Shifts::default())
                .map_err(|e| refused(e.to_string()))?;
            let rng = ring::rand::SystemRandom::new();
            match form {
                Form::Html => {
                    report::sign(&report::render(&meta, &f), &key, &rng).map(String::into_bytes)
                }
                Form::Pdf => report::sign_pdf(&pdf::render_pdf(&meta, &f), &key, &rng),
            }
            .map_err(|e| refused(e.to_string()))
        })
        .await;
    match result {
        Ok(bytes) => {
            let mut r = (StatusCode::OK, bytes).into_response();
            let h = r.headers_mut();
            if form == Form::Pdf {
                h.insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/pdf"),
                );
                // The dates are checked YYYY-MM-DD, so the name needs no quoting beyond this.
                let name = if period.from == period.to {
                    format!("rekam-report-{}.pdf", figures::format_date(period.from))
                } else {
                    format!(
                        "rekam-report-{}_{}.pdf",
                        figures::format_date(period.from),
                        figures::format_date(period.to)
                    )
                };
                if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
                    h.insert(header::CONTENT_DISPOSITION, v);
                }
            } else {
                h.insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/html; charset=utf-8"),
                );
            }
            r
        }
        Err(e) => page::failure(&me.session, e),
    }
}
