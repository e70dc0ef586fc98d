//! `rekam devices list --ptpip HOST:PORT` asks a PTP/IP camera who it is: against the simulated
//! Canon EOS on an ephemeral loopback port it prints the camera's identity line, and for an
//! address where nothing answers it says so without failing the listing.

use std::net::TcpListener;
use std::process::Command;
use std::sync::{Arc, Mutex};

use rekam_drivers::CancelToken;
use rekam_sim::devices::{CameraConfig, FaceScene, SimCamera};
use rekam_sim::ptp::SimPtpCamera;
use rekam_sim::synth::Background;

fn list(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_rekam"))
        .args(["devices", "list", "--simulated"])
        .args(args)
        .output()
        .expect("rekam runs");
    assert!(
        out.status.success(),
        "rekam devices list {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf8")
}

#[test]
fn devices_list_probes_a_configured_ptpip_camera() {
    let scene = SimCamera::new(CameraConfig::tiny(1), FaceScene::framed(Background::Blue));
    let camera = Arc::new(Mutex::new(SimPtpCamera::new(scene)));
    let listener = TcpListener::bind("127.0.0.1:0").expect("loopback port");
    let addr = listener.local_addr().expect("bound address");
    let shutdown = CancelToken::new();
    let server = {
        let (camera, shutdown) = (camera.clone(), shutdown.clone());
        std::thread::spawn(move || rekam_sim::ptp::server::serve(listener, camera, shutdown))
    };
    let listed = list(&["--ptpip", &addr.to_string()]);
    assert!(
        listed.lines().any(|l| l.starts_with("camera (PTP/IP)")
            && l.contains(rekam_sim::ptp::MODEL)
            && l.contains(&format!("ptpip:{addr}"))),
        "no PTP/IP camera line in: {listed}"
    );
    shutdown.cancel();
    let _ = server.join();

    // Nothing listens there now: the listing says so and still succeeds.
    let listed = list(&["--ptpip", &addr.to_string()]);
    assert!(
        listed.contains("no PTP/IP camera answered"),
        "no refusal line in: {listed}"
    );
    let listed = list(&["--ptpip", "not a host:x"]);
    assert!(listed.contains("not an address"), "{listed}");
}
