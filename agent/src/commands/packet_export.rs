//! `rekam packet export`: open and verify a packet, then write its enrollment in an interchange
//! format: ANSI/NIST-ITL (every finger, the face, irises, signature and demographics) or CBEFF XML
//! (every finger, the face and irises as ISO/IEC 19794 records).
//!
//! Contract: the packet is opened exactly as `rekam packet open` opens it (same keys, same
//! verification); nothing is written unless it opens and the whole export succeeds, and the output
//! file appears whole or not at all and never replaces an existing file. Each format is one arm of
//! [`encode`]. CBEFF fingers, faces and irises are lossless JPEG 2000 by default, as MOSIP's records
//! carry them; the stored WSQ/JPEG/PNG is decoded and re-encoded, never altered otherwise.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use rekam_protocol::Enrollment;
use rekam_protocol::Timestamp;
use rekam_protocol::ansi_nist::enrollment::{self as an2, ExportContext, SignatureBitmap};
use rekam_protocol::cbeff;
use rekam_protocol::model::{Image, ImageEncoding};

use super::packet::{now_ms, open_verified};
use crate::cli::{ExportFormat, ExportImageEncoding};
use crate::files;

/// Gray levels below this are ink when the signature becomes Type-8's one-bit pixels.
const SIGNATURE_INK_BELOW: u8 = 128;

/// What `rekam packet export` was asked.
pub struct ExportArgs<'a> {
    /// The registry private key.
    pub registry_key: &'a Path,
    /// Trusted workstation keys.
    pub trust: &'a [PathBuf],
    /// The sealed packet.
    pub file: &'a Path,
    /// The format.
    pub format: ExportFormat,
    /// Where to write (must not exist).
    pub out_path: &'a Path,
    /// The originating agency (an2 1.008 ORI); default: the enrollment's site code.
    pub originating_agency: Option<&'a str>,
    /// The destination agency (an2 1.007 DAI).
    pub destination_agency: &'a str,
    /// CBEFF finger images: as stored or lossless JPEG 2000.
    pub finger_compression: ExportImageEncoding,
    /// CBEFF face and exception photos: as stored or lossless JPEG 2000.
    pub face_compression: ExportImageEncoding,
    /// CBEFF irises: as stored or lossless JPEG 2000.
    pub iris_compression: ExportImageEncoding,
}

/// `rekam packet export`.
pub fn run(args: &ExportArgs<'_>, out: &mut dyn Write) -> Result<()> {
    if args.out_path.exists() {
        bail!(
            "{} already exists; refusing to overwrite it",
            args.out_path.display()
        );
    }
    let opened = open_verified(args.registry_key, args.trust, args.file)?;
    let bytes = encode(&opened.enrollment, args, Timestamp::from_unix_ms(now_ms()))
        .with_context(|| format!("cannot export {}", args.file.display()))?;
    files::write_new(args.out_path, &bytes, 0o600)?;
    writeln!(
        out,
        "exported enrollment {} of packet {} as {} ({} bytes) to {}",
        opened.enrollment.id,
        opened.id,
        args.format.name(),
        bytes.len(),
        args.out_path.display()
    )?;
    Ok(())
}

/// The enrollment in the requested format.
fn encode(e: &Enrollment, args: &ExportArgs<'_>, now: Timestamp) -> Result<Vec<u8>> {
    match args.format {
        ExportFormat::An2 => {
            let ctx = ExportContext {
                created: now,
                originating_agency: args
                    .originating_agency
                    .unwrap_or(&e.context.site_code)
                    .to_string(),
                destination_agency: args.destination_agency.to_string(),
            };
            let signature = signature_bitmap(e)?;
            Ok(an2::encode(e, &ctx, Some(&signature))?)
        }
        // 19794 has no signature image record and MOSIP packets carry none, so the signature
        // stays out of CBEFF; demographics belong to MOSIP's ID JSON, not to CBEFF.
        ExportFormat::Cbeff => {
            let choice = |c: ExportImageEncoding| match c {
                ExportImageEncoding::Stored => cbeff::ImageChoice::AsStored,
                ExportImageEncoding::Jp2Lossless => cbeff::ImageChoice::Jpeg2000Lossless,
            };
            let images = cbeff::ExportImages {
                fingers: choice(args.finger_compression),
                face: choice(args.face_compression),
                irises: choice(args.iris_compression),
                decode: &decode_pixels,
            };
            Ok(cbeff::enrollment_bir_with(&e.biometrics, now, &images)?
                .to_xml()?
                .into_bytes())
        }
    }
}

/// A stored image's pixels: WSQ as gray, JPEG as RGB, PNG as gray or RGB (alpha dropped).
fn decode_pixels(image: &Image) -> Result<cbeff::Pixels, String> {
    let bytes = image.data.bytes();
    match image.encoding {
        ImageEncoding::Wsq => {
            let w = rekam_quality::wsq::decode(bytes).map_err(|e| format!("WSQ: {e}"))?;
            Ok(cbeff::Pixels {
                width: w.width,
                height: w.height,
                colour: cbeff::Colour::Grey,
                samples: w.pixels,
            })
        }
        ImageEncoding::Jpeg => {
            let (samples, width, height) = crate::capture::decode_jpeg(bytes)?;
            Ok(cbeff::Pixels {
                width,
                height,
                colour: cbeff::Colour::Rgb,
                samples,
            })
        }
        ImageEncoding::Png => {
            let mut dec = png::Decoder::new(bytes);
            dec.set_transformations(png::Transformations::STRIP_16 | png::Transformations::EXPAND);
            let mut reader = dec.read_info().map_err(|e| format!("PNG: {e}"))?;
            let mut buf = vec![0; reader.output_buffer_size()];
            let frame = reader
                .next_frame(&mut buf)
                .map_err(|e| format!("PNG: {e}"))?;
            let (channels, keep, colour) = match frame.color_type {
                png::ColorType::Grayscale => (1, 1, cbeff::Colour::Grey),
                png::ColorType::GrayscaleAlpha => (2, 1, cbeff::Colour::Grey),
                png::ColorType::Rgb => (3, 3, cbeff::Colour::Rgb),
                png::ColorType::Rgba => (4, 3, cbeff::Colour::Rgb),
                other => return Err(format!("PNG: unexpected colour type {other:?}")),
            };
            let samples = buf[..frame.buffer_size()]
                .chunks_exact(channels)
                .flat_map(|px| px[..keep].to_vec())
                .collect();
            Ok(cbeff::Pixels {
                width: frame.width,
                height: frame.height,
                colour,
                samples,
            })
        }
    }
}

/// The signature PNG as Type-8's one-bit pixels.
fn signature_bitmap(e: &Enrollment) -> Result<SignatureBitmap> {
    let image = &e.biometrics.signature.image;
    if image.encoding != ImageEncoding::Png {
        bail!("the signature is {:?}, not PNG", image.encoding);
    }
    let (w, h, gray) = png_gray(image.data.bytes()).context("the signature PNG")?;
    let (Ok(w16), Ok(h16)) = (u16::try_from(w), u16::try_from(h)) else {
        bail!("the signature is {w}x{h}, larger than Type-8's 65535x65535");
    };
    SignatureBitmap::from_gray(w16, h16, &gray, SIGNATURE_INK_BELOW)
        .context("the signature PNG's pixels disagree with its size")
}

/// Any 8-bit PNG as gray levels (colour by the mean of its channels, alpha ignored).
fn png_gray(bytes: &[u8]) -> Result<(u32, u32, Vec<u8>)> {
    let mut dec = png::Decoder::new(bytes);
    dec.set_transformations(png::Transformations::STRIP_16 | png::Transformations::EXPAND);
    let mut reader = dec.read_info().context("not a readable PNG")?;
    let mut buf = vec![0; reader.output_buffer_size()];
    let frame = reader.next_frame(&mut buf).context("PNG image data")?;
    let (w, h) = (frame.width, frame.height);
    let (channels, colour) = match frame.color_type {
        png::ColorType::Grayscale => (1, 1),
        png::ColorType::GrayscaleAlpha => (2, 1),
        png::ColorType::Rgb => (3, 3),
        png::ColorType::Rgba => (4, 3),
        other => bail!("unexpected PNG colour type {other:?}"),
    };
    let gray = buf[..frame.buffer_size()]
        .chunks_exact(channels)
        .map(|px| {
            let sum: u32 = px[..colour].iter().map(|&c| u32::from(c)).sum();
            (sum / colour as u32) as u8
        })
        .collect();
    Ok((w, h, gray))
}
