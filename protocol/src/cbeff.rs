//! CBEFF biometric information records in the ISO/IEC 19785-3 XML form MOSIP packets and SDKs
//! exchange: a root `BIR` (namespace `http://standards.iso.org/iso-iec/19785/-3/ed-2/`) with its
//! `BIRInfo` and one nested `BIR` per biometric, each with `Version`, `CBEFFVersion`, `BIRInfo`,
//! `BDBInfo` (`Index`, `Format` {`Organization`, `Type`}, `CreationDate`, `Type`, `Subtype`,
//! `Level`, `Purpose`, `Quality` {`Algorithm` {`Organization`, `Type`}, `Score`}), the `BDB`
//! (base64 of an ISO/IEC 19794 record), an optional `SB` (base64 signature block) and optional
//! `others` (`<entry key="K">V</entry>` pairs such as `EXCEPTION`, `RETRIES`,
//! `FORCE_CAPTURED`).
//!
//! The BDB format types are IBIA's for ISO/IEC JTC 1 SC 37 (MOSIP writes the organization as
//! `Mosip`): 2 finger minutiae, 7 finger image (`FIR`), 8 face image (`FAC`, also used for
//! exception photos), 9 iris image (`IIR`).
//!
//! Contract: [`Cbeff::parse`] is strict and never panics: the XML must be well formed (no DTD),
//! every element must be in the CBEFF namespace and be one this module knows in that place, at
//! most once where only one is allowed, with no attributes (but `key` on `entry`) and no stray
//! text; numbers, booleans, dates, levels, purposes and types must be valid; base64 may use the
//! standard or the URL-safe alphabet, padded or not (MOSIP's own samples use both), but not a
//! mix. Each error names the line and column. Children of `BDBInfo` are accepted in any order
//! (MOSIP's samples disagree on it); [`Cbeff::to_xml`] writes them in the order of MOSIP's
//! schema, escapes text, and writes BDBs as padded standard base64, so what it writes parses
//! back to an equal value. [`Bir::record`] parses a BDB as the 19794 record its format type
//! names. [`enrollment_bir`] turns an enrollment's biometrics into such a document.

use base64::Engine;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::iso19794::face::{
    FaceImageDataType, FaceImageInfo, FaceImageRepresentation, FacialInformation,
};
use crate::iso19794::finger_image::{FingerCompression, FingerImageRepresentation, ScaleUnits};
use crate::iso19794::iris::{EyeLabel, IrisImageFormat, IrisImageRepresentation};
use crate::iso19794::{
    ALGORITHM_NFIQ2, CaptureDateTime, CaptureDevice, EncodeError, FaceImageRecord,
    FingerImageRecord, IrisImageRecord, QualityBlock, RecordError, VENDOR_NIST,
};
use crate::model::{
    Biometrics, ExceptionReason, FingerCapture, FingerRecord, Image, ImageEncoding, Impression,
    IrisCapture, PixelFormat, QualityScore,
};
use crate::timefmt::Timestamp;
pub use rekam_jpeg2000::Colour;

/// The CBEFF XML namespace (ISO/IEC 19785-3, second edition).
pub const NAMESPACE: &str = "http://standards.iso.org/iso-iec/19785/-3/ed-2/";
/// BDB format type of ISO/IEC 19794-2 finger minutiae.
pub const FORMAT_FINGER_MINUTIAE: u32 = 2;
/// BDB format type of ISO/IEC 19794-4 finger images.
pub const FORMAT_FINGER_IMAGE: u32 = 7;
/// BDB format type of ISO/IEC 19794-5 face images.
pub const FORMAT_FACE_IMAGE: u32 = 8;
/// BDB format type of ISO/IEC 19794-6 iris images.
pub const FORMAT_IRIS_IMAGE: u32 = 9;
/// The format organization MOSIP writes.
pub const ORGANIZATION_MOSIP: &str = "Mosip";

/// Biometric type names of ISO/IEC 19785-3 (and MOSIP's `ExceptionPhoto`).
const TYPES: &[&str] = &[
    "Scent",
    "DNA",
    "Ear",
    "Face",
    "Finger",
    "Foot",
    "Vein",
    "HandGeometry",
    "Iris",
    "Retina",
    "Voice",
    "Gait",
    "Keystroke",
    "LipMovement",
    "SignatureSign",
    "ExceptionPhoto",
];

/// A CBEFF document: the root BIR and the BIRs it holds.
#[derive(Clone, Debug, PartialEq)]
pub struct Cbeff {
    /// The root's `Version`, when present (MOSIP's root has none).
    pub version: Option<Version>,
    /// The root's `CBEFFVersion`, when present.
    pub cbeff_version: Option<Version>,
    /// The root's `BIRInfo`.
    pub info: BirInfo,
    /// One BIR per biometric.
    pub birs: Vec<Bir>,
}

/// One biometric's BIR.
#[derive(Clone, Debug, PartialEq)]
pub struct Bir {
    /// `Version` (MOSIP: 1.1).
    pub version: Option<Version>,
    /// `CBEFFVersion` (MOSIP: 1.1).
    pub cbeff_version: Option<Version>,
    /// `BIRInfo`.
    pub info: BirInfo,
    /// `BDBInfo`.
    pub bdb_info: BdbInfo,
    /// The decoded BDB; `None` when the BIR has none (MOSIP: a finger recorded as an exception).
    pub bdb: Option<Vec<u8>>,
    /// The decoded signature block, when present.
    pub sb: Option<Vec<u8>>,
    /// `others` entries, in document order.
    pub others: Vec<(String, String)>,
}

/// A `Major`.`Minor` version.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Version {
    /// Major.
    pub major: u32,
    /// Minor.
    pub minor: u32,
}

/// MOSIP's BIR and CBEFF version, 1.1.
pub const VERSION_1_1: Version = Version { major: 1, minor: 1 };

/// `BIRInfo`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BirInfo {
    /// `Creator`.
    pub creator: Option<String>,
    /// `Index`.
    pub index: Option<String>,
    /// `Payload`, decoded.
    pub payload: Option<Vec<u8>>,
    /// `Integrity` (required).
    pub integrity: bool,
    /// `CreationDate`.
    pub creation_date: Option<OffsetDateTime>,
}

/// A registered identifier pair: organization and type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Registered {
    /// `Organization`.
    pub organization: String,
    /// `Type`.
    pub kind: String,
}

/// `BDBInfo`.
#[derive(Clone, Debug, PartialEq)]
pub struct BdbInfo {
    /// `Index` (MOSIP: a UUID).
    pub index: Option<String>,
    /// `Format`: organization and format type (see the `FORMAT_*` constants).
    pub format: Option<Registered>,
    /// `CreationDate`.
    pub creation_date: Option<OffsetDateTime>,
    /// `Type`: one or more biometric type names.
    pub types: Vec<String>,
    /// `Subtype`, as written (e.g. `Left IndexFinger`, `Right`, empty).
    pub subtype: Option<String>,
    /// `Level`.
    pub level: Option<Level>,
    /// `Purpose`.
    pub purpose: Option<Purpose>,
    /// `Quality`.
    pub quality: Option<Quality>,
}

/// Processing level of a BDB.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// `Raw`.
    Raw,
    /// `Intermediate`.
    Intermediate,
    /// `Processed`.
    Processed,
}

/// Purpose of a BDB.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// `Verify`.
    Verify,
    /// `Identify`.
    Identify,
    /// `Enroll`.
    Enroll,
    /// `EnrollVerify`.
    EnrollVerify,
    /// `EnrollIdentify`.
    EnrollIdentify,
    /// `Audit`.
    Audit,
}

/// `Quality`: the algorithm and its score.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Quality {
    /// `Algorithm`.
    pub algorithm: Registered,
    /// `Score`, 0-100.
    pub score: u8,
}

const LEVELS: [(&str, Level); 3] = [
    ("Raw", Level::Raw),
    ("Intermediate", Level::Intermediate),
    ("Processed", Level::Processed),
];

const PURPOSES: [(&str, Purpose); 6] = [
    ("Verify", Purpose::Verify),
    ("Identify", Purpose::Identify),
    ("Enroll", Purpose::Enroll),
    ("EnrollVerify", Purpose::EnrollVerify),
    ("EnrollIdentify", Purpose::EnrollIdentify),
    ("Audit", Purpose::Audit),
];

/// Why a CBEFF document was refused, with the 1-based line and column of the node at fault.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("line {line}, column {column}: {fault}")]
pub struct CbeffError {
    /// Line.
    pub line: u32,
    /// Column.
    pub column: u32,
    /// What is wrong.
    pub fault: CbeffFault,
}

/// What is wrong with a CBEFF document or one of its BDBs.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CbeffFault {
    /// Not well-formed XML (or it has a DTD).
    #[error("not well-formed XML: {0}")]
    Xml(String),
    /// An element this place does not allow (or in another namespace).
    #[error("<{element}> is not allowed in <{parent}>")]
    Unexpected {
        /// The element.
        element: String,
        /// Where it is.
        parent: &'static str,
    },
    /// A required element is missing.
    #[error("<{parent}> has no <{element}>")]
    Missing {
        /// The element.
        element: &'static str,
        /// Where it should be.
        parent: &'static str,
    },
    /// An element that may appear once appears again.
    #[error("<{0}> appears more than once")]
    Duplicate(&'static str),
    /// An attribute where none is allowed.
    #[error("attribute {attribute:?} is not allowed on <{element}>")]
    Attribute {
        /// The attribute.
        attribute: String,
        /// Its element.
        element: String,
    },
    /// Text where only elements may be, or an element's text is not a valid value.
    #[error("<{element}>: {why}")]
    Value {
        /// The element.
        element: &'static str,
        /// What is wrong with its text.
        why: String,
    },
    /// The BDB does not parse as the record its format type names.
    #[error("BDB: {0}")]
    Record(RecordError),
    /// The BIR's format is not one [`Bir::record`] reads.
    #[error("format {organization}/{kind} is not a 19794 image record this reader knows")]
    UnknownFormat {
        /// Format organization.
        organization: String,
        /// Format type.
        kind: String,
    },
}

/// One of the records a BDB can hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BdbRecord {
    /// ISO/IEC 19794-4:2011.
    Finger(FingerImageRecord),
    /// ISO/IEC 19794-5:2011.
    Face(FaceImageRecord),
    /// ISO/IEC 19794-6:2011.
    Iris(IrisImageRecord),
}

fn base64_engines() -> [GeneralPurpose; 2] {
    let config = GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_encode_padding(true);
    [
        GeneralPurpose::new(&alphabet::STANDARD, config),
        GeneralPurpose::new(&alphabet::URL_SAFE, config),
    ]
}

fn decode_base64(text: &str, element: &'static str) -> Result<Vec<u8>, CbeffFault> {
    // xs:base64Binary allows whitespace between characters.
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let url_safe = compact.contains(['-', '_']);
    if url_safe && compact.contains(['+', '/']) {
        return Err(CbeffFault::Value {
            element,
            why: "base64 mixes the standard and the URL-safe alphabets".into(),
        });
    }
    let [standard, url] = base64_engines();
    let engine = if url_safe { url } else { standard };
    engine
        .decode(compact.as_bytes())
        .map_err(|e| CbeffFault::Value {
            element,
            why: format!("not base64: {e}"),
        })
}

/// The parsing context: the document, for positions.
struct Ctx<'a, 'input> {
    doc: &'a roxmltree::Document<'input>,
}

type Node<'a, 'input> = roxmltree::Node<'a, 'input>;

impl<'a, 'input> Ctx<'a, 'input> {
    fn err(&self, node: Node<'a, 'input>, fault: CbeffFault) -> CbeffError {
        let pos = self.doc.text_pos_at(node.range().start);
        CbeffError {
            line: pos.row,
            column: pos.col,
            fault,
        }
    }

    /// The element children of a container, refusing attributes, text and foreign nodes.
    fn children(
        &self,
        node: Node<'a, 'input>,
        parent: &'static str,
    ) -> Result<Vec<Node<'a, 'input>>, CbeffError> {
        self.no_attributes(node, &[])?;
        let mut out = Vec::new();
        for child in node.children() {
            if child.is_element() {
                if child.tag_name().namespace() != Some(NAMESPACE) {
                    return Err(self.err(
                        child,
                        CbeffFault::Unexpected {
                            element: child.tag_name().name().to_string(),
                            parent,
                        },
                    ));
                }
                out.push(child);
            } else if child.is_text() && child.text().is_some_and(|t| !t.trim().is_empty()) {
                return Err(self.err(
                    child,
                    CbeffFault::Value {
                        element: parent,
                        why: "text where only elements may be".into(),
                    },
                ));
            }
            // Comments and processing instructions carry no data; they are skipped.
        }
        Ok(out)
    }

    fn no_attributes(&self, node: Node<'a, 'input>, allowed: &[&str]) -> Result<(), CbeffError> {
        if let Some(a) = node
            .attributes()
            .find(|a| !allowed.contains(&a.name()) || a.namespace().is_some())
        {
            return Err(self.err(
                node,
                CbeffFault::Attribute {
                    attribute: a.name().to_string(),
                    element: node.tag_name().name().to_string(),
                },
            ));
        }
        Ok(())
    }

    /// The text of a leaf element (no child elements), unescaped; empty when it has none.
    fn text(&self, node: Node<'a, 'input>, element: &'static str) -> Result<String, CbeffError> {
        self.no_attributes(node, &[])?;
        let mut out = String::new();
        for child in node.children() {
            if child.is_element() {
                return Err(self.err(
                    child,
                    CbeffFault::Unexpected {
                        element: child.tag_name().name().to_string(),
                        parent: element,
                    },
                ));
            }
            if let Some(t) = child.text().filter(|_| child.is_text()) {
                out.push_str(t);
            }
        }
        Ok(out)
    }

    fn value<T>(
        &self,
        node: Node<'a, 'input>,
        element: &'static str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<T, CbeffError> {
        let text = self.text(node, element)?;
        // Numbers, booleans, dates and tokens collapse surrounding whitespace (XML Schema).
        parse(text.trim()).map_err(|why| self.err(node, CbeffFault::Value { element, why }))
    }

    fn once(
        &self,
        slot: &mut Option<Node<'a, 'input>>,
        node: Node<'a, 'input>,
        element: &'static str,
    ) -> Result<(), CbeffError> {
        if slot.replace(node).is_some() {
            return Err(self.err(node, CbeffFault::Duplicate(element)));
        }
        Ok(())
    }

    fn version(
        &self,
        node: Node<'a, 'input>,
        element: &'static str,
    ) -> Result<Version, CbeffError> {
        let (mut major, mut minor) = (None, None);
        for c in self.children(node, element)? {
            match c.tag_name().name() {
                "Major" => self.once(&mut major, c, "Major")?,
                "Minor" => self.once(&mut minor, c, "Minor")?,
                other => return Err(self.unexpected(c, other, element)),
            }
        }
        let num = |n: Option<Node<'a, 'input>>, name: &'static str| {
            let n = n.ok_or_else(|| {
                self.err(
                    node,
                    CbeffFault::Missing {
                        element: name,
                        parent: element,
                    },
                )
            })?;
            self.value(n, name, parse_number::<u32>)
        };
        Ok(Version {
            major: num(major, "Major")?,
            minor: num(minor, "Minor")?,
        })
    }

    fn unexpected(&self, node: Node<'a, 'input>, name: &str, parent: &'static str) -> CbeffError {
        self.err(
            node,
            CbeffFault::Unexpected {
                element: name.to_string(),
                parent,
            },
        )
    }

    fn registered(
        &self,
        node: Node<'a, 'input>,
        element: &'static str,
    ) -> Result<Registered, CbeffError> {
        let (mut org, mut kind) = (None, None);
        for c in self.children(node, element)? {
            match c.tag_name().name() {
                "Organization" => self.once(&mut org, c, "Organization")?,
                "Type" => self.once(&mut kind, c, "Type")?,
                other => return Err(self.unexpected(c, other, element)),
            }
        }
        let get = |n: Option<Node<'a, 'input>>, name: &'static str| {
            let n = n.ok_or_else(|| {
                self.err(
                    node,
                    CbeffFault::Missing {
                        element: name,
                        parent: element,
                    },
                )
            })?;
            self.text(n, name)
        };
        Ok(Registered {
            organization: get(org, "Organization")?,
            kind: get(kind, "Type")?,
        })
    }

    fn bir_info(&self, node: Node<'a, 'input>) -> Result<BirInfo, CbeffError> {
        let mut slots: [Option<Node<'a, 'input>>; 5] = Default::default();
        const NAMES: [&str; 5] = ["Creator", "Index", "Payload", "Integrity", "CreationDate"];
        for c in self.children(node, "BIRInfo")? {
            let name = c.tag_name().name();
            let i = NAMES
                .iter()
                .position(|n| *n == name)
                .ok_or_else(|| self.unexpected(c, name, "BIRInfo"))?;
            self.once(&mut slots[i], c, NAMES[i])?;
        }
        let [creator, index, payload, integrity, created] = slots;
        let integrity = integrity.ok_or_else(|| {
            self.err(
                node,
                CbeffFault::Missing {
                    element: "Integrity",
                    parent: "BIRInfo",
                },
            )
        })?;
        Ok(BirInfo {
            creator: creator.map(|n| self.text(n, "Creator")).transpose()?,
            index: index.map(|n| self.text(n, "Index")).transpose()?,
            payload: payload
                .map(|n| {
                    let t = self.text(n, "Payload")?;
                    decode_base64(&t, "Payload").map_err(|f| self.err(n, f))
                })
                .transpose()?,
            integrity: self.value(integrity, "Integrity", parse_bool)?,
            creation_date: created
                .map(|n| self.value(n, "CreationDate", parse_date))
                .transpose()?,
        })
    }

    fn bdb_info(&self, node: Node<'a, 'input>) -> Result<BdbInfo, CbeffError> {
        const NAMES: [&str; 8] = [
            "Index",
            "Format",
            "CreationDate",
            "Type",
            "Subtype",
            "Level",
            "Purpose",
            "Quality",
        ];
        let mut slots: [Option<Node<'a, 'input>>; 8] = Default::default();
        for c in self.children(node, "BDBInfo")? {
            let name = c.tag_name().name();
            let i = NAMES
                .iter()
                .position(|n| *n == name)
                .ok_or_else(|| self.unexpected(c, name, "BDBInfo"))?;
            self.once(&mut slots[i], c, NAMES[i])?;
        }
        let [
            index,
            format,
            created,
            types,
            subtype,
            level,
            purpose,
            quality,
        ] = slots;
        let types = match types {
            None => Vec::new(),
            Some(n) => self.value(n, "Type", |t| {
                let names: Vec<String> = t.split_ascii_whitespace().map(str::to_string).collect();
                if names.is_empty() {
                    return Err("empty".to_string());
                }
                match names.iter().find(|n| !TYPES.contains(&n.as_str())) {
                    Some(bad) => Err(format!("{bad:?} is not a biometric type")),
                    None => Ok(names),
                }
            })?,
        };
        Ok(BdbInfo {
            index: index.map(|n| self.text(n, "Index")).transpose()?,
            format: format.map(|n| self.registered(n, "Format")).transpose()?,
            creation_date: created
                .map(|n| self.value(n, "CreationDate", parse_date))
                .transpose()?,
            types,
            subtype: subtype.map(|n| self.text(n, "Subtype")).transpose()?,
            level: level
                .map(|n| self.value(n, "Level", |t| named(t, &LEVELS)))
                .transpose()?,
            purpose: purpose
                .map(|n| self.value(n, "Purpose", |t| named(t, &PURPOSES)))
                .transpose()?,
            quality: quality.map(|n| self.quality(n)).transpose()?,
        })
    }

    fn quality(&self, node: Node<'a, 'input>) -> Result<Quality, CbeffError> {
        let (mut algorithm, mut score) = (None, None);
        for c in self.children(node, "Quality")? {
            match c.tag_name().name() {
                "Algorithm" => self.once(&mut algorithm, c, "Algorithm")?,
                "Score" => self.once(&mut score, c, "Score")?,
                other => return Err(self.unexpected(c, other, "Quality")),
            }
        }
        let missing = |element| {
            self.err(
                node,
                CbeffFault::Missing {
                    element,
                    parent: "Quality",
                },
            )
        };
        let algorithm = algorithm.ok_or_else(|| missing("Algorithm"))?;
        let score = score.ok_or_else(|| missing("Score"))?;
        Ok(Quality {
            algorithm: self.registered(algorithm, "Algorithm")?,
            score: self.value(score, "Score", |t| {
                let s = parse_number::<u8>(t)?;
                if s > 100 {
                    return Err(format!("{s} is above 100"));
                }
                Ok(s)
            })?,
        })
    }

    fn others(
        &self,
        node: Node<'a, 'input>,
        out: &mut Vec<(String, String)>,
    ) -> Result<(), CbeffError> {
        for c in self.children(node, "others")? {
            if c.tag_name().name() != "entry" {
                return Err(self.unexpected(c, c.tag_name().name(), "others"));
            }
            self.no_attributes(c, &["key"])?;
            let key = c.attribute("key").ok_or_else(|| {
                self.err(
                    c,
                    CbeffFault::Value {
                        element: "entry",
                        why: "no key attribute".into(),
                    },
                )
            })?;
            // `text` checks attributes too; `key` was checked above.
            let mut value = String::new();
            for t in c.children() {
                if t.is_element() {
                    return Err(self.unexpected(t, t.tag_name().name(), "entry"));
                }
                if t.is_text() {
                    value.push_str(t.text().unwrap_or_default());
                }
            }
            out.push((key.to_string(), value));
        }
        Ok(())
    }

    fn bir(&self, node: Node<'a, 'input>) -> Result<Bir, CbeffError> {
        let mut version = None;
        let mut cbeff_version = None;
        let mut info = None;
        let mut bdb_info = None;
        let mut bdb = None;
        let mut sb = None;
        let mut others = Vec::new();
        for c in self.children(node, "BIR")? {
            match c.tag_name().name() {
                "Version" => self.once(&mut version, c, "Version")?,
                "CBEFFVersion" => self.once(&mut cbeff_version, c, "CBEFFVersion")?,
                "BIRInfo" => self.once(&mut info, c, "BIRInfo")?,
                "BDBInfo" => self.once(&mut bdb_info, c, "BDBInfo")?,
                "BDB" => self.once(&mut bdb, c, "BDB")?,
                "SB" => self.once(&mut sb, c, "SB")?,
                "others" => self.others(c, &mut others)?,
                other => return Err(self.unexpected(c, other, "BIR")),
            }
        }
        let missing = |element| {
            self.err(
                node,
                CbeffFault::Missing {
                    element,
                    parent: "BIR",
                },
            )
        };
        let blob = |n: Node<'a, 'input>, element: &'static str| {
            let t = self.text(n, element)?;
            decode_base64(&t, element).map_err(|f| self.err(n, f))
        };
        Ok(Bir {
            version: version.map(|n| self.version(n, "Version")).transpose()?,
            cbeff_version: cbeff_version
                .map(|n| self.version(n, "CBEFFVersion"))
                .transpose()?,
            info: self.bir_info(info.ok_or_else(|| missing("BIRInfo"))?)?,
            bdb_info: self.bdb_info(bdb_info.ok_or_else(|| missing("BDBInfo"))?)?,
            bdb: bdb.map(|n| blob(n, "BDB")).transpose()?,
            sb: sb.map(|n| blob(n, "SB")).transpose()?,
            others,
        })
    }
}

fn parse_number<T: std::str::FromStr>(t: &str) -> Result<T, String> {
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("{t:?} is not an unsigned integer"));
    }
    t.parse().map_err(|_| format!("{t:?} is out of range"))
}

fn parse_bool(t: &str) -> Result<bool, String> {
    match t {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(format!("{t:?} is not a boolean")),
    }
}

fn parse_date(t: &str) -> Result<OffsetDateTime, String> {
    OffsetDateTime::parse(t, &Rfc3339)
        .map_err(|e| format!("{t:?} is not an RFC 3339 date-time: {e}"))
}

fn named<T: Copy>(t: &str, table: &[(&str, T)]) -> Result<T, String> {
    table
        .iter()
        .find(|(n, _)| *n == t)
        .map(|(_, v)| *v)
        .ok_or_else(|| {
            format!(
                "{t:?} is not one of {:?}",
                table.iter().map(|(n, _)| *n).collect::<Vec<_>>()
            )
        })
}

impl Cbeff {
    /// Parses a whole CBEFF XML document.
    pub fn parse(xml: &[u8]) -> Result<Cbeff, CbeffError> {
        let text = std::str::from_utf8(xml).map_err(|e| CbeffError {
            line: 1,
            column: 1,
            fault: CbeffFault::Xml(format!("not UTF-8: {e}")),
        })?;
        let doc = roxmltree::Document::parse(text).map_err(|e| {
            let pos = e.pos();
            CbeffError {
                line: pos.row,
                column: pos.col,
                fault: CbeffFault::Xml(e.to_string()),
            }
        })?;
        let ctx = Ctx { doc: &doc };
        let root = doc.root_element();
        if root.tag_name().name() != "BIR" || root.tag_name().namespace() != Some(NAMESPACE) {
            return Err(ctx.err(
                root,
                CbeffFault::Unexpected {
                    element: root.tag_name().name().to_string(),
                    parent: "document",
                },
            ));
        }
        let mut version = None;
        let mut cbeff_version = None;
        let mut info = None;
        let mut birs = Vec::new();
        for c in ctx.children(root, "BIR")? {
            match c.tag_name().name() {
                "Version" => ctx.once(&mut version, c, "Version")?,
                "CBEFFVersion" => ctx.once(&mut cbeff_version, c, "CBEFFVersion")?,
                "BIRInfo" => ctx.once(&mut info, c, "BIRInfo")?,
                "BIR" => birs.push(ctx.bir(c)?),
                other => return Err(ctx.unexpected(c, other, "BIR")),
            }
        }
        let info = info.ok_or_else(|| {
            ctx.err(
                root,
                CbeffFault::Missing {
                    element: "BIRInfo",
                    parent: "BIR",
                },
            )
        })?;
        Ok(Cbeff {
            version: version.map(|n| ctx.version(n, "Version")).transpose()?,
            cbeff_version: cbeff_version
                .map(|n| ctx.version(n, "CBEFFVersion"))
                .transpose()?,
            info: ctx.bir_info(info)?,
            birs,
        })
    }

    /// Writes the document as XML (UTF-8, tab-indented like MOSIP's). Fails only when a text
    /// holds a character XML 1.0 cannot carry (a control character other than tab, line feed
    /// and carriage return).
    pub fn to_xml(&self) -> Result<String, WriteError> {
        let mut w = XmlWriter::default();
        w.raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        w.raw(&format!("<BIR xmlns=\"{NAMESPACE}\">\n"));
        w.depth = 1;
        if let Some(v) = self.version {
            w.version("Version", v);
        }
        if let Some(v) = self.cbeff_version {
            w.version("CBEFFVersion", v);
        }
        w.bir_info(&self.info)?;
        for bir in &self.birs {
            w.open("BIR");
            if let Some(v) = bir.version {
                w.version("Version", v);
            }
            if let Some(v) = bir.cbeff_version {
                w.version("CBEFFVersion", v);
            }
            w.bir_info(&bir.info)?;
            w.bdb_info(&bir.bdb_info)?;
            let [standard, _] = base64_engines();
            if let Some(bdb) = &bir.bdb {
                w.leaf("BDB", &standard.encode(bdb))?;
            }
            if let Some(sb) = &bir.sb {
                w.leaf("SB", &standard.encode(sb))?;
            }
            if !bir.others.is_empty() {
                w.open("others");
                for (k, v) in &bir.others {
                    w.indent();
                    w.raw("<entry key=\"");
                    w.escaped(k, "entry key")?;
                    w.raw("\">");
                    w.escaped(v, "entry")?;
                    w.raw("</entry>\n");
                }
                w.close("others");
            }
            w.close("BIR");
        }
        w.raw("</BIR>\n");
        Ok(w.out)
    }
}

/// Why a document cannot be written as XML.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("<{element}> holds U+{code:04X}, which XML 1.0 cannot carry")]
pub struct WriteError {
    /// The element (or attribute) whose text it is.
    pub element: &'static str,
    /// The character.
    pub code: u32,
}

#[derive(Default)]
struct XmlWriter {
    out: String,
    depth: usize,
}

impl XmlWriter {
    fn raw(&mut self, s: &str) {
        self.out.push_str(s);
    }

    fn indent(&mut self) {
        for _ in 0..self.depth {
            self.out.push('\t');
        }
    }

    fn open(&mut self, name: &str) {
        self.indent();
        self.out.push('<');
        self.out.push_str(name);
        self.out.push_str(">\n");
        self.depth += 1;
    }

    fn close(&mut self, name: &str) {
        self.depth -= 1;
        self.indent();
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push_str(">\n");
    }

    /// Escapes markup characters, and writes tab, line feed and carriage return as character
    /// references so that neither attribute-value nor line-end normalisation alters them.
    fn escaped(&mut self, text: &str, element: &'static str) -> Result<(), WriteError> {
        for c in text.chars() {
            match c {
                '&' => self.out.push_str("&amp;"),
                '<' => self.out.push_str("&lt;"),
                '>' => self.out.push_str("&gt;"),
                '"' => self.out.push_str("&quot;"),
                '\'' => self.out.push_str("&apos;"),
                '\t' | '\n' | '\r' => self.out.push_str(&format!("&#{};", u32::from(c))),
                c if (c as u32) < 0x20 || matches!(c, '\u{FFFE}' | '\u{FFFF}') => {
                    return Err(WriteError {
                        element,
                        code: c as u32,
                    });
                }
                c => self.out.push(c),
            }
        }
        Ok(())
    }

    fn leaf(&mut self, name: &'static str, text: &str) -> Result<(), WriteError> {
        self.indent();
        self.out.push('<');
        self.out.push_str(name);
        self.out.push('>');
        self.escaped(text, name)?;
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push_str(">\n");
        Ok(())
    }

    fn version(&mut self, name: &str, v: Version) {
        self.open(name);
        self.indent();
        self.raw(&format!("<Major>{}</Major>\n", v.major));
        self.indent();
        self.raw(&format!("<Minor>{}</Minor>\n", v.minor));
        self.close(name);
    }

    fn registered(&mut self, name: &str, r: &Registered) -> Result<(), WriteError> {
        self.open(name);
        self.leaf("Organization", &r.organization)?;
        self.leaf("Type", &r.kind)?;
        self.close(name);
        Ok(())
    }

    fn date(&mut self, name: &'static str, d: OffsetDateTime) -> Result<(), WriteError> {
        // Every OffsetDateTime of years 0-9999 formats as RFC 3339; others are written as
        // their Unix-epoch-based text would not parse, so fall back to the epoch explicitly.
        let text = d
            .format(&Rfc3339)
            .unwrap_or_else(|_| "1970-01-01T00:00:00Z".to_string());
        self.leaf(name, &text)
    }

    fn bir_info(&mut self, info: &BirInfo) -> Result<(), WriteError> {
        self.open("BIRInfo");
        if let Some(c) = &info.creator {
            self.leaf("Creator", c)?;
        }
        if let Some(i) = &info.index {
            self.leaf("Index", i)?;
        }
        if let Some(p) = &info.payload {
            let [standard, _] = base64_engines();
            self.leaf("Payload", &standard.encode(p))?;
        }
        self.leaf("Integrity", if info.integrity { "true" } else { "false" })?;
        if let Some(d) = info.creation_date {
            self.date("CreationDate", d)?;
        }
        self.close("BIRInfo");
        Ok(())
    }

    fn bdb_info(&mut self, info: &BdbInfo) -> Result<(), WriteError> {
        self.open("BDBInfo");
        if let Some(i) = &info.index {
            self.leaf("Index", i)?;
        }
        if let Some(f) = &info.format {
            self.registered("Format", f)?;
        }
        if let Some(d) = info.creation_date {
            self.date("CreationDate", d)?;
        }
        if !info.types.is_empty() {
            self.leaf("Type", &info.types.join(" "))?;
        }
        if let Some(s) = &info.subtype {
            self.leaf("Subtype", s)?;
        }
        if let Some(l) = info.level {
            let name = LEVELS
                .iter()
                .find(|(_, v)| *v == l)
                .map_or("Raw", |(n, _)| n);
            self.leaf("Level", name)?;
        }
        if let Some(p) = info.purpose {
            let name = PURPOSES
                .iter()
                .find(|(_, v)| *v == p)
                .map_or("Enroll", |(n, _)| n);
            self.leaf("Purpose", name)?;
        }
        if let Some(q) = &info.quality {
            self.open("Quality");
            self.registered("Algorithm", &q.algorithm)?;
            self.leaf("Score", &q.score.to_string())?;
            self.close("Quality");
        }
        self.close("BDBInfo");
        Ok(())
    }
}

impl Bir {
    /// Parses the BDB as the ISO/IEC 19794 record its `Format` names (organization `Mosip` or
    /// IBIA's 257; type 7 finger, 8 face, 9 iris). A BIR without a BDB or `Format`, or another
    /// format, is a [`CbeffFault::UnknownFormat`]; a record error carries its byte offset within
    /// the BDB.
    pub fn record(&self) -> Result<BdbRecord, CbeffFault> {
        let unknown = || CbeffFault::UnknownFormat {
            organization: self
                .bdb_info
                .format
                .as_ref()
                .map_or(String::new(), |f| f.organization.clone()),
            kind: self
                .bdb_info
                .format
                .as_ref()
                .map_or(String::new(), |f| f.kind.clone()),
        };
        let format = self.bdb_info.format.as_ref().ok_or_else(unknown)?;
        if !format.organization.eq_ignore_ascii_case(ORGANIZATION_MOSIP)
            && format.organization != "257"
        {
            return Err(unknown());
        }
        let bdb = self.bdb.as_deref().ok_or_else(unknown)?;
        match format.kind.trim().parse::<u32>() {
            Ok(FORMAT_FINGER_IMAGE) => FingerImageRecord::parse(bdb).map(BdbRecord::Finger),
            Ok(FORMAT_FACE_IMAGE) => FaceImageRecord::parse(bdb).map(BdbRecord::Face),
            Ok(FORMAT_IRIS_IMAGE) => IrisImageRecord::parse(bdb).map(BdbRecord::Iris),
            _ => return Err(unknown()),
        }
        .map_err(CbeffFault::Record)
    }
}

/// Why an enrollment's biometrics cannot be exported as CBEFF.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExportError {
    /// An image's encoding has no code in the record its modality uses.
    #[error("{what}: {encoding:?} images cannot go in an ISO/IEC 19794 {part} record")]
    Encoding {
        /// Which image.
        what: String,
        /// Its encoding.
        encoding: ImageEncoding,
        /// The record part.
        part: &'static str,
    },
    /// Finger and iris records need the image resolution.
    #[error("{0}: the image has no resolution (ppi)")]
    NoResolution(String),
    /// Width or height above 65535.
    #[error("{what}: {width}x{height} does not fit a 19794 record's 16-bit dimensions")]
    TooLarge {
        /// Which image.
        what: String,
        /// Width.
        width: u32,
        /// Height.
        height: u32,
    },
    /// An image could not be re-encoded as JPEG 2000 (it did not decode, or its pixels
    /// disagree with its stated size).
    #[error("{what}: cannot re-encode as JPEG 2000: {reason}")]
    Transcode {
        /// Which image.
        what: String,
        /// Why.
        reason: String,
    },
    /// The record could not be written.
    #[error("{what}: {source}")]
    Record {
        /// Which image.
        what: String,
        /// Why.
        source: EncodeError,
    },
}

/// How an export writes an image.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageChoice {
    /// In its stored encoding (WSQ, PNG or JPEG).
    AsStored,
    /// Re-encoded as lossless JPEG 2000 (a JP2 file) of its decoded pixels.
    Jpeg2000Lossless,
}

/// Decoded pixels of a stored image: `width` x `height`, row-major, interleaved RGB or gray.
pub struct Pixels {
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
    /// Gray or RGB.
    pub colour: Colour,
    /// The samples.
    pub samples: Vec<u8>,
}

/// A stored image decoder; this crate decodes nothing itself (WSQ lives in rekam-quality).
pub type DecodeImage<'a> = &'a dyn Fn(&Image) -> Result<Pixels, String>;

/// The images an export writes: fingers (19794-4) and faces and exception photos (19794-5).
pub struct ExportImages<'a> {
    /// Fingers: as stored, or lossless JPEG 2000 (compression 5).
    pub fingers: ImageChoice,
    /// The face and exception photos: as stored, or lossless JPEG 2000 (data type 2).
    pub face: ImageChoice,
    /// Irises: as stored (PNG), or lossless JPEG 2000 (format 0x0A).
    pub irises: ImageChoice,
    /// Decodes a stored image for re-encoding; only called for a JPEG 2000 choice.
    pub decode: DecodeImage<'a>,
}

impl ExportImages<'_> {
    /// Every image as stored.
    pub const AS_STORED: ExportImages<'static> = ExportImages {
        fingers: ImageChoice::AsStored,
        face: ImageChoice::AsStored,
        irises: ImageChoice::AsStored,
        decode: &|_| Err("no decoder".into()),
    };

    /// The image's pixels as a lossless JP2 file, with their colour.
    fn jp2(&self, what: &str, image: &Image) -> Result<(Vec<u8>, Colour), ExportError> {
        let fail = |reason: String| ExportError::Transcode {
            what: what.to_string(),
            reason,
        };
        let px = (self.decode)(image).map_err(fail)?;
        if (px.width, px.height) != (image.width, image.height) {
            return Err(fail(format!(
                "it decodes to {}x{}, not the recorded {}x{}",
                px.width, px.height, image.width, image.height
            )));
        }
        let bytes = rekam_jpeg2000::encode_jp2(px.width, px.height, px.colour, &px.samples)
            .map_err(|e| fail(e.to_string()))?;
        Ok((bytes, px.colour))
    }
}

/// The MOSIP subtype of a finger position 1-10, e.g. `Right IndexFinger`.
pub fn finger_subtype(position: u8) -> Option<&'static str> {
    const NAMES: [&str; 10] = [
        "Right Thumb",
        "Right IndexFinger",
        "Right MiddleFinger",
        "Right RingFinger",
        "Right LittleFinger",
        "Left Thumb",
        "Left IndexFinger",
        "Left MiddleFinger",
        "Left RingFinger",
        "Left LittleFinger",
    ];
    NAMES.get(usize::from(position).checked_sub(1)?).copied()
}

fn dimensions(what: &str, image: &Image) -> Result<(u16, u16), ExportError> {
    match (u16::try_from(image.width), u16::try_from(image.height)) {
        (Ok(w), Ok(h)) => Ok((w, h)),
        _ => Err(ExportError::TooLarge {
            what: what.to_string(),
            width: image.width,
            height: image.height,
        }),
    }
}

/// A quality block for a rekam score: NIST NFIQ 2 when the algorithm is NFIQ 2, else the score
/// with the algorithm left unreported (vendor and algorithm 0).
fn quality_block(q: &QualityScore) -> QualityBlock {
    let nfiq2 = q.algorithm.to_ascii_lowercase().starts_with("nfiq2");
    QualityBlock {
        score: q.score.min(100),
        vendor: if nfiq2 { VENDOR_NIST } else { 0 },
        algorithm: if nfiq2 { ALGORITHM_NFIQ2 } else { 0 },
    }
}

fn bdb_info(
    created: OffsetDateTime,
    format: u32,
    kind: &str,
    subtype: &str,
    q: Option<&QualityScore>,
) -> BdbInfo {
    BdbInfo {
        index: None,
        format: Some(Registered {
            organization: ORGANIZATION_MOSIP.to_string(),
            kind: format.to_string(),
        }),
        creation_date: Some(created),
        types: vec![kind.to_string()],
        subtype: Some(subtype.to_string()),
        level: Some(Level::Raw),
        purpose: Some(Purpose::Enroll),
        quality: q.map(|q| Quality {
            algorithm: Registered {
                organization: "rekam".to_string(),
                kind: q.algorithm.clone(),
            },
            score: q.score.min(100),
        }),
    }
}

fn child_bir(bdb_info: BdbInfo, bdb: Option<Vec<u8>>, others: Vec<(String, String)>) -> Bir {
    Bir {
        version: Some(VERSION_1_1),
        cbeff_version: Some(VERSION_1_1),
        info: BirInfo::default(),
        bdb_info,
        bdb,
        sb: None,
        others,
    }
}

/// The ISO/IEC 19794-5:2011 record of a face image (JPEG or PNG, as stored), basic type.
pub fn face_record(
    what: &str,
    image: &Image,
    captured: CaptureDateTime,
) -> Result<Vec<u8>, ExportError> {
    face_record_with(what, image, captured, &ExportImages::AS_STORED)
}

/// The ISO/IEC 19794-5:2011 record of a face image, basic type, as `images.face` chooses: the
/// stored JPEG or PNG, or lossless JPEG 2000 (data type 2) of its pixels.
pub fn face_record_with(
    what: &str,
    image: &Image,
    captured: CaptureDateTime,
    images: &ExportImages<'_>,
) -> Result<Vec<u8>, ExportError> {
    let (data_type, bytes, colour) = match images.face {
        ImageChoice::Jpeg2000Lossless => {
            let (bytes, colour) = images.jp2(what, image)?;
            (FaceImageDataType::Jpeg2000Lossless, bytes, colour)
        }
        ImageChoice::AsStored => {
            let data_type = match image.encoding {
                ImageEncoding::Jpeg => FaceImageDataType::Jpeg,
                ImageEncoding::Png => FaceImageDataType::Png,
                other => {
                    return Err(ExportError::Encoding {
                        what: what.to_string(),
                        encoding: other,
                        part: "-5 (face)",
                    });
                }
            };
            let colour = match image.pixels {
                PixelFormat::Rgb8 => Colour::Rgb,
                PixelFormat::Gray8 => Colour::Grey,
            };
            (data_type, image.data.bytes().to_vec(), colour)
        }
    };
    let (width, height) = dimensions(what, image)?;
    FaceImageRecord {
        temporal_semantics: 0,
        representations: vec![FaceImageRepresentation {
            captured,
            device: CaptureDevice::default(),
            quality: Vec::new(),
            face: FacialInformation::default(),
            landmarks: Vec::new(),
            image_info: FaceImageInfo {
                // Basic: rekam makes no claim that the portrait meets the frontal profiles.
                face_image_type: 0,
                data_type,
                width,
                height,
                spatial_sampling_level: 0,
                post_processing: 0,
                cross_reference: 0,
                colour_space: match colour {
                    Colour::Rgb => 1,
                    Colour::Grey => 3,
                },
            },
            image: bytes,
        }],
    }
    .encode()
    .map_err(|source| ExportError::Record {
        what: what.to_string(),
        source,
    })
}

/// The ISO/IEC 19794-4:2011 record of one captured finger at ISO position `code`: the stored
/// image as it is (WSQ, PNG or JPEG) at its resolution, one quality block, live-scan plain (plain
/// and slap segments) or rolled.
pub fn finger_record(
    code: u8,
    f: &FingerCapture,
    captured: CaptureDateTime,
) -> Result<Vec<u8>, ExportError> {
    finger_record_with(code, f, captured, &ExportImages::AS_STORED)
}

/// [`finger_record`] with the image as `images.fingers` chooses: as stored, or lossless JPEG
/// 2000 (compression 5) of its gray pixels.
pub fn finger_record_with(
    code: u8,
    f: &FingerCapture,
    captured: CaptureDateTime,
    images: &ExportImages<'_>,
) -> Result<Vec<u8>, ExportError> {
    let what = format!("finger at position {code}");
    let (compression, bytes) = match images.fingers {
        ImageChoice::Jpeg2000Lossless => {
            let (bytes, colour) = images.jp2(&what, &f.image)?;
            if colour != Colour::Grey {
                return Err(ExportError::Transcode {
                    what,
                    reason: "a finger image must be 8-bit gray".into(),
                });
            }
            (FingerCompression::Jpeg2000Lossless, bytes)
        }
        ImageChoice::AsStored => (
            match f.image.encoding {
                ImageEncoding::Wsq => FingerCompression::Wsq,
                ImageEncoding::Png => FingerCompression::Png,
                ImageEncoding::Jpeg => FingerCompression::Jpeg,
            },
            f.image.data.bytes().to_vec(),
        ),
    };
    let ppi = f
        .image
        .ppi
        .ok_or_else(|| ExportError::NoResolution(what.clone()))?;
    let (width, height) = dimensions(&what, &f.image)?;
    FingerImageRecord {
        certified: false,
        representations: vec![FingerImageRepresentation {
            captured,
            device: CaptureDevice::default(),
            quality: vec![quality_block(&f.quality)],
            certifications: Vec::new(),
            position: code,
            representation_number: 0,
            scale: ScaleUnits::PixelsPerInch,
            capture_rate: (ppi, ppi),
            image_rate: (ppi, ppi),
            bit_depth: 8,
            compression,
            impression: match f.impression {
                Impression::Rolled => 1,
                Impression::Plain | Impression::SlapSegment => 0,
            },
            width,
            height,
            image: bytes,
            extended: Vec::new(),
        }],
    }
    .encode()
    .map_err(|source| ExportError::Record { what, source })
}

/// The ISO/IEC 19794-6:2011 record of one captured iris (PNG, as rekam stores irises).
pub fn iris_record(
    label: EyeLabel,
    iris: &IrisCapture,
    captured: CaptureDateTime,
) -> Result<Vec<u8>, ExportError> {
    iris_record_with(label, iris, captured, &ExportImages::AS_STORED)
}

/// [`iris_record`] with the image as `images.irises` chooses: the stored PNG, or lossless JPEG
/// 2000 (format 0x0A) of its gray pixels.
pub fn iris_record_with(
    label: EyeLabel,
    iris: &IrisCapture,
    captured: CaptureDateTime,
    images: &ExportImages<'_>,
) -> Result<Vec<u8>, ExportError> {
    let what = match label {
        EyeLabel::Left => "left iris",
        EyeLabel::Right => "right iris",
        _ => "iris",
    }
    .to_string();
    let (format, bytes) = match (images.irises, iris.image.encoding) {
        (ImageChoice::Jpeg2000Lossless, _) => {
            let (bytes, colour) = images.jp2(&what, &iris.image)?;
            if colour != Colour::Grey {
                return Err(ExportError::Transcode {
                    what,
                    reason: "an iris image must be 8-bit gray".into(),
                });
            }
            (IrisImageFormat::Jpeg2000, bytes)
        }
        (ImageChoice::AsStored, ImageEncoding::Png) => {
            (IrisImageFormat::Png, iris.image.data.bytes().to_vec())
        }
        (ImageChoice::AsStored, other) => {
            return Err(ExportError::Encoding {
                what,
                encoding: other,
                part: "-6 (iris)",
            });
        }
    };
    let (width, height) = dimensions(&what, &iris.image)?;
    IrisImageRecord {
        representations: vec![IrisImageRepresentation {
            captured,
            device: CaptureDevice::default(),
            quality: vec![quality_block(&iris.quality)],
            representation_number: 1,
            eye: label,
            // VGA when the image is 640x480, else uncropped: rekam does not crop irises.
            image_type: if (width, height) == (640, 480) { 2 } else { 1 },
            format,
            horizontal_orientation: 0,
            vertical_orientation: 0,
            compression_history: 1,
            width,
            height,
            bit_depth: 8,
            range: 0,
            roll_angle: 0xFFFF,
            roll_uncertainty: 0xFFFF,
            centre_x: (0, 0),
            centre_y: (0, 0),
            diameter: (0, 0),
            image: bytes,
        }],
    }
    .encode()
    .map_err(|source| ExportError::Record { what, source })
}

/// Turns an enrollment's biometrics into a CBEFF document of ISO/IEC 19794-2011 records, one
/// BIR per biometric, as a MOSIP registration client would write it.
///
/// - Each captured finger: a finger image record (type 7, subtype e.g. `Right IndexFinger`)
///   holding the stored image as it is — WSQ (compression 2) or PNG (6) — at its resolution;
///   plain and slap-segment impressions are live-scan plain, rolled is live-scan rolled; an
///   NFIQ 2 score becomes a NIST NFIQ 2 quality block. `others` carries MOSIP's `EXCEPTION`
///   (`false`), `RETRIES` and `FORCE_CAPTURED`.
/// - Each finger recorded as an exception: a BIR with no BDB and `EXCEPTION` `true` (as MOSIP
///   marks exceptions), with `EXCEPTION_REASON` (`amputated`, `bandaged`, `unable_to_print`);
///   its documenting photo, when taken, follows as an `ExceptionPhoto` face record (type 8).
/// - The face: a face image record (type 8) with the JPEG or PNG as stored.
/// - Each iris: an iris image record (type 9), PNG (or JPEG 2000), subtype `Left` or `Right`.
/// - The signature is not exported: ISO/IEC 19794 has no image record for it and MOSIP packets
///   carry none.
///
/// Images are carried in their stored encoding ([`enrollment_bir_with`] re-encodes them as
/// lossless JPEG 2000, as MOSIP's records carry them). Every capture time is `created`, the
/// enrollment's, since rekam keeps no per-capture clock reading.
pub fn enrollment_bir(biometrics: &Biometrics, created: Timestamp) -> Result<Cbeff, ExportError> {
    enrollment_bir_with(biometrics, created, &ExportImages::AS_STORED)
}

/// [`enrollment_bir`] with fingers, face and exception photos written as `images` chooses.
pub fn enrollment_bir_with(
    biometrics: &Biometrics,
    created: Timestamp,
    images: &ExportImages<'_>,
) -> Result<Cbeff, ExportError> {
    let created_dt =
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(created.unix_ms()) * 1_000_000)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let captured = CaptureDateTime::from_timestamp(created);
    let mut birs = Vec::new();
    for entry in &biometrics.fingers {
        let code = entry.position.code();
        let subtype = finger_subtype(code).unwrap_or("UNKNOWN");
        let what = format!("finger {}", entry.position);
        match &entry.record {
            FingerRecord::Captured(f) => {
                let record = finger_record_with(code, f, captured, images)?;
                birs.push(child_bir(
                    bdb_info(
                        created_dt,
                        FORMAT_FINGER_IMAGE,
                        "Finger",
                        subtype,
                        Some(&f.quality),
                    ),
                    Some(record),
                    vec![
                        ("EXCEPTION".into(), "false".into()),
                        ("RETRIES".into(), f.attempts.to_string()),
                        ("FORCE_CAPTURED".into(), f.forced.to_string()),
                    ],
                ));
            }
            FingerRecord::Exception(e) => {
                let reason = match e.reason {
                    ExceptionReason::Amputated => "amputated",
                    ExceptionReason::Bandaged => "bandaged",
                    ExceptionReason::UnableToPrint => "unable_to_print",
                };
                birs.push(child_bir(
                    bdb_info(created_dt, FORMAT_FINGER_IMAGE, "Finger", subtype, None),
                    None,
                    vec![
                        ("EXCEPTION".into(), "true".into()),
                        ("EXCEPTION_REASON".into(), reason.into()),
                    ],
                ));
                if let Some(photo) = &e.photo {
                    let what = format!("exception photo of {what}");
                    birs.push(child_bir(
                        bdb_info(
                            created_dt,
                            FORMAT_FACE_IMAGE,
                            "ExceptionPhoto",
                            subtype,
                            None,
                        ),
                        Some(face_record_with(&what, photo, captured, images)?),
                        Vec::new(),
                    ));
                }
            }
        }
    }
    let face = &biometrics.face;
    birs.push(child_bir(
        bdb_info(
            created_dt,
            FORMAT_FACE_IMAGE,
            "Face",
            "",
            Some(&face.quality),
        ),
        Some(face_record_with("face", &face.image, captured, images)?),
        vec![
            ("EXCEPTION".into(), "false".into()),
            ("RETRIES".into(), face.attempts.to_string()),
            ("FORCE_CAPTURED".into(), face.forced.to_string()),
        ],
    ));
    for (eye, label, iris) in [
        ("Right", EyeLabel::Right, &biometrics.irises.right),
        ("Left", EyeLabel::Left, &biometrics.irises.left),
    ] {
        let Some(iris) = iris else { continue };
        let record = iris_record_with(label, iris, captured, images)?;
        birs.push(child_bir(
            bdb_info(
                created_dt,
                FORMAT_IRIS_IMAGE,
                "Iris",
                eye,
                Some(&iris.quality),
            ),
            Some(record),
            vec![("EXCEPTION".into(), "false".into())],
        ));
    }
    Ok(Cbeff {
        version: None,
        cbeff_version: None,
        info: BirInfo::default(),
        birs,
    })
}
