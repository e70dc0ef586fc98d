//! FBI WSQ (IAFIS-IC-0110 v3.1) gray-scale fingerprint image compression, in pure Rust.
//!
//! Contract: [`decode`] turns any byte string into either a complete 8-bit gray image, identical
//! pixel for pixel to what NIST's NBIS reference decoder produces, or a specific [`WsqError`];
//! it never panics and its memory is bounded by [`DecodeLimits`]. [`encode`] writes streams in
//! NBIS's layout and arithmetic, readable by NBIS and by [`decode`].
//!
//! The pipeline, each stage in its own module: marker segments ([`tables`]), Huffman coding
//! ([`huffman`]), the 64-subband geometry ([`tree`]), quantisation ([`quant`]), the 9/7 wavelet
//! transform ([`wavelet`]) and the NISTCOM comment ([`nistcom`]).

mod decoder;
mod encoder;
mod error;
mod huffman;
mod nistcom;
mod quant;
mod tables;
mod tree;
mod wavelet;

pub use decoder::{DecodeLimits, WsqImage, decode, decode_with_limits};
pub use encoder::{DEFAULT_BITRATE, EncodeOptions, encode};
pub use error::WsqError;
