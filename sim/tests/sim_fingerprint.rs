//! The simulated fingerprint scanner through the `FingerprintScanner` trait: consistent fingers
//! across captures, 4-4-2 slaps with known positions, timeouts, cancellation, feedback.

use std::time::{Duration, Instant};

use rekam_drivers::fingerprint::{CaptureOptions, Feedback, Finger, FingerprintScanner, Slap};
use rekam_drivers::{Error, ErrorKind, GrayImage};
use rekam_sim::devices::{FingerPlacement, ScannerConfig, SimFingerprintScanner, SimPerson};
use rekam_sim::synth::Gray;

fn scanner(seed: u64, person: u64) -> SimFingerprintScanner {
    let mut s = SimFingerprintScanner::new(ScannerConfig::tiny(seed));
    s.set_person(Some(SimPerson::new(person)));
    s
}

fn opts() -> CaptureOptions {
    CaptureOptions::with_timeout(Duration::from_secs(5))
}

/// Pearson correlation of an impression with a master, sampling the master where the placement
/// says each impression pixel came from, over the middle of the finger.
fn agreement(image: &GrayImage, master: &Gray, place: &FingerPlacement) -> f64 {
    let (sin, cos) = place.angle.sin_cos();
    let (scx, scy) = (
        f64::from(master.width - 1) / 2.0,
        f64::from(master.height - 1) / 2.0,
    );
    let mut pairs = Vec::new();
    for y in (0..image.height()).step_by(2) {
        for x in (0..image.width()).step_by(2) {
            let (dx, dy) = (f64::from(x) - place.x, f64::from(y) - place.y);
            let sx = (scx + dx * cos + dy * sin).round();
            let sy = (scy - dx * sin + dy * cos).round();
            // Only the middle of the finger: there ridges, not the outline of the contact
            // area (which every finger shares), decide the agreement.
            if (sx - scx).abs() > scx * 0.5 || (sy - scy).abs() > scy * 0.5 {
                continue;
            }
            let m = master.pixels[sy as usize * master.width as usize + sx as usize];
            let i = image.get(x, y).expect("inside the image");
            pairs.push((f64::from(i), f64::from(m)));
        }
    }
    let n = pairs.len() as f64;
    let (ma, mb) = (
        pairs.iter().map(|p| p.0).sum::<f64>() / n,
        pairs.iter().map(|p| p.1).sum::<f64>() / n,
    );
    let cov: f64 = pairs.iter().map(|p| (p.0 - ma) * (p.1 - mb)).sum();
    let va: f64 = pairs.iter().map(|p| (p.0 - ma).powi(2)).sum();
    let vb: f64 = pairs.iter().map(|p| (p.1 - mb).powi(2)).sum();
    cov / (va * vb).sqrt()
}

fn spread(pixels: impl Iterator<Item = u8>) -> f64 {
    let v: Vec<f64> = pixels.map(f64::from).collect();
    let mean = v.iter().sum::<f64>() / v.len() as f64;
    (v.iter().map(|p| (p - mean).powi(2)).sum::<f64>() / v.len() as f64).sqrt()
}

#[test]
fn two_captures_of_one_finger_show_its_ridges_in_different_placements() {
    let mut s = scanner(1, 42);
    let size = s.capabilities().finger_image;
    let first = s.capture_finger(Finger::RightIndex, &opts()).unwrap();
    let place1 = s.last_layout()[0];
    let second = s.capture_finger(Finger::RightIndex, &opts()).unwrap();
    let place2 = s.last_layout()[0];
    assert_ne!(first.image, second.image);
    assert_ne!(place1, place2);
    assert_eq!(first.image.ppi(), 500);
    assert_eq!(
        (first.image.width(), first.image.height()),
        (size.width, size.height)
    );

    let mut person = SimPerson::new(42);
    let own = person
        .master(Finger::RightIndex, size.width, size.height)
        .clone();
    let other = person
        .master(Finger::LeftRing, size.width, size.height)
        .clone();
    for (image, place) in [(&first.image, &place1), (&second.image, &place2)] {
        let same = agreement(image, &own, place);
        let different = agreement(image, &other, place);
        assert!(
            same > 0.5,
            "impression agrees with its own finger only {same:.2}"
        );
        assert!(
            different < 0.3,
            "impression agrees with another finger {different:.2}"
        );
    }
}

#[test]
fn the_same_seeds_give_the_same_impressions() {
    let a = scanner(5, 6)
        .capture_finger(Finger::LeftThumb, &opts())
        .unwrap();
    let b = scanner(5, 6)
        .capture_finger(Finger::LeftThumb, &opts())
        .unwrap();
    let c = scanner(5, 7)
        .capture_finger(Finger::LeftThumb, &opts())
        .unwrap();
    assert_eq!(a, b);
    assert_ne!(a.image, c.image);
}

#[test]
fn a_four_finger_slap_places_each_finger_in_its_own_column_in_hand_order() {
    let mut s = scanner(2, 9);
    let slap = s.capture_slap(Slap::RightFour, &[], &opts()).unwrap();
    assert_eq!(slap.fingers, Slap::RightFour.fingers());
    let size = s.capabilities().slap_image.unwrap();
    assert_eq!(
        (slap.image.width(), slap.image.height()),
        (size.width, size.height)
    );
    let layout = s.last_layout().to_vec();
    let order: Vec<Finger> = layout.iter().map(|p| p.finger).collect();
    assert_eq!(order, Slap::RightFour.fingers());
    assert!(layout.windows(2).all(|w| w[0].x < w[1].x));
    // Ridges where each finger lies: far more contrast than bare platen.
    let column = |p: &FingerPlacement| {
        let (x0, y0) = ((p.x - 15.0) as u32, (p.y - 15.0) as u32);
        spread(
            (y0..y0 + 30)
                .flat_map(|y| (x0..x0 + 30).map(move |x| (x, y)))
                .map(|(x, y)| slap.image.get(x, y).unwrap()),
        )
    };
    for p in &layout {
        assert!(column(p) > 25.0, "{:?} shows no ridges", p.finger);
    }
    // The left hand lies mirrored: little finger leftmost.
    s.capture_slap(Slap::LeftFour, &[], &opts()).unwrap();
    assert_eq!(s.last_layout()[0].finger, Finger::LeftLittle);
}

#[test]
fn a_declared_missing_finger_is_left_out_of_the_slap_and_off_the_platen() {
    let mut s = scanner(3, 10);
    let slap = s
        .capture_slap(Slap::Thumbs, &[Finger::LeftThumb], &opts())
        .unwrap();
    assert_eq!(slap.fingers, vec![Finger::RightThumb]);
    let layout = s.last_layout();
    assert_eq!(layout.len(), 1);
    // The left half, where the left thumb would lie, is bare platen with only sensor noise.
    let (w, h) = (slap.image.width(), slap.image.height());
    let left_half = (0..h).flat_map(|y| (0..w / 3).map(move |x| (x, y)));
    assert!(spread(left_half.map(|(x, y)| slap.image.get(x, y).unwrap())) < 10.0);
}

#[test]
fn a_slap_with_every_finger_declared_missing_is_refused() {
    let mut s = scanner(3, 10);
    let err = s
        .capture_slap(
            Slap::Thumbs,
            &[Finger::LeftThumb, Finger::RightThumb],
            &opts(),
        )
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ProtocolViolation);
}

#[test]
fn an_amputated_finger_never_arrives_so_its_capture_times_out() {
    let mut s = SimFingerprintScanner::new(ScannerConfig::tiny(4));
    s.set_person(Some(SimPerson::new(4).without(&[Finger::LeftLittle])));
    let started = Instant::now();
    let err = s
        .capture_finger(
            Finger::LeftLittle,
            &CaptureOptions::with_timeout(Duration::from_millis(60)),
        )
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert!(started.elapsed() >= Duration::from_millis(55));
    assert!(
        err.to_string()
            .contains("rekam-sim simulated fingerprint scanner"),
        "{err}"
    );
}

#[test]
fn a_capture_with_nobody_at_the_scanner_times_out() {
    let mut s = SimFingerprintScanner::new(ScannerConfig::tiny(4));
    let err = s
        .capture_slap(
            Slap::LeftFour,
            &[],
            &CaptureOptions::with_timeout(Duration::from_millis(30)),
        )
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
}

#[test]
fn a_cancel_from_another_thread_ends_a_waiting_capture_promptly() {
    let mut config = ScannerConfig::tiny(5);
    config.placement_delay = Duration::from_secs(30);
    let mut s = SimFingerprintScanner::new(config);
    s.set_person(Some(SimPerson::new(5)));
    let options = CaptureOptions::with_timeout(Duration::from_secs(60));
    let token = options.cancel.clone();
    let canceller = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(50));
        token.cancel();
    });
    let started = Instant::now();
    let err = s.capture_finger(Finger::RightThumb, &options).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Cancelled);
    assert!(started.elapsed() < Duration::from_secs(5));
    canceller.join().unwrap();
}

#[test]
fn a_capture_waits_for_the_person_to_place_the_finger() {
    let mut config = ScannerConfig::tiny(6);
    config.placement_delay = Duration::from_millis(80);
    let mut s = SimFingerprintScanner::new(config);
    s.set_person(Some(SimPerson::new(6)));
    let started = Instant::now();
    s.capture_finger(Finger::RightIndex, &opts()).unwrap();
    assert!(started.elapsed() >= Duration::from_millis(75));
}

#[test]
fn preview_shows_the_platen_at_reduced_size_and_feedback_is_kept() {
    let mut s = scanner(7, 8);
    let empty = s.preview_frame(&opts()).unwrap();
    let slap = s.capabilities().slap_image.unwrap();
    assert_eq!(empty.width(), slap.width / 4);
    assert!(
        spread(empty.pixels().iter().copied()) < 10.0,
        "an empty platen shows ridges"
    );
    s.capture_finger(Finger::LeftIndex, &opts()).unwrap();
    let live = s.preview_frame(&opts()).unwrap();
    assert_eq!(live.width(), s.capabilities().finger_image.width / 4);
    assert!(spread(live.pixels().iter().copied()) > 15.0);
    s.set_feedback(Feedback::Accepted).unwrap();
    assert_eq!(s.feedback(), Feedback::Accepted);
}

#[test]
fn a_dry_finger_prints_lighter_than_a_good_one() {
    let mean = |image: &GrayImage| {
        image.pixels().iter().map(|&p| f64::from(p)).sum::<f64>() / image.pixels().len() as f64
    };
    let mut config = ScannerConfig::tiny(11);
    config.finger_image = rekam_drivers::identity::ImageSize {
        width: 240,
        height: 300,
    };
    let mut s = SimFingerprintScanner::new(config);
    s.set_person(Some(SimPerson::new(12)));
    let good = s.capture_finger(Finger::RightMiddle, &opts()).unwrap();
    s.set_condition(rekam_sim::prints::Condition::Dry);
    let dry = s.capture_finger(Finger::RightMiddle, &opts()).unwrap();
    assert!(
        mean(&dry.image) > mean(&good.image) + 10.0,
        "dry {:.0} good {:.0}",
        mean(&dry.image),
        mean(&good.image)
    );
}

#[test]
fn a_person_shows_the_same_finger_as_the_print_data_set_of_that_subject() {
    use rekam_sim::prints::MasterSize;
    use rekam_sim::prints::dataset::{finger_master, subject_seed};
    let person_seed = subject_seed(3, 2);
    let mut person = SimPerson::new(person_seed);
    let from_person = person.master_print(Finger::LeftIndex, 416, 560).clone();
    let from_set = finger_master(person_seed, Finger::LeftIndex, MasterSize::STANDARD);
    assert_eq!(from_person, from_set);
}
