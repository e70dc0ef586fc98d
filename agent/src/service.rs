//! The daemon's core: one desk's operations on sessions, each taking a device capture, applying
//! it to the workflow and making the result durable before answering.
//!
//! Contract: every mutating operation holds the desk lock (one operation at a time, as at a real
//! desk), loads the session from the store, and saves the new state together with its audit
//! entry in one transaction before it returns, so an answer the client saw is never lost to a
//! crash; a failed device capture changes nothing. Store work runs on the blocking pool.
//! Corrections, retakes and abandoning are in [`corrections`], supervisor approval in
//! [`approval`].
//!
//! Every operation that records something takes the acting operator first (`by`), the one signed
//! in at the console or whose API token made the request: the audit entry names `by.id`, never an
//! id the client wrote, and a session started by one operator may be continued by another.

mod approval;
mod corrections;
pub mod operator_finger;
mod tokens;

use std::sync::{Arc, Mutex, MutexGuard};

use base64::Engine as _;
use rekam_drivers::fingerprint::{Finger, Slap};
use rekam_drivers::iris::Eyes;
use rekam_drivers::{DeviceIdentity, GrayImage};
use rekam_protocol::model::{
    Applicant, CaptureContext, Citizenship, ExceptionReason, FingerPosition, Impression,
    RecordingUnit,
};
use rekam_protocol::{EnrollmentId, RegistryPublicKey, Timestamp, WorkstationSigningKey};
use rekam_quality::live::AutoCaptureRule;
use rekam_quality::segment::{SegmentOptions, SlapKind, segment};
use ring::rand::{SecureRandom, SystemRandom};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::sync::{Notify, broadcast, watch};

use crate::capture::{self, CaptureError};
use crate::config::Config;
use crate::devices::{DeviceFailure, DeviceManager, LiveFrame, Resident};
use crate::finalize::{self, FinalizeError};
use crate::operators::Operator;
use crate::store::{Store, StoreError};
use crate::workflow::{Eye, Outcome, Session, Summary, WorkflowError};

pub use corrections::{CorrectionResult, MAX_REASON_CHARS};
pub use tokens::TokenCheck;

/// Why an operation failed; the API maps each to a status.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// No such session.
    #[error("no session {0}")]
    NotFound(String),
    /// No print order for what was asked (a NIK, a slip, an order id).
    #[error("no print order for {0}")]
    NoPrintOrder(String),
    /// The workflow refused (wrong stage, invalid data, not eligible, incomplete).
    #[error(transparent)]
    Workflow(#[from] WorkflowError),
    /// A device failed; nothing was recorded.
    #[error(transparent)]
    Device(#[from] DeviceFailure),
    /// A device's output cannot be recorded.
    #[error(transparent)]
    Capture(#[from] CaptureError),
    /// Finalizing failed; the session is unchanged.
    #[error(transparent)]
    Finalize(#[from] FinalizeError),
    /// The store failed; nothing was recorded.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A bad argument, naming the field.
    #[error("{field}: {reason}")]
    BadField {
        /// The field.
        field: String,
        /// What is wrong.
        reason: String,
    },
    /// The capture does not pass its checks; nothing was recorded, take it again.
    #[error("{0}")]
    Rejected(String),
    /// The print matches a finger already taken at another position; nothing was recorded.
    #[error("{0}")]
    Duplicate(DuplicateRefusal),
    /// Another session recording the same NIK is still open.
    #[error(
        "session {session} is already open for this NIK: resume it (GET /v1/sessions/{session}) \
         or abandon it (POST /v1/sessions/{session}/abandon) first"
    )]
    AlreadyOpen {
        /// The open session's id.
        session: String,
    },
    /// Finalize of an enrollment with forced captures or finger exceptions before a supervisor
    /// approved them.
    #[error(
        "a supervisor must approve this enrollment before it is finalized: {}",
        crate::workflow::approval::describe(.reasons)
    )]
    ApprovalRequired {
        /// What needs approval (reason codes).
        reasons: Vec<String>,
    },
    /// The supervisor's sign-in for an approval was refused (wrong password, locked, disabled).
    #[error("the supervisor's sign-in was refused: {0}")]
    SupervisorSignIn(crate::operators::SignInError),
    /// An approval by someone whose role may not approve.
    #[error(
        "{id} has the role {role}, which cannot approve; a supervisor or an administrator must sign in to approve"
    )]
    NotASupervisor {
        /// Who tried.
        id: String,
        /// Their role.
        role: &'static str,
    },
    /// An internal failure (a task that could not run).
    #[error("internal error: {0}")]
    Internal(String),
}

/// Something the local API streams to clients.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Event {
    /// Milliseconds since the epoch.
    pub at_ms: i64,
    /// What happened (`session.started`, `capture`, `stage`, `finalized`, `delivered`, ...).
    pub kind: String,
    /// The session or packet concerned.
    pub subject: String,
    /// Details.
    pub detail: Value,
}

/// The body of `POST /v1/sessions`. The operator is the one acting (`by`), not a field: a
/// client-supplied `operator_id` is refused as an unknown field.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartRequest {
    /// The resident's demographics.
    pub applicant: Applicant,
    /// Where a mobile unit is recording (school, village hall, home address); required when
    /// `agent.unit` is `mobile`.
    #[serde(default)]
    pub visit_location: Option<String>,
}

/// The result of one capture.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct CaptureResult {
    /// What happened to the attempt.
    pub outcome: Outcome,
    /// The quality algorithm that scored it.
    pub algorithm: String,
    /// What to fix, when the capture has a known problem.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub advice: Option<String>,
    /// The session afterwards.
    pub session: Summary,
}

/// One finger of a slap as the operator sees it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct SlapFinger {
    /// ISO/IEC 19794-4 position.
    pub position: u8,
    /// What happened to this finger's attempt.
    pub outcome: Outcome,
    /// Where it lies in the slap image: left, top, right, bottom in pixels.
    pub bbox: [u32; 4],
    /// What to fix, when the print has a known problem.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub advice: Option<String>,
}

/// The result of one slap.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct SlapResult {
    /// `right`, `left` or `thumbs`.
    pub slap: &'static str,
    /// The fingers found and recorded, left to right on the platen.
    pub fingers: Vec<SlapFinger>,
    /// Positions asked for but not found in the image: take them singly or record an exception.
    pub not_found: Vec<u8>,
    /// The quality algorithm that scored the fingers.
    pub algorithm: String,
    /// The session afterwards.
    pub session: Summary,
}

/// The shared state of a running agent.
pub struct Agent {
    /// The configuration in force.
    pub config: Config,
    /// The devices.
    pub devices: DeviceManager,
    store: Arc<Mutex<Store>>,
    desk: tokio::sync::Mutex<()>,
    key: Arc<WorkstationSigningKey>,
    registry: RegistryPublicKey,
    events: broadcast::Sender<Event>,
    closing: watch::Sender<bool>,
    /// Woken when a packet enters the outbox.
    pub upload_wake: Arc<Notify>,
    /// The clock (milliseconds since the epoch); replaceable for tests.
    pub clock: fn() -> i64,
    /// The camera's and the scanner's live previews.
    pub previews: crate::preview::Previews,
    /// What store calls have shown about the store (for `/v1/health`).
    pub store_health: Arc<crate::health::StoreHealth>,
    /// Who a simulated scanner shows at card pickup (the order's resident or a stranger).
    pub simulated_pickup: crate::office::pickup::SimulatedPickup,
}

/// Milliseconds since the epoch from the system clock.
pub fn system_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

fn lock(store: &Mutex<Store>) -> MutexGuard<'_, Store> {
    // Each store call is one SQLite transaction: a panic mid-call rolls back, so the
    // connection behind a poisoned lock is still consistent.
    store
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Runs CPU- or disk-bound work on the blocking pool, off the reactor.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ServiceError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ServiceError::Internal(e.to_string()))
}

fn finger_of(position: FingerPosition) -> Result<Finger, ServiceError> {
    Finger::from_position(position.code()).ok_or_else(|| ServiceError::BadField {
        field: "position".into(),
        reason: format!("{} is not a finger position 1-10", position.code()),
    })
}

impl Agent {
    /// An agent over an open store and devices.
    pub fn new(
        config: Config,
        store: Store,
        devices: DeviceManager,
        key: WorkstationSigningKey,
        registry: RegistryPublicKey,
    ) -> Agent {
        let (events, _) = broadcast::channel(256);
        let closing = watch::channel(false).0;
        let previews = crate::preview::Previews::new(&devices, closing.subscribe());
        Agent {
            config,
            devices,
            store: Arc::new(Mutex::new(store)),
            desk: tokio::sync::Mutex::new(()),
            key: Arc::new(key),
            registry,
            events,
            closing,
            previews,
            upload_wake: Arc::new(Notify::new()),
            clock: system_ms,
            store_health: Arc::default(),
            simulated_pickup: Default::default(),
        }
    }

    /// Runs `f` on the store on the blocking pool.
    pub async fn with_store<T, F>(&self, f: F) -> Result<T, ServiceError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Store) -> Result<T, ServiceError> + Send + 'static,
    {
        let store = self.store.clone();
        let health = self.store_health.clone();
        blocking(move || crate::health::guarded(&mut lock(&store), &health, f)).await?
    }

    /// The store, locked, for one short call from the office modules ([`crate::office`]).
    pub(crate) fn store_now(&self) -> MutexGuard<'_, Store> {
        lock(&self.store)
    }

    /// The workstation's signing key (signs card-printed reports).
    pub(crate) fn workstation_key(&self) -> Arc<WorkstationSigningKey> {
        self.key.clone()
    }

    /// Holds the desk (one device operation at a time) for work outside this module.
    pub(crate) async fn desk_lock(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.desk.lock().await
    }

    /// Subscribes to the event stream.
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.events.subscribe()
    }

    /// Tells long-lived streams (the event stream) to end, so a graceful shutdown is not held
    /// open by a client that never hangs up.
    pub fn close(&self) {
        self.closing.send_replace(true);
    }

    /// Becomes `true` when the agent is closing.
    pub fn closing(&self) -> watch::Receiver<bool> {
        self.closing.subscribe()
    }

    /// Publishes an event (dropped when nobody listens).
    pub fn emit(&self, kind: &str, subject: &str, detail: Value) {
        let _ = self.events.send(Event {
            at_ms: (self.clock)(),
            kind: kind.into(),
            subject: subject.into(),
            detail,
        });
    }

    /// A sink for live frames that publishes each as a `kind` event with the frame's measures,
    /// `extra` fields and, when anyone listens, the frame as a PNG data URL.
    fn preview_sink(
        &self,
        kind: &str,
        subject: &str,
        extra: Value,
    ) -> Box<dyn FnMut(LiveFrame) + Send> {
        let events = self.events.clone();
        let clock = self.clock;
        let kind = kind.to_string();
        let subject = subject.to_string();
        Box::new(move |frame: LiveFrame| {
            if events.receiver_count() == 0 {
                // Nobody watches: skip the PNG encoding.
                return;
            }
            let mut detail = serde_json::to_value(frame.view()).unwrap_or(Value::Null);
            if let (Value::Object(d), Value::Object(x)) = (&mut detail, &extra) {
                d.extend(x.clone());
                let img = &frame.image;
                if let Ok(png) = capture::png(
                    img.width(),
                    img.height(),
                    png::ColorType::Grayscale,
                    img.pixels(),
                ) {
                    let b64 = base64::engine::general_purpose::STANDARD.encode(png);
                    d.insert(
                        "image".into(),
                        Value::String(format!("data:image/png;base64,{b64}")),
                    );
                }
            }
            let _ = events.send(Event {
                at_ms: clock(),
                kind: kind.clone(),
                subject: subject.clone(),
                detail,
            });
        })
    }

    async fn load(&self, id: &str) -> Result<Session, ServiceError> {
        let key = id.to_string();
        self.with_store(move |s| s.load_session(&key)?.ok_or(ServiceError::NotFound(key)))
            .await
    }

    async fn record(
        &self,
        session: Session,
        actor: String,
        action: &'static str,
        mut detail: Value,
    ) -> Result<Summary, ServiceError> {
        let now = (self.clock)();
        let summary = session.summary();
        // A change after a supervisor's approval voids it: the log says so with the change.
        if let (Some(a), Value::Object(d)) = (session.voided_approval(), &mut detail) {
            d.insert("approval_voided".into(), json!(a.supervisor_id));
        }
        let d = detail.clone();
        self.with_store(move |s| Ok(s.record_step(&session, &actor, action, d, now)?))
            .await?;
        self.emit(action, &summary.id, detail);
        Ok(summary)
    }

    /// Starts a session for a resident; tells simulated devices who sits down.
    pub async fn start(&self, by: &Operator, req: StartRequest) -> Result<Summary, ServiceError> {
        let unit = if self.config.agent.unit == "mobile" {
            let location = req
                .visit_location
                .clone()
                .filter(|l| !l.trim().is_empty())
                .ok_or_else(|| ServiceError::BadField {
                    field: "visit_location".into(),
                    reason: "a mobile unit must say where it is recording".into(),
                })?;
            RecordingUnit::Mobile {
                unit_id: self.config.agent.workstation_id.clone(),
                location,
            }
        } else {
            RecordingUnit::Office
        };
        let _desk = self.desk.lock().await;
        let now = (self.clock)();
        let mut rand = [0u8; 10];
        SystemRandom::new()
            .fill(&mut rand)
            .map_err(|_| ServiceError::Internal("the random number generator failed".into()))?;
        let id = EnrollmentId::new(now.max(0) as u64, rand);
        let c = &self.config.agent;
        let context = CaptureContext {
            workstation_id: c.workstation_id.clone(),
            site_code: c.site_code.clone(),
            operator_id: by.id.clone(),
            unit,
            position: None,
            started_at: Timestamp::from_unix_ms(now),
            finished_at: Timestamp::from_unix_ms(now),
            audit_head: None,
            supervisor_approval: None,
            visit: None,
        };
        let mut policy = self.config.policy.clone();
        policy.irises = self.devices.has_iris();
        policy.election_day = self.config.election.day;
        let today = Timestamp::from_unix_ms(now).date();
        let resident = resident_for(&req.applicant);
        let session = Session::start(id, req.applicant, context, policy, today)?;
        // One resident, one open session: a second would record them twice.
        if let Some(open) = self.open_session_of(&session.applicant.nik, None).await? {
            return Err(ServiceError::AlreadyOpen { session: open });
        }
        self.devices.present(resident).await?;
        // The NIK, and the places and unit the figures count the session under.
        let detail = crate::store::period::start_detail(&session);
        let session_id = session.id.to_string();
        let summary = self
            .record(session, by.id.clone(), "session.start", detail)
            .await?;
        // A session started during a visit counts toward the visit's enrollments started.
        self.with_store(move |s| {
            if let Some(v) = s.open_visit_now()? {
                s.note_visit_session(&session_id, v.id, now)?;
            }
            Ok(())
        })
        .await?;
        Ok(summary)
    }

    /// The session's state.
    pub async fn summary(&self, id: &str) -> Result<Summary, ServiceError> {
        Ok(self.load(id).await?.summary())
    }

    /// Every session id with its stage.
    pub async fn list(&self) -> Result<Vec<(String, String)>, ServiceError> {
        self.with_store(|s| Ok(s.list_sessions()?)).await
    }

    /// Takes a photo and submits it to the face gate.
    pub async fn capture_face(
        &self,
        by: &Operator,
        id: &str,
    ) -> Result<CaptureResult, ServiceError> {
        let _desk = self.desk.lock().await;
        let mut session = self.load(id).await?;
        // Refuse before using the camera: a capture out of stage would only be thrown away.
        session.submit_face_check()?;
        let (photo, device) = self.devices.capture_photo().await?;
        let expected = expected_backdrop(&session.applicant);
        // Face detection and the checks take tens of milliseconds: off the reactor.
        let (face, advice) = blocking(move || capture::face(&photo, &device, expected)).await??;
        let algorithm = face.quality.algorithm.clone();
        let outcome = session.submit_face(face)?;
        let actor = by.id.clone();
        let summary = self
            .record(
                session,
                actor,
                "capture.face",
                json!({ "outcome": outcome }),
            )
            .await?;
        Ok(CaptureResult {
            outcome,
            algorithm,
            advice,
            session: summary,
        })
    }

    /// The resident's decision on the kept photo.
    pub async fn approve_face(
        &self,
        by: &Operator,
        id: &str,
        approved: bool,
    ) -> Result<Summary, ServiceError> {
        let _desk = self.desk.lock().await;
        let mut session = self.load(id).await?;
        session.resident_approves_face(approved)?;
        let actor = by.id.clone();
        self.record(
            session,
            actor,
            "face.approval",
            json!({ "approved": approved }),
        )
        .await
    }

    /// Takes the signature from the pad.
    pub async fn capture_signature(
        &self,
        by: &Operator,
        id: &str,
    ) -> Result<Summary, ServiceError> {
        let _desk = self.desk.lock().await;
        let mut session = self.load(id).await?;
        session.submit_signature_check()?;
        let signer = Some(session.applicant.full_name.clone());
        let (trace, device) = self.devices.capture_signature_of(signer).await?;
        let report = capture::signature_report(&trace);
        if !report.passed {
            let advice = report
                .advice
                .map(|m| format!("{} / {}", m.id, m.en))
                .unwrap_or_else(|| "the signature does not pass the checks".into());
            return Err(ServiceError::Rejected(advice));
        }
        let sig = capture::signature(&trace, &device)?;
        let samples = trace.samples.len();
        session.submit_signature(sig)?;
        let actor = by.id.clone();
        self.record(
            session,
            actor,
            "capture.signature",
            json!({ "samples": samples }),
        )
        .await
    }

    /// Takes one finger on the scanner.
    pub async fn capture_finger(
        &self,
        by: &Operator,
        id: &str,
        position: FingerPosition,
    ) -> Result<CaptureResult, ServiceError> {
        let finger = finger_of(position)?;
        let _desk = self.desk.lock().await;
        let session = self.load(id).await?;
        session.submit_finger_check(position)?;
        let mut events =
            self.preview_sink("preview.finger", id, json!({ "position": position.code() }));
        // The console's finger preview shows the live capture's own frames while it holds the
        // scanner (its producer pauses meanwhile).
        let hub = self.previews.finger.clone();
        let sink: Box<dyn FnMut(LiveFrame) + Send> = Box::new(move |frame: LiveFrame| {
            hub.offer_gray(&frame.image);
            events(frame);
        });
        let (img, device) = self
            .devices
            .capture_finger_live(finger, AutoCaptureRule::default(), sink)
            .await?;
        // NFIQ 2, WSQ and the duplicate check take tens of milliseconds: off the reactor.
        let (scored, session) = blocking(move || {
            let scored = capture::finger(&img, &device, Impression::Plain).map(|s| {
                let dup = session.duplicate_finger(position, &s.minutiae);
                (s, dup)
            });
            (scored, session)
        })
        .await?;
        let (scored, duplicate) = scored?;
        let mut session = session;
        if let Some(d) = duplicate {
            return Err(duplicate_rejection(position, d));
        }
        let capture::ScoredFinger {
            capture: cap,
            advice,
            minutiae,
        } = scored;
        let algorithm = cap.quality.algorithm.clone();
        let outcome = session.submit_finger(position, cap)?;
        session.remember_minutiae(position, &minutiae);
        let actor = by.id.clone();
        let summary = self
            .record(
                session,
                actor,
                "capture.finger",
                json!({ "position": position.code(), "outcome": outcome }),
            )
            .await?;
        Ok(CaptureResult {
            outcome,
            algorithm,
            advice,
            session: summary,
        })
    }

    /// Takes a 4-4-2 slap (right four, left four or both thumbs), segments it into fingertips,
    /// and records each finger still to take. Fingers already recorded or excepted are declared
    /// absent to the scanner; expected fingers the segmenter cannot find stay pending.
    pub async fn capture_slap(
        &self,
        by: &Operator,
        id: &str,
        slap: Slap,
    ) -> Result<SlapResult, ServiceError> {
        let _desk = self.desk.lock().await;
        let session = self.load(id).await?;
        let open = session.fingers_missing();
        let (wanted, absent): (Vec<Finger>, Vec<Finger>) = slap
            .fingers()
            .iter()
            .partition(|f| open.iter().any(|p| p.code() == f.position()));
        let Some(first) = wanted.first() else {
            let done = position_of(slap.fingers()[0])?;
            return Err(WorkflowError::FingerDone(done).into());
        };
        session.submit_finger_check(position_of(*first)?)?;
        let (img, device) = self.devices.capture_slap(slap, absent).await?;
        let kind = slap_kind(slap);
        // Segmentation, NFIQ 2 per finger, WSQ and the duplicate checks: off the reactor.
        let (found, session) = blocking(move || {
            let found = segment_slap(&img, kind, &device, &wanted, &session);
            (found, session)
        })
        .await?;
        let found = found?;
        let mut session = session;
        let algorithm = rekam_quality::fingerprint::ALGORITHM.to_string();
        let mut minutiae = Vec::new();
        let mut segments = Vec::new();
        let mut fingers = Vec::new();
        for f in found.fingers {
            minutiae.push((f.position, f.scored.minutiae));
            segments.push((f.position, f.scored.capture));
            fingers.push((f.position, f.bbox, f.scored.advice));
        }
        let outcomes = session.submit_slap(segments)?;
        for (p, m) in &minutiae {
            session.remember_minutiae(*p, m);
        }
        let fingers: Vec<SlapFinger> = fingers
            .into_iter()
            .zip(outcomes)
            .map(|((position, bbox, advice), (_, outcome))| SlapFinger {
                position: position.code(),
                outcome,
                bbox,
                advice,
            })
            .collect();
        let name = slap_name(slap);
        let actor = by.id.clone();
        let detail = json!({
            "slap": name,
            "positions": fingers.iter().map(|f| f.position).collect::<Vec<_>>(),
            "not_found": found.not_found,
        });
        let summary = self.record(session, actor, "capture.slap", detail).await?;
        Ok(SlapResult {
            slap: name,
            fingers,
            not_found: found.not_found,
            algorithm,
            session: summary,
        })
    }

    /// Records a finger that cannot be taken.
    pub async fn finger_exception(
        &self,
        by: &Operator,
        id: &str,
        position: FingerPosition,
        reason: ExceptionReason,
        note: Option<String>,
        take_photo: bool,
    ) -> Result<Summary, ServiceError> {
        let _desk = self.desk.lock().await;
        let mut session = self.load(id).await?;
        // Refuse before using the camera: a photo out of turn would only be thrown away.
        session.submit_finger_check(position)?;
        let photo = if take_photo {
            let (photo, device) = self.devices.capture_photo().await?;
            Some(blocking(move || capture::exception_photo(&photo, &device)).await??)
        } else {
            None
        };
        let photographed = photo.is_some();
        session.finger_exception(position, reason, photo, note.clone())?;
        let actor = by.id.clone();
        self.record(
            session,
            actor,
            "finger.exception",
            json!({
                "position": position.code(),
                "reason": reason,
                "note": note,
                "photo": photographed,
            }),
        )
        .await
    }

    /// Takes one iris.
    pub async fn capture_iris(
        &self,
        by: &Operator,
        id: &str,
        eye: Eye,
    ) -> Result<CaptureResult, ServiceError> {
        let _desk = self.desk.lock().await;
        let mut session = self.load(id).await?;
        session.submit_iris_check(eye)?;
        let eyes = match eye {
            Eye::Left => Eyes::Left,
            Eye::Right => Eyes::Right,
        };
        let (img, device) = self.devices.capture_iris(eyes).await?;
        let (cap, advice) = blocking(move || capture::iris(&img, &device)).await??;
        let algorithm = cap.quality.algorithm.clone();
        let outcome = session.submit_iris(eye, cap)?;
        let actor = by.id.clone();
        let summary = self
            .record(
                session,
                actor,
                "capture.iris",
                json!({ "eye": eye, "outcome": outcome }),
            )
            .await?;
        Ok(CaptureResult {
            outcome,
            algorithm,
            advice,
            session: summary,
        })
    }

    /// Seals the reviewed session into the outbox and wakes the uploader. An enrollment with a
    /// forced capture or a finger exception is refused until a supervisor approved it
    /// ([`Agent::approve`]).
    pub async fn finalize(&self, by: &Operator, id: &str) -> Result<String, ServiceError> {
        let _desk = self.desk.lock().await;
        let session = self.load(id).await?;
        if session.stage() == crate::workflow::Stage::Review {
            let reasons = session.needs_approval();
            if !reasons.is_empty() && session.approval().is_none() {
                return Err(ServiceError::ApprovalRequired { reasons });
            }
        }
        let actor = by.id.clone();
        let key = self.key.clone();
        let registry = self.registry;
        let max = self.config.agent.max_packet_bytes;
        let now = (self.clock)();
        let packet_id = self
            .with_store(move |store| {
                let id = finalize::finalize(
                    store,
                    &session,
                    &key,
                    &registry,
                    max,
                    &actor,
                    Timestamp::from_unix_ms(now),
                    &SystemRandom::new(),
                )?;
                Ok(id.to_string())
            })
            .await?;
        self.upload_wake.notify_one();
        self.emit("finalized", id, json!({ "packet_id": packet_id }));
        Ok(packet_id)
    }
}

/// Fingers found in a slap and ready to record.
struct FoundFingers {
    fingers: Vec<FoundFinger>,
    not_found: Vec<u8>,
}

struct FoundFinger {
    position: FingerPosition,
    bbox: [u32; 4],
    scored: capture::ScoredFinger,
}

fn position_of(f: Finger) -> Result<FingerPosition, ServiceError> {
    FingerPosition::new(f.position())
        .ok_or_else(|| ServiceError::Internal(format!("{f:?} has no finger position")))
}

fn slap_kind(slap: Slap) -> SlapKind {
    match slap {
        Slap::RightFour => SlapKind::RightFour,
        Slap::LeftFour => SlapKind::LeftFour,
        Slap::Thumbs => SlapKind::Thumbs,
    }
}

fn slap_name(slap: Slap) -> &'static str {
    match slap {
        Slap::RightFour => "right",
        Slap::LeftFour => "left",
        Slap::Thumbs => "thumbs",
    }
}

/// Segments a slap and scores the fingers in `wanted`; refuses the whole slap when one of its
/// fingers matches a finger already taken at another position (the other hand placed, or this
/// hand placed twice).
fn segment_slap(
    img: &GrayImage,
    kind: SlapKind,
    device: &DeviceIdentity,
    wanted: &[Finger],
    session: &Session,
) -> Result<FoundFingers, ServiceError> {
    let view = capture::gray_view(img).map_err(|e| {
        ServiceError::Capture(CaptureError {
            device: device.to_string(),
            reason: format!("the slap image is unusable: {e}"),
        })
    })?;
    let options = SegmentOptions {
        // Each crop is scored by the capture path, which also keeps its minutiae.
        nfiq2: false,
        ..SegmentOptions::default()
    };
    let seg = segment(&view, kind, &options).map_err(|e| {
        ServiceError::Capture(CaptureError {
            device: device.to_string(),
            reason: format!("the slap cannot be segmented: {e}"),
        })
    })?;
    let mut fingers = Vec::new();
    for f in seg.fingers {
        if !wanted.iter().any(|w| w.position() == f.position) {
            continue;
        }
        let Some(position) = FingerPosition::new(f.position) else {
            continue;
        };
        let crop = GrayImage::new(f.image.width, f.image.height, img.ppi(), f.image.pixels)
            .map_err(|e| {
                ServiceError::Internal(format!("a segmented finger is not an image: {e}"))
            })?;
        let scored = capture::finger(&crop, device, Impression::SlapSegment)?;
        if let Some(d) = session.duplicate_finger(position, &scored.minutiae) {
            return Err(ServiceError::Duplicate(DuplicateRefusal {
                position,
                matches: d.position,
                similarity: d.score,
                in_slap: true,
            }));
        }
        let b = f.bbox;
        fingers.push(FoundFinger {
            position,
            bbox: [b.left, b.top, b.right, b.bottom],
            scored,
        });
    }
    let not_found = wanted
        .iter()
        .map(|w| w.position())
        .filter(|p| !fingers.iter().any(|f| f.position.code() == *p))
        .collect();
    Ok(FoundFingers { fingers, not_found })
}

/// The refusal of a print that matches a finger already taken at another position.
fn duplicate_rejection(
    position: FingerPosition,
    d: crate::workflow::duplicate::Duplicate,
) -> ServiceError {
    ServiceError::Duplicate(DuplicateRefusal {
        position,
        matches: d.position,
        similarity: d.score,
        in_slap: false,
    })
}

/// A print refused because it matches a finger already taken at another position (a hand
/// placed twice, or one finger shown as another), with the positions for the desk to name.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DuplicateRefusal {
    /// The finger asked for.
    pub position: FingerPosition,
    /// The finger already taken that the print matches.
    pub matches: FingerPosition,
    /// How alike the prints are (0..1, see `rekam_quality::matching`).
    pub similarity: f64,
    /// Refused as part of a slap (the whole slap is refused) rather than a single finger.
    pub in_slap: bool,
}

impl std::fmt::Display for DuplicateRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (p, m, s) = (self.position.code(), self.matches.code(), self.similarity);
        if self.in_slap {
            write!(
                f,
                "jari {p} pada slap ini sama dengan jari {m} yang sudah diambil; periksa tangan \
                 yang diletakkan / finger {p} of this slap matches finger {m} already taken \
                 (similarity {s:.2}): check which hand was placed"
            )
        } else {
            write!(
                f,
                "sidik jari ini sama dengan jari {m} yang sudah diambil; letakkan jari {p} / this \
                 print matches finger {m} already taken (similarity {s:.2}); place finger {p}"
            )
        }
    }
}

/// The backdrop colour the e-KTP rule asks of this resident.
fn expected_backdrop(a: &Applicant) -> Option<rekam_quality::face::BackgroundColour> {
    let foreign = matches!(a.citizenship, Citizenship::Wna { .. });
    Some(rekam_quality::face::BackgroundColour::for_resident(
        a.date_of_birth.year(),
        foreign,
    ))
}

/// The seed of the simulated person recorded for `nik` (so card pickup shows them again).
pub(crate) fn resident_seed(nik: &str) -> u64 {
    nik.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

/// Who the simulated devices should show: a person seeded from the NIK, in front of the backdrop
/// the e-KTP rule asks for.
fn resident_for(a: &Applicant) -> Resident {
    use rekam_sim::synth::Background;
    let seed = resident_seed(&a.nik.to_string());
    let background = match a.citizenship {
        Citizenship::Wna { .. } => Background::Orange,
        Citizenship::Wni if a.date_of_birth.year() % 2 == 0 => Background::Blue,
        Citizenship::Wni => Background::Red,
    };
    Resident {
        seed,
        background,
        missing: Vec::new(),
    }
}
