//! Face checks on real portraits from `../shared/data/faces`: the NASA astronaut portrait (eyes
//! about 44 px apart) and an official portrait (910x1137, eyes about 105-115 px apart, office
//! backdrop).

mod common;

use rekam_quality::face::{Check, FaceAssessor, FaceOptions};

fn failing(report: &rekam_quality::face::FaceReport) -> Vec<Check> {
    report
        .components
        .iter()
        .filter(|c| !c.passed)
        .map(|c| c.check)
        .collect()
}

#[test]
fn the_astronaut_portrait_has_one_face_whose_eyes_are_too_close_for_a_card_photo() {
    let Some(pic) = common::shared_face("astronaut.png") else {
        return;
    };
    let mut a = FaceAssessor::seeta().expect("detector");
    let r = a
        .assess(&pic.view(), &FaceOptions::default())
        .expect("assess");
    assert_eq!(r.faces.len(), 1, "{:?}", r.faces);
    let g = r.geometry.expect("geometry");
    let ied = (g.right_eye.x - g.left_eye.x).hypot(g.right_eye.y - g.left_eye.y);
    eprintln!(
        "astronaut: box {:?} eyes {:?} {:?} ied {ied:.1}",
        g.bbox, g.left_eye, g.right_eye
    );
    assert!((38.0..=50.0).contains(&ied), "inter-eye distance {ied}");
    // The eyes sit inside the detector box, left of right, level within a few pixels.
    for e in [g.left_eye, g.right_eye] {
        assert!(e.x > g.bbox.x && e.x < g.bbox.x + g.bbox.width);
        assert!(e.y > g.bbox.y && e.y < g.bbox.y + g.bbox.height * 0.6);
    }
    let fails = failing(&r);
    assert!(fails.contains(&Check::InterEyeDistance), "{fails:?}");
    assert!(!r.passed);
    // The pose, focus and exposure of a studio portrait are fine.
    for ok in [
        Check::Roll,
        Check::Yaw,
        Check::Sharpness,
        Check::LuminanceMean,
        Check::EyesOpen,
        Check::NoGlasses,
    ] {
        assert!(!fails.contains(&ok), "{ok:?} failed: {fails:?}");
    }
    assert_eq!(
        r.advice
            .as_ref()
            .map(|m| m.en.starts_with("Face too small")),
        Some(true),
        "{:?}",
        r.advice
    );
}

#[test]
fn the_official_portrait_is_framed_and_posed_well_but_its_office_backdrop_fails() {
    let Some(pic) = common::shared_face("portrait-1.jpg") else {
        return;
    };
    assert_eq!((pic.width, pic.height), (910, 1137));
    let mut a = FaceAssessor::seeta().expect("detector");
    let r = a
        .assess(&pic.view(), &FaceOptions::default())
        .expect("assess");
    assert_eq!(r.faces.len(), 1);
    let g = r.geometry.expect("geometry");
    let ied = (g.right_eye.x - g.left_eye.x).hypot(g.right_eye.y - g.left_eye.y);
    eprintln!(
        "portrait-1: box {:?} eyes {:?} {:?} ied {ied:.1}",
        g.bbox, g.left_eye, g.right_eye
    );
    assert!((95.0..=120.0).contains(&ied), "inter-eye distance {ied}");
    // Eye rows measured by hand: about 213 px.
    assert!((g.left_eye.y - 213.0).abs() < 10.0 && (g.right_eye.y - 213.0).abs() < 10.0);
    let fails = failing(&r);
    assert_eq!(
        fails,
        vec![Check::BackgroundUniformity],
        "{:#?}",
        r.components
    );
    // A card photo can be cut from it.
    let crop = r.crop.expect("crop");
    assert!(crop.inside, "{crop:?}");
    assert!(
        (f64::from(crop.width) / f64::from(crop.height) - 0.75).abs() < 0.01,
        "{crop:?}"
    );
    // The head (crown estimated, chin from the eyes) fills 70-80% of it.
    let share = (g.chin_y - g.crown_y) / f64::from(crop.height);
    assert!((0.70..=0.80).contains(&share), "{share}");
    let json = serde_json::to_string(&r).expect("json");
    assert!(json.contains("\"BackgroundUniformity\""));
}
