//! The preview transport: live pictures from the face camera and the fingerprint scanner to the
//! browser, as multipart MJPEG (`multipart/x-mixed-replace`, which an `<img>` shows natively),
//! the face checks' advice and the signature pad's pen as server-sent events.
//!
//! Contract: one [`PreviewHub`] per device class pulls frames through the device manager only
//! while someone watches, yields to captures (a capture never waits for more than one preview
//! frame, and previews pause while it runs), and keeps one frame: a slow viewer skips frames, it
//! never makes the agent queue them. A device error ends the streams with a blank frame, and the
//! status endpoints say why. Independent of the console: the routes need only the [`Previews`].

pub mod face;
pub mod http;
pub mod hub;
pub mod jpeg;

use std::sync::Arc;

use tokio::sync::watch;

use crate::devices::{DeviceManager, PenFeed, PreviewOutcome};
pub use face::{FaceAdvice, FaceAdvisor, GUIDE, Guide};
pub use hub::{Encoded, JpegFrame, PreviewHub, Shown, Source, Viewer};

/// Frames per second the hubs pull at most: above the 10 the desk needs, below what two cores
/// shared with the captures can afford.
pub const MAX_FPS: u32 = 15;

/// The workstation's preview hubs.
#[derive(Clone, Debug)]
pub struct Previews {
    /// The face camera.
    pub face: PreviewHub,
    /// The face checks' advice for the camera's frames.
    pub advisor: FaceAdvisor,
    /// The fingerprint scanner.
    pub finger: PreviewHub,
    /// The signature pad's pen, live.
    pub pen: PenFeed,
    closing: watch::Receiver<bool>,
}

impl Previews {
    /// Hubs over `devices`, whose streams end when `closing` turns true.
    pub fn new(devices: &DeviceManager, closing: watch::Receiver<bool>) -> Self {
        let advisor = FaceAdvisor::default();
        Previews {
            face: PreviewHub::new(
                face::source(devices.clone(), advisor.clone()),
                MAX_FPS,
                closing.clone(),
            ),
            advisor,
            finger: PreviewHub::new(finger_source(devices.clone()), MAX_FPS, closing.clone()),
            pen: devices.pen.clone(),
            closing,
        }
    }

    /// Becomes true when the agent closes.
    pub fn closing(&self) -> watch::Receiver<bool> {
        self.closing.clone()
    }
}

/// The fingerprint scanner as a preview source.
fn finger_source(devices: DeviceManager) -> Source {
    Arc::new(move || {
        let devices = devices.clone();
        Box::pin(async move {
            let image = match devices.preview_finger().await {
                PreviewOutcome::Frame(i) => i,
                PreviewOutcome::Paused => return Ok(None),
                PreviewOutcome::Failed(e) => return Err(e.to_string()),
            };
            let captured_ms = crate::service::system_ms();
            tokio::task::spawn_blocking(move || {
                let jpeg = jpeg::gray(&image).map_err(|e| e.to_string())?;
                Ok(Some(Encoded {
                    width: image.width(),
                    height: image.height(),
                    jpeg,
                    captured_ms,
                }))
            })
            .await
            .map_err(|e| format!("preview encoding failed: {e}"))?
        })
    })
}
