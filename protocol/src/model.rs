//! The enrollment: who was recorded, where and by whom, and every biometric capture.
//!
//! Contract: the model owns the image bytes in [`Blob`]s. In a packet each blob travels as its own
//! part and the enrollment document refers to it by part name; [`Enrollment::validate`] checks
//! everything that can be checked without the bytes, [`Image::check_data`] what needs them.
//! Collections are kept in canonical order (fingers by position) so that the same enrollment always
//! encodes to the same bytes.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::Date;

use crate::id::EnrollmentId;
use crate::media;
pub use crate::nik::Sex;
use crate::nik::{Nik, NikError};
use crate::timefmt::Timestamp;

/// One recorded resident and all their captures.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Enrollment {
    /// Time-ordered unique id, assigned when recording starts.
    pub id: EnrollmentId,
    /// The resident's identity data.
    pub applicant: Applicant,
    /// Where, when and by whom.
    pub context: CaptureContext,
    /// The captures.
    pub biometrics: Biometrics,
}

/// The resident's demographic data, as verified against the population database.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Applicant {
    /// National identity number.
    pub nik: Nik,
    /// Full name as on the card.
    pub full_name: String,
    /// Place of birth (tempat lahir).
    pub place_of_birth: String,
    /// Date of birth.
    #[serde(with = "crate::timefmt::date")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub date_of_birth: Date,
    /// Sex.
    pub sex: Sex,
    /// Blood type (golongan darah).
    pub blood_type: BloodType,
    /// Address of residence.
    pub address: Address,
    /// Religion (agama).
    pub religion: Religion,
    /// Marital status (status perkawinan).
    pub marital_status: MaritalStatus,
    /// Occupation (pekerjaan), as text.
    pub occupation: String,
    /// Citizenship (kewarganegaraan).
    pub citizenship: Citizenship,
}

/// Blood type as printed on the card; `unknown` is printed as "-".
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub enum BloodType {
    #[serde(rename = "A")]
    A,
    #[serde(rename = "B")]
    B,
    #[serde(rename = "AB")]
    AB,
    #[serde(rename = "O")]
    O,
    #[serde(rename = "A+")]
    APos,
    #[serde(rename = "A-")]
    ANeg,
    #[serde(rename = "B+")]
    BPos,
    #[serde(rename = "B-")]
    BNeg,
    #[serde(rename = "AB+")]
    ABPos,
    #[serde(rename = "AB-")]
    ABNeg,
    #[serde(rename = "O+")]
    OPos,
    #[serde(rename = "O-")]
    ONeg,
    #[serde(rename = "unknown")]
    Unknown,
}

/// Address of residence.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Address {
    /// Street and house number.
    pub street: String,
    /// Rukun Tetangga number, 1-999.
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 999))]
    pub rt: u16,
    /// Rukun Warga number, 1-999.
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 999))]
    pub rw: u16,
    /// Village or kelurahan.
    pub village: String,
    /// District (kecamatan).
    pub district: String,
    /// Regency (kabupaten) or city (kota).
    pub regency: String,
    /// Province.
    pub province: String,
    /// Postal code, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
}

/// Religion as recorded on the card.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum Religion {
    Islam,
    Kristen,
    Katolik,
    Hindu,
    Buddha,
    Khonghucu,
    /// Kepercayaan terhadap Tuhan Yang Maha Esa.
    Kepercayaan,
}

/// Marital status.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MaritalStatus {
    /// Belum kawin.
    BelumKawin,
    /// Kawin.
    Kawin,
    /// Cerai hidup (divorced).
    CeraiHidup,
    /// Cerai mati (widowed).
    CeraiMati,
}

/// Citizenship: Indonesian (WNI) or a foreign resident (WNA) with their country.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "kind",
    rename_all = "snake_case",
    deny_unknown_fields,
    from = "CitizenshipRepr"
)]
pub enum Citizenship {
    /// Warga Negara Indonesia.
    Wni,
    /// Warga Negara Asing, with the ISO 3166-1 alpha-3 country code.
    Wna {
        /// ISO 3166-1 alpha-3, e.g. `MYS`.
        country: String,
    },
}

/// Citizenship's JSON Schema, written out because each variant refuses members it does not name
/// (the derive would leave the variants open) and the country is three capital letters.
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Citizenship {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{AdditionalProperties, ObjectBuilder, OneOfBuilder, Type};
        let kind = |k: &str| {
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some([k.to_string()]))
        };
        let closed =
            |o: ObjectBuilder| o.additional_properties(Some(AdditionalProperties::FreeForm(false)));
        let wni = closed(
            ObjectBuilder::new()
                .property("kind", kind("wni"))
                .required("kind"),
        );
        let wna = closed(
            ObjectBuilder::new()
                .property("kind", kind("wna"))
                .property(
                    "country",
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .pattern(Some("^[A-Z]{3}$")),
                )
                .required("kind")
                .required("country"),
        );
        OneOfBuilder::new()
            .item(wni)
            .item(wna)
            .description(Some(
                "Citizenship: Indonesian (`wni`) or a foreign resident (`wna`) with the ISO \
                 3166-1 alpha-3 code of their country (IDN or a user-assigned code: 422)",
            ))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Citizenship {}

// serde lets a unit variant of an internally tagged enum carry any other members, even with
// deny_unknown_fields (`{"kind":"wni","country":"MYS"}` would read as WNI), so the documents are
// read through twins whose field-less variants are empty structs, which do refuse them.
#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
enum CitizenshipRepr {
    Wni {},
    Wna { country: String },
}

impl From<CitizenshipRepr> for Citizenship {
    fn from(r: CitizenshipRepr) -> Self {
        match r {
            CitizenshipRepr::Wni {} => Citizenship::Wni,
            CitizenshipRepr::Wna { country } => Citizenship::Wna { country },
        }
    }
}

#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
enum RecordingUnitRepr {
    Office {},
    Mobile { unit_id: String, location: String },
}

impl From<RecordingUnitRepr> for RecordingUnit {
    fn from(r: RecordingUnitRepr) -> Self {
        match r {
            RecordingUnitRepr::Office {} => RecordingUnit::Office,
            RecordingUnitRepr::Mobile { unit_id, location } => {
                RecordingUnit::Mobile { unit_id, location }
            }
        }
    }
}

/// Where, when and by whom the enrollment was recorded.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaptureContext {
    /// The recording workstation (also in the packet header and manifest).
    pub workstation_id: String,
    /// The Dukcapil office or site code.
    pub site_code: String,
    /// The operator who recorded.
    pub operator_id: String,
    /// Office desk or mobile unit.
    pub unit: RecordingUnit,
    /// Position of the workstation, when known (mobile units).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<GeoPosition>,
    /// When recording started.
    pub started_at: Timestamp,
    /// When the enrollment was finalized.
    pub finished_at: Timestamp,
    /// The head of the workstation's audit log just before this enrollment was finalized, so the
    /// registry's receipt vouches for it and a log later cut short is caught. Optional: packets
    /// from before it was introduced have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit_head: Option<AuditHead>,
    /// The supervisor who approved an enrollment with forced captures or finger exceptions, and
    /// what they approved. Optional: an enrollment without either needs none, and packets from
    /// before it was introduced have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supervisor_approval: Option<SupervisorApproval>,
    /// The mobile unit's visit (its id on the recording workstation) the enrollment was
    /// finalized during. Optional: enrollments outside a visit, and packets from before it was
    /// introduced, have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visit: Option<String>,
}

/// A supervisor's approval of what the quality gates could not vouch for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SupervisorApproval {
    /// The approving supervisor's operator id.
    pub supervisor_id: String,
    /// When they approved.
    pub approved_at: Timestamp,
    /// What needed approval, as reason codes: `forced_face`, `forced_finger_<1-10>`,
    /// `exception_finger_<1-10>`, `forced_iris_left`, `forced_iris_right`.
    pub reasons: Vec<String>,
}

/// The head of a hash-chained audit log: the last entry's sequence number and hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditHead {
    /// Sequence number of the last entry (1 for the first; 0 for an empty log).
    pub seq: u64,
    /// SHA-256 of the last entry, 64 lowercase hex digits (all zeros for an empty log).
    pub hash: String,
}

/// The recording unit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "kind",
    rename_all = "snake_case",
    deny_unknown_fields,
    from = "RecordingUnitRepr"
)]
pub enum RecordingUnit {
    /// At the office desk.
    Office,
    /// A mobile unit on a "jemput bola" visit.
    Mobile {
        /// The unit's identifier.
        unit_id: String,
        /// Where the visit took place (school, village hall, home address...).
        location: String,
    },
}

/// A WGS 84 position.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GeoPosition {
    /// Degrees, -90 to 90.
    pub latitude: f64,
    /// Degrees, -180 to 180.
    pub longitude: f64,
    /// Horizontal accuracy in metres, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accuracy_m: Option<f32>,
}

/// All biometric captures of one enrollment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Biometrics {
    /// All ten finger positions, in position order, each captured or an exception.
    pub fingers: Vec<FingerEntry>,
    /// The face photo.
    pub face: FaceCapture,
    /// The signature.
    pub signature: SignatureCapture,
    /// Irises, when an iris scanner was present.
    #[serde(default, skip_serializing_if = "Irises::is_empty")]
    pub irises: Irises,
    /// The two fingers whose templates go on the card chip.
    pub chip_fingers: [FingerPosition; 2],
}

/// A finger position, 1-10 as in ANSI/NIST-ITL: 1 right thumb ... 5 right little, 6 left thumb ...
/// 10 left little.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct FingerPosition(u8);

impl FingerPosition {
    /// Right index finger, the default first chip finger.
    pub const RIGHT_INDEX: FingerPosition = FingerPosition(2);
    /// Left index finger, the default second chip finger.
    pub const LEFT_INDEX: FingerPosition = FingerPosition(7);

    /// A position from its ANSI/NIST code, 1-10.
    pub fn new(code: u8) -> Option<FingerPosition> {
        (1..=10).contains(&code).then_some(FingerPosition(code))
    }

    /// All ten positions in order.
    pub fn all() -> impl Iterator<Item = FingerPosition> {
        (1..=10).map(FingerPosition)
    }

    /// The ANSI/NIST code, 1-10.
    pub fn code(self) -> u8 {
        self.0
    }

    /// English name, e.g. "right index".
    pub fn name(self) -> &'static str {
        const NAMES: [&str; 10] = [
            "right thumb",
            "right index",
            "right middle",
            "right ring",
            "right little",
            "left thumb",
            "left index",
            "left middle",
            "left ring",
            "left little",
        ];
        NAMES[usize::from(self.0 - 1)]
    }
}

impl fmt::Display for FingerPosition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.0, self.name())
    }
}

impl<'de> Deserialize<'de> for FingerPosition {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let code = u8::deserialize(d)?;
        FingerPosition::new(code)
            .ok_or_else(|| serde::de::Error::custom(format!("finger position {code} is not 1-10")))
    }
}

/// One finger position and what was recorded for it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FingerEntry {
    /// The position.
    pub position: FingerPosition,
    /// Captured, or why not.
    pub record: FingerRecord,
}

/// A finger is either captured or recorded as an exception.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
#[allow(clippy::large_enum_variant)]
pub enum FingerRecord {
    /// An image was captured.
    Captured(FingerCapture),
    /// No usable image: why, with an optional photo of the hand.
    Exception(FingerException),
}

/// A captured finger image.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FingerCapture {
    /// 8-bit gray image, PNG or WSQ.
    pub image: Image,
    /// Quality at capture.
    pub quality: QualityScore,
    /// How it was taken.
    pub impression: Impression,
    /// The scanner.
    pub device: DeviceIdentity,
    /// Capture attempts made (1 = first try).
    pub attempts: u8,
    /// True when the retry limit was reached and the best attempt was kept below the quality gate.
    pub forced: bool,
}

/// How a finger image was taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Impression {
    /// Live-scan plain (flat) single finger.
    Plain,
    /// Live-scan rolled.
    Rolled,
    /// Segmented from a four-finger or two-thumb slap.
    SlapSegment,
}

/// A finger that could not be captured.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FingerException {
    /// Why.
    pub reason: ExceptionReason,
    /// A photo documenting the exception, when taken.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub photo: Option<Image>,
    /// Operator's note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Reasons a finger is not captured.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExceptionReason {
    /// The finger is missing.
    Amputated,
    /// Temporarily covered.
    Bandaged,
    /// Present but yields no usable print (worn ridges, injury, disease).
    UnableToPrint,
}

/// The face photo.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaceCapture {
    /// JPEG or PNG, colour.
    pub image: Image,
    /// Quality at capture.
    pub quality: QualityScore,
    /// The camera.
    pub device: DeviceIdentity,
    /// The resident saw and approved the photo (required since 2024).
    pub approved_by_resident: bool,
    /// Capture attempts made.
    pub attempts: u8,
    /// Kept below the quality gate after the retry limit.
    pub forced: bool,
}

/// The signature.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignatureCapture {
    /// The rendered signature, PNG.
    pub image: Image,
    /// The pen time series, when the pad gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pen: Option<PenSeries>,
    /// The pad.
    pub device: DeviceIdentity,
}

/// Pen samples from a signature pad.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PenSeries {
    /// Largest x the pad reports.
    pub max_x: u16,
    /// Largest y the pad reports.
    pub max_y: u16,
    /// Largest pressure the pad reports (0 when it reports none).
    pub max_pressure: u16,
    /// Samples in time order.
    pub samples: Vec<PenSample>,
}

/// One pen sample, encoded as `[t_ms, x, y, pressure]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PenSample(pub u32, pub u16, pub u16, pub u16);

/// Left and right irises, each optional.
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Irises {
    /// Left eye.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub left: Option<IrisCapture>,
    /// Right eye.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub right: Option<IrisCapture>,
}

impl Irises {
    /// True when neither eye was captured.
    pub fn is_empty(&self) -> bool {
        self.left.is_none() && self.right.is_none()
    }
}

/// One iris image.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IrisCapture {
    /// 8-bit gray image, PNG.
    pub image: Image,
    /// Quality at capture.
    pub quality: QualityScore,
    /// The scanner.
    pub device: DeviceIdentity,
}

/// A quality score on a 0-100 scale with the algorithm that produced it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QualityScore {
    /// 0 (worst) to 100 (best).
    pub score: u8,
    /// Identifier of the algorithm and version, e.g. `nfiq2.3`.
    pub algorithm: String,
}

/// The identity of a capture device.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceIdentity {
    /// Manufacturer.
    pub vendor: String,
    /// Model name.
    pub model: String,
    /// Serial number.
    pub serial: String,
    /// Firmware version, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub firmware: Option<String>,
}

/// How an image's bytes are encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImageEncoding {
    /// PNG.
    Png,
    /// Baseline JPEG.
    Jpeg,
    /// FBI WSQ (fingerprints).
    Wsq,
}

impl ImageEncoding {
    /// The part media type.
    pub fn media_type(self) -> &'static str {
        match self {
            ImageEncoding::Png => media::PNG,
            ImageEncoding::Jpeg => media::JPEG,
            ImageEncoding::Wsq => media::WSQ,
        }
    }

    /// File extension used in part names.
    pub fn extension(self) -> &'static str {
        match self {
            ImageEncoding::Png => "png",
            ImageEncoding::Jpeg => "jpg",
            ImageEncoding::Wsq => "wsq",
        }
    }
}

/// Pixel layout of an image.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PixelFormat {
    /// 8-bit gray.
    Gray8,
    /// 8-bit RGB.
    Rgb8,
}

/// An encoded image with what is known about it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Image {
    /// Encoding of `data`.
    pub encoding: ImageEncoding,
    /// Pixel layout.
    pub pixels: PixelFormat,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Resolution in pixels per inch, for images with a physical scale (fingers, irises).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ppi: Option<u16>,
    /// The encoded bytes (a separate part in a packet).
    pub data: Blob,
}

/// Encoded bytes that travel as their own packet part; in the enrollment document they appear as
/// the part name.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Blob {
    part: String,
    bytes: Vec<u8>,
}

impl Blob {
    /// Wraps encoded bytes. The part name is assigned when the packet is built.
    pub fn new(bytes: Vec<u8>) -> Blob {
        Blob {
            part: String::new(),
            bytes,
        }
    }

    /// The encoded bytes (empty in a document that has not been joined with its parts).
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The part name this blob travels as (empty before the packet is built).
    pub fn part(&self) -> &str {
        &self.part
    }

    pub(crate) fn set_part(&mut self, name: String) {
        self.part = name;
    }

    pub(crate) fn set_bytes(&mut self, bytes: Vec<u8>) {
        self.bytes = bytes;
    }
}

impl fmt::Debug for Blob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Blob({:?}, {} bytes)", self.part, self.bytes.len())
    }
}

impl Serialize for Blob {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.part)
    }
}

impl<'de> Deserialize<'de> for Blob {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Blob {
            part: String::deserialize(d)?,
            bytes: Vec::new(),
        })
    }
}

/// What is wrong with an enrollment, naming the field.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ValidationError {
    /// The NIK disagrees with the declared data.
    #[error("applicant.nik: {0}")]
    Nik(#[from] NikError),
    /// A field's value is not acceptable.
    #[error("{field}: {problem}")]
    Field {
        /// Dotted path of the field, e.g. `biometrics.fingers[3].record.captured.quality.score`.
        field: String,
        /// What is wrong.
        problem: String,
    },
}

pub(crate) fn field_err(field: impl Into<String>, problem: impl Into<String>) -> ValidationError {
    ValidationError::Field {
        field: field.into(),
        problem: problem.into(),
    }
}

const MAX_TEXT: usize = 256;
const MAX_IMAGE_SIDE: u32 = 16_384;

/// Checks free text: bounded, no control or invisible characters, and not blank when required.
pub fn check_text(field: &str, value: &str, required: bool) -> Result<(), ValidationError> {
    if required && value.trim().is_empty() {
        return Err(field_err(field, "must not be empty"));
    }
    if value.len() > MAX_TEXT {
        return Err(field_err(field, format!("longer than {MAX_TEXT} bytes")));
    }
    if let Some(c) = value
        .chars()
        .find(|c| crate::demographics::forbidden_in_text(*c))
    {
        return Err(field_err(
            field,
            format!(
                "contains control or invisible characters (U+{:04X})",
                u32::from(c)
            ),
        ));
    }
    Ok(())
}

/// Identifiers that also appear in clear packet headers: 1-64 of `A-Z a-z 0-9 . _ -`.
pub fn check_identifier(field: &str, value: &str) -> Result<(), ValidationError> {
    let ok_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
    if value.is_empty() || value.len() > 64 || !value.chars().all(ok_char) {
        return Err(field_err(
            field,
            format!("{value:?} is not 1-64 characters of A-Z a-z 0-9 . _ -"),
        ));
    }
    Ok(())
}

impl Enrollment {
    /// Checks every rule that does not need the image bytes.
    pub fn validate(&self) -> Result<(), ValidationError> {
        self.applicant.validate()?;
        self.context.validate()?;
        self.biometrics.validate()
    }

    /// Visits every image in canonical order with the base of its part name.
    pub fn images(&self) -> Vec<(String, &Image)> {
        let mut out = Vec::new();
        let b = &self.biometrics;
        for entry in &b.fingers {
            let pos = entry.position.code();
            match &entry.record {
                FingerRecord::Captured(c) => out.push((format!("finger-{pos:02}"), &c.image)),
                FingerRecord::Exception(e) => {
                    if let Some(photo) = &e.photo {
                        out.push((format!("finger-{pos:02}-exception"), photo));
                    }
                }
            }
        }
        out.push(("face".to_string(), &b.face.image));
        out.push(("signature".to_string(), &b.signature.image));
        if let Some(iris) = &b.irises.left {
            out.push(("iris-left".to_string(), &iris.image));
        }
        if let Some(iris) = &b.irises.right {
            out.push(("iris-right".to_string(), &iris.image));
        }
        out
    }

    /// Mutable twin of [`Enrollment::images`], in the same order.
    pub fn images_mut(&mut self) -> Vec<&mut Image> {
        let mut out = Vec::new();
        let b = &mut self.biometrics;
        for entry in &mut b.fingers {
            match &mut entry.record {
                FingerRecord::Captured(c) => out.push(&mut c.image),
                FingerRecord::Exception(e) => {
                    if let Some(photo) = &mut e.photo {
                        out.push(photo);
                    }
                }
            }
        }
        out.push(&mut b.face.image);
        out.push(&mut b.signature.image);
        if let Some(iris) = &mut b.irises.left {
            out.push(&mut iris.image);
        }
        if let Some(iris) = &mut b.irises.right {
            out.push(&mut iris.image);
        }
        out
    }
}

impl Applicant {
    /// Every rule that needs no date: the NIK agrees with the birth date and sex, the name is a
    /// name, free text is bounded and free of control characters, RT/RW, postal code and country
    /// code have their shapes. [`Applicant::validate_on`] adds the rules on the birth date.
    pub fn validate(&self) -> Result<(), ValidationError> {
        self.nik.check_against(self.date_of_birth, self.sex)?;
        crate::demographics::check_name("applicant.full_name", &self.full_name)?;
        check_text("applicant.place_of_birth", &self.place_of_birth, true)?;
        check_text("applicant.occupation", &self.occupation, true)?;
        let a = &self.address;
        check_text("applicant.address.street", &a.street, true)?;
        check_text("applicant.address.village", &a.village, true)?;
        check_text("applicant.address.district", &a.district, true)?;
        check_text("applicant.address.regency", &a.regency, true)?;
        check_text("applicant.address.province", &a.province, true)?;
        for (name, v) in [("rt", a.rt), ("rw", a.rw)] {
            if !(1..=999).contains(&v) {
                return Err(field_err(
                    format!("applicant.address.{name}"),
                    format!("{v} is not 1-999"),
                ));
            }
        }
        if let Some(code) = &a.postal_code
            && (code.len() != 5 || !code.bytes().all(|c| c.is_ascii_digit()))
        {
            return Err(field_err(
                "applicant.address.postal_code",
                format!("{code:?} is not 5 digits"),
            ));
        }
        if let Citizenship::Wna { country } = &self.citizenship
            && (country.len() != 3
                || !country.bytes().all(|c| c.is_ascii_uppercase())
                || country == "IDN"
                || user_assigned_alpha3(country))
        {
            return Err(field_err(
                "applicant.citizenship.country",
                format!("{country:?} is not a foreign ISO 3166-1 alpha-3 code"),
            ));
        }
        Ok(())
    }
}

impl CaptureContext {
    /// Identifiers, the mobile unit's location, the position and the times.
    pub fn validate(&self) -> Result<(), ValidationError> {
        check_identifier("context.workstation_id", &self.workstation_id)?;
        check_identifier("context.site_code", &self.site_code)?;
        check_identifier("context.operator_id", &self.operator_id)?;
        if let RecordingUnit::Mobile { unit_id, location } = &self.unit {
            check_identifier("context.unit.unit_id", unit_id)?;
            check_text("context.unit.location", location, true)?;
        }
        if let Some(p) = &self.position {
            if !p.latitude.is_finite() || !(-90.0..=90.0).contains(&p.latitude) {
                return Err(field_err("context.position.latitude", "not within -90..90"));
            }
            if !p.longitude.is_finite() || !(-180.0..=180.0).contains(&p.longitude) {
                return Err(field_err(
                    "context.position.longitude",
                    "not within -180..180",
                ));
            }
            if let Some(acc) = p.accuracy_m
                && (!acc.is_finite() || acc < 0.0)
            {
                return Err(field_err(
                    "context.position.accuracy_m",
                    "not a non-negative number",
                ));
            }
        }
        if self.finished_at < self.started_at {
            return Err(field_err("context.finished_at", "is before started_at"));
        }
        if let Some(h) = &self.audit_head
            && (h.hash.len() != 64
                || !h
                    .hash
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
        {
            return Err(field_err(
                "context.audit_head.hash",
                "is not 64 lowercase hex digits",
            ));
        }
        if let Some(a) = &self.supervisor_approval {
            a.validate(self)?;
        }
        if let Some(v) = &self.visit {
            check_identifier("context.visit", v)?;
        }
        Ok(())
    }
}

impl SupervisorApproval {
    /// The supervisor's id, at least one known reason code, and a time within the recording.
    fn validate(&self, context: &CaptureContext) -> Result<(), ValidationError> {
        check_identifier(
            "context.supervisor_approval.supervisor_id",
            &self.supervisor_id,
        )?;
        if self.reasons.is_empty() {
            return Err(field_err(
                "context.supervisor_approval.reasons",
                "is empty; an approval says what it approves",
            ));
        }
        for (i, r) in self.reasons.iter().enumerate() {
            if !approval_reason_known(r) {
                return Err(field_err(
                    format!("context.supervisor_approval.reasons[{i}]"),
                    format!("{r:?} is not a known reason code"),
                ));
            }
        }
        if self.approved_at < context.started_at || self.approved_at > context.finished_at {
            return Err(field_err(
                "context.supervisor_approval.approved_at",
                "is not between started_at and finished_at",
            ));
        }
        Ok(())
    }
}

/// Whether `code` is one of the reason codes of [`SupervisorApproval::reasons`].
pub fn approval_reason_known(code: &str) -> bool {
    // Exactly the decimal numbers 1-10 as written (not "01", nor "+1", which u8::from_str takes).
    let finger = |n: &str| {
        n.bytes().all(|b| b.is_ascii_digit())
            && !n.starts_with('0')
            && n.parse::<u8>().is_ok_and(|p| (1..=10).contains(&p))
    };
    match code {
        "forced_face" | "forced_iris_left" | "forced_iris_right" => true,
        _ => code
            .strip_prefix("forced_finger_")
            .or_else(|| code.strip_prefix("exception_finger_"))
            .is_some_and(finger),
    }
}

impl Biometrics {
    fn validate(&self) -> Result<(), ValidationError> {
        if self.fingers.len() != 10 {
            return Err(field_err(
                "biometrics.fingers",
                format!(
                    "has {} entries; all ten positions are required",
                    self.fingers.len()
                ),
            ));
        }
        for (i, (entry, expected)) in self.fingers.iter().zip(FingerPosition::all()).enumerate() {
            let base = format!("biometrics.fingers[{i}]");
            if entry.position != expected {
                return Err(field_err(
                    format!("{base}.position"),
                    format!(
                        "is {}, expected {} (positions 1-10 in order)",
                        entry.position.code(),
                        expected.code()
                    ),
                ));
            }
            match &entry.record {
                FingerRecord::Captured(c) => {
                    let base = format!("{base}.record.captured");
                    c.image.validate(
                        &format!("{base}.image"),
                        &[ImageEncoding::Png, ImageEncoding::Wsq],
                        Some(PixelFormat::Gray8),
                    )?;
                    if c.image.ppi.is_none() {
                        return Err(field_err(
                            format!("{base}.image.ppi"),
                            "is required for fingerprints",
                        ));
                    }
                    c.quality.validate(&format!("{base}.quality"))?;
                    c.device.validate(&format!("{base}.device"))?;
                    check_attempts(&format!("{base}.attempts"), c.attempts)?;
                }
                FingerRecord::Exception(e) => {
                    let base = format!("{base}.record.exception");
                    if let Some(photo) = &e.photo {
                        photo.validate(
                            &format!("{base}.photo"),
                            &[ImageEncoding::Jpeg, ImageEncoding::Png],
                            None,
                        )?;
                    }
                    if let Some(note) = &e.note {
                        check_text(&format!("{base}.note"), note, false)?;
                    }
                }
            }
        }
        let f = &self.face;
        f.image.validate(
            "biometrics.face.image",
            &[ImageEncoding::Jpeg, ImageEncoding::Png],
            None,
        )?;
        f.quality.validate("biometrics.face.quality")?;
        f.device.validate("biometrics.face.device")?;
        check_attempts("biometrics.face.attempts", f.attempts)?;
        if !f.approved_by_resident {
            return Err(field_err(
                "biometrics.face.approved_by_resident",
                "the resident must approve the photo",
            ));
        }
        let s = &self.signature;
        s.image
            .validate("biometrics.signature.image", &[ImageEncoding::Png], None)?;
        s.device.validate("biometrics.signature.device")?;
        if let Some(pen) = &s.pen {
            pen.validate("biometrics.signature.pen")?;
        }
        for (name, iris) in [("left", &self.irises.left), ("right", &self.irises.right)] {
            if let Some(iris) = iris {
                let base = format!("biometrics.irises.{name}");
                iris.image.validate(
                    &format!("{base}.image"),
                    &[ImageEncoding::Png],
                    Some(PixelFormat::Gray8),
                )?;
                iris.quality.validate(&format!("{base}.quality"))?;
                iris.device.validate(&format!("{base}.device"))?;
            }
        }
        let [a, b] = self.chip_fingers;
        if a == b {
            return Err(field_err(
                "biometrics.chip_fingers",
                "the two chip fingers must differ",
            ));
        }
        for (i, pos) in self.chip_fingers.iter().enumerate() {
            let entry = &self.fingers[usize::from(pos.code() - 1)];
            if !matches!(entry.record, FingerRecord::Captured(_)) {
                return Err(field_err(
                    format!("biometrics.chip_fingers[{i}]"),
                    format!("finger {pos} was not captured"),
                ));
            }
        }
        Ok(())
    }

    /// The captured image of a finger, if it was captured.
    pub fn finger(&self, pos: FingerPosition) -> Option<&FingerCapture> {
        self.fingers
            .iter()
            .find(|e| e.position == pos)
            .and_then(|e| match &e.record {
                FingerRecord::Captured(c) => Some(c),
                FingerRecord::Exception(_) => None,
            })
    }
}

fn check_attempts(field: &str, attempts: u8) -> Result<(), ValidationError> {
    if attempts == 0 {
        return Err(field_err(field, "must be at least 1"));
    }
    Ok(())
}

impl QualityScore {
    fn validate(&self, field: &str) -> Result<(), ValidationError> {
        if self.score > 100 {
            return Err(field_err(
                format!("{field}.score"),
                format!("{} is above 100", self.score),
            ));
        }
        check_identifier(&format!("{field}.algorithm"), &self.algorithm)
    }
}

impl DeviceIdentity {
    fn validate(&self, field: &str) -> Result<(), ValidationError> {
        check_text(&format!("{field}.vendor"), &self.vendor, true)?;
        check_text(&format!("{field}.model"), &self.model, true)?;
        check_text(&format!("{field}.serial"), &self.serial, true)?;
        if let Some(fw) = &self.firmware {
            check_text(&format!("{field}.firmware"), fw, false)?;
        }
        Ok(())
    }
}

impl PenSeries {
    fn validate(&self, field: &str) -> Result<(), ValidationError> {
        let mut last = 0u32;
        for (i, PenSample(t, x, y, p)) in self.samples.iter().enumerate() {
            if *t < last {
                return Err(field_err(
                    format!("{field}.samples[{i}]"),
                    "time goes backwards",
                ));
            }
            last = *t;
            if *x > self.max_x || *y > self.max_y || *p > self.max_pressure {
                return Err(field_err(
                    format!("{field}.samples[{i}]"),
                    "outside the pad's declared range",
                ));
            }
        }
        Ok(())
    }
}

impl Image {
    fn validate(
        &self,
        field: &str,
        encodings: &[ImageEncoding],
        pixels: Option<PixelFormat>,
    ) -> Result<(), ValidationError> {
        if !encodings.contains(&self.encoding) {
            return Err(field_err(
                format!("{field}.encoding"),
                format!("{:?} is not allowed here", self.encoding),
            ));
        }
        if let Some(p) = pixels
            && self.pixels != p
        {
            return Err(field_err(
                format!("{field}.pixels"),
                format!("must be {p:?}"),
            ));
        }
        if self.width == 0
            || self.height == 0
            || self.width > MAX_IMAGE_SIDE
            || self.height > MAX_IMAGE_SIDE
        {
            return Err(field_err(
                field,
                format!(
                    "size {}x{} is not within 1..{MAX_IMAGE_SIDE}",
                    self.width, self.height
                ),
            ));
        }
        if self.ppi == Some(0) {
            return Err(field_err(format!("{field}.ppi"), "must be positive"));
        }
        Ok(())
    }

    /// Checks that the bytes are what the metadata says (signature and, where the header gives
    /// them cheaply, dimensions).
    pub fn check_data(&self) -> Result<(), String> {
        let bytes = self.data.bytes();
        let found = match self.encoding {
            ImageEncoding::Png => media::png_dimensions(bytes),
            ImageEncoding::Jpeg => media::jpeg_dimensions(bytes),
            ImageEncoding::Wsq => media::wsq_dimensions(bytes),
        }
        .map_err(|e| format!("{:?} data: {e}", self.encoding))?;
        if found != (self.width, self.height) {
            return Err(format!(
                "declared {}x{} but the {:?} data is {}x{}",
                self.width, self.height, self.encoding, found.0, found.1
            ));
        }
        Ok(())
    }
}

/// ISO 3166-1 reserves these alpha-3 ranges for user assignment: AAA-AAZ, QMA-QZZ, XAA-XZZ and
/// ZZA-ZZZ. They name no country (`XXA`-style travel-document codes are ICAO's, not a
/// citizenship), so a resident's citizenship cannot be one of them.
fn user_assigned_alpha3(code: &str) -> bool {
    let b = code.as_bytes();
    match b {
        [b'A', b'A', _] => true,
        [b'Q', second, _] => *second >= b'M',
        [b'X', _, _] => true,
        [b'Z', b'Z', _] => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kind_without_members_refuses_members_and_a_kind_with_members_needs_them() {
        let wni: Citizenship = serde_json::from_str(r#"{"kind":"wni"}"#).expect("wni");
        assert_eq!(wni, Citizenship::Wni);
        assert_eq!(
            serde_json::to_string(&wni).expect("json"),
            r#"{"kind":"wni"}"#
        );
        let wna: Citizenship =
            serde_json::from_str(r#"{"country":"MYS","kind":"wna"}"#).expect("wna");
        assert_eq!(
            wna,
            Citizenship::Wna {
                country: "MYS".into()
            }
        );
        for bad in [
            r#"{"kind":"wni","country":"MYS"}"#,
            r#"{"kind":"wna"}"#,
            r#"{"kind":"wna","country":"MYS","x":1}"#,
            r#"{"kind":"alien"}"#,
        ] {
            assert!(serde_json::from_str::<Citizenship>(bad).is_err(), "{bad}");
        }
        let office: RecordingUnit = serde_json::from_str(r#"{"kind":"office"}"#).expect("office");
        assert_eq!(office, RecordingUnit::Office);
        assert!(
            serde_json::from_str::<RecordingUnit>(r#"{"kind":"office","unit_id":"M1"}"#).is_err()
        );
        let mobile = RecordingUnit::Mobile {
            unit_id: "MU-01".into(),
            location: "Balai Desa".into(),
        };
        let text = serde_json::to_string(&mobile).expect("json");
        assert_eq!(
            serde_json::from_str::<RecordingUnit>(&text).expect("mobile"),
            mobile
        );
    }
}
