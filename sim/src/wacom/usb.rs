//! The simulated STU-540 seen from the USB side, as libusb would present a real one: HID class
//! requests on the control pipe (GET_REPORT / SET_REPORT for feature and output reports) and pen
//! reports on interrupt IN endpoint 0x81. It lets [`UsbHid`](rekam_drivers::hid::usb::UsbHid)
//! be tested end to end and recorded to usbmon pcapng.
//!
//! Contract: requests that are not HID report requests for interface 0, or whose report id
//! disagrees with wValue, stall as a real device would; an unplugged pad is disconnected; no pen
//! report within the timeout is a timeout, as libusb reports it.

use std::time::Duration;

use rekam_drivers::hid::usb::{GET_REPORT, REPORT_FEATURE, REPORT_OUTPUT, SET_REPORT};
use rekam_drivers::hid::{HidDevice, HidError};
use rekam_drivers::usb::{ControlSetup, UsbDevice, UsbDeviceInfo, UsbError};

use super::SimStu;

/// The pad's only interface.
pub const INTERFACE: u8 = 0;
/// Its interrupt IN endpoint.
pub const INTERRUPT_IN: u8 = 0x81;

/// A [`SimStu`] behind USB transfers.
pub struct SimStuUsb {
    stu: SimStu,
    info: UsbDeviceInfo,
}

impl SimStuUsb {
    /// Wraps `stu`.
    pub fn new(stu: SimStu) -> Self {
        let hid = stu.info().clone();
        let info = UsbDeviceInfo {
            vid: hid.vendor_id,
            pid: hid.product_id,
            bus: 1,
            address: 9,
            serial: hid.serial,
            manufacturer: Some("Wacom Co.,Ltd.".into()),
            product: Some(hid.product),
        };
        SimStuUsb { stu, info }
    }

    /// The simulator, to read what was uploaded.
    pub fn stu(&self) -> &SimStu {
        &self.stu
    }

    fn stall(&self) -> UsbError {
        UsbError::Stall {
            device: self.info.name(),
            endpoint: 0,
        }
    }

    fn map(&self, e: HidError) -> UsbError {
        match e {
            HidError::Disconnected { .. } => UsbError::Disconnected {
                device: self.info.name(),
            },
            _ => self.stall(),
        }
    }

    /// The report type and id of a HID report request on our interface, or a stall.
    fn report_request(&self, setup: ControlSetup, request: u8) -> Result<(u8, u8), UsbError> {
        let [kind, id] = setup.value.to_be_bytes();
        if setup.request != request || setup.index != u16::from(INTERFACE) {
            return Err(self.stall());
        }
        Ok((kind, id))
    }
}

impl UsbDevice for SimStuUsb {
    fn info(&self) -> &UsbDeviceInfo {
        &self.info
    }

    fn write_bulk(&mut self, _: u8, _: &[u8], _: Duration) -> Result<usize, UsbError> {
        Err(self.stall())
    }

    fn read_bulk(&mut self, _: u8, _: &mut [u8], _: Duration) -> Result<usize, UsbError> {
        Err(self.stall())
    }

    fn read_interrupt(
        &mut self,
        endpoint: u8,
        buf: &mut [u8],
        timeout: Duration,
    ) -> Result<usize, UsbError> {
        if endpoint != INTERRUPT_IN {
            return Err(UsbError::Stall {
                device: self.info.name(),
                endpoint,
            });
        }
        match self.stu.read_input(buf, timeout) {
            Ok(0) => Err(UsbError::Timeout {
                device: self.info.name(),
                endpoint,
                timeout,
            }),
            Ok(n) => Ok(n),
            Err(e) => Err(self.map(e)),
        }
    }

    fn control_out(
        &mut self,
        setup: ControlSetup,
        data: &[u8],
        _: Duration,
    ) -> Result<usize, UsbError> {
        let (kind, id) = self.report_request(setup, SET_REPORT)?;
        if data.first() != Some(&id) {
            return Err(self.stall());
        }
        let done = match kind {
            REPORT_FEATURE => self.stu.set_feature(data),
            REPORT_OUTPUT => self.stu.write_output(data),
            _ => return Err(self.stall()),
        };
        done.map(|()| data.len()).map_err(|e| self.map(e))
    }

    fn control_in(
        &mut self,
        setup: ControlSetup,
        buf: &mut [u8],
        _: Duration,
    ) -> Result<usize, UsbError> {
        let (kind, id) = self.report_request(setup, GET_REPORT)?;
        if kind != REPORT_FEATURE {
            return Err(self.stall());
        }
        let reply = self
            .stu
            .get_feature(id, buf.len())
            .map_err(|e| self.map(e))?;
        let n = reply.len().min(buf.len());
        buf[..n].copy_from_slice(&reply[..n]);
        Ok(n)
    }
}
