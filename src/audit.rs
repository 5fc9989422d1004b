//! The auditor's listing: who did what and when, filtered by actor, stream, kind and
//! recorded time, read straight from the log (no view is folded).
//!
//! Recorded times never decrease along the log, so a time window is a range of positions
//! found by binary search, and only that range is read; a stream is read through the
//! log's stream index. The filter ([`AuditFilter::matches`]) still decides every event.

use chrono::Duration;
use trellis_events::{Envelope, Log, LogError};
use trellis_projections::{AuditEntry, AuditFilter};

use crate::progress::Progress;

/// The positions that can hold an event recorded inside the filter's time window: from the
/// first recorded at or after `from` to the last recorded at or before `to`. Empty (the
/// first above the last) when none can.
pub fn window(log: &Log, filter: &AuditFilter) -> Result<(u64, u64), LogError> {
    let first = match filter.from {
        // The last event recorded before `from`, then the one after it.
        Some(from) => match from.checked_sub_signed(Duration::nanoseconds(1)) {
            Some(before) => log.position_at(before)? + 1,
            None => 1,
        },
        None => 1,
    };
    let last = match filter.to {
        Some(to) => log.position_at(to)?,
        None => log.head_position(),
    };
    Ok((first, last))
}

/// What a listing read and found.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Scanned {
    /// Events inside the time window that the filter looked at.
    pub read: u64,
    /// Events that matched (up to the limit, when there is one).
    pub matched: u64,
}

/// Hands every event that matches `filter` to `emit`, in log order, up to `limit` of them.
pub fn list(
    log: &Log,
    filter: &AuditFilter,
    limit: Option<usize>,
    show_progress: bool,
    mut emit: impl FnMut(AuditEntry) -> anyhow::Result<()>,
) -> anyhow::Result<Scanned> {
    let (first, last) = window(log, filter)?;
    let mut scanned = Scanned::default();
    let full = |s: &Scanned| limit.is_some_and(|n| s.matched >= n as u64);
    let mut take = |env: &Envelope, scanned: &mut Scanned| -> anyhow::Result<()> {
        scanned.read += 1;
        if filter.matches(env) {
            scanned.matched += 1;
            emit(AuditEntry::from(env))?;
        }
        Ok(())
    };
    if let Some(stream) = &filter.stream {
        // A stream holds a small share of the log: read it through its index.
        for env in log.read_stream(stream, 1)? {
            if full(&scanned) {
                break;
            }
            if (first..=last).contains(&env.position) {
                take(&env, &mut scanned)?;
            }
        }
        return Ok(scanned);
    }
    if first > last {
        return Ok(scanned);
    }
    let bar = Progress::new("auditing", last - first + 1, show_progress);
    for env in log.iter(first) {
        let env = env?;
        if env.position > last || full(&scanned) {
            break;
        }
        take(&env, &mut scanned)?;
        bar.tick(scanned.read);
    }
    bar.finish();
    Ok(scanned)
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, NaiveDate, TimeZone};
    use trellis_events::log::Options;
    use trellis_events::{Append, Event, NewEvent};

    use super::*;

    fn at(hour: u32) -> DateTime<chrono::Utc> {
        chrono::Utc
            .with_ymd_and_hms(2025, 3, 1, hour, 0, 0)
            .single()
            .expect("a valid instant")
    }

    /// Six people added by two actors in two streams, recorded at hours 1, 2, 2, 3, 4, 5.
    fn log() -> (tempfile::TempDir, Log) {
        let dir = tempfile::tempdir().expect("temp dir");
        let options = Options { backdating: true };
        let log = Log::open_with(dir.path(), options).expect("open");
        for (i, hour) in [1, 2, 2, 3, 4, 5].into_iter().enumerate() {
            let ev = NewEvent {
                occurred_on: NaiveDate::from_ymd_opt(2025, 3, 1).expect("date"),
                event: Event::PersonAdded {
                    person: format!("p{i}"),
                    name: "N".into(),
                    email: None,
                },
            };
            let (stream, actor) = if i % 2 == 0 {
                ("org-a", "ann")
            } else {
                ("org-b", "bob")
            };
            log.append_blocking(Append::new(stream, actor, vec![ev]).recorded_at(at(hour)))
                .expect("append");
        }
        (dir, log)
    }

    fn positions(log: &Log, filter: &AuditFilter, limit: Option<usize>) -> Vec<u64> {
        let mut out = Vec::new();
        list(log, filter, limit, false, |e| {
            out.push(e.position);
            Ok(())
        })
        .expect("list");
        out
    }

    #[test]
    fn a_time_window_is_the_range_of_positions_recorded_inside_it_bounds_included() {
        let (_dir, log) = log();
        let window_of = |from, to| {
            let f = AuditFilter {
                from,
                to,
                ..AuditFilter::default()
            };
            window(&log, &f).expect("window")
        };
        assert_eq!(window_of(None, None), (1, 6));
        assert_eq!(window_of(Some(at(2)), Some(at(3))), (2, 4));
        assert_eq!(window_of(Some(at(2)), None), (2, 6));
        assert_eq!(window_of(None, Some(at(1))), (1, 1));
        // Nothing recorded inside: an empty range.
        let (first, last) = window_of(Some(at(6)), None);
        assert!(first > last);
        let (first, last) = window_of(None, Some(at(0)));
        assert!(first > last);
    }

    #[test]
    fn every_filter_narrows_the_listing_and_a_limit_keeps_the_first_matches() {
        let (_dir, log) = log();
        let all = AuditFilter::default();
        assert_eq!(positions(&log, &all, None), [1, 2, 3, 4, 5, 6]);
        let bob = AuditFilter {
            actor: Some("bob".into()),
            ..AuditFilter::default()
        };
        assert_eq!(positions(&log, &bob, None), [2, 4, 6]);
        // Through the stream index, and still inside the time window.
        let stream_a_late = AuditFilter {
            stream: Some("org-a".into()),
            from: Some(at(2)),
            ..AuditFilter::default()
        };
        assert_eq!(positions(&log, &stream_a_late, None), [3, 5]);
        let none = AuditFilter {
            kind: Some("goal_set".into()),
            ..AuditFilter::default()
        };
        assert!(positions(&log, &none, None).is_empty());
        assert_eq!(positions(&log, &bob, Some(2)), [2, 4]);
        let scanned = list(&log, &stream_a_late, None, false, |_| Ok(())).expect("list");
        assert_eq!(
            scanned,
            Scanned {
                read: 2,
                matched: 2
            }
        );
    }
}
