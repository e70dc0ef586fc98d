//! MOSIP SBI 0.9.5 (Secure Biometric Interface) messages, signatures and hash chain, sans-IO.
//!
//! Contract: the types here are the JSON bodies of the SBI verbs (`MOSIPDISC`, `MOSIPDINFO`,
//! `RCAPTURE`, `STREAM`) as MOSIP's compliance toolkit validates them; each `parse_*` function
//! takes a whole body and either returns the typed message or an error naming the offending field
//! (unknown fields and missing required fields are refused). [`jws`] signs and verifies the RS256
//! compact JWS with an `x5c` certificate chain that SBI uses for `digitalId`, `deviceInfo` and
//! capture `data`; [`hash`] computes and checks the capture hash chain. Nothing here reads a clock
//! or does I/O: `now` is an argument.

pub mod capture;
pub mod decoded;
pub mod error_code;
pub mod hash;
pub mod jws;
pub mod messages;
pub mod mjpeg;

pub use capture::{
    CaptureCheckError, CaptureSignError, CheckedBiometric, EntryOutcome, check_capture, sign_entry,
};
pub use error_code::ErrorCode;
pub use hash::{HashChainError, chain_hash, first_previous_hash, verify_chain};
pub use jws::{DeviceSigner, JwsError, TrustAnchors, VerifiedJws, decode_unsigned, verify};
pub use messages::*;
