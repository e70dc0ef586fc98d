//! ANSI/NIST-ITL 1-2011 transactions in the traditional encoding: reading them, writing them, and
//! building one from an enrollment.
//!
//! Layout: the Type-1 record lists (field 1.003) the type of every record that follows. Tagged
//! records (Types 1, 2, 9, 10, 13, 14, 15, 17, ...) are fields `T.FFF:value` separated by GS (0x1D)
//! and ended by FS (0x1C), with subfields split by RS (0x1E) and items by US (0x1F); field 1 is the
//! record length (counting itself), and field 999 holds binary image data up to the record's end.
//! Types 3-8 are binary, starting with a 4-byte big-endian length.
//!
//! The parts:
//! - [`read`]: [`Transaction::parse`], a strict reader that borrows its input;
//! - [`write`]: the encoder of records into bytes (record lengths, separators, binary fields), used
//!   by the typed records and to write a parsed transaction again ([`Transaction::encode`]);
//! - [`records`]: typed Type-1, -2, -8, -10, -14 and -17 records whose builders refuse a value a
//!   field cannot hold, naming the field;
//! - [`enrollment`]: the transaction for one enrollment (a pure function: time and agency come in).

pub mod enrollment;
pub mod read;
pub mod records;
pub mod write;

pub use read::{AnsiNistError, Compression, FingerImage, Record, Transaction};
pub use write::{OwnedRecord, WriteError};

/// File separator: ends a record.
pub(crate) const FS: u8 = 0x1C;
/// Group separator: between fields.
pub(crate) const GS: u8 = 0x1D;
/// Record separator: between subfields.
pub(crate) const RS: u8 = 0x1E;
/// Unit separator: between items.
pub(crate) const US: u8 = 0x1F;
