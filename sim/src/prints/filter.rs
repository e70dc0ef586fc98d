//! Fast image filters for rendering impressions: a separable binomial blur and smooth random
//! fields (value noise: random values on a coarse grid, bilinearly interpolated).
//!
//! Contract: both work on row-major `f32` buffers of the stated size, cost a few operations per
//! pixel, and never index outside the buffer.

use crate::rng::SimRng;

/// Blurs `buf` (`width` x `height`) in place with the 1-2-1 binomial kernel, `passes` times in
/// each direction (standard deviation about 0.7 pixel per pass); edges are replicated.
pub fn binomial_blur(buf: &mut [f32], width: usize, height: usize, passes: usize) {
    if width < 2 || height < 2 || buf.len() < width * height {
        return;
    }
    let mut line = vec![0f32; width];
    let (mut above, mut here) = (vec![0f32; width], vec![0f32; width]);
    for _ in 0..passes {
        for row in buf.chunks_exact_mut(width).take(height) {
            line.copy_from_slice(row);
            for x in 0..width {
                let l = line[x.saturating_sub(1)];
                let r = line[(x + 1).min(width - 1)];
                row[x] = 0.25 * l + 0.5 * line[x] + 0.25 * r;
            }
        }
        // Vertical pass row by row (cache friendly), keeping the unfiltered row above.
        above.copy_from_slice(&buf[..width]);
        for y in 0..height {
            here.copy_from_slice(&buf[y * width..(y + 1) * width]);
            let below_at = (y + 1).min(height - 1) * width;
            for x in 0..width {
                let below = buf[below_at + x];
                buf[y * width + x] = 0.25 * above[x] + 0.5 * here[x] + 0.25 * below;
            }
            std::mem::swap(&mut above, &mut here);
        }
    }
}

/// A smooth random field in [0, 1) over `width` x `height`, with features about `cell` pixels
/// across.
pub fn value_noise(width: usize, height: usize, cell: f64, rng: &mut SimRng) -> Vec<f32> {
    let cell = cell.max(1.0);
    let gw = (width as f64 / cell).ceil() as usize + 2;
    let gh = (height as f64 / cell).ceil() as usize + 2;
    let grid: Vec<f32> = (0..gw * gh).map(|_| rng.unit() as f32).collect();
    // Smoothstep weights hide the grid; the column weights are the same on every row.
    let weight = |v: f64| {
        let f = (v - v.floor()) as f32;
        (v.floor() as usize, f * f * (3.0 - 2.0 * f))
    };
    let columns: Vec<(usize, f32)> = (0..width).map(|x| weight(x as f64 / cell)).collect();
    let mut out = Vec::with_capacity(width * height);
    for y in 0..height {
        let (y0, fy) = weight(y as f64 / cell);
        let top_row = grid.get(y0 * gw..(y0 + 1) * gw).unwrap_or(&[]);
        let bottom_row = grid.get((y0 + 1) * gw..(y0 + 2) * gw).unwrap_or(&[]);
        let at = |row: &[f32], i: usize| row.get(i).copied().unwrap_or(0.5);
        for &(x0, fx) in &columns {
            let top = at(top_row, x0) + (at(top_row, x0 + 1) - at(top_row, x0)) * fx;
            let bottom = at(bottom_row, x0) + (at(bottom_row, x0 + 1) - at(bottom_row, x0)) * fx;
            out.push(top + (bottom - top) * fy);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blurring_keeps_a_flat_image_flat_and_spreads_a_dot() {
        let mut flat = vec![7f32; 20 * 10];
        binomial_blur(&mut flat, 20, 10, 3);
        assert!(flat.iter().all(|&v| (v - 7.0).abs() < 1e-5));
        let mut dot = vec![0f32; 9 * 9];
        dot[4 * 9 + 4] = 16.0;
        binomial_blur(&mut dot, 9, 9, 1);
        assert_eq!(dot[4 * 9 + 4], 4.0);
        assert_eq!(dot[3 * 9 + 4], 2.0);
        assert!((dot.iter().sum::<f32>() - 16.0).abs() < 1e-4);
    }

    #[test]
    fn value_noise_stays_in_range_and_is_smooth() {
        let n = value_noise(64, 48, 8.0, &mut SimRng::new(1));
        assert_eq!(n.len(), 64 * 48);
        assert!(n.iter().all(|v| (0.0..1.0).contains(v)));
        assert!(
            n.chunks(64)
                .all(|row| row.windows(2).all(|p| (p[0] - p[1]).abs() < 0.35))
        );
    }
}
