//! The MQ arithmetic coder of ISO/IEC 15444-1 Annex C, encoder side only.
//!
//! Contract: [`MqEncoder::encode`] codes one binary decision in one of the 19 EBCOT contexts;
//! [`MqEncoder::finish`] flushes the register (the standard's FLUSH procedure) and returns the
//! codeword segment, with the standard's bit stuffing after every 0xFF byte so no 0xFF is ever
//! followed by a byte above 0x8F. Every decoder written to Annex C reads the decisions back.

/// One row of the probability estimation table (Table C.2): Qe, next state after an MPS, next
/// state after an LPS, and whether an LPS swaps the sense of the MPS.
struct QeRow {
    qe: u32,
    nmps: u8,
    nlps: u8,
    switch: bool,
}

const fn row(qe: u32, nmps: u8, nlps: u8, switch: bool) -> QeRow {
    QeRow {
        qe,
        nmps,
        nlps,
        switch,
    }
}

#[rustfmt::skip]
const QE: [QeRow; 47] = [
    row(0x5601, 1, 1, true), row(0x3401, 2, 6, false), row(0x1801, 3, 9, false),
    row(0x0AC1, 4, 12, false), row(0x0521, 5, 29, false), row(0x0221, 38, 33, false),
    row(0x5601, 7, 6, true), row(0x5401, 8, 14, false), row(0x4801, 9, 14, false),
    row(0x3801, 10, 14, false), row(0x3001, 11, 17, false), row(0x2401, 12, 18, false),
    row(0x1C01, 13, 20, false), row(0x1601, 29, 21, false), row(0x5601, 15, 14, true),
    row(0x5401, 16, 14, false), row(0x5101, 17, 15, false), row(0x4801, 18, 16, false),
    row(0x3801, 19, 17, false), row(0x3401, 20, 18, false), row(0x3001, 21, 19, false),
    row(0x2801, 22, 19, false), row(0x2401, 23, 20, false), row(0x2201, 24, 21, false),
    row(0x1C01, 25, 22, false), row(0x1801, 26, 23, false), row(0x1601, 27, 24, false),
    row(0x1401, 28, 25, false), row(0x1201, 29, 26, false), row(0x1101, 30, 27, false),
    row(0x0AC1, 31, 28, false), row(0x09C1, 32, 29, false), row(0x08A1, 33, 30, false),
    row(0x0521, 34, 31, false), row(0x0441, 35, 32, false), row(0x02A1, 36, 33, false),
    row(0x0221, 37, 34, false), row(0x0141, 38, 35, false), row(0x0111, 39, 36, false),
    row(0x0085, 40, 37, false), row(0x0049, 41, 38, false), row(0x0025, 42, 39, false),
    row(0x0015, 43, 40, false), row(0x0009, 44, 41, false), row(0x0005, 45, 42, false),
    row(0x0001, 45, 43, false), row(0x5601, 46, 46, false),
];

/// Number of contexts EBCOT uses: 9 zero coding, 5 sign, 3 refinement, run-length, uniform.
pub(crate) const CONTEXTS: usize = 19;
pub(crate) const CTX_RUN_LENGTH: usize = 17;
pub(crate) const CTX_UNIFORM: usize = 18;

pub(crate) struct MqEncoder {
    a: u32,
    c: u32,
    ct: u32,
    /// Output bytes; index 0 is the byte "before the first" the standard's BP starts at, which a
    /// carry may touch but is never emitted.
    out: Vec<u8>,
    state: [u8; CONTEXTS],
    mps: [u8; CONTEXTS],
}

impl MqEncoder {
    /// INITENC, with the EBCOT initial states (Table D.7): every context in state 0 except the
    /// all-insignificant-neighbours zero coding context (4), run-length (3) and uniform (46).
    pub(crate) fn new() -> Self {
        let mut state = [0u8; CONTEXTS];
        state[0] = 4;
        state[CTX_RUN_LENGTH] = 3;
        state[CTX_UNIFORM] = 46;
        MqEncoder {
            a: 0x8000,
            c: 0,
            ct: 12,
            out: vec![0],
            state,
            mps: [0; CONTEXTS],
        }
    }

    fn last(&self) -> u8 {
        self.out.last().copied().unwrap_or(0)
    }

    fn byte_out(&mut self) {
        if self.last() == 0xFF {
            self.stuffed();
        } else if self.c < 0x800_0000 {
            self.out.push((self.c >> 19) as u8);
            self.c &= 0x7_FFFF;
            self.ct = 8;
        } else {
            // A carry into the last byte.
            let last = self.out.len() - 1;
            self.out[last] = self.out[last].wrapping_add(1);
            if self.out[last] == 0xFF {
                self.c &= 0x7FF_FFFF;
                self.stuffed();
            } else {
                self.out.push((self.c >> 19) as u8);
                self.c &= 0x7_FFFF;
                self.ct = 8;
            }
        }
    }

    /// After a 0xFF only 7 bits go into the next byte, so its top bit is a stuffed zero.
    fn stuffed(&mut self) {
        self.out.push((self.c >> 20) as u8);
        self.c &= 0xF_FFFF;
        self.ct = 7;
    }

    fn renormalise(&mut self) {
        loop {
            self.a <<= 1;
            self.c <<= 1;
            self.ct -= 1;
            if self.ct == 0 {
                self.byte_out();
            }
            if self.a & 0x8000 != 0 {
                break;
            }
        }
    }

    /// Codes `bit` (0 or 1) in context `cx`.
    pub(crate) fn encode(&mut self, bit: u32, cx: usize) {
        let row = &QE[usize::from(self.state[cx])];
        let qe = row.qe;
        self.a -= qe;
        if bit == u32::from(self.mps[cx]) {
            if self.a & 0x8000 == 0 {
                if self.a < qe {
                    self.a = qe;
                } else {
                    self.c += qe;
                }
                self.state[cx] = row.nmps;
                self.renormalise();
            } else {
                self.c += qe;
            }
        } else {
            if self.a < qe {
                self.c += qe;
            } else {
                self.a = qe;
            }
            if row.switch {
                self.mps[cx] ^= 1;
            }
            self.state[cx] = row.nlps;
            self.renormalise();
        }
    }

    /// FLUSH: sets as many trailing 1 bits as the interval allows, pushes the register out and
    /// drops a final 0xFF (the decoder supplies 0xFF bytes past the end itself).
    pub(crate) fn finish(mut self) -> Vec<u8> {
        let temp = self.c + self.a;
        self.c |= 0xFFFF;
        if self.c >= temp {
            self.c -= 0x8000;
        }
        self.c <<= self.ct;
        self.byte_out();
        self.c <<= self.ct;
        self.byte_out();
        if self.last() == 0xFF {
            self.out.pop();
        }
        self.out.remove(0);
        self.out
    }
}
