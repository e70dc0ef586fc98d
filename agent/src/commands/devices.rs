//! `rekam devices list`: what discovery finds, or the simulated kit.
//!
//! Contract: listing never writes to a port unless `--probe` is given.

use std::io::Write;
use std::time::Duration;

use anyhow::Result;
use rekam_drivers::camera::Camera;
use rekam_drivers::discovery;
use rekam_drivers::fingerprint::FingerprintScanner;
use rekam_drivers::identity::DeviceIdentity;
use rekam_drivers::iris::IrisScanner;
use rekam_drivers::printer::CardPrinter;
use rekam_drivers::signature::SignaturePad;
use rekam_sim::devices::{
    CameraConfig, FaceScene, IrisConfig, PadConfig, PrinterConfig, ScannerConfig, SimCamera,
    SimCardPrinter, SimFingerprintScanner, SimIrisScanner, SimSignaturePad,
};
use rekam_sim::synth::Background;

fn line(out: &mut dyn Write, class: &str, id: &DeviceIdentity) -> Result<()> {
    writeln!(
        out,
        "{class:<20} {} {}  serial {}  firmware {}  at {}",
        id.vendor,
        id.model,
        id.serial.as_deref().unwrap_or("-"),
        id.firmware.as_deref().unwrap_or("-"),
        id.location
    )?;
    Ok(())
}

/// Lists devices.
pub fn list(simulated: bool, probe: bool, out: &mut dyn Write) -> Result<()> {
    if simulated {
        line(
            out,
            "fingerprint scanner",
            SimFingerprintScanner::new(ScannerConfig::slap_scanner(1)).identity(),
        )?;
        line(
            out,
            "camera",
            SimCamera::new(
                CameraConfig::portrait(1),
                FaceScene::framed(Background::Blue),
            )
            .identity(),
        )?;
        line(
            out,
            "signature pad",
            SimSignaturePad::new(PadConfig::signs_and_accepts(1)).identity(),
        )?;
        line(
            out,
            "iris scanner",
            SimIrisScanner::new(IrisConfig::binocular(1, 1)).identity(),
        )?;
        line(
            out,
            "card printer",
            SimCardPrinter::new(PrinterConfig::evolis_like(1)).identity(),
        )?;
        return Ok(());
    }
    let ports = discovery::serial_ports()?;
    if ports.is_empty() {
        writeln!(
            out,
            "no serial ports found (use --simulated for the simulated kit)"
        )?;
    }
    for p in ports {
        let what = match &p.usb {
            Some(u) => format!(
                "USB {:04x}:{:04x} {}{}",
                u.vid,
                u.pid,
                u.product.as_deref().unwrap_or(""),
                discovery::usb_hint(u.vid, u.pid)
                    .map(|h| format!(" - {h}"))
                    .unwrap_or_default()
            ),
            None => "serial port".to_string(),
        };
        writeln!(out, "{:<20} {what}", p.path)?;
        if probe {
            match discovery::probe_r30x(&p.path, 57_600, Duration::from_millis(300)) {
                Some(id) => line(out, "  found", &id)?,
                None => writeln!(out, "  no R30x module answered at 57600 baud")?,
            }
        }
    }
    Ok(())
}
