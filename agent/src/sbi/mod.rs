//! rekam's devices as a MOSIP SBI 0.9.5 device service (`rekam sbi serve`) and the device keys
//! it signs with (`rekam keys sbi-device-new`).
//!
//! Contract: [`server`] answers the SBI verbs on loopback for the workstation's fingerprint
//! scanner (device 1: left slap, right slap, thumbs), camera (device 2: face) and iris scanner
//! (device 3, when the kit has one), from the same [`crate::devices::DeviceManager`] the agent
//! uses, so `deviceStatus` is the real device's state; [`keys`] makes and loads the RSA device
//! key and certificate; [`client`] finds SBI services on loopback; [`device`] drives another
//! SBI service's devices as the agent's fingerprint, camera and iris slots, decoding its records
//! with [`records`] and laying slaps out with [`slap`].
//! The `bioValue` records are `rekam_protocol::cbeff`'s ISO/IEC 19794:2011 records of each
//! capture, the same the CBEFF export writes.

pub mod client;
pub mod command;
pub mod device;
pub mod keys;
pub mod records;
pub mod server;
pub mod slap;
