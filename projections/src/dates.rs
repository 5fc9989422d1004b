//! Dates and instants of the views in two forms: text where people read them (JSON, where
//! they look as chrono writes them) and numbers in a checkpoint (MessagePack, which is not
//! human-readable).
//!
//! A checkpoint of a million-event log holds about a million of them, nearly one per stamp,
//! and chrono's general parser made reading them back a tenth of start-up. Use as
//! `#[serde(with = "crate::dates::day")]` on a `NaiveDate` and
//! `#[serde(with = "crate::dates::instant")]` on a `DateTime<Utc>`.

/// A `NaiveDate`: `"2025-03-01"` as text, the number of days from the common era otherwise.
pub mod day {
    use std::fmt;

    use chrono::{Datelike, NaiveDate};
    use serde::de::{Error, Visitor};
    use serde::{Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(d: &NaiveDate, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            d.serialize(s)
        } else {
            s.serialize_i32(d.num_days_from_ce())
        }
    }

    /// Reads either form, whatever the reader says of itself: serde buffers the fields of an
    /// internally tagged enum and then calls itself human-readable, though the bytes it
    /// buffered were written as numbers.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
        d.deserialize_any(Day)
    }

    struct Day;

    impl Visitor<'_> for Day {
        type Value = NaiveDate;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a date, as text or as days from the common era")
        }

        fn visit_str<E: Error>(self, s: &str) -> Result<NaiveDate, E> {
            trellis_events::date::parse_date(s)
                .ok_or_else(|| E::custom(format!("not a date: {s:?}")))
        }

        fn visit_i64<E: Error>(self, days: i64) -> Result<NaiveDate, E> {
            i32::try_from(days)
                .ok()
                .and_then(NaiveDate::from_num_days_from_ce_opt)
                .ok_or_else(|| E::custom(format!("day {days} is out of range")))
        }

        fn visit_u64<E: Error>(self, days: u64) -> Result<NaiveDate, E> {
            self.visit_i64(i64::try_from(days).unwrap_or(i64::MAX))
        }
    }
}

/// A `DateTime<Utc>`: RFC 3339 as text, seconds and nanoseconds since the epoch otherwise.
pub mod instant {
    use std::fmt;

    use chrono::{DateTime, Utc};
    use serde::de::{Error, SeqAccess, Visitor};
    use serde::{Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            t.serialize(s)
        } else {
            (t.timestamp(), t.timestamp_subsec_nanos()).serialize(s)
        }
    }

    /// Reads either form, whatever the reader says of itself (see [`super::day::deserialize`]).
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        d.deserialize_any(Instant)
    }

    struct Instant;

    impl<'de> Visitor<'de> for Instant {
        type Value = DateTime<Utc>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an instant, as RFC 3339 text or as [seconds, nanoseconds]")
        }

        fn visit_str<E: Error>(self, s: &str) -> Result<DateTime<Utc>, E> {
            trellis_events::date::parse_utc(s)
                .ok_or_else(|| E::custom(format!("not an RFC 3339 instant: {s:?}")))
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<DateTime<Utc>, A::Error> {
            let missing = || A::Error::custom("an instant needs seconds and nanoseconds");
            let secs: i64 = seq.next_element()?.ok_or_else(missing)?;
            let nanos: u32 = seq.next_element()?.ok_or_else(missing)?;
            DateTime::from_timestamp(secs, nanos).ok_or_else(|| {
                A::Error::custom(format!("instant {secs}.{nanos:09} is out of range"))
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, NaiveDate, Utc};
    use proptest::prelude::*;
    use serde::{Deserialize, Serialize};

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Dated {
        #[serde(with = "super::day")]
        day: NaiveDate,
        #[serde(with = "super::instant")]
        at: DateTime<Utc>,
    }

    fn dated(days: i32, secs: i64, nanos: u32) -> Option<Dated> {
        Some(Dated {
            day: NaiveDate::from_num_days_from_ce_opt(days)?,
            at: DateTime::from_timestamp(secs, nanos)?,
        })
    }

    #[test]
    fn text_is_what_chrono_writes() {
        let d = dated(739_311, 1_740_787_200, 5_000_000).expect("in range");
        let json = serde_json::to_string(&d).expect("serializes");
        assert_eq!(
            json,
            r#"{"day":"2025-03-01","at":"2025-03-01T00:00:00.005Z"}"#
        );
        assert_eq!(serde_json::from_str::<Dated>(&json).ok(), Some(d));
    }

    /// serde reads an internally tagged enum's fields through its own buffer, which calls
    /// itself human-readable whatever the format: the numbers must still read back.
    #[test]
    fn numbers_read_back_inside_an_internally_tagged_enum() {
        #[derive(Debug, PartialEq, Serialize, Deserialize)]
        #[serde(tag = "type")]
        enum Tagged {
            Dated(Dated),
        }
        let d = Tagged::Dated(dated(739_311, 1_740_787_200, 5_000_000).expect("in range"));
        let bytes = rmp_serde::to_vec(&d).expect("serializes");
        assert_eq!(rmp_serde::from_slice::<Tagged>(&bytes).ok(), Some(d));
    }

    #[test]
    fn a_number_out_of_range_is_an_error_not_a_panic() {
        let bytes = rmp_serde::to_vec(&(i32::MAX, (i64::MAX, 0u32))).expect("serializes");
        let err = rmp_serde::from_slice::<Dated>(&bytes).expect_err("out of range");
        assert!(err.to_string().contains("out of range"), "{err}");
    }

    proptest! {
        #[test]
        fn both_forms_read_back_exactly(
            days in -100_000i32..1_000_000,
            secs in -10_000_000_000i64..10_000_000_000,
            nanos in 0u32..1_000_000_000,
        ) {
            let Some(d) = dated(days, secs, nanos) else { return Ok(()) };
            let bytes = rmp_serde::to_vec(&d).expect("serializes");
            let back = rmp_serde::from_slice::<Dated>(&bytes).ok();
            prop_assert_eq!(back.as_ref(), Some(&d));
            let json = serde_json::to_string(&d).expect("serializes");
            let back = serde_json::from_str::<Dated>(&json).ok();
            prop_assert_eq!(back.as_ref(), Some(&d));
        }
    }
}
