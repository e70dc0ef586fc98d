//! Device drivers for rekam: one small trait per device class (fingerprint scanner, camera,
//! signature pad, iris scanner, card printer), the transports they run over (serial, USB, TCP)
//! and discovery.
//!
//! Contract: drivers know devices, never enrollment. Every driver is generic over its transport so
//! that it can be exercised against a simulator or a recorded session without hardware.

pub mod cancel;
pub mod discovery;
pub mod error;
pub mod identity;
pub mod image;

pub mod camera;
pub mod encoder;
pub mod evolis;
pub mod fingerprint;
pub mod iris;
pub mod printer;
pub mod signature;

pub mod hid;
pub mod ptp;
pub mod r30x;
pub mod transport;
pub mod usb;
pub mod wacom;

pub use cancel::CancelToken;
pub use error::{Error, ErrorKind, Unsupported};
pub use identity::DeviceIdentity;
pub use image::{GrayImage, ImageError};
pub use transport::{Transport, TransportError};
