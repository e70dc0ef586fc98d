//! What every quality check hands the operator: a message in Indonesian and English, and the
//! 0-100 score ramp the checks share.
//!
//! Contract: plain data; [`ramp`] is monotone between its two anchors and 0 for non-finite input.

use serde::Serialize;

/// A message in both languages the desk uses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Message {
    /// Bahasa Indonesia.
    pub id: String,
    /// English.
    pub en: String,
}

impl Message {
    /// A message from its two texts.
    pub fn new(id: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            en: en.into(),
        }
    }
}

/// A score 0-100 that falls linearly from 100 at `good` to 0 at `bad` (either direction).
pub fn ramp(value: f64, good: f64, bad: f64) -> u8 {
    if !value.is_finite() {
        return 0;
    }
    let t = ((value - bad) / (good - bad)).clamp(0.0, 1.0);
    (t * 100.0).round() as u8
}
