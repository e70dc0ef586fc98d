//! A byte [`Transport`] over a bulk OUT/IN endpoint pair, so byte-protocol drivers (R30x and its
//! kin behind a USB bridge that exposes raw bulk pipes) run over USB unchanged.
//!
//! Contract: `write_all` sends one bulk OUT transfer per call (repeated if the device accepts
//! part), each bounded by the write timeout; `read` returns buffered bytes first, else performs
//! bulk IN transfers of `read_size` bytes until data arrives or `timeout` passes (zero-length
//! packets are skipped, so `read` never returns `Ok(0)`); `clear_input` drops bytes already
//! received but does not touch the device, so it issues no transfer.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use super::{ENDPOINT_IN, UsbDevice, UsbError};
use crate::transport::{Transport, TransportError};

/// Default size of one bulk IN request: a multiple of every bulk max-packet size (64, 512, 1024).
pub const DEFAULT_READ_SIZE: usize = 4096;

/// A [`Transport`] over bulk endpoints of a [`UsbDevice`].
pub struct UsbTransport<D> {
    device: D,
    name: String,
    out_endpoint: u8,
    in_endpoint: u8,
    read_size: usize,
    write_timeout: Duration,
    pending: VecDeque<u8>,
}

impl<D: UsbDevice> UsbTransport<D> {
    /// Uses bulk `out_endpoint` and `in_endpoint` (addresses; the IN one has bit 7 set) of
    /// `device`.
    pub fn new(device: D, out_endpoint: u8, in_endpoint: u8) -> Result<Self, UsbError> {
        let name = device.info().name();
        if out_endpoint & ENDPOINT_IN != 0 || in_endpoint & ENDPOINT_IN == 0 {
            return Err(UsbError::Unsupported {
                device: name,
                detail: format!(
                    "endpoints {out_endpoint:#04x} (OUT) and {in_endpoint:#04x} (IN) have the wrong directions"
                ),
            });
        }
        Ok(Self {
            device,
            name,
            out_endpoint,
            in_endpoint,
            read_size: DEFAULT_READ_SIZE,
            write_timeout: Duration::from_secs(1),
            pending: VecDeque::new(),
        })
    }

    /// Changes the size of each bulk IN request (at least 1).
    pub fn with_read_size(mut self, read_size: usize) -> Self {
        self.read_size = read_size.max(1);
        self
    }

    /// Changes the timeout of each bulk OUT transfer.
    pub fn with_write_timeout(mut self, timeout: Duration) -> Self {
        self.write_timeout = timeout;
        self
    }

    /// The device.
    pub fn device(&self) -> &D {
        &self.device
    }

    /// The device, e.g. to finish a recording.
    pub fn into_device(self) -> D {
        self.device
    }
}

impl<D: UsbDevice> Transport for UsbTransport<D> {
    fn name(&self) -> &str {
        &self.name
    }

    fn read(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, TransportError> {
        if buf.is_empty() {
            return Err(TransportError::Timeout {
                endpoint: self.name.clone(),
                timeout,
            });
        }
        let deadline = Instant::now() + timeout;
        let mut chunk = vec![0; self.read_size];
        while self.pending.is_empty() {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(TransportError::Timeout {
                    endpoint: self.name.clone(),
                    timeout,
                });
            }
            let n = self.device.read_bulk(self.in_endpoint, &mut chunk, left)?;
            self.pending.extend(&chunk[..n]);
        }
        let n = buf.len().min(self.pending.len());
        for (slot, byte) in buf.iter_mut().zip(self.pending.drain(..n)) {
            *slot = byte;
        }
        Ok(n)
    }

    fn write_all(&mut self, mut bytes: &[u8]) -> Result<(), TransportError> {
        while !bytes.is_empty() {
            let n = self
                .device
                .write_bulk(self.out_endpoint, bytes, self.write_timeout)?;
            if n == 0 {
                return Err(TransportError::Timeout {
                    endpoint: self.name.clone(),
                    timeout: self.write_timeout,
                });
            }
            bytes = &bytes[n.min(bytes.len())..];
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), TransportError> {
        // A bulk OUT transfer has completed when write_bulk returns.
        Ok(())
    }

    fn clear_input(&mut self) -> Result<(), TransportError> {
        self.pending.clear();
        Ok(())
    }
}
