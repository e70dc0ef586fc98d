//! Explicitly configured serial device paths: shell-style patterns such as `/dev/pts/[0-9]*` or
//! `/dev/ttyFP?`, for devices that enumeration does not report (pseudo-terminals of simulators,
//! ports without sysfs entries).
//!
//! Contract: only the last path component may hold wildcards (`*` any run, `?` one character,
//! `[a-z0-9]` one character of a set, `[!...]` one character outside it); the directory is read
//! once per call; unreadable directories give an empty list, not an error (the devices are simply
//! absent). Results are sorted.

use std::path::Path;

/// Paths matching `pattern`.
pub fn expand(pattern: &str) -> Vec<String> {
    let (dir, name) = match pattern.rsplit_once('/') {
        Some(("", name)) => ("/", name),
        Some((dir, name)) => (dir, name),
        None => (".", pattern),
    };
    if !name.contains(['*', '?', '[']) {
        return if Path::new(pattern).exists() {
            vec![pattern.to_owned()]
        } else {
            Vec::new()
        };
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<String> = entries
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|file| matches(name.as_bytes(), file.as_bytes()))
        .map(|file| {
            if dir == "/" {
                format!("/{file}")
            } else {
                format!("{dir}/{file}")
            }
        })
        .collect();
    out.sort();
    out
}

/// Whether `name` matches `pattern` (see the module doc).
pub fn matches(pattern: &[u8], name: &[u8]) -> bool {
    match pattern.split_first() {
        None => name.is_empty(),
        Some((b'*', rest)) => (0..=name.len()).any(|skip| matches(rest, &name[skip..])),
        Some((b'?', rest)) => !name.is_empty() && matches(rest, &name[1..]),
        Some((b'[', rest)) => {
            let Some(close) = rest.iter().skip(1).position(|&c| c == b']').map(|p| p + 1) else {
                // An unclosed '[' is a literal.
                return name.first() == Some(&b'[') && matches(rest, &name[1..]);
            };
            let Some(&c) = name.first() else { return false };
            let (negated, set) = match rest[..close].split_first() {
                Some((b'!', set)) => (true, set),
                _ => (false, &rest[..close]),
            };
            in_set(set, c) != negated && matches(&rest[close + 1..], &name[1..])
        }
        Some((&literal, rest)) => name.first() == Some(&literal) && matches(rest, &name[1..]),
    }
}

fn in_set(set: &[u8], c: u8) -> bool {
    let mut i = 0;
    while i < set.len() {
        if i + 2 < set.len() && set[i + 1] == b'-' {
            if (set[i]..=set[i + 2]).contains(&c) {
                return true;
            }
            i += 3;
        } else {
            if set[i] == c {
                return true;
            }
            i += 1;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_sets_and_negation_match_like_a_shell() {
        assert!(matches(b"[0-9]*", b"12"));
        assert!(!matches(b"[0-9]*", b"ptmx"));
        assert!(matches(b"ttyUSB?", b"ttyUSB0"));
        assert!(!matches(b"ttyUSB?", b"ttyUSB10"));
        assert!(matches(b"tty[!S]*", b"ttyACM0"));
        assert!(!matches(b"tty[!S]*", b"ttyS0"));
        assert!(matches(b"a*b*c", b"axxbyyc"));
        assert!(!matches(b"a*b*c", b"axxbyy"));
    }

    #[test]
    fn a_pattern_without_wildcards_lists_an_existing_path_only() {
        assert_eq!(expand("/dev/null"), vec!["/dev/null".to_owned()]);
        assert!(expand("/dev/rekam-no-such-node").is_empty());
        assert!(expand("/rekam-no-such-dir/*").is_empty());
    }
}
