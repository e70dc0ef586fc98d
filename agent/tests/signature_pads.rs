//! Pen strokes from both Wacom pad families reach the desk's signature checks: a signature
//! captured through the STU driver (HID-level STU-540 simulator) and through the ISDV4 driver
//! (simulated digitizer on a pty) passes the same checks `capture_signature` applies, and
//! becomes the same kind of signature capture.

use std::time::Duration;

use rekam_agent::capture::{signature, signature_report};
use rekam_agent::devices::pad::{Isdv4Pad, StuPad, configured_pad};
use rekam_agent::devices::{Identified, PadDevice, PenFeed};
use rekam_drivers::ErrorKind;
use rekam_drivers::fingerprint::CaptureOptions;
use rekam_sim::devices::SignerAction;
use rekam_sim::wacom::{Isdv4Config, SimStu, StuConfig, spawn_isdv4_pty, spawn_isdv4_pty_scripted};

fn options() -> CaptureOptions {
    CaptureOptions::with_timeout(Duration::from_secs(20))
}

#[test]
fn a_signature_through_the_stu_driver_passes_the_desk_signature_checks() {
    let mut config = StuConfig::signs_and_accepts(9);
    config.speed = 20.0;
    let mut pad = StuPad::open(SimStu::new(config)).expect("the simulated STU opens");
    let feed = PenFeed::default();
    let trace = pad
        .capture_signature_live(&options(), &feed)
        .expect("the signer taps accept");
    let report = signature_report(&trace);
    assert!(report.passed, "{report:?}");
    assert_eq!((trace.max_x, trace.max_y), (9600, 6000));
    let capture = signature(&trace, &pad.identity()).expect("a signature capture");
    assert!(capture.pen.is_some());
    // The console drew the strokes live, and the pad showed the sign-here screen.
    let live = feed.subscribe().borrow().clone();
    assert!(live.done && live.points.len() == trace.samples.len());
    assert!(pad.driver().device().screen().is_some());
}

#[test]
fn a_retake_on_the_simulated_stu_signs_again() {
    let mut pad = StuPad::simulated(9, 20.0).expect("the simulated STU opens");
    let first = pad.capture_signature(&options()).expect("first take");
    let second = pad.capture_signature(&options()).expect("retake");
    assert!(signature_report(&second).passed);
    assert_eq!(first.samples.len(), second.samples.len());
}

#[test]
fn a_signature_through_the_isdv4_driver_passes_the_desk_signature_checks() {
    // Real time: ISDV4 samples carry host time, and the checks read the pauses between strokes.
    let (path, _sim) = spawn_isdv4_pty(Isdv4Config {
        seed: 9,
        speed: 1.0,
    })
    .expect("pty");
    let mut pad = Isdv4Pad::open(path.to_str().expect("utf-8 path")).expect("digitizer opens");
    let trace = pad
        .capture_signature(&options())
        .expect("the pen rests after signing");
    let report = signature_report(&trace);
    assert!(report.passed, "{report:?}");
    assert_eq!(
        (trace.max_x, trace.max_y, trace.max_pressure),
        (24000, 15000, 1023)
    );
    signature(&trace, &pad.identity()).expect("a signature capture");
}

#[test]
fn an_isdv4_digitizer_unplugged_mid_signature_is_a_disconnect_not_a_hang() {
    let (path, sim) = spawn_isdv4_pty(Isdv4Config {
        seed: 4,
        speed: 1.0,
    })
    .expect("pty");
    let mut pad = Isdv4Pad::open(path.to_str().expect("utf-8 path")).expect("digitizer opens");
    let unplug = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        sim.unplug().expect("simulator stops");
    });
    let err = pad.capture_signature(&options()).expect_err("unplugged");
    assert_eq!(err.kind, ErrorKind::Disconnected, "{err}");
    unplug.join().expect("unplug thread");
}

#[test]
fn the_sim_stu_setting_builds_a_pad_slot_and_nonsense_is_refused() {
    assert!(configured_pad("sim-stu", 1, false).is_ok());
    assert!(configured_pad("isdv4:/dev/ttyS0", 1, false).is_ok());
    let err = configured_pad("topaz", 1, false)
        .err()
        .expect("unknown pad");
    assert!(err.to_string().contains("topaz"));
}

#[test]
fn rekam_sim_isdv4_prints_a_pty_that_the_driver_opens() {
    use std::io::BufRead;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_rekam"))
        .args(["sim", "isdv4", "--pty", "--seed", "3"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("rekam starts");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("the pty path");
    let opened = Isdv4Pad::open(line.trim());
    child.kill().expect("stop the simulator");
    child.wait().expect("reaped");
    let pad = opened.expect("the digitizer answers on the printed path");
    assert_eq!(pad.identity().model, "ISDV4");
}

#[test]
fn the_stu_screen_carries_the_signers_name_drawn_in_the_title_band() {
    let screen_after_signing = |name: Option<&str>| {
        let mut config = StuConfig::signs_and_accepts(9);
        config.speed = 20.0;
        let mut pad = StuPad::open(SimStu::new(config)).expect("the simulated STU opens");
        pad.show_signer(name);
        pad.capture_signature(&options()).expect("signed");
        pad.driver()
            .device()
            .screen()
            .expect("the sign-here screen is up")
            .clone()
    };
    let plain = screen_after_signing(None);
    let named = screen_after_signing(Some("SITI AMINAH"));
    let row = 800 * 3;
    // The title band is the top sixth of the 480-row screen; below it nothing changes.
    let band = 80 * row;
    assert_ne!(plain.pixels()[..band], named.pixels()[..band]);
    assert_eq!(plain.pixels()[band..], named.pixels()[band..]);
}

/// Pen lifts in a tap trace: each ends one tap.
fn lifts(trace: &rekam_agent::devices::TapTrace) -> usize {
    trace
        .samples
        .windows(2)
        .filter(|w| w[0].pressure > 0 && w[1].pressure == 0)
        .count()
}

#[test]
fn a_tap_test_on_the_stu_puts_the_targets_on_its_screen_and_reads_the_pen_until_four_lifts() {
    let targets = [(960, 600), (8640, 600), (8640, 5400), (960, 5400)];
    let mut config = StuConfig::signs_and_accepts(9);
    config.speed = 20.0;
    // The technician taps where the crosses are.
    config.script = targets
        .iter()
        .map(|&(x, y)| SignerAction::Tap(x, y))
        .collect();
    let mut pad = StuPad::open(SimStu::new(config)).expect("the simulated STU opens");
    let trace = pad
        .capture_taps(&targets, &options())
        .expect("the pen goes down and up four times");
    assert_eq!(
        (trace.capabilities.max_x, trace.capabilities.max_y),
        (9600, 6000)
    );
    assert!(lifts(&trace) >= 4, "{} lifts", lifts(&trace));
    // The screen shows a black cross at each target, scaled to its 800 x 480 pixels.
    let screen = pad.driver().device().screen().expect("an image went up");
    let at = |x: u32, y: u32| {
        let i = ((y * screen.width() + x) * 3) as usize;
        screen.pixels()[i..i + 3].to_vec()
    };
    assert_eq!(at(79, 47), vec![0, 0, 0], "the first target's cross");
    assert_eq!(
        at(400, 240),
        vec![255, 255, 255],
        "nothing between the targets"
    );
}

#[test]
fn a_tap_test_on_an_isdv4_digitizer_reads_the_pen_until_four_lifts() {
    // The simulated person taps in the synthetic signer's 9600 x 6000 units, which the
    // digitizer scales by 2.5 to its own range.
    let taps = [(960, 600), (8640, 600), (8640, 5400), (960, 5400)];
    let (path, _sim) = spawn_isdv4_pty_scripted(
        Isdv4Config {
            seed: 9,
            speed: 1.0,
        },
        &taps.map(|(x, y)| SignerAction::Tap(x, y)),
    )
    .expect("pty");
    let mut pad = Isdv4Pad::open(path.to_str().expect("utf-8 path")).expect("digitizer opens");
    let targets = [(2400, 1500), (21600, 1500), (21600, 13500), (2400, 13500)];
    let trace = pad
        .capture_taps(&targets, &options())
        .expect("the pen goes down and up four times");
    assert_eq!(trace.capabilities.max_x, 24000);
    assert_eq!(lifts(&trace), 4);
    // Each tap landed on its target.
    let pressed: Vec<(u16, u16)> = trace
        .samples
        .windows(2)
        .filter(|w| w[0].pressure > 0 && w[1].pressure == 0)
        .map(|w| (w[0].x, w[0].y))
        .collect();
    assert_eq!(pressed, targets);
}
