//! The R30x image format: 4 bits per pixel, two pixels per byte, the high nibble the left one.
//!
//! Contract: `unpack` expands each nibble n to the 8-bit gray n * 17 (0 -> 0, 15 -> 255) and
//! rejects data of the wrong length; `pack` keeps the top 4 bits of each pixel.

/// Expands 4-bit data to `width * height` 8-bit pixels.
pub fn unpack(data: &[u8], width: u32, height: u32) -> Result<Vec<u8>, (usize, usize)> {
    let pixels = width as usize * height as usize;
    let expected = pixels.div_ceil(2);
    if data.len() != expected {
        return Err((expected, data.len()));
    }
    let mut out = Vec::with_capacity(pixels);
    for &byte in data {
        out.push((byte >> 4) * 17);
        out.push((byte & 0x0F) * 17);
    }
    out.truncate(pixels);
    Ok(out)
}

/// Packs 8-bit pixels into 4-bit data (an odd pixel count pads the last low nibble with 0).
pub fn pack(pixels: &[u8]) -> Vec<u8> {
    pixels
        .chunks(2)
        .map(|pair| {
            let left = pair[0] >> 4;
            let right = pair.get(1).map_or(0, |p| p >> 4);
            (left << 4) | right
        })
        .collect()
}
