//! The USB still-image class "generic container" (PIMA 15740 USB transport, as libgphoto2's
//! `camlibs/ptp2/usb.c` sends and reads it): every command, data phase, response and event
//! travels as
//!
//! `u32 length | u16 type | u16 code | u32 transaction | payload`, little-endian,
//!
//! where `length` counts the whole container (12-byte header included) and `type` is 1 command,
//! 2 data, 3 response, 4 event. Commands, responses and events carry their parameters as u32s in
//! the payload (at most five; three for events); a data container carries the data phase.
//!
//! A data container can be larger than one bulk transfer: its header comes first, in the first
//! transfer, and the rest follows in further transfers until `length` bytes have arrived (a
//! transfer that fills the host's buffer, a multiple of the endpoint's max packet size, does not
//! end it; a short one does). [`Header::parse`] reads the header alone for that case.
//!
//! Contract: [`Container::parse`] is strict and never panics: the stated length must equal the
//! bytes given, the type must be 1-4, and a non-data container must hold whole u32 parameters
//! within its limit; anything else is a [`ContainerError`]. [`Container::to_bytes`] writes what
//! `parse` reads back unchanged.

use super::{Event, MAX_PARAMS, Request, Response};

/// Size of the container header.
pub const HEADER_LEN: usize = 12;
/// Most parameters an event carries.
pub const MAX_EVENT_PARAMS: usize = 3;

/// What a container carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An operation request (host to device).
    Command,
    /// A data phase, either direction.
    Data,
    /// The device's response.
    Response,
    /// An event (device to host, on the interrupt pipe).
    Event,
}

impl Kind {
    /// The wire value.
    pub fn code(self) -> u16 {
        match self {
            Kind::Command => 1,
            Kind::Data => 2,
            Kind::Response => 3,
            Kind::Event => 4,
        }
    }

    /// Reads a wire value.
    pub fn from_code(code: u16) -> Option<Self> {
        Some(match code {
            1 => Kind::Command,
            2 => Kind::Data,
            3 => Kind::Response,
            4 => Kind::Event,
            _ => return None,
        })
    }

    fn max_params(self) -> usize {
        match self {
            Kind::Event => MAX_EVENT_PARAMS,
            _ => MAX_PARAMS,
        }
    }
}

/// Why bytes are not a valid container.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContainerError {
    /// Fewer than 12 bytes.
    #[error("a PTP container needs a 12-byte header, got {0} byte(s)")]
    TooShort(usize),
    /// The header's length disagrees with the bytes given.
    #[error("the PTP container states {stated} byte(s) but {actual} arrived")]
    LengthMismatch {
        /// The length field.
        stated: u32,
        /// Bytes present.
        actual: usize,
    },
    /// The length field is below the header size.
    #[error("the PTP container states a length of {0}, less than its own 12-byte header")]
    LengthBelowHeader(u32),
    /// Type not 1-4.
    #[error("unknown PTP container type {0} (1 command, 2 data, 3 response, 4 event)")]
    UnknownType(u16),
    /// Parameters not whole u32s, or too many.
    #[error(
        "a PTP {kind:?} container holds {payload} payload byte(s): not up to {max} u32 parameters"
    )]
    BadParams {
        /// The container type.
        kind: Kind,
        /// Payload bytes.
        payload: usize,
        /// Most parameters allowed.
        max: usize,
    },
    /// A payload too large for the u32 length field.
    #[error("a PTP container payload of {0} byte(s) does not fit the 32-bit length field")]
    TooLarge(usize),
}

/// The 12-byte header, read on its own (the first transfer of a long data phase).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// Whole container length, header included.
    pub length: u32,
    /// Type.
    pub kind: Kind,
    /// Operation, response or event code.
    pub code: u16,
    /// Transaction id.
    pub transaction: u32,
}

impl Header {
    /// Reads the header at the start of `bytes` (which may hold more, or less, than the
    /// container); checks the type and that the length covers the header.
    pub fn parse(bytes: &[u8]) -> Result<Self, ContainerError> {
        let Some(head) = bytes.get(..HEADER_LEN) else {
            return Err(ContainerError::TooShort(bytes.len()));
        };
        let length = u32::from_le_bytes([head[0], head[1], head[2], head[3]]);
        let kind_code = u16::from_le_bytes([head[4], head[5]]);
        let code = u16::from_le_bytes([head[6], head[7]]);
        let transaction = u32::from_le_bytes([head[8], head[9], head[10], head[11]]);
        let kind = Kind::from_code(kind_code).ok_or(ContainerError::UnknownType(kind_code))?;
        if (length as usize) < HEADER_LEN {
            return Err(ContainerError::LengthBelowHeader(length));
        }
        Ok(Header {
            length,
            kind,
            code,
            transaction,
        })
    }
}

/// One container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Container {
    /// Type.
    pub kind: Kind,
    /// Operation, response or event code (a data container repeats its operation's code).
    pub code: u16,
    /// Transaction id.
    pub transaction: u32,
    /// Parameters (command, response, event) or data.
    pub payload: Vec<u8>,
}

impl Container {
    /// Reads exactly one container from `bytes`.
    pub fn parse(bytes: &[u8]) -> Result<Self, ContainerError> {
        let header = Header::parse(bytes)?;
        if header.length as usize != bytes.len() {
            return Err(ContainerError::LengthMismatch {
                stated: header.length,
                actual: bytes.len(),
            });
        }
        let payload = &bytes[HEADER_LEN..];
        if header.kind != Kind::Data {
            let max = header.kind.max_params();
            if !payload.len().is_multiple_of(4) || payload.len() / 4 > max {
                return Err(ContainerError::BadParams {
                    kind: header.kind,
                    payload: payload.len(),
                    max,
                });
            }
        }
        Ok(Container {
            kind: header.kind,
            code: header.code,
            transaction: header.transaction,
            payload: payload.to_vec(),
        })
    }

    /// The container as it goes on the wire.
    pub fn to_bytes(&self) -> Result<Vec<u8>, ContainerError> {
        let length = u32::try_from(HEADER_LEN + self.payload.len())
            .map_err(|_| ContainerError::TooLarge(self.payload.len()))?;
        let mut out = Vec::with_capacity(HEADER_LEN + self.payload.len());
        out.extend_from_slice(&length.to_le_bytes());
        out.extend_from_slice(&self.kind.code().to_le_bytes());
        out.extend_from_slice(&self.code.to_le_bytes());
        out.extend_from_slice(&self.transaction.to_le_bytes());
        out.extend_from_slice(&self.payload);
        Ok(out)
    }

    /// The payload read as u32 parameters (a trailing partial word is ignored; `parse` has
    /// refused it for non-data containers).
    pub fn params(&self) -> Vec<u32> {
        self.payload
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect()
    }

    /// A command container for `request` (extra parameters beyond five are an error).
    pub fn command(request: &Request) -> Result<Self, ContainerError> {
        with_params(
            Kind::Command,
            request.code,
            request.transaction,
            &request.params,
        )
    }

    /// A response container for `response`.
    pub fn response(response: &Response) -> Result<Self, ContainerError> {
        with_params(
            Kind::Response,
            response.code,
            response.transaction,
            &response.params,
        )
    }

    /// An event container for `event`.
    pub fn event(event: &Event) -> Result<Self, ContainerError> {
        with_params(Kind::Event, event.code, event.transaction, &event.params)
    }

    /// A data container of operation `code` in `transaction`.
    pub fn data(code: u16, transaction: u32, data: &[u8]) -> Self {
        Container {
            kind: Kind::Data,
            code,
            transaction,
            payload: data.to_vec(),
        }
    }

    /// The request a command container holds.
    pub fn to_request(&self) -> Request {
        Request {
            code: self.code,
            transaction: self.transaction,
            params: self.params(),
        }
    }

    /// The response a response container holds.
    pub fn to_response(&self) -> Response {
        Response {
            code: self.code,
            transaction: self.transaction,
            params: self.params(),
        }
    }

    /// The event an event container holds.
    pub fn to_event(&self) -> Event {
        Event {
            code: self.code,
            transaction: self.transaction,
            params: self.params(),
        }
    }
}

fn with_params(
    kind: Kind,
    code: u16,
    transaction: u32,
    params: &[u32],
) -> Result<Container, ContainerError> {
    let max = kind.max_params();
    if params.len() > max {
        return Err(ContainerError::BadParams {
            kind,
            payload: params.len() * 4,
            max,
        });
    }
    Ok(Container {
        kind,
        code,
        transaction,
        payload: params.iter().flat_map(|p| p.to_le_bytes()).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_open_session_command_is_sixteen_bytes_little_endian() {
        let c = Container::command(&Request {
            code: 0x1002,
            transaction: 0,
            params: vec![1],
        })
        .unwrap();
        assert_eq!(
            c.to_bytes().unwrap(),
            [16, 0, 0, 0, 1, 0, 0x02, 0x10, 0, 0, 0, 0, 1, 0, 0, 0]
        );
    }

    #[test]
    fn every_kind_round_trips() {
        for c in [
            Container::command(&Request {
                code: 0x1001,
                transaction: 7,
                params: vec![],
            })
            .unwrap(),
            Container::data(0x1009, 9, b"\xff\xd8jpeg"),
            Container::response(&Response {
                code: 0x2019,
                transaction: 9,
                params: vec![1, 2, 3, 4, 5],
            })
            .unwrap(),
            Container::event(&Event {
                code: 0x4002,
                transaction: 0xFFFF_FFFF,
                params: vec![0x1234],
            })
            .unwrap(),
        ] {
            assert_eq!(Container::parse(&c.to_bytes().unwrap()).unwrap(), c);
        }
    }

    #[test]
    fn a_length_that_disagrees_with_the_bytes_is_refused() {
        let mut bytes = Container::data(0x1009, 1, b"abcd").to_bytes().unwrap();
        bytes.push(0);
        assert_eq!(
            Container::parse(&bytes),
            Err(ContainerError::LengthMismatch {
                stated: 16,
                actual: 17
            })
        );
        assert_eq!(
            Container::parse(&bytes[..15]),
            Err(ContainerError::LengthMismatch {
                stated: 16,
                actual: 15
            })
        );
    }

    #[test]
    fn short_headers_unknown_types_and_tiny_lengths_are_refused() {
        assert_eq!(
            Container::parse(&[1, 2, 3]),
            Err(ContainerError::TooShort(3))
        );
        let mut bytes = Container::data(1, 1, &[]).to_bytes().unwrap();
        bytes[4] = 5;
        assert_eq!(
            Container::parse(&bytes),
            Err(ContainerError::UnknownType(5))
        );
        bytes[4] = 2;
        bytes[0] = 4;
        assert_eq!(
            Container::parse(&bytes),
            Err(ContainerError::LengthBelowHeader(4))
        );
    }

    #[test]
    fn a_response_with_half_a_parameter_or_six_parameters_is_refused() {
        let mut half = Container::response(&Response {
            code: 0x2001,
            transaction: 1,
            params: vec![],
        })
        .unwrap();
        half.payload = vec![1, 2];
        let bytes = half.to_bytes().unwrap();
        assert!(matches!(
            Container::parse(&bytes),
            Err(ContainerError::BadParams { payload: 2, .. })
        ));
        half.payload = vec![0; 24];
        assert!(matches!(
            Container::parse(&half.to_bytes().unwrap()),
            Err(ContainerError::BadParams { max: 5, .. })
        ));
    }

    #[test]
    fn an_event_carries_at_most_three_parameters() {
        let four = Event {
            code: 0x4002,
            transaction: 0,
            params: vec![1, 2, 3, 4],
        };
        assert!(Container::event(&four).is_err());
    }

    #[test]
    fn the_header_of_a_long_data_phase_reads_from_its_first_transfer() {
        let bytes = Container::data(0x1009, 3, &[7; 1000]).to_bytes().unwrap();
        let h = Header::parse(&bytes[..512]).unwrap();
        assert_eq!(
            (h.length, h.kind, h.code, h.transaction),
            (1012, Kind::Data, 0x1009, 3)
        );
        assert!(Container::parse(&bytes[..512]).is_err());
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_bytes_parse_or_fail_without_panicking(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64)) {
            if let Ok(c) = Container::parse(&bytes) {
                proptest::prop_assert_eq!(c.to_bytes().unwrap(), bytes);
            }
        }
    }
}
