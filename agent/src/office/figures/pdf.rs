//! The daily and period report as a PDF, written here with `pdf-writer` (no HTML-to-PDF, no
//! system libraries, no fonts embedded): the same words ([`FiguresText`]) and figures
//! ([`PeriodFigures`]) as the HTML report of [`super::report`], laid out on A4 portrait pages.
//!
//! Contract: [`render_pdf`] is pure (the same input gives the same bytes). The document holds
//! the title, office, period, workstation, signing key id and time generated; the chart of
//! enrollments per day and the coverage chart per kecamatan as vector graphics; one table per
//! grouping with the columns of [`super::report::table_html`]; the coverage per kecamatan and
//! per desa; the data problems; and the signature note. A table that runs over a page goes on
//! with its caption (marked continued) and header repeated; every page is numbered
//! "Halaman N dari M" / "Page N of M". A cell too long for its column wraps inside it (at most
//! [`MAX_CELL_LINES`] lines, the last ending in "…"); nothing is drawn over the next column.
//!
//! Fonts: the PDF standard fonts Helvetica and Helvetica-Bold with WinAnsiEncoding, so every
//! reader has them. Text is encoded to Windows-1252; a character outside it (and any control
//! character) is written as `?` — Indonesian names and places are Latin script, so this loses
//! only the rare exotic letter, and the HTML report keeps it. Columns are measured with
//! Helvetica's published glyph widths ([`HELVETICA`], [`HELVETICA_BOLD`]) rather than Courier:
//! tables of up to twelve columns must fit 180 mm, and a proportional face fits about a third
//! more text in that width than a fixed-pitch one while reading like the HTML report.
//!
//! Signing is [`super::report::sign_pdf`]: a PDF comment line after `%%EOF`.

use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

use super::report::{
    ReportMeta, coverage_columns, group_columns, head_label, outcome_words, reasons,
    title_and_period,
};
use super::svg::nice_max;
use super::text::FiguresText;
use super::{By, PeriodFigures, Row, Table, minutes, percent};
use crate::console::i18n::{fill, fill2};

/// A4 portrait, in points.
const PAGE_W: f32 = 595.276;
const PAGE_H: f32 = 841.89;
/// 15 mm margins.
const MARGIN: f32 = 42.52;
const LEFT: f32 = MARGIN;
const RIGHT: f32 = PAGE_W - MARGIN;
const TOP: f32 = PAGE_H - MARGIN;
/// The lowest line of content; the page number sits below it.
const BOTTOM: f32 = MARGIN + 14.0;
const WIDTH: f32 = RIGHT - LEFT;

/// A table cell wraps to at most this many lines.
pub const MAX_CELL_LINES: usize = 4;

const BODY: f32 = 9.5;
const CELL: f32 = 7.0;
const PAD: f32 = 2.5;
const INK: (f32, f32, f32) = (0.114, 0.208, 0.341);
const LIGHT: (f32, f32, f32) = (0.804, 0.843, 0.894);
const HEAD_FILL: (f32, f32, f32) = (0.91, 0.93, 0.953);
const TOTAL_FILL: (f32, f32, f32) = (0.953, 0.953, 0.953);

/// Windows-1252 `…`.
const ELLIPSIS: u8 = 0x85;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Font {
    Regular,
    Bold,
}

impl Font {
    fn name(self) -> Name<'static> {
        match self {
            Font::Regular => Name(b"F1"),
            Font::Bold => Name(b"F2"),
        }
    }

    fn widths(self) -> &'static [u16; 224] {
        match self {
            Font::Regular => &HELVETICA,
            Font::Bold => &HELVETICA_BOLD,
        }
    }
}

/// Helvetica's advance widths (1/1000 em, from Adobe's published AFM metrics) for the
/// WinAnsiEncoding codes 32..=255; the five codes WinAnsi leaves undefined never occur (they
/// are encoded as `?`) and carry the width of a space.
#[rustfmt::skip]
pub const HELVETICA: [u16; 224] = [
    // 32..=63: space ! " # $ % & ' ( ) * + , - . / 0-9 : ; < = > ?
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
    // 64..=95: @ A-Z [ \ ] ^ _
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
    // 96..=127: ` a-z { | } ~ (127 undefined)
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, 278,
    // 128..=159: € _ ‚ ƒ „ … † ‡ ˆ ‰ Š ‹ Œ _ Ž _ _ ' ' " " • – — ˜ ™ š › œ _ ž Ÿ
    556, 278, 222, 556, 333, 1000, 556, 556, 333, 1000, 667, 333, 1000, 278, 611, 278,
    278, 222, 222, 333, 333, 350, 556, 1000, 333, 1000, 500, 333, 944, 278, 500, 667,
    // 160..=191: nbsp ¡ ¢ £ ¤ ¥ ¦ § ¨ © ª « ¬ shy ® ¯ ° ± ² ³ ´ µ ¶ · ¸ ¹ º » ¼ ½ ¾ ¿
    278, 333, 556, 556, 556, 556, 260, 556, 333, 737, 370, 556, 584, 333, 737, 333,
    400, 584, 333, 333, 333, 556, 537, 278, 333, 333, 365, 556, 834, 834, 834, 611,
    // 192..=223: À-Æ Ç È-Ë Ì-Ï Ð Ñ Ò-Ö × Ø Ù-Ü Ý Þ ß
    667, 667, 667, 667, 667, 667, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278,
    722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611,
    // 224..=255: à-æ ç è-ë ì-ï ð ñ ò-ö ÷ ø ù-ü ý þ ÿ
    556, 556, 556, 556, 556, 556, 889, 500, 556, 556, 556, 556, 278, 278, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 584, 611, 556, 556, 556, 556, 500, 556, 500,
];

/// Helvetica-Bold's advance widths, as [`HELVETICA`].
#[rustfmt::skip]
pub const HELVETICA_BOLD: [u16; 224] = [
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611,
    975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778,
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556,
    333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611,
    611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584, 278,
    556, 278, 278, 556, 500, 1000, 556, 556, 333, 1000, 667, 333, 1000, 278, 611, 278,
    278, 278, 278, 500, 500, 350, 556, 1000, 333, 1000, 556, 333, 944, 278, 500, 667,
    278, 333, 556, 556, 556, 556, 280, 556, 333, 737, 370, 556, 584, 333, 737, 333,
    400, 584, 333, 333, 333, 611, 556, 278, 333, 333, 365, 556, 834, 834, 834, 611,
    722, 722, 722, 722, 722, 722, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278,
    722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611,
    556, 556, 556, 556, 556, 556, 889, 556, 556, 556, 556, 556, 278, 278, 278, 278,
    611, 611, 611, 611, 611, 611, 611, 584, 611, 611, 611, 611, 611, 556, 611, 556,
];

/// `s` in Windows-1252, one byte a character; what it cannot hold (and control characters,
/// and the codes WinAnsi leaves undefined) becomes `?`.
pub fn encode(s: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut buf = [0u8; 4];
    for c in s.chars() {
        let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(c.encode_utf8(&mut buf));
        match bytes.as_ref() {
            [b] if !unmappable && ((0x20..0x7f).contains(b) || *b >= 0xa0) => out.push(*b),
            [b] if !unmappable && (0x80..0xa0).contains(b) && !UNDEFINED.contains(b) => {
                out.push(*b)
            }
            _ => out.push(b'?'),
        }
    }
    out
}

/// Codes Windows-1252 maps to C1 controls, which WinAnsi does not define.
const UNDEFINED: [u8; 5] = [0x81, 0x8d, 0x8f, 0x90, 0x9d];

/// The width of encoded `text` in `font` at `size` points.
fn width(text: &[u8], font: Font, size: f32) -> f32 {
    let w = font.widths();
    let units: u32 = text
        .iter()
        .map(|b| u32::from(w[usize::from(b.saturating_sub(32))]))
        .sum();
    units as f32 * size / 1000.0
}

/// `text` cut to fit `max` points with a trailing "…".
fn truncate(text: &[u8], font: Font, size: f32, max: f32) -> Vec<u8> {
    if width(text, font, size) <= max {
        return text.to_vec();
    }
    let mut out = text.to_vec();
    while !out.is_empty() {
        out.pop();
        let mut t = out.clone();
        t.push(ELLIPSIS);
        if width(&t, font, size) <= max {
            return t;
        }
    }
    out
}

/// Greedy word wrap of encoded `text` to `max` points; a word wider than a line is broken
/// between characters. At most `max_lines` lines, the last ending in "…" when text was left.
fn wrap(text: &[u8], font: Font, size: f32, max: f32, max_lines: usize) -> Vec<Vec<u8>> {
    let mut lines: Vec<Vec<u8>> = Vec::new();
    let mut line: Vec<u8> = Vec::new();
    for word in text.split(|b| *b == b' ').filter(|w| !w.is_empty()) {
        let mut candidate = line.clone();
        if !candidate.is_empty() {
            candidate.push(b' ');
        }
        candidate.extend_from_slice(word);
        if width(&candidate, font, size) <= max {
            line = candidate;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        for &b in word {
            line.push(b);
            if width(&line, font, size) > max && line.len() > 1 {
                line.pop();
                lines.push(std::mem::replace(&mut line, vec![b]));
            }
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    if lines.len() > max_lines {
        lines.truncate(max_lines);
        if let Some(last) = lines.last_mut() {
            let mut t = last.clone();
            t.extend_from_slice(b" xxxx");
            *last = truncate(&t, font, size, max);
            if last.last() != Some(&ELLIPSIS) {
                last.push(ELLIPSIS);
            }
        }
    }
    lines
}

/// The pages being written and where the next line goes.
struct Writer {
    pages: Vec<Content>,
    page: Content,
    y: f32,
}

impl Writer {
    fn new() -> Writer {
        Writer {
            pages: Vec::new(),
            page: Content::new(),
            y: TOP,
        }
    }

    fn new_page(&mut self) {
        let done = std::mem::replace(&mut self.page, Content::new());
        self.pages.push(done);
        self.y = TOP;
    }

    /// Starts a new page unless `h` more points fit on this one; true when it did.
    fn ensure(&mut self, h: f32) -> bool {
        if self.y - h < BOTTOM && self.y < TOP {
            self.new_page();
            return true;
        }
        false
    }

    fn text(&mut self, x: f32, baseline: f32, font: Font, size: f32, text: &[u8]) {
        if text.is_empty() {
            return;
        }
        self.page
            .begin_text()
            .set_font(font.name(), size)
            .next_line(x, baseline)
            .show(Str(text))
            .end_text();
    }

    fn fill_rect(&mut self, x: f32, y: f32, w: f32, h: f32, rgb: (f32, f32, f32)) {
        self.page
            .save_state()
            .set_fill_rgb(rgb.0, rgb.1, rgb.2)
            .rect(x, y, w, h)
            .fill_nonzero()
            .restore_state();
    }

    fn line(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, gray: f32, width: f32) {
        self.page
            .save_state()
            .set_stroke_gray(gray)
            .set_line_width(width)
            .move_to(x1, y1)
            .line_to(x2, y2)
            .stroke()
            .restore_state();
    }

    /// A wrapped paragraph across the text width.
    fn paragraph(&mut self, s: &str, font: Font, size: f32) {
        let leading = size * 1.3;
        for l in wrap(&encode(s), font, size, WIDTH, usize::MAX) {
            self.ensure(leading);
            self.y -= leading;
            self.text(LEFT, self.y + size * 0.25, font, size, &l);
        }
    }

    /// A section heading, kept on a page with at least `keep` points after it.
    fn heading(&mut self, s: &str, keep: f32) {
        let size = 12.5;
        self.y -= 8.0;
        self.ensure(size * 1.6 + keep);
        self.y -= size * 1.3;
        self.text(LEFT, self.y + 3.0, Font::Bold, size, &encode(s));
        self.line(LEFT, self.y, RIGHT, self.y, 0.25, 1.2);
        self.y -= 4.0;
    }
}

/// One column: its heading, whether it holds numbers (right-aligned), and its width.
struct Col {
    head: Vec<u8>,
    numeric: bool,
    w: f32,
}

/// A table: its caption, columns, body rows and an optional bold total row.
struct Grid {
    caption: String,
    cols: Vec<Col>,
    rows: Vec<Vec<Vec<u8>>>,
    total: Option<Vec<Vec<u8>>>,
}

impl Grid {
    fn new(caption: &str, heads: &[(&str, bool)]) -> Grid {
        Grid {
            caption: caption.to_string(),
            cols: heads
                .iter()
                .map(|(h, numeric)| Col {
                    head: encode(h),
                    numeric: *numeric,
                    w: 0.0,
                })
                .collect(),
            rows: Vec::new(),
            total: None,
        }
    }

    fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells.iter().map(|c| encode(c)).collect());
    }

    /// Column widths: each column's widest cell (a heading counts by its widest word, as
    /// headings wrap). Numbers keep theirs; when everything does not fit, text columns keep
    /// at least their widest word (so words are not broken while there is room) and share the
    /// rest in proportion to what more they would take; when it fits, the spare width is spread
    /// in proportion.
    fn layout(&mut self) {
        let widest = |i: usize, words_only: bool| -> f32 {
            let head = self.cols[i]
                .head
                .split(|b| *b == b' ')
                .map(|w| width(w, Font::Bold, CELL))
                .fold(0.0, f32::max);
            let cells = self
                .rows
                .iter()
                .chain(self.total.iter())
                .filter_map(|r| r.get(i))
                .flat_map(|t| {
                    if words_only {
                        t.split(|b| *b == b' ').collect::<Vec<_>>()
                    } else {
                        vec![t.as_slice()]
                    }
                })
                .map(|t| width(t, Font::Bold, CELL))
                .fold(0.0, f32::max);
            head.max(cells) + 2.0 * PAD + 0.5
        };
        let n = self.cols.len();
        let natural: Vec<f32> = (0..n).map(|i| widest(i, false)).collect();
        // A text column's least width: its widest word, but never more than a quarter page.
        let least: Vec<f32> = (0..n)
            .map(|i| widest(i, true).min(WIDTH / 4.0).min(natural[i]))
            .collect();
        let is_numeric: Vec<bool> = self.cols.iter().map(|c| c.numeric).collect();
        let numeric = |i: usize| is_numeric[i];
        let fixed: f32 = (0..n).filter(|i| numeric(*i)).map(|i| natural[i]).sum();
        let flex_natural: f32 = (0..n).filter(|i| !numeric(*i)).map(|i| natural[i]).sum();
        let flex_least: f32 = (0..n).filter(|i| !numeric(*i)).map(|i| least[i]).sum();
        let total = fixed + flex_natural;
        let room = WIDTH - fixed;
        for i in 0..n {
            self.cols[i].w = if total <= WIDTH {
                natural[i] * WIDTH / total
            } else if numeric(i) && room >= flex_least {
                natural[i]
            } else if room >= flex_least && flex_natural > flex_least {
                least[i]
                    + (natural[i] - least[i]) * (room - flex_least) / (flex_natural - flex_least)
            } else {
                // Not even the words fit: everything shrinks alike and long words break.
                let least_total = fixed + flex_least;
                (if numeric(i) { natural[i] } else { least[i] }) * WIDTH / least_total
            };
        }
    }

    fn wrap_cells(&self, cells: &[Vec<u8>], font: Font) -> Vec<Vec<Vec<u8>>> {
        self.cols
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let t = cells.get(i).map_or(&[][..], Vec::as_slice);
                wrap(t, font, CELL, c.w - 2.0 * PAD, MAX_CELL_LINES)
            })
            .collect()
    }

    fn draw_row(
        &self,
        w: &mut Writer,
        lines: &[Vec<Vec<u8>>],
        font: Font,
        fill: Option<(f32, f32, f32)>,
    ) {
        let leading = CELL * 1.2;
        let n = lines.iter().map(Vec::len).max().unwrap_or(1).max(1);
        let h = n as f32 * leading + 2.0 * PAD;
        let top = w.y;
        if let Some(rgb) = fill {
            w.fill_rect(LEFT, top - h, WIDTH.min(self.width()), h, rgb);
        }
        let mut x = LEFT;
        for (c, cell) in self.cols.iter().zip(lines) {
            for (k, l) in cell.iter().enumerate() {
                let baseline = top - PAD - CELL * 0.95 - k as f32 * leading;
                let tx = if c.numeric {
                    x + c.w - PAD - width(l, font, CELL)
                } else {
                    x + PAD
                };
                w.text(tx, baseline, font, CELL, l);
            }
            x += c.w;
        }
        // Cell borders: the row's box and the lines between columns.
        let bottom = top - h;
        w.line(LEFT, bottom, LEFT + self.width(), bottom, 0.6, 0.5);
        w.line(LEFT, top, LEFT + self.width(), top, 0.6, 0.5);
        let mut x = LEFT;
        w.line(x, top, x, bottom, 0.6, 0.5);
        for c in &self.cols {
            x += c.w;
            w.line(x, top, x, bottom, 0.6, 0.5);
        }
        w.y = bottom;
    }

    fn width(&self) -> f32 {
        self.cols.iter().map(|c| c.w).sum()
    }

    fn row_height(lines: &[Vec<Vec<u8>>]) -> f32 {
        let n = lines.iter().map(Vec::len).max().unwrap_or(1).max(1);
        n as f32 * CELL * 1.2 + 2.0 * PAD
    }

    /// The caption and heading row.
    fn draw_head(&self, w: &mut Writer, caption: &str) {
        w.y -= 13.0;
        w.text(
            LEFT,
            w.y + 3.0,
            Font::Bold,
            9.5,
            &truncate(&encode(caption), Font::Bold, 9.5, WIDTH),
        );
        let heads: Vec<Vec<u8>> = self.cols.iter().map(|c| c.head.clone()).collect();
        let lines = self.wrap_cells(&heads, Font::Bold);
        self.draw_row(w, &lines, Font::Bold, Some(HEAD_FILL));
    }

    /// Draws the table, breaking pages between rows and repeating the caption (continued) and
    /// heading row on each new page.
    fn draw(mut self, w: &mut Writer, t: &FiguresText) {
        self.layout();
        let heads: Vec<Vec<u8>> = self.cols.iter().map(|c| c.head.clone()).collect();
        let head_h = 13.0 + Self::row_height(&self.wrap_cells(&heads, Font::Bold));
        let body: Vec<(Vec<Vec<Vec<u8>>>, bool)> = self
            .rows
            .iter()
            .map(|r| (self.wrap_cells(r, Font::Regular), false))
            .chain(
                self.total
                    .iter()
                    .map(|r| (self.wrap_cells(r, Font::Bold), true)),
            )
            .collect();
        w.y -= 6.0;
        let first = body.first().map_or(0.0, |(l, _)| Self::row_height(l));
        w.ensure(head_h + first);
        self.draw_head(w, &self.caption);
        for (lines, total) in &body {
            if w.ensure(Self::row_height(lines)) {
                self.draw_head(w, &fill(t.continued, &self.caption));
            }
            if *total {
                self.draw_row(w, lines, Font::Bold, Some(TOTAL_FILL));
            } else {
                self.draw_row(w, lines, Font::Regular, None);
            }
        }
    }
}

fn row_key(table: &Table, r: &Row, t: &FiguresText) -> String {
    if table.by == By::Unit && r.key == "office" {
        t.unit_office.to_string()
    } else if table.by == By::Visit && r.key.is_empty() {
        t.visit_none.to_string()
    } else {
        r.key.clone()
    }
}

/// One grouping's table, with the columns of the HTML report's.
fn figures_grid(table: &Table, t: &FiguresText) -> Grid {
    let (caption, col) = head_label(table.by, t);
    let desa = table.by == By::Desa;
    let shift = table.by == By::Operator && table.rows.iter().any(|r| !r.sub.is_empty());
    let mut heads: Vec<(&str, bool)> = Vec::new();
    if desa {
        heads.push((t.col_kecamatan, false));
    }
    heads.push((col, false));
    if shift {
        heads.push((t.col_shift, false));
    }
    for h in group_columns(t) {
        heads.push((h, true));
    }
    let mut g = Grid::new(caption, &heads);
    let numbers = |r: &Row| -> Vec<String> {
        let exc = if r.exceptions > 0 {
            format!("{} ({})", r.exceptions, reasons(r, t))
        } else {
            "0".into()
        };
        let m = minutes(r.median_ms);
        vec![
            r.started.to_string(),
            r.finalized.to_string(),
            r.first_time_voters.to_string(),
            r.delivered.to_string(),
            r.rejected.to_string(),
            exc,
            r.forced.to_string(),
            if m.is_empty() { "–".into() } else { m },
            r.cards_printed.to_string(),
            r.cards_collected.to_string(),
        ]
    };
    for r in &table.rows {
        let mut cells = Vec::new();
        if desa {
            cells.push(r.sub.clone());
        }
        cells.push(row_key(table, r, t));
        if shift {
            cells.push(r.sub.clone());
        }
        cells.extend(numbers(r));
        g.row(cells);
    }
    let mut total = vec![t.total.to_string()];
    if desa || shift {
        total.push(String::new());
    }
    total.extend(numbers(&table.total));
    g.total = Some(total.iter().map(|c| encode(c)).collect());
    g
}

/// The per-day bar chart, as in the HTML report: a bar per day, its value above it, the day
/// under it (every seventh when there are many), and an axis at 0, half and a round maximum.
fn days_chart(w: &mut Writer, f: &PeriodFigures, t: &FiguresText) {
    let series: Vec<(String, u64)> = f
        .tables
        .iter()
        .find(|x| x.by == By::Day)
        .map(|x| {
            x.rows
                .iter()
                .map(|r| (r.key.clone(), r.finalized))
                .collect()
        })
        .unwrap_or_default();
    let h = 150.0;
    w.y -= 6.0;
    w.ensure(h + 30.0);
    w.y -= 12.0;
    w.text(
        LEFT,
        w.y + 2.0,
        Font::Bold,
        9.5,
        &encode(t.chart_days_title),
    );
    let (left, bottom_pad, top_pad) = (28.0, 16.0, 12.0);
    let base = w.y - h + bottom_pad;
    let plot_h = h - bottom_pad - top_pad;
    let plot_w = WIDTH - left;
    let max = nice_max(series.iter().map(|s| s.1).max().unwrap_or(0));
    for tick in [0, max / 2, max] {
        let y = base + plot_h * tick as f32 / max as f32;
        w.line(LEFT + left, y, RIGHT, y, 0.55, 0.4);
        let label = encode(&tick.to_string());
        let lw = width(&label, Font::Regular, 7.0);
        w.text(LEFT + left - 4.0 - lw, y - 2.5, Font::Regular, 7.0, &label);
    }
    let n = series.len().max(1);
    let slot = plot_w / n as f32;
    let bar = (slot * 0.7).clamp(0.5, 28.0);
    let every = if n <= 16 { 1 } else { 7 };
    for (i, (label, v)) in series.iter().enumerate() {
        let bh = plot_h * *v as f32 / max as f32;
        let x = LEFT + left + slot * i as f32 + (slot - bar) / 2.0;
        let cx = x + bar / 2.0;
        if *v > 0 {
            w.fill_rect(x, base, bar, bh, INK);
        }
        if n <= 31 && *v > 0 {
            let s = encode(&v.to_string());
            let sw = width(&s, Font::Regular, 6.5);
            w.text(cx - sw / 2.0, base + bh + 2.0, Font::Regular, 6.5, &s);
        }
        if i % every == 0 {
            let short = label
                .get(8..10)
                .zip(label.get(5..7))
                .map_or_else(|| label.clone(), |(d, m)| format!("{d}/{m}"));
            let s = encode(&short);
            let sw = width(&s, Font::Regular, 6.5);
            w.text(cx - sw / 2.0, base - 9.0, Font::Regular, 6.5, &s);
        }
    }
    w.line(LEFT + left, base, RIGHT, base, 0.2, 0.8);
    w.y -= h;
    w.paragraph(t.chart_days_desc, Font::Regular, 7.0);
}

/// The coverage chart: a bar per kecamatan, recorded dark and the rest light, with the
/// percentage, recorded/obliged and what remains beside it.
fn coverage_chart(w: &mut Writer, f: &PeriodFigures, t: &FiguresText) {
    let row_h = 14.0;
    let (label_w, text_w) = (120.0, 125.0);
    let bar_w = WIDTH - label_w - text_w;
    w.y -= 6.0;
    w.ensure(14.0 + row_h * 2.0);
    w.y -= 12.0;
    w.text(
        LEFT,
        w.y + 2.0,
        Font::Bold,
        9.5,
        &encode(t.chart_coverage_title),
    );
    w.y -= 4.0;
    for c in &f.coverage_kecamatan {
        w.ensure(row_h);
        let top = w.y;
        let share = if c.obliged == 0 {
            0.0
        } else {
            (c.recorded as f32 / c.obliged as f32).min(1.0)
        };
        let label = truncate(&encode(&c.kecamatan), Font::Regular, 7.5, label_w - 6.0);
        let lw = width(&label, Font::Regular, 7.5);
        w.text(
            LEFT + label_w - 6.0 - lw,
            top - 9.5,
            Font::Regular,
            7.5,
            &label,
        );
        w.fill_rect(LEFT + label_w, top - 12.0, bar_w, 10.0, LIGHT);
        if share > 0.0 {
            w.fill_rect(LEFT + label_w, top - 12.0, bar_w * share, 10.0, INK);
        }
        let pct = percent(c.recorded, c.obliged).unwrap_or_else(|| "–".into());
        let left = c.obliged.saturating_sub(c.recorded);
        let s = encode(&format!("{pct}% · {}/{} (-{left})", c.recorded, c.obliged));
        let s = truncate(&s, Font::Regular, 7.5, text_w - 6.0);
        w.text(
            LEFT + label_w + bar_w + 6.0,
            top - 9.5,
            Font::Regular,
            7.5,
            &s,
        );
        w.y -= row_h;
    }
    w.paragraph(t.chart_coverage_desc, Font::Regular, 7.0);
}

fn coverage(w: &mut Writer, f: &PeriodFigures, t: &FiguresText) {
    w.heading(t.coverage_title, 40.0);
    w.paragraph(t.coverage_intro, Font::Regular, BODY);
    if f.coverage.is_empty() {
        w.paragraph(t.no_worklist, Font::Regular, BODY);
        return;
    }
    coverage_chart(w, f, t);
    for (by_desa, list, caption) in [
        (false, &f.coverage_kecamatan, t.by_kecamatan),
        (true, &f.coverage, t.by_desa),
    ] {
        let mut heads = vec![(t.col_kecamatan, false)];
        if by_desa {
            heads.push((t.col_desa, false));
        }
        for h in coverage_columns(t) {
            heads.push((h, true));
        }
        let mut g = Grid::new(&format!("{} — {}", t.coverage_title, caption), &heads);
        for c in list.iter() {
            let mut cells = vec![c.kecamatan.clone()];
            if by_desa {
                cells.push(c.desa.clone());
            }
            cells.extend([
                c.listed.to_string(),
                c.obliged.to_string(),
                c.recorded.to_string(),
                c.backlog.to_string(),
                percent(c.recorded, c.obliged).map_or("–".into(), |p| format!("{p}%")),
                c.deceased.to_string(),
                c.moved_away.to_string(),
                c.not_found.to_string(),
            ]);
            g.row(cells);
        }
        g.draw(w, t);
    }
}

fn problems(w: &mut Writer, f: &PeriodFigures, t: &FiguresText) {
    w.heading(t.problems_title, 40.0);
    w.paragraph(t.problems_intro, Font::Regular, BODY);
    if f.problems.is_empty() {
        w.paragraph(t.problems_none, Font::Regular, BODY);
        return;
    }
    let mut g = Grid::new(
        t.problems_title,
        &[
            (t.col_kecamatan, false),
            (t.col_desa, false),
            (t.col_name, false),
            (t.col_nik, false),
            (t.col_address, false),
            (t.col_outcome, false),
            (t.col_note, false),
        ],
    );
    for p in &f.problems {
        let outcome = outcome_words(t, &p.outcome);
        g.row(vec![
            p.kecamatan.clone(),
            p.desa.clone(),
            p.name.clone(),
            p.nik.clone().unwrap_or_else(|| "–".into()),
            p.address.clone(),
            outcome.to_string(),
            p.note.clone().unwrap_or_default(),
        ]);
    }
    g.draw(w, t);
}

/// The report as PDF bytes (unsigned; it ends with `%%EOF`).
pub fn render_pdf(meta: &ReportMeta, f: &PeriodFigures) -> Vec<u8> {
    let t = FiguresText::for_lang(meta.lang);
    let (title, period) = title_and_period(meta, f);
    let mut w = Writer::new();
    let heading = format!("{title}: {}", meta.office);
    for l in wrap(&encode(&heading), Font::Bold, 16.0, WIDTH, 3) {
        w.y -= 19.0;
        w.text(LEFT, w.y + 4.0, Font::Bold, 16.0, &l);
    }
    w.y -= 4.0;
    for (label, value) in [
        (t.office, meta.office.as_str()),
        (t.period, period.as_str()),
        (t.workstation, meta.workstation_id.as_str()),
        (t.signing_key, meta.key_id.as_str()),
        (t.generated, meta.generated.as_str()),
    ] {
        let l = encode(&format!("{label}:"));
        let value_x = 110.0;
        w.y -= BODY * 1.35;
        w.text(LEFT, w.y, Font::Bold, BODY, &l);
        let v = truncate(&encode(value), Font::Regular, BODY, WIDTH - value_x);
        w.text(LEFT + value_x, w.y, Font::Regular, BODY, &v);
    }
    w.y -= 4.0;
    let total = f.tables.first().map(|x| &x.total);
    if total.is_none_or(|x| x.started + x.finalized + x.delivered + x.rejected == 0) {
        w.paragraph(t.nothing, Font::Bold, BODY);
    }
    days_chart(&mut w, f, t);
    for table in &f.tables {
        figures_grid(table, t).draw(&mut w, t);
    }
    coverage(&mut w, f, t);
    problems(&mut w, f, t);
    w.heading(t.signature_title, 30.0);
    w.paragraph(
        &fill2(t.signature_text, &meta.workstation_id, &meta.key_id),
        Font::Regular,
        BODY,
    );
    w.new_page();
    assemble(w.pages, &format!("{title} — {} — {period}", meta.office), t)
}

/// The document around the pages' content: fonts, page tree, catalog and info, each page
/// footed with the report's title and its number.
fn assemble(pages: Vec<Content>, title: &str, t: &FiguresText) -> Vec<u8> {
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let regular = Ref::new(3);
    let bold = Ref::new(4);
    let info = Ref::new(5);
    let first = 6;
    let count = pages.len();
    let page_ref = |i: usize| Ref::new(first + 2 * i as i32);
    let content_ref = |i: usize| Ref::new(first + 2 * i as i32 + 1);

    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree)
        .kids((0..count).map(page_ref))
        .count(count as i32);
    for (id, name) in [
        (regular, b"Helvetica".as_slice()),
        (bold, b"Helvetica-Bold".as_slice()),
    ] {
        pdf.type1_font(id)
            .base_font(Name(name))
            .encoding_predefined(Name(b"WinAnsiEncoding"));
    }
    pdf.document_info(info)
        .title(TextStr(title))
        .producer(TextStr("rekam"));
    let foot = encode(title);
    let foot = truncate(&foot, Font::Regular, 7.0, WIDTH * 0.7);
    for (i, mut content) in pages.into_iter().enumerate() {
        let number = encode(&fill2(t.page_of, i + 1, count));
        let nw = width(&number, Font::Regular, 7.5);
        let y = MARGIN - 2.0;
        content
            .begin_text()
            .set_font(Font::Regular.name(), 7.0)
            .next_line(LEFT, y)
            .show(Str(&foot))
            .end_text();
        content
            .begin_text()
            .set_font(Font::Regular.name(), 7.5)
            .next_line(RIGHT - nw, y)
            .show(Str(&number))
            .end_text();
        let bytes = content.finish();
        let mut page = pdf.page(page_ref(i));
        page.parent(tree)
            .media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H))
            .contents(content_ref(i));
        page.resources()
            .fonts()
            .pair(Font::Regular.name(), regular)
            .pair(Font::Bold.name(), bold);
        page.finish();
        pdf.stream(content_ref(i), &bytes);
    }
    pdf.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_outside_windows_1252_becomes_a_question_mark() {
        assert_eq!(encode("Ñ – €"), vec![0xd1, b' ', 0x96, b' ', 0x80]);
        assert_eq!(
            encode("ऄ\u{7}\u{81}→a"),
            b"???".iter().chain(b"?a").copied().collect::<Vec<_>>()
        );
    }

    #[test]
    fn widths_follow_the_helvetica_metrics() {
        // "Hi" = H 722 + i 222 in regular; 722 + 278 in bold.
        assert!((width(b"Hi", Font::Regular, 10.0) - 9.44).abs() < 1e-4);
        assert!((width(b"Hi", Font::Bold, 10.0) - 10.0).abs() < 1e-4);
    }

    #[test]
    fn a_long_cell_wraps_within_its_width_and_ends_with_an_ellipsis_when_cut() {
        let text = encode(
            "Jalan Panjang Sekali Nomor Seratus Dua Puluh Tiga RT 001 RW 002 Kelurahan Contoh",
        );
        let lines = wrap(&text, Font::Regular, 7.0, 60.0, 3);
        assert_eq!(lines.len(), 3);
        assert!(lines.iter().all(|l| width(l, Font::Regular, 7.0) <= 60.0));
        assert_eq!(lines[2].last(), Some(&ELLIPSIS));
        let short = wrap(b"Gambir", Font::Regular, 7.0, 60.0, 3);
        assert_eq!(short, vec![b"Gambir".to_vec()]);
        let word = wrap(b"3171012001999999", Font::Regular, 7.0, 20.0, 10);
        assert!(word.len() > 1 && word.iter().all(|l| width(l, Font::Regular, 7.0) <= 20.0));
    }
}
