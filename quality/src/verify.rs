//! 1:1 verification at card pickup: does the finger on the scanner belong to the resident whose
//! print order carries this chip-finger template?
//!
//! Method: the duplicate check's matcher ([`crate::matching`]: Minutia Cylinder-Code with LSS-R)
//! between the order's template (the minutiae of an ISO/IEC 19794-2 record: integer pixels at
//! 500 ppi and directions in 1.40625 degree units, exactly FingerJet FX's own units) and the
//! minutiae the capture path found on the fresh print. The pair is accepted from
//! [`PICKUP_THRESHOLD`].
//!
//! Threshold: a card handed to the wrong person is the failure that matters (a broker collecting
//! someone else's card), so the threshold is set above every impostor pair measured, with a
//! margin, and the false rejects that costs are reported rather than traded away. Measured in
//! `tests/pickup_rates.rs` (`cargo test -p rekam-quality --test pickup_rates -- --nocapture`;
//! templates through the packet's WSQ and an ISO/IEC 19794-2 record, probes as the capture path
//! sees them), at 0.15:
//! - simulated, 50 fingers of 5 people, 2450 impostor pairs per probe kind (14,700 in all): the
//!   highest impostor scored 0.083 (so the threshold is 1.8 times the worst impostor), none
//!   accepted (FAR 0); false rejects 0% for good, wet, partial and turned (20-35 degrees)
//!   prints (lowest genuine 0.30, 0.41, 0.18, 0.41), 64% for dry and 56% for noisy ones, where
//!   FingerJet FX finds few true minutiae (the desk then takes the other chip finger, and a
//!   supervisor approves with the photo when neither reads);
//! - real, NIST's ink tenprint card, plain impressions against rolled templates: 180 impostor
//!   pairs, highest 0.061, none accepted; 9 of 10 genuine pairs refused (median 0.052): ink slaps
//!   against ink rolled prints are not what a pickup desk compares (two live plain prints), and
//!   a threshold low enough to pass them would accept impostors.
//!
//! Contract: pure and deterministic; an empty template or probe (or one too sparse to build a
//! single valid cylinder) scores 0 and is never accepted; work is bounded by
//! [`crate::matching::MAX_MINUTIAE`] per side.

use crate::matching::{Template, compare};
use crate::minutiae::Minutia;

/// Score from which a pickup finger is taken for the order's chip finger. Above the duplicate
/// check's [`crate::matching::SAME_FINGER_THRESHOLD`]: a false accept here hands a card to the
/// wrong person, where there it only merges two fingers of the same resident. See the module
/// docs and `tests/pickup_rates.rs` for the distributions it was chosen from.
pub const PICKUP_THRESHOLD: f64 = 0.15;

// Never looser than the duplicate check (checked when compiling).
const _: () = assert!(PICKUP_THRESHOLD > crate::matching::SAME_FINGER_THRESHOLD);

/// The outcome of one 1:1 comparison.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Verification {
    /// The matcher's similarity, 0 (nothing in common) to 1 (identical).
    pub score: f64,
    /// Whether the score reaches [`PICKUP_THRESHOLD`].
    pub matched: bool,
}

/// Verifies `probe` (a fresh capture's minutiae) against `template` (the order's chip finger).
pub fn verify(template: &[Minutia], probe: &[Minutia]) -> Verification {
    verify_templates(&Template::new(template), &Template::new(probe))
}

/// [`verify`] on templates already built (when one side is compared several times).
pub fn verify_templates(template: &Template, probe: &Template) -> Verification {
    let score = compare(template, probe);
    Verification {
        score,
        matched: score >= PICKUP_THRESHOLD,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::minutiae::MinutiaKind;

    fn spread(seed: u32, n: usize) -> Vec<Minutia> {
        let mut s = seed.wrapping_mul(2_654_435_761).wrapping_add(777);
        let mut next = move || {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            s
        };
        (0..n)
            .map(|_| Minutia {
                x: 40 + next() % 320,
                y: 40 + next() % 420,
                angle: (next() % 256) as u8,
                kind: MinutiaKind::Bifurcation,
                quality: 30 + (next() % 70) as u8,
            })
            .collect()
    }

    #[test]
    fn the_same_minutiae_are_accepted() {
        let m = spread(1, 45);
        let v = verify(&m, &m);
        assert!(v.matched, "{v:?}");
        assert!(v.score > 0.99, "{v:?}");
    }

    #[test]
    fn unrelated_minutiae_are_refused() {
        for seed in 2..12 {
            let v = verify(&spread(seed, 45), &spread(seed + 50, 45));
            assert!(!v.matched, "{seed}: {v:?}");
        }
    }

    #[test]
    fn an_empty_probe_or_template_is_never_accepted() {
        let m = spread(3, 45);
        for v in [verify(&m, &[]), verify(&[], &m), verify(&[], &[])] {
            assert_eq!(v.score, 0.0);
            assert!(!v.matched);
        }
    }
}
