//! The operator's own finger as a second factor (`[policy] operator_fingerprint`).
//!
//! Contract: [`take_operator_finger`] takes one finger on the configured scanner (with simulated
//! devices, the scanner first shows a synthetic person seeded from the operator's id, so the
//! same operator's finger matches later and another's does not) and scores it with the capture
//! path's NFIQ 2; [`Agent::enroll_operator_finger`] keeps it as the operator's sealed template
//! when it meets the workflow's finger gate. [`Agent::verify_operator_finger`] takes the
//! enrolled finger again and says whether it matches the template at the duplicate check's
//! threshold ([`SAME_FINGER_THRESHOLD`]); an operator with no template is refused in words.
//! [`Agent::confirm_operator_finger`] is the sign-in step: a match is audited as
//! `operator.sign_in` with factor `password+finger`, a non-match counts as a failed sign-in
//! toward the lockout.

use rekam_drivers::fingerprint::Finger;
use rekam_protocol::model::{FingerPosition, Impression};
use rekam_quality::matching::{SAME_FINGER_THRESHOLD, compare};

use super::{Agent, ServiceError, blocking, finger_of};
use crate::capture::{self, ScoredFinger};
use crate::devices::{DeviceManager, Resident};
use crate::operators::{LOCK_MS, MAX_FAILURES, Operator, SignInError};
use crate::store::operator_finger::OperatorFinger;
use crate::workflow::duplicate::{StoredMinutia, template};

/// The finger taken when none is named: the right index.
pub const DEFAULT_POSITION: u8 = 2;

/// The synthetic person a simulated scanner shows for operator `id` (stable per id).
pub fn operator_resident(id: &str) -> Resident {
    let seed = format!("operator:{id}")
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        });
    Resident {
        seed,
        background: rekam_sim::synth::Background::Blue,
        missing: Vec::new(),
    }
}

/// The refusal for an operator with no template while the policy asks for one.
pub fn no_template(id: &str) -> ServiceError {
    ServiceError::Rejected(format!(
        "no fingerprint enrolled: ask an administrator to run `rekam operators finger {id}`"
    ))
}

/// Takes operator `id`'s finger at `position` on the scanner and scores it (NFIQ 2, minutiae).
pub async fn take_operator_finger(
    devices: &DeviceManager,
    simulated: bool,
    id: &str,
    position: FingerPosition,
) -> Result<ScoredFinger, ServiceError> {
    let finger: Finger = finger_of(position)?;
    if simulated {
        devices.present_finger(operator_resident(id)).await?;
    }
    let (img, device) = devices.capture_finger(finger).await?;
    Ok(blocking(move || capture::finger(&img, &device, Impression::Plain)).await??)
}

/// The template of a scored finger, when it meets `gate`; else why not, in words.
pub fn template_of(
    scored: &ScoredFinger,
    position: FingerPosition,
    gate: u8,
) -> Result<OperatorFinger, ServiceError> {
    let score = scored.capture.quality.score;
    if score < gate || scored.minutiae.is_empty() {
        let advice = scored.advice.clone().unwrap_or_default();
        return Err(ServiceError::Rejected(format!(
            "finger {} scored {score} (NFIQ 2), below the gate of {gate}; take it again. {advice}",
            position.code()
        )));
    }
    Ok(OperatorFinger {
        position: position.code(),
        quality: score,
        minutiae: scored.minutiae.iter().map(StoredMinutia::from).collect(),
    })
}

impl Agent {
    /// Takes `op`'s finger at `position` and stores it as their sealed template; `actor` did it.
    pub async fn enroll_operator_finger(
        &self,
        actor: &str,
        op: &Operator,
        position: FingerPosition,
    ) -> Result<OperatorFinger, ServiceError> {
        let scored = take_operator_finger(
            &self.devices,
            self.config.devices.simulated,
            &op.id,
            position,
        )
        .await?;
        let t = template_of(&scored, position, self.config.policy.finger_gate)?;
        let (actor, id, now, kept) = (actor.to_string(), op.id.clone(), (self.clock)(), t.clone());
        self.with_store(move |s| Ok(s.set_operator_finger(&actor, &id, &kept, now)?))
            .await?;
        Ok(t)
    }

    /// Whether the second factor applies and `op` has a template to check it against:
    /// `Ok(false)` when the policy is off, the refusal when `op` has no template.
    pub async fn operator_finger_required(&self, op: &Operator) -> Result<bool, ServiceError> {
        if !self.config.policy.operator_fingerprint {
            return Ok(false);
        }
        let id = op.id.clone();
        if self
            .with_store(move |s| Ok(s.has_operator_finger(&id)?))
            .await?
        {
            Ok(true)
        } else {
            Err(no_template(&op.id))
        }
    }

    /// Takes `op`'s enrolled finger on the scanner and says whether it matches their template.
    pub async fn verify_operator_finger(&self, op: &Operator) -> Result<bool, ServiceError> {
        let id = op.id.clone();
        let Some(enrolled) = self
            .with_store(move |s| Ok(s.operator_finger(&id)?))
            .await?
        else {
            return Err(no_template(&op.id));
        };
        let position = FingerPosition::new(enrolled.position).ok_or_else(|| {
            ServiceError::Internal(format!(
                "template of {}: finger position {} is not 1-10",
                op.id, enrolled.position
            ))
        })?;
        let scored = take_operator_finger(
            &self.devices,
            self.config.devices.simulated,
            &op.id,
            position,
        )
        .await?;
        blocking(move || {
            let new = rekam_quality::matching::Template::new(&scored.minutiae);
            !scored.minutiae.is_empty()
                && compare(&new, &template(&enrolled.minutiae)) >= SAME_FINGER_THRESHOLD
        })
        .await
    }

    /// The finger step of a sign-in (the password was already checked): a match is audited as
    /// `operator.sign_in` with factor `password+finger`; a non-match counts toward the lockout.
    pub async fn confirm_operator_finger(
        &self,
        op: &Operator,
    ) -> Result<Result<(), SignInError>, ServiceError> {
        let matched = self.verify_operator_finger(op).await?;
        let now = (self.clock)();
        let id = op.id.clone();
        if matched {
            self.with_store(move |s| Ok(s.record_finger_sign_in(&id, now)?))
                .await?;
            return Ok(Ok(()));
        }
        let failures = self
            .with_store(move |s| Ok(s.record_failed_sign_in(&id, now)?))
            .await?;
        Ok(Err(if failures >= MAX_FAILURES {
            SignInError::Locked {
                until_ms: now + LOCK_MS,
            }
        } else {
            SignInError::WrongCredentials {
                attempts_left: MAX_FAILURES - failures,
            }
        }))
    }

    /// The supervisor's finger for an approval, when the policy asks for it (the password was
    /// already checked): nothing when the policy is off; the refusal when they have no
    /// template, or when the finger does not match (counted toward their lockout).
    pub async fn approval_finger(&self, supervisor: &Operator) -> Result<(), ServiceError> {
        if !self.operator_finger_required(supervisor).await? {
            return Ok(());
        }
        match self.confirm_operator_finger(supervisor).await? {
            Ok(()) => Ok(()),
            Err(SignInError::WrongCredentials { attempts_left }) => {
                Err(ServiceError::Rejected(format!(
                    "the fingerprint does not match supervisor {}'s enrolled finger ({attempts_left} attempts left before the account locks)",
                    supervisor.id
                )))
            }
            Err(e) => Err(ServiceError::SupervisorSignIn(e)),
        }
    }
}
