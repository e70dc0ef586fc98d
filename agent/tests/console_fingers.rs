//! The fingers and irises steps of the desk, driven in-process as a browser would: the three
//! slaps fill the ten fingers; an excepted finger is crossed out and not asked for again; a
//! duplicate finger is refused in words; the two-hand diagram names every finger in both
//! languages; an unplugged scanner shows a banner, records nothing and works again once it is
//! back; the irises are taken left and right, or the step says it is skipped.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};

use axum::http::StatusCode;
use rekam_agent::config::Config;
use rekam_agent::console::{ConsoleState, router};
use rekam_agent::devices::{
    DeviceFailure, DeviceManager, FingerDevice, Identified, Resident, Slot, simulated_kit,
};
use rekam_agent::operators::{Operator, Role};
use rekam_agent::service::{Agent, StartRequest};
use rekam_agent::store::Store;
use rekam_agent::workflow::{FingerSummary, Stage};
use rekam_drivers::fingerprint::{CaptureOptions, Finger, FingerprintScanner, Slap};
use rekam_drivers::{DeviceIdentity, ErrorKind, GrayImage};
use rekam_protocol::model::{ExceptionReason, FingerPosition};
use rekam_protocol::{RegistryPrivateKey, SignatureAlgorithm, WorkstationSigningKey};
use rekam_sim::devices::{ScannerConfig, SimFingerprintScanner, SimPerson};
use ring::rand::SystemRandom;
use support::{Console, PASSWORD, signed_in};

const PERSON: u64 = 31;

/// A simulated scanner on a cable the test can pull, whose resident can put down finger `wrong`
/// (a position code) instead of the one asked for, or the right hand for any slap.
struct TestScanner {
    inner: SimFingerprintScanner,
    plugged: Arc<AtomicBool>,
    wrong: Arc<AtomicU8>,
}

impl TestScanner {
    fn check_cable(&self) -> Result<(), DeviceFailure> {
        if self.plugged.load(Ordering::SeqCst) {
            Ok(())
        } else {
            Err(DeviceFailure::new(
                "test scanner",
                ErrorKind::Disconnected,
                "the device went away",
            ))
        }
    }
}

impl Identified for TestScanner {
    fn identity(&self) -> DeviceIdentity {
        FingerprintScanner::identity(&self.inner).clone()
    }
}

impl FingerDevice for TestScanner {
    fn capture_finger(
        &mut self,
        finger: Finger,
        o: &CaptureOptions,
    ) -> Result<GrayImage, DeviceFailure> {
        self.check_cable()?;
        let placed = Finger::from_position(self.wrong.load(Ordering::SeqCst)).unwrap_or(finger);
        FingerprintScanner::capture_finger(&mut self.inner, placed, o)
            .map(|f| f.image)
            .map_err(|e| DeviceFailure::from_driver("test scanner", &e))
    }

    fn capture_slap(
        &mut self,
        slap: Slap,
        missing: &[Finger],
        o: &CaptureOptions,
    ) -> Result<GrayImage, DeviceFailure> {
        self.check_cable()?;
        let placed = if self.wrong.load(Ordering::SeqCst) != 0 {
            Slap::RightFour
        } else {
            slap
        };
        FingerprintScanner::capture_slap(&mut self.inner, placed, missing, o)
            .map(|s| s.image)
            .map_err(|e| DeviceFailure::from_driver("test scanner", &e))
    }

    fn present(&mut self, _resident: &Resident) {
        // The same simulated person whoever sits down, so the tests know their prints.
    }
}

/// The handles a test holds on its scanner.
#[derive(Clone)]
struct Handles {
    plugged: Arc<AtomicBool>,
    wrong: Arc<AtomicU8>,
}

/// A console on the simulated kit with the test scanner, `iris` scanner or not, and the
/// support's accounts.
fn console(iris: bool) -> (Console, Handles) {
    let rng = SystemRandom::new();
    let (key, _) = WorkstationSigningKey::generate(SignatureAlgorithm::Ed25519, &rng).expect("key");
    let registry = RegistryPrivateKey::generate(&rng).expect("registry key");
    let mut config = Config::default();
    config.devices.realtime = false;
    let handles = Handles {
        plugged: Arc::new(AtomicBool::new(true)),
        wrong: Arc::new(AtomicU8::new(0)),
    };
    let (_, camera, pad, iris) = simulated_kit(PERSON, iris, false);
    let h = handles.clone();
    let finger: Slot<dyn FingerDevice> = Slot::new(
        "fingerprint",
        Box::new(move || {
            if !h.plugged.load(Ordering::SeqCst) {
                return Err(DeviceFailure::new(
                    "test scanner",
                    ErrorKind::Disconnected,
                    "not found on the bus",
                ));
            }
            let mut c = ScannerConfig::slap_scanner(PERSON);
            c.placement_delay = std::time::Duration::ZERO;
            let mut inner = SimFingerprintScanner::new(c);
            inner.set_person(Some(SimPerson::new(PERSON)));
            Ok(Box::new(TestScanner {
                inner,
                plugged: h.plugged.clone(),
                wrong: h.wrong.clone(),
            }) as Box<dyn FingerDevice>)
        }),
    );
    let devices = DeviceManager::new(finger, camera, pad, iris, config.capture_timeout());
    let mut store = Store::in_memory().expect("store");
    store
        .add_operator("test", "op", "Siti Operator", Role::Operator, PASSWORD, 0)
        .expect("add operator");
    let agent = Arc::new(Agent::new(
        config,
        store,
        devices,
        key,
        *registry.public_key(),
    ));
    let state = ConsoleState::new(agent.clone());
    let app = router(state.clone());
    (Console { agent, state, app }, handles)
}

/// The test's operator, as the service records them.
fn op() -> Operator {
    Operator {
        id: "op".into(),
        name: "Siti Operator".into(),
        role: Role::Operator,
    }
}

/// A session with its face and signature taken: at the fingers step.
async fn at_fingers(agent: &Agent) -> String {
    let sample =
        rekam_sim::sample::enrollment(&rekam_sim::sample::SampleOptions::tiny(7, "WS-1", 0));
    let s = agent
        .start(
            &op(),
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
            .capture_face(&op(), &id)
            .await
            .expect("face")
            .session
            .face
            .done
        {
            break;
        }
    }
    agent.approve_face(&op(), &id, true).await.expect("approve");
    agent
        .capture_signature(&op(), &id)
        .await
        .expect("signature");
    assert_eq!(
        agent.summary(&id).await.expect("summary").stage,
        Stage::Fingers
    );
    id
}

/// The markup of finger `code` on the diagram (its `<a>` element).
fn finger_on_diagram(body: &str, code: u8) -> &str {
    let at = body
        .find(&format!("data-position=\"{code}\""))
        .unwrap_or_else(|| panic!("finger {code} is not on the diagram"));
    let start = body[..at].rfind("<a ").expect("the finger's link");
    let end = at
        + body[at..]
            .find("</a>")
            .expect("the end of the finger's link");
    &body[start..end]
}

/// The `value` of the first slap the page offers to take.
fn offered_slap(body: &str) -> Option<&str> {
    let marker = "name=\"slap\" value=\"";
    let at = body.find(marker)? + marker.len();
    Some(&body[at..at + body[at..].find('"')?])
}

#[tokio::test]
async fn the_three_slaps_fill_the_ten_fingers_and_then_the_page_offers_to_continue() {
    let (c, _) = console(false);
    let id = at_fingers(&c.agent).await;
    let mut b = signed_in(&c, "op").await;
    let fingers = format!("/desk/{id}/fingers");
    let mut taken = Vec::new();
    for _ in 0..3 {
        let page = b.get(&c.app, &fingers).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("data-screen=\"desk-fingers\""));
        assert!(page.body.contains("src=\"/preview/finger.mjpg\""));
        let slap = offered_slap(&page.body)
            .expect("a slap to take")
            .to_string();
        let done = b.post(&c.app, &fingers, &[("slap", &slap)]).await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{slap}: {}", done.body);
        assert_eq!(done.location.as_deref(), Some(fingers.as_str()));
        taken.push(slap);
    }
    assert_eq!(taken, ["right", "left", "thumbs"]);
    let s = c.agent.summary(&id).await.expect("summary");
    assert!(
        s.fingers_missing.is_empty(),
        "still missing: {:?}",
        s.fingers_missing
    );
    assert_eq!(s.stage, Stage::Review);
    let page = b.get(&c.app, &fingers).await;
    assert!(
        offered_slap(&page.body).is_none(),
        "no slap is left to take"
    );
    assert!(page.body.contains("id=\"continue\""), "{}", page.body);
    assert!(page.body.contains(&format!("action=\"/desk/{id}/review\"")));
    for code in 1..=10 {
        let f = finger_on_diagram(&page.body, code);
        assert!(
            f.contains("f-accepted") || f.contains("f-forced"),
            "finger {code}: {f}"
        );
        assert!(f.contains("NFIQ 2: "), "finger {code} has its score: {f}");
    }
    // The last slap's scores are said in words, with the gate.
    assert!(page.body.contains("Hasil pengambilan terakhir"));
    assert!(page.body.contains("Batas mutu: 40 dari 100"));
}

#[tokio::test]
async fn an_excepted_finger_is_crossed_out_and_not_asked_for_again() {
    let (c, _) = console(false);
    let id = at_fingers(&c.agent).await;
    let mut b = signed_in(&c, "op").await;
    let fingers = format!("/desk/{id}/fingers");
    // The diagram's right little finger opens its exception form.
    let page = b.get(&c.app, &fingers).await;
    let little = finger_on_diagram(&page.body, 5);
    let form_path = format!("/desk/{id}/fingers/5/exception");
    assert!(
        little.contains(&format!("href=\"{form_path}\"")),
        "{little}"
    );
    let form = b.get(&c.app, &form_path).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("data-screen=\"desk-finger-exception\""));
    assert!(
        form.body
            .contains("<label for=\"reason-amputated\">diamputasi</label>")
    );
    assert!(form.body.contains("<label for=\"photo\">"));

    // Without a reason it is refused, the note typed is kept, nothing is recorded.
    let refused = b.post(&c.app, &form_path, &[("note", "sejak lahir")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("href=\"#reason-amputated\""),
        "{}",
        refused.body
    );
    assert!(refused.body.contains("Pilih alasan pengecualian."));
    assert!(refused.body.contains("value=\"sejak lahir\""));
    let s = c.agent.summary(&id).await.expect("summary");
    assert!(matches!(s.fingers.get(&5), Some(FingerSummary::Pending)));

    let recorded = b
        .post(
            &c.app,
            &form_path,
            &[("reason", "amputated"), ("note", "sejak lahir")],
        )
        .await;
    assert_eq!(recorded.status, StatusCode::SEE_OTHER, "{}", recorded.body);
    assert_eq!(recorded.location.as_deref(), Some(fingers.as_str()));

    let page = b.get(&c.app, &fingers).await;
    let little = finger_on_diagram(&page.body, 5);
    assert_eq!(
        little.matches("class=\"cross\"").count(),
        2,
        "crossed out: {little}"
    );
    assert!(little.contains("aria-label=\"Jari kelingking kanan — pengecualian: diamputasi\""));
    // The right slap no longer asks for it.
    let asked = page
        .body
        .split("Diminta: ")
        .nth(1)
        .and_then(|r| r.split("</p>").next())
        .expect("the fingers asked for");
    assert_eq!(
        asked,
        "Jari telunjuk kanan, Jari tengah kanan, Jari manis kanan"
    );
    let done = b.post(&c.app, &fingers, &[("slap", "right")]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let s = c.agent.summary(&id).await.expect("summary");
    assert!(
        matches!(
            s.fingers.get(&5),
            Some(FingerSummary::Exception {
                reason: ExceptionReason::Amputated,
                photo: false
            })
        ),
        "{:?}",
        s.fingers.get(&5)
    );
    assert!(!s.fingers_missing.contains(&5));
    // Its form now says what is recorded instead of asking again.
    let again = b.get(&c.app, &form_path).await;
    assert!(
        again
            .body
            .contains("sudah dicatat sebagai pengecualian: diamputasi")
    );
    assert!(!again.body.contains("name=\"reason\""));
}

#[tokio::test]
async fn an_exception_can_keep_a_photo_of_the_hand_taken_with_the_camera() {
    let (c, _) = console(false);
    let id = at_fingers(&c.agent).await;
    let mut b = signed_in(&c, "op").await;
    let form_path = format!("/desk/{id}/fingers/1/exception");
    b.get(&c.app, &form_path).await;
    let recorded = b
        .post(
            &c.app,
            &form_path,
            &[("reason", "bandaged"), ("photo", "yes")],
        )
        .await;
    assert_eq!(recorded.status, StatusCode::SEE_OTHER, "{}", recorded.body);
    let s = c.agent.summary(&id).await.expect("summary");
    assert!(
        matches!(
            s.fingers.get(&1),
            Some(FingerSummary::Exception {
                reason: ExceptionReason::Bandaged,
                photo: true
            })
        ),
        "{:?}",
        s.fingers.get(&1)
    );
    let form = b.get(&c.app, &form_path).await;
    assert!(form.body.contains("Foto tangan disimpan."), "{}", form.body);
}

#[tokio::test]
async fn a_finger_already_taken_shown_as_another_is_refused_in_words_naming_both() {
    let (c, h) = console(false);
    let id = at_fingers(&c.agent).await;
    let mut b = signed_in(&c, "op").await;
    let index = b.post(&c.app, &format!("/desk/{id}/fingers/2"), &[]).await;
    assert_eq!(index.status, StatusCode::SEE_OTHER, "{}", index.body);
    // Asked for the right middle finger, the resident puts the right index down again.
    h.wrong.store(2, Ordering::SeqCst);
    let single = format!("/desk/{id}/fingers/3");
    b.get(&c.app, &single).await;
    let refused = b.post(&c.app, &single, &[]).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    assert!(
        refused.body.contains(
            "Sidik ini sama dengan jari telunjuk kanan yang sudah diambil. Letakkan jari tengah kanan."
        ),
        "{}",
        refused.body
    );
    assert!(
        refused.body.contains("href=\"#capture\""),
        "the summary links the button"
    );
    let s = c.agent.summary(&id).await.expect("summary");
    assert!(matches!(s.fingers.get(&3), Some(FingerSummary::Pending)));

    // The right hand placed again for the left slap: the whole slap is refused, in words (a
    // sentence naming the left finger and the right one it matches), and the diagram marks the
    // finger refused.
    let fingers = format!("/desk/{id}/fingers");
    b.get(&c.app, &fingers).await;
    let refused = b.post(&c.app, &fingers, &[("slap", "left")]).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    assert!(
        refused
            .body
            .contains("yang sudah diambil. Periksa tangan yang diletakkan"),
        "{}",
        refused.body
    );
    assert!(
        refused.body.contains("<a href=\"#capture\">Jari "),
        "{}",
        refused.body
    );
    assert!(refused.body.contains("f-refused"));
    let s = c.agent.summary(&id).await.expect("summary");
    for p in [7u8, 8, 9, 10] {
        assert!(matches!(s.fingers.get(&p), Some(FingerSummary::Pending)));
    }
}

#[tokio::test]
async fn the_diagram_names_each_finger_in_indonesian_and_english_in_anatomical_order() {
    let (c, _) = console(false);
    let id = at_fingers(&c.agent).await;
    let mut b = signed_in(&c, "op").await;
    let fingers = format!("/desk/{id}/fingers");
    let id_names = [
        "Jari kelingking kiri",
        "Jari manis kiri",
        "Jari tengah kiri",
        "Jari telunjuk kiri",
        "Ibu jari kiri",
        "Ibu jari kanan",
        "Jari telunjuk kanan",
        "Jari tengah kanan",
        "Jari manis kanan",
        "Jari kelingking kanan",
    ];
    let en_names = [
        "Left little finger",
        "Left ring finger",
        "Left middle finger",
        "Left index finger",
        "Left thumb",
        "Right thumb",
        "Right index finger",
        "Right middle finger",
        "Right ring finger",
        "Right little finger",
    ];
    for names in [id_names, en_names] {
        if names == en_names {
            b.get(&c.app, &fingers).await;
            let switched = b.post(&c.app, "/lang", &[]).await;
            assert_eq!(switched.status, StatusCode::SEE_OTHER);
        }
        let page = b.get(&c.app, &fingers).await;
        let mut at = 0;
        for name in names {
            let label = format!("aria-label=\"{name} — ");
            let found = page.body[at..]
                .find(&label)
                .unwrap_or_else(|| panic!("{name} missing or out of order"));
            at += found + label.len();
        }
        // Every finger is a link reachable with Tab (an SVG `<a href>`).
        assert_eq!(page.body.matches("<a class=\"finger ").count(), 10);
    }
}

#[tokio::test]
async fn an_unplugged_scanner_shows_a_banner_records_nothing_and_works_once_plugged_back() {
    let (c, h) = console(false);
    let id = at_fingers(&c.agent).await;
    let mut b = signed_in(&c, "op").await;
    let fingers = format!("/desk/{id}/fingers");
    b.get(&c.app, &fingers).await;
    h.plugged.store(false, Ordering::SeqCst);
    let failed = b.post(&c.app, &fingers, &[("slap", "right")]).await;
    assert_eq!(
        failed.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        failed.body
    );
    assert!(failed.body.contains("data-device-banner"));
    assert!(
        failed.body.contains(
            "Pemindai sidik jari tidak terhubung. Sambungkan kembali, lalu tekan Coba lagi."
        ),
        "{}",
        failed.body
    );
    assert!(failed.body.contains(">Coba lagi</button>"));
    // The session is kept as it was.
    let s = c.agent.summary(&id).await.expect("summary");
    assert_eq!(s.stage, Stage::Fingers);
    assert_eq!(s.fingers_missing.len(), 10);
    // A reload still says the scanner is gone.
    let reload = b.get(&c.app, &fingers).await;
    assert!(reload.body.contains("data-device-banner"));

    h.plugged.store(true, Ordering::SeqCst);
    let again = b.post(&c.app, &fingers, &[("slap", "right")]).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.body);
    let page = b.get(&c.app, &fingers).await;
    assert!(
        !page.body.contains("data-device-banner"),
        "the banner is gone"
    );
    let s = c.agent.summary(&id).await.expect("summary");
    for p in [2u8, 3, 4, 5] {
        assert!(
            matches!(s.fingers.get(&p), Some(FingerSummary::Captured(_))),
            "finger {p}: {:?}",
            s.fingers.get(&p)
        );
    }
}

async fn except_all(agent: &Agent, id: &str) {
    for p in FingerPosition::all() {
        agent
            .finger_exception(&op(), id, p, ExceptionReason::UnableToPrint, None, false)
            .await
            .expect("exception");
    }
}

#[tokio::test]
async fn the_irises_are_taken_left_and_right_with_their_scores_then_continue() {
    let (c, _) = console(true);
    let id = at_fingers(&c.agent).await;
    except_all(&c.agent, &id).await;
    let mut b = signed_in(&c, "op").await;
    let irises = format!("/desk/{id}/irises");
    // The fingers page sends the operator on to the irises.
    let fingers = b.get(&c.app, &format!("/desk/{id}/fingers")).await;
    assert!(fingers.body.contains(&format!("action=\"{irises}\"")));
    let page = b.get(&c.app, &irises).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("data-screen=\"desk-irises\""));
    assert!(page.body.contains("Batas mutu iris: 50 dari 100"));
    for eye in ["left", "right"] {
        for _ in 0..3 {
            let s = c.agent.summary(&id).await.expect("summary");
            if s.irises.get(eye).is_some_and(|c| c.done) {
                break;
            }
            let taken = b.post(&c.app, &format!("{irises}/{eye}"), &[]).await;
            assert_eq!(taken.status, StatusCode::SEE_OTHER, "{eye}: {}", taken.body);
            let page = b.get(&c.app, &irises).await;
            assert!(page.body.contains("Skor mutu: "), "{}", page.body);
        }
    }
    let s = c.agent.summary(&id).await.expect("summary");
    assert_eq!(s.stage, Stage::Review);
    let page = b.get(&c.app, &irises).await;
    assert!(page.body.contains("id=\"continue\""));
    assert!(!page.body.contains("id=\"capture-left\""));
}

#[tokio::test]
async fn without_an_iris_scanner_the_iris_step_says_it_is_skipped() {
    let (c, _) = console(false);
    let id = at_fingers(&c.agent).await;
    let mut b = signed_in(&c, "op").await;
    // Before the fingers are done, the iris page sends the operator back to them.
    let early = b.get(&c.app, &format!("/desk/{id}/irises")).await;
    assert_eq!(early.status, StatusCode::SEE_OTHER);
    assert_eq!(early.location, Some(format!("/desk/{id}/fingers")));
    except_all(&c.agent, &id).await;
    let page = b.get(&c.app, &format!("/desk/{id}/irises")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("tahap iris dilewati"), "{}", page.body);
    assert!(page.body.contains(&format!("action=\"/desk/{id}/review\"")));
}

#[tokio::test]
async fn a_page_of_a_session_at_another_step_sends_the_operator_there() {
    let (c, _) = console(false);
    let sample =
        rekam_sim::sample::enrollment(&rekam_sim::sample::SampleOptions::tiny(8, "WS-1", 0));
    let s = c
        .agent
        .start(
            &op(),
            StartRequest {
                applicant: sample.applicant,
                visit_location: None,
            },
        )
        .await
        .expect("start");
    let mut b = signed_in(&c, "op").await;
    let p = b.get(&c.app, &format!("/desk/{}/fingers", s.id)).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    assert_eq!(p.location, Some(format!("/desk/{}/face", s.id)));
    let p = b.get(&c.app, "/desk/no-such-session/fingers").await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_slap_the_desk_does_not_know_is_refused_naming_the_three_it_takes() {
    let (c, _) = console(false);
    let id = at_fingers(&c.agent).await;
    let mut b = signed_in(&c, "op").await;
    let fingers = format!("/desk/{id}/fingers");
    b.get(&c.app, &fingers).await;
    let refused = b.post(&c.app, &fingers, &[("slap", "elbows")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains(
            "Pilih slap yang akan diambil: empat jari kanan, empat jari kiri atau kedua ibu jari."
        ),
        "{}",
        refused.body
    );
    let s = c.agent.summary(&id).await.expect("summary");
    assert_eq!(s.fingers_missing.len(), 10, "nothing was taken");
}
