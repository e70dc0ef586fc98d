//! Media types of packet parts, and cheap header checks of encoded images.
//!
//! Contract: the header readers look only at the first bytes they need (PNG IHDR, the JPEG frame
//! header, the WSQ frame header), never decode pixels, and reject anything they do not understand.

/// The enrollment document.
pub const ENROLLMENT: &str = "application/vnd.rekam.enrollment+json";
/// PNG image.
pub const PNG: &str = "image/png";
/// JPEG image.
pub const JPEG: &str = "image/jpeg";
/// WSQ fingerprint image.
pub const WSQ: &str = "image/x-wsq";

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]))
}

/// Width and height from a PNG's IHDR chunk.
pub fn png_dimensions(b: &[u8]) -> Result<(u32, u32), &'static str> {
    const SIG: &[u8] = b"\x89PNG\r\n\x1a\n";
    if b.len() < 33 || &b[..8] != SIG {
        return Err("not a PNG (bad signature)");
    }
    if &b[12..16] != b"IHDR" || b[8..12] != [0, 0, 0, 13] {
        return Err("PNG does not start with an IHDR chunk");
    }
    let w = u32::from_be_bytes([b[16], b[17], b[18], b[19]]);
    let h = u32::from_be_bytes([b[20], b[21], b[22], b[23]]);
    Ok((w, h))
}

/// Width and height from a JPEG's first start-of-frame marker.
pub fn jpeg_dimensions(b: &[u8]) -> Result<(u32, u32), &'static str> {
    if b.len() < 4 || b[0] != 0xFF || b[1] != 0xD8 {
        return Err("not a JPEG (no SOI marker)");
    }
    let mut at = 2;
    loop {
        if b.get(at) != Some(&0xFF) {
            return Err("JPEG marker expected");
        }
        let marker = *b.get(at + 1).ok_or("JPEG ends before a frame header")?;
        match marker {
            0xFF => at += 1,
            0xD0..=0xD7 | 0x01 => at += 2,
            // SOF0-SOF15 except DHT (C4), JPG (C8) and DAC (CC).
            0xC0..=0xCF if !matches!(marker, 0xC4 | 0xC8 | 0xCC) => {
                let h = be16(b, at + 5).ok_or("JPEG frame header truncated")?;
                let w = be16(b, at + 7).ok_or("JPEG frame header truncated")?;
                return Ok((u32::from(w), u32::from(h)));
            }
            0xD9 | 0xDA => return Err("JPEG has no frame header before its scan"),
            _ => {
                let len = be16(b, at + 2).ok_or("JPEG segment truncated")?;
                if len < 2 {
                    return Err("JPEG segment length below 2");
                }
                at += 2 + usize::from(len);
            }
        }
    }
}

/// Width and height from a WSQ frame header (marker FFA2).
pub fn wsq_dimensions(b: &[u8]) -> Result<(u32, u32), &'static str> {
    if b.len() < 2 || b[0] != 0xFF || b[1] != 0xA0 {
        return Err("not WSQ (no SOI marker FFA0)");
    }
    let mut at = 2;
    loop {
        if b.get(at) != Some(&0xFF) {
            return Err("WSQ marker expected");
        }
        let marker = *b.get(at + 1).ok_or("WSQ ends before its frame header")?;
        match marker {
            0xA2 => {
                // Lf(2) black(1) white(1) height(2) width(2)
                let h = be16(b, at + 6).ok_or("WSQ frame header truncated")?;
                let w = be16(b, at + 8).ok_or("WSQ frame header truncated")?;
                return Ok((u32::from(w), u32::from(h)));
            }
            0xA4..=0xA8 => {
                let len = be16(b, at + 2).ok_or("WSQ segment truncated")?;
                if len < 2 {
                    return Err("WSQ segment length below 2");
                }
                at += 2 + usize::from(len);
            }
            _ => return Err("WSQ has no frame header before other data"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncated_and_foreign_headers_are_rejected_without_panicking() {
        for len in 0..40 {
            let junk = vec![0xFFu8; len];
            assert!(png_dimensions(&junk).is_err());
            assert!(jpeg_dimensions(&junk).is_err());
            assert!(wsq_dimensions(&junk).is_err());
        }
    }

    #[test]
    fn jpeg_dimensions_skip_application_segments() {
        let mut j = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0xAA, 0xBB];
        j.extend_from_slice(&[0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x03, 0x20, 0x02, 0x58, 0x01]);
        assert_eq!(jpeg_dimensions(&j), Ok((600, 800)));
    }

    #[test]
    fn wsq_dimensions_come_from_the_frame_header() {
        let mut w = vec![0xFF, 0xA0, 0xFF, 0xA8, 0x00, 0x03, b'x'];
        w.extend_from_slice(&[0xFF, 0xA2, 0x00, 0x11, 0x00, 0xFF, 0x01, 0xA0, 0x01, 0x90]);
        assert_eq!(wsq_dimensions(&w), Ok((400, 416)));
    }
}
