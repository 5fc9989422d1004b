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
    use chrono::{Datelike, NaiveDate};
    use serde::de::Error;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(d: &NaiveDate, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            d.serialize(s)
        } else {
            s.serialize_i32(d.num_days_from_ce())
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
        if d.is_human_readable() {
            trellis_events::date::date(d)
        } else {
            let days = i32::deserialize(d)?;
            NaiveDate::from_num_days_from_ce_opt(days)
                .ok_or_else(|| D::Error::custom(format!("day {days} is out of range")))
        }
    }
}

/// A `DateTime<Utc>`: RFC 3339 as text, seconds and nanoseconds since the epoch otherwise.
pub mod instant {
    use chrono::{DateTime, Utc};
    use serde::de::Error;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            t.serialize(s)
        } else {
            (t.timestamp(), t.timestamp_subsec_nanos()).serialize(s)
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        if d.is_human_readable() {
            trellis_events::date::utc(d)
        } else {
            let (secs, nanos) = <(i64, u32)>::deserialize(d)?;
            DateTime::from_timestamp(secs, nanos).ok_or_else(|| {
                D::Error::custom(format!("instant {secs}.{nanos:09} is out of range"))
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
