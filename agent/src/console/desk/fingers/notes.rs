//! What the last capture of a session said (scores, advice, fingers not found in a slap), kept
//! between the POST that took it and the page the browser is redirected to, so a reload shows
//! it again and never captures twice.
//!
//! Contract: in memory, one note per session, replaced by the session's next capture; at most
//! [`MAX_NOTES`] sessions are remembered (the oldest is forgotten first). Nothing here is
//! needed to resume: the session's state is in the store, the note only adds the words of the
//! last attempt.

use std::collections::VecDeque;
use std::sync::Mutex;

use crate::workflow::{Eye, Outcome};

/// How many sessions' notes are kept.
pub const MAX_NOTES: usize = 64;

/// One finger's result in the last capture.
#[derive(Clone, Debug, PartialEq)]
pub struct FingerLine {
    /// Position code.
    pub code: u8,
    /// What happened.
    pub outcome: Outcome,
    /// The capture's advice (finger advice is one of `capture::FINGER_ADVICE_*`).
    pub advice: Option<String>,
}

/// The last capture of a session.
#[derive(Clone, Debug, PartialEq)]
pub enum Note {
    /// A slap or a single finger.
    Fingers {
        /// Each finger recorded.
        lines: Vec<FingerLine>,
        /// Positions asked for in a slap but not found in its image.
        not_found: Vec<u8>,
    },
    /// One iris.
    Iris {
        /// Which eye.
        eye: Eye,
        /// What happened.
        outcome: Outcome,
        /// The iris checks' advice, "Indonesian / English".
        advice: Option<String>,
    },
}

static NOTES: Mutex<VecDeque<(String, Note)>> = Mutex::new(VecDeque::new());

fn notes() -> std::sync::MutexGuard<'static, VecDeque<(String, Note)>> {
    // A note is replaced whole under the lock, so a poisoned lock still holds whole notes.
    NOTES
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Keeps `note` as session `id`'s last capture.
pub fn put(id: &str, note: Note) {
    let mut n = notes();
    n.retain(|(k, _)| k != id);
    while n.len() >= MAX_NOTES {
        n.pop_front();
    }
    n.push_back((id.to_string(), note));
}

/// Session `id`'s last capture, if remembered.
pub fn get(id: &str) -> Option<Note> {
    notes()
        .iter()
        .find(|(k, _)| k == id)
        .map(|(_, v)| v.clone())
}

/// Forgets session `id`'s note (once what it says no longer applies).
pub fn forget(id: &str) {
    notes().retain(|(k, _)| k != id);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn note(code: u8) -> Note {
        Note::Fingers {
            lines: vec![FingerLine {
                code,
                outcome: Outcome::Accepted { score: 60 },
                advice: None,
            }],
            not_found: vec![],
        }
    }

    #[test]
    fn a_note_is_replaced_by_the_next_and_the_oldest_session_is_forgotten_first() {
        put("notes-test-a", note(1));
        put("notes-test-a", note(2));
        assert_eq!(get("notes-test-a"), Some(note(2)));
        for i in 0..MAX_NOTES {
            put(&format!("notes-test-{i}"), note(3));
        }
        assert_eq!(get("notes-test-a"), None);
        assert!(notes().len() <= MAX_NOTES);
        forget("notes-test-0");
        assert_eq!(get("notes-test-0"), None);
    }
}
