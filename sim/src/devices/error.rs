//! The error every simulated device returns.
//!
//! Contract: the message names the device (its identity's `Display`), then the shared kind, then
//! what happened, so a log line from a simulator reads like one from a real driver.

use rekam_drivers::{Error, ErrorKind, Unsupported};

/// A failure of a simulated device.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{device}: {kind}: {detail}")]
pub struct DeviceError {
    /// The device, as its identity displays.
    pub device: String,
    /// What a caller can do about it.
    pub kind: ErrorKind,
    /// What happened, in words.
    pub detail: String,
}

impl DeviceError {
    /// An error of `kind` on `device`.
    pub fn new(device: impl ToString, kind: ErrorKind, detail: impl Into<String>) -> Self {
        Self {
            device: device.to_string(),
            kind,
            detail: detail.into(),
        }
    }
}

impl Error for DeviceError {
    fn kind(&self) -> ErrorKind {
        self.kind
    }
}

impl From<Unsupported> for DeviceError {
    fn from(u: Unsupported) -> Self {
        Self {
            device: u.device,
            kind: ErrorKind::Unsupported,
            detail: format!("{} is not supported", u.operation),
        }
    }
}
