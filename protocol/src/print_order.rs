//! Card issuance documents: the registry's signed print order, the workstation's signed report
//! that the card was printed, and the registry's signed acknowledgement of that report.
//!
//! After the registry accepts an enrollment (and, in a real system, after central
//! deduplication) it issues a **print order** for the office that recorded it: the text printed
//! on the card, the photo and its backdrop colour, the signature, and the ISO/IEC 19794-2 minutiae
//! templates of the two chip fingers (used for the chip and for verifying the resident at
//! pickup). The office prints the card and sends a **card-printed report**, signed by its
//! workstation key, naming the blank card's serial; the registry answers with a **print
//! acknowledgement** signed by its receipt key, after which the order is never served again; a
//! report of a second card for an order already printed gets a signed **print refusal** instead.
//!
//! Contract: sans-IO and strict, like [`crate::receipt`]. Each signed message is a domain prefix
//! (with its NUL) followed by the statement's compact JSON, members in declaration order, so no
//! signature over one kind verifies as another; parsing rejects unknown members and trailing
//! bytes, so a parsed document re-serializes to the bytes that were signed. Orders and acks are
//! signed with the registry's receipt key ([`TrustedRegistry`]); reports with a workstation key
//! the registry trusts ([`TrustStore`]). Verification checks the signature first, then who the
//! document names, then its content ([`PrintOrder::validate`]). Time comes in as an argument.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ring::rand::SecureRandom;
use serde::{Deserialize, Serialize};

use crate::keys::{KeyError, KeyId, TrustStore, WorkstationSigningKey};
use crate::model::{FingerPosition, check_identifier};
use crate::nik::Nik;
use crate::receipt::TrustedRegistry;
use crate::timefmt::Timestamp;

const ORDER_DOMAIN: &[u8] = b"rekam-print-order-v1\0";
const REPORT_DOMAIN: &[u8] = b"rekam-card-printed-v1\0";
const ACK_DOMAIN: &[u8] = b"rekam-print-ack-v1\0";
const REFUSAL_DOMAIN: &[u8] = b"rekam-print-refusal-v1\0";

/// The largest photo an order may carry (a card photo is a few tens of kilobytes).
pub const MAX_PHOTO_BYTES: usize = 512 * 1024;
/// The largest signature image an order may carry.
pub const MAX_SIGNATURE_BYTES: usize = 256 * 1024;
/// The largest minutiae template an order may carry.
pub const MAX_TEMPLATE_BYTES: usize = 16 * 1024;
/// The longest printed text value, in bytes.
pub const MAX_TEXT_BYTES: usize = 256;

/// The text printed on the card front, as the card shows it (capitals, dates `DD-MM-YYYY`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CardText {
    /// Province name, printed after `PROVINSI`.
    pub province: String,
    /// The regency or city line in full (`KABUPATEN BANDUNG`, `KOTA JAKARTA PUSAT`).
    pub regency: String,
    /// NIK, 16 digits.
    pub nik: String,
    /// Full name.
    pub name: String,
    /// Place of birth.
    pub place_of_birth: String,
    /// Date of birth, `DD-MM-YYYY`.
    pub date_of_birth: String,
    /// `LAKI-LAKI` or `PEREMPUAN`.
    pub sex: String,
    /// Blood type (`-` when unknown).
    pub blood_type: String,
    /// Street address.
    pub address: String,
    /// `RT/RW`, e.g. `001/002`.
    pub rt_rw: String,
    /// Village (kelurahan/desa).
    pub village: String,
    /// District (kecamatan).
    pub district: String,
    /// Religion.
    pub religion: String,
    /// Marital status.
    pub marital_status: String,
    /// Occupation.
    pub occupation: String,
    /// `WNI` or the country.
    pub citizenship: String,
    /// `SEUMUR HIDUP` for citizens, else a date.
    pub valid_until: String,
    /// Where the card is issued (the regency or city).
    pub issue_place: String,
    /// Date of issue, `DD-MM-YYYY`.
    pub issue_date: String,
}

impl CardText {
    /// Every field with its JSON name, in card order.
    pub fn fields(&self) -> [(&'static str, &str); 19] {
        [
            ("province", &self.province),
            ("regency", &self.regency),
            ("nik", &self.nik),
            ("name", &self.name),
            ("place_of_birth", &self.place_of_birth),
            ("date_of_birth", &self.date_of_birth),
            ("sex", &self.sex),
            ("blood_type", &self.blood_type),
            ("address", &self.address),
            ("rt_rw", &self.rt_rw),
            ("village", &self.village),
            ("district", &self.district),
            ("religion", &self.religion),
            ("marital_status", &self.marital_status),
            ("occupation", &self.occupation),
            ("citizenship", &self.citizenship),
            ("valid_until", &self.valid_until),
            ("issue_place", &self.issue_place),
            ("issue_date", &self.issue_date),
        ]
    }
}

/// The photo's backdrop colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Backdrop {
    /// Born in an odd year.
    Red,
    /// Born in an even year.
    Blue,
    /// Foreign resident (WNA).
    Orange,
}

/// One chip finger: its position and its minutiae template.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChipFinger {
    /// The finger (ANSI/NIST position 1-10).
    pub position: FingerPosition,
    /// An ISO/IEC 19794-2:2005 finger minutiae record, standard base64.
    pub template: String,
}

/// What the registry orders printed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrintOrder {
    /// The registry's id for this order (1-64 of `A-Z a-z 0-9 . _ -`).
    pub order_id: String,
    /// The registry that issued it.
    pub registry_id: String,
    /// The office (site code) that prints the card and hands it over.
    pub office: String,
    /// The enrollment the card is for.
    pub enrollment_id: String,
    /// The packet that delivered that enrollment (64 lowercase hex digits).
    pub packet_id: String,
    /// When the registry issued the order.
    pub issued_at: Timestamp,
    /// The printed text.
    pub card: CardText,
    /// The photo's backdrop colour.
    pub backdrop: Backdrop,
    /// The face photo, JPEG, standard base64.
    pub photo: String,
    /// The signature image, PNG, standard base64.
    pub signature: String,
    /// The two chip fingers, distinct.
    pub chip_fingers: [ChipFinger; 2],
}

/// A print order with the registry's signature, as served and kept.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedPrintOrder {
    /// The order.
    pub print_order: PrintOrder,
    /// Which registry key signed it.
    pub key_id: KeyId,
    /// The signature, standard base64.
    pub signature: String,
}

/// The workstation's statement that it printed the card of one order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CardPrinted {
    /// The order printed.
    pub order_id: String,
    /// The enrollment it was for.
    pub enrollment_id: String,
    /// The office that printed it.
    pub office: String,
    /// The workstation that printed it (signs this report).
    pub workstation_id: String,
    /// The operator who printed it.
    pub operator_id: String,
    /// The serial of the blank card it was printed on.
    pub card_serial: String,
    /// When the card was printed and read back.
    pub printed_at: Timestamp,
    /// The serial of the earlier card of this order that this one replaces (a supervisor's
    /// reprint of a card spoiled before it was handed over); absent for the first card.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaces: Option<String>,
}

/// A card-printed report with the workstation's signature.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedCardPrinted {
    /// The report.
    pub card_printed: CardPrinted,
    /// Which workstation key signed it.
    pub key_id: KeyId,
    /// The signature, standard base64.
    pub signature: String,
}

/// The registry's statement that it recorded an order as printed on one card.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrintAck {
    /// The order.
    pub order_id: String,
    /// The card it is recorded as printed on.
    pub card_serial: String,
    /// The registry.
    pub registry_id: String,
    /// When the registry first recorded it.
    pub recorded_at: Timestamp,
}

/// A print acknowledgement with the registry's signature.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedPrintAck {
    /// The acknowledgement.
    pub print_ack: PrintAck,
    /// Which registry key signed it.
    pub key_id: KeyId,
    /// The signature, standard base64.
    pub signature: String,
}

/// The registry's statement that it refuses a card-printed report for good (code
/// `already_printed`: the order is recorded as printed on another card).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrintRefusal {
    /// The order reported.
    pub order_id: String,
    /// The card the refused report named.
    pub card_serial: String,
    /// The registry.
    pub registry_id: String,
    /// Machine code, 1-64 of `a-z 0-9 _`.
    pub code: String,
    /// Why, for people (at most [`crate::rejection::MAX_REASON_BYTES`]).
    pub reason: String,
    /// When the registry refused it.
    pub refused_at: Timestamp,
}

/// A print refusal with the registry's signature.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedPrintRefusal {
    /// The refusal.
    pub print_refusal: PrintRefusal,
    /// Which registry key signed it.
    pub key_id: KeyId,
    /// The signature, standard base64.
    pub signature: String,
}

/// Why a print order, report or acknowledgement is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PrintOrderError {
    /// Not a document of the expected kind.
    #[error("{what} is malformed: {detail}")]
    Malformed {
        /// `print order`, `card-printed report` or `print acknowledgement`.
        what: &'static str,
        /// The parser's reason.
        detail: String,
    },
    /// Signed by a key that is not the expected one.
    #[error("signed by key {found}, which is not {expected}")]
    UnknownKey {
        /// What was expected (a key id, or `a trusted workstation key`).
        expected: String,
        /// The key named in the document.
        found: KeyId,
    },
    /// The signature does not verify.
    #[error("the signature does not verify")]
    BadSignature,
    /// Issued by another registry id.
    #[error("issued by registry {found:?}, expected {expected:?}")]
    WrongRegistry {
        /// The trusted registry id.
        expected: String,
        /// The id in the document.
        found: String,
    },
    /// For another office.
    #[error("the order is for office {found:?}, not this office ({expected:?})")]
    WrongOffice {
        /// This office's site code.
        expected: String,
        /// The office the order names.
        found: String,
    },
    /// Signed by a workstation key registered to another workstation.
    #[error("the report names workstation {claimed:?} but is signed by {signer:?}'s key")]
    WrongWorkstation {
        /// The workstation the report names.
        claimed: String,
        /// The workstation the key belongs to.
        signer: String,
    },
    /// A valid acknowledgement of another order or card.
    #[error("the acknowledgement is for order {found:?}, not {expected:?}")]
    WrongOrder {
        /// What was reported.
        expected: String,
        /// What the acknowledgement names.
        found: String,
    },
    /// A field's content breaks the format's rules.
    #[error("{field}: {reason}")]
    Invalid {
        /// The JSON path of the field.
        field: String,
        /// What is wrong.
        reason: String,
    },
    /// Signing failed.
    #[error(transparent)]
    Key(#[from] KeyError),
}

fn invalid(field: impl Into<String>, reason: impl Into<String>) -> PrintOrderError {
    PrintOrderError::Invalid {
        field: field.into(),
        reason: reason.into(),
    }
}

fn message<T: Serialize>(domain: &[u8], statement: &T) -> Vec<u8> {
    let mut msg = domain.to_vec();
    // Structs of strings, integers and enums always serialize.
    serde_json::to_writer(&mut msg, statement).unwrap_or_default();
    msg
}

fn decode_signature(signature: &str) -> Result<Vec<u8>, PrintOrderError> {
    STANDARD
        .decode(signature)
        .map_err(|_| invalid("signature", "not standard base64"))
}

fn check_registry_signed(
    registry: &TrustedRegistry,
    key_id: KeyId,
    signature: &str,
    msg: &[u8],
) -> Result<(), PrintOrderError> {
    let expected = registry.key.key_id();
    if key_id != expected {
        return Err(PrintOrderError::UnknownKey {
            expected: expected.to_string(),
            found: key_id,
        });
    }
    if !registry.key.verify(msg, &decode_signature(signature)?) {
        return Err(PrintOrderError::BadSignature);
    }
    Ok(())
}

/// Parses a whole document of kind `what` (no unknown members, nothing after it).
fn parse_whole<T: serde::de::DeserializeOwned>(
    what: &'static str,
    bytes: &[u8],
) -> Result<T, PrintOrderError> {
    serde_json::from_slice(bytes).map_err(|e| PrintOrderError::Malformed {
        what,
        detail: e.to_string(),
    })
}

/// A registry document must carry the trusted registry's id.
fn check_registry_id(registry: &TrustedRegistry, found: &str) -> Result<(), PrintOrderError> {
    if found != registry.registry_id {
        return Err(PrintOrderError::WrongRegistry {
            expected: registry.registry_id.clone(),
            found: found.to_string(),
        });
    }
    Ok(())
}

/// An answer to a report must name the report's order and card.
fn check_names_report(
    order_id: &str,
    card_serial: &str,
    report: &CardPrinted,
) -> Result<(), PrintOrderError> {
    if order_id != report.order_id || card_serial != report.card_serial {
        return Err(PrintOrderError::WrongOrder {
            expected: format!("{} on card {}", report.order_id, report.card_serial),
            found: format!("{order_id} on card {card_serial}"),
        });
    }
    Ok(())
}

fn check_id(field: &str, value: &str) -> Result<(), PrintOrderError> {
    check_identifier(field, value).map_err(|e| invalid(field, e.to_string()))
}

fn check_hex64(field: &str, value: &str) -> Result<(), PrintOrderError> {
    if value.len() != 64
        || !value
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    {
        return Err(invalid(field, "not 64 lowercase hex digits"));
    }
    Ok(())
}

fn decode_part(field: &str, value: &str, max: usize) -> Result<Vec<u8>, PrintOrderError> {
    let bytes = STANDARD
        .decode(value)
        .map_err(|_| invalid(field, "not standard base64"))?;
    if bytes.is_empty() {
        return Err(invalid(field, "empty"));
    }
    if bytes.len() > max {
        return Err(invalid(
            field,
            format!("{} bytes, more than the {max} allowed", bytes.len()),
        ));
    }
    Ok(bytes)
}

impl PrintOrder {
    /// Signs the order with the registry's receipt key.
    pub fn sign(
        self,
        key: &WorkstationSigningKey,
        rng: &dyn SecureRandom,
    ) -> Result<SignedPrintOrder, PrintOrderError> {
        let signature = key.sign(&message(ORDER_DOMAIN, &self), rng)?;
        Ok(SignedPrintOrder {
            print_order: self,
            key_id: key.public_key().key_id(),
            signature: STANDARD.encode(signature),
        })
    }

    /// Checks every content rule: identifiers, the NIK (16 digits, a valid region and date,
    /// the same in `card.nik`), printed text (non-empty, at most [`MAX_TEXT_BYTES`], no control
    /// characters), a JPEG photo and a PNG signature within their limits, and two distinct chip
    /// fingers whose templates are ISO/IEC 19794-2:2005 records of one view of that finger.
    pub fn validate(&self) -> Result<(), PrintOrderError> {
        check_id("print_order.order_id", &self.order_id)?;
        check_id("print_order.registry_id", &self.registry_id)?;
        check_id("print_order.office", &self.office)?;
        check_id("print_order.enrollment_id", &self.enrollment_id)?;
        check_hex64("print_order.packet_id", &self.packet_id)?;
        Nik::parse(&self.card.nik).map_err(|e| invalid("print_order.card.nik", e.to_string()))?;
        for (name, value) in self.card.fields() {
            let field = format!("print_order.card.{name}");
            if value.trim().is_empty() {
                return Err(invalid(field, "empty"));
            }
            if value.len() > MAX_TEXT_BYTES {
                return Err(invalid(
                    field,
                    format!("{} bytes, more than {MAX_TEXT_BYTES}", value.len()),
                ));
            }
            if value.chars().any(char::is_control) {
                return Err(invalid(field, "contains a control character"));
            }
        }
        if !self.photo()?.starts_with(&[0xFF, 0xD8, 0xFF]) {
            return Err(invalid("print_order.photo", "not a JPEG image"));
        }
        if !self.signature_png()?.starts_with(b"\x89PNG\r\n\x1a\n") {
            return Err(invalid("print_order.signature", "not a PNG image"));
        }
        let [a, b] = &self.chip_fingers;
        if a.position == b.position {
            return Err(invalid(
                "print_order.chip_fingers",
                "the two chip fingers must differ",
            ));
        }
        for (i, finger) in self.chip_fingers.iter().enumerate() {
            let field = format!("print_order.chip_fingers[{i}].template");
            let record = crate::iso19794_2::parse(&self.template(i)?)
                .map_err(|e| invalid(field.clone(), e.to_string()))?;
            match record.views.as_slice() {
                [view] if view.position == finger.position.code() => {}
                _ => {
                    return Err(invalid(
                        field,
                        format!("not one view of finger {}", finger.position),
                    ));
                }
            }
        }
        Ok(())
    }

    /// The photo's JPEG bytes.
    pub fn photo(&self) -> Result<Vec<u8>, PrintOrderError> {
        decode_part("print_order.photo", &self.photo, MAX_PHOTO_BYTES)
    }

    /// The signature's PNG bytes.
    pub fn signature_png(&self) -> Result<Vec<u8>, PrintOrderError> {
        decode_part(
            "print_order.signature",
            &self.signature,
            MAX_SIGNATURE_BYTES,
        )
    }

    /// Chip finger `i`'s template bytes (ISO/IEC 19794-2), `i` 0 or 1.
    pub fn template(&self, i: usize) -> Result<Vec<u8>, PrintOrderError> {
        let field = format!("print_order.chip_fingers[{i}].template");
        let finger = self
            .chip_fingers
            .get(i)
            .ok_or_else(|| invalid(field.clone(), "there are two chip fingers"))?;
        decode_part(&field, &finger.template, MAX_TEMPLATE_BYTES)
    }
}

impl SignedPrintOrder {
    /// Parses the JSON form completely (no unknown members, nothing after it).
    pub fn parse(bytes: &[u8]) -> Result<SignedPrintOrder, PrintOrderError> {
        parse_whole("print order", bytes)
    }

    /// The JSON form.
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Checks the registry's signature, that the order comes from that registry and is for
    /// `office`, and every content rule.
    pub fn verify(
        &self,
        registry: &TrustedRegistry,
        office: &str,
    ) -> Result<&PrintOrder, PrintOrderError> {
        let order = &self.print_order;
        check_registry_signed(
            registry,
            self.key_id,
            &self.signature,
            &message(ORDER_DOMAIN, order),
        )?;
        check_registry_id(registry, &order.registry_id)?;
        if order.office != office {
            return Err(PrintOrderError::WrongOffice {
                expected: office.to_string(),
                found: order.office.clone(),
            });
        }
        order.validate()?;
        Ok(order)
    }
}

impl CardPrinted {
    /// Signs the report with the workstation's key.
    pub fn sign(
        self,
        key: &WorkstationSigningKey,
        rng: &dyn SecureRandom,
    ) -> Result<SignedCardPrinted, PrintOrderError> {
        let signature = key.sign(&message(REPORT_DOMAIN, &self), rng)?;
        Ok(SignedCardPrinted {
            card_printed: self,
            key_id: key.public_key().key_id(),
            signature: STANDARD.encode(signature),
        })
    }

    /// Checks the identifiers and the card serial (1-64 of `A-Z a-z 0-9 . _ -`).
    pub fn validate(&self) -> Result<(), PrintOrderError> {
        check_id("card_printed.order_id", &self.order_id)?;
        check_id("card_printed.enrollment_id", &self.enrollment_id)?;
        check_id("card_printed.office", &self.office)?;
        check_id("card_printed.workstation_id", &self.workstation_id)?;
        check_id("card_printed.operator_id", &self.operator_id)?;
        check_id("card_printed.card_serial", &self.card_serial)?;
        if let Some(earlier) = &self.replaces {
            check_id("card_printed.replaces", earlier)?;
            if *earlier == self.card_serial {
                return Err(invalid(
                    "card_printed.replaces",
                    "a card cannot replace itself",
                ));
            }
        }
        Ok(())
    }
}

impl SignedCardPrinted {
    /// Parses the JSON form completely.
    pub fn parse(bytes: &[u8]) -> Result<SignedCardPrinted, PrintOrderError> {
        parse_whole("card-printed report", bytes)
    }

    /// The JSON form.
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Checks the signature against the workstation keys the registry trusts, that the key
    /// belongs to the workstation the report names, and the report's content (registry side).
    pub fn verify(&self, trust: &TrustStore) -> Result<&CardPrinted, PrintOrderError> {
        let report = &self.card_printed;
        let Some(signer) = trust.get(&self.key_id) else {
            return Err(PrintOrderError::UnknownKey {
                expected: "a trusted workstation key".into(),
                found: self.key_id,
            });
        };
        if !signer.key.verify(
            &message(REPORT_DOMAIN, report),
            &decode_signature(&self.signature)?,
        ) {
            return Err(PrintOrderError::BadSignature);
        }
        if signer.workstation_id != report.workstation_id {
            return Err(PrintOrderError::WrongWorkstation {
                claimed: report.workstation_id.clone(),
                signer: signer.workstation_id.clone(),
            });
        }
        report.validate()?;
        Ok(report)
    }
}

impl PrintAck {
    /// Signs the acknowledgement with the registry's receipt key.
    pub fn sign(
        self,
        key: &WorkstationSigningKey,
        rng: &dyn SecureRandom,
    ) -> Result<SignedPrintAck, PrintOrderError> {
        let signature = key.sign(&message(ACK_DOMAIN, &self), rng)?;
        Ok(SignedPrintAck {
            print_ack: self,
            key_id: key.public_key().key_id(),
            signature: STANDARD.encode(signature),
        })
    }
}

impl SignedPrintAck {
    /// Parses the JSON form completely.
    pub fn parse(bytes: &[u8]) -> Result<SignedPrintAck, PrintOrderError> {
        parse_whole("print acknowledgement", bytes)
    }

    /// The JSON form.
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Checks the registry's signature and that the acknowledgement names `report`'s order and
    /// card (workstation side).
    pub fn verify(
        &self,
        registry: &TrustedRegistry,
        report: &CardPrinted,
    ) -> Result<&PrintAck, PrintOrderError> {
        let ack = &self.print_ack;
        check_registry_signed(
            registry,
            self.key_id,
            &self.signature,
            &message(ACK_DOMAIN, ack),
        )?;
        check_registry_id(registry, &ack.registry_id)?;
        check_names_report(&ack.order_id, &ack.card_serial, report)?;
        Ok(ack)
    }
}

impl PrintRefusal {
    /// Checks the identifiers, the code and the reason.
    pub fn validate(&self) -> Result<(), PrintOrderError> {
        check_id("print_refusal.order_id", &self.order_id)?;
        check_id("print_refusal.card_serial", &self.card_serial)?;
        check_id("print_refusal.registry_id", &self.registry_id)?;
        let code_ok = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_';
        if self.code.is_empty() || self.code.len() > 64 || !self.code.bytes().all(code_ok) {
            return Err(invalid(
                "print_refusal.code",
                "not 1-64 characters of a-z 0-9 _",
            ));
        }
        let max = crate::rejection::MAX_REASON_BYTES;
        if self.reason.trim().is_empty() || self.reason.len() > max {
            return Err(invalid(
                "print_refusal.reason",
                format!("empty or longer than {max} bytes"),
            ));
        }
        Ok(())
    }

    /// Signs the refusal with the registry's receipt key.
    pub fn sign(
        self,
        key: &WorkstationSigningKey,
        rng: &dyn SecureRandom,
    ) -> Result<SignedPrintRefusal, PrintOrderError> {
        self.validate()?;
        let signature = key.sign(&message(REFUSAL_DOMAIN, &self), rng)?;
        Ok(SignedPrintRefusal {
            print_refusal: self,
            key_id: key.public_key().key_id(),
            signature: STANDARD.encode(signature),
        })
    }
}

impl SignedPrintRefusal {
    /// Parses the JSON form completely.
    pub fn parse(bytes: &[u8]) -> Result<SignedPrintRefusal, PrintOrderError> {
        parse_whole("print refusal", bytes)
    }

    /// The JSON form.
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Checks the registry's signature, the registry id, that the refusal names `report`'s order
    /// and card, and its content (workstation side).
    pub fn verify(
        &self,
        registry: &TrustedRegistry,
        report: &CardPrinted,
    ) -> Result<&PrintRefusal, PrintOrderError> {
        let refusal = &self.print_refusal;
        check_registry_signed(
            registry,
            self.key_id,
            &self.signature,
            &message(REFUSAL_DOMAIN, refusal),
        )?;
        check_registry_id(registry, &refusal.registry_id)?;
        check_names_report(&refusal.order_id, &refusal.card_serial, report)?;
        refusal.validate()?;
        Ok(refusal)
    }
}

impl fmt::Display for Backdrop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Backdrop::Red => "red",
            Backdrop::Blue => "blue",
            Backdrop::Orange => "orange",
        })
    }
}
