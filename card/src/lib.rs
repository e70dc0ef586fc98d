//! The front of the e-KTP card, laid out as an SVG document at the card's real size (ISO/IEC
//! 7810 ID-1, 85.60 × 53.98 mm; one user unit is one millimetre).
//!
//! Why a crate of its own: the same layout is shown on the review screen and on the resident's
//! screen (the console, in the agent) and is what card printing will rasterise into printer
//! panels. It is pure — no I/O, no clock, no fonts read — so every user gets the same card from
//! the same fields, and it stays out of the agent's dependencies on devices and storage.
//!
//! Contract: [`render_front`] takes the printed fields as already-validated text, the photo as
//! JPEG bytes, the signature and the backdrop colour, and returns a complete SVG document. The
//! fields appear in the card's order (header PROVINSI / KABUPATEN-KOTA; NIK; Nama; Tempat/Tgl
//! Lahir; Jenis Kelamin with Gol. Darah; Alamat with RT/RW, Kel/Desa, Kecamatan; Agama; Status
//! Perkawinan; Pekerjaan; Kewarganegaraan; Berlaku Hingga), values in capitals as printed; the
//! photo at the right on the backdrop colour, the place and date of issue beneath it, then the
//! signature. Every text is XML-escaped; a value too long for its field is shrunk, wrapped or,
//! at the last, compressed to the field's width ([`fit`]), never cut. The photo and a PNG
//! signature are embedded as `data:` URIs: this SVG is a document to show or print whole.

pub mod fit;
mod font;
mod image;
pub mod raster;
mod signature;
mod svg;

use base64::Engine as _;

pub use image::{MonoRaster, RgbRaster};
pub use raster::{CardInput, Panels, RenderedCard, recombine, render_card};
pub use signature::path_from_pen;
use svg::{attr, text};

/// Card width in millimetres (ISO/IEC 7810 ID-1).
pub const CARD_WIDTH_MM: f64 = 85.60;
/// Card height in millimetres (ISO/IEC 7810 ID-1).
pub const CARD_HEIGHT_MM: f64 = 53.98;

/// The text printed on the front, as validated and formatted by the caller (dates as the card
/// shows them, e.g. `17-08-1990`). Values are printed in capitals.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CardFields {
    /// Province name, printed after `PROVINSI` (e.g. `DKI JAKARTA`).
    pub province: String,
    /// The regency or city line in full (e.g. `KABUPATEN BANDUNG`, `KOTA JAKARTA PUSAT`).
    pub regency: String,
    /// NIK, 16 digits.
    pub nik: String,
    /// Full name.
    pub name: String,
    /// Place of birth.
    pub place_of_birth: String,
    /// Date of birth as printed.
    pub date_of_birth: String,
    /// `LAKI-LAKI` or `PEREMPUAN`.
    pub sex: String,
    /// Blood type (`-` when unknown).
    pub blood_type: String,
    /// Street address.
    pub address: String,
    /// `RT/RW`, e.g. `001/002`.
    pub rt_rw: String,
    /// Village (kelurahan/desa).
    pub village: String,
    /// District (kecamatan).
    pub district: String,
    /// Religion.
    pub religion: String,
    /// Marital status.
    pub marital_status: String,
    /// Occupation.
    pub occupation: String,
    /// Citizenship (`WNI` or the country).
    pub citizenship: String,
    /// Validity (`SEUMUR HIDUP` for citizens).
    pub valid_until: String,
    /// Where the card is issued (the regency or city).
    pub issue_place: String,
    /// Date of issue as printed.
    pub issue_date: String,
}

/// The photo's backdrop colour: red for residents born in an odd year, blue for an even year,
/// orange for foreign residents (WNA).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backdrop {
    /// Born in an odd year.
    Red,
    /// Born in an even year.
    Blue,
    /// Foreign resident.
    Orange,
}

impl Backdrop {
    /// The colour a resident's photo needs by birth year, or orange for a foreigner.
    pub fn for_resident(birth_year: i32, foreign: bool) -> Self {
        if foreign {
            Backdrop::Orange
        } else if birth_year.rem_euclid(2) == 1 {
            Backdrop::Red
        } else {
            Backdrop::Blue
        }
    }

    /// The fill drawn behind the photo.
    pub fn fill(self) -> &'static str {
        match self {
            Backdrop::Red => "#c8102e",
            Backdrop::Blue => "#1f5fbf",
            Backdrop::Orange => "#f28c28",
        }
    }
}

/// The holder's signature.
#[derive(Clone, Debug, PartialEq)]
pub enum Signature {
    /// Not taken yet: the box is left empty.
    None,
    /// SVG path data in the pad's own coordinates, `0..width` × `0..height`.
    Path {
        /// Path data (`M`, `L`, … commands).
        d: String,
        /// Pad width in path units.
        width: f64,
        /// Pad height in path units.
        height: f64,
    },
    /// The signature rendered by the pad, PNG.
    Png(Vec<u8>),
}

/// Input the card cannot be laid out from.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CardError {
    /// The photo is not a JPEG file.
    #[error("the photo is not a JPEG image (it does not start with FF D8 FF)")]
    PhotoNotJpeg,
    /// The PNG signature is not a PNG file.
    #[error("the signature image is not a PNG image (it does not start with the PNG signature)")]
    SignatureNotPng,
    /// The signature path holds something that is not path data.
    #[error("the signature path holds {found:?} at byte {at}, which is not SVG path data")]
    SignaturePath {
        /// Byte offset.
        at: usize,
        /// The character.
        found: char,
    },
    /// The photo starts like a JPEG but does not decode.
    #[error("the photo does not decode as JPEG: {0}")]
    PhotoUndecodable(String),
    /// The signature starts like a PNG but does not decode.
    #[error("the signature image does not decode as PNG: {0}")]
    SignatureUndecodable(String),
    /// The card could not be drawn from its SVG (a photo or signature image that does not
    /// decode is left out by the drawing library, so this is a fault of the layout itself).
    #[error("the card could not be rasterised: {0}")]
    Raster(String),
    /// A PNG could not be written.
    #[error("the PNG could not be encoded: {0}")]
    Png(String),
    /// The signature's pad size is not a positive, finite number.
    #[error("the signature's pad size {width} × {height} is not a positive size")]
    SignatureSize {
        /// Width given.
        width: String,
        /// Height given.
        height: String,
    },
}

// Layout, in millimetres.
const LABEL_X: f64 = 2.6;
const SUB_LABEL_X: f64 = 4.6;
const COLON_X: f64 = 22.0;
const VALUE_X: f64 = 23.0;
const VALUE_END: f64 = 60.6;
const PHOTO: (f64, f64, f64, f64) = (62.4, 9.8, 20.0, 26.67);
const FIELD_TOP: f64 = 16.0;
const FIELD_BOTTOM: f64 = 52.6;
const LINE: f64 = 2.55;
const FONT: f64 = 1.95;
const MIN_FONT: f64 = 1.45;
// The embedded face first (the rasteriser has nothing else); Arial has the same metrics, so a
// browser without Liberation Sans lays the preview out the same.
const FONT_FAMILY: &str = "'Liberation Sans', Arial, Helvetica, sans-serif";

/// What a layout draws: the preview draws everything on the blank's ground; the raster draws
/// the personalisation only (the blank is pre-printed), in layers for the printer's panels.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Style {
    /// Draw the blank's ground and outline (preview only: the printer prints none of it).
    pub ground: bool,
    /// Colour of text and signature strokes.
    pub ink: &'static str,
    /// Which parts are drawn.
    pub parts: Parts,
}

/// The parts of the personalisation, as the printer's panels split them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Parts {
    /// Everything.
    All,
    /// The photo on its backdrop (the colour panel).
    Photo,
    /// Text and signature (the black panel).
    Ink,
}

impl Style {
    const PREVIEW: Style = Style {
        ground: true,
        ink: "#111",
        parts: Parts::All,
    };
}

/// One field row on the card.
struct Row<'a> {
    label: &'a str,
    value: String,
    sub: bool,
    max_lines: usize,
}

/// Lays out the card front. `photo` is JPEG bytes (`None` before the photo is taken: the
/// backdrop is shown empty).
pub fn render_front(
    fields: &CardFields,
    photo: Option<&[u8]>,
    signature: &Signature,
    backdrop: Backdrop,
) -> Result<String, CardError> {
    layout(fields, photo, signature, backdrop, Style::PREVIEW)
}

/// The card front in `style`; see [`render_front`].
pub(crate) fn layout(
    fields: &CardFields,
    photo: Option<&[u8]>,
    signature: &Signature,
    backdrop: Backdrop,
    style: Style,
) -> Result<String, CardError> {
    if photo.is_some_and(|p| !p.starts_with(&[0xFF, 0xD8, 0xFF])) {
        return Err(CardError::PhotoNotJpeg);
    }
    signature::check(signature)?;
    let up = |s: &str| s.trim().to_uppercase();
    // Ids unique per card, so two cards on one page do not share a clip path.
    let uid: String = fields
        .nik
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    let uid = format!("ktp{uid}");

    let mut out = String::with_capacity(4096);
    out.push_str(&format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{CARD_WIDTH_MM}mm\" \
         height=\"{CARD_HEIGHT_MM}mm\" viewBox=\"0 0 {CARD_WIDTH_MM} {CARD_HEIGHT_MM}\" \
         role=\"img\" aria-labelledby=\"{uid}-t\" font-family=\"{FONT_FAMILY}\" \
         font-kerning=\"none\" fill=\"{}\">",
        style.ink
    ));
    out.push_str(&format!(
        "<title id=\"{uid}-t\">KTP-el {} {}</title>",
        text(&up(&fields.nik)),
        text(&up(&fields.name))
    ));
    // The pre-printed blank: only its outline and ground, the personalisation is what matters.
    if style.ground {
        out.push_str(&format!(
            "<rect x=\"0.1\" y=\"0.1\" width=\"{}\" height=\"{}\" rx=\"3.18\" fill=\"#dcebf7\" \
         stroke=\"#7a9cc6\" stroke-width=\"0.2\"/>",
            CARD_WIDTH_MM - 0.2,
            CARD_HEIGHT_MM - 0.2
        ));
    }
    // Text and signature go to `ink`, the photo to `out`; the photo is drawn first.
    let mut ink = String::with_capacity(4096);

    // Header.
    let header = [
        format!("PROVINSI {}", up(&fields.province)),
        up(&fields.regency),
    ];
    for (i, line) in header.iter().enumerate() {
        let y = 4.4 + i as f64 * 3.0;
        ink.push_str(&fitted_text(
            line,
            CARD_WIDTH_MM / 2.0,
            y,
            fit::Room {
                width: CARD_WIDTH_MM - 8.0,
                size: 2.6,
                min_size: 1.8,
                max_lines: 1,
                bold: true,
            },
            "middle",
        ));
    }

    // NIK, larger and bold.
    ink.push_str(&label("NIK", LABEL_X, 12.4, 2.6, true));
    ink.push_str(&label(":", COLON_X, 12.4, 2.6, true));
    // The bold colon is wider than the others: the number starts a little further right.
    const NIK_X: f64 = VALUE_X + 0.6;
    ink.push_str(&fitted_text(
        &up(&fields.nik),
        NIK_X,
        12.4,
        fit::Room {
            width: VALUE_END - NIK_X,
            size: 3.1,
            min_size: 2.2,
            max_lines: 1,
            bold: true,
        },
        "start",
    ));

    // The fields, in the card's order. Sex and blood type share a line, as on the card.
    let birth = format!(
        "{}, {}",
        up(&fields.place_of_birth),
        up(&fields.date_of_birth)
    );
    let rows = [
        row("Nama", up(&fields.name), false, 2),
        row("Tempat/Tgl Lahir", birth, false, 2),
        row("Jenis Kelamin", up(&fields.sex), false, 1),
        row("Alamat", up(&fields.address), false, 2),
        row("RT/RW", up(&fields.rt_rw), true, 1),
        row("Kel/Desa", up(&fields.village), true, 1),
        row("Kecamatan", up(&fields.district), true, 1),
        row("Agama", up(&fields.religion), false, 1),
        row("Status Perkawinan", up(&fields.marital_status), false, 1),
        row("Pekerjaan", up(&fields.occupation), false, 2),
        row("Kewarganegaraan", up(&fields.citizenship), false, 1),
        row("Berlaku Hingga", up(&fields.valid_until), false, 1),
    ];
    // Fit each value first, then space the lines so that all of them stay on the card.
    const BLOOD_LABEL_X: f64 = 41.0;
    let fitted: Vec<fit::Fitted> = rows
        .iter()
        .map(|r| {
            let end = if r.label == "Jenis Kelamin" {
                BLOOD_LABEL_X - 0.8
            } else {
                VALUE_END
            };
            fit::fit(
                &r.value,
                fit::Room {
                    width: end - VALUE_X,
                    size: FONT,
                    min_size: MIN_FONT,
                    max_lines: r.max_lines,
                    bold: false,
                },
            )
        })
        .collect();
    let total_lines: usize = fitted.iter().map(|f| f.lines.len()).sum();
    let step = LINE.min((FIELD_BOTTOM - FIELD_TOP) / (total_lines.max(1) - 1).max(1) as f64);
    let mut y = FIELD_TOP;
    for (r, f) in rows.iter().zip(&fitted) {
        let x = if r.sub { SUB_LABEL_X } else { LABEL_X };
        ink.push_str(&label(r.label, x, y, FONT, false));
        ink.push_str(&label(":", COLON_X, y, FONT, false));
        let width = if r.label == "Jenis Kelamin" {
            BLOOD_LABEL_X - 0.8 - VALUE_X
        } else {
            VALUE_END - VALUE_X
        };
        ink.push_str(&lines_text(f, (VALUE_X, y), step, width, "start", false));
        if r.label == "Jenis Kelamin" {
            ink.push_str(&label("Gol. Darah", BLOOD_LABEL_X, y, FONT, false));
            ink.push_str(&label(":", BLOOD_LABEL_X + 10.4, y, FONT, false));
            ink.push_str(&fitted_text(
                &up(&fields.blood_type),
                BLOOD_LABEL_X + 11.4,
                y,
                fit::Room {
                    width: VALUE_END - BLOOD_LABEL_X - 11.4,
                    size: FONT,
                    min_size: MIN_FONT,
                    max_lines: 1,
                    bold: false,
                },
                "start",
            ));
        }
        y += step * f.lines.len() as f64;
    }

    // Photo on its backdrop, cropped to the frame (3:4).
    let (px, py, pw, ph) = PHOTO;
    if style.parts != Parts::Ink {
        out.push_str(&format!(
        "<clipPath id=\"{uid}-p\"><rect x=\"{px}\" y=\"{py}\" width=\"{pw}\" height=\"{ph}\"/></clipPath>\
         <rect x=\"{px}\" y=\"{py}\" width=\"{pw}\" height=\"{ph}\" fill=\"{}\" data-backdrop=\"{}\"/>",
        backdrop.fill(),
        match backdrop {
            Backdrop::Red => "red",
            Backdrop::Blue => "blue",
            Backdrop::Orange => "orange",
        }
    ));
        if let Some(jpeg) = photo {
            out.push_str(&format!(
            "<image x=\"{px}\" y=\"{py}\" width=\"{pw}\" height=\"{ph}\" \
             preserveAspectRatio=\"xMidYMid slice\" clip-path=\"url(#{uid}-p)\" href=\"data:image/jpeg;base64,{}\"/>",
            base64::engine::general_purpose::STANDARD.encode(jpeg)
        ));
        }
    }

    // Place and date of issue beneath the photo, then the signature.
    let centre = px + pw / 2.0;
    for (i, line) in [up(&fields.issue_place), up(&fields.issue_date)]
        .iter()
        .enumerate()
    {
        ink.push_str(&fitted_text(
            line,
            centre,
            py + ph + 2.5 + i as f64 * 2.3,
            fit::Room {
                width: pw + 1.5,
                size: 1.8,
                min_size: 1.3,
                max_lines: 1,
                bold: false,
            },
            "middle",
        ));
    }
    ink.push_str(&signature::render(
        signature,
        (px, py + ph + 6.2, pw, 9.6),
        style.ink,
    ));
    if style.parts != Parts::Photo {
        out.push_str(&ink);
    }
    out.push_str("</svg>");
    Ok(out)
}

fn row(label: &str, value: String, sub: bool, max_lines: usize) -> Row<'_> {
    Row {
        label,
        value,
        sub,
        max_lines,
    }
}

fn label(s: &str, x: f64, y: f64, size: f64, bold: bool) -> String {
    format!(
        "<text x=\"{}\" y=\"{}\" font-size=\"{}\"{}>{}</text>",
        num(x),
        num(y),
        num(size),
        if bold { " font-weight=\"bold\"" } else { "" },
        text(s)
    )
}

/// `s` fitted into `room` at (`x`, `y`), lines 1.25 font sizes apart.
fn fitted_text(s: &str, x: f64, y: f64, room: fit::Room, anchor: &str) -> String {
    let f = fit::fit(s, room);
    lines_text(&f, (x, y), f.size * 1.25, room.width, anchor, room.bold)
}

/// One `<text>` per line from `at`, `step` apart; a line still too wide is compressed to
/// `width` with `textLength`.
fn lines_text(
    f: &fit::Fitted,
    at: (f64, f64),
    step: f64,
    width: f64,
    anchor: &str,
    bold: bool,
) -> String {
    let mut out = String::new();
    let weight = if bold { " font-weight=\"bold\"" } else { "" };
    let anchor = if anchor == "start" {
        String::new()
    } else {
        format!(" text-anchor={}", attr(anchor))
    };
    for (i, (line, squeezed)) in f.lines.iter().zip(&f.squeezed).enumerate() {
        let squeeze = if *squeezed {
            format!(
                " textLength=\"{}\" lengthAdjust=\"spacingAndGlyphs\"",
                num(width)
            )
        } else {
            String::new()
        };
        out.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" font-size=\"{}\"{weight}{anchor}{squeeze}>{}</text>",
            num(at.0),
            num(at.1 + step * i as f64),
            num(f.size),
            text(line)
        ));
    }
    out
}

/// A coordinate with at most three decimals (a micrometre is below any printer's dot).
fn num(v: f64) -> String {
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s.is_empty() || s == "-0" {
        "0".into()
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests;
