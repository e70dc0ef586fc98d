//! Wacom signature pads: the STU-430/530/540 over USB HID ([`stu`]) and ISDV4 serial digitizers
//! ([`isdv4`]), both implementing [`SignaturePad`](crate::signature::SignaturePad).
//!
//! Contract: both report pen samples in tablet units with pressure and time since the last clear;
//! only pads with a screen (STU) report buttons.

pub mod isdv4;
pub mod stu;
