//! Quality analysis of biometric captures: fingerprint (NFIQ 2), face (ICAO / ISO 29794-5 and the
//! e-KTP background rule), signature and iris.
//!
//! Contract: pure functions over images. No I/O, no clocks, no global state; the same image always
//! gives the same result.

pub mod face;
pub mod fingerprint;
pub mod image;
pub mod iris;
pub mod live;
pub mod matching;
pub mod minutiae;
pub mod nfiq2;
pub mod pgm;
pub mod segment;
pub mod signature;
pub mod verdict;
pub mod verify;
pub mod wsq;
