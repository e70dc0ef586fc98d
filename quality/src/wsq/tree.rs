//! The WSQ subband geometry: the 20-node wavelet decomposition tree and the 64 quantisation
//! subbands (60 coded), as the FBI specification and NBIS lay them out for a given image size.
//!
//! Contract: pure functions of (width, height); every rectangle lies inside the image. Odd lengths
//! split exactly as NBIS splits them, which decides where every coefficient lives.

/// One node of the wavelet decomposition: a rectangle split once in each direction.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct WNode {
    pub x: usize,
    pub y: usize,
    pub lenx: usize,
    pub leny: usize,
    /// Rows are split high band first (spectral inversion).
    pub inv_rw: bool,
    /// Columns are split high band first.
    pub inv_cl: bool,
}

/// One quantisation subband: a rectangle of coefficients.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct QBand {
    pub x: usize,
    pub y: usize,
    pub lenx: usize,
    pub leny: usize,
}

impl QBand {
    pub fn area(&self) -> usize {
        self.lenx * self.leny
    }
}

pub(crate) const W_TREE_LEN: usize = 20;
pub(crate) const Q_TREE_LEN: usize = 64;
/// Subbands 60..64 are never coded.
pub(crate) const NUM_SUBBANDS: usize = 60;
/// First subband of the second and third entropy-coded blocks.
pub(crate) const BLOCK2_START: usize = 19;
pub(crate) const BLOCK3_START: usize = 52;

/// The decomposition of one image size.
#[derive(Debug, Clone)]
pub(crate) struct Trees {
    pub w: [WNode; W_TREE_LEN],
    pub q: [QBand; Q_TREE_LEN],
}

impl Trees {
    pub fn new(width: usize, height: usize) -> Self {
        let w = build_w_tree(width, height);
        let q = build_q_tree(&w);
        Trees { w, q }
    }

    /// Whether every node and subband is large enough for the filters to be defined on it.
    pub fn is_usable(&self) -> bool {
        self.w.iter().all(|n| n.lenx >= 2 && n.leny >= 2)
            && self.q[..NUM_SUBBANDS]
                .iter()
                .all(|b| b.lenx >= 1 && b.leny >= 1)
    }
}

/// Splits `len` in two; an odd length puts the extra sample in the second part when
/// `first_smaller`, else in the first.
fn halves(len: usize, first_smaller: bool) -> (usize, usize) {
    if first_smaller {
        (len / 2, len.div_ceil(2))
    } else {
        (len.div_ceil(2), len / 2)
    }
}

fn build_w_tree(width: usize, height: usize) -> [WNode; W_TREE_LEN] {
    let mut w = [WNode::default(); W_TREE_LEN];
    for i in [2, 4, 7, 9, 11, 13, 16, 18] {
        w[i].inv_rw = true;
    }
    for i in [3, 5, 8, 9, 12, 13, 17, 18] {
        w[i].inv_cl = true;
    }
    w_tree4(&mut w, 0, 1, width, height, 0, 0, true);
    let (lenx, lenx2) = halves(w[1].lenx, false);
    let (leny, leny2) = halves(w[1].leny, false);
    w_tree4(&mut w, 4, 6, lenx2, leny, lenx, 0, false);
    w_tree4(&mut w, 5, 10, lenx, leny2, 0, leny, false);
    w_tree4(&mut w, 14, 15, lenx, leny, 0, 0, false);
    w[19].x = 0;
    w[19].y = 0;
    w[19].lenx = w[15].lenx.div_ceil(2);
    w[19].leny = w[15].leny.div_ceil(2);
    w
}

/// Places node `p1` and its four children starting at `p2`; `top` skips the fourth child of the
/// root, whose area holds the never-coded subbands 60..64.
#[allow(clippy::too_many_arguments)]
fn w_tree4(
    w: &mut [WNode; W_TREE_LEN],
    p1: usize,
    p2: usize,
    lenx: usize,
    leny: usize,
    x: usize,
    y: usize,
    top: bool,
) {
    w[p1].x = x;
    w[p1].y = y;
    w[p1].lenx = lenx;
    w[p1].leny = leny;
    w[p2].x = x;
    w[p2 + 2].x = x;
    w[p2].y = y;
    w[p2 + 1].y = y;
    // NBIS gives node 4 (and node 5 vertically) the smaller half of an odd length.
    let (a, b) = halves(lenx, p1 == 4);
    w[p2].lenx = a;
    w[p2 + 1].lenx = b;
    w[p2 + 1].x = a + x;
    if !top {
        w[p2 + 3].lenx = w[p2 + 1].lenx;
        w[p2 + 3].x = w[p2 + 1].x;
    }
    w[p2 + 2].lenx = w[p2].lenx;
    let (a, b) = halves(leny, p1 == 5);
    w[p2].leny = a;
    w[p2 + 2].leny = b;
    w[p2 + 2].y = a + y;
    if !top {
        w[p2 + 3].leny = w[p2 + 2].leny;
        w[p2 + 3].y = w[p2 + 2].y;
    }
    w[p2 + 1].leny = w[p2].leny;
}

fn build_q_tree(w: &[WNode; W_TREE_LEN]) -> [QBand; Q_TREE_LEN] {
    let mut q = [QBand::default(); Q_TREE_LEN];
    // Order matters: the 4-band split of node 19 overwrites band 3 of the first group.
    q_tree16(&mut q, 3, &w[14], false, false);
    q_tree16(&mut q, 19, &w[4], false, true);
    q_tree16(&mut q, 48, &w[0], false, false);
    q_tree16(&mut q, 35, &w[5], true, false);
    q_tree4(&mut q, 0, &w[19]);
    q
}

/// Splits a node into 16 subbands (two levels), numbered from `p`.
fn q_tree16(q: &mut [QBand; Q_TREE_LEN], p: usize, n: &WNode, rw: bool, cl: bool) {
    let (x, y, lenx, leny) = (n.x, n.y, n.lenx, n.leny);
    let (tempx, temp2x) = halves(lenx, cl);
    let (tempy, temp2y) = halves(leny, rw);

    q[p].x = x;
    q[p + 2].x = x;
    q[p].y = y;
    q[p + 1].y = y;
    let (a, b) = halves(tempx, false);
    q[p].lenx = a;
    q[p + 1].lenx = b;
    q[p + 2].lenx = a;
    q[p + 3].lenx = b;
    q[p + 1].x = x + a;
    q[p + 3].x = q[p + 1].x;
    let (a, b) = halves(tempy, false);
    q[p].leny = a;
    q[p + 1].leny = a;
    q[p + 2].leny = b;
    q[p + 3].leny = b;
    q[p + 2].y = y + a;
    q[p + 3].y = q[p + 2].y;

    q[p + 4].x = x + tempx;
    q[p + 6].x = q[p + 4].x;
    q[p + 4].y = y;
    q[p + 5].y = y;
    q[p + 6].y = q[p + 2].y;
    q[p + 7].y = q[p + 2].y;
    q[p + 4].leny = q[p].leny;
    q[p + 5].leny = q[p].leny;
    q[p + 6].leny = q[p + 2].leny;
    q[p + 7].leny = q[p + 2].leny;
    let (a, b) = halves(temp2x, true);
    q[p + 4].lenx = a;
    q[p + 5].lenx = b;
    q[p + 6].lenx = a;
    q[p + 7].lenx = b;
    q[p + 5].x = q[p + 4].x + a;
    q[p + 7].x = q[p + 5].x;

    q[p + 8].x = x;
    q[p + 9].x = q[p + 1].x;
    q[p + 10].x = x;
    q[p + 11].x = q[p + 1].x;
    q[p + 8].y = y + tempy;
    q[p + 9].y = q[p + 8].y;
    q[p + 8].lenx = q[p].lenx;
    q[p + 9].lenx = q[p + 1].lenx;
    q[p + 10].lenx = q[p].lenx;
    q[p + 11].lenx = q[p + 1].lenx;
    let (a, b) = halves(temp2y, true);
    q[p + 8].leny = a;
    q[p + 9].leny = a;
    q[p + 10].leny = b;
    q[p + 11].leny = b;
    q[p + 10].y = q[p + 8].y + a;
    q[p + 11].y = q[p + 10].y;

    for (dst, src) in [(12, 4), (13, 5), (14, 4), (15, 5)] {
        q[p + dst].x = q[p + src].x;
        q[p + dst].lenx = q[p + src].lenx;
    }
    for (dst, src) in [(12, 8), (13, 8), (14, 10), (15, 10)] {
        q[p + dst].y = q[p + src].y;
        q[p + dst].leny = q[p + src].leny;
    }
}

/// Splits a node into 4 subbands, numbered from `p`.
fn q_tree4(q: &mut [QBand; Q_TREE_LEN], p: usize, n: &WNode) {
    let (x, y) = (n.x, n.y);
    q[p].x = x;
    q[p + 2].x = x;
    q[p].y = y;
    q[p + 1].y = y;
    let (a, b) = halves(n.lenx, false);
    q[p].lenx = a;
    q[p + 1].lenx = b;
    q[p + 2].lenx = a;
    q[p + 3].lenx = b;
    q[p + 1].x = x + a;
    q[p + 3].x = q[p + 1].x;
    let (a, b) = halves(n.leny, false);
    q[p].leny = a;
    q[p + 1].leny = a;
    q[p + 2].leny = b;
    q[p + 3].leny = b;
    q[p + 2].y = y + a;
    q[p + 3].y = q[p + 2].y;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coded_subbands_tile_the_image_minus_the_finest_diagonal_quadrant() {
        for (w, h) in [(545, 622), (500, 500), (257, 311), (800, 750)] {
            let t = Trees::new(w, h);
            assert!(t.is_usable());
            let mut cover = vec![0u8; w * h];
            for b in &t.q[..NUM_SUBBANDS] {
                for r in b.y..b.y + b.leny {
                    for c in b.x..b.x + b.lenx {
                        cover[r * w + c] += 1;
                    }
                }
            }
            assert!(cover.iter().all(|&c| c <= 1), "subbands overlap at {w}x{h}");
            let never_coded: usize = t.q[NUM_SUBBANDS..].iter().map(QBand::area).sum();
            let uncovered = cover.iter().filter(|&&c| c == 0).count();
            assert_eq!(uncovered, never_coded, "at {w}x{h}");
        }
    }
}
