//! Live capture of one finger: preview frames, each measured by the quality crate's live path,
//! until the auto-capture rule asks for the capture; every frame is reported to a sink so the
//! operator's screen can show the finger and what to fix.
//!
//! Contract: a scanner without previews is captured directly (no frames reported); a finger that
//! stays on the platen without ever satisfying the rule is captured anyway once three quarters of
//! the deadline are spent, and that frame says so (`forced`), so a hard finger ends in a capture
//! that the workflow grades (and may retake) rather than in a timeout. Cancellation and the
//! deadline are honoured between frames.

use std::time::Instant;

use rekam_drivers::fingerprint::{CaptureOptions, Feedback, Finger, FingerprintScanner};
use rekam_drivers::{ErrorKind, GrayImage};
use rekam_quality::live::{self, AutoCapture, AutoCaptureRule, Decision, FrameQuality, WaitReason};
use serde::Serialize;

use super::DeviceFailure;

/// One preview frame as the operator's screen shows it.
#[derive(Clone, Debug)]
pub struct LiveFrame {
    /// Frames since the live capture began (0-based).
    pub index: u32,
    /// The frame's live measures.
    pub quality: FrameQuality,
    /// What the auto-capture rule made of it.
    pub decision: Decision,
    /// The rule did not fire, but the deadline is near and a finger is present: capturing.
    pub forced: bool,
    /// The preview image.
    pub image: GrayImage,
}

/// The JSON shape of a frame's measures and decision (without the image).
#[derive(Clone, Debug, Serialize)]
pub struct LiveFrameView {
    /// Frames since the live capture began.
    pub frame: u32,
    /// A ridged finger is on the platen.
    pub present: bool,
    /// Share of the frame covered by print.
    pub area: f32,
    /// Ridge contrast (gray-level spread).
    pub contrast: f32,
    /// Ridge orientation coherence.
    pub coherence: f32,
    /// Cheap quality estimate on NFIQ 2's scale.
    pub estimate: u8,
    /// `waiting`, `steady` or `capture`.
    pub decision: &'static str,
    /// Why the frame did not count: `no_finger`, `too_small`, `low_quality`, `moving`,
    /// `lift_finger`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'static str>,
    /// Good steady frames so far in the current run.
    pub steady_frames: u32,
    /// Captured although the rule did not fire (deadline near).
    pub forced: bool,
}

impl LiveFrame {
    /// The frame's measures for the event stream.
    pub fn view(&self) -> LiveFrameView {
        let q = &self.quality;
        let (decision, reason, steady_frames) = match self.decision {
            Decision::Waiting { reason } => ("waiting", Some(reason_name(reason)), 0),
            Decision::Steady { frames } => ("steady", None, frames),
            Decision::Capture => ("capture", None, 0),
        };
        LiveFrameView {
            frame: self.index,
            present: q.present,
            area: q.area,
            contrast: q.contrast,
            coherence: q.coherence,
            estimate: q.estimate,
            decision: if self.forced { "capture" } else { decision },
            reason,
            steady_frames,
            forced: self.forced,
        }
    }
}

fn reason_name(r: WaitReason) -> &'static str {
    match r {
        WaitReason::NoFinger => "no_finger",
        WaitReason::TooSmall { .. } => "too_small",
        WaitReason::LowQuality { .. } => "low_quality",
        WaitReason::Moving { .. } => "moving",
        WaitReason::LiftFinger => "lift_finger",
    }
}

/// Where a live capture's frames go.
pub type FrameSink<'a> = &'a mut (dyn FnMut(LiveFrame) + Send);

/// Previews `finger` on `scanner` until the auto-capture `rule` fires, then captures it.
pub fn auto_capture<S: FingerprintScanner>(
    scanner: &mut S,
    finger: Finger,
    options: &CaptureOptions,
    rule: AutoCaptureRule,
    sink: FrameSink<'_>,
) -> Result<GrayImage, DeviceFailure> {
    let who = scanner.identity().to_string();
    let fail = |e: &S::Error| DeviceFailure::from_driver(&who, e);
    let started = Instant::now();
    let budget = options.timeout.mul_f64(0.75);
    // LEDs are optional; a scanner without them captures all the same.
    let _ = scanner.set_feedback(Feedback::Place);
    let mut rule_state = AutoCapture::new(rule);
    let mut index = 0u32;
    loop {
        if options.cancel.is_cancelled() {
            return Err(DeviceFailure::new(
                &who,
                ErrorKind::Cancelled,
                "live capture cancelled",
            ));
        }
        let left = options.timeout.saturating_sub(started.elapsed());
        if left.is_zero() {
            return Err(DeviceFailure::new(
                &who,
                ErrorKind::Timeout,
                format!("no finger placed within {} ms", options.timeout.as_millis()),
            ));
        }
        let frame_options = CaptureOptions {
            timeout: left,
            cancel: options.cancel.clone(),
        };
        let image = match scanner.preview_frame(&frame_options) {
            Ok(image) => image,
            Err(e) if index == 0 && rekam_drivers::Error::kind(&e) == ErrorKind::Unsupported => {
                // No previews: the scanner decides when to capture by itself.
                return scanner
                    .capture_finger(finger, &frame_options)
                    .map(|f| f.image)
                    .map_err(|e| fail(&e));
            }
            Err(e) => return Err(fail(&e)),
        };
        let quality = measure(&image, &who)?;
        let decision = rule_state.push(&quality);
        let forced =
            decision != Decision::Capture && quality.present && started.elapsed() >= budget;
        let capture_now = decision == Decision::Capture || forced;
        sink(LiveFrame {
            index,
            quality,
            decision,
            forced,
            image,
        });
        if capture_now {
            let _ = scanner.set_feedback(Feedback::Working);
            let left = options.timeout.saturating_sub(started.elapsed());
            let result = scanner
                .capture_finger(
                    finger,
                    &CaptureOptions {
                        timeout: left,
                        cancel: options.cancel.clone(),
                    },
                )
                .map(|f| f.image)
                .map_err(|e| fail(&e));
            let _ = scanner.set_feedback(Feedback::Off);
            return result;
        }
        index = index.saturating_add(1);
    }
}

fn measure(image: &GrayImage, who: &str) -> Result<FrameQuality, DeviceFailure> {
    let view = crate::capture::gray_view(image).map_err(|e| {
        DeviceFailure::new(
            who,
            ErrorKind::ProtocolViolation,
            format!("the scanner sent a preview frame that is not an image: {e}"),
        )
    })?;
    Ok(live::frame(&view))
}
