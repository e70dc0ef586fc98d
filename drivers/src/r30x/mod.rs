//! Grow/ZhianTec R30x, R307, R503 and AS608 UART fingerprint modules: framing, confirmation
//! codes, one type per instruction, and a driver implementing [`FingerprintScanner`].
//!
//! Contract: nothing a module sends can make this code panic; every malformed or unexpected
//! reply is a `ProtocolViolation` naming the module, and garbage on the line is skipped until the
//! next valid frame.
//!
//! [`FingerprintScanner`]: crate::fingerprint::FingerprintScanner

pub mod code;
pub mod command;
mod driver;
mod error;
pub mod image;
pub mod packet;

pub use code::Confirmation;
pub use driver::{R30x, R30xConfig};
pub use error::{Cause, R30xError};
