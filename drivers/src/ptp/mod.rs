//! PTP (ISO 15740) still cameras: the operation model shared by every transport, the transports
//! (PTP/IP over TCP, CIPA DC-005; USB still-image class bulk pipes) and the camera driver.
//!
//! A PTP conversation is a sequence of transactions: the host sends an operation request (a code
//! and up to five 32-bit parameters), at most one data phase follows in one direction, and the
//! device ends it with a response (a code and up to five parameters). Events arrive on their own
//! channel (the PTP/IP event connection, the USB interrupt pipe). [`PtpTransport`] carries exactly
//! that and nothing more, so the driver is the same over TCP, USB, a simulator or a replay.
//!
//! Contract: a transport returns the device's response whatever its code (a `DeviceBusy` reply is
//! an answer, not an error); [`PtpError`] is for the conversation itself failing (connection
//! lost, timeout, malformed packet) and maps onto the shared [`ErrorKind`](crate::ErrorKind).

pub mod camera;
pub mod container;
pub mod eos;
pub mod usb;

use std::time::Duration;

pub mod code;
pub mod dataset;
pub mod ptpip;

/// Most parameters an operation, response or event carries.
pub const MAX_PARAMS: usize = 5;

/// One operation request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// Operation code, e.g. 0x1001 GetDeviceInfo.
    pub code: u16,
    /// Transaction id (0 only for OpenSession).
    pub transaction: u32,
    /// Up to [`MAX_PARAMS`] parameters.
    pub params: Vec<u32>,
}

/// The device's answer to a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// Response code, e.g. 0x2001 OK, 0x2019 DeviceBusy.
    pub code: u16,
    /// Transaction id of the request it answers.
    pub transaction: u32,
    /// Up to [`MAX_PARAMS`] parameters.
    pub params: Vec<u32>,
}

/// Something the device announces on its own (a picture was taken, a card was removed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Event code, e.g. 0x4002 ObjectAdded.
    pub code: u16,
    /// Transaction id the event relates to, 0xFFFFFFFF when none.
    pub transaction: u32,
    /// Up to three parameters.
    pub params: Vec<u32>,
}

/// The data phase of one transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataPhase<'a> {
    /// No data in either direction.
    None,
    /// The host sends these bytes (SetDevicePropValue, SendObjectInfo).
    Out(&'a [u8]),
    /// The device may send data (GetDeviceInfo, GetObject); none is also accepted.
    In,
}

/// What one transaction produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transaction {
    /// The response.
    pub response: Response,
    /// Data received in an `In` phase (empty otherwise).
    pub data: Vec<u8>,
}

/// A conversation with a PTP device failed.
#[derive(Debug, thiserror::Error)]
pub enum PtpError {
    /// The connection or pipe is gone (camera switched off, cable pulled, socket reset).
    #[error("{device}: disconnected: {detail}")]
    Disconnected {
        /// Which camera.
        device: String,
        /// What happened.
        detail: String,
    },
    /// The device did not answer in time.
    #[error("{device}: no answer within {waited:?} ({during})")]
    Timeout {
        /// Which camera.
        device: String,
        /// How long the host waited.
        waited: Duration,
        /// What it was waiting for.
        during: String,
    },
    /// The device sent something that is not valid PTP or PTP/IP, or out of sequence.
    #[error("{device}: protocol violation: {detail}")]
    Protocol {
        /// Which camera.
        device: String,
        /// What was wrong.
        detail: String,
    },
    /// The device refused the connection (PTP/IP InitFail, USB claim refused).
    #[error("{device}: refused: {detail}")]
    Refused {
        /// Which camera.
        device: String,
        /// The reason given.
        detail: String,
    },
}

impl crate::Error for PtpError {
    fn kind(&self) -> crate::ErrorKind {
        match self {
            PtpError::Disconnected { .. } => crate::ErrorKind::Disconnected,
            PtpError::Timeout { .. } => crate::ErrorKind::Timeout,
            PtpError::Protocol { .. } => crate::ErrorKind::ProtocolViolation,
            PtpError::Refused { .. } => crate::ErrorKind::NotReady,
        }
    }
}

/// A channel to one PTP device with an open connection (for PTP/IP, after the init handshake).
pub trait PtpTransport {
    /// Names the device in errors, e.g. `ptpip:127.0.0.1:15740` or a USB bus position.
    fn name(&self) -> &str;

    /// Runs one transaction: sends `request`, then the data phase, then reads the response,
    /// waiting at most `timeout` for each packet.
    fn transact(
        &mut self,
        request: &Request,
        data: DataPhase<'_>,
        timeout: Duration,
    ) -> Result<Transaction, PtpError>;

    /// Waits up to `wait` for one event; `Ok(None)` when none arrived.
    fn poll_event(&mut self, wait: Duration) -> Result<Option<Event>, PtpError>;
}

impl<T: PtpTransport + ?Sized> PtpTransport for Box<T> {
    fn name(&self) -> &str {
        (**self).name()
    }

    fn transact(
        &mut self,
        request: &Request,
        data: DataPhase<'_>,
        timeout: Duration,
    ) -> Result<Transaction, PtpError> {
        (**self).transact(request, data, timeout)
    }

    fn poll_event(&mut self, wait: Duration) -> Result<Option<Event>, PtpError> {
        (**self).poll_event(wait)
    }
}
