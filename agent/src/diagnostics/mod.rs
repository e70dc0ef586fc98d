//! Technician diagnostics: every device of the kit tested on the daemon's own device manager
//! (or one built the same way), each check measured against a stated limit, with the pictures it
//! took; and camera calibration (exposure compensation and white balance set until the backdrop
//! measures right).
//!
//! Contract: [`run`] never panics and never steals a device: a device whose slot is busy (an
//! enrollment's capture holds it) is reported busy and not tested. Every check carries its
//! measured value, its limit and its result (`pass`, `fail`, or `skipped` when the device lacks
//! the feature, e.g. a scanner without live preview); a device passes when none of its checks
//! fails, a run when every device passes. A failing device operation is a failed check naming
//! the device's words, never an error of the run. The report is written by [`report`].

mod calibrate;
mod camera;
pub mod colour;
mod fingerprint;
mod iris;
mod pad;

pub use pad::targets as pad_targets;
mod printer;
pub mod report;

use std::future::Future;
use std::time::{Duration, Instant};

use rekam_drivers::ErrorKind;
use rekam_quality::face::BackgroundColour;
use serde::Serialize;

use crate::devices::{DeviceFailure, DeviceManager, Health, Identified, IdentityView, Slot};

pub use calibrate::Calibration;

/// A device class a test can be asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Class {
    /// The fingerprint scanner.
    Fingerprint,
    /// The face camera.
    Camera,
    /// The signature pad.
    SignaturePad,
    /// The iris scanner.
    Iris,
    /// The card printer.
    Printer,
}

impl Class {
    /// Every class, in the order a report lists them.
    pub const ALL: [Class; 5] = [
        Class::Fingerprint,
        Class::Camera,
        Class::SignaturePad,
        Class::Iris,
        Class::Printer,
    ];

    /// The name on the command line and in reports (`signature-pad`).
    pub fn name(self) -> &'static str {
        match self {
            Class::Fingerprint => "fingerprint",
            Class::Camera => "camera",
            Class::SignaturePad => "signature-pad",
            Class::Iris => "iris",
            Class::Printer => "printer",
        }
    }

    /// From its name (the device manager's `signature_pad` is accepted too).
    pub fn parse(s: &str) -> Option<Class> {
        Class::ALL
            .into_iter()
            .find(|c| c.name() == s || (s == "signature_pad" && *c == Class::SignaturePad))
    }

    /// A device's words for it, in English.
    pub fn title(self) -> &'static str {
        match self {
            Class::Fingerprint => "Fingerprint scanner",
            Class::Camera => "Camera",
            Class::SignaturePad => "Signature pad",
            Class::Iris => "Iris scanner",
            Class::Printer => "Card printer",
        }
    }
}

/// A check's outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Within the limit.
    Pass,
    /// Outside the limit, or the operation failed.
    Fail,
    /// Not measured: the device lacks the feature.
    Skipped,
}

/// The limit a check is held to.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Limit {
    /// The value must not exceed `max`.
    AtMost {
        /// Largest passing value.
        max: f64,
    },
    /// The value must reach `min`.
    AtLeast {
        /// Smallest passing value.
        min: f64,
    },
    /// The value must lie within `min..=max`.
    Within {
        /// Smallest passing value.
        min: f64,
        /// Largest passing value.
        max: f64,
    },
    /// A state the device must be in, in words.
    State {
        /// The state required.
        required: String,
    },
}

impl Limit {
    /// The limit in words, e.g. `≤ 10 ΔE`.
    pub fn text(&self, unit: &str) -> String {
        let unit = if unit.is_empty() {
            String::new()
        } else {
            format!(" {unit}")
        };
        match self {
            Limit::AtMost { max } => format!("≤ {}{unit}", number(*max)),
            Limit::AtLeast { min } => format!("≥ {}{unit}", number(*min)),
            Limit::Within { min, max } if min == max => format!("= {}{unit}", number(*min)),
            Limit::Within { min, max } => format!("{} – {}{unit}", number(*min), number(*max)),
            Limit::State { required } => required.clone(),
        }
    }

    fn passes(&self, v: f64) -> bool {
        match self {
            Limit::AtMost { max } => v <= *max,
            Limit::AtLeast { min } => v >= *min,
            Limit::Within { min, max } => (*min..=*max).contains(&v),
            Limit::State { .. } => false,
        }
    }
}

/// A number as reports show it: integers plainly, others with up to two decimals.
pub fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e12 {
        format!("{v:.0}")
    } else if v.abs() >= 100.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// One measured check.
#[derive(Clone, Debug, Serialize)]
pub struct Check {
    /// Stable id, e.g. `blank_uniformity`.
    pub id: &'static str,
    /// What is measured, in English.
    pub label: String,
    /// The measured value, when the check measures a number.
    pub value: Option<f64>,
    /// The measurement in words (the state seen, or the value with its unit).
    pub measured: String,
    /// Unit of `value` (empty when none).
    pub unit: &'static str,
    /// The limit.
    pub limit: Limit,
    /// The limit in words.
    pub limit_text: String,
    /// Pass, fail or skipped.
    pub outcome: Outcome,
    /// Why it failed or was skipped, or what it means.
    pub note: Option<String>,
}

impl Check {
    /// A numeric check of `value` against `limit`.
    pub fn measure(
        id: &'static str,
        label: &str,
        value: f64,
        unit: &'static str,
        limit: Limit,
    ) -> Check {
        let ok = value.is_finite() && limit.passes(value);
        let measured = if unit.is_empty() {
            number(value)
        } else {
            format!("{} {unit}", number(value))
        };
        Check {
            id,
            label: label.into(),
            value: Some(value),
            measured,
            unit,
            limit_text: limit.text(unit),
            limit,
            outcome: if ok { Outcome::Pass } else { Outcome::Fail },
            note: None,
        }
    }

    /// A state check: `seen` passes when `ok`.
    pub fn state(id: &'static str, label: &str, seen: &str, required: &str, ok: bool) -> Check {
        Check {
            id,
            label: label.into(),
            value: None,
            measured: seen.into(),
            unit: "",
            limit: Limit::State {
                required: required.into(),
            },
            limit_text: required.into(),
            outcome: if ok { Outcome::Pass } else { Outcome::Fail },
            note: None,
        }
    }

    /// A check that could not be measured because the device operation failed: a failure, or
    /// skipped when the device does not offer the operation.
    pub fn failed_operation(
        id: &'static str,
        label: &str,
        limit: Limit,
        unit: &'static str,
        e: &DeviceFailure,
    ) -> Check {
        let skipped = e.kind == ErrorKind::Unsupported;
        Check {
            id,
            label: label.into(),
            value: None,
            measured: if skipped {
                "not offered by this device".into()
            } else {
                format!("{}: {}", e.kind, e.message)
            },
            unit,
            limit_text: limit.text(unit),
            limit,
            outcome: if skipped {
                Outcome::Skipped
            } else {
                Outcome::Fail
            },
            note: Some(e.to_string()),
        }
    }

    /// With an explanatory note.
    pub fn with_note(mut self, note: impl Into<String>) -> Check {
        self.note = Some(note.into());
        self
    }
}

/// A picture a test took, written beside the report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Picture {
    /// File name beside the report (`camera-still.jpg`).
    pub file: String,
    /// What it shows.
    pub caption: String,
    /// The file's bytes (written by the report, not serialized).
    #[serde(skip)]
    pub bytes: Vec<u8>,
}

/// One device's part of a report.
#[derive(Clone, Debug, Serialize)]
pub struct DeviceReport {
    /// Which class.
    pub class: Class,
    /// Vendor, model, serial and firmware, once it answered.
    pub identity: Option<IdentityView>,
    /// Where it is attached.
    pub location: Option<String>,
    /// Whether the workstation has this device at all.
    pub present: bool,
    /// Refused because an operation (an enrollment's capture) held it.
    pub busy: bool,
    /// The checks, in the order they ran.
    pub checks: Vec<Check>,
    /// Pictures taken.
    pub pictures: Vec<Picture>,
    /// Camera calibration, when asked for.
    pub calibration: Option<Calibration>,
    /// Whether no check failed (and the device was there and free).
    pub passed: bool,
}

impl DeviceReport {
    fn new(class: Class) -> Self {
        DeviceReport {
            class,
            identity: None,
            location: None,
            present: true,
            busy: false,
            checks: Vec::new(),
            pictures: Vec::new(),
            calibration: None,
            passed: false,
        }
    }

    fn push(&mut self, c: Check) {
        self.checks.push(c);
    }

    fn picture(&mut self, file: &str, caption: &str, bytes: Vec<u8>) {
        self.pictures.push(Picture {
            file: file.into(),
            caption: caption.into(),
            bytes,
        });
    }

    fn finish(mut self) -> Self {
        self.passed = self.present
            && !self.busy
            && self.checks.iter().all(|c| c.outcome != Outcome::Fail)
            && self.calibration.as_ref().is_none_or(|c| c.passed);
        self
    }
}

/// A whole run.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// Format of this document.
    pub format: &'static str,
    /// The workstation tested.
    pub workstation_id: String,
    /// When the run started (RFC 3339, UTC).
    pub started_at: String,
    /// When it started (Unix ms).
    pub started_ms: i64,
    /// How long it took, ms.
    pub duration_ms: u64,
    /// Who ran it (`cli:USER`, or the technician signed in at the console).
    pub actor: String,
    /// Whether the devices were the simulated kit.
    pub simulated: bool,
    /// The rekam version.
    pub rekam_version: &'static str,
    /// The devices tested.
    pub devices: Vec<DeviceReport>,
    /// Whether every device passed.
    pub passed: bool,
}

impl Report {
    /// Failed checks as `class: check (measured; limit)`, for summaries and the audit log.
    pub fn failures(&self) -> Vec<String> {
        let mut out = Vec::new();
        for d in &self.devices {
            if !d.present && !d.passed {
                out.push(format!("{}: not attached", d.class.name()));
            } else if d.busy {
                out.push(format!("{}: busy, not tested", d.class.name()));
            }
            for c in d.checks.iter().filter(|c| c.outcome == Outcome::Fail) {
                out.push(format!(
                    "{}: {} ({}; limit {})",
                    d.class.name(),
                    c.id,
                    c.measured,
                    c.limit_text
                ));
            }
            if let Some(cal) = d.calibration.as_ref().filter(|c| !c.passed) {
                out.push(format!("{}: calibration ({})", d.class.name(), cal.outcome));
            }
        }
        out
    }
}

/// What to run.
#[derive(Clone, Debug)]
pub struct Options {
    /// The classes to test (all when empty).
    pub classes: Vec<Class>,
    /// Calibrate the camera before testing it.
    pub calibrate: bool,
    /// The backdrop the camera should see; `None`: the e-KTP colour nearest what it sees.
    pub backdrop: Option<BackgroundColour>,
    /// Workstation id for the report.
    pub workstation_id: String,
    /// Who runs it.
    pub actor: String,
    /// Whether the devices are simulated.
    pub simulated: bool,
    /// The clock (Unix ms).
    pub now_ms: i64,
}

/// Runs the tests on `devices` and returns the report (pictures held in memory).
pub async fn run(devices: &DeviceManager, options: &Options) -> Report {
    let started = Instant::now();
    let classes = if options.classes.is_empty() {
        Class::ALL.to_vec()
    } else {
        options.classes.clone()
    };
    let asked = !options.classes.is_empty();
    let mut reports = Vec::new();
    for class in classes {
        let r = match class {
            Class::Fingerprint => {
                guarded(class, &devices.fingerprint, |s| {
                    fingerprint::test(s.clone(), devices.timeout())
                })
                .await
            }
            Class::Camera => {
                guarded(class, &devices.camera, |s| {
                    camera::test(s.clone(), devices.timeout(), options)
                })
                .await
            }
            Class::SignaturePad => {
                guarded(class, &devices.pad, |s| {
                    pad::test(s.clone(), devices.timeout())
                })
                .await
            }
            Class::Iris => match &devices.iris {
                Some(slot) => {
                    guarded(class, slot, |s| iris::test(s.clone(), devices.timeout())).await
                }
                None => absent(class),
            },
            Class::Printer => match &devices.printer {
                Some(slot) => {
                    guarded(class, slot, |s| printer::test(s.clone(), devices.timeout())).await
                }
                None => absent(class),
            },
        };
        let mut r = r.finish();
        if !r.present && !asked {
            // A kit without this class is complete; only asking for it makes its absence fail.
            r.passed = true;
        }
        reports.push(r);
    }
    let passed = reports.iter().all(|d| d.passed);
    Report {
        format: "rekam-devices-test/1",
        workstation_id: options.workstation_id.clone(),
        started_at: rfc3339(options.now_ms),
        started_ms: options.now_ms,
        duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        actor: options.actor.clone(),
        simulated: options.simulated,
        rekam_version: env!("CARGO_PKG_VERSION"),
        devices: reports,
        passed,
    }
}

/// A class the workstation has no device of: reported, and failing only if it was asked for.
fn absent(class: Class) -> DeviceReport {
    let mut r = DeviceReport::new(class);
    r.present = false;
    r
}

/// Unix ms as RFC 3339 UTC.
pub fn rfc3339(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| ms.to_string())
}

/// Refuses a busy device; otherwise runs `test`, then the open/close check, on it.
async fn guarded<'a, D, F, Fut>(class: Class, slot: &'a Slot<D>, test: F) -> DeviceReport
where
    D: ?Sized + Identified + Send + 'static,
    F: FnOnce(&'a Slot<D>) -> Fut,
    Fut: Future<Output = DeviceReport>,
{
    if slot.status().health == Health::Busy {
        let mut r = DeviceReport::new(class);
        r.busy = true;
        return r;
    }
    let mut r = DeviceReport::new(class);
    // Open and close first: the checks that follow (and a calibration) then run on the device
    // as it stays open for the daemon.
    let open = open_close(slot).await;
    match open {
        Ok((id, ms, reopen_ms)) => {
            r.location = Some(id.location.clone());
            r.identity = Some(IdentityView::from(&id));
            r.push(Check::measure(
                "open",
                "Open (close, then open again)",
                ms,
                "ms",
                Limit::AtMost { max: 5000.0 },
            ));
            r.push(Check::measure(
                "reopen",
                "Reopen after close",
                reopen_ms,
                "ms",
                Limit::AtMost { max: 5000.0 },
            ));
        }
        Err(e) if e.kind == ErrorKind::Busy => {
            r.busy = true;
            return r;
        }
        Err(e) => {
            r.push(Check::failed_operation(
                "open",
                "Open (close, then open again)",
                Limit::AtMost { max: 5000.0 },
                "ms",
                &e,
            ));
            return r;
        }
    }
    let tested = test(slot).await;
    if tested.busy {
        r.busy = true;
    }
    r.checks.extend(tested.checks);
    r.pictures.extend(tested.pictures);
    r.calibration = tested.calibration;
    r
}

/// Closes the device, opens it (timed), closes and opens it again (timed): both opens must work.
async fn open_close<D: ?Sized + Identified + Send + 'static>(
    slot: &Slot<D>,
) -> Result<(rekam_drivers::DeviceIdentity, f64, f64), DeviceFailure> {
    let deadline = Duration::from_secs(10);
    let mut times = [0.0; 2];
    let mut identity = None;
    for t in &mut times {
        if slot.status().health == Health::Busy {
            return Err(DeviceFailure::new(
                "device",
                ErrorKind::Busy,
                "in use by an enrollment",
            ));
        }
        slot.close("closed by a device test");
        let started = Instant::now();
        identity = Some(slot.run(deadline, |d, _| Ok(d.identity())).await?);
        *t = started.elapsed().as_secs_f64() * 1000.0;
    }
    let id =
        identity.ok_or_else(|| DeviceFailure::new("device", ErrorKind::NotReady, "not opened"))?;
    Ok((id, times[0], times[1]))
}

/// Milliseconds since `t`.
fn ms_since(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

/// Whether a failure means the slot was held by someone else.
fn is_busy(e: &DeviceFailure) -> bool {
    e.kind == ErrorKind::Busy
}
