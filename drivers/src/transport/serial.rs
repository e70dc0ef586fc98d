//! Serial ports through the `serialport` crate, built without libudev so it runs on minimal
//! field machines; also used for the simulator's pseudo-terminals.
//!
//! Contract: 8N1, no flow control; the per-call timeout of `read` is applied to the port before
//! every read.

use std::io::{Read, Write};
use std::time::Duration;

use serialport::{ClearBuffer, SerialPort};

use super::{Transport, TransportError};

// serialport rejects a zero timeout on some platforms; a poll of one millisecond is equivalent.
const MIN_TIMEOUT: Duration = Duration::from_millis(1);

/// A serial port.
pub struct SerialTransport {
    port: Box<dyn SerialPort>,
    name: String,
}

impl SerialTransport {
    /// Opens `path` at `baud` (8N1, no flow control).
    pub fn open(path: &str, baud: u32) -> Result<Self, TransportError> {
        let port = serialport::new(path, baud)
            .data_bits(serialport::DataBits::Eight)
            .parity(serialport::Parity::None)
            .stop_bits(serialport::StopBits::One)
            .flow_control(serialport::FlowControl::None)
            .timeout(Duration::from_millis(100))
            .open()
            .map_err(|e| TransportError::Open {
                endpoint: path.to_owned(),
                absent: matches!(e.kind(), serialport::ErrorKind::NoDevice)
                    || matches!(
                        e.kind(),
                        serialport::ErrorKind::Io(std::io::ErrorKind::NotFound)
                    ),
                detail: e.to_string(),
            })?;
        Ok(Self::from_port(port, path))
    }

    /// Wraps an already open port (e.g. one end of `serialport::TTYPort::pair()`).
    pub fn from_port(port: Box<dyn SerialPort>, name: &str) -> Self {
        Self {
            port,
            name: name.to_owned(),
        }
    }
}

impl SerialTransport {
    fn classify(&self, timeout: Duration, error: std::io::Error) -> TransportError {
        match TransportError::from_io(&self.name, timeout, error) {
            // serialport reports some failures without the OS error code (e.g. EIO after a
            // hang-up); if the device node has vanished, the adapter was unplugged.
            TransportError::Io { endpoint, source }
                if endpoint.starts_with("/dev/") && !std::path::Path::new(&endpoint).exists() =>
            {
                TransportError::Disconnected {
                    endpoint,
                    detail: format!("{source}; the device node is gone"),
                }
            }
            other => other,
        }
    }
}

impl Transport for SerialTransport {
    fn name(&self) -> &str {
        &self.name
    }

    fn read(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, TransportError> {
        let timeout = timeout.max(MIN_TIMEOUT);
        self.port
            .set_timeout(timeout)
            .map_err(|e| self.classify(timeout, e.into()))?;
        match self.port.read(buf) {
            // Readable but empty means the other side hung up.
            Ok(0) if !buf.is_empty() => Err(TransportError::Disconnected {
                endpoint: self.name.clone(),
                detail: "end of stream".into(),
            }),
            Ok(n) => Ok(n),
            Err(e) => Err(self.classify(timeout, e)),
        }
    }

    fn write_all(&mut self, bytes: &[u8]) -> Result<(), TransportError> {
        // A stalled write (flow control, full buffer) must not block forever either.
        let timeout = Duration::from_secs(2);
        self.port
            .set_timeout(timeout)
            .map_err(|e| self.classify(timeout, e.into()))?;
        self.port
            .write_all(bytes)
            .map_err(|e| self.classify(timeout, e))
    }

    fn flush(&mut self) -> Result<(), TransportError> {
        self.port
            .flush()
            .map_err(|e| self.classify(Duration::ZERO, e))
    }

    fn clear_input(&mut self) -> Result<(), TransportError> {
        self.port
            .clear(ClearBuffer::Input)
            .map_err(|e| self.classify(Duration::ZERO, e.into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{Error, ErrorKind};

    #[test]
    fn opening_a_missing_port_names_it_and_reports_disconnected() {
        let err = SerialTransport::open("/dev/rekam-no-such-port", 57600)
            .err()
            .unwrap();
        assert!(err.to_string().contains("/dev/rekam-no-such-port"), "{err}");
        assert_eq!(err.kind(), ErrorKind::Disconnected);
    }

    #[test]
    fn bytes_cross_a_pty_pair_and_silence_times_out() {
        let (master, slave) = serialport::TTYPort::pair().unwrap();
        let mut a = SerialTransport::from_port(Box::new(master), "master");
        let mut b = SerialTransport::from_port(Box::new(slave), "slave");
        a.write_all(b"\xEF\x01hello").unwrap();
        let mut got = Vec::new();
        let mut buf = [0u8; 16];
        while got.len() < 7 {
            let n = b.read(&mut buf, Duration::from_secs(1)).unwrap();
            got.extend_from_slice(&buf[..n]);
        }
        assert_eq!(got, b"\xEF\x01hello");
        let err = b.read(&mut buf, Duration::from_millis(20)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Timeout);
    }
}
