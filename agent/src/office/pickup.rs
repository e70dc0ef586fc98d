//! Card pickup in person: the card goes only to the resident whose finger matches the print
//! order's chip-finger template, or, when their fingers cannot be read, on a supervisor's
//! approval after comparing the order's photo with the resident.
//!
//! Contract:
//! - [`Agent::pickup_find`] finds the order by NIK (the newest order of that NIK) or by the
//!   recording slip's QR payload (exactly the enrollment id, see `console/desk/slip.rs`), with
//!   the order's photo and the attempts so far; anything else is a `BadField` naming what it is
//!   not.
//! - [`Agent::pickup_verify`] (the first chip finger) or [`Agent::pickup_verify_finger`] (the one
//!   the operator names) hands over only a `printed` order. It takes the finger on the scanner
//!   through the capture path (NFIQ 2 and its minutiae, as the desk takes fingers); a print below
//!   the finger gate is unreadable and the other chip finger is taken instead. The print is
//!   verified 1:1 ([`rekam_quality::verify`], at `PICKUP_THRESHOLD`) against that finger's
//!   ISO/IEC 19794-2 template from the order. A match records `collected` (the order becomes
//!   `collected`: who collected it is the order's NIK, with the operator, the time and the
//!   score); a mismatch records `refused` and the order stays `printed`; both chip fingers
//!   unreadable (or no usable template: finger exceptions) records `refused` with no finger and
//!   answers `Unreadable`. After [`MAX_REFUSED_PER_DAY`] mismatches in one (console-local) day
//!   the finger is not tried again: only a supervisor's approval remains.
//! - [`Agent::pickup_approve`] checks the supervisor's password with the operator accounts (the
//!   sign-in's lockout and audit apply, and the supervisor's own finger when the policy asks for
//!   it) and their role, and approves only a `printed` order whose fingers were unreadable or
//!   that reached the refusal limit, with a note; it records `approved` (the order becomes
//!   `collected`).
//! - Every outcome is recorded with `Store::record_pickup` in one transaction with its audit
//!   entry; a device failure or a refusal to try records nothing.
//! - With simulated devices the scanner shows the synthetic person the enrollment was recorded
//!   from (seeded from the NIK, as the desk does), or a stranger when [`SimulatedPickup`] says so
//!   (tests and training).

use std::sync::atomic::{AtomicBool, Ordering};

use rekam_drivers::fingerprint::Finger;
use rekam_protocol::EnrollmentId;
use rekam_protocol::iso19794_2 as iso;
use rekam_protocol::model::Impression;
use rekam_protocol::nik::Nik;
use rekam_protocol::print_order::{Backdrop, PrintOrder};
use rekam_quality::minutiae::Minutia;
use serde_json::json;

use crate::capture;
use crate::devices::Resident;
use crate::office::stock::day_of;
use crate::service::{Agent, ServiceError, blocking, resident_seed};
use crate::store::cards::{OrderState, PickupOutcome, PickupRecord, StoredOrder};

/// Finger mismatches in one day after which only a supervisor can hand the card over.
pub const MAX_REFUSED_PER_DAY: usize = 3;

/// An order found at the pickup desk.
#[derive(Clone, Debug)]
pub struct PickupCandidate {
    /// The order as kept.
    pub order: StoredOrder,
    /// The order's photo (JPEG), for the supervisor's comparison.
    pub photo_jpeg: Vec<u8>,
    /// Earlier attempts, oldest first.
    pub attempts: Vec<PickupRecord>,
}

/// What the pickup desk decided.
#[derive(Clone, Debug, PartialEq)]
pub enum PickupVerdict {
    /// The finger matched: the card was handed over.
    HandedOver {
        /// The chip finger verified.
        finger: u8,
        /// The matcher's score.
        score: f64,
    },
    /// The finger did not match: the card stays at the office.
    Refused {
        /// The chip finger tried.
        finger: u8,
        /// The matcher's score.
        score: f64,
    },
    /// Neither chip finger could be read: a supervisor must approve with the photo.
    Unreadable {
        /// Why, in words.
        reason: String,
    },
    /// A supervisor approved the handover.
    Approved {
        /// The supervisor's id.
        supervisor: String,
    },
}

/// Who a simulated scanner shows at pickup.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PickupPerson {
    /// The resident the order's enrollment was recorded from.
    Resident,
    /// Someone else (a broker presenting their own finger).
    Stranger,
}

/// The switch for simulated pickups (default: the resident); ignored with real devices.
#[derive(Debug, Default)]
pub struct SimulatedPickup {
    stranger: AtomicBool,
}

impl SimulatedPickup {
    /// Sets who is at the scanner for the following pickups.
    pub fn set(&self, who: PickupPerson) {
        self.stranger
            .store(who == PickupPerson::Stranger, Ordering::SeqCst);
    }

    /// Who is at the scanner.
    pub fn get(&self) -> PickupPerson {
        if self.stranger.load(Ordering::SeqCst) {
            PickupPerson::Stranger
        } else {
            PickupPerson::Resident
        }
    }
}

/// The synthetic person a simulated scanner shows at the pickup of the card of `nik`.
pub fn pickup_resident(nik: &str, backdrop: Backdrop, who: PickupPerson) -> Resident {
    use rekam_sim::synth::Background;
    let seed = match who {
        PickupPerson::Resident => resident_seed(nik),
        PickupPerson::Stranger => resident_seed(&format!("stranger:{nik}")),
    };
    Resident {
        seed,
        background: match backdrop {
            Backdrop::Red => Background::Red,
            Backdrop::Blue => Background::Blue,
            Backdrop::Orange => Background::Orange,
        },
        missing: Vec::new(),
    }
}

/// What the pickup desk was given.
#[derive(Clone, Debug, PartialEq)]
pub enum PickupQuery {
    /// A NIK typed in.
    Nik(String),
    /// The slip's QR payload: the enrollment id.
    Enrollment(String),
}

/// Reads what the operator typed or scanned: a 16-digit NIK or the slip's enrollment id.
pub fn parse_query(query: &str) -> Result<PickupQuery, ServiceError> {
    let q = query.trim();
    if let Ok(id) = q.parse::<EnrollmentId>() {
        return Ok(PickupQuery::Enrollment(id.to_string()));
    }
    match Nik::parse(q) {
        Ok(nik) => Ok(PickupQuery::Nik(nik.to_string())),
        Err(e) if q.chars().all(|c| c.is_ascii_digit()) => Err(ServiceError::BadField {
            field: "query".into(),
            reason: format!("not a valid NIK: {e}"),
        }),
        Err(_) => Err(ServiceError::BadField {
            field: "query".into(),
            reason: "neither a 16-digit NIK nor the enrollment id from the slip's QR code".into(),
        }),
    }
}

/// An attempt recorded because neither chip finger could be read.
fn is_unreadable(p: &PickupRecord) -> bool {
    p.outcome == PickupOutcome::Refused && p.finger.is_none()
}

/// Finger mismatches among `attempts` on the day of `now_ms`.
fn refused_today(attempts: &[PickupRecord], now_ms: i64, offset_minutes: i32) -> usize {
    let today = day_of(now_ms, offset_minutes);
    attempts
        .iter()
        .filter(|p| {
            p.outcome == PickupOutcome::Refused
                && p.finger.is_some()
                && day_of(p.at_ms, offset_minutes) == today
        })
        .count()
}

/// Why an order cannot be handed over in its state, or `None` when it can.
fn not_ready(order: &StoredOrder) -> Option<String> {
    match order.state {
        OrderState::Printed => None,
        OrderState::Waiting => Some(format!(
            "the card of order {} is not printed yet",
            order.order_id
        )),
        OrderState::Printing => Some(format!(
            "the card of order {} is being printed",
            order.order_id
        )),
        OrderState::Collected => Some(format!(
            "the card of order {} was already collected{}",
            order.order_id,
            order
                .collected_ms
                .map(|t| format!(" at {}", rekam_protocol::Timestamp::from_unix_ms(t)))
                .unwrap_or_default()
        )),
    }
}

/// The minutiae of the order's template for chip finger `position` (empty when the template
/// holds none, as for a finger recorded as an exception).
fn chip_minutiae(order: &PrintOrder, position: u8) -> Result<Vec<Minutia>, ServiceError> {
    let i = order
        .chip_fingers
        .iter()
        .position(|c| c.position.code() == position)
        .ok_or_else(|| ServiceError::BadField {
            field: "finger".into(),
            reason: format!(
                "finger {position} is not a chip finger of this order ({} or {})",
                order.chip_fingers[0].position.code(),
                order.chip_fingers[1].position.code()
            ),
        })?;
    let damaged = |e: String| {
        ServiceError::Internal(format!("order {}: finger {position}: {e}", order.order_id))
    };
    let bytes = order.template(i).map_err(|e| damaged(e.to_string()))?;
    let record = iso::parse(&bytes).map_err(|e| damaged(e.to_string()))?;
    Ok(crate::office::templates::minutiae_of(&record))
}

/// One chip finger taken on the scanner: its verification, or why it could not be read.
enum Taken {
    Verified {
        finger: u8,
        score: f64,
        matched: bool,
    },
    Unreadable(String),
}

impl Agent {
    /// Finds the order for a NIK or the slip's QR payload, with its photo and attempts.
    pub fn pickup_find(&self, query: &str) -> Result<PickupCandidate, ServiceError> {
        let q = parse_query(query)?;
        let not_found = ServiceError::NoPrintOrder;
        let order = {
            let s = self.store_now();
            match &q {
                PickupQuery::Nik(nik) => s.print_order_by_nik(nik)?,
                PickupQuery::Enrollment(id) => {
                    // The slip's enrollment was recorded here: its NIK leads to the order;
                    // an order for it under another NIK would be found by the scan.
                    let by_nik = match s.enrollment_nik(id)? {
                        Some(nik) => s
                            .print_order_by_nik(&nik)?
                            .filter(|o| &o.enrollment_id == id),
                        None => None,
                    };
                    match by_nik {
                        Some(o) => Some(o),
                        None => s
                            .print_orders(None)?
                            .into_iter()
                            .find(|o| &o.enrollment_id == id),
                    }
                }
            }
        };
        let order = order.ok_or_else(|| {
            not_found(match &q {
                PickupQuery::Nik(n) => format!("NIK {n}"),
                PickupQuery::Enrollment(e) => format!("enrollment {e}"),
            })
        })?;
        let photo_jpeg = order
            .signed
            .print_order
            .photo()
            .map_err(|e| ServiceError::Internal(format!("order {}: {e}", order.order_id)))?;
        let id = order.order_id.clone();
        let attempts = self.store_now().pickups(&id)?;
        Ok(PickupCandidate {
            order,
            photo_jpeg,
            attempts,
        })
    }

    /// Takes the first chip finger on the scanner and hands the card over when it matches.
    pub async fn pickup_verify(
        &self,
        order_id: &str,
        operator: &str,
    ) -> Result<PickupVerdict, ServiceError> {
        self.pickup_verify_finger(order_id, operator, None).await
    }

    /// Takes chip finger `finger` (the first when `None`) on the scanner, the other one when it
    /// cannot be read, and hands the card over when it matches.
    pub async fn pickup_verify_finger(
        &self,
        order_id: &str,
        operator: &str,
        finger: Option<u8>,
    ) -> Result<PickupVerdict, ServiceError> {
        let _desk = self.desk_lock().await;
        let (order, attempts) = self.pickup_state(order_id).await?;
        if let Some(why) = not_ready(&order) {
            return Err(ServiceError::Rejected(why));
        }
        let now = (self.clock)();
        let offset = self.config.console.utc_offset_minutes;
        if refused_today(&attempts, now, offset) >= MAX_REFUSED_PER_DAY {
            return Err(ServiceError::Rejected(format!(
                "{MAX_REFUSED_PER_DAY} fingers did not match today: only a supervisor's approval can hand over this card"
            )));
        }
        let po = &order.signed.print_order;
        let chips = [
            po.chip_fingers[0].position.code(),
            po.chip_fingers[1].position.code(),
        ];
        let first = finger.unwrap_or(chips[0]);
        if !chips.contains(&first) {
            return Err(ServiceError::BadField {
                field: "finger".into(),
                reason: format!(
                    "finger {first} is not a chip finger of this order ({} or {})",
                    chips[0], chips[1]
                ),
            });
        }
        let second = if first == chips[0] {
            chips[1]
        } else {
            chips[0]
        };
        if self.config.devices.simulated {
            let who = self.simulated_pickup.get();
            self.devices
                .present_finger(pickup_resident(&order.nik, po.backdrop, who))
                .await?;
        }
        let mut unreadable = Vec::new();
        let mut verified = None;
        for position in [first, second] {
            match self.take_chip_finger(po, position).await? {
                Taken::Verified {
                    finger,
                    score,
                    matched,
                } => {
                    verified = Some((finger, score, matched));
                    break;
                }
                Taken::Unreadable(why) => unreadable.push(format!("finger {position}: {why}")),
            }
        }
        let now = (self.clock)();
        let (record, verdict, event) = match verified {
            Some((finger, score, true)) => (
                PickupRecord {
                    order_id: order.order_id.clone(),
                    at_ms: now,
                    operator: operator.to_string(),
                    outcome: PickupOutcome::Collected,
                    finger: Some(finger),
                    score: Some(score),
                    supervisor: None,
                    detail: format!(
                        "collected in person by the resident NIK {}: finger {finger} matched the order's template (score {score:.3})",
                        order.nik
                    ),
                },
                PickupVerdict::HandedOver { finger, score },
                "card.handed_over",
            ),
            Some((finger, score, false)) => (
                PickupRecord {
                    order_id: order.order_id.clone(),
                    at_ms: now,
                    operator: operator.to_string(),
                    outcome: PickupOutcome::Refused,
                    finger: Some(finger),
                    score: Some(score),
                    supervisor: None,
                    detail: format!(
                        "finger {finger} did not match the order's template (score {score:.3}, needs {})",
                        rekam_quality::verify::PICKUP_THRESHOLD
                    ),
                },
                PickupVerdict::Refused { finger, score },
                "card.pickup_refused",
            ),
            None => {
                let reason = format!(
                    "neither chip finger could be read ({}): a supervisor must approve with the photo",
                    unreadable.join("; ")
                );
                (
                    PickupRecord {
                        order_id: order.order_id.clone(),
                        at_ms: now,
                        operator: operator.to_string(),
                        outcome: PickupOutcome::Refused,
                        finger: None,
                        score: None,
                        supervisor: None,
                        detail: format!("unreadable: {reason}"),
                    },
                    PickupVerdict::Unreadable { reason },
                    "card.pickup_unreadable",
                )
            }
        };
        let kept = record.clone();
        self.with_store(move |s| Ok(s.record_pickup(&kept)?))
            .await?;
        self.emit(
            event,
            &record.order_id,
            json!({ "operator": operator, "finger": record.finger, "score": record.score }),
        );
        Ok(verdict)
    }

    /// A supervisor hands the card over without a finger match (unreadable fingers, or the
    /// refusal limit reached), having compared the order's photo with the resident.
    pub async fn pickup_approve(
        &self,
        order_id: &str,
        supervisor: &str,
        supervisor_password: &str,
        operator: &str,
        note: &str,
    ) -> Result<PickupVerdict, ServiceError> {
        let note = note.trim();
        if note.is_empty() {
            return Err(ServiceError::BadField {
                field: "note".into(),
                reason: "say how the resident was recognised (the photo comparison)".into(),
            });
        }
        let sup = self
            .sign_in(supervisor, supervisor_password)
            .await?
            .map_err(ServiceError::SupervisorSignIn)?;
        if !sup.role.can_approve() {
            return Err(ServiceError::NotASupervisor {
                id: sup.id.clone(),
                role: sup.role.as_str(),
            });
        }
        self.approval_finger(&sup).await?;
        let _desk = self.desk_lock().await;
        let (order, attempts) = self.pickup_state(order_id).await?;
        if let Some(why) = not_ready(&order) {
            return Err(ServiceError::Rejected(why));
        }
        let now = (self.clock)();
        let offset = self.config.console.utc_offset_minutes;
        let limit = refused_today(&attempts, now, offset) >= MAX_REFUSED_PER_DAY;
        if !limit && !attempts.iter().any(is_unreadable) {
            return Err(ServiceError::Rejected(
                "a supervisor approves a pickup only when the resident's chip fingers cannot be read or did not match three times today: take a chip finger first".into(),
            ));
        }
        let record = PickupRecord {
            order_id: order.order_id.clone(),
            at_ms: now,
            operator: operator.to_string(),
            outcome: PickupOutcome::Approved,
            finger: None,
            score: None,
            supervisor: Some(sup.id.clone()),
            detail: format!(
                "handed over to the resident NIK {} on {}'s approval after comparing the order's photo: {note}",
                order.nik, sup.id
            ),
        };
        let kept = record.clone();
        self.with_store(move |s| Ok(s.record_pickup(&kept)?))
            .await?;
        self.emit(
            "card.pickup_approved",
            &record.order_id,
            json!({ "operator": operator, "supervisor": sup.id }),
        );
        Ok(PickupVerdict::Approved { supervisor: sup.id })
    }

    async fn pickup_state(
        &self,
        order_id: &str,
    ) -> Result<(StoredOrder, Vec<PickupRecord>), ServiceError> {
        let id = order_id.to_string();
        self.with_store(move |s| {
            let order = s
                .print_order(&id)?
                .ok_or_else(|| ServiceError::NoPrintOrder(id.to_string()))?;
            let attempts = s.pickups(&id)?;
            Ok((order, attempts))
        })
        .await
    }

    /// Takes chip finger `position` and verifies it against the order's template.
    async fn take_chip_finger(&self, po: &PrintOrder, position: u8) -> Result<Taken, ServiceError> {
        let template = chip_minutiae(po, position)?;
        if template.is_empty() {
            return Ok(Taken::Unreadable(
                "the order holds no minutiae for it (recorded as an exception)".into(),
            ));
        }
        let finger = Finger::from_position(position).ok_or_else(|| ServiceError::BadField {
            field: "finger".into(),
            reason: format!("{position} is not a finger position 1-10"),
        })?;
        let (img, device) = self.devices.capture_finger(finger).await?;
        let gate = self.config.policy.finger_gate;
        blocking(move || {
            let scored = capture::finger(&img, &device, Impression::Plain)?;
            let quality = scored.capture.quality.score;
            if quality < gate || scored.minutiae.is_empty() {
                let advice = scored.advice.unwrap_or_default();
                return Ok(Taken::Unreadable(format!(
                    "NFIQ 2 {quality}, below the gate of {gate}. {advice}"
                )));
            }
            let v = rekam_quality::verify::verify(&template, &scored.minutiae);
            Ok(Taken::Verified {
                finger: position,
                score: v.score,
                matched: v.matched,
            })
        })
        .await?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attempt(at_ms: i64, outcome: PickupOutcome, finger: Option<u8>) -> PickupRecord {
        PickupRecord {
            order_id: "O-1".into(),
            at_ms,
            operator: "op".into(),
            outcome,
            finger,
            score: finger.map(|_| 0.01),
            supervisor: None,
            detail: String::new(),
        }
    }

    #[test]
    fn a_nik_and_a_slip_enrollment_id_are_told_apart() {
        assert_eq!(
            parse_query(" 3204011501900001 ").expect("a NIK"),
            PickupQuery::Nik("3204011501900001".into())
        );
        let id = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
        assert_eq!(
            parse_query(id).expect("an enrollment id"),
            PickupQuery::Enrollment(id.into())
        );
    }

    #[test]
    fn anything_else_is_refused_naming_what_it_is_not() {
        for bad in ["", "hello", "12345", "3204011501900001x"] {
            let e = parse_query(bad).expect_err(bad).to_string();
            assert!(e.starts_with("query: "), "{bad}: {e}");
        }
    }

    #[test]
    fn only_todays_finger_mismatches_count_toward_the_limit() {
        let day = 24 * 60 * 60 * 1000;
        let now = 10 * day + 3_600_000;
        let attempts = vec![
            attempt(9 * day + 1, PickupOutcome::Refused, Some(2)), // yesterday
            attempt(10 * day + 1, PickupOutcome::Refused, Some(2)),
            attempt(10 * day + 2, PickupOutcome::Refused, None), // unreadable
            attempt(10 * day + 3, PickupOutcome::Refused, Some(7)),
        ];
        assert_eq!(refused_today(&attempts, now, 0), 2);
        assert!(attempts.iter().any(is_unreadable));
        // At UTC+7 (WIB), 21:00 UTC the evening before is already the same local day.
        let late = vec![attempt(
            10 * day - 3 * 3_600_000,
            PickupOutcome::Refused,
            Some(2),
        )];
        assert_eq!(refused_today(&late, now, 0), 0);
        assert_eq!(refused_today(&late, now, 420), 1);
    }

    #[test]
    fn the_stranger_is_another_person_than_the_resident() {
        let nik = "3204011501900001";
        let r = pickup_resident(nik, Backdrop::Red, PickupPerson::Resident);
        let s = pickup_resident(nik, Backdrop::Red, PickupPerson::Stranger);
        assert_eq!(r.seed, resident_seed(nik));
        assert_ne!(r.seed, s.seed);
        let switch = SimulatedPickup::default();
        assert_eq!(switch.get(), PickupPerson::Resident);
        switch.set(PickupPerson::Stranger);
        assert_eq!(switch.get(), PickupPerson::Stranger);
    }
}
