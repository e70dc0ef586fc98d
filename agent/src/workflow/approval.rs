//! Supervisor approval: what the quality gates could not vouch for (a capture kept below its gate
//! after the last attempt, a finger recorded as an exception) is approved by a supervisor before
//! the enrollment may be finalized, and the approval travels in the packet's capture context.
//!
//! Contract: [`Session::needs_approval`] lists the reason codes in desk order (face, fingers by
//! position, irises left then right). An approval is given at review, for exactly what needs it
//! then; any later capture, clear or correction voids it (the supervisor approved what they saw),
//! and [`Session::finalize`] refuses while something needs approval and no approval stands. Who may
//! approve is the service's business (roles); the workflow records the supervisor's id.

use rekam_protocol::Timestamp;
use rekam_protocol::model::{FingerPosition, SupervisorApproval};

use super::{FingerSlot, Session, Stage, WorkflowError};

/// The reason codes, in words, for messages: `forced_finger_7` becomes
/// `finger 7 kept below the quality gate`.
pub fn describe(reasons: &[String]) -> String {
    reasons
        .iter()
        .map(|r| describe_one(r))
        .collect::<Vec<_>>()
        .join(", ")
}

fn describe_one(code: &str) -> String {
    if code == "forced_face" {
        return "the face photo kept below the quality gate (forced_face)".into();
    }
    if let Some(eye) = code.strip_prefix("forced_iris_") {
        return format!("the {eye} iris kept below the quality gate ({code})");
    }
    if let Some(p) = code.strip_prefix("forced_finger_") {
        return format!("finger {p} kept below the quality gate ({code})");
    }
    if let Some(p) = code.strip_prefix("exception_finger_") {
        return format!("finger {p} recorded as an exception ({code})");
    }
    code.to_string()
}

impl Session {
    /// What a supervisor must approve before finalize, as reason codes; empty when nothing was
    /// forced or excepted.
    pub fn needs_approval(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.face.is_done() && self.face.forced() {
            out.push("forced_face".to_string());
        }
        for p in FingerPosition::all() {
            match self.fingers.get(&p.code()) {
                Some(FingerSlot::Capturing(a)) if a.is_done() && a.forced() => {
                    out.push(format!("forced_finger_{}", p.code()));
                }
                Some(FingerSlot::Exception(_)) => {
                    out.push(format!("exception_finger_{}", p.code()));
                }
                _ => {}
            }
        }
        for eye in ["left", "right"] {
            if self
                .irises
                .get(eye)
                .is_some_and(|a| a.is_done() && a.forced())
            {
                out.push(format!("forced_iris_{eye}"));
            }
        }
        out
    }

    /// The fingers recorded as exceptions, by position code, with their reasons (for the
    /// figures' exception counts).
    pub fn finger_exceptions(&self) -> Vec<(u8, rekam_protocol::model::ExceptionReason)> {
        self.fingers
            .iter()
            .filter_map(|(p, slot)| match slot {
                FingerSlot::Exception(e) => Some((*p, e.reason)),
                FingerSlot::Capturing(_) => None,
            })
            .collect()
    }

    /// The approval standing now, if any.
    pub fn approval(&self) -> Option<&SupervisorApproval> {
        self.approval.as_ref()
    }

    /// The supervisor `supervisor_id` approves, at `at`, what needs approval now; returns the
    /// reason codes approved. Refused outside review and when nothing needs approval.
    pub fn approve(
        &mut self,
        supervisor_id: &str,
        at: Timestamp,
    ) -> Result<Vec<String>, WorkflowError> {
        self.require_stage(Stage::Review, "approve the enrollment")?;
        let reasons = self.needs_approval();
        if reasons.is_empty() {
            return Err(WorkflowError::NothingToApprove);
        }
        rekam_protocol::model::check_identifier("supervisor_id", supervisor_id)?;
        self.approval = Some(SupervisorApproval {
            supervisor_id: supervisor_id.to_string(),
            approved_at: at,
            reasons: reasons.clone(),
        });
        Ok(reasons)
    }

    /// Refuses while something needs approval and no approval covers it.
    pub(super) fn require_approval(&self) -> Result<(), WorkflowError> {
        let needed = self.needs_approval();
        let covered = self
            .approval
            .as_ref()
            .is_some_and(|a| needed.iter().all(|r| a.reasons.contains(r)));
        if !needed.is_empty() && !covered {
            return Err(WorkflowError::ApprovalRequired(needed));
        }
        Ok(())
    }

    /// Drops the standing approval (a change after it), keeping it aside for the audit entry.
    pub(super) fn void_approval(&mut self) {
        if let Some(a) = self.approval.take() {
            self.voided = Some(a);
        }
    }

    /// The approval the last change voided, if any (not stored: only for the change's audit
    /// entry).
    pub fn voided_approval(&self) -> Option<&SupervisorApproval> {
        self.voided.as_ref()
    }
}
