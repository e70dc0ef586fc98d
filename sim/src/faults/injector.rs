//! The schedule: which fault fires on which operation, and what it does to the operation.
//!
//! Contract: each call to [`FaultInjector::before`] is one operation; it draws one random number
//! per rule whether or not the rule is eligible, so adding a rule's eligibility window never
//! shifts another rule's draws and a scenario replays exactly. A disconnect is sticky until
//! [`FaultInjector::reconnect`].

use std::time::Duration;

use rekam_drivers::{CancelToken, Error, ErrorKind};

use super::scenario::{Fault, FaultRule};
use crate::rng::SimRng;

/// A failure the injector caused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{device}: {kind}: injected {fault} fault at operation {operation}")]
pub struct InjectedFault {
    /// The device, as it names itself.
    pub device: String,
    /// The fault that fired.
    pub fault: Fault,
    /// What the caller sees.
    pub kind: ErrorKind,
    /// The operation (0-based) it fired on.
    pub operation: u64,
}

impl Error for InjectedFault {
    fn kind(&self) -> ErrorKind {
        self.kind
    }
}

/// A record of one fault firing, for logs and assertions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FiredFault {
    /// The operation (0-based).
    pub operation: u64,
    /// The fault.
    pub fault: Fault,
}

/// Seeded fault schedule for one device.
#[derive(Debug, Clone)]
pub struct FaultInjector {
    rules: Vec<(FaultRule, u64)>,
    schedule: SimRng,
    garble: SimRng,
    operations: u64,
    disconnected: bool,
    fired: Vec<FiredFault>,
}

impl FaultInjector {
    /// An injector applying `rules` in order, with draws from `seed`.
    pub fn new(seed: u64, rules: Vec<FaultRule>) -> Self {
        Self {
            rules: rules.into_iter().map(|r| (r, 0)).collect(),
            schedule: SimRng::derive(seed, "schedule"),
            garble: SimRng::derive(seed, "garble"),
            operations: 0,
            disconnected: false,
            fired: Vec::new(),
        }
    }

    /// An injector that never fires.
    pub fn none() -> Self {
        Self::new(0, Vec::new())
    }

    /// Operations seen so far.
    pub fn operations(&self) -> u64 {
        self.operations
    }

    /// Whether an injected disconnect is in force.
    pub fn is_disconnected(&self) -> bool {
        self.disconnected
    }

    /// Plugs the device back in after an injected disconnect.
    pub fn reconnect(&mut self) {
        self.disconnected = false;
    }

    /// Every fault fired so far, in order.
    pub fn fired(&self) -> &[FiredFault] {
        &self.fired
    }

    /// The generator that picks which bytes to garble.
    pub(crate) fn garble_rng(&mut self) -> &mut SimRng {
        &mut self.garble
    }

    /// Runs the schedule for one operation on `device` whose own timeout is `wait`: sleeps for
    /// slow or silent faults (stopping early if `cancel` is set), then either fails the
    /// operation or lets it run, telling how many bytes of its reply to garble.
    pub fn before(
        &mut self,
        device: &str,
        wait: Duration,
        cancel: Option<&CancelToken>,
    ) -> Result<Option<u32>, InjectedFault> {
        let operation = self.operations;
        self.operations += 1;
        let fail = |fault: Fault, kind: ErrorKind| InjectedFault {
            device: device.to_string(),
            fault,
            kind,
            operation,
        };
        if self.disconnected {
            return Err(fail(Fault::Disconnect, ErrorKind::Disconnected));
        }
        let draws: Vec<f64> = self.rules.iter().map(|_| self.schedule.unit()).collect();
        let mut garble: Option<u32> = None;
        for ((rule, fired), draw) in self.rules.iter_mut().zip(draws) {
            let eligible = operation >= rule.after && rule.times.is_none_or(|t| *fired < t);
            if !eligible || draw >= rule.chance {
                continue;
            }
            *fired += 1;
            self.fired.push(FiredFault {
                operation,
                fault: rule.fault,
            });
            match rule.fault {
                Fault::Disconnect => {
                    self.disconnected = true;
                    return Err(fail(rule.fault, ErrorKind::Disconnected));
                }
                Fault::Timeout { wait_ms } => {
                    let silence = wait_ms.map_or(wait, Duration::from_millis);
                    if sleep(silence, cancel) {
                        return Err(fail(rule.fault, ErrorKind::Cancelled));
                    }
                    return Err(fail(rule.fault, ErrorKind::Timeout));
                }
                Fault::Busy => return Err(fail(rule.fault, ErrorKind::Busy)),
                Fault::Slow { delay_ms } => {
                    if sleep(Duration::from_millis(delay_ms), cancel) {
                        return Err(fail(rule.fault, ErrorKind::Cancelled));
                    }
                }
                Fault::Corrupt { bytes } => {
                    garble = Some(garble.unwrap_or(0).saturating_add(bytes));
                }
            }
        }
        Ok(garble)
    }
}

/// Sleeps `duration`, or until `cancel` is set; returns whether it was cancelled.
fn sleep(duration: Duration, cancel: Option<&CancelToken>) -> bool {
    // A year is "forever" for any caller, and keeps deadline arithmetic from overflowing.
    let duration = duration.min(Duration::from_secs(365 * 86_400));
    match cancel {
        Some(token) => token.sleep(duration),
        None => {
            std::thread::sleep(duration);
            false
        }
    }
}

/// XORs `count` randomly chosen bytes of `bytes` with random non-zero values, so each chosen
/// byte really changes. Returns whether anything could be garbled.
pub(crate) fn garble_bytes(bytes: &mut [u8], count: u32, rng: &mut SimRng) -> bool {
    if bytes.is_empty() {
        return false;
    }
    for _ in 0..count {
        let at = rng.range(0, bytes.len() as u64 - 1) as usize;
        let flip = rng.range(1, 255) as u8;
        if let Some(b) = bytes.get_mut(at) {
            *b ^= flip;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_disconnect_after_two_operations_stays_until_reconnected() {
        let rule = FaultRule::always(Fault::Disconnect).from_operation(2);
        let mut inj = FaultInjector::new(1, vec![rule]);
        assert_eq!(inj.before("d", Duration::ZERO, None), Ok(None));
        assert_eq!(inj.before("d", Duration::ZERO, None), Ok(None));
        for _ in 0..3 {
            let err = inj.before("d", Duration::ZERO, None).unwrap_err();
            assert_eq!(err.kind, ErrorKind::Disconnected);
        }
        inj.reconnect();
        // The rule keeps firing on every later operation, as a flaky cable would.
        assert!(inj.before("d", Duration::ZERO, None).is_err());
    }

    #[test]
    fn the_same_seed_fires_on_the_same_operations() {
        let rules = vec![FaultRule::always(Fault::Busy).with_chance(0.3)];
        let run = |seed| {
            let mut inj = FaultInjector::new(seed, rules.clone());
            (0..50)
                .map(|_| inj.before("d", Duration::ZERO, None).is_err())
                .collect::<Vec<_>>()
        };
        assert_eq!(run(9), run(9));
        assert_ne!(run(9), run(10));
        assert!(run(9).iter().any(|&e| e) && run(9).iter().any(|&e| !e));
    }

    #[test]
    fn garbling_changes_exactly_the_chosen_byte() {
        let mut rng = SimRng::new(3);
        let mut bytes = [0u8; 1];
        assert!(garble_bytes(&mut bytes, 1, &mut rng));
        assert_ne!(bytes[0], 0);
        assert!(!garble_bytes(&mut [], 1, &mut rng));
    }
}
