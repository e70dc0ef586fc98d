//! HID over a claimed USB interface, without hidraw: feature and output reports travel as HID
//! class requests on the control pipe (GET_REPORT / SET_REPORT, HID 1.11 section 7.2) and input
//! reports arrive on the interface's interrupt IN endpoint. This is how a Wacom STU is driven on a
//! machine where reading feature reports through hidraw would need an `ioctl` (and `unsafe`).
//!
//! Contract: [`UsbHid`] implements [`HidDevice`] over any [`UsbDevice`], so the same code runs on
//! libusb, on a recording and on a simulator; a read with no report within its timeout is
//! `Ok(0)`; a stalled request (an id the device does not have) is [`HidError::Refused`]; a
//! device that is gone is [`HidError::Disconnected`].

use std::time::Duration;

use super::{HidDevice, HidError, HidInfo, report_id};
use crate::usb::host::{EndpointKind, InterfaceDescription, UsbHost};
use crate::usb::{ControlSetup, ENDPOINT_IN, UsbDevice, UsbDeviceInfo, UsbError};

/// USB interface class of HID devices.
pub const HID_CLASS: u8 = 3;
/// bmRequestType of a class request to an interface, device to host.
const CLASS_IN: u8 = 0xA1;
/// bmRequestType of a class request to an interface, host to device.
const CLASS_OUT: u8 = 0x21;
/// HID class request GET_REPORT.
pub const GET_REPORT: u8 = 0x01;
/// HID class request SET_REPORT.
pub const SET_REPORT: u8 = 0x09;
/// Report type in the high byte of wValue: output.
pub const REPORT_OUTPUT: u8 = 2;
/// Report type in the high byte of wValue: feature.
pub const REPORT_FEATURE: u8 = 3;
/// How long a control request may take; pads answer in milliseconds.
const CONTROL_TIMEOUT: Duration = Duration::from_millis(1000);

/// The setup packet of a GET_REPORT or SET_REPORT for `report_id` of type `kind` on `interface`.
pub fn report_setup(direction_in: bool, kind: u8, report_id: u8, interface: u8) -> ControlSetup {
    ControlSetup {
        request_type: if direction_in { CLASS_IN } else { CLASS_OUT },
        request: if direction_in { GET_REPORT } else { SET_REPORT },
        value: u16::from_be_bytes([kind, report_id]),
        index: u16::from(interface),
    }
}

/// The HID interface of a device and its interrupt IN endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HidInterface {
    /// bInterfaceNumber (wIndex of the class requests).
    pub number: u8,
    /// Interrupt IN endpoint carrying input reports.
    pub interrupt_in: u8,
}

impl HidInterface {
    /// The first HID-class interface with an interrupt IN endpoint, if the device has one.
    pub fn find(interfaces: &[InterfaceDescription]) -> Option<Self> {
        interfaces
            .iter()
            .filter(|i| i.class == HID_CLASS)
            .find_map(|i| {
                let ep = i
                    .endpoints
                    .iter()
                    .find(|e| e.kind == EndpointKind::Interrupt && e.address & ENDPOINT_IN != 0)?;
                Some(HidInterface {
                    number: i.number,
                    interrupt_in: ep.address,
                })
            })
    }
}

/// A HID device on a claimed USB interface.
pub struct UsbHid<D> {
    device: D,
    interface: HidInterface,
    info: HidInfo,
}

impl<D: UsbDevice> UsbHid<D> {
    /// Drives `interface` of `device` (already claimed).
    pub fn new(device: D, interface: HidInterface) -> Self {
        let u = device.info();
        let info = HidInfo {
            vendor_id: u.vid,
            product_id: u.pid,
            product: u.product.clone().unwrap_or_default(),
            serial: u.serial.clone(),
            path: u.name(),
        };
        UsbHid {
            device,
            interface,
            info,
        }
    }

    /// The USB device underneath.
    pub fn device(&self) -> &D {
        &self.device
    }

    /// Gives the USB device back (to finish a recording, say).
    pub fn into_device(self) -> D {
        self.device
    }

    fn map(&self, id: u8, e: UsbError) -> HidError {
        let device = self.info.path.clone();
        match e {
            UsbError::Disconnected { .. } => HidError::Disconnected {
                device,
                detail: e.to_string(),
            },
            UsbError::Timeout { .. } => HidError::Timeout {
                device,
                report_id: id,
            },
            other => HidError::Refused {
                device,
                report_id: id,
                detail: other.to_string(),
            },
        }
    }

    fn set_report(&mut self, kind: u8, report: &[u8]) -> Result<(), HidError> {
        let id = report_id(&self.info.path, report)?;
        if report.len() > usize::from(u16::MAX) {
            return Err(HidError::Malformed {
                device: self.info.path.clone(),
                detail: format!("report {id:#04x} of {} bytes", report.len()),
            });
        }
        let setup = report_setup(false, kind, id, self.interface.number);
        let sent = self
            .device
            .control_out(setup, report, CONTROL_TIMEOUT)
            .map_err(|e| self.map(id, e))?;
        if sent != report.len() {
            return Err(HidError::Refused {
                device: self.info.path.clone(),
                report_id: id,
                detail: format!("took {sent} of {} bytes", report.len()),
            });
        }
        Ok(())
    }
}

impl<D: UsbDevice> HidDevice for UsbHid<D> {
    fn info(&self) -> &HidInfo {
        &self.info
    }

    fn get_feature(&mut self, report_id: u8, len: usize) -> Result<Vec<u8>, HidError> {
        let len = len.clamp(1, usize::from(u16::MAX));
        let mut buf = vec![0; len];
        let setup = report_setup(true, REPORT_FEATURE, report_id, self.interface.number);
        let n = self
            .device
            .control_in(setup, &mut buf, CONTROL_TIMEOUT)
            .map_err(|e| self.map(report_id, e))?;
        buf.truncate(n);
        // With report ids in use the device sends the id first; anything else is another report.
        match buf.first() {
            Some(&id) if id == report_id => Ok(buf),
            other => Err(HidError::Refused {
                device: self.info.path.clone(),
                report_id,
                detail: match other {
                    None => "an empty reply".into(),
                    Some(id) => format!("the reply is report {id:#04x}"),
                },
            }),
        }
    }

    fn set_feature(&mut self, report: &[u8]) -> Result<(), HidError> {
        self.set_report(REPORT_FEATURE, report)
    }

    fn write_output(&mut self, report: &[u8]) -> Result<(), HidError> {
        self.set_report(REPORT_OUTPUT, report)
    }

    fn read_input(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, HidError> {
        match self
            .device
            .read_interrupt(self.interface.interrupt_in, buf, timeout)
        {
            Ok(n) => Ok(n),
            // A pen away from the pad sends nothing: silence is not an error.
            Err(UsbError::Timeout { .. }) => Ok(0),
            Err(e) => Err(self.map(buf.first().copied().unwrap_or(0), e)),
        }
    }
}

/// Attached USB devices accepted by `wanted` (vendor, product) that have a HID interface.
pub fn hid_devices(
    host: &UsbHost,
    wanted: impl Fn(u16, u16) -> bool,
) -> Result<Vec<(UsbDeviceInfo, HidInterface)>, UsbError> {
    Ok(host
        .devices()?
        .into_iter()
        .filter(|d| wanted(d.vid, d.pid))
        .filter_map(|d| {
            let interface = HidInterface::find(&host.interfaces(&d).ok()?)?;
            Some((d, interface))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::usb::host::EndpointDescription;

    #[test]
    fn get_and_set_report_setups_follow_hid_1_11() {
        let get = report_setup(true, REPORT_FEATURE, 0x09, 0);
        assert_eq!(get.to_bytes(8), [0xA1, 0x01, 0x09, 0x03, 0, 0, 8, 0]);
        let set = report_setup(false, REPORT_OUTPUT, 0x21, 1);
        assert_eq!(set.to_bytes(2), [0x21, 0x09, 0x21, 0x02, 1, 0, 2, 0]);
    }

    #[test]
    fn the_hid_interface_is_the_one_with_an_interrupt_in_endpoint() {
        let interfaces = vec![
            InterfaceDescription {
                number: 0,
                class: 0xFF,
                subclass: 0,
                protocol: 0,
                endpoints: vec![],
            },
            InterfaceDescription {
                number: 1,
                class: HID_CLASS,
                subclass: 0,
                protocol: 0,
                endpoints: vec![
                    EndpointDescription {
                        address: 0x02,
                        kind: EndpointKind::Interrupt,
                        max_packet: 64,
                    },
                    EndpointDescription {
                        address: 0x81,
                        kind: EndpointKind::Interrupt,
                        max_packet: 64,
                    },
                ],
            },
        ];
        assert_eq!(
            HidInterface::find(&interfaces),
            Some(HidInterface {
                number: 1,
                interrupt_in: 0x81
            })
        );
        assert_eq!(HidInterface::find(&interfaces[..1]), None);
    }
}
