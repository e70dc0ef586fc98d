//! USB devices behind a small trait, in the probe-rs style: drivers talk to a [`UsbDevice`]
//! (bulk and control transfers plus the device's identity), so the same driver runs on real
//! hardware through [`rusb`](crate::usb::host), on a fake in tests, or on a recorded capture
//! through [`UsbReplay`].
//!
//! - [`UsbTransport`] turns a bulk OUT/IN endpoint pair into a byte [`Transport`], so any
//!   byte-protocol driver (the R30x driver, for one) runs over USB bulk unchanged.
//! - [`UsbRecorder`] writes every transfer to a usbmon pcapng file (format in [`pcapng`]) that
//!   Wireshark opens, and [`UsbReplay`] plays such a file back as the device.
//! - [`host`] is the libusb backend (rusb with libusb compiled in): enumeration, opening, and the
//!   mapping of libusb errors onto [`UsbError`].
//!
//! Contract: every transfer is bounded by its timeout; every failure is a [`UsbError`] naming the
//! device, mapped onto the shared [`ErrorKind`](crate::ErrorKind).
//!
//! [`Transport`]: crate::transport::Transport

mod error;
pub mod host;
pub mod pcapng;
pub mod record;
pub mod replay;
mod transport;

use std::fmt;
use std::time::Duration;

pub use error::UsbError;
pub use record::UsbRecorder;
pub use replay::UsbReplay;
pub use transport::UsbTransport;

/// Bit 7 of an endpoint address: set for IN (device to host) endpoints.
pub const ENDPOINT_IN: u8 = 0x80;

/// Who a USB device is and where it sits.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UsbDeviceInfo {
    /// Vendor id.
    pub vid: u16,
    /// Product id.
    pub pid: u16,
    /// Bus number.
    pub bus: u16,
    /// Device address on the bus.
    pub address: u8,
    /// Serial number string, if the device has one and it could be read.
    pub serial: Option<String>,
    /// Manufacturer string, if readable.
    pub manufacturer: Option<String>,
    /// Product string, if readable.
    pub product: Option<String>,
}

impl UsbDeviceInfo {
    /// Short name used in errors, e.g. `USB 1-4 10c4:ea60`.
    pub fn name(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for UsbDeviceInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "USB {:03}:{:03} {:04x}:{:04x}",
            self.bus, self.address, self.vid, self.pid
        )?;
        if let Some(product) = &self.product {
            write!(f, " {product}")?;
        }
        if let Some(serial) = &self.serial {
            write!(f, " #{serial}")?;
        }
        Ok(())
    }
}

/// The eight-byte SETUP packet of a control transfer, less its length (which is the length of
/// the data sent or of the buffer to fill).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ControlSetup {
    /// bmRequestType; bit 7 gives the direction and must agree with the call made.
    pub request_type: u8,
    /// bRequest.
    pub request: u8,
    /// wValue.
    pub value: u16,
    /// wIndex.
    pub index: u16,
}

impl ControlSetup {
    /// The SETUP packet as it travels on the bus (little-endian), with `length` as wLength.
    pub fn to_bytes(&self, length: u16) -> [u8; 8] {
        let [v0, v1] = self.value.to_le_bytes();
        let [i0, i1] = self.index.to_le_bytes();
        let [l0, l1] = length.to_le_bytes();
        [self.request_type, self.request, v0, v1, i0, i1, l0, l1]
    }

    /// Splits a SETUP packet into the request and wLength.
    pub fn from_bytes(bytes: [u8; 8]) -> (Self, u16) {
        let setup = ControlSetup {
            request_type: bytes[0],
            request: bytes[1],
            value: u16::from_le_bytes([bytes[2], bytes[3]]),
            index: u16::from_le_bytes([bytes[4], bytes[5]]),
        };
        (setup, u16::from_le_bytes([bytes[6], bytes[7]]))
    }
}

/// One opened USB device (interface claimed) as a driver sees it.
pub trait UsbDevice {
    /// Identity and bus position.
    fn info(&self) -> &UsbDeviceInfo;

    /// Sends `data` to bulk OUT `endpoint`; returns how many bytes the device accepted.
    fn write_bulk(
        &mut self,
        endpoint: u8,
        data: &[u8],
        timeout: Duration,
    ) -> Result<usize, UsbError>;

    /// Receives up to `buf.len()` bytes from bulk IN `endpoint` (one transfer; a short packet ends
    /// it). `Ok(0)` is a zero-length packet.
    fn read_bulk(
        &mut self,
        endpoint: u8,
        buf: &mut [u8],
        timeout: Duration,
    ) -> Result<usize, UsbError>;

    /// Receives up to `buf.len()` bytes from interrupt IN `endpoint` (one transfer), e.g. PTP
    /// events. Devices (and fakes) without an interrupt pipe keep this default, which refuses.
    fn read_interrupt(
        &mut self,
        endpoint: u8,
        buf: &mut [u8],
        timeout: Duration,
    ) -> Result<usize, UsbError> {
        let _ = (buf, timeout);
        Err(UsbError::Unsupported {
            device: self.info().name(),
            detail: format!("no interrupt IN endpoint {endpoint:#04x}"),
        })
    }

    /// A control transfer with an OUT (or no) data stage.
    fn control_out(
        &mut self,
        setup: ControlSetup,
        data: &[u8],
        timeout: Duration,
    ) -> Result<usize, UsbError>;

    /// A control transfer with an IN data stage of up to `buf.len()` bytes.
    fn control_in(
        &mut self,
        setup: ControlSetup,
        buf: &mut [u8],
        timeout: Duration,
    ) -> Result<usize, UsbError>;
}

impl<D: UsbDevice + ?Sized> UsbDevice for Box<D> {
    fn info(&self) -> &UsbDeviceInfo {
        (**self).info()
    }

    fn write_bulk(&mut self, ep: u8, data: &[u8], timeout: Duration) -> Result<usize, UsbError> {
        (**self).write_bulk(ep, data, timeout)
    }

    fn read_bulk(&mut self, ep: u8, buf: &mut [u8], timeout: Duration) -> Result<usize, UsbError> {
        (**self).read_bulk(ep, buf, timeout)
    }

    fn read_interrupt(
        &mut self,
        ep: u8,
        buf: &mut [u8],
        timeout: Duration,
    ) -> Result<usize, UsbError> {
        (**self).read_interrupt(ep, buf, timeout)
    }

    fn control_out(
        &mut self,
        setup: ControlSetup,
        data: &[u8],
        timeout: Duration,
    ) -> Result<usize, UsbError> {
        (**self).control_out(setup, data, timeout)
    }

    fn control_in(
        &mut self,
        setup: ControlSetup,
        buf: &mut [u8],
        timeout: Duration,
    ) -> Result<usize, UsbError> {
        (**self).control_in(setup, buf, timeout)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_setup_packet_round_trips_little_endian() {
        let setup = ControlSetup {
            request_type: 0xC0,
            request: 0x01,
            value: 0x1234,
            index: 0x0002,
        };
        let bytes = setup.to_bytes(0x0040);
        assert_eq!(bytes, [0xC0, 0x01, 0x34, 0x12, 0x02, 0x00, 0x40, 0x00]);
        assert_eq!(ControlSetup::from_bytes(bytes), (setup, 0x40));
    }

    #[test]
    fn the_name_gives_bus_address_ids_and_strings() {
        let info = UsbDeviceInfo {
            vid: 0x10c4,
            pid: 0xea60,
            bus: 1,
            address: 4,
            serial: Some("0001".into()),
            manufacturer: None,
            product: Some("CP2102".into()),
        };
        assert_eq!(info.name(), "USB 001:004 10c4:ea60 CP2102 #0001");
    }
}
