//! Fitting a line of text into a box, measured with the card's own typeface.
//!
//! Widths are the real advance widths of the embedded Liberation Sans faces ([`crate::font`]),
//! the same bytes the rasteriser draws with, plus the overhang of the first and last glyph, so a
//! line measured to fit its box leaves no ink outside it on the printed card.
//!
//! Contract (the rule): [`fit`] keeps every character of the text, in order. A text that fits
//! at the preferred size stays on one line at that size; one that fits on one line at no less
//! than 85% of it (and no less than the floor) is shrunk to the largest size that fits; else it
//! is wrapped at spaces (greedy) over the lines allowed at the largest size, in steps of 5% of
//! the preferred size down to the floor, that makes every line fit; and when even that fails the
//! words are spread evenly over the lines allowed at the floor size and any line still too wide
//! is marked so the renderer compresses it to the box (`textLength`): text is squeezed, never
//! cut, and never drawn outside its box.

/// Width of `text` at `size` (same unit as `size`), in the regular or bold face.
pub fn text_width(text: &str, size: f64, bold: bool) -> f64 {
    crate::font::ink_width_em(text, bold) * size
}

/// How a text was made to fit.
#[derive(Clone, Debug, PartialEq)]
pub struct Fitted {
    /// The lines, in order; joined with single spaces they are the text.
    pub lines: Vec<String>,
    /// Font size used.
    pub size: f64,
    /// Per line: true when it is still wider than the box at `size` and must be compressed to
    /// the box's width.
    pub squeezed: Vec<bool>,
}

/// The box a text must go into.
#[derive(Clone, Copy, Debug)]
pub struct Room {
    /// Width available.
    pub width: f64,
    /// Preferred font size.
    pub size: f64,
    /// Smallest font size allowed (still legible on the card).
    pub min_size: f64,
    /// Most lines the text may take.
    pub max_lines: usize,
    /// Bold type.
    pub bold: bool,
}

/// Fits `text` into `room`: one line at the preferred size if it fits, else one line at the
/// largest size down to the floor, else wrapped at spaces over up to `max_lines` lines at the
/// largest size that fits, else wrapped at the floor with the overlong lines squeezed.
pub fn fit(text: &str, room: Room) -> Fitted {
    let fits = |t: &str, size: f64| text_width(t, size, room.bold) <= room.width;
    let one = |size: f64| Fitted {
        lines: vec![text.to_string()],
        size,
        squeezed: vec![!fits(text, size)],
    };
    if fits(text, room.size) {
        return one(room.size);
    }
    // Largest single-line size: width scales linearly with size.
    let single = room.size * room.width / text_width(text, room.size, room.bold).max(f64::EPSILON);
    // Wrapping reads better than shrinking far: shrink one line only to 85% before wrapping.
    if single >= room.min_size.max(room.size * 0.85) || room.max_lines <= 1 {
        return if single >= room.min_size {
            one(single)
        } else {
            one(room.min_size)
        };
    }
    let mut size = room.size;
    while size >= room.min_size - 1e-9 {
        if let Some(lines) = wrap(text, room.max_lines, |l| fits(l, size)) {
            let squeezed = vec![false; lines.len()];
            return Fitted {
                lines,
                size,
                squeezed,
            };
        }
        size -= room.size * 0.05;
    }
    // Nothing fits: spread the words evenly over the lines allowed at the floor size and squeeze
    // what is still too wide.
    let size = room.min_size;
    let lines = balance(text, room.max_lines, room.width / size, room.bold);
    let squeezed = lines.iter().map(|l| !fits(l, size)).collect();
    Fitted {
        lines,
        size,
        squeezed,
    }
}

/// Greedy word wrap; `None` when a word alone does not fit or more than `max_lines` are needed.
fn wrap(text: &str, max_lines: usize, fits: impl Fn(&str) -> bool) -> Option<Vec<String>> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let candidate = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        if fits(&candidate) {
            line = candidate;
        } else {
            if line.is_empty() || !fits(word) {
                return None;
            }
            lines.push(std::mem::replace(&mut line, word.to_string()));
        }
    }
    lines.push(line);
    (lines.len() <= max_lines).then_some(lines)
}

/// Splits `text` at spaces into at most `max_lines` lines of roughly equal estimated width (in
/// em, against `line_em`), every word kept.
fn balance(text: &str, max_lines: usize, line_em: f64, bold: bool) -> Vec<String> {
    let words: Vec<&str> = text.split(' ').collect();
    let total = text_width(text, 1.0, bold);
    let target = (total / max_lines.max(1) as f64).max(line_em.min(total));
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for (i, word) in words.iter().enumerate() {
        let candidate = if line.is_empty() {
            (*word).to_string()
        } else {
            format!("{line} {word}")
        };
        let lines_left = max_lines.saturating_sub(lines.len() + 1);
        let words_left = words.len() - i;
        if !line.is_empty()
            && lines_left > 0
            && words_left > 0
            && text_width(&candidate, 1.0, bold) > target
        {
            lines.push(std::mem::replace(&mut line, (*word).to_string()));
        } else {
            line = candidate;
        }
    }
    lines.push(line);
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROOM: Room = Room {
        width: 36.0,
        size: 2.0,
        min_size: 1.5,
        max_lines: 2,
        bold: false,
    };

    #[test]
    fn a_short_text_keeps_the_preferred_size_on_one_line() {
        let f = fit("BUDI SANTOSO", ROOM);
        assert_eq!(f.lines, ["BUDI SANTOSO"]);
        assert_eq!(f.size, 2.0);
        assert_eq!(f.squeezed, [false]);
    }

    #[test]
    fn a_slightly_long_text_is_shrunk_before_it_is_wrapped() {
        let text = "JL. MERDEKA BARAT NOMOR 12A BLOK";
        assert!(text_width(text, 2.0, false) > 36.0);
        let f = fit(text, ROOM);
        assert_eq!(f.lines, [text]);
        assert!(f.size < 2.0 && f.size >= 1.7, "{}", f.size);
        assert!(text_width(text, f.size, false) <= 36.0 + 1e-9);
    }

    #[test]
    fn a_long_text_wraps_at_spaces_and_keeps_every_word() {
        let text = "JALAN PANGERAN DIPONEGORO GANG MAWAR MERAH NOMOR 128 BLOK C";
        let f = fit(text, ROOM);
        assert_eq!(f.lines.len(), 2, "{f:?}");
        assert_eq!(f.lines.join(" "), text);
        assert!(f.squeezed.iter().all(|s| !s));
        for l in &f.lines {
            assert!(text_width(l, f.size, false) <= 36.0 + 1e-9, "{l}");
        }
    }

    #[test]
    fn text_too_long_for_the_lines_allowed_is_squeezed_never_cut() {
        let text = "KAMPUNG ".repeat(20).trim_end().to_string();
        let f = fit(&text, ROOM);
        assert_eq!(f.lines.join(" "), text);
        assert!(f.lines.len() <= 2);
        assert_eq!(f.size, 1.5);
        assert!(f.squeezed.iter().any(|s| *s));
    }

    #[test]
    fn a_single_unbreakable_word_is_squeezed_on_one_line() {
        let text = "X".repeat(60);
        let f = fit(&text, ROOM);
        assert_eq!(f.lines, [text]);
        assert_eq!(f.squeezed, [true]);
    }
}
