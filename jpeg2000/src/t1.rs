//! EBCOT tier-1 (ISO/IEC 15444-1 Annex D): the bit-plane coding of one code-block.
//!
//! Contract: [`encode_block`] codes every bit plane of the block's integer coefficients with
//! the significance propagation, magnitude refinement and cleanup passes (code-block style 0:
//! one MQ codeword segment for all passes, no bypass, no vertically causal contexts), so a
//! decoder that reads all the passes recovers every coefficient exactly.

use crate::mq::{CTX_RUN_LENGTH, CTX_UNIFORM, MqEncoder};

/// Which filtering produced a subband; it selects the zero coding context table (Table D.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Orientation {
    /// Low-pass both ways.
    Ll,
    /// Horizontally high-pass, vertically low-pass.
    Hl,
    /// Horizontally low-pass, vertically high-pass.
    Lh,
    /// High-pass both ways.
    Hh,
}

/// A coded block: its codeword segment, how many coding passes it holds and how many magnitude
/// bit planes its largest coefficient needs (0 for an all-zero block, which is not coded).
pub(crate) struct CodedBlock {
    pub(crate) bytes: Vec<u8>,
    pub(crate) passes: u32,
    pub(crate) bit_planes: u32,
}

const SIG: u8 = 1;
const NEG: u8 = 2;
const VISITED: u8 = 4;
const REFINED: u8 = 8;

struct Coder<'a> {
    mq: MqEncoder,
    orientation: Orientation,
    /// Flags with a one-coefficient border on every side (always insignificant), so neighbour
    /// look-ups need no bounds checks: code-blocks are coded independently.
    flags: Vec<u8>,
    stride: usize,
    width: usize,
    height: usize,
    magnitude: &'a [u32],
}

impl Coder<'_> {
    fn at(&self, x: usize, y: usize) -> usize {
        (y + 1) * self.stride + x + 1
    }

    fn sig(&self, i: usize) -> u32 {
        u32::from(self.flags[i] & SIG)
    }

    /// Significant horizontal, vertical and diagonal neighbours.
    fn neighbours(&self, i: usize) -> (u32, u32, u32) {
        let s = self.stride;
        let h = self.sig(i - 1) + self.sig(i + 1);
        let v = self.sig(i - s) + self.sig(i + s);
        let d =
            self.sig(i - s - 1) + self.sig(i - s + 1) + self.sig(i + s - 1) + self.sig(i + s + 1);
        (h, v, d)
    }

    fn zero_context(&self, i: usize) -> usize {
        let (h, v, d) = self.neighbours(i);
        let primary = |h: u32, v: u32, d: u32| -> usize {
            match (h, v, d) {
                (2, _, _) => 8,
                (1, 1.., _) => 7,
                (1, 0, 1..) => 6,
                (1, 0, 0) => 5,
                (0, 2, _) => 4,
                (0, 1, _) => 3,
                (0, 0, 2..) => 2,
                (0, 0, 1) => 1,
                _ => 0,
            }
        };
        match self.orientation {
            Orientation::Ll | Orientation::Lh => primary(h, v, d),
            // Horizontally high-pass bands respond to vertical edges: the roles swap.
            Orientation::Hl => primary(v, h, d),
            Orientation::Hh => match (d, h + v) {
                (3.., _) => 8,
                (2, 1..) => 7,
                (2, 0) => 6,
                (1, 2..) => 5,
                (1, 1) => 4,
                (1, 0) => 3,
                (0, 2..) => 2,
                (0, 1) => 1,
                _ => 0,
            },
        }
    }

    /// +1 for a significant positive neighbour, -1 for a significant negative one.
    fn contribution(&self, i: usize) -> i32 {
        let f = self.flags[i];
        if f & SIG == 0 {
            0
        } else if f & NEG != 0 {
            -1
        } else {
            1
        }
    }

    fn code_sign(&mut self, i: usize) {
        let s = self.stride;
        let h = (self.contribution(i - 1) + self.contribution(i + 1)).clamp(-1, 1);
        let v = (self.contribution(i - s) + self.contribution(i + s)).clamp(-1, 1);
        // Table D.3: the context from the pair, and whether the sign is coded inverted.
        let (cx, xor) = match (h, v) {
            (1, 1) => (13, 0),
            (1, 0) => (12, 0),
            (1, _) => (11, 0),
            (0, 1) => (10, 0),
            (0, 0) => (9, 0),
            (0, _) => (10, 1),
            (_, 1) => (11, 1),
            (_, 0) => (12, 1),
            _ => (13, 1),
        };
        let negative = u32::from(self.flags[i] & NEG != 0);
        self.mq.encode(negative ^ xor, cx);
        self.flags[i] |= SIG;
    }

    fn bit(&self, x: usize, y: usize, plane: u32) -> u32 {
        (self.magnitude[y * self.width + x] >> plane) & 1
    }

    fn significance_pass(&mut self, plane: u32) {
        for y0 in (0..self.height).step_by(4) {
            for x in 0..self.width {
                for y in y0..(y0 + 4).min(self.height) {
                    let i = self.at(x, y);
                    if self.flags[i] & SIG != 0 {
                        continue;
                    }
                    let cx = self.zero_context(i);
                    if cx == 0 {
                        continue;
                    }
                    let bit = self.bit(x, y, plane);
                    self.mq.encode(bit, cx);
                    if bit == 1 {
                        self.code_sign(i);
                    }
                    self.flags[i] |= VISITED;
                }
            }
        }
    }

    fn refinement_pass(&mut self, plane: u32) {
        for y0 in (0..self.height).step_by(4) {
            for x in 0..self.width {
                for y in y0..(y0 + 4).min(self.height) {
                    let i = self.at(x, y);
                    if self.flags[i] & (SIG | VISITED) != SIG {
                        continue;
                    }
                    let cx = if self.flags[i] & REFINED != 0 {
                        16
                    } else {
                        let (h, v, d) = self.neighbours(i);
                        if h + v + d > 0 { 15 } else { 14 }
                    };
                    let bit = self.bit(x, y, plane);
                    self.mq.encode(bit, cx);
                    self.flags[i] |= REFINED;
                }
            }
        }
    }

    fn cleanup_pass(&mut self, plane: u32) {
        for y0 in (0..self.height).step_by(4) {
            let y_end = (y0 + 4).min(self.height);
            for x in 0..self.width {
                let mut start = y0;
                // Run-length mode: a full column of four, all insignificant, unvisited and
                // with no significant neighbour.
                if y_end - y0 == 4
                    && (y0..y_end).all(|y| {
                        let i = self.at(x, y);
                        self.flags[i] & (SIG | VISITED) == 0 && self.zero_context_is_empty(i)
                    })
                {
                    match (0..4).find(|&r| self.bit(x, y0 + r, plane) == 1) {
                        None => {
                            self.mq.encode(0, CTX_RUN_LENGTH);
                            continue;
                        }
                        Some(r) => {
                            self.mq.encode(1, CTX_RUN_LENGTH);
                            self.mq.encode((r >> 1) as u32, CTX_UNIFORM);
                            self.mq.encode((r & 1) as u32, CTX_UNIFORM);
                            let i = self.at(x, y0 + r);
                            self.code_sign(i);
                            start = y0 + r + 1;
                        }
                    }
                }
                for y in start..y_end {
                    let i = self.at(x, y);
                    if self.flags[i] & (SIG | VISITED) == 0 {
                        let cx = self.zero_context(i);
                        let bit = self.bit(x, y, plane);
                        self.mq.encode(bit, cx);
                        if bit == 1 {
                            self.code_sign(i);
                        }
                    }
                }
                for y in y0..y_end {
                    let i = self.at(x, y);
                    self.flags[i] &= !VISITED;
                }
            }
        }
    }

    fn zero_context_is_empty(&self, i: usize) -> bool {
        let (h, v, d) = self.neighbours(i);
        h + v + d == 0
    }
}

/// Codes a `width` x `height` block of coefficients (row-major). An all-zero block gives no
/// passes and no bytes: it is left out of its packet.
pub(crate) fn encode_block(
    coefficients: &[i32],
    width: usize,
    height: usize,
    orientation: Orientation,
) -> CodedBlock {
    let magnitude: Vec<u32> = coefficients.iter().map(|c| c.unsigned_abs()).collect();
    let max = magnitude.iter().copied().max().unwrap_or(0);
    let bit_planes = 32 - max.leading_zeros();
    if bit_planes == 0 {
        return CodedBlock {
            bytes: Vec::new(),
            passes: 0,
            bit_planes: 0,
        };
    }
    let stride = width + 2;
    let mut flags = vec![0u8; stride * (height + 2)];
    for y in 0..height {
        for x in 0..width {
            if coefficients[y * width + x] < 0 {
                flags[(y + 1) * stride + x + 1] = NEG;
            }
        }
    }
    let mut coder = Coder {
        mq: MqEncoder::new(),
        orientation,
        flags,
        stride,
        width,
        height,
        magnitude: &magnitude,
    };
    for plane in (0..bit_planes).rev() {
        if plane != bit_planes - 1 {
            coder.significance_pass(plane);
            coder.refinement_pass(plane);
        }
        coder.cleanup_pass(plane);
    }
    CodedBlock {
        bytes: coder.mq.finish(),
        passes: 3 * bit_planes - 2,
        bit_planes,
    }
}
