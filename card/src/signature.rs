//! The signature box: a pad's strokes as SVG path data, or the pad's PNG, fitted into the box
//! beneath the photo.
//!
//! Contract: [`check`] refuses a path holding anything but path data, a pad size that is not
//! positive, and a PNG without the PNG signature, so nothing but a drawing reaches the document.

use base64::Engine as _;

use crate::svg::attr;
use crate::{CardError, Signature};

const PNG_MAGIC: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];

/// Refuses a signature that cannot be drawn.
pub fn check(sig: &Signature) -> Result<(), CardError> {
    match sig {
        Signature::None => Ok(()),
        Signature::Png(bytes) if bytes.starts_with(&PNG_MAGIC) => Ok(()),
        Signature::Png(_) => Err(CardError::SignatureNotPng),
        Signature::Path { d, width, height } => {
            if !(width.is_finite() && height.is_finite() && *width > 0.0 && *height > 0.0) {
                return Err(CardError::SignatureSize {
                    width: width.to_string(),
                    height: height.to_string(),
                });
            }
            match d.char_indices().find(|(_, c)| !path_char(*c)) {
                Some((at, found)) => Err(CardError::SignaturePath { at, found }),
                None => Ok(()),
            }
        }
    }
}

fn path_char(c: char) -> bool {
    c.is_ascii_digit()
        || matches!(
            c,
            ' ' | ',' | '.' | '-' | '+' | 'e' | 'E' | '\n' | '\t' | '\r'
        )
        || "MmLlHhVvCcSsQqTtAaZz".contains(c)
}

/// SVG path data from pen samples `(x, y, pressure)` in pad units: a stroke starts where the
/// pen touches (pressure > 0) and ends when it lifts. A pad that reports no pressure
/// (`has_pressure` false) gives one stroke.
pub fn path_from_pen(samples: &[(u16, u16, u16)], has_pressure: bool) -> String {
    let mut d = String::new();
    let mut down = false;
    for &(x, y, p) in samples {
        let touching = !has_pressure || p > 0;
        if touching {
            d.push_str(if down { " L" } else { " M" });
            d.push_str(&format!("{x} {y}"));
        }
        down = touching;
    }
    d.trim_start().to_string()
}

/// The signature drawn into the box at (`x`, `y`) of `w` × `h` millimetres, keeping its
/// proportions; a path is stroked in `ink`.
pub fn render(sig: &Signature, (x, y, w, h): (f64, f64, f64, f64), ink: &str) -> String {
    let frame = format!(
        "<svg x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{h}\" preserveAspectRatio=\"xMidYMid meet\""
    );
    match sig {
        Signature::None => String::new(),
        Signature::Path { d, width, height } => {
            // About 0.3 mm on the card whatever the pad's resolution.
            let stroke = (width / w).max(height / h) * 0.3;
            format!(
                "{frame} viewBox=\"0 0 {width} {height}\"><path d={} fill=\"none\" stroke=\"{ink}\" \
                 stroke-width=\"{stroke:.3}\" stroke-linecap=\"round\" stroke-linejoin=\"round\"/></svg>",
                attr(d)
            )
        }
        Signature::Png(bytes) => format!(
            "<image x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{h}\" preserveAspectRatio=\"xMidYMid meet\" \
             href=\"data:image/png;base64,{}\"/>",
            base64::engine::general_purpose::STANDARD.encode(bytes)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strokes_break_where_the_pen_lifts() {
        let d = path_from_pen(
            &[(1, 2, 5), (3, 4, 5), (5, 6, 0), (7, 8, 3), (9, 9, 3)],
            true,
        );
        assert_eq!(d, "M1 2 L3 4 M7 8 L9 9");
        assert_eq!(path_from_pen(&[(1, 2, 0), (3, 4, 0)], false), "M1 2 L3 4");
    }

    #[test]
    fn a_path_with_markup_or_a_bad_size_is_refused() {
        let bad = Signature::Path {
            d: "M0 0\"/><script/>".into(),
            width: 10.0,
            height: 10.0,
        };
        assert_eq!(
            check(&bad),
            Err(CardError::SignaturePath { at: 4, found: '"' })
        );
        let zero = Signature::Path {
            d: "M0 0 L1 1".into(),
            width: 0.0,
            height: 10.0,
        };
        assert!(matches!(check(&zero), Err(CardError::SignatureSize { .. })));
        assert_eq!(
            check(&Signature::Png(b"GIF89a".to_vec())),
            Err(CardError::SignatureNotPng)
        );
    }
}
