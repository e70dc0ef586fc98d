//! Colour measurement for the camera check: sRGB to CIE L*a*b* (D65) and the CIE 1976 colour
//! difference ΔE*ab, and the nominal e-KTP backdrop colours.
//!
//! Contract: pure arithmetic on 8-bit sRGB triples; ΔE*ab of 2.3 is about the smallest difference
//! an eye notices, 10 a clearly different shade of the same colour.

use rekam_quality::face::BackgroundColour;

/// CIE L*a*b* coordinates.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Lab {
    /// Lightness, 0 (black) to 100 (white).
    pub l: f64,
    /// Green (negative) to red (positive).
    pub a: f64,
    /// Blue (negative) to yellow (positive).
    pub b: f64,
}

/// The nominal sRGB of each e-KTP backdrop cloth, as the kit's cloth is dyed and lit (the
/// colours the simulated kit renders and the face check's hue ranges accept).
pub fn nominal(colour: BackgroundColour) -> [f64; 3] {
    match colour {
        BackgroundColour::Red => [200.0, 24.0, 30.0],
        BackgroundColour::Blue => [20.0, 80.0, 170.0],
        BackgroundColour::Orange => [235.0, 130.0, 30.0],
    }
}

fn linear(v: f64) -> f64 {
    let c = (v / 255.0).clamp(0.0, 1.0);
    if c <= 0.04045 {
        c / 12.92
    } else {
        ((c + 0.055) / 1.055).powf(2.4)
    }
}

/// Relative luminance Y (0-1) of an sRGB colour.
pub fn luminance(rgb: [f64; 3]) -> f64 {
    0.2126 * linear(rgb[0]) + 0.7152 * linear(rgb[1]) + 0.0722 * linear(rgb[2])
}

/// sRGB (0-255 per channel) to L*a*b* under D65.
pub fn lab(rgb: [f64; 3]) -> Lab {
    let (r, g, b) = (linear(rgb[0]), linear(rgb[1]), linear(rgb[2]));
    let x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047;
    let y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
    let z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883;
    let f = |t: f64| {
        if t > 216.0 / 24389.0 {
            t.cbrt()
        } else {
            (24389.0 / 27.0 * t + 16.0) / 116.0
        }
    };
    let (fx, fy, fz) = (f(x), f(y), f(z));
    Lab {
        l: 116.0 * fy - 16.0,
        a: 500.0 * (fx - fy),
        b: 200.0 * (fy - fz),
    }
}

/// CIE 1976 ΔE*ab.
pub fn delta_e(p: Lab, q: Lab) -> f64 {
    ((p.l - q.l).powi(2) + (p.a - q.a).powi(2) + (p.b - q.b).powi(2)).sqrt()
}

/// The chromatic part of ΔE*ab (a*, b* only): the white-balance error, whatever the exposure.
pub fn delta_ab(p: Lab, q: Lab) -> f64 {
    ((p.a - q.a).powi(2) + (p.b - q.b).powi(2)).sqrt()
}

/// The e-KTP colour whose nominal is nearest `rgb`, with its ΔE*ab.
pub fn nearest(rgb: [f64; 3]) -> (BackgroundColour, f64) {
    let seen = lab(rgb);
    [
        BackgroundColour::Red,
        BackgroundColour::Blue,
        BackgroundColour::Orange,
    ]
    .into_iter()
    .map(|c| (c, delta_e(seen, lab(nominal(c)))))
    .fold((BackgroundColour::Blue, f64::INFINITY), |best, c| {
        if c.1 < best.1 { c } else { best }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rekam_quality::face::measure::classify_backdrop;

    #[test]
    fn white_is_lightness_100_and_neutral() {
        let w = lab([255.0, 255.0, 255.0]);
        assert!((w.l - 100.0).abs() < 0.1 && w.a.abs() < 0.1 && w.b.abs() < 0.1);
    }

    #[test]
    fn each_nominal_backdrop_is_the_colour_the_face_check_classifies_it_as() {
        for c in [
            BackgroundColour::Red,
            BackgroundColour::Blue,
            BackgroundColour::Orange,
        ] {
            assert_eq!(classify_backdrop(nominal(c)), Some(c));
            assert_eq!(nearest(nominal(c)).0, c);
        }
    }

    #[test]
    fn a_warm_cast_on_blue_is_a_large_colour_difference() {
        let blue = lab(nominal(BackgroundColour::Blue));
        let warm = lab([40.0, 80.0, 120.0]);
        assert!(delta_e(blue, warm) > 10.0);
        assert!(delta_e(blue, blue) < 1e-9);
    }
}
