//! XML escaping for SVG text content and attribute values.
//!
//! Contract: the output of [`text`] is safe as element content and [`attr`] as a whole quoted
//! attribute; characters XML 1.0 forbids (controls other than tab, newline and carriage return)
//! are replaced with U+FFFD so the document always parses (validated fields never hold them).

/// Escapes `s` for element content.
pub fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if forbidden(c) => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// `s` as a double-quoted attribute value, quotes included.
pub fn attr(s: &str) -> String {
    format!("\"{}\"", text(s))
}

/// Not allowed anywhere in an XML 1.0 document.
fn forbidden(c: char) -> bool {
    (c < ' ' && !matches!(c, '\t' | '\n' | '\r')) || matches!(c, '\u{fffe}' | '\u{ffff}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_characters_and_controls_are_escaped() {
        assert_eq!(text("A<&\"'>B"), "A&lt;&amp;&quot;&apos;&gt;B");
        assert_eq!(text("a\u{0}b"), "a\u{fffd}b");
        assert_eq!(attr("x\"y"), "\"x&quot;y\"");
    }
}
