//! What `rekam sim registry` plugs into the registry simulator to issue print orders: chip
//! templates from the quality crate's FingerJet FX extractor and the card photo as the desk crops
//! it (the sim crate depends on neither).
//!
//! Contract: the same card photo as the desk preview ([`crate::console::desk::photo::card_crop`])
//! and the same templates as [`super::templates::template_of_capture`]; a photo over the print
//! order's limit is an error naming its size, never a truncated image.

use rekam_protocol::model::{FaceCapture, FingerCapture, FingerPosition};
use rekam_protocol::print_order::MAX_PHOTO_BYTES;
use rekam_sim::registry::CardMedia;

use super::templates::template_of_capture;

/// The agent's card media for the registry simulator.
#[derive(Clone, Copy, Debug, Default)]
pub struct QualityCardMedia;

impl CardMedia for QualityCardMedia {
    fn template(
        &self,
        position: FingerPosition,
        finger: &FingerCapture,
    ) -> Result<Vec<u8>, String> {
        template_of_capture(position, finger)
    }

    fn card_photo(&self, face: &FaceCapture) -> Result<Vec<u8>, String> {
        let jpeg = crate::console::desk::photo::card_crop(&face.image)?;
        if jpeg.len() > MAX_PHOTO_BYTES {
            return Err(format!(
                "the card crop is {} bytes of JPEG, more than the {MAX_PHOTO_BYTES} an order may carry",
                jpeg.len()
            ));
        }
        Ok(jpeg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rekam_protocol::iso19794_2;
    use rekam_sim::sample::{self, SampleOptions};

    #[test]
    fn a_simulated_enrollment_gets_chip_templates_and_a_card_photo_within_the_order_limits() {
        let e = sample::enrollment(&SampleOptions::realistic(7, "WS-1", 1_790_000_000_000));
        let media = QualityCardMedia;
        for position in e.biometrics.chip_fingers {
            let finger = e.biometrics.finger(position).expect("captured");
            let t = media.template(position, finger).expect("template");
            let record = iso19794_2::parse(&t).expect("a valid ISO/IEC 19794-2 record");
            assert_eq!(record.views[0].position, position.code());
            assert!(
                record.views[0].minutiae.len() >= 6,
                "FingerJet FX finds a print's minutiae"
            );
        }
        let photo = media.card_photo(&e.biometrics.face).expect("photo");
        assert!(photo.starts_with(&[0xFF, 0xD8, 0xFF]));
        assert!(photo.len() <= MAX_PHOTO_BYTES);
    }
}
