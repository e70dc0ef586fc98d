//! Wacom ISDV4 serial pen digitizers (tablet PCs, kiosk pads), as the Linux kernel's
//! `wacom_w8001` and xf86-input-wacom's `isdv4` drivers speak to them: 38400 baud 8N1; the host
//! sends `0` (stop), `*` (query: an 11-byte control reply with the maximum x, y and pressure and
//! the firmware version) and `1` (start sampling); the digitizer then streams 9-byte pen packets.
//! Every packet's first byte has the header bit (0x80) set, a control packet also 0x40, and no
//! other byte has bit 7 set; x and y are 16 bits (7 + 7 + 2) and pressure 10 (7 + 3), packed in
//! 7-bit bytes.
//!
//! Contract: [`parse_pen_packet`] and [`QueryReply::parse`] reject any byte sequence that breaks
//! the framing or the flags, never panic. The driver resynchronises on garbage (drops bytes up
//! to the next header byte), but a stream with no valid packet in 64 bytes is a
//! `ProtocolViolation` (wrong baud rate, not a digitizer). The digitizer has no screen and no
//! buttons: `next_event` yields pen samples only (the lift after a stroke as a pressure-0
//! sample), timed by the host clock since the last `clear`; accept and clear come from the
//! console.

use std::time::{Duration, Instant};

use crate::error::{Error, ErrorKind, Unsupported};
use crate::identity::DeviceIdentity;
use crate::signature::{PadCapabilities, PadEvent, PenSample, SignaturePad};
use crate::transport::{Transport, TransportError};

/// The line speed.
pub const BAUD: u32 = 38400;
/// Stop sampling.
pub const CMD_STOP: u8 = b'0';
/// Start sampling.
pub const CMD_START: u8 = b'1';
/// Query the ranges.
pub const CMD_QUERY: u8 = b'*';
/// Length of a pen packet.
pub const PEN_PACKET_LEN: usize = 9;
/// Length of the query reply.
pub const QUERY_REPLY_LEN: usize = 11;
/// First-byte bit of every packet.
pub const HEADER_BIT: u8 = 0x80;
/// First-byte bit of a control packet (the query reply).
pub const CONTROL_BIT: u8 = 0x40;
const PROXIMITY_BIT: u8 = 0x20;
const TIP_BIT: u8 = 0x01;
/// Digitizers of tablet PCs resolve 2540 lines per inch; the query does not say.
const UNITS_PER_MM: u16 = 100;
/// Garbage tolerated before the stream is declared not ISDV4.
const MAX_GARBAGE: usize = 64;

/// Why a packet was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PacketError {
    /// Too short.
    #[error("packet needs {needed} bytes, got {actual}")]
    Truncated {
        /// Bytes needed.
        needed: usize,
        /// Bytes given.
        actual: usize,
    },
    /// The first byte lacks the header bit, or a later byte has it.
    #[error("byte {index} ({byte:#04x}) breaks the framing")]
    Framing {
        /// Index of the offending byte.
        index: usize,
        /// Its value.
        byte: u8,
    },
    /// A control packet where a pen packet was expected, or the reverse.
    #[error("expected a {expected} packet, first byte is {byte:#04x}")]
    WrongKind {
        /// "pen" or "control".
        expected: &'static str,
        /// The first byte.
        byte: u8,
    },
    /// Flags or values no digitizer reports.
    #[error("{0}")]
    BadValue(String),
}

fn check_framing(bytes: &[u8], len: usize) -> Result<(), PacketError> {
    if bytes.len() < len {
        return Err(PacketError::Truncated {
            needed: len,
            actual: bytes.len(),
        });
    }
    if bytes[0] & HEADER_BIT == 0 {
        return Err(PacketError::Framing {
            index: 0,
            byte: bytes[0],
        });
    }
    if let Some((i, &b)) = bytes[1..len]
        .iter()
        .enumerate()
        .find(|(_, b)| **b & 0x80 != 0)
    {
        return Err(PacketError::Framing {
            index: i + 1,
            byte: b,
        });
    }
    Ok(())
}

fn unpack_x(b: &[u8]) -> u16 {
    (u16::from(b[1]) << 9) | (u16::from(b[2]) << 2) | u16::from((b[6] >> 5) & 0x03)
}

fn unpack_y(b: &[u8]) -> u16 {
    (u16::from(b[3]) << 9) | (u16::from(b[4]) << 2) | u16::from((b[6] >> 3) & 0x03)
}

fn unpack_pressure(b: &[u8]) -> u16 {
    (u16::from(b[6] & 0x07) << 7) | u16::from(b[5])
}

/// Packs x, y and pressure into bytes 1..=6 of a packet.
fn pack(out: &mut [u8], x: u16, y: u16, pressure: u16) {
    out[1] = ((x >> 9) & 0x7F) as u8;
    out[2] = ((x >> 2) & 0x7F) as u8;
    out[3] = ((y >> 9) & 0x7F) as u8;
    out[4] = ((y >> 2) & 0x7F) as u8;
    out[5] = (pressure & 0x7F) as u8;
    out[6] = (((x & 0x03) << 5) | ((y & 0x03) << 3) | ((pressure >> 7) & 0x07)) as u8;
}

/// The reply to `*`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueryReply {
    /// Largest x.
    pub max_x: u16,
    /// Largest y.
    pub max_y: u16,
    /// Largest pressure (10 bits).
    pub max_pressure: u16,
    /// Largest tilt in x (0: no tilt).
    pub tilt_x: u8,
    /// Largest tilt in y.
    pub tilt_y: u8,
    /// Firmware version.
    pub version: u16,
}

impl QueryReply {
    /// Parses an 11-byte control packet.
    pub fn parse(bytes: &[u8]) -> Result<Self, PacketError> {
        check_framing(bytes, QUERY_REPLY_LEN)?;
        if bytes[0] & CONTROL_BIT == 0 {
            return Err(PacketError::WrongKind {
                expected: "control",
                byte: bytes[0],
            });
        }
        let q = QueryReply {
            max_x: unpack_x(bytes),
            max_y: unpack_y(bytes),
            max_pressure: unpack_pressure(bytes),
            tilt_x: bytes[8],
            tilt_y: bytes[7],
            version: (u16::from(bytes[9]) << 7) | u16::from(bytes[10]),
        };
        if q.max_x == 0 || q.max_y == 0 || q.max_pressure == 0 {
            return Err(PacketError::BadValue(format!(
                "query reply with an empty range: {q:?}"
            )));
        }
        Ok(q)
    }

    /// Encodes the reply as a digitizer sends it.
    pub fn encode(&self) -> [u8; QUERY_REPLY_LEN] {
        let mut b = [0u8; QUERY_REPLY_LEN];
        b[0] = HEADER_BIT | CONTROL_BIT;
        pack(&mut b, self.max_x, self.max_y, self.max_pressure);
        b[7] = self.tilt_y & 0x7F;
        b[8] = self.tilt_x & 0x7F;
        b[9] = ((self.version >> 7) & 0x7F) as u8;
        b[10] = (self.version & 0x7F) as u8;
        b
    }
}

/// One pen packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PenPacket {
    /// The pen is in range.
    pub proximity: bool,
    /// The tip touches.
    pub tip: bool,
    /// x in digitizer units.
    pub x: u16,
    /// y in digitizer units.
    pub y: u16,
    /// Pressure (10 bits).
    pub pressure: u16,
}

/// Parses a 9-byte pen packet.
pub fn parse_pen_packet(bytes: &[u8]) -> Result<PenPacket, PacketError> {
    check_framing(bytes, PEN_PACKET_LEN)?;
    if bytes[0] & CONTROL_BIT != 0 {
        return Err(PacketError::WrongKind {
            expected: "pen",
            byte: bytes[0],
        });
    }
    let p = PenPacket {
        proximity: bytes[0] & PROXIMITY_BIT != 0,
        tip: bytes[0] & TIP_BIT != 0,
        x: unpack_x(bytes),
        y: unpack_y(bytes),
        pressure: unpack_pressure(bytes),
    };
    if p.tip && !p.proximity {
        return Err(PacketError::BadValue(
            "tip down while the pen is out of range".into(),
        ));
    }
    Ok(p)
}

/// Encodes a pen packet.
pub fn encode_pen_packet(p: &PenPacket) -> [u8; PEN_PACKET_LEN] {
    let mut b = [0u8; PEN_PACKET_LEN];
    b[0] =
        HEADER_BIT | if p.proximity { PROXIMITY_BIT } else { 0 } | if p.tip { TIP_BIT } else { 0 };
    pack(&mut b, p.x, p.y, p.pressure);
    b
}

/// A failure of the ISDV4 driver.
#[derive(Debug, thiserror::Error)]
pub enum Isdv4Error {
    /// The serial line failed.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// A packet did not parse.
    #[error("{device}: {source}")]
    Packet {
        /// The digitizer.
        device: String,
        /// What is wrong.
        #[source]
        source: PacketError,
    },
    /// Bytes that never form a packet.
    #[error(
        "{device}: {dropped} bytes without a valid packet (wrong baud rate or not an ISDV4 digitizer?)"
    )]
    NoSync {
        /// The digitizer.
        device: String,
        /// Bytes dropped.
        dropped: usize,
    },
    /// An operation the digitizer does not offer.
    #[error(transparent)]
    Unsupported(#[from] Unsupported),
}

impl Error for Isdv4Error {
    fn kind(&self) -> ErrorKind {
        match self {
            Isdv4Error::Transport(e) => e.kind(),
            Isdv4Error::Packet { .. } | Isdv4Error::NoSync { .. } => ErrorKind::ProtocolViolation,
            Isdv4Error::Unsupported(_) => ErrorKind::Unsupported,
        }
    }
}

/// An ISDV4 digitizer.
pub struct Isdv4<T> {
    transport: T,
    identity: DeviceIdentity,
    capabilities: PadCapabilities,
    /// Bytes received, not yet a whole packet.
    pending: Vec<u8>,
    /// Garbage dropped since the last valid packet.
    dropped: usize,
    down: bool,
    cleared: Instant,
}

impl<T: Transport> Isdv4<T> {
    /// Stops the digitizer, queries its ranges and starts sampling.
    pub fn open(mut transport: T) -> Result<Self, Isdv4Error> {
        let name = transport.name().to_owned();
        transport.write_all(&[CMD_STOP])?;
        transport.flush()?;
        // Packets already on the wire when it stopped would be taken for the reply.
        std::thread::sleep(Duration::from_millis(20));
        transport.clear_input()?;
        transport.write_all(&[CMD_QUERY])?;
        transport.flush()?;
        let mut reader = Self {
            transport,
            identity: DeviceIdentity {
                vendor: "Wacom".into(),
                model: "ISDV4".into(),
                serial: None,
                firmware: None,
                location: name,
            },
            capabilities: PadCapabilities {
                max_x: 0,
                max_y: 0,
                max_pressure: 0,
                units_per_mm: UNITS_PER_MM,
                screen: None,
            },
            pending: Vec::new(),
            dropped: 0,
            down: false,
            cleared: Instant::now(),
        };
        let deadline = Instant::now() + Duration::from_secs(1);
        let reply = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if let Some(packet) = reader.next_packet(left)? {
                if packet.len() == QUERY_REPLY_LEN {
                    break QueryReply::parse(&packet).map_err(|e| reader.packet_error(e))?;
                }
                // A pen packet sent before the stop took effect.
                continue;
            }
            if left.is_zero() {
                return Err(TransportError::Timeout {
                    endpoint: reader.identity.location.clone(),
                    timeout: Duration::from_secs(1),
                }
                .into());
            }
        };
        reader.identity.firmware = Some(reply.version.to_string());
        reader.capabilities.max_x = reply.max_x;
        reader.capabilities.max_y = reply.max_y;
        reader.capabilities.max_pressure = reply.max_pressure;
        reader.transport.write_all(&[CMD_START])?;
        reader.transport.flush()?;
        reader.cleared = Instant::now();
        Ok(reader)
    }

    fn packet_error(&self, source: PacketError) -> Isdv4Error {
        Isdv4Error::Packet {
            device: self.identity.to_string(),
            source,
        }
    }

    /// Takes a whole packet out of `pending`, dropping garbage before it.
    fn take_packet(&mut self) -> Result<Option<Vec<u8>>, Isdv4Error> {
        loop {
            let start = self
                .pending
                .iter()
                .position(|b| b & HEADER_BIT != 0)
                .unwrap_or(self.pending.len());
            self.dropped += start;
            self.pending.drain(..start);
            if self.dropped > MAX_GARBAGE {
                let dropped = self.dropped;
                self.dropped = 0;
                return Err(Isdv4Error::NoSync {
                    device: self.identity.to_string(),
                    dropped,
                });
            }
            let Some(&first) = self.pending.first() else {
                return Ok(None);
            };
            let len = if first & CONTROL_BIT != 0 {
                QUERY_REPLY_LEN
            } else {
                PEN_PACKET_LEN
            };
            // A header byte inside the packet means this one was cut short: resync there.
            if let Some(cut) = self.pending[1..len.min(self.pending.len())]
                .iter()
                .position(|b| b & HEADER_BIT != 0)
            {
                self.dropped += cut + 1;
                self.pending.drain(..=cut);
                continue;
            }
            if self.pending.len() < len {
                return Ok(None);
            }
            self.dropped = 0;
            return Ok(Some(self.pending.drain(..len).collect()));
        }
    }

    /// Reads until a whole packet is there or `wait` is over.
    fn next_packet(&mut self, wait: Duration) -> Result<Option<Vec<u8>>, Isdv4Error> {
        let deadline = Instant::now() + wait;
        let mut buf = [0u8; 256];
        loop {
            if let Some(p) = self.take_packet()? {
                return Ok(Some(p));
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(None);
            }
            match self.transport.read(&mut buf, left) {
                Ok(n) => self.pending.extend_from_slice(&buf[..n]),
                Err(TransportError::Timeout { .. }) => return Ok(None),
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// The transport.
    pub fn into_transport(self) -> T {
        self.transport
    }
}

impl<T: Transport> SignaturePad for Isdv4<T> {
    type Error = Isdv4Error;

    fn identity(&self) -> &DeviceIdentity {
        &self.identity
    }

    fn capabilities(&self) -> &PadCapabilities {
        &self.capabilities
    }

    fn next_event(&mut self, wait: Duration) -> Result<Option<PadEvent>, Isdv4Error> {
        let deadline = Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let Some(packet) = self.next_packet(left)? else {
                return Ok(None);
            };
            if packet.len() != PEN_PACKET_LEN {
                // A control packet while sampling: a late query reply; nothing to report.
                continue;
            }
            let pen = parse_pen_packet(&packet).map_err(|e| self.packet_error(e))?;
            let caps = &self.capabilities;
            let time = self.cleared.elapsed();
            let sample = |pressure: u16| {
                PadEvent::Pen(PenSample {
                    x: pen.x.min(caps.max_x),
                    y: pen.y.min(caps.max_y),
                    pressure: pressure.min(caps.max_pressure),
                    time,
                })
            };
            match (self.down, pen.tip) {
                (_, true) => {
                    self.down = true;
                    return Ok(Some(sample(pen.pressure)));
                }
                (true, false) => {
                    self.down = false;
                    return Ok(Some(sample(0)));
                }
                (false, false) => {}
            }
        }
    }

    fn clear(&mut self) -> Result<(), Isdv4Error> {
        self.cleared = Instant::now();
        self.down = false;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pen_packet_round_trips_through_the_7_bit_packing() {
        let p = PenPacket {
            proximity: true,
            tip: true,
            x: 0xFFFF,
            y: 12345,
            pressure: 1023,
        };
        assert_eq!(parse_pen_packet(&encode_pen_packet(&p)), Ok(p));
    }

    #[test]
    fn a_query_reply_round_trips() {
        let q = QueryReply {
            max_x: 26202,
            max_y: 16325,
            max_pressure: 255,
            tilt_x: 0,
            tilt_y: 0,
            version: 0x3FFF,
        };
        assert_eq!(QueryReply::parse(&q.encode()), Ok(q));
    }

    #[test]
    fn a_packet_with_a_header_byte_inside_breaks_the_framing() {
        let mut b = encode_pen_packet(&PenPacket {
            proximity: true,
            tip: false,
            x: 1,
            y: 1,
            pressure: 0,
        });
        b[4] |= 0x80;
        assert!(matches!(
            parse_pen_packet(&b),
            Err(PacketError::Framing { index: 4, .. })
        ));
        assert!(matches!(
            parse_pen_packet(&b[..5]),
            Err(PacketError::Truncated { .. })
        ));
    }

    #[test]
    fn a_query_reply_is_not_a_pen_packet() {
        let q = QueryReply {
            max_x: 1,
            max_y: 1,
            max_pressure: 1,
            tilt_x: 0,
            tilt_y: 0,
            version: 1,
        };
        assert!(matches!(
            parse_pen_packet(&q.encode()),
            Err(PacketError::WrongKind { .. })
        ));
    }
}
