//! The two-hand diagram of the fingers screen: inline SVG of both hands palms down, as the
//! operator sees them, each finger a link (reachable with Tab, followed with Enter) named in
//! words and marked by its state in colour *and* a glyph, with a text legend beside it.
//!
//! Contract: pure; [`states`] reads a session summary into one [`FingerState`] per position
//! and [`render`] turns ten states into markup, escaping every value it writes. Fingers come in
//! anatomical order on screen and in the tab order: left little to left thumb, then right thumb to
//! right little.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use rekam_protocol::model::ExceptionReason;

use super::super::fingers_text::FingersText;
use crate::workflow::FingerSummary;

/// The positions in screen order: left hand little to thumb, then right hand thumb to little.
pub const SCREEN_ORDER: [u8; 10] = [10, 9, 8, 7, 6, 1, 2, 3, 4, 5];

/// What the diagram shows for one finger.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FingerState {
    /// Nothing taken yet.
    Pending,
    /// Taken below the gate; more attempts allowed.
    Retake {
        /// Best score so far.
        score: u8,
        /// Attempts left before the best is kept as forced.
        attempts_left: u8,
    },
    /// Met the gate.
    Accepted {
        /// Its score.
        score: u8,
    },
    /// Kept below the gate after the last attempt.
    Forced {
        /// The kept score.
        score: u8,
    },
    /// Recorded as an exception.
    Exception {
        /// Why.
        reason: ExceptionReason,
    },
    /// The last attempt was refused: the print matches another finger already taken.
    Refused {
        /// The position it matches.
        matches: u8,
    },
}

impl FingerState {
    fn class(self) -> &'static str {
        match self {
            FingerState::Pending => "f-pending",
            FingerState::Retake { .. } => "f-retake",
            FingerState::Accepted { .. } => "f-accepted",
            FingerState::Forced { .. } => "f-forced",
            FingerState::Exception { .. } => "f-exception",
            FingerState::Refused { .. } => "f-refused",
        }
    }

    /// The glyph drawn on the finger, so colour is never the only signal (an exception is
    /// crossed out with lines instead).
    fn glyph(self) -> String {
        match self {
            FingerState::Pending => "·".into(),
            FingerState::Retake { score, .. } => format!("↻{score}"),
            FingerState::Accepted { score } => format!("✓{score}"),
            FingerState::Forced { score } => format!("!{score}"),
            FingerState::Exception { .. } => String::new(),
            FingerState::Refused { .. } => "≠".into(),
        }
    }
}

/// One state per position (1-10) from a session summary; `max_attempts` is the policy's limit.
pub fn states(
    fingers: &BTreeMap<u8, FingerSummary>,
    max_attempts: u8,
) -> BTreeMap<u8, FingerState> {
    (1..=10u8)
        .map(|code| {
            let state = match fingers.get(&code) {
                None | Some(FingerSummary::Pending) => FingerState::Pending,
                Some(FingerSummary::Exception { reason, .. }) => {
                    FingerState::Exception { reason: *reason }
                }
                Some(FingerSummary::Captured(c)) => {
                    let score = c.score.unwrap_or(0);
                    if c.done && c.forced {
                        FingerState::Forced { score }
                    } else if c.done {
                        FingerState::Accepted { score }
                    } else if c.tries > 0 {
                        FingerState::Retake {
                            score,
                            attempts_left: max_attempts.saturating_sub(c.tries),
                        }
                    } else {
                        FingerState::Pending
                    }
                }
            };
            (code, state)
        })
        .collect()
}

/// The finger's name in the catalogue's language ("Jari telunjuk kanan").
pub fn finger_name(t: &FingersText, code: u8) -> &'static str {
    match code {
        1 => t.finger_1,
        2 => t.finger_2,
        3 => t.finger_3,
        4 => t.finger_4,
        5 => t.finger_5,
        6 => t.finger_6,
        7 => t.finger_7,
        8 => t.finger_8,
        9 => t.finger_9,
        _ => t.finger_10,
    }
}

/// The exception reason in words.
pub fn reason_words(t: &FingersText, reason: ExceptionReason) -> &'static str {
    match reason {
        ExceptionReason::Amputated => t.reason_amputated,
        ExceptionReason::Bandaged => t.reason_bandaged,
        ExceptionReason::UnableToPrint => t.reason_unable,
    }
}

/// Fills each `{}` of `pattern` with the next of `args`, in order.
pub fn fill(pattern: &str, args: &[&str]) -> String {
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut rest = pattern;
    let mut args = args.iter();
    while let Some(at) = rest.find("{}") {
        out.push_str(&rest[..at]);
        out.push_str(args.next().copied().unwrap_or(""));
        rest = &rest[at + 2..];
    }
    out.push_str(rest);
    out
}

/// The finger's accessible name: its name and its state in words, e.g.
/// "Jari telunjuk kanan — NFIQ 2: 62, diterima".
pub fn accessible_name(t: &FingersText, code: u8, state: FingerState, asked: bool) -> String {
    let name = finger_name(t, code);
    let base = match state {
        FingerState::Pending => fill(
            t.name_state,
            &[
                name,
                if asked {
                    t.state_asked
                } else {
                    t.state_pending
                },
            ],
        ),
        FingerState::Retake { score, .. } => fill(
            t.name_score_state,
            &[name, &score.to_string(), t.state_retake],
        ),
        FingerState::Accepted { score } => fill(
            t.name_score_state,
            &[name, &score.to_string(), t.state_accepted],
        ),
        FingerState::Forced { score } => fill(
            t.name_score_state,
            &[name, &score.to_string(), t.state_forced],
        ),
        FingerState::Exception { reason } => {
            fill(t.name_exception, &[name, reason_words(t, reason)])
        }
        FingerState::Refused { matches } => fill(
            t.name_refused,
            &[name, &finger_name(t, matches).to_lowercase()],
        ),
    };
    if asked && !matches!(state, FingerState::Pending) {
        format!("{base}, {}", t.state_asked)
    } else {
        base
    }
}

/// Escapes text for HTML and SVG content and attribute values.
pub fn escape(s: &str) -> String {
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

/// A finger's outline: a rounded bar from `top` down into the palm, turned by `angle` degrees
/// about the middle of its base (thumbs lean towards the other hand).
struct Shape {
    x: i32,
    top: i32,
    width: i32,
    bottom: i32,
    angle: i32,
}

const WIDTH: i32 = 640;

/// The right hand's fingers by position (thumb, index, middle, ring, little); the left hand is
/// its mirror image.
fn right_shape(code: u8) -> Shape {
    match code {
        1 => Shape {
            x: 377,
            top: 138,
            width: 46,
            bottom: 252,
            angle: -36,
        },
        2 => Shape {
            x: 390,
            top: 62,
            width: 44,
            bottom: 206,
            angle: 0,
        },
        3 => Shape {
            x: 438,
            top: 44,
            width: 44,
            bottom: 206,
            angle: 0,
        },
        4 => Shape {
            x: 486,
            top: 62,
            width: 44,
            bottom: 206,
            angle: 0,
        },
        _ => Shape {
            x: 534,
            top: 98,
            width: 42,
            bottom: 206,
            angle: 0,
        },
    }
}

fn shape(code: u8) -> Shape {
    if code <= 5 {
        return right_shape(code);
    }
    let s = right_shape(code - 5);
    Shape {
        x: WIDTH - s.x - s.width,
        angle: -s.angle,
        ..s
    }
}

/// The diagram: a `<figure>` with the SVG of both hands and its text legend. Each finger links
/// to `href(position)`; `asked` marks the fingers the next capture asks for.
pub fn render(
    t: &FingersText,
    states: &BTreeMap<u8, FingerState>,
    asked: &[u8],
    href: impl Fn(u8) -> String,
) -> String {
    let mut svg = String::with_capacity(8 * 1024);
    let _ = write!(
        svg,
        r#"<figure class="hands"><svg class="hands-svg" viewBox="0 0 {WIDTH} 330" role="group" aria-label="{}">"#,
        escape(t.diagram_label)
    );
    for (hand, palm_x, codes) in [
        (t.left_hand, 64, &SCREEN_ORDER[..5]),
        (t.right_hand, 388, &SCREEN_ORDER[5..]),
    ] {
        let _ = write!(
            svg,
            r#"<g class="hand" role="group" aria-label="{}">"#,
            escape(hand)
        );
        for &code in codes {
            let state = states.get(&code).copied().unwrap_or(FingerState::Pending);
            finger(&mut svg, t, code, state, asked.contains(&code), &href(code));
        }
        // The palm after the fingers, so it covers their bases.
        let _ = write!(
            svg,
            r#"<rect class="palm" aria-hidden="true" x="{palm_x}" y="180" width="188" height="112" rx="34"/><text class="hand-name" aria-hidden="true" x="{}" y="318" text-anchor="middle">{}</text></g>"#,
            palm_x + 94,
            escape(hand)
        );
    }
    svg.push_str("</svg>");
    svg.push_str(&legend(t));
    svg.push_str("</figure>");
    svg
}

fn finger(
    svg: &mut String,
    t: &FingersText,
    code: u8,
    state: FingerState,
    asked: bool,
    href: &str,
) {
    let s = shape(code);
    let name = escape(&accessible_name(t, code, state, asked));
    let height = s.bottom - s.top;
    let cx = s.x + s.width / 2;
    let asked_class = if asked { " f-asked" } else { "" };
    let _ = write!(
        svg,
        r#"<a class="finger {}{asked_class}" href="{}" aria-label="{name}" data-position="{code}"><title>{name}</title><g transform="rotate({} {cx} {})"><rect class="finger-shape" x="{}" y="{}" width="{}" height="{height}" rx="{}"/>"#,
        state.class(),
        escape(href),
        s.angle,
        s.bottom,
        s.x,
        s.top,
        s.width,
        s.width / 2,
    );
    if matches!(state, FingerState::Exception { .. }) {
        // Crossed out: an X over the fingertip, drawn in the outline colour.
        let (l, r) = (s.x + 6, s.x + s.width - 6);
        let (a, b) = (s.top + 10, s.top + 10 + (r - l));
        let _ = write!(
            svg,
            r#"<line class="cross" x1="{l}" y1="{a}" x2="{r}" y2="{b}"/><line class="cross" x1="{r}" y1="{a}" x2="{l}" y2="{b}"/>"#
        );
    } else {
        let _ = write!(
            svg,
            r#"<text class="glyph" x="{cx}" y="{}" text-anchor="middle" aria-hidden="true">{}</text>"#,
            s.top + 34,
            escape(&state.glyph())
        );
    }
    svg.push_str("</g></a>");
}

/// The legend in words: each state's swatch, glyph and meaning.
fn legend(t: &FingersText) -> String {
    let rows: [(&str, &str, &str); 7] = [
        ("f-pending", "·", t.state_pending),
        ("f-pending f-asked", "·", t.state_asked),
        ("f-accepted", "✓", t.state_accepted),
        ("f-retake", "↻", t.state_retake),
        ("f-forced", "!", t.state_forced),
        ("f-exception", "✕", t.state_exception),
        ("f-refused", "≠", t.state_refused),
    ];
    let mut out = format!(
        r#"<figcaption class="hands-legend"><p class="legend-title">{}</p><ul>"#,
        escape(t.legend_title)
    );
    for (class, glyph, words) in rows {
        let _ = write!(
            out,
            r#"<li><svg class="swatch" viewBox="0 0 20 20" aria-hidden="true" focusable="false"><rect class="finger-shape {class}" x="2" y="2" width="16" height="16" rx="4"/></svg><span class="legend-glyph" aria-hidden="true">{glyph}</span> {}</li>"#,
            escape(words)
        );
    }
    let _ = write!(
        out,
        "</ul><p class=\"legend-hint\">{}</p></figcaption>",
        escape(t.diagram_hint)
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workflow::CaptureSummary;

    fn captured(score: u8, tries: u8, done: bool, forced: bool) -> FingerSummary {
        FingerSummary::Captured(CaptureSummary {
            score: Some(score),
            tries,
            done,
            forced,
        })
    }

    fn all_pending() -> BTreeMap<u8, FingerState> {
        (1..=10).map(|c| (c, FingerState::Pending)).collect()
    }

    #[test]
    fn a_summary_reads_as_pending_retake_accepted_forced_and_exception() {
        let mut fingers: BTreeMap<u8, FingerSummary> =
            (1..=10).map(|c| (c, FingerSummary::Pending)).collect();
        fingers.insert(2, captured(62, 1, true, false));
        fingers.insert(3, captured(31, 1, false, false));
        fingers.insert(4, captured(33, 3, true, true));
        fingers.insert(
            5,
            FingerSummary::Exception {
                reason: ExceptionReason::Amputated,
                photo: false,
            },
        );
        let s = states(&fingers, 3);
        assert_eq!(s[&1], FingerState::Pending);
        assert_eq!(s[&2], FingerState::Accepted { score: 62 });
        assert_eq!(
            s[&3],
            FingerState::Retake {
                score: 31,
                attempts_left: 2
            }
        );
        assert_eq!(s[&4], FingerState::Forced { score: 33 });
        assert_eq!(
            s[&5],
            FingerState::Exception {
                reason: ExceptionReason::Amputated
            }
        );
    }

    #[test]
    fn the_fingers_come_left_little_to_left_thumb_then_right_thumb_to_right_little() {
        let html = render(FingersText::EN, &all_pending(), &[], |c| format!("/f/{c}"));
        let order: Vec<u8> = html
            .match_indices("data-position=\"")
            .map(|(i, m)| {
                let rest = &html[i + m.len()..];
                rest[..rest.find('"').expect("closing quote")]
                    .parse()
                    .expect("a position")
            })
            .collect();
        assert_eq!(order, SCREEN_ORDER.to_vec());
        // On screen too: each finger's shape starts right of the one before it.
        let xs: Vec<i32> = SCREEN_ORDER.iter().map(|c| shape(*c).x).collect();
        assert!(xs.windows(2).all(|w| w[0] < w[1]), "{xs:?}");
    }

    #[test]
    fn every_finger_is_a_link_named_in_words_in_both_languages() {
        let mut s = all_pending();
        s.insert(2, FingerState::Accepted { score: 62 });
        for (t, name) in [
            (
                FingersText::ID,
                "Jari telunjuk kanan — NFIQ 2: 62, diterima",
            ),
            (FingersText::EN, "Right index finger — NFIQ 2: 62, accepted"),
        ] {
            let html = render(t, &s, &[], |c| format!("/desk/x/fingers/{c}/exception"));
            assert_eq!(html.matches("<a class=\"finger ").count(), 10);
            assert!(html.contains(&format!("aria-label=\"{name}\"")), "{html}");
            assert!(html.contains("href=\"/desk/x/fingers/2/exception\""));
            for code in 1..=10 {
                assert!(html.contains(finger_name(t, code)), "finger {code} unnamed");
            }
        }
    }

    #[test]
    fn an_exception_is_crossed_out_and_named_with_its_reason() {
        let mut s = all_pending();
        s.insert(
            9,
            FingerState::Exception {
                reason: ExceptionReason::Bandaged,
            },
        );
        let html = render(FingersText::EN, &s, &[], |c| c.to_string());
        let start = html.find("data-position=\"9\"").expect("finger 9");
        let end = start + html[start..].find("</a>").expect("end of finger 9");
        let finger9 = &html[start..end];
        assert_eq!(finger9.matches("class=\"cross\"").count(), 2, "{finger9}");
        assert!(html.contains("aria-label=\"Left ring finger — exception: bandaged\""));
        assert_eq!(
            html.matches("class=\"cross\"").count(),
            2,
            "only finger 9 is crossed out"
        );
    }

    #[test]
    fn a_refused_finger_names_the_finger_it_matches() {
        let mut s = all_pending();
        s.insert(3, FingerState::Refused { matches: 2 });
        let html = render(FingersText::ID, &s, &[3], |c| c.to_string());
        assert!(
            html.contains("Jari tengah kanan — ditolak: sama dengan jari telunjuk kanan"),
            "{html}"
        );
    }

    #[test]
    fn the_legend_says_every_state_in_words() {
        let html = render(FingersText::EN, &all_pending(), &[], |c| c.to_string());
        let t = FingersText::EN;
        for words in [
            t.state_pending,
            t.state_asked,
            t.state_accepted,
            t.state_retake,
            t.state_forced,
            t.state_exception,
            t.state_refused,
        ] {
            assert!(html.contains(words), "{words} missing from the legend");
        }
    }

    #[test]
    fn values_are_escaped() {
        assert_eq!(
            escape(r#"<a href="x">&'"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        let html = render(FingersText::EN, &all_pending(), &[], |_| {
            "/x?a=1&b=\"2\"".into()
        });
        assert!(html.contains("href=\"/x?a=1&amp;b=&quot;2&quot;\""));
    }

    #[test]
    fn fill_puts_values_in_order() {
        assert_eq!(fill("{} — {}", &["a", "b"]), "a — b");
        assert_eq!(fill("no holes", &["a"]), "no holes");
    }
}
