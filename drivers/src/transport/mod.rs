//! Byte-stream transports the drivers run over: serial ports, TCP, and the recording and replay
//! wrappers that turn a session with a real device into a regression test.
//!
//! Contract: `read` waits at most `timeout` for the first byte and returns at least one byte or an
//! error (never `Ok(0)`); a closed peer is `Disconnected`, silence is `Timeout`. Every error names
//! the endpoint.

mod error;
pub mod record;
pub mod replay;
pub mod serial;
pub mod tcp;

use std::time::Duration;

pub use error::TransportError;
pub use record::Recorder;
pub use replay::Replay;
pub use serial::SerialTransport;
pub use tcp::TcpTransport;

/// A bidirectional byte stream to one device.
pub trait Transport {
    /// Where the stream goes, e.g. "/dev/ttyUSB0"; used to name the device in errors.
    fn name(&self) -> &str;

    /// Waits up to `timeout` for input and copies what is available (at least one byte) to `buf`.
    fn read(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, TransportError>;

    /// Sends all of `bytes`.
    fn write_all(&mut self, bytes: &[u8]) -> Result<(), TransportError>;

    /// Waits until written bytes have left the host.
    fn flush(&mut self) -> Result<(), TransportError>;

    /// Discards input received but not yet read (stale replies, line noise).
    fn clear_input(&mut self) -> Result<(), TransportError>;
}

impl<T: Transport + ?Sized> Transport for Box<T> {
    fn name(&self) -> &str {
        (**self).name()
    }

    fn read(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, TransportError> {
        (**self).read(buf, timeout)
    }

    fn write_all(&mut self, bytes: &[u8]) -> Result<(), TransportError> {
        (**self).write_all(bytes)
    }

    fn flush(&mut self) -> Result<(), TransportError> {
        (**self).flush()
    }

    fn clear_input(&mut self) -> Result<(), TransportError> {
        (**self).clear_input()
    }
}

impl<T: Transport + ?Sized> Transport for &mut T {
    fn name(&self) -> &str {
        (**self).name()
    }

    fn read(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, TransportError> {
        (**self).read(buf, timeout)
    }

    fn write_all(&mut self, bytes: &[u8]) -> Result<(), TransportError> {
        (**self).write_all(bytes)
    }

    fn flush(&mut self) -> Result<(), TransportError> {
        (**self).flush()
    }

    fn clear_input(&mut self) -> Result<(), TransportError> {
        (**self).clear_input()
    }
}
