//! The simulated registry's print orders: issued for accepted packets, served to the office that
//! recorded them, closed by the office's signed card-printed report.
//!
//! - Issue: when a packet is accepted and a [`CardMedia`] hook is configured, an order is made at
//!   once (card text from the applicant, backdrop, the hook's card photo and chip templates, the
//!   signature PNG) and signed with the receipt key, `issued_at` = acceptance + `print_delay_ms`;
//!   it is served from that time on. Its id is `PO-` and the first 16 hex digits of the packet id.
//!   The office is the enrollment's `context.site_code`; the issue place is the applicant's
//!   regency and the issue date `issued_at`'s date (UTC).
//! - `GET /v1/offices/{office}/print-orders[?after=ORDER_ID]`: `200 {"print_orders": [...]}`, the
//!   office's due orders not yet acknowledged, oldest first, at most [`PAGE`] per answer, those
//!   issued after `after` when given (an unknown `after` gives the first page).
//! - `PUT /v1/print-orders/{order_id}/printed` with a `SignedCardPrinted`: `201` and a signed
//!   `SignedPrintAck` the first time; `200` and the same ack for the same card again (the office
//!   lost the answer); `201` and a new ack for a reprint (a report whose `replaces` names the
//!   card recorded so far, which the new card then replaces); `409` and a signed
//!   `SignedPrintRefusal` (code `already_printed`) for any other card; `422` (unsigned error) for a report that does not parse or verify, names
//!   another order than the path, or another office or enrollment than the order; `404` for an
//!   order not issued (or not yet due).
//!
//! Contract: orders stay in memory; a printed order is never served again; every answer is JSON.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rekam_protocol::Timestamp;
use rekam_protocol::card_text::card_date;
use rekam_protocol::model::{FaceCapture, FingerCapture, FingerPosition};
use rekam_protocol::packet::OpenedPacket;
use rekam_protocol::print_order::{
    Backdrop, CardText, ChipFinger, PrintAck, PrintOrder, PrintRefusal, SignedCardPrinted,
    SignedPrintAck, SignedPrintOrder,
};
use ring::rand::SystemRandom;
use serde::Deserialize;

use super::{Answer, Registry, now};

/// The most orders one answer carries (each holds a photo: tens of kilobytes).
pub const PAGE: usize = 16;

/// Makes what a print order carries besides text: the sim crate knows no minutiae extractor or
/// face detector, so the caller (the agent's `rekam sim registry`) plugs them in.
pub trait CardMedia: Send + Sync {
    /// The ISO/IEC 19794-2:2005 minutiae record of the finger at `position`.
    fn template(&self, position: FingerPosition, finger: &FingerCapture)
    -> Result<Vec<u8>, String>;
    /// The card photo (JPEG, at most `print_order::MAX_PHOTO_BYTES`) from the enrolled face.
    fn card_photo(&self, face: &FaceCapture) -> Result<Vec<u8>, String>;
}

/// One issued order and what the office reported.
struct Issued {
    signed: SignedPrintOrder,
    due_ms: i64,
    printed: Option<SignedPrintAck>,
}

/// The registry's print orders (in memory).
#[derive(Default)]
pub struct PrintDesk {
    orders: HashMap<String, Issued>,
    /// Order ids in issue order.
    sequence: Vec<String>,
    /// Why orders could not be made, by enrollment id.
    failures: Vec<(String, String)>,
}

#[derive(Deserialize)]
pub(super) struct Page {
    after: Option<String>,
}

impl Registry {
    /// Makes and keeps the print order of an accepted packet (nothing without a hook).
    pub(super) fn issue_print_order(&self, opened: &OpenedPacket, packet_id: &str, now: Timestamp) {
        let Some(media) = self.config.card_media.clone() else {
            return;
        };
        let due_ms = now
            .unix_ms()
            .saturating_add(i64::try_from(self.config.print_delay_ms).unwrap_or(i64::MAX));
        let made = self.make_order(&*media, opened, packet_id, Timestamp::from_unix_ms(due_ms));
        let mut inner = self.lock();
        match made {
            Ok(signed) => {
                let id = signed.print_order.order_id.clone();
                inner.stats.print_orders_issued += 1;
                inner.prints.sequence.push(id.clone());
                inner.prints.orders.insert(
                    id,
                    Issued {
                        signed,
                        due_ms,
                        printed: None,
                    },
                );
            }
            Err(why) => {
                inner.stats.print_orders_failed += 1;
                inner
                    .prints
                    .failures
                    .push((opened.enrollment.id.to_string(), why));
            }
        }
    }

    fn make_order(
        &self,
        media: &dyn CardMedia,
        opened: &OpenedPacket,
        packet_id: &str,
        issued_at: Timestamp,
    ) -> Result<SignedPrintOrder, String> {
        let e = &opened.enrollment;
        let a = &e.applicant;
        let mut chip = Vec::with_capacity(2);
        for position in e.biometrics.chip_fingers {
            let finger = e
                .biometrics
                .finger(position)
                .ok_or_else(|| format!("chip finger {position} was not captured"))?;
            let template = media
                .template(position, finger)
                .map_err(|why| format!("template of finger {position}: {why}"))?;
            chip.push(ChipFinger {
                position,
                template: STANDARD.encode(template),
            });
        }
        let chip_fingers: [ChipFinger; 2] = chip
            .try_into()
            .map_err(|_| "an enrollment has two chip fingers".to_string())?;
        let photo = media
            .card_photo(&e.biometrics.face)
            .map_err(|why| format!("card photo: {why}"))?;
        let order = PrintOrder {
            order_id: format!("PO-{}", packet_id.get(..16).unwrap_or(packet_id)),
            registry_id: self.config.registry_id.clone(),
            office: e.context.site_code.clone(),
            enrollment_id: e.id.to_string(),
            packet_id: packet_id.to_string(),
            issued_at,
            card: CardText::of_applicant(a, &a.address.regency, &card_date(issued_at.date())),
            backdrop: Backdrop::of_applicant(a),
            photo: STANDARD.encode(photo),
            signature: STANDARD.encode(e.biometrics.signature.image.data.bytes()),
            chip_fingers,
        };
        // What the office will refuse is not issued: the failure is counted instead.
        order.validate().map_err(|err| err.to_string())?;
        order
            .sign(&self.config.receipt_key, &SystemRandom::new())
            .map_err(|err| err.to_string())
    }

    /// Why print orders could not be made: (enrollment id, reason), oldest first.
    pub fn print_failures(&self) -> Vec<(String, String)> {
        self.lock().prints.failures.clone()
    }

    /// The print order issued for an order id, due or not.
    pub fn print_order(&self, order_id: &str) -> Option<SignedPrintOrder> {
        self.lock()
            .prints
            .orders
            .get(order_id)
            .map(|i| i.signed.clone())
    }

    /// `office`'s orders due at `now_ms` and not yet printed, oldest first, at most [`PAGE`],
    /// issued after `after` when it names an order.
    pub fn orders_for(
        &self,
        office: &str,
        after: Option<&str>,
        now_ms: i64,
    ) -> Vec<SignedPrintOrder> {
        let inner = self.lock();
        let desk = &inner.prints;
        let start = after
            .and_then(|a| desk.sequence.iter().position(|id| id == a))
            .map_or(0, |i| i + 1);
        desk.sequence[start.min(desk.sequence.len())..]
            .iter()
            .filter_map(|id| desk.orders.get(id))
            .filter(|i| {
                i.signed.print_order.office == office && i.due_ms <= now_ms && i.printed.is_none()
            })
            .take(PAGE)
            .map(|i| i.signed.clone())
            .collect()
    }

    /// Takes a card-printed report for `order_id` (the logic behind the PUT), at `now`.
    pub fn report_printed(&self, order_id: &str, body: &[u8], now: Timestamp) -> Answer {
        let unprocessable =
            |kind: &str, why: String| Answer::error(StatusCode::UNPROCESSABLE_ENTITY, kind, &why);
        let signed = match SignedCardPrinted::parse(body) {
            Ok(s) => s,
            Err(e) => return unprocessable("malformed", e.to_string()),
        };
        let report = match signed.verify(&self.config.trust) {
            Ok(r) => r.clone(),
            Err(e) => return unprocessable("report_not_verified", e.to_string()),
        };
        if report.order_id != order_id {
            return unprocessable(
                "wrong_order",
                format!(
                    "the report is for order {:?}, the path names {order_id:?}",
                    report.order_id
                ),
            );
        }
        let mut inner = self.lock();
        let Some(issued) = inner
            .prints
            .orders
            .get_mut(order_id)
            .filter(|i| i.due_ms <= now.unix_ms())
        else {
            return Answer::error(
                StatusCode::NOT_FOUND,
                "not_found",
                &format!("no print order {order_id:?} has been issued"),
            );
        };
        let order = &issued.signed.print_order;
        if report.office != order.office || report.enrollment_id != order.enrollment_id {
            return unprocessable(
                "wrong_order",
                format!(
                    "the report names office {:?} and enrollment {:?}; order {order_id} is office {:?}'s for enrollment {:?}",
                    report.office, report.enrollment_id, order.office, order.enrollment_id
                ),
            );
        }
        let reprint = issued.printed.as_ref().is_some_and(|ack| {
            report.replaces.as_deref() == Some(ack.print_ack.card_serial.as_str())
        });
        if let Some(ack) = issued.printed.as_ref().filter(|_| !reprint) {
            if ack.print_ack.card_serial == report.card_serial {
                return Answer::json(StatusCode::OK, ack.to_json());
            }
            let refusal = PrintRefusal {
                order_id: order_id.to_string(),
                card_serial: report.card_serial.clone(),
                registry_id: self.config.registry_id.clone(),
                code: "already_printed".into(),
                reason: format!(
                    "order {order_id} is recorded as printed on card {}; a second card is not issued",
                    ack.print_ack.card_serial
                ),
                refused_at: now,
            };
            return match refusal.sign(&self.config.receipt_key, &SystemRandom::new()) {
                Ok(signed) => {
                    inner.stats.cards_refused += 1;
                    Answer::json(StatusCode::CONFLICT, signed.to_json())
                }
                Err(e) => {
                    Answer::error(StatusCode::INTERNAL_SERVER_ERROR, "signing", &e.to_string())
                }
            };
        }
        let ack = PrintAck {
            order_id: order_id.to_string(),
            card_serial: report.card_serial,
            registry_id: self.config.registry_id.clone(),
            recorded_at: now,
        };
        match ack.sign(&self.config.receipt_key, &SystemRandom::new()) {
            Ok(signed) => {
                issued.printed = Some(signed.clone());
                inner.stats.cards_printed += 1;
                Answer::json(StatusCode::CREATED, signed.to_json())
            }
            Err(e) => Answer::error(StatusCode::INTERNAL_SERVER_ERROR, "signing", &e.to_string()),
        }
    }
}

pub(super) async fn get_orders(
    State(reg): State<Registry>,
    Path(office): Path<String>,
    Query(page): Query<Page>,
) -> Answer {
    let orders = reg.orders_for(&office, page.after.as_deref(), now().unix_ms());
    let mut body = br#"{"print_orders":["#.to_vec();
    for (i, o) in orders.iter().enumerate() {
        if i > 0 {
            body.push(b',');
        }
        body.extend_from_slice(&o.to_json());
    }
    body.extend_from_slice(b"]}");
    Answer::json(StatusCode::OK, body)
}

pub(super) async fn put_printed(
    State(reg): State<Registry>,
    Path(order_id): Path<String>,
    body: Bytes,
) -> Answer {
    // Verifying the workstation's signature costs little: no need to leave the reactor.
    reg.report_printed(&order_id, &body, now())
}
