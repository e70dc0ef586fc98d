//! Fidelity proof: the independent libgphoto2, as bundled in the PyPI `gphoto2` wheel, drives the
//! PTP/IP camera simulator at `ptpip:127.0.0.1` (the standard port 15740, so everything that
//! binds it lives in this one test function): it reads the summary, captures an image and
//! downloads it, and captures a live-view preview. Runs the Python named by `REKAM_PYTHON`;
//! without it the test fails on CI (`CI` set) and is skipped with a note elsewhere.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use rekam_drivers::cancel::CancelToken;
use rekam_sim::devices::camera::{CameraConfig, FaceScene, SimCamera};
use rekam_sim::ptp::{MODEL, SimPtpCamera, serve};
use rekam_sim::synth::Background;
use rekam_tests::reference_python as python;

fn decode_jpeg(path: &Path) -> (u16, u16, Vec<u8>) {
    let bytes = std::fs::read(path).expect("the downloaded file exists");
    let mut decoder = jpeg_decoder::Decoder::new(&bytes[..]);
    let pixels = decoder.decode().expect("a valid JPEG");
    let info = decoder.info().expect("JPEG header read");
    (info.width, info.height, pixels)
}

/// Mean (r, g, b) of the top-left 10x10 corner: the backdrop.
fn corner(width: u16, pixels: &[u8]) -> [f64; 3] {
    let mut sum = [0f64; 3];
    for y in 0..10usize {
        for x in 0..10usize {
            let at = (y * usize::from(width) + x) * 3;
            for c in 0..3 {
                sum[c] += f64::from(pixels[at + c]);
            }
        }
    }
    sum.map(|s| s / 100.0)
}

#[test]
fn libgphoto2_reads_the_summary_captures_downloads_and_previews_over_ptpip() {
    let Some(python) = python() else { return };
    let listener = TcpListener::bind("127.0.0.1:15740").expect("port 15740 free for the test");
    let camera = Arc::new(Mutex::new(SimPtpCamera::new(SimCamera::new(
        CameraConfig::portrait(5),
        FaceScene::framed(Background::Red),
    ))));
    let shutdown = CancelToken::new();
    let server = {
        let (camera, shutdown) = (camera.clone(), shutdown.clone());
        thread::spawn(move || serve(listener, camera, shutdown))
    };
    let out = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ptpip_gphoto2_client.py");
    let mut child = Command::new(&python)
        .arg(&script)
        .arg("127.0.0.1")
        .arg(out.path())
        // libgphoto2 keeps its PTP/IP GUID in ~/.gphoto/settings: not in the user's home.
        .env("HOME", home.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A libgphoto2 waiting for an answer that never comes must fail the test, not hang it.
    let deadline = Instant::now() + Duration::from_secs(120);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            break;
        }
        thread::sleep(Duration::from_millis(50));
    }
    let output = child.wait_with_output().unwrap();
    shutdown.cancel();
    server.join().unwrap().unwrap();
    assert!(
        output.status.success(),
        "gphoto2 failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    let result: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();

    let summary = result["summary"].as_str().unwrap();
    assert!(summary.contains(MODEL), "summary:\n{summary}");
    assert!(summary.contains("Canon Inc."), "summary:\n{summary}");
    assert!(
        summary.contains("EOS_DIGITAL"),
        "summary names the card:\n{summary}"
    );

    // The still libgphoto2 downloaded is a 600x800 JPEG of the sitter on the red backdrop.
    assert_eq!(result["still_mime"], "image/jpeg");
    let (w, h, pixels) = decode_jpeg(Path::new(result["still"].as_str().unwrap()));
    assert_eq!((w, h), (600, 800));
    let [r, g, b] = corner(w, &pixels);
    assert!(
        r > 120.0 && r > g + 40.0 && r > b + 40.0,
        "backdrop {r} {g} {b}"
    );

    // The preview is a live-view JPEG at the preview size.
    let (pw, ph, _) = decode_jpeg(Path::new(result["preview"].as_str().unwrap()));
    assert_eq!((pw, ph), (300, 400));

    // The capture went to host RAM and was released after the download (TransferComplete).
    let cam = camera.lock().unwrap();
    assert!(
        cam.object_handles().is_empty(),
        "{:?}",
        cam.object_handles()
    );
    assert_eq!(cam.session(), None, "the session ended with the connection");
}
