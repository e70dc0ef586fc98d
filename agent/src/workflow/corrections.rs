//! Going back at the desk: correcting the demographics before finalize, clearing a capture for a
//! retake, and abandoning a session.
//!
//! Contract: like the rest of the workflow, each operation either changes the session
//! consistently or refuses with the session unchanged, and none is allowed once the session is
//! finalized or abandoned. A cleared capture is dropped (the best attempt and its count) and the
//! stage goes back to the first one with something left to take. A correction is validated by
//! the same rules as start ([`Applicant::validate_on`] and eligibility); when it changes the
//! photo backdrop the e-KTP rule asks for (red for an odd birth year, blue for an even one,
//! orange for a foreign resident), the photo taken against the old backdrop is dropped and must
//! be retaken, because a card cannot be printed from it. Abandoning drops every capture, so an
//! abandoned session holds no biometrics. Every change voids a supervisor's approval
//! ([`super::approval`]): the supervisor approved what they saw.

use rekam_protocol::model::{Applicant, Citizenship, FingerPosition};
use rekam_quality::face::BackgroundColour;
use serde::Serialize;
use serde_json::Value;
use time::Date;

use super::{Eye, Session, Stage, WorkflowError, eligibility};

/// What a correction of the demographics changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Correction {
    /// Dotted names of the fields whose value changed (`applicant.address.rt`); never the
    /// values, so the audit log does not become a second copy of the resident's data.
    pub fields: Vec<String>,
    /// The kept or approved photo was dropped because the backdrop it was taken against is no
    /// longer the one the e-KTP rule asks for: the face must be retaken and approved again.
    pub face_retake_required: bool,
}

/// The backdrop colour the e-KTP rule asks of a resident.
pub fn backdrop(a: &Applicant) -> BackgroundColour {
    let foreign = matches!(a.citizenship, Citizenship::Wna { .. });
    BackgroundColour::for_resident(a.date_of_birth.year(), foreign)
}

impl Session {
    fn require_open(&self, action: &'static str) -> Result<(), WorkflowError> {
        if matches!(self.stage, Stage::Finalized | Stage::Abandoned) {
            return Err(WorkflowError::WrongStage {
                action,
                stage: self.stage,
            });
        }
        Ok(())
    }

    /// Replaces the demographics with `applicant` (a full replacement), checked by the rules of
    /// start as of `today`. Refused, with the session unchanged, when the new data is invalid or
    /// makes the resident not eligible.
    pub fn correct_applicant(
        &mut self,
        applicant: Applicant,
        today: Date,
    ) -> Result<Correction, WorkflowError> {
        self.require_open("correct the demographics")?;
        applicant.validate_on(today)?;
        let eligibility =
            eligibility::check_for_election(&applicant, today, self.policy.election_day)?;
        let fields = changed_fields(&self.applicant, &applicant);
        let photo_taken = self.face.tries() > 0 || self.face_approved;
        let face_retake_required = photo_taken && backdrop(&self.applicant) != backdrop(&applicant);
        self.void_approval();
        self.applicant = applicant;
        self.eligibility = eligibility;
        if face_retake_required {
            self.face.reset();
            self.face_approved = false;
            self.settle();
        }
        Ok(Correction {
            fields,
            face_retake_required,
        })
    }

    /// Drops the face photo (kept, approved or attempts so far) for a retake.
    pub fn clear_face(&mut self) -> Result<(), WorkflowError> {
        self.require_open("clear the face photo")?;
        if self.face.tries() == 0 {
            return Err(WorkflowError::NothingToClear(
                "no face photo is taken".into(),
            ));
        }
        self.void_approval();
        self.face.reset();
        self.face_approved = false;
        self.settle();
        Ok(())
    }

    /// Drops the signature for a retake.
    pub fn clear_signature(&mut self) -> Result<(), WorkflowError> {
        self.require_open("clear the signature")?;
        if self.signature.is_none() {
            return Err(WorkflowError::NothingToClear(
                "no signature is taken".into(),
            ));
        }
        self.void_approval();
        self.signature = None;
        self.settle();
        Ok(())
    }

    /// Drops a finger, captured or recorded as an exception, for a retake.
    pub fn clear_finger(&mut self, position: FingerPosition) -> Result<(), WorkflowError> {
        self.require_open("clear a finger")?;
        if self.fingers.remove(&position.code()).is_none() {
            return Err(WorkflowError::NothingToClear(format!(
                "finger {position} is not recorded"
            )));
        }
        self.void_approval();
        self.finger_minutiae.remove(&position.code());
        self.settle();
        Ok(())
    }

    /// Drops an iris for a retake.
    pub fn clear_iris(&mut self, eye: Eye) -> Result<(), WorkflowError> {
        self.require_open("clear an iris")?;
        let key = format!("{eye:?}").to_lowercase();
        if self.irises.remove(&key).is_none() {
            return Err(WorkflowError::NothingToClear(format!(
                "the {key} iris is not taken"
            )));
        }
        self.void_approval();
        self.settle();
        Ok(())
    }

    /// Gives the session up: every capture is dropped and nothing more may change. The reason
    /// belongs in the audit entry.
    pub fn abandon(&mut self) -> Result<(), WorkflowError> {
        self.require_open("abandon the session")?;
        self.void_approval();
        self.face.reset();
        self.face_approved = false;
        self.signature = None;
        self.fingers.clear();
        self.irises.clear();
        self.finger_minutiae.clear();
        self.stage = Stage::Abandoned;
        Ok(())
    }

    /// Whether the session is still being recorded (neither finalized nor abandoned).
    pub fn is_open(&self) -> bool {
        !matches!(self.stage, Stage::Finalized | Stage::Abandoned)
    }
}

/// The dotted paths (`applicant.address.rt`) of the leaves that differ between two applicants.
fn changed_fields(old: &Applicant, new: &Applicant) -> Vec<String> {
    let mut out = Vec::new();
    match (serde_json::to_value(old), serde_json::to_value(new)) {
        (Ok(a), Ok(b)) => diff("applicant", &a, &b, &mut out),
        // Serializing plain data does not fail; if it ever did, say the whole record changed.
        _ => out.push("applicant".into()),
    }
    out
}

fn diff(path: &str, a: &Value, b: &Value, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                let (va, vb) = (
                    x.get(k).unwrap_or(&Value::Null),
                    y.get(k).unwrap_or(&Value::Null),
                );
                diff(&format!("{path}.{k}"), va, vb, out);
            }
        }
        _ if a != b => out.push(path.to_string()),
        _ => {}
    }
}
