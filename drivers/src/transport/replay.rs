//! Plays a recording (format in [`record`](super::record)) back as a device: checks that the host
//! writes exactly the recorded bytes and answers with the recorded replies.
//!
//! Contract: written bytes are compared as one stream (how the host splits its writes does not
//! matter); any difference, or writing while recorded replies are still unread, is a
//! `ReplayMismatch` naming the offset. A read when the recording expects the host to write next,
//! or after the end, times out, as the device did in the recorded session.

use std::path::Path;
use std::time::Duration;

use super::record::HEADER;
use super::{Transport, TransportError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    HostWrote,
    HostRead,
}

/// A recorded session acting as the device.
#[derive(Debug)]
pub struct Replay {
    name: String,
    // Consecutive events of one direction are merged: chunking is an accident of timing.
    events: Vec<(Direction, Vec<u8>)>,
    event: usize,
    offset: usize,
    written: u64,
}

impl Replay {
    /// Loads the recording at `path`.
    pub fn open(path: &Path) -> Result<Self, TransportError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| TransportError::from_io(&name, Duration::ZERO, e))?;
        Self::parse(&name, &text)
    }

    /// Parses recording `text`; `name` is used in errors.
    pub fn parse(name: &str, text: &str) -> Result<Self, TransportError> {
        let bad = |line: usize, detail: String| TransportError::BadRecording {
            endpoint: name.to_owned(),
            line,
            detail,
        };
        if text.lines().next() != Some(HEADER) {
            return Err(bad(1, format!("expected the header {HEADER:?}")));
        }
        let mut events: Vec<(Direction, Vec<u8>)> = Vec::new();
        for (index, line) in text.lines().enumerate() {
            let number = index + 1;
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut fields = line.split_ascii_whitespace();
            let direction = match fields.next() {
                Some(">") => Direction::HostWrote,
                Some("<") => Direction::HostRead,
                other => return Err(bad(number, format!("expected '>' or '<', found {other:?}"))),
            };
            let time = fields
                .next()
                .ok_or_else(|| bad(number, "missing time".into()))?;
            time.parse::<f64>()
                .map_err(|_| bad(number, format!("bad time {time:?}")))?;
            let data = fields
                .next()
                .ok_or_else(|| bad(number, "missing bytes".into()))?;
            let bytes = hex::decode(data).map_err(|e| bad(number, format!("bad hex: {e}")))?;
            if bytes.is_empty() {
                return Err(bad(number, "an event needs at least one byte".into()));
            }
            if let Some(extra) = fields.next() {
                return Err(bad(number, format!("unexpected field {extra:?}")));
            }
            match events.last_mut() {
                Some((last, pending)) if *last == direction => pending.extend_from_slice(&bytes),
                _ => events.push((direction, bytes)),
            }
        }
        Ok(Self {
            name: name.to_owned(),
            events,
            event: 0,
            offset: 0,
            written: 0,
        })
    }

    /// Whether every recorded byte was written and read.
    pub fn is_finished(&self) -> bool {
        self.event >= self.events.len()
    }

    fn advance(&mut self, consumed: usize) {
        self.offset += consumed;
        if let Some((_, bytes)) = self.events.get(self.event)
            && self.offset >= bytes.len()
        {
            self.event += 1;
            self.offset = 0;
        }
    }
}

impl Transport for Replay {
    fn name(&self) -> &str {
        &self.name
    }

    fn read(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, TransportError> {
        match self.events.get(self.event) {
            Some((Direction::HostRead, bytes)) if !buf.is_empty() => {
                let rest = &bytes[self.offset..];
                let n = rest.len().min(buf.len());
                buf[..n].copy_from_slice(&rest[..n]);
                self.advance(n);
                Ok(n)
            }
            _ => Err(TransportError::Timeout {
                endpoint: self.name.clone(),
                timeout,
            }),
        }
    }

    fn write_all(&mut self, mut bytes: &[u8]) -> Result<(), TransportError> {
        while !bytes.is_empty() {
            let mismatch =
                |expected: String, actual: &[u8], written: u64| TransportError::ReplayMismatch {
                    endpoint: self.name.clone(),
                    offset: written,
                    expected,
                    actual: hex::encode(actual),
                };
            let expected = match self.events.get(self.event) {
                Some((Direction::HostWrote, expected)) => &expected[self.offset..],
                Some((Direction::HostRead, pending)) => {
                    let unread = pending.len() - self.offset;
                    return Err(mismatch(
                        format!("the host to read {unread} more recorded byte(s) first"),
                        bytes,
                        self.written,
                    ));
                }
                None => {
                    return Err(mismatch(
                        "nothing (the recording has ended)".into(),
                        bytes,
                        self.written,
                    ));
                }
            };
            let n = expected.len().min(bytes.len());
            if let Some(i) = (0..n).find(|&i| expected[i] != bytes[i]) {
                let end = (i + 16).min(n);
                return Err(mismatch(
                    hex::encode(&expected[i..end]),
                    &bytes[i..end],
                    self.written + i as u64,
                ));
            }
            self.written += n as u64;
            bytes = &bytes[n..];
            self.advance(n);
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), TransportError> {
        Ok(())
    }

    fn clear_input(&mut self) -> Result<(), TransportError> {
        // Input the host discarded was never recorded, so there is nothing to skip.
        Ok(())
    }
}
