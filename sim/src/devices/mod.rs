//! Trait-level simulators of every device class: fingerprint scanner ([`fingerprint`]), camera
//! ([`camera`]), signature pad ([`signature`]), iris scanner ([`iris`]) and card printer
//! ([`printer`]), each implementing the `rekam_drivers` trait of its class.
//!
//! Contract: every simulator is deterministic from its seed (images, samples and state changes;
//! only wall-clock pacing varies), waits by sleeping towards deadlines rather than spinning, and
//! honours the caller's timeout and cancel token within one pacing step. Every error is a
//! [`DeviceError`] that names the simulated device and carries the shared `ErrorKind`.

pub mod camera;
mod error;
pub mod fingerprint;
pub mod iris;
mod pace;
pub mod printer;
pub mod signature;
mod warp;

pub use camera::{CameraConfig, FaceScene, SimCamera};
pub use error::DeviceError;
pub use fingerprint::{
    FingerPlacement, ScannerConfig, SimFingerprintScanner, SimPerson, StuckPixel,
};
pub use iris::{IrisConfig, SimIrisScanner};
pub use pace::{FramePacer, Waited, wait_until};
pub use printer::{PrintedCard, PrinterConfig, SimCardPrinter};
pub use signature::{PadConfig, SignerAction, SimSignaturePad};

use rekam_drivers::DeviceIdentity;

/// The identity every simulated device reports: vendor "rekam-sim", a serial derived from the
/// seed, and a location that says it is simulated.
pub(crate) fn sim_identity(class: &str, seed: u64) -> DeviceIdentity {
    DeviceIdentity {
        vendor: "rekam-sim".into(),
        model: format!("simulated {class}"),
        serial: Some(format!("SIM-{seed:016X}")),
        firmware: Some(env!("CARGO_PKG_VERSION").into()),
        location: "in-process".into(),
    }
}
