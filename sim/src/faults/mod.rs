//! A seeded fault injector in the style of smoltcp's `FaultInjector`: wrap any simulated (or
//! real) device ([`Faulty`]) or any byte transport ([`FaultyTransport`]) and it disconnects after
//! N operations, times out, answers busy, corrupts bytes or slows down, on a schedule that is
//! built in code or read from a TOML scenario file ([`Scenario`]) so a field problem can be
//! replayed by a technician or in CI.
//!
//! Contract: the schedule is a pure function of the seed and the operation count, so a scenario
//! replays identically; every injected failure carries the shared `ErrorKind` and names the
//! device; injected waits sleep (cancellably where the operation has a token) and are bounded by
//! the rule or by the operation's own timeout.

mod corrupt;
mod device;
mod injector;
mod scenario;
mod transport;

pub use corrupt::Corrupt;
pub use device::{FaultError, Faulty};
pub use injector::{FaultInjector, FiredFault, InjectedFault};
pub use scenario::{Fault, FaultRule, Scenario, ScenarioError};
pub use transport::FaultyTransport;
