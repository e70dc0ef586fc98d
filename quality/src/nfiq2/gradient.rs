//! Gradient covariance of a 32x32 block with NIST's numerical gradient (centred differences inside
//! the block, forward differences on its first and last row and column), as used by `covcoef`
//! (FDA, LCS, OF, RVUP orientation) and OCL.
//!
//! Contract: [`doubled_sums`] returns `(Σ(2gx)², Σ(2gy)², Σ(2gx)(2gy))` as exact integers; since the
//! gradients are multiples of 1/2, dividing by 4 gives exactly the sums NIST accumulates in doubles.

/// Side of the block.
pub(crate) const SIDE: usize = 32;

/// Doubled-gradient sums of the 32x32 block whose top-left corner is (x0, y0).
pub(crate) fn doubled_sums(img: &[u8], width: usize, x0: usize, y0: usize) -> (i64, i64, i64) {
    let row = |y: usize| -> &[u8] { &img[(y0 + y) * width + x0..(y0 + y) * width + x0 + SIDE] };
    let (mut sxx, mut syy, mut sxy) = (0i64, 0i64, 0i64);
    let mut dx = [0i32; SIDE];
    let mut dy = [0i32; SIDE];
    for y in 0..SIDE {
        let cur = row(y);
        let (prev, next, scale) = match y {
            0 => (row(0), row(1), 2),
            y if y == SIDE - 1 => (row(SIDE - 2), row(SIDE - 1), 2),
            y => (row(y - 1), row(y + 1), 1),
        };
        for x in 0..SIDE {
            dy[x] = scale * (i32::from(next[x]) - i32::from(prev[x]));
        }
        dx[0] = 2 * (i32::from(cur[1]) - i32::from(cur[0]));
        dx[SIDE - 1] = 2 * (i32::from(cur[SIDE - 1]) - i32::from(cur[SIDE - 2]));
        for x in 1..SIDE - 1 {
            dx[x] = i32::from(cur[x + 1]) - i32::from(cur[x - 1]);
        }
        let (mut a, mut b, mut c) = (0i32, 0i32, 0i32);
        for x in 0..SIDE {
            a += dx[x] * dx[x];
            b += dy[x] * dy[x];
            c += dx[x] * dy[x];
        }
        sxx += i64::from(a);
        syy += i64::from(b);
        sxy += i64::from(c);
    }
    (sxx, syy, sxy)
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
