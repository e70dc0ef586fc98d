//! The Evolis driver's error and its mapping onto the shared [`ErrorKind`].
//!
//! Contract: every variant names the printer (its transport endpoint) and, where one was sent,
//! the command; printer faults keep the fault so callers can tell a jam from an open cover.

use super::job::JobError;
use super::reply::PrinterFault;
use crate::error::{Error, ErrorKind, Unsupported};
use crate::transport::TransportError;

/// A failure talking to an Evolis printer.
#[derive(Debug, thiserror::Error)]
pub enum EvolisError {
    /// The transport failed (unplugged, silent, connection closed).
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// The printer refused the command, reporting a fault.
    #[error("Evolis printer at {printer}: {command}: {fault}")]
    Printer {
        /// The printer's endpoint.
        printer: String,
        /// The command refused (its name and parameters, no data).
        command: String,
        /// What the printer reported.
        fault: PrinterFault,
    },
    /// The printer answered something the command does not allow.
    #[error("Evolis printer at {printer}: {command}: {detail}")]
    Protocol {
        /// The printer's endpoint.
        printer: String,
        /// The command sent.
        command: String,
        /// What was wrong.
        detail: String,
    },
    /// The job cannot be printed as given.
    #[error("Evolis printer at {printer}: {source}")]
    Job {
        /// The printer's endpoint.
        printer: String,
        /// Why.
        #[source]
        source: JobError,
    },
    /// The operation is not offered.
    #[error(transparent)]
    Unsupported(#[from] Unsupported),
}

impl EvolisError {
    /// The printer fault, when the printer reported one.
    pub fn fault(&self) -> Option<&PrinterFault> {
        match self {
            EvolisError::Printer { fault, .. } => Some(fault),
            _ => None,
        }
    }
}

impl Error for EvolisError {
    fn kind(&self) -> ErrorKind {
        match self {
            EvolisError::Transport(e) => e.kind(),
            EvolisError::Printer { fault, .. } => fault.kind(),
            EvolisError::Protocol { .. } | EvolisError::Job { .. } => ErrorKind::ProtocolViolation,
            EvolisError::Unsupported(_) => ErrorKind::Unsupported,
        }
    }
}
