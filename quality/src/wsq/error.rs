//! Errors of the WSQ codec.
//!
//! Contract: every way a WSQ stream can be malformed, and every input the encoder refuses, maps to
//! one specific variant; the codec never panics on any input.

use thiserror::Error;

/// Why a WSQ stream could not be decoded or an image could not be encoded.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum WsqError {
    /// The stream ended before the named structure was complete.
    #[error("WSQ stream truncated while reading {0}")]
    Truncated(&'static str),
    /// The stream does not start with the SOI marker (FFA0).
    #[error("not a WSQ stream: missing SOI marker (found {0:#06x})")]
    MissingSoi(u16),
    /// A marker appeared where the format does not allow it.
    #[error("unexpected marker {found:#06x} while expecting {expected}")]
    UnexpectedMarker {
        /// The two bytes found.
        found: u16,
        /// What the decoder was looking for.
        expected: &'static str,
    },
    /// A marker segment's declared length disagrees with its contents.
    #[error("{segment} segment has a bad length {length}")]
    BadSegmentLength {
        /// Which segment.
        segment: &'static str,
        /// The declared length.
        length: usize,
    },
    /// The transform (DTT) table is unusable.
    #[error("bad transform table: {0}")]
    BadTransformTable(&'static str),
    /// The quantisation (DQT) table is unusable.
    #[error("bad quantisation table: {0}")]
    BadQuantTable(&'static str),
    /// A Huffman (DHT) table is unusable.
    #[error("bad Huffman table: {0}")]
    BadHuffmanTable(&'static str),
    /// The frame header (SOF) is unusable.
    #[error("bad frame header: {0}")]
    BadFrameHeader(&'static str),
    /// A required table was never defined before it was needed.
    #[error("missing {0} before image data")]
    MissingTable(&'static str),
    /// A block names a Huffman table that is not defined.
    #[error("block uses undefined Huffman table {0}")]
    UndefinedHuffmanTable(u8),
    /// The entropy-coded data is corrupt.
    #[error("corrupt entropy-coded data: {0}")]
    BadData(&'static str),
    /// The number of decoded coefficients is not what the frame needs.
    #[error("decoded {found} coefficients, the frame needs {expected}")]
    CoefficientCount {
        /// Coefficients the subbands of the frame hold.
        expected: usize,
        /// Coefficients the stream decoded to (at least this many).
        found: usize,
    },
    /// The image dimensions are too small for the 64-subband decomposition.
    #[error("image {width}x{height} is too small for WSQ")]
    TooSmall {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
    },
    /// The image is larger than the caller's limit (or than WSQ can describe).
    #[error("image {width}x{height} exceeds the limit of {max_pixels} pixels")]
    TooLarge {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
        /// The limit in force.
        max_pixels: usize,
    },
    /// A feature of the format this codec does not implement.
    #[error("unsupported WSQ feature: {0}")]
    Unsupported(&'static str),
    /// The encoder was given unusable input.
    #[error("invalid encoder input: {0}")]
    InvalidInput(&'static str),
}
