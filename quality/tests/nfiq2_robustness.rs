//! NFIQ 2 never panics: any image size, content, resolution and minutiae list gives a result or a
//! specific error.

use proptest::prelude::*;
use rekam_quality::image::GrayImageRef;
use rekam_quality::nfiq2::{self, Minutia};

/// Images from a few generators: constant, noise, stripes, a dark blob on white.
fn image() -> impl Strategy<Value = (u32, u32, Vec<u8>)> {
    (1u32..260, 1u32..260, 0u8..4, any::<u64>()).prop_map(|(w, h, kind, seed)| {
        let n = (w * h) as usize;
        let mut state = seed | 1;
        let pixels = (0..n)
            .map(|i| {
                let (x, y) = ((i as u32 % w) as f64, (i as u32 / w) as f64);
                match kind {
                    0 => (seed % 256) as u8,
                    1 => {
                        state ^= state << 13;
                        state ^= state >> 7;
                        state ^= state << 17;
                        (state >> 56) as u8
                    }
                    2 => (128.0 + 100.0 * (x * 0.7 + y * 0.3).sin()) as u8,
                    _ => {
                        let d = (x - w as f64 / 2.0).hypot(y - h as f64 / 2.0);
                        if d < w.min(h) as f64 / 3.0 {
                            (60.0 + 50.0 * (x * 0.8).sin()) as u8
                        } else {
                            255
                        }
                    }
                }
            })
            .collect();
        (w, h, pixels)
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn assessment_of_any_image_returns_instead_of_panicking(
        (w, h, pixels) in image(),
        ppi in prop_oneof![9 => Just(500u16), 1 => any::<u16>()],
        minutiae in prop::collection::vec((any::<u32>(), any::<u32>(), any::<u8>(), 0u8..=100), 0..30),
    ) {
        let img = GrayImageRef::new(w, h, &pixels, ppi).unwrap();
        let minutiae: Vec<Minutia> = minutiae
            .into_iter()
            // Mostly inside the image, sometimes just beyond it.
            .map(|(x, y, angle, quality)| Minutia { x: x % (w + 3), y: y % (h + 3), angle, quality })
            .collect();
        match nfiq2::assess(&img, &minutiae) {
            Ok(a) => {
                prop_assert!(a.score <= 100);
                prop_assert_eq!(a.features.len(), 69);
            }
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
    }
}

#[test]
fn a_large_synthetic_print_is_assessed_end_to_end() {
    // 300x340 ridge pattern inside a white frame: all measures computable, minutiae measures from
    // a hand-made list.
    let (w, h) = (340u32, 380u32);
    let pixels: Vec<u8> = (0..w * h)
        .map(|i| {
            let (x, y) = (f64::from(i % w), f64::from(i / w));
            if !(20.0..320.0).contains(&x) || !(20.0..360.0).contains(&y) {
                255
            } else {
                let ridge = ((x * 0.35 + y * 0.2 + (y * 0.02).sin() * 6.0).sin() + 1.0) * 0.5;
                (40.0 + ridge * 170.0) as u8
            }
        })
        .collect();
    let img = GrayImageRef::new(w, h, &pixels, 500).unwrap();
    let minutiae: Vec<Minutia> = (0..12)
        .map(|i| Minutia {
            x: 30 + 20 * i,
            y: 40 + 25 * i,
            angle: 0,
            quality: 80,
        })
        .collect();
    let a = nfiq2::assess(&img, &minutiae).unwrap();
    assert_eq!(a.actionable.fingerprint_image_with_minutiae, 12.0);
    assert!(a.actionable.has_minutiae());
    assert!(a.features.iter().all(|(_, v)| v.is_finite()));
    // The trimmed image is the ridge area only.
    let t = nfiq2::trimmed(&img).unwrap();
    assert_eq!((t.width, t.height), (300, 340));
}
