//! NIK (Nomor Induk Kependudukan), the 16-digit Indonesian national identity number.
//!
//! Layout: digits 1-2 province, 3-4 regency or city, 5-6 district (kecamatan), 7-12 the date of
//! birth as DDMMYY with 40 added to DD for women, 13-16 a serial number from 0001.
//!
//! Contract: [`Nik::parse`] checks the structure alone (the century of the birth year is not in the
//! number, so 29 February is accepted there); [`Nik::check_against`] checks it against the declared
//! birth date and sex. Every error names the part of the number that is wrong.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::{Date, Month};

/// Province codes in use (Kemendagri), including the Papua provinces created in 2022.
const PROVINCES: &[u8] = &[
    11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 31, 32, 33, 34, 35, 36, 51, 52, 53, 61, 62, 63, 64, 65,
    71, 72, 73, 74, 75, 76, 81, 82, 91, 92, 93, 94, 95, 96,
];

/// The sex recorded on the card; it is also encoded in the NIK's birth day.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    /// Laki-laki.
    Male,
    /// Perempuan: the NIK's day of birth has 40 added.
    Female,
}

/// A structurally valid NIK.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Nik([u8; 16]);

/// What is wrong with a NIK, naming the part.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NikError {
    /// Not 16 characters long.
    #[error("NIK must have 16 digits, found {0} characters")]
    Length(usize),
    /// A character that is not an ASCII digit.
    #[error("NIK character {position} is {found:?}, not a digit")]
    NotDigit {
        /// 1-based position in the NIK.
        position: usize,
        /// The offending character.
        found: char,
    },
    /// Digits 1-2 are not a province code.
    #[error("NIK digits 1-2 ({0:02}) are not a province code")]
    Province(u8),
    /// Digits 3-4 are 00.
    #[error("NIK digits 3-4 (regency/city code) are 00")]
    Regency,
    /// Digits 5-6 are 00.
    #[error("NIK digits 5-6 (district/kecamatan code) are 00")]
    District,
    /// Digits 7-8 are not a day 01-31 or 41-71.
    #[error("NIK digits 7-8 ({0:02}) are not a birth day (01-31, or 41-71 for women)")]
    Day(u8),
    /// Digits 9-10 are not a month.
    #[error("NIK digits 9-10 ({0:02}) are not a birth month")]
    Month(u8),
    /// Day and month do not form a date in any year.
    #[error("NIK birth date {day:02}-{month:02} does not exist")]
    NoSuchDate {
        /// Day of month (40 already removed).
        day: u8,
        /// Month.
        month: u8,
    },
    /// Digits 13-16 are 0000.
    #[error("NIK digits 13-16 (serial) are 0000; serials start at 0001")]
    Serial,
    /// The date of birth in the NIK differs from the declared one.
    #[error(
        "NIK digits 7-12 give birth date {in_nik} (DD-MM-YY) but the declared date is {declared}"
    )]
    BirthDateMismatch {
        /// What the NIK says, as DD-MM-YY.
        in_nik: String,
        /// The declared date, as YYYY-MM-DD.
        declared: String,
    },
    /// The NIK's day field encodes a different sex than declared.
    #[error("NIK digits 7-8 mark the holder as {in_nik:?} but the declared sex is {declared:?}")]
    SexMismatch {
        /// Sex encoded in the NIK.
        in_nik: Sex,
        /// Declared sex.
        declared: Sex,
    },
}

impl Nik {
    /// Parses and checks the structure of a NIK.
    pub fn parse(s: &str) -> Result<Nik, NikError> {
        let chars: Vec<char> = s.chars().collect();
        if chars.len() != 16 {
            return Err(NikError::Length(chars.len()));
        }
        let mut digits = [0u8; 16];
        for (i, &c) in chars.iter().enumerate() {
            if !c.is_ascii_digit() {
                return Err(NikError::NotDigit {
                    position: i + 1,
                    found: c,
                });
            }
            digits[i] = c as u8;
        }
        let nik = Nik(digits);
        let province = nik.pair(0);
        if !PROVINCES.contains(&province) {
            return Err(NikError::Province(province));
        }
        if nik.pair(2) == 0 {
            return Err(NikError::Regency);
        }
        if nik.pair(4) == 0 {
            return Err(NikError::District);
        }
        let raw_day = nik.pair(6);
        if !(1..=31).contains(&raw_day) && !(41..=71).contains(&raw_day) {
            return Err(NikError::Day(raw_day));
        }
        let month = nik.pair(8);
        let Ok(m) = Month::try_from(month) else {
            return Err(NikError::Month(month));
        };
        let day = nik.birth_day();
        // 2000 is a leap year, so this accepts 29 February; the century comes from the declared date.
        if day > time::util::days_in_month(m, 2000) {
            return Err(NikError::NoSuchDate { day, month });
        }
        if &nik.0[12..] == b"0000" {
            return Err(NikError::Serial);
        }
        Ok(nik)
    }

    fn pair(&self, at: usize) -> u8 {
        (self.0[at] - b'0') * 10 + (self.0[at + 1] - b'0')
    }

    /// The NIK as text.
    pub fn as_str(&self) -> &str {
        // Only ASCII digits are ever stored.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// Province code (digits 1-2).
    pub fn province_code(&self) -> u8 {
        self.pair(0)
    }

    /// Regency or city code (digits 3-4).
    pub fn regency_code(&self) -> u8 {
        self.pair(2)
    }

    /// District (kecamatan) code (digits 5-6).
    pub fn district_code(&self) -> u8 {
        self.pair(4)
    }

    /// Day of birth with the 40 for women removed.
    pub fn birth_day(&self) -> u8 {
        let d = self.pair(6);
        if d > 40 { d - 40 } else { d }
    }

    /// Month of birth.
    pub fn birth_month(&self) -> u8 {
        self.pair(8)
    }

    /// Two-digit year of birth.
    pub fn birth_year_2d(&self) -> u8 {
        self.pair(10)
    }

    /// The sex encoded in the day field.
    pub fn sex(&self) -> Sex {
        if self.pair(6) > 40 {
            Sex::Female
        } else {
            Sex::Male
        }
    }

    /// Serial number (digits 13-16).
    pub fn serial(&self) -> u16 {
        u16::from(self.pair(12)) * 100 + u16::from(self.pair(14))
    }

    /// Checks that the NIK agrees with a declared date of birth and sex.
    pub fn check_against(&self, birth: Date, sex: Sex) -> Result<(), NikError> {
        let same_date = birth.day() == self.birth_day()
            && u8::from(birth.month()) == self.birth_month()
            && birth.year().rem_euclid(100) == i32::from(self.birth_year_2d());
        if !same_date {
            return Err(NikError::BirthDateMismatch {
                in_nik: format!(
                    "{:02}-{:02}-{:02}",
                    self.birth_day(),
                    self.birth_month(),
                    self.birth_year_2d()
                ),
                declared: crate::timefmt::format_date(birth),
            });
        }
        if self.sex() != sex {
            return Err(NikError::SexMismatch {
                in_nik: self.sex(),
                declared: sex,
            });
        }
        Ok(())
    }
}

impl fmt::Display for Nik {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Nik {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Nik({})", self.as_str())
    }
}

impl FromStr for Nik {
    type Err = NikError;
    fn from_str(s: &str) -> Result<Nik, NikError> {
        Nik::parse(s)
    }
}

impl Serialize for Nik {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Nik {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Nik::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// The NIK's JSON Schema: a string whose pattern accepts exactly what [`Nik::parse`] accepts
/// (province code, non-zero regency and district, a day and month that exist, a non-zero serial),
/// so a document valid against it is never refused for the NIK's structure.
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Nik {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        let provinces: Vec<String> = PROVINCES.iter().map(|p| format!("{p:02}")).collect();
        // Days 01-29 (41-69 for women) exist in every month, 30 in all but February, 31 in seven.
        let day_month = "(?:(?:0[1-9]|[12][0-9]|4[1-9]|[56][0-9])(?:0[1-9]|1[0-2])\
                         |(?:30|70)(?:0[13-9]|1[0-2])|(?:31|71)(?:0[13578]|1[02]))";
        let pattern = format!(
            "^(?:{})(?:0[1-9]|[1-9][0-9]){{2}}{day_month}[0-9]{{2}}\
             (?:000[1-9]|00[1-9][0-9]|0[1-9][0-9]{{2}}|[1-9][0-9]{{3}})$",
            provinces.join("|")
        );
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(pattern))
            .description(Some(
                "National identity number (NIK): 16 digits, province, regency, district, birth \
                 day (plus 40 for women), month and two-digit year, serial; it must agree with \
                 date_of_birth and sex (422 otherwise)",
            ))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Nik {}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn a_womans_nik_adds_40_to_the_birth_day() {
        let nik = Nik::parse("3171054708900003").expect("valid");
        assert_eq!(nik.province_code(), 31);
        assert_eq!(nik.regency_code(), 71);
        assert_eq!(nik.district_code(), 5);
        assert_eq!(nik.birth_day(), 7);
        assert_eq!(nik.birth_month(), 8);
        assert_eq!(nik.birth_year_2d(), 90);
        assert_eq!(nik.sex(), Sex::Female);
        assert_eq!(nik.serial(), 3);
        assert_eq!(
            nik.check_against(date!(1990 - 08 - 07), Sex::Female),
            Ok(())
        );
    }

    #[test]
    fn each_structural_fault_names_its_part() {
        let cases = [
            ("317105070890000", NikError::Length(15)),
            (
                "31710507089000a3",
                NikError::NotDigit {
                    position: 15,
                    found: 'a',
                },
            ),
            ("9971050708900003", NikError::Province(99)),
            ("3100050708900003", NikError::Regency),
            ("3171000708900003", NikError::District),
            ("3171053508900003", NikError::Day(35)),
            ("3171050013900003", NikError::Day(0)),
            ("3171050713900003", NikError::Month(13)),
            (
                "3171053102900003",
                NikError::NoSuchDate { day: 31, month: 2 },
            ),
            ("3171050708900000", NikError::Serial),
        ];
        for (text, expected) in cases {
            assert_eq!(Nik::parse(text), Err(expected), "{text}");
        }
    }

    #[test]
    fn leap_day_is_structurally_valid_but_must_match_a_leap_year() {
        let nik = Nik::parse("3171052902040001").expect("29 Feb is possible");
        assert!(nik.check_against(date!(2004 - 02 - 29), Sex::Male).is_ok());
        assert!(matches!(
            nik.check_against(date!(2005 - 03 - 01), Sex::Male),
            Err(NikError::BirthDateMismatch { .. })
        ));
    }

    #[test]
    fn declared_sex_and_date_must_agree_with_the_nik() {
        let nik = Nik::parse("3171050708900003").expect("valid");
        assert_eq!(
            nik.check_against(date!(1990 - 08 - 07), Sex::Female),
            Err(NikError::SexMismatch {
                in_nik: Sex::Male,
                declared: Sex::Female
            })
        );
        let err = nik
            .check_against(date!(1991 - 08 - 07), Sex::Male)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "NIK digits 7-12 give birth date 07-08-90 (DD-MM-YY) but the declared date is 1991-08-07"
        );
    }

    #[test]
    fn non_ascii_input_is_counted_in_characters() {
        assert_eq!(
            Nik::parse("٣١٧١٠٥٠٧٠٨٩٠٠٠٠٣"),
            Err(NikError::NotDigit {
                position: 1,
                found: '٣'
            })
        );
    }
}
