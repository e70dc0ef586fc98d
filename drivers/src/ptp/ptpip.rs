//! PTP/IP (CIPA DC-005): the packets as a checked [`Packet`] with `parse`/`to_bytes`, reading
//! and writing them on a stream, and [`PtpIpTransport`], the host side of a camera connection.
//!
//! Every packet is a u32 length (including this 8-byte header) and a u32 type, then the payload,
//! all little-endian. A host opens the command connection and sends InitCommandRequest (its GUID,
//! its friendly name as NUL-terminated UTF-16LE, the protocol version); the camera answers
//! InitCommandAck with a connection number (or InitFail); the host opens the event connection
//! and sends InitEventRequest with that number; the camera answers InitEventAck. A transaction is
//! OperationRequest, then for data either way StartData (total length), Data packets and one
//! EndData, then OperationResponse; events come as Event packets on the event connection.
//!
//! Contract: [`Packet::parse`] checks the length field against the bytes given and every field
//! against the payload, rejecting truncated or oversized input with a [`PacketError`], never a
//! panic. The transport turns a closed or reset socket into [`PtpError::Disconnected`], a silent
//! camera into [`PtpError::Timeout`], and anything out of sequence into [`PtpError::Protocol`];
//! after a timeout or violation mid-packet the stream is out of step, so the transport refuses
//! further use (reconnect).

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use super::code::ptpip as kind;
use super::{DataPhase, Event, MAX_PARAMS, PtpError, PtpTransport, Request, Response, Transaction};

/// Largest packet either side accepts (a JPEG still fits many times over).
pub const MAX_PACKET: usize = 64 << 20;
/// Payload bytes per Data packet when sending (as libgphoto2 does).
pub const DATA_CHUNK: usize = 65536;

/// Appends a whole data phase for `transaction` to `out`, in either direction: StartData with the
/// total length, then Data packets of at most [`DATA_CHUNK`] bytes, the last one as EndData (an
/// empty phase is StartData plus an empty EndData, which libgphoto2 needs).
pub fn encode_data_phase(out: &mut Vec<u8>, transaction: u32, data: &[u8]) {
    out.extend(
        Packet::StartData {
            transaction,
            total_length: data.len() as u64,
        }
        .to_bytes(),
    );
    let mut chunks = data.chunks(DATA_CHUNK).peekable();
    if chunks.peek().is_none() {
        out.extend(
            Packet::EndData {
                transaction,
                payload: vec![],
            }
            .to_bytes(),
        );
    }
    while let Some(chunk) = chunks.next() {
        let payload = chunk.to_vec();
        let packet = if chunks.peek().is_some() {
            Packet::Data {
                transaction,
                payload,
            }
        } else {
            Packet::EndData {
                transaction,
                payload,
            }
        };
        out.extend(packet.to_bytes());
    }
}

/// A malformed PTP/IP packet.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed PTP/IP packet: {0}")]
pub struct PacketError(pub String);

fn bad(detail: impl Into<String>) -> PacketError {
    PacketError(detail.into())
}

/// One PTP/IP packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Packet {
    /// Host to camera on the command connection: who is connecting.
    InitCommandRequest {
        guid: [u8; 16],
        name: String,
        version: u32,
    },
    /// Camera's acceptance, with the number the event connection must quote.
    InitCommandAck {
        connection: u32,
        guid: [u8; 16],
        name: String,
        version: u32,
    },
    /// Host to camera on the event connection.
    InitEventRequest { connection: u32 },
    /// Camera's acceptance of the event connection.
    InitEventAck,
    /// Camera refuses the connection (reason code: 1 rejected, 2 busy, 3 unspecified).
    InitFail { reason: u32 },
    /// An operation: `data_phase` is 1 for none or device-to-host, 2 for host-to-device.
    OperationRequest {
        data_phase: u32,
        code: u16,
        transaction: u32,
        params: Vec<u32>,
    },
    /// The operation's result.
    OperationResponse {
        code: u16,
        transaction: u32,
        params: Vec<u32>,
    },
    /// An event, on the event connection.
    Event {
        code: u16,
        transaction: u32,
        params: Vec<u32>,
    },
    /// A data phase begins; `total_length` bytes follow in Data and EndData packets.
    StartData { transaction: u32, total_length: u64 },
    /// Part of the data.
    Data { transaction: u32, payload: Vec<u8> },
    /// Cancel a transaction.
    Cancel { transaction: u32 },
    /// The last part of the data.
    EndData { transaction: u32, payload: Vec<u8> },
    /// Keep-alive probe.
    ProbeRequest,
    /// Keep-alive answer.
    ProbeResponse,
}

fn utf16z(out: &mut Vec<u8>, text: &str) {
    for unit in text.encode_utf16().filter(|&u| u != 0) {
        out.extend_from_slice(&unit.to_le_bytes());
    }
    out.extend_from_slice(&[0, 0]);
}

/// Reads a NUL-terminated UTF-16LE name; returns it and the bytes after the NUL.
fn read_utf16z(bytes: &[u8]) -> Result<(String, &[u8]), PacketError> {
    let mut units = Vec::new();
    let mut at = 0;
    loop {
        let pair = bytes
            .get(at..at + 2)
            .ok_or_else(|| bad("friendly name is not NUL-terminated"))?;
        at += 2;
        let unit = u16::from_le_bytes([pair[0], pair[1]]);
        if unit == 0 {
            break;
        }
        units.push(unit);
    }
    let name = String::from_utf16(&units).map_err(|e| bad(format!("friendly name: {e}")))?;
    Ok((name, &bytes[at..]))
}

fn u16_at(b: &[u8], at: usize) -> Result<u16, PacketError> {
    b.get(at..at + 2)
        .map(|x| u16::from_le_bytes([x[0], x[1]]))
        .ok_or_else(|| bad(format!("payload too short for a u16 at {at}")))
}

fn u32_at(b: &[u8], at: usize) -> Result<u32, PacketError> {
    b.get(at..at + 4)
        .map(|x| u32::from_le_bytes([x[0], x[1], x[2], x[3]]))
        .ok_or_else(|| bad(format!("payload too short for a u32 at {at}")))
}

fn exact(payload: &[u8], len: usize, what: &str) -> Result<(), PacketError> {
    if payload.len() != len {
        return Err(bad(format!(
            "{what} payload is {} bytes, expected {len}",
            payload.len()
        )));
    }
    Ok(())
}

/// Parameters after a fixed part of `fixed` bytes: a whole number of u32, at most `max`.
fn params(payload: &[u8], fixed: usize, max: usize, what: &str) -> Result<Vec<u32>, PacketError> {
    let rest = payload
        .get(fixed..)
        .ok_or_else(|| bad(format!("{what} payload shorter than {fixed} bytes")))?;
    if rest.len() % 4 != 0 || rest.len() / 4 > max {
        return Err(bad(format!(
            "{what} has {} parameter bytes (whole u32s, at most {max})",
            rest.len()
        )));
    }
    Ok(rest
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect())
}

fn guid(payload: &[u8], at: usize) -> Result<[u8; 16], PacketError> {
    let mut g = [0u8; 16];
    g.copy_from_slice(
        payload
            .get(at..at + 16)
            .ok_or_else(|| bad("payload too short for a GUID"))?,
    );
    Ok(g)
}

impl Packet {
    /// The packet type code.
    pub fn kind(&self) -> u32 {
        match self {
            Packet::InitCommandRequest { .. } => kind::INIT_COMMAND_REQUEST,
            Packet::InitCommandAck { .. } => kind::INIT_COMMAND_ACK,
            Packet::InitEventRequest { .. } => kind::INIT_EVENT_REQUEST,
            Packet::InitEventAck => kind::INIT_EVENT_ACK,
            Packet::InitFail { .. } => kind::INIT_FAIL,
            Packet::OperationRequest { .. } => kind::OPERATION_REQUEST,
            Packet::OperationResponse { .. } => kind::OPERATION_RESPONSE,
            Packet::Event { .. } => kind::EVENT,
            Packet::StartData { .. } => kind::START_DATA,
            Packet::Data { .. } => kind::DATA,
            Packet::Cancel { .. } => kind::CANCEL,
            Packet::EndData { .. } => kind::END_DATA,
            Packet::ProbeRequest => kind::PROBE_REQUEST,
            Packet::ProbeResponse => kind::PROBE_RESPONSE,
        }
    }

    /// Encodes the packet with its header.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut p = Vec::new();
        match self {
            Packet::InitCommandRequest {
                guid,
                name,
                version,
            } => {
                p.extend_from_slice(guid);
                utf16z(&mut p, name);
                p.extend_from_slice(&version.to_le_bytes());
            }
            Packet::InitCommandAck {
                connection,
                guid,
                name,
                version,
            } => {
                p.extend_from_slice(&connection.to_le_bytes());
                p.extend_from_slice(guid);
                utf16z(&mut p, name);
                p.extend_from_slice(&version.to_le_bytes());
            }
            Packet::InitEventRequest { connection } => {
                p.extend_from_slice(&connection.to_le_bytes())
            }
            Packet::InitEventAck | Packet::ProbeRequest | Packet::ProbeResponse => {}
            Packet::InitFail { reason } => p.extend_from_slice(&reason.to_le_bytes()),
            Packet::OperationRequest {
                data_phase,
                code,
                transaction,
                params,
            } => {
                p.extend_from_slice(&data_phase.to_le_bytes());
                p.extend_from_slice(&code.to_le_bytes());
                p.extend_from_slice(&transaction.to_le_bytes());
                for v in params.iter().take(MAX_PARAMS) {
                    p.extend_from_slice(&v.to_le_bytes());
                }
            }
            Packet::OperationResponse {
                code,
                transaction,
                params,
            }
            | Packet::Event {
                code,
                transaction,
                params,
            } => {
                let max = if matches!(self, Packet::Event { .. }) {
                    3
                } else {
                    MAX_PARAMS
                };
                p.extend_from_slice(&code.to_le_bytes());
                p.extend_from_slice(&transaction.to_le_bytes());
                for v in params.iter().take(max) {
                    p.extend_from_slice(&v.to_le_bytes());
                }
            }
            Packet::StartData {
                transaction,
                total_length,
            } => {
                p.extend_from_slice(&transaction.to_le_bytes());
                p.extend_from_slice(&total_length.to_le_bytes());
            }
            Packet::Data {
                transaction,
                payload,
            }
            | Packet::EndData {
                transaction,
                payload,
            } => {
                p.extend_from_slice(&transaction.to_le_bytes());
                p.extend_from_slice(payload);
            }
            Packet::Cancel { transaction } => p.extend_from_slice(&transaction.to_le_bytes()),
        }
        let mut out = Vec::with_capacity(8 + p.len());
        out.extend_from_slice(&((8 + p.len()) as u32).to_le_bytes());
        out.extend_from_slice(&self.kind().to_le_bytes());
        out.extend_from_slice(&p);
        out
    }

    /// Parses one whole packet (header included); the length field must match `bytes`.
    pub fn parse(bytes: &[u8]) -> Result<Self, PacketError> {
        let (len, ty) = parse_header(bytes)?;
        if len != bytes.len() {
            return Err(bad(format!(
                "length field says {len} bytes, {} given",
                bytes.len()
            )));
        }
        Self::parse_payload(ty, &bytes[8..])
    }

    /// Parses the payload of a packet of type `ty`.
    pub fn parse_payload(ty: u32, p: &[u8]) -> Result<Self, PacketError> {
        Ok(match ty {
            kind::INIT_COMMAND_REQUEST => {
                let guid = guid(p, 0)?;
                let (name, rest) = read_utf16z(&p[16..])?;
                exact(rest, 4, "InitCommandRequest version")?;
                Packet::InitCommandRequest {
                    guid,
                    name,
                    version: u32_at(rest, 0)?,
                }
            }
            kind::INIT_COMMAND_ACK => {
                let connection = u32_at(p, 0)?;
                let guid = guid(p, 4)?;
                let (name, rest) = read_utf16z(&p[20..])?;
                exact(rest, 4, "InitCommandAck version")?;
                Packet::InitCommandAck {
                    connection,
                    guid,
                    name,
                    version: u32_at(rest, 0)?,
                }
            }
            kind::INIT_EVENT_REQUEST => {
                exact(p, 4, "InitEventRequest")?;
                Packet::InitEventRequest {
                    connection: u32_at(p, 0)?,
                }
            }
            kind::INIT_EVENT_ACK => {
                exact(p, 0, "InitEventAck")?;
                Packet::InitEventAck
            }
            kind::INIT_FAIL => {
                exact(p, 4, "InitFail")?;
                Packet::InitFail {
                    reason: u32_at(p, 0)?,
                }
            }
            kind::OPERATION_REQUEST => {
                let data_phase = u32_at(p, 0)?;
                if !(1..=3).contains(&data_phase) {
                    return Err(bad(format!("data phase {data_phase} is not 1, 2 or 3")));
                }
                Packet::OperationRequest {
                    data_phase,
                    code: u16_at(p, 4)?,
                    transaction: u32_at(p, 6)?,
                    params: params(p, 10, MAX_PARAMS, "OperationRequest")?,
                }
            }
            kind::OPERATION_RESPONSE => Packet::OperationResponse {
                code: u16_at(p, 0)?,
                transaction: u32_at(p, 2)?,
                params: params(p, 6, MAX_PARAMS, "OperationResponse")?,
            },
            kind::EVENT => Packet::Event {
                code: u16_at(p, 0)?,
                transaction: u32_at(p, 2)?,
                params: params(p, 6, 3, "Event")?,
            },
            kind::START_DATA => {
                exact(p, 12, "StartData")?;
                let low = u32_at(p, 4)?;
                let high = u32_at(p, 8)?;
                Packet::StartData {
                    transaction: u32_at(p, 0)?,
                    total_length: u64::from(high) << 32 | u64::from(low),
                }
            }
            kind::DATA => Packet::Data {
                transaction: u32_at(p, 0)?,
                payload: p[4..].to_vec(),
            },
            kind::END_DATA => Packet::EndData {
                transaction: u32_at(p, 0)?,
                payload: p[4..].to_vec(),
            },
            kind::CANCEL => {
                exact(p, 4, "Cancel")?;
                Packet::Cancel {
                    transaction: u32_at(p, 0)?,
                }
            }
            kind::PROBE_REQUEST => {
                exact(p, 0, "ProbeRequest")?;
                Packet::ProbeRequest
            }
            kind::PROBE_RESPONSE => {
                exact(p, 0, "ProbeResponse")?;
                Packet::ProbeResponse
            }
            other => return Err(bad(format!("unknown packet type {other}"))),
        })
    }
}

/// Reads the 8-byte header: (total length, type). The length must cover the header and stay
/// within [`MAX_PACKET`].
pub fn parse_header(bytes: &[u8]) -> Result<(usize, u32), PacketError> {
    let len = u32_at(bytes, 0).map_err(|_| bad("shorter than the 8-byte header"))? as usize;
    let ty = u32_at(bytes, 4).map_err(|_| bad("shorter than the 8-byte header"))?;
    if len < 8 {
        return Err(bad(format!("length {len} is below the header's 8 bytes")));
    }
    if len > MAX_PACKET {
        return Err(bad(format!("length {len} exceeds {MAX_PACKET}")));
    }
    Ok((len, ty))
}

/// Why reading a packet from a stream failed.
#[derive(Debug)]
pub enum ReadError {
    /// The peer closed the connection cleanly before a new packet began.
    Closed,
    /// The stream failed (including a read timeout: `WouldBlock`/`TimedOut`).
    Io(io::Error),
    /// The bytes are not a valid packet.
    Malformed(PacketError),
}

impl From<io::Error> for ReadError {
    fn from(e: io::Error) -> Self {
        if e.kind() == io::ErrorKind::UnexpectedEof {
            ReadError::Io(io::Error::new(
                io::ErrorKind::ConnectionAborted,
                "connection closed mid-packet",
            ))
        } else {
            ReadError::Io(e)
        }
    }
}

/// Reads one whole packet.
pub fn read_packet(stream: &mut impl Read) -> Result<Packet, ReadError> {
    let mut header = [0u8; 8];
    let first = loop {
        match stream.read(&mut header) {
            Ok(0) => return Err(ReadError::Closed),
            Ok(n) => break n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(ReadError::Io(e)),
        }
    };
    stream.read_exact(&mut header[first..])?;
    let (len, ty) = parse_header(&header).map_err(ReadError::Malformed)?;
    let mut payload = vec![0u8; len - 8];
    stream.read_exact(&mut payload)?;
    Packet::parse_payload(ty, &payload).map_err(ReadError::Malformed)
}

/// Writes one packet.
pub fn write_packet(stream: &mut impl Write, packet: &Packet) -> io::Result<()> {
    stream.write_all(&packet.to_bytes())
}

/// The host side of a PTP/IP connection to one camera (after the init handshake).
pub struct PtpIpTransport {
    name: String,
    command: TcpStream,
    event: TcpStream,
    camera_guid: [u8; 16],
    camera_name: String,
    /// Set once the command stream is out of step; every later call fails with it.
    broken: Option<String>,
}

impl std::fmt::Debug for PtpIpTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PtpIpTransport")
            .field("name", &self.name)
            .field("camera_name", &self.camera_name)
            .finish_non_exhaustive()
    }
}

impl PtpIpTransport {
    /// Connects to the camera at `addr`: command connection, InitCommandRequest with `guid` and
    /// `friendly_name`, InitCommandAck, event connection, InitEventRequest, InitEventAck; each
    /// step within `timeout`.
    pub fn connect(
        addr: SocketAddr,
        guid: [u8; 16],
        friendly_name: &str,
        timeout: Duration,
    ) -> Result<Self, PtpError> {
        let name = format!("ptpip:{addr}");
        let io_err = |during: &str, e: io::Error| map_io(&name, during, timeout, e);
        let mut command =
            TcpStream::connect_timeout(&addr, timeout).map_err(|e| io_err("connecting", e))?;
        let _ = command.set_nodelay(true);
        set_timeouts(&command, timeout).map_err(|e| io_err("connecting", e))?;
        write_packet(
            &mut command,
            &Packet::InitCommandRequest {
                guid,
                name: friendly_name.to_string(),
                version: kind::VERSION,
            },
        )
        .map_err(|e| io_err("InitCommandRequest", e))?;
        let (connection, camera_guid, camera_name) = match read_packet(&mut command)
            .map_err(|e| map_read(&name, "InitCommandAck", timeout, e))?
        {
            Packet::InitCommandAck {
                connection,
                guid,
                name,
                ..
            } => (connection, guid, name),
            Packet::InitFail { reason } => {
                return Err(PtpError::Refused {
                    device: name,
                    detail: format!("InitFail, reason {reason}"),
                });
            }
            other => {
                return Err(protocol(
                    &name,
                    format!("expected InitCommandAck, got {other:?}"),
                ));
            }
        };
        let mut event = TcpStream::connect_timeout(&addr, timeout)
            .map_err(|e| io_err("connecting events", e))?;
        let _ = event.set_nodelay(true);
        set_timeouts(&event, timeout).map_err(|e| io_err("connecting events", e))?;
        write_packet(&mut event, &Packet::InitEventRequest { connection })
            .map_err(|e| io_err("InitEventRequest", e))?;
        match read_packet(&mut event).map_err(|e| map_read(&name, "InitEventAck", timeout, e))? {
            Packet::InitEventAck => {}
            Packet::InitFail { reason } => {
                return Err(PtpError::Refused {
                    device: name,
                    detail: format!("InitFail on the event connection, reason {reason}"),
                });
            }
            other => {
                return Err(protocol(
                    &name,
                    format!("expected InitEventAck, got {other:?}"),
                ));
            }
        }
        Ok(Self {
            name,
            command,
            event,
            camera_guid,
            camera_name,
            broken: None,
        })
    }

    /// The camera's friendly name from InitCommandAck.
    pub fn camera_name(&self) -> &str {
        &self.camera_name
    }

    /// The camera's GUID from InitCommandAck.
    pub fn camera_guid(&self) -> [u8; 16] {
        self.camera_guid
    }

    fn check(&self) -> Result<(), PtpError> {
        match &self.broken {
            Some(why) => Err(PtpError::Disconnected {
                device: self.name.clone(),
                detail: format!("connection unusable after an earlier failure: {why}"),
            }),
            None => Ok(()),
        }
    }

    fn fail(&mut self, e: PtpError) -> PtpError {
        self.broken = Some(e.to_string());
        e
    }

    fn run(
        &mut self,
        request: &Request,
        data: DataPhase<'_>,
        timeout: Duration,
    ) -> Result<Transaction, PtpError> {
        set_timeouts(&self.command, timeout)
            .map_err(|e| map_io(&self.name, "setting timeouts", timeout, e))?;
        let during = format!("operation 0x{:04X}", request.code);
        let tid = request.transaction;
        let mut out = Packet::OperationRequest {
            data_phase: if matches!(data, DataPhase::Out(_)) {
                2
            } else {
                1
            },
            code: request.code,
            transaction: tid,
            params: request.params.clone(),
        }
        .to_bytes();
        if let DataPhase::Out(bytes) = data {
            encode_data_phase(&mut out, tid, bytes);
        }
        self.command
            .write_all(&out)
            .map_err(|e| map_io(&self.name, &during, timeout, e))?;

        let mut expected: Option<u64> = None;
        let mut received = Vec::new();
        let mut ended = false;
        loop {
            let packet = read_packet(&mut self.command)
                .map_err(|e| map_read(&self.name, &during, timeout, e))?;
            let packet_tid = match &packet {
                Packet::StartData { transaction, .. }
                | Packet::Data { transaction, .. }
                | Packet::EndData { transaction, .. }
                | Packet::OperationResponse { transaction, .. } => *transaction,
                other => {
                    return Err(protocol(
                        &self.name,
                        format!("{during}: unexpected {other:?}"),
                    ));
                }
            };
            if packet_tid != tid {
                return Err(protocol(
                    &self.name,
                    format!("{during}: packet for transaction {packet_tid}, expected {tid}"),
                ));
            }
            match packet {
                Packet::StartData { total_length, .. } => {
                    if !matches!(data, DataPhase::In) || expected.is_some() {
                        return Err(protocol(
                            &self.name,
                            format!("{during}: unexpected data phase"),
                        ));
                    }
                    if total_length > MAX_PACKET as u64 * 16 {
                        return Err(protocol(
                            &self.name,
                            format!("{during}: {total_length} bytes announced"),
                        ));
                    }
                    expected = Some(total_length);
                }
                Packet::Data { ref payload, .. } | Packet::EndData { ref payload, .. } => {
                    let Some(total) = expected else {
                        return Err(protocol(
                            &self.name,
                            format!("{during}: data before StartData"),
                        ));
                    };
                    if ended {
                        return Err(protocol(
                            &self.name,
                            format!("{during}: data after EndData"),
                        ));
                    }
                    if received.len() as u64 + payload.len() as u64 > total {
                        return Err(protocol(
                            &self.name,
                            format!("{during}: more data than the {total} bytes announced"),
                        ));
                    }
                    received.extend_from_slice(payload);
                    ended = matches!(packet, Packet::EndData { .. });
                }
                Packet::OperationResponse { code, params, .. } => {
                    if let Some(total) = expected
                        && received.len() as u64 != total
                    {
                        return Err(protocol(
                            &self.name,
                            format!(
                                "{during}: {} of {total} data bytes before the response",
                                received.len()
                            ),
                        ));
                    }
                    return Ok(Transaction {
                        response: Response {
                            code,
                            transaction: tid,
                            params,
                        },
                        data: received,
                    });
                }
                _ => {}
            }
        }
    }
}

fn set_timeouts(stream: &TcpStream, timeout: Duration) -> io::Result<()> {
    let t = Some(timeout.max(Duration::from_millis(1)));
    stream.set_read_timeout(t)?;
    stream.set_write_timeout(t)
}

fn protocol(device: &str, detail: String) -> PtpError {
    PtpError::Protocol {
        device: device.to_string(),
        detail,
    }
}

fn map_io(device: &str, during: &str, waited: Duration, e: io::Error) -> PtpError {
    match e.kind() {
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => PtpError::Timeout {
            device: device.to_string(),
            waited,
            during: during.to_string(),
        },
        _ => PtpError::Disconnected {
            device: device.to_string(),
            detail: format!("{during}: {e}"),
        },
    }
}

fn map_read(device: &str, during: &str, waited: Duration, e: ReadError) -> PtpError {
    match e {
        ReadError::Closed => PtpError::Disconnected {
            device: device.to_string(),
            detail: format!("{during}: the camera closed the connection"),
        },
        ReadError::Io(e) => map_io(device, during, waited, e),
        ReadError::Malformed(e) => protocol(device, format!("{during}: {e}")),
    }
}

impl PtpTransport for PtpIpTransport {
    fn name(&self) -> &str {
        &self.name
    }

    fn transact(
        &mut self,
        request: &Request,
        data: DataPhase<'_>,
        timeout: Duration,
    ) -> Result<Transaction, PtpError> {
        self.check()?;
        // Refused before anything is sent, so the stream stays in step.
        if request.params.len() > MAX_PARAMS {
            return Err(protocol(
                &self.name,
                format!("{} parameters, at most {MAX_PARAMS}", request.params.len()),
            ));
        }
        self.run(request, data, timeout).map_err(|e| self.fail(e))
    }

    fn poll_event(&mut self, wait: Duration) -> Result<Option<Event>, PtpError> {
        self.check()?;
        let deadline = Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            self.event
                .set_read_timeout(Some(left.max(Duration::from_millis(1))))
                .map_err(|e| map_io(&self.name, "event wait", wait, e))?;
            let mut probe = [0u8; 1];
            match self.event.peek(&mut probe) {
                Ok(0) => {
                    return Err(self.fail(PtpError::Disconnected {
                        device: self.name.clone(),
                        detail: "the camera closed the event connection".into(),
                    }));
                }
                Ok(_) => {}
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    return Ok(None);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(self.fail(map_io(&self.name, "event wait", wait, e))),
            }
            // A packet has begun: the rest follows promptly.
            let _ = self.event.set_read_timeout(Some(Duration::from_secs(5)));
            match read_packet(&mut self.event) {
                Ok(Packet::Event {
                    code,
                    transaction,
                    params,
                }) => {
                    return Ok(Some(Event {
                        code,
                        transaction,
                        params,
                    }));
                }
                Ok(Packet::ProbeRequest) => {
                    write_packet(&mut self.event, &Packet::ProbeResponse)
                        .map_err(|e| map_io(&self.name, "probe response", wait, e))?;
                }
                Ok(other) => {
                    return Err(self.fail(protocol(
                        &self.name,
                        format!("unexpected {other:?} on the event connection"),
                    )));
                }
                Err(e) => return Err(self.fail(map_read(&self.name, "reading an event", wait, e))),
            }
            if Instant::now() >= deadline {
                return Ok(None);
            }
        }
    }
}

#[cfg(test)]
mod tests;
