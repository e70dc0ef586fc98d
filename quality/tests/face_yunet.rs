//! The optional YuNet detector (feature `yunet`) with `../shared/models/yunet_s_640_640.onnx`:
//! faces and five landmarks on the real portraits and on simulated faces, and the full checks
//! with landmark eyes (which also give pitch).
#![cfg(feature = "yunet")]

mod common;

use std::path::PathBuf;

use rekam_quality::face::{Check, FaceAssessor, FaceDetector, FaceOptions, YunetDetector};
use rekam_sim::devices::FaceScene;
use rekam_sim::synth::Background;

/// The model, or `None` outside CI when it is missing (a failure in CI).
fn model() -> Option<PathBuf> {
    let path = rekam_tests::workspace_root().join("../shared/models/yunet_s_640_640.onnx");
    if path.exists() {
        return Some(path);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{} is missing under CI",
        path.display()
    );
    eprintln!("note: skipping, {} unavailable", path.display());
    None
}

#[test]
fn yunet_finds_the_real_portraits_with_eyes_where_they_are() {
    let Some(path) = model() else { return };
    let mut yunet = YunetDetector::load(&path).expect("model");
    assert_eq!(yunet.input_size(), 640);
    // (file, expected inter-eye distance range, eye row)
    for (name, ied_range, eye_row) in [
        ("astronaut.png", 38.0..=50.0, 101.0),
        ("portrait-1.jpg", 95.0..=120.0, 213.0),
    ] {
        let Some(pic) = common::shared_face(name) else {
            return;
        };
        let faces = yunet.detect(&pic.view()).expect("detect");
        assert_eq!(faces.len(), 1, "{name}: {faces:?}");
        let l = faces[0].landmarks.expect("landmarks");
        let ied = (l.right_eye.x - l.left_eye.x).hypot(l.right_eye.y - l.left_eye.y);
        eprintln!(
            "{name}: box {:?} eyes {:?} {:?} ied {ied:.1}",
            faces[0].bbox, l.left_eye, l.right_eye
        );
        assert!(ied_range.contains(&ied), "{name}: inter-eye distance {ied}");
        assert!(l.left_eye.x < l.right_eye.x);
        assert!(
            (l.left_eye.y - eye_row).abs() < 10.0,
            "{name}: eye row {}",
            l.left_eye.y
        );
        let nose = l.nose.expect("nose");
        assert!(nose.y > l.left_eye.y && nose.x > l.left_eye.x && nose.x < l.right_eye.x);
    }
}

#[test]
fn yunet_landmarks_agree_with_the_eye_finder_and_give_pitch() {
    let Some(path) = model() else { return };
    let Some(pic) = common::shared_face("portrait-1.jpg") else {
        return;
    };
    let mut with_yunet = FaceAssessor::new(Box::new(YunetDetector::load(&path).expect("model")));
    let mut with_seeta = FaceAssessor::seeta().expect("detector");
    let a = with_yunet
        .assess(&pic.view(), &FaceOptions::default())
        .expect("assess");
    let b = with_seeta
        .assess(&pic.view(), &FaceOptions::default())
        .expect("assess");
    let (ga, gb) = (
        a.geometry.expect("yunet geometry"),
        b.geometry.expect("seeta geometry"),
    );
    assert!(ga.eyes_from_landmarks && !gb.eyes_from_landmarks);
    for (p, q) in [(ga.left_eye, gb.left_eye), (ga.right_eye, gb.right_eye)] {
        let d = (p.x - q.x).hypot(p.y - q.y);
        eprintln!("yunet {p:?} vs eye finder {q:?}: {d:.1} px");
        assert!(d < 12.0, "{d}");
    }
    let pitch = a.component(Check::Pitch).expect("pitch with landmarks");
    eprintln!("pitch {:.1}", pitch.value);
    assert!(pitch.value.abs() < 15.0);
    assert!(b.component(Check::Pitch).is_none());
}

#[test]
fn yunet_on_simulated_faces_locates_the_eyes() {
    let Some(path) = model() else { return };
    let mut yunet = YunetDetector::load(&path).expect("model");
    for seed in [7, 8] {
        let scene = FaceScene::framed(Background::Red);
        let pic = common::simulated(seed, &scene);
        let faces = yunet.detect(&pic.view()).expect("detect");
        assert_eq!(faces.len(), 1, "seed {seed}: {faces:?}");
        let l = faces[0].landmarks.expect("landmarks");
        let (tl, tr) = scene.eyes(pic.width, pic.height);
        let err = (tl.0 - l.left_eye.x)
            .hypot(tl.1 - l.left_eye.y)
            .max((tr.0 - l.right_eye.x).hypot(tr.1 - l.right_eye.y));
        eprintln!(
            "seed {seed}: yunet eyes {:?} {:?}, truth {tl:?} {tr:?}, error {err:.1}",
            l.left_eye, l.right_eye
        );
        assert!(err < 12.0, "{err}");
    }
}

#[test]
fn a_model_file_that_is_not_yunet_is_refused_with_a_clear_error() {
    let dir = std::env::temp_dir().join(format!("rekam-yunet-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let bogus = dir.join("not-a-model.onnx");
    std::fs::write(&bogus, b"this is not onnx").expect("write");
    let err = YunetDetector::load(&bogus).expect_err("must refuse");
    assert!(err.to_string().contains("not-a-model.onnx"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}
