//! USB HID devices as drivers see them: feature reports read and written by report id, output
//! reports written, input reports read with a timeout. Signature pads (Wacom STU) are driven
//! entirely through these four operations, so a driver generic over [`HidDevice`] runs against a
//! real pad, a simulator or a replayed recording ([`record`]) alike.
//!
//! Contract: every report buffer starts with its report id, in both directions (hidapi's
//! convention); `read_input` returns `Ok(0)` when no report came within the timeout (silence is
//! normal for a pen that is not on the pad), never blocks longer than asked, and a device that is
//! gone is [`HidError::Disconnected`]. Real devices are reached over libusb ([`usb::UsbHid`]: HID
//! class requests and interrupt reads), not hidraw: reading a feature report through hidraw needs
//! the `HIDIOCGFEATURE` ioctl, which needs `unsafe` (denied in this workspace).

pub mod record;
pub mod usb;

use std::time::Duration;

use crate::error::{Error, ErrorKind};

pub use record::{HidRecorder, HidReplay};

/// Who a HID device is, as the USB descriptors say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HidInfo {
    /// USB vendor id.
    pub vendor_id: u16,
    /// USB product id.
    pub product_id: u16,
    /// The product string.
    pub product: String,
    /// The serial number string, if any.
    pub serial: Option<String>,
    /// Where it is attached, e.g. "/dev/hidraw0"; names the device in errors.
    pub path: String,
}

/// A HID device.
pub trait HidDevice {
    /// Identity and location.
    fn info(&self) -> &HidInfo;

    /// Reads feature report `report_id` (at most `len` bytes, id included); the reply starts
    /// with the id.
    fn get_feature(&mut self, report_id: u8, len: usize) -> Result<Vec<u8>, HidError>;

    /// Writes a feature report (`report[0]` is its id).
    fn set_feature(&mut self, report: &[u8]) -> Result<(), HidError>;

    /// Writes an output report (`report[0]` is its id).
    fn write_output(&mut self, report: &[u8]) -> Result<(), HidError>;

    /// Waits up to `timeout` for an input report and copies it (id first) to `buf`; `Ok(0)` when
    /// none came.
    fn read_input(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, HidError>;
}

impl<D: HidDevice + ?Sized> HidDevice for Box<D> {
    fn info(&self) -> &HidInfo {
        (**self).info()
    }
    fn get_feature(&mut self, report_id: u8, len: usize) -> Result<Vec<u8>, HidError> {
        (**self).get_feature(report_id, len)
    }
    fn set_feature(&mut self, report: &[u8]) -> Result<(), HidError> {
        (**self).set_feature(report)
    }
    fn write_output(&mut self, report: &[u8]) -> Result<(), HidError> {
        (**self).write_output(report)
    }
    fn read_input(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, HidError> {
        (**self).read_input(buf, timeout)
    }
}

/// A failure of a HID device.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HidError {
    /// The device is gone.
    #[error("{device}: disconnected ({detail})")]
    Disconnected {
        /// The device path.
        device: String,
        /// What was observed.
        detail: String,
    },
    /// A feature report transfer did not complete in time.
    #[error("{device}: report {report_id:#04x} timed out")]
    Timeout {
        /// The device path.
        device: String,
        /// The report.
        report_id: u8,
    },
    /// The device refused a report (a stalled control transfer: unknown id or bad length).
    #[error("{device}: report {report_id:#04x} refused: {detail}")]
    Refused {
        /// The device path.
        device: String,
        /// The report.
        report_id: u8,
        /// Why.
        detail: String,
    },
    /// The host sent a report without an id, or one too long.
    #[error("{device}: malformed report: {detail}")]
    Malformed {
        /// The device path.
        device: String,
        /// What is wrong.
        detail: String,
    },
    /// The host did something other than what the replayed recording holds.
    #[error(
        "{device}: host diverged from the recording at line {line}: expected {expected}, got {actual}"
    )]
    ReplayMismatch {
        /// The recording.
        device: String,
        /// 1-based line of the record expected next.
        line: usize,
        /// What the recording holds.
        expected: String,
        /// What the host did.
        actual: String,
    },
    /// A recording could not be read or written.
    #[error("{device}: line {line}: {detail}")]
    BadRecording {
        /// The recording file.
        device: String,
        /// 1-based line number (0: the file itself).
        line: usize,
        /// What is wrong.
        detail: String,
    },
}

impl Error for HidError {
    fn kind(&self) -> ErrorKind {
        match self {
            HidError::Disconnected { .. } => ErrorKind::Disconnected,
            HidError::Timeout { .. } => ErrorKind::Timeout,
            HidError::Refused { .. }
            | HidError::Malformed { .. }
            | HidError::ReplayMismatch { .. }
            | HidError::BadRecording { .. } => ErrorKind::ProtocolViolation,
        }
    }
}

/// Checks that `report` has an id byte; names `device` in the error.
pub(crate) fn report_id(device: &str, report: &[u8]) -> Result<u8, HidError> {
    report.first().copied().ok_or_else(|| HidError::Malformed {
        device: device.to_owned(),
        detail: "empty report (no report id)".into(),
    })
}
