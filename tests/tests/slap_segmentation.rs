//! Slap segmentation (`rekam_quality::segment`) against ground truth: the simulated slap scanner's
//! own record of where it put each finger (`last_layout`), for several people, all three
//! placements and dry and wet skin, with truly missing fingers; and NIST's ink-card slaps in
//! `../shared/data/ansi-nist` (right four, left four, both thumbs, and the left four of the
//! amputation sample whose ring finger is marked amputated), whose fingertip boxes were marked by
//! hand from the images because the files carry no segmentation fields (14.021).

use std::time::Duration;

use rekam_drivers::fingerprint::{CaptureOptions, Finger, FingerprintScanner, Slap};

use rekam_protocol::ansi_nist::{Compression, Transaction};
use rekam_quality::image::GrayImageRef;
use rekam_quality::segment::{BoundingBox, SegmentOptions, Segmentation, SlapKind, segment};
use rekam_quality::wsq;

use rekam_sim::devices::{ScannerConfig, SimFingerprintScanner, SimPerson};
use rekam_sim::prints::Condition;
use rekam_tests::shared_data;

/// A segmented simulated slap, the drawn fingers (code, x, y) and (lean found, lean drawn).
type Simulated = (Segmentation, Vec<(u8, f64, f64)>, Vec<(f64, f64)>);

fn kind_of(slap: Slap) -> SlapKind {
    match slap {
        Slap::RightFour => SlapKind::RightFour,
        Slap::LeftFour => SlapKind::LeftFour,
        Slap::Thumbs => SlapKind::Thumbs,
    }
}

/// Captures a simulated slap and segments it; returns the segmentation, the ground truth
/// (finger code, centre x, centre y) of the fingers the simulator drew, and (lean found, lean
/// drawn) in degrees for each finger found.
fn simulated(
    seed: u64,
    slap: Slap,
    condition: Condition,
    absent: &[Finger],
    nfiq2: bool,
) -> Simulated {
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
    let leans = scanner
        .last_layout()
        .iter()
        .filter_map(|p| {
            let f = seg.fingers.iter().find(|f| f.position == p.finger as u8)?;
            Some((f.angle_deg, p.angle.to_degrees()))
        })
        .collect();
    (seg, truth, leans)
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
    let mut lean_errors = Vec::new();
    for seed in [1u64, 2, 3, 4] {
        for slap in [Slap::RightFour, Slap::LeftFour, Slap::Thumbs] {
            for condition in [Condition::Good, Condition::Dry, Condition::Wet] {
                let (seg, truth, leans) = simulated(seed, slap, condition, &[], false);
                lean_errors.extend(leans.iter().map(|(found, drawn)| (found - drawn).abs()));
                let label = format!("seed {seed} {slap:?} {condition:?}");
                assert_matches_truth(&seg, &truth, &label);
                assert_eq!(seg.missing, 0, "{label}");
                assert!(seg.missing_positions.is_empty(), "{label}");
            }
        }
    }
    // The lean comes from the outline of a nearly round fingertip: coarse, but with the sign and
    // rough size of the drawn turn (a flipped sign would roughly double the error).
    let n = lean_errors.len() as f64;
    let mean = lean_errors.iter().sum::<f64>() / n;
    let worst = lean_errors.iter().copied().fold(0.0, f64::max);
    eprintln!("simulated leans: mean error {mean:.1} deg, worst {worst:.1} deg over {n} fingers");
    assert!(mean < 9.0, "mean lean error {mean:.1} deg");
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
            let (seg, truth, _) = simulated(seed, slap, Condition::Good, &[absent], false);
            let label = format!("seed {seed} {slap:?} without {absent:?}");
            assert_matches_truth(&seg, &truth, &label);
            assert_eq!(seg.missing, 1, "{label}");
            assert_eq!(seg.missing_positions, vec![absent as u8], "{label}");
        }
    }
}

#[test]
fn simulated_fingertips_get_an_nfiq2_score() {
    let (seg, _, _) = simulated(7, Slap::RightFour, Condition::Good, &[], true);
    for f in &seg.fingers {
        let score = match f.nfiq2.as_ref().expect("asked for") {
            Ok(a) => a.score,
            Err(e) => panic!("finger {}: {e}", f.position),
        };
        eprintln!("simulated finger {}: NFIQ 2 {score}", f.position);
        assert!(score > 0, "finger {} scored 0", f.position);
    }
}

/// Fingertip boxes marked by hand on NIST's ink-card slaps (left, top, right, bottom in source
/// pixels), each from the top of the print down to its first crease or the image edge.
/// A finger position code and its box (left, top, right, bottom).
type Marked = (u8, [u32; 4]);

/// A decoded slap record: FGP, width, height, pixels.
type Slap8 = (u8, u32, u32, Vec<u8>);

const NIST_TRUTH: &[(u8, &[Marked])] = &[
    (
        13,
        &[
            (2, [120, 472, 400, 940]),
            (3, [400, 72, 700, 512]),
            (4, [788, 48, 1060, 432]),
            (5, [1212, 392, 1500, 772]),
        ],
    ),
    (
        14,
        &[
            (10, [168, 632, 400, 928]),
            (9, [428, 72, 748, 560]),
            (8, [780, 0, 1048, 340]),
            (7, [1140, 152, 1428, 608]),
        ],
    ),
    (15, &[(6, [0, 352, 400, 1000]), (1, [532, 312, 804, 1000])]),
];

fn kind_for(fgp: u8) -> SlapKind {
    match fgp {
        13 => SlapKind::RightFour,
        14 => SlapKind::LeftFour,
        _ => SlapKind::Thumbs,
    }
}

/// Every slap image (FGP 13, 14, 15) of a NIST transaction, decoded: (FGP, width, height, pixels).
fn nist_slaps(name: &str) -> Option<Vec<Slap8>> {
    let data = shared_data(&format!("ansi-nist/{name}"))?;
    let tx = Transaction::parse(&data).expect("parses");
    let slaps = tx
        .finger_images()
        .expect("finger images")
        .into_iter()
        .filter(|f| (13..=15).contains(&f.position))
        .map(|f| {
            assert_eq!(f.compression, Compression::Wsq, "{name}");
            assert_eq!(f.ppi, Some(500), "{name}");
            let img = wsq::decode(f.data).expect("WSQ decodes");
            (f.position, img.width as u32, img.height as u32, img.pixels)
        })
        .collect();
    Some(slaps)
}

#[test]
fn nist_slaps_give_each_finger_inside_its_hand_marked_box_with_a_score() {
    let Some(slaps) = nist_slaps("type-4-14-slaps.an2") else {
        return;
    };
    let fgps: Vec<u8> = slaps.iter().map(|s| s.0).collect();
    assert_eq!(
        fgps,
        vec![14, 13, 15],
        "the slap file holds left four, right four, thumbs"
    );
    let mut ious = Vec::new();
    for (fgp, w, h, pixels) in &slaps {
        let view = GrayImageRef::new(*w, *h, pixels, 500).expect("valid");
        let seg = segment(&view, kind_for(*fgp), &SegmentOptions::default()).expect("segments");
        let truth = NIST_TRUTH
            .iter()
            .find(|t| t.0 == *fgp)
            .map(|t| t.1)
            .expect("truth");
        assert_eq!(seg.missing, 0, "FGP {fgp}: {seg:#?}");
        assert_eq!(seg.fingers.len(), truth.len(), "FGP {fgp}");
        for (code, [l, t, r, b]) in truth {
            let marked = BoundingBox {
                left: *l,
                top: *t,
                right: *r,
                bottom: *b,
            };
            let f = seg
                .fingers
                .iter()
                .find(|f| f.position == *code)
                .unwrap_or_else(|| panic!("FGP {fgp}: finger {code} not reported"));
            let iou = f.bbox.iou(&marked);
            let score = match f.nfiq2.as_ref().expect("asked for") {
                Ok(a) => a.score.to_string(),
                Err(e) => format!("none ({e})"),
            };
            eprintln!(
                "NIST FGP {fgp} finger {code}: centre ({:.0}, {:.0}), lean {:.1} deg, box {:?}, \
                 IoU {iou:.2} with the hand-marked box, NFIQ 2 {score}",
                f.center.0, f.center.1, f.angle_deg, f.bbox
            );
            assert!(
                marked.contains(f.center.0, f.center.1),
                "FGP {fgp} finger {code}: centre ({:.0}, {:.0}) outside {marked:?}",
                f.center.0,
                f.center.1
            );
            ious.push(iou);
            // Ink-card fingertips are ordinary prints: NFIQ 2 scores each of them.
            assert!(
                f.nfiq2.as_ref().is_some_and(Result::is_ok),
                "FGP {fgp} finger {code}"
            );
        }
    }
    let mean = ious.iter().sum::<f64>() / ious.len() as f64;
    eprintln!("NIST slaps: mean IoU {mean:.2} over {} fingers", ious.len());
    assert!(mean >= 0.5, "mean IoU {mean:.2}");
}

#[test]
fn the_amputated_ring_finger_of_nist_left_slap_is_reported_missing() {
    let Some(slaps) = nist_slaps("type-14-amp-nqm-utf8.an2") else {
        return;
    };
    // The record marks finger 9 amputated (14.018) and its image has no print there.
    let (_, w, h, pixels) = slaps.iter().find(|s| s.0 == 14).expect("left slap");
    let view = GrayImageRef::new(*w, *h, pixels, 500).expect("valid");
    let seg = segment(&view, SlapKind::LeftFour, &SegmentOptions::default()).expect("segments");
    assert_eq!(seg.missing, 1, "{seg:#?}");
    assert_eq!(seg.missing_positions, vec![9]);
    let mut found: Vec<u8> = seg.fingers.iter().map(|f| f.position).collect();
    found.sort_unstable();
    assert_eq!(found, vec![7, 8, 10]);
    let truth = NIST_TRUTH[1].1;
    for f in &seg.fingers {
        let [l, t, r, b] = truth.iter().find(|x| x.0 == f.position).expect("marked").1;
        let marked = BoundingBox {
            left: l,
            top: t,
            right: r,
            bottom: b,
        };
        assert!(
            marked.contains(f.center.0, f.center.1),
            "finger {}",
            f.position
        );
    }
}
