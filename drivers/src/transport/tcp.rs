//! TCP byte streams (serial-over-IP adapters, PTP/IP, printers on the network) over std::net.
//!
//! Contract: the peer closing the connection is `Disconnected`; Nagle is off because device
//! protocols are small request/response exchanges.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use super::{Transport, TransportError};

const MIN_TIMEOUT: Duration = Duration::from_millis(1);

/// A TCP connection.
pub struct TcpTransport {
    stream: TcpStream,
    name: String,
}

impl TcpTransport {
    /// Connects to `addr` (e.g. "192.168.1.20:4001"), giving up after `timeout`.
    pub fn connect(addr: &str, timeout: Duration) -> Result<Self, TransportError> {
        let open_err = |detail: String, absent: bool| TransportError::Open {
            endpoint: addr.to_owned(),
            detail,
            absent,
        };
        let resolved: Vec<_> = addr
            .to_socket_addrs()
            .map_err(|e| open_err(e.to_string(), false))?
            .collect();
        let mut last = None;
        for candidate in resolved {
            match TcpStream::connect_timeout(&candidate, timeout.max(MIN_TIMEOUT)) {
                Ok(stream) => return Self::from_stream(stream, addr),
                Err(e) => last = Some(e),
            }
        }
        Err(match last {
            Some(e) => open_err(e.to_string(), true),
            None => open_err("address resolved to nothing".into(), false),
        })
    }

    /// Wraps a connected stream.
    pub fn from_stream(stream: TcpStream, name: &str) -> Result<Self, TransportError> {
        stream
            .set_nodelay(true)
            .map_err(|e| TransportError::from_io(name, Duration::ZERO, e))?;
        Ok(Self {
            stream,
            name: name.to_owned(),
        })
    }
}

impl Transport for TcpTransport {
    fn name(&self) -> &str {
        &self.name
    }

    fn read(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, TransportError> {
        let timeout = timeout.max(MIN_TIMEOUT);
        self.stream
            .set_read_timeout(Some(timeout))
            .map_err(|e| TransportError::from_io(&self.name, timeout, e))?;
        match self.stream.read(buf) {
            Ok(0) if !buf.is_empty() => Err(TransportError::Disconnected {
                endpoint: self.name.clone(),
                detail: "connection closed by peer".into(),
            }),
            Ok(n) => Ok(n),
            Err(e) => Err(TransportError::from_io(&self.name, timeout, e)),
        }
    }

    fn write_all(&mut self, bytes: &[u8]) -> Result<(), TransportError> {
        self.stream
            .write_all(bytes)
            .map_err(|e| TransportError::from_io(&self.name, Duration::ZERO, e))
    }

    fn flush(&mut self) -> Result<(), TransportError> {
        self.stream
            .flush()
            .map_err(|e| TransportError::from_io(&self.name, Duration::ZERO, e))
    }

    fn clear_input(&mut self) -> Result<(), TransportError> {
        let io = |e| TransportError::from_io(&self.name, Duration::ZERO, e);
        self.stream.set_nonblocking(true).map_err(io)?;
        let mut scratch = [0u8; 512];
        let drained = loop {
            match self.stream.read(&mut scratch) {
                Ok(0) => {
                    break Err(TransportError::Disconnected {
                        endpoint: self.name.clone(),
                        detail: "connection closed by peer".into(),
                    });
                }
                Ok(_) => continue,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break Ok(()),
                Err(e) => break Err(io(e)),
            }
        };
        self.stream.set_nonblocking(false).map_err(io)?;
        drained
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{Error, ErrorKind};
    use std::net::TcpListener;

    #[test]
    fn a_loopback_peer_echoes_and_its_close_is_a_disconnect() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let peer = std::thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            let mut buf = [0u8; 4];
            s.read_exact(&mut buf).unwrap();
            s.write_all(&buf).unwrap();
        });
        let mut t = TcpTransport::connect(&addr, Duration::from_secs(1)).unwrap();
        t.write_all(b"ping").unwrap();
        let mut got = Vec::new();
        let mut buf = [0u8; 8];
        while got.len() < 4 {
            let n = t.read(&mut buf, Duration::from_secs(1)).unwrap();
            got.extend_from_slice(&buf[..n]);
        }
        assert_eq!(got, b"ping");
        peer.join().unwrap();
        let err = t.read(&mut buf, Duration::from_secs(1)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Disconnected);
    }

    #[test]
    fn clear_input_discards_pending_bytes() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let mut t = TcpTransport::connect(&addr, Duration::from_secs(1)).unwrap();
        let (mut s, _) = listener.accept().unwrap();
        s.write_all(b"stale").unwrap();
        std::thread::sleep(Duration::from_millis(50));
        t.clear_input().unwrap();
        let err = t
            .read(&mut [0u8; 8], Duration::from_millis(20))
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Timeout);
    }
}
