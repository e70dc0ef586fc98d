//! The start form: what the operator types, checked field by field into an [`Applicant`].
//!
//! Contract: [`StartForm::check`] reports every field at fault (not only the first), each with
//! a message from the desk catalogue in the operator's language; NIK messages name the digits at
//! fault. The same check serves the live validation endpoint and the POST, so a browser without
//! JavaScript gets the same answers. The form's values are kept as typed, for re-rendering.

use rekam_protocol::model::{
    Address, Applicant, BloodType, Citizenship, MaritalStatus, Religion, ValidationError,
};
use rekam_protocol::nik::{Nik, NikError, Sex};
use serde::{Deserialize, Serialize};
use time::Date;

use super::text::{DeskText, fill};
use crate::workflow::eligibility::{self, Eligibility};

/// The start form as typed (every field a string, so nothing typed is lost on a refusal).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct StartForm {
    pub nik: String,
    pub full_name: String,
    pub place_of_birth: String,
    pub date_of_birth: String,
    pub sex: String,
    pub blood_type: String,
    pub street: String,
    pub rt: String,
    pub rw: String,
    pub village: String,
    pub district: String,
    pub regency: String,
    pub province: String,
    pub postal_code: String,
    pub religion: String,
    pub marital_status: String,
    pub occupation: String,
    pub citizenship: String,
    pub country: String,
    pub visit_location: String,
    /// The CSRF token (checked by the console's middleware).
    #[serde(rename = "_csrf")]
    pub csrf: String,
}

/// A checked form.
#[derive(Clone, Debug)]
pub struct Checked {
    /// The demographics, when every field is right.
    pub applicant: Option<Applicant>,
    /// Where a mobile unit records.
    pub visit_location: Option<String>,
    /// `(field id, message)` for every field at fault, in the form's order.
    pub errors: Vec<(&'static str, String)>,
    /// Why the resident may record, when the demographics are right.
    pub eligibility: Option<Eligibility>,
}

/// Blood types as the form offers them: `(value, label)`.
pub const BLOOD_TYPES: [(&str, &str); 13] = [
    ("unknown", "-"),
    ("A", "A"),
    ("B", "B"),
    ("AB", "AB"),
    ("O", "O"),
    ("A+", "A+"),
    ("A-", "A-"),
    ("B+", "B+"),
    ("B-", "B-"),
    ("AB+", "AB+"),
    ("AB-", "AB-"),
    ("O+", "O+"),
    ("O-", "O-"),
];

fn blood(v: &str) -> Option<BloodType> {
    serde_json::from_value(serde_json::Value::String(v.to_string())).ok()
}

fn religion(v: &str) -> Option<Religion> {
    serde_json::from_value(serde_json::Value::String(v.to_string())).ok()
}

fn marital(v: &str) -> Option<MaritalStatus> {
    serde_json::from_value(serde_json::Value::String(v.to_string())).ok()
}

fn sex(v: &str) -> Option<Sex> {
    serde_json::from_value(serde_json::Value::String(v.to_string())).ok()
}

/// The message for a NIK error, naming the digits at fault.
pub fn nik_message(t: &DeskText, e: &NikError) -> String {
    match e {
        NikError::Length(n) => fill(t.nik_length, &[&n.to_string()]),
        NikError::NotDigit { position, found } => fill(
            t.nik_not_digit,
            &[&position.to_string(), &found.to_string()],
        ),
        NikError::Province(p) => fill(t.nik_province, &[&format!("{p:02}")]),
        NikError::Regency => t.nik_regency.to_string(),
        NikError::District => t.nik_district.to_string(),
        NikError::Day(d) => fill(t.nik_day, &[&format!("{d:02}")]),
        NikError::Month(m) => fill(t.nik_month, &[&format!("{m:02}")]),
        NikError::NoSuchDate { day, month } => {
            fill(t.nik_no_such_date, &[&format!("{day:02}-{month:02}")])
        }
        NikError::Serial => t.nik_serial.to_string(),
        NikError::BirthDateMismatch { in_nik, declared } => {
            fill(t.nik_birth_mismatch, &[in_nik, declared])
        }
        NikError::SexMismatch { in_nik, .. } => match in_nik {
            Sex::Female => t.nik_marks_female.to_string(),
            Sex::Male => t.nik_marks_male.to_string(),
        },
    }
}

/// The form field a protocol field path belongs to.
fn field_of(path: &str) -> &'static str {
    const FIELDS: [&str; 17] = [
        "full_name",
        "place_of_birth",
        "date_of_birth",
        "sex",
        "blood_type",
        "street",
        "rt",
        "rw",
        "village",
        "district",
        "regency",
        "province",
        "postal_code",
        "religion",
        "marital_status",
        "occupation",
        "country",
    ];
    let last = path.rsplit('.').next().unwrap_or(path);
    FIELDS.into_iter().find(|f| *f == last).unwrap_or("nik")
}

impl StartForm {
    /// Checks every field as of `today`; `mobile` asks for the visit location.
    pub fn check(&self, t: &DeskText, today: Date, mobile: bool) -> Checked {
        self.check_for_election(t, today, mobile, None)
    }

    /// As [`Form::check`], with the configured election day: a 16-year-old who is 17 by then
    /// may record early.
    pub fn check_for_election(
        &self,
        t: &DeskText,
        today: Date,
        mobile: bool,
        election_day: Option<Date>,
    ) -> Checked {
        let mut errors: Vec<(&'static str, String)> = Vec::new();
        let mut err = |field: &'static str, m: String| errors.push((field, m));

        let nik = match Nik::parse(self.nik.trim()) {
            Ok(n) => Some(n),
            Err(e) => {
                let m = if self.nik.trim().is_empty() {
                    t.nik_missing.to_string()
                } else {
                    nik_message(t, &e)
                };
                err("nik", m);
                None
            }
        };
        let name = self.full_name.trim();
        if name.is_empty() {
            err("full_name", t.required_name.to_string());
        } else if let Err(e) = rekam_protocol::demographics::check_name("full_name", name) {
            err("full_name", fill(t.invalid_value, &[&problem(&e)]));
        }
        for (field, value) in [
            ("place_of_birth", &self.place_of_birth),
            ("street", &self.street),
            ("village", &self.village),
            ("district", &self.district),
            ("regency", &self.regency),
            ("province", &self.province),
            ("occupation", &self.occupation),
        ] {
            if value.trim().is_empty() {
                err(field, t.required.to_string());
            }
        }
        let birth = if self.date_of_birth.trim().is_empty() {
            err("date_of_birth", t.required_date.to_string());
            None
        } else {
            match rekam_protocol::timefmt::parse_date(self.date_of_birth.trim()) {
                Ok(d) => {
                    match rekam_protocol::demographics::check_birth_date("date_of_birth", d, today)
                    {
                        Ok(()) => Some(d),
                        Err(e) => {
                            err("date_of_birth", fill(t.invalid_value, &[&problem(&e)]));
                            None
                        }
                    }
                }
                Err(_) => {
                    err("date_of_birth", t.date_format.to_string());
                    None
                }
            }
        };
        let sex = sex(&self.sex);
        if sex.is_none() {
            err("sex", t.choose_one.to_string());
        }
        let blood_type = if self.blood_type.is_empty() {
            Some(BloodType::Unknown)
        } else {
            blood(&self.blood_type)
        };
        if blood_type.is_none() {
            err("blood_type", t.choose_one.to_string());
        }
        let mut number = |field: &'static str, v: &str| -> Option<u16> {
            match v.trim().parse::<u16>() {
                Ok(n) if (1..=999).contains(&n) => Some(n),
                _ => {
                    err(field, t.rt_rw_range.to_string());
                    None
                }
            }
        };
        let rt = number("rt", &self.rt);
        let rw = number("rw", &self.rw);
        let postal = self.postal_code.trim();
        if !postal.is_empty() && (postal.len() != 5 || !postal.bytes().all(|b| b.is_ascii_digit()))
        {
            err("postal_code", t.postal_code_digits.to_string());
        }
        let religion = religion(&self.religion);
        if religion.is_none() {
            err("religion", t.choose_one.to_string());
        }
        let marital = marital(&self.marital_status);
        if marital.is_none() {
            err("marital_status", t.choose_one.to_string());
        }
        let citizenship = match self.citizenship.as_str() {
            "wni" | "" => Some(Citizenship::Wni),
            "wna" => {
                let c = self.country.trim().to_ascii_uppercase();
                if c.len() == 3 && c.bytes().all(|b| b.is_ascii_uppercase()) && c != "IDN" {
                    Some(Citizenship::Wna { country: c })
                } else {
                    err("country", t.country_code.to_string());
                    None
                }
            }
            _ => {
                err("citizenship", t.choose_one.to_string());
                None
            }
        };
        let visit_location = self.visit_location.trim();
        if mobile && visit_location.is_empty() {
            err("visit_location", t.visit_location_required.to_string());
        }
        let mut checked = Checked {
            applicant: None,
            visit_location: (!visit_location.is_empty()).then(|| visit_location.to_string()),
            errors: Vec::new(),
            eligibility: None,
        };
        if let (
            Some(nik),
            Some(date_of_birth),
            Some(sex),
            Some(blood_type),
            Some(rt),
            Some(rw),
            Some(religion),
            Some(marital_status),
            Some(citizenship),
        ) = (
            nik,
            birth,
            sex,
            blood_type,
            rt,
            rw,
            religion,
            marital,
            citizenship,
        ) {
            let applicant = Applicant {
                nik,
                full_name: name.to_string(),
                place_of_birth: self.place_of_birth.trim().to_string(),
                date_of_birth,
                sex,
                blood_type,
                address: Address {
                    street: self.street.trim().to_string(),
                    rt,
                    rw,
                    village: self.village.trim().to_string(),
                    district: self.district.trim().to_string(),
                    regency: self.regency.trim().to_string(),
                    province: self.province.trim().to_string(),
                    postal_code: (!postal.is_empty()).then(|| postal.to_string()),
                },
                religion,
                marital_status,
                occupation: self.occupation.trim().to_string(),
                citizenship,
            };
            match applicant.validate_on(today) {
                Err(ValidationError::Nik(e)) => err("nik", nik_message(t, &e)),
                Err(ValidationError::Field { field, problem }) => {
                    err(field_of(&field), fill(t.invalid_value, &[&problem]));
                }
                Ok(()) => match eligibility::check_for_election(&applicant, today, election_day) {
                    Ok(e) => {
                        checked.eligibility = Some(e);
                        checked.applicant = Some(applicant);
                    }
                    Err(e) => {
                        let turns = rekam_protocol::timefmt::format_date(e.turns_17);
                        let text = match e.election_day {
                            Some(day) => fill(
                                t.not_eligible_election,
                                &[&turns, &rekam_protocol::timefmt::format_date(day)],
                            ),
                            None => fill(t.not_eligible, &[&turns]),
                        };
                        err("date_of_birth", text)
                    }
                },
            }
        }
        // Errors in the order of the form, one per field.
        let order = [
            "nik",
            "full_name",
            "place_of_birth",
            "date_of_birth",
            "sex",
            "blood_type",
            "street",
            "rt",
            "rw",
            "village",
            "district",
            "regency",
            "province",
            "postal_code",
            "religion",
            "marital_status",
            "occupation",
            "citizenship",
            "country",
            "visit_location",
        ];
        errors.sort_by_key(|(f, _)| order.iter().position(|o| o == f).unwrap_or(order.len()));
        errors.dedup_by(|a, b| a.0 == b.0);
        if !errors.is_empty() {
            checked.applicant = None;
            checked.eligibility = None;
        }
        checked.errors = errors;
        checked
    }

    /// The form filled from demographics already recorded (for a correction).
    pub fn from_applicant(a: &Applicant) -> Self {
        let s = |v: serde_json::Value| v.as_str().map(str::to_string).unwrap_or_default();
        StartForm {
            nik: a.nik.to_string(),
            full_name: a.full_name.clone(),
            place_of_birth: a.place_of_birth.clone(),
            date_of_birth: rekam_protocol::timefmt::format_date(a.date_of_birth),
            sex: s(serde_json::to_value(a.sex).unwrap_or_default()),
            blood_type: s(serde_json::to_value(a.blood_type).unwrap_or_default()),
            street: a.address.street.clone(),
            rt: a.address.rt.to_string(),
            rw: a.address.rw.to_string(),
            village: a.address.village.clone(),
            district: a.address.district.clone(),
            regency: a.address.regency.clone(),
            province: a.address.province.clone(),
            postal_code: a.address.postal_code.clone().unwrap_or_default(),
            religion: s(serde_json::to_value(a.religion).unwrap_or_default()),
            marital_status: s(serde_json::to_value(a.marital_status).unwrap_or_default()),
            occupation: a.occupation.clone(),
            citizenship: match a.citizenship {
                Citizenship::Wni => "wni".into(),
                Citizenship::Wna { .. } => "wna".into(),
            },
            country: match &a.citizenship {
                Citizenship::Wna { country } => country.clone(),
                Citizenship::Wni => String::new(),
            },
            visit_location: String::new(),
            csrf: String::new(),
        }
    }
}

/// The problem of a validation error without its field path.
fn problem(e: &ValidationError) -> String {
    match e {
        ValidationError::Field { problem, .. } => problem.clone(),
        other => other.to_string(),
    }
}
