//! NFIQ 2 against NIST's own expected outputs for the five SFinGe example images shipped with
//! NFIQ 2.3: every measure that does not need minutiae, the actionable feedback, and the unified
//! score when the four minutiae measures are taken from NIST's report.

use rekam_quality::nfiq2::{self, MinutiaeFeatures};
use rekam_quality::pgm::read_pgm;
use std::collections::HashMap;

const MINUTIAE_NAMES: [&str; 4] = [
    "FingerJetFX_MinCount_COMMinRect200x200",
    "FingerJetFX_MinutiaeCount",
    "FJFXPos_Mu_MinutiaeQuality_2",
    "FJFXPos_OCL_MinutiaeQuality_80",
];

struct Example {
    name: String,
    image: rekam_quality::image::GrayImage,
    expected: HashMap<String, f64>,
}

fn examples() -> Vec<Example> {
    let mut out = Vec::new();
    for i in 1..=5 {
        let name = format!("SFinGe_Test0{i}");
        let Some(pgm) = rekam_tests::shared_data(&format!("nfiq2/examples/{name}.pgm")) else {
            return Vec::new();
        };
        let Some(txt) = rekam_tests::shared_data(&format!("nfiq2/examples/{name}_output.txt"))
        else {
            return Vec::new();
        };
        let expected = String::from_utf8(txt)
            .expect("NIST output is text")
            .lines()
            .filter_map(|l| l.split_once(": "))
            .map(|(k, v)| {
                (
                    k.trim().to_string(),
                    v.trim().parse::<f64>().expect("NIST value"),
                )
            })
            .collect();
        out.push(Example {
            name,
            image: read_pgm(&pgm).expect("NIST example PGM"),
            expected,
        });
    }
    out
}

/// NIST prints six significant digits.
fn close(actual: f64, expected: f64) -> bool {
    (actual - expected).abs() <= 6e-6 * expected.abs().max(1e-3)
}

fn nist_minutiae_features(e: &Example) -> MinutiaeFeatures {
    MinutiaeFeatures {
        count_com_200: e.expected[MINUTIAE_NAMES[0]],
        count: e.expected[MINUTIAE_NAMES[1]],
        mu_quality_2: e.expected[MINUTIAE_NAMES[2]],
        ocl_quality_80: e.expected[MINUTIAE_NAMES[3]],
    }
}

#[test]
fn every_image_measure_matches_nist_expected_output() {
    let mut failures = Vec::new();
    for e in examples() {
        let img = e.image.view(500).unwrap();
        let f = nfiq2::image_features(&img).unwrap();
        for (name, value) in nfiq2::FEATURE_NAMES.iter().zip(f.values) {
            if MINUTIAE_NAMES.contains(name) {
                assert!(value.is_nan(), "{name} must be left to the minutiae step");
                continue;
            }
            let want = e.expected[*name];
            if !close(value, want) {
                failures.push(format!("{} {name}: got {value}, NIST {want}", e.name));
            }
        }
    }
    assert!(failures.is_empty(), "mismatches:\n{}", failures.join("\n"));
}

#[test]
fn score_and_actionable_feedback_match_nist_with_nist_minutiae_measures() {
    for e in examples() {
        let img = e.image.view(500).unwrap();
        let a = nfiq2::assess_with_minutiae_features(&img, nist_minutiae_features(&e)).unwrap();
        assert_eq!(
            f64::from(a.score),
            e.expected["UnifiedQualityScore"],
            "{} UnifiedQualityScore",
            e.name
        );
        for (name, value) in a.actionable.named() {
            assert!(
                close(value, e.expected[name]),
                "{} {name}: got {value}, NIST {}",
                e.name,
                e.expected[name]
            );
        }
        assert_eq!(a.features.len(), 69);
        assert!(a.actionable.has_sufficient_foreground());
        assert!(!a.actionable.is_uniform() && !a.actionable.is_empty_or_low_contrast());
    }
}

#[test]
fn features_are_listed_under_nist_names_in_random_forest_order() {
    let Some(e) = examples().into_iter().next() else {
        return;
    };
    let a = nfiq2::assess_with_minutiae_features(
        &e.image.view(500).unwrap(),
        nist_minutiae_features(&e),
    )
    .unwrap();
    let names: Vec<&str> = a.features.iter().map(|(n, _)| *n).collect();
    assert_eq!(names, nfiq2::FEATURE_NAMES);
    // Every name NIST reports, and nothing else, appears.
    let reported: Vec<&String> = e
        .expected
        .keys()
        .filter(|k| k.contains('_') && !k.starts_with("Unified") || *k == "MMB" || *k == "Mu")
        .filter(|k| !matches!(k.as_str(), "UniformImage" | "EmptyImageOrContrastTooLow"))
        .collect();
    assert_eq!(reported.len(), 69);
    for k in reported {
        assert!(names.contains(&k.as_str()), "{k} missing");
    }
}

#[test]
fn non_500_ppi_blank_and_uniform_images_are_refused_as_nist_does() {
    let px = vec![128u8; 300 * 300];
    let img = rekam_quality::image::GrayImageRef::new(300, 300, &px, 1000).unwrap();
    assert_eq!(
        nfiq2::assess(&img, &[]).unwrap_err(),
        nfiq2::Nfiq2Error::UnsupportedResolution(1000)
    );
    let img = rekam_quality::image::GrayImageRef::new(300, 300, &px, 500).unwrap();
    assert!(matches!(
        nfiq2::assess(&img, &[]).unwrap_err(),
        nfiq2::Nfiq2Error::Measure {
            measure: "FrequencyDomainAnalysis",
            ..
        }
    ));
    let white = vec![255u8; 300 * 300];
    let img = rekam_quality::image::GrayImageRef::new(300, 300, &white, 500).unwrap();
    assert_eq!(
        nfiq2::assess(&img, &[]).unwrap_err(),
        nfiq2::Nfiq2Error::BlankImage("rows")
    );
    // NIST trims before any measure checks the resolution.
    let img = rekam_quality::image::GrayImageRef::new(300, 300, &white, 1000).unwrap();
    assert_eq!(
        nfiq2::assess(&img, &[]).unwrap_err(),
        nfiq2::Nfiq2Error::BlankImage("rows")
    );
}

#[test]
fn minutiae_are_taken_in_trimmed_image_coordinates() {
    let Some(e) = examples().into_iter().next() else {
        return;
    };
    let minutiae: Vec<nfiq2::Minutia> = (0..40)
        .map(|i| nfiq2::Minutia {
            x: 60 + 7 * i,
            y: 80 + 9 * i,
            angle: (i * 6) as u8,
            quality: 60,
        })
        .collect();
    let plain = nfiq2::assess(&e.image.view(500).unwrap(), &minutiae).unwrap();
    // The same print inside a white frame trims back to the same image and the same result.
    let (w, h) = (e.image.width + 50, e.image.height + 30);
    let mut px = vec![255u8; (w * h) as usize];
    for y in 0..e.image.height {
        for x in 0..e.image.width {
            px[((y + 10) * w + x + 20) as usize] = e.image.pixels[(y * e.image.width + x) as usize];
        }
    }
    let framed = rekam_quality::image::GrayImageRef::new(w, h, &px, 500).unwrap();
    assert_eq!(nfiq2::assess(&framed, &minutiae).unwrap(), plain);
    assert_eq!(plain.actionable.fingerprint_image_with_minutiae, 40.0);
    // The public minutiae step on the trimmed image gives the same four measures.
    let trimmed = nfiq2::trimmed(&framed).unwrap();
    let m = nfiq2::minutiae_features::compute(&trimmed.view(500).unwrap(), &minutiae).unwrap();
    let four: Vec<f64> = plain.features[12..16].iter().map(|(_, v)| *v).collect();
    assert_eq!(
        four,
        [m.count_com_200, m.count, m.mu_quality_2, m.ocl_quality_80]
    );
    assert_eq!(plain.features[13], ("FingerJetFX_MinutiaeCount", 40.0));
}
