//! Canon EOS value encodings and data formats the camera driver needs, as libgphoto2 reads and
//! writes them (`camlibs/ptp2/config.c`, `library.c`, `ptp.c`), plus the JPEG size check every
//! downloaded picture goes through.
//!
//! - Exposure compensation (property 0xD104) is a signed byte in 1/8-stop steps where thirds are
//!   3 and 5 and a half is 4: +1/3 EV is 0x03, +2/3 0x05, +1 0x08, -1/3 0xFD, -1 2/3 0xF3.
//! - White balance (0xD109): 0 auto, 1 daylight, 2 cloudy, 3 tungsten, 4 fluorescent, 5 flash,
//!   9 colour temperature (in 0xD10A, kelvin).
//! - SetDevicePropValueEx data: `u32 size (12) | u32 property | u32 value slot` (a u8 or u16
//!   value sits in the slot's low bytes).
//! - GetViewFinderData data: records `u32 length (header included) | u32 type | bytes`; type 1
//!   (and 11) is the live-view JPEG, the others are metadata.
//!
//! Contract: parsers return `Err` with a reason for malformed input, never panic; encoders refuse
//! values the camera cannot take instead of rounding them out of range.

use crate::camera::WhiteBalance;
use crate::identity::ImageSize;

/// Largest compensation EOS bodies offer, in tenths of a stop.
pub const MAX_COMPENSATION_TENTHS: i16 = 50;

/// The EOS exposure-compensation byte for `tenths` of a stop (rounded to the nearest third),
/// or `None` beyond ±5 EV.
pub fn compensation_byte(tenths: i16) -> Option<u8> {
    if tenths.abs() > MAX_COMPENSATION_TENTHS {
        return None;
    }
    let thirds = (i32::from(tenths.abs()) * 3 + 5) / 10;
    let eighths = thirds / 3 * 8
        + match thirds % 3 {
            0 => 0,
            1 => 3,
            _ => 5,
        };
    let signed = if tenths < 0 { -eighths } else { eighths };
    // -40..=40 always fits; the camera takes the two's complement byte.
    i8::try_from(signed).ok().map(|v| v.to_le_bytes()[0])
}

/// Tenths of a stop an EOS compensation byte means (the inverse of [`compensation_byte`]).
pub fn compensation_tenths(byte: u8) -> i16 {
    let v = i16::from(i8::from_le_bytes([byte]));
    let (whole, frac) = (v.abs() / 8, v.abs() % 8);
    let tenths = whole * 10
        + match frac {
            0 => 0,
            1..=3 => 3,
            4 => 5,
            _ => 7,
        };
    if v < 0 { -tenths } else { tenths }
}

/// The EOS white-balance value and, for an explicit temperature, the kelvin to set after it.
pub fn white_balance_value(wb: WhiteBalance) -> (u32, Option<u32>) {
    match wb {
        WhiteBalance::Auto => (0, None),
        WhiteBalance::Daylight => (1, None),
        WhiteBalance::Tungsten => (3, None),
        WhiteBalance::Fluorescent => (4, None),
        WhiteBalance::Flash => (5, None),
        WhiteBalance::Kelvin(k) => (9, Some(u32::from(k))),
    }
}

/// The generic PTP WhiteBalance (0x5005) value, `None` for what the standard has no code for.
pub fn generic_white_balance(wb: WhiteBalance) -> Option<u16> {
    Some(match wb {
        WhiteBalance::Auto => 2,
        WhiteBalance::Daylight => 4,
        WhiteBalance::Fluorescent => 5,
        WhiteBalance::Tungsten => 6,
        WhiteBalance::Flash => 7,
        WhiteBalance::Kelvin(_) => return None,
    })
}

/// The data of SetDevicePropValueEx setting `property` to `value`.
pub fn set_prop_ex_data(property: u16, value: u32) -> Vec<u8> {
    let mut out = Vec::with_capacity(12);
    out.extend_from_slice(&12u32.to_le_bytes());
    out.extend_from_slice(&u32::from(property).to_le_bytes());
    out.extend_from_slice(&value.to_le_bytes());
    out
}

/// Reads SetDevicePropValueEx data back into `(property, value slot)`.
pub fn parse_set_prop_ex(data: &[u8]) -> Result<(u32, u32), String> {
    let word = |at: usize| {
        data.get(at..at + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    let (Some(size), Some(property), Some(value)) = (word(0), word(4), word(8)) else {
        return Err(format!("{} byte(s), fewer than 12", data.len()));
    };
    if size as usize != data.len() {
        return Err(format!("states {size} byte(s) but holds {}", data.len()));
    }
    Ok((property, value))
}

/// The live-view JPEG among GetViewFinderData records.
pub fn viewfinder_jpeg(data: &[u8]) -> Result<&[u8], String> {
    let mut at = 0usize;
    while at < data.len() {
        let header = data
            .get(at..at + 8)
            .ok_or_else(|| format!("a record header cut short at byte {at}"))?;
        let length = u32::from_le_bytes([header[0], header[1], header[2], header[3]]) as usize;
        let kind = u32::from_le_bytes([header[4], header[5], header[6], header[7]]);
        if length < 8 || length > data.len() - at {
            return Err(format!(
                "a record at byte {at} states {length} byte(s) with {} left",
                data.len() - at
            ));
        }
        if kind == 1 || kind == 11 {
            return Ok(&data[at + 8..at + length]);
        }
        at += length;
    }
    Err("no JPEG record in the live-view data".into())
}

/// Width and height of a JPEG from its start-of-frame segment; `Err` when the bytes are not a
/// JPEG or have no frame header.
pub fn jpeg_size(jpeg: &[u8]) -> Result<ImageSize, String> {
    if !jpeg.starts_with(&[0xFF, 0xD8]) {
        return Err("not a JPEG (no start-of-image marker)".into());
    }
    let mut at = 2usize;
    loop {
        let Some(&[marker_lead, marker]) = jpeg.get(at..at + 2) else {
            return Err("a JPEG without a frame header".into());
        };
        if marker_lead != 0xFF {
            return Err(format!("a JPEG with garbage at byte {at}"));
        }
        if marker == 0xFF {
            // Fill byte.
            at += 1;
            continue;
        }
        if (0xD0..=0xD9).contains(&marker) || marker == 0x01 {
            at += 2;
            continue;
        }
        let Some(&[hi, lo]) = jpeg.get(at + 2..at + 4) else {
            return Err("a JPEG segment cut short".into());
        };
        let length = usize::from(u16::from_be_bytes([hi, lo]));
        // SOF0-SOF15 except DHT (C4), JPG (C8) and DAC (CC).
        if (0xC0..=0xCF).contains(&marker) && ![0xC4, 0xC8, 0xCC].contains(&marker) {
            let Some(sof) = jpeg.get(at + 4..at + 9) else {
                return Err("a JPEG frame header cut short".into());
            };
            let height = u32::from(u16::from_be_bytes([sof[1], sof[2]]));
            let width = u32::from(u16::from_be_bytes([sof[3], sof[4]]));
            if width == 0 || height == 0 {
                return Err(format!("a JPEG frame of {width}x{height}"));
            }
            return Ok(ImageSize { width, height });
        }
        if length < 2 {
            return Err(format!("a JPEG segment of length {length}"));
        }
        at += 2 + length;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compensation_follows_libgphoto2s_eos_table() {
        assert_eq!(compensation_byte(0), Some(0x00));
        assert_eq!(compensation_byte(3), Some(0x03));
        assert_eq!(compensation_byte(7), Some(0x05));
        assert_eq!(compensation_byte(10), Some(0x08));
        assert_eq!(compensation_byte(-3), Some(0xFD));
        assert_eq!(compensation_byte(-17), Some(0xF3));
        assert_eq!(compensation_byte(-50), Some(0xD8));
        assert_eq!(compensation_byte(51), None);
        for tenths in [-50, -17, -10, -7, -3, 0, 3, 7, 10, 13, 20, 50] {
            let byte = compensation_byte(tenths).unwrap();
            assert_eq!(compensation_byte(compensation_tenths(byte)), Some(byte));
        }
    }

    #[test]
    fn white_balance_maps_to_eos_and_generic_codes() {
        assert_eq!(white_balance_value(WhiteBalance::Fluorescent), (4, None));
        assert_eq!(
            white_balance_value(WhiteBalance::Kelvin(5200)),
            (9, Some(5200))
        );
        assert_eq!(generic_white_balance(WhiteBalance::Auto), Some(2));
        assert_eq!(generic_white_balance(WhiteBalance::Kelvin(5000)), None);
    }

    #[test]
    fn set_prop_ex_data_round_trips() {
        let d = set_prop_ex_data(0xD1B1, 1);
        assert_eq!(d, [12, 0, 0, 0, 0xB1, 0xD1, 0, 0, 1, 0, 0, 0]);
        assert_eq!(parse_set_prop_ex(&d), Ok((0xD1B1, 1)));
        assert!(parse_set_prop_ex(&d[..11]).is_err());
    }

    #[test]
    fn the_viewfinder_jpeg_is_found_among_metadata_records() {
        let mut data = Vec::new();
        data.extend_from_slice(&12u32.to_le_bytes());
        data.extend_from_slice(&4u32.to_le_bytes());
        data.extend_from_slice(&[0; 4]);
        data.extend_from_slice(&11u32.to_le_bytes());
        data.extend_from_slice(&1u32.to_le_bytes());
        data.extend_from_slice(&[0xFF, 0xD8, 0xFF]);
        assert_eq!(viewfinder_jpeg(&data), Ok(&[0xFF, 0xD8, 0xFF][..]));
        let mut lying = data.clone();
        lying[12] = 200;
        assert!(viewfinder_jpeg(&lying).is_err());
        assert!(viewfinder_jpeg(&data[..12]).is_err());
        assert!(viewfinder_jpeg(&[1, 0, 0, 0, 1, 0, 0, 0]).is_err());
    }

    #[test]
    fn jpeg_size_reads_the_frame_header_and_refuses_garbage() {
        // SOI, APP0 of length 4, SOF0 of 17 bytes: 8 bits, 480 rows, 640 columns.
        let jpeg = [
            0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0, 0, 0xFF, 0xC0, 0x00, 0x11, 8, 0x01, 0xE0, 0x02,
            0x80, 3,
        ];
        assert_eq!(
            jpeg_size(&jpeg),
            Ok(ImageSize {
                width: 640,
                height: 480
            })
        );
        assert!(jpeg_size(b"GIF89a").is_err());
        assert!(jpeg_size(&jpeg[..10]).is_err());
        assert!(jpeg_size(&[0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x00]).is_err());
    }
}
