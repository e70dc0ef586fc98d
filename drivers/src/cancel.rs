//! Cooperative cancellation shared between the caller and a running capture.
//!
//! Contract: cloning a token shares it; once cancelled it stays cancelled. Drivers check it between
//! device round trips, so a cancelled capture returns within one round trip.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// A flag that one thread sets and a driver polls.
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    /// A token that is not cancelled.
    pub fn new() -> Self {
        Self::default()
    }

    /// Requests cancellation of every operation holding a clone of this token.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether cancellation was requested.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }

    /// Sleeps for `duration` or until cancelled, whichever is first, in small steps so a cancel is
    /// noticed quickly. Returns whether the token was cancelled.
    pub fn sleep(&self, duration: Duration) -> bool {
        const STEP: Duration = Duration::from_millis(10);
        let end = Instant::now() + duration;
        loop {
            if self.is_cancelled() {
                return true;
            }
            let now = Instant::now();
            if now >= end {
                return false;
            }
            std::thread::sleep(STEP.min(end - now));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cancel_is_seen_by_every_clone() {
        let token = CancelToken::new();
        let clone = token.clone();
        assert!(!clone.is_cancelled());
        token.cancel();
        assert!(clone.is_cancelled());
    }

    #[test]
    fn sleep_returns_early_once_cancelled() {
        let token = CancelToken::new();
        let other = token.clone();
        let started = Instant::now();
        let waker = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(30));
            other.cancel();
        });
        assert!(token.sleep(Duration::from_secs(5)));
        assert!(started.elapsed() < Duration::from_secs(2));
        waker.join().unwrap();
    }
}
