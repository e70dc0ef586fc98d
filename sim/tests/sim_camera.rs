//! The simulated camera through the `Camera` trait: e-KTP backgrounds, face framing, exposure,
//! white balance, focus, JPEG stills and timeouts.

use std::time::Duration;

use rekam_drivers::camera::{Camera, Exposure, Photo, WhiteBalance};
use rekam_drivers::fingerprint::CaptureOptions;
use rekam_drivers::image::RgbImage;
use rekam_drivers::{Error, ErrorKind};
use rekam_sim::devices::{CameraConfig, FaceScene, SimCamera};
use rekam_sim::synth::Background;

fn opts() -> CaptureOptions {
    CaptureOptions::with_timeout(Duration::from_secs(5))
}

fn still(scene: FaceScene) -> RgbImage {
    still_with(SimCamera::new(CameraConfig::tiny(1), scene))
}

fn still_with(mut camera: SimCamera) -> RgbImage {
    match camera.capture_still(&opts()).expect("a still") {
        Photo::Rgb(image) => image,
        other => panic!("expected raw RGB, got {other:?}"),
    }
}

fn pixel(img: &RgbImage, x: u32, y: u32) -> [u8; 3] {
    let at = ((y * img.width() + x) * 3) as usize;
    [img.pixels()[at], img.pixels()[at + 1], img.pixels()[at + 2]]
}

fn channel_means(img: &RgbImage) -> [f64; 3] {
    let mut sum = [0.0; 3];
    for px in img.pixels().chunks_exact(3) {
        for c in 0..3 {
            sum[c] += f64::from(px[c]);
        }
    }
    let n = (img.pixels().len() / 3) as f64;
    sum.map(|s| s / n)
}

/// Centroid column and count of pixels that differ clearly from the backdrop (the sitter).
fn sitter(img: &RgbImage) -> (f64, usize) {
    let backdrop = pixel(img, 0, 0);
    let (mut sum, mut n) = (0.0, 0);
    for y in 0..img.height() {
        for x in 0..img.width() {
            let p = pixel(img, x, y);
            let d: i32 = (0..3)
                .map(|c| (i32::from(p[c]) - i32::from(backdrop[c])).abs())
                .sum();
            if d > 60 {
                sum += f64::from(x);
                n += 1;
            }
        }
    }
    (sum / n.max(1) as f64, n)
}

#[test]
fn the_backdrop_follows_the_e_ktp_colour_asked_for() {
    let red = pixel(&still(FaceScene::framed(Background::Red)), 2, 2);
    let blue = pixel(&still(FaceScene::framed(Background::Blue)), 2, 2);
    let orange = pixel(&still(FaceScene::framed(Background::Orange)), 2, 2);
    assert!(red[0] > 150 && red[2] < 80, "{red:?}");
    assert!(blue[2] > 130 && blue[0] < 60, "{blue:?}");
    assert!(
        orange[0] > 180 && orange[1] > 90 && orange[2] < 80,
        "{orange:?}"
    );
}

#[test]
fn the_face_lands_where_the_scene_puts_it_and_shrinks_with_its_scale() {
    let framed = FaceScene::framed(Background::Blue);
    let (left_x, _) = sitter(&still(FaceScene {
        face_x: 0.3,
        ..framed
    }));
    let (right_x, _) = sitter(&still(FaceScene {
        face_x: 0.7,
        ..framed
    }));
    assert!(right_x - left_x > 30.0, "{left_x} vs {right_x}");
    let (_, full) = sitter(&still(framed));
    let (_, half) = sitter(&still(FaceScene {
        face_scale: 0.5,
        ..framed
    }));
    assert!((half as f64) < full as f64 * 0.5, "{half} vs {full}");
}

#[test]
fn a_dark_scene_is_darker_and_exposure_compensation_brings_it_back() {
    let framed = FaceScene::framed(Background::Blue);
    let normal = channel_means(&still(framed))[1];
    let dark_scene = FaceScene {
        lighting_ev: -1.0,
        ..framed
    };
    let dark = channel_means(&still(dark_scene))[1];
    assert!((dark / normal - 0.5).abs() < 0.1, "{dark} vs {normal}");
    let mut camera = SimCamera::new(CameraConfig::tiny(1), dark_scene);
    camera.set_exposure(Exposure::Compensation(10)).unwrap();
    let compensated = channel_means(&still_with(camera))[1];
    assert!(
        (compensated / normal - 1.0).abs() < 0.1,
        "{compensated} vs {normal}"
    );
}

#[test]
fn an_out_of_range_exposure_is_refused() {
    let mut camera = SimCamera::new(CameraConfig::tiny(1), FaceScene::framed(Background::Red));
    let err = camera.set_exposure(Exposure::Compensation(90)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ProtocolViolation);
}

#[test]
fn a_tungsten_setting_in_daylight_turns_the_picture_blue() {
    let scene = FaceScene::framed(Background::Orange);
    let neutral = channel_means(&still(scene));
    let mut camera = SimCamera::new(CameraConfig::tiny(1), scene);
    camera.set_white_balance(WhiteBalance::Tungsten).unwrap();
    let tinted = channel_means(&still_with(camera));
    assert!(tinted[2] > neutral[2] * 1.1 && tinted[0] < neutral[0] * 0.95);
}

#[test]
fn a_defocused_scene_has_softer_edges() {
    let framed = FaceScene::framed(Background::Red);
    let edges = |img: &RgbImage| -> u64 {
        img.pixels()
            .chunks_exact(3)
            .collect::<Vec<_>>()
            .windows(2)
            .map(|w| u64::from(w[0][1].abs_diff(w[1][1])))
            .sum()
    };
    // Without sensor noise, which has edges of its own.
    let noiseless = CameraConfig {
        noise: 0.0,
        ..CameraConfig::tiny(1)
    };
    let sharp = edges(&still_with(SimCamera::new(noiseless.clone(), framed)));
    let blurred = edges(&still_with(SimCamera::new(
        noiseless,
        FaceScene {
            blur_radius: 3,
            ..framed
        },
    )));
    assert!(blurred * 2 < sharp, "{blurred} vs {sharp}");
}

#[test]
fn stills_can_come_as_jpeg_files_of_the_stated_size() {
    let config = CameraConfig {
        jpeg_stills: true,
        ..CameraConfig::tiny(2)
    };
    let mut camera = SimCamera::new(config, FaceScene::framed(Background::Red));
    match camera.capture_still(&opts()).unwrap() {
        Photo::Jpeg { size, bytes } => {
            assert_eq!((size.width, size.height), (120, 160));
            assert_eq!(&bytes[..2], &[0xFF, 0xD8]);
        }
        other => panic!("expected JPEG, got {other:?}"),
    }
}

#[test]
fn the_same_seed_shows_the_same_sitter_and_each_shot_has_fresh_noise() {
    let scene = FaceScene::framed(Background::Blue);
    let mut a = SimCamera::new(CameraConfig::tiny(3), scene);
    let mut b = SimCamera::new(CameraConfig::tiny(3), scene);
    let first = a.capture_still(&opts()).unwrap();
    assert_eq!(first, b.capture_still(&opts()).unwrap());
    assert_ne!(first, a.capture_still(&opts()).unwrap());
}

#[test]
fn a_shutter_slower_than_the_timeout_times_out_and_names_the_camera() {
    let config = CameraConfig {
        shutter_delay: Duration::from_secs(30),
        ..CameraConfig::tiny(4)
    };
    let mut camera = SimCamera::new(config, FaceScene::framed(Background::Red));
    let err = camera
        .capture_still(&CaptureOptions::with_timeout(Duration::from_millis(30)))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert!(
        err.to_string().starts_with("rekam-sim simulated camera"),
        "{err}"
    );
}

#[test]
fn preview_frames_come_at_the_preview_size() {
    let mut camera = SimCamera::new(CameraConfig::tiny(5), FaceScene::framed(Background::Red));
    match camera.preview_frame(&opts()).unwrap() {
        Photo::Rgb(frame) => assert_eq!((frame.width(), frame.height()), (60, 80)),
        other => panic!("expected raw RGB, got {other:?}"),
    }
}
