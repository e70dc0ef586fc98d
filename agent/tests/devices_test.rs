//! Technician diagnostics: `rekam devices test` on the simulated kit, and simulated devices with
//! faults (stuck pixels, a tungsten cast, the wrong backdrop, an offset pad, an open printer
//! cover) failing the check that should catch them, with the measured value in the report;
//! camera calibration fixing the cast; a busy device refused rather than taken.

use std::process::Command;
use std::time::Duration;

use rekam_agent::devices::{
    CameraDevice, DeviceManager, FingerDevice, PadDevice, PrinterDevice, SimPad, Slot,
    printer_slot, simulated_kit,
};
use rekam_agent::diagnostics::{self, Check, Class, DeviceReport, Options, Outcome, Report};
use rekam_agent::store::Store;
use rekam_agent::store::figures::AuditFilter;
use rekam_quality::face::BackgroundColour;
use rekam_sim::devices::{
    CameraConfig, FaceScene, PrinterConfig, ScannerConfig, SimCamera, SimCardPrinter,
    SimFingerprintScanner, SimPerson, StuckPixel,
};
use rekam_sim::synth::Background;

fn options(classes: &[Class]) -> Options {
    Options {
        classes: classes.to_vec(),
        calibrate: false,
        backdrop: None,
        workstation_id: "WS-TEST".into(),
        actor: "test".into(),
        simulated: true,
        now_ms: 1_796_180_400_000,
    }
}

/// The simulated kit (fast), with `change` applied.
fn kit(change: impl FnOnce(&mut DeviceManager)) -> DeviceManager {
    let (f, c, p, i) = simulated_kit(9, true, false);
    let mut m = DeviceManager::new(f, c, p, i, Duration::from_secs(10))
        .with_printer(rekam_agent::devices::simulated_printer(9, false));
    change(&mut m);
    m
}

fn device(r: &Report, class: Class) -> &DeviceReport {
    r.devices
        .iter()
        .find(|d| d.class == class)
        .expect("the class was tested")
}

fn check<'a>(d: &'a DeviceReport, id: &str) -> &'a Check {
    d.checks
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no check {id} in {:?}", d.checks))
}

fn run(m: &DeviceManager, o: &Options) -> Report {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(diagnostics::run(m, o))
}

fn camera_slot(
    configure: impl Fn(&mut SimCamera) + Send + Sync + 'static,
) -> Slot<dyn CameraDevice> {
    Slot::new(
        "camera",
        Box::new(move || {
            let mut c = CameraConfig::portrait(3);
            c.shutter_delay = Duration::ZERO;
            let mut cam = SimCamera::new(c, FaceScene::framed(Background::Blue));
            configure(&mut cam);
            Ok(Box::new(cam) as Box<dyn CameraDevice>)
        }),
    )
}

#[test]
fn devices_test_passes_on_the_simulated_kit_writes_both_files_with_pictures_and_is_audited() {
    let d = tempfile::tempdir().expect("tempdir");
    let config = d.path().join("rekam.toml");
    let data = d.path().join("data");
    std::fs::write(
        &config,
        format!(
            "[agent]\ndata_dir = \"{}\"\nworkstation_id = \"WS-DIAG-1\"\n[devices]\nsimulated = true\nrealtime = false\n",
            data.display()
        ),
    )
    .expect("config");
    let report = d.path().join("report");
    let out = Command::new(env!("CARGO_BIN_EXE_rekam"))
        .args(["devices", "test", "--simulated", "--config"])
        .arg(&config)
        .arg("--report")
        .arg(&report)
        .env("USER", "tech1")
        .output()
        .expect("rekam runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("defective_pixels") && stdout.contains("all checks passed"));

    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(report.join("report.json")).expect("json"))
            .expect("parses");
    assert_eq!(json["passed"], true);
    assert_eq!(json["workstation_id"], "WS-DIAG-1");
    assert_eq!(json["actor"], "cli:tech1");
    let classes: Vec<&str> = json["devices"]
        .as_array()
        .expect("devices")
        .iter()
        .map(|d| d["class"].as_str().expect("class"))
        .collect();
    assert_eq!(
        classes,
        ["fingerprint", "camera", "signature-pad", "iris", "printer"]
    );
    let html = std::fs::read_to_string(report.join("report.html")).expect("html");
    for d in json["devices"].as_array().expect("devices") {
        for p in d["pictures"].as_array().expect("pictures") {
            let file = p["file"].as_str().expect("file");
            assert!(report.join(file).metadata().expect("picture written").len() > 100);
            assert!(html.contains(&format!("src=\"{file}\"")), "{file} shown");
        }
    }
    for picture in [
        "camera-still.jpg",
        "fingerprint-blank.png",
        "printer-test-card.png",
    ] {
        assert!(report.join(picture).exists(), "{picture}");
    }
    assert!(html.contains("data-overall=\"pass\"") && html.contains("WS-DIAG-1"));

    let store = Store::open(&data.join("agent.db")).expect("store");
    let (rows, _) = store
        .audit_page(&AuditFilter::default(), 0, 10)
        .expect("audit");
    let entry = rows
        .iter()
        .find(|r| r.action == "devices.test")
        .expect("the run is audited");
    assert_eq!(entry.actor, "cli:tech1");
    assert!(entry.detail.contains("\"passed\":true"), "{}", entry.detail);
    assert!(entry.detail.contains(&report.display().to_string()));

    // The same folder is not overwritten.
    let again = Command::new(env!("CARGO_BIN_EXE_rekam"))
        .args(["devices", "test", "printer", "--simulated", "--config"])
        .arg(&config)
        .arg("--report")
        .arg(&report)
        .output()
        .expect("rekam runs");
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already holds a device report"));
}

#[test]
fn stuck_pixels_fail_the_defective_pixel_check_with_their_count() {
    let m = kit(|m| {
        m.fingerprint = Slot::new(
            "fingerprint",
            Box::new(|| {
                let mut c = ScannerConfig::slap_scanner(4);
                c.preview_divisor = 2;
                c.placement_delay = Duration::ZERO;
                let mut s = SimFingerprintScanner::new(c);
                s.set_person(Some(SimPerson::new(4)));
                s.set_stuck_pixels(vec![
                    StuckPixel {
                        x: 100,
                        y: 200,
                        level: 0,
                    },
                    StuckPixel {
                        x: 900,
                        y: 300,
                        level: 0,
                    },
                    StuckPixel {
                        x: 1200,
                        y: 1000,
                        level: 0,
                    },
                ]);
                Ok(Box::new(s) as Box<dyn FingerDevice>)
            }),
        );
    });
    let r = run(&m, &options(&[Class::Fingerprint]));
    let f = device(&r, Class::Fingerprint);
    let c = check(f, "defective_pixels");
    assert_eq!(c.outcome, Outcome::Fail);
    assert_eq!(c.value, Some(3.0));
    assert!(
        c.note.as_deref().is_some_and(|n| n.contains("(50,100)")),
        "{c:?}"
    );
    assert_eq!(check(f, "blank_uniformity").outcome, Outcome::Pass);
    assert!(!r.passed);
    assert!(
        r.failures()
            .iter()
            .any(|f| f.contains("defective_pixels (3 pixels"))
    );
}

#[test]
fn a_tungsten_cast_fails_white_balance_and_calibration_fixes_it() {
    let m = kit(|m| m.camera = camera_slot(|c| c.set_light(3000.0)));
    let r = run(&m, &options(&[Class::Camera]));
    let cam = device(&r, Class::Camera);
    let wb = check(cam, "white_balance");
    assert_eq!(wb.outcome, Outcome::Fail, "{wb:?}");
    assert!(wb.value.is_some_and(|v| v > 8.0));
    assert_eq!(check(cam, "backdrop_delta_e").outcome, Outcome::Fail);
    // Still blue, just the wrong blue: the colour class is right.
    assert_eq!(check(cam, "backdrop_colour").outcome, Outcome::Pass);

    let mut o = options(&[Class::Camera]);
    o.calibrate = true;
    o.backdrop = Some(BackgroundColour::Blue);
    let r = run(&m, &o);
    let cam = device(&r, Class::Camera);
    let cal = cam.calibration.as_ref().expect("calibrated");
    assert!(cal.passed, "{cal:?}");
    assert!(cal.delta_e_before.is_some_and(|v| v > 10.0));
    assert!(cal.delta_e_after.is_some_and(|v| v < 3.0), "{cal:?}");
    let kelvin: u32 = cal
        .white_balance
        .as_deref()
        .and_then(|w| w.strip_suffix(" K"))
        .and_then(|k| k.parse().ok())
        .expect("a colour temperature");
    assert!((2800..=3200).contains(&kelvin), "{kelvin}");
    assert_eq!(check(cam, "white_balance").outcome, Outcome::Pass);
    assert_eq!(check(cam, "backdrop_delta_e").outcome, Outcome::Pass);
    assert!(r.passed, "{:?}", r.failures());
}

#[test]
fn an_underexposed_backdrop_is_brought_up_by_exposure_compensation() {
    let m = kit(|m| {
        m.camera = camera_slot(|c| {
            let mut s = c.scene();
            s.lighting_ev = -1.0;
            c.set_scene(s);
        })
    });
    let r = run(&m, &options(&[Class::Camera]));
    let exposure = check(device(&r, Class::Camera), "exposure");
    assert_eq!(exposure.outcome, Outcome::Fail);
    assert!(exposure.value.is_some_and(|v| v < -6.0));
    let mut o = options(&[Class::Camera]);
    o.calibrate = true;
    let r = run(&m, &o);
    let cal = device(&r, Class::Camera)
        .calibration
        .clone()
        .expect("calibrated");
    assert!(cal.passed, "{cal:?}");
    assert!(
        cal.exposure_tenths.is_some_and(|t| (8..=12).contains(&t)),
        "{cal:?}"
    );
}

#[test]
fn the_wrong_backdrop_cloth_fails_the_colour_class_and_calibration_cannot_fix_it() {
    let m = kit(|m| m.camera = camera_slot(|c| c.set_scene(FaceScene::framed(Background::Red))));
    let mut o = options(&[Class::Camera]);
    o.backdrop = Some(BackgroundColour::Blue);
    o.calibrate = true;
    let r = run(&m, &o);
    let cam = device(&r, Class::Camera);
    let c = check(cam, "backdrop_colour");
    assert_eq!(c.outcome, Outcome::Fail);
    assert_eq!(c.measured, "red");
    assert!(!cam.calibration.as_ref().expect("tried").passed);
    assert!(!r.passed);
}

#[test]
fn taps_that_land_off_target_fail_the_offset_check_but_not_linearity() {
    let m = kit(|m| {
        m.pad = Slot::new(
            "signature_pad",
            Box::new(|| Ok(Box::new(SimPad::new(5, 8.0, (300, -200))) as Box<dyn PadDevice>)),
        )
    });
    let r = run(&m, &options(&[Class::SignaturePad]));
    let pad = device(&r, Class::SignaturePad);
    let offset = check(pad, "offset");
    assert_eq!(offset.outcome, Outcome::Fail);
    // 360 tablet units at 96 per mm.
    assert!(
        offset.value.is_some_and(|v| (v - 3.75).abs() < 0.1),
        "{offset:?}"
    );
    assert_eq!(check(pad, "linearity").outcome, Outcome::Pass);
    assert_eq!(check(pad, "corner_taps").value, Some(4.0));
}

#[test]
fn a_printer_with_its_cover_open_fails_the_cover_and_the_test_card() {
    let m = kit(|m| {
        m.printer = Some(printer_slot(|| {
            let mut p = SimCardPrinter::new(PrinterConfig::tiny(2));
            p.set_cover_open(true);
            Ok(Box::new(p) as Box<dyn PrinterDevice>)
        }))
    });
    let r = run(&m, &options(&[Class::Printer]));
    let p = device(&r, Class::Printer);
    let cover = check(p, "cover");
    assert_eq!(
        (cover.outcome, cover.measured.as_str()),
        (Outcome::Fail, "open")
    );
    let card = check(p, "test_card");
    assert_eq!(card.outcome, Outcome::Fail);
    assert!(card.measured.contains("cover open"), "{card:?}");
    assert_eq!(check(p, "feeder").outcome, Outcome::Pass);
    assert!(
        r.failures()
            .iter()
            .any(|f| f == "printer: cover (open; limit closed)")
    );
}

#[test]
fn a_device_held_by_a_capture_is_reported_busy_and_not_tested() {
    let m = kit(|_| {});
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let r = rt.block_on(async {
        let holder = m.clone();
        let hold = tokio::spawn(async move {
            holder
                .camera
                .run(Duration::from_secs(5), |_, _| {
                    std::thread::sleep(Duration::from_millis(800));
                    Ok(())
                })
                .await
        });
        tokio::time::sleep(Duration::from_millis(200)).await;
        let r = diagnostics::run(&m, &options(&[Class::Camera])).await;
        assert!(
            hold.await.expect("joined").is_ok(),
            "the capture was not disturbed"
        );
        r
    });
    let cam = device(&r, Class::Camera);
    assert!(cam.busy && cam.checks.is_empty() && !cam.passed);
    assert!(r.failures().iter().any(|f| f == "camera: busy, not tested"));
}

#[test]
fn a_kit_without_an_iris_scanner_passes_unless_iris_is_asked_for() {
    let (f, c, p, _) = simulated_kit(9, false, false);
    let m = DeviceManager::new(f, c, p, None, Duration::from_secs(10));
    let r = run(&m, &options(&[]));
    let iris = device(&r, Class::Iris);
    assert!(!iris.present && iris.passed);
    assert!(r.passed, "{:?}", r.failures());
    let r = run(&m, &options(&[Class::Iris]));
    assert!(!r.passed && !device(&r, Class::Iris).present);
    assert_eq!(r.failures(), ["iris: not attached"]);
}
