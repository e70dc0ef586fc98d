//! Orientation Certainty Level (OCL): NIST's `getOCLValueOfBlock` over full 32x32 blocks.
//!
//! Contract: blocks tile the image from the top-left, partial edge blocks are skipped; each
//! block's gradient covariance (numerical gradients, forward at the edges) gives
//! `1 - λmin/λmax`, blocks with `λmax == 0` are left out. Sums are exact in doubles.

/// Block side.
pub(crate) const BS: usize = 32;

/// OCL values of the full blocks, row-major.
pub(crate) fn values(img: &[u8], width: usize, height: usize) -> Vec<f64> {
    let mut out = Vec::new();
    let mut i = 0;
    while i + BS <= height {
        let mut j = 0;
        while j + BS <= width {
            if let Some(v) = block_ocl(img, width, j, i) {
                out.push(v);
            }
            j += BS;
        }
        i += BS;
    }
    // Rows and columns that do not fill a block are never visited.
    out
}

/// OCL of the 32x32 block whose top-left corner is (x0, y0); `None` when it has no gradient.
pub(crate) fn block_ocl(img: &[u8], width: usize, x0: usize, y0: usize) -> Option<f64> {
    let (a, b, c) = super::gradient::doubled_sums(img, width, x0, y0);
    let (mut a, mut b, mut c) = (a as f64 / 4.0, b as f64 / 4.0, c as f64 / 4.0);
    let n = (BS * BS) as f64;
    a /= n;
    b /= n;
    c /= n;
    let root = ((a - b) * (a - b) + 4.0 * (c * c)).sqrt();
    let eig_max = ((a + b) + root) / 2.0;
    let eig_min = ((a + b) - root) / 2.0;
    if eig_max == 0.0 {
        return None;
    }
    Some(1.0 - eig_min / eig_max)
}
