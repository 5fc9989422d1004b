//! Instants and days as users write them, on the command line and in API queries: one
//! reading for both, so that "as of 2025-03-01" means the same everywhere.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};

/// An instant: RFC 3339, or a day (UTC) standing for its start, so that `--from 2025-03-01`
/// takes in all of that day.
pub fn instant_from(s: &str) -> Result<DateTime<Utc>, String> {
    instant(s, NaiveTime::MIN)
}

/// An instant: RFC 3339, or a day (UTC) standing for its end, so that `--as-of 2025-03-01`,
/// `?as_of=2025-03-01` and `--to 2025-03-01` take in everything recorded that day.
pub fn instant_until(s: &str) -> Result<DateTime<Utc>, String> {
    // Checked when compiling: a valid time of day.
    const LAST: NaiveTime = match NaiveTime::from_hms_nano_opt(23, 59, 59, 999_999_999) {
        Some(t) => t,
        None => panic!("23:59:59.999999999 is a time of day"),
    };
    instant(s, LAST)
}

fn instant(s: &str, time_of_day: NaiveTime) -> Result<DateTime<Utc>, String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    match day(s) {
        Ok(day) => Ok(day.and_time(time_of_day).and_utc()),
        Err(_) => Err(format!(
            "expected an instant (RFC 3339, e.g. 2025-03-01T00:00:00Z) or a day (2025-03-01), \
             got {s:?}"
        )),
    }
}

/// A day (`--today`, `?today=`), with the same kind of message as an instant's.
pub fn day(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|e| format!("expected a day such as 2025-03-01, got {s:?} ({e})"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_stands_for_its_start_or_its_end_and_an_instant_for_itself() {
        let from = instant_from("2025-03-01").map(|t| t.to_rfc3339());
        let until = instant_until("2025-03-01").map(|t| t.to_rfc3339());
        assert_eq!(from.as_deref(), Ok("2025-03-01T00:00:00+00:00"));
        assert_eq!(until.as_deref(), Ok("2025-03-01T23:59:59.999999999+00:00"));
        let exact = instant_until("2025-03-01T12:00:00Z").map(|t| t.to_rfc3339());
        assert_eq!(exact.as_deref(), Ok("2025-03-01T12:00:00+00:00"));
        assert!(instant_until("someday").is_err());
        assert!(day("2025-13-01").is_err());
    }
}
