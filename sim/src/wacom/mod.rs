//! Wacom signature pads at wire level: a HID-level STU-540 ([`stu`]) to run the STU driver
//! against, live or recorded, and an ISDV4 digitizer serving 9-byte pen packets on a pty
//! ([`isdv4`]).
//!
//! Contract: both play the same synthetic signer as the trait-level simulated pad, so a
//! signature through either driver passes the same checks.

pub mod isdv4;
pub mod stu;
pub mod usb;

pub use isdv4::{Isdv4Config, Isdv4Handle, spawn_isdv4_pty, spawn_isdv4_pty_scripted};
pub use stu::{SimStu, StuConfig, StuFaults};
pub use usb::SimStuUsb;
