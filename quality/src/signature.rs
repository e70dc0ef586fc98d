//! Signature checks over the pen series a signature pad reports: not empty, enough strokes and
//! extent, a plausible writing time, pressure present when the pad reports it, and not a straight
//! line or a dot.
//!
//! Contract: [`assess`] takes samples in time order with coordinates as fractions of the pad's
//! writing area (0 left/top .. 1 right/bottom), so the rules do not depend on the pad model; it
//! never fails, an unusable series is a failing report. The pen is down on a sample when its
//! pressure is above zero, or, for pads without pressure, on every sample (pads without pressure
//! only send samples while the pen touches); a stroke ends at a pen lift or a gap of more than
//! 50 ms between samples.

use serde::Serialize;

pub use crate::verdict::Message;
use crate::verdict::ramp;

/// One pen sample.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PenSample {
    /// Column, fraction of the writing area's width.
    pub x: f64,
    /// Row, fraction of the writing area's height (0 top).
    pub y: f64,
    /// Pen pressure 0..=1, `None` when the pad reports none.
    pub pressure: Option<f64>,
    /// Time since the pad started, milliseconds.
    pub t_ms: u64,
}

/// Which check a component is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum SignatureCheck {
    /// Enough pen-down samples.
    NotEmpty,
    /// At least one stroke, and not more than a signature plausibly has.
    Strokes,
    /// The signature spans enough of the pad (width, fraction).
    Extent,
    /// Writing time in seconds between 0.3 and 20.
    Duration,
    /// Pressure reported and varying (when the pad reports it).
    Pressure,
    /// Not a straight line or a dot: ink path length over the box diagonal.
    Shape,
}

/// One check's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SignatureComponent {
    /// Which check.
    pub check: SignatureCheck,
    /// Quality 0-100.
    pub score: u8,
    /// Whether it meets the rule.
    pub passed: bool,
    /// The measured value.
    pub value: f64,
    /// What was measured and, on failure, what to do.
    pub message: Message,
}

/// The assessment of one signature.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SignatureReport {
    /// Samples with the pen down.
    pub pen_down_samples: usize,
    /// Strokes found.
    pub strokes: usize,
    /// Each check.
    pub components: Vec<SignatureComponent>,
    /// Whether the signature passes.
    pub passed: bool,
    /// The first thing to fix.
    pub advice: Option<Message>,
}

/// Gap that ends a stroke on pads without pressure.
const STROKE_GAP_MS: u64 = 50;

fn component(
    check: SignatureCheck,
    score: u8,
    passed: bool,
    value: f64,
    ok: Message,
    fix: Message,
) -> SignatureComponent {
    SignatureComponent {
        check,
        score,
        passed,
        value,
        message: if passed { ok } else { fix },
    }
}

/// Splits the pen-down samples into strokes.
fn strokes(samples: &[PenSample]) -> Vec<Vec<PenSample>> {
    let mut out: Vec<Vec<PenSample>> = Vec::new();
    let mut current: Vec<PenSample> = Vec::new();
    let mut last_t: Option<u64> = None;
    for s in samples {
        let down = s.pressure.is_none_or(|p| p > 0.0) && s.x.is_finite() && s.y.is_finite();
        let gap = last_t.is_some_and(|t| s.t_ms.saturating_sub(t) > STROKE_GAP_MS);
        if (!down || gap) && !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
        if down {
            current.push(*s);
            last_t = Some(s.t_ms);
        } else {
            last_t = None;
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// Checks a signature's pen series.
pub fn assess(samples: &[PenSample]) -> SignatureReport {
    let strokes = strokes(samples);
    let down: Vec<&PenSample> = strokes.iter().flatten().collect();
    let n = down.len();
    let mut components = Vec::new();

    components.push(component(
        SignatureCheck::NotEmpty,
        ramp(n as f64, 50.0, 0.0),
        n >= 20,
        n as f64,
        Message::new(
            format!("Tanda tangan terekam ({n} titik)."),
            format!("Signature recorded ({n} points)."),
        ),
        Message::new(
            "Tanda tangan kosong atau terlalu sedikit: minta pemohon menandatangani di pad.",
            "Signature empty or too short: ask the resident to sign on the pad.",
        ),
    ));

    // A stroke counts when it leaves a visible line (at least 1% of the pad's width).
    let real: Vec<&Vec<PenSample>> = strokes.iter().filter(|s| path_length(s) > 0.01).collect();
    let count = real.len();
    components.push(component(
        SignatureCheck::Strokes,
        if (1..=40).contains(&count) { 100 } else { 0 },
        (1..=40).contains(&count),
        count as f64,
        Message::new(format!("{count} goresan."), format!("{count} strokes.")),
        if count == 0 {
            Message::new(
                "Tidak ada goresan: minta pemohon menandatangani ulang.",
                "No strokes: ask the resident to sign again.",
            )
        } else {
            Message::new(
                format!("{count} goresan, terlalu banyak untuk tanda tangan: hapus dan ulangi."),
                format!("{count} strokes, too many for a signature: clear and sign again."),
            )
        },
    ));

    let (x0, x1, y0, y1) = bounds(&down);
    let (width, height) = (x1 - x0, y1 - y0);
    let extent_ok = width >= 0.2 && height >= 0.05;
    components.push(component(
        SignatureCheck::Extent,
        ramp(width.min(height * 4.0), 0.3, 0.0),
        extent_ok,
        width,
        Message::new(
            format!(
                "Ukuran tanda tangan cukup ({:.0}% lebar pad).",
                width * 100.0
            ),
            format!(
                "Signature size fine ({:.0}% of the pad width).",
                width * 100.0
            ),
        ),
        Message::new(
            "Tanda tangan terlalu kecil: minta pemohon menandatangani lebih besar.",
            "Signature too small: ask the resident to sign larger.",
        ),
    ));

    let seconds = match (down.first(), down.last()) {
        (Some(a), Some(b)) => b.t_ms.saturating_sub(a.t_ms) as f64 / 1000.0,
        _ => 0.0,
    };
    let duration_ok = (0.3..=20.0).contains(&seconds);
    components.push(component(
        SignatureCheck::Duration,
        if seconds < 1.0 {
            ramp(seconds, 1.0, 0.0)
        } else {
            ramp(seconds, 10.0, 30.0)
        },
        duration_ok,
        seconds,
        Message::new(
            format!("Waktu menandatangani wajar ({seconds:.1} detik)."),
            format!("Signing time plausible ({seconds:.1} s)."),
        ),
        if seconds < 0.3 {
            Message::new(
                format!("Tanda tangan terlalu cepat ({seconds:.1} detik): minta pemohon menandatangani dengan wajar."),
                format!("Signed too fast ({seconds:.1} s): ask the resident to sign normally."),
            )
        } else {
            Message::new(
                format!("Tanda tangan terlalu lama ({seconds:.0} detik): hapus dan ulangi."),
                format!("Signing took too long ({seconds:.0} s): clear and sign again."),
            )
        },
    ));

    let pressures: Vec<f64> = down.iter().filter_map(|s| s.pressure).collect();
    if !pressures.is_empty() {
        let mean = pressures.iter().sum::<f64>() / pressures.len() as f64;
        let sd = (pressures.iter().map(|p| (p - mean).powi(2)).sum::<f64>()
            / pressures.len() as f64)
            .sqrt();
        // A pen pressing varies; a stuck sensor or a finger-as-mouse reports one value.
        let ok = mean > 0.02 && sd > 0.01;
        components.push(component(
            SignatureCheck::Pressure,
            if ok { 100 } else { ramp(sd, 0.01, 0.0).min(40) },
            ok,
            sd,
            Message::new(
                format!("Tekanan pena terbaca (rata-rata {:.0}%).", mean * 100.0),
                format!("Pen pressure read (mean {:.0}%).", mean * 100.0),
            ),
            Message::new(
                "Tekanan pena tidak terbaca atau tetap: periksa pena pad tanda tangan.",
                "Pen pressure missing or constant: check the signature pad's pen.",
            ),
        ));
    }

    let ink: f64 = real.iter().map(|s| path_length(s)).sum();
    let diagonal = width.hypot(height);
    let (minor, major) = spread(&down);
    let wiggle = if diagonal > 0.0 { ink / diagonal } else { 0.0 };
    let flatness = if major > 0.0 { minor / major } else { 0.0 };
    let shape_ok = wiggle >= 1.8 && flatness >= 0.08 && diagonal >= 0.05;
    components.push(component(
        SignatureCheck::Shape,
        ramp(wiggle.min(flatness * 20.0), 3.0, 1.0),
        shape_ok,
        wiggle,
        Message::new(
            "Bentuk tanda tangan wajar.",
            "Signature shape plausible.",
        ),
        Message::new(
            "Tanda tangan hanya berupa garis lurus atau titik: minta pemohon menandatangani seperti biasa.",
            "The signature is only a straight line or a dot: ask the resident to sign as usual.",
        ),
    ));

    let passed = components.iter().all(|c| c.passed);
    let advice = components
        .iter()
        .find(|c| !c.passed)
        .map(|c| c.message.clone());
    SignatureReport {
        pen_down_samples: n,
        strokes: count,
        components,
        passed,
        advice,
    }
}

fn path_length(stroke: &[PenSample]) -> f64 {
    stroke
        .windows(2)
        .map(|w| (w[1].x - w[0].x).hypot(w[1].y - w[0].y))
        .sum()
}

fn bounds(points: &[&PenSample]) -> (f64, f64, f64, f64) {
    if points.is_empty() {
        return (0.0, 0.0, 0.0, 0.0);
    }
    points.iter().fold(
        (
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ),
        |(a, b, c, d), p| (a.min(p.x), b.max(p.x), c.min(p.y), d.max(p.y)),
    )
}

/// Standard deviations along the minor and major principal axes of the points.
fn spread(points: &[&PenSample]) -> (f64, f64) {
    let n = points.len() as f64;
    if n < 2.0 {
        return (0.0, 0.0);
    }
    let mx = points.iter().map(|p| p.x).sum::<f64>() / n;
    let my = points.iter().map(|p| p.y).sum::<f64>() / n;
    let (mut sxx, mut syy, mut sxy) = (0.0, 0.0, 0.0);
    for p in points {
        sxx += (p.x - mx).powi(2);
        syy += (p.y - my).powi(2);
        sxy += (p.x - mx) * (p.y - my);
    }
    let (sxx, syy, sxy) = (sxx / n, syy / n, sxy / n);
    let tr = sxx + syy;
    let det = sxx * syy - sxy * sxy;
    let disc = (tr * tr / 4.0 - det).max(0.0).sqrt();
    let (l1, l2) = (tr / 2.0 + disc, (tr / 2.0 - disc).max(0.0));
    (l2.sqrt(), l1.sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(n: u64, dx: f64, dy: f64) -> Vec<PenSample> {
        (0..n)
            .map(|i| PenSample {
                x: 0.1 + dx * i as f64 / n as f64,
                y: 0.5 + dy * i as f64 / n as f64,
                pressure: Some(0.3 + 0.2 * ((i as f64) * 0.3).sin()),
                t_ms: i * 5,
            })
            .collect()
    }

    fn failed(r: &SignatureReport) -> Vec<SignatureCheck> {
        r.components
            .iter()
            .filter(|c| !c.passed)
            .map(|c| c.check)
            .collect()
    }

    #[test]
    fn no_samples_fail_not_empty_first() {
        let r = assess(&[]);
        assert!(!r.passed);
        assert_eq!(failed(&r)[0], SignatureCheck::NotEmpty);
        assert!(r.advice.expect("advice").en.contains("empty"));
    }

    #[test]
    fn a_straight_line_fails_shape() {
        let r = assess(&line(200, 0.6, 0.1));
        assert_eq!(failed(&r), vec![SignatureCheck::Shape], "{r:#?}");
    }

    #[test]
    fn a_dot_fails_extent_and_shape() {
        let dot: Vec<PenSample> = line(200, 0.0, 0.0);
        let f = failed(&assess(&dot));
        assert!(f.contains(&SignatureCheck::Extent) && f.contains(&SignatureCheck::Shape));
    }

    #[test]
    fn constant_pressure_fails_and_no_pressure_is_not_judged() {
        let mut s = line(200, 0.6, 0.1);
        for p in &mut s {
            p.pressure = Some(1.0);
        }
        assert!(failed(&assess(&s)).contains(&SignatureCheck::Pressure));
        for p in &mut s {
            p.pressure = None;
        }
        let r = assess(&s);
        assert!(
            r.components
                .iter()
                .all(|c| c.check != SignatureCheck::Pressure)
        );
    }

    #[test]
    fn pen_lifts_and_time_gaps_split_strokes() {
        let mut s = line(100, 0.3, 0.0);
        let mut second = line(100, 0.3, 0.0);
        for p in &mut second {
            p.t_ms += 2000;
            p.x += 0.4;
        }
        s.extend(second);
        assert_eq!(strokes(&s).len(), 2);
        s[50].pressure = Some(0.0);
        assert_eq!(strokes(&s).len(), 3);
    }
}
