//! The simulated printer as a USB printer-class device: bulk OUT (endpoint 0x01) takes the
//! command stream, bulk IN (0x82) gives the replies, so the driver runs over `UsbTransport` as it
//! would on a real Evolis, and a session records to usbmon pcapng.
//!
//! Contract: replies are queued as each write completes; a read with nothing queued times out at
//! once (nothing can arrive later, the simulator being synchronous); unplugged, every transfer
//! fails `Disconnected`.

use std::collections::VecDeque;
use std::time::Duration;

use rekam_drivers::evolis::EVOLIS_VID;
use rekam_drivers::usb::{ControlSetup, UsbDevice, UsbDeviceInfo, UsbError};

use super::{PrintedCard, SimEvolis};

/// Bulk OUT endpoint.
pub const OUT_ENDPOINT: u8 = 0x01;
/// Bulk IN endpoint.
pub const IN_ENDPOINT: u8 = 0x82;

/// A [`SimEvolis`] behind USB bulk endpoints.
#[derive(Debug)]
pub struct SimUsbPrinter {
    sim: SimEvolis,
    info: UsbDeviceInfo,
    replies: VecDeque<u8>,
    printed: Vec<PrintedCard>,
}

impl SimUsbPrinter {
    /// Wraps `sim` as Evolis vendor 0F49, product 0x0001 (a Primacy-like id), on bus 1 address 5.
    pub fn new(sim: SimEvolis) -> Self {
        Self {
            sim,
            info: UsbDeviceInfo {
                vid: EVOLIS_VID,
                pid: 0x0001,
                bus: 1,
                address: 5,
                serial: Some("SIM0000001".into()),
                manufacturer: Some("Evolis".into()),
                product: Some("Primacy (simulated)".into()),
            },
            replies: VecDeque::new(),
            printed: Vec::new(),
        }
    }

    /// The simulator, e.g. to inject a fault.
    pub fn sim_mut(&mut self) -> &mut SimEvolis {
        &mut self.sim
    }

    /// Cards printed so far, taken out.
    pub fn take_printed(&mut self) -> Vec<PrintedCard> {
        std::mem::take(&mut self.printed)
    }

    fn gone(&self) -> Result<(), UsbError> {
        if self.sim.state.unplugged {
            return Err(UsbError::Disconnected {
                device: self.info.name(),
            });
        }
        Ok(())
    }
}

impl UsbDevice for SimUsbPrinter {
    fn info(&self) -> &UsbDeviceInfo {
        &self.info
    }

    fn write_bulk(&mut self, endpoint: u8, data: &[u8], _: Duration) -> Result<usize, UsbError> {
        self.gone()?;
        if endpoint != OUT_ENDPOINT {
            return Err(UsbError::Stall {
                device: self.info.name(),
                endpoint,
            });
        }
        let output = self.sim.feed(data);
        self.replies.extend(output.reply);
        self.printed.extend(output.printed);
        Ok(data.len())
    }

    fn read_bulk(
        &mut self,
        endpoint: u8,
        buf: &mut [u8],
        timeout: Duration,
    ) -> Result<usize, UsbError> {
        self.gone()?;
        if endpoint != IN_ENDPOINT {
            return Err(UsbError::Stall {
                device: self.info.name(),
                endpoint,
            });
        }
        if self.replies.is_empty() {
            return Err(UsbError::Timeout {
                device: self.info.name(),
                endpoint,
                timeout,
            });
        }
        let n = buf.len().min(self.replies.len());
        for (slot, byte) in buf.iter_mut().zip(self.replies.drain(..n)) {
            *slot = byte;
        }
        Ok(n)
    }

    fn control_out(&mut self, _: ControlSetup, _: &[u8], _: Duration) -> Result<usize, UsbError> {
        Err(UsbError::Unsupported {
            device: self.info.name(),
            detail: "the simulated printer has no control requests".into(),
        })
    }

    fn control_in(
        &mut self,
        _: ControlSetup,
        _: &mut [u8],
        _: Duration,
    ) -> Result<usize, UsbError> {
        Err(UsbError::Unsupported {
            device: self.info.name(),
            detail: "the simulated printer has no control requests".into(),
        })
    }
}
