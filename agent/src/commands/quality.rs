//! `rekam quality finger|slap|face|iris|signature`: quality checks of sample files, for
//! technicians checking a scanner and for anyone comparing with NIST's tools.
//!
//! Contract (`finger`): each PNG (8-bit gray), PGM (P5), WSQ file, and each 500 ppi finger image
//! inside an ANSI/NIST-ITL file, gives one line (one JSON object with `--json`); a file that
//! cannot be read or scored gives a line naming why, the others are still scored, and the exit
//! status is 1 if any failed. (`slap`): each slap image gives its fingertips (position, box,
//! NFIQ 2 or why none) and the missing count; missing fingers are reported, not a failure.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use rekam_protocol::ansi_nist::{Compression, Transaction};
use rekam_quality::fingerprint;
use rekam_quality::image::GrayImageRef;
use serde_json::{Map, Value, json};

/// A gray image to score, with its label and resolution.
struct Gray {
    label: String,
    /// ANSI/NIST-ITL finger position code, when the image came from a record.
    position: Option<u8>,
    width: u32,
    height: u32,
    ppi: u16,
    pixels: Vec<u8>,
}

fn decode_png(bytes: &[u8]) -> Result<(u32, u32, Vec<u8>, Option<u16>)> {
    let mut dec = png::Decoder::new(bytes);
    dec.set_transformations(png::Transformations::STRIP_16 | png::Transformations::EXPAND);
    let mut reader = dec.read_info().context("not a readable PNG")?;
    let ppi = reader.info().pixel_dims.and_then(|d| {
        (d.unit == png::Unit::Meter && d.xppu == d.yppu)
            .then(|| (f64::from(d.xppu) * 0.0254).round() as u16)
    });
    let mut buf = vec![0; reader.output_buffer_size()];
    let frame = reader.next_frame(&mut buf).context("PNG image data")?;
    let (w, h) = (frame.width, frame.height);
    let gray = match frame.color_type {
        png::ColorType::Grayscale => buf[..(w * h) as usize].to_vec(),
        png::ColorType::GrayscaleAlpha => buf
            .chunks_exact(2)
            .map(|p| p[0])
            .take((w * h) as usize)
            .collect(),
        other => bail!("a fingerprint must be 8-bit gray, this PNG is {other:?}"),
    };
    Ok((w, h, gray, ppi))
}

fn load(path: &Path) -> Result<Vec<Gray>> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let label = path.display().to_string();
    if bytes.starts_with(b"\x89PNG") {
        let (width, height, pixels, ppi) = decode_png(&bytes)?;
        return Ok(vec![Gray {
            label,
            position: None,
            width,
            height,
            ppi: ppi.unwrap_or(500),
            pixels,
        }]);
    }
    if bytes.starts_with(b"P5") {
        let g = rekam_quality::pgm::read_pgm(&bytes).map_err(|e| anyhow!("{e}"))?;
        return Ok(vec![Gray {
            label,
            position: None,
            width: g.width,
            height: g.height,
            ppi: 500,
            pixels: g.pixels,
        }]);
    }
    if bytes.starts_with(&[0xff, 0xa0]) {
        let w = rekam_quality::wsq::decode(&bytes).map_err(|e| anyhow!("WSQ: {e}"))?;
        let ppi = w.ppi.and_then(|p| u16::try_from(p).ok()).unwrap_or(500);
        return Ok(vec![Gray {
            label,
            position: None,
            width: w.width,
            height: w.height,
            ppi,
            pixels: w.pixels,
        }]);
    }
    if bytes.starts_with(b"1.001:") {
        let t = Transaction::parse(&bytes).map_err(|e| anyhow!("ANSI/NIST-ITL: {e}"))?;
        let mut out = Vec::new();
        for f in t
            .finger_images()
            .map_err(|e| anyhow!("ANSI/NIST-ITL: {e}"))?
        {
            let pixels = match &f.compression {
                Compression::Wsq => {
                    rekam_quality::wsq::decode(f.data)
                        .map_err(|e| anyhow!("record {}: WSQ: {e}", f.record))?
                        .pixels
                }
                Compression::None => f.data.to_vec(),
                other => bail!(
                    "record {}: {other:?} compression is not supported",
                    f.record
                ),
            };
            out.push(Gray {
                label: format!("{label}#{} (position {})", f.record, f.position),
                position: Some(f.position),
                width: f.width,
                height: f.height,
                ppi: f.ppi.and_then(|p| u16::try_from(p).ok()).unwrap_or(500),
                pixels,
            });
        }
        if out.is_empty() {
            bail!("no finger images in this ANSI/NIST-ITL transaction");
        }
        return Ok(out);
    }
    bail!("not a PNG, PGM (P5), WSQ or ANSI/NIST-ITL file")
}

fn score(g: &Gray) -> Result<rekam_quality::nfiq2::Assessment> {
    let view =
        GrayImageRef::new(g.width, g.height, &g.pixels, g.ppi).map_err(|e| anyhow!("{e}"))?;
    fingerprint::nfiq2(&view).map_err(|e| anyhow!("{e}"))
}

/// `rekam quality finger FILE... [--json]`.
pub fn finger(files: &[std::path::PathBuf], json_out: bool, out: &mut dyn Write) -> Result<()> {
    let mut failed = 0usize;
    for path in files {
        let images = match load(path) {
            Ok(i) => i,
            Err(e) => {
                failed += 1;
                report_error(out, &path.display().to_string(), &e, json_out)?;
                continue;
            }
        };
        for g in &images {
            match score(g) {
                Ok(a) => {
                    if json_out {
                        let actionable: Map<String, Value> = a
                            .actionable
                            .named()
                            .iter()
                            .map(|(k, v)| ((*k).to_string(), json!(v)))
                            .collect();
                        let features: Map<String, Value> = a
                            .features
                            .iter()
                            .map(|(k, v)| ((*k).to_string(), json!(v)))
                            .collect();
                        let line = json!({ "file": g.label, "nfiq2": a.score, "actionable": actionable, "features": features });
                        writeln!(out, "{line}")?;
                    } else {
                        let act = &a.actionable;
                        let mut advice = Vec::new();
                        if !act.has_sufficient_foreground() {
                            advice.push("too little finger area");
                        }
                        if !act.has_minutiae() {
                            advice.push("too few minutiae");
                        }
                        if act.is_empty_or_low_contrast() {
                            advice.push("too light or low contrast");
                        }
                        writeln!(
                            out,
                            "{}: NFIQ 2 {}{}",
                            g.label,
                            a.score,
                            if advice.is_empty() {
                                String::new()
                            } else {
                                format!(" ({})", advice.join(", "))
                            }
                        )?;
                    }
                }
                Err(e) => {
                    failed += 1;
                    report_error(out, &g.label, &e, json_out)?;
                }
            }
        }
    }
    if failed > 0 {
        bail!("{failed} image(s) could not be scored");
    }
    Ok(())
}

fn report_error(out: &mut dyn Write, label: &str, e: &anyhow::Error, json_out: bool) -> Result<()> {
    if json_out {
        writeln!(
            out,
            "{}",
            json!({ "file": label, "error": format!("{e:#}") })
        )?;
    } else {
        writeln!(out, "{label}: error: {e:#}")?;
    }
    Ok(())
}

/// Decodes a PNG or JPEG photo into RGB pixels.
fn load_rgb(path: &Path) -> Result<(u32, u32, Vec<u8>)> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    if bytes.starts_with(&[0xff, 0xd8]) {
        let (rgb, w, h) = crate::capture::decode_jpeg(&bytes).map_err(anyhow::Error::msg)?;
        return Ok((w, h, rgb));
    }
    if !bytes.starts_with(b"\x89PNG") {
        bail!("not a PNG or JPEG file");
    }
    let mut dec = png::Decoder::new(bytes.as_slice());
    dec.set_transformations(png::Transformations::STRIP_16 | png::Transformations::EXPAND);
    let mut reader = dec.read_info().context("not a readable PNG")?;
    let mut buf = vec![0; reader.output_buffer_size()];
    let frame = reader.next_frame(&mut buf).context("PNG image data")?;
    let n = (frame.width * frame.height) as usize;
    let rgb: Vec<u8> = match frame.color_type {
        png::ColorType::Rgb => buf[..n * 3].to_vec(),
        png::ColorType::Rgba => buf
            .chunks_exact(4)
            .take(n)
            .flat_map(|p| [p[0], p[1], p[2]])
            .collect(),
        png::ColorType::Grayscale => buf[..n].iter().flat_map(|&v| [v, v, v]).collect(),
        png::ColorType::GrayscaleAlpha => buf
            .chunks_exact(2)
            .take(n)
            .flat_map(|p| [p[0], p[0], p[0]])
            .collect(),
        png::ColorType::Indexed => bail!("indexed PNG after expansion"),
    };
    Ok((frame.width, frame.height, rgb))
}

fn print_components<'a>(
    out: &mut dyn Write,
    rows: impl Iterator<Item = (String, u8, bool, &'a rekam_quality::verdict::Message)>,
) -> Result<()> {
    for (name, score, passed, m) in rows {
        writeln!(
            out,
            "  {:<28} {:>3} {}  {} / {}",
            name,
            score,
            if passed { "pass" } else { "FAIL" },
            m.id,
            m.en
        )?;
    }
    Ok(())
}

/// `rekam quality face FILE [--birth-year Y | --foreign] [--json]`.
pub fn face(
    file: &Path,
    birth_year: Option<i32>,
    foreign: bool,
    json_out: bool,
    out: &mut dyn Write,
) -> Result<()> {
    use rekam_quality::face::{self, BackgroundColour, FaceOptions};
    let (w, h, rgb) = load_rgb(file)?;
    let view = rekam_quality::image::RgbView::new(w, h, &rgb).map_err(|e| anyhow!("{e}"))?;
    let expected = match (birth_year, foreign) {
        (_, true) => Some(BackgroundColour::for_resident(
            birth_year.unwrap_or(2000),
            true,
        )),
        (Some(y), false) => Some(BackgroundColour::for_resident(y, false)),
        (None, false) => None,
    };
    let report = face::assess(
        &view,
        &FaceOptions {
            expected_background: expected,
            ..Default::default()
        },
    )
    .map_err(|e| anyhow!("{e}"))?;
    if json_out {
        writeln!(out, "{}", serde_json::to_string(&report)?)?;
    } else {
        writeln!(
            out,
            "{}: {} face(s); {} (score {})",
            file.display(),
            report.faces.len(),
            if report.passed { "PASS" } else { "FAIL" },
            report.unified_score
        )?;
        print_components(
            out,
            report
                .components
                .iter()
                .map(|c| (format!("{:?}", c.check), c.score, c.passed, &c.message)),
        )?;
        if let Some(a) = &report.advice {
            writeln!(out, "  fix first: {} / {}", a.id, a.en)?;
        }
    }
    if !report.passed {
        bail!("the photo does not pass");
    }
    Ok(())
}

/// `rekam quality iris FILE [--json]` (an 8-bit gray PNG, as iris scanners give).
pub fn iris(file: &Path, json_out: bool, out: &mut dyn Write) -> Result<()> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    if !bytes.starts_with(b"\x89PNG") {
        bail!("not a PNG file");
    }
    let (w, h, gray, _) = decode_png(&bytes)?;
    let view = rekam_quality::image::GrayView::new(w, h, &gray).map_err(|e| anyhow!("{e}"))?;
    let report = rekam_quality::iris::assess(&view);
    if json_out {
        writeln!(out, "{}", serde_json::to_string(&report)?)?;
    } else {
        writeln!(
            out,
            "{}: {}",
            file.display(),
            if report.passed { "PASS" } else { "FAIL" }
        )?;
        print_components(
            out,
            report
                .components
                .iter()
                .map(|c| (format!("{:?}", c.check), c.score, c.passed, &c.message)),
        )?;
    }
    if !report.passed {
        bail!("the iris image does not pass");
    }
    Ok(())
}

/// `rekam quality signature FILE [--json]`: a pen series as JSON, in the packet's form
/// `{"max_x", "max_y", "max_pressure", "samples": [[t_ms, x, y, pressure], ...]}`.
pub fn signature(file: &Path, json_out: bool, out: &mut dyn Write) -> Result<()> {
    let text = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let series: rekam_protocol::model::PenSeries = serde_json::from_slice(&text)
        .context("not a pen series (max_x, max_y, max_pressure, samples)")?;
    let trace = crate::devices::SignatureTrace {
        samples: series
            .samples
            .iter()
            .map(|s| (s.0, s.1, s.2, s.3))
            .collect(),
        max_x: series.max_x,
        max_y: series.max_y,
        max_pressure: series.max_pressure,
    };
    let report = crate::capture::signature_report(&trace);
    if json_out {
        writeln!(out, "{}", serde_json::to_string(&report)?)?;
    } else {
        writeln!(
            out,
            "{}: {} ({} strokes)",
            file.display(),
            if report.passed { "PASS" } else { "FAIL" },
            report.strokes
        )?;
        print_components(
            out,
            report
                .components
                .iter()
                .map(|c| (format!("{:?}", c.check), c.score, c.passed, &c.message)),
        )?;
    }
    if !report.passed {
        bail!("the signature does not pass");
    }
    Ok(())
}

/// `rekam quality slap FILE [--kind right|left|thumbs] [--json]`.
pub fn slap(
    file: &Path,
    kind: Option<crate::cli::SlapKindArg>,
    json_out: bool,
    out: &mut dyn Write,
) -> Result<()> {
    use crate::cli::SlapKindArg;
    use rekam_quality::segment::{self, SegmentOptions, SlapKind};
    let wanted = kind.map(|k| match k {
        SlapKindArg::Right => SlapKind::RightFour,
        SlapKindArg::Left => SlapKind::LeftFour,
        SlapKindArg::Thumbs => SlapKind::Thumbs,
    });
    let from_code = |code: u8| match code {
        13 => Some(SlapKind::RightFour),
        14 => Some(SlapKind::LeftFour),
        15 => Some(SlapKind::Thumbs),
        _ => None,
    };
    let images = load(file)?;
    let from_records = images.iter().any(|g| g.position.is_some());
    // From an ANSI/NIST-ITL file: its slap records, of the asked placement if one was given.
    let slaps: Vec<(&Gray, SlapKind)> = if from_records {
        images
            .iter()
            .filter_map(|g| g.position.and_then(from_code).map(|k| (g, k)))
            .filter(|(_, k)| wanted.is_none_or(|w| w == *k))
            .collect()
    } else {
        let kind = wanted.ok_or_else(|| {
            anyhow!("--kind right|left|thumbs is needed for an image that does not say")
        })?;
        images.iter().map(|g| (g, kind)).collect()
    };
    if slaps.is_empty() {
        bail!("no slap image of that placement (FGP 13, 14 or 15) in this file");
    }
    for (g, kind) in slaps {
        let view =
            GrayImageRef::new(g.width, g.height, &g.pixels, g.ppi).map_err(|e| anyhow!("{e}"))?;
        let seg = segment::segment(&view, kind, &SegmentOptions::default())
            .map_err(|e| anyhow!("{}: {e}", g.label))?;
        let kind_name = match kind {
            SlapKind::RightFour => "right four",
            SlapKind::LeftFour => "left four",
            SlapKind::Thumbs => "thumbs",
        };
        if json_out {
            let fingers: Vec<Value> = seg
                .fingers
                .iter()
                .map(|f| {
                    let mut o = json!({
                        "position": f.position,
                        "box": f.bbox,
                        "center": [f.center.0.round(), f.center.1.round()],
                        "angle_deg": (f.angle_deg * 10.0).round() / 10.0,
                        "size": [f.size.0, f.size.1],
                    });
                    match &f.nfiq2 {
                        Some(Ok(a)) => o["nfiq2"] = json!(a.score),
                        Some(Err(e)) => o["nfiq2_error"] = json!(e.to_string()),
                        None => {}
                    }
                    o
                })
                .collect();
            let line = json!({
                "file": g.label,
                "kind": kind_name,
                "fingers": fingers,
                "missing": seg.missing,
                "missing_positions": seg.missing_positions,
                "positions_certain": seg.positions_certain,
            });
            writeln!(out, "{line}")?;
        } else {
            writeln!(
                out,
                "{}: {kind_name}, {} finger(s) found, {} missing",
                g.label,
                seg.fingers.len(),
                seg.missing
            )?;
            for f in &seg.fingers {
                let b = &f.bbox;
                let score = match &f.nfiq2 {
                    Some(Ok(a)) => format!("NFIQ 2 {}", a.score),
                    Some(Err(e)) => format!("no NFIQ 2 ({e})"),
                    None => String::new(),
                };
                writeln!(
                    out,
                    "  finger {:>2}: box ({}, {})-({}, {}), lean {:.1} deg, {score}",
                    f.position, b.left, b.top, b.right, b.bottom, f.angle_deg
                )?;
            }
            if !seg.missing_positions.is_empty() {
                let names: Vec<String> = seg.missing_positions.iter().map(u8::to_string).collect();
                writeln!(
                    out,
                    "  missing position(s): {}{}",
                    names.join(", "),
                    if seg.positions_certain {
                        ""
                    } else {
                        " (inferred, uncertain)"
                    }
                )?;
            }
        }
    }
    Ok(())
}
