//! Iris scanner checks: a capture of each eye, its latency, focus (the iris check's sharpness)
//! and illumination (the image's mean level and the share of clipped pixels).
//!
//! Contract: limits: a capture within 10 s; the iris found with sharpness at least 12 (the iris
//! check's own gate); mean level 60-200 of 255; at most 2 % of pixels at 250 or above (the
//! illuminator's specular highlights are a few pixels, a blown image many).

use std::time::{Duration, Instant};

use rekam_drivers::GrayImage;
use rekam_drivers::iris::Eyes;
use rekam_quality::image::GrayView;
use rekam_quality::iris::IrisCheck;

use super::{Check, Class, DeviceReport, Limit, ms_since};
use crate::capture::png;
use crate::devices::{IrisDevice, Slot};

pub(super) async fn test(slot: Slot<dyn IrisDevice>, timeout: Duration) -> DeviceReport {
    let mut r = DeviceReport::new(Class::Iris);
    for (eye, name) in [(Eyes::Left, "left"), (Eyes::Right, "right")] {
        let started = Instant::now();
        let got = slot.run(timeout, move |d, o| d.capture_eye(eye, o)).await;
        let latency_limit = Limit::AtMost { max: 10_000.0 };
        let img = match got {
            Ok(img) => img,
            Err(e) if super::is_busy(&e) => {
                r.busy = true;
                return r;
            }
            Err(e) => {
                r.push(Check::failed_operation(
                    if eye == Eyes::Left {
                        "left_capture_latency"
                    } else {
                        "right_capture_latency"
                    },
                    &format!("Capture of the {name} eye"),
                    latency_limit,
                    "ms",
                    &e,
                ));
                continue;
            }
        };
        let ids = if eye == Eyes::Left {
            [
                "left_capture_latency",
                "left_focus",
                "left_illumination",
                "left_clipped",
            ]
        } else {
            [
                "right_capture_latency",
                "right_focus",
                "right_illumination",
                "right_clipped",
            ]
        };
        r.push(Check::measure(
            ids[0],
            &format!("Capture latency, {name} eye"),
            ms_since(started),
            "ms",
            latency_limit,
        ));
        eye_checks(&mut r, &img, name, ids);
        if let Ok(p) = png(
            img.width(),
            img.height(),
            png::ColorType::Grayscale,
            img.pixels(),
        ) {
            r.picture(
                &format!("iris-{name}.png"),
                &format!("The {name} eye as captured"),
                p,
            );
        }
    }
    r
}

fn eye_checks(r: &mut DeviceReport, img: &GrayImage, name: &str, ids: [&'static str; 4]) {
    let focus_label = format!("Focus, {name} eye (iris check's sharpness)");
    match GrayView::new(img.width(), img.height(), img.pixels()) {
        Ok(view) => {
            let report = rekam_quality::iris::assess(&view);
            match report
                .components
                .iter()
                .find(|c| c.check == IrisCheck::Sharpness)
            {
                Some(c) => r.push(
                    Check::measure(
                        ids[1],
                        &focus_label,
                        c.value,
                        "",
                        Limit::AtLeast { min: 12.0 },
                    )
                    .with_note(c.message.en.clone()),
                ),
                None => r.push(Check::state(
                    ids[1],
                    &focus_label,
                    "no iris found in the image",
                    "an iris in focus",
                    false,
                )),
            }
        }
        Err(e) => r.push(Check::state(
            ids[1],
            &focus_label,
            &e.to_string(),
            "an iris in focus",
            false,
        )),
    }
    let px = img.pixels();
    let n = px.len().max(1) as f64;
    let mean = px.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
    let clipped = 100.0 * px.iter().filter(|&&v| v >= 250).count() as f64 / n;
    r.push(Check::measure(
        ids[2],
        &format!("Illumination, {name} eye: mean level"),
        mean,
        "levels",
        Limit::Within {
            min: 60.0,
            max: 200.0,
        },
    ));
    r.push(Check::measure(
        ids[3],
        &format!("Illumination, {name} eye: clipped pixels"),
        clipped,
        "%",
        Limit::AtMost { max: 2.0 },
    ));
}
