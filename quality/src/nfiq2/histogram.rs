//! NIST's `addHistogramFeatures`: 10-bin histogram of a measure's local values plus their mean
//! and standard deviation.
//!
//! Contract: values are sorted ascending; a value goes to the first bin whose upper limit exceeds
//! it (the last bin is unbounded); mean and deviation are OpenCV `meanStdDev` over the sorted
//! values (sequential sums, population deviation). An empty list is an error, as in OpenCV.

/// The ten bin counts, mean and standard deviation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Histogram {
    pub bins: [f64; 10],
    pub mean: f64,
    pub std_dev: f64,
}

/// Builds the histogram of `values` with the nine inner bin limits `limits`; `None` if empty.
pub(crate) fn histogram(values: &mut [f64], limits: &[f64; 9]) -> Option<Histogram> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let mut bins = [0.0f64; 10];
    let mut bucket = 0;
    for &v in values.iter() {
        while !v.is_infinite() && bucket < 9 && v >= limits[bucket] {
            bucket += 1;
        }
        bins[bucket] += 1.0;
    }
    let (mut s, mut sq) = (0.0f64, 0.0f64);
    for &v in values.iter() {
        s += v;
        sq += v * v;
    }
    let scale = 1.0 / values.len() as f64;
    let mean = s * scale;
    let std_dev = (sq * scale - mean * mean).max(0.0).sqrt();
    Some(Histogram {
        bins,
        mean,
        std_dev,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_on_a_limit_go_to_the_upper_bin() {
        let limits = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0];
        let mut v = vec![9.5, 1.0, 0.5, 100.0];
        let h = histogram(&mut v, &limits).unwrap();
        assert_eq!(h.bins, [1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 2.0]);
        assert!((h.mean - 27.75).abs() < 1e-12);
    }

    #[test]
    fn empty_list_has_no_histogram() {
        assert!(histogram(&mut [], &[0.0; 9]).is_none());
    }
}
