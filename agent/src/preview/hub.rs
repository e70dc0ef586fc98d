//! One device's preview hub: a producer task pulling frames while anyone watches, and the newest
//! frame handed to every viewer.
//!
//! Contract: the producer runs only while at least one [`Viewer`] is alive (it starts with the
//! first and stops after the last has gone); each frame replaces the previous one in a
//! `tokio::sync::watch`, so the hub holds one frame however slowly a viewer reads, and a slow
//! viewer skips to the newest frame. A source that answers "paused" (the device is busy with a
//! capture) is asked again shortly, without publishing anything. A source error is published as
//! [`Shown::Failed`], which ends every viewer's stream, and stops the producer; the next viewer
//! starts it again. Closing the agent ends every stream the same way.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::sync::watch;

/// One encoded frame.
#[derive(Debug)]
pub struct JpegFrame {
    /// Frames since the hub was made (1-based).
    pub seq: u64,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// The JPEG file.
    pub jpeg: Vec<u8>,
    /// When the device handed the frame over (Unix ms), for measuring latency to the screen.
    pub captured_ms: i64,
    held: Arc<AtomicUsize>,
}

impl Drop for JpegFrame {
    fn drop(&mut self) {
        self.held.fetch_sub(1, Ordering::SeqCst);
    }
}

/// What the hub shows now.
#[derive(Clone, Debug)]
pub enum Shown {
    /// Nothing yet.
    Idle,
    /// The newest frame.
    Frame(Arc<JpegFrame>),
    /// The device failed (or the agent is closing): streams end with this message.
    Failed(String),
}

/// A frame as the source hands it over, already encoded.
#[derive(Debug)]
pub struct Encoded {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// The JPEG file.
    pub jpeg: Vec<u8>,
    /// When the device handed the frame over (Unix ms).
    pub captured_ms: i64,
}

/// What one pull from the device gave.
pub type Pull = Result<Option<Encoded>, String>;

/// Pulls one frame: `Ok(None)` when the device is busy with a capture (the preview pauses).
pub type Source = Arc<dyn Fn() -> Pin<Box<dyn Future<Output = Pull> + Send>> + Send + Sync>;

/// How often a paused preview asks the device again.
const PAUSED_RETRY: Duration = Duration::from_millis(40);

struct Life {
    viewers: usize,
    running: bool,
}

struct Inner {
    source: Source,
    tx: watch::Sender<Shown>,
    life: Mutex<Life>,
    min_interval: Duration,
    seq: AtomicU64,
    pulls: AtomicU64,
    held: Arc<AtomicUsize>,
    closing: watch::Receiver<bool>,
}

impl Inner {
    fn life(&self) -> MutexGuard<'_, Life> {
        // The guarded counters are always consistent: a panic cannot interrupt an update.
        self.life
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A device's preview hub (cheap to clone; clones share the hub).
#[derive(Clone)]
pub struct PreviewHub {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for PreviewHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreviewHub")
            .field("viewers", &self.viewers())
            .finish_non_exhaustive()
    }
}

impl PreviewHub {
    /// A hub pulling from `source` at most `max_fps` times a second, ending its streams when
    /// `closing` turns true.
    pub fn new(source: Source, max_fps: u32, closing: watch::Receiver<bool>) -> Self {
        PreviewHub {
            inner: Arc::new(Inner {
                source,
                tx: watch::channel(Shown::Idle).0,
                life: Mutex::new(Life {
                    viewers: 0,
                    running: false,
                }),
                min_interval: Duration::from_secs(1) / max_fps.max(1),
                seq: AtomicU64::new(0),
                pulls: AtomicU64::new(0),
                held: Arc::new(AtomicUsize::new(0)),
                closing,
            }),
        }
    }

    /// A new viewer; starts the producer if it was not running. Must be called within a tokio
    /// runtime.
    pub fn subscribe(&self) -> Viewer {
        let mut rx = self.inner.tx.subscribe();
        if matches!(*rx.borrow(), Shown::Frame(_)) {
            // A running preview: the newcomer gets the current frame at once.
            rx.mark_changed();
        }
        let start = {
            let mut life = self.inner.life();
            life.viewers += 1;
            !std::mem::replace(&mut life.running, true)
        };
        if start {
            tokio::spawn(produce(self.inner.clone()));
        }
        Viewer {
            rx,
            inner: self.inner.clone(),
        }
    }

    /// Publishes a frame obtained elsewhere (a live capture's own frames, while the device is
    /// busy and the producer paused); dropped when nobody watches.
    pub fn offer(&self, frame: Encoded) {
        if self.viewers() > 0 {
            publish(&self.inner, frame);
        }
    }

    /// Publishes a gray frame (a fingerprint scanner's), encoding it only when someone watches.
    pub fn offer_gray(&self, image: &rekam_drivers::GrayImage) {
        if self.viewers() == 0 {
            return;
        }
        let captured_ms = crate::service::system_ms();
        if let Ok(jpeg) = super::jpeg::gray(image) {
            publish(
                &self.inner,
                Encoded {
                    width: image.width(),
                    height: image.height(),
                    jpeg,
                    captured_ms,
                },
            );
        }
    }

    /// Viewers connected now.
    pub fn viewers(&self) -> usize {
        self.inner.life().viewers
    }

    /// Whether the producer task is running.
    pub fn running(&self) -> bool {
        self.inner.life().running
    }

    /// Frames alive anywhere (in the hub or being written to a viewer).
    pub fn frames_held(&self) -> usize {
        self.inner.held.load(Ordering::SeqCst)
    }

    /// How many times the producer asked the device for a frame.
    pub fn pulls(&self) -> u64 {
        self.inner.pulls.load(Ordering::SeqCst)
    }

    /// What the hub shows now.
    pub fn shown(&self) -> Shown {
        self.inner.tx.borrow().clone()
    }
}

fn publish(inner: &Inner, frame: Encoded) {
    let seq = inner.seq.fetch_add(1, Ordering::SeqCst) + 1;
    inner.held.fetch_add(1, Ordering::SeqCst);
    let frame = Arc::new(JpegFrame {
        seq,
        width: frame.width,
        height: frame.height,
        jpeg: frame.jpeg,
        captured_ms: frame.captured_ms,
        held: inner.held.clone(),
    });
    // Replaces the previous frame: the hub never holds more than the newest.
    inner.tx.send_replace(Shown::Frame(frame));
}

async fn produce(inner: Arc<Inner>) {
    loop {
        {
            let mut life = inner.life();
            if life.viewers == 0 {
                life.running = false;
                return;
            }
        }
        if *inner.closing.borrow() {
            inner
                .tx
                .send_replace(Shown::Failed("the agent is shutting down".into()));
            inner.life().running = false;
            return;
        }
        let started = Instant::now();
        inner.pulls.fetch_add(1, Ordering::SeqCst);
        match (inner.source)().await {
            Ok(Some(frame)) => publish(&inner, frame),
            Ok(None) => {
                tokio::time::sleep(PAUSED_RETRY).await;
                continue;
            }
            Err(message) => {
                inner.tx.send_replace(Shown::Failed(message));
                inner.life().running = false;
                return;
            }
        }
        let next = started + inner.min_interval;
        tokio::time::sleep_until(next.into()).await;
    }
}

/// One viewer of a hub; the producer stops when the last is dropped.
pub struct Viewer {
    rx: watch::Receiver<Shown>,
    inner: Arc<Inner>,
}

impl Viewer {
    /// The next thing to show: the newest frame since the last call (frames in between are
    /// skipped), or the failure that ends the stream; `None` when the hub is gone.
    pub async fn next(&mut self) -> Option<Shown> {
        loop {
            self.rx.changed().await.ok()?;
            let shown = self.rx.borrow_and_update().clone();
            if !matches!(shown, Shown::Idle) {
                return Some(shown);
            }
        }
    }

    /// The receiver, for streams.
    pub(crate) fn receiver(&self) -> watch::Receiver<Shown> {
        self.rx.clone()
    }
}

impl Drop for Viewer {
    fn drop(&mut self) {
        let mut life = self.inner.life();
        life.viewers = life.viewers.saturating_sub(1);
    }
}
