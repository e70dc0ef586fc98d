//! The simulated iris scanner through the `IrisScanner` trait.

use std::time::Duration;

use rekam_drivers::fingerprint::CaptureOptions;
use rekam_drivers::iris::{Eyes, IrisScanner};
use rekam_drivers::{Error, ErrorKind, GrayImage};
use rekam_sim::devices::{IrisConfig, SimIrisScanner};

fn fast(seed: u64, person: u64) -> SimIrisScanner {
    SimIrisScanner::new(IrisConfig {
        acquisition_delay: Duration::ZERO,
        ..IrisConfig::binocular(seed, person)
    })
}

fn opts() -> CaptureOptions {
    CaptureOptions::with_timeout(Duration::from_secs(5))
}

fn mean_abs_diff(a: &GrayImage, b: &GrayImage) -> f64 {
    let sum: u64 = a
        .pixels()
        .iter()
        .zip(b.pixels())
        .map(|(x, y)| u64::from(x.abs_diff(*y)))
        .sum();
    sum as f64 / a.pixels().len() as f64
}

#[test]
fn both_eyes_come_at_640_by_480_and_single_eyes_alone() {
    let mut s = fast(1, 2);
    let both = s.capture(Eyes::Both, &opts()).unwrap();
    let (left, right) = (both.left.unwrap(), both.right.unwrap());
    assert_eq!((left.width(), left.height()), (640, 480));
    assert_eq!((right.width(), right.height()), (640, 480));
    assert_ne!(left, right);
    let only_left = s.capture(Eyes::Left, &opts()).unwrap();
    assert!(only_left.left.is_some() && only_left.right.is_none());
    let only_right = s.capture(Eyes::Right, &opts()).unwrap();
    assert!(only_right.left.is_none() && only_right.right.is_some());
}

#[test]
fn the_same_seeds_give_the_same_images_and_another_capture_varies() {
    let a = fast(3, 4).capture(Eyes::Left, &opts()).unwrap();
    let b = fast(3, 4).capture(Eyes::Left, &opts()).unwrap();
    assert_eq!(a, b);
    let c = fast(5, 4).capture(Eyes::Left, &opts()).unwrap();
    assert_ne!(a, c);
}

#[test]
fn one_persons_eye_looks_more_like_itself_than_like_another_persons() {
    for (person, other) in [(7, 8), (20, 21), (33, 34)] {
        let a1 = fast(10, person)
            .capture(Eyes::Right, &opts())
            .unwrap()
            .right
            .unwrap();
        let a2 = fast(11, person)
            .capture(Eyes::Right, &opts())
            .unwrap()
            .right
            .unwrap();
        let b = fast(10, other)
            .capture(Eyes::Right, &opts())
            .unwrap()
            .right
            .unwrap();
        let (same, different) = (mean_abs_diff(&a1, &a2), mean_abs_diff(&a1, &b));
        assert!(
            same < different,
            "person {person}: {same:.1} vs {different:.1}"
        );
    }
}

#[test]
fn preview_frames_are_reduced_and_a_slow_acquisition_times_out() {
    let mut s = fast(1, 1);
    let frame = s.preview_frame(Eyes::Both, &opts()).unwrap();
    assert_eq!(frame.left.unwrap().width(), 160);
    let mut slow = SimIrisScanner::new(IrisConfig::binocular(1, 1));
    let err = slow
        .capture(
            Eyes::Both,
            &CaptureOptions::with_timeout(Duration::from_millis(20)),
        )
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert!(err.to_string().contains("iris scanner"));
}
