//! Laying an SBI slap's fingers back on a platen.
//!
//! An SBI device segments a slap itself and answers one record per finger, while the agent's
//! fingerprint slot hands over a whole slap image that the agent segments with its own
//! segmenter (so a native scanner and an SBI one give the workflow the same thing, and the
//! segmenter's positions, boxes and "not found" reporting apply to both).
//!
//! Contract: [`lay_out`] places each finger's image in its own slot of a white platen, in the
//! order the segmenter reads the placement (`SlapKind::positions`), slots evenly spaced one and
//! a quarter finger widths apart, fingertips level except the little finger, which sits lower
//! as on a real hand; a missing finger leaves its slot empty. Fingers must share one resolution
//! and belong to the slap; the platen is refused when it would exceed
//! [`super::records::MAX_PIXELS`].

use rekam_drivers::GrayImage;
use rekam_drivers::fingerprint::{Finger, Slap};
use rekam_quality::segment::SlapKind;

use super::records::MAX_PIXELS;

/// The segmenter's view of `slap`.
pub fn kind(slap: Slap) -> SlapKind {
    match slap {
        Slap::LeftFour => SlapKind::LeftFour,
        Slap::RightFour => SlapKind::RightFour,
        Slap::Thumbs => SlapKind::Thumbs,
    }
}

/// Places `fingers` (each with its image) on a platen image of `slap` (see the contract);
/// `Err` says why they cannot be laid out.
pub fn lay_out(slap: Slap, fingers: &[(Finger, GrayImage)]) -> Result<GrayImage, String> {
    let order = kind(slap).positions();
    let Some(ppi) = fingers.first().map(|(_, i)| i.ppi()) else {
        return Err("no finger to lay out".into());
    };
    if let Some((f, i)) = fingers.iter().find(|(_, i)| i.ppi() != ppi) {
        return Err(format!(
            "{f:?} is at {} ppi but the slap's first finger at {ppi} ppi",
            i.ppi()
        ));
    }
    if let Some((f, _)) = fingers.iter().find(|(f, _)| !order.contains(&f.position())) {
        return Err(format!("{f:?} is not a finger of the {slap:?} slap"));
    }
    let widest = fingers.iter().map(|(_, i)| i.width()).max().unwrap_or(1);
    let tallest = fingers.iter().map(|(_, i)| i.height()).max().unwrap_or(1);
    // A fifth of an inch of platen around the prints, and the little finger a sixth of an
    // inch lower than the others.
    let margin = ppi / 5;
    let little_drop = ppi / 6;
    let pitch = widest + widest / 4;
    let slots = u32::try_from(order.len()).unwrap_or(4);
    let width = 2 * margin + pitch * slots;
    let height = 2 * margin + tallest + little_drop;
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(format!(
            "a {width}x{height} platen is larger than {MAX_PIXELS} pixels"
        ));
    }
    let (w, h) = (width as usize, height as usize);
    let mut platen = vec![255u8; w * h];
    for (finger, image) in fingers {
        let slot = order
            .iter()
            .position(|p| *p == finger.position())
            .unwrap_or(0) as u32;
        let little = matches!(finger, Finger::LeftLittle | Finger::RightLittle);
        // Centred in its slot.
        let left = margin + slot * pitch + (pitch - image.width()) / 2;
        let top = margin + if little { little_drop } else { 0 };
        let iw = image.width() as usize;
        for (row, line) in image.pixels().chunks_exact(iw).enumerate() {
            let start = (top as usize + row) * w + left as usize;
            if let Some(dst) = platen.get_mut(start..start + iw) {
                dst.copy_from_slice(line);
            }
        }
    }
    GrayImage::new(width, height, ppi, platen).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(w: u32, h: u32, v: u8) -> GrayImage {
        GrayImage::new(w, h, 500, vec![v; (w * h) as usize]).expect("image")
    }

    #[test]
    fn fingers_sit_in_the_segmenters_order_with_the_missing_slot_left_white() {
        let fingers = [
            (Finger::LeftIndex, block(10, 20, 1)),
            (Finger::LeftLittle, block(10, 20, 4)),
        ];
        let p = lay_out(Slap::LeftFour, &fingers).expect("laid out");
        // Left four: little (10) first, index (7) last, in slots 12.5 px apart after 100 px.
        let x_of = |v: u8| {
            (0..p.width())
                .find(|&x| (0..p.height()).any(|y| p.get(x, y) == Some(v)))
                .expect("found")
        };
        assert!(x_of(4) < x_of(1), "the little finger is left of the index");
        let y_of = |v: u8| {
            (0..p.height())
                .find(|&y| (0..p.width()).any(|x| p.get(x, y) == Some(v)))
                .expect("found")
        };
        assert!(y_of(4) > y_of(1), "the little finger sits lower");
        let painted = p.pixels().iter().filter(|&&v| v != 255).count();
        assert_eq!(painted, 2 * 200, "only the two fingers are on the platen");
    }

    #[test]
    fn a_finger_of_another_hand_or_resolution_is_refused() {
        assert!(lay_out(Slap::Thumbs, &[(Finger::LeftIndex, block(4, 4, 0))]).is_err());
        let other = GrayImage::new(4, 4, 1000, vec![0; 16]).expect("image");
        assert!(
            lay_out(
                Slap::Thumbs,
                &[
                    (Finger::LeftThumb, block(4, 4, 0)),
                    (Finger::RightThumb, other)
                ]
            )
            .is_err()
        );
        assert!(lay_out(Slap::Thumbs, &[]).is_err());
    }
}
