//! Iris image checks (near-infrared, 640x480 gray as iris cameras deliver): iris found (pupil
//! and iris circles), iris size, pupil dilation, usable iris area (occlusion by lids, lashes and
//! the picture's edges) and focus, in the spirit of ISO/IEC 29794-6.
//!
//! Contract: [`assess`] never fails: a picture without an iris is a failing report. The pupil is
//! the darkest compact blob (seeded at the darkest disc, grown over pixels near its level); the
//! iris boundary is the strongest dark-to-bright step along circles around the pupil, read in
//! the left and right sectors where lids rarely reach. Occlusion: annulus samples outside the
//! picture, brighter than the iris's lower sectors ever are, or without iris texture.

use serde::Serialize;

use crate::image::{GrayView, Integral};
pub use crate::verdict::Message;
use crate::verdict::ramp;

/// Which check a component is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum IrisCheck {
    /// A pupil and an iris boundary were found (value: boundary contrast, gray levels).
    IrisFound,
    /// Iris diameter, pixels: at least 150 (200 recommended).
    IrisSize,
    /// Pupil radius over iris radius, 0.2-0.7.
    PupilDilation,
    /// Share of the iris annulus visible (not lid, lash or outside the picture): at least 0.7.
    UsableArea,
    /// Focus of the iris texture.
    Sharpness,
}

/// One check's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IrisComponent {
    /// Which check.
    pub check: IrisCheck,
    /// Quality 0-100.
    pub score: u8,
    /// Whether it meets the rule.
    pub passed: bool,
    /// The measured value.
    pub value: f64,
    /// What was measured and, on failure, what to do.
    pub message: Message,
}

/// A circle in image pixels.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Circle {
    /// Centre column.
    pub x: f64,
    /// Centre row.
    pub y: f64,
    /// Radius.
    pub r: f64,
}

/// The assessment of one iris image.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IrisReport {
    /// The pupil, when found.
    pub pupil: Option<Circle>,
    /// The iris boundary (centred on the pupil), when found.
    pub iris: Option<Circle>,
    /// Each check.
    pub components: Vec<IrisComponent>,
    /// Whether the image passes.
    pub passed: bool,
    /// The first thing to fix.
    pub advice: Option<Message>,
}

fn component(
    check: IrisCheck,
    score: u8,
    passed: bool,
    value: f64,
    ok: Message,
    fix: Message,
) -> IrisComponent {
    IrisComponent {
        check,
        score,
        passed,
        value,
        message: if passed { ok } else { fix },
    }
}

fn px(img: &GrayView<'_>, x: i64, y: i64) -> Option<u8> {
    if x < 0 || y < 0 || x >= i64::from(img.width()) || y >= i64::from(img.height()) {
        return None;
    }
    img.pixels()
        .get(y as usize * img.width() as usize + x as usize)
        .copied()
}

/// The pupil: darkest disc, grown over pixels within 25 levels of it.
fn find_pupil(img: &GrayView<'_>, table: &Integral) -> Option<Circle> {
    let (w, h) = (i64::from(img.width()), i64::from(img.height()));
    let r0 = (w.min(h) / 40).max(2);
    let mut best = (f64::INFINITY, 0, 0);
    let mut y = r0;
    while y < h - r0 {
        let mut x = r0;
        while x < w - r0 {
            if let Some(m) = table.mean(x - r0, y - r0, x + r0 + 1, y + r0 + 1)
                && m < best.0
            {
                best = (m, x, y);
            }
            x += 2;
        }
        y += 2;
    }
    let (level, sx, sy) = best;
    if !level.is_finite() {
        return None;
    }
    let limit = level + 25.0;
    let mut seen = vec![false; (w * h) as usize];
    let mut stack = vec![(sx, sy)];
    let (mut n, mut sumx, mut sumy) = (0.0, 0.0, 0.0);
    let (mut minx, mut maxx, mut miny, mut maxy) = (sx, sx, sy, sy);
    while let Some((x, y)) = stack.pop() {
        let Some(v) = px(img, x, y) else { continue };
        let i = (y * w + x) as usize;
        if seen[i] || f64::from(v) > limit {
            continue;
        }
        seen[i] = true;
        n += 1.0;
        sumx += x as f64;
        sumy += y as f64;
        (minx, maxx, miny, maxy) = (minx.min(x), maxx.max(x), miny.min(y), maxy.max(y));
        for (dx, dy) in [(1, 0), (-1, 0), (0, 1), (0, -1)] {
            stack.push((x + dx, y + dy));
        }
    }
    let r = (n / std::f64::consts::PI).sqrt();
    let extent = ((maxx - minx + 1).max(maxy - miny + 1)) as f64 / 2.0;
    // A pupil is compact: its area fills most of the circle its extent spans.
    if r < 5.0 || extent <= 0.0 || (r / extent).powi(2) < 0.5 {
        return None;
    }
    Some(Circle {
        x: sumx / n,
        y: sumy / n,
        r,
    })
}

/// Mean gray level on the circle of radius `r` around `c`, in the left and right sectors.
fn ring_mean(img: &GrayView<'_>, c: &Circle, r: f64) -> Option<f64> {
    let mut sum = 0.0;
    let mut n = 0.0;
    for k in -12..=12 {
        let a = f64::from(k) * 3.0_f64.to_radians();
        for side in [0.0, std::f64::consts::PI] {
            let (s, co) = (a + side).sin_cos();
            if let Some(v) = px(img, (c.x + r * co) as i64, (c.y + r * s) as i64) {
                sum += f64::from(v);
                n += 1.0;
            }
        }
    }
    (n > 10.0).then(|| sum / n)
}

/// The iris boundary: the radius with the largest outward brightening, and that step's size.
fn find_iris(img: &GrayView<'_>, pupil: &Circle) -> Option<(Circle, f64)> {
    let max_r = (pupil.r * 6.0).min(f64::from(img.height()));
    let lo = (pupil.r * 1.5) as i64;
    let hi = max_r as i64;
    let profile: Vec<Option<f64>> = (lo - 8..=hi + 8)
        .map(|r| ring_mean(img, pupil, r as f64))
        .collect();
    let mut best: Option<(f64, f64)> = None;
    for (i, r) in (lo..=hi).enumerate() {
        let inner: Vec<f64> = profile[i..i + 5].iter().flatten().copied().collect();
        let outer: Vec<f64> = profile[i + 11..i + 16].iter().flatten().copied().collect();
        if inner.len() < 3 || outer.len() < 3 {
            continue;
        }
        let step = outer.iter().sum::<f64>() / outer.len() as f64
            - inner.iter().sum::<f64>() / inner.len() as f64;
        if best.is_none_or(|b| step > b.1) {
            best = Some((r as f64, step));
        }
    }
    best.map(|(r, step)| {
        (
            Circle {
                x: pupil.x,
                y: pupil.y,
                r,
            },
            step,
        )
    })
}

/// Visible share of the annulus between pupil and iris boundary, and the focus of its texture.
fn annulus(img: &GrayView<'_>, pupil: &Circle, iris: &Circle) -> (f64, f64) {
    let (r0, r1) = (pupil.r * 1.15, iris.r * 0.92);
    if r1 <= r0 {
        return (0.0, 0.0);
    }
    // Reference iris levels from the sectors 10-60 degrees below horizontal on either side,
    // which upper lids never reach and lower lids rarely do.
    let mut reference = Vec::new();
    let mut samples = Vec::new();
    for ai in 0..120 {
        let a = f64::from(ai) * 3.0_f64.to_radians();
        let (s, c) = a.sin_cos();
        let below = (10.0_f64.to_radians().sin()..60.0_f64.to_radians().sin()).contains(&s);
        let mut r = r0;
        while r < r1 {
            let (x, y) = ((pupil.x + r * c) as i64, (pupil.y + r * s) as i64);
            let texture = local_spread(img, x, y);
            let v = px(img, x, y);
            if below && let (Some(v), Some(t)) = (v, texture) {
                reference.push((f64::from(v), t));
            }
            samples.push(v.zip(texture).map(|(v, t)| (f64::from(v), t)));
            r += 3.0;
        }
    }
    if reference.is_empty() || samples.is_empty() {
        return (0.0, 0.0);
    }
    let mut levels: Vec<f64> = reference.iter().map(|p| p.0).collect();
    levels.sort_by(f64::total_cmp);
    let mut spreads: Vec<f64> = reference.iter().map(|p| p.1).collect();
    spreads.sort_by(f64::total_cmp);
    let high = levels[levels.len() * 97 / 100];
    let typical_spread = spreads[spreads.len() / 2];
    // Occluded: outside the picture, brighter than the iris ever is (lid skin, reflections),
    // or flat where iris texture should be.
    let visible = samples
        .iter()
        .filter(|s| s.is_some_and(|(v, t)| v <= high + 5.0 && t >= 0.4 * typical_spread))
        .count();
    let usable = visible as f64 / samples.len() as f64;
    let focus = focus(img, pupil, iris);
    (usable, focus)
}

/// Mean absolute difference of a pixel's 5x5 neighbourhood from its mean (texture strength).
fn local_spread(img: &GrayView<'_>, x: i64, y: i64) -> Option<f64> {
    let mut v = Vec::with_capacity(25);
    for dy in -2..=2 {
        for dx in -2..=2 {
            v.push(f64::from(px(img, x + dx, y + dy)?));
        }
    }
    let m = v.iter().sum::<f64>() / 25.0;
    Some(v.iter().map(|a| (a - m).abs()).sum::<f64>() / 25.0)
}

/// Focus: mean absolute Laplacian over the iris annulus's horizontal sectors, relative to their
/// contrast.
fn focus(img: &GrayView<'_>, pupil: &Circle, iris: &Circle) -> f64 {
    let (mut lap, mut s1, mut s2, mut n) = (0.0, 0.0, 0.0, 0.0);
    let r = iris.r;
    let (y0, y1) = ((pupil.y - 0.4 * r) as i64, (pupil.y + 0.4 * r) as i64);
    for y in y0..y1 {
        for x in ((pupil.x - 0.9 * r) as i64)..((pupil.x + 0.9 * r) as i64) {
            let d = ((x as f64 - pupil.x).powi(2) + (y as f64 - pupil.y).powi(2)).sqrt();
            if d < pupil.r * 1.2 || d > r * 0.9 {
                continue;
            }
            let g = |dx: i64, dy: i64| px(img, x + dx, y + dy).map(f64::from);
            if let (Some(c), Some(l), Some(rt), Some(u), Some(dn)) =
                (g(0, 0), g(-1, 0), g(1, 0), g(0, -1), g(0, 1))
            {
                lap += (4.0 * c - l - rt - u - dn).abs();
                s1 += c;
                s2 += c * c;
                n += 1.0;
            }
        }
    }
    if n < 10.0 {
        return 0.0;
    }
    let mean = s1 / n;
    let sd = (s2 / n - mean * mean).max(0.0).sqrt();
    100.0 * (lap / n) / (sd + 8.0)
}

/// Checks one iris image.
pub fn assess(image: &GrayView<'_>) -> IrisReport {
    let table = Integral::new(image);
    let pupil = find_pupil(image, &table);
    let found = pupil.and_then(|p| find_iris(image, &p).map(|(i, step)| (p, i, step)));
    let mut components = Vec::new();
    let step = found.map_or(0.0, |f| f.2);
    let ok = found.is_some_and(|(p, i, step)| step >= 15.0 && i.r / p.r >= 1.4);
    components.push(component(
        IrisCheck::IrisFound,
        ramp(step, 40.0, 5.0),
        ok,
        step,
        Message::new("Iris ditemukan.", "Iris found."),
        Message::new(
            "Iris tidak ditemukan: minta pemohon membuka mata lebar dan melihat ke kamera iris.",
            "No iris found: ask the resident to open the eye wide and look into the iris camera.",
        ),
    ));
    let mut iris_circle = None;
    if let Some((p, i, _)) = found.filter(|_| ok) {
        iris_circle = Some(i);
        let d = 2.0 * i.r;
        components.push(component(
            IrisCheck::IrisSize,
            ramp(d, 200.0, 100.0),
            d >= 150.0,
            d,
            Message::new(
                format!("Diameter iris {d:.0} piksel."),
                format!("Iris diameter {d:.0} pixels."),
            ),
            Message::new(
                format!("Iris terlalu kecil ({d:.0} piksel, minimal 150): dekatkan kamera iris."),
                format!("Iris too small ({d:.0} pixels, 150 needed): move the iris camera closer."),
            ),
        ));
        let ratio = p.r / i.r;
        components.push(component(
            IrisCheck::PupilDilation,
            if (0.2..=0.7).contains(&ratio) { 100 } else { 30 },
            (0.2..=0.7).contains(&ratio),
            ratio,
            Message::new(
                format!("Ukuran pupil wajar ({ratio:.2})."),
                format!("Pupil size normal ({ratio:.2})."),
            ),
            Message::new(
                format!("Pupil terlalu lebar atau sempit ({ratio:.2}): atur cahaya ruangan lalu ulangi."),
                format!("Pupil too dilated or constricted ({ratio:.2}): adjust the room light and retake."),
            ),
        ));
        let (usable, sharp) = annulus(image, &p, &i);
        components.push(component(
            IrisCheck::UsableArea,
            ramp(usable, 0.9, 0.4),
            usable >= 0.7,
            usable,
            Message::new(
                format!("{:.0}% iris terlihat.", usable * 100.0),
                format!("{:.0}% of the iris visible.", usable * 100.0),
            ),
            Message::new(
                format!(
                    "Hanya {:.0}% iris terlihat: minta pemohon membuka mata lebar, tidak berkedip.",
                    usable * 100.0
                ),
                format!(
                    "Only {:.0}% of the iris visible: ask the resident to open the eye wide and not blink.",
                    usable * 100.0
                ),
            ),
        ));
        components.push(component(
            IrisCheck::Sharpness,
            ramp(sharp, 30.0, 5.0),
            sharp >= 12.0,
            sharp,
            Message::new(
                format!("Iris tajam ({sharp:.0})."),
                format!("Iris in focus ({sharp:.0})."),
            ),
            Message::new(
                format!("Iris buram ({sharp:.0}): jaga jarak kamera dan minta pemohon tidak bergerak."),
                format!("Iris blurred ({sharp:.0}): hold the camera distance and ask the resident to keep still."),
            ),
        ));
    }
    let passed = ok && components.iter().all(|c| c.passed);
    let advice = components
        .iter()
        .find(|c| !c.passed)
        .map(|c| c.message.clone());
    IrisReport {
        pupil,
        iris: iris_circle,
        components,
        passed,
        advice,
    }
}
