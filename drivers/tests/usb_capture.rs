//! USB recording and replay without hardware: a scripted fake device recorded to usbmon pcapng,
//! replayed with control and bulk transfers, captures shaped like Wireshark's (several devices,
//! other blocks, transfers begun before the capture), and a parser that survives any input.

use std::time::Duration;

use proptest::prelude::*;
use rekam_drivers::transport::Transport;
use rekam_drivers::usb::pcapng::{
    self, DEFAULT_SNAPLEN, EINPROGRESS, PcapngWriter, URB_DIR_IN, UsbmonPacket, XFER_BULK,
};
use rekam_drivers::usb::{
    ControlSetup, UsbDevice, UsbDeviceInfo, UsbError, UsbRecorder, UsbReplay, UsbTransport,
};
use rekam_drivers::{Error, ErrorKind};

const T: Duration = Duration::from_millis(20);

/// Answers each bulk OUT with the bytes upper-cased on bulk IN, in packets of at most 8 bytes,
/// after a zero-length packet; control IN requests get a fixed 4-byte status.
struct Echo {
    info: UsbDeviceInfo,
    pending: Vec<u8>,
    zlp_sent: bool,
}

impl Echo {
    fn new() -> Self {
        Self {
            info: UsbDeviceInfo {
                vid: 0x1234,
                pid: 0x5678,
                bus: 2,
                address: 9,
                serial: None,
                manufacturer: None,
                product: Some("echo".into()),
            },
            pending: Vec::new(),
            zlp_sent: false,
        }
    }
}

impl UsbDevice for Echo {
    fn info(&self) -> &UsbDeviceInfo {
        &self.info
    }
    fn write_bulk(&mut self, _: u8, data: &[u8], _: Duration) -> Result<usize, UsbError> {
        self.pending.extend(data.to_ascii_uppercase());
        self.zlp_sent = false;
        Ok(data.len())
    }
    fn read_bulk(&mut self, ep: u8, buf: &mut [u8], timeout: Duration) -> Result<usize, UsbError> {
        if self.pending.is_empty() {
            std::thread::sleep(timeout);
            return Err(UsbError::Timeout {
                device: self.info.name(),
                endpoint: ep,
                timeout,
            });
        }
        if !self.zlp_sent {
            self.zlp_sent = true;
            return Ok(0);
        }
        let n = buf.len().min(self.pending.len()).min(8);
        buf[..n].copy_from_slice(&self.pending[..n]);
        self.pending.drain(..n);
        Ok(n)
    }
    fn control_out(
        &mut self,
        _: ControlSetup,
        data: &[u8],
        _: Duration,
    ) -> Result<usize, UsbError> {
        Ok(data.len())
    }
    fn control_in(
        &mut self,
        s: ControlSetup,
        buf: &mut [u8],
        _: Duration,
    ) -> Result<usize, UsbError> {
        let status = [s.request, 0xAA, 0xBB, 0xCC];
        let n = buf.len().min(4);
        buf[..n].copy_from_slice(&status[..n]);
        Ok(n)
    }
}

const VENDOR_IN: ControlSetup = ControlSetup {
    request_type: 0xC0,
    request: 0x07,
    value: 1,
    index: 0,
};
const VENDOR_OUT: ControlSetup = ControlSetup {
    request_type: 0x40,
    request: 0x03,
    value: 0x0100,
    index: 0,
};

/// A session: control setup, then two echoed lines read through the byte transport.
fn session<D: UsbDevice>(device: D) -> Result<(Vec<u8>, Vec<u8>, D), UsbError> {
    let mut device = device;
    let mut status = [0; 4];
    let n = device.control_in(VENDOR_IN, &mut status, T)?;
    device.control_out(VENDOR_OUT, &[1, 2], T)?;
    let mut t = UsbTransport::new(device, 0x01, 0x82)?.with_read_size(64);
    let mut echoed = Vec::new();
    for line in [&b"hello usb"[..], b"again"] {
        t.write_all(line).map_err(|e| UsbError::Io {
            device: "t".into(),
            detail: e.to_string(),
        })?;
        let mut got = Vec::new();
        while got.len() < line.len() {
            let mut buf = [0; 3];
            match t.read(&mut buf, T) {
                Ok(k) => got.extend_from_slice(&buf[..k]),
                Err(e) => {
                    return Err(UsbError::Io {
                        device: "t".into(),
                        detail: e.to_string(),
                    });
                }
            }
        }
        echoed.extend(got);
    }
    // The device has nothing more to say: a read times out (recorded as silence).
    let mut buf = [0; 1];
    assert!(t.read(&mut buf, T).is_err());
    Ok((status[..n].to_vec(), echoed, t.into_device()))
}

fn recorded() -> (tempfile::TempDir, std::path::PathBuf, Vec<u8>, Vec<u8>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("echo.pcapng");
    let recorder = UsbRecorder::create(Echo::new(), &path).expect("capture");
    let (status, echoed, recorder) = session(recorder).expect("live session");
    recorder.finish().expect("flushed");
    (dir, path, status, echoed)
}

#[test]
fn the_byte_transport_skips_zero_length_packets_and_buffers_the_rest() {
    let (_, _, status, echoed) = recorded();
    assert_eq!(status, vec![0x07, 0xAA, 0xBB, 0xCC]);
    assert_eq!(echoed, b"HELLO USBAGAIN");
}

#[test]
fn control_and_bulk_transfers_replay_from_the_capture() {
    let (_dir, path, status, echoed) = recorded();
    let replay = UsbReplay::open(&path, None).expect("capture loads");
    let control = replay
        .transfers()
        .iter()
        .filter(|t| t.setup.is_some())
        .count();
    assert_eq!(control, 2);
    let (s, e, replay) = session(replay).expect("replayed session");
    assert_eq!((s, e), (status, echoed));
    assert!(replay.is_finished());
}

#[test]
fn a_changed_control_request_is_a_mismatch_naming_the_setup() {
    let (_dir, path, _, _) = recorded();
    let mut replay = UsbReplay::open(&path, None).expect("capture loads");
    let mut buf = [0; 4];
    let other = ControlSetup {
        value: 2,
        ..VENDOR_IN
    };
    let err = replay.control_in(other, &mut buf, T).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ProtocolViolation);
    let text = err.to_string();
    assert!(
        text.contains("transfer #0") && text.contains("SETUP differs"),
        "{text}"
    );
}

#[test]
fn extra_host_data_after_the_capture_ends_is_a_mismatch() {
    let (_dir, path, _, _) = recorded();
    let replay = UsbReplay::open(&path, None).expect("capture loads");
    let (_, _, mut replay) = session(replay).expect("replayed session");
    let err = replay.write_bulk(0x01, b"more", T).unwrap_err();
    assert!(err.to_string().contains("the capture has ended"), "{err}");
}

fn packet(id: u64, event: u8, endpoint: u8, device: u8, data: &[u8], length: u32) -> UsbmonPacket {
    UsbmonPacket {
        id,
        event,
        transfer_type: XFER_BULK,
        endpoint,
        device,
        bus: 1,
        setup_flag: b'-',
        data_flag: 0,
        ts_sec: 1,
        ts_usec: 0,
        status: if event == b'S' { EINPROGRESS } else { 0 },
        length,
        setup: [0; 8],
        interval: 0,
        start_frame: 0,
        xfer_flags: if endpoint & 0x80 != 0 { URB_DIR_IN } else { 0 },
        ndesc: 0,
        data: data.to_vec(),
    }
}

/// A capture like one taken on usbmon1 with two devices, a completion of a transfer submitted
/// before the capture started, and a statistics block at the end.
fn wireshark_like(snaplen: u32) -> Vec<u8> {
    let mut w = PcapngWriter::new(Vec::new(), 1, snaplen).expect("writer");
    for p in [
        packet(1, b'C', 0x81, 4, b"stale", 5),
        packet(2, b'S', 0x02, 4, b"ping", 4),
        packet(3, b'S', 0x81, 5, b"", 512),
        packet(2, b'C', 0x02, 4, b"", 4),
        packet(4, b'S', 0x81, 4, b"", 512),
        packet(4, b'C', 0x81, 4, b"pong pong pong", 14),
        packet(3, b'C', 0x81, 5, b"other device", 12),
    ] {
        w.write(&p).expect("written");
    }
    let mut file = w.into_inner().expect("flushed");
    // An Interface Statistics Block (type 5) for interface 0.
    let isb: [u32; 6] = [5, 24, 0, 0, 0, 24];
    file.extend(isb.iter().flat_map(|v| v.to_le_bytes()));
    file
}

#[test]
fn a_capture_with_several_devices_replays_the_chosen_one() {
    let file = wireshark_like(DEFAULT_SNAPLEN);
    let err = UsbReplay::from_bytes("cap", &file, None).unwrap_err();
    assert!(err.to_string().contains("001:004, 001:005"), "{err}");
    let mut replay = UsbReplay::from_bytes("cap", &file, Some((1, 4))).expect("device 4");
    assert_eq!(
        replay.transfers().len(),
        2,
        "the stale completion is not a transfer"
    );
    replay.write_bulk(0x02, b"ping", T).expect("recorded write");
    let mut buf = [0; 64];
    let n = replay.read_bulk(0x81, &mut buf, T).expect("recorded read");
    assert_eq!(&buf[..n], b"pong pong pong");
    assert!(replay.is_finished());
    let missing = UsbReplay::from_bytes("cap", &file, Some((2, 4))).unwrap_err();
    assert!(
        missing.to_string().contains("no traffic of device 002:004"),
        "{missing}"
    );
}

#[test]
fn data_cut_by_the_snaplen_refuse_to_replay() {
    let file = wireshark_like(68);
    let err = UsbReplay::from_bytes("cap", &file, Some((1, 4))).unwrap_err();
    assert!(err.to_string().contains("snaplen"), "{err}");
}

#[test]
fn a_recorded_timeout_replays_as_a_timeout_that_waits() {
    let mut w = PcapngWriter::new(Vec::new(), 1, DEFAULT_SNAPLEN).expect("writer");
    w.write(&packet(1, b'S', 0x81, 4, b"", 64))
        .expect("written");
    let mut cancelled = packet(1, b'C', 0x81, 4, b"", 0);
    cancelled.status = -104;
    w.write(&cancelled).expect("written");
    let file = w.into_inner().expect("flushed");
    let mut replay = UsbReplay::from_bytes("cap", &file, None).expect("loads");
    let started = std::time::Instant::now();
    let err = replay.read_bulk(0x81, &mut [0; 64], T).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert!(started.elapsed() >= T);
    assert!(replay.is_finished());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_bytes_parse_or_fail_without_panicking(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = pcapng::parse(&bytes);
        let _ = UsbReplay::from_bytes("fuzz", &bytes, None);
    }

    #[test]
    fn a_mutated_capture_parses_or_fails_without_panicking(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut file = wireshark_like(DEFAULT_SNAPLEN);
        for (at, value) in edits {
            let i = at.index(file.len());
            file[i] = value;
        }
        let len = cut.index(file.len() + 1);
        file.truncate(len.max(file.len() / 2));
        if let Ok(packets) = pcapng::parse(&file) {
            for p in packets {
                prop_assert!(p.packet.data.len() <= file.len());
            }
        }
        let _ = UsbReplay::from_bytes("fuzz", &file, Some((1, 4)));
    }
}
