//! The card's printed text and backdrop from an enrollment's applicant: one pure builder shared by
//! the registry (which puts it in the print order) and the workstation's desk preview, so the card
//! the resident approves at the desk is the card that is printed.
//!
//! Contract: pure and total. Values are as the card shows them: capitals, dates `DD-MM-YYYY`,
//! `RT/RW` as two 3-digit numbers, blood type `-` when unknown, citizenship `WNI` or the
//! foreign resident's country code, validity `SEUMUR HIDUP`. The header's province and regency
//! are the applicant's address's (the office that records is the one of the residence). The issue
//! place and date are the caller's (the registry knows when and where it issues).

use time::Date;

use crate::model::{Applicant, BloodType, Citizenship, MaritalStatus, Religion};
use crate::nik::Sex;
use crate::print_order::{Backdrop, CardText};

/// `DD-MM-YYYY`, as dates are printed on the card.
pub fn card_date(d: Date) -> String {
    format!("{:02}-{:02}-{:04}", d.day(), u8::from(d.month()), d.year())
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

fn blood(b: BloodType) -> &'static str {
    match b {
        BloodType::A => "A",
        BloodType::B => "B",
        BloodType::AB => "AB",
        BloodType::O => "O",
        BloodType::APos => "A+",
        BloodType::ANeg => "A-",
        BloodType::BPos => "B+",
        BloodType::BNeg => "B-",
        BloodType::ABPos => "AB+",
        BloodType::ABNeg => "AB-",
        BloodType::OPos => "O+",
        BloodType::ONeg => "O-",
        BloodType::Unknown => "-",
    }
}

impl CardText {
    /// The card text of `a`, issued at `issue_place` on `issue_date` (`DD-MM-YYYY`).
    pub fn of_applicant(a: &Applicant, issue_place: &str, issue_date: &str) -> CardText {
        let up = |s: &str| s.trim().to_uppercase();
        CardText {
            province: up(&a.address.province),
            regency: up(&a.address.regency),
            nik: a.nik.to_string(),
            name: up(&a.full_name),
            place_of_birth: up(&a.place_of_birth),
            date_of_birth: card_date(a.date_of_birth),
            sex: match a.sex {
                Sex::Male => "LAKI-LAKI",
                Sex::Female => "PEREMPUAN",
            }
            .into(),
            blood_type: blood(a.blood_type).into(),
            address: up(&a.address.street),
            rt_rw: format!("{:03}/{:03}", a.address.rt, a.address.rw),
            village: up(&a.address.village),
            district: up(&a.address.district),
            religion: religion(a.religion).into(),
            marital_status: marital(a.marital_status).into(),
            occupation: up(&a.occupation),
            citizenship: match &a.citizenship {
                Citizenship::Wni => "WNI".into(),
                Citizenship::Wna { country } => up(country),
            },
            valid_until: "SEUMUR HIDUP".into(),
            issue_place: up(issue_place),
            issue_date: issue_date.to_string(),
        }
    }
}

impl Backdrop {
    /// Red for an odd birth year, blue for an even one, orange for a foreign resident.
    pub fn for_resident(birth_year: i32, foreign: bool) -> Backdrop {
        if foreign {
            Backdrop::Orange
        } else if birth_year.rem_euclid(2) == 1 {
            Backdrop::Red
        } else {
            Backdrop::Blue
        }
    }

    /// The backdrop of `a`'s photo.
    pub fn of_applicant(a: &Applicant) -> Backdrop {
        Backdrop::for_resident(
            a.date_of_birth.year(),
            matches!(a.citizenship, Citizenship::Wna { .. }),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Address;
    use crate::nik::Nik;
    use time::Month;

    fn applicant() -> Applicant {
        Applicant {
            nik: Nik::parse("3204015708900003").expect("nik"),
            full_name: "Siti Rahmawati".into(),
            place_of_birth: "Bandung".into(),
            date_of_birth: Date::from_calendar_date(1990, Month::August, 17).expect("date"),
            sex: Sex::Female,
            blood_type: BloodType::Unknown,
            address: Address {
                street: "Jl. Merdeka No. 5".into(),
                rt: 1,
                rw: 12,
                village: "Sukamaju".into(),
                district: "Cileunyi".into(),
                regency: "Kabupaten Bandung".into(),
                province: "Jawa Barat".into(),
                postal_code: None,
            },
            religion: Religion::Kepercayaan,
            marital_status: MaritalStatus::CeraiMati,
            occupation: "Guru".into(),
            citizenship: Citizenship::Wni,
        }
    }

    #[test]
    fn the_card_text_is_the_applicant_in_capitals_with_card_dates() {
        let t = CardText::of_applicant(&applicant(), "Kabupaten Bandung", "03-12-2026");
        assert_eq!(t.province, "JAWA BARAT");
        assert_eq!(t.regency, "KABUPATEN BANDUNG");
        assert_eq!(t.nik, "3204015708900003");
        assert_eq!(t.name, "SITI RAHMAWATI");
        assert_eq!(t.date_of_birth, "17-08-1990");
        assert_eq!(t.sex, "PEREMPUAN");
        assert_eq!(t.blood_type, "-");
        assert_eq!(t.rt_rw, "001/012");
        assert_eq!(t.religion, "KEPERCAYAAN TERHADAP TUHAN YME");
        assert_eq!(t.marital_status, "CERAI MATI");
        assert_eq!(t.citizenship, "WNI");
        assert_eq!(t.valid_until, "SEUMUR HIDUP");
        assert_eq!(t.issue_place, "KABUPATEN BANDUNG");
        assert_eq!(t.issue_date, "03-12-2026");
    }

    #[test]
    fn a_foreign_resident_shows_the_country_and_gets_the_orange_backdrop() {
        let mut a = applicant();
        assert_eq!(Backdrop::of_applicant(&a), Backdrop::Blue, "1990 is even");
        a.date_of_birth = Date::from_calendar_date(1991, Month::January, 1).expect("date");
        assert_eq!(Backdrop::of_applicant(&a), Backdrop::Red, "1991 is odd");
        a.citizenship = Citizenship::Wna {
            country: "mys".into(),
        };
        assert_eq!(Backdrop::of_applicant(&a), Backdrop::Orange);
        assert_eq!(
            CardText::of_applicant(&a, "X", "01-01-2027").citizenship,
            "MYS"
        );
    }

    #[test]
    fn every_blood_type_prints_as_its_serde_name() {
        // The card prints what the enrollment document says, "unknown" as "-".
        for b in [
            BloodType::A,
            BloodType::AB,
            BloodType::APos,
            BloodType::ONeg,
            BloodType::Unknown,
        ] {
            let name = serde_json::to_value(b).expect("serializes");
            let expected = match name.as_str() {
                Some("unknown") => "-",
                Some(s) => s,
                None => panic!("a string"),
            };
            assert_eq!(blood(b), expected);
        }
    }
}
