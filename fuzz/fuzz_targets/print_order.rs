//! The print-order family's parsers (order, card-printed report, ack, refusal): never panic, and
//! what they accept re-serializes to a document that parses to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rekam_protocol::print_order::{
    SignedCardPrinted, SignedPrintAck, SignedPrintOrder, SignedPrintRefusal,
};

fuzz_target!(|data: &[u8]| {
    if let Ok(o) = SignedPrintOrder::parse(data) {
        let _ = o.print_order.validate();
        assert_eq!(SignedPrintOrder::parse(&o.to_json()).ok(), Some(o));
    }
    if let Ok(r) = SignedCardPrinted::parse(data) {
        let _ = r.card_printed.validate();
        assert_eq!(SignedCardPrinted::parse(&r.to_json()).ok(), Some(r));
    }
    if let Ok(a) = SignedPrintAck::parse(data) {
        assert_eq!(SignedPrintAck::parse(&a.to_json()).ok(), Some(a));
    }
    if let Ok(r) = SignedPrintRefusal::parse(data) {
        let _ = r.print_refusal.validate();
        assert_eq!(SignedPrintRefusal::parse(&r.to_json()).ok(), Some(r));
    }
});
