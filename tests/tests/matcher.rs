//! The duplicate-finger matcher (`rekam_quality::matching`, Minutia Cylinder-Code) on simulated
//! and real prints: genuine pairs (two impressions of one finger) score above
//! `SAME_FINGER_THRESHOLD` and impostor pairs (another finger of the same person, or of someone
//! else) below it.
//!
//! Templates come from the capture path's own minutiae: `fingerprint::nfiq2`'s assessment (the
//! FingerJet FX port); an impression NFIQ 2 refuses gets whatever FingerJet FX finds on it.
//! Distributions, EER and the error rates at the threshold are printed (`--nocapture`).

use rekam_drivers::fingerprint::Finger;
use rekam_protocol::ansi_nist::{Compression, Transaction};
use rekam_quality::fingerprint;
use rekam_quality::image::GrayImageRef;
use rekam_quality::matching::{SAME_FINGER_THRESHOLD, Template, compare};
use rekam_quality::minutiae;
use rekam_quality::wsq;
use rekam_sim::prints::dataset::{finger_master, impression, subject_seed};
use rekam_sim::prints::{Condition, MasterSize};
use rekam_tests::shared_data;

const SEED: u64 = 4242;
const SUBJECTS: u32 = 4;

/// The template the capture path would build from a 500 ppi gray image.
fn template(width: u32, height: u32, pixels: &[u8]) -> Template {
    let view = GrayImageRef::new(width, height, pixels, 500).expect("a 500 ppi view");
    match fingerprint::nfiq2(&view) {
        Ok(a) => Template::new(&a.minutiae),
        Err(_) => minutiae::extract_unchecked(pixels, width, height, 500)
            .map(|e| Template::new(&e.minutiae))
            .unwrap_or_else(|_| Template::new(&[])),
    }
}

/// Rates at `threshold`: (false matches among impostors, false non-matches among genuines).
fn rates(genuine: &[f64], impostor: &[f64], threshold: f64) -> (f64, f64) {
    let fmr = impostor.iter().filter(|&&s| s >= threshold).count() as f64 / impostor.len() as f64;
    let fnmr = genuine.iter().filter(|&&s| s < threshold).count() as f64 / genuine.len() as f64;
    (fmr, fnmr)
}

/// Equal error rate: the smallest worse-of-the-two error over every threshold the scores give.
fn eer(genuine: &[f64], impostor: &[f64]) -> f64 {
    genuine
        .iter()
        .chain(impostor)
        .map(|&t| {
            let (fmr, fnmr) = rates(genuine, impostor, t);
            fmr.max(fnmr)
        })
        .fold(1.0, f64::min)
}

fn summary(name: &str, scores: &[f64]) -> String {
    let mut s = scores.to_vec();
    s.sort_by(f64::total_cmp);
    let q = |p: f64| s[((s.len() - 1) as f64 * p).round() as usize];
    format!(
        "{name} ({} pairs): min {:.3} p5 {:.3} median {:.3} p95 {:.3} max {:.3}",
        s.len(),
        q(0.0),
        q(0.05),
        q(0.5),
        q(0.95),
        q(1.0)
    )
}

struct SimFinger {
    subject: u32,
    good: [Template; 2],
    degraded: Vec<(Condition, Template)>,
}

fn simulated() -> Vec<SimFinger> {
    let mut out = Vec::new();
    for subject in 1..=SUBJECTS {
        for finger in Finger::ALL {
            let master = finger_master(subject_seed(SEED, subject), finger, MasterSize::STANDARD);
            let shot = |i: u32, c: Condition| {
                let g = impression(SEED, &master, subject, finger, i, c);
                template(g.width, g.height, &g.pixels)
            };
            out.push(SimFinger {
                subject,
                good: [shot(1, Condition::Good), shot(2, Condition::Good)],
                degraded: [
                    Condition::Dry,
                    Condition::Wet,
                    Condition::Partial,
                    Condition::Noisy,
                ]
                .into_iter()
                .map(|c| (c, shot(1, c)))
                .collect(),
            });
        }
    }
    out
}

#[test]
fn simulated_repeats_of_a_finger_match_and_other_fingers_do_not() {
    let fingers = simulated();
    let mut genuine = Vec::new();
    let (mut same_person, mut other_person) = (Vec::new(), Vec::new());
    for (i, a) in fingers.iter().enumerate() {
        genuine.push(compare(&a.good[0], &a.good[1]));
        for (j, b) in fingers.iter().enumerate() {
            if i == j {
                continue;
            }
            let s = compare(&a.good[0], &b.good[1]);
            if a.subject == b.subject {
                same_person.push(s);
            } else {
                other_person.push(s);
            }
        }
    }
    let impostor: Vec<f64> = same_person.iter().chain(&other_person).copied().collect();
    eprintln!("{}", summary("good genuine", &genuine));
    eprintln!("{}", summary("impostor, same person", &same_person));
    eprintln!("{}", summary("impostor, other people", &other_person));
    let (fmr, fnmr) = rates(&genuine, &impostor, SAME_FINGER_THRESHOLD);
    eprintln!(
        "good: EER {:.4}; at threshold {SAME_FINGER_THRESHOLD}: FMR {fmr:.4}, FNMR {fnmr:.4}",
        eer(&genuine, &impostor)
    );

    for condition in [
        Condition::Dry,
        Condition::Wet,
        Condition::Partial,
        Condition::Noisy,
    ] {
        let degraded: Vec<&Template> = fingers
            .iter()
            .map(|f| {
                f.degraded
                    .iter()
                    .find(|(c, _)| *c == condition)
                    .map(|(_, t)| t)
                    .expect("every condition")
            })
            .collect();
        let g: Vec<f64> = fingers
            .iter()
            .zip(&degraded)
            .map(|(f, d)| compare(&f.good[0], d))
            .collect();
        let mut imp = Vec::new();
        for (i, f) in fingers.iter().enumerate() {
            for (j, d) in degraded.iter().enumerate() {
                if i != j && fingers[j].subject == f.subject {
                    imp.push(compare(&f.good[0], d));
                }
            }
        }
        let (fmr, fnmr) = rates(&g, &imp, SAME_FINGER_THRESHOLD);
        eprintln!(
            "{} vs good: {}; {}; EER {:.4}; FMR {fmr:.4}, FNMR {fnmr:.4}",
            condition.name(),
            summary("genuine", &g),
            summary("impostor same person", &imp),
            eer(&g, &imp)
        );
    }

    let lowest_genuine = genuine.iter().copied().fold(f64::INFINITY, f64::min);
    let highest_impostor = impostor.iter().copied().fold(0.0, f64::max);
    assert!(
        lowest_genuine > SAME_FINGER_THRESHOLD,
        "a good genuine pair scored {lowest_genuine}"
    );
    assert!(
        highest_impostor < SAME_FINGER_THRESHOLD,
        "an impostor pair scored {highest_impostor}"
    );
}
