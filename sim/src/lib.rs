//! Simulators for rekam: every device class at trait level and at wire level, synthetic biometric
//! generators, fault injection, and sample enrollments.
//!
//! Contract: everything here is deterministic from a seed, so a failing run can be replayed.

pub mod devices;
pub mod encoder;
pub mod evolis;
pub mod faces;
pub mod faults;
pub mod prints;
pub mod ptp;
pub mod r30x;
pub mod registry;
pub mod rng;
pub mod sample;
pub mod synth;
pub mod tls;
pub mod wacom;
