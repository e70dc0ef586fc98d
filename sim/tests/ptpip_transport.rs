//! rekam's `PtpIpTransport` against the PTP/IP camera simulator on loopback: the init handshake,
//! device info, a session, generic and Canon EOS capture with the download, live view, busy
//! replies, one host at a time, and a camera switched off mid-session reading as disconnected.

use std::net::TcpListener;
use std::time::{Duration, Instant};

use rekam_drivers::ptp::code::{dpc, ec, op, rc};
use rekam_drivers::ptp::dataset::{DeviceInfo, EosEvent, ObjectInfo, parse_eos_events};
use rekam_drivers::ptp::ptpip::PtpIpTransport;
use rekam_drivers::ptp::{DataPhase, PtpError, PtpTransport, Request, Transaction};
use rekam_sim::devices::camera::{CameraConfig, FaceScene, SimCamera};
use rekam_sim::ptp::server::{Running, spawn};
use rekam_sim::ptp::{DESTINATION_HOST, MODEL, SimPtpCamera};
use rekam_sim::synth::Background;

const WAIT: Duration = Duration::from_secs(5);

struct Server(Running);

impl Server {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let camera = SimPtpCamera::new(SimCamera::new(
            CameraConfig::tiny(11),
            FaceScene::framed(Background::Blue),
        ));
        Self(spawn(listener, camera).expect("server starts"))
    }

    fn camera(&self) -> std::sync::MutexGuard<'_, SimPtpCamera> {
        self.0.camera().lock().expect("camera")
    }

    fn connect(&self) -> Result<PtpIpTransport, PtpError> {
        PtpIpTransport::connect(self.0.addr(), [0x42; 16], "rekam-test", WAIT)
    }
}

struct Host {
    t: PtpIpTransport,
    tid: u32,
}

impl Host {
    fn call(&mut self, code: u16, params: &[u32], data: DataPhase<'_>) -> Transaction {
        self.try_call(code, params, data).expect("transaction")
    }

    fn try_call(
        &mut self,
        code: u16,
        params: &[u32],
        data: DataPhase<'_>,
    ) -> Result<Transaction, PtpError> {
        let request = Request {
            code,
            transaction: self.tid,
            params: params.to_vec(),
        };
        self.tid += 1;
        self.t.transact(&request, data, WAIT)
    }

    fn open(server: &Server) -> Self {
        let t = server.connect().expect("connects");
        let mut host = Self { t, tid: 0 };
        let opened = host.call(op::OPEN_SESSION, &[1], DataPhase::None);
        assert_eq!(opened.response.code, rc::OK);
        host
    }

    fn set_eos(&mut self, prop: u16, value: u32) -> u16 {
        let mut data = 12u32.to_le_bytes().to_vec();
        data.extend_from_slice(&u32::from(prop).to_le_bytes());
        data.extend_from_slice(&value.to_le_bytes());
        self.call(
            op::CANON_EOS_SET_DEVICE_PROP_VALUE_EX,
            &[],
            DataPhase::Out(&data),
        )
        .response
        .code
    }

    fn eos_events(&mut self) -> Vec<EosEvent> {
        let t = self.call(op::CANON_EOS_GET_EVENT, &[], DataPhase::In);
        parse_eos_events(&t.data).expect("GetEvent records")
    }
}

#[test]
fn the_handshake_names_the_camera_and_device_info_arrives_in_a_data_phase() {
    let server = Server::start();
    let mut host = Host {
        t: server.connect().expect("connects"),
        tid: 0,
    };
    assert_eq!(host.t.camera_name(), MODEL);
    let t = host.call(op::GET_DEVICE_INFO, &[], DataPhase::In);
    assert_eq!(t.response.code, rc::OK);
    let info = DeviceInfo::parse(&t.data).expect("DeviceInfo");
    assert_eq!(info.model, MODEL);
    assert_eq!(info.vendor_extension_id, 11);
}

#[test]
fn initiate_capture_announces_the_object_on_the_event_connection_and_it_downloads() {
    let server = Server::start();
    let mut host = Host::open(&server);
    assert_eq!(
        host.call(op::INITIATE_CAPTURE, &[0, 0], DataPhase::None)
            .response
            .code,
        rc::OK
    );
    let added = host
        .t
        .poll_event(WAIT)
        .expect("event channel")
        .expect("an event");
    assert_eq!(added.code, ec::OBJECT_ADDED);
    let complete = host.t.poll_event(WAIT).expect("event channel");
    assert_eq!(complete.map(|e| e.code), Some(ec::CAPTURE_COMPLETE));
    let handle = added.params[0];
    let info = ObjectInfo::parse(
        &host
            .call(op::GET_OBJECT_INFO, &[handle], DataPhase::In)
            .data,
    )
    .expect("ObjectInfo");
    let jpeg = host.call(op::GET_OBJECT, &[handle], DataPhase::In).data;
    assert_eq!(jpeg.len(), info.compressed_size as usize);
    let mut decoder = jpeg_decoder::Decoder::new(&jpeg[..]);
    decoder.decode().expect("the download is a valid JPEG");
    let size = decoder.info().expect("header");
    assert_eq!(
        (u32::from(size.width), u32::from(size.height)),
        (info.image_width, info.image_height)
    );
    assert_eq!(
        host.t.poll_event(Duration::from_millis(50)).ok(),
        Some(None)
    );
}

#[test]
fn a_canon_eos_release_to_host_ram_downloads_in_parts_and_live_view_streams() {
    let server = Server::start();
    let mut host = Host::open(&server);
    host.call(op::CANON_EOS_SET_REMOTE_MODE, &[1], DataPhase::None);
    host.call(op::CANON_EOS_SET_EVENT_MODE, &[1], DataPhase::None);
    assert!(!host.eos_events().is_empty(), "the initial property set");
    assert_eq!(
        host.set_eos(dpc::CANON_EOS_CAPTURE_DESTINATION, DESTINATION_HOST),
        rc::OK
    );
    for (code, param) in [
        (op::CANON_EOS_REMOTE_RELEASE_ON, 1),
        (op::CANON_EOS_REMOTE_RELEASE_ON, 2),
        (op::CANON_EOS_REMOTE_RELEASE_OFF, 2),
        (op::CANON_EOS_REMOTE_RELEASE_OFF, 1),
    ] {
        assert_eq!(
            host.call(code, &[param, 0], DataPhase::None).response.code,
            rc::OK
        );
    }
    let (handle, size) = host
        .eos_events()
        .into_iter()
        .find_map(|e| match e {
            EosEvent::RequestObjectTransfer { handle, size, .. } => Some((handle, size)),
            _ => None,
        })
        .expect("RequestObjectTransfer");
    let mut jpeg = Vec::new();
    while jpeg.len() < size as usize {
        let part = host.call(
            op::GET_PARTIAL_OBJECT,
            &[handle, jpeg.len() as u32, 4096],
            DataPhase::In,
        );
        assert_eq!(part.response.params, vec![part.data.len() as u32]);
        jpeg.extend_from_slice(&part.data);
    }
    jpeg_decoder::Decoder::new(&jpeg[..])
        .decode()
        .expect("valid JPEG");
    host.call(op::CANON_EOS_TRANSFER_COMPLETE, &[handle], DataPhase::None);

    // Live view: not ready until EVF mode and PC output are set, then 10 frames in well under
    // a second each (the simulator paces at 30 fps).
    let vf = |host: &mut Host| {
        host.call(
            op::CANON_EOS_GET_VIEWFINDER_DATA,
            &[0x0020_0000, 0, 0],
            DataPhase::In,
        )
    };
    assert_eq!(vf(&mut host).response.code, rc::CANON_EOS_NOT_READY);
    assert_eq!(host.set_eos(dpc::CANON_EOS_EVF_MODE, 1), rc::OK);
    assert_eq!(host.set_eos(dpc::CANON_EOS_EVF_OUTPUT_DEVICE, 2), rc::OK);
    let started = Instant::now();
    for _ in 0..10 {
        let frame = vf(&mut host);
        assert_eq!(frame.response.code, rc::OK);
        assert_eq!(&frame.data[4..8], &[1, 0, 0, 0]);
        jpeg_decoder::Decoder::new(&frame.data[8..])
            .decode()
            .expect("live-view JPEG");
    }
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn busy_replies_are_answers_and_a_second_host_is_refused() {
    let server = Server::start();
    let mut host = Host::open(&server);
    server.camera().inject_busy(1);
    assert_eq!(
        host.call(op::GET_STORAGE_IDS, &[], DataPhase::In)
            .response
            .code,
        rc::DEVICE_BUSY
    );
    let ids = host.call(op::GET_STORAGE_IDS, &[], DataPhase::In);
    assert_eq!(ids.response.code, rc::OK);
    assert!(matches!(server.connect(), Err(PtpError::Refused { .. })));
    // The first host is undisturbed.
    assert_eq!(
        host.call(op::GET_STORAGE_IDS, &[], DataPhase::In)
            .response
            .code,
        rc::OK
    );
}

#[test]
fn a_camera_switched_off_mid_session_reads_as_disconnected_and_reopens_after() {
    let server = Server::start();
    let mut host = Host::open(&server);
    server.camera().set_powered(false);
    let err = host
        .try_call(op::GET_STORAGE_IDS, &[], DataPhase::In)
        .expect_err("no answer from a switched-off camera");
    assert!(matches!(err, PtpError::Disconnected { .. }), "{err:?}");
    // Later calls keep saying so instead of reading a stream out of step.
    assert!(matches!(
        host.try_call(op::GET_DEVICE_INFO, &[], DataPhase::In),
        Err(PtpError::Disconnected { .. })
    ));
    server.camera().set_powered(true);
    let mut again = Host::open(&server);
    assert_eq!(
        again
            .call(op::GET_STORAGE_IDS, &[], DataPhase::In)
            .response
            .code,
        rc::OK
    );
}
