//! The duplicate-finger check as the operator meets it: a resident who puts down a finger that
//! was already taken, when asked for another, is refused with the position it matches, nothing is
//! recorded, and placing the right finger then succeeds. Each step reloads the session from the
//! store, so the minutiae kept for the check survive it.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use rekam_agent::config::Config;
use rekam_agent::devices::{
    DeviceFailure, DeviceManager, FingerDevice, Identified, Slot, simulated_kit,
};
use rekam_agent::service::{Agent, ServiceError, StartRequest};
use rekam_agent::store::Store;
use rekam_agent::workflow::FingerSummary;
use rekam_drivers::fingerprint::{CaptureOptions, Finger, FingerprintScanner, Slap};
use rekam_drivers::{DeviceIdentity, GrayImage};
use rekam_protocol::model::FingerPosition;
use rekam_protocol::{RegistryPrivateKey, SignatureAlgorithm, WorkstationSigningKey};
use rekam_sim::devices::{ScannerConfig, SimFingerprintScanner, SimPerson};
use ring::rand::SystemRandom;

mod identity;

/// A simulated scanner whose resident puts down finger `wrong` (a position code) instead of the
/// one asked for, while `wrong` is not 0.
struct Confused {
    inner: SimFingerprintScanner,
    wrong: Arc<AtomicU8>,
}

impl Identified for Confused {
    fn identity(&self) -> DeviceIdentity {
        FingerprintScanner::identity(&self.inner).clone()
    }
}

impl FingerDevice for Confused {
    fn capture_finger(
        &mut self,
        finger: Finger,
        o: &CaptureOptions,
    ) -> Result<GrayImage, DeviceFailure> {
        let placed = Finger::from_position(self.wrong.load(Ordering::SeqCst)).unwrap_or(finger);
        FingerprintScanner::capture_finger(&mut self.inner, placed, o)
            .map(|f| f.image)
            .map_err(|e| DeviceFailure::from_driver("confused scanner", &e))
    }

    /// While `wrong` is set, the resident lays the right hand down whatever slap is asked for.
    fn capture_slap(
        &mut self,
        slap: Slap,
        missing: &[Finger],
        o: &CaptureOptions,
    ) -> Result<GrayImage, DeviceFailure> {
        let placed = if self.wrong.load(Ordering::SeqCst) != 0 {
            Slap::RightFour
        } else {
            slap
        };
        FingerprintScanner::capture_slap(&mut self.inner, placed, missing, o)
            .map(|s| s.image)
            .map_err(|e| DeviceFailure::from_driver("confused scanner", &e))
    }
}

const PERSON: u64 = 31;

fn agent(wrong: Arc<AtomicU8>) -> Agent {
    let rng = SystemRandom::new();
    let (key, _) = WorkstationSigningKey::generate(SignatureAlgorithm::Ed25519, &rng).expect("key");
    let registry = RegistryPrivateKey::generate(&rng).expect("registry key");
    let mut config = Config::default();
    config.devices.realtime = false;
    let (_, camera, pad, _) = simulated_kit(PERSON, false, false);
    let finger = Slot::new(
        "fingerprint",
        Box::new(move || {
            let mut c = ScannerConfig::slap_scanner(PERSON);
            c.placement_delay = std::time::Duration::ZERO;
            let mut inner = SimFingerprintScanner::new(c);
            inner.set_person(Some(SimPerson::new(PERSON)));
            Ok(Box::new(Confused {
                inner,
                wrong: wrong.clone(),
            }) as Box<dyn FingerDevice>)
        }),
    );
    let devices = DeviceManager::new(finger, camera, pad, None, config.capture_timeout());
    Agent::new(
        config,
        Store::in_memory().expect("store"),
        devices,
        key,
        *registry.public_key(),
    )
}

async fn at_fingers(agent: &Agent) -> String {
    let sample =
        rekam_sim::sample::enrollment(&rekam_sim::sample::SampleOptions::tiny(7, "WS-1", 0));
    let s = agent
        .start(
            &identity::operator(),
            StartRequest {
                applicant: sample.applicant,
                visit_location: None,
            },
        )
        .await
        .expect("start");
    let id = s.id.clone();
    for _ in 0..5 {
        if agent
            .capture_face(&identity::operator(), &id)
            .await
            .expect("face")
            .session
            .face
            .done
        {
            break;
        }
    }
    agent
        .approve_face(&identity::operator(), &id, true)
        .await
        .expect("approve");
    agent
        .capture_signature(&identity::operator(), &id)
        .await
        .expect("signature");
    id
}

#[tokio::test]
async fn a_finger_already_taken_presented_as_another_is_refused_naming_the_position_it_matches() {
    let wrong = Arc::new(AtomicU8::new(0));
    let agent = agent(wrong.clone());
    let id = at_fingers(&agent).await;
    let index = FingerPosition::new(2).expect("2");
    let middle = FingerPosition::new(3).expect("3");
    agent
        .capture_finger(&identity::operator(), &id, index)
        .await
        .expect("right index");
    // Asked for the right middle finger, the resident puts the right index down again.
    wrong.store(2, Ordering::SeqCst);
    let e = agent
        .capture_finger(&identity::operator(), &id, middle)
        .await
        .expect_err("a duplicate");
    match &e {
        ServiceError::Duplicate(d) => {
            assert_eq!((d.position, d.matches), (middle, index));
            assert!(d.to_string().contains("matches finger 2"), "{d}");
        }
        other => panic!("expected a rejection, got {other}"),
    }
    let s = agent.summary(&id).await.expect("summary");
    assert!(
        matches!(s.fingers.get(&3), Some(FingerSummary::Pending)),
        "nothing was recorded for finger 3: {:?}",
        s.fingers.get(&3)
    );
    // The right finger is taken without complaint.
    wrong.store(0, Ordering::SeqCst);
    agent
        .capture_finger(&identity::operator(), &id, middle)
        .await
        .expect("right middle");
    let s = agent.summary(&id).await.expect("summary");
    assert!(matches!(
        s.fingers.get(&3),
        Some(FingerSummary::Captured(_))
    ));
}

#[tokio::test]
async fn the_right_hand_placed_again_for_the_left_slap_is_refused_and_nothing_is_recorded() {
    let wrong = Arc::new(AtomicU8::new(0));
    let agent = agent(wrong.clone());
    let id = at_fingers(&agent).await;
    let right = agent
        .capture_slap(&identity::operator(), &id, Slap::RightFour)
        .await
        .expect("right four");
    assert_eq!(right.fingers.len(), 4, "{:?}", right.not_found);
    wrong.store(1, Ordering::SeqCst);
    let e = agent
        .capture_slap(&identity::operator(), &id, Slap::LeftFour)
        .await
        .expect_err("the right hand again");
    match &e {
        ServiceError::Duplicate(d) => {
            assert!(d.in_slap);
            assert!(d.to_string().contains("check which hand"), "{d}");
        }
        other => panic!("expected a rejection, got {other}"),
    }
    let s = agent.summary(&id).await.expect("summary");
    for p in [7u8, 8, 9, 10] {
        assert!(
            matches!(s.fingers.get(&p), Some(FingerSummary::Pending)),
            "finger {p}"
        );
    }
    wrong.store(0, Ordering::SeqCst);
    let left = agent
        .capture_slap(&identity::operator(), &id, Slap::LeftFour)
        .await
        .expect("left four");
    assert_eq!(left.fingers.len(), 4, "{:?}", left.not_found);
}
