//! The within-enrollment duplicate-finger check: a new finger capture must not be a finger
//! already captured in the session under another position (a hand placed twice, or one finger
//! presented as another).
//!
//! Contract: pure. Given the new capture's template and the templates of the fingers already
//! captured (by position), [`duplicate_of`] names the stored position whose print matches
//! best when that match reaches [`rekam_quality::matching::SAME_FINGER_THRESHOLD`], else `None`.
//! The stored entry for the position being (re)captured is skipped, so a retake of the same
//! finger is never called a duplicate of itself. Templates come from the capture's NFIQ 2
//! assessment (`Assessment::minutiae`), so nothing is extracted twice; a capture without a
//! template (NFIQ 2 refused it) cannot be checked and is never reported as a duplicate.

use rekam_protocol::model::FingerPosition;
use rekam_quality::matching::{SAME_FINGER_THRESHOLD, Template, compare};
use rekam_quality::minutiae::{Minutia, MinutiaKind};
use serde::{Deserialize, Serialize};

/// A minutia as the session keeps it between captures (and across restarts): position in
/// pixels, direction in 1/256 turns, kind (`E` ending, `B` bifurcation, `O` other), quality.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredMinutia(pub u32, pub u32, pub u8, pub char, pub u8);

impl From<&Minutia> for StoredMinutia {
    fn from(m: &Minutia) -> Self {
        let kind = match m.kind {
            MinutiaKind::Ending => 'E',
            MinutiaKind::Bifurcation => 'B',
            MinutiaKind::Other => 'O',
        };
        StoredMinutia(m.x, m.y, m.angle, kind, m.quality)
    }
}

impl From<&StoredMinutia> for Minutia {
    fn from(s: &StoredMinutia) -> Self {
        let kind = match s.3 {
            'E' => MinutiaKind::Ending,
            'B' => MinutiaKind::Bifurcation,
            _ => MinutiaKind::Other,
        };
        Minutia {
            x: s.0,
            y: s.1,
            angle: s.2,
            kind,
            quality: s.4,
        }
    }
}

/// A template from stored minutiae.
pub fn template(stored: &[StoredMinutia]) -> Template {
    let minutiae: Vec<Minutia> = stored.iter().map(Minutia::from).collect();
    Template::new(&minutiae)
}

/// A match against an already captured finger.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Duplicate {
    /// The position already captured that the new print matches.
    pub position: FingerPosition,
    /// The similarity (0..1, see `rekam_quality::matching`).
    pub score: f64,
}

/// The already captured finger that `new` (a capture for `position`) duplicates, if any: the
/// best-scoring stored template at or above the threshold, other than `position` itself.
pub fn duplicate_of<'a>(
    position: FingerPosition,
    new: &Template,
    captured: impl IntoIterator<Item = (FingerPosition, &'a Template)>,
) -> Option<Duplicate> {
    captured
        .into_iter()
        .filter(|(p, _)| *p != position)
        .map(|(p, t)| Duplicate {
            position: p,
            score: compare(new, t),
        })
        .filter(|d| d.score >= SAME_FINGER_THRESHOLD)
        .max_by(|a, b| {
            a.score
                .total_cmp(&b.score)
                // Equal scores: the lower position, so the answer does not depend on order.
                .then(b.position.cmp(&a.position))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rekam_quality::minutiae::{Minutia, MinutiaKind};

    /// A deterministic spread of minutiae standing for one finger.
    fn finger(seed: u32) -> Vec<Minutia> {
        let mut s = seed.wrapping_mul(2_654_435_761).wrapping_add(777);
        let mut next = move || {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            s
        };
        (0..40)
            .map(|_| Minutia {
                x: 60 + next() % 280,
                y: 60 + next() % 380,
                angle: (next() % 256) as u8,
                kind: MinutiaKind::Bifurcation,
                quality: 50 + (next() % 50) as u8,
            })
            .collect()
    }

    /// The same finger placed again: shifted a little, some minutiae lost.
    fn again(m: &[Minutia]) -> Vec<Minutia> {
        m.iter()
            .skip(4)
            .map(|p| Minutia {
                x: p.x + 12,
                y: p.y + 7,
                ..*p
            })
            .collect()
    }

    fn pos(code: u8) -> FingerPosition {
        FingerPosition::new(code).expect("1-10")
    }

    #[test]
    fn a_finger_presented_again_as_another_is_reported_with_its_position() {
        let stored: Vec<(FingerPosition, Template)> = (1..=4)
            .map(|p| (pos(p), Template::new(&finger(u32::from(p)))))
            .collect();
        let new = Template::new(&again(&finger(3)));
        let found = duplicate_of(pos(5), &new, stored.iter().map(|(p, t)| (*p, t)));
        let found = found.expect("finger 3 again");
        assert_eq!(found.position, pos(3));
        assert!(found.score >= SAME_FINGER_THRESHOLD);
    }

    #[test]
    fn a_new_finger_duplicates_nothing() {
        let stored: Vec<(FingerPosition, Template)> = (1..=9)
            .map(|p| (pos(p), Template::new(&finger(u32::from(p)))))
            .collect();
        let new = Template::new(&finger(10));
        assert_eq!(
            duplicate_of(pos(10), &new, stored.iter().map(|(p, t)| (*p, t))),
            None
        );
    }

    #[test]
    fn a_retake_of_the_same_position_is_not_its_own_duplicate() {
        let stored = [(pos(2), Template::new(&finger(2)))];
        let new = Template::new(&again(&finger(2)));
        assert_eq!(
            duplicate_of(pos(2), &new, stored.iter().map(|(p, t)| (*p, t))),
            None
        );
    }

    #[test]
    fn a_capture_without_minutiae_duplicates_nothing() {
        let stored = [(pos(1), Template::new(&finger(1)))];
        assert_eq!(
            duplicate_of(
                pos(6),
                &Template::new(&[]),
                stored.iter().map(|(p, t)| (*p, t))
            ),
            None
        );
    }
}
