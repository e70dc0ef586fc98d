//! An SBI 0.9.5 device service as the driver of a fingerprint, camera or iris slot.
//!
//! Contract: opening a device ([`SbiDevice::open`]) finds the service (the configured port, or
//! the first port of 4501-4600 whose discovery lists a device of the class), asks `MOSIPDINFO`
//! and keeps the device of the class only if its `deviceInfo` and `digitalId` are RS256 JWS
//! whose `x5c` chains to a configured trust anchor: an unsigned (unregistered) or untrusted
//! device is refused with an error naming the device (ID, make, model, serial, port) and why.
//! A device the service reports Not Ready is Disconnected, Busy is Busy. Captures are
//! `RCAPTURE` requests (a new transaction each, `previousHash` empty): a slap with its
//! exceptions and `count`, one finger, the face, one eye; every answer's signatures, payloads,
//! transaction and hash chain are checked ([`check_capture`]) before its records are decoded
//! ([`super::records`]); a slap's fingers are laid back on a platen ([`super::slap`]) for the
//! agent's segmenter. Previews read the service's `STREAM` (multipart MJPEG, frames of at most
//! [`MAX_FRAME`] bytes) over one kept connection, reopened when it fails.
//!
//! Failures carry the shared [`ErrorKind`]: a refused or reset connection is Disconnected (the
//! slot drops the device and the next use reopens it, so a restarted service recovers), no
//! answer within the operation's deadline is Timeout, a cancelled operation Cancelled, an answer
//! that does not parse or verify ProtocolViolation, and each SBI `errorCode` its kind
//! ([`failure_of_code`]). Every wait is bounded: nothing here can hang on a service that accepts
//! and stays silent.
//!
//! The blocking calls run the async HTTP client on the runtime of the calling thread (the
//! device manager runs drivers on tokio's blocking pool), so they must not be called from an
//! async task.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rekam_drivers::camera::Photo;
use rekam_drivers::fingerprint::{CaptureOptions, Finger, Slap};
use rekam_drivers::identity::ImageSize;
use rekam_drivers::iris::Eyes;
use rekam_drivers::{CancelToken, DeviceIdentity, ErrorKind, GrayImage};
use rekam_protocol::Timestamp;
use rekam_protocol::iso19794::iris::EyeLabel;
use rekam_protocol::sbi::mjpeg::{MjpegError, MjpegReader};
use rekam_protocol::sbi::{
    BioRequest, BioSubType, BioType, CaptureRequest, CheckedBiometric, DeviceInfo, DeviceStatus,
    DigitalId, DiscoverType, EntryOutcome, Env, ErrorCode, ErrorInfo, JwsError, Purpose, Score,
    StreamRequest, TrustAnchors, check_capture, decode_unsigned, parse_capture_response,
    parse_device_info, parse_device_info_response, parse_digital_id, verify,
};

use super::{client, records, slap};
use crate::devices::{CameraDevice, DeviceFailure, FingerDevice, Identified, IrisDevice, Slot};

/// The SBI version spoken.
pub const SPEC_VERSION: &str = "0.9.5";
/// Largest `STREAM` frame accepted.
pub const MAX_FRAME: usize = 4 << 20;
/// Largest answer body accepted (a slap of four JPEG 2000 fingers is a few hundred KiB).
pub const MAX_BODY: usize = 64 << 20;
/// Longest wait for `MOSIPDINFO` and for a `STREAM` to start.
const INFO_TIMEOUT: Duration = Duration::from_secs(5);
/// Each port's wait during discovery: a refused port costs nothing, and a service busy
/// capturing for another client may take a moment to answer.
const DISCOVERY_TIMEOUT: Duration = Duration::from_secs(1);
/// The quality asked of the device (0-100); the agent's own gates decide what is kept.
const REQUESTED_SCORE: f64 = 40.0;
/// Resolution given to fingerprint preview frames (JPEG carries none that SBI defines).
const PREVIEW_PPI: u32 = 500;

/// Where to find SBI devices and whom to trust (`[devices] sbi_port`, `sbi_trust`).
#[derive(Clone, Debug)]
pub struct SbiSetting {
    /// The service's port; `None`: discover across 4501-4600.
    pub port: Option<u16>,
    /// The certificates device signatures must chain to.
    pub anchors: TrustAnchors,
    /// Longest wait for the service while opening a device (capped at 5 s); captures use their
    /// operation's deadline.
    pub timeout: Duration,
}

/// Which class of device.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SbiClass {
    /// Fingerprint scanner (slaps and thumbs).
    Finger,
    /// Face camera.
    Face,
    /// Iris scanner.
    Iris,
}

impl SbiClass {
    fn bio_type(self) -> BioType {
        match self {
            SbiClass::Finger => BioType::Finger,
            SbiClass::Face => BioType::Face,
            SbiClass::Iris => BioType::Iris,
        }
    }
    fn discover_type(self) -> DiscoverType {
        match self {
            SbiClass::Finger => DiscoverType::Finger,
            SbiClass::Face => DiscoverType::Face,
            SbiClass::Iris => DiscoverType::Iris,
        }
    }
    fn name(self) -> &'static str {
        match self {
            SbiClass::Finger => "fingerprint",
            SbiClass::Face => "camera",
            SbiClass::Iris => "iris",
        }
    }
}

/// One opened SBI device.
pub struct SbiDevice {
    class: SbiClass,
    port: u16,
    device_id: String,
    env: Env,
    identity: DeviceIdentity,
    anchors: TrustAnchors,
    http: reqwest::Client,
    runtime: tokio::runtime::Handle,
    stream: Option<Stream>,
}

/// A `STREAM` connection being read.
struct Stream {
    sub_id: u64,
    response: reqwest::Response,
    reader: MjpegReader,
}

impl std::fmt::Debug for SbiDevice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SbiDevice")
            .field("class", &self.class)
            .field("port", &self.port)
            .field("device_id", &self.device_id)
            .finish_non_exhaustive()
    }
}

fn now() -> Timestamp {
    let ms = time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000;
    Timestamp::from_unix_ms(i64::try_from(ms).unwrap_or(i64::MAX))
}

/// A transaction ID of SBI's form, unique in this process.
fn transaction_id() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("rekam-{}-{n}", now().unix_ms())
}

/// The payload of a JWS or unsigned document, without any check (to name a refused device).
fn unverified_payload(text: &str) -> Option<Vec<u8>> {
    if let Ok(p) = decode_unsigned(text) {
        return Some(p);
    }
    let mut parts = text.split('.');
    let (_, p) = (parts.next()?, parts.next()?);
    URL_SAFE_NO_PAD.decode(p).ok()
}

/// The failure an SBI `errorCode` stands for.
pub fn failure_of_code(device: &str, e: &ErrorInfo) -> DeviceFailure {
    let code = e.code();
    let kind = match code {
        Some(ErrorCode::Busy) => ErrorKind::Busy,
        // The service is there but its device is not (unplugged): as a native device that is
        // gone, reopened on next use.
        Some(ErrorCode::NotReady | ErrorCode::DeviceNotFound) => ErrorKind::Disconnected,
        Some(
            ErrorCode::DeviceNotRegistered
            | ErrorCode::NoBiometricObject
            | ErrorCode::ManagementServerUnreachable
            | ErrorCode::ImageOrientation
            | ErrorCode::DeviceKeyExpired
            | ErrorCode::DomainKeyMissing,
        ) => ErrorKind::NotReady,
        Some(ErrorCode::CountNotSupported) => ErrorKind::Unsupported,
        Some(ErrorCode::ExtractionError | ErrorCode::TamperDetected) => ErrorKind::HardwareFault,
        Some(ErrorCode::InvalidTransactionId) | None => ErrorKind::ProtocolViolation,
        // 5xx and other codes are the provider's own faults.
        Some(ErrorCode::Success | ErrorCode::Other(_)) => ErrorKind::HardwareFault,
    };
    let text = match code.and_then(ErrorCode::text) {
        Some(t) if !e.error_info.contains(t) => format!("{t}: {}", e.error_info),
        _ => e.error_info.clone(),
    };
    DeviceFailure::new(device, kind, format!("SBI error {}: {text}", e.error_code))
}

fn http_failure(device: &str, what: &str, e: &reqwest::Error) -> DeviceFailure {
    let kind = if e.is_timeout() {
        ErrorKind::Timeout
    } else if e.is_connect() || e.is_request() || e.is_body() {
        // Refused, reset or closed mid-answer: the service is gone.
        ErrorKind::Disconnected
    } else {
        ErrorKind::ProtocolViolation
    };
    DeviceFailure::new(device, kind, format!("{what}: {e}"))
}

/// Runs `fut` on `runtime` until it ends, `deadline` passes (Timeout) or `cancel` is set.
fn block<T>(
    runtime: &tokio::runtime::Handle,
    device: &str,
    what: &str,
    deadline: Duration,
    cancel: Option<&CancelToken>,
    fut: impl Future<Output = Result<T, DeviceFailure>>,
) -> Result<T, DeviceFailure> {
    let started = Instant::now();
    runtime.block_on(async {
        tokio::pin!(fut);
        loop {
            let left = deadline.saturating_sub(started.elapsed());
            if left.is_zero() {
                return Err(DeviceFailure::new(
                    device,
                    ErrorKind::Timeout,
                    format!("{what}: no answer within {} ms", deadline.as_millis()),
                ));
            }
            tokio::select! {
                r = &mut fut => return r,
                _ = tokio::time::sleep(left.min(Duration::from_millis(50))) => {}
            }
            if cancel.is_some_and(CancelToken::is_cancelled) {
                return Err(DeviceFailure::new(
                    device,
                    ErrorKind::Cancelled,
                    format!("{what}: cancelled"),
                ));
            }
        }
    })
}

/// Sends `verb path` with `body` and reads the whole answer (at most [`MAX_BODY`]).
async fn call(
    http: &reqwest::Client,
    port: u16,
    device: &str,
    verb: &str,
    path: &str,
    body: Vec<u8>,
) -> Result<Vec<u8>, DeviceFailure> {
    let what = format!("{verb} {path}");
    let method = reqwest::Method::from_bytes(verb.as_bytes()).map_err(|e| {
        DeviceFailure::new(device, ErrorKind::ProtocolViolation, format!("{what}: {e}"))
    })?;
    let mut r = http
        .request(method, format!("http://127.0.0.1:{port}{path}"))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .map_err(|e| http_failure(device, &what, &e))?;
    if r.status() != reqwest::StatusCode::OK {
        return Err(DeviceFailure::new(
            device,
            ErrorKind::ProtocolViolation,
            format!("{what}: HTTP {}", r.status()),
        ));
    }
    let mut out = Vec::new();
    while let Some(chunk) = r
        .chunk()
        .await
        .map_err(|e| http_failure(device, &what, &e))?
    {
        if out.len() + chunk.len() > MAX_BODY {
            return Err(DeviceFailure::new(
                device,
                ErrorKind::ProtocolViolation,
                format!("{what}: the answer is larger than {MAX_BODY} bytes"),
            ));
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

fn protocol(device: &str, why: impl std::fmt::Display) -> DeviceFailure {
    DeviceFailure::new(device, ErrorKind::ProtocolViolation, why.to_string())
}

/// A device of `class` found in a `MOSIPDINFO` answer, checked.
struct Verified {
    info: DeviceInfo,
    digital: DigitalId,
}

/// Why a device of the class was not taken, to name it in the refusal.
fn describe(id: &str, digital: Option<&DigitalId>, port: u16) -> String {
    match digital {
        Some(d) => format!(
            "SBI device {id} ({} {} serial {}) at 127.0.0.1:{port}",
            d.make, d.model, d.serial_no
        ),
        None => format!("SBI device {id} at 127.0.0.1:{port}"),
    }
}

fn pick_device(
    class: SbiClass,
    body: &[u8],
    anchors: &TrustAnchors,
    port: u16,
    who: &str,
) -> Result<Verified, DeviceFailure> {
    let entries = parse_device_info_response(body).map_err(|e| match e {
        rekam_protocol::sbi::MessageError::Device { code, info } => failure_of_code(
            who,
            &ErrorInfo {
                error_code: code,
                error_info: info,
            },
        ),
        other => protocol(who, format!("MOSIPDINFO answer: {other}")),
    })?;
    let at = now();
    let mut refusal = None;
    for e in &entries {
        // What the entry claims, unchecked, to know whether it is of our class and to name it.
        let Some(claimed) =
            unverified_payload(&e.device_info).and_then(|p| parse_device_info(&p).ok())
        else {
            continue;
        };
        let claimed_id =
            unverified_payload(&claimed.digital_id).and_then(|p| parse_digital_id(&p).ok());
        if claimed_id.as_ref().map(|d| d.bio_type) != Some(class.bio_type()) {
            continue;
        }
        let name = describe(&claimed.device_id, claimed_id.as_ref(), port);
        let checked = verify(&e.device_info, anchors, at)
            .map_err(|e| ("its deviceInfo", e))
            .and_then(|v| {
                let info = parse_device_info(&v.payload)
                    .map_err(|m| ("its deviceInfo", JwsError::Malformed(m.to_string())))?;
                let d = verify(&info.digital_id, anchors, at).map_err(|e| ("its digitalId", e))?;
                let digital = parse_digital_id(&d.payload)
                    .map_err(|m| ("its digitalId", JwsError::Malformed(m.to_string())))?;
                Ok(Verified { info, digital })
            });
        match checked {
            Ok(v) => return Ok(v),
            Err((part, why)) => {
                let reason = match why {
                    JwsError::Unsigned => format!(
                        "{part} is not signed: the device is not registered (SBI error {} \"{}\")",
                        e.error.error_code, e.error.error_info
                    ),
                    JwsError::Untrusted { subject } => format!(
                        "{part} is signed by {subject:?}, which chains to none of the configured sbi_trust certificates"
                    ),
                    other => format!("{part}: {other}"),
                };
                refusal.get_or_insert_with(|| {
                    DeviceFailure::new(
                        who,
                        ErrorKind::NotReady,
                        format!("{name} is refused: {reason}"),
                    )
                });
            }
        }
    }
    Err(refusal.unwrap_or_else(|| {
        DeviceFailure::new(
            who,
            ErrorKind::Disconnected,
            format!(
                "the SBI service at 127.0.0.1:{port} has no {} device",
                class.name()
            ),
        )
    }))
}

impl SbiDevice {
    fn who(&self) -> String {
        format!("SBI {} device {}", self.class.name(), self.device_id)
    }

    /// Finds, verifies and opens the device of `class` (see the module contract). Must run
    /// on a thread of a tokio runtime that may block (the blocking pool).
    pub fn open(class: SbiClass, setting: &SbiSetting) -> Result<SbiDevice, DeviceFailure> {
        let who = format!("SBI {}", class.name());
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| {
            DeviceFailure::new(
                &who,
                ErrorKind::HardwareFault,
                "the SBI driver needs a tokio runtime",
            )
        })?;
        let http = reqwest::Client::builder()
            .no_proxy()
            .build()
            .map_err(|e| protocol(&who, format!("HTTP client: {e}")))?;
        let ports: Vec<u16> = match setting.port {
            Some(p) => vec![p],
            None => {
                let found = block(&runtime, &who, "discovery", INFO_TIMEOUT, None, async {
                    Ok(client::discover(
                        &http,
                        client::PORTS,
                        class.discover_type(),
                        DISCOVERY_TIMEOUT,
                    )
                    .await)
                })?;
                found
                    .iter()
                    .filter(|f| f.devices.as_ref().is_ok_and(|d| !d.is_empty()))
                    .map(|f| f.port)
                    .collect()
            }
        };
        // Several services may offer the class: the first whose device verifies is taken, and
        // when none does, the first refusal says why and names the others (a technician with
        // two vendors' services needs to see both).
        let mut refused: Option<DeviceFailure> = None;
        for port in ports {
            match Self::open_at(class, setting, port, &runtime, &http) {
                Ok(d) => return Ok(d),
                Err(e) => match &mut refused {
                    None => refused = Some(e),
                    Some(first) => {
                        first.message.push_str("; also ");
                        first.message.push_str(&e.message);
                    }
                },
            }
        }
        Err(refused.unwrap_or_else(|| {
            DeviceFailure::new(
                &who,
                ErrorKind::Disconnected,
                format!(
                    "no SBI service on 127.0.0.1:{}-{} offers a {} device",
                    client::PORTS.start(),
                    client::PORTS.end(),
                    class.name()
                ),
            )
        }))
    }

    fn open_at(
        class: SbiClass,
        setting: &SbiSetting,
        port: u16,
        runtime: &tokio::runtime::Handle,
        http: &reqwest::Client,
    ) -> Result<SbiDevice, DeviceFailure> {
        let who = format!("SBI {}", class.name());
        let body = block(
            runtime,
            &who,
            "MOSIPDINFO /info",
            INFO_TIMEOUT.min(setting.timeout),
            None,
            call(http, port, &who, "MOSIPDINFO", "/info", b"{}".to_vec()),
        )?;
        let Verified { info, digital } = pick_device(class, &body, &setting.anchors, port, &who)?;
        let name = describe(&info.device_id, Some(&digital), port);
        match info.device_status {
            DeviceStatus::Ready => {}
            DeviceStatus::Busy => {
                return Err(DeviceFailure::new(
                    &who,
                    ErrorKind::Busy,
                    format!("{name} is busy"),
                ));
            }
            DeviceStatus::NotReady => {
                return Err(DeviceFailure::new(
                    &who,
                    ErrorKind::Disconnected,
                    format!("{name} is not ready (unplugged?)"),
                ));
            }
            DeviceStatus::NotRegistered => {
                return Err(DeviceFailure::new(
                    &who,
                    ErrorKind::NotReady,
                    format!("{name} is refused: it says it is not registered"),
                ));
            }
        }
        if info.purpose != Purpose::Registration {
            return Err(DeviceFailure::new(
                &who,
                ErrorKind::Unsupported,
                format!(
                    "{name} is refused: its purpose is {:?}, not Registration",
                    info.purpose
                ),
            ));
        }
        Ok(SbiDevice {
            class,
            port,
            identity: DeviceIdentity {
                vendor: digital.make.clone(),
                model: digital.model.clone(),
                serial: Some(digital.serial_no.clone()),
                firmware: Some(info.firmware.clone()),
                location: format!("SBI 127.0.0.1:{port} device {}", info.device_id),
            },
            device_id: info.device_id,
            env: info.env,
            anchors: setting.anchors.clone(),
            http: http.clone(),
            runtime: runtime.clone(),
            stream: None,
        })
    }

    /// One `RCAPTURE` of `bio` (its `deviceId` and `previousHash` are set here), checked; each
    /// entry is a checked record or the device's error for it.
    pub fn rcapture(
        &mut self,
        mut bio: BioRequest,
        o: &CaptureOptions,
    ) -> Result<Vec<Result<CheckedBiometric, ErrorInfo>>, DeviceFailure> {
        // A capture takes the device: the preview connection would only compete with it.
        self.stream = None;
        let who = self.who();
        let tx = transaction_id();
        bio.device_id = self.device_id.clone();
        bio.previous_hash = String::new();
        let expected = bio.bio_type;
        let request = CaptureRequest {
            env: self.env,
            purpose: Purpose::Registration,
            spec_version: SPEC_VERSION.into(),
            timeout: u64::try_from(o.timeout.as_millis()).unwrap_or(u64::MAX),
            capture_time: now().to_string(),
            transaction_id: tx.clone(),
            bio: vec![bio],
            custom_opts: None,
        };
        let body = serde_json::to_vec(&request).map_err(|e| protocol(&who, e))?;
        let answer = block(
            &self.runtime,
            &who,
            "RCAPTURE /capture",
            o.timeout,
            Some(&o.cancel),
            call(&self.http, self.port, &who, "RCAPTURE", "/capture", body),
        )?;
        let response = parse_capture_response(&answer)
            .map_err(|e| protocol(&who, format!("RCAPTURE answer: {e}")))?;
        let outcomes = check_capture(&response, &tx, "", &self.anchors, now())
            .map_err(|e| protocol(&who, format!("RCAPTURE answer refused: {e}")))?;
        let mut out = Vec::with_capacity(outcomes.len());
        for outcome in outcomes {
            match outcome {
                EntryOutcome::Failed(e) => out.push(Err(e)),
                EntryOutcome::Captured(c) => {
                    if c.payload.bio_type != expected {
                        return Err(protocol(
                            &who,
                            format!(
                                "RCAPTURE answered a {:?} for a {expected:?} request",
                                c.payload.bio_type
                            ),
                        ));
                    }
                    // The signed digital ID inside the data is the device's too.
                    verify(&c.payload.digital_id, &self.anchors, now()).map_err(|e| {
                        protocol(&who, format!("RCAPTURE data's digitalId refused: {e}"))
                    })?;
                    out.push(Ok(c));
                }
            }
        }
        Ok(out)
    }

    /// The captured entries of an answer, or the first error when nothing was captured.
    fn captured(
        &self,
        entries: Vec<Result<CheckedBiometric, ErrorInfo>>,
    ) -> Result<Vec<CheckedBiometric>, DeviceFailure> {
        let mut first_error = None;
        let mut ok = Vec::new();
        for e in entries {
            match e {
                Ok(c) => ok.push(c),
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        if ok.is_empty() {
            return Err(match first_error {
                Some(e) => failure_of_code(&self.who(), &e),
                None => protocol(&self.who(), "RCAPTURE answered no biometric"),
            });
        }
        Ok(ok)
    }

    fn record_failure(&self, e: records::RecordImageError) -> DeviceFailure {
        protocol(&self.who(), format!("bioValue: {e}"))
    }

    /// The next `STREAM` frame (JPEG bytes) of sensor `sub_id`, within `o.timeout`.
    fn next_frame(&mut self, sub_id: u64, o: &CaptureOptions) -> Result<Vec<u8>, DeviceFailure> {
        let who = self.who();
        if self.stream.as_ref().is_none_or(|s| s.sub_id != sub_id) {
            self.stream = None;
            let body = serde_json::to_vec(&StreamRequest {
                device_id: self.device_id.clone(),
                device_sub_id: sub_id,
                timeout: None,
            })
            .map_err(|e| protocol(&who, e))?;
            let (http, port) = (self.http.clone(), self.port);
            let w = who.clone();
            let response = block(
                &self.runtime,
                &who,
                "STREAM /stream",
                o.timeout,
                Some(&o.cancel),
                async move {
                    let method =
                        reqwest::Method::from_bytes(b"STREAM").map_err(|e| protocol(&w, e))?;
                    http.request(method, format!("http://127.0.0.1:{port}/stream"))
                        .header("content-type", "application/json")
                        .body(body)
                        .send()
                        .await
                        .map_err(|e| http_failure(&w, "STREAM /stream", &e))
                },
            )?;
            let content_type = response
                .headers()
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string();
            if content_type.starts_with("application/json") {
                // The service's SBI error instead of a stream.
                let w = who.clone();
                let bytes = block(
                    &self.runtime,
                    &who,
                    "STREAM /stream",
                    INFO_TIMEOUT,
                    None,
                    async move {
                        response
                            .bytes()
                            .await
                            .map_err(|e| http_failure(&w, "STREAM /stream", &e))
                    },
                )?;
                let error = serde_json::from_slice::<serde_json::Value>(&bytes)
                    .ok()
                    .and_then(|v| {
                        serde_json::from_value::<ErrorInfo>(v.get("error")?.clone()).ok()
                    });
                return Err(match error {
                    Some(e) if e.code() == Some(ErrorCode::Other(504)) => DeviceFailure::new(
                        &who,
                        ErrorKind::Unsupported,
                        format!("this device gives no live preview: {}", e.error_info),
                    ),
                    Some(e) => failure_of_code(&who, &e),
                    None => protocol(&who, "STREAM answered JSON without an SBI error"),
                });
            }
            let reader = MjpegReader::new(&content_type, MAX_FRAME)
                .map_err(|e| protocol(&who, format!("STREAM: {e}")))?;
            self.stream = Some(Stream {
                sub_id,
                response,
                reader,
            });
        }
        let started = Instant::now();
        let result = (|| {
            let Some(stream) = self.stream.as_mut() else {
                return Err(protocol(&who, "no stream"));
            };
            loop {
                // The newest complete frame: older ones already buffered are stale.
                let mut newest = None;
                loop {
                    match stream.reader.next_frame() {
                        Ok(Some(f)) => newest = Some(f.data),
                        Ok(None) => break,
                        Err(MjpegError::Ended) => {
                            return Err(DeviceFailure::new(
                                &who,
                                ErrorKind::Disconnected,
                                "the STREAM ended",
                            ));
                        }
                        Err(e) => return Err(protocol(&who, format!("STREAM: {e}"))),
                    }
                }
                if let Some(f) = newest {
                    return Ok(f);
                }
                let left = o.timeout.saturating_sub(started.elapsed());
                let w = who.clone();
                let response = &mut stream.response;
                let chunk = block(
                    &self.runtime,
                    &who,
                    "STREAM frame",
                    left,
                    Some(&o.cancel),
                    async {
                        response
                            .chunk()
                            .await
                            .map_err(|e| http_failure(&w, "STREAM", &e))
                    },
                )?;
                let Some(chunk) = chunk else {
                    return Err(DeviceFailure::new(
                        &who,
                        ErrorKind::Disconnected,
                        "the STREAM connection closed",
                    ));
                };
                stream
                    .reader
                    .push(&chunk)
                    .map_err(|e| protocol(&who, format!("STREAM: {e}")))?;
            }
        })();
        if result.is_err() {
            // Reopened on the next frame asked for.
            self.stream = None;
        }
        result
    }
}

impl Identified for SbiDevice {
    fn identity(&self) -> DeviceIdentity {
        self.identity.clone()
    }
}

impl SbiDevice {
    fn requested(&self) -> Result<Score, DeviceFailure> {
        Score::new(REQUESTED_SCORE)
            .ok_or_else(|| protocol(&self.who(), "the requested score is outside 0-100"))
    }
}

fn sub_type_of(f: Finger) -> BioSubType {
    match f {
        Finger::LeftIndex => BioSubType::LeftIndexFinger,
        Finger::LeftMiddle => BioSubType::LeftMiddleFinger,
        Finger::LeftRing => BioSubType::LeftRingFinger,
        Finger::LeftLittle => BioSubType::LeftLittleFinger,
        Finger::LeftThumb => BioSubType::LeftThumb,
        Finger::RightIndex => BioSubType::RightIndexFinger,
        Finger::RightMiddle => BioSubType::RightMiddleFinger,
        Finger::RightRing => BioSubType::RightRingFinger,
        Finger::RightLittle => BioSubType::RightLittleFinger,
        Finger::RightThumb => BioSubType::RightThumb,
    }
}

fn finger_of_code(code: u8) -> Option<Finger> {
    [
        Finger::RightThumb,
        Finger::RightIndex,
        Finger::RightMiddle,
        Finger::RightRing,
        Finger::RightLittle,
        Finger::LeftThumb,
        Finger::LeftIndex,
        Finger::LeftMiddle,
        Finger::LeftRing,
        Finger::LeftLittle,
    ]
    .into_iter()
    .find(|f| f.position() == code)
}

fn slap_of(f: Finger) -> Slap {
    [Slap::LeftFour, Slap::RightFour, Slap::Thumbs]
        .into_iter()
        .find(|s| s.fingers().contains(&f))
        .unwrap_or(Slap::Thumbs)
}

/// SBI's sensor for a placement: 1 left slap, 2 right slap, 3 thumbs.
fn sub_id_of(slap: Slap) -> u64 {
    match slap {
        Slap::LeftFour => 1,
        Slap::RightFour => 2,
        Slap::Thumbs => 3,
    }
}

impl SbiDevice {
    /// The fingers of `entries` as images, each checked to be the position its payload names.
    fn fingers(
        &self,
        entries: Vec<CheckedBiometric>,
    ) -> Result<Vec<(Finger, GrayImage)>, DeviceFailure> {
        let mut out = Vec::new();
        for c in entries {
            let img = records::finger(&c.record).map_err(|e| self.record_failure(e))?;
            let Some(finger) = finger_of_code(img.position) else {
                return Err(protocol(
                    &self.who(),
                    format!(
                        "a finger record names position {}, not a finger",
                        img.position
                    ),
                ));
            };
            if c.payload.bio_sub_type != Some(sub_type_of(finger)) {
                return Err(protocol(
                    &self.who(),
                    format!(
                        "the record of {finger:?} is labelled {:?}",
                        c.payload.bio_sub_type
                    ),
                ));
            }
            out.push((finger, img.image));
        }
        Ok(out)
    }
}

impl FingerDevice for SbiDevice {
    fn capture_finger(
        &mut self,
        finger: Finger,
        o: &CaptureOptions,
    ) -> Result<GrayImage, DeviceFailure> {
        let bio = BioRequest {
            bio_type: BioType::Finger,
            count: 1,
            bio_sub_type: vec![sub_type_of(finger)],
            exception: Vec::new(),
            requested_score: self.requested()?,
            device_id: String::new(),
            device_sub_id: sub_id_of(slap_of(finger)),
            previous_hash: String::new(),
        };
        let entries = self.rcapture(bio, o)?;
        let captured = self.captured(entries)?;
        let mut fingers = self.fingers(captured)?;
        match fingers.iter().position(|(f, _)| *f == finger) {
            Some(i) => Ok(fingers.swap_remove(i).1),
            None => Err(protocol(
                &self.who(),
                format!("RCAPTURE for {finger:?} answered other fingers"),
            )),
        }
    }

    fn capture_slap(
        &mut self,
        slap: Slap,
        missing: &[Finger],
        o: &CaptureOptions,
    ) -> Result<GrayImage, DeviceFailure> {
        let exception: Vec<BioSubType> = slap
            .fingers()
            .iter()
            .filter(|f| missing.contains(f))
            .map(|f| sub_type_of(*f))
            .collect();
        let count = slap.fingers().len() - exception.len();
        if count == 0 {
            return Err(DeviceFailure::new(
                self.who(),
                ErrorKind::NotReady,
                format!("every finger of the {slap:?} slap is missing"),
            ));
        }
        let bio = BioRequest {
            bio_type: BioType::Finger,
            count: count as u64,
            bio_sub_type: Vec::new(),
            exception,
            requested_score: self.requested()?,
            device_id: String::new(),
            device_sub_id: sub_id_of(slap),
            previous_hash: String::new(),
        };
        let entries = self.rcapture(bio, o)?;
        let captured = self.captured(entries)?;
        let fingers = self.fingers(captured)?;
        if let Some((f, _)) = fingers.iter().find(|(f, _)| missing.contains(f)) {
            return Err(protocol(
                &self.who(),
                format!("RCAPTURE answered {f:?}, which was declared an exception"),
            ));
        }
        slap::lay_out(slap, &fingers).map_err(|e| protocol(&self.who(), e))
    }

    fn preview_frame(&mut self, o: &CaptureOptions) -> Result<GrayImage, DeviceFailure> {
        // Any sensor of a slap scanner shows the whole platen; the left slap's is asked.
        let jpeg = self.next_frame(1, o)?;
        records::jpeg_frame_gray(&jpeg, PREVIEW_PPI).map_err(|e| protocol(&self.who(), e))
    }
}

impl CameraDevice for SbiDevice {
    fn capture_still(&mut self, o: &CaptureOptions) -> Result<Photo, DeviceFailure> {
        let bio = BioRequest {
            bio_type: BioType::Face,
            count: 1,
            bio_sub_type: Vec::new(),
            exception: Vec::new(),
            requested_score: self.requested()?,
            device_id: String::new(),
            device_sub_id: 0,
            previous_hash: String::new(),
        };
        let entries = self.rcapture(bio, o)?;
        let captured = self.captured(entries)?;
        let Some(face) = captured.first() else {
            return Err(protocol(&self.who(), "RCAPTURE answered no face"));
        };
        records::face(&face.record).map_err(|e| self.record_failure(e))
    }

    fn preview_frame(&mut self, o: &CaptureOptions) -> Result<Photo, DeviceFailure> {
        let jpeg = self.next_frame(0, o)?;
        let (width, height) =
            records::jpeg_frame_size(&jpeg).map_err(|e| protocol(&self.who(), e))?;
        Ok(Photo::Jpeg {
            size: ImageSize { width, height },
            bytes: jpeg,
        })
    }
}

impl IrisDevice for SbiDevice {
    fn capture_eye(&mut self, eye: Eyes, o: &CaptureOptions) -> Result<GrayImage, DeviceFailure> {
        let (sub, label, sub_id) = match eye {
            Eyes::Left => (BioSubType::LeftIris, EyeLabel::Left, 1),
            Eyes::Right => (BioSubType::RightIris, EyeLabel::Right, 2),
            Eyes::Both => {
                return Err(DeviceFailure::new(
                    self.who(),
                    ErrorKind::Unsupported,
                    "one eye at a time: the slot takes one image",
                ));
            }
        };
        let bio = BioRequest {
            bio_type: BioType::Iris,
            count: 1,
            bio_sub_type: vec![sub],
            exception: Vec::new(),
            requested_score: self.requested()?,
            device_id: String::new(),
            device_sub_id: sub_id,
            previous_hash: String::new(),
        };
        let entries = self.rcapture(bio, o)?;
        let captured = self.captured(entries)?;
        let Some(c) = captured.first() else {
            return Err(protocol(&self.who(), "RCAPTURE answered no iris"));
        };
        let img = records::iris(&c.record).map_err(|e| self.record_failure(e))?;
        if img.eye != label || c.payload.bio_sub_type != Some(sub) {
            return Err(protocol(
                &self.who(),
                format!(
                    "asked for the {label:?} eye, the record says {:?} and the payload {:?}",
                    img.eye, c.payload.bio_sub_type
                ),
            ));
        }
        Ok(img.image)
    }
}

/// A fingerprint slot driven by the SBI service `setting` finds, reopened after it is gone.
pub fn finger_slot(setting: Arc<SbiSetting>) -> Slot<dyn FingerDevice> {
    Slot::new(
        "fingerprint",
        Box::new(move || {
            Ok(Box::new(SbiDevice::open(SbiClass::Finger, &setting)?) as Box<dyn FingerDevice>)
        }),
    )
}

/// A camera slot driven by an SBI face device.
pub fn camera_slot(setting: Arc<SbiSetting>) -> Slot<dyn CameraDevice> {
    Slot::new(
        "camera",
        Box::new(move || {
            Ok(Box::new(SbiDevice::open(SbiClass::Face, &setting)?) as Box<dyn CameraDevice>)
        }),
    )
}

/// An iris slot driven by an SBI iris device.
pub fn iris_slot(setting: Arc<SbiSetting>) -> Slot<dyn IrisDevice> {
    Slot::new(
        "iris",
        Box::new(move || {
            Ok(Box::new(SbiDevice::open(SbiClass::Iris, &setting)?) as Box<dyn IrisDevice>)
        }),
    )
}

/// The SBI setting of `config`'s `[devices]` (`sbi_port`, `sbi_trust` read from their PEM
/// files, the capture timeout).
pub fn setting(config: &crate::config::Config) -> anyhow::Result<Arc<SbiSetting>> {
    use anyhow::Context;
    let mut anchors = TrustAnchors::new();
    for p in &config.devices.sbi_trust {
        let path = config.path(p);
        let text = crate::files::read_text(&path)
            .with_context(|| format!("devices.sbi_trust: {}", path.display()))?;
        anchors
            .add_pem(&text)
            .with_context(|| format!("devices.sbi_trust: {}", path.display()))?;
    }
    Ok(Arc::new(SbiSetting {
        port: config.devices.sbi_port,
        anchors,
        timeout: config.capture_timeout(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mosip_error_codes_map_to_the_shared_error_kinds_keeping_the_devices_text() {
        for (code, kind) in [
            (ErrorCode::Busy, ErrorKind::Busy),
            (ErrorCode::NotReady, ErrorKind::Disconnected),
            (ErrorCode::DeviceNotFound, ErrorKind::Disconnected),
            (ErrorCode::NoBiometricObject, ErrorKind::NotReady),
            (ErrorCode::DeviceNotRegistered, ErrorKind::NotReady),
            (ErrorCode::CountNotSupported, ErrorKind::Unsupported),
            (ErrorCode::ExtractionError, ErrorKind::HardwareFault),
            (
                ErrorCode::InvalidTransactionId,
                ErrorKind::ProtocolViolation,
            ),
        ] {
            let f = failure_of_code("SBI fingerprint device 1", &code.info());
            assert_eq!(f.kind, kind, "{code:?}");
            assert!(
                f.message.contains(&format!("SBI error {}", code.code())),
                "{f}"
            );
            assert!(f.message.contains(code.text().unwrap_or_default()), "{f}");
        }
        let vendor = failure_of_code("d", &ErrorInfo::vendor(503, "Devices are not connected"));
        assert_eq!(vendor.kind, ErrorKind::HardwareFault);
        assert!(
            vendor.message.contains("Devices are not connected"),
            "{vendor}"
        );
        let garbage = failure_of_code(
            "d",
            &ErrorInfo {
                error_code: "oops".into(),
                error_info: String::new(),
            },
        );
        assert_eq!(garbage.kind, ErrorKind::ProtocolViolation);
    }

    #[test]
    fn transaction_ids_have_sbis_form_and_do_not_repeat() {
        let (a, b) = (transaction_id(), transaction_id());
        assert_ne!(a, b);
        for t in [a, b] {
            assert!(rekam_protocol::sbi::valid_transaction_id(&t), "{t}");
        }
    }
}
