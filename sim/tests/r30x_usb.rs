//! The R30x driver over USB bulk endpoints: a fake USB device serving the simulated module's wire
//! protocol, the session recorded to usbmon pcapng, replayed from the file alone, checked to fail
//! on a changed command, and read back by an independent parser (PyPI `python-pcapng`).

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use rekam_drivers::fingerprint::{CaptureOptions, Finger, FingerprintScanner};
use rekam_drivers::r30x::{Cause, R30x, R30xConfig};
use rekam_drivers::transport::TransportError;
use rekam_drivers::usb::pcapng::{self, LINKTYPE_USB_LINUX_MMAPPED};
use rekam_drivers::usb::{
    UsbDevice, UsbDeviceInfo, UsbError, UsbRecorder, UsbReplay, UsbTransport,
};
use rekam_drivers::{Error, ErrorKind};
use rekam_sim::r30x::{ModuleConfig, SimulatedModule};
use rekam_tests::reference_python as python;

const OUT_EP: u8 = 0x02;
const IN_EP: u8 = 0x81;
/// Full-speed bulk max packet size: the fake returns at most this much per IN transfer, as a
/// USB-serial bridge does.
const MAX_PACKET: usize = 64;

/// A USB device whose bulk pipes carry the R30x wire protocol to a simulated module.
struct FakeR30xUsb {
    info: UsbDeviceInfo,
    module: SimulatedModule,
    pending: Vec<u8>,
    /// Every data-carrying transfer as the device saw it: (endpoint, bytes).
    log: Vec<(u8, Vec<u8>)>,
}

impl FakeR30xUsb {
    fn new(seed: u64) -> Self {
        Self {
            info: UsbDeviceInfo {
                vid: 0x2109,
                pid: 0x7638,
                bus: 3,
                address: 7,
                serial: Some("R30X-USB-1".into()),
                manufacturer: Some("rekam test".into()),
                product: Some("R30x over USB bulk".into()),
            },
            module: SimulatedModule::new(ModuleConfig::new(seed)),
            pending: Vec::new(),
            log: Vec::new(),
        }
    }
}

impl UsbDevice for FakeR30xUsb {
    fn info(&self) -> &UsbDeviceInfo {
        &self.info
    }

    fn write_bulk(&mut self, ep: u8, data: &[u8], _timeout: Duration) -> Result<usize, UsbError> {
        assert_eq!(ep, OUT_EP, "the driver writes to the OUT endpoint");
        self.log.push((ep, data.to_vec()));
        let reply = self.module.feed(data);
        self.pending.extend(reply);
        Ok(data.len())
    }

    fn read_bulk(&mut self, ep: u8, buf: &mut [u8], timeout: Duration) -> Result<usize, UsbError> {
        assert_eq!(ep, IN_EP, "the driver reads from the IN endpoint");
        if self.pending.is_empty() {
            std::thread::sleep(timeout);
            return Err(UsbError::Timeout {
                device: self.info.name(),
                endpoint: ep,
                timeout,
            });
        }
        let n = buf.len().min(self.pending.len()).min(MAX_PACKET);
        buf[..n].copy_from_slice(&self.pending[..n]);
        self.pending.drain(..n);
        self.log.push((ep, buf[..n].to_vec()));
        Ok(n)
    }

    fn control_out(
        &mut self,
        _: rekam_drivers::usb::ControlSetup,
        _: &[u8],
        _: Duration,
    ) -> Result<usize, UsbError> {
        Err(UsbError::Stall {
            device: self.info.name(),
            endpoint: 0,
        })
    }

    fn control_in(
        &mut self,
        _: rekam_drivers::usb::ControlSetup,
        _: &mut [u8],
        _: Duration,
    ) -> Result<usize, UsbError> {
        Err(UsbError::Stall {
            device: self.info.name(),
            endpoint: 0x80,
        })
    }
}

fn fast(password: u32) -> R30xConfig {
    R30xConfig {
        password,
        ack_timeout: Duration::from_millis(200),
        poll_interval: Duration::from_millis(1),
        ..R30xConfig::default()
    }
}

/// What one session observes: model, template count, captured pixels.
type Observed = (String, u16, Vec<u8>);

fn session<D: UsbDevice>(device: D) -> (Observed, D) {
    let transport = UsbTransport::new(device, OUT_EP, IN_EP).expect("bulk pair");
    let mut d = R30x::open(transport, fast(0)).expect("driver opens over USB");
    let count = d.template_count().expect("TemplateNum");
    let image = d
        .capture_finger(
            Finger::LeftThumb,
            &CaptureOptions::with_timeout(Duration::from_secs(2)),
        )
        .expect("capture");
    let observed = (
        d.identity().model.clone(),
        count,
        image.image.pixels().to_vec(),
    );
    (observed, d.into_transport().into_device())
}

/// Records one session to `path` and returns what it observed and what the device saw.
fn record(path: &Path) -> (Observed, Vec<(u8, Vec<u8>)>) {
    let recorder = UsbRecorder::create(FakeR30xUsb::new(21), path).expect("capture file");
    let (observed, recorder) = session(recorder);
    let fake = recorder.finish().expect("capture flushed");
    (observed, fake.log)
}

#[test]
fn a_recorded_usb_session_replays_from_the_capture_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r30x.pcapng");
    let (live, _) = record(&path);
    assert_eq!(live.0, "R307-SIM");
    assert_eq!(live.2.len(), 256 * 288);

    let replay = UsbReplay::open(&path, None).unwrap();
    let (replayed, replay) = session(replay);
    assert_eq!(replayed, live, "the replay reproduces the live session");
    assert!(replay.is_finished(), "every recorded transfer was replayed");
}

#[test]
fn a_changed_command_fails_replay_naming_the_transfer_and_byte() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r30x.pcapng");
    record(&path);

    // A different password changes byte 13 of the very first frame (VfyPwd).
    let replay = UsbReplay::open(&path, None).unwrap();
    let transport = UsbTransport::new(replay, OUT_EP, IN_EP).unwrap();
    let err = match R30x::open(transport, fast(1)) {
        Ok(_) => panic!("a changed password replayed"),
        Err(e) => e,
    };
    assert_eq!(err.kind(), ErrorKind::ProtocolViolation);
    let Cause::Transport(TransportError::Usb(usb)) = &err.cause else {
        panic!("not a USB replay error: {err}");
    };
    match usb.as_ref() {
        UsbError::ReplayMismatch {
            transfer, detail, ..
        } => {
            assert_eq!(*transfer, 0);
            assert!(detail.contains("differ at byte 13"), "{detail}");
        }
        other => panic!("not a mismatch: {other}"),
    }

    // A different command later in the session: HandShake where TemplateNum was recorded.
    let replay = UsbReplay::open(&path, None).unwrap();
    let transport = UsbTransport::new(replay, OUT_EP, IN_EP).unwrap();
    let mut d = R30x::open(transport, fast(0)).unwrap();
    let err = d.handshake().unwrap_err();
    let text = err.to_string();
    assert!(text.contains("transfer #"), "{text}");
    assert!(text.contains("differ at byte 9"), "{text}");
}

#[test]
fn the_capture_lists_every_transfer_as_a_submission_and_completion() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r30x.pcapng");
    let (_, log) = record(&path);
    let packets = pcapng::parse(&std::fs::read(&path).unwrap()).unwrap();
    let submissions = packets.iter().filter(|p| p.packet.event == b'S').count();
    assert_eq!(submissions * 2, packets.len());
    // Data, in order, as the device saw it: OUT data in submissions, IN data in completions.
    let data: Vec<(u8, Vec<u8>)> = packets
        .iter()
        .map(|p| &p.packet)
        .filter(|p| {
            (p.event == b'S' && !p.is_in()) || (p.event == b'C' && p.is_in() && p.status == 0)
        })
        .map(|p| (p.endpoint, p.data.clone()))
        .collect();
    assert_eq!(data, log);
}

#[test]
fn python_pcapng_reads_the_capture_as_usbmon_with_the_same_traffic() {
    let Some(python) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r30x.pcapng");
    let (_, log) = record(&path);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/pcapng_usbmon.py");
    let output = Command::new(&python)
        .arg(&script)
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "python-pcapng failed (is python-pcapng==2.1.1 installed?):\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(doc["sections"], 1);
    let interfaces = doc["interfaces"].as_array().unwrap();
    assert_eq!(interfaces.len(), 1);
    assert_eq!(
        interfaces[0]["link_type"],
        u64::from(LINKTYPE_USB_LINUX_MMAPPED)
    );
    assert_eq!(interfaces[0]["name"], "usbmon3");
    let packets = doc["packets"].as_array().unwrap();
    let mut seen = Vec::new();
    let mut open = std::collections::HashMap::new();
    for p in packets {
        assert_eq!(
            (p["bus"].as_u64(), p["device"].as_u64()),
            (Some(3), Some(7))
        );
        assert_eq!(p["xfer"], 3, "bulk");
        let ep = p["endpoint"].as_u64().unwrap() as u8;
        let ts = p["ts"].as_f64().unwrap();
        assert!(
            (ts - p["pcapng_ts"].as_f64().unwrap()).abs() < 1e-3,
            "timestamps agree"
        );
        let data = hex::decode(p["data"].as_str().unwrap()).unwrap();
        assert_eq!(p["len_cap"].as_u64().unwrap() as usize, data.len());
        match p["type"].as_str().unwrap() {
            "S" => {
                assert_eq!(p["status"], -115, "submissions are in progress");
                assert_eq!(p["flag_setup"], i64::from(b'-'));
                assert!(open.insert(p["id"].as_u64().unwrap(), ep).is_none());
                if ep == OUT_EP {
                    assert_eq!(p["length"].as_u64().unwrap() as usize, data.len());
                    seen.push((ep, data));
                } else {
                    assert_eq!(ep, IN_EP);
                    assert_eq!(p["flag_data"], i64::from(b'<'));
                    assert_eq!(p["xfer_flags"], 0x200, "URB_DIR_IN");
                    assert!(data.is_empty());
                }
            }
            "C" => {
                assert_eq!(
                    open.remove(&p["id"].as_u64().unwrap()),
                    Some(ep),
                    "paired by URB id"
                );
                if ep == IN_EP && p["status"] == 0 {
                    assert_eq!(p["length"].as_u64().unwrap() as usize, data.len());
                    seen.push((ep, data));
                } else if ep == OUT_EP {
                    assert_eq!(p["flag_data"], i64::from(b'>'));
                    assert!(data.is_empty());
                }
            }
            other => panic!("unexpected event type {other}"),
        }
    }
    assert!(open.is_empty(), "every submission completed");
    assert_eq!(seen, log, "python-pcapng sees the traffic the device saw");
}
