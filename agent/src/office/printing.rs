//! Printing print orders onto blank cards: one order, a batch, a supervisor's reprint, and the
//! resolution at start of a card a crash left in the printer.
//!
//! Contract: one print run at a time per process. For each card, in this order:
//! 1. the printer must be ready (else nothing is taken: the order is not printed and a batch
//!    stops, with the printer's reason);
//! 2. the next blank (lowest unused serial of the oldest batch; none: "no blank cards in
//!    stock") is recorded `printing` with the order, before any device is touched;
//! 3. the chip is written through the card encoder ([`rekam_drivers::encoder`], "rekam chip
//!    v1": serial, order, NIK, name, photo digest, the two chip-finger templates) and read back;
//!    it must read back byte for byte;
//! 4. the panels are sent; once the printer has taken them the blank is marked submitted, and
//!    the printer is watched until the card is out;
//! 5. success: the blank `printed`, the order `printed` with the serial, the card-printed report
//!    signed with the workstation key (naming the card it replaces, on a reprint) queued for the registry and the audit entry, in one
//!    transaction ([`crate::store::Store::complete_card`]).
//!
//! Any failure after step 2 (a chip that fails or reads back wrong, a refused job, a jam, a fault,
//! a printer that does not finish in [`JOB_LIMIT`]) records that blank `spoiled` with the reason
//! and the order waits again. A jammed card is ejected to the reject tray. Then, in a print run,
//! if the printer is ready again the same order is tried once more on the next blank (the
//! result names both serials) and the run goes on; if it is not (cover open, feeder empty, ribbon
//! ended, a fault) the run stops with the reason, and every order after it is reported not
//! printed with that reason (no blank taken). Encoder failures other than a bad chip
//! (disconnected, no card at the station) also stop the run.
//!
//! Crash recovery: every print run first resolves blanks left `printing` by reading back the chip
//! of the card at the encoder: the chip holds this blank's serial and order and the printer had
//! taken its panels -> completed as printed; the chip holds it but the panels were never taken
//! (the face may be blank) or the chip holds anything else -> spoiled ("interrupted"), and the
//! order waits to be printed on a new blank. An unreadable encoder leaves the
//! blank `printing` (its order cannot be printed meanwhile), so a card is never printed twice.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use rekam_drivers::ErrorKind;
use rekam_drivers::encoder::{ChipData, ChipFingerRecord};
use rekam_drivers::printer::{PrintJob, PrinterStatus, Ribbon};
use rekam_protocol::Timestamp;
use rekam_protocol::model::check_identifier;
use rekam_protocol::print_order::{CardPrinted, PrintOrder, SignedCardPrinted};
use ring::rand::SystemRandom;
use serde::Serialize;
use serde_json::json;

use crate::devices::DeviceFailure;
use crate::service::{Agent, ServiceError};
use crate::store::{OrderState, Store, StoreError};

/// The longest a card may take in the printer before it is cancelled and spoiled.
pub const JOB_LIMIT: Duration = Duration::from_secs(120);

/// What became of one order sent to the printer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PrintResult {
    /// The order.
    pub order_id: String,
    /// What happened.
    pub outcome: PrintOutcome,
}

/// How printing one order ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum PrintOutcome {
    /// Printed and read back on blank `serial`.
    Printed {
        /// The blank's serial.
        serial: String,
    },
    /// Blank `serial` was spoiled; the order waits, or was then printed on `reprinted_on`.
    Spoiled {
        /// The spoiled blank.
        serial: String,
        /// Why.
        reason: String,
        /// The blank the order was then printed on, if it was.
        reprinted_on: Option<String>,
    },
    /// Not printed, no blank used.
    NotPrinted {
        /// Why.
        reason: String,
    },
}

/// One attempt at one card.
enum Attempt {
    Printed(String),
    Spoiled {
        serial: String,
        reason: String,
        /// The run cannot go on (the reason why), whatever the printer says.
        stop: Option<String>,
    },
    NotPrinted {
        reason: String,
        /// The run cannot go on.
        stop: bool,
    },
}

/// One print run at a time in this process (one printer per workstation).
fn run_lock() -> &'static tokio::sync::Mutex<()> {
    static LOCK: OnceLock<tokio::sync::Mutex<()>> = OnceLock::new();
    LOCK.get_or_init(|| tokio::sync::Mutex::new(()))
}

/// Why a printer that is not ready cannot print, in the operator's words.
pub fn not_ready_reason(s: &PrinterStatus) -> String {
    let mut why = Vec::new();
    if s.jam {
        why.push("a card is jammed: open the printer and clear it".to_string());
    }
    if let Some(e) = &s.error {
        why.push(format!("the printer reports a fault: {e}"));
    }
    if s.cover_open {
        why.push("the printer's cover is open: close it".to_string());
    }
    if s.feeder_empty {
        why.push("the printer's feeder is empty: load blank cards".to_string());
    }
    match s.ribbon {
        Ribbon::Ended => why.push("the ribbon is used up: fit a new one".to_string()),
        Ribbon::Missing => why.push("no usable ribbon is fitted".to_string()),
        Ribbon::Ok | Ribbon::Low => {}
    }
    if s.busy && why.is_empty() {
        why.push("the printer is busy with another card".to_string());
    }
    if why.is_empty() {
        why.push("the printer is not ready".to_string());
    }
    why.join("; ")
}

/// What goes on the chip of the card for `order` on blank `serial`.
pub fn chip_data(order: &PrintOrder, serial: &str) -> Result<ChipData, String> {
    let photo = order.photo().map_err(|e| e.to_string())?;
    let digest = ring::digest::digest(&ring::digest::SHA256, &photo);
    let mut photo_sha256 = [0u8; 32];
    photo_sha256.copy_from_slice(digest.as_ref());
    let finger = |i: usize| -> Result<ChipFingerRecord, String> {
        Ok(ChipFingerRecord {
            position: order.chip_fingers[i].position.code(),
            template: order.template(i).map_err(|e| e.to_string())?,
        })
    };
    Ok(ChipData {
        card_serial: serial.to_string(),
        order_id: order.order_id.clone(),
        nik: order.card.nik.clone(),
        name: order.card.name.clone(),
        photo_sha256,
        fingers: [finger(0)?, finger(1)?],
    })
}

/// The print job of `order` for a printer with `panel`-sized panels.
fn job_of(
    order: &PrintOrder,
    panel: rekam_drivers::identity::ImageSize,
) -> Result<PrintJob, String> {
    // The e-KTP front from the card renderer, fitted to this printer's panels.
    super::print_job::print_job_for_panel(order, panel).map_err(|e| e.to_string())
}

impl Agent {
    /// Prints `order_ids` in order (one, or a batch), as `operator`; see the module's contract
    /// for what happens on a jam, an open cover or an empty stock.
    pub async fn print_orders_now(
        &self,
        order_ids: &[String],
        operator: &str,
    ) -> Result<Vec<PrintResult>, ServiceError> {
        check_operator(operator)?;
        let _run = run_lock().lock().await;
        self.recover_interrupted_cards().await?;
        let mut results = Vec::with_capacity(order_ids.len());
        let mut stopped: Option<String> = None;
        for id in order_ids {
            if let Some(why) = &stopped {
                results.push(PrintResult {
                    order_id: id.clone(),
                    outcome: PrintOutcome::NotPrinted {
                        reason: format!("not printed: the run stopped ({why})"),
                    },
                });
                continue;
            }
            let (outcome, stop) = self.print_with_retry(id, operator).await?;
            stopped = stop;
            results.push(PrintResult {
                order_id: id.clone(),
                outcome,
            });
        }
        Ok(results)
    }

    /// A supervisor's reprint of a printed (not collected) card: the earlier card is recorded
    /// spoiled for `reason` and the order printed on a new blank. Nothing is spoiled when the
    /// printer is not ready or no blank is left.
    pub async fn reprint_order(
        &self,
        order_id: &str,
        reason: &str,
        operator: &str,
    ) -> Result<PrintResult, ServiceError> {
        check_operator(operator)?;
        let id = operator.to_string();
        let who = self.store(move |s| s.operator(&id)).await?;
        match who {
            None => return Err(ServiceError::NotFound(format!("no operator {operator}"))),
            Some(o) if !o.role.can_approve() => {
                return Err(ServiceError::NotASupervisor {
                    id: o.id,
                    role: o.role.as_str(),
                });
            }
            Some(_) => {}
        }
        let _run = run_lock().lock().await;
        self.recover_interrupted_cards().await?;
        let not_printed = |reason: String| PrintResult {
            order_id: order_id.to_string(),
            outcome: PrintOutcome::NotPrinted { reason },
        };
        if let Some(why) = self.printer_not_ready().await? {
            return Ok(not_printed(why));
        }
        let now = (self.clock)();
        let (o, r, by) = (
            order_id.to_string(),
            reason.to_string(),
            operator.to_string(),
        );
        let old = self
            .store(move |s| s.void_printed_card(&o, &r, &by, now))
            .await?;
        self.emit(
            "card.spoiled",
            order_id,
            json!({ "serial": old, "reason": reason }),
        );
        let (outcome, _) = self.print_with_retry(order_id, operator).await?;
        Ok(PrintResult {
            order_id: order_id.to_string(),
            outcome: match outcome {
                PrintOutcome::Printed { serial } => PrintOutcome::Spoiled {
                    serial: old,
                    reason: format!("reprinted: {reason}"),
                    reprinted_on: Some(serial),
                },
                other => other,
            },
        })
    }

    /// Resolves blanks a crash left `printing` by reading back the chip of the card at the
    /// encoder (see the module's contract); returns what became of each.
    pub async fn recover_interrupted_cards(&self) -> Result<Vec<PrintResult>, ServiceError> {
        let left: Vec<(String, String, String)> = self
            .store(|s| s.blanks_printing())
            .await?
            .into_iter()
            .filter_map(|b| Some((b.serial, b.order_id?, b.operator)))
            .collect();
        if left.is_empty() {
            return Ok(Vec::new());
        }
        let Some(encoder) = self.devices.encoder.clone() else {
            tracing::warn!(
                "blank cards were left in the printer by an interruption, and no card encoder is configured to read them back; they stay recorded as printing"
            );
            return Ok(Vec::new());
        };
        let chip = match encoder.run(self.devices.timeout(), |e, _| e.read()).await {
            Ok(chip) => chip,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read back the card left in the printer; it stays recorded as printing");
                return Ok(Vec::new());
            }
        };
        let data = chip.decode().ok();
        let mut out = Vec::new();
        for (serial, order_id, operator) in left {
            let now = (self.clock)();
            let holds = data
                .as_ref()
                .is_some_and(|d| d.card_serial == serial && d.order_id == order_id);
            let s_ = serial.clone();
            let submitted = self.store(move |s| s.blank_submitted(&s_)).await?;
            let outcome = if holds && submitted {
                self.complete(&serial, &order_id, &operator, "system", now)
                    .await?;
                PrintOutcome::Printed {
                    serial: serial.clone(),
                }
            } else {
                let reason = if holds {
                    "interrupted: rekam stopped after writing the chip but before the printer took the card, so its face may be blank; destroy it".to_string()
                } else {
                    "interrupted: rekam stopped while the card was in the printer, and its chip does not hold this order".to_string()
                };
                self.spoil(&serial, &order_id, "system", &reason).await?;
                PrintOutcome::Spoiled {
                    serial: serial.clone(),
                    reason,
                    reprinted_on: None,
                }
            };
            out.push(PrintResult { order_id, outcome });
        }
        Ok(out)
    }

    /// One order, tried once more on a new blank when its card is spoiled and the printer is
    /// ready again; the outcome and why the run must stop, if it must.
    async fn print_with_retry(
        &self,
        order_id: &str,
        operator: &str,
    ) -> Result<(PrintOutcome, Option<String>), ServiceError> {
        let mut first_spoiled: Option<(String, String)> = None;
        loop {
            match self.print_once(order_id, operator).await? {
                Attempt::Printed(serial) => {
                    let outcome = match first_spoiled {
                        Some((spoiled, reason)) => PrintOutcome::Spoiled {
                            serial: spoiled,
                            reason,
                            reprinted_on: Some(serial),
                        },
                        None => PrintOutcome::Printed { serial },
                    };
                    return Ok((outcome, None));
                }
                Attempt::NotPrinted { reason, stop } => {
                    let stop = stop.then(|| reason.clone());
                    let outcome = match first_spoiled {
                        Some((serial, first)) => PrintOutcome::Spoiled {
                            serial,
                            reason: format!("{first}; not printed again: {reason}"),
                            reprinted_on: None,
                        },
                        None => PrintOutcome::NotPrinted { reason },
                    };
                    return Ok((outcome, stop));
                }
                Attempt::Spoiled {
                    serial,
                    reason,
                    stop,
                } => {
                    let stop = match stop {
                        Some(why) => Some(why),
                        None => self.printer_not_ready().await?,
                    };
                    if stop.is_some() || first_spoiled.is_some() {
                        return Ok((
                            PrintOutcome::Spoiled {
                                serial,
                                reason,
                                reprinted_on: None,
                            },
                            stop,
                        ));
                    }
                    first_spoiled = Some((serial, reason));
                }
            }
        }
    }

    /// Runs one store call on the blocking pool.
    async fn store<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, ServiceError> {
        self.with_store(move |s| Ok(f(s)?)).await
    }

    /// Records blank `serial` of `order_id` spoiled for `reason`.
    async fn spoil(
        &self,
        serial: &str,
        order_id: &str,
        actor: &str,
        reason: &str,
    ) -> Result<(), ServiceError> {
        let now = (self.clock)();
        let (s_, r_, a_) = (serial.to_string(), reason.to_string(), actor.to_string());
        self.store(move |s| s.spoil_blank(&s_, &r_, &a_, now))
            .await?;
        self.emit(
            "card.spoiled",
            order_id,
            json!({ "serial": serial, "reason": reason }),
        );
        Ok(())
    }

    /// Why the printer cannot take a card now (none: it can).
    async fn printer_not_ready(&self) -> Result<Option<String>, ServiceError> {
        let Some(printer) = self.devices.printer.clone() else {
            return Ok(Some("this workstation has no card printer".into()));
        };
        Ok(
            match printer.run(self.devices.timeout(), |p, _| p.status()).await {
                Ok(s) if s.is_ready() => None,
                Ok(s) => Some(not_ready_reason(&s)),
                Err(e) => Some(format!("the printer does not answer: {e}")),
            },
        )
    }

    async fn print_once(&self, order_id: &str, operator: &str) -> Result<Attempt, ServiceError> {
        let not_printed = |reason: String, stop: bool| Ok(Attempt::NotPrinted { reason, stop });
        let (Some(printer), Some(encoder)) =
            (self.devices.printer.clone(), self.devices.encoder.clone())
        else {
            return not_printed(
                "this workstation has no card printer with a chip encoder".into(),
                true,
            );
        };
        let t = self.devices.timeout();
        if let Some(why) = self.printer_not_ready().await? {
            return not_printed(why, true);
        }
        let id = order_id.to_string();
        let Some(order) = self.store(move |s| s.print_order(&id)).await? else {
            return not_printed(format!("no print order {order_id}"), false);
        };
        if order.state != OrderState::Waiting {
            return not_printed(
                format!("the order is {}, not waiting", order.state.as_str()),
                false,
            );
        }
        let panel = match printer.run(t, |p, _| Ok(p.capabilities().panel)).await {
            Ok(p) => p,
            Err(e) => return not_printed(format!("the printer does not answer: {e}"), true),
        };
        let po = order.signed.print_order.clone();
        let job = crate::service::blocking(move || job_of(&po, panel)).await?;
        let job = match job {
            Ok(j) => j,
            Err(e) => return not_printed(format!("the order cannot be printed: {e}"), false),
        };
        // Checked before a blank is taken, so a printed card always gets its chip.
        if let Err(e) = chip_data(&order.signed.print_order, "KTP-000000") {
            return not_printed(format!("the order's chip data is unusable: {e}"), false);
        }
        let now = (self.clock)();
        let (id, by) = (order_id.to_string(), operator.to_string());
        let Some(serial) = self.store(move |s| s.take_blank(&id, &by, now)).await? else {
            return not_printed("no blank cards in stock".into(), true);
        };
        self.emit("card.printing", order_id, json!({ "serial": serial }));
        // Records the blank spoiled and ends this attempt.
        macro_rules! spoil {
            ($reason:expr, $stop:expr $(,)?) => {{
                let reason: String = $reason;
                self.spoil(&serial, order_id, operator, &reason).await?;
                return Ok(Attempt::Spoiled {
                    serial: serial.clone(),
                    reason,
                    stop: $stop,
                });
            }};
        }
        // The chip, then its read-back.
        let chip = match chip_data(&order.signed.print_order, &serial)
            .and_then(|d| d.encode().map_err(|e| e.to_string()))
        {
            Ok(c) => c,
            Err(e) => spoil!(format!("the chip data cannot be encoded: {e}"), None),
        };
        let written = chip.clone();
        if let Err(e) = encoder.run(t, move |d, _| d.write(&written)).await {
            let stop = (e.kind != ErrorKind::HardwareFault).then(|| encoder_stop(&e));
            spoil!(format!("the chip could not be written: {e}"), stop)
        }
        match encoder.run(t, |d, _| d.read()).await {
            Ok(back) if back == chip => {}
            Ok(_) => {
                spoil!(
                    "the chip read back differs from what was written".into(),
                    None,
                )
            }
            Err(e) => {
                let stop = (e.kind != ErrorKind::HardwareFault).then(|| encoder_stop(&e));
                spoil!(format!("the chip could not be read back: {e}"), stop)
            }
        }
        // The panels.
        if let Err(e) = printer.run(t, move |p, _| p.print(&job)).await {
            spoil!(format!("the printer refused the card: {e}"), None)
        }
        // Recorded after the printer took the job: a crash before this leaves a card whose chip
        // is written but whose face may be blank, which recovery spoils rather than hands out.
        let (s_, now) = (serial.clone(), (self.clock)());
        self.store(move |s| s.mark_blank_submitted(&s_, now))
            .await?;
        let started = Instant::now();
        let mut pause = Duration::from_millis(5);
        loop {
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_millis(250));
            let status = match printer.run(t, |p, _| p.status()).await {
                Ok(s) => s,
                Err(e)
                    if matches!(e.kind, ErrorKind::Busy | ErrorKind::Timeout)
                        && started.elapsed() <= JOB_LIMIT =>
                {
                    continue;
                }
                Err(e) => {
                    spoil!(
                        format!("the printer stopped answering while printing: {e}"),
                        Some(format!("the printer does not answer: {e}")),
                    )
                }
            };
            if status.jam {
                // Out to the reject tray, so the next card can go.
                let _ = printer.run(t, |p, _| p.eject()).await;
                spoil!("card jam".into(), None)
            }
            if let Some(fault) = &status.error {
                spoil!(format!("the printer reports a fault: {fault}"), None)
            }
            if !status.busy {
                break;
            }
            if started.elapsed() > JOB_LIMIT {
                let _ = printer.run(t, |p, _| p.cancel()).await;
                spoil!(
                    format!(
                        "the printer did not finish the card within {} s",
                        JOB_LIMIT.as_secs()
                    ),
                    None,
                )
            }
        }
        self.complete(&serial, order_id, operator, operator, (self.clock)())
            .await?;
        Ok(Attempt::Printed(serial))
    }

    /// Records the card on `serial` printed for `order_id` by `operator` (audited as `actor`),
    /// with its signed report.
    async fn complete(
        &self,
        serial: &str,
        order_id: &str,
        operator: &str,
        actor: &str,
        now: i64,
    ) -> Result<(), ServiceError> {
        let id = order_id.to_string();
        let order = self
            .store(move |s| s.print_order(&id))
            .await?
            .ok_or_else(|| ServiceError::NoPrintOrder(order_id.to_string()))?;
        // A reprint names the card it replaces, so the registry records the new card instead of
        // refusing it as a second one.
        let id = order_id.to_string();
        let replaces = self
            .store(move |s| s.card_report(&id))
            .await?
            .and_then(|bytes| SignedCardPrinted::parse(&bytes).ok())
            .map(|earlier| earlier.card_printed.card_serial)
            .filter(|earlier| earlier != serial);
        let report = CardPrinted {
            order_id: order_id.to_string(),
            enrollment_id: order.enrollment_id.clone(),
            office: self.config.agent.site_code.clone(),
            workstation_id: self.config.agent.workstation_id.clone(),
            operator_id: operator.to_string(),
            card_serial: serial.to_string(),
            printed_at: Timestamp::from_unix_ms(now),
            replaces,
        }
        .sign(&self.workstation_key(), &SystemRandom::new())
        .map_err(|e| ServiceError::Internal(format!("signing the card-printed report: {e}")))?;
        let (serial_, json, actor) = (serial.to_string(), report.to_json(), actor.to_string());
        self.store(move |s| s.complete_card(&serial_, &json, &actor, now))
            .await?;
        self.emit("card.printed", order_id, json!({ "serial": serial }));
        Ok(())
    }
}

/// Why a failing encoder stops the run.
fn encoder_stop(e: &DeviceFailure) -> String {
    format!("the card encoder cannot be used: {e}")
}

/// Operator ids go into signed reports: 1-64 of `A-Z a-z 0-9 . _ -`.
fn check_operator(operator: &str) -> Result<(), ServiceError> {
    check_identifier("operator", operator).map_err(|e| ServiceError::BadField {
        field: "operator".into(),
        reason: e.to_string(),
    })
}
