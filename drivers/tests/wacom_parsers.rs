//! The Wacom parsers (STU HID reports, ISDV4 packets, HID recordings) take any bytes without
//! panicking, and what they accept re-encodes to the same value: the properties the fuzz
//! targets `stu_report` and `isdv4_packet` check, run here on every build.

use proptest::prelude::*;
use rekam_drivers::hid::HidReplay;
use rekam_drivers::wacom::isdv4::{QueryReply, encode_pen_packet, parse_pen_packet};
use rekam_drivers::wacom::stu::report::{Capability, Information, PenReport, parse_image_data};

proptest! {
    #[test]
    fn stu_reports_parse_or_refuse_and_round_trip(bytes in proptest::collection::vec(any::<u8>(), 0..40)) {
        if let Ok(p) = PenReport::parse(&bytes) {
            prop_assert_eq!(PenReport::parse(&p.encode()), Ok(p));
        }
        if let Ok(c) = Capability::parse(&bytes) {
            prop_assert_eq!(Capability::parse(&c.encode()), Ok(c));
        }
        if let Ok(i) = Information::parse(&bytes) {
            prop_assert_eq!(Information::parse(&i.encode()), Ok(i.clone()));
        }
        let _ = parse_image_data(&bytes);
    }

    #[test]
    fn pen_reports_with_the_right_id_and_length_parse_unless_the_tip_is_down_out_of_range(
        body in proptest::collection::vec(any::<u8>(), 10),
    ) {
        let mut bytes = vec![0x34];
        bytes.extend_from_slice(&body);
        let tip_without_proximity = body[0] & 0x70 != 0 && body[0] & 0x80 == 0;
        prop_assert_eq!(PenReport::parse(&bytes).is_err(), tip_without_proximity);
    }

    #[test]
    fn isdv4_packets_parse_or_refuse_and_round_trip(bytes in proptest::collection::vec(any::<u8>(), 0..16)) {
        if let Ok(p) = parse_pen_packet(&bytes) {
            prop_assert_eq!(parse_pen_packet(&encode_pen_packet(&p)), Ok(p));
        }
        if let Ok(q) = QueryReply::parse(&bytes) {
            prop_assert_eq!(QueryReply::parse(&q.encode()), Ok(q));
        }
    }

    #[test]
    fn hid_recordings_load_or_are_refused(text in "[EGSOINRU#: 0-9a-f.\n]{0,200}") {
        let _ = HidReplay::parse("prop", &text);
    }
}

#[test]
fn a_truncated_isdv4_packet_and_a_truncated_stu_report_are_errors() {
    let p = encode_pen_packet(&rekam_drivers::wacom::isdv4::PenPacket {
        proximity: true,
        tip: true,
        x: 100,
        y: 200,
        pressure: 300,
    });
    for n in 0..p.len() {
        assert!(parse_pen_packet(&p[..n]).is_err(), "{n} bytes");
    }
    let r = PenReport {
        ready: true,
        switch: 1,
        pressure: 10,
        x: 1,
        y: 2,
        timing: None,
    }
    .encode();
    for n in 0..r.len() {
        assert!(PenReport::parse(&r[..n]).is_err(), "{n} bytes");
    }
}
