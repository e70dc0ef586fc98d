//! Evolis printer replies: whatever a printer (or a line fault) sends, reply framing and every
//! command's reply reading either succeed or return an error; none may panic.

#![no_main]

use libfuzzer_sys::fuzz_target;
use rekam_drivers::evolis::{
    Command, Counter, EndSequence, ReadCardPresence, ReadCounter, ReadLastAnswer,
    ReadRibbonMark, ReadSensor, ReadSerial, Reply, Sensor,
};

fuzz_target!(|data: &[u8]| {
    let mut rest = data;
    while let Ok(Some((reply, used))) = Reply::parse(rest) {
        let _ = EndSequence.parse_response(&reply);
        let _ = ReadSerial.parse_response(&reply);
        let _ = ReadSensor(Sensor::Cover).parse_response(&reply);
        let _ = ReadCardPresence.parse_response(&reply);
        let _ = ReadLastAnswer.parse_response(&reply);
        let _ = ReadRibbonMark.parse_response(&reply);
        let _ = ReadCounter(Counter::RibbonLeft).parse_response(&reply);
        let _ = reply.fault().map(|f| f.kind());
        assert!(used > 0 && used <= rest.len());
        rest = &rest[used..];
    }
});
