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

/// In-place radix-2 complex FFT of `pts` (length a power of two, at most 32), twiddles from the
/// 4096-scaled table, products rounded to 12 bits after each butterfly.
fn fft_points(pts: &mut [(i32, i32)], inverse: bool) {
    let n = pts.len();
    let levels = n.trailing_zeros();
    for i in 1..n.saturating_sub(1) {
        let j = bit_reverse(i, levels);
        if i > j {
            pts.swap(i, j);
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
            for pair in pts[m..].chunks_mut(2 * mmax) {
                let (lo, hi) = pair.split_at_mut(mmax.min(pair.len()));
                let (Some(a), Some(b)) = (lo.first_mut(), hi.first_mut()) else {
                    continue;
                };
                let tr = reduce(wr.wrapping_mul(b.0).wrapping_sub(wi.wrapping_mul(b.1)), 12);
                let ti = reduce(wr.wrapping_mul(b.1).wrapping_add(wi.wrapping_mul(b.0)), 12);
                *b = (a.0.wrapping_sub(tr), a.1.wrapping_sub(ti));
                *a = (a.0.wrapping_add(tr), a.1.wrapping_add(ti));
            }
        }
    }
}

/// FJFX `fft<inverse, size_bits, stride_bits>`: complex FFT of the `2^(size_bits - stride_bits)`
/// points stored (re, im) every `2^stride_bits` values from `base`.
fn fft(d: &mut [i32], base: usize, inverse: bool, size_bits: u32, stride_bits: u32) {
    let stride = 1usize << stride_bits;
    let n = 1usize << (size_bits - stride_bits);
    let mut pts = [(0i32, 0i32); 32];
    let pts = &mut pts[..n];
    for (k, pt) in pts.iter_mut().enumerate() {
        let i = base + k * stride;
        *pt = (d[i], d[i + 1]);
    }
    fft_points(pts, inverse);
    for (k, pt) in pts.iter().enumerate() {
        let i = base + k * stride;
        d[i] = pt.0;
        d[i + 1] = pt.1;
    }
}

/// One row of 32 reals as 16 complex points, with the real-FFT split step.
fn fft_row(d: &mut [i32], base: usize, inverse: bool) {
    if !inverse {
        fft(d, base, false, BITS, 1);
    }
    let size = DIM as usize;
    let dt: i32 = if inverse { 1 } else { -1 };
    let mut t = dt + if inverse { 1 << (SIN_BITS - 1) } else { 0 };
    let shift = 12 + if inverse { 0 } else { 1 };
    let mut i = 2;
    while i <= size / 2 {
        let (wr, wi) = (fcos(t), fsin(t));
        let p1 = base + i;
        let p2 = base + size - i;
        let h1 = (
            d[p2].wrapping_add(d[p1]) << 12,
            d[p1 + 1].wrapping_sub(d[p2 + 1]) << 12,
        );
        let (ar, ai) = (d[p1 + 1].wrapping_add(d[p2 + 1]), d[p2].wrapping_sub(d[p1]));
        let h2 = (
            wr.wrapping_mul(ar).wrapping_sub(wi.wrapping_mul(ai)),
            wr.wrapping_mul(ai).wrapping_add(wi.wrapping_mul(ar)),
        );
        let f1 = (
            reduce(h1.0.wrapping_add(h2.0), shift),
            reduce(h1.1.wrapping_add(h2.1), shift),
        );
        let f2 = (
            reduce(h1.0.wrapping_sub(h2.0), shift),
            reduce(h1.1.wrapping_sub(h2.1).wrapping_neg(), shift),
        );
        d[p1] = f1.0;
        d[p1 + 1] = f1.1;
        d[p2] = f2.0;
        d[p2 + 1] = f2.1;
        i += 2;
        t += dt;
    }
    let (tr, ti) = (d[base], d[base + 1]);
    d[base] = tr.wrapping_add(ti);
    d[base + 1] = if inverse { tr.wrapping_sub(ti) } else { 0 };
    if inverse {
        fft(d, base, true, BITS, 1);
    }
}

fn fft2(d: &mut [i32], inverse: bool) {
    let size1 = DIM as usize;
    if !inverse {
        for y in (0..size1 * size1).step_by(size1) {
            fft_row(d, y, false);
        }
    }
    // Horizontal frequencies >= 13 are zeroed by the band-pass for every vertical frequency, so
    // their forward column transforms are discarded and their inverse ones are transforms of
    // zeros: both are skipped (the columns are just zero), which changes no output value.
    for x in (0..size1).step_by(2) {
        if x / 2 < BAND_LIMIT {
            fft(d, x, inverse, 2 * BITS, BITS);
        } else {
            for v in d.iter_mut().skip(x).step_by(size1) {
                *v = 0;
            }
            for v in d.iter_mut().skip(x + 1).step_by(size1) {
                *v = 0;
            }
        }
    }
    if inverse {
        for y in (0..size1 * size1).step_by(size1) {
            fft_row(d, y, true);
        }
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

fn enhance_block(d: &mut [i32]) {
    fft2(d, false);
    let half = DIM / 2;
    let mut k = 0;
    for y in 0..DIM {
        for x in 0..half {
            let fy = y - if y < half { 0 } else { DIM };
            let (re, im) = enhance_coefficient(d[k], d[k + 1], x, fy);
            d[k] = re;
            d[k + 1] = im;
            k += 2;
        }
    }
    fft2(d, true);
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
    for y in 0..DIM {
        let ye = envelope(y);
        for x in 0..DIM {
            let v = &mut d[(y * DIM + x) as usize];
            let num = v
                .wrapping_sub(mn)
                .wrapping_mul(251)
                .wrapping_mul(envelope(x))
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
    let mut block = vec![0i32; dim * dim];
    let mut y0 = SPACING - DIM;
    while y0 < h {
        let mut x0 = SPACING - DIM;
        while x0 < w {
            // Columns of the block that fall inside the image.
            let c0 = (-x0).max(0) as usize;
            let c1 = (w - x0).clamp(0, DIM) as usize;
            let xs = (x0.max(0)) as usize;
            for (r, brow) in block.chunks_mut(dim).enumerate() {
                brow.fill(0);
                let y = y0 + r as i32;
                if (0..h).contains(&y) && c0 < c1 {
                    let start = y as usize * width + xs;
                    if let Some(src) = img.get(start..start + (c1 - c0)) {
                        // Blocks see the image inverted (ridges bright) and zero outside it.
                        for (b, &p) in brow[c0..c1].iter_mut().zip(src) {
                            *b = i32::from(!p);
                        }
                    }
                }
            }
            enhance_block(&mut block);
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
