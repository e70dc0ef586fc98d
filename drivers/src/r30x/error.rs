//! Errors of the R30x driver.
//!
//! Contract: every error names the module (its identity, or the port before the identity is
//! known) and maps to one shared [`ErrorKind`].

use std::time::Duration;

use super::code::Confirmation;
use super::packet::FrameError;
use crate::error::{Error, ErrorKind, Unsupported};
use crate::transport::TransportError;

/// What went wrong.
#[derive(Debug, thiserror::Error)]
pub enum Cause {
    /// The transport failed.
    #[error("{0}")]
    Transport(#[source] TransportError),
    /// The module refused a command.
    #[error("{command}: {code}")]
    Module {
        /// The instruction.
        command: &'static str,
        /// The module's answer.
        code: Confirmation,
    },
    /// No valid reply in time.
    #[error("{command}: no reply within {timeout:?}")]
    Timeout {
        /// The instruction.
        command: &'static str,
        /// How long the driver waited.
        timeout: Duration,
    },
    /// No finger was placed in time.
    #[error("no finger placed within {0:?}")]
    NoFinger(Duration),
    /// Bytes arrived but only invalid frames.
    #[error("{command}: only invalid frames received ({error}; {discarded} byte(s) discarded)")]
    Frame {
        /// The instruction.
        command: &'static str,
        /// The last framing error.
        error: FrameError,
        /// Bytes dropped while resynchronising.
        discarded: u64,
    },
    /// A valid frame with unexpected content.
    #[error("{command}: unexpected reply: {detail}")]
    BadReply {
        /// The instruction.
        command: &'static str,
        /// What was wrong.
        detail: String,
    },
    /// Cancelled by the caller.
    #[error("{0} cancelled")]
    Cancelled(&'static str),
    /// Not offered by this module or driver.
    #[error("{0} is not supported")]
    Unsupported(&'static str),
}

/// An R30x driver error.
#[derive(Debug, thiserror::Error)]
#[error("{device}: {cause}")]
pub struct R30xError {
    /// The module.
    pub device: String,
    /// What happened.
    pub cause: Cause,
}

impl Error for R30xError {
    fn kind(&self) -> ErrorKind {
        match &self.cause {
            Cause::Transport(e) => e.kind(),
            Cause::Module { code, .. } => code.kind(),
            Cause::Timeout { .. } | Cause::NoFinger(_) => ErrorKind::Timeout,
            Cause::Frame { .. } | Cause::BadReply { .. } => ErrorKind::ProtocolViolation,
            Cause::Cancelled(_) => ErrorKind::Cancelled,
            Cause::Unsupported(_) => ErrorKind::Unsupported,
        }
    }
}

impl From<Unsupported> for R30xError {
    fn from(u: Unsupported) -> Self {
        R30xError {
            device: u.device,
            cause: Cause::Unsupported(u.operation),
        }
    }
}
