//! Signature pad checks: the four corners tapped on request (top left, top right, bottom right,
//! bottom left, each 5 % in from the edges), from which offset and linearity; the report rate
//! and the pressure range.
//!
//! Contract: a tap is a run of pen reports with pressure, its position their mean. Limits: four
//! taps; mean distance from tap to target at most 2 mm (offset); the tapped rectangle's sides
//! within 2 % of the targets' (linearity: a stretched or skewed digitizer); at least 100 reports
//! per second while the pen touches; a pad with at least 256 pressure levels whose taps reach at
//! least 30 % of them.

use std::time::{Duration, Instant};

use rekam_drivers::signature::PenSample;

use super::{Check, Class, DeviceReport, Limit, ms_since};
use crate::devices::{PadDevice, Slot, TapTrace};

/// Where the taps are asked for, as fractions of the pad's range.
const INSET: f64 = 0.05;

/// The four targets, in tablet units, in the order they are asked for.
pub fn targets(max_x: u16, max_y: u16) -> [(u16, u16); 4] {
    let (x0, x1) = (
        (f64::from(max_x) * INSET).round() as u16,
        (f64::from(max_x) * (1.0 - INSET)).round() as u16,
    );
    let (y0, y1) = (
        (f64::from(max_y) * INSET).round() as u16,
        (f64::from(max_y) * (1.0 - INSET)).round() as u16,
    );
    [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
}

/// Taps: each run of touching reports.
pub fn taps(samples: &[PenSample]) -> Vec<Vec<PenSample>> {
    let mut out: Vec<Vec<PenSample>> = Vec::new();
    let mut current = Vec::new();
    for s in samples {
        if s.pressure > 0 {
            current.push(*s);
        } else if !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

fn centre(tap: &[PenSample]) -> (f64, f64) {
    let n = tap.len().max(1) as f64;
    (
        tap.iter().map(|s| f64::from(s.x)).sum::<f64>() / n,
        tap.iter().map(|s| f64::from(s.y)).sum::<f64>() / n,
    )
}

fn dist(a: (f64, f64), b: (f64, f64)) -> f64 {
    ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt()
}

pub(super) async fn test(slot: Slot<dyn PadDevice>, timeout: Duration) -> DeviceReport {
    let mut r = DeviceReport::new(Class::SignaturePad);
    let started = Instant::now();
    // The targets depend on the pad's range, which the trace reports; ask with the range the
    // first trace gives (pads report it before any tap).
    let got = slot
        .run(timeout.max(Duration::from_secs(20)), |d, o| {
            let probe = d.capture_taps(&[], o)?;
            let c = probe.capabilities;
            let t = targets(c.max_x, c.max_y);
            d.capture_taps(&t, o)
        })
        .await;
    let trace = match got {
        Ok(t) => t,
        Err(e) if super::is_busy(&e) => {
            r.busy = true;
            return r;
        }
        Err(e) => {
            r.push(Check::failed_operation(
                "corner_taps",
                "Four corners tapped on request",
                Limit::AtLeast { min: 4.0 },
                "taps",
                &e,
            ));
            return r;
        }
    };
    let took = ms_since(started);
    analyse(&mut r, &trace, took);
    r
}

fn analyse(r: &mut DeviceReport, trace: &TapTrace, took_ms: f64) {
    let c = &trace.capabilities;
    let want = targets(c.max_x, c.max_y);
    let found = taps(&trace.samples);
    let per_mm = f64::from(c.units_per_mm.max(1));
    r.push(
        Check::measure(
            "corner_taps",
            "Four corners tapped on request",
            found.len() as f64,
            "taps",
            Limit::AtLeast { min: 4.0 },
        )
        .with_note(format!("{:.0} ms for the four taps", took_ms)),
    );
    let centres: Vec<(f64, f64)> = found.iter().map(|t| centre(t)).collect();
    let points: Vec<(f64, f64)> = want
        .iter()
        .map(|&(x, y)| (f64::from(x), f64::from(y)))
        .collect();
    if centres.len() >= 4 {
        let offset = centres
            .iter()
            .zip(&points)
            .map(|(a, b)| dist(*a, *b))
            .sum::<f64>()
            / 4.0
            / per_mm;
        r.push(Check::measure(
            "offset",
            "Offset: mean distance from tap to target",
            offset,
            "mm",
            Limit::AtMost { max: 2.0 },
        ));
        // Sides of the tapped quadrilateral against the targets' rectangle.
        let sides = |p: &[(f64, f64)]| {
            [
                dist(p[0], p[1]),
                dist(p[3], p[2]),
                dist(p[0], p[3]),
                dist(p[1], p[2]),
            ]
        };
        let (got, ideal) = (sides(&centres), sides(&points));
        let worst = got
            .iter()
            .zip(ideal)
            .map(|(g, i)| 100.0 * (g - i).abs() / i.max(1.0))
            .fold(0.0, f64::max);
        r.push(Check::measure(
            "linearity",
            "Linearity: worst side length error of the tapped rectangle",
            worst,
            "%",
            Limit::AtMost { max: 2.0 },
        ));
    }
    let mut gaps: Vec<f64> = found
        .iter()
        .flat_map(|t| {
            t.windows(2)
                .map(|w| w[1].time.saturating_sub(w[0].time).as_secs_f64())
                .collect::<Vec<_>>()
        })
        .filter(|g| *g > 0.0)
        .collect();
    gaps.sort_by(f64::total_cmp);
    match gaps.get(gaps.len() / 2) {
        Some(g) => r.push(Check::measure(
            "report_rate",
            "Report rate while the pen touches (median interval)",
            1.0 / g,
            "Hz",
            Limit::AtLeast { min: 100.0 },
        )),
        None => r.push(Check::state(
            "report_rate",
            "Report rate while the pen touches (median interval)",
            "no timed reports",
            "≥ 100 Hz",
            false,
        )),
    }
    r.push(Check::measure(
        "pressure_levels",
        "Pressure levels the pad reports",
        f64::from(c.max_pressure) + 1.0,
        "levels",
        Limit::AtLeast { min: 256.0 },
    ));
    let peak = trace.samples.iter().map(|s| s.pressure).max().unwrap_or(0);
    r.push(Check::measure(
        "pressure_reached",
        "Highest pressure reached by the taps",
        100.0 * f64::from(peak) / f64::from(c.max_pressure.max(1)),
        "%",
        Limit::AtLeast { min: 30.0 },
    ));
    r.picture(
        "pad-taps.svg",
        "Targets (crosses) and where the pen touched (dots)",
        svg(c.max_x, c.max_y, &points, &centres).into_bytes(),
    );
}

/// The pad's area with the targets and the taps, as SVG.
fn svg(max_x: u16, max_y: u16, targets: &[(f64, f64)], taps: &[(f64, f64)]) -> String {
    let (w, h) = (480.0, 480.0 * f64::from(max_y) / f64::from(max_x.max(1)));
    let sx = |x: f64| x * w / f64::from(max_x.max(1));
    let sy = |y: f64| y * h / f64::from(max_y.max(1));
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w:.0}\" height=\"{h:.0}\" viewBox=\"0 0 {w:.0} {h:.0}\"><rect x=\"0.5\" y=\"0.5\" width=\"{:.0}\" height=\"{:.0}\" fill=\"#fff\" stroke=\"#333\"/>",
        w - 1.0,
        h - 1.0
    );
    for &(x, y) in targets {
        let (x, y) = (sx(x), sy(y));
        out.push_str(&format!(
            "<path d=\"M{:.1} {y:.1}H{:.1}M{x:.1} {:.1}V{:.1}\" stroke=\"#1a56db\" stroke-width=\"2\"/>",
            x - 10.0,
            x + 10.0,
            y - 10.0,
            y + 10.0
        ));
    }
    for &(x, y) in taps {
        out.push_str(&format!(
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"5\" fill=\"#c81e1e\"/>",
            sx(x),
            sy(y)
        ));
    }
    out.push_str("</svg>");
    out
}
