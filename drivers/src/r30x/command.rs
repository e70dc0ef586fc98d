//! One type per R30x instruction: `to_bytes` frames it, `parse_response` checks and decodes the
//! acknowledgement payload completely (a reply of the wrong length is rejected, not truncated).
//!
//! Contract: confirmation codes that are ordinary outcomes (no finger, no match, not found) are
//! values of the response type; every other non-zero code is `ResponseError::Module`.

use super::code::Confirmation;
use super::packet::{Packet, Pid};

/// Why an acknowledgement payload was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResponseError {
    /// The payload is empty: no confirmation code.
    #[error("empty acknowledgement")]
    Empty,
    /// The module refused.
    #[error("{0}")]
    Module(Confirmation),
    /// The payload after the confirmation code has the wrong length.
    #[error("acknowledgement carries {actual} data byte(s), expected {expected}")]
    Length {
        /// Expected data bytes (after the confirmation code).
        expected: usize,
        /// Data bytes present.
        actual: usize,
    },
}

/// An instruction to the module.
pub trait Command: Sized {
    /// Instruction code.
    const CODE: u8;
    /// Name as in the manual, for messages.
    const NAME: &'static str;
    /// What a successful acknowledgement carries.
    type Response;

    /// Parameters after the instruction code.
    fn params(&self) -> Vec<u8>;

    /// Decodes the parameters (module side); `None` if they do not fit the instruction.
    fn from_params(params: &[u8]) -> Option<Self>;

    /// Decodes an acknowledgement payload.
    fn parse_response(payload: &[u8]) -> Result<Self::Response, ResponseError>;

    /// The command frame for the module at `address`.
    fn to_bytes(&self, address: u32) -> Vec<u8> {
        let mut payload = vec![Self::CODE];
        payload.extend(self.params());
        // Every instruction's parameters are a few bytes, far below the frame limit.
        Packet {
            address,
            pid: Pid::Command,
            payload,
        }
        .to_bytes()
    }
}

/// Splits off the confirmation code; a non-OK code is an error; the rest must be `len` bytes.
fn confirmed(payload: &[u8], len: usize) -> Result<&[u8], ResponseError> {
    let (&code, rest) = payload.split_first().ok_or(ResponseError::Empty)?;
    match Confirmation::from_u8(code) {
        Confirmation::Ok if rest.len() == len => Ok(rest),
        Confirmation::Ok => Err(ResponseError::Length {
            expected: len,
            actual: rest.len(),
        }),
        other => Err(ResponseError::Module(other)),
    }
}

fn exact<const N: usize>(params: &[u8]) -> Option<[u8; N]> {
    params.try_into().ok()
}

fn be16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

/// Character buffer 1 or 2, where features and templates are built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CharBuffer {
    /// Buffer 1.
    One = 1,
    /// Buffer 2.
    Two = 2,
}

impl CharBuffer {
    /// The buffer with wire value `byte`.
    pub fn from_u8(byte: u8) -> Option<CharBuffer> {
        match byte {
            1 => Some(CharBuffer::One),
            2 => Some(CharBuffer::Two),
            _ => None,
        }
    }
}

macro_rules! unit_command {
    ($(#[$doc:meta])* $name:ident, $code:expr, $text:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct $name;

        impl Command for $name {
            const CODE: u8 = $code;
            const NAME: &'static str = $text;
            type Response = ();

            fn params(&self) -> Vec<u8> {
                Vec::new()
            }

            fn from_params(params: &[u8]) -> Option<Self> {
                params.is_empty().then_some($name)
            }

            fn parse_response(payload: &[u8]) -> Result<(), ResponseError> {
                confirmed(payload, 0).map(|_| ())
            }
        }
    };
}

unit_command!(
    /// 40: checks that the module is alive.
    HandShake, 0x40, "HandShake"
);
unit_command!(
    /// 0A: sends the image buffer to the host in data packets (4 bits per pixel).
    UpImage, 0x0A, "UpImage"
);
unit_command!(
    /// 05: merges both character buffers into one template (stored in both).
    RegModel, 0x05, "RegModel"
);
unit_command!(
    /// 0D: deletes every template in the library.
    Empty, 0x0D, "Empty"
);

/// Whether GenImg found a finger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capture {
    /// An image is in the image buffer.
    Captured,
    /// Nothing on the sensor.
    NoFinger,
}

/// 01: captures an image into the image buffer if a finger is present.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GenImg;

impl Command for GenImg {
    const CODE: u8 = 0x01;
    const NAME: &'static str = "GenImg";
    type Response = Capture;

    fn params(&self) -> Vec<u8> {
        Vec::new()
    }

    fn from_params(params: &[u8]) -> Option<Self> {
        params.is_empty().then_some(GenImg)
    }

    fn parse_response(payload: &[u8]) -> Result<Capture, ResponseError> {
        match confirmed(payload, 0) {
            Ok(_) => Ok(Capture::Captured),
            Err(ResponseError::Module(Confirmation::NoFinger)) if payload.len() == 1 => {
                Ok(Capture::NoFinger)
            }
            Err(e) => Err(e),
        }
    }
}

/// 13: verifies the password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VfyPwd {
    /// The module password (factory default 0).
    pub password: u32,
}

impl Command for VfyPwd {
    const CODE: u8 = 0x13;
    const NAME: &'static str = "VfyPwd";
    type Response = ();

    fn params(&self) -> Vec<u8> {
        self.password.to_be_bytes().to_vec()
    }

    fn from_params(params: &[u8]) -> Option<Self> {
        exact::<4>(params).map(|b| VfyPwd {
            password: u32::from_be_bytes(b),
        })
    }

    fn parse_response(payload: &[u8]) -> Result<(), ResponseError> {
        confirmed(payload, 0).map(|_| ())
    }
}

/// The 16-byte system parameter block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SysPara {
    /// Status register: bit 0 busy, 1 matched, 2 password verified, 3 image buffer valid.
    pub status: u16,
    /// System identifier.
    pub system_id: u16,
    /// Template library capacity.
    pub library_size: u16,
    /// Security level 1-5.
    pub security_level: u16,
    /// Module address.
    pub address: u32,
    /// Data packet size code: 0 = 32, 1 = 64, 2 = 128, 3 = 256 bytes.
    pub packet_size_code: u16,
    /// Baud rate divided by 9600.
    pub baud_multiplier: u16,
}

impl SysPara {
    /// Data packet payload size in bytes, if the code is valid.
    pub fn packet_size(&self) -> Option<usize> {
        (self.packet_size_code <= 3).then(|| 32usize << self.packet_size_code)
    }

    /// The 16 bytes on the wire.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(16);
        for v in [
            self.status,
            self.system_id,
            self.library_size,
            self.security_level,
        ] {
            out.extend_from_slice(&v.to_be_bytes());
        }
        out.extend_from_slice(&self.address.to_be_bytes());
        out.extend_from_slice(&self.packet_size_code.to_be_bytes());
        out.extend_from_slice(&self.baud_multiplier.to_be_bytes());
        out
    }
}

/// 0F: reads the system parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadSysPara;

impl Command for ReadSysPara {
    const CODE: u8 = 0x0F;
    const NAME: &'static str = "ReadSysPara";
    type Response = SysPara;

    fn params(&self) -> Vec<u8> {
        Vec::new()
    }

    fn from_params(params: &[u8]) -> Option<Self> {
        params.is_empty().then_some(ReadSysPara)
    }

    fn parse_response(payload: &[u8]) -> Result<SysPara, ResponseError> {
        let b = confirmed(payload, 16)?;
        Ok(SysPara {
            status: be16(b, 0),
            system_id: be16(b, 2),
            library_size: be16(b, 4),
            security_level: be16(b, 6),
            address: u32::from_be_bytes([b[8], b[9], b[10], b[11]]),
            packet_size_code: be16(b, 12),
            baud_multiplier: be16(b, 14),
        })
    }
}

/// Product information (R50x and later firmwares).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProdInfo {
    /// Module model, e.g. "R307".
    pub model: String,
    /// Batch number.
    pub batch: String,
    /// Serial number.
    pub serial: String,
    /// Hardware version, main and sub.
    pub hardware_version: (u8, u8),
    /// Sensor model.
    pub sensor: String,
    /// Image width in pixels.
    pub width: u16,
    /// Image height in pixels.
    pub height: u16,
    /// Template size in bytes.
    pub template_size: u16,
    /// Library capacity.
    pub library_size: u16,
}

fn ascii_field(bytes: &[u8], len: usize) -> Vec<u8> {
    let mut out = bytes.to_vec();
    out.resize(len, 0);
    out.truncate(len);
    out
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes)
        .trim_matches(|c: char| c == '\0' || c.is_whitespace())
        .to_owned()
}

impl ProdInfo {
    /// The 46 bytes on the wire (text fields NUL-padded or cut to size).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = ascii_field(self.model.as_bytes(), 16);
        out.extend(ascii_field(self.batch.as_bytes(), 4));
        out.extend(ascii_field(self.serial.as_bytes(), 8));
        out.extend([self.hardware_version.0, self.hardware_version.1]);
        out.extend(ascii_field(self.sensor.as_bytes(), 8));
        for v in [
            self.width,
            self.height,
            self.template_size,
            self.library_size,
        ] {
            out.extend_from_slice(&v.to_be_bytes());
        }
        out
    }
}

/// 3C: reads product information.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadProdInfo;

impl Command for ReadProdInfo {
    const CODE: u8 = 0x3C;
    const NAME: &'static str = "ReadProdInfo";
    type Response = ProdInfo;

    fn params(&self) -> Vec<u8> {
        Vec::new()
    }

    fn from_params(params: &[u8]) -> Option<Self> {
        params.is_empty().then_some(ReadProdInfo)
    }

    fn parse_response(payload: &[u8]) -> Result<ProdInfo, ResponseError> {
        // Some firmwares append 4 reserved bytes.
        let b = match confirmed(payload, 46) {
            Err(ResponseError::Length { actual: 50, .. }) => &payload[1..47],
            other => other?,
        };
        Ok(ProdInfo {
            model: text(&b[0..16]),
            batch: text(&b[16..20]),
            serial: text(&b[20..28]),
            hardware_version: (b[28], b[29]),
            sensor: text(&b[30..38]),
            width: be16(b, 38),
            height: be16(b, 40),
            template_size: be16(b, 42),
            library_size: be16(b, 44),
        })
    }
}

/// 02: extracts features from the image buffer into a character buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Img2Tz {
    /// Destination.
    pub buffer: CharBuffer,
}

impl Command for Img2Tz {
    const CODE: u8 = 0x02;
    const NAME: &'static str = "Img2Tz";
    type Response = ();

    fn params(&self) -> Vec<u8> {
        vec![self.buffer as u8]
    }

    fn from_params(params: &[u8]) -> Option<Self> {
        let [b] = exact::<1>(params)?;
        Some(Img2Tz {
            buffer: CharBuffer::from_u8(b)?,
        })
    }

    fn parse_response(payload: &[u8]) -> Result<(), ResponseError> {
        confirmed(payload, 0).map(|_| ())
    }
}

/// 03: compares the two character buffers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Match;

impl Command for Match {
    const CODE: u8 = 0x03;
    const NAME: &'static str = "Match";
    /// The score, or `None` when they do not match.
    type Response = Option<u16>;

    fn params(&self) -> Vec<u8> {
        Vec::new()
    }

    fn from_params(params: &[u8]) -> Option<Self> {
        params.is_empty().then_some(Match)
    }

    fn parse_response(payload: &[u8]) -> Result<Option<u16>, ResponseError> {
        match confirmed(payload, 2) {
            Ok(b) => Ok(Some(be16(b, 0))),
            // Modules send the score field (zero) with the refusal too.
            Err(ResponseError::Module(Confirmation::NoMatch)) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// Where Search found the finger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SearchHit {
    /// Library page of the template.
    pub page: u16,
    /// Match score.
    pub score: u16,
}

/// 04: searches the library for the features in a character buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Search {
    /// Features to look for.
    pub buffer: CharBuffer,
    /// First page.
    pub start: u16,
    /// Number of pages.
    pub count: u16,
}

impl Command for Search {
    const CODE: u8 = 0x04;
    const NAME: &'static str = "Search";
    type Response = Option<SearchHit>;

    fn params(&self) -> Vec<u8> {
        let mut p = vec![self.buffer as u8];
        p.extend_from_slice(&self.start.to_be_bytes());
        p.extend_from_slice(&self.count.to_be_bytes());
        p
    }

    fn from_params(params: &[u8]) -> Option<Self> {
        let b = exact::<5>(params)?;
        Some(Search {
            buffer: CharBuffer::from_u8(b[0])?,
            start: be16(&b, 1),
            count: be16(&b, 3),
        })
    }

    fn parse_response(payload: &[u8]) -> Result<Option<SearchHit>, ResponseError> {
        match confirmed(payload, 4) {
            Ok(b) => Ok(Some(SearchHit {
                page: be16(b, 0),
                score: be16(b, 2),
            })),
            Err(ResponseError::Module(Confirmation::NotFound)) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

macro_rules! buffer_page_command {
    ($(#[$doc:meta])* $name:ident, $code:expr, $text:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct $name {
            /// Character buffer.
            pub buffer: CharBuffer,
            /// Library page.
            pub page: u16,
        }

        impl Command for $name {
            const CODE: u8 = $code;
            const NAME: &'static str = $text;
            type Response = ();

            fn params(&self) -> Vec<u8> {
                let mut p = vec![self.buffer as u8];
                p.extend_from_slice(&self.page.to_be_bytes());
                p
            }

            fn from_params(params: &[u8]) -> Option<Self> {
                let b = exact::<3>(params)?;
                Some($name {
                    buffer: CharBuffer::from_u8(b[0])?,
                    page: be16(&b, 1),
                })
            }

            fn parse_response(payload: &[u8]) -> Result<(), ResponseError> {
                confirmed(payload, 0).map(|_| ())
            }
        }
    };
}

buffer_page_command!(
    /// 06: stores a character buffer's template at a library page.
    Store, 0x06, "Store"
);
buffer_page_command!(
    /// 07: loads the template at a library page into a character buffer.
    LoadChar, 0x07, "LoadChar"
);

macro_rules! buffer_command {
    ($(#[$doc:meta])* $name:ident, $code:expr, $text:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct $name {
            /// Character buffer.
            pub buffer: CharBuffer,
        }

        impl Command for $name {
            const CODE: u8 = $code;
            const NAME: &'static str = $text;
            type Response = ();

            fn params(&self) -> Vec<u8> {
                vec![self.buffer as u8]
            }

            fn from_params(params: &[u8]) -> Option<Self> {
                let [b] = exact::<1>(params)?;
                Some($name {
                    buffer: CharBuffer::from_u8(b)?,
                })
            }

            fn parse_response(payload: &[u8]) -> Result<(), ResponseError> {
                confirmed(payload, 0).map(|_| ())
            }
        }
    };
}

buffer_command!(
    /// 08: sends a character buffer to the host in data packets.
    UpChar, 0x08, "UpChar"
);
buffer_command!(
    /// 09: receives a character buffer from the host in data packets.
    DownChar, 0x09, "DownChar"
);

/// 0C: deletes `count` templates from `page` on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeletChar {
    /// First page.
    pub page: u16,
    /// How many.
    pub count: u16,
}

impl Command for DeletChar {
    const CODE: u8 = 0x0C;
    const NAME: &'static str = "DeletChar";
    type Response = ();

    fn params(&self) -> Vec<u8> {
        let mut p = self.page.to_be_bytes().to_vec();
        p.extend_from_slice(&self.count.to_be_bytes());
        p
    }

    fn from_params(params: &[u8]) -> Option<Self> {
        let b = exact::<4>(params)?;
        Some(DeletChar {
            page: be16(&b, 0),
            count: be16(&b, 2),
        })
    }

    fn parse_response(payload: &[u8]) -> Result<(), ResponseError> {
        confirmed(payload, 0).map(|_| ())
    }
}

/// 0E: sets a system register (4 baud multiplier, 5 security level, 6 packet size code).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SetSysPara {
    /// Register number.
    pub register: u8,
    /// New value.
    pub value: u8,
}

impl Command for SetSysPara {
    const CODE: u8 = 0x0E;
    const NAME: &'static str = "SetSysPara";
    type Response = ();

    fn params(&self) -> Vec<u8> {
        vec![self.register, self.value]
    }

    fn from_params(params: &[u8]) -> Option<Self> {
        let [register, value] = exact::<2>(params)?;
        Some(SetSysPara { register, value })
    }

    fn parse_response(payload: &[u8]) -> Result<(), ResponseError> {
        confirmed(payload, 0).map(|_| ())
    }
}

/// 1D: counts the templates in the library.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TemplateNum;

impl Command for TemplateNum {
    const CODE: u8 = 0x1D;
    const NAME: &'static str = "TemplateNum";
    type Response = u16;

    fn params(&self) -> Vec<u8> {
        Vec::new()
    }

    fn from_params(params: &[u8]) -> Option<Self> {
        params.is_empty().then_some(TemplateNum)
    }

    fn parse_response(payload: &[u8]) -> Result<u16, ResponseError> {
        confirmed(payload, 2).map(|b| be16(b, 0))
    }
}

/// 1F: reads which of 256 library pages in an index page (0-3) are used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadIndexTable {
    /// Index page: pages 256*index to 256*index+255.
    pub index: u8,
}

impl Command for ReadIndexTable {
    const CODE: u8 = 0x1F;
    const NAME: &'static str = "ReadIndexTable";
    /// Bit `p` of byte `i` is set when page `256*index + 8*i + p` holds a template.
    type Response = [u8; 32];

    fn params(&self) -> Vec<u8> {
        vec![self.index]
    }

    fn from_params(params: &[u8]) -> Option<Self> {
        let [index] = exact::<1>(params)?;
        Some(ReadIndexTable { index })
    }

    fn parse_response(payload: &[u8]) -> Result<[u8; 32], ResponseError> {
        let b = confirmed(payload, 32)?;
        let mut out = [0u8; 32];
        out.copy_from_slice(b);
        Ok(out)
    }
}

/// Aura LED effect (R503 ring).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LedEffect {
    /// Breathing.
    Breathing = 1,
    /// Flashing.
    Flashing = 2,
    /// Steady on.
    On = 3,
    /// Off.
    Off = 4,
    /// Fade in.
    FadeIn = 5,
    /// Fade out.
    FadeOut = 6,
}

/// Aura LED colour (1-3 on every R503; 4-7 on later firmwares).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LedColour {
    /// Red.
    Red = 1,
    /// Blue.
    Blue = 2,
    /// Purple.
    Purple = 3,
    /// Green.
    Green = 4,
    /// Yellow.
    Yellow = 5,
    /// Cyan.
    Cyan = 6,
    /// White.
    White = 7,
}

/// 35: sets the LED ring.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuraLedConfig {
    /// Effect.
    pub effect: LedEffect,
    /// Speed, 0 fastest.
    pub speed: u8,
    /// Colour.
    pub colour: LedColour,
    /// Repetitions for breathing and flashing, 0 = forever.
    pub cycles: u8,
}

impl Command for AuraLedConfig {
    const CODE: u8 = 0x35;
    const NAME: &'static str = "AuraLedConfig";
    type Response = ();

    fn params(&self) -> Vec<u8> {
        vec![
            self.effect as u8,
            self.speed,
            self.colour as u8,
            self.cycles,
        ]
    }

    fn from_params(params: &[u8]) -> Option<Self> {
        use LedColour as C;
        use LedEffect as E;
        let [effect, speed, colour, cycles] = exact::<4>(params)?;
        let effect = [
            E::Breathing,
            E::Flashing,
            E::On,
            E::Off,
            E::FadeIn,
            E::FadeOut,
        ]
        .into_iter()
        .find(|e| *e as u8 == effect)?;
        let colour = [
            C::Red,
            C::Blue,
            C::Purple,
            C::Green,
            C::Yellow,
            C::Cyan,
            C::White,
        ]
        .into_iter()
        .find(|c| *c as u8 == colour)?;
        Some(AuraLedConfig {
            effect,
            speed,
            colour,
            cycles,
        })
    }

    fn parse_response(payload: &[u8]) -> Result<(), ResponseError> {
        confirmed(payload, 0).map(|_| ())
    }
}

/// A decoded command packet, as the module sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    HandShake(HandShake),
    VfyPwd(VfyPwd),
    ReadSysPara(ReadSysPara),
    ReadProdInfo(ReadProdInfo),
    GenImg(GenImg),
    UpImage(UpImage),
    Img2Tz(Img2Tz),
    Match(Match),
    Search(Search),
    RegModel(RegModel),
    Store(Store),
    LoadChar(LoadChar),
    UpChar(UpChar),
    DownChar(DownChar),
    DeletChar(DeletChar),
    Empty(Empty),
    SetSysPara(SetSysPara),
    TemplateNum(TemplateNum),
    ReadIndexTable(ReadIndexTable),
    AuraLedConfig(AuraLedConfig),
}

/// Why a command payload was not understood.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    /// No instruction byte.
    #[error("empty command")]
    Empty,
    /// An instruction this implementation does not know.
    #[error("unknown instruction {0:#04x}")]
    Unknown(u8),
    /// Known instruction, parameters of the wrong size or value.
    #[error("bad parameters for instruction {0:#04x}")]
    BadParams(u8),
}

impl Request {
    /// Decodes a command packet's payload completely.
    pub fn parse(payload: &[u8]) -> Result<Request, RequestError> {
        let (&code, params) = payload.split_first().ok_or(RequestError::Empty)?;
        fn p<C: Command>(params: &[u8], wrap: fn(C) -> Request) -> Result<Request, RequestError> {
            C::from_params(params)
                .map(wrap)
                .ok_or(RequestError::BadParams(C::CODE))
        }
        match code {
            HandShake::CODE => p(params, Request::HandShake),
            VfyPwd::CODE => p(params, Request::VfyPwd),
            ReadSysPara::CODE => p(params, Request::ReadSysPara),
            ReadProdInfo::CODE => p(params, Request::ReadProdInfo),
            GenImg::CODE => p(params, Request::GenImg),
            UpImage::CODE => p(params, Request::UpImage),
            Img2Tz::CODE => p(params, Request::Img2Tz),
            Match::CODE => p(params, Request::Match),
            Search::CODE => p(params, Request::Search),
            RegModel::CODE => p(params, Request::RegModel),
            Store::CODE => p(params, Request::Store),
            LoadChar::CODE => p(params, Request::LoadChar),
            UpChar::CODE => p(params, Request::UpChar),
            DownChar::CODE => p(params, Request::DownChar),
            DeletChar::CODE => p(params, Request::DeletChar),
            Empty::CODE => p(params, Request::Empty),
            SetSysPara::CODE => p(params, Request::SetSysPara),
            TemplateNum::CODE => p(params, Request::TemplateNum),
            ReadIndexTable::CODE => p(params, Request::ReadIndexTable),
            AuraLedConfig::CODE => p(params, Request::AuraLedConfig),
            other => Err(RequestError::Unknown(other)),
        }
    }
}
