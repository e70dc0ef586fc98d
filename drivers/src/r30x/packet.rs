//! Framing of the R30x UART protocol: `EF01 | address(4) | PID(1) | length(2) | payload |
//! checksum(2)`, big-endian, where length counts payload and checksum and the checksum is the
//! 16-bit sum of PID, both length bytes and the payload.
//!
//! Contract: [`PacketView::parse`] accepts exactly one complete, valid frame and nothing else
//! (no truncation, no trailing bytes, no bad checksum). [`Deframer`] turns a noisy byte stream
//! into valid packets, skipping anything that is not one: this is how the driver resynchronises
//! after garbage on the line.

use std::fmt;

/// The two start bytes of every frame.
pub const START: [u8; 2] = [0xEF, 0x01];
/// The address modules answer to out of the factory.
pub const DEFAULT_ADDRESS: u32 = 0xFFFF_FFFF;
/// Bytes before the payload: start, address, PID, length.
pub const HEADER_LEN: usize = 9;
/// Largest payload a module sends or accepts (a 256-byte data packet).
pub const MAX_PAYLOAD: usize = 256;

/// Packet identifier: what kind of packet this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pid {
    /// Host to module: an instruction.
    Command = 0x01,
    /// Either way: a data packet with more to follow.
    Data = 0x02,
    /// Module to host: the answer to a command.
    Ack = 0x07,
    /// Either way: the last data packet.
    End = 0x08,
}

impl Pid {
    /// The PID with wire value `byte`.
    pub fn from_u8(byte: u8) -> Option<Pid> {
        match byte {
            0x01 => Some(Pid::Command),
            0x02 => Some(Pid::Data),
            0x07 => Some(Pid::Ack),
            0x08 => Some(Pid::End),
            _ => None,
        }
    }
}

/// Why bytes are not a valid frame.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// Fewer bytes than the header, or than the header's length field announces.
    #[error("truncated frame: need {needed} bytes, have {have}")]
    Truncated {
        /// Bytes a complete frame needs.
        needed: usize,
        /// Bytes present.
        have: usize,
    },
    /// More bytes than one frame.
    #[error("{extra} byte(s) after the end of the frame")]
    Trailing {
        /// Bytes after the checksum.
        extra: usize,
    },
    /// Does not start with EF 01.
    #[error("bad start bytes {0:02X}{1:02X}, expected EF01")]
    BadStart(u8, u8),
    /// Unknown packet identifier.
    #[error("unknown packet identifier {0:#04x}")]
    BadPid(u8),
    /// The length field is below 2 (no room for the checksum) or above the largest packet.
    #[error("length field {0} out of range 2..={max}", max = MAX_PAYLOAD + 2)]
    BadLength(u16),
    /// The checksum does not add up.
    #[error("checksum {found:#06x} does not match computed {computed:#06x}")]
    BadChecksum {
        /// Checksum in the frame.
        found: u16,
        /// Checksum of the frame's contents.
        computed: u16,
    },
    /// A payload too large to frame.
    #[error("payload of {0} bytes exceeds {MAX_PAYLOAD}")]
    PayloadTooLarge(usize),
}

/// The checksum of a frame with `pid` and `payload`.
pub fn checksum(pid: u8, payload: &[u8]) -> u16 {
    let length = (payload.len() + 2) as u16;
    let [hi, lo] = length.to_be_bytes();
    payload.iter().fold(
        u16::from(pid)
            .wrapping_add(u16::from(hi))
            .wrapping_add(u16::from(lo)),
        |sum, &b| sum.wrapping_add(u16::from(b)),
    )
}

/// A checked view of one complete frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PacketView<'a> {
    address: u32,
    pid: Pid,
    payload: &'a [u8],
}

impl<'a> PacketView<'a> {
    /// Checks that `bytes` is exactly one valid frame.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, FrameError> {
        let total = frame_len(bytes)?;
        if bytes.len() < total {
            return Err(FrameError::Truncated {
                needed: total,
                have: bytes.len(),
            });
        }
        if bytes.len() > total {
            return Err(FrameError::Trailing {
                extra: bytes.len() - total,
            });
        }
        let pid_byte = bytes[6];
        let pid = Pid::from_u8(pid_byte).ok_or(FrameError::BadPid(pid_byte))?;
        let payload = &bytes[HEADER_LEN..total - 2];
        let found = u16::from_be_bytes([bytes[total - 2], bytes[total - 1]]);
        let computed = checksum(pid_byte, payload);
        if found != computed {
            return Err(FrameError::BadChecksum { found, computed });
        }
        let address = u32::from_be_bytes([bytes[2], bytes[3], bytes[4], bytes[5]]);
        Ok(Self {
            address,
            pid,
            payload,
        })
    }

    /// The address field.
    pub fn address(&self) -> u32 {
        self.address
    }

    /// The packet identifier.
    pub fn pid(&self) -> Pid {
        self.pid
    }

    /// The payload (without length and checksum).
    pub fn payload(&self) -> &'a [u8] {
        self.payload
    }

    /// An owned copy.
    pub fn to_packet(&self) -> Packet {
        Packet {
            address: self.address,
            pid: self.pid,
            payload: self.payload.to_vec(),
        }
    }
}

/// The full length of the frame whose header starts `bytes`, after checking start bytes, PID and
/// length field. Needs at least [`HEADER_LEN`] bytes.
pub fn frame_len(bytes: &[u8]) -> Result<usize, FrameError> {
    if bytes.len() < HEADER_LEN {
        return Err(FrameError::Truncated {
            needed: HEADER_LEN,
            have: bytes.len(),
        });
    }
    if bytes[..2] != START {
        return Err(FrameError::BadStart(bytes[0], bytes[1]));
    }
    if Pid::from_u8(bytes[6]).is_none() {
        return Err(FrameError::BadPid(bytes[6]));
    }
    let length = u16::from_be_bytes([bytes[7], bytes[8]]);
    if !(2..=(MAX_PAYLOAD + 2) as u16).contains(&length) {
        return Err(FrameError::BadLength(length));
    }
    Ok(HEADER_LEN + usize::from(length))
}

/// An owned packet.
#[derive(Clone, PartialEq, Eq)]
pub struct Packet {
    /// Module address.
    pub address: u32,
    /// Packet identifier.
    pub pid: Pid,
    /// Payload.
    pub payload: Vec<u8>,
}

impl Packet {
    /// A packet, if `payload` fits in one frame.
    pub fn new(address: u32, pid: Pid, payload: Vec<u8>) -> Result<Self, FrameError> {
        if payload.len() > MAX_PAYLOAD {
            return Err(FrameError::PayloadTooLarge(payload.len()));
        }
        Ok(Self {
            address,
            pid,
            payload,
        })
    }

    /// The frame on the wire.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER_LEN + self.payload.len() + 2);
        out.extend_from_slice(&START);
        out.extend_from_slice(&self.address.to_be_bytes());
        out.push(self.pid as u8);
        // `new` bounds the payload, so this cannot truncate.
        out.extend_from_slice(&((self.payload.len() + 2) as u16).to_be_bytes());
        out.extend_from_slice(&self.payload);
        out.extend_from_slice(&checksum(self.pid as u8, &self.payload).to_be_bytes());
        out
    }
}

impl fmt::Debug for Packet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Packet {{ address: {:08X}, pid: {:?}, payload: {} bytes {:02X?}{} }}",
            self.address,
            self.pid,
            self.payload.len(),
            &self.payload[..self.payload.len().min(16)],
            if self.payload.len() > 16 { "..." } else { "" }
        )
    }
}

/// Splits a byte stream into valid packets, discarding everything else.
#[derive(Debug, Default)]
pub struct Deframer {
    buffer: Vec<u8>,
    discarded: u64,
    last_rejection: Option<FrameError>,
}

impl Deframer {
    /// An empty deframer.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds received bytes.
    pub fn push(&mut self, bytes: &[u8]) {
        self.buffer.extend_from_slice(bytes);
    }

    /// The next valid packet, if one is complete. Bytes before it that do not form a valid frame
    /// are dropped and counted.
    pub fn next_packet(&mut self) -> Option<Packet> {
        loop {
            let Some(start) = find_start(&self.buffer) else {
                // Keep a trailing EF: it may be the first half of a start marker.
                let keep = usize::from(self.buffer.last() == Some(&START[0]));
                self.discard(self.buffer.len() - keep);
                return None;
            };
            self.discard(start);
            if self.buffer.len() < HEADER_LEN {
                return None;
            }
            let total = match frame_len(&self.buffer) {
                Ok(total) => total,
                Err(e) => {
                    // A start marker inside garbage: skip it and look further.
                    self.reject(e);
                    continue;
                }
            };
            if self.buffer.len() < total {
                return None;
            }
            match PacketView::parse(&self.buffer[..total]) {
                Ok(view) => {
                    let packet = view.to_packet();
                    self.buffer.drain(..total);
                    return Some(packet);
                }
                Err(e) => self.reject(e),
            }
        }
    }

    /// Gives up on an incomplete frame at the front (its header was likely garbage that happened
    /// to look valid) and looks for a packet after it. Call when the line has gone quiet.
    pub fn skip_stalled(&mut self) -> Option<Packet> {
        if self.buffer.is_empty() {
            return None;
        }
        self.reject(FrameError::Truncated {
            needed: frame_len(&self.buffer).unwrap_or(HEADER_LEN),
            have: self.buffer.len(),
        });
        self.next_packet()
    }

    /// Bytes received but not yet part of a returned packet.
    pub fn buffered(&self) -> usize {
        self.buffer.len()
    }

    /// Bytes dropped as garbage so far.
    pub fn discarded(&self) -> u64 {
        self.discarded
    }

    /// The most recent reason a candidate frame was dropped, cleared by reading it.
    pub fn take_rejection(&mut self) -> Option<FrameError> {
        self.last_rejection.take()
    }

    /// Forgets buffered bytes (after the host clears its input).
    pub fn clear(&mut self) {
        self.discard(self.buffer.len());
        self.last_rejection = None;
    }

    fn reject(&mut self, error: FrameError) {
        self.last_rejection = Some(error);
        self.discard(1);
    }

    fn discard(&mut self, n: usize) {
        let n = n.min(self.buffer.len());
        self.buffer.drain(..n);
        self.discarded += n as u64;
    }
}

fn find_start(bytes: &[u8]) -> Option<usize> {
    bytes.windows(2).position(|w| w == START)
}
