//! `/cards/stock`: blanks left, cards printed today against the daily target, spoiled today,
//! the daily rate and the days it lasts, the run-out alert, the batches received, and the form
//! to receive a batch (`POST /cards/stock/receive`).
//!
//! Contract: the form is checked here field by field (batch id, serial prefix, first and last
//! number of six digits, last not before first) before the stock service is asked; what the
//! service refuses (a range overlapping a batch already received, a batch id used before) comes
//! back on the first number's field. A batch received redirects to the page saying so.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::text::CardsText;
use super::{alert_text, days_text};
use crate::console::ConsoleState;
use crate::console::auth::SignedIn;
use crate::console::i18n::{fill, fill2};
use crate::console::office::{local_time, query_value};
use crate::console::page::{self, Chrome, FormErrors};
use crate::service::ServiceError;
use crate::store::cards::BatchStock;

/// The largest serial number (six digits).
const MAX_NUMBER: u64 = 999_999;

/// One figure.
pub struct StockFigure {
    /// What it counts.
    pub label: &'static str,
    /// The value.
    pub value: String,
    /// A line beneath (the target).
    pub note: Option<String>,
    /// Stable key for tests.
    pub key: &'static str,
}

/// A batch as listed.
pub struct BatchRow {
    /// Id.
    pub id: String,
    /// `KTP-2026A-000001 – KTP-2026A-001000`.
    pub range: String,
    /// How many blanks.
    pub count: u64,
    /// How many are left (not printed, spoiled or in the printer).
    pub left: u64,
    /// When.
    pub when: String,
    /// By whom.
    pub by: String,
}

/// The receive form's fields as typed.
#[derive(Deserialize, Default, Clone)]
pub struct ReceiveForm {
    #[serde(default)]
    batch_id: String,
    #[serde(default)]
    prefix: String,
    #[serde(default)]
    first: String,
    #[serde(default)]
    last: String,
}

/// The stock page.
#[derive(Template)]
#[template(path = "cards/stock.html")]
pub struct StockPage {
    /// The frame.
    pub chrome: Chrome,
    /// Strings.
    pub t: &'static CardsText,
    /// What is wrong with the form.
    pub errors: FormErrors,
    /// The run-out alert.
    pub alert: Option<String>,
    /// The figures.
    pub figures: Vec<StockFigure>,
    /// Batches, newest first.
    pub batches: Vec<BatchRow>,
    /// What was typed.
    pub form: ReceiveForm,
    /// A batch just received.
    pub notice: Option<String>,
}

/// A serial as printed on the blank.
fn serial(prefix: &str, n: u64) -> String {
    format!("{prefix}{n:06}")
}

fn batch_row(s: &BatchStock, offset: i32) -> BatchRow {
    let b = &s.batch;
    BatchRow {
        id: b.batch_id.clone(),
        range: format!(
            "{} – {}",
            serial(&b.prefix, b.first),
            serial(&b.prefix, b.last)
        ),
        count: b.size(),
        left: b.size().saturating_sub(s.consumed),
        when: local_time(s.received_ms, offset),
        by: s.received_by.clone(),
    }
}

async fn render(
    st: &ConsoleState,
    me: &SignedIn,
    status: StatusCode,
    errors: FormErrors,
    form: ReceiveForm,
    notice: Option<String>,
) -> Response {
    let t = CardsText::for_lang(me.lang);
    let agent = &st.agent;
    let offset = agent.config.console.utc_offset_minutes;
    let level = match agent.card_stock() {
        Ok(l) => l,
        Err(e) => return page::failure(&me.session, e),
    };
    let batches = match agent.with_store(|s| Ok(s.card_batches()?)).await {
        Ok(b) => b,
        Err(e) => return page::failure(&me.session, e),
    };
    let figures = vec![
        StockFigure {
            label: t.fig_in_stock,
            value: level.in_stock.to_string(),
            note: None,
            key: "in-stock",
        },
        StockFigure {
            label: t.fig_printed_today,
            value: level.printed_today.to_string(),
            note: Some(fill(t.fig_target, level.daily_target)),
            key: "printed-today",
        },
        StockFigure {
            label: t.fig_spoiled_today,
            value: level.spoiled_today.to_string(),
            note: None,
            key: "spoiled-today",
        },
        StockFigure {
            label: t.fig_rate,
            value: format!("{:.1}", level.daily_rate),
            note: None,
            key: "rate",
        },
        StockFigure {
            label: t.fig_days_left,
            value: level
                .days_left
                .map_or_else(|| t.days_unknown.to_string(), days_text),
            note: None,
            key: "days-left",
        },
    ];
    let body = StockPage {
        chrome: me.chrome(t.stock_title),
        t,
        errors,
        alert: alert_text(t, &level),
        figures,
        batches: batches.iter().rev().map(|b| batch_row(b, offset)).collect(),
        form,
        notice,
    };
    page::render(status, &body)
}

/// `?received=BATCH&n=COUNT` after a batch is received.
#[derive(Deserialize)]
pub struct Done {
    received: Option<String>,
    n: Option<u64>,
}

/// `GET /cards/stock`.
pub async fn page(
    State(st): State<ConsoleState>,
    me: SignedIn,
    Query(done): Query<Done>,
) -> Response {
    let t = CardsText::for_lang(me.lang);
    let notice = done
        .received
        .map(|b| fill2(t.received, b, done.n.unwrap_or(0)));
    render(
        &st,
        &me,
        StatusCode::OK,
        FormErrors::default(),
        ReceiveForm::default(),
        notice,
    )
    .await
}

/// A batch id: 1-64 of `A-Z a-z 0-9 . _ -`.
fn good_batch_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
}

/// A serial prefix: 1-32 of `A-Z 0-9 -` (what is printed on the blanks).
fn good_prefix(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 32
        && s.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
}

/// A number of 1-6 digits, 1 to 999999.
fn number(s: &str) -> Option<u64> {
    let s = s.trim();
    if s.is_empty() || s.len() > 6 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok().filter(|n| (1..=MAX_NUMBER).contains(n))
}

/// The form checked: `(batch id, prefix, first, last)` or the errors, in the fields' order.
fn check(t: &CardsText, f: &ReceiveForm) -> Result<(String, String, u64, u64), FormErrors> {
    let mut errors = FormErrors::default();
    let batch = f.batch_id.trim();
    if batch.is_empty() {
        errors.push("batch_id", t.err_batch_missing);
    } else if !good_batch_id(batch) {
        errors.push("batch_id", t.err_batch_bad);
    }
    let prefix = f.prefix.trim();
    if prefix.is_empty() {
        errors.push("prefix", t.err_prefix_missing);
    } else if !good_prefix(prefix) {
        errors.push("prefix", t.err_prefix_bad);
    }
    let first = number(&f.first);
    if first.is_none() {
        errors.push("first", t.err_first_bad);
    }
    let last = number(&f.last);
    if last.is_none() {
        errors.push("last", t.err_last_bad);
    }
    // Said even when other fields are wrong too, so one more try fixes everything.
    if let (Some(a), Some(b)) = (first, last)
        && b < a
    {
        errors.push("last", t.err_last_before_first);
    }
    match (first, last) {
        (Some(a), Some(b)) if errors.is_empty() => {
            Ok((batch.to_string(), prefix.to_string(), a, b))
        }
        _ => Err(errors),
    }
}

/// `POST /cards/stock/receive`.
pub async fn receive(
    State(st): State<ConsoleState>,
    me: SignedIn,
    Form(f): Form<ReceiveForm>,
) -> Response {
    let t = CardsText::for_lang(me.lang);
    let (batch, prefix, first, last) = match check(t, &f) {
        Ok(x) => x,
        Err(errors) => {
            return render(&st, &me, StatusCode::UNPROCESSABLE_ENTITY, errors, f, None).await;
        }
    };
    match st
        .agent
        .receive_blanks(&batch, &prefix, first, last, &me.operator.id)
    {
        Ok(()) => Redirect::to(&format!(
            "/cards/stock?received={}&n={}",
            query_value(&batch),
            last - first + 1
        ))
        .into_response(),
        Err(
            e @ (ServiceError::BadField { .. }
            | ServiceError::Rejected(_)
            | ServiceError::Store(crate::store::StoreError::Refused(_))),
        ) => {
            let mut errors = FormErrors::default();
            errors.push("first", fill(t.err_refused, e));
            render(&st, &me, StatusCode::UNPROCESSABLE_ENTITY, errors, f, None).await
        }
        Err(e) => page::failure(&me.session, e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(batch: &str, prefix: &str, first: &str, last: &str) -> ReceiveForm {
        ReceiveForm {
            batch_id: batch.into(),
            prefix: prefix.into(),
            first: first.into(),
            last: last.into(),
        }
    }

    #[test]
    fn a_batch_is_received_with_numbers_of_up_to_six_digits() {
        let t = CardsText::EN;
        assert_eq!(
            check(t, &form("BA-2026-118", "KTP-2026A-", "000001", "1000")).ok(),
            Some(("BA-2026-118".into(), "KTP-2026A-".into(), 1, 1000))
        );
        assert_eq!(serial("KTP-2026A-", 1), "KTP-2026A-000001");
    }

    #[test]
    fn each_wrong_field_is_named_in_the_order_of_the_form() {
        let t = CardsText::EN;
        let e = check(t, &form("", "ktp", "0", "1234567"))
            .err()
            .unwrap_or_default();
        let fields: Vec<&str> = e.items.iter().map(|i| i.field.as_str()).collect();
        assert_eq!(fields, ["batch_id", "prefix", "first", "last"]);
        let e = check(t, &form("B1", "KTP-", "500", "20"))
            .err()
            .unwrap_or_default();
        assert_eq!(e.get("last"), Some(t.err_last_before_first));
    }
}
