//! The shared error vocabulary of every driver, in the embedded-hal style: each driver keeps its
//! own precise error type and maps it onto one [`ErrorKind`] that callers can act on.
//!
//! Contract: every driver error implements [`Error`]; its `Display` names the device it came from,
//! so a log line is useful without context.

/// What a caller can do about a failure, independent of the device that produced it.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The device is gone (unplugged, port closed, connection reset). Reopen it.
    Disconnected,
    /// The device did not answer in time. Retry, or treat it as gone after repeated timeouts.
    Timeout,
    /// The device is working on something else. Retry later.
    Busy,
    /// The device cannot do this now (no finger, no paper, not verified). Fix the condition, retry.
    NotReady,
    /// The device said something the driver does not understand, or the host broke the protocol.
    ProtocolViolation,
    /// The device or driver does not offer this operation.
    Unsupported,
    /// The device reported a fault in itself (sensor, flash, mechanics).
    HardwareFault,
    /// The caller cancelled the operation.
    Cancelled,
}

impl std::fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text = match self {
            ErrorKind::Disconnected => "disconnected",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Busy => "busy",
            ErrorKind::NotReady => "not ready",
            ErrorKind::ProtocolViolation => "protocol violation",
            ErrorKind::Unsupported => "unsupported",
            ErrorKind::HardwareFault => "hardware fault",
            ErrorKind::Cancelled => "cancelled",
        };
        f.write_str(text)
    }
}

/// Implemented by every driver error.
pub trait Error: std::error::Error {
    /// The shared category of this error.
    fn kind(&self) -> ErrorKind;
}

/// "This device does not offer that operation": what the default methods of the device-class
/// traits return. Driver errors convert from it so the defaults can build them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{device}: {operation} is not supported")]
pub struct Unsupported {
    /// The device, as its identity displays.
    pub device: String,
    /// The operation that was asked for.
    pub operation: &'static str,
}

impl Error for Unsupported {
    fn kind(&self) -> ErrorKind {
        ErrorKind::Unsupported
    }
}
