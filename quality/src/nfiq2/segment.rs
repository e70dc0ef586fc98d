//! The local-region grid shared by NIST's FDA, LCS, OF and RVUP modules: the `ridgesegment`
//! foreground mask, and each 32x32 region's ridge orientation from `covcoef` (centred
//! differences) and `ridgeorient`.
//!
//! Contract: [`LocalGrid::compute`] visits exactly the regions NIST's loops visit (top-left corners
//! at 2 + 32k, while a 36x36 window with a 2-pixel border fits), in row-major order, and gives for
//! each its foreground flag (`allfun` over the mask) and orientation angle in radians.

/// Side of a local region (ISO/IEC 29794-4's 32x32).
pub(crate) const BLOCK: usize = 32;
/// Border added around a region so that the rotated 32x16 window stays inside (ceil(sqrt(32²+16²))).
pub(crate) const OFFSET: usize = 2;
/// Side of the window with its border.
pub(crate) const WINDOW: usize = BLOCK + 2 * OFFSET;
/// `ridgesegment`'s threshold on the normalised block standard deviation.
const SEGMENT_THRESHOLD: f64 = 0.1;

/// One visited region.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Region {
    /// Top row of the 32x32 region.
    pub r: usize,
    /// Left column of the 32x32 region.
    pub c: usize,
    /// All pixels of the region are foreground.
    pub foreground: bool,
    /// Orientation of the line perpendicular to the ridges, radians.
    pub orientation: f64,
}

/// The visited regions, row-major, with the grid shape.
pub(crate) struct LocalGrid {
    pub rows: usize,
    pub cols: usize,
    pub regions: Vec<Region>,
}

impl LocalGrid {
    /// Segments `img` and orients every region of the grid.
    pub(crate) fn compute(img: &[u8], width: usize, height: usize) -> Self {
        let seg = segment_blocks(img, width, height);
        let seg_cols = width.div_ceil(BLOCK);
        let mut regions = Vec::new();
        let (mut rows, mut cols) = (0, 0);
        let mut r = OFFSET;
        while (r as i64) < height as i64 - (BLOCK + OFFSET - 1) as i64 {
            rows += 1;
            cols = 0;
            let mut c = OFFSET;
            while (c as i64) < width as i64 - (BLOCK + OFFSET - 1) as i64 {
                cols += 1;
                // The region overlaps at most 2x2 segmentation blocks; all must be foreground.
                let (last_row, last_col) = (r + BLOCK - 1, c + BLOCK - 1);
                let (by0, by1) = (r / BLOCK, last_row / BLOCK);
                let (bx0, bx1) = (c / BLOCK, last_col / BLOCK);
                let foreground =
                    (by0..=by1).all(|by| (bx0..=bx1).all(|bx| seg[by * seg_cols + bx]));
                let (a, b, cc) = covcoef(img, width, r, c);
                regions.push(Region {
                    r,
                    c,
                    foreground,
                    orientation: ridgeorient(a, b, cc),
                });
                c += BLOCK;
            }
            r += BLOCK;
        }
        Self {
            rows,
            cols,
            regions,
        }
    }
}

/// `ridgesegment`'s mask, one flag per 32x32 block (edge blocks partial): the block's standard
/// deviation of the image normalised to zero mean and unit deviation exceeds 0.1.
///
/// NIST normalises every pixel in doubles and takes each block's deviation of those; here the
/// block deviation comes from exact integer sums, divided by the global deviation. The two agree
/// to the last few bits, which can only matter for a block lying exactly on the threshold.
fn segment_blocks(img: &[u8], width: usize, height: usize) -> Vec<bool> {
    let n = img.len() as f64;
    let (mut s, mut sq) = (0u64, 0u64);
    for &p in img {
        s += u64::from(p);
        sq += u64::from(p) * u64::from(p);
    }
    let scale = 1.0 / n;
    let mean = s as f64 * scale;
    let std = (sq as f64 * scale - mean * mean).max(0.0).sqrt();
    let bw = width.div_ceil(BLOCK);
    let bh = height.div_ceil(BLOCK);
    let mut out = Vec::with_capacity(bw * bh);
    for by in 0..bh {
        for bx in 0..bw {
            let (y0, y1) = (by * BLOCK, ((by + 1) * BLOCK).min(height));
            let (x0, x1) = (bx * BLOCK, ((bx + 1) * BLOCK).min(width));
            let (mut bs, mut bsq) = (0u64, 0u64);
            for y in y0..y1 {
                for &p in &img[y * width + x0..y * width + x1] {
                    bs += u64::from(p);
                    bsq += u64::from(p) * u64::from(p);
                }
            }
            let cnt = ((y1 - y0) * (x1 - x0)) as f64;
            let bmean = bs as f64 / cnt;
            let bvar = (bsq as f64 / cnt - bmean * bmean).max(0.0);
            // Dividing by a zero global deviation gives NaN in NIST's code: never foreground.
            let normalised = bvar.sqrt() / std;
            out.push(normalised > SEGMENT_THRESHOLD);
        }
    }
    out
}

/// `covcoef` with centred differences (forward at the edges) on the 32x32 region at (r, c):
/// the means of fx², fy² and fx·fy (exact, see [`super::gradient`]).
fn covcoef(img: &[u8], width: usize, r: usize, c: usize) -> (f64, f64, f64) {
    let (a, b, cc) = super::gradient::doubled_sums(img, width, c, r);
    let scale = 1.0 / (BLOCK * BLOCK) as f64;
    (
        a as f64 / 4.0 * scale,
        b as f64 / 4.0 * scale,
        cc as f64 / 4.0 * scale,
    )
}

/// `ridgeorient`: the angle of the line perpendicular to the ridge flow.
fn ridgeorient(a: f64, b: f64, c: f64) -> f64 {
    let temp = a - b;
    let denom = (c * c + temp * temp) + f64::EPSILON;
    let sin2 = c / denom;
    let cos2 = temp / denom;
    sin2.atan2(cos2) / 2.0
}

/// Side of the window padded by 2 more pixels (FDA and RVUP rotate this).
pub(crate) const PADDED: usize = WINDOW + 4;

/// Copies the 40x40 window around the region at (r, c): NIST pads the 36x36 window with
/// `copyMakeBorder(BORDER_CONSTANT)`, which on an OpenCV sub-matrix takes the neighbouring image
/// pixels where they exist and 0 only beyond the image.
pub(crate) fn padded_window(
    img: &[u8],
    width: usize,
    height: usize,
    r: usize,
    c: usize,
    out: &mut [u8; PADDED * PADDED],
) {
    let (top, left) = (r as i64 - OFFSET as i64 - 2, c as i64 - OFFSET as i64 - 2);
    // Columns of the window inside the image (the same for every row), copied as one slice.
    let x_lo = (-left).clamp(0, PADDED as i64) as usize;
    let x_hi = (width as i64 - left).clamp(x_lo as i64, PADDED as i64) as usize;
    for (y, row) in out.chunks_exact_mut(PADDED).enumerate() {
        let iy = top + y as i64;
        row.fill(0);
        if iy < 0 || iy >= height as i64 || x_lo >= x_hi {
            continue;
        }
        let start = iy as usize * width + (left + x_lo as i64) as usize;
        if let Some(src) = img.get(start..start + (x_hi - x_lo)) {
            row[x_lo..x_hi].copy_from_slice(src);
        }
    }
}

/// Copies the 36x36 window (region plus border) whose region starts at (r, c).
pub(crate) fn window(
    img: &[u8],
    width: usize,
    r: usize,
    c: usize,
    out: &mut [u8; WINDOW * WINDOW],
) {
    for y in 0..WINDOW {
        let src = (r - OFFSET + y) * width + c - OFFSET;
        out[y * WINDOW..(y + 1) * WINDOW].copy_from_slice(&img[src..src + WINDOW]);
    }
}

/// NIST's `getRidgeValleyStructure` on a `rows x cols` block: column means `v3`, their least-squares
/// line (coefficients rounded to 10 decimals), and which columns are ridge (darker than the line).
pub(crate) fn ridge_valley_structure(
    block: &[u8],
    rows: usize,
    cols: usize,
    ridval: &mut Vec<bool>,
    dt: &mut Vec<f64>,
) {
    ridval.clear();
    dt.clear();
    let scale = 1.0 / rows as f64;
    let mut v3 = [0.0f64; 64];
    for (i, v) in v3.iter_mut().enumerate().take(cols) {
        let s: u32 = (0..rows).map(|y| u32::from(block[y * cols + i])).sum();
        *v = f64::from(s) * scale;
    }
    let (intercept, slope) = least_squares_line(&v3[..cols]);
    let round10 = |v: f64| (v * 10_000_000_000.0).round() / 10_000_000_000.0;
    let (intercept, slope) = (round10(intercept), round10(slope));
    for (i, &v) in v3.iter().enumerate().take(cols) {
        let d = (i + 1) as f64 * slope + intercept;
        dt.push(d);
        ridval.push(v < d);
    }
}

/// Least-squares fit of `y = intercept + slope * x` for x = 1..=n (NIST uses OpenCV's QR solver;
/// both agree far below the 10-decimal rounding NIST applies to the coefficients).
fn least_squares_line(y: &[f64]) -> (f64, f64) {
    let n = y.len() as f64;
    let xm = (n + 1.0) / 2.0;
    let ym = y.iter().sum::<f64>() / n;
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for (i, &v) in y.iter().enumerate() {
        let dx = (i + 1) as f64 - xm;
        sxy += dx * (v - ym);
        sxx += dx * dx;
    }
    let slope = sxy / sxx;
    (ym - slope * xm, slope)
}
