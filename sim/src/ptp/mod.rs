//! A simulated PTP camera answering as a Canon EOS body (vendor extension 11), over the scene
//! camera of [`crate::devices::camera`], and the PTP/IP server that puts it on the network.
//!
//! [`SimPtpCamera`] is sans-IO: a request and the host's data (if any) go in, a response and the
//! device's data come out, events queue up for [`SimPtpCamera::next_event`]. It keeps one
//! session, a card storage with the pictures taken, the Canon EOS remote/event modes, the EOS
//! property set (reported through GetEvent as libgphoto2 expects), live view, and fault
//! injection (busy replies, garbage data, power off).
//!
//! Contract: every request gets a response with its transaction id; a refused request changes
//! nothing. Exposure compensation and white balance set over PTP change the rendered colours
//! exactly as the scene camera's own settings do (see [`eos`] for the mapping).

pub mod eos;
pub mod server;
pub mod usb;

use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

use rekam_drivers::camera::{Camera, Photo};
use rekam_drivers::fingerprint::CaptureOptions;
use rekam_drivers::ptp::code::{dpc, dtc, ec, ofc, op, rc, vendor};
use rekam_drivers::ptp::dataset::{
    DeviceInfo, DevicePropDesc, EosEvent, ObjectInfo, PropForm, PropValue, StorageInfo,
    eos_events_bytes, u32_array_bytes,
};
use rekam_drivers::ptp::{Event, Request, Response, Transaction};

pub use server::serve;

use crate::devices::camera::SimCamera;
use crate::rng::SimRng;
use crate::sample;
use crate::synth::Rgb;

/// The one storage: a memory card.
pub const CARD_STORAGE: u32 = 0x0001_0001;
/// Canon's capture destination value for "the host's RAM".
pub const DESTINATION_HOST: u32 = 4;
/// Canon's capture destination value for "the card".
pub const DESTINATION_CARD: u32 = 1;

/// The model string in DeviceInfo.
pub const MODEL: &str = "Canon EOS 2000D (rekam simulator)";

/// Operations the body lists in DeviceInfo and answers.
const OPERATIONS: &[u16] = &[
    op::GET_DEVICE_INFO,
    op::OPEN_SESSION,
    op::CLOSE_SESSION,
    op::GET_STORAGE_IDS,
    op::GET_STORAGE_INFO,
    op::GET_NUM_OBJECTS,
    op::GET_OBJECT_HANDLES,
    op::GET_OBJECT_INFO,
    op::GET_OBJECT,
    op::DELETE_OBJECT,
    op::INITIATE_CAPTURE,
    op::GET_DEVICE_PROP_DESC,
    op::GET_DEVICE_PROP_VALUE,
    op::SET_DEVICE_PROP_VALUE,
    op::GET_PARTIAL_OBJECT,
    op::CANON_EOS_GET_STORAGE_IDS,
    op::CANON_EOS_GET_STORAGE_INFO,
    op::CANON_EOS_REMOTE_RELEASE,
    op::CANON_EOS_SET_DEVICE_PROP_VALUE_EX,
    op::CANON_EOS_SET_REMOTE_MODE,
    op::CANON_EOS_SET_EVENT_MODE,
    op::CANON_EOS_GET_EVENT,
    op::CANON_EOS_TRANSFER_COMPLETE,
    op::CANON_EOS_PC_HDD_CAPACITY,
    op::CANON_EOS_KEEP_DEVICE_ON,
    op::CANON_EOS_REMOTE_RELEASE_ON,
    op::CANON_EOS_REMOTE_RELEASE_OFF,
    op::CANON_EOS_GET_VIEWFINDER_DATA,
];

/// Standard properties listed in DeviceInfo (the EOS ones travel through GetEvent).
const STANDARD_PROPS: &[u16] = &[
    dpc::BATTERY_LEVEL,
    dpc::WHITE_BALANCE,
    dpc::EXPOSURE_BIAS_COMPENSATION,
];

/// The initial EOS property values, reported in the first GetEvent.
fn initial_eos_props() -> BTreeMap<u16, u32> {
    BTreeMap::from([
        (dpc::CANON_EOS_APERTURE, 0x30),
        (dpc::CANON_EOS_SHUTTER_SPEED, 0x6D),
        (dpc::CANON_EOS_ISO_SPEED, 0x48),
        (dpc::CANON_EOS_EXP_COMPENSATION, 0),
        // Manual focus: libgphoto2 then skips its autofocus wait on the half press.
        (dpc::CANON_EOS_FOCUS_MODE, 3),
        (dpc::CANON_EOS_WHITE_BALANCE, 0),
        (dpc::CANON_EOS_COLOR_TEMPERATURE, 5200),
        (dpc::CANON_EOS_BATTERY_POWER, 3),
        (dpc::CANON_EOS_AVAILABLE_SHOTS, 999),
        (dpc::CANON_EOS_CAPTURE_DESTINATION, DESTINATION_CARD),
        (dpc::CANON_EOS_EVF_OUTPUT_DEVICE, 1),
        (dpc::CANON_EOS_EVF_MODE, 0),
    ])
}

/// A picture the camera holds.
#[derive(Debug, Clone)]
struct Object {
    info: ObjectInfo,
    data: Vec<u8>,
}

/// The simulated PTP camera.
pub struct SimPtpCamera {
    camera: SimCamera,
    powered: bool,
    session: Option<u32>,
    objects: BTreeMap<u32, Object>,
    next_handle: u32,
    shots: u32,
    events: VecDeque<Event>,
    eos_events: Vec<EosEvent>,
    eos_props: BTreeMap<u16, u32>,
    remote_mode: u32,
    event_mode: u32,
    half_pressed: bool,
    busy_for: u32,
    garbage_for: u32,
    garbage_rng: SimRng,
    /// How long a release may take before the camera gives up (the scene camera's shutter delay
    /// is waited out inside it).
    capture_timeout: Duration,
}

impl SimPtpCamera {
    /// A powered camera with no session, an empty card and the EOS properties at their
    /// defaults.
    pub fn new(camera: SimCamera) -> Self {
        let mut cam = Self {
            camera,
            powered: true,
            session: None,
            objects: BTreeMap::new(),
            next_handle: 0x9000_0001,
            shots: 0,
            events: VecDeque::new(),
            eos_events: Vec::new(),
            eos_props: BTreeMap::new(),
            remote_mode: 0,
            event_mode: 0,
            half_pressed: false,
            busy_for: 0,
            garbage_for: 0,
            garbage_rng: SimRng::derive(0x5054_5031, "ptp-garbage"),
            capture_timeout: Duration::from_secs(10),
        };
        cam.reset_props();
        cam
    }

    fn reset_props(&mut self) {
        self.eos_props = initial_eos_props();
        self.eos_events.clear();
        for (&code, &value) in &self.eos_props {
            self.eos_events.push(EosEvent::PropValueChanged {
                property: u32::from(code),
                value: value.to_le_bytes().to_vec(),
            });
        }
        self.eos_events.push(EosEvent::AvailListChanged {
            property: u32::from(dpc::CANON_EOS_EXP_COMPENSATION),
            data_type: 3,
            values: eos::exposure_codes().into_iter().map(u32::from).collect(),
        });
        self.eos_events.push(EosEvent::AvailListChanged {
            property: u32::from(dpc::CANON_EOS_WHITE_BALANCE),
            data_type: 3,
            values: eos::WHITE_BALANCE_CODES.to_vec(),
        });
        self.eos_events.push(EosEvent::AvailListChanged {
            property: u32::from(dpc::CANON_EOS_CAPTURE_DESTINATION),
            data_type: 3,
            values: vec![DESTINATION_CARD, DESTINATION_HOST],
        });
    }

    /// The scene camera behind the body (to change the scene or read its settings).
    pub fn scene_camera(&mut self) -> &mut SimCamera {
        &mut self.camera
    }

    /// Switches the camera on or off. Off drops the session, the pictures in RAM and pending
    /// events; a transport must then stop answering (the server closes its connections, the
    /// USB wrapper reports the device gone).
    pub fn set_powered(&mut self, on: bool) {
        if self.powered && !on {
            self.session = None;
            self.events.clear();
            self.half_pressed = false;
            self.remote_mode = 0;
            self.event_mode = 0;
            self.objects.retain(|_, o| o.info.storage_id != 0);
            self.reset_props();
        }
        self.powered = on;
    }

    /// Whether the camera is switched on.
    pub fn powered(&self) -> bool {
        self.powered
    }

    /// The next `n` requests (other than GetDeviceInfo) are answered DeviceBusy.
    pub fn inject_busy(&mut self, n: u32) {
        self.busy_for = n;
    }

    /// The next `n` data-in phases carry random bytes instead of their dataset.
    pub fn inject_garbage(&mut self, n: u32) {
        self.garbage_for = n;
    }

    /// The host's connection went away: the session ends and the buttons are let go, as on a
    /// real body (pictures stay on the card).
    pub fn connection_lost(&mut self) {
        self.session = None;
        self.half_pressed = false;
        self.remote_mode = 0;
        self.event_mode = 0;
    }

    /// Whether operation `code` has a device-to-host data phase when it succeeds (a transport
    /// sends one even when it is empty, as hosts wait for it).
    pub fn sends_data(code: u16) -> bool {
        matches!(
            code,
            op::GET_DEVICE_INFO
                | op::GET_STORAGE_IDS
                | op::GET_STORAGE_INFO
                | op::GET_OBJECT_HANDLES
                | op::GET_OBJECT_INFO
                | op::GET_OBJECT
                | op::GET_THUMB
                | op::GET_DEVICE_PROP_DESC
                | op::GET_DEVICE_PROP_VALUE
                | op::GET_PARTIAL_OBJECT
                | op::CANON_EOS_GET_STORAGE_IDS
                | op::CANON_EOS_GET_STORAGE_INFO
                | op::CANON_EOS_GET_EVENT
                | op::CANON_EOS_GET_VIEWFINDER_DATA
        )
    }

    /// Whether a session is open, and its id.
    pub fn session(&self) -> Option<u32> {
        self.session
    }

    /// Handles of the pictures held (card and RAM).
    pub fn object_handles(&self) -> Vec<u32> {
        self.objects.keys().copied().collect()
    }

    /// The current value of an EOS property.
    pub fn eos_prop(&self, code: u16) -> Option<u32> {
        self.eos_props.get(&code).copied()
    }

    /// The next event for the event channel (PTP/IP event connection, USB interrupt pipe).
    pub fn next_event(&mut self) -> Option<Event> {
        if !self.powered {
            return None;
        }
        self.events.pop_front()
    }

    /// Answers one request; `data_out` is what the host sent in its data phase.
    pub fn handle(&mut self, request: &Request, data_out: Option<&[u8]>) -> Transaction {
        let (code, params, data) = self.dispatch(request, data_out);
        let data = if !data.is_empty() && self.garbage_for > 0 {
            self.garbage_for -= 1;
            let mut junk = vec![0u8; data.len().min(64)];
            for b in &mut junk {
                *b = self.garbage_rng.next_u64() as u8;
            }
            junk
        } else {
            data
        };
        Transaction {
            response: Response {
                code,
                transaction: request.transaction,
                params,
            },
            data,
        }
    }

    fn dispatch(&mut self, request: &Request, data_out: Option<&[u8]>) -> (u16, Vec<u32>, Vec<u8>) {
        let p = |i: usize| request.params.get(i).copied().unwrap_or(0);
        if !self.powered {
            return (rc::GENERAL_ERROR, vec![], vec![]);
        }
        match request.code {
            op::GET_DEVICE_INFO => return ok_data(self.device_info().to_bytes()),
            op::OPEN_SESSION => return self.open_session(p(0)),
            _ => {}
        }
        if self.session.is_none() {
            return status(rc::SESSION_NOT_OPEN);
        }
        if self.busy_for > 0 && request.code != op::CLOSE_SESSION {
            self.busy_for -= 1;
            return status(rc::DEVICE_BUSY);
        }
        match request.code {
            op::CLOSE_SESSION => {
                self.session = None;
                self.half_pressed = false;
                status(rc::OK)
            }
            op::GET_STORAGE_IDS | op::CANON_EOS_GET_STORAGE_IDS => {
                ok_data(u32_array_bytes(&[CARD_STORAGE]))
            }
            op::GET_STORAGE_INFO | op::CANON_EOS_GET_STORAGE_INFO => {
                if p(0) != CARD_STORAGE {
                    return status(rc::INVALID_STORAGE_ID);
                }
                ok_data(self.storage_info().to_bytes())
            }
            op::GET_NUM_OBJECTS => match self.select(p(0), p(1), p(2)) {
                Ok(handles) => (rc::OK, vec![handles.len() as u32], vec![]),
                Err(code) => status(code),
            },
            op::GET_OBJECT_HANDLES => match self.select(p(0), p(1), p(2)) {
                Ok(handles) => ok_data(u32_array_bytes(&handles)),
                Err(code) => status(code),
            },
            op::GET_OBJECT_INFO => match self.objects.get(&p(0)) {
                Some(o) => ok_data(o.info.to_bytes()),
                None => status(rc::INVALID_OBJECT_HANDLE),
            },
            op::GET_OBJECT => match self.objects.get(&p(0)) {
                Some(o) => ok_data(o.data.clone()),
                None => status(rc::INVALID_OBJECT_HANDLE),
            },
            op::GET_PARTIAL_OBJECT => match self.objects.get(&p(0)) {
                Some(o) => {
                    let start = (p(1) as usize).min(o.data.len());
                    let end = start.saturating_add(p(2) as usize).min(o.data.len());
                    let part = o.data[start..end].to_vec();
                    (rc::OK, vec![part.len() as u32], part)
                }
                None => status(rc::INVALID_OBJECT_HANDLE),
            },
            op::DELETE_OBJECT => self.delete(p(0)),
            op::INITIATE_CAPTURE => self.initiate_capture(request.transaction, p(0), p(1)),
            op::GET_DEVICE_PROP_DESC => match self.standard_prop(p(0)) {
                Some(desc) => ok_data(desc.to_bytes()),
                None => status(rc::DEVICE_PROP_NOT_SUPPORTED),
            },
            op::GET_DEVICE_PROP_VALUE => match self.standard_prop(p(0)) {
                Some(desc) => ok_data(desc.current.to_bytes()),
                None => status(rc::DEVICE_PROP_NOT_SUPPORTED),
            },
            op::SET_DEVICE_PROP_VALUE => self.set_standard_prop(p(0), data_out.unwrap_or(&[])),
            op::CANON_EOS_SET_REMOTE_MODE => {
                self.remote_mode = p(0);
                status(rc::OK)
            }
            op::CANON_EOS_SET_EVENT_MODE => {
                self.event_mode = p(0);
                status(rc::OK)
            }
            op::CANON_EOS_GET_EVENT => {
                let events = std::mem::take(&mut self.eos_events);
                ok_data(eos_events_bytes(&events))
            }
            op::CANON_EOS_SET_DEVICE_PROP_VALUE_EX => self.set_eos_prop(data_out.unwrap_or(&[])),
            op::CANON_EOS_PC_HDD_CAPACITY | op::CANON_EOS_KEEP_DEVICE_ON => status(rc::OK),
            op::CANON_EOS_REMOTE_RELEASE => {
                if self.remote_mode == 0 {
                    return status(rc::CANON_EOS_OPERATION_REFUSED);
                }
                self.release()
            }
            op::CANON_EOS_REMOTE_RELEASE_ON => self.release_on(p(0)),
            op::CANON_EOS_REMOTE_RELEASE_OFF => {
                // Releasing the button (full = 2, half = 1, both = 3) always succeeds.
                if p(0) & 1 == 1 || p(0) == 3 {
                    self.half_pressed = false;
                }
                status(rc::OK)
            }
            op::CANON_EOS_TRANSFER_COMPLETE => match self.objects.get(&p(0)) {
                // A picture in host RAM is gone once the host has it.
                Some(o) if o.info.storage_id == 0 => {
                    self.objects.remove(&p(0));
                    status(rc::OK)
                }
                Some(_) => status(rc::OK),
                None => status(rc::INVALID_OBJECT_HANDLE),
            },
            op::CANON_EOS_GET_VIEWFINDER_DATA => self.viewfinder(),
            _ => status(rc::OPERATION_NOT_SUPPORTED),
        }
    }

    fn open_session(&mut self, id: u32) -> (u16, Vec<u32>, Vec<u8>) {
        if id == 0 {
            return status(rc::INVALID_PARAMETER);
        }
        if let Some(open) = self.session {
            return (rc::SESSION_ALREADY_OPEN, vec![open], vec![]);
        }
        self.session = Some(id);
        status(rc::OK)
    }

    fn device_info(&self) -> DeviceInfo {
        DeviceInfo {
            standard_version: 100,
            vendor_extension_id: vendor::CANON,
            vendor_extension_version: 100,
            vendor_extension_desc: String::new(),
            functional_mode: 0,
            operations: OPERATIONS.to_vec(),
            events: vec![
                ec::OBJECT_ADDED,
                ec::OBJECT_REMOVED,
                ec::DEVICE_PROP_CHANGED,
                ec::CAPTURE_COMPLETE,
            ],
            properties: STANDARD_PROPS.to_vec(),
            capture_formats: vec![ofc::EXIF_JPEG],
            image_formats: vec![ofc::EXIF_JPEG, ofc::ASSOCIATION],
            manufacturer: "Canon Inc.".into(),
            model: MODEL.into(),
            device_version: "3-1.0.0".into(),
            serial_number: "421000123456".into(),
        }
    }

    fn storage_info(&self) -> StorageInfo {
        let used: u64 = self
            .objects
            .values()
            .filter(|o| o.info.storage_id == CARD_STORAGE)
            .map(|o| o.data.len() as u64)
            .sum();
        let capacity = 16u64 << 30;
        StorageInfo {
            storage_type: 4,    // removable RAM (a memory card)
            filesystem_type: 2, // generic hierarchical
            access_capability: 0,
            max_capacity: capacity,
            free_space_bytes: capacity - used.min(capacity),
            free_space_images: self
                .eos_props
                .get(&dpc::CANON_EOS_AVAILABLE_SHOTS)
                .copied()
                .unwrap_or(0),
            description: "SD".into(),
            volume_label: "EOS_DIGITAL".into(),
        }
    }

    /// Handles of card objects matching storage (0xFFFFFFFF any), format (0 any) and parent
    /// (0 any, 0xFFFFFFFF root).
    fn select(&self, storage: u32, format: u32, parent: u32) -> Result<Vec<u32>, u16> {
        if storage != CARD_STORAGE && storage != 0xFFFF_FFFF {
            return Err(rc::INVALID_STORAGE_ID);
        }
        if parent != 0 && parent != 0xFFFF_FFFF && !self.objects.contains_key(&parent) {
            return Err(rc::INVALID_PARENT_OBJECT);
        }
        Ok(self
            .objects
            .iter()
            .filter(|(_, o)| o.info.storage_id == CARD_STORAGE)
            .filter(|(_, o)| format == 0 || u32::from(o.info.object_format) == format)
            .filter(|(_, o)| parent == 0 || parent == 0xFFFF_FFFF || o.info.parent_object == parent)
            .map(|(&h, _)| h)
            .collect())
    }

    fn delete(&mut self, handle: u32) -> (u16, Vec<u32>, Vec<u8>) {
        if handle == 0xFFFF_FFFF {
            self.objects
                .retain(|_, o| o.info.storage_id != CARD_STORAGE);
            return status(rc::OK);
        }
        match self.objects.remove(&handle) {
            Some(_) => {
                self.events.push_back(Event {
                    code: ec::OBJECT_REMOVED,
                    transaction: 0xFFFF_FFFF,
                    params: vec![handle],
                });
                status(rc::OK)
            }
            None => status(rc::INVALID_OBJECT_HANDLE),
        }
    }

    /// Takes a picture with the scene camera, as JPEG.
    fn shoot(&mut self) -> Result<(u32, u32, Vec<u8>), u16> {
        let photo = self
            .camera
            .capture_still(&CaptureOptions::with_timeout(self.capture_timeout))
            .map_err(|_| rc::CANON_EOS_NOT_READY)?;
        Ok(match photo {
            Photo::Jpeg { size, bytes } => (size.width, size.height, bytes),
            Photo::Rgb(image) => {
                let rgb = Rgb {
                    width: image.width(),
                    height: image.height(),
                    pixels: image.pixels().to_vec(),
                };
                (image.width(), image.height(), sample::jpeg_rgb(&rgb))
            }
        })
    }

    /// Stores a new picture on the card or in host RAM; returns its handle.
    fn store(&mut self, storage_id: u32, width: u32, height: u32, data: Vec<u8>) -> u32 {
        let handle = self.next_handle;
        self.next_handle = self.next_handle.wrapping_add(1);
        self.shots += 1;
        let info = ObjectInfo {
            storage_id,
            object_format: ofc::EXIF_JPEG,
            compressed_size: data.len() as u32,
            image_width: width,
            image_height: height,
            image_bit_depth: 24,
            parent_object: 0,
            filename: format!("IMG_{:04}.JPG", self.shots % 10_000),
            capture_date: "20260101T120000".into(),
            modification_date: "20260101T120000".into(),
            ..ObjectInfo::default()
        };
        self.objects.insert(handle, Object { info, data });
        handle
    }

    fn initiate_capture(
        &mut self,
        transaction: u32,
        storage: u32,
        format: u32,
    ) -> (u16, Vec<u32>, Vec<u8>) {
        if storage != 0 && storage != CARD_STORAGE {
            return status(rc::INVALID_STORAGE_ID);
        }
        if format != 0 && format != u32::from(ofc::EXIF_JPEG) {
            return status(rc::INVALID_OBJECT_FORMAT_CODE);
        }
        let (w, h, jpeg) = match self.shoot() {
            Ok(shot) => shot,
            Err(code) => return status(code),
        };
        let handle = self.store(CARD_STORAGE, w, h, jpeg);
        self.events.push_back(Event {
            code: ec::OBJECT_ADDED,
            transaction,
            params: vec![handle],
        });
        self.events.push_back(Event {
            code: ec::CAPTURE_COMPLETE,
            transaction,
            params: vec![],
        });
        status(rc::OK)
    }

    fn release_on(&mut self, how: u32) -> (u16, Vec<u32>, Vec<u8>) {
        if self.remote_mode == 0 {
            return status(rc::CANON_EOS_OPERATION_REFUSED);
        }
        match how {
            1 => {
                self.half_pressed = true;
                status(rc::OK)
            }
            // Full press: after a half press (2), or both at once (3, as EOS M bodies do).
            2 if !self.half_pressed => status(rc::CANON_EOS_OPERATION_REFUSED),
            2 | 3 => self.release(),
            _ => status(rc::INVALID_PARAMETER),
        }
    }

    /// The shutter fires: the picture goes where the capture destination says and GetEvent
    /// announces it.
    fn release(&mut self) -> (u16, Vec<u32>, Vec<u8>) {
        let (w, h, jpeg) = match self.shoot() {
            Ok(shot) => shot,
            Err(code) => return status(code),
        };
        let size = jpeg.len() as u32;
        let to_host =
            self.eos_props.get(&dpc::CANON_EOS_CAPTURE_DESTINATION) == Some(&DESTINATION_HOST);
        if to_host {
            let handle = self.store(0, w, h, jpeg);
            let filename = self.objects[&handle].info.filename.clone();
            self.eos_events.push(EosEvent::RequestObjectTransfer {
                handle,
                format: ofc::EXIF_JPEG,
                size,
                filename,
            });
        } else {
            let handle = self.store(CARD_STORAGE, w, h, jpeg);
            let filename = self.objects[&handle].info.filename.clone();
            self.eos_events.push(EosEvent::ObjectAddedEx {
                handle,
                storage_id: CARD_STORAGE,
                format: ofc::EXIF_JPEG,
                size,
                parent: 0,
                filename,
            });
            let left = self
                .eos_props
                .get(&dpc::CANON_EOS_AVAILABLE_SHOTS)
                .copied()
                .unwrap_or(0);
            self.change_eos_prop(dpc::CANON_EOS_AVAILABLE_SHOTS, left.saturating_sub(1));
        }
        status(rc::OK)
    }

    fn change_eos_prop(&mut self, code: u16, value: u32) {
        self.eos_props.insert(code, value);
        self.eos_events.push(EosEvent::PropValueChanged {
            property: u32::from(code),
            value: value.to_le_bytes().to_vec(),
        });
    }

    /// SetDevicePropValueEx: u32 size, u32 property, value in a u32 slot.
    fn set_eos_prop(&mut self, data: &[u8]) -> (u16, Vec<u32>, Vec<u8>) {
        let word = |at: usize| {
            data.get(at..at + 4)
                .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        };
        let (Some(size), Some(code), Some(value)) = (word(0), word(4), word(8)) else {
            return status(rc::INVALID_DEVICE_PROP_FORMAT);
        };
        if size as usize != data.len() || size < 12 {
            return status(rc::INVALID_DEVICE_PROP_FORMAT);
        }
        let Ok(code) = u16::try_from(code) else {
            return status(rc::DEVICE_PROP_NOT_SUPPORTED);
        };
        match self.apply_eos_prop(code, value) {
            Ok(()) => status(rc::OK),
            Err(rc_code) => status(rc_code),
        }
    }

    /// Checks and applies one EOS property value, reporting the change through GetEvent.
    fn apply_eos_prop(&mut self, code: u16, value: u32) -> Result<(), u16> {
        match code {
            dpc::CANON_EOS_EXP_COMPENSATION => {
                let exposure =
                    eos::exposure_from_code(value as u8).ok_or(rc::INVALID_DEVICE_PROP_VALUE)?;
                self.camera
                    .set_exposure(exposure)
                    .map_err(|_| rc::INVALID_DEVICE_PROP_VALUE)?;
                self.change_eos_prop(code, value & 0xFF);
            }
            dpc::CANON_EOS_WHITE_BALANCE | dpc::CANON_EOS_COLOR_TEMPERATURE => {
                let (wb, kelvin) = if code == dpc::CANON_EOS_WHITE_BALANCE {
                    (
                        value,
                        self.eos_prop(dpc::CANON_EOS_COLOR_TEMPERATURE)
                            .unwrap_or(5200),
                    )
                } else {
                    if !(2500..=10000).contains(&value) {
                        return Err(rc::INVALID_DEVICE_PROP_VALUE);
                    }
                    (
                        self.eos_prop(dpc::CANON_EOS_WHITE_BALANCE).unwrap_or(0),
                        value,
                    )
                };
                let setting = eos::white_balance_from_code(wb, kelvin)
                    .ok_or(rc::INVALID_DEVICE_PROP_VALUE)?;
                self.camera
                    .set_white_balance(setting)
                    .map_err(|_| rc::INVALID_DEVICE_PROP_VALUE)?;
                self.change_eos_prop(code, value);
            }
            dpc::CANON_EOS_EVF_MODE => {
                if value > 1 {
                    return Err(rc::INVALID_DEVICE_PROP_VALUE);
                }
                self.change_eos_prop(code, value);
            }
            dpc::CANON_EOS_EVF_OUTPUT_DEVICE => {
                if value > 0xF {
                    return Err(rc::INVALID_DEVICE_PROP_VALUE);
                }
                self.change_eos_prop(code, value);
            }
            dpc::CANON_EOS_CAPTURE_DESTINATION => {
                if value != DESTINATION_CARD && value != DESTINATION_HOST {
                    return Err(rc::INVALID_DEVICE_PROP_VALUE);
                }
                self.change_eos_prop(code, value);
            }
            _ if self.eos_props.contains_key(&code) => return Err(rc::ACCESS_DENIED),
            _ => return Err(rc::DEVICE_PROP_NOT_SUPPORTED),
        }
        Ok(())
    }

    /// GetViewFinderData: one record (u32 length incl. header, u32 type 1 = JPEG, the JPEG);
    /// "not ready" (0xA102) until live view is on and routed to the PC.
    fn viewfinder(&mut self) -> (u16, Vec<u32>, Vec<u8>) {
        let evf_on = self.eos_prop(dpc::CANON_EOS_EVF_MODE) == Some(1);
        let to_pc = self.eos_prop(dpc::CANON_EOS_EVF_OUTPUT_DEVICE).unwrap_or(0) & 2 != 0;
        if !evf_on || !to_pc {
            return status(rc::CANON_EOS_NOT_READY);
        }
        let frame = match self
            .camera
            .preview_frame(&CaptureOptions::with_timeout(Duration::from_secs(1)))
        {
            Ok(Photo::Rgb(image)) => sample::jpeg_rgb(&Rgb {
                width: image.width(),
                height: image.height(),
                pixels: image.pixels().to_vec(),
            }),
            Ok(Photo::Jpeg { bytes, .. }) => bytes,
            Err(_) => return status(rc::CANON_EOS_NOT_READY),
        };
        let mut out = Vec::with_capacity(frame.len() + 8);
        out.extend_from_slice(&((frame.len() + 8) as u32).to_le_bytes());
        out.extend_from_slice(&1u32.to_le_bytes());
        out.extend_from_slice(&frame);
        ok_data(out)
    }

    /// The standard properties, derived from the EOS ones so both views agree.
    fn standard_prop(&self, code: u32) -> Option<DevicePropDesc> {
        let code = u16::try_from(code).ok()?;
        Some(match code {
            dpc::BATTERY_LEVEL => DevicePropDesc {
                code,
                data_type: dtc::UINT8,
                writable: false,
                factory_default: PropValue::U8(100),
                current: PropValue::U8(100),
                form: PropForm::Range {
                    min: PropValue::U8(0),
                    max: PropValue::U8(100),
                    step: PropValue::U8(1),
                },
            },
            dpc::WHITE_BALANCE => {
                // PTP white balance: 2 auto, 4 daylight, 5 fluorescent, 6 tungsten, 7 flash.
                let current = match self.eos_prop(dpc::CANON_EOS_WHITE_BALANCE).unwrap_or(0) {
                    1 => 4,
                    3 => 6,
                    4 => 5,
                    5 => 7,
                    _ => 2,
                };
                DevicePropDesc {
                    code,
                    data_type: dtc::UINT16,
                    writable: true,
                    factory_default: PropValue::U16(2),
                    current: PropValue::U16(current),
                    form: PropForm::Enumeration(
                        [2u16, 4, 5, 6, 7].into_iter().map(PropValue::U16).collect(),
                    ),
                }
            }
            dpc::EXPOSURE_BIAS_COMPENSATION => {
                // PTP exposure bias: INT16 in thousandths of a stop.
                let current = match eos::exposure_from_code(
                    self.eos_prop(dpc::CANON_EOS_EXP_COMPENSATION).unwrap_or(0) as u8,
                ) {
                    Some(rekam_drivers::camera::Exposure::Compensation(t)) => t * 100,
                    _ => 0,
                };
                DevicePropDesc {
                    code,
                    data_type: dtc::INT16,
                    writable: true,
                    factory_default: PropValue::I16(0),
                    current: PropValue::I16(current),
                    form: PropForm::Range {
                        min: PropValue::I16(-5000),
                        max: PropValue::I16(5000),
                        step: PropValue::I16(100),
                    },
                }
            }
            _ => return None,
        })
    }

    fn set_standard_prop(&mut self, code: u32, data: &[u8]) -> (u16, Vec<u32>, Vec<u8>) {
        let Some(desc) = self.standard_prop(code) else {
            return status(rc::DEVICE_PROP_NOT_SUPPORTED);
        };
        if !desc.writable {
            return status(rc::ACCESS_DENIED);
        }
        let Ok(value) = PropValue::parse(data, desc.data_type) else {
            return status(rc::INVALID_DEVICE_PROP_FORMAT);
        };
        let result = match (desc.code, value) {
            (dpc::WHITE_BALANCE, PropValue::U16(v)) => {
                let eos_code = match v {
                    2 => 0,
                    4 => 1,
                    5 => 4,
                    6 => 3,
                    7 => 5,
                    _ => return status(rc::INVALID_DEVICE_PROP_VALUE),
                };
                self.apply_eos_prop(dpc::CANON_EOS_WHITE_BALANCE, eos_code)
            }
            (dpc::EXPOSURE_BIAS_COMPENSATION, PropValue::I16(v)) => {
                // Nearest Canon third-stop code.
                let thirds = (f64::from(v) / 1000.0 * 3.0).round() as i32;
                if thirds.abs() > 15 {
                    return status(rc::INVALID_DEVICE_PROP_VALUE);
                }
                let (whole, rest) = (thirds.abs() / 3, thirds.abs() % 3);
                let eighths = (whole * 8 + [0, 3, 5][rest as usize]) * thirds.signum();
                self.apply_eos_prop(dpc::CANON_EOS_EXP_COMPENSATION, eighths as i8 as u8 as u32)
            }
            _ => Err(rc::INVALID_DEVICE_PROP_FORMAT),
        };
        match result {
            Ok(()) => {
                self.events.push_back(Event {
                    code: ec::DEVICE_PROP_CHANGED,
                    transaction: 0xFFFF_FFFF,
                    params: vec![code],
                });
                status(rc::OK)
            }
            Err(code) => status(code),
        }
    }
}

fn status(code: u16) -> (u16, Vec<u32>, Vec<u8>) {
    (code, vec![], vec![])
}

fn ok_data(data: Vec<u8>) -> (u16, Vec<u32>, Vec<u8>) {
    (rc::OK, vec![], data)
}

#[cfg(test)]
mod tests;
