//! The minutiae extractor never panics: arbitrary pixels, sizes and resolutions give minutiae or
//! a `MinutiaeError`.

use proptest::prelude::*;
use rekam_quality::minutiae;

fn image() -> impl Strategy<Value = (u32, u32, u16, Vec<u8>)> {
    let valid = (
        196u32..=330,
        100u32..=330,
        prop::sample::select(vec![500u16, 400, 333, 700]),
    );
    let unchecked = (0u32..=420, 0u32..=420, 0u16..=1200);
    prop_oneof![valid, unchecked].prop_flat_map(|(w, h, ppi)| {
        let n = (w * h) as usize;
        let noise = prop::collection::vec(any::<u8>(), n..=n);
        let flat = any::<u8>().prop_map(move |v| vec![v; n]);
        let stripes = (2u32..20).prop_map(move |p| {
            (0..n as u32)
                .map(|i| {
                    if (i % w.max(1) + i / w.max(1)) % p < p / 2 {
                        30
                    } else {
                        220
                    }
                })
                .collect()
        });
        (
            Just(w),
            Just(h),
            Just(ppi),
            prop_oneof![noise, flat, stripes],
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    #[test]
    fn random_images_never_panic((w, h, ppi, px) in image()) {
        if let Ok(e) = minutiae::extract_unchecked(&px, w, h, ppi) {
            prop_assert!(e.minutiae.iter().all(|m| m.quality <= 100));
            prop_assert!(e.minutiae.len() <= 255);
        }
        let _ = minutiae::extract(&px, w, h, ppi);
        // A buffer shorter than the stated size is an error, not a panic.
        let short = &px[..px.len() / 2];
        if !px.is_empty() {
            prop_assert!(minutiae::extract(short, w, h, ppi).is_err());
        }
    }
}
