use super::*;

fn samples() -> Vec<Packet> {
    vec![
        Packet::InitCommandRequest {
            guid: [7; 16],
            name: "desk-01".into(),
            version: kind::VERSION,
        },
        Packet::InitCommandAck {
            connection: 1,
            guid: [9; 16],
            name: "Canon EOS".into(),
            version: kind::VERSION,
        },
        Packet::InitEventRequest { connection: 1 },
        Packet::InitEventAck,
        Packet::InitFail { reason: 2 },
        Packet::OperationRequest {
            data_phase: 1,
            code: 0x1002,
            transaction: 0,
            params: vec![1],
        },
        Packet::OperationResponse {
            code: 0x2001,
            transaction: 5,
            params: vec![],
        },
        Packet::Event {
            code: 0x4002,
            transaction: 6,
            params: vec![0x9000_0001],
        },
        Packet::StartData {
            transaction: 7,
            total_length: 5_000_000_000,
        },
        Packet::Data {
            transaction: 7,
            payload: vec![1, 2, 3],
        },
        Packet::EndData {
            transaction: 7,
            payload: vec![],
        },
        Packet::Cancel { transaction: 7 },
        Packet::ProbeRequest,
        Packet::ProbeResponse,
    ]
}

#[test]
fn every_packet_type_round_trips() {
    for packet in samples() {
        assert_eq!(Packet::parse(&packet.to_bytes()), Ok(packet));
    }
}

#[test]
fn an_operation_request_is_laid_out_as_libgphoto2_sends_it() {
    // ptpip.c: length, type 6, data phase at 8, code at 12, transaction at 14, params from 18.
    let bytes = Packet::OperationRequest {
        data_phase: 2,
        code: 0x9110,
        transaction: 0x0102_0304,
        params: vec![0xAABB_CCDD],
    }
    .to_bytes();
    assert_eq!(
        bytes,
        [
            22, 0, 0, 0, 6, 0, 0, 0, 2, 0, 0, 0, 0x10, 0x91, 4, 3, 2, 1, 0xDD, 0xCC, 0xBB, 0xAA
        ]
    );
}

#[test]
fn every_truncation_and_a_lying_length_are_errors() {
    for packet in samples() {
        let bytes = packet.to_bytes();
        for n in 0..bytes.len() {
            assert!(Packet::parse(&bytes[..n]).is_err(), "{packet:?} cut at {n}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(
            Packet::parse(&longer).is_err(),
            "{packet:?} with a trailing byte"
        );
    }
}

#[test]
fn garbage_headers_are_refused_before_allocating() {
    assert!(Packet::parse(&[4, 0, 0, 0, 6, 0, 0, 0]).is_err());
    assert!(parse_header(&[0xFF, 0xFF, 0xFF, 0xFF, 10, 0, 0, 0]).is_err());
    assert!(Packet::parse(&[8, 0, 0, 0, 99, 0, 0, 0]).is_err());
    let mut stream: &[u8] = &[0xFF, 0xFF, 0xFF, 0x7F, 10, 0, 0, 0];
    assert!(matches!(
        read_packet(&mut stream),
        Err(ReadError::Malformed(_))
    ));
}

#[test]
fn seven_response_parameters_or_an_odd_byte_are_refused() {
    let mut bytes = Packet::OperationResponse {
        code: 0x2001,
        transaction: 1,
        params: vec![],
    }
    .to_bytes();
    bytes.extend_from_slice(&[0; 24]);
    bytes[0] = bytes.len() as u8;
    assert!(Packet::parse(&bytes).is_err());
    let mut odd = Packet::Event {
        code: 0x4002,
        transaction: 1,
        params: vec![],
    }
    .to_bytes();
    odd.push(1);
    odd[0] += 1;
    assert!(Packet::parse(&odd).is_err());
}

#[test]
fn a_stream_closed_between_packets_reads_as_closed() {
    let mut empty: &[u8] = &[];
    assert!(matches!(read_packet(&mut empty), Err(ReadError::Closed)));
    let mut cut: &[u8] = &[12, 0, 0, 0, 3, 0, 0];
    assert!(matches!(read_packet(&mut cut), Err(ReadError::Io(_))));
}

proptest::proptest! {
    #[test]
    fn arbitrary_bytes_parse_or_fail_and_a_parsed_packet_re_encodes_identically(
        body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64),
        ty in 0u32..16,
    ) {
        let mut bytes = ((body.len() + 8) as u32).to_le_bytes().to_vec();
        bytes.extend_from_slice(&ty.to_le_bytes());
        bytes.extend_from_slice(&body);
        if let Ok(packet) = Packet::parse(&bytes) {
            proptest::prop_assert_eq!(packet.to_bytes(), bytes.clone());
        }
        let mut stream = &bytes[..];
        while read_packet(&mut stream).is_ok() {}
    }
}

/// A fake camera that completes the handshake, then answers the first request with `reply`
/// (raw bytes) and keeps the connections open for a while.
fn fake_camera(reply: Vec<u8>) -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        let (mut command, _) = listener.accept().expect("command connection");
        let _ = read_packet(&mut command);
        let ack = Packet::InitCommandAck {
            connection: 7,
            guid: [1; 16],
            name: "fake".into(),
            version: kind::VERSION,
        };
        write_packet(&mut command, &ack).expect("ack");
        let (mut event, _) = listener.accept().expect("event connection");
        let _ = read_packet(&mut event);
        write_packet(&mut event, &Packet::InitEventAck).expect("event ack");
        let _ = read_packet(&mut command);
        command.write_all(&reply).expect("reply");
        std::thread::sleep(Duration::from_millis(500));
    });
    addr
}

fn get_device_info(t: &mut PtpIpTransport, timeout: Duration) -> Result<Transaction, PtpError> {
    let request = Request {
        code: 0x1001,
        transaction: 1,
        params: vec![],
    };
    t.transact(&request, DataPhase::In, timeout)
}

#[test]
fn garbage_from_the_camera_is_a_protocol_violation_and_the_connection_is_then_refused() {
    let addr = fake_camera(vec![12, 0, 0, 0, 99, 0, 0, 0, 1, 2, 3, 4]);
    let mut t =
        PtpIpTransport::connect(addr, [0; 16], "host", Duration::from_secs(2)).expect("handshake");
    assert_eq!(t.camera_name(), "fake");
    let err = get_device_info(&mut t, Duration::from_secs(2)).expect_err("garbage");
    assert!(matches!(err, PtpError::Protocol { .. }), "{err:?}");
    let again = get_device_info(&mut t, Duration::from_secs(2)).expect_err("out of step");
    assert!(matches!(again, PtpError::Disconnected { .. }), "{again:?}");
}

#[test]
fn data_for_another_transaction_or_beyond_the_announced_length_is_refused() {
    let mut reply = Packet::StartData {
        transaction: 1,
        total_length: 2,
    }
    .to_bytes();
    reply.extend(
        Packet::EndData {
            transaction: 1,
            payload: vec![1, 2, 3],
        }
        .to_bytes(),
    );
    let mut t =
        PtpIpTransport::connect(fake_camera(reply), [0; 16], "host", Duration::from_secs(2))
            .expect("handshake");
    let err = get_device_info(&mut t, Duration::from_secs(2)).expect_err("too much data");
    assert!(matches!(err, PtpError::Protocol { .. }), "{err:?}");

    let reply = Packet::OperationResponse {
        code: 0x2001,
        transaction: 9,
        params: vec![],
    }
    .to_bytes();
    let mut t =
        PtpIpTransport::connect(fake_camera(reply), [0; 16], "host", Duration::from_secs(2))
            .expect("handshake");
    let err = get_device_info(&mut t, Duration::from_secs(2)).expect_err("wrong transaction");
    assert!(matches!(err, PtpError::Protocol { .. }), "{err:?}");
}

#[test]
fn a_silent_camera_times_out_and_a_closed_one_is_disconnected() {
    let mut t =
        PtpIpTransport::connect(fake_camera(vec![]), [0; 16], "host", Duration::from_secs(2))
            .expect("handshake");
    let err = get_device_info(&mut t, Duration::from_millis(100)).expect_err("silence");
    assert!(matches!(err, PtpError::Timeout { .. }), "{err:?}");
    assert!(
        matches!(
            t.poll_event(Duration::from_millis(10)),
            Err(PtpError::Disconnected { .. })
        ),
        "a stream out of step stays unusable"
    );

    // Half a packet, then the camera goes away.
    let mut t = PtpIpTransport::connect(
        fake_camera(vec![30, 0, 0]),
        [0; 16],
        "host",
        Duration::from_secs(2),
    )
    .expect("handshake");
    let err = get_device_info(&mut t, Duration::from_secs(2)).expect_err("closed");
    assert!(matches!(err, PtpError::Disconnected { .. }), "{err:?}");
}

#[test]
fn a_camera_that_refuses_the_host_is_reported_refused() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        let (mut command, _) = listener.accept().expect("command connection");
        let _ = read_packet(&mut command);
        write_packet(&mut command, &Packet::InitFail { reason: 1 }).expect("fail");
    });
    let err = PtpIpTransport::connect(addr, [0; 16], "host", Duration::from_secs(2))
        .expect_err("refused");
    assert!(matches!(err, PtpError::Refused { .. }), "{err:?}");
}
