//! The card front rasterised for a card printer, and split into the printer's panels.
//!
//! Contract: [`render_card`] is pure and deterministic: the same [`CardInput`] gives the same
//! pixels (for a given build target: the drawing is `resvg`/`tiny-skia` with the fonts embedded
//! in this crate, no system font is ever read). Output is [`WIDTH`] × [`HEIGHT`] dots (Evolis
//! panel size) at 300 dpi exactly: the ID-1 card (1011.0 × 637.6 dots) is centred on it, the
//! rest is bleed. Only the personalisation is drawn, on white (no ink): the blank's blue design
//! is pre-printed. The panels:
//! - colour (YMC): the photo on its backdrop colour, white everywhere else;
//! - black (K, 1 bit): every text and the signature: a dot is printed where the text layer,
//!   drawn anti-aliased in black on white, has a luma (ITU-R BT.601) below [`INK_THRESHOLD`],
//!   i.e. where ink covers at least half the dot;
//! - overlay (O, 1 bit): the whole panel except [`CHIP_AREA_MM`], the ISO/IEC 7816-2 contact
//!   module position, left clear (see `card/LAYOUT.md`).
//!
//! [`recombine`] composites the panels as the printer lays them (colour, then K black on top;
//! the clear overlay changes no colour). It equals [`RenderedCard::image`] except on the
//! anti-aliased edges of text and signature strokes, where the image has grey the 1-bit K panel
//! cannot print: there the recombined dot is black or the colour beneath, and the image lies
//! between the two.
//!
//! A photo that is not a decodable JPEG or a signature that is not a decodable PNG is refused
//! with its reason (the drawing library would silently leave it out).

use std::sync::{Arc, OnceLock};

use resvg::{tiny_skia, usvg};

use crate::image::{MonoRaster, RgbRaster};
use crate::{Backdrop, CardError, CardFields, Parts, Signature, Style, font, layout};

/// Panel width in dots (Evolis Primacy / Zenius, 300 dpi).
pub const WIDTH: u32 = 1016;
/// Panel height in dots.
pub const HEIGHT: u32 = 648;
/// Print resolution.
pub const DPI: f64 = 300.0;
/// A text-layer dot darker than this luma (0-255) is printed on the K panel.
pub const INK_THRESHOLD: u8 = 128;

/// A rectangle on the card, in millimetres from its left and top edges.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AreaMm {
    /// Left edge.
    pub left: f64,
    /// Top edge.
    pub top: f64,
    /// Right edge.
    pub right: f64,
    /// Bottom edge.
    pub bottom: f64,
}

/// The overlay's clear area: a 13 × 13 mm square centred on the ISO/IEC 7816-2 contact field
/// (contacts C1-C8 within 10.25-19.87 mm from the left edge and 19.23-28.55 mm from the top
/// edge), large enough for the common 8-contact modules (about 11.8 × 13 mm).
pub const CHIP_AREA_MM: AreaMm = AreaMm {
    left: 8.56,
    top: 17.39,
    right: 21.56,
    bottom: 30.39,
};

/// What the card is printed from.
#[derive(Clone, Debug, PartialEq)]
pub struct CardInput {
    /// The printed text.
    pub fields: CardFields,
    /// The photo, JPEG (`None`: the backdrop alone, for a test print).
    pub photo: Option<Vec<u8>>,
    /// The holder's signature.
    pub signature: Signature,
    /// The photo's backdrop colour.
    pub backdrop: Backdrop,
}

/// The printer's three panels of the front.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Panels {
    /// YMC: the photo on its backdrop, white elsewhere.
    pub colour: RgbRaster,
    /// K: text and signature.
    pub black: MonoRaster,
    /// O: everywhere but the chip area.
    pub overlay: MonoRaster,
}

/// The rendered front.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenderedCard {
    /// The personalisation as drawn (anti-aliased), RGB.
    pub image: RgbRaster,
    /// The same, separated for the printer.
    pub panels: Panels,
}

/// Dots per millimetre at 300 dpi.
fn dots(mm: f64) -> f64 {
    mm * DPI / 25.4
}

/// Where the card's top-left corner is on the panel, in dots (the card centred on it).
fn origin() -> (f64, f64) {
    (
        (f64::from(WIDTH) - dots(crate::CARD_WIDTH_MM)) / 2.0,
        (f64::from(HEIGHT) - dots(crate::CARD_HEIGHT_MM)) / 2.0,
    )
}

/// `area` in panel dots: (x0, y0, x1, y1), x1 and y1 exclusive, every dot the area touches.
pub fn area_dots(area: AreaMm) -> (u32, u32, u32, u32) {
    let (ox, oy) = origin();
    let clamp = |v: f64, max: u32| v.clamp(0.0, f64::from(max)) as u32;
    (
        clamp((ox + dots(area.left)).floor(), WIDTH),
        clamp((oy + dots(area.top)).floor(), HEIGHT),
        clamp((ox + dots(area.right)).ceil(), WIDTH),
        clamp((oy + dots(area.bottom)).ceil(), HEIGHT),
    )
}

/// Renders the front and separates its panels.
pub fn render_card(input: &CardInput) -> Result<RenderedCard, CardError> {
    if let Some(photo) = &input.photo {
        check_jpeg(photo)?;
    }
    if let Signature::Png(png) = &input.signature {
        check_png(png)?;
    }
    let draw = |parts| {
        let style = Style {
            ground: false,
            ink: "#000",
            parts,
        };
        let svg = layout(
            &input.fields,
            input.photo.as_deref(),
            &input.signature,
            input.backdrop,
            style,
        )?;
        rasterise(&svg)
    };
    let colour = draw(Parts::Photo)?;
    let text = draw(Parts::Ink)?;
    let black = threshold(&text);
    Ok(RenderedCard {
        image: ink_over(&colour, &text),
        panels: Panels {
            colour,
            black,
            overlay: overlay(),
        },
    })
}

/// The panels composited as the printer lays them: the colour image, then every K dot black on
/// top; the overlay is clear varnish and changes no colour.
pub fn recombine(panels: &Panels) -> RgbRaster {
    let mut pixels = panels.colour.pixels().to_vec();
    for (rgb, printed) in pixels.chunks_exact_mut(3).zip(panels.black.dots()) {
        if *printed {
            rgb.copy_from_slice(&[0, 0, 0]);
        }
    }
    RgbRaster::from_parts(panels.colour.width(), panels.colour.height(), pixels)
}

fn check_jpeg(bytes: &[u8]) -> Result<(), CardError> {
    if !bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Err(CardError::PhotoNotJpeg);
    }
    jpeg_decoder::Decoder::new(bytes)
        .decode()
        .map(drop)
        .map_err(|e| CardError::PhotoUndecodable(e.to_string()))
}

fn check_png(bytes: &[u8]) -> Result<(), CardError> {
    let fail = |e: png::DecodingError| CardError::SignatureUndecodable(e.to_string());
    let mut reader = png::Decoder::new(std::io::Cursor::new(bytes))
        .read_info()
        .map_err(fail)?;
    let mut buf = vec![0; reader.output_buffer_size()];
    reader.next_frame(&mut buf).map_err(fail)?;
    Ok(())
}

/// The font database: the two embedded faces and nothing else.
fn fonts() -> Arc<usvg::fontdb::Database> {
    static DB: OnceLock<Arc<usvg::fontdb::Database>> = OnceLock::new();
    DB.get_or_init(|| {
        let mut db = usvg::fontdb::Database::new();
        db.load_font_data(font::REGULAR.to_vec());
        db.load_font_data(font::BOLD.to_vec());
        db.set_sans_serif_family(font::FAMILY);
        Arc::new(db)
    })
    .clone()
}

/// Draws a card SVG (millimetre user units) onto a white panel at 300 dpi.
fn rasterise(svg: &str) -> Result<RgbRaster, CardError> {
    let options = usvg::Options {
        dpi: DPI as f32,
        font_family: font::FAMILY.to_string(),
        fontdb: fonts(),
        ..usvg::Options::default()
    };
    let tree = usvg::Tree::from_str(svg, &options).map_err(|e| CardError::Raster(e.to_string()))?;
    let mut pixmap = tiny_skia::Pixmap::new(WIDTH, HEIGHT)
        .ok_or_else(|| CardError::Raster("no pixmap of the panel's size".into()))?;
    pixmap.fill(tiny_skia::Color::WHITE);
    let (ox, oy) = origin();
    resvg::render(
        &tree,
        tiny_skia::Transform::from_translate(ox as f32, oy as f32),
        &mut pixmap.as_mut(),
    );
    // Drawn over opaque white, every pixel is opaque: premultiplied RGBA is plain RGB.
    let rgb: Vec<u8> = pixmap
        .data()
        .chunks_exact(4)
        .flat_map(|p| [p[0], p[1], p[2]])
        .collect();
    Ok(RgbRaster::from_parts(WIDTH, HEIGHT, rgb))
}

/// The card as drawn whole: the text layer (drawn on white) laid over the colour layer as ink,
/// each channel multiplied. Text and photo do not overlap, so this is what drawing both in one
/// document gives (within rounding), for half the drawing time.
fn ink_over(colour: &RgbRaster, text: &RgbRaster) -> RgbRaster {
    let pixels = colour
        .pixels()
        .iter()
        .zip(text.pixels())
        .map(|(&c, &t)| ((u32::from(c) * u32::from(t) + 127) / 255) as u8)
        .collect();
    RgbRaster::from_parts(colour.width(), colour.height(), pixels)
}

/// ITU-R BT.601 luma, rounded.
fn luma([r, g, b]: [u8; 3]) -> u8 {
    ((299 * u32::from(r) + 587 * u32::from(g) + 114 * u32::from(b) + 500) / 1000) as u8
}

/// The K panel of a text layer drawn on white.
fn threshold(text: &RgbRaster) -> MonoRaster {
    let dots = text
        .pixels()
        .chunks_exact(3)
        .map(|p| luma([p[0], p[1], p[2]]) < INK_THRESHOLD)
        .collect();
    MonoRaster::from_parts(text.width(), text.height(), dots)
}

/// The overlay panel: every dot but the chip area.
fn overlay() -> MonoRaster {
    let (x0, y0, x1, y1) = area_dots(CHIP_AREA_MM);
    let dots = (0..HEIGHT)
        .flat_map(|y| (0..WIDTH).map(move |x| !(x0..x1).contains(&x) || !(y0..y1).contains(&y)))
        .collect();
    MonoRaster::from_parts(WIDTH, HEIGHT, dots)
}

#[cfg(test)]
mod tests;
