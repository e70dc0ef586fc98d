//! Malformed WSQ input is refused with an error, never a panic: truncations, corrupted bytes,
//! random bytes, and hostile headers.

use std::sync::OnceLock;

use proptest::prelude::*;
use rekam_quality::wsq::{self, DecodeLimits, EncodeOptions, WsqError};

/// A synthetic 160x144 ridge pattern, encoded: a small valid stream to corrupt.
fn valid_stream() -> Vec<u8> {
    static STREAM: OnceLock<Vec<u8>> = OnceLock::new();
    STREAM.get_or_init(encode_ridges).clone()
}

fn encode_ridges() -> Vec<u8> {
    let (w, h) = (160u32, 144u32);
    let pixels: Vec<u8> = (0..h)
        .flat_map(|y| {
            (0..w).map(move |x| {
                let (fx, fy) = (f64::from(x), f64::from(y));
                let ridge = ((fx * 0.35 + fy * 0.2 + (fy * 0.05).sin() * 6.0).sin() + 1.0) * 0.5;
                (40.0 + ridge * 180.0) as u8
            })
        })
        .collect();
    wsq::encode(&pixels, w, h, &EncodeOptions::default()).expect("encode")
}

fn limits() -> DecodeLimits {
    DecodeLimits {
        max_pixels: 1 << 20,
    }
}

#[test]
fn the_corruption_seed_itself_decodes() {
    let img = wsq::decode(&valid_stream()).expect("valid stream");
    assert_eq!((img.width, img.height), (160, 144));
}

#[test]
fn every_truncation_of_a_valid_stream_is_an_error() {
    let s = valid_stream();
    for len in 0..s.len() - 1 {
        assert!(
            wsq::decode_with_limits(&s[..len], &limits()).is_err(),
            "prefix of {len} bytes decoded"
        );
    }
}

#[test]
fn a_stream_without_soi_is_refused() {
    let mut s = valid_stream();
    s[1] = 0xa1;
    assert_eq!(wsq::decode(&s), Err(WsqError::MissingSoi(0xffa1)));
}

/// Offset of the SOF segment's marker in an NBIS-layout stream.
fn sof_offset(s: &[u8]) -> usize {
    s.windows(2).position(|w| w == [0xff, 0xa2]).expect("SOF")
}

#[test]
fn an_absurd_frame_size_is_refused_before_any_allocation() {
    let mut s = valid_stream();
    let at = sof_offset(&s) + 6;
    s[at..at + 4].copy_from_slice(&[0xff, 0xff, 0xff, 0xff]);
    assert!(matches!(
        wsq::decode(&s),
        Err(WsqError::TooLarge {
            width: 65535,
            height: 65535,
            ..
        })
    ));
}

#[test]
fn a_frame_too_small_for_the_decomposition_is_refused() {
    let mut s = valid_stream();
    let at = sof_offset(&s) + 6;
    s[at..at + 4].copy_from_slice(&[0, 8, 0, 8]);
    assert!(matches!(wsq::decode(&s), Err(WsqError::TooSmall { .. })));
}

#[test]
fn a_block_naming_an_undefined_huffman_table_is_refused() {
    let mut s = valid_stream();
    let sob = s.windows(2).position(|w| w == [0xff, 0xa3]).expect("SOB");
    s[sob + 4] = 5;
    assert_eq!(wsq::decode(&s), Err(WsqError::UndefinedHuffmanTable(5)));
}

#[test]
fn a_frame_with_missing_coefficients_is_refused() {
    let s = valid_stream();
    // Drop the last block: SOB(1) ... before EOI.
    let last_sob = s.windows(2).rposition(|w| w == [0xff, 0xa3]).expect("SOB");
    let mut cut = s[..last_sob].to_vec();
    cut.extend_from_slice(&[0xff, 0xa1]);
    assert!(matches!(
        wsq::decode(&cut),
        Err(WsqError::CoefficientCount { .. })
    ));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = wsq::decode_with_limits(&bytes, &limits());
        let mut with_soi = vec![0xff, 0xa0];
        with_soi.extend_from_slice(&bytes);
        let _ = wsq::decode_with_limits(&with_soi, &limits());
    }

    #[test]
    fn corrupted_valid_streams_never_panic(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8)
    ) {
        let mut s = valid_stream();
        for (at, byte) in edits {
            let i = at.index(s.len());
            s[i] = byte;
        }
        let _ = wsq::decode_with_limits(&s, &limits());
    }
}
