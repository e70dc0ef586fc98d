//! The card's typeface, embedded: Liberation Sans 2.1.5 Regular and Bold (SIL OFL 1.1, see
//! `card/fonts/LICENSE`), and its horizontal metrics for fitting text.
//!
//! Contract: the same bytes are used to measure ([`ink_width_em`]) and to draw (the rasteriser's
//! font database holds exactly these two faces and nothing from the system), so a line measured
//! to fit its box fits on the raster. Liberation Sans has Arial's advance widths, so a browser
//! showing the SVG preview with Arial lays the lines out the same. Text is drawn without kerning
//! (`font-kerning="none"` on the card), so a line's width is the sum of its glyphs' advances.

use std::sync::OnceLock;

use ttf_parser::Face;

/// The family name inside both font files.
pub const FAMILY: &str = "Liberation Sans";

/// Liberation Sans Regular 2.1.5.
pub const REGULAR: &[u8] = include_bytes!("../fonts/LiberationSans-Regular.ttf");
/// Liberation Sans Bold 2.1.5.
pub const BOLD: &[u8] = include_bytes!("../fonts/LiberationSans-Bold.ttf");

fn face(bold: bool) -> Option<&'static Face<'static>> {
    static REGULAR_FACE: OnceLock<Option<Face<'static>>> = OnceLock::new();
    static BOLD_FACE: OnceLock<Option<Face<'static>>> = OnceLock::new();
    let (cell, bytes) = if bold {
        (&BOLD_FACE, BOLD)
    } else {
        (&REGULAR_FACE, REGULAR)
    };
    cell.get_or_init(|| Face::parse(bytes, 0).ok()).as_ref()
}

/// Width of the ink `text` covers, in em, set in the regular or bold face without kerning: the
/// sum of the advances, with the last glyph's advance replaced by its right edge when the glyph
/// reaches past it, and the first glyph's overhang to the left of the pen added. A character the
/// face lacks is drawn as its `.notdef` box and measured as that.
pub fn ink_width_em(text: &str, bold: bool) -> f64 {
    // Unparsable embedded bytes (excluded by a test): a full em per character is wider than any
    // glyph, so text still fits.
    let Some(face) = face(bold) else {
        return text.chars().count() as f64;
    };
    let upem = f64::from(face.units_per_em().max(1));
    let glyph = |c: char| face.glyph_index(c).unwrap_or(ttf_parser::GlyphId(0));
    let mut units = 0.0;
    let mut chars = text.chars().peekable();
    let mut first = true;
    while let Some(c) = chars.next() {
        let g = glyph(c);
        let advance = f64::from(face.glyph_hor_advance(g).unwrap_or(0));
        let bbox = face.glyph_bounding_box(g);
        if first {
            if let Some(b) = bbox {
                units += f64::from(-b.x_min).max(0.0);
            }
            first = false;
        }
        units += if chars.peek().is_none() {
            bbox.map_or(advance, |b| advance.max(f64::from(b.x_max)))
        } else {
            advance
        };
    }
    units / upem
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_embedded_faces_parse_and_are_liberation_sans() {
        // A face that did not parse would be measured at a full em per character (wider than
        // any of its glyphs, so text would still never overflow), but it must parse.
        assert!(face(false).is_some() && face(true).is_some());
        for bold in [false, true] {
            let face = face(bold).expect("parses");
            let family = face
                .names()
                .into_iter()
                .filter(|n| n.name_id == ttf_parser::name_id::FAMILY)
                .find_map(|n| n.to_string());
            assert_eq!(family.as_deref(), Some(FAMILY));
        }
    }

    #[test]
    fn widths_are_arials_advances() {
        // Arial / Liberation Sans: digits 0.556 em, capital A 0.667 em, space 0.278 em (regular);
        // bold digits are also 0.556 em, bold capital A 0.722 em.
        let near = |a: f64, b: f64| (a - b).abs() < 0.002;
        assert!(
            near(ink_width_em("0123456789", false), 5.56),
            "{}",
            ink_width_em("0123456789", false)
        );
        assert!(near(
            ink_width_em("A A", false) - ink_width_em("AA", false),
            0.278
        ));
        assert!(near(
            ink_width_em("AA", true) - ink_width_em("A", true),
            0.722
        ));
        assert!(ink_width_em("AAA", true) > ink_width_em("AAA", false));
    }
}
