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
