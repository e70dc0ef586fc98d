//! The ANSI/NIST-ITL writer's round trip: whatever the reader accepts, the writer writes again,
//! and the reader reads that back to the same records; writing it once more gives the same bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rekam_protocol::ansi_nist::Transaction;

fuzz_target!(|data: &[u8]| {
    let Ok(tx) = Transaction::parse(data) else {
        return;
    };
    let written = tx.encode().expect("a parsed transaction writes again");
    let reread = Transaction::parse(&written).expect("what was written reads back");
    assert_eq!(reread.to_owned_records(), tx.to_owned_records());
    assert_eq!(reread.encode().expect("writes again"), written);
});
