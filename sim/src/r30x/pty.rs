//! Serves the simulated module on a pseudo-terminal, from a thread, so any serial client
//! (pyfingerprint, minicom, the rekam driver) can open it by path like a USB-serial adapter.
//!
//! Contract: `spawn_pty` returns once the pty exists; the path stays valid and clients may open
//! and close it repeatedly until the [`Handle`] is stopped or dropped.

use std::io::{ErrorKind, Read, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use serialport::{SerialPort, TTYPort};

use super::module::{ModuleConfig, SimulatedModule};

/// Why the simulator could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// No pseudo-terminal could be created.
    #[error("cannot create a pseudo-terminal: {0}")]
    Pty(#[from] serialport::Error),
    /// The pty has no path.
    #[error("the pseudo-terminal has no device path")]
    NoPath,
    /// The serving thread failed.
    #[error("simulated R30x on {path}: {source}")]
    Io {
        /// The pty path.
        path: String,
        /// The failure.
        #[source]
        source: std::io::Error,
    },
    /// The serving thread panicked.
    #[error("the simulated R30x thread panicked")]
    Panicked,
}

/// A running simulator; stops on drop.
pub struct Handle {
    path: PathBuf,
    module: Arc<Mutex<SimulatedModule>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<Result<(), SimError>>>,
}

impl Handle {
    /// The pty path clients open.
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// The module, to place fingers or inject faults while it serves.
    pub fn module(&self) -> MutexGuard<'_, SimulatedModule> {
        // The module stays consistent even if a holder panicked: every method leaves it whole.
        self.module.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Stops serving and reports whether the thread ended cleanly.
    pub fn stop(mut self) -> Result<(), SimError> {
        self.shutdown()
    }

    /// Blocks until the serving thread ends (it ends only on error).
    pub fn wait(mut self) -> Result<(), SimError> {
        match self.thread.take() {
            Some(thread) => thread.join().map_err(|_| SimError::Panicked)?,
            None => Ok(()),
        }
    }

    fn shutdown(&mut self) -> Result<(), SimError> {
        self.stop.store(true, Ordering::SeqCst);
        match self.thread.take() {
            Some(thread) => thread.join().map_err(|_| SimError::Panicked)?,
            None => Ok(()),
        }
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        // Errors were for `stop` to report; a dropped handle just ends the thread.
        let _ = self.shutdown();
    }
}

/// Starts an R307-like module seeded by `seed` on a new pty; see [`spawn_pty_with`].
pub fn spawn_pty(seed: u64) -> Result<(PathBuf, Handle), SimError> {
    spawn_pty_with(ModuleConfig::new(seed))
}

/// Starts the module described by `config` on a new pty and returns the path clients open.
pub fn spawn_pty_with(config: ModuleConfig) -> Result<(PathBuf, Handle), SimError> {
    let (mut master, slave) = TTYPort::pair()?;
    let path = PathBuf::from(slave.name().ok_or(SimError::NoPath)?);
    let module = Arc::new(Mutex::new(SimulatedModule::new(config)));
    let stop = Arc::new(AtomicBool::new(false));
    let thread = {
        let (module, stop, shown) = (module.clone(), stop.clone(), path.display().to_string());
        std::thread::Builder::new()
            .name("sim-r30x".into())
            .spawn(move || {
                // Holding the slave open keeps the master readable between client sessions.
                let _slave = slave;
                serve(&mut master, &module, &stop).map_err(|source| SimError::Io {
                    path: shown,
                    source,
                })
            })
            .map_err(|source| SimError::Io {
                path: path.display().to_string(),
                source,
            })?
    };
    let handle = Handle {
        path: path.clone(),
        module,
        stop,
        thread: Some(thread),
    };
    Ok((path, handle))
}

fn serve(
    master: &mut TTYPort,
    module: &Mutex<SimulatedModule>,
    stop: &AtomicBool,
) -> std::io::Result<()> {
    let mut buf = [0u8; 1024];
    while !stop.load(Ordering::SeqCst) {
        // Short reads so a stop request is noticed quickly.
        master.set_timeout(Duration::from_millis(50))?;
        let n = match master.read(&mut buf) {
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::TimedOut || e.kind() == ErrorKind::Interrupted => {
                continue;
            }
            Err(e) => return Err(e),
        };
        let reply = module
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .feed(&buf[..n]);
        if !reply.is_empty() {
            // A client may be slow to drain a 36 KB image; give it time.
            master.set_timeout(Duration::from_secs(10))?;
            master.write_all(&reply)?;
        }
    }
    Ok(())
}
