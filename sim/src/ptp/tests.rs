use rekam_drivers::ptp::code::{dpc, ec, op, rc};
use rekam_drivers::ptp::dataset::{
    DeviceInfo, EosEvent, ObjectInfo, parse_eos_events, parse_u32_array,
};
use rekam_drivers::ptp::{Request, Transaction};

use super::*;
use crate::devices::camera::{CameraConfig, FaceScene};
use crate::synth::Background;

fn camera() -> SimPtpCamera {
    SimPtpCamera::new(SimCamera::new(
        CameraConfig::tiny(7),
        FaceScene::framed(Background::Red),
    ))
}

struct Host {
    cam: SimPtpCamera,
    tid: u32,
}

impl Host {
    fn new() -> Self {
        Self {
            cam: camera(),
            tid: 0,
        }
    }

    fn call(&mut self, code: u16, params: &[u32]) -> Transaction {
        self.send(code, params, None)
    }

    fn send(&mut self, code: u16, params: &[u32], data: Option<&[u8]>) -> Transaction {
        let request = Request {
            code,
            transaction: self.tid,
            params: params.to_vec(),
        };
        self.tid += 1;
        let t = self.cam.handle(&request, data);
        assert_eq!(t.response.transaction, request.transaction);
        t
    }

    fn open(&mut self) {
        assert_eq!(self.call(op::OPEN_SESSION, &[1]).response.code, rc::OK);
    }

    fn set_eos(&mut self, prop: u16, value: u32) -> u16 {
        let mut data = 12u32.to_le_bytes().to_vec();
        data.extend_from_slice(&u32::from(prop).to_le_bytes());
        data.extend_from_slice(&value.to_le_bytes());
        self.send(op::CANON_EOS_SET_DEVICE_PROP_VALUE_EX, &[], Some(&data))
            .response
            .code
    }

    fn events(&mut self) -> Vec<EosEvent> {
        let t = self.call(op::CANON_EOS_GET_EVENT, &[]);
        assert_eq!(t.response.code, rc::OK);
        parse_eos_events(&t.data).expect("GetEvent data parses")
    }
}

#[test]
fn device_info_names_a_canon_eos_body_listing_the_eos_operations() {
    let mut host = Host::new();
    let t = host.call(op::GET_DEVICE_INFO, &[]);
    assert_eq!(t.response.code, rc::OK);
    let info = DeviceInfo::parse(&t.data).expect("DeviceInfo parses");
    assert_eq!(info.vendor_extension_id, 11);
    assert_eq!(info.manufacturer, "Canon Inc.");
    assert!(info.model.starts_with("Canon EOS"));
    for code in [
        op::CANON_EOS_GET_EVENT,
        op::CANON_EOS_REMOTE_RELEASE_ON,
        op::CANON_EOS_GET_VIEWFINDER_DATA,
        op::CANON_EOS_SET_DEVICE_PROP_VALUE_EX,
    ] {
        assert!(info.supports(code), "0x{code:04X}");
    }
}

#[test]
fn operations_need_an_open_session_and_a_second_open_is_refused() {
    let mut host = Host::new();
    assert_eq!(
        host.call(op::GET_STORAGE_IDS, &[]).response.code,
        rc::SESSION_NOT_OPEN
    );
    assert_eq!(
        host.call(op::OPEN_SESSION, &[0]).response.code,
        rc::INVALID_PARAMETER
    );
    host.open();
    let again = host.call(op::OPEN_SESSION, &[2]);
    assert_eq!(again.response.code, rc::SESSION_ALREADY_OPEN);
    assert_eq!(again.response.params, vec![1]);
    assert_eq!(host.call(op::CLOSE_SESSION, &[]).response.code, rc::OK);
    assert_eq!(
        host.call(op::GET_STORAGE_IDS, &[]).response.code,
        rc::SESSION_NOT_OPEN
    );
}

#[test]
fn initiate_capture_stores_a_jpeg_and_announces_it() {
    let mut host = Host::new();
    host.open();
    let t = host.call(op::INITIATE_CAPTURE, &[0, 0]);
    assert_eq!(t.response.code, rc::OK);
    let added = host.cam.next_event().expect("ObjectAdded");
    assert_eq!(added.code, ec::OBJECT_ADDED);
    assert_eq!(
        host.cam.next_event().map(|e| e.code),
        Some(ec::CAPTURE_COMPLETE)
    );
    let handle = added.params[0];
    let handles = parse_u32_array(
        &host
            .call(op::GET_OBJECT_HANDLES, &[CARD_STORAGE, 0, 0])
            .data,
    )
    .expect("handles");
    assert_eq!(handles, vec![handle]);
    let info = ObjectInfo::parse(&host.call(op::GET_OBJECT_INFO, &[handle]).data).expect("info");
    let jpeg = host.call(op::GET_OBJECT, &[handle]).data;
    assert_eq!(info.compressed_size as usize, jpeg.len());
    assert_eq!(&jpeg[..2], &[0xFF, 0xD8]);
    assert_eq!(
        host.call(op::DELETE_OBJECT, &[handle]).response.code,
        rc::OK
    );
    assert_eq!(
        host.call(op::GET_OBJECT, &[handle]).response.code,
        rc::INVALID_OBJECT_HANDLE
    );
}

#[test]
fn the_first_get_event_reports_the_property_set_and_later_ones_only_changes() {
    let mut host = Host::new();
    host.open();
    let first = host.events();
    assert!(first.iter().any(|e| matches!(e, EosEvent::PropValueChanged { property, .. } if *property == u32::from(dpc::CANON_EOS_EVF_OUTPUT_DEVICE))));
    assert!(host.events().is_empty());
    assert_eq!(host.set_eos(dpc::CANON_EOS_EXP_COMPENSATION, 0x08), rc::OK);
    assert_eq!(
        host.events(),
        vec![EosEvent::PropValueChanged {
            property: u32::from(dpc::CANON_EOS_EXP_COMPENSATION),
            value: 8u32.to_le_bytes().to_vec()
        }]
    );
    assert_eq!(
        host.set_eos(dpc::CANON_EOS_EXP_COMPENSATION, 0x01),
        rc::INVALID_DEVICE_PROP_VALUE
    );
    assert_eq!(host.cam.eos_prop(dpc::CANON_EOS_EXP_COMPENSATION), Some(8));
}

#[test]
fn a_half_then_full_press_to_host_ram_requests_an_object_transfer() {
    let mut host = Host::new();
    host.open();
    assert_eq!(
        host.call(op::CANON_EOS_REMOTE_RELEASE_ON, &[1, 0])
            .response
            .code,
        rc::CANON_EOS_OPERATION_REFUSED,
        "no remote mode yet"
    );
    host.call(op::CANON_EOS_SET_REMOTE_MODE, &[1]);
    host.call(op::CANON_EOS_SET_EVENT_MODE, &[1]);
    host.events();
    assert_eq!(
        host.set_eos(dpc::CANON_EOS_CAPTURE_DESTINATION, DESTINATION_HOST),
        rc::OK
    );
    assert_eq!(
        host.call(op::CANON_EOS_REMOTE_RELEASE_ON, &[2, 0])
            .response
            .code,
        rc::CANON_EOS_OPERATION_REFUSED
    );
    assert_eq!(
        host.call(op::CANON_EOS_REMOTE_RELEASE_ON, &[1, 0])
            .response
            .code,
        rc::OK
    );
    assert_eq!(
        host.call(op::CANON_EOS_REMOTE_RELEASE_ON, &[2, 0])
            .response
            .code,
        rc::OK
    );
    host.call(op::CANON_EOS_REMOTE_RELEASE_OFF, &[2]);
    host.call(op::CANON_EOS_REMOTE_RELEASE_OFF, &[1]);
    let (handle, size) = host
        .events()
        .into_iter()
        .find_map(|e| match e {
            EosEvent::RequestObjectTransfer { handle, size, .. } => Some((handle, size)),
            _ => None,
        })
        .expect("a RequestObjectTransfer record");
    let mut jpeg = Vec::new();
    while jpeg.len() < size as usize {
        let part = host.call(op::GET_PARTIAL_OBJECT, &[handle, jpeg.len() as u32, 1000]);
        assert_eq!(part.response.code, rc::OK);
        assert!(!part.data.is_empty());
        jpeg.extend_from_slice(&part.data);
    }
    assert_eq!(&jpeg[..2], &[0xFF, 0xD8]);
    assert_eq!(
        host.call(op::CANON_EOS_TRANSFER_COMPLETE, &[handle])
            .response
            .code,
        rc::OK
    );
    assert!(host.cam.object_handles().is_empty(), "RAM picture released");
}

#[test]
fn live_view_is_not_ready_until_evf_mode_and_pc_output_are_set() {
    let mut host = Host::new();
    host.open();
    assert_eq!(
        host.call(op::CANON_EOS_GET_VIEWFINDER_DATA, &[0x0020_0000, 0, 0])
            .response
            .code,
        rc::CANON_EOS_NOT_READY
    );
    assert_eq!(host.set_eos(dpc::CANON_EOS_EVF_MODE, 1), rc::OK);
    assert_eq!(
        host.call(op::CANON_EOS_GET_VIEWFINDER_DATA, &[0x0020_0000, 0, 0])
            .response
            .code,
        rc::CANON_EOS_NOT_READY
    );
    assert_eq!(host.set_eos(dpc::CANON_EOS_EVF_OUTPUT_DEVICE, 2), rc::OK);
    let t = host.call(op::CANON_EOS_GET_VIEWFINDER_DATA, &[0x0020_0000, 0, 0]);
    assert_eq!(t.response.code, rc::OK);
    let len = u32::from_le_bytes([t.data[0], t.data[1], t.data[2], t.data[3]]) as usize;
    assert_eq!(len, t.data.len());
    assert_eq!(&t.data[4..8], &[1, 0, 0, 0]);
    assert_eq!(&t.data[8..10], &[0xFF, 0xD8]);
}

#[test]
fn busy_garbage_and_power_off_are_injected() {
    let mut host = Host::new();
    host.open();
    host.cam.inject_busy(2);
    assert_eq!(
        host.call(op::GET_STORAGE_IDS, &[]).response.code,
        rc::DEVICE_BUSY
    );
    assert_eq!(
        host.call(op::GET_STORAGE_IDS, &[]).response.code,
        rc::DEVICE_BUSY
    );
    assert_eq!(host.call(op::GET_STORAGE_IDS, &[]).response.code, rc::OK);
    host.cam.inject_garbage(1);
    let junk = host.call(op::GET_DEVICE_INFO, &[]);
    assert!(DeviceInfo::parse(&junk.data).is_err());
    host.cam.set_powered(false);
    assert!(!host.cam.powered());
    host.cam.set_powered(true);
    assert_eq!(host.cam.session(), None, "power cycling ends the session");
}

/// Mean colour of a still taken by a release to the card, decoded from its JPEG.
fn still_colour(host: &mut Host) -> [f64; 3] {
    host.call(op::CANON_EOS_SET_REMOTE_MODE, &[1]);
    assert_eq!(
        host.call(op::CANON_EOS_REMOTE_RELEASE, &[]).response.code,
        rc::OK
    );
    let handle = host
        .events()
        .into_iter()
        .find_map(|e| match e {
            EosEvent::ObjectAddedEx { handle, .. } => Some(handle),
            _ => None,
        })
        .expect("ObjectAddedEx");
    let jpeg = host.call(op::GET_OBJECT, &[handle]).data;
    let pixels = jpeg_decoder::Decoder::new(&jpeg[..])
        .decode()
        .expect("a JPEG still");
    let mut sum = [0f64; 3];
    for px in pixels.chunks_exact(3) {
        for c in 0..3 {
            sum[c] += f64::from(px[c]);
        }
    }
    sum.map(|s| s / (pixels.len() / 3) as f64)
}

#[test]
fn exposure_compensation_and_white_balance_set_over_ptp_change_the_picture() {
    let mut host = Host::new();
    host.open();
    host.events();
    let base = still_colour(&mut host);
    assert_eq!(host.set_eos(dpc::CANON_EOS_EXP_COMPENSATION, 0xF8), rc::OK);
    let darker = still_colour(&mut host);
    assert!(darker[1] < base[1] * 0.7, "-1 EV: {darker:?} vs {base:?}");
    assert_eq!(host.set_eos(dpc::CANON_EOS_EXP_COMPENSATION, 0), rc::OK);
    // Tungsten (3) under the simulator's daylight renders the scene bluer.
    assert_eq!(host.set_eos(dpc::CANON_EOS_WHITE_BALANCE, 3), rc::OK);
    let tungsten = still_colour(&mut host);
    assert!(
        tungsten[2] / tungsten[0] > base[2] / base[0] * 1.2,
        "tungsten {tungsten:?} vs {base:?}"
    );
    // The standard PTP view of the same settings agrees.
    let wb = host.call(op::GET_DEVICE_PROP_VALUE, &[u32::from(dpc::WHITE_BALANCE)]);
    assert_eq!(wb.data, 6u16.to_le_bytes());
}
