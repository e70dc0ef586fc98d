//! FingerJet's ridge enhancement: 32x32 blocks on a 17-pixel grid, fixed-point 2-D FFT, a
//! band-pass that boosts each frequency by its own magnitude, inverse FFT, per-block contrast
//! normalisation and overlap-add.
//!
//! Contract: `fft_enhance` maps an internal image to its enhanced image of the same size,
//! bit-exact with FJFX `fft_enhance<5, 17>`.

use super::fixed::{divide, oct_abs, reduce};

const BITS: u32 = 5;
const DIM: i32 = 1 << BITS;
const SPACING: i32 = 17;
const SIN_BITS: u32 = 5;
/// Radius (cycles per block) from which the band-pass drops every coefficient.
const BAND_LIMIT: usize = 13;
const BAND_LIMIT_I32: i32 = BAND_LIMIT as i32;

/// sin(2*pi*a/32) * 4096.
fn fsin(a: i32) -> i32 {
    const T: [i32; 16] = [
        0, 799, 1567, 2276, 2896, 3406, 3784, 4017, 4096, 4017, 3784, 3406, 2896, 2276, 1567, 799,
    ];
    let v = T[(a & 15) as usize];
    if a & 16 != 0 { -v } else { v }
}

fn fcos(a: i32) -> i32 {
    fsin(a + 8)
}

fn bit_reverse(x: usize, bits: u32) -> usize {
    ((x as u32).reverse_bits() >> (32 - bits)) as usize
}

/// Rows of `L` lanes: `L` independent transforms laid side by side, so every butterfly is one
/// straight loop over the lanes (the same integer arithmetic per lane as FJFX's scalar code).
type Lanes<const L: usize> = [[i32; L]];

/// One radix-2 butterfly on every lane: `b = a - w*b`, `a = a + w*b`, products rounded to 12 bits.
#[inline]
fn butterfly<const L: usize>(
    ar: &mut [i32; L],
    ai: &mut [i32; L],
    br: &mut [i32; L],
    bi: &mut [i32; L],
    wr: i32,
    wi: i32,
) {
    for l in 0..L {
        let tr = reduce(
            wr.wrapping_mul(br[l]).wrapping_sub(wi.wrapping_mul(bi[l])),
            12,
        );
        let ti = reduce(
            wr.wrapping_mul(bi[l]).wrapping_add(wi.wrapping_mul(br[l])),
            12,
        );
        br[l] = ar[l].wrapping_sub(tr);
        bi[l] = ai[l].wrapping_sub(ti);
        ar[l] = ar[l].wrapping_add(tr);
        ai[l] = ai[l].wrapping_add(ti);
    }
}

/// In-place radix-2 complex FFT (FJFX `fft`) of the points `re[k][l] + i im[k][l]`, `k` a power
/// of two up to 32, for each lane `l`: twiddles from the 4096-scaled table, products rounded to
/// 12 bits after each butterfly.
fn fft_lanes<const L: usize>(re: &mut Lanes<L>, im: &mut Lanes<L>, inverse: bool) {
    let n = re.len().min(im.len());
    let levels = n.trailing_zeros();
    for i in 1..n.saturating_sub(1) {
        let j = bit_reverse(i, levels);
        if i > j {
            re.swap(i, j);
            im.swap(i, j);
        }
    }
    let dt0: i32 = if inverse {
        1 << SIN_BITS
    } else {
        -(1 << SIN_BITS)
    };
    for ll in 0..levels {
        let mmax = 1usize << ll;
        let dt = dt0 >> (ll + 1);
        for m in 0..mmax {
            let t = m as i32 * dt;
            let (wr, wi) = (fcos(t), fsin(t));
            let mut a = m;
            while a + mmax < n {
                let (re_lo, re_hi) = re.split_at_mut(a + mmax);
                let (im_lo, im_hi) = im.split_at_mut(a + mmax);
                butterfly(
                    &mut re_lo[a],
                    &mut im_lo[a],
                    &mut re_hi[0],
                    &mut im_hi[0],
                    wr,
                    wi,
                );
                a += 2 * mmax;
            }
        }
    }
}

/// Complex points per row (32 reals packed in pairs).
const HALF: usize = (DIM / 2) as usize;
const ROWS: usize = DIM as usize;

/// Rows seen as 16 complex points each, one block row per lane: `[point][row]`.
type RowPlanes = [[i32; ROWS]; HALF];
/// Columns of complex points, one frequency column per lane: `[row][column]`.
type ColPlanes = [[i32; HALF]; ROWS];

/// FJFX's real-FFT split step of every row (lanes are rows), then its DC/Nyquist packing.
fn split_rows(re: &mut RowPlanes, im: &mut RowPlanes, inverse: bool) {
    let dt: i32 = if inverse { 1 } else { -1 };
    let mut t = dt + if inverse { 1 << (SIN_BITS - 1) } else { 0 };
    let shift = 12 + if inverse { 0 } else { 1 };
    for c1 in 1..=HALF / 2 {
        let c2 = HALF - c1;
        let (wr, wi) = (fcos(t), fsin(t));
        let (r1, i1, r2, i2) = (re[c1], im[c1], re[c2], im[c2]);
        let (mut f1r, mut f1i, mut f2r, mut f2i) = ([0; ROWS], [0; ROWS], [0; ROWS], [0; ROWS]);
        for l in 0..ROWS {
            let h1 = (
                r2[l].wrapping_add(r1[l]) << 12,
                i1[l].wrapping_sub(i2[l]) << 12,
            );
            let (ar, ai) = (i1[l].wrapping_add(i2[l]), r2[l].wrapping_sub(r1[l]));
            let h2 = (
                wr.wrapping_mul(ar).wrapping_sub(wi.wrapping_mul(ai)),
                wr.wrapping_mul(ai).wrapping_add(wi.wrapping_mul(ar)),
            );
            f1r[l] = reduce(h1.0.wrapping_add(h2.0), shift);
            f1i[l] = reduce(h1.1.wrapping_add(h2.1), shift);
            f2r[l] = reduce(h1.0.wrapping_sub(h2.0), shift);
            f2i[l] = reduce(h1.1.wrapping_sub(h2.1).wrapping_neg(), shift);
        }
        // At c1 == c2 (the middle point) FJFX's second store wins.
        re[c1] = f1r;
        im[c1] = f1i;
        re[c2] = f2r;
        im[c2] = f2i;
        t += dt;
    }
    let (r0, i0) = (re[0], im[0]);
    for l in 0..ROWS {
        re[0][l] = r0[l].wrapping_add(i0[l]);
        im[0][l] = if inverse {
            r0[l].wrapping_sub(i0[l])
        } else {
            0
        };
    }
}

fn rows_to_cols(re: &RowPlanes, im: &RowPlanes, cre: &mut ColPlanes, cim: &mut ColPlanes) {
    for k in 0..HALF {
        for r in 0..ROWS {
            cre[r][k] = re[k][r];
            cim[r][k] = im[k][r];
        }
    }
}

fn cols_to_rows(cre: &ColPlanes, cim: &ColPlanes, re: &mut RowPlanes, im: &mut RowPlanes) {
    for r in 0..ROWS {
        for k in 0..HALF {
            re[k][r] = cre[r][k];
            im[k][r] = cim[r][k];
        }
    }
}

/// Work space of one block transform, reused across blocks.
struct Planes {
    row_re: RowPlanes,
    row_im: RowPlanes,
    col_re: ColPlanes,
    col_im: ColPlanes,
}

impl Planes {
    fn new() -> Box<Self> {
        Box::new(Self {
            row_re: [[0; ROWS]; HALF],
            row_im: [[0; ROWS]; HALF],
            col_re: [[0; HALF]; ROWS],
            col_im: [[0; HALF]; ROWS],
        })
    }

    /// FJFX `fft2d` forward, band-pass, inverse on the block held in `row_re`/`row_im` (reals
    /// 2k and 2k+1 of row r at `[k][r]`); the result is left there in the same layout.
    fn enhance(&mut self) {
        fft_lanes(&mut self.row_re, &mut self.row_im, false);
        split_rows(&mut self.row_re, &mut self.row_im, false);
        rows_to_cols(
            &self.row_re,
            &self.row_im,
            &mut self.col_re,
            &mut self.col_im,
        );
        fft_lanes(&mut self.col_re, &mut self.col_im, false);
        let half = DIM / 2;
        for (y, (re, im)) in self
            .col_re
            .iter_mut()
            .zip(self.col_im.iter_mut())
            .enumerate()
        {
            let y = y as i32;
            let fy = y - if y < half { 0 } else { DIM };
            for (x, (r, i)) in re.iter_mut().zip(im.iter_mut()).enumerate() {
                (*r, *i) = enhance_coefficient(*r, *i, x as i32, fy);
            }
        }
        // Frequencies with x >= 13 are now zero for every y (FJFX skips nothing, but the
        // transforms of those zero columns are zero), so all 16 columns go through as lanes.
        fft_lanes(&mut self.col_re, &mut self.col_im, true);
        cols_to_rows(
            &self.col_re,
            &self.col_im,
            &mut self.row_re,
            &mut self.row_im,
        );
        split_rows(&mut self.row_re, &mut self.row_im, true);
        fft_lanes(&mut self.row_re, &mut self.row_im, true);
    }
}

/// Band-pass: keeps radii 3..12 (in cycles per block) and adds a magnitude-proportional boost.
fn enhance_coefficient(re: i32, im: i32, x: i32, y: i32) -> (i32, i32) {
    let r2 = x * x + y * y;
    if r2 <= 6 || r2 >= BAND_LIMIT_I32 * BAND_LIMIT_I32 {
        return (0, 0);
    }
    let a = reduce(oct_abs(re, im), 5);
    let v1 = (reduce(re.wrapping_mul(a), 7), reduce(im.wrapping_mul(a), 7));
    (
        reduce(re.wrapping_add(v1.0), 3),
        reduce(im.wrapping_add(v1.1), 3),
    )
}

/// Weight of position `i` in the overlap envelope (triangle capped at 16).
fn envelope(i: i32) -> i32 {
    (i + 1).min(DIM - i).min(16)
}

/// Enhances the block loaded in `planes` into `d` (row-major 32x32): transform, band-pass,
/// inverse, contrast normalisation and overlap envelope.
fn enhance_block(planes: &mut Planes, d: &mut [i32; (DIM * DIM) as usize]) {
    planes.enhance();
    for (r, row) in d.chunks_exact_mut(ROWS).enumerate() {
        for (k, pair) in row.chunks_exact_mut(2).enumerate() {
            pair[0] = planes.row_re[k][r];
            pair[1] = planes.row_im[k][r];
        }
    }
    for v in d.iter_mut() {
        *v = reduce(*v, 2 * BITS);
    }
    let mut mn = d.iter().copied().min().unwrap_or(0);
    let mx = d.iter().copied().max().unwrap_or(0);
    let range = mx.wrapping_sub(mn);
    let mut div = range;
    if range < 16 {
        div = 16;
        mn -= (16 - range) / 2;
    }
    div = div.wrapping_mul(16 * 16);
    let top = mx.wrapping_sub(mn);
    let env: [i32; ROWS] = std::array::from_fn(|i| envelope(i as i32));
    // Largest numerator: (mx - mn) * 251 * 16 * 16. When no numerator (plus half the divisor)
    // leaves i32 and the divisor is positive, FJFX's rounding division is a plain floor division
    // of non-negative values, done as a multiplication by a 33-bit reciprocal (Granlund and
    // Montgomery: exact for every 32-bit numerator) instead of a hardware division per pixel.
    if div > 0 && top >= 0 && i64::from(top) * 251 * 256 + i64::from(div / 2) <= i64::from(i32::MAX)
    {
        let half = div >> 1;
        let divisor = div.unsigned_abs();
        let l = 32 - (divisor - 1).leading_zeros();
        let magic = (1u64 << (32 + l)) / u64::from(divisor) + 1;
        for (row, &ye) in d.chunks_exact_mut(ROWS).zip(&env) {
            for (v, &xe) in row.iter_mut().zip(&env) {
                let num = ((*v - mn) * 251 * xe * ye + half).unsigned_abs();
                *v = ((u64::from(num) * magic) >> (32 + l)) as i32;
            }
        }
        return;
    }
    for (row, &ye) in d.chunks_exact_mut(ROWS).zip(&env) {
        for (v, &xe) in row.iter_mut().zip(&env) {
            let num = v
                .wrapping_sub(mn)
                .wrapping_mul(251)
                .wrapping_mul(xe)
                .wrapping_mul(ye);
            *v = divide(num, div);
        }
    }
}

/// Enhanced copy of the internal image `img` (`width` x `height`).
pub fn fft_enhance(img: &[u8], width: usize, height: usize) -> Vec<u8> {
    let (w, h) = (width as i32, height as i32);
    let dim = DIM as usize;
    let mut out = vec![0u8; img.len()];
    let mut block = [0i32; (DIM * DIM) as usize];
    let mut planes = Planes::new();
    let mut y0 = SPACING - DIM;
    while y0 < h {
        let mut x0 = SPACING - DIM;
        while x0 < w {
            // Columns of the block that fall inside the image.
            let c0 = (-x0).max(0) as usize;
            let c1 = (w - x0).clamp(0, DIM) as usize;
            let xs = (x0.max(0)) as usize;
            // Blocks wholly inside the image overwrite every point below; others start from zero.
            let inside =
                y0 >= 0 && y0 + DIM <= h && c0 == 0 && c1 == ROWS && img.len() >= width * height;
            if !inside {
                planes.row_re = [[0; ROWS]; HALF];
                planes.row_im = [[0; ROWS]; HALF];
            }
            for r in 0..ROWS {
                let y = y0 + r as i32;
                if (0..h).contains(&y) && c0 < c1 {
                    let start = y as usize * width + xs;
                    if let Some(src) = img.get(start..start + (c1 - c0)) {
                        // Blocks see the image inverted (ridges bright) and zero outside it.
                        let mut row = [0i32; ROWS];
                        for (b, &p) in row[c0..c1].iter_mut().zip(src) {
                            *b = i32::from(!p);
                        }
                        for (k, pair) in row.chunks_exact(2).enumerate() {
                            planes.row_re[k][r] = pair[0];
                            planes.row_im[k][r] = pair[1];
                        }
                    }
                }
            }
            enhance_block(&mut planes, &mut block);
            for (r, brow) in block.chunks(dim).enumerate() {
                let y = y0 + r as i32;
                if (0..h).contains(&y) && c0 < c1 {
                    let start = y as usize * width + xs;
                    if let Some(dst) = out.get_mut(start..start + (c1 - c0)) {
                        for (o, &b) in dst.iter_mut().zip(&brow[c0..c1]) {
                            *o = o.wrapping_add(b as u8);
                        }
                    }
                }
            }
            x0 += SPACING;
        }
        y0 += SPACING;
    }
    for v in out.iter_mut() {
        *v = !*v;
    }
    out
}
