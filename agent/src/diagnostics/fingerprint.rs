//! Fingerprint scanner checks: the empty platen's uniformity and its defective (dead or stuck)
//! pixels over several live frames, the live frame rate, and the latency and contrast of a
//! finger capture.
//!
//! Contract: the platen is read empty first (the person is asked to lift), then one finger (the
//! right index) is captured. Limits: block means of the empty platen within 10 % of their mean;
//! no pixel more than 48 levels from the platen's median in every frame; at least 10 frames per
//! second; a capture within 10 s; ridge contrast (10th to 90th percentile of the finger's
//! centre) at least 60 levels.

use std::time::{Duration, Instant};

use rekam_drivers::GrayImage;
use rekam_drivers::fingerprint::Finger;

use super::{Check, Class, DeviceReport, Limit, ms_since};
use crate::capture::png;
use crate::devices::{FingerDevice, Slot};

/// Frames read of the empty platen.
const FRAMES: usize = 6;
/// A pixel this far from the median in every frame is defective.
const DEFECT_LEVELS: i32 = 48;

pub(super) async fn test(slot: Slot<dyn FingerDevice>, timeout: Duration) -> DeviceReport {
    let mut r = DeviceReport::new(Class::Fingerprint);
    let blank = slot
        .run(timeout, |d, o| {
            d.lift();
            let started = Instant::now();
            let mut frames = Vec::new();
            for _ in 0..FRAMES {
                frames.push(d.preview_frame(o)?);
            }
            Ok((frames, started.elapsed()))
        })
        .await;
    match blank {
        Ok((frames, took)) => {
            let fps = FRAMES as f64 / took.as_secs_f64().max(1e-6);
            r.push(Check::measure(
                "frame_rate",
                "Live frame rate",
                fps,
                "fps",
                Limit::AtLeast { min: 10.0 },
            ));
            r.push(Check::measure(
                "blank_uniformity",
                "Empty platen: spread of 8x8 block means",
                uniformity(&frames[0]),
                "%",
                Limit::AtMost { max: 10.0 },
            ));
            let defects = defective_pixels(&frames);
            r.push(
                Check::measure(
                    "defective_pixels",
                    "Dead or stuck pixels on the empty platen",
                    defects.len() as f64,
                    "pixels",
                    Limit::AtMost { max: 0.0 },
                )
                .with_note(format!(
                    "a pixel more than {DEFECT_LEVELS} levels from the platen's median in all {FRAMES} frames{}",
                    list_pixels(&defects)
                )),
            );
            if let Ok(p) = gray_png(&frames[0]) {
                r.picture("fingerprint-blank.png", "Empty platen (live frame)", p);
            }
        }
        Err(e) if super::is_busy(&e) => {
            r.busy = true;
            return r;
        }
        Err(e) => {
            for (id, label, unit, limit) in [
                (
                    "frame_rate",
                    "Live frame rate",
                    "fps",
                    Limit::AtLeast { min: 10.0 },
                ),
                (
                    "blank_uniformity",
                    "Empty platen: spread of 8x8 block means",
                    "%",
                    Limit::AtMost { max: 10.0 },
                ),
                (
                    "defective_pixels",
                    "Dead or stuck pixels on the empty platen",
                    "pixels",
                    Limit::AtMost { max: 0.0 },
                ),
            ] {
                r.push(Check::failed_operation(id, label, limit, unit, &e));
            }
        }
    }
    let started = Instant::now();
    let finger = slot
        .run(timeout, |d, o| d.capture_finger(Finger::RightIndex, o))
        .await;
    let latency_limit = Limit::AtMost { max: 10_000.0 };
    let contrast_limit = Limit::AtLeast { min: 60.0 };
    match finger {
        Ok(img) => {
            r.push(Check::measure(
                "capture_latency",
                "Finger capture latency (placement included)",
                ms_since(started),
                "ms",
                latency_limit,
            ));
            r.push(Check::measure(
                "finger_contrast",
                "Ridge contrast on a placed finger (P90 − P10 of the centre)",
                contrast(&img),
                "levels",
                contrast_limit,
            ));
            if let Ok(p) = gray_png(&img) {
                r.picture(
                    "fingerprint-finger.png",
                    "Right index finger as captured",
                    p,
                );
            }
        }
        Err(e) if super::is_busy(&e) => r.busy = true,
        Err(e) => {
            r.push(Check::failed_operation(
                "capture_latency",
                "Finger capture latency (placement included)",
                latency_limit,
                "ms",
                &e,
            ));
            r.push(Check::failed_operation(
                "finger_contrast",
                "Ridge contrast on a placed finger (P90 − P10 of the centre)",
                contrast_limit,
                "levels",
                &e,
            ));
        }
    }
    // The next capture finds the platen as a resident would: empty.
    let _ = slot
        .run(timeout, |d, _| {
            d.lift();
            Ok(())
        })
        .await;
    r
}

fn gray_png(img: &GrayImage) -> Result<Vec<u8>, String> {
    png(
        img.width(),
        img.height(),
        png::ColorType::Grayscale,
        img.pixels(),
    )
}

/// Spread of the 8x8 block means, (max − min) over their mean, in percent.
pub fn uniformity(img: &GrayImage) -> f64 {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let px = img.pixels();
    let mut means = Vec::new();
    for by in 0..8 {
        for bx in 0..8 {
            let (x0, x1) = (bx * w / 8, (bx + 1) * w / 8);
            let (y0, y1) = (by * h / 8, (by + 1) * h / 8);
            let (mut sum, mut n) = (0u64, 0u64);
            for y in y0..y1 {
                for &v in &px[y * w + x0..y * w + x1] {
                    sum += u64::from(v);
                    n += 1;
                }
            }
            if n > 0 {
                means.push(sum as f64 / n as f64);
            }
        }
    }
    let mean = means.iter().sum::<f64>() / means.len().max(1) as f64;
    let max = means.iter().copied().fold(f64::MIN, f64::max);
    let min = means.iter().copied().fold(f64::MAX, f64::min);
    if means.is_empty() || mean <= 0.0 {
        return f64::INFINITY;
    }
    100.0 * (max - min) / mean
}

fn median(px: &[u8]) -> i32 {
    let mut hist = [0usize; 256];
    for &v in px {
        hist[usize::from(v)] += 1;
    }
    let mut seen = 0;
    for (level, n) in hist.iter().enumerate() {
        seen += n;
        if seen * 2 >= px.len() {
            return level as i32;
        }
    }
    255
}

/// Pixels (x, y) far from the median in every frame (frames of one size; others are ignored).
pub fn defective_pixels(frames: &[GrayImage]) -> Vec<(u32, u32)> {
    let Some(first) = frames.first() else {
        return Vec::new();
    };
    let same: Vec<&GrayImage> = frames
        .iter()
        .filter(|f| f.width() == first.width() && f.height() == first.height())
        .collect();
    let medians: Vec<i32> = same.iter().map(|f| median(f.pixels())).collect();
    let w = first.width();
    (0..first.pixels().len())
        .filter(|&i| {
            same.iter()
                .zip(&medians)
                .all(|(f, m)| (i32::from(f.pixels()[i]) - m).abs() > DEFECT_LEVELS)
        })
        .map(|i| ((i as u32) % w, (i as u32) / w))
        .collect()
}

fn list_pixels(p: &[(u32, u32)]) -> String {
    if p.is_empty() {
        return String::new();
    }
    let shown: Vec<String> = p
        .iter()
        .take(8)
        .map(|(x, y)| format!("({x},{y})"))
        .collect();
    let more = if p.len() > 8 { ", …" } else { "" };
    format!("; at {}{more} (live-frame coordinates)", shown.join(", "))
}

/// P90 − P10 of the image's central half.
pub fn contrast(img: &GrayImage) -> f64 {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let mut hist = [0usize; 256];
    let mut n = 0;
    for y in h / 4..h * 3 / 4 {
        for &v in &img.pixels()[y * w + w / 4..y * w + w * 3 / 4] {
            hist[usize::from(v)] += 1;
            n += 1;
        }
    }
    let pct = |p: f64| {
        let want = (p * n as f64).ceil() as usize;
        let mut seen = 0;
        for (level, c) in hist.iter().enumerate() {
            seen += c;
            if seen >= want.max(1) {
                return level as f64;
            }
        }
        255.0
    };
    pct(0.9) - pct(0.1)
}
