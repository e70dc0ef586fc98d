//! The simulated module as an in-process [`Transport`], so the driver can be tested against it
//! without a pseudo-terminal.
//!
//! Contract: behaves like a serial line to an instantly answering module: a read with nothing
//! pending waits out its timeout (as a silent module would) and then reports `Timeout`.

use std::collections::VecDeque;
use std::time::Duration;

use rekam_drivers::transport::{Transport, TransportError};

use super::module::SimulatedModule;

/// A transport whose other end is a [`SimulatedModule`].
pub struct SimLink {
    module: SimulatedModule,
    pending: VecDeque<u8>,
    name: String,
}

impl SimLink {
    /// Connects to `module`.
    pub fn new(module: SimulatedModule) -> Self {
        Self {
            module,
            pending: VecDeque::new(),
            name: "simulated R30x (in-process)".into(),
        }
    }

    /// The module, to place fingers or inject faults between commands.
    pub fn module_mut(&mut self) -> &mut SimulatedModule {
        &mut self.module
    }
}

impl Transport for SimLink {
    fn name(&self) -> &str {
        &self.name
    }

    fn read(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, TransportError> {
        if self.pending.is_empty() || buf.is_empty() {
            std::thread::sleep(timeout);
            return Err(TransportError::Timeout {
                endpoint: self.name.clone(),
                timeout,
            });
        }
        let n = buf.len().min(self.pending.len());
        for (slot, byte) in buf.iter_mut().zip(self.pending.drain(..n)) {
            *slot = byte;
        }
        Ok(n)
    }

    fn write_all(&mut self, bytes: &[u8]) -> Result<(), TransportError> {
        let reply = self.module.feed(bytes);
        self.pending.extend(reply);
        Ok(())
    }

    fn flush(&mut self) -> Result<(), TransportError> {
        Ok(())
    }

    fn clear_input(&mut self) -> Result<(), TransportError> {
        self.pending.clear();
        Ok(())
    }
}
