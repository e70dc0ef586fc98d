//! Choosing the two fingers whose templates go on the card chip: by default the right and left
//! index fingers, but the best-quality prints win when an index finger is missing or poor.
//!
//! Contract: pure; picks two distinct captured fingers, one per hand when each hand has a usable
//! print, preferring an index finger whose quality meets the gate, otherwise the best print of
//! that hand (ties go to the index finger, then the lower position).

use rekam_protocol::model::{Biometrics, FingerPosition, FingerRecord};

/// Picks the chip fingers, or `None` when fewer than two fingers were captured.
pub fn choose(fingers: &[(FingerPosition, Option<u8>)], gate: u8) -> Option<[FingerPosition; 2]> {
    let best_of_hand = |index: u8, hand: std::ops::RangeInclusive<u8>| {
        let captured: Vec<(FingerPosition, u8)> = fingers
            .iter()
            .filter_map(|&(p, q)| q.map(|q| (p, q)))
            .filter(|(p, _)| hand.contains(&p.code()))
            .collect();
        if let Some(&(p, q)) = captured.iter().find(|(p, _)| p.code() == index)
            && q >= gate
        {
            return Some((p, q));
        }
        captured
            .into_iter()
            .max_by_key(|&(p, q)| (q, p.code() == index, std::cmp::Reverse(p.code())))
    };
    let right = best_of_hand(2, 1..=5);
    let left = best_of_hand(7, 6..=10);
    match (right, left) {
        (Some((r, _)), Some((l, _))) => Some([r, l]),
        // One hand has no print: take the two best of the other.
        _ => {
            let mut all: Vec<(FingerPosition, u8)> = fingers
                .iter()
                .filter_map(|&(p, q)| q.map(|q| (p, q)))
                .collect();
            all.sort_by_key(|&(p, q)| (std::cmp::Reverse(q), !matches!(p.code(), 2 | 7), p.code()));
            match all.as_slice() {
                [a, b, ..] => Some([a.0, b.0]),
                _ => None,
            }
        }
    }
}

/// The chip fingers of completed biometrics.
pub fn choose_for(biometrics: &Biometrics, gate: u8) -> Option<[FingerPosition; 2]> {
    let fingers: Vec<(FingerPosition, Option<u8>)> = biometrics
        .fingers
        .iter()
        .map(|e| match &e.record {
            FingerRecord::Captured(c) => (e.position, Some(c.quality.score)),
            FingerRecord::Exception(_) => (e.position, None),
        })
        .collect();
    choose(&fingers, gate)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(scores: [Option<u8>; 10]) -> Vec<(FingerPosition, Option<u8>)> {
        FingerPosition::all().zip(scores).collect()
    }

    fn pos(code: u8) -> FingerPosition {
        FingerPosition::new(code).expect("1-10")
    }

    #[test]
    fn good_index_fingers_are_chosen_even_when_others_score_higher() {
        let s = set([
            Some(90),
            Some(60),
            Some(95),
            Some(50),
            Some(50),
            Some(90),
            Some(55),
            Some(99),
            Some(50),
            Some(50),
        ]);
        assert_eq!(choose(&s, 40), Some([pos(2), pos(7)]));
    }

    #[test]
    fn a_poor_or_missing_index_finger_gives_way_to_the_best_print_of_that_hand() {
        let s = set([
            Some(70),
            Some(20),
            Some(80),
            Some(50),
            Some(50),
            Some(60),
            None,
            Some(65),
            Some(50),
            Some(50),
        ]);
        assert_eq!(choose(&s, 40), Some([pos(3), pos(8)]));
    }

    #[test]
    fn a_hand_without_prints_yields_two_from_the_other_hand() {
        let s = set([
            Some(70),
            Some(75),
            Some(80),
            None,
            None,
            None,
            None,
            None,
            None,
            None,
        ]);
        assert_eq!(choose(&s, 40), Some([pos(3), pos(2)]));
        let one = set([
            Some(70),
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
        ]);
        assert_eq!(choose(&one, 40), None);
    }
}
