//! The rekam enrollment packet: model, validation, signing, sealing and verification.
//!
//! Contract: sans-IO. Nothing here reads a clock, a file or a socket; time and randomness come in
//! as arguments (the only exception is ECDSA signing, whose nonce `ring` draws from the
//! [`ring::rand::SecureRandom`] the caller passes). Every parser takes the whole input and either
//! accepts all of it or rejects it with a specific error; none of them panics on any input.
//!
//! The wire format is specified in `protocol/SPEC.md`; the layers are:
//! - [`model`]: the enrollment (applicant, capture context, biometrics) and its validation;
//! - [`demographics`]: the rules on a resident's name, free text and birth date;
//! - [`nik`]: the Indonesian national identity number;
//! - [`keys`]: workstation signing keys, registry sealing keys, their file and text forms;
//! - [`manifest`]: the signed list of parts;
//! - [`envelope`]: the sealed outer container and its clear header;
//! - [`packet`]: building, sealing, inspecting and opening packets;
//! - [`receipt`] and [`rejection`]: the registry's signed answers about one packet;
//! - [`card_text`]: the card's printed text and backdrop from an applicant;
//! - [`print_order`]: the registry's print orders, the office's card-printed reports, their acks;
//! - [`iso19794_2`]: ISO/IEC 19794-2:2005 finger minutiae records (the chip fingers' templates);
//! - [`sbi`]: MOSIP SBI 0.9.5 device messages, their RS256/x5c signatures and hash chain.

pub mod ansi_nist;
pub mod card_text;
pub mod cbeff;
pub mod demographics;
pub mod envelope;
pub mod id;
pub mod iso19794;
pub mod iso19794_2;
pub mod keys;
pub mod manifest;
pub mod media;
pub mod model;
pub mod nik;
pub mod packet;
pub mod pem;
pub mod print_order;
pub mod receipt;
pub mod rejection;
pub mod sbi;
pub mod timefmt;

pub use envelope::Header;
pub use id::EnrollmentId;
pub use keys::{
    KeyError, KeyId, RegistryPrivateKey, RegistryPublicKey, SignatureAlgorithm, TrustStore,
    TrustedWorkstation, VerifyingKey, WorkstationSigningKey,
};
pub use manifest::{Manifest, PartEntry};
pub use model::Enrollment;
pub use nik::{Nik, NikError};
pub use packet::{ErrorKind, OpenedPacket, PacketError, PacketId, SealedPacket};
pub use receipt::{Receipt, ReceiptError, SignedReceipt, TrustedRegistry};
pub use rejection::{Rejection, RejectionError, SignedRejection};
pub use timefmt::Timestamp;
