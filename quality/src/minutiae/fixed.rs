//! Fixed-point primitives shared by every stage of the extractor: the 8-bit sine/cosine and
//! arctangent tables (256 units per turn), rounding shifts and divisions, the "octagonal sign"
//! normalisation of integer vectors, and streaming delay lines.
//!
//! Contract: every function is total (no panics) and bit-exact with the integer arithmetic of
//! FingerJet FX OSE, including its two's-complement wrap-around where the original relies on it.

/// sin(2*pi*a/256) * 127, first half turn.
const SIN_I8: [i8; 128] = [
    0, 3, 6, 9, 12, 15, 19, 22, 25, 28, 31, 34, 37, 40, 43, 46, 49, 51, 54, 57, 60, 63, 65, 68, 71,
    73, 76, 78, 81, 83, 85, 88, 90, 92, 94, 96, 98, 100, 102, 104, 106, 107, 109, 111, 112, 113,
    115, 116, 117, 118, 120, 121, 122, 122, 123, 124, 125, 125, 126, 126, 126, 127, 127, 127, 127,
    127, 127, 127, 126, 126, 126, 125, 125, 124, 123, 122, 122, 121, 120, 118, 117, 116, 115, 113,
    112, 111, 109, 107, 106, 104, 102, 100, 98, 96, 94, 92, 90, 88, 85, 83, 81, 78, 76, 73, 71, 68,
    65, 63, 60, 57, 54, 51, 49, 46, 43, 40, 37, 34, 31, 28, 25, 22, 19, 15, 12, 9, 6, 3,
];

/// Sine of an angle in 1/256 turns, scaled by 127.
pub fn sin8(a: u8) -> i8 {
    let v = SIN_I8[usize::from(a & 0x7f)];
    if a & 0x80 != 0 { -v } else { v }
}

/// Cosine of an angle in 1/256 turns, scaled by 127.
pub fn cos8(a: u8) -> i8 {
    sin8(a.wrapping_add(64))
}

/// atan(s/c) for s <= c, in 1/256 turns, indexed by 96*s/c.
const ATAN: [u8; 97] = [
    0, 1, 1, 2, 2, 3, 3, 3, 4, 4, 5, 5, 6, 6, 6, 7, 7, 8, 8, 8, 9, 9, 10, 10, 10, 11, 11, 12, 12,
    12, 13, 13, 13, 14, 14, 15, 15, 15, 16, 16, 16, 17, 17, 18, 18, 18, 19, 19, 19, 20, 20, 20, 21,
    21, 21, 22, 22, 22, 22, 23, 23, 23, 24, 24, 24, 25, 25, 25, 25, 26, 26, 26, 27, 27, 27, 27, 28,
    28, 28, 28, 29, 29, 29, 29, 30, 30, 30, 30, 31, 31, 31, 31, 31, 32, 32, 32, 32,
];

/// Angle of the vector (c, s) in 1/256 turns (0 for the null vector).
pub fn atan2(c: i32, s: i32) -> u8 {
    let sn = s < 0;
    let mut s = s.wrapping_abs();
    let cn = c < 0;
    let mut c = c.wrapping_abs();
    let cls = c < s;
    if cls {
        std::mem::swap(&mut c, &mut s);
    }
    if c == 0 {
        return 0;
    }
    let idx = i64::from(s) * 96 / i64::from(c);
    let mut out = ATAN[usize::try_from(idx).unwrap_or(0).min(96)];
    if cls {
        out = 0x40u8.wrapping_sub(out);
    }
    if cn {
        out = 0x80u8.wrapping_sub(out);
    }
    if sn {
        out = out.wrapping_neg();
    }
    out
}

/// Rounding right shift: (a + 2^(n-1)) >> n, arithmetic.
pub fn reduce(a: i32, n: u32) -> i32 {
    a.wrapping_add(1 << (n - 1)) >> n
}

/// Rounding signed division, halves away from zero (FJFX `divide`).
pub fn divide(x: i32, y: i32) -> i32 {
    if y == 0 {
        return 0;
    }
    let t = if (x >= 0) != (y > 0) { -1 } else { 1 };
    let x = x.wrapping_abs();
    let y = y.wrapping_abs();
    x.wrapping_add(y >> 1).wrapping_div(y).wrapping_mul(t)
}

/// Integer 2-vector scaled so that its largest component is about 127 ("octagonal sign");
/// null when max(|re|,|im|)/127 <= threshold. Components wrap to i8 exactly as FJFX's cast does.
pub fn oct_sign(re: i32, im: i32, threshold: i32) -> (i8, i8) {
    let x = re.wrapping_abs();
    let y = im.wrapping_abs();
    let mut n = x.max(y) / 127;
    if n <= threshold {
        return (0, 0);
    }
    n = n.max(x.wrapping_add(y) / 180);
    (quotient(re, n) as i8, quotient(im, n) as i8)
}

/// `a / n` (truncated) for `n >= 1`, in `f64`: for 32-bit operands the exact quotient is never
/// within an ulp of the next integer, so truncating the rounded quotient gives the integer one,
/// and the two divisions of `oct_sign` can share one vector instruction instead of two `idiv`s.
fn quotient(a: i32, n: i32) -> i32 {
    (f64::from(a) / f64::from(n)) as i32
}

/// Octagonal approximation of the vector's length.
pub fn oct_abs(re: i32, im: i32) -> i32 {
    let x = re.wrapping_abs();
    let y = im.wrapping_abs();
    x.max(y).max(reduce(x.wrapping_add(y).wrapping_mul(181), 8))
}

/// Fixed delay line: `push(v)` returns the value pushed `len` calls earlier (initially `init`).
#[derive(Debug, Clone)]
pub struct Delay<T: Copy> {
    buf: Vec<T>,
    pos: usize,
}

impl<T: Copy> Delay<T> {
    pub fn new(len: usize, init: T) -> Self {
        Self {
            buf: vec![init; len.max(1)],
            pos: 0,
        }
    }

    pub fn push(&mut self, v: T) -> T {
        let out = std::mem::replace(&mut self.buf[self.pos], v);
        self.pos += 1;
        if self.pos >= self.buf.len() {
            self.pos = 0;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atan2_covers_the_four_quadrants_in_256ths_of_a_turn() {
        assert_eq!(atan2(100, 0), 0);
        assert_eq!(atan2(0, 100), 64);
        assert_eq!(atan2(-100, 0), 128);
        assert_eq!(atan2(0, -100), 192);
        assert_eq!(atan2(100, 100), 32);
        assert_eq!(atan2(0, 0), 0);
    }

    #[test]
    fn sine_table_is_odd_and_cosine_is_shifted_sine() {
        assert_eq!(sin8(64), 127);
        assert_eq!(sin8(192), -127);
        assert_eq!(cos8(0), 127);
        assert_eq!(cos8(128), -127);
    }

    #[test]
    fn rounding_division_rounds_halves_away_from_zero() {
        assert_eq!(divide(3, 2), 2);
        assert_eq!(divide(-3, 2), -2);
        assert_eq!(divide(1, 3), 0);
    }

    #[test]
    fn delay_line_returns_values_after_its_length() {
        let mut d = Delay::new(2, 9);
        assert_eq!(d.push(1), 9);
        assert_eq!(d.push(2), 9);
        assert_eq!(d.push(3), 1);
    }
}
