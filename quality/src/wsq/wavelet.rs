//! The WSQ two-channel wavelet transform (the 9/7 biorthogonal filter bank with symmetric
//! extension), forward over the 20-node decomposition tree and inverse back to pixels.
//!
//! Contract: results are bit-identical to NBIS (`get_lets` / `join_lets` in its `wsq/util.c`),
//! because every output sample is the same sequence of single-precision multiply-adds in the same
//! order. NBIS walks a pointer across the signal and bounces it off both ends; here that walk is
//! replayed once per line length into a [`Plan`] (for each output sample, the input samples and
//! coefficients in NBIS's order), which is then applied to all columns of a node a whole row at a
//! time (rows are filtered the same way on the transpose). A walk that would leave the signal (a
//! line too short for the filter) is refused, never read out of bounds.

use super::tree::Trees;

/// For each output sample, the (input index, coefficient) terms in NBIS's order; the first term
/// sets the sample and the rest are added one at a time.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    starts: Vec<usize>,
    terms: Vec<(usize, f32)>,
}

#[derive(Clone, Copy)]
enum Op {
    Set,
    Add,
}

struct Recorder {
    n: usize,
    ops: Vec<(usize, usize, f32, Op)>,
}

impl Recorder {
    fn push(&mut self, out: isize, input: isize, coef: f32, op: Op) -> Option<()> {
        let out = usize::try_from(out).ok().filter(|&o| o < self.n)?;
        let input = usize::try_from(input).ok().filter(|&i| i < self.n)?;
        self.ops.push((out, input, coef, op));
        Some(())
    }

    /// Groups the recorded operations per output. An assignment discards what came before it;
    /// only the first two outputs start from zero (NBIS clears just those), so any other output
    /// that is never assigned would be undefined and the plan is refused.
    fn finish(self) -> Option<Plan> {
        let mut per_out: Vec<Vec<(usize, f32)>> = vec![Vec::new(); self.n];
        let mut assigned = vec![false; self.n];
        for (out, input, coef, op) in self.ops {
            if let Op::Set = op {
                per_out[out].clear();
                assigned[out] = true;
            }
            per_out[out].push((input, coef));
        }
        let mut starts = Vec::with_capacity(self.n + 1);
        let mut terms = Vec::new();
        for (k, list) in per_out.into_iter().enumerate() {
            if !assigned[k] && k >= 2 {
                return None;
            }
            starts.push(terms.len());
            terms.extend(list);
        }
        starts.push(terms.len());
        Some(Plan { starts, terms })
    }
}

fn band_lengths(n: usize) -> (usize, usize) {
    if n % 2 == 1 {
        (n.div_ceil(2), n.div_ceil(2) - 1)
    } else {
        (n / 2, n / 2)
    }
}

/// Symmetric-extension walk state: position, step, and whether the next hit of the left or
/// right end repeats the end sample (half-sample symmetry) instead of reflecting.
#[derive(Clone, Copy)]
struct Walk {
    px: isize,
    step: isize,
    le: bool,
    re: bool,
}

impl Plan {
    /// The analysis plan for a line of `n` samples: low band then high band, or high band first
    /// when `inv` (NBIS `get_lets`).
    pub fn analysis(n: usize, lo: &[f32], hi: &[f32], inv: bool) -> Option<Plan> {
        let lsz = isize::try_from(lo.len()).ok()?;
        let hsz = isize::try_from(hi.len()).ok()?;
        if lsz == 0 || hsz == 0 || n < 2 {
            return None;
        }
        let odd_data = n % 2 == 1;
        let odd_filter = lsz % 2 == 1;
        let (mut loc, mut hoc, mut olle, mut ohle, olre, ohre);
        let hsign: f32;
        if odd_filter {
            loc = (lsz - 1) / 2;
            hoc = (hsz - 1) / 2 - 1;
            (olle, ohle, olre, ohre) = (false, false, false, false);
            hsign = 1.0;
        } else {
            loc = lsz / 2 - 2;
            hoc = hsz / 2 - 2;
            (olle, ohle, olre, ohre) = (true, true, true, true);
            if loc == -1 {
                loc = 0;
                olle = false;
            }
            if hoc == -1 {
                hoc = 0;
                ohle = false;
            }
            hsign = -1.0;
        }
        let (llen, hlen) = band_lengths(n);
        let (lo_out, hi_out) = if inv { (hlen, 0) } else { (0, llen) };
        let last = n as isize - 1;
        let mut rec = Recorder {
            n,
            ops: Vec::with_capacity(n * (lo.len().max(hi.len()))),
        };

        let window = |rec: &mut Recorder, out: usize, w: Walk, coefs: &[f32], sign: f32| {
            let Walk {
                mut px,
                mut step,
                mut le,
                mut re,
            } = w;
            rec.push(out as isize, px, coefs[0] * sign, Op::Set)?;
            for &c in &coefs[1..] {
                if px == 0 {
                    if le {
                        step = 0;
                        le = false;
                    } else {
                        step = 1;
                    }
                }
                if px == last {
                    if re {
                        step = 0;
                        re = false;
                    } else {
                        step = -1;
                    }
                }
                px += step;
                rec.push(out as isize, px, c * sign, Op::Add)?;
            }
            Some(())
        };

        let mut lw = Walk {
            px: loc,
            step: -1,
            le: olle,
            re: olre,
        };
        let mut hw = Walk {
            px: hoc,
            step: -1,
            le: ohle,
            re: ohre,
        };
        for pix in 0..hlen {
            window(&mut rec, lo_out + pix, lw, lo, 1.0)?;
            window(&mut rec, hi_out + pix, hw, hi, hsign)?;
            for _ in 0..2 {
                for w in [&mut lw, &mut hw] {
                    if w.px == 0 {
                        if w.le {
                            w.step = 0;
                            w.le = false;
                        } else {
                            w.step = 1;
                        }
                    }
                    w.px += w.step;
                }
            }
        }
        if odd_data {
            window(&mut rec, lo_out + hlen, lw, lo, 1.0)?;
        }
        rec.finish()
    }

    /// The synthesis plan rebuilding a line of `n` samples from its low and high bands, laid out
    /// as [`Plan::analysis`] lays them out (NBIS `join_lets`).
    pub fn synthesis(n: usize, lo: &[f32], hi: &[f32], inv: bool) -> Option<Plan> {
        let lsz = isize::try_from(lo.len()).ok()?;
        let hsz = isize::try_from(hi.len()).ok()?;
        if lsz == 0 || hsz == 0 || n < 2 {
            return None;
        }
        let odd_data = n % 2 == 1;
        let odd_filter = lsz % 2 == 1;
        let (llen, hlen) = band_lengths(n);
        let (asym, ssfac, ofhre, mut loc, mut hoc, lotap, hotap);
        let (mut olle, olre, mut ohle, ohre);
        let hsign: f32;
        if odd_filter {
            (asym, ssfac, ofhre) = (false, 1.0f32, 0isize);
            loc = (lsz - 1) / 4;
            hoc = (hsz + 1) / 4 - 1;
            lotap = ((lsz - 1) / 2) % 2;
            hotap = ((hsz + 1) / 2) % 2;
            (olle, olre, ohle, ohre) = if odd_data {
                (false, false, true, true)
            } else {
                (false, true, true, false)
            };
            hsign = 1.0;
        } else {
            (asym, ssfac, ofhre) = (true, -1.0f32, 2isize);
            loc = lsz / 4 - 1;
            hoc = hsz / 4 - 1;
            lotap = (lsz / 2) % 2;
            hotap = (hsz / 2) % 2;
            (olle, olre, ohle, ohre) = if odd_data {
                (true, false, true, true)
            } else {
                (true, true, true, true)
            };
            if loc == -1 {
                loc = 0;
                olle = false;
            }
            if hoc == -1 {
                hoc = 0;
                ohle = false;
            }
            hsign = -1.0;
        }
        let (lo_base, hi_base) = if inv {
            (hlen as isize, 0isize)
        } else {
            (0isize, llen as isize)
        };
        let lp1 = llen as isize - 1;
        let hp1 = hlen as isize - 1;
        let mut rec = Recorder {
            n,
            ops: Vec::with_capacity(n * (lo.len() + hi.len()) / 2 + 4),
        };

        // One low-band output: taps tap, tap+2, ... of the low filter.
        let lo_window = |rec: &mut Recorder, out: isize, w: Walk, tap: isize| -> Option<()> {
            let Walk {
                mut px,
                mut step,
                mut le,
                mut re,
            } = w;
            rec.push(out, lo_base + px, *lo.get(tap as usize)?, Op::Set)?;
            let mut i = tap + 2;
            while i < lsz {
                if px == 0 {
                    if le {
                        step = 0;
                        le = false;
                    } else {
                        step = 1;
                    }
                }
                if px == lp1 {
                    if re {
                        step = 0;
                        re = false;
                    } else {
                        step = -1;
                    }
                }
                px += step;
                rec.push(out, lo_base + px, lo[i as usize], Op::Add)?;
                i += 2;
            }
            Some(())
        };
        // One high-band contribution; `fhre` and `sfac` carry NBIS's even-filter sign handling.
        let hi_window = |rec: &mut Recorder,
                         out: isize,
                         w: Walk,
                         tap: isize,
                         mut fhre: isize,
                         mut sfac: f32|
         -> Option<isize> {
            let Walk {
                mut px,
                mut step,
                mut le,
                mut re,
            } = w;
            let mut i = tap;
            while i < hsz {
                if px == 0 {
                    if le {
                        step = 0;
                        le = false;
                    } else {
                        step = 1;
                        sfac = 1.0;
                    }
                }
                if px == hp1 {
                    if re {
                        step = 0;
                        re = false;
                        if asym && odd_data {
                            re = true;
                            fhre -= 1;
                            sfac = fhre as f32;
                            if sfac == 0.0 {
                                re = false;
                            }
                        }
                    } else {
                        step = -1;
                        if asym {
                            sfac = -1.0;
                        }
                    }
                }
                // sfac and hsign are 0 or +-1, so folding them into the coefficient is exact.
                rec.push(out, hi_base + px, hi[i as usize] * hsign * sfac, Op::Add)?;
                px += step;
                i += 2;
            }
            Some(fhre)
        };

        let mut limg: isize = 0;
        let mut himg: isize = 0;
        let mut lw = Walk {
            px: loc,
            step: -1,
            le: olle,
            re: olre,
        };
        let mut hw = Walk {
            px: hoc,
            step: -1,
            le: ohle,
            re: ohre,
        };
        let mut lstap = lotap;
        let mut hstap = hotap;
        let mut osfac = ssfac;
        let mut fhre = ofhre;
        for _ in 0..hlen {
            for tap in (0..=lstap).rev() {
                lo_window(&mut rec, limg, lw, tap)?;
                limg += 1;
            }
            if lw.px == 0 {
                if lw.le {
                    lw.step = 0;
                    lw.le = false;
                } else {
                    lw.step = 1;
                }
            }
            lw.px += lw.step;
            lstap = 1;
            for tap in (0..=hstap).rev() {
                fhre = hi_window(&mut rec, himg, hw, tap, ofhre, osfac)?;
                himg += 1;
            }
            if hw.px == 0 {
                if hw.le {
                    hw.step = 0;
                    hw.le = false;
                } else {
                    hw.step = 1;
                    osfac = 1.0;
                }
            }
            hw.px += hw.step;
            hstap = 1;
        }
        let lstap = match (odd_data, lotap == 1) {
            (true, true) => 1,
            (true, false) => 0,
            (false, true) => 2,
            (false, false) => 1,
        };
        for tap in (lstap..=1).rev() {
            lo_window(&mut rec, limg, lw, tap)?;
            limg += 1;
        }
        let hstap;
        if odd_data {
            hstap = isize::from(hotap == 1);
            if hsz == 2 {
                hw.px -= hw.step;
                fhre = 1;
            }
        } else {
            hstap = if hotap == 1 { 2 } else { 1 };
        }
        for tap in (hstap..=1).rev() {
            if hsz != 2 {
                fhre = ofhre;
            }
            fhre = hi_window(&mut rec, himg, hw, tap, fhre, osfac)?;
            himg += 1;
        }
        rec.finish()
    }

    fn terms(&self, k: usize) -> &[(usize, f32)] {
        &self.terms[self.starts[k]..self.starts[k + 1]]
    }

    fn len(&self) -> usize {
        self.starts.len() - 1
    }

    /// Applies the plan down the columns: row `k` of `dst` from rows of `src`, `cols` wide.
    fn apply_columns(&self, src: &Region<'_>, dst: &mut RegionMut<'_>, cols: usize) {
        for k in 0..self.len() {
            let d = dst.row(k, cols);
            match self.terms(k).split_first() {
                Some((&(i0, c0), rest)) => {
                    for (dv, &sv) in d.iter_mut().zip(src.row(i0, cols)) {
                        *dv = sv * c0;
                    }
                    for &(i, c) in rest {
                        for (dv, &sv) in d.iter_mut().zip(src.row(i, cols)) {
                            *dv += sv * c;
                        }
                    }
                }
                None => d.fill(0.0),
            }
        }
    }
}

/// A rectangle of a row-major buffer: `offset` of its top-left sample and the buffer's `stride`.
struct Region<'a> {
    buf: &'a [f32],
    offset: usize,
    stride: usize,
}

impl Region<'_> {
    fn row(&self, r: usize, cols: usize) -> &[f32] {
        let start = self.offset + r * self.stride;
        &self.buf[start..start + cols]
    }
}

struct RegionMut<'a> {
    buf: &'a mut [f32],
    offset: usize,
    stride: usize,
}

impl RegionMut<'_> {
    fn row(&mut self, r: usize, cols: usize) -> &mut [f32] {
        let start = self.offset + r * self.stride;
        &mut self.buf[start..start + cols]
    }
}

/// Transposes a `rows` x `cols` rectangle of `src` (at `offset`, row stride `stride`) into `dst`
/// as `cols` x `rows`, row stride `dst_stride`, at `dst_offset`. Blocked for cache locality.
#[allow(clippy::too_many_arguments)]
fn transpose(
    src: &[f32],
    offset: usize,
    stride: usize,
    rows: usize,
    cols: usize,
    dst: &mut [f32],
    dst_offset: usize,
    dst_stride: usize,
) {
    const B: usize = 16;
    for r0 in (0..rows).step_by(B) {
        for c0 in (0..cols).step_by(B) {
            for r in r0..(r0 + B).min(rows) {
                let row = &src[offset + r * stride..][..cols];
                for c in c0..(c0 + B).min(cols) {
                    dst[dst_offset + c * dst_stride + r] = row[c];
                }
            }
        }
    }
}

/// Scratch planes reused across nodes.
struct Scratch {
    a: Vec<f32>,
    b: Vec<f32>,
}

impl Scratch {
    fn new(len: usize) -> Self {
        Scratch {
            a: vec![0.0; len],
            b: vec![0.0; len],
        }
    }

    /// Filters every row of the `lenx` x `leny` rectangle of `src` into `dst` with `plan`. Done
    /// as a column pass on the transpose, so a whole column of rows is filtered at once; each
    /// output is still the same sums in the same order.
    #[allow(clippy::too_many_arguments)]
    fn filter_rows(
        &mut self,
        plan: &Plan,
        src: &[f32],
        src_off: usize,
        src_stride: usize,
        dst: &mut [f32],
        dst_off: usize,
        dst_stride: usize,
        lenx: usize,
        leny: usize,
    ) {
        transpose(src, src_off, src_stride, leny, lenx, &mut self.a, 0, leny);
        let from = Region {
            buf: &self.a,
            offset: 0,
            stride: leny,
        };
        let mut to = RegionMut {
            buf: &mut self.b,
            offset: 0,
            stride: leny,
        };
        plan.apply_columns(&from, &mut to, leny);
        transpose(&self.b, 0, leny, lenx, leny, dst, dst_off, dst_stride);
    }
}

/// Forward transform in place over all 20 nodes (NBIS `wsq_decompose`).
pub(crate) fn decompose(
    data: &mut [f32],
    width: usize,
    trees: &Trees,
    lo: &[f32],
    hi: &[f32],
) -> Option<()> {
    let area = trees.w[0].lenx * trees.w[0].leny;
    let mut tmp = vec![0.0f32; area];
    let mut scratch = Scratch::new(area);
    for node in &trees.w {
        let (lenx, leny) = (node.lenx, node.leny);
        let base = node.y * width + node.x;
        let rows = Plan::analysis(lenx, lo, hi, node.inv_rw)?;
        let cols = Plan::analysis(leny, lo, hi, node.inv_cl)?;
        scratch.filter_rows(&rows, data, base, width, &mut tmp, 0, lenx, lenx, leny);
        let src = Region {
            buf: &tmp,
            offset: 0,
            stride: lenx,
        };
        let mut dst = RegionMut {
            buf: data,
            offset: base,
            stride: width,
        };
        cols.apply_columns(&src, &mut dst, lenx);
    }
    Some(())
}

/// Inverse transform in place, nodes in reverse order (NBIS `wsq_reconstruct`).
pub(crate) fn reconstruct(
    data: &mut [f32],
    width: usize,
    trees: &Trees,
    lo: &[f32],
    hi: &[f32],
) -> Option<()> {
    let area = trees.w[0].lenx * trees.w[0].leny;
    let mut tmp = vec![0.0f32; area];
    let mut scratch = Scratch::new(area);
    for node in trees.w.iter().rev() {
        let (lenx, leny) = (node.lenx, node.leny);
        let base = node.y * width + node.x;
        let cols = Plan::synthesis(leny, lo, hi, node.inv_cl)?;
        let rows = Plan::synthesis(lenx, lo, hi, node.inv_rw)?;
        let src = Region {
            buf: data,
            offset: base,
            stride: width,
        };
        let mut dst = RegionMut {
            buf: &mut tmp,
            offset: 0,
            stride: lenx,
        };
        cols.apply_columns(&src, &mut dst, lenx);
        scratch.filter_rows(&rows, &tmp, 0, lenx, data, base, width, lenx, leny);
    }
    Some(())
}
