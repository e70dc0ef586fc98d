//! The enrollment workflow as an explicit state machine, without I/O: the daemon feeds it captures
//! (already quality-scored) and operator decisions, and persists it between steps.
//!
//! Stages run in the order of the desk: demographics (checked on start), face (quality gate,
//! retakes, the resident's approval), signature, ten fingers (single or segmented from 4-4-2 slaps,
//! with exceptions), irises when an iris scanner is present, review, finalize. Retries are bounded
//! per capture; after the limit the best attempt is kept and marked forced.
//!
//! The operator can go back: correct the demographics, clear a capture for a retake (the stage
//! returns to the first one with something left to take), or abandon the session, which drops
//! every capture (see [`corrections`]).
//!
//! Contract: every method either changes the session consistently or returns an error naming what
//! is wrong and leaves the session unchanged. The session serializes with serde so it survives an
//! agent restart. Time comes in as arguments.

pub mod approval;
pub mod attempts;
pub mod chip;
pub mod corrections;
pub mod duplicate;
pub mod eligibility;

use std::collections::BTreeMap;

use rekam_protocol::model::{
    Applicant, Biometrics, CaptureContext, Enrollment, ExceptionReason, FaceCapture, FingerCapture,
    FingerEntry, FingerException, FingerPosition, FingerRecord, Image, IrisCapture, Irises,
    SignatureCapture, SupervisorApproval, ValidationError,
};
use rekam_protocol::{EnrollmentId, Timestamp};
use serde::{Deserialize, Serialize};
use time::Date;

pub use attempts::{Attempts, Outcome};
pub use corrections::Correction;
pub use eligibility::{Eligibility, NotEligible};

/// Limits and gates of the workflow.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    /// Attempts per capture before the best is kept as forced.
    pub max_attempts: u8,
    /// Minimum face quality (0-100).
    pub face_gate: u8,
    /// Minimum finger quality (0-100, NFIQ 2 scale).
    pub finger_gate: u8,
    /// Minimum iris quality.
    pub iris_gate: u8,
    /// Whether an iris scanner is present (irises are then required).
    pub irises: bool,
    /// Whether operators confirm sign-in (and supervisors approval) with their own finger.
    #[serde(default)]
    pub operator_fingerprint: bool,
    /// The configured election day (`[election] day`), copied in when a session starts: it lets
    /// 16-year-olds who are 17 by then record early and flags first-time voters. Not a
    /// `[policy]` key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub election_day: Option<Date>,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            max_attempts: 3,
            face_gate: 50,
            finger_gate: 40,
            iris_gate: 50,
            irises: false,
            operator_fingerprint: false,
            election_day: None,
        }
    }
}

/// Where the session is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Taking the photo, until the resident approves one.
    Face,
    /// Taking the signature.
    Signature,
    /// Taking the ten fingers.
    Fingers,
    /// Taking the irises.
    Irises,
    /// Everything captured; the operator reviews.
    Review,
    /// Sealed; nothing more may change.
    Finalized,
    /// Given up by the operator, with a reason in the audit log; its captures are dropped and
    /// nothing more may change.
    Abandoned,
}

/// Which eye.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Eye {
    /// Left eye.
    Left,
    /// Right eye.
    Right,
}

/// Refusals, each naming what is wrong.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum WorkflowError {
    /// The applicant's data is invalid.
    #[error("{0}")]
    Invalid(#[from] ValidationError),
    /// Not allowed to record yet.
    #[error("{0}")]
    NotEligible(#[from] NotEligible),
    /// The action belongs to another stage.
    #[error("cannot {action} in stage {stage:?}")]
    WrongStage {
        /// What was attempted.
        action: &'static str,
        /// The current stage.
        stage: Stage,
    },
    /// A finger already resolved.
    #[error(
        "finger {0} is already recorded; to retake it, clear it first (DELETE /v1/sessions/{{id}}/fingers/{code})",
        code = .0.code()
    )]
    FingerDone(FingerPosition),
    /// A clear of a capture that is not there.
    #[error("nothing to clear: {0}")]
    NothingToClear(String),
    /// Finalize before everything was captured.
    #[error("not complete: {0}")]
    Incomplete(String),
    /// Finalize of an enrollment with forced captures or exceptions that no supervisor approved.
    #[error(
        "a supervisor must approve this enrollment before it is finalized: {}",
        approval::describe(.0)
    )]
    ApprovalRequired(Vec<String>),
    /// An approval of an enrollment with nothing to approve.
    #[error("nothing to approve: no capture was forced and no finger is an exception")]
    NothingToApprove,
}

/// One capture's state, for display.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CaptureSummary {
    /// Score of the kept (or best so far) attempt.
    pub score: Option<u8>,
    /// Attempts so far.
    pub tries: u8,
    /// Accepted or forced: nothing more to take.
    pub done: bool,
    /// Kept below the gate after the last attempt.
    pub forced: bool,
}

/// One finger's state, for display.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum FingerSummary {
    /// Nothing yet.
    Pending,
    /// Attempts so far.
    Captured(CaptureSummary),
    /// Recorded as an exception.
    Exception {
        /// Why.
        reason: ExceptionReason,
        /// A photo of the hand is kept with it.
        photo: bool,
    },
}

/// The JSON Schema of [`Summary::fingers`]: an object whose member names are the position codes as
/// text (`"1"`-`"10"`), as JSON writes map keys.
fn fingers_schema() -> utoipa::openapi::schema::Object {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .description(Some("Fingers by ISO/IEC 19794-4 position code (1-10)"))
        .property_names(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some("^([1-9]|10)$")),
        ))
        .additional_properties(Some(<FingerSummary as utoipa::PartialSchema>::schema()))
        .build()
}

/// A session as the operator sees it.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Summary {
    /// Session (and enrollment) id.
    pub id: String,
    /// Where it is.
    pub stage: Stage,
    /// The resident's NIK.
    pub nik: String,
    /// The resident's name.
    pub full_name: String,
    /// Why the resident may record.
    pub eligibility: Eligibility,
    /// The face photo.
    pub face: CaptureSummary,
    /// Whether the resident approved the kept photo.
    pub face_approved: bool,
    /// Whether the signature is taken.
    pub signature: bool,
    /// Fingers by ISO position code (1-10).
    #[schema(schema_with = fingers_schema)]
    pub fingers: BTreeMap<u8, FingerSummary>,
    /// Fingers still to take.
    pub fingers_missing: Vec<u8>,
    /// Irises by eye.
    pub irises: BTreeMap<String, CaptureSummary>,
    /// Whether irises are required in this session.
    pub irises_required: bool,
    /// What a supervisor must approve before finalize, as reason codes (`forced_face`,
    /// `forced_finger_7`, `exception_finger_2`, `forced_iris_left`); empty when nothing was forced
    /// or excepted.
    pub needs_approval: Vec<String>,
    /// The supervisor who approved the enrollment as it is now (an approval is voided by any later
    /// capture or correction).
    pub approved_by: Option<String>,
}

/// One finger's state.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[allow(clippy::large_enum_variant)]
pub enum FingerSlot {
    /// Captures so far.
    Capturing(Attempts<FingerCapture>),
    /// Recorded as an exception.
    Exception(FingerException),
}

/// An enrollment in progress.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Session {
    /// The enrollment id.
    pub id: EnrollmentId,
    /// The policy in force when the session started.
    pub policy: Policy,
    /// Verified demographics.
    pub applicant: Applicant,
    /// Why the resident may record.
    pub eligibility: Eligibility,
    /// Where and by whom.
    pub context: CaptureContext,
    stage: Stage,
    face: Attempts<FaceCapture>,
    face_approved: bool,
    signature: Option<SignatureCapture>,
    fingers: BTreeMap<u8, FingerSlot>,
    irises: BTreeMap<String, Attempts<IrisCapture>>,
    /// Minutiae of the latest capture of each finger position, for the duplicate-finger check.
    #[serde(default)]
    finger_minutiae: BTreeMap<u8, Vec<duplicate::StoredMinutia>>,
    /// A supervisor's approval of the forced captures and exceptions, voided by any later change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    approval: Option<SupervisorApproval>,
    /// The approval the last change voided, for the service to note in its audit entry; not
    /// stored.
    #[serde(skip)]
    voided: Option<SupervisorApproval>,
}

impl Session {
    /// Starts a session: the applicant must be valid (NIK consistent with birth date and sex) and
    /// eligible on `today`.
    pub fn start(
        id: EnrollmentId,
        applicant: Applicant,
        context: CaptureContext,
        policy: Policy,
        today: Date,
    ) -> Result<Session, WorkflowError> {
        // The same rules as finalize, so bad data is refused now rather than at the end.
        applicant.validate_on(today)?;
        context.validate()?;
        let eligibility = eligibility::check_for_election(&applicant, today, policy.election_day)?;
        Ok(Session {
            id,
            policy,
            applicant,
            eligibility,
            context,
            stage: Stage::Face,
            face: Attempts::default(),
            face_approved: false,
            signature: None,
            fingers: BTreeMap::new(),
            irises: BTreeMap::new(),
            finger_minutiae: BTreeMap::new(),
            approval: None,
            voided: None,
        })
    }

    /// Whether the resident is a first-time voter at the configured election: not yet 17 on the
    /// day recording started, 17 by election day ([`eligibility::first_time_voter`]). False
    /// without an election day.
    pub fn first_time_voter(&self) -> bool {
        self.policy.election_day.is_some_and(|day| {
            eligibility::first_time_voter(
                self.applicant.date_of_birth,
                self.context.started_at.date(),
                day,
            )
        })
    }

    /// The current stage.
    pub fn stage(&self) -> Stage {
        self.stage
    }

    fn require_stage(&self, stage: Stage, action: &'static str) -> Result<(), WorkflowError> {
        if self.stage != stage {
            return Err(WorkflowError::WrongStage {
                action,
                stage: self.stage,
            });
        }
        Ok(())
    }

    /// Whether a face photo would be accepted for submission now (checked before the camera is
    /// used, so a capture out of turn is refused without taking it).
    pub fn submit_face_check(&self) -> Result<(), WorkflowError> {
        self.require_stage(Stage::Face, "take the face photo")?;
        if self.face.is_done() {
            return Err(WorkflowError::Incomplete(
                "a photo is kept; the resident must approve or reject it".into(),
            ));
        }
        Ok(())
    }

    /// Whether a signature would be accepted now.
    pub fn submit_signature_check(&self) -> Result<(), WorkflowError> {
        self.require_stage(Stage::Signature, "take the signature")
    }

    /// Whether this finger can be taken now.
    pub fn submit_finger_check(&self, position: FingerPosition) -> Result<(), WorkflowError> {
        self.require_stage(Stage::Fingers, "take a finger")?;
        if self.finger_resolved(position) {
            return Err(WorkflowError::FingerDone(position));
        }
        Ok(())
    }

    /// Whether this iris can be taken now.
    pub fn submit_iris_check(&self, eye: Eye) -> Result<(), WorkflowError> {
        self.require_stage(Stage::Irises, "take an iris")?;
        let key = format!("{eye:?}").to_lowercase();
        if self.irises.get(&key).is_some_and(Attempts::is_done) {
            return Err(WorkflowError::Incomplete(format!(
                "the {eye:?} iris is already recorded"
            )));
        }
        Ok(())
    }

    /// A face photo with its quality score.
    pub fn submit_face(&mut self, face: FaceCapture) -> Result<Outcome, WorkflowError> {
        self.require_stage(Stage::Face, "take the face photo")?;
        if self.face.is_done() {
            return Err(WorkflowError::Incomplete(
                "a photo is kept; the resident must approve or reject it".into(),
            ));
        }
        let score = face.quality.score;
        self.void_approval();
        Ok(self
            .face
            .submit(face, score, self.policy.face_gate, self.policy.max_attempts))
    }

    /// The photo kept so far (best attempt), for the desk and the resident's screen.
    pub fn kept_face(&self) -> Option<&FaceCapture> {
        self.face.kept()
    }

    /// The signature, once taken.
    pub fn kept_signature(&self) -> Option<&SignatureCapture> {
        self.signature.as_ref()
    }

    /// The resident's decision on the kept photo. A rejection starts the photo over.
    pub fn resident_approves_face(&mut self, approved: bool) -> Result<(), WorkflowError> {
        self.require_stage(Stage::Face, "approve the photo")?;
        if !self.face.is_done() {
            return Err(WorkflowError::Incomplete("no photo is kept yet".into()));
        }
        self.void_approval();
        if approved {
            self.face_approved = true;
            self.settle();
        } else {
            self.face.reset();
        }
        Ok(())
    }

    /// The signature.
    pub fn submit_signature(&mut self, signature: SignatureCapture) -> Result<(), WorkflowError> {
        self.require_stage(Stage::Signature, "take the signature")?;
        self.void_approval();
        self.signature = Some(signature);
        self.settle();
        Ok(())
    }

    /// One finger image with its quality score (a single capture or a slap segment).
    pub fn submit_finger(
        &mut self,
        position: FingerPosition,
        capture: FingerCapture,
    ) -> Result<Outcome, WorkflowError> {
        self.require_stage(Stage::Fingers, "take a finger")?;
        // (An approval stands only at review; this keeps the rule local all the same.)
        self.void_approval();
        let slot = self
            .fingers
            .entry(position.code())
            .or_insert_with(|| FingerSlot::Capturing(Attempts::default()));
        let FingerSlot::Capturing(attempts) = slot else {
            return Err(WorkflowError::FingerDone(position));
        };
        if attempts.is_done() {
            return Err(WorkflowError::FingerDone(position));
        }
        let score = capture.quality.score;
        let outcome = attempts.submit(
            capture,
            score,
            self.policy.finger_gate,
            self.policy.max_attempts,
        );
        self.advance_after_fingers();
        Ok(outcome)
    }

    /// The finger already captured (at another position) that a new print at `position` with
    /// these `minutiae` matches, if any: a hand placed twice, or one finger shown as another.
    pub fn duplicate_finger(
        &self,
        position: FingerPosition,
        minutiae: &[rekam_quality::minutiae::Minutia],
    ) -> Option<duplicate::Duplicate> {
        if minutiae.is_empty() {
            return None;
        }
        let new = rekam_quality::matching::Template::new(minutiae);
        let stored: Vec<(FingerPosition, rekam_quality::matching::Template)> = self
            .finger_minutiae
            .iter()
            .filter(|(code, _)| matches!(self.fingers.get(code), Some(FingerSlot::Capturing(_))))
            .filter_map(|(code, m)| Some((FingerPosition::new(*code)?, duplicate::template(m))))
            .collect();
        duplicate::duplicate_of(position, &new, stored.iter().map(|(p, t)| (*p, t)))
    }

    /// Keeps the minutiae of the capture just submitted for `position`, for later duplicate
    /// checks.
    pub fn remember_minutiae(
        &mut self,
        position: FingerPosition,
        minutiae: &[rekam_quality::minutiae::Minutia],
    ) {
        self.finger_minutiae.insert(
            position.code(),
            minutiae
                .iter()
                .map(duplicate::StoredMinutia::from)
                .collect(),
        );
    }

    /// The fingers segmented from one slap; the outcome per finger, in the order given.
    pub fn submit_slap(
        &mut self,
        segments: Vec<(FingerPosition, FingerCapture)>,
    ) -> Result<Vec<(FingerPosition, Outcome)>, WorkflowError> {
        self.require_stage(Stage::Fingers, "take a slap")?;
        if let Some((p, _)) = segments.iter().find(|(p, _)| self.finger_resolved(*p)) {
            return Err(WorkflowError::FingerDone(*p));
        }
        let mut out = Vec::with_capacity(segments.len());
        for (p, c) in segments {
            out.push((p, self.submit_finger(p, c)?));
        }
        Ok(out)
    }

    /// Records that a finger cannot be captured.
    pub fn finger_exception(
        &mut self,
        position: FingerPosition,
        reason: ExceptionReason,
        photo: Option<Image>,
        note: Option<String>,
    ) -> Result<(), WorkflowError> {
        self.require_stage(Stage::Fingers, "record a finger exception")?;
        if self.finger_resolved(position) {
            return Err(WorkflowError::FingerDone(position));
        }
        // Checked now by the rule finalize applies, so a bad note is refused here instead of
        // blocking the packet later.
        if let Some(n) = &note {
            rekam_protocol::model::check_text("note", n, false)?;
        }
        self.void_approval();
        self.fingers.insert(
            position.code(),
            FingerSlot::Exception(FingerException {
                reason,
                photo,
                note,
            }),
        );
        self.advance_after_fingers();
        Ok(())
    }

    fn finger_resolved(&self, p: FingerPosition) -> bool {
        match self.fingers.get(&p.code()) {
            Some(FingerSlot::Capturing(a)) => a.is_done(),
            Some(FingerSlot::Exception(_)) => true,
            None => false,
        }
    }

    /// Fingers still to record.
    pub fn fingers_missing(&self) -> Vec<FingerPosition> {
        FingerPosition::all()
            .filter(|p| !self.finger_resolved(*p))
            .collect()
    }

    fn advance_after_fingers(&mut self) {
        if self.stage == Stage::Fingers {
            self.settle();
        }
    }

    /// The first stage with something left to take, in desk order.
    fn next_stage(&self) -> Stage {
        let irises_done = self.irises.len() == 2 && self.irises.values().all(Attempts::is_done);
        if !self.face_approved {
            Stage::Face
        } else if self.signature.is_none() {
            Stage::Signature
        } else if !self.fingers_missing().is_empty() {
            Stage::Fingers
        } else if self.policy.irises && !irises_done {
            Stage::Irises
        } else {
            Stage::Review
        }
    }

    /// Moves an open session to [`Session::next_stage`]: forward after a capture, back after a
    /// capture was cleared for a retake.
    fn settle(&mut self) {
        if !matches!(self.stage, Stage::Finalized | Stage::Abandoned) {
            self.stage = self.next_stage();
        }
    }

    /// One iris image with its quality score.
    pub fn submit_iris(
        &mut self,
        eye: Eye,
        capture: IrisCapture,
    ) -> Result<Outcome, WorkflowError> {
        self.require_stage(Stage::Irises, "take an iris")?;
        self.void_approval();
        let key = format!("{eye:?}").to_lowercase();
        let attempts = self.irises.entry(key).or_default();
        if attempts.is_done() {
            return Err(WorkflowError::Incomplete(format!(
                "the {eye:?} iris is already recorded"
            )));
        }
        let score = capture.quality.score;
        let outcome = attempts.submit(
            capture,
            score,
            self.policy.iris_gate,
            self.policy.max_attempts,
        );
        self.settle();
        Ok(outcome)
    }

    /// Every image the session holds, in a fixed order (face, signature, fingers by position with
    /// exception photos, irises by eye). The store keeps their bytes apart from the session's
    /// JSON, which carries only metadata.
    pub fn images_mut(&mut self) -> Vec<&mut Image> {
        let mut v: Vec<&mut Image> = Vec::new();
        if let Some(f) = self.face.best_mut() {
            v.push(&mut f.image);
        }
        if let Some(s) = self.signature.as_mut() {
            v.push(&mut s.image);
        }
        for slot in self.fingers.values_mut() {
            match slot {
                FingerSlot::Capturing(a) => {
                    if let Some(c) = a.best_mut() {
                        v.push(&mut c.image);
                    }
                }
                FingerSlot::Exception(e) => {
                    if let Some(p) = e.photo.as_mut() {
                        v.push(p);
                    }
                }
            }
        }
        for a in self.irises.values_mut() {
            if let Some(c) = a.best_mut() {
                v.push(&mut c.image);
            }
        }
        v
    }

    /// Drops what describes the resident's body once the packet is sealed (the sealed packet
    /// keeps it): every kept image's bytes (their metadata stays) and the minutiae kept for the
    /// duplicate-finger check. The summary is unchanged.
    pub fn forget_biometrics(&mut self) {
        for img in self.images_mut() {
            img.data = Default::default();
        }
        self.finger_minutiae.clear();
    }

    /// What the operator's screen shows: the stage and every capture's state, without images.
    pub fn summary(&self) -> Summary {
        let attempt = |score: Option<u8>, tries: u8, done: bool, forced: bool| CaptureSummary {
            score,
            tries,
            done,
            forced,
        };
        let face = &self.face;
        let fingers = FingerPosition::all()
            .map(|p| {
                let state = match self.fingers.get(&p.code()) {
                    None => FingerSummary::Pending,
                    Some(FingerSlot::Capturing(a)) => FingerSummary::Captured(attempt(
                        a.kept_score(),
                        a.tries(),
                        a.is_done(),
                        a.forced(),
                    )),
                    Some(FingerSlot::Exception(e)) => FingerSummary::Exception {
                        reason: e.reason,
                        photo: e.photo.is_some(),
                    },
                };
                (p.code(), state)
            })
            .collect();
        let irises = self
            .irises
            .iter()
            .map(|(eye, a)| {
                (
                    eye.clone(),
                    attempt(a.kept_score(), a.tries(), a.is_done(), a.forced()),
                )
            })
            .collect();
        Summary {
            id: self.id.to_string(),
            stage: self.stage,
            nik: self.applicant.nik.to_string(),
            full_name: self.applicant.full_name.clone(),
            eligibility: self.eligibility,
            face: attempt(
                face.kept_score(),
                face.tries(),
                face.is_done(),
                face.forced(),
            ),
            face_approved: self.face_approved,
            signature: self.signature.is_some(),
            fingers,
            fingers_missing: self.fingers_missing().iter().map(|p| p.code()).collect(),
            irises,
            irises_required: self.policy.irises,
            needs_approval: self.needs_approval(),
            approved_by: self.approval.as_ref().map(|a| a.supervisor_id.clone()),
        }
    }

    /// Builds the enrollment for sealing; the session becomes final. Chip fingers are chosen by
    /// quality, preferring the index fingers.
    pub fn finalize(&mut self, now: Timestamp) -> Result<Enrollment, WorkflowError> {
        self.require_stage(Stage::Review, "finalize")?;
        self.require_approval()?;
        // The rules of start, again: the demographics may have been corrected since, and a birth
        // date is judged against the day the enrollment is sealed.
        self.applicant.validate_on(now.date())?;
        let mut face = self
            .face
            .kept()
            .cloned()
            .ok_or_else(|| WorkflowError::Incomplete("no face photo".into()))?;
        face.attempts = self.face.tries();
        face.forced = self.face.forced();
        face.approved_by_resident = self.face_approved;
        let signature = self
            .signature
            .clone()
            .ok_or_else(|| WorkflowError::Incomplete("no signature".into()))?;
        let mut fingers = Vec::with_capacity(10);
        for p in FingerPosition::all() {
            let record = match self.fingers.get(&p.code()) {
                Some(FingerSlot::Capturing(a)) => {
                    let mut c = a
                        .kept()
                        .cloned()
                        .ok_or_else(|| WorkflowError::Incomplete(format!("finger {p}")))?;
                    c.attempts = a.tries();
                    c.forced = a.forced();
                    FingerRecord::Captured(c)
                }
                Some(FingerSlot::Exception(e)) => FingerRecord::Exception(e.clone()),
                None => return Err(WorkflowError::Incomplete(format!("finger {p}"))),
            };
            fingers.push(FingerEntry {
                position: p,
                record,
            });
        }
        let iris = |eye: &str| self.irises.get(eye).and_then(|a| a.kept().cloned());
        let mut biometrics = Biometrics {
            fingers,
            face,
            signature,
            irises: Irises {
                left: iris("left"),
                right: iris("right"),
            },
            chip_fingers: [FingerPosition::RIGHT_INDEX, FingerPosition::LEFT_INDEX],
        };
        biometrics.chip_fingers = chip::choose_for(&biometrics, self.policy.finger_gate)
            .ok_or_else(|| {
                WorkflowError::Incomplete(
                    "fewer than two fingers captured for the card chip".into(),
                )
            })?;
        let mut context = self.context.clone();
        context.finished_at = now;
        context.supervisor_approval = self.approval.clone();
        let enrollment = Enrollment {
            id: self.id,
            applicant: self.applicant.clone(),
            context,
            biometrics,
        };
        enrollment.validate()?;
        self.stage = Stage::Finalized;
        Ok(enrollment)
    }
}
