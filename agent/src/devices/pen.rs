//! The pen as the signature pad reports it, live: the console draws the strokes while the
//! resident signs.
//!
//! Contract: [`PenFeed`] holds the ink of the signature being taken now (cleared when the signer
//! presses clear on the pad and when a new capture begins, each time with a new `epoch`);
//! watchers see every change and read only the points they have not drawn yet.

use std::sync::Arc;

use serde::Serialize;
use tokio::sync::watch;

/// The ink of the signature being taken.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct PenTrace {
    /// Changes when the ink is wiped (a new capture or the pad's clear button).
    pub epoch: u64,
    /// Pad x range.
    pub max_x: u16,
    /// Pad y range.
    pub max_y: u16,
    /// `[x, y, pressure]` in pad units, in order; pressure 0 lifts the pen.
    pub points: Vec<[u16; 3]>,
    /// The signer pressed accept: the trace is complete.
    pub done: bool,
}

/// Publishes the pen live (cheap to clone; clones share the feed).
#[derive(Clone, Debug)]
pub struct PenFeed {
    tx: Arc<watch::Sender<PenTrace>>,
}

impl Default for PenFeed {
    fn default() -> Self {
        PenFeed {
            tx: Arc::new(watch::channel(PenTrace::default()).0),
        }
    }
}

impl PenFeed {
    /// Watches the pen.
    pub fn subscribe(&self) -> watch::Receiver<PenTrace> {
        self.tx.subscribe()
    }

    /// A new capture on a pad of this range begins: the ink is wiped.
    pub fn begin(&self, max_x: u16, max_y: u16) {
        self.tx.send_modify(|t| {
            t.epoch += 1;
            t.max_x = max_x;
            t.max_y = max_y;
            t.points.clear();
            t.done = false;
        });
    }

    /// A pen report.
    pub fn point(&self, x: u16, y: u16, pressure: u16) {
        self.tx.send_modify(|t| t.points.push([x, y, pressure]));
    }

    /// The signer wiped the pad.
    pub fn clear(&self) {
        self.tx.send_modify(|t| {
            t.epoch += 1;
            t.points.clear();
        });
    }

    /// The signer accepted.
    pub fn done(&self) {
        self.tx.send_modify(|t| t.done = true);
    }
}
