//! Confirmation codes: the first payload byte of every acknowledgement.
//!
//! Contract: every byte value maps to a variant (unknown ones to `Unknown`) and back to the same
//! byte; every code maps to one shared [`ErrorKind`]. Codes 00-1D are in the ZhianTec/Grow
//! manuals for all modules; 1F-29 come from the R503 manual and may be absent on older modules.

use crate::error::ErrorKind;

/// A module's answer to a command.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Confirmation {
    /// 00: done.
    Ok,
    /// 01: the module could not receive the packet.
    ReceiveError,
    /// 02: no finger on the sensor.
    NoFinger,
    /// 03: capturing the image failed.
    CaptureFailed,
    /// 06: image too disorderly to extract features.
    TooMessy,
    /// 07: too few features (or too small an image).
    TooFewFeatures,
    /// 08: the two character files do not match.
    NoMatch,
    /// 09: no matching template in the library.
    NotFound,
    /// 0A: the character files could not be merged into a template.
    MergeFailed,
    /// 0B: page ID beyond the library.
    BadPage,
    /// 0C: reading a template from the library failed, or it is invalid.
    TemplateReadFailed,
    /// 0D: uploading a template failed.
    TemplateUploadFailed,
    /// 0E: the module cannot receive the following data packets.
    CannotReceiveData,
    /// 0F: uploading the image failed.
    ImageUploadFailed,
    /// 10: deleting templates failed.
    DeleteFailed,
    /// 11: clearing the library failed.
    ClearFailed,
    /// 13: wrong password.
    WrongPassword,
    /// 15: no valid image in the image buffer.
    NoValidImage,
    /// 18: writing flash failed.
    FlashError,
    /// 19: undefined error.
    Undefined,
    /// 1A: invalid register number.
    InvalidRegister,
    /// 1B: invalid register content.
    InvalidRegisterValue,
    /// 1C: wrong notepad page.
    BadNotepadPage,
    /// 1D: operating the communication port failed.
    PortFailure,
    /// 1F: the library is full.
    LibraryFull,
    /// 20: wrong address.
    WrongAddress,
    /// 21: the password must be verified first.
    PasswordRequired,
    /// 22: the template is empty.
    TemplateEmpty,
    /// 24: the library is empty.
    LibraryEmpty,
    /// 26: the module timed out.
    TimedOut,
    /// 27: the fingerprint is already enrolled.
    AlreadyExists,
    /// 29: sensor hardware error.
    SensorFault,
    /// FC: command not supported.
    Unsupported,
    /// FD: hardware error.
    HardwareError,
    /// FE: command execution failed.
    ExecutionFailed,
    /// Any other byte.
    Unknown(u8),
}

const TABLE: &[(u8, Confirmation)] = &[
    (0x00, Confirmation::Ok),
    (0x01, Confirmation::ReceiveError),
    (0x02, Confirmation::NoFinger),
    (0x03, Confirmation::CaptureFailed),
    (0x06, Confirmation::TooMessy),
    (0x07, Confirmation::TooFewFeatures),
    (0x08, Confirmation::NoMatch),
    (0x09, Confirmation::NotFound),
    (0x0A, Confirmation::MergeFailed),
    (0x0B, Confirmation::BadPage),
    (0x0C, Confirmation::TemplateReadFailed),
    (0x0D, Confirmation::TemplateUploadFailed),
    (0x0E, Confirmation::CannotReceiveData),
    (0x0F, Confirmation::ImageUploadFailed),
    (0x10, Confirmation::DeleteFailed),
    (0x11, Confirmation::ClearFailed),
    (0x13, Confirmation::WrongPassword),
    (0x15, Confirmation::NoValidImage),
    (0x18, Confirmation::FlashError),
    (0x19, Confirmation::Undefined),
    (0x1A, Confirmation::InvalidRegister),
    (0x1B, Confirmation::InvalidRegisterValue),
    (0x1C, Confirmation::BadNotepadPage),
    (0x1D, Confirmation::PortFailure),
    (0x1F, Confirmation::LibraryFull),
    (0x20, Confirmation::WrongAddress),
    (0x21, Confirmation::PasswordRequired),
    (0x22, Confirmation::TemplateEmpty),
    (0x24, Confirmation::LibraryEmpty),
    (0x26, Confirmation::TimedOut),
    (0x27, Confirmation::AlreadyExists),
    (0x29, Confirmation::SensorFault),
    (0xFC, Confirmation::Unsupported),
    (0xFD, Confirmation::HardwareError),
    (0xFE, Confirmation::ExecutionFailed),
];

impl Confirmation {
    /// Every named code, with its byte.
    pub fn known() -> impl Iterator<Item = (u8, Confirmation)> {
        TABLE.iter().copied()
    }

    /// The confirmation with wire value `byte`.
    pub fn from_u8(byte: u8) -> Confirmation {
        TABLE
            .iter()
            .find(|(b, _)| *b == byte)
            .map_or(Confirmation::Unknown(byte), |(_, c)| *c)
    }

    /// The wire value.
    pub fn as_u8(self) -> u8 {
        match self {
            Confirmation::Unknown(byte) => byte,
            known => TABLE
                .iter()
                .find(|(_, c)| *c == known)
                .map_or(0xFF, |(b, _)| *b),
        }
    }

    /// What the caller can do about it.
    pub fn kind(self) -> ErrorKind {
        use Confirmation as C;
        match self {
            // The module could not take the request as sent, or the host asked for nonsense.
            C::Ok
            | C::ReceiveError
            | C::CannotReceiveData
            | C::BadPage
            | C::InvalidRegister
            | C::InvalidRegisterValue
            | C::BadNotepadPage
            | C::WrongAddress
            | C::Unknown(_) => ErrorKind::ProtocolViolation,
            // Recoverable by the person or operator: place the finger again, verify the
            // password, free the library.
            C::NoFinger
            | C::CaptureFailed
            | C::TooMessy
            | C::TooFewFeatures
            | C::NoMatch
            | C::NotFound
            | C::MergeFailed
            | C::NoValidImage
            | C::WrongPassword
            | C::PasswordRequired
            | C::LibraryFull
            | C::TemplateEmpty
            | C::LibraryEmpty
            | C::AlreadyExists => ErrorKind::NotReady,
            C::TimedOut => ErrorKind::Timeout,
            C::Unsupported => ErrorKind::Unsupported,
            C::TemplateReadFailed
            | C::TemplateUploadFailed
            | C::ImageUploadFailed
            | C::DeleteFailed
            | C::ClearFailed
            | C::FlashError
            | C::Undefined
            | C::PortFailure
            | C::SensorFault
            | C::HardwareError
            | C::ExecutionFailed => ErrorKind::HardwareFault,
        }
    }

    /// A short description in the manual's sense.
    pub fn description(self) -> &'static str {
        use Confirmation as C;
        match self {
            C::Ok => "ok",
            C::ReceiveError => "packet receive error",
            C::NoFinger => "no finger on the sensor",
            C::CaptureFailed => "image capture failed",
            C::TooMessy => "image too messy to extract features",
            C::TooFewFeatures => "too few features in the image",
            C::NoMatch => "fingers do not match",
            C::NotFound => "no matching template found",
            C::MergeFailed => "character files could not be merged",
            C::BadPage => "page ID beyond the library",
            C::TemplateReadFailed => "template unreadable or invalid",
            C::TemplateUploadFailed => "template upload failed",
            C::CannotReceiveData => "module cannot receive data packets",
            C::ImageUploadFailed => "image upload failed",
            C::DeleteFailed => "template deletion failed",
            C::ClearFailed => "library clearing failed",
            C::WrongPassword => "wrong password",
            C::NoValidImage => "no valid image in the buffer",
            C::FlashError => "flash write error",
            C::Undefined => "undefined error",
            C::InvalidRegister => "invalid register number",
            C::InvalidRegisterValue => "invalid register value",
            C::BadNotepadPage => "wrong notepad page",
            C::PortFailure => "communication port failure",
            C::LibraryFull => "library full",
            C::WrongAddress => "wrong address",
            C::PasswordRequired => "password must be verified first",
            C::TemplateEmpty => "template empty",
            C::LibraryEmpty => "library empty",
            C::TimedOut => "module timed out",
            C::AlreadyExists => "fingerprint already enrolled",
            C::SensorFault => "sensor hardware error",
            C::Unsupported => "command not supported",
            C::HardwareError => "hardware error",
            C::ExecutionFailed => "command execution failed",
            C::Unknown(_) => "unknown confirmation code",
        }
    }
}

impl std::fmt::Display for Confirmation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (code {:#04x})", self.description(), self.as_u8())
    }
}
