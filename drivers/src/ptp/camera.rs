//! The PTP camera driver: any [`PtpTransport`] (PTP/IP, USB, a simulator, a replay) as a
//! [`Camera`].
//!
//! - Open: OpenSession (transaction 0), GetDeviceInfo (model, serial, firmware). A Canon EOS
//!   body (vendor extension 11 offering the remote-release operations) is then put in remote
//!   mode (SetRemoteMode 1, SetEventMode 1) and its GetEvent queue read once: the properties it
//!   reports there are the ones it can set.
//! - Still, generic: InitiateCapture, then ObjectAdded / CaptureComplete events, GetObjectInfo,
//!   GetObject of the JPEG, DeleteObject (the resident's photo does not stay on the camera).
//! - Still, EOS: RemoteReleaseOn 1 (half press) then 2 (full), RemoteReleaseOff 2 then 1,
//!   GetEvent polling for ObjectAddedEx or RequestObjectTransfer, GetObject, TransferComplete.
//! - Live view, EOS: EVFMode 0xD1B1 = 1 and EVFOutputDevice 0xD1B0 = 2 (the PC) once, then
//!   GetViewFinderData per frame; "not ready" (0xA102) and DeviceBusy are retried.
//! - Exposure and white balance: EOS SetDevicePropValueEx of 0xD104 / 0xD109 (+ 0xD10A kelvin);
//!   generic SetDevicePropValue of 0x5010 (millistops, the nearest value the camera offers) and
//!   0x5005.
//!
//! Contract: DeviceBusy and not-ready replies are retried with a doubling back-off until the
//! operation's deadline (the capture timeout of [`CaptureOptions`]) and are then a `Busy` error;
//! every other refusal is an error naming the operation and the response code. A transport
//! failure keeps its kind, so a camera switched off mid-session is `Disconnected` (the device
//! manager drops the driver and reopens on next use). A picture that is not a JPEG with a frame
//! header is refused, never returned. The cancel token is checked between round trips. Dropping
//! the driver closes the session (best effort).

use std::collections::HashSet;
use std::time::{Duration, Instant};

use super::code::{dpc, ec, ofc, op, rc, vendor};
use super::dataset::{DeviceInfo, EosEvent, ObjectInfo, PropForm, PropValue};
use super::eos;
use super::{DataPhase, PtpError, PtpTransport, Request, Transaction};
use crate::camera::{Camera, CameraCapabilities, Exposure, Photo, WhiteBalance};
use crate::error::{Error, ErrorKind, Unsupported};
use crate::fingerprint::CaptureOptions;
use crate::identity::{DeviceIdentity, ImageSize};

/// The session id the driver opens.
pub const SESSION_ID: u32 = 1;
/// GetViewFinderData's first parameter (what EOS bodies were seen to be sent).
const VIEWFINDER_PARAM: u32 = 0x0020_0000;

/// Tuning of the driver.
#[derive(Debug, Clone)]
pub struct PtpCameraConfig {
    /// Longest wait for any one packet of a transaction.
    pub io_timeout: Duration,
    /// Deadline of operations that take no [`CaptureOptions`] (open, settings).
    pub setting_timeout: Duration,
    /// Pause between two GetEvent polls (EOS) or event waits (generic).
    pub poll_interval: Duration,
    /// First pause after a busy or not-ready reply; it doubles up to `max_backoff`.
    pub initial_backoff: Duration,
    /// Longest pause between retries.
    pub max_backoff: Duration,
    /// After ObjectAdded, how long to wait for CaptureComplete before downloading anyway
    /// (some cameras never send it).
    pub complete_grace: Duration,
    /// Delete a still from the camera once it is downloaded.
    pub delete_after_download: bool,
    /// Use the Canon EOS operations when the camera offers them; off keeps to standard PTP
    /// (InitiateCapture and events, no live view), e.g. for a body whose EOS mode misbehaves.
    pub vendor_extensions: bool,
}

impl Default for PtpCameraConfig {
    fn default() -> Self {
        PtpCameraConfig {
            io_timeout: Duration::from_secs(10),
            setting_timeout: Duration::from_secs(5),
            poll_interval: Duration::from_millis(20),
            initial_backoff: Duration::from_millis(5),
            max_backoff: Duration::from_millis(200),
            complete_grace: Duration::from_millis(500),
            delete_after_download: true,
            vendor_extensions: true,
        }
    }
}

/// A PTP camera failed.
#[derive(Debug, thiserror::Error)]
pub enum PtpCameraError {
    /// The conversation failed (disconnect, timeout, malformed packet).
    #[error(transparent)]
    Transport(#[from] PtpError),
    /// The camera refused an operation.
    #[error("{device}: {operation} answered {code:#06x} ({meaning})")]
    Refused {
        /// The camera.
        device: String,
        /// The operation, named.
        operation: String,
        /// The response code.
        code: u16,
        /// What the code means.
        meaning: &'static str,
    },
    /// Busy or not ready until the deadline.
    #[error("{device}: {operation} still answered busy or not ready after {waited:?}")]
    Busy {
        /// The camera.
        device: String,
        /// The operation, named.
        operation: String,
        /// How long it was retried.
        waited: Duration,
    },
    /// No picture arrived in time.
    #[error("{device}: no picture within {waited:?} of the release")]
    NoPicture {
        /// The camera.
        device: String,
        /// How long the driver waited.
        waited: Duration,
    },
    /// The camera sent a dataset or picture the driver cannot read.
    #[error("{device}: {detail}")]
    Malformed {
        /// The camera.
        device: String,
        /// What was wrong.
        detail: String,
    },
    /// The caller cancelled.
    #[error("{device}: {operation} cancelled")]
    Cancelled {
        /// The camera.
        device: String,
        /// The operation, named.
        operation: &'static str,
    },
    /// The camera cannot take this setting.
    #[error("{device}: {detail}")]
    Setting {
        /// The camera.
        device: String,
        /// What cannot be set.
        detail: String,
    },
    /// The camera has no such operation.
    #[error(transparent)]
    Unsupported(#[from] Unsupported),
}

impl Error for PtpCameraError {
    fn kind(&self) -> ErrorKind {
        match self {
            PtpCameraError::Transport(e) => e.kind(),
            PtpCameraError::Refused { code, .. } => refusal_kind(*code),
            PtpCameraError::Busy { .. } => ErrorKind::Busy,
            PtpCameraError::NoPicture { .. } => ErrorKind::Timeout,
            PtpCameraError::Malformed { .. } => ErrorKind::ProtocolViolation,
            PtpCameraError::Cancelled { .. } => ErrorKind::Cancelled,
            PtpCameraError::Setting { .. } | PtpCameraError::Unsupported(_) => {
                ErrorKind::Unsupported
            }
        }
    }
}

fn refusal_kind(code: u16) -> ErrorKind {
    match code {
        rc::DEVICE_BUSY => ErrorKind::Busy,
        rc::CANON_EOS_NOT_READY | rc::STORE_FULL | rc::CANON_EOS_LENS_COVER_CLOSED => {
            ErrorKind::NotReady
        }
        rc::CANON_EOS_LOW_BATTERY => ErrorKind::NotReady,
        // The camera lost the session (it restarted): reopening is the cure.
        rc::SESSION_NOT_OPEN => ErrorKind::Disconnected,
        rc::OPERATION_NOT_SUPPORTED
        | rc::DEVICE_PROP_NOT_SUPPORTED
        | rc::CANON_EOS_UNKNOWN_COMMAND => ErrorKind::Unsupported,
        rc::GENERAL_ERROR => ErrorKind::HardwareFault,
        _ => ErrorKind::ProtocolViolation,
    }
}

/// Words for a response code.
pub fn response_meaning(code: u16) -> &'static str {
    match code {
        rc::OK => "OK",
        rc::GENERAL_ERROR => "general error",
        rc::SESSION_NOT_OPEN => "session not open",
        rc::INVALID_TRANSACTION_ID => "invalid transaction id",
        rc::OPERATION_NOT_SUPPORTED => "operation not supported",
        rc::PARAMETER_NOT_SUPPORTED => "parameter not supported",
        rc::INCOMPLETE_TRANSFER => "incomplete transfer",
        rc::INVALID_STORAGE_ID => "invalid storage id",
        rc::INVALID_OBJECT_HANDLE => "invalid object handle",
        rc::DEVICE_PROP_NOT_SUPPORTED => "property not supported",
        rc::STORE_FULL => "card full",
        rc::ACCESS_DENIED => "access denied",
        rc::DEVICE_BUSY => "device busy",
        rc::INVALID_DEVICE_PROP_VALUE => "invalid property value",
        rc::INVALID_PARAMETER => "invalid parameter",
        rc::SESSION_ALREADY_OPEN => "session already open",
        rc::TRANSACTION_CANCELLED => "transaction cancelled",
        rc::CANON_EOS_UNKNOWN_COMMAND => "Canon: unknown command",
        rc::CANON_EOS_OPERATION_REFUSED => "Canon: operation refused",
        rc::CANON_EOS_LENS_COVER_CLOSED => "Canon: lens cover closed",
        rc::CANON_EOS_LOW_BATTERY => "Canon: battery low",
        rc::CANON_EOS_NOT_READY => "Canon: not ready",
        _ => "unknown response",
    }
}

fn op_name(code: u16) -> String {
    let name = match code {
        op::GET_DEVICE_INFO => "GetDeviceInfo",
        op::OPEN_SESSION => "OpenSession",
        op::CLOSE_SESSION => "CloseSession",
        op::GET_OBJECT_INFO => "GetObjectInfo",
        op::GET_OBJECT => "GetObject",
        op::DELETE_OBJECT => "DeleteObject",
        op::INITIATE_CAPTURE => "InitiateCapture",
        op::GET_DEVICE_PROP_DESC => "GetDevicePropDesc",
        op::SET_DEVICE_PROP_VALUE => "SetDevicePropValue",
        op::CANON_EOS_SET_DEVICE_PROP_VALUE_EX => "SetDevicePropValueEx",
        op::CANON_EOS_SET_REMOTE_MODE => "SetRemoteMode",
        op::CANON_EOS_SET_EVENT_MODE => "SetEventMode",
        op::CANON_EOS_GET_EVENT => "GetEvent",
        op::CANON_EOS_TRANSFER_COMPLETE => "TransferComplete",
        op::CANON_EOS_REMOTE_RELEASE_ON => "RemoteReleaseOn",
        op::CANON_EOS_REMOTE_RELEASE_OFF => "RemoteReleaseOff",
        op::CANON_EOS_GET_VIEWFINDER_DATA => "GetViewFinderData",
        _ => return format!("operation {code:#06x}"),
    };
    name.to_owned()
}

/// A PTP still camera.
pub struct PtpCamera<T: PtpTransport> {
    /// Always `Some` while the driver lives; taken only by [`PtpCamera::close`].
    transport: Option<T>,
    config: PtpCameraConfig,
    info: DeviceInfo,
    identity: DeviceIdentity,
    capabilities: CameraCapabilities,
    next_transaction: u32,
    session_open: bool,
    eos: bool,
    /// Properties the camera reported it has (DeviceInfo plus EOS GetEvent records).
    properties: HashSet<u32>,
    live_view: bool,
}

/// The PTP operations the Canon EOS paths need.
const EOS_CAPTURE_OPS: [u16; 5] = [
    op::CANON_EOS_SET_REMOTE_MODE,
    op::CANON_EOS_SET_EVENT_MODE,
    op::CANON_EOS_GET_EVENT,
    op::CANON_EOS_REMOTE_RELEASE_ON,
    op::CANON_EOS_REMOTE_RELEASE_OFF,
];

impl<T: PtpTransport> PtpCamera<T> {
    /// Opens a session on `transport` and reads who the camera is.
    pub fn open(transport: T, config: PtpCameraConfig) -> Result<Self, PtpCameraError> {
        let location = transport.name().to_owned();
        let mut camera = PtpCamera {
            transport: Some(transport),
            info: DeviceInfo::default(),
            identity: DeviceIdentity {
                vendor: "PTP".into(),
                model: "camera".into(),
                serial: None,
                firmware: None,
                location,
            },
            capabilities: CameraCapabilities {
                still: ImageSize {
                    width: 0,
                    height: 0,
                },
                preview: None,
                exposure: false,
                white_balance: false,
            },
            next_transaction: 0,
            session_open: false,
            eos: false,
            properties: HashSet::new(),
            live_view: false,
            config,
        };
        let deadline = Instant::now() + camera.config.setting_timeout;
        let opened = camera.request(op::OPEN_SESSION, &[SESSION_ID], DataPhase::None, deadline);
        match opened {
            Ok(_) => {}
            // A session left open by an earlier run of the driver is as good as a new one.
            Err(PtpCameraError::Refused {
                code: rc::SESSION_ALREADY_OPEN,
                ..
            }) => {}
            Err(e) => return Err(e),
        }
        camera.session_open = true;
        let data = camera
            .request(op::GET_DEVICE_INFO, &[], DataPhase::In, deadline)?
            .data;
        camera.info = DeviceInfo::parse(&data).map_err(|e| camera.malformed(e.to_string()))?;
        camera.identity = identity_of(&camera.info, &camera.identity.location);
        camera.properties = camera
            .info
            .properties
            .iter()
            .map(|&p| u32::from(p))
            .collect();
        camera.eos = camera.config.vendor_extensions
            && camera.info.vendor_extension_id == vendor::CANON
            && EOS_CAPTURE_OPS.iter().all(|&o| camera.info.supports(o));
        if camera.eos {
            camera.request(
                op::CANON_EOS_SET_REMOTE_MODE,
                &[1],
                DataPhase::None,
                deadline,
            )?;
            camera.request(
                op::CANON_EOS_SET_EVENT_MODE,
                &[1],
                DataPhase::None,
                deadline,
            )?;
            // The first GetEvent lists every property with its value: what this body can set.
            camera.eos_events(deadline)?;
        }
        camera.capabilities = camera.capabilities_now();
        Ok(camera)
    }

    /// The camera's DeviceInfo.
    pub fn device_info(&self) -> &DeviceInfo {
        &self.info
    }

    /// Whether the Canon EOS operations are used.
    pub fn is_eos(&self) -> bool {
        self.eos
    }

    /// The transport, e.g. to drive a simulator between operations.
    pub fn transport_mut(&mut self) -> Result<&mut T, PtpCameraError> {
        let device = self.identity.location.clone();
        self.transport.as_mut().ok_or_else(|| {
            PtpCameraError::Transport(PtpError::Disconnected {
                device,
                detail: "the driver was closed".into(),
            })
        })
    }

    /// Closes the session and hands the transport back.
    pub fn close(mut self) -> Result<T, PtpCameraError> {
        let deadline = Instant::now() + self.config.setting_timeout;
        let result = self.end_session(deadline);
        // Drop must not close it again.
        self.session_open = false;
        result?;
        let device = self.identity.location.clone();
        self.transport.take().ok_or_else(|| {
            PtpCameraError::Transport(PtpError::Disconnected {
                device,
                detail: "the driver was closed".into(),
            })
        })
    }

    fn end_session(&mut self, deadline: Instant) -> Result<(), PtpCameraError> {
        if self.live_view {
            let _ = self.set_prop_ex(dpc::CANON_EOS_EVF_MODE, 0, deadline);
            self.live_view = false;
        }
        self.request(op::CLOSE_SESSION, &[], DataPhase::None, deadline)
            .map(drop)
    }

    fn capabilities_now(&self) -> CameraCapabilities {
        let live = self.eos && self.info.supports(op::CANON_EOS_GET_VIEWFINDER_DATA);
        let (exposure, white_balance) = if self.eos {
            let ex = self.info.supports(op::CANON_EOS_SET_DEVICE_PROP_VALUE_EX);
            (
                ex && self.has_property(dpc::CANON_EOS_EXP_COMPENSATION),
                ex && self.has_property(dpc::CANON_EOS_WHITE_BALANCE),
            )
        } else {
            let set = self.info.supports(op::SET_DEVICE_PROP_VALUE);
            (
                set && self.has_property(dpc::EXPOSURE_BIAS_COMPENSATION),
                set && self.has_property(dpc::WHITE_BALANCE),
            )
        };
        CameraCapabilities {
            still: self.capabilities.still,
            // The frame size is known once a frame came; until then the still's stands in.
            preview: live.then_some(self.capabilities.preview.unwrap_or(self.capabilities.still)),
            exposure,
            white_balance,
        }
    }

    fn has_property(&self, code: u16) -> bool {
        self.properties.contains(&u32::from(code))
    }

    fn malformed(&self, detail: String) -> PtpCameraError {
        PtpCameraError::Malformed {
            device: self.identity.to_string(),
            detail,
        }
    }

    /// One transaction, retried while the camera answers busy or not ready and `deadline`
    /// allows; any other code but OK is a [`PtpCameraError::Refused`].
    fn request(
        &mut self,
        code: u16,
        params: &[u32],
        data: DataPhase<'_>,
        deadline: Instant,
    ) -> Result<Transaction, PtpCameraError> {
        let started = Instant::now();
        let mut backoff = self.config.initial_backoff;
        loop {
            let transaction = self.next_transaction;
            self.next_transaction = self.next_transaction.wrapping_add(1).max(1);
            let request = Request {
                code,
                transaction,
                params: params.to_vec(),
            };
            // Each packet may take the I/O timeout even when the deadline is near: cutting a
            // download short would lose the picture the camera already took.
            let timeout = self.config.io_timeout;
            let t = self.transport_mut()?.transact(&request, data, timeout)?;
            match t.response.code {
                rc::OK => return Ok(t),
                rc::DEVICE_BUSY | rc::CANON_EOS_NOT_READY => {
                    if Instant::now() + backoff >= deadline {
                        return Err(PtpCameraError::Busy {
                            device: self.identity.to_string(),
                            operation: op_name(code),
                            waited: started.elapsed(),
                        });
                    }
                    std::thread::sleep(backoff);
                    backoff = (backoff * 2).min(self.config.max_backoff);
                }
                other => {
                    return Err(PtpCameraError::Refused {
                        device: self.identity.to_string(),
                        operation: op_name(code),
                        code: other,
                        meaning: response_meaning(other),
                    });
                }
            }
        }
    }

    fn check_cancel(
        &self,
        options: &CaptureOptions,
        operation: &'static str,
    ) -> Result<(), PtpCameraError> {
        if options.cancel.is_cancelled() {
            return Err(PtpCameraError::Cancelled {
                device: self.identity.to_string(),
                operation,
            });
        }
        Ok(())
    }

    /// Reads the EOS event queue once, noting the properties it mentions.
    fn eos_events(&mut self, deadline: Instant) -> Result<Vec<EosEvent>, PtpCameraError> {
        let data = self
            .request(op::CANON_EOS_GET_EVENT, &[], DataPhase::In, deadline)?
            .data;
        // A body with nothing to say may send no data at all.
        if data.is_empty() {
            return Ok(Vec::new());
        }
        let events =
            super::dataset::parse_eos_events(&data).map_err(|e| self.malformed(e.to_string()))?;
        for e in &events {
            match e {
                EosEvent::PropValueChanged { property, .. }
                | EosEvent::AvailListChanged { property, .. } => {
                    self.properties.insert(*property);
                }
                _ => {}
            }
        }
        Ok(events)
    }

    fn set_prop_ex(
        &mut self,
        property: u16,
        value: u32,
        deadline: Instant,
    ) -> Result<(), PtpCameraError> {
        let data = eos::set_prop_ex_data(property, value);
        self.request(
            op::CANON_EOS_SET_DEVICE_PROP_VALUE_EX,
            &[],
            DataPhase::Out(&data),
            deadline,
        )
        .map(drop)
    }

    fn jpeg_photo(&mut self, bytes: Vec<u8>, what: &str) -> Result<Photo, PtpCameraError> {
        let size = eos::jpeg_size(&bytes).map_err(|e| self.malformed(format!("{what}: {e}")))?;
        Ok(Photo::Jpeg { size, bytes })
    }

    fn generic_capture(
        &mut self,
        options: &CaptureOptions,
        deadline: Instant,
    ) -> Result<Photo, PtpCameraError> {
        // Events left from before (a capture the camera finished late) are not this picture's.
        while self.transport_mut()?.poll_event(Duration::ZERO)?.is_some() {}
        self.request(op::INITIATE_CAPTURE, &[0, 0], DataPhase::None, deadline)?;
        let mut added: Vec<u32> = Vec::new();
        let mut complete = false;
        let mut last_added = Instant::now();
        loop {
            self.check_cancel(options, "capture")?;
            if complete && !added.is_empty() {
                break;
            }
            if last_added.elapsed() >= self.config.complete_grace {
                if !added.is_empty() {
                    break;
                }
                if complete {
                    return Err(self.malformed(
                        "the capture completed without announcing a new object".into(),
                    ));
                }
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(PtpCameraError::NoPicture {
                    device: self.identity.to_string(),
                    waited: options.timeout,
                });
            }
            let wait = self.config.poll_interval.min(deadline - now);
            match self.transport_mut()?.poll_event(wait)? {
                Some(e) if e.code == ec::OBJECT_ADDED => {
                    if let Some(&handle) = e.params.first() {
                        added.push(handle);
                        last_added = Instant::now();
                    }
                }
                Some(e) if e.code == ec::CAPTURE_COMPLETE => {
                    if added.is_empty() {
                        // Some cameras send CaptureComplete first; ObjectAdded gets the grace.
                        last_added = Instant::now();
                    }
                    complete = true;
                }
                _ => {}
            }
        }
        // RAW+JPEG bodies add two objects; the photo is the JPEG.
        let mut chosen: Option<(u32, ObjectInfo)> = None;
        for &handle in &added {
            let data = self
                .request(op::GET_OBJECT_INFO, &[handle], DataPhase::In, deadline)?
                .data;
            let info = ObjectInfo::parse(&data).map_err(|e| self.malformed(e.to_string()))?;
            if info.object_format == ofc::EXIF_JPEG {
                chosen = Some((handle, info));
                break;
            }
        }
        let Some((handle, _info)) = chosen else {
            return Err(self.malformed(format!(
                "the capture added {} object(s), none of them a JPEG",
                added.len()
            )));
        };
        self.check_cancel(options, "capture")?;
        let bytes = self
            .request(op::GET_OBJECT, &[handle], DataPhase::In, deadline)?
            .data;
        let photo = self.jpeg_photo(bytes, "the still")?;
        if self.config.delete_after_download && self.info.supports(op::DELETE_OBJECT) {
            for &h in &added {
                // The photo is in hand; a camera refusing to delete keeps a copy, nothing is lost.
                match self.request(op::DELETE_OBJECT, &[h, 0], DataPhase::None, deadline) {
                    Ok(_) | Err(PtpCameraError::Refused { .. } | PtpCameraError::Busy { .. }) => {}
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(photo)
    }

    fn eos_capture(
        &mut self,
        options: &CaptureOptions,
        deadline: Instant,
    ) -> Result<Photo, PtpCameraError> {
        // Drain what the camera queued before the release (old objects are not this picture).
        self.eos_events(deadline)?;
        self.check_cancel(options, "capture")?;
        self.request(
            op::CANON_EOS_REMOTE_RELEASE_ON,
            &[1, 0],
            DataPhase::None,
            deadline,
        )?;
        if let Err(e) = self.request(
            op::CANON_EOS_REMOTE_RELEASE_ON,
            &[2, 0],
            DataPhase::None,
            deadline,
        ) {
            // Let go of the half press so the camera is not left focusing.
            let _ = self.request(
                op::CANON_EOS_REMOTE_RELEASE_OFF,
                &[1],
                DataPhase::None,
                deadline,
            );
            return Err(e);
        }
        self.request(
            op::CANON_EOS_REMOTE_RELEASE_OFF,
            &[2],
            DataPhase::None,
            deadline,
        )?;
        self.request(
            op::CANON_EOS_REMOTE_RELEASE_OFF,
            &[1],
            DataPhase::None,
            deadline,
        )?;
        let (handle, on_card) = loop {
            let found = self
                .eos_events(deadline)?
                .into_iter()
                .find_map(|e| match e {
                    EosEvent::ObjectAddedEx { handle, format, .. } if format == ofc::EXIF_JPEG => {
                        Some((handle, true))
                    }
                    EosEvent::RequestObjectTransfer { handle, .. } => Some((handle, false)),
                    _ => None,
                });
            if let Some(found) = found {
                break found;
            }
            if Instant::now() + self.config.poll_interval >= deadline {
                return Err(PtpCameraError::NoPicture {
                    device: self.identity.to_string(),
                    waited: options.timeout,
                });
            }
            if options.cancel.sleep(self.config.poll_interval) {
                self.check_cancel(options, "capture")?;
            }
        };
        let bytes = self
            .request(op::GET_OBJECT, &[handle], DataPhase::In, deadline)?
            .data;
        let photo = self.jpeg_photo(bytes, "the still")?;
        if self.info.supports(op::CANON_EOS_TRANSFER_COMPLETE) {
            self.request(
                op::CANON_EOS_TRANSFER_COMPLETE,
                &[handle],
                DataPhase::None,
                deadline,
            )?;
        }
        if on_card && self.config.delete_after_download && self.info.supports(op::DELETE_OBJECT) {
            match self.request(op::DELETE_OBJECT, &[handle, 0], DataPhase::None, deadline) {
                Ok(_) | Err(PtpCameraError::Refused { .. } | PtpCameraError::Busy { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(photo)
    }

    fn start_live_view(&mut self, deadline: Instant) -> Result<(), PtpCameraError> {
        for (property, value) in [
            (dpc::CANON_EOS_EVF_MODE, 1),
            (dpc::CANON_EOS_EVF_OUTPUT_DEVICE, 2),
        ] {
            self.set_prop_ex(property, value, deadline)?;
        }
        self.live_view = true;
        Ok(())
    }

    /// The nearest value a generic camera offers for property `code`, when it describes one.
    fn nearest_offered(
        &mut self,
        code: u16,
        wanted: i64,
        deadline: Instant,
    ) -> Result<PropValue, PtpCameraError> {
        let fallback = PropValue::I16(i16::try_from(wanted).unwrap_or(0));
        if !self.info.supports(op::GET_DEVICE_PROP_DESC) {
            return Ok(fallback);
        }
        let data = self
            .request(
                op::GET_DEVICE_PROP_DESC,
                &[u32::from(code)],
                DataPhase::In,
                deadline,
            )?
            .data;
        let desc = super::dataset::DevicePropDesc::parse(&data)
            .map_err(|e| self.malformed(e.to_string()))?;
        let candidates: Vec<PropValue> = match desc.form {
            PropForm::Enumeration(values) => values,
            _ => return Ok(fallback),
        };
        candidates
            .into_iter()
            .filter_map(|v| v.as_i64().map(|n| ((n - wanted).abs(), v)))
            .min_by_key(|(d, _)| *d)
            .map(|(_, v)| v)
            .ok_or_else(|| self.malformed(format!("property {code:#06x} offers no values")))
    }
}

fn identity_of(info: &DeviceInfo, location: &str) -> DeviceIdentity {
    let non_empty = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_owned());
    DeviceIdentity {
        vendor: non_empty(&info.manufacturer).unwrap_or_else(|| "PTP".into()),
        model: non_empty(&info.model).unwrap_or_else(|| "camera".into()),
        serial: non_empty(&info.serial_number),
        firmware: non_empty(&info.device_version),
        location: location.to_owned(),
    }
}

impl<T: PtpTransport> Camera for PtpCamera<T> {
    type Error = PtpCameraError;

    fn identity(&self) -> &DeviceIdentity {
        &self.identity
    }

    fn capabilities(&self) -> &CameraCapabilities {
        &self.capabilities
    }

    fn capture_still(&mut self, options: &CaptureOptions) -> Result<Photo, Self::Error> {
        self.check_cancel(options, "capture")?;
        let deadline = Instant::now() + options.timeout;
        let photo = if self.eos {
            self.eos_capture(options, deadline)
        } else {
            self.generic_capture(options, deadline)
        };
        let photo = photo.inspect_err(|e| self.note_failure(e))?;
        if let Photo::Jpeg { size, .. } = &photo {
            self.capabilities.still = *size;
            self.capabilities = self.capabilities_now();
        }
        Ok(photo)
    }

    fn preview_frame(&mut self, options: &CaptureOptions) -> Result<Photo, Self::Error> {
        if !(self.eos && self.info.supports(op::CANON_EOS_GET_VIEWFINDER_DATA)) {
            return Err(crate::fingerprint::unsupported(&self.identity, "live view"));
        }
        self.check_cancel(options, "live view")?;
        let deadline = Instant::now() + options.timeout;
        let result = (|| {
            if !self.live_view {
                self.start_live_view(deadline)?;
            }
            let data = self
                .request(
                    op::CANON_EOS_GET_VIEWFINDER_DATA,
                    &[VIEWFINDER_PARAM, 0, 0],
                    DataPhase::In,
                    deadline,
                )?
                .data;
            let jpeg = eos::viewfinder_jpeg(&data)
                .map_err(|e| self.malformed(format!("live view: {e}")))?
                .to_vec();
            self.jpeg_photo(jpeg, "the live-view frame")
        })();
        let photo = result.inspect_err(|e| self.note_failure(e))?;
        if let Photo::Jpeg { size, .. } = &photo {
            self.capabilities.preview = Some(*size);
        }
        Ok(photo)
    }

    fn set_exposure(&mut self, exposure: Exposure) -> Result<(), Self::Error> {
        if !self.capabilities.exposure {
            return Err(crate::fingerprint::unsupported(
                &self.identity,
                "exposure control",
            ));
        }
        let tenths = match exposure {
            Exposure::Auto => 0,
            Exposure::Compensation(t) => t,
        };
        let deadline = Instant::now() + self.config.setting_timeout;
        let result = if self.eos {
            let byte = eos::compensation_byte(tenths).ok_or_else(|| PtpCameraError::Setting {
                device: self.identity.to_string(),
                detail: format!(
                    "exposure compensation of {tenths} tenths of a stop is beyond the camera's ±5 EV"
                ),
            })?;
            self.set_prop_ex(dpc::CANON_EOS_EXP_COMPENSATION, u32::from(byte), deadline)
        } else {
            // The standard property counts thousandths of a stop.
            let value = self.nearest_offered(
                dpc::EXPOSURE_BIAS_COMPENSATION,
                i64::from(tenths) * 100,
                deadline,
            )?;
            let data = value.to_bytes();
            self.request(
                op::SET_DEVICE_PROP_VALUE,
                &[u32::from(dpc::EXPOSURE_BIAS_COMPENSATION)],
                DataPhase::Out(&data),
                deadline,
            )
            .map(drop)
        };
        result.inspect_err(|e| self.note_failure(e))
    }

    fn set_white_balance(&mut self, white_balance: WhiteBalance) -> Result<(), Self::Error> {
        if !self.capabilities.white_balance {
            return Err(crate::fingerprint::unsupported(
                &self.identity,
                "white balance control",
            ));
        }
        let deadline = Instant::now() + self.config.setting_timeout;
        let result = if self.eos {
            let (value, kelvin) = eos::white_balance_value(white_balance);
            if kelvin.is_some() && !self.has_property(dpc::CANON_EOS_COLOR_TEMPERATURE) {
                return Err(PtpCameraError::Setting {
                    device: self.identity.to_string(),
                    detail: "this body sets no colour temperature".into(),
                });
            }
            self.set_prop_ex(dpc::CANON_EOS_WHITE_BALANCE, value, deadline)
                .and_then(|()| match kelvin {
                    Some(k) => self.set_prop_ex(dpc::CANON_EOS_COLOR_TEMPERATURE, k, deadline),
                    None => Ok(()),
                })
        } else {
            let value = eos::generic_white_balance(white_balance).ok_or_else(|| {
                PtpCameraError::Setting {
                    device: self.identity.to_string(),
                    detail: "standard PTP has no colour-temperature white balance".into(),
                }
            })?;
            self.request(
                op::SET_DEVICE_PROP_VALUE,
                &[u32::from(dpc::WHITE_BALANCE)],
                DataPhase::Out(&value.to_le_bytes()),
                deadline,
            )
            .map(drop)
        };
        result.inspect_err(|e| self.note_failure(e))
    }
}

impl<T: PtpTransport> PtpCamera<T> {
    /// After a disconnect there is no session to close.
    fn note_failure(&mut self, e: &PtpCameraError) {
        if e.kind() == ErrorKind::Disconnected {
            self.session_open = false;
            self.live_view = false;
        }
    }
}

impl<T: PtpTransport> Drop for PtpCamera<T> {
    fn drop(&mut self) {
        if self.session_open && self.transport.is_some() {
            self.session_open = false;
            let deadline = Instant::now() + Duration::from_millis(500);
            let _ = self.end_session(deadline);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ptp::dataset::eos_events_bytes;
    use crate::ptp::{Event, Response};
    use std::cell::RefCell;
    use std::collections::VecDeque;
    use std::rc::Rc;

    /// What the fake answers to one expected request.
    enum Reply {
        Answer(u16, Vec<u8>),
        Disconnect,
    }

    struct Step {
        code: u16,
        params: Vec<u32>,
        data_out: Option<Vec<u8>>,
        reply: Reply,
        /// Events the camera announces once it has answered this request.
        then_events: Vec<Event>,
    }

    /// An expectation queue in the embedded-hal-mock style: each transaction must be the next
    /// expected one; `done` checks that every expectation was met.
    #[derive(Default)]
    struct Script {
        steps: VecDeque<Step>,
        events: VecDeque<Event>,
        transactions: Vec<u32>,
    }

    #[derive(Clone, Default)]
    struct Fake(Rc<RefCell<Script>>);

    impl Fake {
        fn push(
            &self,
            code: u16,
            params: &[u32],
            data_out: Option<Vec<u8>>,
            reply: Reply,
        ) -> &Self {
            self.0.borrow_mut().steps.push_back(Step {
                code,
                params: params.to_vec(),
                data_out,
                reply,
                then_events: Vec::new(),
            });
            self
        }

        fn expect(&self, code: u16, params: &[u32], reply: Reply) -> &Self {
            self.push(code, params, None, reply)
        }

        fn expect_out(&self, code: u16, params: &[u32], data: Vec<u8>) -> &Self {
            self.push(code, params, Some(data), ok())
        }

        /// The last expected request is followed by event `code`.
        fn then_event(&self, code: u16, params: &[u32]) -> &Self {
            if let Some(step) = self.0.borrow_mut().steps.back_mut() {
                step.then_events.push(Event {
                    code,
                    transaction: 0xFFFF_FFFF,
                    params: params.to_vec(),
                });
            }
            self
        }

        fn done(&self) {
            let s = self.0.borrow();
            let left: Vec<String> = s.steps.iter().map(|s| op_name(s.code)).collect();
            assert!(left.is_empty(), "expected but not sent: {left:?}");
        }
    }

    impl PtpTransport for Fake {
        fn name(&self) -> &str {
            "fake:1"
        }

        fn transact(
            &mut self,
            request: &Request,
            data: DataPhase<'_>,
            _timeout: Duration,
        ) -> Result<Transaction, PtpError> {
            let mut s = self.0.borrow_mut();
            s.transactions.push(request.transaction);
            let step = s.steps.pop_front().unwrap_or_else(|| {
                panic!("unexpected {} {:?}", op_name(request.code), request.params)
            });
            assert_eq!(
                (op_name(request.code), &request.params),
                (op_name(step.code), &step.params)
            );
            let sent = match data {
                DataPhase::Out(d) => Some(d.to_vec()),
                _ => None,
            };
            assert_eq!(sent, step.data_out, "data of {}", op_name(step.code));
            s.events.extend(step.then_events);
            match step.reply {
                Reply::Answer(code, data) => Ok(Transaction {
                    response: Response {
                        code,
                        transaction: request.transaction,
                        params: vec![],
                    },
                    data,
                }),
                Reply::Disconnect => Err(PtpError::Disconnected {
                    device: "fake:1".into(),
                    detail: "connection reset".into(),
                }),
            }
        }

        fn poll_event(&mut self, _wait: Duration) -> Result<Option<Event>, PtpError> {
            Ok(self.0.borrow_mut().events.pop_front())
        }
    }

    fn ok() -> Reply {
        Reply::Answer(rc::OK, Vec::new())
    }

    fn ok_with(data: Vec<u8>) -> Reply {
        Reply::Answer(rc::OK, data)
    }

    fn code(c: u16) -> Reply {
        Reply::Answer(c, Vec::new())
    }

    /// The smallest thing jpeg_size accepts: SOI, SOF0 of 4x2, EOI.
    fn jpeg() -> Vec<u8> {
        vec![
            0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x0B, 8, 0x00, 0x02, 0x00, 0x04, 1, 1, 0x11, 0, 0xFF,
            0xD9,
        ]
    }

    fn generic_info() -> DeviceInfo {
        DeviceInfo {
            standard_version: 100,
            manufacturer: "Acme".into(),
            model: "Desk Cam".into(),
            device_version: "1.2".into(),
            serial_number: "SN42".into(),
            operations: vec![
                op::GET_DEVICE_INFO,
                op::OPEN_SESSION,
                op::CLOSE_SESSION,
                op::INITIATE_CAPTURE,
                op::GET_OBJECT_INFO,
                op::GET_OBJECT,
                op::DELETE_OBJECT,
                op::SET_DEVICE_PROP_VALUE,
            ],
            events: vec![ec::OBJECT_ADDED, ec::CAPTURE_COMPLETE],
            properties: vec![dpc::EXPOSURE_BIAS_COMPENSATION, dpc::WHITE_BALANCE],
            ..DeviceInfo::default()
        }
    }

    fn eos_info() -> DeviceInfo {
        let mut info = generic_info();
        info.vendor_extension_id = vendor::CANON;
        info.manufacturer = "Canon Inc.".into();
        info.model = "Canon EOS 2000D".into();
        info.properties = vec![];
        info.operations.extend([
            op::CANON_EOS_SET_REMOTE_MODE,
            op::CANON_EOS_SET_EVENT_MODE,
            op::CANON_EOS_GET_EVENT,
            op::CANON_EOS_REMOTE_RELEASE_ON,
            op::CANON_EOS_REMOTE_RELEASE_OFF,
            op::CANON_EOS_TRANSFER_COMPLETE,
            op::CANON_EOS_SET_DEVICE_PROP_VALUE_EX,
            op::CANON_EOS_GET_VIEWFINDER_DATA,
        ]);
        info
    }

    fn prop_changed(property: u16, value: u32) -> EosEvent {
        EosEvent::PropValueChanged {
            property: u32::from(property),
            value: value.to_le_bytes().to_vec(),
        }
    }

    fn fast() -> PtpCameraConfig {
        PtpCameraConfig {
            poll_interval: Duration::from_millis(1),
            initial_backoff: Duration::from_millis(1),
            max_backoff: Duration::from_millis(4),
            complete_grace: Duration::from_millis(30),
            setting_timeout: Duration::from_millis(500),
            ..PtpCameraConfig::default()
        }
    }

    fn open(fake: &Fake, info: &DeviceInfo) -> PtpCamera<Fake> {
        fake.expect(op::OPEN_SESSION, &[SESSION_ID], ok()).expect(
            op::GET_DEVICE_INFO,
            &[],
            ok_with(info.to_bytes()),
        );
        if info.vendor_extension_id == vendor::CANON {
            let props = eos_events_bytes(&[
                prop_changed(dpc::CANON_EOS_EXP_COMPENSATION, 0),
                prop_changed(dpc::CANON_EOS_WHITE_BALANCE, 0),
                prop_changed(dpc::CANON_EOS_COLOR_TEMPERATURE, 5200),
            ]);
            fake.expect(op::CANON_EOS_SET_REMOTE_MODE, &[1], ok())
                .expect(op::CANON_EOS_SET_EVENT_MODE, &[1], ok())
                .expect(op::CANON_EOS_GET_EVENT, &[], ok_with(props));
        }
        let cam = PtpCamera::open(fake.clone(), fast()).unwrap();
        fake.done();
        cam
    }

    /// Drops the camera, which must close its session.
    fn close(cam: PtpCamera<Fake>, fake: &Fake) {
        fake.expect(op::CLOSE_SESSION, &[], ok());
        drop(cam);
        fake.done();
    }

    fn options(ms: u64) -> CaptureOptions {
        CaptureOptions::with_timeout(Duration::from_millis(ms))
    }

    fn object_info(format: u16) -> Vec<u8> {
        ObjectInfo {
            object_format: format,
            image_width: 4,
            image_height: 2,
            filename: "IMG_0001.JPG".into(),
            ..ObjectInfo::default()
        }
        .to_bytes()
    }

    fn the_jpeg() -> Photo {
        Photo::Jpeg {
            size: ImageSize {
                width: 4,
                height: 2,
            },
            bytes: jpeg(),
        }
    }

    #[test]
    fn opening_reads_model_serial_and_firmware_and_starts_at_transaction_zero() {
        let fake = Fake::default();
        let cam = open(&fake, &generic_info());
        let id = cam.identity().clone();
        assert_eq!(
            (
                id.vendor.as_str(),
                id.model.as_str(),
                id.serial.as_deref(),
                id.firmware.as_deref(),
                id.location.as_str()
            ),
            ("Acme", "Desk Cam", Some("SN42"), Some("1.2"), "fake:1")
        );
        assert!(cam.capabilities().exposure && cam.capabilities().white_balance);
        assert_eq!(cam.capabilities().preview, None);
        assert_eq!(fake.0.borrow().transactions, vec![0, 1]);
        close(cam, &fake);
    }

    #[test]
    fn a_generic_capture_waits_for_the_object_then_downloads_and_deletes_it() {
        let fake = Fake::default();
        let mut cam = open(&fake, &generic_info());
        fake.expect(op::INITIATE_CAPTURE, &[0, 0], ok())
            .then_event(ec::OBJECT_ADDED, &[7])
            .then_event(ec::CAPTURE_COMPLETE, &[])
            .expect(
                op::GET_OBJECT_INFO,
                &[7],
                ok_with(object_info(ofc::EXIF_JPEG)),
            )
            .expect(op::GET_OBJECT, &[7], ok_with(jpeg()))
            .expect(op::DELETE_OBJECT, &[7, 0], ok());
        assert_eq!(cam.capture_still(&options(1000)).unwrap(), the_jpeg());
        assert_eq!(cam.capabilities().still.width, 4);
        fake.done();
        close(cam, &fake);
    }

    #[test]
    fn the_jpeg_of_a_raw_plus_jpeg_capture_is_the_one_downloaded() {
        let fake = Fake::default();
        let mut cam = open(&fake, &generic_info());
        fake.expect(op::INITIATE_CAPTURE, &[0, 0], ok())
            .then_event(ec::OBJECT_ADDED, &[7])
            .then_event(ec::OBJECT_ADDED, &[8])
            .then_event(ec::CAPTURE_COMPLETE, &[])
            .expect(
                op::GET_OBJECT_INFO,
                &[7],
                ok_with(object_info(ofc::UNDEFINED)),
            )
            .expect(
                op::GET_OBJECT_INFO,
                &[8],
                ok_with(object_info(ofc::EXIF_JPEG)),
            )
            .expect(op::GET_OBJECT, &[8], ok_with(jpeg()))
            .expect(op::DELETE_OBJECT, &[7, 0], ok())
            .expect(op::DELETE_OBJECT, &[8, 0], ok());
        assert_eq!(cam.capture_still(&options(1000)).unwrap(), the_jpeg());
        close(cam, &fake);
    }

    #[test]
    fn a_busy_camera_is_asked_again_within_the_deadline() {
        let fake = Fake::default();
        let mut cam = open(&fake, &generic_info());
        fake.expect(op::INITIATE_CAPTURE, &[0, 0], code(rc::DEVICE_BUSY))
            .expect(op::INITIATE_CAPTURE, &[0, 0], code(rc::DEVICE_BUSY))
            .expect(op::INITIATE_CAPTURE, &[0, 0], ok())
            .then_event(ec::OBJECT_ADDED, &[3])
            .expect(
                op::GET_OBJECT_INFO,
                &[3],
                ok_with(object_info(ofc::EXIF_JPEG)),
            )
            .expect(op::GET_OBJECT, &[3], ok_with(jpeg()))
            .expect(op::DELETE_OBJECT, &[3, 0], ok());
        // No CaptureComplete: the grace after ObjectAdded lets the download go ahead.
        assert_eq!(cam.capture_still(&options(1000)).unwrap(), the_jpeg());
        // Every retry is a new transaction.
        let t = fake.0.borrow().transactions.clone();
        assert_eq!(t[2..5], [2, 3, 4]);
        close(cam, &fake);
    }

    #[test]
    fn busy_until_the_deadline_is_a_busy_error() {
        let fake = Fake::default();
        let mut cam = open(&fake, &generic_info());
        for _ in 0..200 {
            fake.expect(op::INITIATE_CAPTURE, &[0, 0], code(rc::DEVICE_BUSY));
        }
        let err = cam.capture_still(&options(30)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Busy, "{err}");
        assert!(err.to_string().contains("InitiateCapture"), "{err}");
        fake.0.borrow_mut().steps.clear();
        close(cam, &fake);
    }

    #[test]
    fn no_object_before_the_deadline_is_a_timeout() {
        let fake = Fake::default();
        let mut cam = open(&fake, &generic_info());
        fake.expect(op::INITIATE_CAPTURE, &[0, 0], ok());
        let err = cam.capture_still(&options(40)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
        close(cam, &fake);
    }

    #[test]
    fn a_download_that_is_not_a_jpeg_is_refused() {
        let fake = Fake::default();
        let mut cam = open(&fake, &generic_info());
        fake.expect(op::INITIATE_CAPTURE, &[0, 0], ok())
            .then_event(ec::OBJECT_ADDED, &[7])
            .then_event(ec::CAPTURE_COMPLETE, &[])
            .expect(
                op::GET_OBJECT_INFO,
                &[7],
                ok_with(object_info(ofc::EXIF_JPEG)),
            )
            .expect(op::GET_OBJECT, &[7], ok_with(b"GIF89a".to_vec()));
        let err = cam.capture_still(&options(1000)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ProtocolViolation, "{err}");
        close(cam, &fake);
    }

    #[test]
    fn a_camera_switched_off_mid_capture_is_disconnected_and_not_closed() {
        let fake = Fake::default();
        let mut cam = open(&fake, &generic_info());
        fake.expect(op::INITIATE_CAPTURE, &[0, 0], Reply::Disconnect);
        let err = cam.capture_still(&options(1000)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Disconnected, "{err}");
        // Nothing more is sent: no CloseSession on a dead connection.
        drop(cam);
        fake.done();
    }

    #[test]
    fn a_refusal_names_the_operation_and_the_code() {
        let fake = Fake::default();
        let mut cam = open(&fake, &generic_info());
        fake.expect(op::INITIATE_CAPTURE, &[0, 0], code(rc::STORE_FULL));
        let err = cam.capture_still(&options(1000)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotReady);
        let text = err.to_string();
        assert!(
            text.contains("InitiateCapture") && text.contains("0x200c"),
            "{text}"
        );
        close(cam, &fake);
    }

    #[test]
    fn a_cancelled_capture_sends_nothing() {
        let fake = Fake::default();
        let mut cam = open(&fake, &generic_info());
        let o = options(1000);
        o.cancel.cancel();
        assert_eq!(
            cam.capture_still(&o).unwrap_err().kind(),
            ErrorKind::Cancelled
        );
        close(cam, &fake);
    }

    #[test]
    fn an_eos_capture_presses_half_then_full_releases_in_reverse_and_polls_for_the_object() {
        let fake = Fake::default();
        let mut cam = open(&fake, &eos_info());
        assert!(cam.is_eos());
        let added = eos_events_bytes(&[EosEvent::ObjectAddedEx {
            handle: 0x9000_0001,
            storage_id: 0x0002_0001,
            format: ofc::EXIF_JPEG,
            size: 17,
            parent: 0x9000_0000,
            filename: "IMG_0001.JPG".into(),
        }]);
        fake.expect(op::CANON_EOS_GET_EVENT, &[], ok_with(eos_events_bytes(&[])))
            .expect(op::CANON_EOS_REMOTE_RELEASE_ON, &[1, 0], ok())
            .expect(op::CANON_EOS_REMOTE_RELEASE_ON, &[2, 0], ok())
            .expect(op::CANON_EOS_REMOTE_RELEASE_OFF, &[2], ok())
            .expect(op::CANON_EOS_REMOTE_RELEASE_OFF, &[1], ok())
            .expect(op::CANON_EOS_GET_EVENT, &[], ok_with(eos_events_bytes(&[])))
            .expect(op::CANON_EOS_GET_EVENT, &[], ok_with(added))
            .expect(op::GET_OBJECT, &[0x9000_0001], ok_with(jpeg()))
            .expect(op::CANON_EOS_TRANSFER_COMPLETE, &[0x9000_0001], ok())
            .expect(op::DELETE_OBJECT, &[0x9000_0001, 0], ok());
        assert_eq!(cam.capture_still(&options(1000)).unwrap(), the_jpeg());
        close(cam, &fake);
    }

    #[test]
    fn a_failed_full_press_lets_go_of_the_half_press() {
        let fake = Fake::default();
        let mut cam = open(&fake, &eos_info());
        fake.expect(op::CANON_EOS_GET_EVENT, &[], ok_with(eos_events_bytes(&[])))
            .expect(op::CANON_EOS_REMOTE_RELEASE_ON, &[1, 0], ok())
            .expect(
                op::CANON_EOS_REMOTE_RELEASE_ON,
                &[2, 0],
                code(rc::CANON_EOS_OPERATION_REFUSED),
            )
            .expect(op::CANON_EOS_REMOTE_RELEASE_OFF, &[1], ok());
        assert!(cam.capture_still(&options(1000)).is_err());
        close(cam, &fake);
    }

    #[test]
    fn eos_live_view_is_switched_on_once_and_not_ready_frames_are_retried() {
        let fake = Fake::default();
        let mut cam = open(&fake, &eos_info());
        assert!(cam.capabilities().preview.is_some());
        let mut frame = Vec::new();
        frame.extend_from_slice(&(8 + jpeg().len() as u32).to_le_bytes());
        frame.extend_from_slice(&1u32.to_le_bytes());
        frame.extend_from_slice(&jpeg());
        frame.extend_from_slice(&12u32.to_le_bytes());
        frame.extend_from_slice(&4u32.to_le_bytes());
        frame.extend_from_slice(&[0; 4]);
        let vf = [VIEWFINDER_PARAM, 0, 0];
        fake.expect_out(
            op::CANON_EOS_SET_DEVICE_PROP_VALUE_EX,
            &[],
            eos::set_prop_ex_data(dpc::CANON_EOS_EVF_MODE, 1),
        )
        .expect_out(
            op::CANON_EOS_SET_DEVICE_PROP_VALUE_EX,
            &[],
            eos::set_prop_ex_data(dpc::CANON_EOS_EVF_OUTPUT_DEVICE, 2),
        )
        .expect(
            op::CANON_EOS_GET_VIEWFINDER_DATA,
            &vf,
            code(rc::CANON_EOS_NOT_READY),
        )
        .expect(
            op::CANON_EOS_GET_VIEWFINDER_DATA,
            &vf,
            code(rc::DEVICE_BUSY),
        )
        .expect(
            op::CANON_EOS_GET_VIEWFINDER_DATA,
            &vf,
            ok_with(frame.clone()),
        )
        .expect(op::CANON_EOS_GET_VIEWFINDER_DATA, &vf, ok_with(frame));
        assert_eq!(cam.preview_frame(&options(1000)).unwrap(), the_jpeg());
        assert_eq!(cam.preview_frame(&options(1000)).unwrap(), the_jpeg());
        fake.done();
        // Closing switches live view off first.
        fake.expect_out(
            op::CANON_EOS_SET_DEVICE_PROP_VALUE_EX,
            &[],
            eos::set_prop_ex_data(dpc::CANON_EOS_EVF_MODE, 0),
        );
        close(cam, &fake);
    }

    #[test]
    fn a_generic_camera_has_no_live_view() {
        let fake = Fake::default();
        let mut cam = open(&fake, &generic_info());
        let err = cam.preview_frame(&options(100)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unsupported);
        close(cam, &fake);
    }

    #[test]
    fn eos_exposure_and_white_balance_go_through_set_device_prop_value_ex() {
        let fake = Fake::default();
        let mut cam = open(&fake, &eos_info());
        assert!(cam.capabilities().exposure && cam.capabilities().white_balance);
        fake.expect_out(
            op::CANON_EOS_SET_DEVICE_PROP_VALUE_EX,
            &[],
            eos::set_prop_ex_data(dpc::CANON_EOS_EXP_COMPENSATION, 0xFD),
        )
        .expect_out(
            op::CANON_EOS_SET_DEVICE_PROP_VALUE_EX,
            &[],
            eos::set_prop_ex_data(dpc::CANON_EOS_WHITE_BALANCE, 9),
        )
        .expect_out(
            op::CANON_EOS_SET_DEVICE_PROP_VALUE_EX,
            &[],
            eos::set_prop_ex_data(dpc::CANON_EOS_COLOR_TEMPERATURE, 5600),
        );
        cam.set_exposure(Exposure::Compensation(-3)).unwrap();
        cam.set_white_balance(WhiteBalance::Kelvin(5600)).unwrap();
        let err = cam.set_exposure(Exposure::Compensation(60)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unsupported);
        close(cam, &fake);
    }

    #[test]
    fn generic_exposure_and_white_balance_use_the_standard_properties() {
        let fake = Fake::default();
        let mut cam = open(&fake, &generic_info());
        fake.expect_out(
            op::SET_DEVICE_PROP_VALUE,
            &[u32::from(dpc::EXPOSURE_BIAS_COMPENSATION)],
            (-700i16).to_le_bytes().to_vec(),
        )
        .expect_out(
            op::SET_DEVICE_PROP_VALUE,
            &[u32::from(dpc::WHITE_BALANCE)],
            5u16.to_le_bytes().to_vec(),
        );
        cam.set_exposure(Exposure::Compensation(-7)).unwrap();
        cam.set_white_balance(WhiteBalance::Fluorescent).unwrap();
        assert_eq!(
            cam.set_white_balance(WhiteBalance::Kelvin(5000))
                .unwrap_err()
                .kind(),
            ErrorKind::Unsupported
        );
        close(cam, &fake);
    }

    #[test]
    fn a_session_left_open_is_reused() {
        let fake = Fake::default();
        fake.expect(
            op::OPEN_SESSION,
            &[SESSION_ID],
            code(rc::SESSION_ALREADY_OPEN),
        )
        .expect(op::GET_DEVICE_INFO, &[], ok_with(generic_info().to_bytes()));
        let cam = PtpCamera::open(fake.clone(), fast()).unwrap();
        close(cam, &fake);
    }

    #[test]
    fn a_malformed_device_info_is_a_protocol_violation() {
        let fake = Fake::default();
        fake.expect(op::OPEN_SESSION, &[SESSION_ID], ok())
            .expect(op::GET_DEVICE_INFO, &[], ok_with(vec![1, 2, 3]))
            .expect(op::CLOSE_SESSION, &[], ok());
        let err = PtpCamera::open(fake.clone(), fast()).err().unwrap();
        assert_eq!(err.kind(), ErrorKind::ProtocolViolation);
        fake.done();
    }
}
