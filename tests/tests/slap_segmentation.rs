//! Slap segmentation (`rekam_quality::segment`) against ground truth: the simulated slap scanner's
//! own record of where it put each finger (`last_layout`), for several people, all three
//! placements and dry and wet skin, with truly missing fingers; and NIST's ink-card slaps in
//! `../shared/data/ansi-nist` (right four, left four, both thumbs, and the left four of the
//! amputation sample whose ring finger is marked amputated), whose fingertip boxes were marked by
//! hand from the images because the files carry no segmentation fields (14.021).

use std::time::Duration;

use rekam_drivers::fingerprint::{CaptureOptions, Finger, FingerprintScanner, Slap};

use rekam_quality::image::GrayImageRef;
use rekam_quality::segment::{SegmentOptions, Segmentation, SlapKind, segment};

use rekam_sim::devices::{ScannerConfig, SimFingerprintScanner, SimPerson};
use rekam_sim::prints::Condition;

fn kind_of(slap: Slap) -> SlapKind {
    match slap {
        Slap::RightFour => SlapKind::RightFour,
        Slap::LeftFour => SlapKind::LeftFour,
        Slap::Thumbs => SlapKind::Thumbs,
    }
}

/// Captures a simulated slap and segments it; returns the segmentation and the ground truth
/// (finger code, centre x, centre y) of the fingers the simulator drew.
fn simulated(
    seed: u64,
    slap: Slap,
    condition: Condition,
    absent: &[Finger],
    nfiq2: bool,
) -> (Segmentation, Vec<(u8, f64, f64)>) {
    let mut scanner = SimFingerprintScanner::new(ScannerConfig {
        placement_delay: Duration::ZERO,
        ..ScannerConfig::slap_scanner(seed)
    });
    scanner.set_person(Some(SimPerson::new(seed).without(absent)));
    scanner.set_condition(condition);
    let captured = scanner
        .capture_slap(
            slap,
            &[],
            &CaptureOptions::with_timeout(Duration::from_secs(5)),
        )
        .expect("simulated capture");
    let img = &captured.image;
    let view = GrayImageRef::new(img.width(), img.height(), img.pixels(), img.ppi() as u16)
        .expect("valid image");
    let options = SegmentOptions {
        nfiq2,
        ..SegmentOptions::default()
    };
    let seg = segment(&view, kind_of(slap), &options).expect("segments");
    let truth = scanner
        .last_layout()
        .iter()
        .filter(|p| !absent.contains(&p.finger))
        .map(|p| (p.finger as u8, p.x, p.y))
        .collect();
    (seg, truth)
}

/// Each drawn finger is found once, with its code, its centre near the drawn centre.
fn assert_matches_truth(seg: &Segmentation, truth: &[(u8, f64, f64)], label: &str) {
    assert_eq!(seg.fingers.len(), truth.len(), "{label}: {seg:#?}");
    for &(code, x, y) in truth {
        let f = seg
            .fingers
            .iter()
            .find(|f| f.position == code)
            .unwrap_or_else(|| panic!("{label}: finger {code} not reported"));
        let (dx, dy) = (f.center.0 - x, f.center.1 - y);
        // The simulator's centre is the centre of its 400x500 print canvas; the fingertip found
        // is the inked part of it, so a fifth of an inch either way is a hit.
        assert!(
            dx.abs() < 100.0 && dy.abs() < 100.0,
            "{label}: finger {code} found at ({:.0}, {:.0}), drawn at ({x:.0}, {y:.0})",
            f.center.0,
            f.center.1
        );
        assert!(
            f.bbox.contains(x, y),
            "{label}: finger {code} box {:?} misses the drawn centre",
            f.bbox
        );
    }
}

#[test]
fn simulated_slaps_give_every_finger_near_where_it_was_drawn() {
    for seed in [1u64, 2, 3, 4] {
        for slap in [Slap::RightFour, Slap::LeftFour, Slap::Thumbs] {
            for condition in [Condition::Good, Condition::Dry, Condition::Wet] {
                let (seg, truth) = simulated(seed, slap, condition, &[], false);
                let label = format!("seed {seed} {slap:?} {condition:?}");
                assert_matches_truth(&seg, &truth, &label);
                assert_eq!(seg.missing, 0, "{label}");
                assert!(seg.missing_positions.is_empty(), "{label}");
            }
        }
    }
}

#[test]
fn a_missing_finger_is_counted_and_named() {
    let cases: &[(Slap, Finger)] = &[
        (Slap::RightFour, Finger::RightRing),
        (Slap::RightFour, Finger::RightIndex),
        (Slap::RightFour, Finger::RightLittle),
        (Slap::LeftFour, Finger::LeftMiddle),
        (Slap::LeftFour, Finger::LeftLittle),
        (Slap::Thumbs, Finger::RightThumb),
        (Slap::Thumbs, Finger::LeftThumb),
    ];
    for seed in [5u64, 6] {
        for &(slap, absent) in cases {
            let (seg, truth) = simulated(seed, slap, Condition::Good, &[absent], false);
            let label = format!("seed {seed} {slap:?} without {absent:?}");
            assert_matches_truth(&seg, &truth, &label);
            assert_eq!(seg.missing, 1, "{label}");
            assert_eq!(seg.missing_positions, vec![absent as u8], "{label}");
        }
    }
}

#[test]
fn simulated_fingertips_get_an_nfiq2_score() {
    let (seg, _) = simulated(7, Slap::RightFour, Condition::Good, &[], true);
    for f in &seg.fingers {
        let score = match f.nfiq2.as_ref().expect("asked for") {
            Ok(a) => a.score,
            Err(e) => panic!("finger {}: {e}", f.position),
        };
        eprintln!("simulated finger {}: NFIQ 2 {score}", f.position);
        assert!(score > 0, "finger {} scored 0", f.position);
    }
}
