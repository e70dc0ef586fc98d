//! Charts as inline SVG text, drawn here (no chart library): bars per day and coverage bars per
//! kecamatan.
//!
//! Contract: the output is one `<svg role="img">` element labelled by its own `<title>` and
//! `<desc>` (ids prefixed with the caller's `id`, so several charts share a page), every text
//! escaped, sizes fixed in the viewBox so the chart scales with the page and prints. The numbers
//! are also in the page's tables; the chart is never the only place they are.

use std::fmt::Write;

/// Escapes text for HTML and SVG content and attributes.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const INK: &str = "#1d3557";
const LIGHT: &str = "#cdd7e4";
const GRID: &str = "#8a8a8a";

/// A "nice" axis maximum at or above `max` (1, 2 or 5 times a power of ten).
pub(super) fn nice_max(max: u64) -> u64 {
    let mut step = 1u64;
    loop {
        for m in [1, 2, 5] {
            if step.saturating_mul(m) >= max.max(1) {
                return step * m;
            }
        }
        step = step.saturating_mul(10);
    }
}

fn open(out: &mut String, id: &str, w: u32, h: u32, title: &str, desc: &str) {
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" role=\"img\" viewBox=\"0 0 {w} {h}\" \
         aria-labelledby=\"{id}-title {id}-desc\" font-family=\"sans-serif\" font-size=\"12\">\
         <title id=\"{id}-title\">{}</title><desc id=\"{id}-desc\">{}</desc>",
        esc(title),
        esc(desc)
    );
}

/// Vertical bars, one per `(label, value)` (a day), with a value above each bar and every
/// label under it when there is room (every seventh otherwise).
pub fn bars(id: &str, title: &str, desc: &str, series: &[(String, u64)]) -> String {
    let (w, h) = (720u32, 240u32);
    let (left, right, top, bottom) = (40.0, 10.0, 16.0, 40.0);
    let mut out = String::new();
    open(&mut out, id, w, h, title, desc);
    let max = nice_max(series.iter().map(|s| s.1).max().unwrap_or(0));
    let plot_w = f64::from(w) - left - right;
    let plot_h = f64::from(h) - top - bottom;
    let base = top + plot_h;
    for tick in [0, max / 2, max] {
        let y = base - plot_h * tick as f64 / max as f64;
        let _ = write!(
            out,
            "<line x1=\"{left}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"{GRID}\" stroke-width=\"0.5\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#333\">{tick}</text>",
            left + plot_w,
            left - 4.0,
            y + 4.0
        );
    }
    let n = series.len().max(1);
    let slot = plot_w / n as f64;
    // A lone day is not a wall of ink: bars are at most 48 units wide.
    let bar = (slot * 0.7).clamp(1.0, 48.0);
    let every = if n <= 16 { 1 } else { 7 };
    for (i, (label, v)) in series.iter().enumerate() {
        let bh = plot_h * *v as f64 / max as f64;
        let x = left + slot * i as f64 + (slot - bar) / 2.0;
        let cx = x + bar / 2.0;
        let _ = write!(
            out,
            "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{bar:.1}\" height=\"{bh:.1}\" fill=\"{INK}\"><title>{}: {v}</title></rect>",
            base - bh,
            esc(label)
        );
        if n <= 31 && *v > 0 {
            let _ = write!(
                out,
                "<text x=\"{cx:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"10\" fill=\"#111\">{v}</text>",
                base - bh - 3.0
            );
        }
        if i % every == 0 {
            // Days are shown as day/month to fit under the bars.
            let short = label
                .get(8..10)
                .zip(label.get(5..7))
                .map_or_else(|| label.clone(), |(d, m)| format!("{d}/{m}"));
            let _ = write!(
                out,
                "<text x=\"{cx:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"10\" fill=\"#333\">{}</text>",
                base + 14.0,
                esc(&short)
            );
        }
    }
    let _ = write!(
        out,
        "<line x1=\"{left}\" y1=\"{base:.1}\" x2=\"{:.1}\" y2=\"{base:.1}\" stroke=\"#333\"/></svg>",
        left + plot_w
    );
    out
}

/// Horizontal bars, one per `(label, recorded, obliged)`: recorded dark, the rest light, and
/// the percentage and remaining count beside each.
pub fn coverage(id: &str, title: &str, desc: &str, rows: &[(String, u64, u64)]) -> String {
    let row_h = 26.0;
    let (label_w, bar_w, text_w) = (170.0, 380.0, 170.0);
    let w = label_w + bar_w + text_w;
    let h = 10.0 + row_h * rows.len().max(1) as f64;
    let mut out = String::new();
    open(&mut out, id, w as u32, h as u32, title, desc);
    for (i, (label, recorded, obliged)) in rows.iter().enumerate() {
        let y = 6.0 + row_h * i as f64;
        let share = if *obliged == 0 {
            0.0
        } else {
            (*recorded as f64 / *obliged as f64).min(1.0)
        };
        let pct = super::percent(*recorded, *obliged).unwrap_or_else(|| "–".into());
        let left = obliged.saturating_sub(*recorded);
        let _ = write!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#111\">{}</text>\
             <rect x=\"{label_w}\" y=\"{y:.1}\" width=\"{bar_w}\" height=\"16\" fill=\"{LIGHT}\"/>\
             <rect x=\"{label_w}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"16\" fill=\"{INK}\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" fill=\"#111\">{pct}% · {recorded}/{obliged} (−{left})</text>",
            label_w - 6.0,
            y + 12.0,
            esc(label),
            bar_w * share,
            label_w + bar_w + 6.0,
            y + 12.0,
        );
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_is_labelled_and_escapes_its_text() {
        let s = bars(
            "d",
            "Per <hari>",
            "desc",
            &[("2026-12-01".into(), 3), ("2026-12-02".into(), 0)],
        );
        assert!(s.starts_with("<svg") && s.ends_with("</svg>"));
        assert!(s.contains("aria-labelledby=\"d-title d-desc\""));
        assert!(s.contains("Per &lt;hari&gt;"));
        assert!(s.contains(">01/12<") && s.contains("2026-12-01: 3"));
        let c = coverage("c", "t", "d", &[("Cibinong & co".into(), 3, 4)]);
        assert!(c.contains("Cibinong &amp; co") && c.contains("75.0% · 3/4 (−1)"));
    }

    #[test]
    fn the_axis_ends_at_a_round_number() {
        assert_eq!(nice_max(0), 1);
        assert_eq!(nice_max(7), 10);
        assert_eq!(nice_max(13), 20);
        assert_eq!(nice_max(48), 50);
    }
}
