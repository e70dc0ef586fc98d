//! What "corrupted bytes" means for each kind of reply a device gives.
//!
//! Contract: [`Corrupt::garbled`] returns the reply with `count` of its bytes changed, or `None`
//! when the reply carries no payload to garble (a status, an acknowledgement), in which case the
//! wrapper reports the garbled reply as a protocol violation.

use rekam_drivers::GrayImage;
use rekam_drivers::camera::Photo;
use rekam_drivers::fingerprint::{FingerImage, SlapImage};
use rekam_drivers::image::RgbImage;
use rekam_drivers::iris::IrisCapture;
use rekam_drivers::printer::PrinterStatus;
use rekam_drivers::signature::{PadEvent, PenSample};

use super::injector::garble_bytes;
use crate::rng::SimRng;

/// A reply whose bytes can be garbled.
pub trait Corrupt: Sized {
    /// The reply with `count` bytes changed, or `None` if it has no payload.
    fn garbled(self, count: u32, rng: &mut SimRng) -> Option<Self>;
}

impl Corrupt for GrayImage {
    fn garbled(self, count: u32, rng: &mut SimRng) -> Option<Self> {
        let (w, h, ppi) = (self.width(), self.height(), self.ppi());
        let mut pixels = self.into_pixels();
        garble_bytes(&mut pixels, count, rng).then_some(())?;
        GrayImage::new(w, h, ppi, pixels).ok()
    }
}

impl Corrupt for RgbImage {
    fn garbled(self, count: u32, rng: &mut SimRng) -> Option<Self> {
        let mut pixels = self.pixels().to_vec();
        garble_bytes(&mut pixels, count, rng).then_some(())?;
        RgbImage::new(self.width(), self.height(), pixels).ok()
    }
}

impl Corrupt for FingerImage {
    fn garbled(self, count: u32, rng: &mut SimRng) -> Option<Self> {
        Some(FingerImage {
            image: self.image.garbled(count, rng)?,
            ..self
        })
    }
}

impl Corrupt for SlapImage {
    fn garbled(self, count: u32, rng: &mut SimRng) -> Option<Self> {
        Some(SlapImage {
            image: self.image.garbled(count, rng)?,
            ..self
        })
    }
}

impl Corrupt for Photo {
    fn garbled(self, count: u32, rng: &mut SimRng) -> Option<Self> {
        match self {
            Photo::Jpeg { size, mut bytes } => {
                garble_bytes(&mut bytes, count, rng).then_some(Photo::Jpeg { size, bytes })
            }
            Photo::Rgb(image) => image.garbled(count, rng).map(Photo::Rgb),
        }
    }
}

impl Corrupt for IrisCapture {
    fn garbled(self, count: u32, rng: &mut SimRng) -> Option<Self> {
        // Garble whichever eye came first; a binocular frame is one transfer.
        match (self.left, self.right) {
            (Some(left), right) => Some(IrisCapture {
                left: Some(left.garbled(count, rng)?),
                right,
            }),
            (None, Some(right)) => Some(IrisCapture {
                left: None,
                right: Some(right.garbled(count, rng)?),
            }),
            (None, None) => None,
        }
    }
}

impl Corrupt for Option<PadEvent> {
    fn garbled(self, count: u32, rng: &mut SimRng) -> Option<Self> {
        match self {
            // A pen report is x, y and pressure on the wire: garble those six bytes.
            Some(PadEvent::Pen(sample)) => {
                let mut wire = [sample.x, sample.y, sample.pressure]
                    .iter()
                    .flat_map(|v| v.to_be_bytes())
                    .collect::<Vec<u8>>();
                garble_bytes(&mut wire, count, rng);
                let word = |i: usize| u16::from_be_bytes([wire[i], wire[i + 1]]);
                Some(Some(PadEvent::Pen(PenSample {
                    x: word(0),
                    y: word(2),
                    pressure: word(4),
                    time: sample.time,
                })))
            }
            // Button reports and silence have nothing a host could misread as data.
            other => Some(other),
        }
    }
}

impl Corrupt for PrinterStatus {
    fn garbled(self, _count: u32, _rng: &mut SimRng) -> Option<Self> {
        None
    }
}

impl Corrupt for () {
    fn garbled(self, _count: u32, _rng: &mut SimRng) -> Option<Self> {
        None
    }
}
