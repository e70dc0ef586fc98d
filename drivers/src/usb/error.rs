//! USB errors and their mapping onto the shared [`ErrorKind`] and onto [`TransportError`].
//!
//! Contract: every variant names the device (or the capture file, or "USB" when the machine has
//! no USB at all); a permission failure says how to fix it.

use std::time::Duration;

use crate::error::{Error, ErrorKind};
use crate::transport::TransportError;

use super::pcapng::PcapngError;

/// A failure of a USB device, of the USB host stack, or of a USB capture.
#[derive(Debug, thiserror::Error)]
pub enum UsbError {
    /// libusb could not start: the kernel has no USB stack, or usbfs is not mounted.
    #[error(
        "no USB support on this machine: {detail} (the kernel has no USB host stack or /dev/bus/usb is absent)"
    )]
    Unavailable {
        /// libusb's words.
        detail: String,
    },
    /// No device matched what was asked for.
    #[error("no USB device {wanted} is attached")]
    NotFound {
        /// What was looked for, e.g. "10c4:ea60".
        wanted: String,
    },
    /// The device is gone.
    #[error("{device}: disconnected")]
    Disconnected {
        /// The device.
        device: String,
    },
    /// The transfer did not complete in time.
    #[error("{device}: endpoint {endpoint:#04x}: no completion within {timeout:?}")]
    Timeout {
        /// The device.
        device: String,
        /// The endpoint address (bit 7 set for IN).
        endpoint: u8,
        /// How long it waited.
        timeout: Duration,
    },
    /// The device or interface is in use (another program or a kernel driver holds it).
    #[error("{device}: busy: {detail}")]
    Busy {
        /// The device.
        device: String,
        /// What was busy.
        detail: String,
    },
    /// The OS refused access to the device node.
    #[error(
        "{device}: permission denied opening the device; add a udev rule granting access, e.g. \
         SUBSYSTEM==\"usb\", ATTR{{idVendor}}==\"{vid:04x}\", ATTR{{idProduct}}==\"{pid:04x}\", \
         MODE=\"0660\", GROUP=\"plugdev\" in /etc/udev/rules.d/, then replug"
    )]
    Access {
        /// The device.
        device: String,
        /// Vendor id, for the rule.
        vid: u16,
        /// Product id, for the rule.
        pid: u16,
    },
    /// The endpoint stalled (the device refused the request).
    #[error("{device}: endpoint {endpoint:#04x} stalled")]
    Stall {
        /// The device.
        device: String,
        /// The endpoint address.
        endpoint: u8,
    },
    /// The device sent more than the buffer could hold.
    #[error("{device}: endpoint {endpoint:#04x}: the device sent more than {capacity} byte(s)")]
    Overflow {
        /// The device.
        device: String,
        /// The endpoint address.
        endpoint: u8,
        /// The buffer size.
        capacity: usize,
    },
    /// Another failure of the device or the host controller.
    #[error("{device}: USB I/O error: {detail}")]
    Io {
        /// The device.
        device: String,
        /// libusb's or the OS's words.
        detail: String,
    },
    /// The device lacks what the driver needs (an interface, an endpoint pair).
    #[error("{device}: {detail}")]
    Unsupported {
        /// The device.
        device: String,
        /// What is missing.
        detail: String,
    },
    /// Replay: the host did something other than what the capture holds.
    #[error("{capture}: transfer #{transfer}: {detail}")]
    ReplayMismatch {
        /// The capture file.
        capture: String,
        /// 0-based index of the transfer among the replayed device's transfers.
        transfer: usize,
        /// What differed, with the first differing byte when data differ.
        detail: String,
    },
    /// A capture file could not be read or written, or is malformed.
    #[error("{capture}: {source}")]
    Capture {
        /// The capture file.
        capture: String,
        /// What is wrong.
        #[source]
        source: PcapngError,
    },
}

impl Error for UsbError {
    fn kind(&self) -> ErrorKind {
        match self {
            // Retrying cannot help a machine without USB.
            UsbError::Unavailable { .. } => ErrorKind::Unsupported,
            UsbError::NotFound { .. } | UsbError::Disconnected { .. } => ErrorKind::Disconnected,
            UsbError::Timeout { .. } => ErrorKind::Timeout,
            UsbError::Busy { .. } => ErrorKind::Busy,
            UsbError::Access { .. } => ErrorKind::NotReady,
            UsbError::Stall { .. } | UsbError::Overflow { .. } => ErrorKind::ProtocolViolation,
            UsbError::Io { .. } => ErrorKind::HardwareFault,
            UsbError::Unsupported { .. } => ErrorKind::Unsupported,
            UsbError::ReplayMismatch { .. } | UsbError::Capture { .. } => {
                ErrorKind::ProtocolViolation
            }
        }
    }
}

impl From<UsbError> for TransportError {
    /// Timeouts and disconnects become the transport variants drivers already handle; the rest
    /// keep their USB detail and kind.
    fn from(e: UsbError) -> Self {
        match e {
            UsbError::Timeout {
                device, timeout, ..
            } => TransportError::Timeout {
                endpoint: device,
                timeout,
            },
            UsbError::Disconnected { device } => TransportError::Disconnected {
                endpoint: device,
                detail: "USB device gone".into(),
            },
            other => TransportError::Usb(Box::new(other)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_permission_failure_tells_how_to_write_the_udev_rule() {
        let e = UsbError::Access {
            device: "USB 001:004 10c4:ea60".into(),
            vid: 0x10c4,
            pid: 0xea60,
        };
        let text = e.to_string();
        assert!(text.contains("udev rule"), "{text}");
        assert!(text.contains("ATTR{idVendor}==\"10c4\""), "{text}");
        assert_eq!(e.kind(), ErrorKind::NotReady);
    }

    #[test]
    fn usb_timeouts_and_disconnects_become_their_transport_forms() {
        let t: TransportError = UsbError::Timeout {
            device: "d".into(),
            endpoint: 0x81,
            timeout: Duration::from_millis(5),
        }
        .into();
        assert!(matches!(t, TransportError::Timeout { .. }));
        let d: TransportError = UsbError::Disconnected { device: "d".into() }.into();
        assert_eq!(d.kind(), ErrorKind::Disconnected);
        let b: TransportError = UsbError::Busy {
            device: "d".into(),
            detail: "interface 0".into(),
        }
        .into();
        assert_eq!(b.kind(), ErrorKind::Busy);
    }
}
