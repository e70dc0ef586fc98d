//! The CBEFF XML reader: never panics, every BDB of what it accepts goes through the record
//! readers, and what it accepts writes back to XML that parses to the same document.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rekam_protocol::cbeff::Cbeff;

fuzz_target!(|data: &[u8]| {
    if let Ok(doc) = Cbeff::parse(data) {
        for bir in &doc.birs {
            let _ = bir.record();
        }
        if let Ok(xml) = doc.to_xml() {
            assert_eq!(Cbeff::parse(xml.as_bytes()).as_ref(), Ok(&doc));
        }
    }
});
