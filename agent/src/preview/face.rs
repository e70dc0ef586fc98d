//! The face camera's preview source: each frame is encoded as JPEG and checked by the quality
//! crate's live face checker, whose message (held over a few frames, so it does not flicker)
//! becomes the [`FaceAdvice`] the desk shows beside the picture.
//!
//! Contract: [`FaceAdvice`] changes only when the shown message or the device's state changes,
//! never per frame; the expected backdrop is the current resident's ([`FaceAdvisor::expect`]),
//! and changing it starts the checker afresh. The guide is the ISO/IEC 19794-5 full-frontal
//! geometry of the 3:4 card crop, as fractions of the frame, for the page to draw.

use std::sync::{Arc, Mutex};

use rekam_quality::face::{BackgroundColour, FaceOptions, LiveChecker};
use rekam_quality::image::RgbView;
use serde::Serialize;
use tokio::sync::watch;

use super::hub::{Encoded, Pull, Source};
use super::jpeg;
use crate::devices::{DeviceManager, PreviewOutcome};

/// Agreeing frames before the message changes.
const HOLD_FRAMES: u32 = 3;

/// Where the head belongs in a 3:4 frame, as fractions of its width and height.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Guide {
    /// The eye line's allowed band, top and bottom (50-70% of the height from the bottom).
    pub eye_band: [f64; 2],
    /// The head box: left, top, width, height (crown 8% below the top, chin to crown 75% of
    /// the height, face centred).
    pub head_box: [f64; 4],
}

/// The ICAO guide of the card crop.
pub const GUIDE: Guide = Guide {
    eye_band: [0.30, 0.50],
    head_box: [0.25, 0.08, 0.50, 0.75],
};

/// What the desk shows beside the face preview.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FaceAdvice {
    /// `waiting` (no verdict yet), `advice`, `ready` or `failed` (the camera failed).
    pub state: &'static str,
    /// The check to fix first, when there is one (the quality crate's name).
    pub check: Option<String>,
    /// The message in Bahasa Indonesia.
    pub id: String,
    /// The message in English.
    pub en: String,
    /// The camera's error, when it failed.
    pub error: Option<String>,
    /// The backdrop the checks expect (`red`, `blue`, `orange`), when set.
    pub backdrop: Option<&'static str>,
    /// The guide to draw over the picture.
    pub guide: Guide,
}

impl FaceAdvice {
    fn waiting(backdrop: Option<BackgroundColour>) -> Self {
        FaceAdvice {
            state: "waiting",
            check: None,
            id: String::new(),
            en: String::new(),
            error: None,
            backdrop: backdrop.map(colour_name),
            guide: GUIDE,
        }
    }
}

/// The name of a backdrop colour.
pub fn colour_name(c: BackgroundColour) -> &'static str {
    match c {
        BackgroundColour::Red => "red",
        BackgroundColour::Blue => "blue",
        BackgroundColour::Orange => "orange",
    }
}

/// One frame for the checker thread.
struct Job {
    rgb: Vec<u8>,
    width: u32,
    height: u32,
    /// Still pixels per frame pixel.
    scale: f64,
    expected: Option<BackgroundColour>,
}

struct Checking {
    expected: Option<BackgroundColour>,
    /// The checker thread's queue (one frame; a frame that finds it full is not checked).
    worker: Option<std::sync::mpsc::SyncSender<Job>>,
}

/// A checker thread with nothing to do for this long ends; the next frame starts another.
const CHECKER_IDLE: std::time::Duration = std::time::Duration::from_secs(5);

/// The face checks of the preview and the advice they give. The face detector is not `Send`,
/// so it lives on its own thread, fed one frame at a time: when it is busy, frames go unchecked
/// (the advice follows at the pace the machine affords, the picture does not wait for it).
#[derive(Clone)]
pub struct FaceAdvisor {
    checking: Arc<Mutex<Checking>>,
    advice: Arc<watch::Sender<FaceAdvice>>,
}

impl std::fmt::Debug for FaceAdvisor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaceAdvisor").finish_non_exhaustive()
    }
}

impl Default for FaceAdvisor {
    fn default() -> Self {
        FaceAdvisor {
            checking: Arc::new(Mutex::new(Checking {
                expected: None,
                worker: None,
            })),
            advice: Arc::new(watch::channel(FaceAdvice::waiting(None)).0),
        }
    }
}

impl FaceAdvisor {
    /// Sets the backdrop the current resident needs; a change restarts the checks.
    pub fn expect(&self, expected: Option<BackgroundColour>) {
        let mut c = self.lock();
        if c.expected != expected {
            c.expected = expected;
            drop(c);
            set(&self.advice, FaceAdvice::waiting(expected));
        }
    }

    /// The backdrop expected now.
    pub fn expected(&self) -> Option<BackgroundColour> {
        self.lock().expected
    }

    /// The advice now and its changes.
    pub fn subscribe(&self) -> watch::Receiver<FaceAdvice> {
        self.advice.subscribe()
    }

    /// The advice now.
    pub fn current(&self) -> FaceAdvice {
        self.advice.borrow().clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Checking> {
        // Two plain fields, replaced whole: a panic cannot leave them half-updated.
        self.checking
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Records that the camera failed.
    pub fn failed(&self, error: &str) {
        let mut a = FaceAdvice::waiting(self.expected());
        a.state = "failed";
        a.error = Some(error.to_string());
        set(&self.advice, a);
    }

    /// Hands one RGB frame to the checker thread, unless it is still busy with the last one.
    fn check(&self, rgb: Vec<u8>, width: u32, height: u32, scale: f64) {
        use std::sync::mpsc::TrySendError;
        let mut c = self.lock();
        let mut job = Job {
            rgb,
            width,
            height,
            scale,
            expected: c.expected,
        };
        if let Some(worker) = &c.worker {
            match worker.try_send(job) {
                Ok(()) | Err(TrySendError::Full(_)) => return,
                Err(TrySendError::Disconnected(j)) => job = j,
            }
        }
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        let (checking, advice) = (self.checking.clone(), self.advice.clone());
        let spawned = std::thread::Builder::new()
            .name("face-preview-checks".into())
            .spawn(move || checker_thread(&rx, &checking, &advice));
        if spawned.is_ok() && tx.try_send(job).is_ok() {
            c.worker = Some(tx);
        }
    }
}

fn set(sender: &watch::Sender<FaceAdvice>, advice: FaceAdvice) {
    // Only a change wakes the streams: the page never redraws the same message.
    sender.send_if_modified(|a| {
        if *a == advice {
            false
        } else {
            *a = advice;
            true
        }
    });
}

/// Checks frames until none comes for [`CHECKER_IDLE`].
fn checker_thread(
    rx: &std::sync::mpsc::Receiver<Job>,
    checking: &Mutex<Checking>,
    advice: &watch::Sender<FaceAdvice>,
) {
    let mut checker: Option<(Option<BackgroundColour>, f64, LiveChecker)> = None;
    while let Ok(job) = rx.recv_timeout(CHECKER_IDLE) {
        let Ok(view) = RgbView::new(job.width, job.height, &job.rgb) else {
            continue;
        };
        let reuse = matches!(&checker, Some((e, s, _)) if *e == job.expected && *s == job.scale);
        if !reuse {
            let options = FaceOptions {
                expected_background: job.expected,
                pixel_scale: job.scale,
            };
            match LiveChecker::new(options, HOLD_FRAMES) {
                Ok(c) => checker = Some((job.expected, job.scale, c)),
                Err(e) => {
                    let mut a = FaceAdvice::waiting(job.expected);
                    a.state = "failed";
                    a.error = Some(format!("face detector: {e}"));
                    set(advice, a);
                    continue;
                }
            }
        }
        let Some((_, _, c)) = checker.as_mut() else {
            continue;
        };
        let (_, shown) = c.frame(&view);
        let now_expected = checking
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .expected;
        if now_expected != job.expected {
            // The resident changed while this frame was checked: its verdict is stale.
            continue;
        }
        let a = match shown {
            None => FaceAdvice::waiting(job.expected),
            Some(v) => FaceAdvice {
                state: if v.ready { "ready" } else { "advice" },
                check: v.check.map(|c| format!("{c:?}")),
                id: v.message.id,
                en: v.message.en,
                error: None,
                backdrop: job.expected.map(colour_name),
                guide: GUIDE,
            },
        };
        set(advice, a);
    }
}

/// The camera as a preview source: frames through the device manager (pausing while a capture
/// holds the camera), encoded and checked off the reactor.
pub fn source(devices: DeviceManager, advisor: FaceAdvisor) -> Source {
    Arc::new(move || {
        let (devices, advisor) = (devices.clone(), advisor.clone());
        Box::pin(async move {
            let (photo, still_width) = match devices.preview_photo().await {
                PreviewOutcome::Frame(p) => p,
                PreviewOutcome::Paused => return Ok(None),
                PreviewOutcome::Failed(e) => {
                    let message = e.to_string();
                    advisor.failed(&message);
                    return Err(message);
                }
            };
            let captured_ms = crate::service::system_ms();
            let on_failure = advisor.clone();
            let work = tokio::task::spawn_blocking(move || -> Pull {
                let (jpeg, width, height) = jpeg::photo(&photo).map_err(|e| e.to_string())?;
                let rgb = match &photo {
                    rekam_drivers::camera::Photo::Rgb(img) => Some(img.pixels().to_vec()),
                    rekam_drivers::camera::Photo::Jpeg { bytes, .. } => {
                        crate::capture::decode_jpeg(bytes).ok().map(|(p, _, _)| p)
                    }
                };
                if let Some(rgb) = rgb {
                    // Live view is smaller than the still: sizes are judged in the still's pixels.
                    let scale = still_width.map_or(1.0, |w| f64::from(w) / f64::from(width.max(1)));
                    advisor.check(rgb, width, height, scale);
                }
                Ok(Some(Encoded {
                    width,
                    height,
                    jpeg,
                    captured_ms,
                }))
            });
            let result = work
                .await
                .map_err(|e| format!("preview encoding failed: {e}"))
                .and_then(|r| r);
            if let Err(e) = &result {
                on_failure.failed(e);
            }
            result
        })
    })
}
