//! Bounded retries for one capture: keep the best attempt, accept the first that meets the
//! quality gate, and after the limit keep the best one marked as forced.
//!
//! Contract: pure bookkeeping; the caller supplies each attempt with its quality score.

use serde::{Deserialize, Serialize};

/// What happened to one attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// Met the gate; this attempt is kept.
    Accepted {
        /// Its score.
        score: u8,
    },
    /// Below the gate; the operator should retake.
    Retake {
        /// Its score.
        score: u8,
        /// The gate it missed.
        gate: u8,
        /// Attempts left before the best is kept as forced.
        attempts_left: u8,
    },
    /// Below the gate on the last allowed attempt; the best attempt so far is kept, marked forced.
    Forced {
        /// Score of the kept attempt.
        kept_score: u8,
    },
}

/// The attempts at one capture.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Attempts<T> {
    tries: u8,
    best: Option<(T, u8)>,
    done: bool,
    forced: bool,
}

impl<T> Default for Attempts<T> {
    fn default() -> Self {
        Attempts {
            tries: 0,
            best: None,
            done: false,
            forced: false,
        }
    }
}

impl<T> Attempts<T> {
    /// Records an attempt scored `score` against `gate`, with at most `max` attempts.
    pub fn submit(&mut self, item: T, score: u8, gate: u8, max: u8) -> Outcome {
        self.tries = self.tries.saturating_add(1);
        if score >= gate {
            self.best = Some((item, score));
            self.done = true;
            self.forced = false;
            return Outcome::Accepted { score };
        }
        if self.best.as_ref().is_none_or(|(_, s)| score > *s) {
            self.best = Some((item, score));
        }
        if self.tries >= max.max(1) {
            self.done = true;
            self.forced = true;
            return Outcome::Forced {
                kept_score: self.best.as_ref().map_or(score, |(_, s)| *s),
            };
        }
        Outcome::Retake {
            score,
            gate,
            attempts_left: max - self.tries,
        }
    }

    /// True once an attempt was accepted or forced.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// Attempts made.
    pub fn tries(&self) -> u8 {
        self.tries
    }

    /// Whether the kept attempt was forced.
    pub fn forced(&self) -> bool {
        self.forced
    }

    /// The kept attempt, once done.
    pub fn kept(&self) -> Option<&T> {
        if self.done {
            self.best.as_ref().map(|(t, _)| t)
        } else {
            None
        }
    }

    /// The best attempt so far, for the store to move its image bytes in and out.
    pub fn best_mut(&mut self) -> Option<&mut T> {
        self.best.as_mut().map(|(t, _)| t)
    }

    /// Score of the best attempt so far.
    pub fn kept_score(&self) -> Option<u8> {
        self.best.as_ref().map(|(_, s)| *s)
    }

    /// Starts over (for a retake the resident asked for).
    pub fn reset(&mut self) {
        *self = Attempts::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_attempt_over_the_gate_is_accepted() {
        let mut a = Attempts::default();
        assert_eq!(
            a.submit("a", 30, 50, 3),
            Outcome::Retake {
                score: 30,
                gate: 50,
                attempts_left: 2
            }
        );
        assert_eq!(a.submit("b", 60, 50, 3), Outcome::Accepted { score: 60 });
        assert_eq!(a.kept(), Some(&"b"));
        assert!(!a.forced());
    }

    #[test]
    fn after_the_limit_the_best_attempt_is_kept_and_forced() {
        let mut a = Attempts::default();
        a.submit("a", 30, 50, 3);
        a.submit("b", 45, 50, 3);
        assert_eq!(a.kept(), None, "nothing is kept while retakes remain");
        assert_eq!(a.submit("c", 20, 50, 3), Outcome::Forced { kept_score: 45 });
        assert_eq!(a.kept(), Some(&"b"));
        assert!(a.forced() && a.is_done() && a.tries() == 3);
    }
}
