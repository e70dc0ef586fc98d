//! The reversible 5/3 wavelet (ISO/IEC 15444-1 Annex F, lifting form) and the reversible
//! colour transform (Annex G.2).
//!
//! Contract: [`forward`] replaces a row-major plane by its `levels`-level decomposition in the
//! usual layout (each level's LL in the top-left corner, HL right of it, LH below it, HH
//! diagonal), for a tile anchored at the origin; the decoder's inverse transform restores the
//! input exactly. Columns are filtered before rows, the reverse of the decoder's order.

/// One level of 1-D analysis of `x` (first sample at an even coordinate), written back as the
/// low-pass samples followed by the high-pass ones.
fn analyse(x: &mut [i32], scratch: &mut Vec<i32>) {
    let n = x.len();
    if n < 2 {
        // A lone sample at an even coordinate is its own low-pass value.
        return;
    }
    // Symmetric extension: a missing right neighbour mirrors to the left one (x[n] = x[n-2]),
    // a missing left neighbour to the right one (x[-1] = x[1]).
    for i in (1..n).step_by(2) {
        let right = if i + 1 < n { x[i + 1] } else { x[i - 1] };
        x[i] -= (x[i - 1] + right) >> 1;
    }
    for i in (0..n).step_by(2) {
        let left = if i > 0 { x[i - 1] } else { x[1] };
        let right = if i + 1 < n { x[i + 1] } else { x[i - 1] };
        x[i] += (left + right + 2) >> 2;
    }
    scratch.clear();
    scratch.extend(x.iter().step_by(2));
    scratch.extend(x.iter().skip(1).step_by(2));
    x.copy_from_slice(scratch);
}

/// Decomposes `plane` (`width` x `height`, row-major) in place, `levels` times.
pub(crate) fn forward(plane: &mut [i32], width: usize, height: usize, levels: u32) {
    let mut scratch = Vec::new();
    let mut line = Vec::new();
    let (mut w, mut h) = (width, height);
    for _ in 0..levels {
        for x in 0..w {
            line.clear();
            line.extend((0..h).map(|y| plane[y * width + x]));
            analyse(&mut line, &mut scratch);
            for (y, v) in line.iter().enumerate() {
                plane[y * width + x] = *v;
            }
        }
        for y in 0..h {
            analyse(&mut plane[y * width..y * width + w], &mut scratch);
        }
        w = w.div_ceil(2);
        h = h.div_ceil(2);
    }
}

/// The reversible colour transform of DC-shifted R, G, B planes into Y, Cb (B - G), Cr (R - G).
pub(crate) fn rct(r: &mut [i32], g: &mut [i32], b: &mut [i32]) {
    for ((r, g), b) in r.iter_mut().zip(g.iter_mut()).zip(b.iter_mut()) {
        let y = (*r + 2 * *g + *b) >> 2;
        let cb = *b - *g;
        let cr = *r - *g;
        *r = y;
        *g = cb;
        *b = cr;
    }
}
