//! A [`UsbDevice`] wrapper that writes every transfer to a usbmon pcapng capture (format in
//! [`pcapng`](super::pcapng)), so a session with a real device opens in Wireshark and replays
//! through [`UsbReplay`](super::UsbReplay) as a regression test.
//!
//! Contract: the wrapper behaves exactly like the device it wraps; each transfer becomes a
//! submission and a completion event, flushed to the file at once (a recording is most wanted
//! after a crash). A failure to write the file is a `UsbError::Capture` naming it.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::pcapng::{
    DEFAULT_SNAPLEN, EINPROGRESS, EVENT_COMPLETION, EVENT_SUBMISSION, PcapngError, PcapngWriter,
    URB_DIR_IN, UsbmonPacket, XFER_BULK, XFER_CONTROL, XFER_INTERRUPT,
};
use super::{ControlSetup, ENDPOINT_IN, UsbDevice, UsbDeviceInfo, UsbError};

/// Status a completion carries for an error, as Linux reports it (negative errno).
pub fn status_of(error: &UsbError) -> i32 {
    match error {
        // libusb cancels a timed-out URB; the cancelled URB completes with ECONNRESET.
        UsbError::Timeout { .. } => -104,
        UsbError::Disconnected { .. } => -108, // ESHUTDOWN
        UsbError::Stall { .. } => -32,         // EPIPE
        UsbError::Overflow { .. } => -75,      // EOVERFLOW
        UsbError::Busy { .. } => -16,          // EBUSY
        UsbError::Io { .. } => -71,            // EPROTO
        _ => -5,                               // EIO
    }
}

/// Records the transfers of `D`.
pub struct UsbRecorder<D> {
    inner: D,
    writer: PcapngWriter<BufWriter<File>>,
    path: PathBuf,
    next_id: u64,
}

impl<D: UsbDevice> UsbRecorder<D> {
    /// Starts recording `inner` to a new capture at `path` (overwriting it).
    pub fn create(inner: D, path: &Path) -> Result<Self, UsbError> {
        let capture_err = |source| UsbError::Capture {
            capture: path.display().to_string(),
            source,
        };
        let file = File::create(path)
            .map_err(PcapngError::from)
            .map_err(capture_err)?;
        let writer = PcapngWriter::new(BufWriter::new(file), inner.info().bus, DEFAULT_SNAPLEN)
            .map_err(capture_err)?;
        Ok(Self {
            inner,
            writer,
            path: path.to_owned(),
            // Looks like a kernel URB address, as in real captures; only equality matters.
            next_id: 0xffff_8880_0000_0000,
        })
    }

    /// Flushes the capture and hands back the device.
    pub fn finish(mut self) -> Result<D, UsbError> {
        self.writer.flush().map_err(|e| self.capture_error(e))?;
        Ok(self.inner)
    }

    /// The wrapped device.
    pub fn inner(&self) -> &D {
        &self.inner
    }

    /// The wrapped device, e.g. to drive a fake between transfers.
    pub fn inner_mut(&mut self) -> &mut D {
        &mut self.inner
    }

    fn capture_error(&self, source: PcapngError) -> UsbError {
        UsbError::Capture {
            capture: self.path.display().to_string(),
            source,
        }
    }

    fn event(&self, id: u64, event: u8, transfer_type: u8, endpoint: u8) -> UsbmonPacket {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let info: &UsbDeviceInfo = self.inner.info();
        UsbmonPacket {
            id,
            event,
            transfer_type,
            endpoint,
            device: info.address,
            bus: info.bus,
            setup_flag: b'-',
            data_flag: 0,
            ts_sec: i64::try_from(now.as_secs()).unwrap_or(i64::MAX),
            ts_usec: i32::try_from(now.subsec_micros()).unwrap_or(0),
            status: EINPROGRESS,
            length: 0,
            setup: [0; 8],
            interval: 0,
            start_frame: 0,
            xfer_flags: if endpoint & ENDPOINT_IN != 0 {
                URB_DIR_IN
            } else {
                0
            },
            ndesc: 0,
            data: Vec::new(),
        }
    }

    fn write(&mut self, packet: &UsbmonPacket) -> Result<(), UsbError> {
        self.writer
            .write(packet)
            .and_then(|()| self.writer.flush())
            .map_err(|e| self.capture_error(e))
    }

    fn take_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 0x100;
        id
    }

    /// Records one transfer around `run`, which performs it and returns the byte count.
    #[allow(clippy::too_many_arguments)]
    fn transfer(
        &mut self,
        transfer_type: u8,
        endpoint: u8,
        setup: Option<[u8; 8]>,
        requested: usize,
        out_data: &[u8],
        in_buf: Option<&mut [u8]>,
        timeout: Duration,
    ) -> Result<usize, UsbError> {
        let id = self.take_id();
        let is_in = endpoint & ENDPOINT_IN != 0;
        let mut submit = self.event(id, EVENT_SUBMISSION, transfer_type, endpoint);
        submit.length = u32::try_from(requested).unwrap_or(u32::MAX);
        if let Some(setup) = setup {
            submit.setup_flag = 0;
            submit.setup = setup;
        }
        if is_in {
            submit.data_flag = b'<';
        } else {
            submit.data = out_data.to_vec();
        }
        self.write(&submit)?;
        let result = match (setup, in_buf) {
            (None, Some(buf)) if transfer_type == XFER_INTERRUPT => self
                .inner
                .read_interrupt(endpoint, buf, timeout)
                .map(|n| (n, buf)),
            (None, Some(buf)) => self
                .inner
                .read_bulk(endpoint, buf, timeout)
                .map(|n| (n, buf)),
            (None, None) => {
                let r = self.inner.write_bulk(endpoint, out_data, timeout);
                return self.complete_out(id, transfer_type, endpoint, r);
            }
            (Some(raw), Some(buf)) => {
                let (s, _) = ControlSetup::from_bytes(raw);
                self.inner.control_in(s, buf, timeout).map(|n| (n, buf))
            }
            (Some(raw), None) => {
                let (s, _) = ControlSetup::from_bytes(raw);
                let r = self.inner.control_out(s, out_data, timeout);
                return self.complete_out(id, transfer_type, endpoint, r);
            }
        };
        let mut done = self.event(id, EVENT_COMPLETION, transfer_type, endpoint);
        match result {
            Ok((n, buf)) => {
                done.status = 0;
                done.length = u32::try_from(n).unwrap_or(u32::MAX);
                done.data = buf.get(..n).unwrap_or_default().to_vec();
                self.write(&done)?;
                Ok(n)
            }
            Err(e) => {
                done.status = status_of(&e);
                self.write(&done)?;
                Err(e)
            }
        }
    }

    fn complete_out(
        &mut self,
        id: u64,
        transfer_type: u8,
        endpoint: u8,
        result: Result<usize, UsbError>,
    ) -> Result<usize, UsbError> {
        let mut done = self.event(id, EVENT_COMPLETION, transfer_type, endpoint);
        done.data_flag = b'>';
        match &result {
            Ok(n) => {
                done.status = 0;
                done.length = u32::try_from(*n).unwrap_or(u32::MAX);
            }
            Err(e) => done.status = status_of(e),
        }
        self.write(&done)?;
        result
    }
}

impl<D: UsbDevice> UsbDevice for UsbRecorder<D> {
    fn info(&self) -> &UsbDeviceInfo {
        self.inner.info()
    }

    fn write_bulk(&mut self, ep: u8, data: &[u8], timeout: Duration) -> Result<usize, UsbError> {
        self.transfer(XFER_BULK, ep, None, data.len(), data, None, timeout)
    }

    fn read_bulk(&mut self, ep: u8, buf: &mut [u8], timeout: Duration) -> Result<usize, UsbError> {
        let requested = buf.len();
        self.transfer(XFER_BULK, ep, None, requested, &[], Some(buf), timeout)
    }

    fn read_interrupt(
        &mut self,
        ep: u8,
        buf: &mut [u8],
        timeout: Duration,
    ) -> Result<usize, UsbError> {
        let requested = buf.len();
        self.transfer(XFER_INTERRUPT, ep, None, requested, &[], Some(buf), timeout)
    }

    fn control_out(
        &mut self,
        setup: ControlSetup,
        data: &[u8],
        timeout: Duration,
    ) -> Result<usize, UsbError> {
        let raw = setup.to_bytes(u16::try_from(data.len()).unwrap_or(u16::MAX));
        self.transfer(XFER_CONTROL, 0, Some(raw), data.len(), data, None, timeout)
    }

    fn control_in(
        &mut self,
        setup: ControlSetup,
        buf: &mut [u8],
        timeout: Duration,
    ) -> Result<usize, UsbError> {
        let requested = buf.len();
        let raw = setup.to_bytes(u16::try_from(requested).unwrap_or(u16::MAX));
        self.transfer(
            XFER_CONTROL,
            ENDPOINT_IN,
            Some(raw),
            requested,
            &[],
            Some(buf),
            timeout,
        )
    }
}
