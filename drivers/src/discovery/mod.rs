//! Finding devices: enumerate serial ports (USB-serial bridges included) without libudev and USB
//! devices through libusb (still-image class ones are PTP cameras), name what a VID/PID says
//! about them, optionally probe a port for an
//! R30x fingerprint module or a configured address for a PTP/IP camera, accept explicitly configured paths ([`glob`]), and notice devices
//! that come and go ([`watch`]).
//!
//! Contract: enumeration never writes to a port. Probing writes an R30x password check at the
//! configured baud rate and reads for a bounded time, so it is only done when asked for: a port can
//! belong to another device that should not receive stray bytes.

pub mod glob;
pub mod watch;

use std::time::Duration;

use crate::fingerprint::FingerprintScanner;
use crate::identity::DeviceIdentity;
use crate::r30x::{R30x, R30xConfig};
use crate::transport::{SerialTransport, Transport, TransportError};
use crate::usb::host::UsbHost;
use crate::usb::{UsbDeviceInfo, UsbError, UsbTransport};

/// A serial port found on the machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SerialPortInfo {
    /// Path to open, e.g. `/dev/ttyUSB0`.
    pub path: String,
    /// USB identity when the port is a USB device.
    pub usb: Option<UsbIds>,
}

/// USB identity of a port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsbIds {
    /// Vendor id.
    pub vid: u16,
    /// Product id.
    pub pid: u16,
    /// Serial number, if reported.
    pub serial: Option<String>,
    /// Manufacturer string, if reported.
    pub manufacturer: Option<String>,
    /// Product string, if reported.
    pub product: Option<String>,
}

/// What a USB VID/PID suggests about the device behind a port.
pub fn usb_hint(vid: u16, pid: u16) -> Option<&'static str> {
    Some(match (vid, pid) {
        (0x10c4, 0xea60) => {
            "Silicon Labs CP210x USB-serial bridge (R30x modules ship with it; probe to confirm)"
        }
        (0x1a86, 0x7523) => {
            "WCH CH340 USB-serial bridge (common on R30x/AS608 kits; probe to confirm)"
        }
        (0x10c4, 0xea70) | (0x10c4, 0xea71) => {
            "Silicon Labs CP2105/CP2108 multi-port USB-serial bridge (probe to confirm the device)"
        }
        (0x1a86, 0x55d4) => "WCH CH9102 USB-serial bridge (probe to confirm the device)",
        (0x0403, 0x6001) | (0x0403, 0x6010) | (0x0403, 0x6014) | (0x0403, 0x6015) => {
            "FTDI USB-serial bridge (probe to confirm the device)"
        }
        (0x067b, 0x2303) => "Prolific PL2303 USB-serial bridge (probe to confirm the device)",
        (0x056a, _) => "Wacom device (signature pads and ISDV4 digitizers)",
        _ => return None,
    })
}

/// Lists serial ports. Ports the kernel lists but that have no device behind them (legacy
/// `ttyS` placeholders) are included as the platform reports them.
pub fn serial_ports() -> Result<Vec<SerialPortInfo>, TransportError> {
    let ports = serialport::available_ports().map_err(|e| TransportError::Open {
        endpoint: "serial port enumeration".to_owned(),
        absent: false,
        detail: e.to_string(),
    })?;
    let mut out: Vec<SerialPortInfo> = ports
        .into_iter()
        .map(|p| SerialPortInfo {
            path: p.port_name,
            usb: match p.port_type {
                serialport::SerialPortType::UsbPort(u) => Some(UsbIds {
                    vid: u.vid,
                    pid: u.pid,
                    serial: u.serial_number,
                    manufacturer: u.manufacturer,
                    product: u.product,
                }),
                _ => None,
            },
        })
        .collect();
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

/// What USB enumeration found, or why there is none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UsbDevices {
    /// The devices attached, sorted by bus and address.
    Found(Vec<UsbDeviceInfo>),
    /// USB cannot be enumerated here (no USB stack, no usbfs), with the reason.
    Unavailable(String),
}

/// Lists USB devices, or says why USB is unavailable on this machine. Never panics.
pub fn usb_devices() -> UsbDevices {
    match UsbHost::new().and_then(|host| host.devices()) {
        Ok(devices) => UsbDevices::Found(devices),
        Err(e) => UsbDevices::Unavailable(e.to_string()),
    }
}

/// USB devices with a still-image class (PTP) interface: cameras the PTP driver can open over
/// USB. Reads configuration descriptors only; empty when USB is unavailable.
pub fn ptp_cameras() -> Vec<UsbDeviceInfo> {
    match UsbHost::new() {
        Ok(host) => crate::ptp::usb::still_image_devices(&host)
            .into_iter()
            .map(|(device, _)| device)
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// Attached USB printer-class devices (card printers), Evolis first; empty where USB is
/// unavailable.
pub fn usb_printers() -> Vec<UsbDeviceInfo> {
    match UsbHost::new() {
        Ok(host) => crate::evolis::usb::printer_class_devices(&host).unwrap_or_default(),
        Err(_) => Vec::new(),
    }
}

/// Probes a PTP/IP camera at `addr` (a configured address: PTP/IP cameras are not enumerated):
/// handshake, session, DeviceInfo, then the session is closed again.
pub fn probe_ptpip(
    addr: std::net::SocketAddr,
    timeout: Duration,
) -> Result<DeviceIdentity, crate::ptp::camera::PtpCameraError> {
    use crate::camera::Camera;
    use crate::ptp::camera::{PtpCamera, PtpCameraConfig};
    let transport =
        crate::ptp::ptpip::PtpIpTransport::connect(addr, *b"rekam-discovery1", "rekam", timeout)?;
    let config = PtpCameraConfig {
        io_timeout: timeout,
        setting_timeout: timeout,
        ..PtpCameraConfig::default()
    };
    let camera = PtpCamera::open(transport, config)?;
    let identity = camera.identity().clone();
    // The identity is what was asked for; a camera slow to end the session is not an error here.
    let _ = camera.close();
    Ok(identity)
}

/// Probes `path` for an R30x module at `baud` (57600 is the factory default): opens the port,
/// checks the default password and reads the system and product parameters.
pub fn probe_r30x(path: &str, baud: u32, timeout: Duration) -> Option<DeviceIdentity> {
    let transport = SerialTransport::open(path, baud).ok()?;
    probe_r30x_on(transport, timeout)
}

/// Probes any byte transport for an R30x module (default address and password).
pub fn probe_r30x_on<T: Transport>(transport: T, timeout: Duration) -> Option<DeviceIdentity> {
    let config = R30xConfig {
        ack_timeout: timeout,
        ..R30xConfig::default()
    };
    R30x::open(transport, config)
        .ok()
        .map(|m| m.identity().clone())
}

/// Probes a USB device for an R30x module speaking its wire protocol over the first bulk
/// endpoint pair (modules with a raw-bulk USB interface). `Ok(None)` when the device has such a
/// pair but no module answered; an error when it cannot be opened or has no bulk pair.
pub fn probe_r30x_usb(
    host: &UsbHost,
    device: &UsbDeviceInfo,
    timeout: Duration,
) -> Result<Option<DeviceIdentity>, UsbError> {
    let (opened, pair) = host.open_bulk(device)?;
    let transport = UsbTransport::new(opened, pair.out_endpoint, pair.in_endpoint)?;
    Ok(probe_r30x_on(transport, timeout))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bridges_and_wacom_are_named_and_others_are_not() {
        assert!(usb_hint(0x10c4, 0xea60).is_some_and(|h| h.contains("CP210x")));
        assert!(usb_hint(0x056a, 0x00a8).is_some_and(|h| h.contains("Wacom")));
        assert_eq!(usb_hint(0x1234, 0x5678), None);
    }

    #[test]
    fn enumeration_answers_without_libudev() {
        // The build machine may have no serial ports at all; enumerating must still answer.
        let ports = serial_ports().expect("enumeration works without libudev");
        assert!(ports.windows(2).all(|w| w[0].path <= w[1].path));
    }

    #[test]
    fn probing_a_silent_usb_device_finds_nothing() {
        // A replayed capture of a device that never answers VfyPwd.
        let mut w = crate::usb::pcapng::PcapngWriter::new(Vec::new(), 1, 65_535).unwrap();
        let mut silent = crate::usb::pcapng::UsbmonPacket {
            id: 1,
            event: b'S',
            transfer_type: crate::usb::pcapng::XFER_BULK,
            endpoint: 0x81,
            device: 2,
            bus: 1,
            setup_flag: b'-',
            data_flag: b'<',
            ts_sec: 0,
            ts_usec: 0,
            status: crate::usb::pcapng::EINPROGRESS,
            length: 64,
            setup: [0; 8],
            interval: 0,
            start_frame: 0,
            xfer_flags: crate::usb::pcapng::URB_DIR_IN,
            ndesc: 0,
            data: Vec::new(),
        };
        // The host's VfyPwd (password 0, default address) goes out; nothing comes back.
        use crate::r30x::command::Command as _;
        let vfy_pwd = crate::r30x::command::VfyPwd { password: 0 }.to_bytes(0xFFFF_FFFF);
        let mut out = silent.clone();
        (out.id, out.endpoint, out.data_flag, out.xfer_flags) = (0, 0x02, 0, 0);
        (out.length, out.data) = (vfy_pwd.len() as u32, vfy_pwd);
        w.write(&out).unwrap();
        (out.event, out.status, out.data, out.data_flag) = (b'C', 0, Vec::new(), b'>');
        w.write(&out).unwrap();
        w.write(&silent).unwrap();
        silent.event = b'C';
        silent.status = -104;
        w.write(&silent).unwrap();
        let replay =
            crate::usb::UsbReplay::from_bytes("silent", &w.into_inner().unwrap(), None).unwrap();
        let mut transport = UsbTransport::new(replay, 0x02, 0x81).unwrap();
        assert_eq!(
            probe_r30x_on(&mut transport, Duration::from_millis(20)),
            None
        );
        assert!(
            transport.device().is_finished(),
            "VfyPwd was sent as recorded"
        );
    }

    #[test]
    fn probing_a_missing_port_finds_nothing() {
        assert_eq!(
            probe_r30x("/dev/rekam-no-such-port", 57_600, Duration::from_millis(50)),
            None
        );
    }
}
