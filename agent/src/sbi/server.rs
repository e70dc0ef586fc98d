//! The SBI 0.9.5 HTTP service over the workstation's devices.
//!
//! Contract: plain HTTP on the given listener (the command binds 127.0.0.1 only). Requests are
//! dispatched on the method text and path, since SBI's verbs are not HTTP's: `MOSIPDISC
//! /device`, `MOSIPDINFO /info`, `RCAPTURE /capture` and `STREAM /stream`; anything else gets
//! vendor error 500 ("Invalid URL"). Every JSON answer is HTTP 200 with the SBI `error` object
//! saying what went wrong, as SBI clients expect: 100 unregistered (no device keys), 106 unknown
//! device, 109 a count or exception that does not fit the sensor, 110 device not ready, 111
//! busy, 112 bad transaction ID. Without device keys the service still answers, as an
//! unregistered device: `deviceStatus` "Not Registered" and unsigned `deviceInfo`.
//!
//! A capture takes the placement the request names (one slap or the thumbs, the face, one or
//! both eyes), segments a slap into fingers, scores each finger with NFIQ 2 (fingers), the face
//! checks (face) or the iris checks (irises), and answers one signed entry per finger or eye
//! whose `bioValue` is an ISO/IEC 19794-4/-5/-6:2011 record, hash-chained from the request's
//! `previousHash`. The device is asked once per request (no retries towards `requestedScore`:
//! the client, which knows its thresholds, decides whether to capture again).

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rekam_drivers::ErrorKind;
use rekam_drivers::fingerprint::{Finger, Slap};
use rekam_drivers::iris::Eyes;
use rekam_protocol::cbeff;
use rekam_protocol::iso19794::CaptureDateTime;
use rekam_protocol::iso19794::iris::EyeLabel;
use rekam_protocol::model::Impression;
use rekam_protocol::sbi::{
    BioPayload, BioRequest, BioSubType, BioType, BiometricEntry, CaptureResponse, Certification,
    DeviceInfo, DeviceInfoEntry, DeviceSigner, DeviceStatus, DeviceSubType, DigitalId,
    DiscoveredDevice, Env, ErrorCode, ErrorInfo, Purpose, Score, parse_capture_request,
    parse_discover_request, parse_stream_request, sign_entry, valid_transaction_id,
};
use rekam_quality::segment::{SegmentOptions, SlapKind, segment};
use serde_json::json;
use time::OffsetDateTime;

use crate::capture;
use crate::devices::{DeviceFailure, DeviceManager, Health};
use crate::preview::Previews;

/// The SBI spec version spoken.
pub const SPEC_VERSION: &str = "0.9.5";
/// This service's version, as `serviceVersion`.
pub const SERVICE_VERSION: &str = env!("CARGO_PKG_VERSION");
/// The provider named in digital IDs.
const PROVIDER: &str = "rekam";

/// What the service needs.
pub struct SbiConfig {
    /// The port it listens on (for `callbackId`).
    pub port: u16,
    /// `env` reported and expected.
    pub env: Env,
    /// The device key; `None`: the devices are unregistered.
    pub signer: Option<DeviceSigner>,
}

/// The service's shared state.
#[derive(Clone)]
pub struct SbiService(Arc<Inner>);

struct Inner {
    devices: DeviceManager,
    previews: Previews,
    config: SbiConfig,
    /// One flag per SBI device: an RCAPTURE of ours is running on it.
    capturing: [AtomicBool; 3],
}

/// The SBI devices this service exposes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Dev {
    Finger,
    Face,
    Iris,
}

impl Dev {
    fn id(self) -> &'static str {
        match self {
            Dev::Finger => "1",
            Dev::Face => "2",
            Dev::Iris => "3",
        }
    }
    fn index(self) -> usize {
        match self {
            Dev::Finger => 0,
            Dev::Face => 1,
            Dev::Iris => 2,
        }
    }
    fn bio_type(self) -> BioType {
        match self {
            Dev::Finger => BioType::Finger,
            Dev::Face => BioType::Face,
            Dev::Iris => BioType::Iris,
        }
    }
    fn sub_type(self) -> DeviceSubType {
        match self {
            Dev::Finger => DeviceSubType::Slap,
            Dev::Face => DeviceSubType::FullFace,
            Dev::Iris => DeviceSubType::Double,
        }
    }
    fn sub_ids(self) -> &'static [&'static str] {
        match self {
            Dev::Finger | Dev::Iris => &["1", "2", "3"],
            Dev::Face => &["0"],
        }
    }
}

impl SbiService {
    /// A service over `devices`, whose previews end when `closing` turns true.
    pub fn new(
        devices: DeviceManager,
        config: SbiConfig,
        closing: tokio::sync::watch::Receiver<bool>,
    ) -> Self {
        let previews = Previews::new(&devices, closing);
        SbiService(Arc::new(Inner {
            devices,
            previews,
            config,
            capturing: Default::default(),
        }))
    }

    /// Opens every device once so that the first status is the device's own, not "not opened
    /// yet"; a device that fails to open reports Not Ready until it opens.
    pub async fn open_devices(&self) {
        let d = &self.0.devices;
        let t = d.timeout();
        let _ = d.fingerprint.run(t, |_, _| Ok(())).await;
        let _ = d.camera.run(t, |_, _| Ok(())).await;
        if let Some(i) = &d.iris {
            let _ = i.run(t, |_, _| Ok(())).await;
        }
    }

    fn devs(&self) -> Vec<Dev> {
        let mut v = vec![Dev::Finger, Dev::Face];
        if self.0.devices.has_iris() {
            v.push(Dev::Iris);
        }
        v
    }

    fn dev(&self, id: &str) -> Option<Dev> {
        self.devs().into_iter().find(|d| d.id() == id)
    }

    fn slot_status(&self, dev: Dev) -> Option<crate::devices::DeviceStatus> {
        let d = &self.0.devices;
        match dev {
            Dev::Finger => Some(d.fingerprint.status()),
            Dev::Face => Some(d.camera.status()),
            Dev::Iris => d.iris.as_ref().map(|s| s.status()),
        }
    }

    /// The device's SBI status, from its slot's health.
    fn status(&self, dev: Dev) -> DeviceStatus {
        if self.0.config.signer.is_none() {
            return DeviceStatus::NotRegistered;
        }
        if self.0.capturing[dev.index()].load(Ordering::SeqCst) {
            return DeviceStatus::Busy;
        }
        match self.slot_status(dev).map(|s| s.health) {
            Some(Health::Ready) | Some(Health::Faulty { .. }) => DeviceStatus::Ready,
            Some(Health::Busy) => DeviceStatus::Busy,
            Some(Health::Disconnected { .. }) | None => DeviceStatus::NotReady,
        }
    }

    fn digital_id(&self, dev: Dev, now: OffsetDateTime) -> DigitalId {
        let id = self.slot_status(dev).and_then(|s| s.identity);
        let (make, model, serial) = match id {
            Some(i) => (
                i.vendor,
                i.model,
                i.serial.unwrap_or_else(|| format!("rekam-{}", dev.id())),
            ),
            None => (
                PROVIDER.to_string(),
                format!("{:?}", dev.bio_type()).to_lowercase(),
                format!("rekam-{}", dev.id()),
            ),
        };
        DigitalId {
            serial_no: non_empty(serial, "unknown"),
            make: non_empty(make, PROVIDER),
            model: non_empty(model, "unknown"),
            bio_type: dev.bio_type(),
            device_sub_type: dev.sub_type(),
            device_provider: PROVIDER.into(),
            device_provider_id: PROVIDER.into(),
            date_time: rfc3339(now),
        }
    }

    fn device_code(&self, dev: Dev, now: OffsetDateTime) -> String {
        format!("{}-{}", PROVIDER, self.digital_id(dev, now).serial_no)
    }

    fn callback(&self) -> String {
        format!("http://127.0.0.1:{}/", self.0.config.port)
    }

    fn discover(&self, body: &[u8]) -> serde_json::Value {
        let req = match parse_discover_request(body) {
            Ok(r) => r,
            Err(e) => {
                return json!([{ "error": ErrorInfo::vendor(501, &format!("Invalid discovery request: {e}")) }]);
            }
        };
        let now = OffsetDateTime::now_utc();
        let devices: Vec<DiscoveredDevice> = self
            .devs()
            .into_iter()
            .filter(|d| d.bio_type().matches(req.device_type))
            .map(|d| DiscoveredDevice {
                device_id: d.id().into(),
                device_status: self.status(d),
                certification: Certification::L0,
                service_version: Some(SERVICE_VERSION.into()),
                device_sub_id: d.sub_ids().iter().map(|s| s.to_string()).collect(),
                callback_id: self.callback(),
                // Discovery carries the digital ID unsigned.
                digital_id: URL_SAFE_NO_PAD.encode(json_bytes(&self.digital_id(d, now))),
                device_code: self.device_code(d, now),
                spec_version: vec![SPEC_VERSION.into()],
                purpose: Purpose::Registration,
                error: ErrorInfo::success(),
            })
            .collect();
        if devices.is_empty() {
            return json!([{ "error": ErrorInfo::vendor(503, "Devices are not connected") }]);
        }
        serde_json::to_value(devices).unwrap_or_default()
    }

    fn device_info(&self, dev: Dev, now: OffsetDateTime) -> DeviceInfoEntry {
        let status = self.status(dev);
        let firmware = self
            .slot_status(dev)
            .and_then(|s| s.identity)
            .and_then(|i| i.firmware)
            .unwrap_or_else(|| SERVICE_VERSION.to_string());
        let did = json_bytes(&self.digital_id(dev, now));
        let mut info = DeviceInfo {
            spec_version: vec![SPEC_VERSION.into()],
            env: self.0.config.env,
            digital_id: String::new(),
            device_id: dev.id().into(),
            device_code: self.device_code(dev, now),
            purpose: Purpose::Registration,
            service_version: SERVICE_VERSION.into(),
            device_status: status,
            firmware: non_empty(firmware, SERVICE_VERSION),
            certification: Certification::L0,
            device_sub_id: dev.sub_ids().iter().map(|s| s.to_string()).collect(),
            callback_id: self.callback(),
        };
        match &self.0.config.signer {
            Some(signer) => {
                info.digital_id = signer.sign(&did);
                let error = match status {
                    DeviceStatus::Busy => ErrorCode::Busy.info(),
                    DeviceStatus::NotReady => ErrorCode::NotReady.info(),
                    _ => ErrorInfo::success(),
                };
                DeviceInfoEntry {
                    device_info: signer.sign(&json_bytes(&info)),
                    error,
                }
            }
            None => {
                // An unregistered device has no key: everything is plain base64url JSON.
                info.digital_id = URL_SAFE_NO_PAD.encode(&did);
                info.env = Env::None;
                info.purpose = Purpose::None;
                DeviceInfoEntry {
                    device_info: URL_SAFE_NO_PAD.encode(json_bytes(&info)),
                    error: ErrorCode::DeviceNotRegistered.info(),
                }
            }
        }
    }

    fn info(&self) -> serde_json::Value {
        let now = OffsetDateTime::now_utc();
        let entries: Vec<DeviceInfoEntry> = self
            .devs()
            .into_iter()
            .map(|d| self.device_info(d, now))
            .collect();
        serde_json::to_value(entries).unwrap_or_default()
    }

    async fn rcapture(&self, body: &[u8]) -> CaptureResponse {
        let req = match parse_capture_request(body) {
            Ok(r) => r,
            Err(e) => {
                return error_response(&ErrorInfo::vendor(
                    502,
                    &format!("Invalid capture request: {e}"),
                ));
            }
        };
        // A transaction ID of the wrong form, in a request otherwise read, has its own code.
        if !valid_transaction_id(&req.transaction_id) {
            return error_response(&ErrorCode::InvalidTransactionId.info());
        }
        let Some(signer) = &self.0.config.signer else {
            return error_response(&ErrorCode::DeviceNotRegistered.info());
        };
        let mut biometrics = Vec::new();
        for bio in &req.bio {
            match self
                .capture_one(signer, &req.transaction_id, &req.spec_version, bio)
                .await
            {
                Ok(mut entries) => biometrics.append(&mut entries),
                Err(e) => biometrics.push(error_entry(&e)),
            }
        }
        CaptureResponse { biometrics }
    }

    async fn capture_one(
        &self,
        signer: &DeviceSigner,
        transaction_id: &str,
        spec_version: &str,
        bio: &BioRequest,
    ) -> Result<Vec<BiometricEntry>, ErrorInfo> {
        let dev = self
            .dev(&bio.device_id)
            .ok_or_else(|| ErrorCode::DeviceNotFound.info())?;
        if dev.bio_type() != bio.bio_type {
            return Err(ErrorInfo::vendor(
                114,
                "Device Type mismatch for given deviceId",
            ));
        }
        let wanted =
            wanted_positions(dev, bio).ok_or_else(|| ErrorCode::CountNotSupported.info())?;
        match self.status(dev) {
            DeviceStatus::Busy => return Err(ErrorCode::Busy.info()),
            DeviceStatus::NotReady => {
                // A device that could not be opened may be back: try once before refusing.
                self.open_devices().await;
                if self.status(dev) == DeviceStatus::NotReady {
                    return Err(ErrorCode::NotReady.info());
                }
            }
            _ => {}
        }
        let flag = &self.0.capturing[dev.index()];
        if flag.swap(true, Ordering::SeqCst) {
            return Err(ErrorCode::Busy.info());
        }
        let _reset = Reset(flag);
        let captured = match dev {
            Dev::Finger => self.capture_fingers(bio, &wanted).await?,
            Dev::Face => self.capture_face().await?,
            Dev::Iris => self.capture_irises(&wanted).await?,
        };
        let now = OffsetDateTime::now_utc();
        let did = signer.sign(&json_bytes(&self.digital_id(dev, now)));
        let mut prev = bio.previous_hash.clone();
        let mut out = Vec::new();
        for c in captured {
            let Some((record, quality)) = c.record else {
                out.push(error_entry(&ErrorCode::NoBiometricObject.info()));
                continue;
            };
            let payload = BioPayload {
                digital_id: did.clone(),
                device_code: self.device_code(dev, now),
                device_service_version: SERVICE_VERSION.into(),
                bio_type: dev.bio_type(),
                bio_sub_type: c.sub_type,
                purpose: Purpose::Registration,
                env: self.0.config.env,
                bio_value: URL_SAFE_NO_PAD.encode(&record),
                transaction_id: transaction_id.to_string(),
                timestamp: rfc3339(now),
                requested_score: bio.requested_score,
                quality_score: Score::new(f64::from(quality.min(100)))
                    .unwrap_or(bio.requested_score),
            };
            let entry = sign_entry(signer, spec_version, &payload, &prev)
                .map_err(|e| ErrorInfo::vendor(599, &format!("cannot sign the capture: {e}")))?;
            prev = entry.hash.clone();
            out.push(entry);
        }
        Ok(out)
    }

    async fn capture_fingers(
        &self,
        _bio: &BioRequest,
        wanted: &[BioSubType],
    ) -> Result<Vec<Captured>, ErrorInfo> {
        let fingers: Vec<Finger> = wanted.iter().filter_map(|s| finger_of(*s)).collect();
        let Some(slap) = fingers.first().map(|f| slap_of(*f)) else {
            return Err(ErrorCode::CountNotSupported.info());
        };
        let missing: Vec<Finger> = slap
            .fingers()
            .iter()
            .copied()
            .filter(|f| !fingers.contains(f))
            .collect();
        let (img, device) = self
            .0
            .devices
            .capture_slap(slap, missing)
            .await
            .map_err(|e| failure_info(&e))?;
        let kind = match slap {
            Slap::LeftFour => SlapKind::LeftFour,
            Slap::RightFour => SlapKind::RightFour,
            Slap::Thumbs => SlapKind::Thumbs,
        };
        let wanted = wanted.to_vec();
        let work = tokio::task::spawn_blocking(move || -> Result<Vec<Captured>, ErrorInfo> {
            let view = capture::gray_view(&img).map_err(|e| extraction(&e.to_string()))?;
            let options = SegmentOptions {
                nfiq2: false,
                ..SegmentOptions::default()
            };
            let seg = segment(&view, kind, &options).map_err(|e| extraction(&e.to_string()))?;
            let now = OffsetDateTime::now_utc();
            let mut out = Vec::new();
            for sub in wanted {
                let Some(finger) = finger_of(sub) else {
                    continue;
                };
                let found = seg.fingers.iter().find(|f| f.position == finger.position());
                let record = match found {
                    None => None,
                    Some(f) => {
                        let crop = rekam_drivers::GrayImage::new(
                            f.image.width,
                            f.image.height,
                            img.ppi(),
                            f.image.pixels.clone(),
                        )
                        .map_err(|e| extraction(&e.to_string()))?;
                        let scored = capture::finger(&crop, &device, Impression::SlapSegment)
                            .map_err(|e| extraction(&e.reason))?;
                        let quality = scored.capture.quality.score;
                        let rec = cbeff::finger_record(
                            finger.position(),
                            &scored.capture,
                            capture_time(now),
                        )
                        .map_err(|e| extraction(&e.to_string()))?;
                        Some((rec, quality))
                    }
                };
                out.push(Captured {
                    sub_type: Some(sub),
                    record,
                });
            }
            Ok(out)
        });
        work.await
            .map_err(|e| extraction(&format!("the capture task failed: {e}")))?
    }

    async fn capture_face(&self) -> Result<Vec<Captured>, ErrorInfo> {
        let (photo, device) = self
            .0
            .devices
            .capture_photo()
            .await
            .map_err(|e| failure_info(&e))?;
        let work = tokio::task::spawn_blocking(move || -> Result<Vec<Captured>, ErrorInfo> {
            let (face, _advice) =
                capture::face(&photo, &device, None).map_err(|e| extraction(&e.reason))?;
            let rec =
                cbeff::face_record("face", &face.image, capture_time(OffsetDateTime::now_utc()))
                    .map_err(|e| extraction(&e.to_string()))?;
            Ok(vec![Captured {
                sub_type: None,
                record: Some((rec, face.quality.score)),
            }])
        });
        work.await
            .map_err(|e| extraction(&format!("the capture task failed: {e}")))?
    }

    async fn capture_irises(&self, wanted: &[BioSubType]) -> Result<Vec<Captured>, ErrorInfo> {
        let mut out = Vec::new();
        for sub in wanted {
            let (eye, label) = match sub {
                BioSubType::LeftIris => (Eyes::Left, EyeLabel::Left),
                BioSubType::RightIris => (Eyes::Right, EyeLabel::Right),
                _ => continue,
            };
            let (img, device) = self
                .0
                .devices
                .capture_iris(eye)
                .await
                .map_err(|e| failure_info(&e))?;
            let (iris, _advice) =
                capture::iris(&img, &device).map_err(|e| extraction(&e.reason))?;
            let rec = cbeff::iris_record(label, &iris, capture_time(OffsetDateTime::now_utc()))
                .map_err(|e| extraction(&e.to_string()))?;
            out.push(Captured {
                sub_type: Some(*sub),
                record: Some((rec, iris.quality.score)),
            });
        }
        Ok(out)
    }

    fn stream(&self, body: &[u8]) -> Response {
        let req = match parse_stream_request(body) {
            Ok(r) => r,
            Err(e) => {
                return json_response(
                    &json!({ "error": ErrorInfo::vendor(502, &format!("Invalid stream request: {e}")) }),
                );
            }
        };
        match self.dev(&req.device_id) {
            Some(Dev::Finger) => crate::preview::http::mjpeg(&self.0.previews.finger),
            Some(Dev::Face) => crate::preview::http::mjpeg(&self.0.previews.face),
            Some(Dev::Iris) => json_response(&json!({
                "error": ErrorInfo::vendor(504, "this iris scanner gives no live preview")
            })),
            None => json_response(&json!({ "error": ErrorCode::DeviceNotFound.info() })),
        }
    }
}

/// One finger, face or eye taken: its record and quality, or `None` when it was not found.
struct Captured {
    sub_type: Option<BioSubType>,
    record: Option<(Vec<u8>, u8)>,
}

/// Clears a capturing flag when the capture ends, however it ends.
struct Reset<'a>(&'a AtomicBool);

impl Drop for Reset<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::SeqCst);
    }
}

/// The fingers or eyes to return for `bio` on `dev`, or `None` when the request does not fit the
/// sensor (SBI 109): exceptions and subtypes must belong to the sub-ID's placement, and `count`
/// must equal what is left after the exceptions (MOSIP's 4-4-2 rule).
fn wanted_positions(dev: Dev, bio: &BioRequest) -> Option<Vec<BioSubType>> {
    if dev == Dev::Face {
        // One face on sub-ID 0; its exceptions (the fingers an exception photo is for) do not
        // change what the camera takes.
        return (bio.device_sub_id == 0 && bio.count == 1).then(Vec::new);
    }
    let placement = BioSubType::of_sub_id(bio.bio_type, bio.device_sub_id);
    if placement.is_empty() {
        return None;
    }
    let exceptions: HashSet<BioSubType> = bio.exception.iter().copied().collect();
    if exceptions.iter().any(|e| !placement.contains(e)) {
        return None;
    }
    let named: Vec<BioSubType> = bio
        .bio_sub_type
        .iter()
        .copied()
        .filter(|s| *s != BioSubType::Unknown)
        .collect();
    if named
        .iter()
        .any(|s| !placement.contains(s) || exceptions.contains(s))
    {
        return None;
    }
    let wanted: Vec<BioSubType> = if named.is_empty() {
        placement
            .iter()
            .copied()
            .filter(|p| !exceptions.contains(p))
            .collect()
    } else {
        placement
            .iter()
            .copied()
            .filter(|p| named.contains(p))
            .collect()
    };
    (bio.count > 0 && usize::try_from(bio.count).ok() == Some(wanted.len())).then_some(wanted)
}

fn finger_of(s: BioSubType) -> Option<Finger> {
    Some(match s {
        BioSubType::LeftIndexFinger => Finger::LeftIndex,
        BioSubType::LeftMiddleFinger => Finger::LeftMiddle,
        BioSubType::LeftRingFinger => Finger::LeftRing,
        BioSubType::LeftLittleFinger => Finger::LeftLittle,
        BioSubType::LeftThumb => Finger::LeftThumb,
        BioSubType::RightIndexFinger => Finger::RightIndex,
        BioSubType::RightMiddleFinger => Finger::RightMiddle,
        BioSubType::RightRingFinger => Finger::RightRing,
        BioSubType::RightLittleFinger => Finger::RightLittle,
        BioSubType::RightThumb => Finger::RightThumb,
        _ => return None,
    })
}

fn slap_of(f: Finger) -> Slap {
    match f {
        Finger::LeftThumb | Finger::RightThumb => Slap::Thumbs,
        Finger::LeftIndex | Finger::LeftMiddle | Finger::LeftRing | Finger::LeftLittle => {
            Slap::LeftFour
        }
        _ => Slap::RightFour,
    }
}

/// A device failure as an SBI error.
fn failure_info(e: &DeviceFailure) -> ErrorInfo {
    match e.kind {
        ErrorKind::Busy => ErrorCode::Busy.info(),
        ErrorKind::Disconnected | ErrorKind::NotReady => ErrorCode::NotReady.info(),
        ErrorKind::Timeout => ErrorCode::NoBiometricObject.info(),
        _ => extraction(&e.to_string()),
    }
}

fn extraction(why: &str) -> ErrorInfo {
    ErrorInfo {
        error_code: ErrorCode::ExtractionError.code().to_string(),
        error_info: format!(
            "{}: {why}",
            ErrorCode::ExtractionError.text().unwrap_or_default()
        ),
    }
}

fn error_entry(e: &ErrorInfo) -> BiometricEntry {
    BiometricEntry {
        spec_version: SPEC_VERSION.into(),
        data: String::new(),
        hash: String::new(),
        error: e.clone(),
    }
}

fn error_response(e: &ErrorInfo) -> CaptureResponse {
    CaptureResponse {
        biometrics: vec![error_entry(e)],
    }
}

fn non_empty(s: String, fallback: &str) -> String {
    if s.trim().is_empty() {
        fallback.to_string()
    } else {
        s
    }
}

/// A record's capture time, to the millisecond.
fn capture_time(t: OffsetDateTime) -> CaptureDateTime {
    let ms = t.unix_timestamp_nanos() / 1_000_000;
    CaptureDateTime::from_timestamp(rekam_protocol::Timestamp::from_unix_ms(
        i64::try_from(ms).unwrap_or(i64::MAX),
    ))
}

fn rfc3339(t: OffsetDateTime) -> String {
    rekam_protocol::Timestamp::from_unix_ms(
        i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(0),
    )
    .to_string()
}

fn json_bytes<T: serde::Serialize>(v: &T) -> Vec<u8> {
    // Our message types always serialise.
    serde_json::to_vec(v).unwrap_or_default()
}

fn json_response(v: &impl serde::Serialize) -> Response {
    let mut r = (StatusCode::OK, json_bytes(v)).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

/// The service's router: one fallback handler dispatching on the verb text and path.
pub fn router(service: SbiService) -> Router {
    Router::new().fallback(dispatch).with_state(service)
}

async fn dispatch(State(s): State<SbiService>, method: Method, uri: Uri, body: Bytes) -> Response {
    let path = uri.path().trim_end_matches('/');
    let mut r = match (method.as_str(), path) {
        ("MOSIPDISC", "/device") => json_response(&s.discover(&body)),
        ("MOSIPDINFO", "/info") => json_response(&s.info()),
        ("RCAPTURE", "/capture") => json_response(&s.rcapture(&body).await),
        ("STREAM", "/stream") => s.stream(&body),
        ("OPTIONS", _) => StatusCode::NO_CONTENT.into_response(),
        ("CAPTURE", "/capture") => json_response(&error_response(&ErrorInfo::vendor(
            505,
            "this device serves registration (RCAPTURE) only",
        ))),
        _ => json_response(&json!({ "error": ErrorInfo::vendor(500, "Invalid URL") })),
    };
    // Browser-based clients call the service from another origin.
    let h = r.headers_mut();
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("MOSIPDISC, MOSIPDINFO, RCAPTURE, STREAM, OPTIONS"),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("Content-Type"),
    );
    r
}

/// Serves `service` on `listener` until `shutdown` resolves.
pub async fn serve(
    service: SbiService,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(service))
        .with_graceful_shutdown(shutdown)
        .await
}
