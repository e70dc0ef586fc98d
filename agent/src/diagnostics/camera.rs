//! Camera checks: still latency, the backdrop's colour (the e-KTP colour the rule expects, within
//! a colour distance of its nominal shade, split into exposure and white balance), focus on the
//! face (the face check's sharpness measure), and the live-view rate; calibration first when
//! asked.
//!
//! Contract: the backdrop is read in the still's two top corners (12 % of the width, 15 % of the
//! height each), where a framed sitter never reaches. Limits: a still within 3 s; the backdrop's
//! colour class as expected; ΔE*ab to the nominal at most 10, of which lightness (exposure)
//! within ±6 L* and chroma (white balance) at most 8; face sharpness at least 12 (the face
//! check's own gate); live view at least 10 frames per second.

use std::time::{Duration, Instant};

use rekam_drivers::camera::Photo;
use rekam_quality::face::measure::classify_backdrop;
use rekam_quality::face::{BackgroundColour, Check as FaceCheck, FaceOptions};
use rekam_quality::image::RgbView;

use super::colour::{self, Lab};
use super::{Check, Class, DeviceReport, Limit, Options, calibrate, ms_since};
use crate::capture::{decode_jpeg, png};
use crate::devices::{CameraDevice, DeviceFailure, Slot};

/// Largest ΔE*ab of the backdrop to its nominal colour.
pub const MAX_DELTA_E: f64 = 10.0;
/// Largest lightness error of the backdrop (exposure).
pub const MAX_DELTA_L: f64 = 6.0;
/// Largest chroma error of the backdrop (white balance).
pub const MAX_DELTA_AB: f64 = 8.0;

/// RGB pixels with their size.
pub struct Pixels {
    /// Interleaved RGB.
    pub rgb: Vec<u8>,
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
}

/// Decodes a photo.
pub fn pixels(photo: &Photo) -> Result<Pixels, String> {
    match photo {
        Photo::Rgb(img) => Ok(Pixels {
            rgb: img.pixels().to_vec(),
            width: img.width(),
            height: img.height(),
        }),
        Photo::Jpeg { bytes, .. } => {
            decode_jpeg(bytes).map(|(rgb, width, height)| Pixels { rgb, width, height })
        }
    }
}

/// Mean colour of the two top corners.
pub fn backdrop_mean(p: &Pixels) -> [f64; 3] {
    let (w, h) = (p.width as usize, p.height as usize);
    let (cw, ch) = ((w * 12 / 100).max(1), (h * 15 / 100).max(1));
    let mut sum = [0.0; 3];
    let mut n = 0.0;
    for y in 0..ch.min(h) {
        for x in (0..cw.min(w)).chain(w.saturating_sub(cw)..w) {
            let at = (y * w + x) * 3;
            if let Some(px) = p.rgb.get(at..at + 3) {
                for c in 0..3 {
                    sum[c] += f64::from(px[c]);
                }
                n += 1.0;
            }
        }
    }
    let n: f64 = if n > 0.0 { n } else { 1.0 };
    [sum[0] / n, sum[1] / n, sum[2] / n]
}

/// What the backdrop measured against its target colour.
#[derive(Clone, Copy, Debug)]
pub struct BackdropError {
    /// Total ΔE*ab.
    pub delta_e: f64,
    /// Lightness error (measured − nominal).
    pub delta_l: f64,
    /// Chroma error.
    pub delta_ab: f64,
    /// The measured colour.
    pub seen: Lab,
}

/// The backdrop's error against `target`.
pub fn backdrop_error(mean: [f64; 3], target: BackgroundColour) -> BackdropError {
    let seen = colour::lab(mean);
    let want = colour::lab(colour::nominal(target));
    BackdropError {
        delta_e: colour::delta_e(seen, want),
        delta_l: seen.l - want.l,
        delta_ab: colour::delta_ab(seen, want),
        seen,
    }
}

/// The colour the backdrop should be: the one asked for, or the e-KTP colour nearest it.
pub fn target(mean: [f64; 3], asked: Option<BackgroundColour>) -> BackgroundColour {
    asked.unwrap_or_else(|| colour::nearest(mean).0)
}

pub(super) async fn test(
    slot: Slot<dyn CameraDevice>,
    timeout: Duration,
    options: &Options,
) -> DeviceReport {
    let mut r = DeviceReport::new(Class::Camera);
    if options.calibrate {
        let cal = calibrate::run(&slot, timeout, options.backdrop).await;
        match cal {
            Ok(c) => r.calibration = Some(c),
            Err(e) if super::is_busy(&e) => {
                r.busy = true;
                return r;
            }
            Err(e) => r.calibration = Some(calibrate::Calibration::failed(&e)),
        }
    }
    let started = Instant::now();
    let still = slot.run(timeout, |d, o| d.capture_still(o)).await;
    let latency = ms_since(started);
    let photo = match still {
        Ok(p) => p,
        Err(e) if super::is_busy(&e) => {
            r.busy = true;
            return r;
        }
        Err(e) => {
            r.push(Check::failed_operation(
                "still_latency",
                "Still capture latency",
                Limit::AtMost { max: 3000.0 },
                "ms",
                &e,
            ));
            return r;
        }
    };
    r.push(Check::measure(
        "still_latency",
        "Still capture latency",
        latency,
        "ms",
        Limit::AtMost { max: 3000.0 },
    ));
    match &photo {
        Photo::Jpeg { bytes, .. } => r.picture(
            "camera-still.jpg",
            "Still photo as the camera sent it",
            bytes.clone(),
        ),
        Photo::Rgb(img) => {
            if let Ok(p) = png(img.width(), img.height(), png::ColorType::Rgb, img.pixels()) {
                r.picture("camera-still.png", "Still photo as the camera sent it", p);
            }
        }
    }
    match pixels(&photo) {
        Ok(p) => {
            backdrop_checks(&mut r, &p, options.backdrop);
            focus_check(&mut r, &p, target(backdrop_mean(&p), options.backdrop));
        }
        Err(e) => r.push(Check::state(
            "backdrop_colour",
            "Backdrop colour",
            &format!("the still does not decode: {e}"),
            "a decodable still",
            false,
        )),
    }
    live_view_check(&mut r, &slot).await;
    r
}

fn backdrop_checks(r: &mut DeviceReport, p: &Pixels, asked: Option<BackgroundColour>) {
    let mean = backdrop_mean(p);
    let want = target(mean, asked);
    let seen = classify_backdrop(mean);
    let seen_name = seen.map_or("none of the e-KTP colours", |c| c.name_en());
    r.push(
        Check::state(
            "backdrop_colour",
            "Backdrop colour class",
            seen_name,
            want.name_en(),
            seen == Some(want),
        )
        .with_note(format!(
            "mean of the top corners RGB({:.0}, {:.0}, {:.0}); {}",
            mean[0],
            mean[1],
            mean[2],
            if asked.is_some() {
                "colour asked for"
            } else {
                "expected: the e-KTP colour nearest what was seen"
            }
        )),
    );
    let err = backdrop_error(mean, want);
    let n = colour::nominal(want);
    r.push(
        Check::measure(
            "backdrop_delta_e",
            "Backdrop colour distance to nominal (CIE ΔE*ab)",
            err.delta_e,
            "ΔE",
            Limit::AtMost { max: MAX_DELTA_E },
        )
        .with_note(format!(
            "nominal {} RGB({:.0}, {:.0}, {:.0}); measured L*a*b* ({:.1}, {:.1}, {:.1})",
            want.name_en(),
            n[0],
            n[1],
            n[2],
            err.seen.l,
            err.seen.a,
            err.seen.b
        )),
    );
    r.push(Check::measure(
        "exposure",
        "Exposure: backdrop lightness error (ΔL*)",
        err.delta_l,
        "L*",
        Limit::Within {
            min: -MAX_DELTA_L,
            max: MAX_DELTA_L,
        },
    ));
    r.push(Check::measure(
        "white_balance",
        "White balance: backdrop chroma error (Δa*b*)",
        err.delta_ab,
        "Δab",
        Limit::AtMost { max: MAX_DELTA_AB },
    ));
}

fn focus_check(r: &mut DeviceReport, p: &Pixels, want: BackgroundColour) {
    let limit = Limit::AtLeast { min: 12.0 };
    let label = "Focus on the face (face check's sharpness)";
    let Ok(view) = RgbView::new(p.width, p.height, &p.rgb) else {
        r.push(Check::state(
            "focus",
            label,
            "the still has the wrong size",
            "a face",
            false,
        ));
        return;
    };
    let options = FaceOptions {
        expected_background: Some(want),
        ..FaceOptions::default()
    };
    match rekam_quality::face::assess(&view, &options) {
        Ok(report) => match report.component(FaceCheck::Sharpness) {
            Some(c) => r.push(
                Check::measure("focus", label, c.value, "", limit).with_note(c.message.en.clone()),
            ),
            None => r.push(Check::state(
                "focus",
                label,
                "no face found in the still",
                "a face in focus",
                false,
            )),
        },
        Err(e) => r.push(Check::state(
            "focus",
            label,
            &format!("the face check could not run: {e}"),
            "a face in focus",
            false,
        )),
    }
}

async fn live_view_check(r: &mut DeviceReport, slot: &Slot<dyn CameraDevice>) {
    const FRAMES: usize = 10;
    let limit = Limit::AtLeast { min: 10.0 };
    let frames = slot
        .run(Duration::from_secs(10), |d, o| {
            let started = Instant::now();
            for _ in 0..FRAMES {
                d.preview_frame(o)?;
            }
            Ok::<_, DeviceFailure>(started.elapsed())
        })
        .await;
    match frames {
        Ok(took) => r.push(Check::measure(
            "live_view_rate",
            "Live-view frame rate",
            FRAMES as f64 / took.as_secs_f64().max(1e-6),
            "fps",
            limit,
        )),
        Err(e) if super::is_busy(&e) => r.busy = true,
        Err(e) => r.push(Check::failed_operation(
            "live_view_rate",
            "Live-view frame rate",
            limit,
            "fps",
            &e,
        )),
    }
}
