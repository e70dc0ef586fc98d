//! The JSON bodies of SBI 0.9.5 requests and responses.
//!
//! Contract: field names and enumerations are MOSIP's (camelCase, `"Not Ready"`,
//! `"Left IndexFinger"`); numbers that SBI carries as strings (`count`, `deviceSubId`,
//! `timeout`, scores) are written as strings and read from either a string or a JSON number,
//! since deployed clients send both. `parse_*` refuse unknown and missing fields with the field's
//! path in the error.

use serde::de::{self, DeserializeOwned, Deserializer};
use serde::{Deserialize, Serialize, Serializer};

use super::ErrorCode;

/// Why a body is not the SBI message expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MessageError {
    /// Not JSON, or JSON of the wrong shape; `path` names the field (`bio[0].count`).
    #[error("{what}: at {path}: {message}")]
    Json {
        /// Which message.
        what: &'static str,
        /// The field's path (`.` for the whole body).
        path: String,
        /// serde's account, naming unknown or missing fields.
        message: String,
    },
    /// A field holds a value the specification does not allow.
    #[error("{what}: field {field}: {message}")]
    Field {
        /// Which message.
        what: &'static str,
        /// The field's path.
        field: String,
        /// Why.
        message: String,
    },
    /// The device answered with an SBI error instead of the message.
    #[error("device error {code}: {info}")]
    Device {
        /// `errorCode`.
        code: String,
        /// `errorInfo`.
        info: String,
    },
}

fn parse<T: DeserializeOwned>(what: &'static str, body: &[u8]) -> Result<T, MessageError> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        MessageError::Json {
            what,
            path,
            message: e.into_inner().to_string(),
        }
    })?;
    // Text after the value is refused as well: a body is one message.
    de.end().map_err(|e| MessageError::Json {
        what,
        path: ".".into(),
        message: e.to_string(),
    })?;
    Ok(value)
}

fn field(what: &'static str, field: impl Into<String>, message: impl Into<String>) -> MessageError {
    MessageError::Field {
        what,
        field: field.into(),
        message: message.into(),
    }
}

/// A number that SBI writes as a string: serialised as a string, read from a string of decimal
/// digits or a non-negative JSON integer.
mod str_num {
    use super::*;

    pub fn serialize<S: Serializer>(v: &u64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&v.to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Either {
            N(u64),
            S(String),
        }
        match Either::deserialize(d)? {
            Either::N(n) => Ok(n),
            Either::S(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => s
                .parse()
                .map_err(|_| de::Error::custom(format!("{s:?} is out of range"))),
            Either::S(s) => Err(de::Error::custom(format!(
                "{s:?} is not a whole number in decimal digits"
            ))),
        }
    }
}

/// A quality score on the 0-100 scale, written as a string (`"87"`, `"40.5"`).
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd)]
pub struct Score(f64);

// A score is never NaN (`new` and deserialisation refuse it), so equality is total.
impl Eq for Score {}

impl Score {
    /// A score; `None` outside 0-100 or not finite.
    pub fn new(v: f64) -> Option<Self> {
        (v.is_finite() && (0.0..=100.0).contains(&v)).then_some(Score(v))
    }
    /// The value.
    pub fn value(self) -> f64 {
        self.0
    }
}

impl Serialize for Score {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // Whole scores as integers (`"87"`), the others with as many decimals as they need.
        if self.0.fract() == 0.0 {
            s.serialize_str(&format!("{}", self.0 as u32))
        } else {
            s.serialize_str(&format!("{}", self.0))
        }
    }
}

impl<'de> Deserialize<'de> for Score {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Either {
            N(f64),
            S(String),
        }
        let v = match Either::deserialize(d)? {
            Either::N(n) => n,
            Either::S(s) => {
                let ok = !s.is_empty()
                    && s.bytes().all(|b| b.is_ascii_digit() || b == b'.')
                    && s.bytes().filter(|b| *b == b'.').count() <= 1
                    && !s.starts_with('.')
                    && !s.ends_with('.');
                if !ok {
                    return Err(de::Error::custom(format!("{s:?} is not a score")));
                }
                s.parse::<f64>()
                    .map_err(|_| de::Error::custom(format!("{s:?} is not a score")))?
            }
        };
        Score::new(v).ok_or_else(|| de::Error::custom(format!("score {v} is outside 0-100")))
    }
}

/// `type` of a discovery request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DiscoverType {
    /// Any biometric device.
    #[serde(rename = "Biometric Device")]
    BiometricDevice,
    /// Fingerprint devices.
    Finger,
    /// Face cameras.
    Face,
    /// Iris cameras.
    Iris,
}

/// `MOSIPDISC /device` request body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiscoverRequest {
    /// Which devices.
    #[serde(rename = "type")]
    pub device_type: DiscoverType,
}

/// Parses a `MOSIPDISC` body.
pub fn parse_discover_request(body: &[u8]) -> Result<DiscoverRequest, MessageError> {
    parse("discover request", body)
}

/// A modality.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum BioType {
    /// Fingerprints.
    Finger,
    /// Irises.
    Iris,
    /// Face.
    Face,
}

impl BioType {
    /// Whether a discovery of `t` includes this modality.
    pub fn matches(self, t: DiscoverType) -> bool {
        matches!(
            (t, self),
            (DiscoverType::BiometricDevice, _)
                | (DiscoverType::Finger, BioType::Finger)
                | (DiscoverType::Iris, BioType::Iris)
                | (DiscoverType::Face, BioType::Face)
        )
    }
}

/// `deviceSubType` of a digital ID.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DeviceSubType {
    /// Four-finger slaps and two thumbs.
    Slap,
    /// One finger or one eye.
    Single,
    /// Contactless fingers.
    Touchless,
    /// Two eyes.
    Double,
    /// A face camera.
    #[serde(rename = "Full face")]
    FullFace,
}

/// `deviceStatus`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DeviceStatus {
    /// Can capture now.
    Ready,
    /// Capturing for someone else.
    Busy,
    /// Unplugged or failing.
    #[serde(rename = "Not Ready")]
    NotReady,
    /// Not registered with MOSIP's management server (its device info is unsigned).
    #[serde(rename = "Not Registered")]
    NotRegistered,
}

/// `certification`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Certification {
    /// Signing on the host.
    L0,
    /// Signing in a secure chip.
    L1,
}

/// `purpose`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Purpose {
    /// Authentication.
    Auth,
    /// Registration (enrollment).
    Registration,
    /// An unregistered device has no purpose (MOSIP's schema: anything but the two above).
    #[serde(rename = "")]
    None,
}

/// `env`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Env {
    /// Staging.
    Staging,
    /// Developer.
    Developer,
    /// Pre-production.
    #[serde(rename = "Pre-Production")]
    PreProduction,
    /// Production.
    Production,
    /// An unregistered device's environment.
    None,
}

/// `bioSubType`: finger positions, eyes, or unknown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[allow(missing_docs)]
pub enum BioSubType {
    #[serde(rename = "Left IndexFinger")]
    LeftIndexFinger,
    #[serde(rename = "Left MiddleFinger")]
    LeftMiddleFinger,
    #[serde(rename = "Left RingFinger")]
    LeftRingFinger,
    #[serde(rename = "Left LittleFinger")]
    LeftLittleFinger,
    #[serde(rename = "Left Thumb")]
    LeftThumb,
    #[serde(rename = "Right IndexFinger")]
    RightIndexFinger,
    #[serde(rename = "Right MiddleFinger")]
    RightMiddleFinger,
    #[serde(rename = "Right RingFinger")]
    RightRingFinger,
    #[serde(rename = "Right LittleFinger")]
    RightLittleFinger,
    #[serde(rename = "Right Thumb")]
    RightThumb,
    /// The left eye.
    #[serde(rename = "Left")]
    LeftIris,
    /// The right eye.
    #[serde(rename = "Right")]
    RightIris,
    /// A finger or eye the device could not place.
    #[serde(rename = "UNKNOWN")]
    Unknown,
}

impl BioSubType {
    /// The fingers (or eyes) a device sub-ID captures, in the order devices report them:
    /// 1 left slap (index to little) or left eye, 2 right slap or right eye, 3 both thumbs or
    /// both eyes.
    pub fn of_sub_id(bio_type: BioType, sub_id: u64) -> &'static [BioSubType] {
        use BioSubType::*;
        match (bio_type, sub_id) {
            (BioType::Finger, 1) => &[
                LeftIndexFinger,
                LeftMiddleFinger,
                LeftRingFinger,
                LeftLittleFinger,
            ],
            (BioType::Finger, 2) => &[
                RightIndexFinger,
                RightMiddleFinger,
                RightRingFinger,
                RightLittleFinger,
            ],
            (BioType::Finger, 3) => &[LeftThumb, RightThumb],
            (BioType::Iris, 1) => &[LeftIris],
            (BioType::Iris, 2) => &[RightIris],
            (BioType::Iris, 3) => &[LeftIris, RightIris],
            _ => &[],
        }
    }
}

/// `error` of every response.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ErrorInfo {
    /// `"0"` on success.
    pub error_code: String,
    /// A text for people.
    pub error_info: String,
}

impl ErrorInfo {
    /// Success.
    pub fn success() -> Self {
        ErrorCode::Success.info()
    }
    /// A vendor-defined (5xx) error.
    pub fn vendor(code: u16, text: &str) -> Self {
        ErrorInfo {
            error_code: code.to_string(),
            error_info: text.to_string(),
        }
    }
    /// The code, parsed.
    pub fn code(&self) -> Option<ErrorCode> {
        ErrorCode::parse(&self.error_code)
    }
    /// Whether this says success.
    pub fn is_success(&self) -> bool {
        self.code() == Some(ErrorCode::Success)
    }
}

/// A digital ID: the device's make, model and serial, signed (in `deviceInfo` and capture data)
/// or plain base64url JSON (in discovery).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DigitalId {
    /// Serial number.
    pub serial_no: String,
    /// Make.
    pub make: String,
    /// Model.
    pub model: String,
    /// Modality.
    #[serde(rename = "type")]
    pub bio_type: BioType,
    /// Kind of device.
    pub device_sub_type: DeviceSubType,
    /// Provider's name.
    pub device_provider: String,
    /// Provider's ID.
    pub device_provider_id: String,
    /// When this ID was issued (RFC 3339, UTC).
    pub date_time: String,
}

impl DigitalId {
    fn check(&self, what: &'static str) -> Result<(), MessageError> {
        for (name, v) in [
            ("serialNo", &self.serial_no),
            ("make", &self.make),
            ("model", &self.model),
            ("deviceProvider", &self.device_provider),
            ("deviceProviderId", &self.device_provider_id),
        ] {
            if v.is_empty() {
                return Err(field(what, name, "is empty"));
            }
        }
        let allowed: &[DeviceSubType] = match self.bio_type {
            BioType::Finger => &[
                DeviceSubType::Slap,
                DeviceSubType::Single,
                DeviceSubType::Touchless,
            ],
            BioType::Iris => &[DeviceSubType::Single, DeviceSubType::Double],
            BioType::Face => &[DeviceSubType::FullFace],
        };
        if !allowed.contains(&self.device_sub_type) {
            return Err(field(
                what,
                "deviceSubType",
                format!(
                    "{:?} is not a {:?} device's sub-type",
                    self.device_sub_type, self.bio_type
                ),
            ));
        }
        check_date_time(what, "dateTime", &self.date_time)
    }
}

fn check_date_time(what: &'static str, name: &str, v: &str) -> Result<(), MessageError> {
    time::OffsetDateTime::parse(v, &time::format_description::well_known::Rfc3339)
        .map(|_| ())
        .map_err(|_| field(what, name, format!("{v:?} is not an RFC 3339 date-time")))
}

/// Parses a digital ID's JSON (the payload of its JWS, or its base64url-decoded text).
pub fn parse_digital_id(json: &[u8]) -> Result<DigitalId, MessageError> {
    let d: DigitalId = parse("digital ID", json)?;
    d.check("digital ID")?;
    Ok(d)
}

/// One device in a `MOSIPDISC` response.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DiscoveredDevice {
    /// The device's ID for later requests.
    pub device_id: String,
    /// Its state.
    pub device_status: DeviceStatus,
    /// L0 or L1.
    pub certification: Certification,
    /// Version of the device service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_version: Option<String>,
    /// Sub-IDs it captures (`"1"` left slap, `"2"` right, `"3"` thumbs; `"0"` a face).
    pub device_sub_id: Vec<String>,
    /// Base URL for the other verbs.
    pub callback_id: String,
    /// The digital ID, base64url JSON (unsigned in discovery).
    pub digital_id: String,
    /// MOSIP's registration code.
    pub device_code: String,
    /// Spec versions spoken.
    pub spec_version: Vec<String>,
    /// Auth or Registration.
    pub purpose: Purpose,
    /// Success.
    pub error: ErrorInfo,
}

fn device_error(items: &[serde_json::Value]) -> Option<MessageError> {
    // An error answer is an array of objects whose `error` is not success (MOSIP's
    // DiscoverResponseErrorSchema); its other fields are null or absent.
    let e = items.first()?.get("error")?;
    let code = e.get("errorCode")?.as_str()?;
    let info = e.get("errorInfo").and_then(|i| i.as_str()).unwrap_or("");
    (code != "0").then(|| MessageError::Device {
        code: code.to_string(),
        info: info.to_string(),
    })
}

/// Parses a `MOSIPDISC` response: the devices, or the device service's error.
pub fn parse_discover_response(body: &[u8]) -> Result<Vec<DiscoveredDevice>, MessageError> {
    const WHAT: &str = "discover response";
    let raw: Vec<serde_json::Value> = parse(WHAT, body)?;
    if let Some(e) = device_error(&raw) {
        return Err(e);
    }
    let devices: Vec<DiscoveredDevice> = parse(WHAT, body)?;
    for (i, d) in devices.iter().enumerate() {
        for s in &d.device_sub_id {
            if !matches!(s.as_str(), "0" | "1" | "2" | "3") {
                return Err(field(
                    WHAT,
                    format!("[{i}].deviceSubId"),
                    format!("{s:?} is not 0-3"),
                ));
            }
        }
        if d.device_id.is_empty() {
            return Err(field(WHAT, format!("[{i}].deviceId"), "is empty"));
        }
    }
    Ok(devices)
}

/// The payload of `deviceInfo` (signed by the device key, or unsigned when not registered).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DeviceInfo {
    /// Spec versions spoken.
    pub spec_version: Vec<String>,
    /// Environment.
    pub env: Env,
    /// The digital ID as a JWS signed by the device (L0) or its chip (L1).
    pub digital_id: String,
    /// Device ID.
    pub device_id: String,
    /// MOSIP's registration code.
    pub device_code: String,
    /// Auth or Registration.
    pub purpose: Purpose,
    /// Version of the device service.
    pub service_version: String,
    /// State.
    pub device_status: DeviceStatus,
    /// Firmware version.
    pub firmware: String,
    /// L0 or L1.
    pub certification: Certification,
    /// Sub-IDs.
    pub device_sub_id: Vec<String>,
    /// Base URL for the other verbs.
    pub callback_id: String,
}

/// Parses the payload of a `deviceInfo`.
pub fn parse_device_info(json: &[u8]) -> Result<DeviceInfo, MessageError> {
    parse("device info", json)
}

/// One entry of a `MOSIPDINFO` response.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DeviceInfoEntry {
    /// JWS of [`DeviceInfo`], or its unsigned base64url JSON for an unregistered device.
    pub device_info: String,
    /// Success, or why the device is not ready.
    pub error: ErrorInfo,
}

/// Parses a `MOSIPDINFO` response.
pub fn parse_device_info_response(body: &[u8]) -> Result<Vec<DeviceInfoEntry>, MessageError> {
    let raw: Vec<serde_json::Value> = parse("device info response", body)?;
    // A whole-service error carries no deviceInfo at all.
    if raw.len() == 1
        && raw[0].get("deviceInfo").is_none_or(|v| v.is_null())
        && let Some(e) = device_error(&raw)
    {
        return Err(e);
    }
    parse("device info response", body)
}

/// One modality asked for in an `RCAPTURE`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct BioRequest {
    /// Modality.
    #[serde(rename = "type")]
    pub bio_type: BioType,
    /// How many fingers or eyes to return (the slap's four less the exceptions).
    #[serde(with = "str_num")]
    pub count: u64,
    /// Which fingers or eyes (empty: whichever the sub-ID captures). A face request's `[null]`
    /// reads as empty.
    #[serde(deserialize_with = "sub_types_or_nulls")]
    pub bio_sub_type: Vec<BioSubType>,
    /// Fingers or eyes the resident does not have.
    #[serde(default, deserialize_with = "sub_types_or_nulls")]
    pub exception: Vec<BioSubType>,
    /// Quality the device should reach before returning.
    pub requested_score: Score,
    /// The device.
    pub device_id: String,
    /// Its sensor: 1 left slap or eye, 2 right, 3 thumbs or both eyes, 0 face.
    #[serde(with = "str_num")]
    pub device_sub_id: u64,
    /// The last hash of the previous capture of this transaction, or empty.
    pub previous_hash: String,
}

fn sub_types_or_nulls<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<BioSubType>, D::Error> {
    let v: Option<Vec<Option<BioSubType>>> = Option::deserialize(d)?;
    Ok(v.unwrap_or_default().into_iter().flatten().collect())
}

/// `RCAPTURE /capture` request body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CaptureRequest {
    /// Environment.
    pub env: Env,
    /// Registration.
    pub purpose: Purpose,
    /// `"0.9.5"`.
    pub spec_version: String,
    /// Milliseconds the device may take.
    #[serde(with = "str_num")]
    pub timeout: u64,
    /// When the client asked (RFC 3339).
    pub capture_time: String,
    /// The client's transaction.
    pub transaction_id: String,
    /// What to capture.
    pub bio: Vec<BioRequest>,
    /// Vendor options.
    #[serde(default)]
    pub custom_opts: Option<serde_json::Map<String, serde_json::Value>>,
}

/// Whether `id` is a valid SBI `transactionId` (4-50 letters, digits and hyphens).
pub fn valid_transaction_id(id: &str) -> bool {
    (4..=50).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// Parses an `RCAPTURE` body. The transaction ID's form is left to the caller (a bad one has
/// its own SBI error code, 112).
pub fn parse_capture_request(body: &[u8]) -> Result<CaptureRequest, MessageError> {
    const WHAT: &str = "capture request";
    let r: CaptureRequest = parse(WHAT, body)?;
    if r.bio.is_empty() {
        return Err(field(WHAT, "bio", "is empty"));
    }
    for (i, b) in r.bio.iter().enumerate() {
        if b.device_id.is_empty() {
            return Err(field(WHAT, format!("bio[{i}].deviceId"), "is empty"));
        }
        if !b.previous_hash.is_empty()
            && (b.previous_hash.len() != 64
                || !b.previous_hash.bytes().all(|c| c.is_ascii_hexdigit()))
        {
            return Err(field(
                WHAT,
                format!("bio[{i}].previousHash"),
                "is neither empty nor 64 hexadecimal digits",
            ));
        }
    }
    Ok(r)
}

/// One entry of `biometrics[]` in an `RCAPTURE` response.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct BiometricEntry {
    /// `"0.9.5"` (empty in an error entry).
    #[serde(deserialize_with = "null_as_empty")]
    pub spec_version: String,
    /// JWS of [`BioPayload`] (empty in an error entry).
    #[serde(deserialize_with = "null_as_empty")]
    pub data: String,
    /// Hash chain value (empty in an error entry).
    #[serde(deserialize_with = "null_as_empty")]
    pub hash: String,
    /// Success or why this entry failed.
    pub error: ErrorInfo,
}

fn null_as_empty<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(Option::<String>::deserialize(d)?.unwrap_or_default())
}

/// `RCAPTURE` response body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaptureResponse {
    /// One entry per finger, eye or face.
    pub biometrics: Vec<BiometricEntry>,
}

/// Parses an `RCAPTURE` response.
pub fn parse_capture_response(body: &[u8]) -> Result<CaptureResponse, MessageError> {
    parse("capture response", body)
}

/// The signed payload of one capture entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct BioPayload {
    /// The device's digital ID (JWS).
    pub digital_id: String,
    /// MOSIP's registration code.
    pub device_code: String,
    /// Version of the device service.
    pub device_service_version: String,
    /// Modality.
    pub bio_type: BioType,
    /// Finger or eye; absent for a face.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bio_sub_type: Option<BioSubType>,
    /// Registration.
    pub purpose: Purpose,
    /// Environment.
    pub env: Env,
    /// The ISO/IEC 19794 record, base64url.
    pub bio_value: String,
    /// The request's transaction.
    pub transaction_id: String,
    /// When captured (RFC 3339).
    pub timestamp: String,
    /// What the request asked for.
    pub requested_score: Score,
    /// What the device measured (NFIQ 2 scale for fingers).
    pub quality_score: Score,
}

/// Parses the payload of a capture entry.
pub fn parse_bio_payload(json: &[u8]) -> Result<BioPayload, MessageError> {
    const WHAT: &str = "capture data";
    let p: BioPayload = parse(WHAT, json)?;
    check_date_time(WHAT, "timestamp", &p.timestamp)?;
    let eye = |s: BioSubType| matches!(s, BioSubType::LeftIris | BioSubType::RightIris);
    match (p.bio_type, p.bio_sub_type) {
        (BioType::Face, Some(s)) => Err(field(
            WHAT,
            "bioSubType",
            format!("a face has none, not {s:?}"),
        )),
        (BioType::Finger | BioType::Iris, None) => Err(field(WHAT, "bioSubType", "is missing")),
        (BioType::Finger, Some(s)) if eye(s) => Err(field(
            WHAT,
            "bioSubType",
            format!("{s:?} is not a finger position"),
        )),
        (BioType::Iris, Some(s)) if !eye(s) && s != BioSubType::Unknown => {
            Err(field(WHAT, "bioSubType", format!("{s:?} is not an eye")))
        }
        _ => Ok(p),
    }
}

/// `STREAM /stream` request body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct StreamRequest {
    /// The device.
    pub device_id: String,
    /// Its sensor.
    #[serde(with = "str_num")]
    pub device_sub_id: u64,
    /// Milliseconds to stream for; absent: until the client disconnects.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "opt_str_num")]
    pub timeout: Option<u64>,
}

mod opt_str_num {
    use super::*;

    pub fn serialize<S: Serializer>(v: &Option<u64>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => str_num::serialize(v, s),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
        str_num::deserialize(d).map(Some)
    }
}

/// Parses a `STREAM` body.
pub fn parse_stream_request(body: &[u8]) -> Result<StreamRequest, MessageError> {
    parse("stream request", body)
}
