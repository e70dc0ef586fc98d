//! The card front as it will be printed, for the review and the resident's screen: the fields in
//! the card's order beside the photo on its backdrop and the signature.
//!
//! Contract: built from the recorded demographics only; the layout is the desk's own preview
//! (the card crate's SVG replaces it when it lands), with the card's Indonesian field names.

use rekam_protocol::model::{Applicant, BloodType, Citizenship, MaritalStatus, Religion};
use rekam_protocol::nik::Sex;

use super::text::{CardText, fill};

/// One printed line: name and value (`indent` for the address's sub-lines).
#[derive(Clone, Debug)]
pub struct CardRow {
    /// Field name as printed.
    pub label: &'static str,
    /// Value as printed.
    pub value: String,
    /// An address sub-line.
    pub indent: bool,
}

/// The card front's data.
#[derive(Clone, Debug)]
pub struct CardView {
    /// "PROVINSI ...".
    pub header: String,
    /// "KABUPATEN/KOTA".
    pub regency: String,
    /// The lines in the card's order.
    pub rows: Vec<CardRow>,
    /// `red`, `blue`, `orange`: the photo's backdrop.
    pub backdrop: &'static str,
    /// The enrollment id (for the photo and signature URLs).
    pub id: String,
    /// Whether a photo is kept.
    pub photo: bool,
    /// Whether the signature is taken.
    pub signature: bool,
}

fn religion(r: Religion) -> &'static str {
    match r {
        Religion::Islam => "ISLAM",
        Religion::Kristen => "KRISTEN",
        Religion::Katolik => "KATOLIK",
        Religion::Hindu => "HINDU",
        Religion::Buddha => "BUDDHA",
        Religion::Khonghucu => "KHONGHUCU",
        Religion::Kepercayaan => "KEPERCAYAAN TERHADAP TUHAN YME",
    }
}

fn marital(m: MaritalStatus) -> &'static str {
    match m {
        MaritalStatus::BelumKawin => "BELUM KAWIN",
        MaritalStatus::Kawin => "KAWIN",
        MaritalStatus::CeraiHidup => "CERAI HIDUP",
        MaritalStatus::CeraiMati => "CERAI MATI",
    }
}

fn blood(b: BloodType) -> String {
    match serde_json::to_value(b) {
        Ok(serde_json::Value::String(s)) if s != "unknown" => s,
        _ => "-".into(),
    }
}

impl CardView {
    /// The card of `a` for enrollment `id`.
    pub fn of(a: &Applicant, id: &str, photo: bool, signature: bool) -> CardView {
        let c = CardText::ID;
        let d = a.date_of_birth;
        let sex = match a.sex {
            Sex::Male => c.laki,
            Sex::Female => c.perempuan,
        };
        let row = |label, value: String| CardRow {
            label,
            value,
            indent: false,
        };
        let sub = |label, value: String| CardRow {
            label,
            value,
            indent: true,
        };
        CardView {
            header: format!("{} {}", c.provinsi, a.address.province.to_uppercase()),
            regency: a.address.regency.to_uppercase(),
            rows: vec![
                row(c.nik, a.nik.to_string()),
                row(c.nama, a.full_name.to_uppercase()),
                row(
                    c.ttl,
                    format!(
                        "{}, {:02}-{:02}-{}",
                        a.place_of_birth.to_uppercase(),
                        d.day(),
                        u8::from(d.month()),
                        d.year()
                    ),
                ),
                row(
                    c.jenis_kelamin,
                    format!("{sex}    {} : {}", c.gol_darah, blood(a.blood_type)),
                ),
                row(c.alamat, a.address.street.to_uppercase()),
                sub(c.rt_rw, format!("{:03}/{:03}", a.address.rt, a.address.rw)),
                sub(c.kel_desa, a.address.village.to_uppercase()),
                sub(c.kecamatan, a.address.district.to_uppercase()),
                row(c.agama, religion(a.religion).into()),
                row(c.status, marital(a.marital_status).into()),
                row(c.pekerjaan, a.occupation.to_uppercase()),
                row(
                    c.kewarganegaraan,
                    match &a.citizenship {
                        Citizenship::Wni => c.wni.to_string(),
                        Citizenship::Wna { country } => fill(c.wna, &[country]),
                    },
                ),
                row(c.berlaku, c.seumur_hidup.into()),
            ],
            backdrop: match super::face::backdrop_of(a) {
                rekam_quality::face::BackgroundColour::Red => "red",
                rekam_quality::face::BackgroundColour::Blue => "blue",
                rekam_quality::face::BackgroundColour::Orange => "orange",
            },
            id: id.to_string(),
            photo,
            signature,
        }
    }
}
