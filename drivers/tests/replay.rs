//! The recording format and the replay transport.

use std::time::Duration;

use rekam_drivers::transport::{Replay, Transport, TransportError};
use rekam_drivers::{Error, ErrorKind};

const SESSION: &str = "# rekam transport recording v1\n# endpoint: test\n> 0.0 0102\n> 0.1 03\n< 0.2 aabbcc\n> 0.3 04\n";

#[test]
fn replay_accepts_the_recorded_writes_in_any_chunking_and_returns_the_replies() {
    let mut r = Replay::parse("s", SESSION).unwrap();
    r.write_all(&[1]).unwrap();
    r.write_all(&[2, 3]).unwrap();
    let mut buf = [0u8; 2];
    assert_eq!(r.read(&mut buf, Duration::ZERO).unwrap(), 2);
    assert_eq!(buf, [0xAA, 0xBB]);
    assert_eq!(r.read(&mut buf, Duration::ZERO).unwrap(), 1);
    assert_eq!(buf[0], 0xCC);
    // The device said nothing more before the next write: a read times out.
    let err = r.read(&mut buf, Duration::from_millis(5)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    r.write_all(&[4]).unwrap();
    assert!(r.is_finished());
}

#[test]
fn a_different_byte_is_a_mismatch_at_its_offset() {
    let mut r = Replay::parse("s", SESSION).unwrap();
    let err = r.write_all(&[1, 9]).unwrap_err();
    assert!(
        matches!(err, TransportError::ReplayMismatch { offset: 1, .. }),
        "{err}"
    );
    assert_eq!(err.kind(), ErrorKind::ProtocolViolation);
}

#[test]
fn writing_before_reading_the_recorded_reply_is_a_mismatch() {
    let mut r = Replay::parse("s", SESSION).unwrap();
    r.write_all(&[1, 2, 3]).unwrap();
    let err = r.write_all(&[4]).unwrap_err();
    assert!(err.to_string().contains("read 3 more"), "{err}");
}

#[test]
fn writing_past_the_end_is_a_mismatch() {
    let mut r = Replay::parse("s", "# rekam transport recording v1\n> 0 01\n").unwrap();
    r.write_all(&[1]).unwrap();
    assert!(r.write_all(&[1]).unwrap_err().to_string().contains("ended"));
}

#[test]
fn malformed_recordings_are_rejected_with_the_line() {
    for (text, line) in [
        ("not a header\n", 1),
        ("# rekam transport recording v1\n= 0 01\n", 2),
        ("# rekam transport recording v1\n> x 01\n", 2),
        ("# rekam transport recording v1\n\n> 0 0g\n", 3),
        ("# rekam transport recording v1\n> 0\n", 2),
        ("# rekam transport recording v1\n> 0 01 02\n", 2),
    ] {
        match Replay::parse("s", text) {
            Err(TransportError::BadRecording { line: l, .. }) => assert_eq!(l, line, "{text:?}"),
            other => panic!("{text:?} gave {other:?}"),
        }
    }
}
