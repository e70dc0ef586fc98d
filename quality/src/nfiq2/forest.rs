//! NIST's NFIQ 2.3 random forest (OpenCV `RTrees`, 100 trees, 2 classes), evaluated directly on
//! the compact binary model embedded in the crate (see `model/PROVENANCE.md` for its layout).
//!
//! Contract: [`Forest::predict_score`] gives exactly NIST's unified quality score: features are
//! narrowed to `f32`, a feature equal to `f32::MAX` (OpenCV's "missing") takes the model's
//! substitute value, each tree is walked with `value <= threshold` going left, the leaf values
//! (1 for the "good" class) are summed, scaled to 0-100 in `f32` and rounded half up. A damaged
//! model gives [`Nfiq2Error::Model`], never a panic.

use super::Nfiq2Error;

/// The embedded model (NIST's `nist_plain_tir-ink.yaml`, converted).
pub(crate) static NIST_PLAIN_TIR_INK: &[u8] = include_bytes!("model/nist_plain_tir-ink.bin");

/// Magic bytes at the start of a converted model.
pub const MAGIC: &[u8; 8] = b"RKNFIQ2F";
/// Layout version.
pub const VERSION: u32 = 1;
/// Bytes per node record: var (u8, 0xFF = leaf), threshold or leaf value (f32), right child (u16).
pub const NODE_BYTES: usize = 7;
/// Marks a leaf in the var byte.
pub const LEAF: u8 = 0xFF;

/// A validated view of a converted model.
pub(crate) struct Forest<'a> {
    bytes: &'a [u8],
    nvars: usize,
    ntrees: usize,
}

fn bad(what: &str) -> Nfiq2Error {
    Nfiq2Error::Model(what.to_string())
}

fn u32_at(b: &[u8], off: usize) -> Result<u32, Nfiq2Error> {
    let s = b.get(off..off + 4).ok_or_else(|| bad("truncated"))?;
    Ok(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

fn f32_at(b: &[u8], off: usize) -> Result<f32, Nfiq2Error> {
    Ok(f32::from_bits(u32_at(b, off)?))
}

impl<'a> Forest<'a> {
    /// Checks the header of a converted model.
    pub(crate) fn new(bytes: &'a [u8]) -> Result<Self, Nfiq2Error> {
        if bytes.get(..8) != Some(&MAGIC[..]) {
            return Err(bad("bad magic"));
        }
        if u32_at(bytes, 8)? != VERSION {
            return Err(bad("unsupported version"));
        }
        let nvars = u32_at(bytes, 12)? as usize;
        let ntrees = u32_at(bytes, 16)? as usize;
        if ntrees == 0 || nvars == 0 {
            return Err(bad("empty forest"));
        }
        let forest = Self {
            bytes,
            nvars,
            ntrees,
        };
        // The offset table must be present.
        u32_at(bytes, forest.offsets_at() + 4 * (ntrees - 1))?;
        Ok(forest)
    }

    fn offsets_at(&self) -> usize {
        20 + 4 * self.nvars
    }

    /// Sum of the leaf values reached by `sample` over all trees (OpenCV's `RAW_OUTPUT`).
    pub(crate) fn raw_votes(&self, sample: &[f32]) -> Result<f32, Nfiq2Error> {
        if sample.len() != self.nvars {
            return Err(bad("feature count differs from the model's"));
        }
        let mut sum = 0.0f64;
        for t in 0..self.ntrees {
            let start = u32_at(self.bytes, self.offsets_at() + 4 * t)? as usize;
            let count = u32_at(self.bytes, start)? as usize;
            let nodes = start + 4;
            let mut idx = 0usize;
            // Each step moves to a higher index, so a valid tree ends within `count` steps.
            for _ in 0..=count {
                if idx >= count {
                    return Err(bad("child index out of range"));
                }
                let at = nodes + idx * NODE_BYTES;
                let rec = self
                    .bytes
                    .get(at..at + NODE_BYTES)
                    .ok_or_else(|| bad("truncated tree"))?;
                let var = rec[0];
                let c = f32::from_bits(u32::from_le_bytes([rec[1], rec[2], rec[3], rec[4]]));
                if var == LEAF {
                    sum += f64::from(c);
                    break;
                }
                let var = var as usize;
                let mut val = *sample
                    .get(var)
                    .ok_or_else(|| bad("split variable out of range"))?;
                if val == f32::MAX {
                    val = f32_at(self.bytes, 20 + 4 * var)?;
                }
                let right = u16::from_le_bytes([rec[5], rec[6]]) as usize;
                idx = if val <= c { idx + 1 } else { right };
                if idx == 0 {
                    return Err(bad("child index points backwards"));
                }
            }
        }
        Ok(sum as f32)
    }

    /// NIST's unified quality score for a feature vector in the model's order.
    pub(crate) fn predict_score(&self, features: &[f64]) -> Result<u8, Nfiq2Error> {
        let sample: Vec<f32> = features.iter().map(|&v| v as f32).collect();
        let raw = self.raw_votes(&sample)?;
        let max_trees = self.ntrees as f32;
        let scaled = ((raw - 0.0) / (max_trees - 0.0)) * (100.0 - 0.0) + 0.0;
        let q = (f64::from(scaled) + 0.5).floor();
        if !(0.0..=100.0).contains(&q) {
            return Err(Nfiq2Error::Model(format!("score {q} out of range")));
        }
        Ok(q as u8)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_value_takes_the_model_substitute() {
        let f = Forest::new(NIST_PLAIN_TIR_INK).unwrap();
        let zeros = [0.0f32; 69];
        let mut missing = zeros;
        missing[11] = f32::MAX;
        missing[40] = f32::MAX;
        // NIST's substitutes are all 0.
        assert_eq!(f.raw_votes(&zeros).unwrap(), f.raw_votes(&missing).unwrap());
    }

    #[test]
    fn votes_are_a_count_of_trees_and_the_score_their_percentage() {
        let f = Forest::new(NIST_PLAIN_TIR_INK).unwrap();
        let v = f.raw_votes(&[0.5f32; 69]).unwrap();
        assert!((0.0..=100.0).contains(&v) && v.fract() == 0.0);
        assert_eq!(f.predict_score(&[0.5f64; 69]).unwrap(), v as u8);
    }

    #[test]
    fn damaged_models_are_errors_not_panics() {
        assert!(matches!(
            Forest::new(b"nonsense"),
            Err(Nfiq2Error::Model(_))
        ));
        let mut bad = NIST_PLAIN_TIR_INK.to_vec();
        bad[0] = b'X';
        assert!(Forest::new(&bad).is_err());
        // Truncated in the middle of the trees.
        let cut = &NIST_PLAIN_TIR_INK[..NIST_PLAIN_TIR_INK.len() / 2];
        let f = Forest::new(cut).unwrap();
        assert!(f.raw_votes(&[0.5; 69]).is_err());
        // Every right-child index of the first tree pointing back to the root.
        let mut looped = NIST_PLAIN_TIR_INK.to_vec();
        let start = u32_at(&looped, 20 + 4 * 69).unwrap() as usize;
        let count = u32_at(&looped, start).unwrap() as usize;
        for i in 0..count {
            let at = start + 4 + i * NODE_BYTES;
            if looped[at] != LEAF {
                looped[at + 5] = 0;
                looped[at + 6] = 0;
            }
        }
        let f = Forest::new(&looped).unwrap();
        assert!(f.raw_votes(&[1e9; 69]).is_err());
        assert!(f.raw_votes(&[0.5; 68]).is_err());
    }
}
