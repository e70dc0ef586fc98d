//! SBI error codes and MOSIP's texts for them.
//!
//! Contract: `0` and `100`-`112` carry the texts of MOSIP's SBI specification and mock service;
//! any other code (5xx are vendor-defined) is kept as [`ErrorCode::Other`] with its number, so a
//! client never loses a code it does not know.

use super::messages::ErrorInfo;

/// An SBI `errorCode`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// 0.
    Success,
    /// 100.
    DeviceNotRegistered,
    /// 101.
    NoBiometricObject,
    /// 102.
    ExtractionError,
    /// 103.
    TamperDetected,
    /// 104.
    ManagementServerUnreachable,
    /// 105.
    ImageOrientation,
    /// 106.
    DeviceNotFound,
    /// 107.
    DeviceKeyExpired,
    /// 108.
    DomainKeyMissing,
    /// 109: the requested count of fingers or irises is not supported.
    CountNotSupported,
    /// 110.
    NotReady,
    /// 111.
    Busy,
    /// 112.
    InvalidTransactionId,
    /// Any other code: 5xx are the device provider's own.
    Other(u16),
}

const KNOWN: [(ErrorCode, u16, &str); 14] = [
    (ErrorCode::Success, 0, "Success"),
    (ErrorCode::DeviceNotRegistered, 100, "Device not registered"),
    (
        ErrorCode::NoBiometricObject,
        101,
        "Unable to detect a biometric object",
    ),
    (
        ErrorCode::ExtractionError,
        102,
        "Technical error during extraction",
    ),
    (ErrorCode::TamperDetected, 103, "Device tamper detected"),
    (
        ErrorCode::ManagementServerUnreachable,
        104,
        "Unable to connect to management server",
    ),
    (ErrorCode::ImageOrientation, 105, "Image orientation error"),
    (ErrorCode::DeviceNotFound, 106, "Device not found"),
    (
        ErrorCode::DeviceKeyExpired,
        107,
        "Device public key expired",
    ),
    (
        ErrorCode::DomainKeyMissing,
        108,
        "Domain public key missing",
    ),
    (
        ErrorCode::CountNotSupported,
        109,
        "Requested number of biometric (Finger/IRIS) not supported",
    ),
    (ErrorCode::NotReady, 110, "Device is not ready"),
    (ErrorCode::Busy, 111, "Device is busy"),
    (
        ErrorCode::InvalidTransactionId,
        112,
        "Invalid Transaction ID",
    ),
];

impl ErrorCode {
    /// The numeric code.
    pub fn code(self) -> u16 {
        match self {
            ErrorCode::Other(c) => c,
            known => KNOWN
                .iter()
                .find(|(k, _, _)| *k == known)
                .map_or(0, |(_, c, _)| *c),
        }
    }

    /// MOSIP's text for a known code; `None` for vendor codes.
    pub fn text(self) -> Option<&'static str> {
        KNOWN
            .iter()
            .find(|(k, _, _)| *k == self)
            .map(|(_, _, t)| *t)
    }

    /// The code for a number.
    pub fn from_code(code: u16) -> Self {
        KNOWN
            .iter()
            .find(|(_, c, _)| *c == code)
            .map_or(ErrorCode::Other(code), |(k, _, _)| *k)
    }

    /// The code of an `errorCode` string; `None` when it is not a number.
    pub fn parse(text: &str) -> Option<Self> {
        if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        text.parse::<u16>().ok().map(Self::from_code)
    }

    /// The `error` object for this code with MOSIP's text (vendor codes need
    /// [`ErrorInfo::vendor`]).
    pub fn info(self) -> ErrorInfo {
        ErrorInfo {
            error_code: self.code().to_string(),
            error_info: self.text().unwrap_or("Vendor error").to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_code_round_trips_through_its_number_and_has_a_text() {
        for (k, c, t) in KNOWN {
            assert_eq!(ErrorCode::from_code(c), k);
            assert_eq!(k.code(), c);
            assert_eq!(k.text(), Some(t));
        }
        assert_eq!(ErrorCode::from_code(503), ErrorCode::Other(503));
        assert_eq!(ErrorCode::Other(503).code(), 503);
        assert_eq!(ErrorCode::parse("109"), Some(ErrorCode::CountNotSupported));
        assert_eq!(ErrorCode::parse("-1"), None);
        assert_eq!(ErrorCode::parse(""), None);
    }
}
