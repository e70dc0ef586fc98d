//! A transport wrapper that writes every byte exchanged to a text file, so a session with a real
//! device can be replayed by [`Replay`](super::Replay) as a regression test.
//!
//! # Format (version 1)
//!
//! UTF-8 text, one event per line:
//!
//! ```text
//! # rekam transport recording v1
//! # endpoint: /dev/ttyUSB0
//! > 0.000012 ef01ffffffff010007130000000000001b
//! < 0.003410 ef01ffffffff07000300000a
//! ```
//!
//! - `>` bytes the host wrote to the device, `<` bytes the host read from the device;
//! - then seconds since the recording started (informational; replay does not sleep);
//! - then the bytes in lowercase hex, without separators (at least one byte).
//!
//! Lines starting with `#` and blank lines are comments. Only bytes the host actually read are
//! recorded, so input discarded by `clear_input` never appears, and a read that timed out shows as
//! a `>` line following with no `<` line in between.
//!
//! Contract: the wrapper behaves exactly like the transport it wraps, except that a failure to
//! write the file is reported as an I/O error naming the file.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::{Transport, TransportError};

/// First line of every recording.
pub const HEADER: &str = "# rekam transport recording v1";

/// Records the traffic of `T` to a file.
pub struct Recorder<T> {
    inner: T,
    out: BufWriter<File>,
    path: PathBuf,
    started: Instant,
}

impl<T: Transport> Recorder<T> {
    /// Starts recording `inner` to a new file at `path` (overwriting it).
    pub fn create(inner: T, path: &Path) -> Result<Self, TransportError> {
        let file_err = |e| TransportError::from_io(&path.display().to_string(), Duration::ZERO, e);
        let file = File::create(path).map_err(file_err)?;
        let mut out = BufWriter::new(file);
        writeln!(out, "{HEADER}").map_err(file_err)?;
        writeln!(out, "# endpoint: {}", inner.name()).map_err(file_err)?;
        Ok(Self {
            inner,
            out,
            path: path.to_owned(),
            started: Instant::now(),
        })
    }

    /// Flushes the file and hands back the wrapped transport.
    pub fn finish(mut self) -> Result<T, TransportError> {
        self.out.flush().map_err(|e| self.file_error(e))?;
        Ok(self.inner)
    }

    fn log(&mut self, direction: char, bytes: &[u8]) -> Result<(), TransportError> {
        if bytes.is_empty() {
            return Ok(());
        }
        let at = self.started.elapsed().as_secs_f64();
        let line = format!("{direction} {at:.6} {}\n", hex::encode(bytes));
        // Flushed per event: a recording is most wanted after a crash.
        self.out
            .write_all(line.as_bytes())
            .and_then(|()| self.out.flush())
            .map_err(|e| self.file_error(e))
    }

    fn file_error(&self, e: std::io::Error) -> TransportError {
        TransportError::Io {
            endpoint: self.path.display().to_string(),
            source: e,
        }
    }
}

impl<T: Transport> Transport for Recorder<T> {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn read(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, TransportError> {
        let n = self.inner.read(buf, timeout)?;
        self.log('<', &buf[..n])?;
        Ok(n)
    }

    fn write_all(&mut self, bytes: &[u8]) -> Result<(), TransportError> {
        self.inner.write_all(bytes)?;
        self.log('>', bytes)
    }

    fn flush(&mut self) -> Result<(), TransportError> {
        self.inner.flush()
    }

    fn clear_input(&mut self) -> Result<(), TransportError> {
        self.inner.clear_input()
    }
}
