//! Gradient covariance of a 32x32 block with NIST's numerical gradient (centred differences inside
//! the block, forward differences on its first and last row and column), as used by `covcoef`
//! (FDA, LCS, OF, RVUP orientation) and OCL.
//!
//! Contract: [`doubled_sums`] returns `(Σ(2gx)², Σ(2gy)², Σ(2gx)(2gy))` as exact integers; since the
//! gradients are multiples of 1/2, dividing by 4 gives exactly the sums NIST accumulates in doubles.

/// Side of the block.
pub(crate) const SIDE: usize = 32;

/// Doubled-gradient sums of the 32x32 block whose top-left corner is (x0, y0).
///
/// The doubled gradients are at most 2 * 255 in magnitude, so they are kept in 16-bit lanes and
/// their products summed in 32 bits (at most 1024 * 1020^2 < 2^31), which compiles to
/// multiply-add vector code; integer sums do not depend on their order.
pub(crate) fn doubled_sums(img: &[u8], width: usize, x0: usize, y0: usize) -> (i64, i64, i64) {
    let row = |y: usize| -> [u8; SIDE] {
        let s = (y0 + y) * width + x0;
        let mut r = [0u8; SIDE];
        r.copy_from_slice(&img[s..s + SIDE]);
        r
    };
    let (mut sxx, mut syy, mut sxy) = (0i32, 0i32, 0i32);
    let mut prev = row(0);
    let mut cur = row(0);
    for y in 0..SIDE {
        let next = if y + 1 < SIDE { row(y + 1) } else { cur };
        // Forward differences on the first and last rows count twice (doubled gradients).
        let (up, down, scale) = match y {
            0 => (&cur, &next, 2i16),
            y if y == SIDE - 1 => (&prev, &cur, 2),
            _ => (&prev, &next, 1),
        };
        let mut dx = [0i16; SIDE];
        let mut dy = [0i16; SIDE];
        for x in 0..SIDE {
            dy[x] = scale * (i16::from(down[x]) - i16::from(up[x]));
        }
        dx[0] = 2 * (i16::from(cur[1]) - i16::from(cur[0]));
        dx[SIDE - 1] = 2 * (i16::from(cur[SIDE - 1]) - i16::from(cur[SIDE - 2]));
        for x in 1..SIDE - 1 {
            dx[x] = i16::from(cur[x + 1]) - i16::from(cur[x - 1]);
        }
        for x in 0..SIDE {
            let (gx, gy) = (i32::from(dx[x]), i32::from(dy[x]));
            sxx += gx * gx;
            syy += gy * gy;
            sxy += gx * gy;
        }
        prev = cur;
        cur = next;
    }
    (i64::from(sxx), i64::from(syy), i64::from(sxy))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_equal_nist_double_accumulation() {
        let w = 40;
        let img: Vec<u8> = (0..w * 36)
            .map(|i| ((i * 7 + i / 13 * 31) % 256) as u8)
            .collect();
        let px = |y: usize, x: usize| f64::from(img[(3 + y) * w + 5 + x]);
        let (mut a, mut b, mut c) = (0.0f64, 0.0f64, 0.0f64);
        for y in 0..SIDE {
            for x in 0..SIDE {
                let gx = match x {
                    0 => px(y, 1) - px(y, 0),
                    31 => px(y, 31) - px(y, 30),
                    x => (px(y, x + 1) - px(y, x - 1)) / 2.0,
                };
                let gy = match y {
                    0 => px(1, x) - px(0, x),
                    31 => px(31, x) - px(30, x),
                    y => (px(y + 1, x) - px(y - 1, x)) / 2.0,
                };
                a += gx * gx;
                b += gy * gy;
                c += gx * gy;
            }
        }
        let (sa, sb, sc) = doubled_sums(&img, w, 5, 3);
        assert_eq!(
            (sa as f64 / 4.0, sb as f64 / 4.0, sc as f64 / 4.0),
            (a, b, c)
        );
    }
}
