//! Who may record: residents aged 17 or over, or married (or once married); those who turn 17
//! before the end of the current year may record early, and are flagged so the card is printed
//! only once they are 17.
//!
//! Contract: a pure function of the applicant and today's date.

use rekam_protocol::model::{Applicant, MaritalStatus};
use serde::{Deserialize, Serialize};
use time::{Date, Month};

/// The minimum age for an e-KTP.
pub const MINIMUM_AGE: i32 = 17;

/// Why a resident may record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Eligibility {
    /// 17 or older today.
    OfAge,
    /// Younger than 17 but married or once married.
    Married,
    /// Turns 17 later this year: may record now, the card waits for the birthday.
    EarlyRecording {
        /// The 17th birthday.
        #[schema(value_type = String, format = Date)]
        card_from: Date,
    },
}

/// Why a resident may not record yet.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "applicant.date_of_birth: the resident turns {MINIMUM_AGE} on {turns_17}, after this year, and is not married; recording is not yet allowed"
)]
pub struct NotEligible {
    /// The 17th birthday.
    pub turns_17: Date,
}

/// The date someone born on `birth` turns `years` old (29 February birthdays fall on 1 March in
/// common years).
pub fn birthday(birth: Date, years: i32) -> Date {
    let year = birth.year() + years;
    Date::from_calendar_date(year, birth.month(), birth.day())
        .or_else(|_| Date::from_calendar_date(year, Month::March, 1))
        .unwrap_or(Date::MAX)
}

/// Decides eligibility on `today`.
pub fn check(applicant: &Applicant, today: Date) -> Result<Eligibility, NotEligible> {
    let turns_17 = birthday(applicant.date_of_birth, MINIMUM_AGE);
    if turns_17 <= today {
        return Ok(Eligibility::OfAge);
    }
    if applicant.marital_status != MaritalStatus::BelumKawin {
        return Ok(Eligibility::Married);
    }
    if turns_17.year() == today.year() {
        return Ok(Eligibility::EarlyRecording {
            card_from: turns_17,
        });
    }
    Err(NotEligible { turns_17 })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rekam_sim::sample::{SampleOptions, enrollment};
    use time::macros::date;

    fn applicant(birth: Date, status: MaritalStatus) -> Applicant {
        let mut a = enrollment(&SampleOptions::tiny(1, "WS-1", 0)).applicant;
        a.date_of_birth = birth;
        a.marital_status = status;
        a
    }

    #[test]
    fn seventeen_today_is_of_age_and_the_day_before_is_early() {
        let today = date!(2026 - 11 - 23);
        assert_eq!(
            check(
                &applicant(date!(2009 - 11 - 23), MaritalStatus::BelumKawin),
                today
            ),
            Ok(Eligibility::OfAge)
        );
        assert_eq!(
            check(
                &applicant(date!(2009 - 11 - 24), MaritalStatus::BelumKawin),
                today
            ),
            Ok(Eligibility::EarlyRecording {
                card_from: date!(2026 - 11 - 24)
            })
        );
    }

    #[test]
    fn turning_17_next_year_waits_unless_married() {
        let today = date!(2026 - 11 - 23);
        let young = date!(2010 - 01 - 02);
        let err = check(&applicant(young, MaritalStatus::BelumKawin), today).unwrap_err();
        assert_eq!(err.turns_17, date!(2027 - 01 - 02));
        assert!(err.to_string().starts_with("applicant.date_of_birth"));
        assert_eq!(
            check(&applicant(young, MaritalStatus::Kawin), today),
            Ok(Eligibility::Married)
        );
    }

    #[test]
    fn leap_day_birthdays_fall_on_the_first_of_march_in_common_years() {
        assert_eq!(birthday(date!(2008 - 02 - 29), 17), date!(2025 - 03 - 01));
        assert_eq!(birthday(date!(2008 - 02 - 29), 16), date!(2024 - 02 - 29));
    }
}
