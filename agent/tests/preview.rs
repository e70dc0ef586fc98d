//! The preview transport: MJPEG parts that decode, one frame held however slow the viewer, the
//! producer running only while someone watches, captures winning over previews, device errors
//! ending the stream, and face advice sent only when it changes.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{Request, StatusCode};
use rekam_agent::devices::{DeviceManager, simulated_kit};
use rekam_agent::preview::{Encoded, PreviewHub, Previews, Shown, Source, http, jpeg};
use rekam_drivers::fingerprint::Finger;
use rekam_quality::face::BackgroundColour;
use tokio::sync::watch;
use tokio_stream::StreamExt;
use tower::ServiceExt;

fn devices() -> DeviceManager {
    let (f, c, p, i) = simulated_kit(7, false, false);
    DeviceManager::new(f, c, p, i, Duration::from_secs(10))
}

/// A source of small gray frames that counts its pulls and fails once `fail` is set.
fn counting_source(pulls: Arc<AtomicU64>, fail: Arc<AtomicBool>) -> Source {
    Arc::new(move || {
        let (pulls, fail) = (pulls.clone(), fail.clone());
        Box::pin(async move {
            pulls.fetch_add(1, Ordering::SeqCst);
            if fail.load(Ordering::SeqCst) {
                return Err("scanner unplugged".to_string());
            }
            let jpeg = jpeg::blank(32, 32);
            Ok(Some(Encoded {
                width: 32,
                height: 32,
                jpeg,
                captured_ms: 0,
            }))
        })
    })
}

/// Reads multipart parts from `body` until `n` parts have come or the stream ends; each part's
/// headers and bytes.
async fn parts(body: Body, n: usize) -> Vec<(String, Vec<u8>)> {
    let mut stream = body.into_data_stream();
    let mut buf: Vec<u8> = Vec::new();
    let mut out = Vec::new();
    while out.len() < n {
        // Parse every complete part in the buffer.
        if let Some(end) = find(&buf, b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_string();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("Content-Length: "))
                .expect("every part has a Content-Length")
                .trim()
                .parse()
                .expect("a number");
            if buf.len() >= end + 4 + len + 2 {
                let data = buf[end + 4..end + 4 + len].to_vec();
                assert_eq!(&buf[end + 4 + len..end + 4 + len + 2], b"\r\n");
                buf.drain(..end + 4 + len + 2);
                out.push((head, data));
                continue;
            }
        }
        match tokio::time::timeout(Duration::from_secs(20), stream.next()).await {
            Ok(Some(chunk)) => buf.extend_from_slice(&chunk.expect("body chunk")),
            Ok(None) => break,
            Err(_) => panic!("no preview part within 20 s"),
        }
    }
    out
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn decode(jpeg: &[u8]) -> (u16, u16) {
    let mut d = jpeg_decoder::Decoder::new(jpeg);
    d.decode().expect("the part is a JPEG that decodes");
    let info = d.info().expect("decoded JPEG has info");
    (info.width, info.height)
}

async fn get(previews: &Previews, uri: &str) -> axum::response::Response {
    http::routes::<()>(previews.clone())
        .oneshot(Request::get(uri).body(Body::empty()).expect("request"))
        .await
        .expect("the router answers")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_face_stream_yields_jpeg_parts_that_decode() {
    let (_close, closing) = watch::channel(false);
    let previews = Previews::new(&devices(), closing);
    let r = get(&previews, "/preview/face.mjpg").await;
    assert_eq!(r.status(), StatusCode::OK);
    let ct = r.headers()["content-type"]
        .to_str()
        .expect("ascii")
        .to_string();
    assert_eq!(
        ct,
        format!("multipart/x-mixed-replace; boundary={}", http::BOUNDARY)
    );
    let got = parts(r.into_body(), 3).await;
    assert_eq!(got.len(), 3);
    for (head, data) in &got {
        assert!(
            head.starts_with(&format!("--{}\r\n", http::BOUNDARY)),
            "{head}"
        );
        assert!(head.contains("Content-Type: image/jpeg"), "{head}");
        // The simulated camera previews 300x400.
        assert_eq!(decode(data), (300, 400));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_finger_stream_yields_jpeg_parts_that_decode() {
    let (_close, closing) = watch::channel(false);
    let previews = Previews::new(&devices(), closing);
    let r = get(&previews, "/preview/finger.mjpg").await;
    let got = parts(r.into_body(), 2).await;
    assert_eq!(got.len(), 2);
    for (_, data) in &got {
        let (w, h) = decode(data);
        assert!(w > 0 && h > 0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_viewer_never_makes_the_hub_hold_more_than_one_frame() {
    let pulls = Arc::new(AtomicU64::new(0));
    let (_close, closing) = watch::channel(false);
    let hub = PreviewHub::new(counting_source(pulls.clone(), Arc::default()), 100, closing);
    let mut viewer = hub.subscribe();
    // The viewer reads nothing while the producer makes many frames.
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(pulls.load(Ordering::SeqCst) >= 10, "the producer ran");
    assert_eq!(hub.frames_held(), 1, "only the newest frame is kept");
    let Some(Shown::Frame(f)) = viewer.next().await else {
        panic!("a frame");
    };
    // The slow viewer skipped straight to the newest frame.
    assert!(f.seq >= 10, "seq {}", f.seq);
    assert!(hub.frames_held() <= 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_producer_stops_when_the_last_viewer_leaves() {
    let pulls = Arc::new(AtomicU64::new(0));
    let (_close, closing) = watch::channel(false);
    let hub = PreviewHub::new(counting_source(pulls.clone(), Arc::default()), 50, closing);
    assert!(!hub.running());
    assert_eq!(pulls.load(Ordering::SeqCst), 0, "nobody watches: no pulls");
    let a = hub.subscribe();
    let b = hub.subscribe();
    assert!(hub.running());
    tokio::time::sleep(Duration::from_millis(100)).await;
    drop(a);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(hub.running(), "one viewer is left");
    drop(b);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!hub.running());
    let stopped_at = pulls.load(Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(pulls.load(Ordering::SeqCst), stopped_at);
    // A new viewer starts it again.
    let _c = hub.subscribe();
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(pulls.load(Ordering::SeqCst) > stopped_at);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_capture_during_preview_succeeds_and_the_preview_goes_on() {
    let devices = devices();
    let (_close, closing) = watch::channel(false);
    let previews = Previews::new(&devices, closing);
    let mut face = previews.face.subscribe();
    let mut finger = previews.finger.subscribe();
    assert!(matches!(face.next().await, Some(Shown::Frame(_))));
    assert!(matches!(finger.next().await, Some(Shown::Frame(_))));
    for _ in 0..5 {
        devices
            .capture_photo()
            .await
            .expect("a photo while the face preview runs");
    }
    devices
        .capture_finger(Finger::RightIndex)
        .await
        .expect("a finger while the finger preview runs");
    let Some(Shown::Frame(before)) = face.next().await else {
        panic!("the face preview goes on");
    };
    let Some(Shown::Frame(after)) = face.next().await else {
        panic!("the face preview goes on");
    };
    assert!(after.seq > before.seq);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_error_ends_the_stream_with_a_blank_frame_and_says_why() {
    let pulls = Arc::new(AtomicU64::new(0));
    let fail = Arc::new(AtomicBool::new(false));
    let (_close, closing) = watch::channel(false);
    let hub = PreviewHub::new(counting_source(pulls, fail.clone()), 50, closing);
    let r = http::mjpeg(&hub);
    let body = r.into_body();
    let reader = tokio::spawn(parts(body, 1000));
    tokio::time::sleep(Duration::from_millis(150)).await;
    fail.store(true, Ordering::SeqCst);
    let got = tokio::time::timeout(Duration::from_secs(5), reader)
        .await
        .expect("the stream ends after the error")
        .expect("reader");
    let (_, last) = got.last().expect("parts");
    assert_eq!(decode(last), (32, 32), "the last part is a blank frame");
    assert!(matches!(hub.shown(), Shown::Failed(m) if m == "scanner unplugged"));
    assert!(!hub.running());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_face_advice_is_sent_at_once_and_again_only_when_it_changes() {
    let (_close, closing) = watch::channel(false);
    let previews = Previews::new(&devices(), closing);
    let mut rx = previews.advisor.subscribe();
    previews.advisor.expect(Some(BackgroundColour::Red));
    assert!(rx.has_changed().expect("open"));
    rx.borrow_and_update();
    previews.advisor.expect(Some(BackgroundColour::Red));
    assert!(
        !rx.has_changed().expect("open"),
        "the same advice is not sent again"
    );

    let r = get(&previews, "/preview/face/advice").await;
    assert_eq!(r.headers()["content-type"], "text/event-stream");
    let mut stream = r.into_body().into_data_stream();
    let first: Bytes = tokio::time::timeout(Duration::from_secs(5), stream.next())
        .await
        .expect("the current advice at once")
        .expect("a chunk")
        .expect("data");
    let text = String::from_utf8_lossy(&first);
    assert!(text.starts_with("event: advice\ndata: {"), "{text}");
    assert!(text.contains("\"backdrop\":\"red\""), "{text}");
    assert!(text.contains("\"eye_band\""), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_face_preview_gives_advice_from_the_quality_checks() {
    let (_close, closing) = watch::channel(false);
    let previews = Previews::new(&devices(), closing);
    let mut rx = previews.advisor.subscribe();
    let _viewer = previews.face.subscribe();
    let advice = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            rx.changed().await.expect("open");
            let a = rx.borrow_and_update().clone();
            if a.state == "ready" || a.state == "advice" {
                return a;
            }
        }
    })
    .await
    .expect("a verdict within 30 s");
    assert!(!advice.id.is_empty() && !advice.en.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pen_stream_carries_the_strokes_of_the_signature_being_taken() {
    let devices = devices();
    let (_close, closing) = watch::channel(false);
    let previews = Previews::new(&devices, closing);
    let r = get(&previews, "/preview/pen").await;
    assert_eq!(r.headers()["content-type"], "text/event-stream");
    let mut stream = r.into_body().into_data_stream();
    let capture = tokio::spawn({
        let devices = devices.clone();
        async move { devices.capture_signature().await }
    });
    let (trace, _) = capture.await.expect("task").expect("a signature");
    // Every point the pad gave reached the stream, in order, ending with the accept.
    let mut points = 0usize;
    let mut done = false;
    while !done {
        let chunk = tokio::time::timeout(Duration::from_secs(5), stream.next())
            .await
            .expect("ink events")
            .expect("a chunk")
            .expect("data");
        for line in String::from_utf8_lossy(&chunk).lines() {
            let Some(json) = line.strip_prefix("data: ") else {
                continue;
            };
            let v: serde_json::Value = serde_json::from_str(json).expect("ink JSON");
            let from = v["from"].as_u64().expect("from") as usize;
            assert!(
                from == 0 || from == points,
                "no gap: from {from} after {points}"
            );
            points = from + v["points"].as_array().expect("points").len();
            done = v["done"].as_bool().expect("done");
        }
    }
    assert_eq!(points, trace.samples.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_finger_capture_feeds_its_own_frames_to_the_finger_preview() {
    let (_close, closing) = watch::channel(false);
    let pulls = Arc::new(AtomicU64::new(0));
    // A producer that never gets the device (as while a capture holds it).
    let paused: Source = Arc::new({
        let pulls = pulls.clone();
        move || {
            pulls.fetch_add(1, Ordering::SeqCst);
            Box::pin(async { Ok(None) })
        }
    });
    let hub = PreviewHub::new(paused, 50, closing);
    let image = rekam_drivers::GrayImage::new(40, 30, 500, vec![128; 1200]).expect("image");
    hub.offer_gray(&image);
    assert_eq!(hub.frames_held(), 0, "nobody watches: nothing is encoded");
    let mut viewer = hub.subscribe();
    hub.offer_gray(&image);
    let Some(Shown::Frame(f)) = viewer.next().await else {
        panic!("the offered frame");
    };
    assert_eq!(decode(&f.jpeg), (40, 30));
}
