//! Tier-2 (ISO/IEC 15444-1 Annex B.10): packet headers with tag trees and bit stuffing.
//!
//! Contract: [`BitWriter`] writes header bits MSB first and, after every 0xFF byte, puts only 7
//! bits in the next byte, ending on a byte boundary that is never a bare 0xFF; [`TagTree`]
//! codes leaf values up to a threshold exactly as the decoder's tag tree reads them.

pub(crate) struct BitWriter {
    out: Vec<u8>,
    current: u8,
    filled: u32,
    capacity: u32,
}

impl BitWriter {
    pub(crate) fn new() -> Self {
        BitWriter {
            out: Vec::new(),
            current: 0,
            filled: 0,
            capacity: 8,
        }
    }

    pub(crate) fn bit(&mut self, bit: u32) {
        self.current = (self.current << 1) | (bit & 1) as u8;
        self.filled += 1;
        if self.filled == self.capacity {
            self.emit();
        }
    }

    fn emit(&mut self) {
        self.out.push(self.current);
        self.capacity = if self.current == 0xFF { 7 } else { 8 };
        self.current = 0;
        self.filled = 0;
    }

    /// `count` low bits of `value`, most significant first.
    pub(crate) fn bits(&mut self, value: u32, count: u32) {
        for k in (0..count).rev() {
            self.bit((value >> k) & 1);
        }
    }

    pub(crate) fn finish(mut self) -> Vec<u8> {
        if self.filled > 0 {
            self.current <<= self.capacity - self.filled;
            self.emit();
        }
        // A header may not end in 0xFF: the stuffed bit after it needs its byte.
        if self.out.last() == Some(&0xFF) {
            self.out.push(0);
        }
        self.out
    }
}

struct Node {
    value: u32,
    low: u32,
    known: bool,
}

pub(crate) struct TagTree {
    /// Level 0 is the leaves; each further level halves both dimensions, up to one root.
    levels: Vec<(usize, Vec<Node>)>,
}

impl TagTree {
    /// A tree over `width` x `height` leaves with the given values (row-major).
    pub(crate) fn new(width: usize, height: usize, leaves: &[u32]) -> Self {
        let mut levels = vec![(
            width,
            leaves
                .iter()
                .map(|&value| Node {
                    value,
                    low: 0,
                    known: false,
                })
                .collect::<Vec<_>>(),
        )];
        let (mut w, mut h) = (width, height);
        while w > 1 || h > 1 {
            let (pw, ph) = (w.div_ceil(2), h.div_ceil(2));
            let below = &levels[levels.len() - 1].1;
            let mut nodes = Vec::with_capacity(pw * ph);
            for py in 0..ph {
                for px in 0..pw {
                    let mut value = u32::MAX;
                    for y in 2 * py..(2 * py + 2).min(h) {
                        for x in 2 * px..(2 * px + 2).min(w) {
                            value = value.min(below[y * w + x].value);
                        }
                    }
                    nodes.push(Node {
                        value,
                        low: 0,
                        known: false,
                    });
                }
            }
            levels.push((pw, nodes));
            w = pw;
            h = ph;
        }
        TagTree { levels }
    }

    /// Codes what the decoder learns of leaf (`x`, `y`) when it asks whether its value is below
    /// `threshold`: from the root down, a 0 for each step the value is known to exceed and a 1
    /// where it is reached.
    pub(crate) fn encode(&mut self, out: &mut BitWriter, x: usize, y: usize, threshold: u32) {
        let mut low = 0;
        for level in (0..self.levels.len()).rev() {
            let (w, nodes) = &mut self.levels[level];
            let node = &mut nodes[(y >> level) * *w + (x >> level)];
            if low > node.low {
                node.low = low;
            } else {
                low = node.low;
            }
            while low < threshold {
                if low >= node.value {
                    if !node.known {
                        out.bit(1);
                        node.known = true;
                    }
                    break;
                }
                out.bit(0);
                low += 1;
            }
            node.low = low;
        }
    }
}
