//! Finding devices: enumerate serial ports (USB-serial bridges included) without libudev and USB
//! devices through libusb, name what a VID/PID says about them, optionally probe a port for an
//! R30x fingerprint module, accept explicitly configured paths ([`glob`]), and notice devices
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
use crate::transport::{SerialTransport, TransportError};
use crate::usb::UsbDeviceInfo;
use crate::usb::host::UsbHost;

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
        (0x0403, 0x6001) | (0x0403, 0x6015) => {
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

/// Probes `path` for an R30x module at `baud` (57600 is the factory default): opens the port,
/// checks the default password and reads the system and product parameters.
pub fn probe_r30x(path: &str, baud: u32, timeout: Duration) -> Option<DeviceIdentity> {
    let transport = SerialTransport::open(path, baud).ok()?;
    let config = R30xConfig {
        ack_timeout: timeout,
        ..R30xConfig::default()
    };
    R30x::open(transport, config)
        .ok()
        .map(|m| m.identity().clone())
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
    fn probing_a_missing_port_finds_nothing() {
        assert_eq!(
            probe_r30x("/dev/rekam-no-such-port", 57_600, Duration::from_millis(50)),
            None
        );
    }
}
