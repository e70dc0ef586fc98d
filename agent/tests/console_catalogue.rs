//! Every word on a console screen comes from a catalogue: the templates hold markup and
//! expressions only, so a screen cannot show a word that exists in one language and not the
//! other.

use std::path::{Path, PathBuf};

fn templates(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("templates dir") {
        let p = e.expect("entry").path();
        if p.is_dir() {
            templates(&p, out);
        } else if p.extension().is_some_and(|x| x == "html") {
            out.push(p);
        }
    }
}

/// Removes `open ... close` spans, keeping a space in their place.
fn strip(text: &str, open: &str, close: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(a) = rest.find(open) {
        out.push_str(&rest[..a]);
        out.push(' ');
        match rest[a + open.len()..].find(close) {
            Some(b) => rest = &rest[a + open.len() + b + close.len()..],
            None => {
                rest = "";
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Letters left once templating, tags, comments, `<style>`/`<script>` bodies and entities are
/// gone, with what surrounds them.
fn literal_words(src: &str) -> Vec<String> {
    let s = strip(src, "{#", "#}");
    let s = strip(&s, "{%", "%}");
    let s = strip(&s, "{{", "}}");
    let s = strip(&s, "<!--", "-->");
    let s = strip(&s, "<style", "</style>");
    let s = strip(&s, "<script", "</script>");
    let mut words = Vec::new();
    // Attribute values a person reads.
    for attr in [
        "alt=\"",
        "title=\"",
        "aria-label=\"",
        "placeholder=\"",
        "value=\"",
    ] {
        let mut rest = s.as_str();
        while let Some(a) = rest.find(attr) {
            let v = &rest[a + attr.len()..];
            let end = v.find('"').unwrap_or(v.len());
            let value = &v[..end];
            if value.chars().filter(|c| c.is_alphabetic()).count() > 1 && attr != "value=\"" {
                words.push(format!("{attr}{value}\""));
            }
            rest = &v[end..];
        }
    }
    let text = strip(&s, "<", ">");
    let text = strip(&text, "&", ";");
    for chunk in text.split_whitespace() {
        if chunk.chars().filter(|c| c.is_alphabetic()).count() > 1 {
            words.push(chunk.to_string());
        }
    }
    words
}

#[test]
fn templates_hold_no_words_of_their_own() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
    let mut files = Vec::new();
    templates(&dir, &mut files);
    assert!(files.len() >= 4, "templates found: {files:?}");
    let mut found = Vec::new();
    for f in files {
        let src = std::fs::read_to_string(&f).expect("read template");
        for w in literal_words(&src) {
            found.push(format!("{}: {w}", f.display()));
        }
    }
    assert!(
        found.is_empty(),
        "words outside the catalogues (put them in a catalogue! and use {{{{ t.key }}}}):\n{}",
        found.join("\n")
    );
}

#[test]
fn the_check_finds_a_literal_word_in_text_and_in_a_title() {
    assert_eq!(literal_words("<p>{{ t.x }}</p>"), Vec::<String>::new());
    assert_eq!(literal_words("<p>Simpan</p>"), vec!["Simpan".to_string()]);
    assert_eq!(
        literal_words("<img alt=\"Foto\" src=\"{{ u }}\">"),
        vec!["alt=\"Foto\"".to_string()]
    );
    assert!(literal_words("<svg><path d=\"M0 0\"/></svg> &mdash; 1 · 2").is_empty());
}
