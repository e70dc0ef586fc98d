//! The preview routes: `GET /preview/face.mjpg` and `/preview/finger.mjpg` (multipart MJPEG),
//! `GET /preview/face/advice` (server-sent events: the advice JSON, sent again only when it
//! changes), `GET /preview/pen` (server-sent events: the pen points not sent yet, or the whole
//! ink after the pad was wiped) and `GET /preview/{face,finger}/status` (JSON: whether the preview runs or why it
//! failed).
//!
//! Contract: every part of a stream is `Content-Type: image/jpeg` with its `Content-Length`; a
//! stream is pulled by the client, so a slow client receives the newest frame when it reads and
//! nothing piles up for it; a stream ends after a device failure (with a blank frame) or when the
//! agent closes; dropping the connection drops the viewer.

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::get;
use serde::Serialize;
use tokio_stream::Stream;
use tokio_stream::wrappers::WatchStream;

use super::hub::{JpegFrame, PreviewHub, Shown, Viewer};
use super::{Previews, jpeg};
use crate::devices::PenTrace;

/// The multipart boundary of the MJPEG streams.
pub const BOUNDARY: &str = "rekamframe";

/// The preview routes over `previews`, for any router state.
pub fn routes<S: Clone + Send + Sync + 'static>(previews: Previews) -> Router<S> {
    Router::new()
        .route("/preview/face.mjpg", get(face_stream))
        .route("/preview/finger.mjpg", get(finger_stream))
        .route("/preview/face/advice", get(face_advice))
        .route("/preview/face/status", get(face_status))
        .route("/preview/finger/status", get(finger_status))
        .route("/preview/pen", get(pen))
        .with_state(previews)
}

async fn face_stream(State(p): State<Previews>) -> Response {
    mjpeg(&p.face)
}

async fn finger_stream(State(p): State<Previews>) -> Response {
    mjpeg(&p.finger)
}

/// An MJPEG response fed by a new viewer of `hub`.
pub fn mjpeg(hub: &PreviewHub) -> Response {
    let viewer = hub.subscribe();
    let stream = Parts {
        frames: WatchStream::from_changes(viewer.receiver()),
        _viewer: viewer,
        done: false,
        size: (320, 240),
    };
    let mut r = Body::from_stream(stream).into_response();
    let h = r.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&format!("multipart/x-mixed-replace; boundary={BOUNDARY}"))
    {
        h.insert(header::CONTENT_TYPE, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// One multipart part holding `jpeg`.
fn part(jpeg: &[u8], seq: u64, captured_ms: i64) -> Bytes {
    let head = format!(
        "--{BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: {}\r\nX-Frame: {seq}\r\nX-Captured-At: {captured_ms}\r\n\r\n",
        jpeg.len()
    );
    let mut out = Vec::with_capacity(head.len() + jpeg.len() + 2);
    out.extend_from_slice(head.as_bytes());
    out.extend_from_slice(jpeg);
    out.extend_from_slice(b"\r\n");
    Bytes::from(out)
}

/// The parts of one viewer's stream.
struct Parts {
    frames: WatchStream<Shown>,
    _viewer: Viewer,
    done: bool,
    /// The last frame's size, for the blank frame that ends a failed stream.
    size: (u32, u32),
}

impl Parts {
    fn frame(&mut self, f: &JpegFrame) -> Bytes {
        self.size = (f.width, f.height);
        part(&f.jpeg, f.seq, f.captured_ms)
    }
}

impl Stream for Parts {
    type Item = Result<Bytes, Infallible>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.done {
            return Poll::Ready(None);
        }
        loop {
            match Pin::new(&mut this.frames).poll_next(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Ready(Some(Shown::Idle)) => continue,
                Poll::Ready(Some(Shown::Frame(f))) => {
                    return Poll::Ready(Some(Ok(this.frame(&f))));
                }
                Poll::Ready(Some(Shown::Failed(_))) => {
                    // A blank last frame, so the picture does not freeze on a stale image; the
                    // status endpoint says what failed.
                    this.done = true;
                    let blank = jpeg::blank(this.size.0, this.size.1);
                    return Poll::Ready(Some(Ok(part(&blank, 0, crate::service::system_ms()))));
                }
            }
        }
    }
}

/// A preview's state for the page's banner.
#[derive(Debug, Serialize)]
pub struct Status {
    /// `idle`, `running` or `failed`.
    pub state: &'static str,
    /// Viewers connected now.
    pub viewers: usize,
    /// Why it failed.
    pub error: Option<String>,
}

/// The state of `hub`'s preview.
pub fn status(hub: &PreviewHub) -> Json<Status> {
    let (state, error) = match hub.shown() {
        Shown::Failed(e) if !hub.running() => ("failed", Some(e)),
        _ if hub.running() => ("running", None),
        _ => ("idle", None),
    };
    Json(Status {
        state,
        viewers: hub.viewers(),
        error,
    })
}

async fn face_status(State(p): State<Previews>) -> Json<Status> {
    status(&p.face)
}

async fn finger_status(State(p): State<Previews>) -> Json<Status> {
    status(&p.finger)
}

async fn face_advice(State(p): State<Previews>) -> Response {
    face_advice_events(&p)
}

/// Server-sent events of the face advice: the current advice at once, then each change.
pub fn face_advice_events(p: &Previews) -> Response {
    let stream = Until {
        inner: Advice(WatchStream::new(p.advisor.subscribe())),
        closing: WatchStream::new(p.closing()),
    };
    let mut r = Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response();
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

async fn pen(State(p): State<Previews>) -> Response {
    pen_events(&p)
}

/// Server-sent events of the pen: the ink so far at once, then what is new at each change.
pub fn pen_events(p: &Previews) -> Response {
    let stream = Until {
        inner: Ink {
            trace: WatchStream::new(p.pen.subscribe()),
            epoch: None,
            sent: 0,
        },
        closing: WatchStream::new(p.closing()),
    };
    let mut r = Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response();
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// One pen event: points from index `from` of the ink of `epoch` (`from` 0: draw afresh).
#[derive(Debug, Serialize)]
struct InkUpdate<'a> {
    epoch: u64,
    from: usize,
    max_x: u16,
    max_y: u16,
    points: &'a [[u16; 3]],
    done: bool,
}

/// The new ink at each change of the pen.
struct Ink {
    trace: WatchStream<PenTrace>,
    epoch: Option<u64>,
    sent: usize,
}

impl Stream for Ink {
    type Item = Event;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        match Pin::new(&mut this.trace).poll_next(cx) {
            Poll::Ready(Some(t)) => {
                let from = if this.epoch == Some(t.epoch) && this.sent <= t.points.len() {
                    this.sent
                } else {
                    0
                };
                this.epoch = Some(t.epoch);
                this.sent = t.points.len();
                let update = InkUpdate {
                    epoch: t.epoch,
                    from,
                    max_x: t.max_x,
                    max_y: t.max_y,
                    points: &t.points[from..],
                    done: t.done,
                };
                let event = Event::default()
                    .event("ink")
                    .json_data(&update)
                    .unwrap_or_else(|_| Event::default().event("ink").data("{}"));
                Poll::Ready(Some(event))
            }
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }
}

/// The events of `inner` until the agent closes.
struct Until<S> {
    inner: S,
    closing: WatchStream<bool>,
}

/// The advice as events.
struct Advice(WatchStream<super::FaceAdvice>);

impl Stream for Advice {
    type Item = Event;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        match Pin::new(&mut self.get_mut().0).poll_next(cx) {
            Poll::Ready(Some(advice)) => Poll::Ready(Some(
                Event::default()
                    .event("advice")
                    .json_data(&advice)
                    .unwrap_or_else(|_| Event::default().event("advice").data("{}")),
            )),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<S: Stream<Item = Event> + Unpin> Stream for Until<S> {
    type Item = Result<Event, Infallible>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            match Pin::new(&mut this.closing).poll_next(cx) {
                Poll::Ready(Some(true)) | Poll::Ready(None) => return Poll::Ready(None),
                Poll::Ready(Some(false)) => continue,
                Poll::Pending => break,
            }
        }
        match Pin::new(&mut this.inner).poll_next(cx) {
            Poll::Ready(Some(event)) => Poll::Ready(Some(Ok(event))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }
}
