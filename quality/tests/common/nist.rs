//! NIST's ANSI/NIST-ITL sample fingers as the NFIQ 2 tests and benches use them: the 500 ppi
//! finger images of a transaction, decoded, and the centre crop NIST's size limit allows.
#![allow(dead_code)]

use rekam_protocol::ansi_nist::{Compression, Transaction};
use rekam_tests::shared_data;

/// The five ANSI/NIST samples that hold 500 ppi fingers.
pub const SAMPLES: [&str; 5] = [
    "type-14-tpcard-nqm.an2",
    "type-14-amp-nqm-utf8.an2",
    "type-14-tip-eji-wsq.an2",
    "type-4-14-slaps.an2",
    "type-9-10-14.an2",
];

/// One decoded finger image.
pub struct Finger {
    /// The record number in its transaction.
    pub record: usize,
    pub width: u32,
    pub height: u32,
    pub pixels: Vec<u8>,
}

impl Finger {
    /// The centre `max_w` x `max_h` (or smaller) of the image, as a capture station would crop a
    /// print over NFIQ 2's size limit: width, height and pixels.
    pub fn centre_crop(&self, max_w: u32, max_h: u32) -> (u32, u32, Vec<u8>) {
        let (w, h) = (self.width.min(max_w), self.height.min(max_h));
        let (x0, y0) = ((self.width - w) / 2, (self.height - h) / 2);
        let mut crop = Vec::with_capacity((w * h) as usize);
        for y in y0..y0 + h {
            let s = (y * self.width + x0) as usize;
            crop.extend_from_slice(&self.pixels[s..s + w as usize]);
        }
        (w, h, crop)
    }
}

/// The 500 ppi fingers (plain and rolled; uncompressed or WSQ) of `ansi-nist/{file}`, or `None`
/// when the shared data is absent. NFIQ 2 is defined for 500 ppi only.
pub fn fingers(file: &str) -> Option<Vec<Finger>> {
    let bytes = shared_data(&format!("ansi-nist/{file}"))?;
    let t = Transaction::parse(&bytes).expect("NIST sample parses");
    let mut out = Vec::new();
    for f in t.finger_images().expect("finger images") {
        if f.ppi.is_some_and(|p| p != 500) {
            continue;
        }
        let pixels = match &f.compression {
            Compression::Wsq => {
                rekam_quality::wsq::decode(f.data)
                    .expect("WSQ decodes")
                    .pixels
            }
            Compression::None => f.data.to_vec(),
            _ => continue,
        };
        if pixels.len() == (f.width * f.height) as usize {
            out.push(Finger {
                record: f.record,
                width: f.width,
                height: f.height,
                pixels,
            });
        }
    }
    Some(out)
}
