//! Face checks on simulated portraits with one defect injected at a time, whose eye positions
//! are known: each defect must fail its own check (and the advice must name it), and a
//! well-framed sitter must pass everything.

mod common;

use rekam_quality::face::{BackgroundColour, Check, FaceAssessor, FaceOptions, FaceReport};
use rekam_sim::devices::FaceScene;
use rekam_sim::synth::Background;

const SEEDS: [u64; 3] = [7, 8, 21];

fn red() -> FaceScene {
    FaceScene::framed(Background::Red)
}

fn options() -> FaceOptions {
    FaceOptions {
        expected_background: Some(BackgroundColour::Red),
        ..Default::default()
    }
}

fn assess(seed: u64, scene: &FaceScene) -> FaceReport {
    let pic = common::simulated(seed, scene);
    let mut a = FaceAssessor::seeta().expect("detector");
    a.assess(&pic.view(), &options()).expect("assess")
}

fn failing(r: &FaceReport) -> Vec<Check> {
    r.components
        .iter()
        .filter(|c| !c.passed)
        .map(|c| c.check)
        .collect()
}

/// Every seed: the defect fails exactly `expected` and the advice is about `expected[0]`.
fn defect_fails(scene: FaceScene, expected: &[Check]) {
    for seed in SEEDS {
        let r = assess(seed, &scene);
        let fails = failing(&r);
        assert!(!r.passed, "seed {seed}: passed");
        assert!(r.unified_score < 50);
        for e in expected {
            assert!(
                fails.contains(e),
                "seed {seed}: {e:?} not failed; failed {fails:?}"
            );
        }
        let first = r
            .components
            .iter()
            .find(|c| c.check == expected[0])
            .expect("component");
        assert_eq!(
            r.advice.as_ref(),
            Some(&first.message),
            "seed {seed}: {fails:?}"
        );
    }
}

#[test]
fn a_well_framed_sitter_on_the_right_backdrop_passes_every_check() {
    for seed in SEEDS {
        let r = assess(seed, &red());
        assert!(r.passed, "seed {seed}: {:#?}", r.components);
        assert!(r.unified_score >= 50);
        assert_eq!(r.background_seen, Some(BackgroundColour::Red));
        assert!(r.advice.is_none());
        assert!(r.crop.expect("crop").inside);
    }
}

#[test]
fn eyes_are_found_within_a_few_pixels_of_where_the_simulator_put_them() {
    let scenes = [
        red(),
        FaceScene {
            yaw_deg: 15.0,
            ..red()
        },
        FaceScene {
            roll_deg: -10.0,
            ..red()
        },
        FaceScene {
            glasses: true,
            ..red()
        },
        FaceScene {
            face_scale: 0.6,
            face_x: 0.4,
            ..red()
        },
        FaceScene {
            face_scale: 1.3,
            ..red()
        },
        FaceScene {
            side_light: 0.8,
            ..red()
        },
        FaceScene {
            cluttered: true,
            ..red()
        },
    ];
    let mut worst: f64 = 0.0;
    for seed in SEEDS {
        for scene in &scenes {
            let r = assess(seed, scene);
            assert_eq!(r.faces.len(), 1, "seed {seed} {scene:?}");
            let g = r.geometry.expect("geometry");
            let (l, rt) = scene.eyes(r.width, r.height);
            let err = (l.0 - g.left_eye.x)
                .hypot(l.1 - g.left_eye.y)
                .max((rt.0 - g.right_eye.x).hypot(rt.1 - g.right_eye.y));
            let ied = (rt.0 - l.0).hypot(rt.1 - l.1);
            eprintln!(
                "seed {seed} scale {:.1} yaw {:>5.1} roll {:>5.1}: box {:?}, eye error {err:.1} px (ied {ied:.0})",
                scene.face_scale, scene.yaw_deg, scene.roll_deg, g.bbox
            );
            worst = worst.max(err / ied);
        }
    }
    // Within 6% of the inter-eye distance (6 px at 100 px).
    assert!(
        worst < 0.06,
        "worst eye error {worst:.3} of the inter-eye distance"
    );
}

#[test]
fn a_turned_head_fails_yaw_with_its_angle_estimated() {
    defect_fails(
        FaceScene {
            yaw_deg: 20.0,
            ..red()
        },
        &[Check::Yaw],
    );
    for (seed, yaw) in [(7, 12.0), (8, -12.0), (21, 20.0)] {
        let r = assess(
            seed,
            &FaceScene {
                yaw_deg: yaw,
                ..red()
            },
        );
        let got = r.component(Check::Yaw).expect("yaw").value;
        assert!((got - yaw).abs() < 4.0, "set {yaw}, estimated {got}");
    }
}

#[test]
fn a_tilted_head_fails_roll_with_its_angle_measured() {
    defect_fails(
        FaceScene {
            roll_deg: 12.0,
            ..red()
        },
        &[Check::Roll],
    );
    let r = assess(
        8,
        &FaceScene {
            roll_deg: -14.0,
            ..red()
        },
    );
    let got = r.component(Check::Roll).expect("roll").value;
    assert!((got + 14.0).abs() < 2.5, "estimated {got}");
}

#[test]
fn shut_eyes_fail_eyes_open() {
    defect_fails(
        FaceScene {
            eyes_closed: true,
            ..red()
        },
        &[Check::EyesOpen],
    );
}

#[test]
fn glasses_are_noticed() {
    defect_fails(
        FaceScene {
            glasses: true,
            ..red()
        },
        &[Check::NoGlasses],
    );
}

#[test]
fn a_cluttered_backdrop_fails_uniformity() {
    defect_fails(
        FaceScene {
            cluttered: true,
            ..red()
        },
        &[Check::BackgroundUniformity],
    );
}

#[test]
fn light_from_one_side_fails_illumination_uniformity() {
    defect_fails(
        FaceScene {
            side_light: 0.9,
            ..red()
        },
        &[Check::IlluminationUniformity],
    );
}

#[test]
fn a_blurred_photo_fails_sharpness() {
    defect_fails(
        FaceScene {
            blur_radius: 3,
            ..red()
        },
        &[Check::Sharpness],
    );
}

#[test]
fn under_and_over_exposed_photos_fail_brightness() {
    defect_fails(
        FaceScene {
            lighting_ev: -2.0,
            ..red()
        },
        &[Check::LuminanceMean],
    );
    // A washed-out face may not be found at all; the advice is then about exposure anyway.
    for seed in SEEDS {
        let r = assess(
            seed,
            &FaceScene {
                lighting_ev: 1.5,
                ..red()
            },
        );
        let fails = failing(&r);
        assert!(!r.passed);
        assert!(
            fails.contains(&Check::OverExposure),
            "seed {seed}: {fails:?}"
        );
        let advice = r.advice.expect("advice").en;
        assert!(
            advice.starts_with("Face too bright") || advice.contains("overexposed"),
            "seed {seed}: {advice}"
        );
    }
}

#[test]
fn a_tiny_face_fails_inter_eye_distance() {
    defect_fails(
        FaceScene {
            face_scale: 0.5,
            ..red()
        },
        &[Check::InterEyeDistance],
    );
}

#[test]
fn a_small_live_view_frame_is_judged_in_the_pixels_of_the_still_it_foretells() {
    // The same half-size face: too small as a still, right as a frame of a live view that is half
    // the still's width.
    let scene = FaceScene {
        face_scale: 0.5,
        ..red()
    };
    let pic = common::simulated(7, &scene);
    let mut a = FaceAssessor::seeta().expect("detector");
    let as_still = a.assess(&pic.view(), &options()).expect("assess");
    assert!(failing(&as_still).contains(&Check::InterEyeDistance));
    let as_preview = FaceOptions {
        pixel_scale: 2.0,
        ..options()
    };
    let r = a.assess(&pic.view(), &as_preview).expect("assess");
    assert!(
        !failing(&r).contains(&Check::InterEyeDistance),
        "{:?}",
        failing(&r)
    );
}

#[test]
fn a_head_too_close_or_off_centre_fails_the_crop_geometry() {
    defect_fails(
        FaceScene {
            face_scale: 1.6,
            ..red()
        },
        &[Check::HeadSize],
    );
    defect_fails(
        FaceScene {
            face_x: 0.22,
            ..red()
        },
        &[Check::HeadPosition],
    );
    defect_fails(
        FaceScene {
            face_y: 0.25,
            ..red()
        },
        &[Check::HeadPosition],
    );
    let r = assess(
        7,
        &FaceScene {
            face_x: 0.22,
            ..red()
        },
    );
    assert!(r.advice.expect("advice").en.contains("left edge"));
}

#[test]
fn the_backdrop_colour_follows_the_birth_year_rule() {
    // Blue cloth for a resident born in an odd year (needs red): fails, says both colours.
    let r = assess(7, &FaceScene::framed(Background::Blue));
    assert_eq!(r.background_seen, Some(BackgroundColour::Blue));
    let c = r.component(Check::BackgroundColour).expect("colour");
    assert!(!c.passed);
    assert!(c.message.id.contains("biru") && c.message.id.contains("merah"));
    assert_eq!(r.advice.as_ref(), Some(&c.message));
    // The same cloth is right for an even year, and orange for a foreign resident.
    let pic = common::simulated(7, &FaceScene::framed(Background::Blue));
    let mut a = FaceAssessor::seeta().expect("detector");
    let even = FaceOptions {
        expected_background: Some(BackgroundColour::for_resident(1990, false)),
        ..Default::default()
    };
    assert!(a.assess(&pic.view(), &even).expect("assess").passed);
    let pic = common::simulated(8, &FaceScene::framed(Background::Orange));
    let foreign = FaceOptions {
        expected_background: Some(BackgroundColour::for_resident(1991, true)),
        ..Default::default()
    };
    let r = a.assess(&pic.view(), &foreign).expect("assess");
    assert!(r.passed, "{:#?}", r.components);
}

#[test]
fn a_picture_without_a_face_fails_single_face_present() {
    // The empty backdrop: the sitter shrunk to nothing.
    let pic = common::simulated(
        7,
        &FaceScene {
            face_scale: 0.01,
            ..red()
        },
    );
    let mut a = FaceAssessor::seeta().expect("detector");
    let r = a.assess(&pic.view(), &options()).expect("assess");
    assert!(r.faces.is_empty(), "{:?}", r.faces);
    assert!(!r.passed);
    assert_eq!(r.components[0].check, Check::SingleFacePresent);
    // The picture's exposure is fine, so the advice is about the missing face.
    assert!(r.components[1..].iter().all(|c| c.passed));
    assert!(r.advice.expect("advice").en.starts_with("No face"));
    assert!(r.crop.is_none());
}

#[test]
fn two_people_in_the_frame_fail_single_face_present() {
    // Left half of one sitter placed left, right half of another placed right.
    let a_pic = common::simulated(
        7,
        &FaceScene {
            face_x: 0.25,
            face_scale: 0.55,
            ..red()
        },
    );
    let b_pic = common::simulated(
        8,
        &FaceScene {
            face_x: 0.75,
            face_scale: 0.55,
            ..red()
        },
    );
    let (w, h) = (a_pic.width as usize, a_pic.height as usize);
    let mut rgb = a_pic.rgb.clone();
    for y in 0..h {
        let at = (y * w + w / 2) * 3;
        rgb[at..(y + 1) * w * 3].copy_from_slice(&b_pic.rgb[at..(y + 1) * w * 3]);
    }
    let view = rekam_quality::image::RgbView::new(w as u32, h as u32, &rgb).expect("view");
    let r = FaceAssessor::seeta()
        .expect("detector")
        .assess(&view, &options())
        .expect("assess");
    assert_eq!(r.faces.len(), 2, "{:?}", r.faces);
    assert!(!r.passed);
    assert!(r.advice.expect("advice").en.starts_with("2 faces"));
}

#[test]
fn the_crop_is_three_by_four_with_the_head_placed_per_iso_19794_5() {
    for seed in SEEDS {
        let r = assess(seed, &red());
        let (g, c) = (r.geometry.expect("geometry"), r.crop.expect("crop"));
        let (w, h) = (f64::from(c.width), f64::from(c.height));
        assert!((w / h - 0.75).abs() < 0.01);
        let head = (g.chin_y - g.crown_y) / h;
        // 70-80%, allowing for the crop's whole-pixel rounding.
        assert!((0.695..=0.805).contains(&head), "chin-crown {head}");
        let eye_y = (g.left_eye.y + g.right_eye.y) / 2.0;
        let from_bottom = (c.y as f64 + h - eye_y) / h;
        assert!(
            (0.50..=0.70).contains(&from_bottom),
            "eye line {from_bottom}"
        );
        let centre = ((g.left_eye.x + g.right_eye.x) / 2.0 - c.x as f64) / w;
        assert!((0.45..=0.55).contains(&centre), "centre {centre}");
        // 7:4 width to head width, unless the 70% chin-crown floor stops the crop growing.
        assert!(
            w / g.head_width >= 1.75 - 1e-9 || head < 0.705,
            "width ratio {}",
            w / g.head_width
        );
        let pic = common::simulated(seed, &red());
        let cut = rekam_quality::face::cut(&pic.view(), &c).expect("cut");
        assert_eq!(cut.len(), (c.width * c.height * 3) as usize);
    }
}

#[test]
fn a_crop_reaching_outside_the_picture_is_refused() {
    let scene = FaceScene {
        face_x: 0.22,
        ..red()
    };
    let r = assess(7, &scene);
    let c = r.crop.expect("crop");
    assert!(!c.inside, "{c:?}");
    let pic = common::simulated(7, &scene);
    assert!(rekam_quality::face::cut(&pic.view(), &c).is_err());
}

/// A raw 640x480 preview-sized frame of `scene` from the simulated camera.
fn live_frame(scene: FaceScene) -> common::Picture {
    use rekam_drivers::camera::{Camera, Photo};
    use rekam_drivers::fingerprint::CaptureOptions;
    use rekam_drivers::identity::ImageSize;
    use rekam_sim::devices::{CameraConfig, SimCamera};
    let config = CameraConfig {
        still: ImageSize {
            width: 640,
            height: 480,
        },
        jpeg_stills: false,
        shutter_delay: std::time::Duration::ZERO,
        ..CameraConfig::portrait(5)
    };
    let mut camera = SimCamera::new(config, scene);
    match camera
        .capture_still(&CaptureOptions::with_timeout(
            std::time::Duration::from_secs(5),
        ))
        .expect("frame")
    {
        Photo::Rgb(img) => common::Picture {
            width: img.width(),
            height: img.height(),
            rgb: img.pixels().to_vec(),
        },
        Photo::Jpeg { .. } => panic!("asked for raw frames"),
    }
}

#[test]
fn live_feedback_names_the_problem_and_changes_only_after_it_holds() {
    use rekam_quality::face::LiveChecker;
    let dark = live_frame(FaceScene {
        lighting_ev: -2.0,
        face_scale: 0.9,
        ..red()
    });
    let good = live_frame(FaceScene {
        face_scale: 0.9,
        ..red()
    });
    let mut live = LiveChecker::new(options(), 3).expect("checker");
    assert_eq!(live.frame(&dark.view()).1, None);
    assert_eq!(live.frame(&dark.view()).1, None);
    let shown = live
        .frame(&dark.view())
        .1
        .expect("shown after three frames");
    assert!(!shown.ready);
    assert_eq!(shown.check, Some(Check::LuminanceMean));
    assert!(shown.message.id.contains("gelap"));
    // The light is fixed: the message holds for two frames, then turns to "ready".
    for _ in 0..2 {
        let (report, shown) = live.frame(&good.view());
        assert!(report.passed, "{:#?}", report.components);
        assert_eq!(shown.expect("shown").check, Some(Check::LuminanceMean));
    }
    let shown = live.frame(&good.view()).1.expect("shown");
    assert!(shown.ready, "{shown:?}");
}
