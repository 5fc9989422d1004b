//! Reading the dates and times the log writes, fast.
//!
//! Every stored event carries `recorded_at` and `occurred_on`, and many payloads a due date,
//! so a replay parses millions of them; chrono's general-purpose parser costs a noticeable
//! share of decoding. The log only ever writes two shapes — `YYYY-MM-DD` and RFC 3339 in UTC
//! with a `Z` and 0 to 9 fraction digits — and these are read directly; anything else falls
//! back to chrono, so every string chrono accepted is still accepted, with the same value.

use std::borrow::Cow;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::de::Error as _;
use serde::{Deserialize, Deserializer};

/// `n` ASCII digits at the start of `b`, as a number.
fn digits(b: &[u8]) -> Option<u32> {
    b.iter().try_fold(0u32, |n, &c| {
        c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
    })
}

/// `YYYY-MM-DD` exactly.
fn fast_date(b: &[u8]) -> Option<NaiveDate> {
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year = i32::try_from(digits(&b[..4])?).ok()?;
    NaiveDate::from_ymd_opt(year, digits(&b[5..7])?, digits(&b[8..10])?)
}

/// `YYYY-MM-DDTHH:MM:SS[.f{1,9}]Z` exactly.
fn fast_utc(b: &[u8]) -> Option<DateTime<Utc>> {
    if b.len() < 20 || b[10] != b'T' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (last, rest) = b[19..].split_last()?;
    if *last != b'Z' {
        return None;
    }
    let nanos = match rest {
        [] => 0,
        [b'.', fraction @ ..] if (1..=9).contains(&fraction.len()) => {
            digits(fraction)? * 10u32.pow(9 - fraction.len() as u32)
        }
        _ => return None,
    };
    let time = NaiveTime::from_hms_nano_opt(
        digits(&b[11..13])?,
        digits(&b[14..16])?,
        digits(&b[17..19])?,
        nanos,
    )?;
    Some(fast_date(&b[..10])?.and_time(time).and_utc())
}

/// Parses a date as chrono does.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    fast_date(s.as_bytes()).or_else(|| NaiveDate::from_str(s).ok())
}

/// Parses an instant as chrono's `DateTime<Utc>` deserializer does.
pub fn parse_utc(s: &str) -> Option<DateTime<Utc>> {
    fast_utc(s.as_bytes()).or_else(|| DateTime::<Utc>::from_str(s).ok())
}

/// `deserialize_with` for a [`NaiveDate`].
pub fn date<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
    let s = Cow::<'de, str>::deserialize(d)?;
    parse_date(&s).ok_or_else(|| D::Error::custom(format!("not a date: {s:?}")))
}

/// `deserialize_with` for an optional [`NaiveDate`].
pub fn opt_date<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
    match Option::<Cow<'de, str>>::deserialize(d)? {
        None => Ok(None),
        Some(s) => parse_date(&s)
            .map(Some)
            .ok_or_else(|| D::Error::custom(format!("not a date: {s:?}"))),
    }
}

/// `deserialize_with` for a [`DateTime<Utc>`].
pub fn utc<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
    let s = Cow::<'de, str>::deserialize(d)?;
    parse_utc(&s).ok_or_else(|| D::Error::custom(format!("not an RFC 3339 instant: {s:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_shapes_the_log_writes_are_read_fast_and_right() {
        let t = fast_utc(b"2026-11-22T16:30:19.621355604Z").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-11-22T16:30:19.621355604+00:00");
        assert_eq!(
            fast_utc(b"2026-11-22T16:30:19Z"),
            parse_utc("2026-11-22T16:30:19+00:00")
        );
        assert_eq!(
            fast_utc(b"2026-11-22T16:30:19.5Z").map(|t| t.timestamp_subsec_millis()),
            Some(500)
        );
        assert_eq!(
            fast_date(b"2025-02-28"),
            NaiveDate::from_ymd_opt(2025, 2, 28)
        );
        // Not real dates, or not these shapes: left to chrono, which refuses or reads them.
        assert_eq!(fast_date(b"2025-02-30"), None);
        assert_eq!(parse_date("2025-02-30"), None);
        assert_eq!(fast_utc(b"2026-11-22T16:30:19+01:00"), None);
        assert_eq!(
            parse_utc("2026-11-22T16:30:19+01:00").map(|t| t.to_rfc3339()),
            Some("2026-11-22T15:30:19+00:00".to_string())
        );
        assert_eq!(fast_utc(b"2026-11-22T16:30:19.Z"), None);
        assert_eq!(fast_utc(b"2026-11-22T16:30:19.1234567890Z"), None);
        assert_eq!(
            parse_date("+2025-01-01").is_some(),
            NaiveDate::from_str("+2025-01-01").is_ok()
        );
    }

    proptest! {
        #[test]
        fn every_instant_reads_back_as_chrono_wrote_it(secs in 0i64..8_000_000_000, nanos in 0u32..1_000_000_000) {
            let t = DateTime::<Utc>::from_timestamp(secs, nanos).unwrap_or_default();
            let json = serde_json::to_string(&t).unwrap_or_default();
            let s: String = serde_json::from_str(&json).unwrap_or_default();
            prop_assert_eq!(fast_utc(s.as_bytes()), Some(t));
            let d = t.date_naive();
            let s: String = serde_json::from_str(&serde_json::to_string(&d).unwrap_or_default()).unwrap_or_default();
            prop_assert_eq!(fast_date(s.as_bytes()), Some(d));
        }

        #[test]
        fn a_written_instant_with_one_character_changed_reads_as_chrono_reads_it(
            secs in 0i64..8_000_000_000,
            nanos in 0u32..1_000_000_000,
            at in 0usize..40,
            c in "[0-9T:.Z+ -]",
        ) {
            let t = DateTime::<Utc>::from_timestamp(secs, nanos).unwrap_or_default();
            let mut s = t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
            if at < s.len() {
                s.replace_range(at..=at, &c);
            }
            prop_assert_eq!(parse_utc(&s), DateTime::<Utc>::from_str(&s).ok(), "{}", s);
            let d = &s[..10.min(s.len())];
            prop_assert_eq!(parse_date(d), NaiveDate::from_str(d).ok(), "{}", d);
        }

        #[test]
        fn any_string_reads_as_chrono_reads_it(s in "[0-9T:.Z+-]{0,34}") {
            prop_assert_eq!(parse_date(&s), NaiveDate::from_str(&s).ok());
            prop_assert_eq!(parse_utc(&s), DateTime::<Utc>::from_str(&s).ok());
        }
    }
}
