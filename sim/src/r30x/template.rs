//! Character files and templates of the simulated module, and its matcher.
//!
//! The real modules' 512-byte format is proprietary; this one is documented here: bytes 0-1
//! "RK", byte 2 version 1, byte 3 the minutia count n (at most 100), then n records of x (u16),
//! y (u16), direction (u8, units of 2 pi/256), all big-endian; the rest zero. Any 512 bytes are
//! accepted as a template (as a module accepts DownChar data); invalid ones have no minutiae.
//!
//! Contract: two impressions of one simulated finger score far above [`threshold`], two
//! different fingers far below.

use std::f64::consts::TAU;

use super::finger::Minutia;

/// Template size in bytes.
pub const TEMPLATE_SIZE: usize = 512;
const MAX_MINUTIAE: usize = 100;

/// Encodes minutiae into a template.
pub fn encode(minutiae: &[Minutia]) -> Vec<u8> {
    let mut out = vec![b'R', b'K', 1, 0];
    let mut count = 0u8;
    for m in minutiae.iter().take(MAX_MINUTIAE) {
        out.extend_from_slice(&(m.x.round() as u16).to_be_bytes());
        out.extend_from_slice(&(m.y.round() as u16).to_be_bytes());
        out.push(((m.angle.rem_euclid(TAU) / TAU) * 256.0) as u8);
        count += 1;
    }
    out[3] = count;
    out.resize(TEMPLATE_SIZE, 0);
    out
}

/// Decodes a template; anything malformed yields no minutiae.
pub fn decode(template: &[u8]) -> Vec<Minutia> {
    if template.len() < 4 || template[..3] != [b'R', b'K', 1] {
        return Vec::new();
    }
    let n = usize::from(template[3]).min(MAX_MINUTIAE);
    template[4..]
        .chunks_exact(5)
        .take(n)
        .map(|r| Minutia {
            x: f64::from(u16::from_be_bytes([r[0], r[1]])),
            y: f64::from(u16::from_be_bytes([r[2], r[3]])),
            angle: f64::from(r[4]) / 256.0 * TAU,
        })
        .collect()
}

fn angle_diff(a: f64, b: f64) -> f64 {
    let d = (a - b).rem_euclid(TAU);
    d.min(TAU - d)
}

/// Match score of two templates: paired minutiae after the best rotation and translation,
/// times 10.
pub fn score(a: &[u8], b: &[u8]) -> u16 {
    let (a, b) = (decode(a), decode(b));
    if a.is_empty() || b.is_empty() {
        return 0;
    }
    let mut best = 0usize;
    for step in -6i32..=6 {
        let rot = f64::from(step * 2).to_radians();
        let (sin, cos) = rot.sin_cos();
        let rotated: Vec<Minutia> = a
            .iter()
            .map(|m| Minutia {
                x: cos * m.x - sin * m.y,
                y: sin * m.x + cos * m.y,
                angle: m.angle + rot,
            })
            .collect();
        // Vote for the translation that brings similar minutiae together.
        let mut votes = std::collections::HashMap::new();
        for p in &rotated {
            for q in &b {
                if angle_diff(p.angle, q.angle) < 0.3 {
                    let key = (
                        ((q.x - p.x) / 6.0).round() as i32,
                        ((q.y - p.y) / 6.0).round() as i32,
                    );
                    *votes.entry(key).or_insert(0usize) += 1;
                }
            }
        }
        let Some((&(tx, ty), _)) = votes.iter().max_by_key(|(k, v)| (**v, **k)) else {
            continue;
        };
        let (tx, ty) = (f64::from(tx) * 6.0, f64::from(ty) * 6.0);
        let mut used = vec![false; b.len()];
        let mut paired = 0;
        for p in &rotated {
            let found = b.iter().enumerate().position(|(j, q)| {
                !used[j]
                    && (p.x + tx - q.x).hypot(p.y + ty - q.y) < 7.0
                    && angle_diff(p.angle, q.angle) < 0.3
            });
            if let Some(j) = found {
                used[j] = true;
                paired += 1;
            }
        }
        best = best.max(paired);
    }
    (best * 10).min(usize::from(u16::MAX)) as u16
}

/// Lowest score that counts as a match at `security_level` (1-5).
pub fn threshold(security_level: u16) -> u16 {
    70 + 10 * security_level.min(5)
}
