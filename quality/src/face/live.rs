//! Live feedback while the resident is seated: every preview frame is checked with a detector
//! sized for preview frames, and the message shown to the operator changes only after the same
//! verdict has been seen on `hold` consecutive frames, so it does not flicker.
//!
//! Contract: [`LiveFeedback`] is the only state (the message on screen and the candidate
//! replacing it); feeding it the same sequence of verdicts always shows the same messages.

use serde::Serialize;

use super::report::{Check, FaceReport, Message};
use super::{FaceError, FaceOptions, SeetaDetector, evaluate};
use crate::image::RgbView;

/// What the operator sees for one frame.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LiveVerdict {
    /// Whether the frame passes every check (ready to take the still).
    pub ready: bool,
    /// The check to fix first, if any.
    pub check: Option<Check>,
    /// What to tell the resident.
    pub message: Message,
}

impl LiveVerdict {
    /// The verdict of a report: its first advice, or "ready".
    pub fn of(report: &FaceReport) -> Self {
        let advised = report.advice.as_ref().and_then(|advice| {
            report
                .components
                .iter()
                .find(|c| !c.passed && &c.message == advice)
        });
        match advised {
            Some(c) if !report.passed => Self {
                ready: false,
                check: Some(c.check),
                message: c.message.clone(),
            },
            _ if report.passed => Self {
                ready: true,
                check: None,
                message: Message::new("Siap: ambil foto.", "Ready: take the photo."),
            },
            _ => Self {
                ready: false,
                check: None,
                message: Message::new("Belum siap.", "Not ready."),
            },
        }
    }
}

/// Hysteresis over per-frame verdicts.
#[derive(Debug, Clone)]
pub struct LiveFeedback {
    hold: u32,
    shown: Option<LiveVerdict>,
    candidate: Option<(LiveVerdict, u32)>,
}

impl LiveFeedback {
    /// Changes the shown message after `hold` consecutive frames agree (1 follows every frame).
    pub fn new(hold: u32) -> Self {
        Self {
            hold: hold.max(1),
            shown: None,
            candidate: None,
        }
    }

    /// Feeds one frame's verdict; returns what to show now (`None` until a verdict has held).
    pub fn update(&mut self, verdict: LiveVerdict) -> Option<&LiveVerdict> {
        if self.shown.as_ref() == Some(&verdict) {
            self.candidate = None;
            return self.shown.as_ref();
        }
        let count = match &self.candidate {
            Some((c, n)) if *c == verdict => n + 1,
            _ => 1,
        };
        if count >= self.hold {
            self.shown = Some(verdict);
            self.candidate = None;
        } else {
            self.candidate = Some((verdict, count));
        }
        self.shown.as_ref()
    }

    /// What is shown now.
    pub fn shown(&self) -> Option<&LiveVerdict> {
        self.shown.as_ref()
    }
}

/// The per-frame checker: a preview-sized detector, the checks and the hysteresis.
#[derive(Debug)]
pub struct LiveChecker {
    detector: SeetaDetector,
    options: FaceOptions,
    feedback: LiveFeedback,
}

impl LiveChecker {
    /// Checks frames against `options`, changing the message after `hold` agreeing frames.
    pub fn new(options: FaceOptions, hold: u32) -> Result<Self, FaceError> {
        Ok(Self {
            detector: SeetaDetector::for_live()?,
            options,
            feedback: LiveFeedback::new(hold),
        })
    }

    /// Checks one preview frame: the full report of this frame and the message to show.
    pub fn frame(&mut self, image: &RgbView<'_>) -> (FaceReport, Option<LiveVerdict>) {
        let faces = self.detector.detect_gray(&image.luma());
        let report = evaluate(image, faces, &self.options);
        let shown = self.feedback.update(LiveVerdict::of(&report)).cloned();
        (report, shown)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(check: Option<Check>) -> LiveVerdict {
        LiveVerdict {
            ready: check.is_none(),
            check,
            message: Message::new("x", "x"),
        }
    }

    #[test]
    fn a_message_changes_only_after_it_holds_for_the_set_number_of_frames() {
        let mut f = LiveFeedback::new(3);
        let ok = verdict(None);
        let dark = verdict(Some(Check::LuminanceMean));
        assert_eq!(f.update(ok.clone()), None);
        assert_eq!(f.update(ok.clone()), None);
        assert_eq!(f.update(ok.clone()), Some(&ok));
        // One or two odd frames do not change the message.
        assert_eq!(f.update(dark.clone()), Some(&ok));
        assert_eq!(f.update(dark.clone()), Some(&ok));
        assert_eq!(f.update(ok.clone()), Some(&ok));
        assert_eq!(f.update(dark.clone()), Some(&ok));
        assert_eq!(f.update(dark.clone()), Some(&ok));
        assert_eq!(f.update(dark.clone()), Some(&dark));
    }

    #[test]
    fn alternating_verdicts_never_flicker_the_message() {
        let mut f = LiveFeedback::new(2);
        let a = verdict(Some(Check::Roll));
        let b = verdict(Some(Check::Yaw));
        f.update(a.clone());
        f.update(a.clone());
        for _ in 0..10 {
            assert_eq!(f.update(b.clone()), Some(&a));
            assert_eq!(f.update(a.clone()), Some(&a));
        }
    }
}
