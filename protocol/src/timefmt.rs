//! Canonical text forms for instants and calendar dates used in packets.
//!
//! Contract: an instant is always written in UTC with millisecond precision
//! (`2026-11-23T09:37:00.123Z`) and a date as `YYYY-MM-DD`; only exactly these forms are accepted,
//! so that a value has one encoding and manifests stay canonical.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::format_description::FormatItem;
use time::macros::format_description;
use time::{Date, OffsetDateTime, PrimitiveDateTime};

const INSTANT: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
const DATE: &[FormatItem<'static>] = format_description!("[year]-[month]-[day]");

/// An instant, in Unix milliseconds, written canonically in UTC.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct Timestamp(i64);

/// Why text is not a canonical timestamp or date.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} {text:?} is not in the form {form}")]
pub struct TimeFormatError {
    what: &'static str,
    text: String,
    form: &'static str,
}

impl Timestamp {
    /// From Unix milliseconds. Values outside years 0000-9999 are clamped into the formatable
    /// range when displayed, so callers should pass real clock readings.
    pub const fn from_unix_ms(ms: i64) -> Self {
        Timestamp(ms)
    }

    /// Unix milliseconds.
    pub const fn unix_ms(self) -> i64 {
        self.0
    }

    fn to_datetime(self) -> OffsetDateTime {
        let nanos = i128::from(self.0) * 1_000_000;
        OffsetDateTime::from_unix_timestamp_nanos(nanos).unwrap_or(if self.0 < 0 {
            OffsetDateTime::UNIX_EPOCH
        } else {
            PrimitiveDateTime::new(Date::MAX, time::Time::MIDNIGHT).assume_utc()
        })
    }

    /// The calendar date (UTC) of this instant.
    pub fn date(self) -> Date {
        self.to_datetime().date()
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.to_datetime().format(INSTANT).map_err(|_| fmt::Error)?;
        f.write_str(&text)
    }
}

impl FromStr for Timestamp {
    type Err = TimeFormatError;

    fn from_str(s: &str) -> Result<Self, TimeFormatError> {
        let err = || TimeFormatError {
            what: "timestamp",
            text: s.chars().take(64).collect(),
            form: "YYYY-MM-DDThh:mm:ss.sssZ",
        };
        if s.len() != 24 {
            return Err(err());
        }
        let dt = PrimitiveDateTime::parse(s, INSTANT)
            .map_err(|_| err())?
            .assume_utc();
        let ms = dt.unix_timestamp_nanos() / 1_000_000;
        i64::try_from(ms).map(Timestamp).map_err(|_| err())
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Formats a date as `YYYY-MM-DD`.
pub fn format_date(date: Date) -> String {
    date.format(DATE).unwrap_or_default()
}

/// Parses exactly `YYYY-MM-DD` into a valid calendar date.
pub fn parse_date(s: &str) -> Result<Date, TimeFormatError> {
    let err = || TimeFormatError {
        what: "date",
        text: s.chars().take(64).collect(),
        form: "YYYY-MM-DD",
    };
    if s.len() != 10 {
        return Err(err());
    }
    Date::parse(s, DATE).map_err(|_| err())
}

/// Serde adapter for `time::Date` fields as `YYYY-MM-DD`.
pub mod date {
    use super::*;

    /// Serializes a date as `YYYY-MM-DD`.
    pub fn serialize<S: Serializer>(date: &Date, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format_date(*date))
    }

    /// Deserializes exactly `YYYY-MM-DD`.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        parse_date(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_written_in_utc_with_milliseconds() {
        let t = Timestamp::from_unix_ms(1_763_890_620_123);
        assert_eq!(t.to_string(), "2025-11-23T09:37:00.123Z");
        assert_eq!("2025-11-23T09:37:00.123Z".parse(), Ok(t));
    }

    #[test]
    fn other_timestamp_spellings_are_rejected() {
        for bad in [
            "2025-11-23T09:37:00Z",
            "2025-11-23T09:37:00.123+07:00",
            "2025-11-23 09:37:00.123Z",
            "2025-02-30T09:37:00.123Z",
            "",
        ] {
            assert!(bad.parse::<Timestamp>().is_err(), "{bad}");
        }
    }

    #[test]
    fn dates_must_exist_in_the_calendar() {
        assert!(parse_date("2004-02-29").is_ok());
        assert!(parse_date("2003-02-29").is_err());
        assert!(parse_date("2003-2-9").is_err());
    }
}
