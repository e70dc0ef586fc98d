//! A usbmon pcapng capture (format in [`pcapng`](super::pcapng)) acting as the device: checks
//! that the host issues the recorded transfers with the recorded outgoing data and answers with
//! the recorded IN data and completion status.
//!
//! Contract:
//! - The capture is parsed completely on open; one device is replayed, chosen by bus and address
//!   or, when the capture holds only one device, that one. Transfers are paired by URB tag and
//!   kept in submission order; data cut by the snaplen make the open fail.
//! - Each host call must match the next transfer: type, endpoint, SETUP packet and OUT data. A
//!   difference is a [`UsbError::ReplayMismatch`] naming the transfer index and the first
//!   differing byte; nothing is consumed.
//! - Bulk IN transfers that completed without data because they timed out (or were never
//!   completed) are silence, not traffic: the host may issue more or fewer such reads than were
//!   recorded. A bulk IN read when the capture expects the host to send next times out, as the
//!   device did in the recorded session. Every timeout waits out the requested time, so a driver's
//!   deadline passes as it did with the device.
//! - Interrupt IN reads (PTP events) replay the same way: recorded data are delivered, recorded
//!   silence times out, and silence on one kind of IN pipe is skipped when the host reads the
//!   other kind.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use super::pcapng::{
    self, EVENT_COMPLETION, EVENT_ERROR, EVENT_SUBMISSION, PcapngError, XFER_BULK, XFER_CONTROL,
    XFER_INTERRUPT,
};
use super::{ControlSetup, ENDPOINT_IN, UsbDevice, UsbDeviceInfo, UsbError};

/// One recorded transfer of the replayed device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedTransfer {
    /// usbmon transfer type (`XFER_*`).
    pub transfer_type: u8,
    /// Endpoint address (bit 7 for IN).
    pub endpoint: u8,
    /// SETUP packet of a control transfer.
    pub setup: Option<[u8; 8]>,
    /// Bytes the host asked for (IN) or sent (OUT).
    pub requested: u32,
    /// Data the host sent.
    pub out_data: Vec<u8>,
    /// Completion status (0 or negative errno); `None` when the capture ends before completion.
    pub status: Option<i32>,
    /// Bytes transferred, as completed.
    pub actual: u32,
    /// Data the device returned.
    pub in_data: Vec<u8>,
}

impl RecordedTransfer {
    fn is_in(&self) -> bool {
        self.endpoint & ENDPOINT_IN != 0
    }

    /// A bulk or interrupt IN read that returned nothing because nothing came in time.
    fn is_silence(&self) -> bool {
        (self.transfer_type == XFER_BULK || self.transfer_type == XFER_INTERRUPT)
            && self.is_in()
            && self.in_data.is_empty()
            && matches!(self.status, None | Some(-104 | -2 | -110))
    }

    fn describe(&self) -> String {
        let kind = match self.transfer_type {
            XFER_BULK => "bulk",
            XFER_CONTROL => "control",
            1 => "interrupt",
            _ => "isochronous",
        };
        let dir = if self.is_in() { "IN" } else { "OUT" };
        match self.setup {
            Some(s) => format!("{kind} {dir} transfer with SETUP {}", hex::encode(s)),
            None => format!(
                "{kind} {dir} transfer on endpoint {:#04x} ({} byte(s))",
                self.endpoint, self.requested
            ),
        }
    }
}

/// A capture replayed as a device.
#[derive(Debug)]
pub struct UsbReplay {
    capture: String,
    info: UsbDeviceInfo,
    transfers: Vec<RecordedTransfer>,
    next: usize,
}

impl UsbReplay {
    /// Loads the capture at `path`; `device` picks `(bus, address)` when it holds several.
    pub fn open(path: &Path, device: Option<(u16, u8)>) -> Result<Self, UsbError> {
        let capture = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| UsbError::Capture {
            capture: capture.clone(),
            source: PcapngError::Io(e),
        })?;
        Self::from_bytes(&capture, &bytes, device)
    }

    /// Parses capture `bytes`; `name` is used in errors.
    pub fn from_bytes(
        name: &str,
        bytes: &[u8],
        device: Option<(u16, u8)>,
    ) -> Result<Self, UsbError> {
        let capture_err = |source| UsbError::Capture {
            capture: name.to_owned(),
            source,
        };
        let malformed = |detail: String| capture_err(PcapngError::Malformed { offset: 0, detail });
        let packets = pcapng::parse(bytes).map_err(capture_err)?;
        let mut devices: Vec<(u16, u8)> = packets
            .iter()
            .map(|p| (p.packet.bus, p.packet.device))
            .collect();
        devices.sort_unstable();
        devices.dedup();
        let (bus, address) = match device {
            Some(d) if devices.contains(&d) => d,
            Some((bus, address)) => {
                return Err(malformed(format!(
                    "no traffic of device {bus:03}:{address:03} (it holds {})",
                    list(&devices)
                )));
            }
            None => match devices.as_slice() {
                [one] => *one,
                [] => return Err(malformed("the capture holds no USB traffic".into())),
                many => {
                    return Err(malformed(format!(
                        "the capture holds several devices ({}); choose one by bus and address",
                        list(many)
                    )));
                }
            },
        };
        let mut transfers: Vec<RecordedTransfer> = Vec::new();
        let mut open: HashMap<u64, usize> = HashMap::new();
        for (n, captured) in packets.iter().enumerate() {
            let p = &captured.packet;
            if (p.bus, p.device) != (bus, address) {
                continue;
            }
            let carries_data = (p.event == EVENT_SUBMISSION && !p.is_in())
                || (p.event == EVENT_COMPLETION && p.is_in());
            if carries_data && !captured.complete {
                return Err(malformed(format!(
                    "packet {n}: data cut short by the snaplen; recapture with a larger one"
                )));
            }
            match p.event {
                EVENT_SUBMISSION => {
                    let setup =
                        (p.transfer_type == XFER_CONTROL && p.setup_flag == 0).then_some(p.setup);
                    open.insert(p.id, transfers.len());
                    transfers.push(RecordedTransfer {
                        transfer_type: p.transfer_type,
                        endpoint: p.endpoint,
                        setup,
                        requested: p.length,
                        out_data: if p.is_in() {
                            Vec::new()
                        } else {
                            p.data.clone()
                        },
                        status: None,
                        actual: 0,
                        in_data: Vec::new(),
                    });
                }
                EVENT_COMPLETION | EVENT_ERROR => {
                    // A completion whose submission precedes the capture is not part of it.
                    if let Some(index) = open.remove(&p.id)
                        && let Some(t) = transfers.get_mut(index)
                    {
                        t.status = Some(p.status);
                        t.actual = p.length;
                        if t.is_in() {
                            t.in_data = p.data.clone();
                        }
                    }
                }
                other => {
                    return Err(malformed(format!(
                        "packet {n}: unknown usbmon event type {other:#04x}"
                    )));
                }
            }
        }
        let info = UsbDeviceInfo {
            vid: 0,
            pid: 0,
            bus,
            address,
            serial: None,
            manufacturer: None,
            product: Some(format!("replay of {name}")),
        };
        Ok(Self {
            capture: name.to_owned(),
            info,
            transfers,
            next: 0,
        })
    }

    /// Sets the identity the replay reports (a capture holds no descriptors of its own).
    pub fn with_ids(mut self, vid: u16, pid: u16) -> Self {
        self.info.vid = vid;
        self.info.pid = pid;
        self
    }

    /// The recorded transfers of the replayed device.
    pub fn transfers(&self) -> &[RecordedTransfer] {
        &self.transfers
    }

    /// Whether every recorded transfer was replayed (trailing silence aside).
    pub fn is_finished(&self) -> bool {
        self.transfers[self.next.min(self.transfers.len())..]
            .iter()
            .all(RecordedTransfer::is_silence)
    }

    fn mismatch(&self, detail: String) -> UsbError {
        UsbError::ReplayMismatch {
            capture: self.capture.clone(),
            transfer: self.next,
            detail,
        }
    }

    /// Skips recorded silence before a host transfer that is not a bulk IN read.
    fn skip_silence(&mut self) {
        while self
            .transfers
            .get(self.next)
            .is_some_and(RecordedTransfer::is_silence)
        {
            self.next += 1;
        }
    }

    /// Skips recorded silence of transfer type `kind` (the other IN pipe's silence before a read).
    fn skip_silence_of(&mut self, kind: u8) {
        while self
            .transfers
            .get(self.next)
            .is_some_and(|t| t.transfer_type == kind && t.is_silence())
        {
            self.next += 1;
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

    /// The recorded outcome of the transfer just matched.
    fn outcome(&self, t: &RecordedTransfer, timeout: Duration) -> Result<usize, UsbError> {
        let device = self.info.name();
        match t.status {
            Some(0) => Ok(t.actual as usize),
            None | Some(-104 | -2 | -110) => Err(self.timeout(t.endpoint, timeout)),
            Some(-19 | -108) => Err(UsbError::Disconnected { device }),
            Some(-32) => Err(UsbError::Stall {
                device,
                endpoint: t.endpoint,
            }),
            Some(-75) => Err(UsbError::Overflow {
                device,
                endpoint: t.endpoint,
                capacity: t.requested as usize,
            }),
            Some(-16) => Err(UsbError::Busy {
                device,
                detail: "the recorded transfer failed busy".into(),
            }),
            Some(status) => Err(UsbError::Io {
                device,
                detail: format!("recorded completion status {status}"),
            }),
        }
    }

    /// Checks the next transfer against what the host does now.
    fn expect(
        &mut self,
        transfer_type: u8,
        endpoint: u8,
        setup: Option<[u8; 8]>,
        out_data: &[u8],
    ) -> Result<RecordedTransfer, UsbError> {
        let doing = RecordedTransfer {
            transfer_type,
            endpoint,
            setup,
            requested: u32::try_from(out_data.len()).unwrap_or(u32::MAX),
            out_data: out_data.to_vec(),
            status: None,
            actual: 0,
            in_data: Vec::new(),
        };
        let Some(t) = self.transfers.get(self.next).cloned() else {
            return Err(self.mismatch(format!(
                "the capture has ended, but the host issued a {}",
                doing.describe()
            )));
        };
        if t.transfer_type != transfer_type
            || t.endpoint != endpoint
            || t.setup.is_some() != setup.is_some()
        {
            return Err(self.mismatch(format!(
                "recorded a {}, but the host issued a {}",
                t.describe(),
                doing.describe()
            )));
        }
        if let (Some(recorded), Some(host)) = (t.setup, setup)
            && recorded != host
        {
            return Err(self.mismatch(format!(
                "SETUP differs: recorded {}, host sent {}",
                hex::encode(recorded),
                hex::encode(host)
            )));
        }
        if !t.is_in() && t.out_data != out_data {
            let first = t
                .out_data
                .iter()
                .zip(out_data)
                .position(|(a, b)| a != b)
                .unwrap_or(t.out_data.len().min(out_data.len()));
            let byte = |d: &[u8]| {
                d.get(first)
                    .map_or("end of data".to_owned(), |b| format!("{b:#04x}"))
            };
            return Err(self.mismatch(format!(
                "OUT data differ at byte {first}: recorded {} ({} byte(s): {}), host sent {} ({} byte(s): {})",
                byte(&t.out_data),
                t.out_data.len(),
                hex::encode(&t.out_data),
                byte(out_data),
                out_data.len(),
                hex::encode(out_data)
            )));
        }
        self.next += 1;
        Ok(t)
    }

    fn deliver(
        &self,
        t: &RecordedTransfer,
        buf: &mut [u8],
        timeout: Duration,
    ) -> Result<usize, UsbError> {
        let n = self.outcome(t, timeout)?;
        if t.in_data.len() > buf.len() {
            return Err(UsbError::Overflow {
                device: self.info.name(),
                endpoint: t.endpoint,
                capacity: buf.len(),
            });
        }
        buf[..t.in_data.len()].copy_from_slice(&t.in_data);
        Ok(n.min(t.in_data.len()))
    }
}

fn list(devices: &[(u16, u8)]) -> String {
    devices
        .iter()
        .map(|(b, a)| format!("{b:03}:{a:03}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl UsbDevice for UsbReplay {
    fn info(&self) -> &UsbDeviceInfo {
        &self.info
    }

    fn write_bulk(&mut self, ep: u8, data: &[u8], timeout: Duration) -> Result<usize, UsbError> {
        self.skip_silence();
        let t = self.expect(XFER_BULK, ep, None, data)?;
        self.outcome(&t, timeout)
    }

    fn read_bulk(&mut self, ep: u8, buf: &mut [u8], timeout: Duration) -> Result<usize, UsbError> {
        self.skip_silence_of(XFER_INTERRUPT);
        match self.transfers.get(self.next) {
            Some(t) if t.transfer_type == XFER_BULK && t.is_in() => {
                let t = self.expect(XFER_BULK, ep, None, &[])?;
                self.deliver(&t, buf, timeout)
            }
            // The device was silent until the host sent its next request.
            _ => Err(self.timeout(ep, timeout)),
        }
    }

    fn read_interrupt(
        &mut self,
        ep: u8,
        buf: &mut [u8],
        timeout: Duration,
    ) -> Result<usize, UsbError> {
        self.skip_silence_of(XFER_BULK);
        match self.transfers.get(self.next) {
            Some(t) if t.transfer_type == XFER_INTERRUPT && t.is_in() => {
                let t = self.expect(XFER_INTERRUPT, ep, None, &[])?;
                self.deliver(&t, buf, timeout)
            }
            // Nothing was announced before the host's next transfer.
            _ => Err(self.timeout(ep, timeout)),
        }
    }

    fn control_out(
        &mut self,
        setup: ControlSetup,
        data: &[u8],
        timeout: Duration,
    ) -> Result<usize, UsbError> {
        self.skip_silence();
        let raw = setup.to_bytes(u16::try_from(data.len()).unwrap_or(u16::MAX));
        let t = self.expect(XFER_CONTROL, 0, Some(raw), data)?;
        self.outcome(&t, timeout)
    }

    fn control_in(
        &mut self,
        setup: ControlSetup,
        buf: &mut [u8],
        timeout: Duration,
    ) -> Result<usize, UsbError> {
        self.skip_silence();
        let raw = setup.to_bytes(u16::try_from(buf.len()).unwrap_or(u16::MAX));
        let t = self.expect(XFER_CONTROL, ENDPOINT_IN, Some(raw), &[])?;
        self.deliver(&t, buf, timeout)
    }
}
