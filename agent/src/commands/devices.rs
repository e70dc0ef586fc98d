//! `rekam devices list`: what discovery finds (serial ports, configured paths, USB devices with
//! PTP cameras and card printers marked, or why USB is unavailable; PTP/IP cameras at `--ptpip` addresses), or the
//! simulated kit; `rekam devices watch`: one line per device that comes or goes.
//!
//! Contract: listing and watching never write to a port unless `--probe` is given, and contact
//! no PTP/IP camera but those named with `--ptpip`.

use std::io::Write;
use std::time::Duration;

use anyhow::Result;
use rekam_drivers::CancelToken;
use rekam_drivers::camera::Camera;
use rekam_drivers::discovery::watch::{DeviceEvent, Found, SystemEnumerator, UsbStatus, Watcher};
use rekam_drivers::discovery::{self, UsbDevices};
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
pub fn list(
    simulated: bool,
    probe: bool,
    serial_globs: &[String],
    out: &mut dyn Write,
) -> Result<()> {
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
    let mut ports = discovery::serial_ports()?;
    for pattern in serial_globs {
        for path in discovery::glob::expand(pattern) {
            if !ports.iter().any(|p| p.path == path) {
                ports.push(discovery::SerialPortInfo { path, usb: None });
            }
        }
    }
    ports.sort_by(|a, b| a.path.cmp(&b.path));
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
    match discovery::usb_devices() {
        UsbDevices::Unavailable(reason) => writeln!(out, "USB unavailable: {reason}")?,
        UsbDevices::Found(devices) if devices.is_empty() => {
            writeln!(out, "USB: no devices attached")?
        }
        UsbDevices::Found(devices) => {
            let cameras = discovery::ptp_cameras();
            let printers = discovery::usb_printers();
            for d in devices {
                let role = if cameras.contains(&d) {
                    " - PTP camera (still-image class; [devices] camera = \"usb\")"
                } else if printers.contains(&d) {
                    " - card printer (printer class; [devices] printer = \"evolis:usb\")"
                } else {
                    ""
                };
                writeln!(out, "{}{role}", Found::Usb(d).describe())?;
            }
        }
    }
    Ok(())
}

/// Probes each configured PTP/IP address (`HOST[:PORT]`, port 15740 by default) for a camera.
pub fn probe_ptpip(addresses: &[String], out: &mut dyn Write) -> Result<()> {
    use crate::devices::ptp::CameraSpec;
    use std::net::ToSocketAddrs;
    for text in addresses {
        let (host, port) = match CameraSpec::parse(&format!("ptpip:{text}")) {
            Ok(CameraSpec::PtpIp { host, port }) => (host, port),
            Ok(CameraSpec::Usb) | Err(_) => {
                writeln!(out, "ptpip:{text:<14} not an address (HOST[:PORT])")?;
                continue;
            }
        };
        let addr = (host.as_str(), port)
            .to_socket_addrs()
            .ok()
            .and_then(|mut a| a.next());
        match addr.map(|a| discovery::probe_ptpip(a, Duration::from_secs(2))) {
            Some(Ok(id)) => line(out, "camera (PTP/IP)", &id)?,
            Some(Err(e)) => writeln!(out, "ptpip:{host}:{port}  no PTP/IP camera answered: {e}")?,
            None => writeln!(out, "ptpip:{host}:{port}  does not resolve to an address")?,
        }
    }
    Ok(())
}

/// Options of `rekam devices watch`.
pub struct WatchArgs {
    /// Poll interval.
    pub interval: Duration,
    /// Plug and unplug a simulated R30x module on a pty.
    pub simulated: bool,
    /// Extra serial path patterns.
    pub serial_globs: Vec<String>,
    /// Probe arriving serial ports for an R30x module.
    pub probe: bool,
    /// Stop after this many events.
    pub count: Option<u64>,
}

/// Watches for devices coming and going until interrupted (or `count` events).
pub fn watch(args: &WatchArgs, out: &mut dyn Write) -> Result<()> {
    let mut patterns = args.serial_globs.clone();
    let cancel = CancelToken::new();
    let cable = if args.simulated {
        // The simulated module's pty appears under /dev/pts; watch there too.
        patterns.push("/dev/pts/[0-9]*".into());
        Some(SimulatedCable::start(args.interval * 4, cancel.clone()))
    } else {
        None
    };
    let enumerator = SystemEnumerator::new(patterns.clone());
    let usb = match enumerator.usb_status() {
        UsbStatus::Available(_, Some(_)) => " and USB (libusb hot-plug callbacks)".to_owned(),
        UsbStatus::Available(_, None) => " and USB (polling)".to_owned(),
        UsbStatus::Unavailable(reason) => format!("; USB unavailable: {reason}"),
    };
    let extra = if patterns.is_empty() {
        String::new()
    } else {
        format!(", paths matching {}", patterns.join(" "))
    };
    let (mut watcher, present) = Watcher::new(enumerator)?;
    for found in &present {
        writeln!(out, "present  {}", found.describe())?;
    }
    // Printed once the first snapshot is taken: every later change is reported.
    writeln!(
        out,
        "watching serial ports{extra}{usb}; polling every {} ms; Ctrl-C stops",
        args.interval.as_millis()
    )?;
    out.flush()?;
    let mut seen = 0u64;
    let mut failure: Option<std::io::Error> = None;
    let result = watcher.run(args.interval, &cancel, |event| {
        let line = match event {
            DeviceEvent::Arrived(f) => format!("arrived  {}", f.describe()),
            DeviceEvent::Left(f) => format!("left     {}", f.describe()),
        };
        let mut write = || -> std::io::Result<()> {
            writeln!(out, "{line}")?;
            if let (true, DeviceEvent::Arrived(Found::Serial(p))) = (args.probe, event) {
                match discovery::probe_r30x(&p.path, 57_600, Duration::from_millis(300)) {
                    Some(id) => writeln!(
                        out,
                        "  found {} {} serial {} at {}",
                        id.vendor,
                        id.model,
                        id.serial.as_deref().unwrap_or("-"),
                        id.location
                    )?,
                    None => writeln!(out, "  no R30x module answered at 57600 baud")?,
                }
            }
            out.flush()
        };
        if let Err(e) = write() {
            failure = Some(e);
            return false;
        }
        seen += 1;
        args.count.is_none_or(|n| seen < n)
    });
    cancel.cancel();
    if let Some(cable) = cable {
        cable.join();
    }
    if let Some(e) = failure {
        return Err(e.into());
    }
    Ok(result?)
}

/// A simulated R30x module whose pty is plugged in and pulled out in turn.
struct SimulatedCable {
    thread: std::thread::JoinHandle<()>,
}

impl SimulatedCable {
    fn start(period: Duration, cancel: CancelToken) -> Self {
        let thread = std::thread::spawn(move || {
            let mut seed = 1;
            loop {
                if cancel.sleep(period) {
                    return;
                }
                // A pty that cannot be made leaves the cable unplugged this round.
                let plugged = rekam_sim::r30x::spawn_pty(seed).ok();
                seed += 1;
                if cancel.sleep(period) {
                    return;
                }
                drop(plugged);
            }
        });
        Self { thread }
    }

    fn join(self) {
        let _ = self.thread.join();
    }
}
