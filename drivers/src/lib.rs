//! Device drivers for rekam: one small trait per device class (fingerprint scanner, camera,
//! signature pad, iris scanner, card printer), the transports they run over (serial, USB, TCP)
//! and discovery.
//!
//! Contract: drivers know devices, never enrollment. Every driver is generic over its transport so
//! that it can be exercised against a simulator or a recorded session without hardware.
