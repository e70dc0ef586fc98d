//! Who may record: residents aged 17 or over, or married (or once married); those who turn 17
//! before the end of the current year may record early, and are flagged so the card is printed
//! only once they are 17. When an election day is configured, a resident aged 16 who turns 17 on
//! or before it may record early too (recording for an election runs up to the day before);
//! nobody younger than 16 does.
//!
//! First-time voters ("pemilih pemula"), as the offices count newly eligible voters: residents
//! who are 17 by election day but were not yet 17 on a reference day, which is the day the
//! worklist was imported for a worklist entry and the day recording started for an enrollment
//! ([`first_time_voter`]).
//!
//! Contract: pure functions of the applicant and the dates given.

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
    "applicant.date_of_birth: the resident turns {MINIMUM_AGE} on {turns_17}, after this year{}, and is not married; recording is not yet allowed",
    election_clause(*.election_day)
)]
pub struct NotEligible {
    /// The 17th birthday.
    pub turns_17: Date,
    /// The configured election day the resident is not 17 by, when one is configured.
    pub election_day: Option<Date>,
}

fn election_clause(day: Option<Date>) -> String {
    match day {
        Some(d) => format!(" and after election day {d}"),
        None => String::new(),
    }
}

/// The youngest age at which an election lets a resident record early.
pub const ELECTION_EARLY_AGE: i32 = 16;

/// Whether someone born on `birth` is a first-time voter at the election on `election_day`:
/// 17 on or before that day, and not yet 17 on `reference` (the worklist's import day, or the
/// day recording started).
pub fn first_time_voter(birth: Date, reference: Date, election_day: Date) -> bool {
    let turns_17 = birthday(birth, MINIMUM_AGE);
    turns_17 > reference && turns_17 <= election_day
}

/// The date someone born on `birth` turns `years` old (29 February birthdays fall on 1 March in
/// common years).
pub fn birthday(birth: Date, years: i32) -> Date {
    let year = birth.year() + years;
    Date::from_calendar_date(year, birth.month(), birth.day())
        .or_else(|_| Date::from_calendar_date(year, Month::March, 1))
        .unwrap_or(Date::MAX)
}

/// Decides eligibility on `today` with no election configured.
pub fn check(applicant: &Applicant, today: Date) -> Result<Eligibility, NotEligible> {
    check_for_election(applicant, today, None)
}

/// Decides eligibility on `today`; with an `election_day` after today, a 16-year-old who turns 17
/// on or before it may record early as well.
pub fn check_for_election(
    applicant: &Applicant,
    today: Date,
    election_day: Option<Date>,
) -> Result<Eligibility, NotEligible> {
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
    if let Some(day) = election_day
        && turns_17 <= day
        && birthday(applicant.date_of_birth, ELECTION_EARLY_AGE) <= today
    {
        return Ok(Eligibility::EarlyRecording {
            card_from: turns_17,
        });
    }
    Err(NotEligible {
        turns_17,
        election_day,
    })
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
    fn a_sixteen_year_old_who_turns_17_by_election_day_may_record_early() {
        let today = date!(2026 - 12 - 03);
        let election = Some(date!(2029 - 02 - 14));
        // 16 since March 2026, 17 in March 2027: after this year but before the election.
        let sixteen = applicant(date!(2010 - 03 - 01), MaritalStatus::BelumKawin);
        assert_eq!(
            check_for_election(&sixteen, today, election),
            Ok(Eligibility::EarlyRecording {
                card_from: date!(2027 - 03 - 01)
            })
        );
        assert!(
            check(&sixteen, today).is_err(),
            "no election, no early recording"
        );
    }

    #[test]
    fn a_fifteen_year_old_is_refused_even_when_17_by_election_day() {
        let today = date!(2026 - 12 - 03);
        let election = Some(date!(2029 - 02 - 14));
        // 17 in January 2029, before the election, but only 15 today.
        let fifteen = applicant(date!(2012 - 01 - 10), MaritalStatus::BelumKawin);
        let err = check_for_election(&fifteen, today, election).unwrap_err();
        assert_eq!(err.turns_17, date!(2029 - 01 - 10));
        assert!(
            err.to_string().contains("after election day 2029-02-14"),
            "{err}"
        );
    }

    #[test]
    fn a_sixteen_year_old_not_17_by_election_day_is_refused() {
        let today = date!(2026 - 12 - 03);
        let election = Some(date!(2027 - 02 - 14));
        let late = applicant(date!(2010 - 06 - 01), MaritalStatus::BelumKawin);
        assert!(check_for_election(&late, today, election).is_err());
    }

    #[test]
    fn first_time_voters_turn_17_after_the_reference_day_and_by_election_day() {
        let reference = date!(2026 - 12 - 03);
        let election = date!(2029 - 02 - 14);
        assert!(first_time_voter(date!(2010 - 03 - 01), reference, election));
        assert!(first_time_voter(date!(2012 - 02 - 14), reference, election));
        assert!(!first_time_voter(
            date!(2012 - 02 - 15),
            reference,
            election
        ));
        assert!(!first_time_voter(
            date!(2009 - 12 - 03),
            reference,
            election
        ));
        assert!(first_time_voter(date!(2009 - 12 - 04), reference, election));
    }

    #[test]
    fn leap_day_birthdays_fall_on_the_first_of_march_in_common_years() {
        assert_eq!(birthday(date!(2008 - 02 - 29), 17), date!(2025 - 03 - 01));
        assert_eq!(birthday(date!(2008 - 02 - 29), 16), date!(2024 - 02 - 29));
    }
}
