//! Transport errors and their mapping onto the shared [`ErrorKind`].
//!
//! Contract: every variant names the endpoint; OS errors are classified so that an unplugged
//! adapter reads as `Disconnected`, not as a generic I/O failure.

use std::io;
use std::time::Duration;

use crate::error::{Error, ErrorKind};

/// A failure of a byte-stream transport.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    /// Nothing arrived in time.
    #[error("{endpoint}: no data within {timeout:?}")]
    Timeout {
        /// The endpoint.
        endpoint: String,
        /// How long it waited.
        timeout: Duration,
    },
    /// The endpoint could not be opened or connected.
    #[error("{endpoint}: cannot open: {detail}")]
    Open {
        /// The endpoint.
        endpoint: String,
        /// Why, in the OS's or library's words.
        detail: String,
        /// Whether the device is simply not there (as opposed to being in use or misconfigured).
        absent: bool,
    },
    /// The device went away.
    #[error("{endpoint}: disconnected ({detail})")]
    Disconnected {
        /// The endpoint.
        endpoint: String,
        /// What was observed.
        detail: String,
    },
    /// Another I/O failure.
    #[error("{endpoint}: I/O error: {source}")]
    Io {
        /// The endpoint.
        endpoint: String,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// The host sent something other than what the replayed recording holds.
    #[error(
        "{endpoint}: host diverged from the recording at written byte {offset}: expected {expected}, got {actual}"
    )]
    ReplayMismatch {
        /// The recording.
        endpoint: String,
        /// Offset in the stream of bytes written by the host.
        offset: u64,
        /// What the recording holds there, in hex (or a description).
        expected: String,
        /// What the host wrote, in hex.
        actual: String,
    },
    /// A recording file could not be read.
    #[error("{endpoint}: line {line}: {detail}")]
    BadRecording {
        /// The recording file.
        endpoint: String,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        detail: String,
    },
    /// A USB transfer failed (timeouts and disconnects use the variants above).
    #[error("{0}")]
    Usb(#[source] Box<crate::usb::UsbError>),
}

impl TransportError {
    /// Classifies an OS error observed on `endpoint`.
    pub fn from_io(endpoint: &str, timeout: Duration, source: io::Error) -> Self {
        let endpoint = endpoint.to_owned();
        match source.kind() {
            io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => {
                TransportError::Timeout { endpoint, timeout }
            }
            io::ErrorKind::BrokenPipe
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::NotConnected
            | io::ErrorKind::UnexpectedEof => TransportError::Disconnected {
                endpoint,
                detail: source.to_string(),
            },
            // EIO, ENXIO, ENODEV: what Linux returns once a USB-serial adapter is unplugged or a
            // pty's other side is closed.
            _ if matches!(source.raw_os_error(), Some(5 | 6 | 19)) => {
                TransportError::Disconnected {
                    endpoint,
                    detail: source.to_string(),
                }
            }
            _ => TransportError::Io { endpoint, source },
        }
    }
}

impl Error for TransportError {
    fn kind(&self) -> ErrorKind {
        match self {
            TransportError::Timeout { .. } => ErrorKind::Timeout,
            TransportError::Open { absent: true, .. } | TransportError::Disconnected { .. } => {
                ErrorKind::Disconnected
            }
            TransportError::Open { absent: false, .. } => ErrorKind::NotReady,
            TransportError::Io { .. } => ErrorKind::HardwareFault,
            TransportError::ReplayMismatch { .. } | TransportError::BadRecording { .. } => {
                ErrorKind::ProtocolViolation
            }
            TransportError::Usb(e) => e.kind(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_eio_from_an_unplugged_adapter_is_a_disconnect() {
        let err = TransportError::from_io(
            "/dev/ttyUSB0",
            Duration::ZERO,
            io::Error::from_raw_os_error(5),
        );
        assert_eq!(err.kind(), ErrorKind::Disconnected);
        assert!(err.to_string().starts_with("/dev/ttyUSB0: "));
    }

    #[test]
    fn a_timed_out_read_is_a_timeout() {
        let err = TransportError::from_io(
            "x",
            Duration::from_millis(5),
            io::Error::new(io::ErrorKind::TimedOut, "t"),
        );
        assert_eq!(err.kind(), ErrorKind::Timeout);
    }
}
