//! Finding the log position that corresponds to an instant.

use chrono::{DateTime, Utc};

use crate::log::{Log, LogError};

impl Log {
    /// The last position recorded at or before `instant` (0 when none was).
    ///
    /// Recorded times never decrease along the log, so this is a binary search over
    /// positions: "as of an instant" is "as of this position".
    pub fn position_at(&self, instant: DateTime<Utc>) -> Result<u64, LogError> {
        let (mut lo, mut hi) = (0u64, self.head_position());
        // Invariant: every position ≤ lo is at or before `instant`; every one > hi is after.
        while lo < hi {
            let mid = lo + (hi - lo).div_ceil(2);
            let recorded = self.get(mid)?.map(|e| e.recorded_at);
            match recorded {
                Some(t) if t <= instant => lo = mid,
                _ => hi = mid - 1,
            }
        }
        Ok(lo)
    }
}

#[cfg(test)]
mod tests {
    use crate::{Append, Event, Log, NewEvent};
    use chrono::{Duration, NaiveDate};

    #[test]
    fn position_at_finds_the_last_event_recorded_by_an_instant() {
        let dir = tempfile::tempdir().unwrap();
        let log = Log::open(dir.path()).unwrap();
        assert_eq!(log.position_at(chrono::Utc::now()).unwrap(), 0);
        let mut times = vec![];
        for i in 0..5 {
            let ev = NewEvent {
                occurred_on: NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
                event: Event::PersonAdded {
                    person: format!("p{i}"),
                    name: "N".into(),
                    email: None,
                },
            };
            let a = log
                .append_blocking(Append::new("s", "t", vec![ev]))
                .unwrap();
            times.push(log.get(a.first).unwrap().unwrap().recorded_at);
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        assert_eq!(
            log.position_at(times[0] - Duration::milliseconds(1))
                .unwrap(),
            0
        );
        assert_eq!(log.position_at(times[2]).unwrap(), 3);
        assert_eq!(log.position_at(times[4] + Duration::days(1)).unwrap(), 5);
    }
}
