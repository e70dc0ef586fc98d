//! The live preview path: finger presence, contact area, centroid and the cheap estimate on
//! NIST's SFinGe examples (and degraded, shifted and half-covered versions of them) and on the
//! 500 ppi prints of NIST's ANSI/NIST samples; and the auto-capture state machine fed such frames.

use rekam_quality::fingerprint;
use rekam_quality::image::{GrayImage, GrayImageRef};
use rekam_quality::live::{self, AutoCapture, AutoCaptureRule, Decision, FrameQuality, WaitReason};
use rekam_quality::pgm::read_pgm;
use rekam_tests::shared_data;

#[path = "common/nist.rs"]
mod nist;

fn example(n: u32) -> Option<GrayImage> {
    let bytes = shared_data(&format!("nfiq2/examples/SFinGe_Test0{n}.pgm"))?;
    Some(read_pgm(&bytes).expect("NIST example PGM"))
}

fn measure(img: &GrayImage) -> FrameQuality {
    live::frame(&img.view(500).expect("valid image"))
}

/// A `w` x `h` white frame with `print` pasted so its top-left corner lands at (`dx`, `dy`),
/// cropped to the frame.
fn paste(print: &GrayImage, w: u32, h: u32, dx: i32, dy: i32) -> GrayImage {
    let mut pixels = vec![255u8; (w * h) as usize];
    for y in 0..h as i32 {
        for x in 0..w as i32 {
            let (sx, sy) = (x - dx, y - dy);
            if sx >= 0 && sy >= 0 && (sx as u32) < print.width && (sy as u32) < print.height {
                pixels[(y as u32 * w + x as u32) as usize] =
                    print.pixels[(sy as u32 * print.width + sx as u32) as usize];
            }
        }
    }
    GrayImage {
        width: w,
        height: h,
        pixels,
    }
}

/// Box blur of radius `r`; at `r` = 6 the box spans more than a ridge period, a smeared press.
fn blur(img: &GrayImage, r: u32) -> GrayImage {
    let (w, h) = (img.width, img.height);
    let mut pixels = vec![0u8; img.pixels.len()];
    for y in 0..h {
        for x in 0..w {
            let (mut sum, mut n) = (0u32, 0u32);
            for yy in y.saturating_sub(r)..(y + r + 1).min(h) {
                for xx in x.saturating_sub(r)..(x + r + 1).min(w) {
                    sum += u32::from(img.pixels[(yy * w + xx) as usize]);
                    n += 1;
                }
            }
            pixels[(y * w + x) as usize] = (sum / n) as u8;
        }
    }
    GrayImage {
        width: w,
        height: h,
        pixels,
    }
}

/// A light press: every gray level pulled to a quarter of its distance from white.
fn faded(img: &GrayImage) -> GrayImage {
    GrayImage {
        width: img.width,
        height: img.height,
        pixels: img
            .pixels
            .iter()
            .map(|&p| 255 - ((255 - u32::from(p)) / 4) as u8)
            .collect(),
    }
}

fn ranks(v: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..v.len()).collect();
    order.sort_by(|&a, &b| v[a].total_cmp(&v[b]));
    let mut r = vec![0.0; v.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && v[order[j + 1]] == v[order[i]] {
            j += 1;
        }
        for k in i..=j {
            r[order[k]] = (i + j) as f64 / 2.0;
        }
        i = j + 1;
    }
    r
}

/// Spearman's rank correlation (ties take their mean rank).
fn spearman(a: &[f64], b: &[f64]) -> f64 {
    let (ra, rb) = (ranks(a), ranks(b));
    let n = ra.len() as f64;
    let (ma, mb) = (ra.iter().sum::<f64>() / n, rb.iter().sum::<f64>() / n);
    let cov: f64 = ra.iter().zip(&rb).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let va: f64 = ra.iter().map(|x| (x - ma).powi(2)).sum();
    let vb: f64 = rb.iter().map(|y| (y - mb).powi(2)).sum();
    cov / (va * vb).sqrt()
}

/// The 500 ppi plain and rolled prints of NIST's ANSI/NIST samples NFIQ 2 accepts in size.
fn ansi_nist_prints() -> Vec<GrayImage> {
    nist::SAMPLES
        .iter()
        .filter_map(|file| nist::fingers(file))
        .flatten()
        .filter(|f| f.width <= 800 && f.height <= 1000)
        .map(|f| GrayImage {
            width: f.width,
            height: f.height,
            pixels: f.pixels,
        })
        .collect()
}

#[test]
fn blank_frame_shows_no_finger() {
    let white = vec![255u8; 500 * 500];
    let q = live::frame(&GrayImageRef::new(500, 500, &white, 500).expect("image"));
    assert!(!q.present);
    assert_eq!(q.area, 0.0);
    assert_eq!(q.estimate, 0);
    assert_eq!(q.centroid, None);
}

#[test]
fn sensor_noise_without_ridges_shows_no_finger() {
    // Gray noise is as dark and varied as a print but has no ridge orientation.
    let mut state = 0x2545_f491_u32;
    let noise: Vec<u8> = (0..500 * 500)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            150 + (state % 80) as u8
        })
        .collect();
    let q = live::frame(&GrayImageRef::new(500, 500, &noise, 500).expect("image"));
    assert!(q.area > 0.9, "noise blocks pass the block test: {q:?}");
    assert!(!q.present, "{q:?}");
    assert_eq!(q.estimate, 0);
}

#[test]
fn frame_smaller_than_a_block_shows_no_finger() {
    let dark = vec![0u8; 10 * 10];
    let q = live::frame(&GrayImageRef::new(10, 10, &dark, 0).expect("image"));
    assert!(!q.present);
    assert_eq!(q.area, 0.0);
}

#[test]
fn real_print_is_present_with_plausible_area_and_centre() {
    let Some(print) = example(1) else { return };
    let q = measure(&print);
    assert!(q.present, "{q:?}");
    // The SFinGe print fills most of its 416x560 image, with a white margin.
    assert!((0.6..0.95).contains(&q.area), "{q:?}");
    assert!((0.5..1.0).contains(&q.area_sq_in), "{q:?}");
    let (cx, cy) = q.centroid.expect("centroid");
    assert!(
        (cx - 208.0).abs() < 40.0 && (cy - 280.0).abs() < 60.0,
        "{q:?}"
    );
    assert!(q.contrast > 30.0 && q.coherence > 0.6, "{q:?}");
}

#[test]
fn half_covered_frame_has_about_half_the_area() {
    let Some(print) = example(1) else { return };
    let full = measure(&print);
    // Only the left half of the print touches the platen.
    let mut half = print.clone();
    for row in half.pixels.chunks_mut(print.width as usize) {
        row[print.width as usize / 2..].fill(255);
    }
    let q = measure(&half);
    let ratio = q.area / full.area;
    assert!((0.35..0.65).contains(&ratio), "{ratio}: {q:?} vs {full:?}");
    let (hx, _) = q.centroid.expect("centroid");
    let (fx, _) = full.centroid.expect("centroid");
    assert!(hx < fx - 60.0, "centre moved left: {hx} vs {fx}");
}

#[test]
fn estimate_ranks_prints_like_nfiq2() {
    // Five SFinGe examples alone span NFIQ 2 45-57, too narrow to rank by anything but noise, so
    // they are ranked together with degraded versions of them and NIST's real prints.
    let mut prints = Vec::new();
    for n in 1..=5 {
        let Some(p) = example(n) else { return };
        prints.push(blur(&p, 2));
        prints.push(blur(&p, 4));
        prints.push(blur(&p, 6));
        prints.push(faded(&p));
        prints.push(p);
    }
    prints.extend(ansi_nist_prints());
    let (mut ours, mut nist) = (Vec::new(), Vec::new());
    for p in &prints {
        let view = p.view(500).expect("image");
        if let Ok(a) = fingerprint::nfiq2(&view) {
            ours.push(f64::from(live::frame(&view).estimate));
            nist.push(f64::from(a.score));
        }
    }
    assert!(ours.len() >= 25, "only {} prints scored", ours.len());
    let rho = spearman(&ours, &nist);
    let mean_abs = ours
        .iter()
        .zip(&nist)
        .map(|(a, b)| (a - b).abs())
        .sum::<f64>()
        / ours.len() as f64;
    eprintln!(
        "{} prints: Spearman {rho:.3}, mean |estimate - NFIQ 2| {mean_abs:.1}",
        ours.len()
    );
    assert!(rho >= 0.5, "rank correlation {rho}");
    // Same scale, roughly: not a linear fit, but not off by half the range either.
    assert!(mean_abs < 15.0, "mean absolute difference {mean_abs}");
}

#[test]
fn blurred_or_faded_print_scores_below_original() {
    for n in 1..=5 {
        let Some(p) = example(n) else { return };
        let original = measure(&p).estimate;
        let smudged = blur(&p, 6);
        let blurred = measure(&smudged).estimate;
        // NFIQ 2 agrees the smudge is worse (or refuses it), so this is a degradation to detect.
        let nist = |img: &GrayImage| fingerprint::nfiq2(&img.view(500).expect("image")).ok();
        let before = nist(&p).map(|a| a.score);
        let after = nist(&smudged).map(|a| a.score);
        assert!(
            after.is_none() || after < before,
            "{n}: NFIQ 2 {before:?} -> {after:?}"
        );
        let faint = measure(&faded(&p)).estimate;
        assert!(
            blurred < original,
            "example {n}: blurred {blurred} vs {original}"
        );
        assert!(faint < original, "example {n}: faded {faint} vs {original}");
    }
}

/// Example 1 in a 500x500 preview frame, its top-left corner at (`dx`, `dy`).
fn preview(print: &GrayImage, dx: i32, dy: i32) -> FrameQuality {
    measure(&paste(print, 500, 500, dx, dy))
}

#[test]
fn steady_good_frames_trigger_one_capture_after_min_frames() {
    let Some(print) = example(1) else { return };
    let q = preview(&print, 42, -30);
    let rule = AutoCaptureRule::default();
    assert!(
        q.present && q.area >= rule.min_area && q.estimate >= rule.min_estimate,
        "{q:?}"
    );
    let mut auto = AutoCapture::new(rule);
    let decisions: Vec<Decision> = (0..12).map(|_| auto.push(&q)).collect();
    for (i, d) in decisions[..4].iter().enumerate() {
        assert_eq!(
            *d,
            Decision::Steady {
                frames: i as u32 + 1
            }
        );
    }
    assert_eq!(decisions[4], Decision::Capture);
    for d in &decisions[5..] {
        assert_eq!(
            *d,
            Decision::Waiting {
                reason: WaitReason::LiftFinger
            }
        );
    }
    // Lifting the finger re-arms it.
    let blank = vec![255u8; 500 * 500];
    let lifted = live::frame(&GrayImageRef::new(500, 500, &blank, 500).expect("image"));
    assert_eq!(
        auto.push(&lifted),
        Decision::Waiting {
            reason: WaitReason::NoFinger
        }
    );
    let again: Vec<Decision> = (0..5).map(|_| auto.push(&q)).collect();
    assert_eq!(again[4], Decision::Capture);
}

#[test]
fn small_jitter_still_counts_as_steady() {
    let Some(print) = example(1) else { return };
    let mut auto = AutoCapture::new(AutoCaptureRule::default());
    let last = (0..5)
        .map(|i| auto.push(&preview(&print, 42 + (i % 2), -30)))
        .last();
    assert_eq!(last, Some(Decision::Capture));
}

#[test]
fn moving_finger_resets_the_run() {
    let Some(print) = example(1) else { return };
    let mut auto = AutoCapture::new(AutoCaptureRule::default());
    for i in 0..3 {
        assert_eq!(
            auto.push(&preview(&print, 42, -30)),
            Decision::Steady { frames: i + 1 }
        );
    }
    // The finger rocks 20 px right and back between frames.
    for i in 1..=4 {
        let d = auto.push(&preview(&print, 42 + 20 * (i % 2), -30));
        assert!(
            matches!(d, Decision::Waiting { reason: WaitReason::Moving { shift_px } } if shift_px > 10.0),
            "{d:?}"
        );
    }
    // It settles: the count starts again from one.
    assert_eq!(
        auto.push(&preview(&print, 42, -30)),
        Decision::Steady { frames: 1 }
    );
}

#[test]
fn lifted_finger_resets_the_run() {
    let Some(print) = example(1) else { return };
    let q = preview(&print, 42, -30);
    let blank = vec![255u8; 500 * 500];
    let lifted = live::frame(&GrayImageRef::new(500, 500, &blank, 500).expect("image"));
    let mut auto = AutoCapture::new(AutoCaptureRule::default());
    for _ in 0..4 {
        auto.push(&q);
    }
    assert_eq!(
        auto.push(&lifted),
        Decision::Waiting {
            reason: WaitReason::NoFinger
        }
    );
    assert_eq!(auto.push(&q), Decision::Steady { frames: 1 });
}

#[test]
fn poor_or_partial_frames_do_not_count() {
    let Some(print) = example(1) else { return };
    let mut auto = AutoCapture::new(AutoCaptureRule::default());
    // Only a fingertip's corner on the platen.
    let corner = preview(&print, 330, 330);
    assert!(
        matches!(
            auto.push(&corner),
            Decision::Waiting {
                reason: WaitReason::TooSmall { .. }
            }
        ),
        "{corner:?}"
    );
    // A smudged press: ridges blurred away.
    let smudged = measure(&paste(&blur(&print, 4), 500, 500, 42, -30));
    let strict = AutoCaptureRule {
        min_estimate: measure(&paste(&print, 500, 500, 42, -30)).estimate,
        ..AutoCaptureRule::default()
    };
    let mut auto = AutoCapture::new(strict);
    assert!(
        matches!(
            auto.push(&smudged),
            Decision::Waiting {
                reason: WaitReason::LowQuality { .. }
            }
        ),
        "{smudged:?}"
    );
}
