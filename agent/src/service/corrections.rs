//! The desk's ways back: correcting demographics, clearing a capture for a retake, abandoning a
//! session, and finding the open session of a NIK so a resident is never recorded twice at once.
//!
//! Contract: as every operation of the service, each holds the desk lock and saves the session
//! with its audit entry in one transaction, or changes nothing. Audit details name what changed
//! (field names, positions, the abandon reason), never the resident's old or new values: the
//! session and the packet hold the data, the audit log only who did what when. The actor is the
//! operator acting (`by`), whoever started the session.

use rekam_protocol::Nik;
use rekam_protocol::model::{Applicant, FingerPosition};
use rekam_protocol::{Timestamp, demographics};
use serde::Serialize;
use serde_json::json;

use super::{Agent, ServiceError, resident_for};
use crate::operators::Operator;
use crate::workflow::{Correction, Eye, Session, Summary};

/// Longest abandon reason accepted, in characters (as the API's JSON Schema counts `maxLength`).
pub const MAX_REASON_CHARS: usize = 500;

/// The answer to a correction of the demographics.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct CorrectionResult {
    /// What changed.
    pub correction: Correction,
    /// The session afterwards.
    pub session: Summary,
}

/// Checks an abandon reason: required, bounded, free of control and invisible characters.
fn check_reason(reason: &str) -> Result<(), ServiceError> {
    let bad = |reason: String| ServiceError::BadField {
        field: "reason".into(),
        reason,
    };
    if reason.trim().is_empty() {
        return Err(bad("say why the session is abandoned".into()));
    }
    if reason.chars().count() > MAX_REASON_CHARS {
        return Err(bad(format!("longer than {MAX_REASON_CHARS} characters")));
    }
    if let Some(c) = reason.chars().find(|c| demographics::forbidden_in_text(*c)) {
        return Err(bad(format!(
            "contains control or invisible characters (U+{:04X})",
            u32::from(c)
        )));
    }
    Ok(())
}

impl Agent {
    /// The id of the open session (neither finalized nor abandoned) recording `nik`, other than
    /// `except`. Sessions that cannot be read back are passed over: they cannot be resumed, and
    /// must not block every later start.
    pub async fn open_session_of(
        &self,
        nik: &Nik,
        except: Option<&str>,
    ) -> Result<Option<String>, ServiceError> {
        let nik = nik.as_str().to_string();
        let except = except.map(str::to_string);
        self.with_store(move |s| {
            for id in s.open_sessions()? {
                if except.as_deref() == Some(id.as_str()) {
                    continue;
                }
                if let Ok(Some(session)) = s.load_session(&id)
                    && session.is_open()
                    && session.applicant.nik.as_str() == nik
                {
                    return Ok(Some(id));
                }
            }
            Ok(None)
        })
        .await
    }

    /// Replaces the session's demographics, checked by the rules of start; a NIK already open in
    /// another session is refused. When the change asks for another photo backdrop, the photo is
    /// dropped and the simulated devices are told who now sits down.
    pub async fn correct_applicant(
        &self,
        by: &Operator,
        id: &str,
        applicant: Applicant,
    ) -> Result<CorrectionResult, ServiceError> {
        let _desk = self.desk.lock().await;
        let mut session = self.load(id).await?;
        let actor = by.id.clone();
        let today = Timestamp::from_unix_ms((self.clock)()).date();
        if session.applicant.nik != applicant.nik
            && let Some(open) = self.open_session_of(&applicant.nik, Some(id)).await?
        {
            return Err(ServiceError::AlreadyOpen { session: open });
        }
        let resident = resident_for(&applicant);
        let correction = session.correct_applicant(applicant, today)?;
        if correction.face_retake_required {
            self.devices.present(resident).await?;
        }
        let detail = json!({
            "fields": correction.fields,
            "face_retake_required": correction.face_retake_required,
        });
        let summary = self
            .record(session, actor, "applicant.correct", detail)
            .await?;
        Ok(CorrectionResult {
            correction,
            session: summary,
        })
    }

    /// Drops the face photo for a retake.
    pub async fn clear_face(&self, by: &Operator, id: &str) -> Result<Summary, ServiceError> {
        self.clear(by, id, "clear.face", json!({}), |s| s.clear_face())
            .await
    }

    /// Drops the signature for a retake.
    pub async fn clear_signature(&self, by: &Operator, id: &str) -> Result<Summary, ServiceError> {
        self.clear(by, id, "clear.signature", json!({}), |s| {
            s.clear_signature()
        })
        .await
    }

    /// Drops a finger (captured or an exception) for a retake.
    pub async fn clear_finger(
        &self,
        by: &Operator,
        id: &str,
        position: FingerPosition,
    ) -> Result<Summary, ServiceError> {
        let detail = json!({ "position": position.code() });
        self.clear(by, id, "clear.finger", detail, move |s| {
            s.clear_finger(position)
        })
        .await
    }

    /// Drops an iris for a retake.
    pub async fn clear_iris(
        &self,
        by: &Operator,
        id: &str,
        eye: Eye,
    ) -> Result<Summary, ServiceError> {
        self.clear(by, id, "clear.iris", json!({ "eye": eye }), move |s| {
            s.clear_iris(eye)
        })
        .await
    }

    async fn clear(
        &self,
        by: &Operator,
        id: &str,
        action: &'static str,
        detail: serde_json::Value,
        op: impl FnOnce(&mut Session) -> Result<(), crate::workflow::WorkflowError>,
    ) -> Result<Summary, ServiceError> {
        let _desk = self.desk.lock().await;
        let mut session = self.load(id).await?;
        let actor = by.id.clone();
        op(&mut session)?;
        self.record(session, actor, action, detail).await
    }

    /// Gives a session up with a reason: its captures are dropped, it no longer counts as open
    /// (so its images are no longer kept for it, and its NIK may start again), and it cannot
    /// continue or finalize.
    pub async fn abandon(
        &self,
        by: &Operator,
        id: &str,
        reason: String,
    ) -> Result<Summary, ServiceError> {
        check_reason(&reason)?;
        let _desk = self.desk.lock().await;
        let mut session = self.load(id).await?;
        let actor = by.id.clone();
        session.abandon()?;
        self.record(
            session,
            actor,
            "session.abandon",
            json!({ "reason": reason }),
        )
        .await
    }
}
