//! R30x framing, confirmation codes, commands and image unpacking, checked without a device.

use rekam_drivers::ErrorKind;
use rekam_drivers::r30x::Confirmation;
use rekam_drivers::r30x::command::*;
use rekam_drivers::r30x::image::{pack, unpack};
use rekam_drivers::r30x::packet::*;

/// VfyPwd with password 0 at the default address, as the manuals print it.
const VFY_PWD: [u8; 16] = [
    0xEF, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0x00, 0x07, 0x13, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1B,
];

#[test]
fn vfypwd_frames_exactly_as_the_manual_shows() {
    assert_eq!(VfyPwd { password: 0 }.to_bytes(DEFAULT_ADDRESS), VFY_PWD);
}

#[test]
fn a_valid_frame_parses_to_its_fields() {
    let view = PacketView::parse(&VFY_PWD).unwrap();
    assert_eq!(view.address(), DEFAULT_ADDRESS);
    assert_eq!(view.pid(), Pid::Command);
    assert_eq!(view.payload(), &[0x13, 0, 0, 0, 0]);
}

#[test]
fn the_parser_rejects_every_truncation() {
    for len in 0..VFY_PWD.len() {
        assert!(
            matches!(
                PacketView::parse(&VFY_PWD[..len]),
                Err(FrameError::Truncated { .. })
            ),
            "accepted {len} bytes"
        );
    }
}

#[test]
fn the_parser_rejects_trailing_bytes() {
    let mut bytes = VFY_PWD.to_vec();
    bytes.push(0);
    assert_eq!(
        PacketView::parse(&bytes),
        Err(FrameError::Trailing { extra: 1 })
    );
}

#[test]
fn the_parser_rejects_a_bad_checksum() {
    let mut bytes = VFY_PWD.to_vec();
    bytes[15] = 0x1C;
    assert_eq!(
        PacketView::parse(&bytes),
        Err(FrameError::BadChecksum {
            found: 0x1C,
            computed: 0x1B
        })
    );
}

#[test]
fn the_parser_rejects_bad_start_pid_and_length() {
    let mut bytes = VFY_PWD.to_vec();
    bytes[0] = 0xEE;
    assert!(matches!(
        PacketView::parse(&bytes),
        Err(FrameError::BadStart(0xEE, 0x01))
    ));
    let mut bytes = VFY_PWD.to_vec();
    bytes[6] = 0x05;
    assert_eq!(PacketView::parse(&bytes), Err(FrameError::BadPid(5)));
    let mut bytes = VFY_PWD.to_vec();
    bytes[7..9].copy_from_slice(&[0x01, 0x03]);
    assert_eq!(PacketView::parse(&bytes), Err(FrameError::BadLength(0x103)));
    let mut bytes = VFY_PWD.to_vec();
    bytes[7..9].copy_from_slice(&[0x00, 0x01]);
    assert_eq!(PacketView::parse(&bytes), Err(FrameError::BadLength(1)));
}

#[test]
fn an_oversized_payload_cannot_be_framed() {
    assert_eq!(
        Packet::new(0, Pid::Data, vec![0; 257]),
        Err(FrameError::PayloadTooLarge(257))
    );
}

#[test]
fn the_deframer_finds_packets_after_garbage_split_anywhere() {
    let mut stream = vec![0x55, 0xEF, 0x00, 0xEF];
    stream.extend_from_slice(&VFY_PWD);
    stream.extend_from_slice(&[0x12, 0xEF, 0x01, 0x00]);
    stream.extend_from_slice(&VFY_PWD);
    for split in 0..stream.len() {
        let mut d = Deframer::new();
        d.push(&stream[..split]);
        let mut got = Vec::new();
        got.extend(std::iter::from_fn(|| d.next_packet()));
        d.push(&stream[split..]);
        got.extend(std::iter::from_fn(|| d.next_packet()));
        assert_eq!(got.len(), 2, "split at {split}");
        assert_eq!(d.discarded(), 8, "split at {split}");
    }
}

#[test]
fn a_stalled_false_header_is_skipped_to_reach_the_real_packet() {
    let mut d = Deframer::new();
    d.push(&[0xEF, 0x01, 0, 0, 0, 0, 0x02, 0x00, 0x80]);
    d.push(&VFY_PWD);
    assert_eq!(d.next_packet(), None);
    assert_eq!(d.skip_stalled().unwrap().payload, vec![0x13, 0, 0, 0, 0]);
}

#[test]
fn every_confirmation_code_round_trips_and_maps_to_its_kind() {
    use Confirmation as C;
    use ErrorKind as K;
    let expected = [
        (0x00, K::ProtocolViolation),
        (0x01, K::ProtocolViolation),
        (0x02, K::NotReady),
        (0x03, K::NotReady),
        (0x06, K::NotReady),
        (0x07, K::NotReady),
        (0x08, K::NotReady),
        (0x09, K::NotReady),
        (0x0A, K::NotReady),
        (0x0B, K::ProtocolViolation),
        (0x0C, K::HardwareFault),
        (0x0D, K::HardwareFault),
        (0x0E, K::ProtocolViolation),
        (0x0F, K::HardwareFault),
        (0x10, K::HardwareFault),
        (0x11, K::HardwareFault),
        (0x13, K::NotReady),
        (0x15, K::NotReady),
        (0x18, K::HardwareFault),
        (0x19, K::HardwareFault),
        (0x1A, K::ProtocolViolation),
        (0x1B, K::ProtocolViolation),
        (0x1C, K::ProtocolViolation),
        (0x1D, K::HardwareFault),
        (0x1F, K::NotReady),
        (0x20, K::ProtocolViolation),
        (0x21, K::NotReady),
        (0x22, K::NotReady),
        (0x24, K::NotReady),
        (0x26, K::Timeout),
        (0x27, K::NotReady),
        (0x29, K::HardwareFault),
        (0xFC, K::Unsupported),
        (0xFD, K::HardwareFault),
        (0xFE, K::HardwareFault),
    ];
    assert_eq!(C::known().count(), expected.len());
    for (byte, kind) in expected {
        let code = C::from_u8(byte);
        assert!(!matches!(code, C::Unknown(_)), "{byte:#04x} unnamed");
        assert_eq!(code.as_u8(), byte);
        assert_eq!(code.kind(), kind, "{code}");
    }
    for byte in 0..=255u8 {
        assert_eq!(C::from_u8(byte).as_u8(), byte);
    }
    assert_eq!(C::from_u8(0x04), C::Unknown(0x04));
    assert_eq!(C::Unknown(0x04).kind(), K::ProtocolViolation);
}

#[test]
fn every_command_round_trips_through_the_module_side_parser() {
    let address = 0x1234_5678;
    let commands: Vec<(Vec<u8>, Request)> = vec![
        (HandShake.to_bytes(address), Request::HandShake(HandShake)),
        (
            VfyPwd { password: 7 }.to_bytes(address),
            Request::VfyPwd(VfyPwd { password: 7 }),
        ),
        (
            ReadSysPara.to_bytes(address),
            Request::ReadSysPara(ReadSysPara),
        ),
        (
            ReadProdInfo.to_bytes(address),
            Request::ReadProdInfo(ReadProdInfo),
        ),
        (GenImg.to_bytes(address), Request::GenImg(GenImg)),
        (UpImage.to_bytes(address), Request::UpImage(UpImage)),
        (
            Img2Tz {
                buffer: CharBuffer::Two,
            }
            .to_bytes(address),
            Request::Img2Tz(Img2Tz {
                buffer: CharBuffer::Two,
            }),
        ),
        (Match.to_bytes(address), Request::Match(Match)),
        {
            let s = Search {
                buffer: CharBuffer::One,
                start: 3,
                count: 300,
            };
            (s.to_bytes(address), Request::Search(s))
        },
        (RegModel.to_bytes(address), Request::RegModel(RegModel)),
        {
            let s = Store {
                buffer: CharBuffer::One,
                page: 999,
            };
            (s.to_bytes(address), Request::Store(s))
        },
        {
            let s = LoadChar {
                buffer: CharBuffer::Two,
                page: 1,
            };
            (s.to_bytes(address), Request::LoadChar(s))
        },
        (
            UpChar {
                buffer: CharBuffer::One,
            }
            .to_bytes(address),
            Request::UpChar(UpChar {
                buffer: CharBuffer::One,
            }),
        ),
        (
            DownChar {
                buffer: CharBuffer::Two,
            }
            .to_bytes(address),
            Request::DownChar(DownChar {
                buffer: CharBuffer::Two,
            }),
        ),
        {
            let s = DeletChar { page: 4, count: 2 };
            (s.to_bytes(address), Request::DeletChar(s))
        },
        (Empty.to_bytes(address), Request::Empty(Empty)),
        {
            let s = SetSysPara {
                register: 5,
                value: 4,
            };
            (s.to_bytes(address), Request::SetSysPara(s))
        },
        (
            TemplateNum.to_bytes(address),
            Request::TemplateNum(TemplateNum),
        ),
        (
            ReadIndexTable { index: 2 }.to_bytes(address),
            Request::ReadIndexTable(ReadIndexTable { index: 2 }),
        ),
        {
            let s = AuraLedConfig {
                effect: LedEffect::Flashing,
                speed: 9,
                colour: LedColour::Purple,
                cycles: 3,
            };
            (s.to_bytes(address), Request::AuraLedConfig(s))
        },
    ];
    for (bytes, expected) in commands {
        let view = PacketView::parse(&bytes).unwrap();
        assert_eq!(view.address(), address);
        assert_eq!(Request::parse(view.payload()), Ok(expected));
    }
}

#[test]
fn the_module_side_parser_rejects_unknown_and_malformed_commands() {
    assert_eq!(Request::parse(&[]), Err(RequestError::Empty));
    assert_eq!(Request::parse(&[0x99]), Err(RequestError::Unknown(0x99)));
    assert_eq!(
        Request::parse(&[0x02, 3]),
        Err(RequestError::BadParams(0x02))
    );
    assert_eq!(
        Request::parse(&[0x01, 0]),
        Err(RequestError::BadParams(0x01))
    );
    assert_eq!(
        Request::parse(&[0x35, 1, 0, 9, 0]),
        Err(RequestError::BadParams(0x35))
    );
}

#[test]
fn responses_are_parsed_completely_or_rejected() {
    assert_eq!(TemplateNum::parse_response(&[0, 0, 5]), Ok(5));
    assert_eq!(
        TemplateNum::parse_response(&[0, 0, 5, 0]),
        Err(ResponseError::Length {
            expected: 2,
            actual: 3
        })
    );
    assert_eq!(
        TemplateNum::parse_response(&[0, 0]),
        Err(ResponseError::Length {
            expected: 2,
            actual: 1
        })
    );
    assert_eq!(TemplateNum::parse_response(&[]), Err(ResponseError::Empty));
    assert_eq!(
        TemplateNum::parse_response(&[0x01]),
        Err(ResponseError::Module(Confirmation::ReceiveError))
    );
}

#[test]
fn ordinary_outcomes_are_values_not_errors() {
    assert_eq!(GenImg::parse_response(&[0x02]), Ok(Capture::NoFinger));
    assert_eq!(GenImg::parse_response(&[0x00]), Ok(Capture::Captured));
    assert_eq!(
        GenImg::parse_response(&[0x03]),
        Err(ResponseError::Module(Confirmation::CaptureFailed))
    );
    assert_eq!(Search::parse_response(&[0x09]), Ok(None));
    assert_eq!(
        Search::parse_response(&[0x00, 0, 7, 0, 99]),
        Ok(Some(SearchHit { page: 7, score: 99 }))
    );
    assert_eq!(Match::parse_response(&[0x08, 0, 0]), Ok(None));
}

#[test]
fn system_and_product_parameters_round_trip() {
    let sys = SysPara {
        status: 4,
        system_id: 9,
        library_size: 1000,
        security_level: 3,
        address: 0xFFFF_FFFF,
        packet_size_code: 2,
        baud_multiplier: 6,
    };
    let mut payload = vec![0];
    payload.extend(sys.to_bytes());
    assert_eq!(ReadSysPara::parse_response(&payload), Ok(sys));
    assert_eq!(sys.packet_size(), Some(128));

    let info = ProdInfo {
        model: "R503".into(),
        batch: "1111".into(),
        serial: "10080307".into(),
        hardware_version: (1, 1),
        sensor: "GR192RGB".into(),
        width: 192,
        height: 192,
        template_size: 1536,
        library_size: 200,
    };
    let mut payload = vec![0];
    payload.extend(info.to_bytes());
    assert_eq!(payload.len(), 47);
    assert_eq!(ReadProdInfo::parse_response(&payload), Ok(info.clone()));
    payload.extend([0; 4]);
    assert_eq!(ReadProdInfo::parse_response(&payload), Ok(info));
}

#[test]
fn nibbles_unpack_high_first_to_full_scale_gray() {
    assert_eq!(unpack(&[0xF0, 0x1E], 4, 1), Ok(vec![255, 0, 17, 238]));
    assert_eq!(unpack(&[0xF0], 4, 1), Err((2, 1)));
    assert_eq!(pack(&[255, 0, 17, 238]), vec![0xF0, 0x1E]);
}
