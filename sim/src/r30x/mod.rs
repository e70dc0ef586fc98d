//! A wire-level simulator of the Grow/ZhianTec R30x fingerprint module: the module's state
//! machine ([`module`]), synthetic fingers ([`finger`]), its templates and matcher
//! ([`template`]), served on a pseudo-terminal ([`pty`]) or in process ([`link`]).
//!
//! Contract: deterministic from the seed; answers every instruction the rekam driver and
//! pyfingerprint use, as the module's manual describes.

pub mod finger;
pub mod link;
pub mod module;
pub mod pty;
pub mod template;

pub use link::SimLink;
pub use module::{Fault, ModuleConfig, SimulatedModule};
pub use pty::{Handle, SimError, spawn_pty, spawn_pty_with};
