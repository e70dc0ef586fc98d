//! Synthetic fingerprints generated the way SFinGe does it (Cappelli, Maio, Maltoni): a master
//! print per finger, then cheap impressions of it.
//!
//! Master ([`master`]): a fingerprint class drawn with its population frequency ([`class`]), its
//! singular points, an orientation field from the Sherlock–Monro zero-pole model with the
//! Vizcaya–Gerhardt correction ([`orientation`]), a smoothly varying ridge period of about 9 px
//! at 500 ppi ([`frequency`]), a fingertip silhouette ([`shape`]), and ridges grown from random
//! seeds by iterated, space-variant oriented Gabor filtering ([`growth`]); the minutiae that the
//! growth produced are read back from the ridge skeleton ([`minutiae`]).
//!
//! Impression ([`impression`]): the master's ridge map resampled through a placement and
//! Cappelli's plastic-distortion model ([`distortion`]), then pressure (ridge thickness), dry or
//! wet skin, partial contact, blur, noise and the platen background, using lookup tables and
//! separable filters ([`filter`]) so one impression costs a few milliseconds.
//!
//! Data sets ([`dataset`]): subject x finger x impression, named and encoded as SFinGe-style
//! test sets are.
//!
//! Contract: everything is a pure function of the seeds and sizes passed in; the same seed gives
//! the same pixels on every platform.

pub mod class;
pub mod dataset;
pub mod distortion;
pub mod filter;
pub mod frequency;
pub mod growth;
pub mod impression;
pub mod master;
pub mod minutiae;
pub mod orientation;
pub mod shape;

pub use class::FingerClass;
pub use impression::{Condition, ImpressionParams, Pose, render, render_into};
pub use master::{Master, MasterSize};
pub use minutiae::{Minutia, MinutiaKind};

/// Resolution of every synthetic print.
pub const PPI: u32 = 500;

/// Why a print cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PrintError {
    /// The requested image size is empty or beyond what a fingerprint sensor produces.
    #[error("a print of {width}x{height} pixels is not possible: each side must be 16 to {max}")]
    Size {
        /// Requested width.
        width: u32,
        /// Requested height.
        height: u32,
        /// Largest side accepted.
        max: u32,
    },
    /// The image could not be encoded.
    #[error("cannot encode the print as PNG: {0}")]
    Encode(String),
}
