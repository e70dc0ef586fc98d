//! Card printer checks: status (ready, cover, jam, fault), ribbon and feeder, a test card printed
//! through the driver, and the print counter moving by one.
//!
//! Contract: the test card is a pattern drawn here at the printer's panel size (colour bars, a
//! gray ramp, and a resin-black frame and checkerboard on the K panel), front only; the check
//! waits up to 60 s for the printer to finish it. Limits: status answered within 2 s; ready;
//! cover closed; no jam or fault; ribbon ok or low; feeder not empty; the card accepted and
//! finished; the counter one higher than before.

use std::time::{Duration, Instant};

use rekam_drivers::identity::ImageSize;
use rekam_drivers::image::RgbImage;
use rekam_drivers::printer::{CardSide, MonoPanel, PrintJob, PrinterStatus, Ribbon};

use super::{Check, Class, DeviceReport, Limit, ms_since};
use crate::capture::png;
use crate::devices::{DeviceFailure, PrinterDevice, Slot};

/// The test card: colour bars over the top half, a gray ramp below, and on the black panel a
/// frame 8 dots in from the edge and a checkerboard in the lower right.
pub fn test_card(panel: ImageSize) -> Result<(RgbImage, MonoPanel), String> {
    let (w, h) = (panel.width as usize, panel.height as usize);
    const BARS: [[u8; 3]; 8] = [
        [255, 255, 255],
        [255, 255, 0],
        [0, 255, 255],
        [0, 255, 0],
        [255, 0, 255],
        [255, 0, 0],
        [0, 0, 255],
        [0, 0, 0],
    ];
    let mut rgb = Vec::with_capacity(w * h * 3);
    let mut dots = Vec::with_capacity(w * h);
    for y in 0..h {
        for x in 0..w {
            if y < h / 2 {
                rgb.extend_from_slice(&BARS[(x * 8 / w.max(1)).min(7)]);
            } else {
                let v = (255 * x / w.max(1)) as u8;
                rgb.extend_from_slice(&[v, v, v]);
            }
            let frame = (8..12).contains(&x)
                || (8..12).contains(&y)
                || (w.saturating_sub(12)..w.saturating_sub(8)).contains(&x)
                || (h.saturating_sub(12)..h.saturating_sub(8)).contains(&y);
            let checker = x > w * 3 / 4 && y > h * 3 / 4 && ((x / 16) + (y / 16)) % 2 == 0;
            dots.push(frame || checker);
        }
    }
    let colour = RgbImage::new(panel.width, panel.height, rgb).map_err(|e| e.to_string())?;
    let black = MonoPanel::new(panel, dots).map_err(|e| e.to_string())?;
    Ok((colour, black))
}

/// The test card as it should come out (black dots over the colour).
fn preview_png(colour: &RgbImage, black: &MonoPanel) -> Result<Vec<u8>, String> {
    let mut px = colour.pixels().to_vec();
    for (p, _) in px
        .chunks_exact_mut(3)
        .zip(black.dots())
        .filter(|(_, on)| **on)
    {
        p.fill(0);
    }
    png(colour.width(), colour.height(), png::ColorType::Rgb, &px)
}

fn ribbon_name(r: Ribbon) -> &'static str {
    match r {
        Ribbon::Ok => "ok",
        Ribbon::Low => "low",
        Ribbon::Ended => "ended",
        Ribbon::Missing => "missing",
    }
}

fn status_checks(r: &mut DeviceReport, s: &PrinterStatus) {
    r.push(Check::state(
        "ready",
        "Ready to print",
        if s.is_ready() { "ready" } else { "not ready" },
        "ready",
        s.is_ready(),
    ));
    r.push(Check::state(
        "cover",
        "Cover",
        if s.cover_open { "open" } else { "closed" },
        "closed",
        !s.cover_open,
    ));
    r.push(Check::state(
        "jam",
        "Card path",
        if s.jam { "jammed" } else { "clear" },
        "clear",
        !s.jam,
    ));
    r.push(Check::state(
        "fault",
        "Printer fault",
        s.error.as_deref().unwrap_or("none"),
        "none",
        s.error.is_none(),
    ));
    let left = s
        .counters
        .ribbon_left
        .map_or(String::new(), |n| format!(", {n} prints left"));
    r.push(Check::state(
        "ribbon",
        "Ribbon",
        &format!("{}{left}", ribbon_name(s.ribbon)),
        "ok or low",
        matches!(s.ribbon, Ribbon::Ok | Ribbon::Low),
    ));
    let cards = s
        .counters
        .cards_in_feeder
        .map_or(String::new(), |n| format!(", {n} cards"));
    r.push(Check::state(
        "feeder",
        "Card feeder",
        &format!("{}{cards}", if s.feeder_empty { "empty" } else { "loaded" }),
        "loaded",
        !s.feeder_empty,
    ));
}

pub(super) async fn test(slot: Slot<dyn PrinterDevice>, timeout: Duration) -> DeviceReport {
    let mut r = DeviceReport::new(Class::Printer);
    let started = Instant::now();
    let status = slot
        .run(timeout, |d, _| Ok((d.status()?, d.capabilities())))
        .await;
    let (before, caps) = match status {
        Ok(s) => s,
        Err(e) if super::is_busy(&e) => {
            r.busy = true;
            return r;
        }
        Err(e) => {
            r.push(Check::failed_operation(
                "status_latency",
                "Status answered",
                Limit::AtMost { max: 2000.0 },
                "ms",
                &e,
            ));
            return r;
        }
    };
    r.push(Check::measure(
        "status_latency",
        "Status answered",
        ms_since(started),
        "ms",
        Limit::AtMost { max: 2000.0 },
    ));
    status_checks(&mut r, &before);
    let (colour, black) = match test_card(caps.panel) {
        Ok(c) => c,
        Err(e) => {
            r.push(Check::state(
                "test_card",
                "Test card printed",
                &format!("the pattern could not be drawn: {e}"),
                "printed",
                false,
            ));
            return r;
        }
    };
    if let Ok(p) = preview_png(&colour, &black) {
        r.picture(
            "printer-test-card.png",
            "The test card sent to the printer (front: YMC colour, K frame and checkerboard)",
            p,
        );
    }
    let job = PrintJob {
        front: CardSide {
            colour: Some(colour),
            black: Some(black),
            overlay: None,
        },
        back: None,
    };
    let started = Instant::now();
    let printed = slot
        .run(Duration::from_secs(70), move |d, _| {
            d.print(&job)?;
            // Wait for the card to come out (or the printer to stop on a fault).
            let limit = Instant::now() + Duration::from_secs(60);
            loop {
                let s = d.status()?;
                if !s.busy {
                    return Ok(s);
                }
                if Instant::now() >= limit {
                    return Err(DeviceFailure::new(
                        d.identity().to_string(),
                        rekam_drivers::ErrorKind::Timeout,
                        "the test card did not finish within 60 s",
                    ));
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        })
        .await;
    match printed {
        Ok(after) => {
            let ok = !after.jam && after.error.is_none();
            r.push(
                Check::state(
                    "test_card",
                    "Test card printed",
                    if ok {
                        "printed"
                    } else if after.jam {
                        "jammed"
                    } else {
                        "stopped on a fault"
                    },
                    "printed",
                    ok,
                )
                .with_note(format!("{:.0} ms from job to card out", ms_since(started))),
            );
            let moved = after.counters.cards_printed as f64 - before.counters.cards_printed as f64;
            r.push(
                Check::measure(
                    "print_counter",
                    "Print counter moved by the test card",
                    moved,
                    "cards",
                    Limit::Within { min: 1.0, max: 1.0 },
                )
                .with_note(format!(
                    "{} before, {} after",
                    before.counters.cards_printed, after.counters.cards_printed
                )),
            );
        }
        Err(e) if super::is_busy(&e) => r.busy = true,
        Err(e) => r.push(Check::state(
            "test_card",
            "Test card printed",
            &format!("refused: {}", e.message),
            "printed",
            false,
        )),
    }
    r
}
