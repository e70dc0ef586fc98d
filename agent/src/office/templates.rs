//! Chip-finger templates: the quality crate's FingerJet FX minutiae to and from ISO/IEC
//! 19794-2:2005 records, the format print orders carry.
//!
//! Contract: pure. [`iso_template`] writes one live-plain view at 500 ppi (197 pixels per cm,
//! the scale FJFX reports coordinates in), keeping FJFX's angle unit (1/256 turn, as ISO) and
//! quality; at most 255 minutiae (FJFX's own cap), coordinates clamped inside the image.
//! [`minutiae_of`] reads the first view back unchanged, so `minutiae_of(parse(iso_template(m)))`
//! is `m` for minutiae inside the image. [`template_of_capture`] decodes an enrolled finger image
//! (WSQ or 8-bit gray PNG) and extracts its minutiae.

use rekam_protocol::iso19794_2::{
    self, FingerView, IsoMinutia, MinutiaKind as IsoKind, MinutiaeRecord,
};
use rekam_protocol::model::{FingerCapture, FingerPosition, ImageEncoding};
use rekam_quality::minutiae::{self, Minutia, MinutiaKind};

/// 500 ppi in pixels per centimetre, rounded as ISO/IEC 19794-2 records carry it.
pub const PPCM_500_PPI: u16 = 197;

/// The ISO/IEC 19794-2:2005 record of `minutiae` found on a `image_width` x `image_height`
/// print of finger `position` (ANSI/NIST 1-10, 0 unknown).
pub fn iso_template(
    image_width: u32,
    image_height: u32,
    minutiae: &[Minutia],
    position: u8,
) -> Vec<u8> {
    let width = u16::try_from(image_width.max(1)).unwrap_or(u16::MAX);
    let height = u16::try_from(image_height.max(1)).unwrap_or(u16::MAX);
    // ISO coordinates are 14 bits and inside the image.
    let max_x = width.saturating_sub(1).min(0x3FFF);
    let max_y = height.saturating_sub(1).min(0x3FFF);
    let minutiae = minutiae
        .iter()
        .take(255)
        .map(|m| IsoMinutia {
            kind: match m.kind {
                MinutiaKind::Ending => IsoKind::RidgeEnding,
                MinutiaKind::Bifurcation => IsoKind::Bifurcation,
                MinutiaKind::Other => IsoKind::Other,
            },
            x: u16::try_from(m.x).unwrap_or(u16::MAX).min(max_x),
            y: u16::try_from(m.y).unwrap_or(u16::MAX).min(max_y),
            angle: m.angle,
            quality: m.quality.min(100),
        })
        .collect();
    iso19794_2::encode(&MinutiaeRecord {
        width,
        height,
        x_ppcm: PPCM_500_PPI,
        y_ppcm: PPCM_500_PPI,
        views: vec![FingerView {
            position: position.min(10),
            view: 0,
            impression: 0,
            quality: 0,
            minutiae,
        }],
    })
}

/// The minutiae of a record's first view, as the matcher takes them.
pub fn minutiae_of(record: &MinutiaeRecord) -> Vec<Minutia> {
    record
        .views
        .first()
        .map(|v| {
            v.minutiae
                .iter()
                .map(|m| Minutia {
                    x: u32::from(m.x),
                    y: u32::from(m.y),
                    angle: m.angle,
                    kind: match m.kind {
                        IsoKind::RidgeEnding => MinutiaKind::Ending,
                        IsoKind::Bifurcation => MinutiaKind::Bifurcation,
                        IsoKind::Other => MinutiaKind::Other,
                    },
                    quality: m.quality,
                })
                .collect()
        })
        .unwrap_or_default()
}

/// An enrolled finger image as 8-bit gray pixels: (pixels, width, height, ppi).
pub fn finger_pixels(capture: &FingerCapture) -> Result<(Vec<u8>, u32, u32, u16), String> {
    let image = &capture.image;
    let bytes = image.data.bytes();
    let ppi = image.ppi.unwrap_or(500);
    match image.encoding {
        ImageEncoding::Wsq => {
            let w = rekam_quality::wsq::decode(bytes).map_err(|e| format!("WSQ: {e}"))?;
            Ok((w.pixels, w.width, w.height, ppi))
        }
        ImageEncoding::Png => {
            let mut dec = png::Decoder::new(bytes);
            dec.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
            let mut reader = dec.read_info().map_err(|e| format!("PNG: {e}"))?;
            let mut buf = vec![0; reader.output_buffer_size()];
            let info = reader
                .next_frame(&mut buf)
                .map_err(|e| format!("PNG: {e}"))?;
            if info.color_type != png::ColorType::Grayscale {
                return Err(format!(
                    "PNG: a finger image is 8-bit gray, not {:?}",
                    info.color_type
                ));
            }
            buf.truncate(info.buffer_size());
            Ok((buf, info.width, info.height, ppi))
        }
        other => Err(format!("a finger image is WSQ or PNG, not {other:?}")),
    }
}

/// The chip template of an enrolled finger: its minutiae (FingerJet FX) as an ISO/IEC 19794-2
/// record.
pub fn template_of_capture(
    position: FingerPosition,
    capture: &FingerCapture,
) -> Result<Vec<u8>, String> {
    let (pixels, width, height, ppi) = finger_pixels(capture)?;
    let found = minutiae::extract(&pixels, width, height, ppi).map_err(|e| e.to_string())?;
    Ok(iso_template(width, height, &found, position.code()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn some_minutiae() -> Vec<Minutia> {
        vec![
            Minutia {
                x: 10,
                y: 20,
                angle: 0,
                kind: MinutiaKind::Ending,
                quality: 55,
            },
            Minutia {
                x: 399,
                y: 499,
                angle: 200,
                kind: MinutiaKind::Bifurcation,
                quality: 100,
            },
            Minutia {
                x: 7,
                y: 8,
                angle: 255,
                kind: MinutiaKind::Other,
                quality: 1,
            },
        ]
    }

    #[test]
    fn minutiae_survive_the_iso_record_unchanged() {
        let m = some_minutiae();
        let bytes = iso_template(400, 500, &m, 2);
        let record = iso19794_2::parse(&bytes).expect("a valid record");
        assert_eq!(record.views[0].position, 2);
        assert_eq!(
            (record.x_ppcm, record.width, record.height),
            (197, 400, 500)
        );
        assert_eq!(minutiae_of(&record), m);
    }

    #[test]
    fn minutiae_outside_the_image_are_clamped_so_the_record_stays_valid() {
        let mut m = some_minutiae();
        m[1].x = 900;
        let record = iso19794_2::parse(&iso_template(400, 500, &m, 7)).expect("valid");
        assert_eq!(minutiae_of(&record)[1].x, 399);
    }

    #[test]
    fn a_record_without_views_has_no_minutiae() {
        assert!(minutiae_of(&MinutiaeRecord::default()).is_empty());
    }
}
