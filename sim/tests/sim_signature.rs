//! The simulated signature pad through the `SignaturePad` trait: pen samples with time and
//! pressure, pen lifts, buttons, clear, and the optional screen.

use std::time::{Duration, Instant};

use rekam_drivers::identity::ImageSize;
use rekam_drivers::image::RgbImage;
use rekam_drivers::signature::{PadEvent, PenSample, SignaturePad};
use rekam_drivers::{Error, ErrorKind};
use rekam_sim::devices::{PadConfig, SignerAction, SimSignaturePad};

fn fast(script: Vec<SignerAction>) -> SimSignaturePad {
    SimSignaturePad::new(PadConfig {
        speed: 100.0,
        script,
        ..PadConfig::signs_and_accepts(3)
    })
}

/// Events until a button or `limit` events.
fn until_button(pad: &mut SimSignaturePad) -> (Vec<PenSample>, Option<PadEvent>) {
    let mut pens = Vec::new();
    for _ in 0..10_000 {
        match pad
            .next_event(Duration::from_secs(2))
            .expect("the pad answers")
        {
            Some(PadEvent::Pen(s)) => pens.push(s),
            Some(button) => return (pens, Some(button)),
            None => return (pens, None),
        }
    }
    (pens, None)
}

#[test]
fn a_signature_arrives_as_timed_pressured_samples_then_ok() {
    let mut pad = SimSignaturePad::new(PadConfig {
        speed: 100.0,
        ..PadConfig::signs_and_accepts(3)
    });
    let started = Instant::now();
    let (pens, button) = until_button(&mut pad);
    let played = started.elapsed();
    assert_eq!(button, Some(PadEvent::Accept));
    assert!(pens.len() > 200);
    let caps = pad.capabilities().clone();
    assert!(pens.iter().all(|s| s.x <= caps.max_x && s.y <= caps.max_y));
    assert!(pens.iter().all(|s| s.pressure <= caps.max_pressure));
    assert!(pens.windows(2).all(|w| w[0].time <= w[1].time));
    // Pen times are the signer's own: seconds of writing, played back a hundred times faster.
    let written = pens.last().unwrap().time;
    assert!(written > Duration::from_millis(1000), "{written:?}");
    assert!(played < written, "{played:?} vs {written:?}");
    // Between strokes the pen hovers (pressure 0) before touching down again.
    let lifts = pens
        .windows(2)
        .filter(|w| w[0].pressure == 0 && w[1].pressure > 0)
        .count();
    assert!(lifts >= 1);
    assert_eq!(pens.last().unwrap().pressure, 0);
}

#[test]
fn the_same_seed_gives_the_same_samples() {
    let (a, _) = until_button(&mut fast(vec![SignerAction::Sign, SignerAction::Accept]));
    let (b, _) = until_button(&mut fast(vec![SignerAction::Sign, SignerAction::Accept]));
    assert_eq!(a, b);
}

#[test]
fn after_a_clear_the_signer_starts_over_and_times_restart_at_zero() {
    let mut pad = fast(vec![
        SignerAction::Sign,
        SignerAction::Clear,
        SignerAction::Pause(Duration::from_millis(100)),
        SignerAction::Sign,
        SignerAction::Cancel,
    ]);
    let (first, button) = until_button(&mut pad);
    assert_eq!(button, Some(PadEvent::Clear));
    pad.clear().unwrap();
    let (second, button) = until_button(&mut pad);
    assert_eq!(button, Some(PadEvent::Cancel));
    assert!(
        second[0].time < first.last().unwrap().time / 2,
        "{:?}",
        second[0].time
    );
    assert_ne!(first, second, "each take drifts on the pad");
}

#[test]
fn nothing_due_within_the_wait_is_none_not_an_error() {
    let mut pad = SimSignaturePad::new(PadConfig {
        script: vec![
            SignerAction::Pause(Duration::from_secs(60)),
            SignerAction::Accept,
        ],
        ..PadConfig::signs_and_accepts(1)
    });
    let started = Instant::now();
    assert_eq!(pad.next_event(Duration::from_millis(30)).unwrap(), None);
    assert!(started.elapsed() >= Duration::from_millis(25));
}

#[test]
fn the_screen_takes_images_of_its_size_only() {
    let mut pad = fast(vec![]);
    let fits = RgbImage::new(800, 480, vec![0; 800 * 480 * 3]).unwrap();
    pad.show_image(&fits).unwrap();
    assert_eq!(pad.screen(), Some(&fits));
    let wrong = RgbImage::new(2, 2, vec![0; 12]).unwrap();
    assert_eq!(
        pad.show_image(&wrong).unwrap_err().kind(),
        ErrorKind::ProtocolViolation
    );
    let mut blind = SimSignaturePad::new(PadConfig {
        screen: None,
        ..PadConfig::signs_and_accepts(1)
    });
    assert_eq!(
        blind.show_image(&fits).unwrap_err().kind(),
        ErrorKind::Unsupported
    );
    assert!(
        pad.capabilities().screen
            == Some(ImageSize {
                width: 800,
                height: 480
            })
    );
}
