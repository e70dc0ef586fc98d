//! `rekam card render`: the e-KTP front as the printer prints it (1016 x 648, 300 dpi PNG), and
//! optionally its three printer panels, from a sealed enrollment packet or a registry print order.
//!
//! Contract: `--packet` opens and fully verifies the packet (registry key, trusted workstation
//! keys) and renders the enrollment with the same text builder the registry's print orders use
//! (`CardText::of_applicant`), the photo cut to the card's 3:4 frame as the desk preview does,
//! issued at the resident's regency on `--issue-date` (default: today, UTC). `--order` reads a
//! `SignedPrintOrder` JSON file and checks its content rules; its registry signature is checked
//! only when `--registry-pub` (and `--office`) are given, as the agent does on receipt. Every
//! failure names the file and the reason. Files are written whole: to a temporary file in the
//! same directory, synced, then renamed over the destination.

use std::fs::{self, File};
use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result, bail};
use rekam_card::{CardInput, RenderedCard, Signature};
use rekam_protocol::card_text::card_date;
use rekam_protocol::packet;
use rekam_protocol::print_order::{Backdrop, CardText, SignedPrintOrder};

use super::keys;
use crate::cli::CardRenderArgs;
use crate::files;
use crate::office::print_job::{card_backdrop, card_fields, render_order};

/// `rekam card render`.
pub fn render(args: &CardRenderArgs, out: &mut dyn Write) -> Result<()> {
    let (card, what) = match (&args.packet, &args.order) {
        (Some(packet), None) => {
            let (Some(key), false) = (&args.registry_key, args.trust.is_empty()) else {
                bail!("--packet needs --registry-key and --trust to open the packet");
            };
            from_packet(packet, key, &args.trust, args.issue_date.as_deref())?
        }
        (None, Some(order)) => {
            from_order(order, args.registry_pub.as_deref(), args.office.as_deref())?
        }
        _ => bail!("give either --packet or --order"),
    };
    write_replacing(&args.out, &card.image.to_png()?)?;
    writeln!(out, "rendered {what}")?;
    writeln!(
        out,
        "  card:   {} ({}x{}, 300 dpi)",
        args.out.display(),
        card.image.width(),
        card.image.height()
    )?;
    if let Some(dir) = &args.panels {
        fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let p = &card.panels;
        for (name, png) in [
            ("colour.png", p.colour.to_png()?),
            ("black.png", p.black.to_png()?),
            ("overlay.png", p.overlay.to_png()?),
        ] {
            write_replacing(&dir.join(name), &png)?;
        }
        writeln!(
            out,
            "  panels: {} (colour.png YMC, black.png K, overlay.png O)",
            dir.display()
        )?;
    }
    Ok(())
}

fn from_packet(
    file: &Path,
    registry_key: &Path,
    trust: &[std::path::PathBuf],
    issue_date: Option<&str>,
) -> Result<(RenderedCard, String)> {
    let key = keys::load_registry_key(registry_key)?;
    let trust = keys::load_trust(trust)?;
    let bytes = files::read(file)?;
    let opened = packet::open(&bytes, &key, &trust)
        .with_context(|| format!("{} rejected", file.display()))?;
    let e = &opened.enrollment;
    let a = &e.applicant;
    let issue_date = match issue_date {
        Some(d) => check_card_date(d)?,
        None => card_date(rekam_protocol::Timestamp::from_unix_ms(super::packet::now_ms()).date()),
    };
    let text = CardText::of_applicant(a, &a.address.regency, &issue_date);
    let photo = crate::console::desk::photo::card_crop(&e.biometrics.face.image)
        .map_err(|reason| anyhow::anyhow!("{}: the face photo: {reason}", file.display()))?;
    let input = CardInput {
        fields: card_fields(&text),
        photo: Some(photo),
        signature: Signature::Png(e.biometrics.signature.image.data.bytes().to_vec()),
        backdrop: card_backdrop(Backdrop::of_applicant(a)),
    };
    let card = rekam_card::render_card(&input)
        .with_context(|| format!("{}: enrollment {}", file.display(), e.id))?;
    Ok((
        card,
        format!(
            "the card of enrollment {} ({}) from {}",
            e.id,
            a.nik,
            file.display()
        ),
    ))
}

fn from_order(
    file: &Path,
    registry_pub: Option<&Path>,
    office: Option<&str>,
) -> Result<(RenderedCard, String)> {
    let signed = SignedPrintOrder::parse(&files::read(file)?)
        .with_context(|| format!("{}", file.display()))?;
    let checked = match (registry_pub, office) {
        (Some(path), Some(office)) => {
            let registry = keys::load_trusted_registry(path)?;
            signed
                .verify(&registry, office)
                .with_context(|| format!("{} rejected", file.display()))?;
            "signature verified"
        }
        (None, None) => "signature not checked",
        _ => bail!("--registry-pub and --office go together"),
    };
    let order = &signed.print_order;
    let card = render_order(order).with_context(|| format!("{}", file.display()))?;
    Ok((
        card,
        format!(
            "the card of print order {} ({}, {checked}) from {}",
            order.order_id,
            order.card.nik,
            file.display()
        ),
    ))
}

/// `DD-MM-YYYY` with a real date, as printed.
fn check_card_date(text: &str) -> Result<String> {
    let format = time::macros::format_description!("[day]-[month]-[year]");
    let date = time::Date::parse(text, &format)
        .with_context(|| format!("--issue-date {text:?} is not a date DD-MM-YYYY"))?;
    Ok(card_date(date))
}

/// Writes `bytes` to `path` whole: a temporary file beside it, synced, renamed over it.
fn write_replacing(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .with_context(|| format!("{} has no file name", path.display()))?;
    if !dir.is_dir() {
        bail!(
            "cannot write {}: the directory {} does not exist",
            path.display(),
            dir.display()
        );
    }
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| -> Result<()> {
        let mut f =
            File::create(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
        f.write_all(bytes)
            .with_context(|| format!("cannot write {}", tmp.display()))?;
        f.sync_all()
            .with_context(|| format!("cannot sync {}", tmp.display()))?;
        fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result?;
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}
