//! The simulated PTP camera as a USB still-image device: a [`UsbDevice`] whose bulk OUT pipe
//! takes command and data containers, whose bulk IN pipe gives back data and response
//! containers, and whose interrupt IN pipe carries events, all in the USB generic container
//! format of [`rekam_drivers::ptp::container`]. Wrapped in a `UsbRecorder` it produces a usbmon
//! capture of a PTP session without hardware.
//!
//! Bulk IN behaves like a device with 512-byte packets: a host read takes up to its buffer from
//! the container being sent (a read of the host's usual 64 KiB ends at the container's end, a
//! short packet); a container whose length is a multiple of 512 is followed by a zero-length
//! packet. Operations with a data-out phase (SetDevicePropValue, SetDevicePropValueEx,
//! SendObjectInfo, SendObject) wait for their data container before they are handled.
//!
//! Contract: the camera is shared (`Arc<Mutex<_>>`) so a test can switch it off while a driver
//! owns the device; once the wrapper has seen the camera off, every transfer fails
//! `Disconnected` for good, as a USB device handle does after its device left the bus (a
//! reopen takes a new wrapper). Reads with nothing to deliver wait out their timeout and time
//! out. A malformed container from the host stalls the OUT pipe, as a device would.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rekam_drivers::ptp::code::op;
use rekam_drivers::ptp::container::{Container, HEADER_LEN, Header, Kind};
use rekam_drivers::ptp::usb::{
    EVENT_CANCEL_TRANSACTION, PtpUsbEndpoints, REQUEST_CANCEL, REQUEST_DEVICE_RESET,
    REQUEST_GET_DEVICE_STATUS,
};
use rekam_drivers::ptp::{Request, Response};
use rekam_drivers::usb::{ControlSetup, UsbDevice, UsbDeviceInfo, UsbError};

use super::SimPtpCamera;

/// Canon's USB vendor id.
pub const CANON_VID: u16 = 0x04A9;
/// The product id the wrapper reports (an EOS body).
pub const SIM_PID: u16 = 0x32D9;

/// Operations whose data phase goes from host to device.
const DATA_OUT_OPS: [u16; 4] = [
    op::SET_DEVICE_PROP_VALUE,
    op::CANON_EOS_SET_DEVICE_PROP_VALUE_EX,
    0x100C, // SendObjectInfo
    0x100D, // SendObject
];

/// A shared simulated camera as a USB device.
pub struct SimPtpUsbDevice {
    camera: Arc<Mutex<SimPtpCamera>>,
    info: UsbDeviceInfo,
    endpoints: PtpUsbEndpoints,
    /// Bytes of the container arriving on bulk OUT.
    incoming: Vec<u8>,
    /// A command waiting for its data-out container.
    awaiting_data: Option<Request>,
    /// Containers to send on bulk IN, the first one partly sent.
    outgoing: VecDeque<Vec<u8>>,
    sent: usize,
    /// A zero-length packet is due after the container just finished.
    zlp_due: bool,
    gone: bool,
}

impl SimPtpUsbDevice {
    /// `camera` on bus 1, address 7, at the standard endpoints.
    pub fn new(camera: Arc<Mutex<SimPtpCamera>>) -> Self {
        SimPtpUsbDevice {
            camera,
            info: UsbDeviceInfo {
                vid: CANON_VID,
                pid: SIM_PID,
                bus: 1,
                address: 7,
                serial: None,
                manufacturer: Some("Canon Inc.".into()),
                product: Some("simulated EOS".into()),
            },
            endpoints: PtpUsbEndpoints::standard(),
            incoming: Vec::new(),
            awaiting_data: None,
            outgoing: VecDeque::new(),
            sent: 0,
            zlp_due: false,
            gone: false,
        }
    }

    /// The endpoints to open the device with.
    pub fn endpoints(&self) -> PtpUsbEndpoints {
        self.endpoints
    }

    /// The camera, when it is on and this device has not seen it go off.
    fn camera(&mut self) -> Result<MutexGuard<'_, SimPtpCamera>, UsbError> {
        let device = self.info.name();
        let gone = || UsbError::Disconnected {
            device: device.clone(),
        };
        if self.gone {
            return Err(gone());
        }
        // A test thread that panicked holding the lock leaves the camera as it was.
        let camera = self.camera.lock().unwrap_or_else(|p| p.into_inner());
        if !camera.powered() {
            drop(camera);
            self.gone = true;
            return Err(gone());
        }
        Ok(camera)
    }

    fn reset_pipes(&mut self) {
        self.incoming.clear();
        self.awaiting_data = None;
        self.outgoing.clear();
        self.sent = 0;
        self.zlp_due = false;
    }

    fn stall(&mut self, endpoint: u8) -> UsbError {
        self.incoming.clear();
        self.awaiting_data = None;
        UsbError::Stall {
            device: self.info.name(),
            endpoint,
        }
    }

    /// Runs `request` on the camera and queues its data and response containers.
    fn run(&mut self, request: &Request, data_out: Option<&[u8]>) -> Result<(), UsbError> {
        let t = self.camera()?.handle(request, data_out);
        if !t.data.is_empty() {
            let data = Container::data(request.code, request.transaction, &t.data);
            self.queue(&data)?;
        }
        let response = Container::response(&t.response).map_err(|e| UsbError::Io {
            device: self.info.name(),
            detail: format!("the simulator built a bad response: {e}"),
        })?;
        self.queue(&response)
    }

    fn queue(&mut self, container: &Container) -> Result<(), UsbError> {
        let bytes = container.to_bytes().map_err(|e| UsbError::Io {
            device: self.info.name(),
            detail: e.to_string(),
        })?;
        self.outgoing.push_back(bytes);
        Ok(())
    }

    /// Handles a complete container from bulk OUT.
    fn receive(&mut self, container: Container) -> Result<(), UsbError> {
        match (container.kind, self.awaiting_data.take()) {
            (Kind::Command, None) => {
                let request = container.to_request();
                if DATA_OUT_OPS.contains(&request.code) {
                    self.awaiting_data = Some(request);
                    Ok(())
                } else {
                    self.run(&request, None)
                }
            }
            (Kind::Data, Some(request))
                if container.code == request.code
                    && container.transaction == request.transaction =>
            {
                self.run(&request, Some(&container.payload))
            }
            _ => Err(self.stall(self.endpoints.bulk_out)),
        }
    }

    fn timeout(&self, endpoint: u8, timeout: Duration) -> UsbError {
        std::thread::sleep(timeout);
        UsbError::Timeout {
            device: self.info.name(),
            endpoint,
            timeout,
        }
    }
}

impl UsbDevice for SimPtpUsbDevice {
    fn info(&self) -> &UsbDeviceInfo {
        &self.info
    }

    fn write_bulk(&mut self, ep: u8, data: &[u8], _timeout: Duration) -> Result<usize, UsbError> {
        drop(self.camera()?);
        if ep != self.endpoints.bulk_out {
            return Err(self.stall(ep));
        }
        // A zero-length packet closes a container already complete by its length.
        if data.is_empty() {
            return Ok(0);
        }
        self.incoming.extend_from_slice(data);
        if self.incoming.len() < HEADER_LEN {
            return Ok(data.len());
        }
        let length = match Header::parse(&self.incoming) {
            Ok(h) => h.length as usize,
            Err(_) => return Err(self.stall(ep)),
        };
        if self.incoming.len() < length {
            return Ok(data.len());
        }
        if self.incoming.len() > length {
            return Err(self.stall(ep));
        }
        let bytes = std::mem::take(&mut self.incoming);
        let container = Container::parse(&bytes).map_err(|_| self.stall(ep))?;
        self.receive(container)?;
        Ok(data.len())
    }

    fn read_bulk(&mut self, ep: u8, buf: &mut [u8], timeout: Duration) -> Result<usize, UsbError> {
        drop(self.camera()?);
        if ep != self.endpoints.bulk_in {
            return Err(self.stall(ep));
        }
        if self.zlp_due {
            self.zlp_due = false;
            return Ok(0);
        }
        let Some(front) = self.outgoing.front() else {
            return Err(self.timeout(ep, timeout));
        };
        let n = buf.len().min(front.len() - self.sent);
        buf[..n].copy_from_slice(&front[self.sent..self.sent + n]);
        self.sent += n;
        if self.sent == front.len() {
            self.zlp_due = front.len() % usize::from(self.endpoints.max_packet) == 0;
            self.outgoing.pop_front();
            self.sent = 0;
        }
        Ok(n)
    }

    fn read_interrupt(
        &mut self,
        ep: u8,
        buf: &mut [u8],
        timeout: Duration,
    ) -> Result<usize, UsbError> {
        let event = self.camera()?.next_event();
        if Some(ep) != self.endpoints.interrupt_in {
            return Err(self.stall(ep));
        }
        let Some(event) = event else {
            return Err(self.timeout(ep, timeout));
        };
        let bytes = Container::event(&event)
            .and_then(|c| c.to_bytes())
            .map_err(|e| UsbError::Io {
                device: self.info.name(),
                detail: e.to_string(),
            })?;
        if bytes.len() > buf.len() {
            return Err(UsbError::Overflow {
                device: self.info.name(),
                endpoint: ep,
                capacity: buf.len(),
            });
        }
        buf[..bytes.len()].copy_from_slice(&bytes);
        Ok(bytes.len())
    }

    fn control_out(
        &mut self,
        setup: ControlSetup,
        data: &[u8],
        _timeout: Duration,
    ) -> Result<usize, UsbError> {
        drop(self.camera()?);
        match setup.request {
            REQUEST_CANCEL
                if data.len() == 6
                    && u16::from_le_bytes([data[0], data[1]]) == EVENT_CANCEL_TRANSACTION =>
            {
                self.reset_pipes();
                Ok(data.len())
            }
            REQUEST_DEVICE_RESET => {
                self.reset_pipes();
                // A reset ends the session, as on a camera.
                let close = Request {
                    code: op::CLOSE_SESSION,
                    transaction: 0,
                    params: vec![],
                };
                let _ = self.camera()?.handle(&close, None);
                Ok(0)
            }
            _ => Err(self.stall(0)),
        }
    }

    fn control_in(
        &mut self,
        setup: ControlSetup,
        buf: &mut [u8],
        _timeout: Duration,
    ) -> Result<usize, UsbError> {
        drop(self.camera()?);
        if setup.request != REQUEST_GET_DEVICE_STATUS || buf.len() < 4 {
            return Err(self.stall(0x80));
        }
        let ok = Response {
            code: rekam_drivers::ptp::code::rc::OK,
            transaction: 0,
            params: vec![],
        };
        buf[..2].copy_from_slice(&4u16.to_le_bytes());
        buf[2..4].copy_from_slice(&ok.code.to_le_bytes());
        Ok(4)
    }
}
