//! NISTCOM, the NIST comment convention inside WSQ COM segments: a text of `NAME value` lines
//! headed by `NIST_COM <count>`, carrying the image attributes (PPI, depth, bitrate...).
//!
//! Contract: reading is lenient (a COM that is not a NISTCOM is just a comment; an unparsable PPI
//! is absent); writing produces exactly the attributes NBIS's encoder writes, in its order.

const HEADER: &str = "NIST_COM";

/// The value of `name` in a NISTCOM comment, if `text` is one and has it.
pub(crate) fn field<'a>(text: &'a [u8], name: &str) -> Option<&'a str> {
    let text = std::str::from_utf8(text).ok()?;
    if !text.starts_with(HEADER) {
        return None;
    }
    text.lines().find_map(|line| {
        let line = line.trim_start();
        let (key, value) = line.split_once([' ', '\t'])?;
        (key == name).then(|| value.trim())
    })
}

/// The scanning resolution a NISTCOM comment states; -1 (unknown) and junk give `None`.
pub(crate) fn ppi(text: &[u8]) -> Option<u32> {
    field(text, "PPI")?.parse::<u32>().ok().filter(|&p| p > 0)
}

/// The NISTCOM comment NBIS writes for an 8-bit gray WSQ image.
pub(crate) fn build(width: u32, height: u32, ppi: Option<u32>, bitrate: f32) -> String {
    let ppi = ppi.map_or_else(|| "-1".to_string(), |p| p.to_string());
    let fields = [
        ("PIX_WIDTH", width.to_string()),
        ("PIX_HEIGHT", height.to_string()),
        ("PIX_DEPTH", "8".to_string()),
        ("PPI", ppi),
        ("LOSSY", "1".to_string()),
        ("COLORSPACE", "GRAY".to_string()),
        ("COMPRESSION", "WSQ".to_string()),
        ("WSQ_BITRATE", format!("{bitrate:.6}")),
    ];
    // The count includes the header line itself.
    let mut s = format!("{HEADER} {}", fields.len() + 1);
    for (k, v) in fields {
        s.push('\n');
        s.push_str(k);
        s.push(' ');
        s.push_str(&v);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_comment_states_its_ppi_and_reads_back() {
        let c = build(545, 622, Some(500), 0.75);
        assert!(c.starts_with("NIST_COM 9\nPIX_WIDTH 545\n"));
        assert!(c.ends_with("WSQ_BITRATE 0.750000"));
        assert_eq!(ppi(c.as_bytes()), Some(500));
        assert_eq!(ppi(build(1, 1, None, 0.75).as_bytes()), None);
        assert_eq!(ppi(b"Cognaxon"), None);
    }
}
