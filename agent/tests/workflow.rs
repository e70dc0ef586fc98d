//! The enrollment workflow as an operator drives it, without devices: captures come from a
//! synthetic enrollment, with their quality scores set per test.

use rekam_agent::workflow::{Eligibility, Eye, Outcome, Policy, Session, Stage, WorkflowError};
use rekam_protocol::model::{
    Enrollment, ExceptionReason, FingerCapture, FingerPosition, FingerRecord, MaritalStatus,
};
use rekam_protocol::{RegistryPrivateKey, Timestamp, WorkstationSigningKey, packet};
use rekam_sim::sample::{self, SampleOptions};
use ring::rand::SystemRandom;
use time::macros::date;

fn source(irises: bool) -> Enrollment {
    let mut opts = SampleOptions::tiny(11, "WS-3171-01", 1_763_890_000_000);
    if irises {
        opts.iris_size = Some((16, 12));
    }
    sample::enrollment(&opts)
}

fn finger(src: &Enrollment, code: u8, score: u8) -> FingerCapture {
    let p = FingerPosition::new(code).expect("1-10");
    let mut c = src.biometrics.finger(p).expect("captured").clone();
    c.quality.score = score;
    c
}

fn start(src: &Enrollment, policy: Policy) -> Session {
    Session::start(
        src.id,
        src.applicant.clone(),
        src.context.clone(),
        policy,
        date!(2026 - 11 - 23),
    )
    .expect("start")
}

/// Within the sample's recording time.
fn approval_time() -> Timestamp {
    Timestamp::from_unix_ms(1_763_890_500_000)
}

fn through_signature(s: &mut Session, src: &Enrollment) {
    let mut face = src.biometrics.face.clone();
    face.quality.score = 90;
    assert_eq!(
        s.submit_face(face).expect("face"),
        Outcome::Accepted { score: 90 }
    );
    s.resident_approves_face(true).expect("approve");
    s.submit_signature(src.biometrics.signature.clone())
        .expect("signature");
}

#[test]
fn a_full_session_with_slaps_a_retake_and_an_exception_seals_and_opens() {
    let src = source(false);
    let mut s = start(&src, Policy::default());
    let mut poor = src.biometrics.face.clone();
    poor.quality.score = 20;
    assert!(matches!(
        s.submit_face(poor).expect("face"),
        Outcome::Retake {
            attempts_left: 2,
            ..
        }
    ));
    through_signature(&mut s, &src);
    assert_eq!(s.stage(), Stage::Fingers);

    let right: Vec<_> = (2..=5)
        .map(|c| (FingerPosition::new(c).expect("pos"), finger(&src, c, 70)))
        .collect();
    let outcomes = s.submit_slap(right).expect("right slap");
    assert!(
        outcomes
            .iter()
            .all(|(_, o)| matches!(o, Outcome::Accepted { .. }))
    );
    let left: Vec<_> = (7..=9)
        .map(|c| (FingerPosition::new(c).expect("pos"), finger(&src, c, 65)))
        .collect();
    s.submit_slap(left)
        .expect("left slap, little finger missing");
    s.finger_exception(
        FingerPosition::new(10).expect("pos"),
        ExceptionReason::Amputated,
        None,
        Some("since birth".into()),
    )
    .expect("exception");
    for c in [1, 6] {
        s.submit_finger(FingerPosition::new(c).expect("pos"), finger(&src, c, 80))
            .expect("thumb");
    }
    assert_eq!(s.stage(), Stage::Review);
    s.approve("SUP-1", approval_time()).expect("approve");

    let mut e = s
        .finalize(Timestamp::from_unix_ms(1_763_890_600_000))
        .expect("finalize");
    assert_eq!(s.stage(), Stage::Finalized);
    let approval = e.context.supervisor_approval.clone().expect("approval");
    assert_eq!(approval.supervisor_id, "SUP-1");
    assert_eq!(approval.reasons, ["exception_finger_10"]);
    assert_eq!(e.biometrics.face.attempts, 2);
    assert!(matches!(
        e.biometrics.fingers[9].record,
        FingerRecord::Exception(_)
    ));
    assert_eq!(
        e.biometrics.chip_fingers,
        [FingerPosition::RIGHT_INDEX, FingerPosition::LEFT_INDEX]
    );

    let rng = SystemRandom::new();
    let (key, _) =
        WorkstationSigningKey::generate(rekam_protocol::SignatureAlgorithm::Ed25519, &rng)
            .expect("key");
    let registry = RegistryPrivateKey::from_secret([5; 32]);
    packet::seal(&mut e, &key, registry.public_key(), [1; 32], &rng)
        .expect("the finalized enrollment seals");
}

#[test]
fn after_three_poor_attempts_the_best_is_kept_as_forced_and_a_poor_index_leaves_the_chip() {
    let src = source(false);
    let mut s = start(&src, Policy::default());
    through_signature(&mut s, &src);
    let right_index = FingerPosition::RIGHT_INDEX;
    assert!(matches!(
        s.submit_finger(right_index, finger(&src, 2, 10))
            .expect("1"),
        Outcome::Retake { .. }
    ));
    assert!(matches!(
        s.submit_finger(right_index, finger(&src, 2, 25))
            .expect("2"),
        Outcome::Retake { .. }
    ));
    assert_eq!(
        s.submit_finger(right_index, finger(&src, 2, 15))
            .expect("3"),
        Outcome::Forced { kept_score: 25 }
    );
    assert_eq!(
        s.submit_finger(right_index, finger(&src, 2, 90)),
        Err(WorkflowError::FingerDone(right_index))
    );
    for c in [1, 3, 4, 5, 6, 7, 8, 9, 10] {
        s.submit_finger(
            FingerPosition::new(c).expect("pos"),
            finger(&src, c, 50 + c),
        )
        .expect("finger");
    }
    assert_eq!(s.needs_approval(), ["forced_finger_2"]);
    s.approve("SUP-1", approval_time()).expect("approve");
    let e = s
        .finalize(Timestamp::from_unix_ms(1_763_890_600_000))
        .expect("finalize");
    let FingerRecord::Captured(c) = &e.biometrics.fingers[1].record else {
        panic!("captured")
    };
    assert!(c.forced && c.attempts == 3 && c.quality.score == 25);
    assert_eq!(
        e.biometrics.chip_fingers[0],
        FingerPosition::new(5).expect("best right finger")
    );
}

#[test]
fn a_photo_the_resident_rejects_is_taken_again() {
    let src = source(false);
    let mut s = start(&src, Policy::default());
    let mut face = src.biometrics.face.clone();
    face.quality.score = 90;
    s.submit_face(face.clone()).expect("face");
    assert!(
        s.submit_face(face.clone()).is_err(),
        "a kept photo waits for the resident"
    );
    s.resident_approves_face(false).expect("reject");
    assert_eq!(s.stage(), Stage::Face);
    s.submit_face(face).expect("retake");
    s.resident_approves_face(true).expect("approve");
    assert_eq!(s.stage(), Stage::Signature);
}

#[test]
fn actions_out_of_order_are_refused_and_change_nothing() {
    let src = source(false);
    let mut s = start(&src, Policy::default());
    let before = s.clone();
    let err = s
        .submit_signature(src.biometrics.signature.clone())
        .unwrap_err();
    assert_eq!(
        err,
        WorkflowError::WrongStage {
            action: "take the signature",
            stage: Stage::Face
        }
    );
    assert!(
        s.submit_finger(FingerPosition::RIGHT_INDEX, finger(&src, 2, 90))
            .is_err()
    );
    assert!(s.finalize(Timestamp::from_unix_ms(0)).is_err());
    assert_eq!(s, before);
}

#[test]
fn irises_are_required_when_a_scanner_is_present() {
    let src = source(true);
    let mut s = start(
        &src,
        Policy {
            irises: true,
            ..Policy::default()
        },
    );
    through_signature(&mut s, &src);
    for c in 1..=10 {
        s.submit_finger(FingerPosition::new(c).expect("pos"), finger(&src, c, 70))
            .expect("finger");
    }
    assert_eq!(s.stage(), Stage::Irises);
    assert!(
        s.finalize(Timestamp::from_unix_ms(1_763_890_600_000))
            .is_err()
    );
    let left = src.biometrics.irises.left.clone().expect("left");
    let right = src.biometrics.irises.right.clone().expect("right");
    s.submit_iris(Eye::Left, left).expect("left");
    s.submit_iris(Eye::Right, right).expect("right");
    let e = s
        .finalize(Timestamp::from_unix_ms(1_763_890_600_000))
        .expect("finalize");
    assert!(e.biometrics.irises.left.is_some() && e.biometrics.irises.right.is_some());
}

#[test]
fn a_session_survives_a_restart_through_serialization() {
    let src = source(false);
    let mut s = start(&src, Policy::default());
    through_signature(&mut s, &src);
    s.submit_finger(FingerPosition::RIGHT_INDEX, finger(&src, 2, 70))
        .expect("finger");
    let stored = serde_json::to_vec(&s).expect("serialize");
    let restored: Session = serde_json::from_slice(&stored).expect("deserialize");
    assert_eq!(restored.fingers_missing().len(), 9);
    assert_eq!(restored.stage(), Stage::Fingers);
}

fn applicant_born(
    src: &Enrollment,
    born: time::Date,
    status: MaritalStatus,
) -> rekam_protocol::model::Applicant {
    let mut a = src.applicant.clone();
    let day = born.day()
        + if a.sex == rekam_protocol::model::Sex::Female {
            40
        } else {
            0
        };
    let nik = format!(
        "317101{day:02}{:02}{:02}0001",
        u8::from(born.month()),
        born.year() % 100
    );
    a.nik = rekam_protocol::Nik::parse(&nik).expect("consistent NIK");
    a.date_of_birth = born;
    a.marital_status = status;
    a
}

#[test]
fn eligibility_follows_age_marriage_and_early_recording() {
    let src = source(false);
    let today = date!(2026 - 11 - 23);
    let try_start = |born, status| {
        Session::start(
            src.id,
            applicant_born(&src, born, status),
            src.context.clone(),
            Policy::default(),
            today,
        )
        .map(|s| s.eligibility)
    };
    assert_eq!(
        try_start(date!(2009 - 11 - 23), MaritalStatus::BelumKawin),
        Ok(Eligibility::OfAge)
    );
    assert_eq!(
        try_start(date!(2009 - 12 - 31), MaritalStatus::BelumKawin),
        Ok(Eligibility::EarlyRecording {
            card_from: date!(2026 - 12 - 31)
        })
    );
    assert!(matches!(
        try_start(date!(2010 - 01 - 01), MaritalStatus::BelumKawin),
        Err(WorkflowError::NotEligible(_))
    ));
    assert_eq!(
        try_start(date!(2010 - 01 - 01), MaritalStatus::Kawin),
        Ok(Eligibility::Married)
    );
}

#[test]
fn an_applicant_whose_nik_disagrees_is_refused_at_start() {
    let src = source(false);
    let mut a = applicant_born(&src, date!(1990 - 05 - 06), MaritalStatus::Kawin);
    a.date_of_birth = date!(1990 - 05 - 07);
    let err = Session::start(
        src.id,
        a,
        src.context.clone(),
        Policy::default(),
        date!(2026 - 11 - 23),
    )
    .unwrap_err();
    assert!(err.to_string().contains("NIK digits 7-12"), "{err}");
}

#[test]
fn a_capture_cleared_in_review_is_retaken_and_the_desk_returns_to_review() {
    let src = source(false);
    let mut s = start(&src, Policy::default());
    through_signature(&mut s, &src);
    for c in 1..=10 {
        s.submit_finger(FingerPosition::new(c).expect("pos"), finger(&src, c, 70))
            .expect("finger");
    }
    assert_eq!(s.stage(), Stage::Review);

    s.clear_face().expect("clear face");
    assert_eq!(s.stage(), Stage::Face);
    assert!(
        s.finalize(Timestamp::from_unix_ms(1_763_890_600_000))
            .is_err(),
        "no finalize without a photo"
    );
    let mut face = src.biometrics.face.clone();
    face.quality.score = 90;
    s.submit_face(face).expect("face");
    s.resident_approves_face(true).expect("approve");
    assert_eq!(s.stage(), Stage::Review, "everything else is still taken");

    let p = FingerPosition::new(4).expect("pos");
    s.clear_finger(p).expect("clear finger");
    assert_eq!((s.stage(), s.fingers_missing()), (Stage::Fingers, vec![p]));
    assert!(matches!(
        s.clear_finger(p),
        Err(WorkflowError::NothingToClear(_))
    ));
    // A note finalize would refuse is refused now, naming the field, and records nothing.
    let bad = s
        .finger_exception(p, ExceptionReason::Bandaged, None, Some("luka\u{0}".into()))
        .unwrap_err();
    assert!(bad.to_string().contains("note"), "{bad}");
    assert_eq!(s.fingers_missing(), vec![p]);
    s.finger_exception(p, ExceptionReason::Bandaged, None, None)
        .expect("exception");
    assert_eq!(s.stage(), Stage::Review);
    s.approve("SUP-1", approval_time()).expect("approve");
    s.finalize(Timestamp::from_unix_ms(1_763_890_600_000))
        .expect("finalize");
    assert!(matches!(
        s.clear_signature(),
        Err(WorkflowError::WrongStage {
            stage: Stage::Finalized,
            ..
        })
    ));
}

#[test]
fn an_abandoned_session_drops_its_captures_and_refuses_everything() {
    let src = source(false);
    let mut s = start(&src, Policy::default());
    through_signature(&mut s, &src);
    assert!(!s.images_mut().is_empty());
    s.abandon().expect("abandon");
    assert_eq!(s.stage(), Stage::Abandoned);
    assert!(s.images_mut().is_empty(), "no biometrics are kept");
    assert!(!s.is_open());
    let wrong = |r: Result<(), WorkflowError>| {
        matches!(
            r,
            Err(WorkflowError::WrongStage {
                stage: Stage::Abandoned,
                ..
            })
        )
    };
    assert!(wrong(s.submit_face_check()));
    assert!(wrong(s.clear_face()));
    assert!(wrong(s.abandon()));
    assert!(wrong(
        s.correct_applicant(src.applicant.clone(), date!(2026 - 11 - 23))
            .map(|_| ())
    ));
    assert!(
        s.finalize(Timestamp::from_unix_ms(1_763_890_600_000))
            .is_err()
    );
}

/// Through the fingers with `code` recorded as an exception and the rest accepted.
fn to_review_with_exception(src: &Enrollment, code: u8) -> Session {
    let mut s = start(src, Policy::default());
    through_signature(&mut s, src);
    for c in (1..=10).filter(|c| *c != code) {
        s.submit_finger(FingerPosition::new(c).expect("pos"), finger(src, c, 70))
            .expect("finger");
    }
    s.finger_exception(
        FingerPosition::new(code).expect("pos"),
        ExceptionReason::Bandaged,
        None,
        None,
    )
    .expect("exception");
    assert_eq!(s.stage(), Stage::Review);
    s
}

#[test]
fn finalize_waits_for_a_supervisor_when_a_finger_is_excepted() {
    let src = source(false);
    let mut s = to_review_with_exception(&src, 7);
    assert_eq!(s.summary().needs_approval, ["exception_finger_7"]);
    assert_eq!(s.summary().approved_by, None);
    let before = s.clone();
    let err = s
        .finalize(Timestamp::from_unix_ms(1_763_890_600_000))
        .expect_err("no approval yet");
    assert_eq!(
        err,
        WorkflowError::ApprovalRequired(vec!["exception_finger_7".into()])
    );
    assert!(
        err.to_string()
            .contains("finger 7 recorded as an exception"),
        "{err}"
    );
    assert_eq!(s, before, "a refused finalize changes nothing");

    assert_eq!(
        s.approve("SUP-9", approval_time()),
        Ok(vec!["exception_finger_7".into()])
    );
    assert_eq!(s.summary().approved_by.as_deref(), Some("SUP-9"));
    let restored: Session =
        serde_json::from_slice(&serde_json::to_vec(&s).expect("serialize")).expect("restore");
    assert_eq!(restored.summary().approved_by.as_deref(), Some("SUP-9"));
    let e = s
        .finalize(Timestamp::from_unix_ms(1_763_890_600_000))
        .expect("finalize after approval");
    let a = e
        .context
        .supervisor_approval
        .expect("in the capture context");
    assert_eq!(
        (a.supervisor_id.as_str(), a.approved_at),
        ("SUP-9", approval_time())
    );
}

#[test]
fn a_capture_after_approval_voids_it() {
    let src = source(false);
    let mut s = to_review_with_exception(&src, 7);
    s.approve("SUP-9", approval_time()).expect("approve");
    let p = FingerPosition::new(3).expect("pos");
    s.clear_finger(p).expect("clear");
    assert_eq!(s.summary().approved_by, None, "the clear voided it");
    assert_eq!(
        s.voided_approval().map(|a| a.supervisor_id.as_str()),
        Some("SUP-9")
    );
    s.submit_finger(p, finger(&src, 3, 70)).expect("retake");
    assert_eq!(s.stage(), Stage::Review);
    assert_eq!(
        s.finalize(Timestamp::from_unix_ms(1_763_890_600_000)),
        Err(WorkflowError::ApprovalRequired(vec![
            "exception_finger_7".into()
        ]))
    );
    s.approve("SUP-9", approval_time()).expect("approve again");
    s.correct_applicant(src.applicant.clone(), date!(2026 - 11 - 23))
        .expect("a correction");
    assert_eq!(s.summary().approved_by, None, "a correction voids it too");
}

#[test]
fn an_approval_is_given_at_review_and_only_when_something_needs_it() {
    let src = source(false);
    let mut s = start(&src, Policy::default());
    through_signature(&mut s, &src);
    assert!(matches!(
        s.approve("SUP-1", approval_time()),
        Err(WorkflowError::WrongStage {
            stage: Stage::Fingers,
            ..
        })
    ));
    for c in 1..=10 {
        s.submit_finger(FingerPosition::new(c).expect("pos"), finger(&src, c, 70))
            .expect("finger");
    }
    assert!(s.needs_approval().is_empty());
    assert_eq!(
        s.approve("SUP-1", approval_time()),
        Err(WorkflowError::NothingToApprove)
    );
    let e = s
        .finalize(Timestamp::from_unix_ms(1_763_890_600_000))
        .expect("nothing forced: no approval needed");
    assert!(e.context.supervisor_approval.is_none());
}
