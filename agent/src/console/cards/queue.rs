//! `/cards`: the print queue — orders waiting (print one, or a selection as a batch in the order
//! listed), the result of each card printed, and printed cards not collected yet with a
//! supervisor's reprint (`/cards/{order}/reprint`, with a reason for the audit log).
//!
//! Contract: printing answers with the result page of that request (each card: printed on which
//! blank, spoiled and why, or not printed and what to do); the queue itself is never changed
//! here but by the printing service. A print request with nothing selected, or a reprint without
//! a reason, is refused with 422 and the error linked to its field.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::text::CardsText;
use super::{PrinterLine, alert_text, masked_nik, order, orders, printer_line};
use crate::console::ConsoleState;
use crate::console::auth::SignedIn;
use crate::console::i18n::{fill, fill2};
use crate::console::office::local_time;
use crate::console::page::{self, Chrome, FormErrors};
use crate::office::printing::{PrintOutcome, PrintResult};
use crate::operators::Role;
use crate::store::{OrderState, StoredOrder};

/// An order as the queue lists it.
pub struct OrderRow {
    /// The order id.
    pub id: String,
    /// The resident's name.
    pub name: String,
    /// The NIK's last digits.
    pub nik: String,
    /// When the order came (or when it was printed).
    pub when: String,
    /// The blank it was printed on.
    pub serial: String,
    /// The checkbox's id.
    pub check_id: String,
    /// The checkbox's label.
    pub select_label: String,
    /// The print (or reprint) button's accessible name.
    pub action_label: String,
    /// Being printed now.
    pub printing: bool,
}

/// The queue page.
#[derive(Template)]
#[template(path = "cards/queue.html")]
pub struct QueuePage {
    /// The frame.
    pub chrome: Chrome,
    /// Strings.
    pub t: &'static CardsText,
    /// What is wrong with the form.
    pub errors: FormErrors,
    /// The printer's line.
    pub printer: Option<PrinterLine>,
    /// The run-out alert.
    pub alert: Option<String>,
    /// "Waiting to print (n)".
    pub waiting_title: String,
    /// Orders waiting (and being printed).
    pub waiting: Vec<OrderRow>,
    /// "Printed (n)".
    pub printed_title: String,
    /// Printed, not collected.
    pub printed: Vec<OrderRow>,
    /// The ids that were ticked (kept on a refused form).
    pub ticked: Vec<String>,
    /// The signed-in operator may reprint.
    pub can_reprint: bool,
}

impl QueuePage {
    /// Whether the checkbox of `id` was ticked.
    pub fn is_ticked(&self, id: &str) -> bool {
        self.ticked.iter().any(|t| t == id)
    }
}

fn row(t: &CardsText, o: &StoredOrder, offset: i32, label: &str) -> OrderRow {
    let when = match (o.state, o.printed_ms) {
        (OrderState::Printed, Some(ms)) => local_time(ms, offset),
        _ => local_time(o.received_ms, offset),
    };
    OrderRow {
        check_id: format!("order-{}", o.order_id),
        select_label: fill(t.select_label, &o.name),
        action_label: fill(label, &o.name),
        id: o.order_id.clone(),
        name: o.name.clone(),
        nik: masked_nik(t, &o.nik),
        when,
        serial: o.card_serial.clone().unwrap_or_default(),
        printing: o.state == OrderState::Printing,
    }
}

async fn render(
    st: &ConsoleState,
    me: &SignedIn,
    status: StatusCode,
    errors: FormErrors,
    ticked: Vec<String>,
) -> Response {
    let t = CardsText::for_lang(me.lang);
    let agent = &st.agent;
    let offset = agent.config.console.utc_offset_minutes;
    let all = match orders(agent, None).await {
        Ok(o) => o,
        Err(e) => return page::failure(&me.session, e),
    };
    let waiting: Vec<OrderRow> = all
        .iter()
        .filter(|o| matches!(o.state, OrderState::Waiting | OrderState::Printing))
        .map(|o| row(t, o, offset, t.print_one_label))
        .collect();
    let printed: Vec<OrderRow> = all
        .iter()
        .filter(|o| o.state == OrderState::Printed)
        .map(|o| row(t, o, offset, t.reprint_label))
        .collect();
    let alert = match agent.card_stock() {
        Ok(level) => alert_text(t, &level),
        Err(e) => return page::failure(&me.session, e),
    };
    let body = QueuePage {
        chrome: me.chrome(t.queue_title),
        t,
        errors,
        printer: printer_line(agent, t).await,
        alert,
        waiting_title: fill(t.waiting_title, waiting.len()),
        waiting,
        printed_title: fill(t.printed_title, printed.len()),
        printed,
        ticked,
        can_reprint: me.operator.role.can_approve(),
    };
    page::render(status, &body)
}

/// `GET /cards`.
pub async fn page(State(st): State<ConsoleState>, me: SignedIn) -> Response {
    render(&st, &me, StatusCode::OK, FormErrors::default(), Vec::new()).await
}

/// One card's result.
pub struct ResultRow {
    /// The resident's name.
    pub name: String,
    /// What happened.
    pub outcome: String,
    /// A second line (a reprint's blank, or what to do).
    pub todo: Option<String>,
    /// `ok`, `warn` or `error`.
    pub tone: &'static str,
}

/// The result page of a print request.
#[derive(Template)]
#[template(path = "cards/result.html")]
pub struct ResultPage {
    /// The frame.
    pub chrome: Chrome,
    /// Strings.
    pub t: &'static CardsText,
    /// "n of m printed".
    pub summary: String,
    /// Each card, in the order printed.
    pub rows: Vec<ResultRow>,
    /// The printer's line after the request.
    pub printer: Option<PrinterLine>,
}

fn result_row(t: &CardsText, name: String, r: &PrintResult) -> (ResultRow, bool) {
    match &r.outcome {
        PrintOutcome::Printed { serial } => (
            ResultRow {
                name,
                outcome: fill(t.result_printed, serial),
                todo: None,
                tone: "ok",
            },
            true,
        ),
        PrintOutcome::Spoiled {
            serial,
            reason,
            reprinted_on,
        } => (
            ResultRow {
                name,
                outcome: fill2(t.result_spoiled, serial, reason),
                todo: Some(match reprinted_on {
                    Some(s) => fill(t.result_reprinted_on, s),
                    None => t.result_spoiled_todo.to_string(),
                }),
                tone: if reprinted_on.is_some() {
                    "warn"
                } else {
                    "error"
                },
            },
            reprinted_on.is_some(),
        ),
        PrintOutcome::NotPrinted { reason } => (
            ResultRow {
                name,
                outcome: fill(t.result_not_printed, reason),
                todo: Some(t.result_not_printed_todo.to_string()),
                tone: "error",
            },
            false,
        ),
    }
}

async fn results(
    st: &ConsoleState,
    me: &SignedIn,
    names: &[(String, String)],
    results: &[PrintResult],
) -> Response {
    let t = CardsText::for_lang(me.lang);
    let mut rows = Vec::with_capacity(results.len());
    let mut printed = 0usize;
    for r in results {
        let name = names
            .iter()
            .find(|(id, _)| *id == r.order_id)
            .map_or_else(|| r.order_id.clone(), |(_, n)| n.clone());
        let (row, ok) = result_row(t, name, r);
        printed += usize::from(ok);
        rows.push(row);
    }
    let body = ResultPage {
        chrome: me.chrome(t.result_title),
        t,
        summary: fill2(t.result_summary, printed, results.len()),
        rows,
        printer: printer_line(&st.agent, t).await,
    };
    page::render(StatusCode::OK, &body)
}

/// `POST /cards/print`: `one=ID` (a row's own button) or every ticked `order=ID`, in the order
/// of the queue.
pub async fn print(
    State(st): State<ConsoleState>,
    me: SignedIn,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let t = CardsText::for_lang(me.lang);
    let one = fields
        .iter()
        .find(|(k, _)| k == "one")
        .map(|(_, v)| v.clone());
    let ticked: Vec<String> = fields
        .iter()
        .filter(|(k, _)| k == "order")
        .map(|(_, v)| v.clone())
        .collect();
    let agent = &st.agent;
    let waiting = match orders(agent, Some(OrderState::Waiting)).await {
        Ok(o) => o,
        Err(e) => return page::failure(&me.session, e),
    };
    let wanted: Vec<String> = match &one {
        Some(id) => vec![id.clone()],
        // The queue's order, whatever order the browser sent the boxes in.
        None => waiting
            .iter()
            .filter(|o| ticked.contains(&o.order_id))
            .map(|o| o.order_id.clone())
            .collect(),
    };
    if wanted.is_empty() {
        let mut errors = FormErrors::default();
        let first = waiting.first().map_or_else(
            || "print-selected".to_string(),
            |o| format!("order-{}", o.order_id),
        );
        errors.push(&first, t.select_none);
        return render(&st, &me, StatusCode::UNPROCESSABLE_ENTITY, errors, ticked).await;
    }
    let names: Vec<(String, String)> = waiting
        .iter()
        .map(|o| (o.order_id.clone(), o.name.clone()))
        .collect();
    match agent.print_orders_now(&wanted, &me.operator.id).await {
        Ok(r) => results(&st, &me, &names, &r).await,
        Err(e) => page::failure(&me.session, e),
    }
}

/// The reprint form.
#[derive(Template)]
#[template(path = "cards/reprint.html")]
pub struct ReprintPage {
    /// The frame.
    pub chrome: Chrome,
    /// Strings.
    pub t: &'static CardsText,
    /// What is wrong.
    pub errors: FormErrors,
    /// The order.
    pub id: String,
    /// The resident's name.
    pub name: String,
    /// The NIK's last digits.
    pub nik: String,
    /// "The earlier card (blank X) is recorded as spoiled".
    pub intro: String,
    /// The reason typed.
    pub reason: String,
}

/// The order to reprint, or the page to answer with.
#[allow(clippy::result_large_err)]
async fn printed_order(
    st: &ConsoleState,
    me: &SignedIn,
    id: &str,
) -> Result<StoredOrder, Response> {
    let t = CardsText::for_lang(me.lang);
    match order(&st.agent, id).await {
        Ok(Some(o)) if o.state == OrderState::Printed => Ok(o),
        Ok(Some(_)) => Err(page::message_page(
            StatusCode::CONFLICT,
            Some(me.chrome(t.reprint_title)),
            move |_| (t.reprint_title, t.reprint_not_printed.to_string()),
        )),
        Ok(None) => Err(page::not_found(&me.session)),
        Err(e) => Err(page::failure(&me.session, e)),
    }
}

fn reprint_page(
    me: &SignedIn,
    o: &StoredOrder,
    errors: FormErrors,
    reason: String,
    status: StatusCode,
) -> Response {
    let t = CardsText::for_lang(me.lang);
    let body = ReprintPage {
        chrome: me.chrome(t.reprint_title),
        t,
        errors,
        id: o.order_id.clone(),
        name: o.name.clone(),
        nik: masked_nik(t, &o.nik),
        intro: fill(t.reprint_intro, o.card_serial.as_deref().unwrap_or("—")),
        reason,
    };
    page::render(status, &body)
}

/// `GET /cards/{order}/reprint` (supervisors and admins).
pub async fn reprint_form(
    State(st): State<ConsoleState>,
    me: SignedIn,
    Path(id): Path<String>,
) -> Response {
    if let Err(r) = me.require(Role::can_approve) {
        return r;
    }
    match printed_order(&st, &me, &id).await {
        Ok(o) => reprint_page(
            &me,
            &o,
            FormErrors::default(),
            String::new(),
            StatusCode::OK,
        ),
        Err(r) => r,
    }
}

/// The reprint form's fields.
#[derive(Deserialize)]
pub struct ReprintForm {
    #[serde(default)]
    reason: String,
}

/// `POST /cards/{order}/reprint` (supervisors and admins).
pub async fn reprint(
    State(st): State<ConsoleState>,
    me: SignedIn,
    Path(id): Path<String>,
    Form(f): Form<ReprintForm>,
) -> Response {
    if let Err(r) = me.require(Role::can_approve) {
        return r;
    }
    let t = CardsText::for_lang(me.lang);
    let o = match printed_order(&st, &me, &id).await {
        Ok(o) => o,
        Err(r) => return r,
    };
    let reason = f.reason.trim();
    if reason.is_empty() {
        let mut errors = FormErrors::default();
        errors.push("reason", t.reprint_reason_missing);
        return reprint_page(&me, &o, errors, f.reason, StatusCode::UNPROCESSABLE_ENTITY);
    }
    match st.agent.reprint_order(&id, reason, &me.operator.id).await {
        Ok(r) => results(&st, &me, &[(o.order_id.clone(), o.name.clone())], &[r]).await,
        Err(e) => page::failure(&me.session, e),
    }
}
