//! `rekam devices test` on a kit of real drivers, each talking its own protocol to a simulator:
//! the Canon EOS over PTP/IP, the Evolis printer over TCP (A5013 commands) and an ISDV4
//! digitizer on a pty, with the technician tapping the corners asked for. Every check passes,
//! the report names each device as its driver identified it and carries the pictures, and the
//! printer simulator prints the test card.

use std::net::TcpListener;
use std::process::Command;

use rekam_agent::diagnostics::pad_targets;
use rekam_sim::devices::{CameraConfig, FaceScene, SignerAction, SimCamera};
use rekam_sim::evolis::EvolisState;
use rekam_sim::ptp::SimPtpCamera;
use rekam_sim::synth::Background;
use rekam_sim::wacom::{Isdv4Config, spawn_isdv4_pty_scripted};

#[test]
fn a_technician_tests_a_kit_of_real_drivers_against_their_simulators() {
    let d = tempfile::tempdir().expect("tempdir");
    let mut scene = CameraConfig::portrait(3);
    scene.shutter_delay = std::time::Duration::ZERO;
    let camera = rekam_sim::ptp::server::spawn(
        TcpListener::bind("127.0.0.1:0").expect("loopback port"),
        SimPtpCamera::new(SimCamera::new(scene, FaceScene::framed(Background::Blue))),
    )
    .expect("the camera serves");
    let cards = d.path().join("cards");
    let printer = rekam_sim::evolis::server::spawn("127.0.0.1:0", EvolisState::default(), &cards)
        .expect("the printer serves");
    // The digitizer's range is the signer's 9600 x 6000 scaled by 2.5: the person taps the
    // targets the test asks for, in the signer's units.
    let taps = pad_targets(24_000, 15_000).map(|(x, y)| SignerAction::Tap(x * 2 / 5, y * 2 / 5));
    let (pty, _digitizer) = spawn_isdv4_pty_scripted(
        Isdv4Config {
            seed: 3,
            speed: 1.0,
        },
        &taps,
    )
    .expect("the digitizer is on a pty");

    let config = d.path().join("rekam.toml");
    std::fs::write(
        &config,
        format!(
            "[agent]\ndata_dir = \"{}\"\n[devices]\nsimulated = true\nrealtime = false\n\
             camera = \"ptpip:{}\"\nprinter = \"evolis:tcp:{}\"\nsignature_pad = \"isdv4:{}\"\n",
            d.path().join("data").display(),
            camera.addr(),
            printer.addr,
            pty.display()
        ),
    )
    .expect("config");
    let report = d.path().join("report");
    let out = Command::new(env!("CARGO_BIN_EXE_rekam"))
        .args(["devices", "test", "camera", "--config"])
        .arg(&config)
        .args(["--backdrop", "blue", "--report"])
        .arg(&report)
        .output()
        .expect("rekam runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for class in ["signature-pad", "printer"] {
        let out = Command::new(env!("CARGO_BIN_EXE_rekam"))
            .args(["devices", "test", class, "--config"])
            .arg(&config)
            .arg("--report")
            .arg(d.path().join(format!("report-{class}")))
            .output()
            .expect("rekam runs");
        assert!(
            out.status.success(),
            "{class}: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    let read = |dir: &std::path::Path| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(dir.join("report.json")).expect("report.json"))
            .expect("parses")
    };
    let device = |json: &serde_json::Value| json["devices"][0].clone();
    let camera_report = device(&read(&report));
    assert_eq!(camera_report["identity"]["model"], rekam_sim::ptp::MODEL);
    assert!(
        report
            .join("camera-still.jpg")
            .metadata()
            .expect("still")
            .len()
            > 1000
    );
    let pad = device(&read(&d.path().join("report-signature-pad")));
    assert!(
        pad["identity"]["vendor"]
            .as_str()
            .is_some_and(|v| v.contains("Wacom")),
        "{pad}"
    );
    let checks: Vec<&str> = pad["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .map(|c| c["id"].as_str().unwrap_or(""))
        .collect();
    assert!(
        checks.contains(&"offset") && checks.contains(&"linearity"),
        "{checks:?}"
    );
    let printed = device(&read(&d.path().join("report-printer")));
    assert!(
        printed["identity"]["vendor"]
            .as_str()
            .is_some_and(|v| v.to_lowercase().contains("evolis")),
        "{printed}"
    );
    // The test card came out of the simulated Evolis as a card image.
    let card = std::fs::read_dir(&cards)
        .expect("cards folder")
        .filter_map(Result::ok)
        .any(|e| e.file_name().to_string_lossy().ends_with("-front.png"));
    assert!(card, "no card printed into {}", cards.display());
}
