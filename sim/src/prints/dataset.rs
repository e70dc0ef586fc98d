//! Deterministic sets of synthetic impressions, as SFinGe produces them for testing: subject `s`
//! (1-based), finger `f` (1-10, ANSI/NIST positions: 1 right thumb ... 10 left little),
//! impression `i` (1-based), each an 8-bit gray 500 ppi image, and its PNG encoding with the
//! resolution recorded in the pHYs chunk.
//!
//! Contract: the same (seed, subject, finger, impression, condition) gives the same image; a
//! subject's finger is the same master print as finger `f` of `SimPerson` seeded by
//! [`subject_seed`], so data sets and the simulated scanner show the same fingers.

use rekam_drivers::fingerprint::Finger;

use super::impression::{Condition, ImpressionParams, Pose, render};
use super::master::{Master, MasterSize};
use super::{PPI, PrintError};
use crate::rng::SimRng;
use crate::synth::Gray;

/// The person seed of subject `subject` in the set seeded by `seed`.
pub fn subject_seed(seed: u64, subject: u32) -> u64 {
    SimRng::derive(seed, &format!("subject-{subject}")).next_u64()
}

/// The master print of `finger` of the person seeded by `person` (as `SimPerson` makes it).
pub fn finger_master(person: u64, finger: Finger, size: MasterSize) -> Master {
    let finger_seed = SimRng::derive(person, &format!("finger-{}", finger.position())).next_u64();
    Master::generate(finger_seed, size)
}

/// Impression `impression` of `master` (subject, finger as named) in `condition`, on a canvas
/// the size of the master.
pub fn impression(
    seed: u64,
    master: &Master,
    subject: u32,
    finger: Finger,
    impression: u32,
    condition: Condition,
) -> Gray {
    let mut rng = SimRng::derive(
        seed,
        &format!(
            "impression-{subject}-{}-{impression}-{}",
            finger.position(),
            condition.name()
        ),
    );
    let params = ImpressionParams::sample(master, condition, &mut rng);
    let (w, h) = (master.image().width, master.image().height);
    render(master, &params, Pose::jittered(w, h, &mut rng), w, h)
}

/// The file name of an impression: `sSUBJECT_fFINGER_iIMPRESSION.png`, zero-padded so that
/// names sort in order.
pub fn file_name(subject: u32, finger: Finger, impression: u32) -> String {
    format!(
        "s{subject:04}_f{:02}_i{impression:02}.png",
        finger.position()
    )
}

/// PNG bytes of an 8-bit gray image, with pHYs saying 500 ppi (19685 pixels per metre).
pub fn encode_png(image: &Gray) -> Result<Vec<u8>, PrintError> {
    let expected = image.width as usize * image.height as usize;
    if image.pixels.len() != expected || image.width == 0 || image.height == 0 {
        return Err(PrintError::Encode(format!(
            "{}x{} image with {} pixels",
            image.width,
            image.height,
            image.pixels.len()
        )));
    }
    let per_metre = (f64::from(PPI) / 0.0254).round() as u32;
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, image.width, image.height);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_pixel_dims(Some(png::PixelDimensions {
        xppu: per_metre,
        yppu: per_metre,
        unit: png::Unit::Meter,
    }));
    let mut writer = encoder
        .write_header()
        .map_err(|e| PrintError::Encode(e.to_string()))?;
    writer
        .write_image_data(&image.pixels)
        .map_err(|e| PrintError::Encode(e.to_string()))?;
    writer
        .finish()
        .map_err(|e| PrintError::Encode(e.to_string()))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_png_says_500_ppi_and_decodes_to_the_same_pixels() {
        let image = Gray {
            width: 3,
            height: 2,
            pixels: vec![0, 50, 100, 150, 200, 250],
        };
        let bytes = encode_png(&image).expect("encodes");
        let decoder = png::Decoder::new(bytes.as_slice());
        let mut reader = decoder.read_info().expect("header");
        let dims = reader.info().pixel_dims.expect("a pHYs chunk");
        assert_eq!(
            (dims.xppu, dims.yppu, dims.unit),
            (19685, 19685, png::Unit::Meter)
        );
        let mut buf = vec![0; reader.output_buffer_size()];
        reader.next_frame(&mut buf).expect("frame");
        assert_eq!(buf, image.pixels);
    }

    #[test]
    fn an_image_whose_pixels_do_not_fill_it_is_refused() {
        let image = Gray {
            width: 3,
            height: 2,
            pixels: vec![0; 5],
        };
        assert!(matches!(encode_png(&image), Err(PrintError::Encode(_))));
    }

    #[test]
    fn names_follow_the_subject_finger_impression_pattern() {
        assert_eq!(file_name(3, Finger::LeftLittle, 2), "s0003_f10_i02.png");
    }
}
