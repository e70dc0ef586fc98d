//! Card issuance at the office: the print queue (`/cards`: print one, print a selection, reprint),
//! the blank-card stock (`/cards/stock`: levels, the run-out alert, today's cards against the
//! target, batches received and the form to receive one) and pickup in person (`/cards/pickup`:
//! find the card by NIK or the slip's QR text, verify one chip finger, or a supervisor's approval
//! with the order's photo beside the live camera).
//!
//! Contract: pages for signed-in operators; a reprint and a pickup approval are supervisors' acts
//! (a reprint needs a signed-in supervisor or admin, an approval a supervisor signing in on the
//! same screen). Every change goes through the agent's card services, which keep the store and
//! the audit log; these pages only ask and show. A refused form comes back with status 422, an
//! error summary linking to the field at fault and what was typed. NIKs in lists show only their
//! last four digits; the full NIK is shown on the one card being handed over.

mod pickup;
mod queue;
mod stock;
pub mod text;

use std::time::Duration;

use axum::Router;
use axum::routing::{get, post};
use rekam_drivers::printer::Ribbon;

use self::text::CardsText;
use super::ConsoleState;
use super::desk::approval::finger_name;
use super::desk::text::DeskText;
use super::i18n::{Lang, fill, fill2};
use crate::devices::Health;
use crate::office::stock::StockLevel;
use crate::service::Agent;
use crate::service::ServiceError;
use crate::store::{OrderState, PickupRecord, StoredOrder};

/// The card pages' routes.
pub fn routes() -> Router<ConsoleState> {
    Router::new()
        .route("/cards", get(queue::page))
        .route("/cards/print", post(queue::print))
        .route(
            "/cards/{order}/reprint",
            get(queue::reprint_form).post(queue::reprint),
        )
        .route("/cards/stock", get(stock::page))
        .route("/cards/stock/receive", post(stock::receive))
        .route("/cards/pickup", get(pickup::search).post(pickup::find))
        .route("/cards/pickup/{order}", get(pickup::order_page_get))
        .route("/cards/pickup/{order}/photo.jpg", get(pickup::photo))
        .route("/cards/pickup/{order}/verify", post(pickup::verify))
        .route(
            "/cards/pickup/{order}/approval",
            get(pickup::approval_form).post(pickup::approve),
        )
}

/// A NIK as lists show it: only its last four digits.
pub fn masked_nik(t: &CardsText, nik: &str) -> String {
    let tail: String = nik
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    fill(t.nik_ending, tail)
}

/// An order's state in words.
pub fn state_name(t: &CardsText, s: OrderState) -> &'static str {
    match s {
        OrderState::Waiting => t.state_waiting,
        OrderState::Printing => t.state_printing,
        OrderState::Printed => t.state_printed,
        OrderState::Collected => t.state_collected,
    }
}

/// A finger's name (ANSI/NIST position) in `lang`.
pub fn finger(lang: Lang, code: u8) -> &'static str {
    finger_name(DeskText::for_lang(lang), code)
}

/// The run-out alert in words, when it fires (also shown on the office home page).
pub fn alert_text(t: &CardsText, level: &StockLevel) -> Option<String> {
    if level.in_stock == 0 {
        return Some(t.stock_alert_empty.to_string());
    }
    if !level.alert {
        return None;
    }
    let days = level
        .days_left
        .map_or_else(|| t.days_unknown.to_string(), days_text);
    Some(fill2(t.stock_alert, days, level.in_stock))
}

/// Days as a whole number, rounded down (a stock that lasts 6.8 days lasts 6 full days).
pub fn days_text(days: f64) -> String {
    format!("{}", days.max(0.0).floor())
}

/// The alert for the office home page, or nothing (also when the stock cannot be read: the home
/// page must not fail for it).
pub async fn home_alert(agent: &Agent, lang: Lang) -> Option<String> {
    let t = CardsText::for_lang(lang);
    match agent.card_stock() {
        Ok(level) => alert_text(t, &level),
        Err(e) => {
            tracing::debug!(error = %e, "no stock level for the home page");
            None
        }
    }
}

/// Orders in `state` (all when `None`), oldest first.
pub async fn orders(
    agent: &Agent,
    state: Option<OrderState>,
) -> Result<Vec<StoredOrder>, ServiceError> {
    agent.with_store(move |s| Ok(s.print_orders(state)?)).await
}

/// One order.
pub async fn order(agent: &Agent, id: &str) -> Result<Option<StoredOrder>, ServiceError> {
    let id = id.to_string();
    agent.with_store(move |s| Ok(s.print_order(&id)?)).await
}

/// The attempts at handing over `id`, oldest first.
pub async fn pickups(agent: &Agent, id: &str) -> Result<Vec<PickupRecord>, ServiceError> {
    let id = id.to_string();
    agent.with_store(move |s| Ok(s.pickups(&id)?)).await
}

/// The printer's state in one line.
pub struct PrinterLine {
    /// In words.
    pub text: String,
    /// `ok`, `warn` or `error`, for the tag.
    pub tone: &'static str,
}

/// Asks the printer how it is (without waiting for a job running on it).
pub async fn printer_line(agent: &Agent, t: &'static CardsText) -> Option<PrinterLine> {
    let slot = agent.devices.printer.as_ref()?;
    let busy = agent
        .devices
        .status()
        .iter()
        .any(|s| s.class == "printer" && s.health == Health::Busy);
    if busy {
        return Some(PrinterLine {
            text: t.printer_busy.to_string(),
            tone: "ok",
        });
    }
    let status = slot.run(Duration::from_secs(3), |p, _| p.status()).await;
    let line = |text: String, tone| PrinterLine { text, tone };
    Some(match status {
        Err(e) => line(fill(t.printer_unreachable, e), "error"),
        Ok(s) if s.busy => line(t.printer_busy.into(), "ok"),
        Ok(s) if s.jam => line(t.printer_jam.into(), "error"),
        Ok(s) if s.cover_open => line(t.printer_cover_open.into(), "error"),
        Ok(s) if s.feeder_empty => line(t.printer_feeder_empty.into(), "error"),
        Ok(s) if matches!(s.ribbon, Ribbon::Ended | Ribbon::Missing) => {
            line(t.printer_ribbon_out.into(), "error")
        }
        Ok(s) if s.error.is_some() => {
            line(fill(t.printer_error, s.error.unwrap_or_default()), "error")
        }
        Ok(s) if s.ribbon == Ribbon::Low => line(t.printer_ribbon_low.into(), "warn"),
        Ok(_) => line(t.printer_ready.into(), "ok"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn level(in_stock: u64, alert: bool, days_left: Option<f64>) -> StockLevel {
        StockLevel {
            in_stock,
            printed_today: 0,
            spoiled_today: 0,
            daily_rate: 50.0,
            days_left,
            alert,
            daily_target: 50,
            alert_days: 7,
        }
    }

    #[test]
    fn lists_show_only_the_last_four_digits_of_a_nik() {
        assert_eq!(masked_nik(CardsText::EN, "3273012505900001"), "ending 0001");
        assert_eq!(masked_nik(CardsText::ID, "12"), "berakhiran 12");
    }

    #[test]
    fn the_alert_names_whole_days_left_and_the_blanks_left() {
        assert_eq!(
            alert_text(CardsText::EN, &level(900, false, Some(18.0))),
            None
        );
        let a = alert_text(CardsText::EN, &level(340, true, Some(6.8)));
        assert_eq!(
            a.as_deref(),
            Some(
                "Blank cards will run out in 6 days at the current rate (340 left). Ask the \
                 province for more now."
            )
        );
        let empty = alert_text(CardsText::ID, &level(0, true, Some(0.0)));
        assert_eq!(empty.as_deref(), Some(CardsText::ID.stock_alert_empty));
    }
}
