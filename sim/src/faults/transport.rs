//! [`FaultyTransport`]: any byte transport with a [`FaultInjector`] on the line.
//!
//! Contract: each `read` and `write_all` is one operation of the schedule; `flush` and
//! `clear_input` pass through but fail once disconnected. Faults become the transport's own
//! errors: a disconnect is `Disconnected`, silence is `Timeout` (after waiting the rule's or the
//! read's timeout), busy is the OS's "resource busy" (EBUSY, what a port held by another
//! program gives), corruption flips bytes of what is read or written, slowness delays it.

use std::io;
use std::time::Duration;

use rekam_drivers::ErrorKind;
use rekam_drivers::transport::{Transport, TransportError};

use super::injector::{FaultInjector, InjectedFault, garble_bytes};

/// A transport whose traffic passes through a fault schedule.
pub struct FaultyTransport<T> {
    inner: T,
    injector: FaultInjector,
}

impl<T: Transport> FaultyTransport<T> {
    /// Wraps `inner`.
    pub fn new(inner: T, injector: FaultInjector) -> Self {
        Self { inner, injector }
    }

    /// The wrapped transport.
    pub fn inner_mut(&mut self) -> &mut T {
        &mut self.inner
    }

    /// The schedule.
    pub fn injector(&self) -> &FaultInjector {
        &self.injector
    }

    /// The schedule, to reconnect after an injected disconnect.
    pub fn injector_mut(&mut self) -> &mut FaultInjector {
        &mut self.injector
    }

    /// Unwraps the transport.
    pub fn into_inner(self) -> T {
        self.inner
    }

    fn schedule(&mut self, wait: Duration) -> Result<Option<u32>, TransportError> {
        let endpoint = self.inner.name().to_string();
        self.injector
            .before(&endpoint, wait, None)
            .map_err(|fault| as_transport_error(fault, wait))
    }

    fn check_connected(&self) -> Result<(), TransportError> {
        if self.injector.is_disconnected() {
            return Err(TransportError::Disconnected {
                endpoint: self.inner.name().to_string(),
                detail: "injected disconnect".into(),
            });
        }
        Ok(())
    }
}

/// The transport error a byte stream shows for an injected fault.
fn as_transport_error(fault: InjectedFault, wait: Duration) -> TransportError {
    let detail = format!(
        "injected {} fault at operation {}",
        fault.fault, fault.operation
    );
    match fault.kind {
        ErrorKind::Disconnected => TransportError::Disconnected {
            endpoint: fault.device,
            detail,
        },
        ErrorKind::Busy => TransportError::Io {
            endpoint: fault.device,
            source: io::Error::new(io::ErrorKind::ResourceBusy, detail),
        },
        // Timeouts (and cancellations, which a transport has no token for) read as silence.
        _ => TransportError::Timeout {
            endpoint: fault.device,
            timeout: wait,
        },
    }
}

impl<T: Transport> Transport for FaultyTransport<T> {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn read(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, TransportError> {
        let garble = self.schedule(timeout)?;
        let n = self.inner.read(buf, timeout)?;
        if let (Some(count), Some(got)) = (garble, buf.get_mut(..n)) {
            garble_bytes(got, count, self.injector.garble_rng());
        }
        Ok(n)
    }

    fn write_all(&mut self, bytes: &[u8]) -> Result<(), TransportError> {
        match self.schedule(Duration::ZERO)? {
            Some(count) => {
                let mut garbled = bytes.to_vec();
                garble_bytes(&mut garbled, count, self.injector.garble_rng());
                self.inner.write_all(&garbled)
            }
            None => self.inner.write_all(bytes),
        }
    }

    fn flush(&mut self) -> Result<(), TransportError> {
        self.check_connected()?;
        self.inner.flush()
    }

    fn clear_input(&mut self) -> Result<(), TransportError> {
        self.check_connected()?;
        self.inner.clear_input()
    }
}
