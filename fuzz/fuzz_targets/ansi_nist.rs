//! The ANSI/NIST-ITL transaction reader.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rekam_protocol::ansi_nist::Transaction;

fuzz_target!(|data: &[u8]| {
    if let Ok(tx) = Transaction::parse(data) {
        let _ = tx.finger_images();
    }
});
