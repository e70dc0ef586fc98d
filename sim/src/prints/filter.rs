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
    let mut line = vec![0f32; width.max(height)];
    for _ in 0..passes {
        for row in buf.chunks_exact_mut(width).take(height) {
            line[..width].copy_from_slice(row);
            for x in 0..width {
                let l = line[x.saturating_sub(1)];
                let r = line[(x + 1).min(width - 1)];
                row[x] = 0.25 * l + 0.5 * line[x] + 0.25 * r;
            }
        }
        for x in 0..width {
            for y in 0..height {
                line[y] = buf[y * width + x];
            }
            for y in 0..height {
                let u = line[y.saturating_sub(1)];
                let d = line[(y + 1).min(height - 1)];
                buf[y * width + x] = 0.25 * u + 0.5 * line[y] + 0.25 * d;
            }
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
    let mut out = Vec::with_capacity(width * height);
    for y in 0..height {
        let gy = y as f64 / cell;
        let (y0, fy) = (gy.floor() as usize, (gy - gy.floor()) as f32);
        // Smoothstep weights hide the grid.
        let fy = fy * fy * (3.0 - 2.0 * fy);
        for x in 0..width {
            let gx = x as f64 / cell;
            let (x0, fx) = (gx.floor() as usize, (gx - gx.floor()) as f32);
            let fx = fx * fx * (3.0 - 2.0 * fx);
            let at = |xx: usize, yy: usize| grid.get(yy * gw + xx).copied().unwrap_or(0.5);
            let top = at(x0, y0) * (1.0 - fx) + at(x0 + 1, y0) * fx;
            let bottom = at(x0, y0 + 1) * (1.0 - fx) + at(x0 + 1, y0 + 1) * fx;
            out.push(top * (1.0 - fy) + bottom * fy);
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
