//! Waiting without spinning: frame pacing towards absolute deadlines, and a cancellable wait for a
//! simulated event that honours the caller's timeout.
//!
//! Contract: every wait sleeps (in steps of at most 10 ms, so a cancel is seen quickly) and never
//! polls in a tight loop; a frame pacer keeps its long-run rate at the configured one because
//! deadlines advance from the previous deadline, not from when the frame was finished.

use std::time::{Duration, Instant};

use rekam_drivers::CancelToken;

/// How a wait for a simulated event ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Waited {
    /// The event happened.
    Due,
    /// The caller's timeout passed first.
    TimedOut,
    /// The caller cancelled.
    Cancelled,
}

/// Sleeps until `due` (the moment the simulated event happens), unless `timeout` from now passes
/// first or `cancel` is set. `due = None` means the event never happens.
pub fn wait_until(due: Option<Instant>, timeout: Duration, cancel: &CancelToken) -> Waited {
    let start = Instant::now();
    let limit = start.checked_add(timeout);
    let (end, outcome) = match (due, limit) {
        (Some(d), Some(l)) if d <= l => (Some(d), Waited::Due),
        (Some(d), None) => (Some(d), Waited::Due),
        (_, l) => (l, Waited::TimedOut),
    };
    let Some(end) = end else {
        // Neither an event nor a representable deadline: wait until cancelled, in steps.
        while !cancel.sleep(Duration::from_secs(1)) {}
        return Waited::Cancelled;
    };
    if cancel.sleep(end.saturating_duration_since(start)) {
        Waited::Cancelled
    } else {
        outcome
    }
}

/// Paces preview frames at a fixed rate.
#[derive(Debug, Clone)]
pub struct FramePacer {
    interval: Duration,
    next: Option<Instant>,
}

impl FramePacer {
    /// A pacer for `fps` frames per second (at least 1).
    pub fn new(fps: u32) -> Self {
        Self {
            interval: Duration::from_secs(1) / fps.max(1),
            next: None,
        }
    }

    /// The time between frames.
    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// Sleeps until the next frame is due. The first frame is due at once. If the caller fell
    /// behind by more than a frame, the schedule restarts from now instead of bursting.
    pub fn wait(&mut self, timeout: Duration, cancel: &CancelToken) -> Waited {
        let now = Instant::now();
        let due = match self.next {
            Some(next) if next + self.interval > now => next,
            _ => now,
        };
        let waited = wait_until(Some(due), timeout, cancel);
        if waited == Waited::Due {
            self.next = Some(due + self.interval);
        }
        waited
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wait_for_an_event_after_the_timeout_times_out() {
        let due = Instant::now() + Duration::from_secs(60);
        let started = Instant::now();
        let outcome = wait_until(Some(due), Duration::from_millis(20), &CancelToken::new());
        assert_eq!(outcome, Waited::TimedOut);
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn a_cancelled_wait_reports_cancelled() {
        let token = CancelToken::new();
        token.cancel();
        assert_eq!(
            wait_until(None, Duration::from_secs(60), &token),
            Waited::Cancelled
        );
    }

    #[test]
    fn a_pacer_spaces_frames_by_its_interval() {
        let mut pacer = FramePacer::new(100);
        let token = CancelToken::new();
        let started = Instant::now();
        for _ in 0..5 {
            assert_eq!(pacer.wait(Duration::from_secs(1), &token), Waited::Due);
        }
        // Four intervals of 10 ms lie between five frames.
        assert!(started.elapsed() >= Duration::from_millis(38));
    }
}
