//! `rekam quality finger`: NFIQ 2.3 of fingerprint files, for technicians checking a scanner and
//! for anyone comparing with NIST's tools.
//!
//! Contract: each PNG (8-bit gray), PGM (P5), WSQ file, and each 500 ppi finger image inside an
//! ANSI/NIST-ITL file, gives one line (one JSON object with `--json`); a file that cannot be read
//! or scored gives a line naming why, the others are still scored, and the exit status is 1 if
//! any failed.

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
