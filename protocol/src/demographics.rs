//! The rules for a resident's demographics that go beyond their shape: names as printed on the
//! card, free text without control or direction-changing characters, and a birth date that a living
//! resident can have.
//!
//! Contract: [`Applicant::validate_on`] is the one check of demographics the agent runs when a
//! session starts, when the operator corrects the demographics and when the session is finalized;
//! it is [`Applicant::validate`] (what a packet receiver checks, needing no date) plus the rules
//! that need today's date, which comes in as an argument (sans-IO). Every error names the field.

use time::Date;

use crate::model::{Applicant, ValidationError, field_err};

/// Longest full name accepted, in characters.
pub const MAX_NAME_CHARS: usize = 100;

/// Oldest age accepted: no living person is older (the oldest recorded reached 122).
pub const MAX_AGE_YEARS: i32 = 130;

/// Checks a full name as printed on the card: 1-[`MAX_NAME_CHARS`] characters of letters
/// (accented ones included), spaces, apostrophes, dots, commas and hyphens, starting with a
/// letter, with single spaces between words. One-word names are common and accepted.
pub fn check_name(field: &str, name: &str) -> Result<(), ValidationError> {
    if name.trim().is_empty() {
        return Err(field_err(field, "must not be empty"));
    }
    let chars = name.chars().count();
    if chars > MAX_NAME_CHARS {
        return Err(field_err(
            field,
            format!("is {chars} characters long, over the limit of {MAX_NAME_CHARS}"),
        ));
    }
    if let Some((i, c)) = name.chars().enumerate().find(|(_, c)| !name_char(*c)) {
        return Err(field_err(
            field,
            format!(
                "character {} ({}) is not allowed: use letters, spaces and ' . , -",
                i + 1,
                describe(c)
            ),
        ));
    }
    if !name.chars().next().is_some_and(char::is_alphabetic) {
        return Err(field_err(field, "must begin with a letter"));
    }
    if name.ends_with(' ') || name.contains("  ") {
        return Err(field_err(
            field,
            "must not end with a space or hold two spaces in a row",
        ));
    }
    Ok(())
}

fn name_char(c: char) -> bool {
    c.is_alphabetic()
        // Combining accents, for names typed in decomposed form (e + U+0301).
        || ('\u{0300}'..='\u{036f}').contains(&c)
        || matches!(c, ' ' | '\'' | '\u{2019}' | '.' | ',' | '-')
}

/// Characters that free text must not hold: control characters (NUL, newlines, escapes) and the
/// invisible characters that reorder or hide text on screen and on the printed card.
pub fn forbidden_in_text(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{200b}'..='\u{200f}' // zero-width space/joiners, LRM, RLM
            | '\u{2028}'..='\u{202e}' // line/paragraph separators, bidi embeddings and overrides
            | '\u{2060}'..='\u{2064}' // word joiner, invisible operators
            | '\u{2066}'..='\u{2069}' // bidi isolates
            | '\u{feff}' // byte order mark
        )
}

/// How a character is shown in an error: printable ones quoted, others as their code point.
fn describe(c: char) -> String {
    if forbidden_in_text(c) || c.is_whitespace() {
        format!("U+{:04X}", u32::from(c))
    } else {
        format!("{c:?} U+{:04X}", u32::from(c))
    }
}

/// Checks a birth date against `today`: not in the future, and not longer ago than any living
/// person's.
pub fn check_birth_date(field: &str, birth: Date, today: Date) -> Result<(), ValidationError> {
    if birth > today {
        return Err(field_err(
            field,
            format!("{birth} is in the future (today is {today})"),
        ));
    }
    let mut age = today.year() - birth.year();
    if (today.month(), today.day()) < (birth.month(), birth.day()) {
        age -= 1;
    }
    if age > MAX_AGE_YEARS {
        return Err(field_err(
            field,
            format!(
                "{birth} makes the resident {age} years old; no living person is older than \
                 {MAX_AGE_YEARS}"
            ),
        ));
    }
    Ok(())
}

impl Applicant {
    /// Every rule on the demographics as of `today`: [`Applicant::validate`] and a birth date
    /// that is neither in the future nor older than any living person.
    pub fn validate_on(&self, today: Date) -> Result<(), ValidationError> {
        self.validate()?;
        check_birth_date("applicant.date_of_birth", self.date_of_birth, today)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn name_ok(n: &str) -> bool {
        check_name("applicant.full_name", n).is_ok()
    }

    #[test]
    fn indonesian_names_with_accents_initials_and_one_word_are_accepted() {
        for n in [
            "Soekarno",
            "Siti Nurhaliza",
            "Ni Luh Putu Ayu",
            "I Gusti Ngurah Rai",
            "Muh. Ridwan, S.Pd.",
            "Ma'ruf Amin",
            "Abdul-Karim",
            "Thérèse Nguyễn",
            "Jose\u{301}",
            "M",
        ] {
            assert!(name_ok(n), "{n:?} refused");
        }
    }

    #[test]
    fn empty_control_digit_and_overlong_names_are_refused_with_the_reason() {
        let err = |n: &str| {
            check_name("applicant.full_name", n)
                .unwrap_err()
                .to_string()
        };
        assert!(err("").contains("must not be empty"));
        assert!(err("   ").contains("must not be empty"));
        assert!(err("Budi\0").contains("U+0000"), "{}", err("Budi\0"));
        assert!(err("Budi\nSantoso").contains("U+000A"));
        assert!(err("Budi\u{202e}osotnaS").contains("U+202E"));
        assert!(err("Agent 007").contains("'0'"), "{}", err("Agent 007"));
        assert!(err("<script>").contains("'<'"));
        assert!(err(&"a".repeat(101)).contains("101 characters"));
        assert!(err(" Budi").contains("begin with a letter"));
        assert!(err("Budi ").contains("end with a space"));
        assert!(err("Budi  Santoso").contains("two spaces"));
        assert!(err("Budi\u{7f}").contains("U+007F"));
        assert!(name_ok(&"a".repeat(100)));
    }

    #[test]
    fn a_birth_date_in_the_future_or_older_than_any_living_person_is_refused() {
        let today = date!(2026 - 12 - 02);
        let f = "applicant.date_of_birth";
        assert!(check_birth_date(f, date!(2090 - 01 - 01), today).is_err());
        assert!(check_birth_date(f, date!(2026 - 12 - 03), today).is_err());
        assert!(check_birth_date(f, today, today).is_ok());
        // Turning 131 tomorrow is still 130 today; turning 131 today is too old.
        assert!(check_birth_date(f, date!(1895 - 12 - 03), today).is_ok());
        let e = check_birth_date(f, date!(1895 - 12 - 02), today).unwrap_err();
        assert!(e.to_string().contains("131 years"), "{e}");
        assert!(e.to_string().starts_with(f), "{e}");
        assert!(check_birth_date(f, date!(1886 - 05 - 01), today).is_err());
    }
}
