//! The demo's promises: a verified log, every kind of fact, exactly one retraction, two
//! school years of simulated time, the same history for the same seed, and exactly the
//! requested size in large mode.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, NaiveDate, Utc};
use trellis_events::{Envelope, Event, Log, LogError};
use trellis_rubric::Catalog;

use super::*;

fn sample(dir: &Path, seed: u64) -> DemoSummary {
    let opts = DemoOptions {
        seed,
        ..DemoOptions::default()
    };
    generate(dir, &Catalog::shipped(), &opts).expect("the demo generates")
}

/// Opens the log `generate` just closed. sled's I/O threads can hold the directory's lock
/// a moment after the last handle is dropped, so a busy machine gets a short grace period.
pub(crate) fn reopen(dir: &Path) -> Log {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        match Log::open(dir) {
            Err(LogError::Locked { .. }) if std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(20))
            }
            other => return other.expect("the log opens"),
        }
    }
}

fn read_all(dir: &Path) -> Vec<Envelope> {
    let log = reopen(dir);
    let report = log.verify();
    assert!(report.holds(), "the generated log must verify: {report:?}");
    log.iter(1)
        .collect::<Result<Vec<_>, _>>()
        .expect("the log reads back")
}

/// What must be the same for the same seed: everything but ids and hashes.
type Fact = (String, String, serde_json::Value, DateTime<Utc>, NaiveDate);

fn facts(events: &[Envelope]) -> Vec<Fact> {
    events
        .iter()
        .map(|e| {
            (
                e.stream.clone(),
                e.actor.clone(),
                serde_json::to_value(&e.event).expect("events serialize"),
                e.recorded_at,
                e.occurred_on,
            )
        })
        .collect()
}

#[test]
fn the_default_demo_writes_a_verified_two_year_history_with_every_kind_of_fact_and_one_retraction()
{
    let dir = tempfile::tempdir().expect("a temp dir");
    let summary = sample(dir.path(), DEFAULT_SEED);
    let events = read_all(dir.path());

    assert_eq!(events.len() as u64, summary.events);
    assert!(
        (2_000..=5_000).contains(&events.len()),
        "a district's two years should be a few thousand events, got {}",
        events.len()
    );
    let mut by_kind: BTreeMap<&str, u64> = BTreeMap::new();
    for e in &events {
        *by_kind.entry(e.event.kind()).or_default() += 1;
    }
    // Every kind of fact a team records; API tokens' grants come from making tokens.
    for kind in trellis_events::KINDS
        .iter()
        .filter(|k| !k.starts_with("access_"))
    {
        assert!(
            by_kind.contains_key(kind),
            "no {kind} in the demo: {by_kind:?}"
        );
    }
    assert_eq!(by_kind["event_retracted"], 1, "exactly one retraction");
    let summary_kinds: BTreeMap<&str, u64> = summary
        .by_kind
        .iter()
        .map(|(k, v)| (k.as_str(), *v))
        .collect();
    assert_eq!(
        summary_kinds, by_kind,
        "the summary counts what the log holds"
    );

    let first = events.first().expect("events").recorded_at;
    let last = events.last().expect("events").recorded_at;
    assert!(
        last - first > chrono::Duration::days(548),
        "recorded times should span two school years, got {first} .. {last}"
    );
    assert_eq!(
        (summary.first_recorded, summary.last_recorded),
        (first, last)
    );
    for pair in events.windows(2) {
        assert!(
            pair[0].recorded_at < pair[1].recorded_at,
            "recorded times strictly increase: {pair:?}"
        );
    }
    for e in &events {
        assert!(
            e.occurred_on <= e.recorded_at.date_naive(),
            "nothing happens after it is recorded: {e:?}"
        );
        assert!(
            e.recorded_at.date_naive() - e.occurred_on <= chrono::Duration::days(7),
            "facts are recorded within a few days: {e:?}"
        );
    }
    assert_eq!(summary.orgs, 8, "a state, the district and six schools");
    assert!(
        (35..=45).contains(&summary.people),
        "about forty people, got {}",
        summary.people
    );
    // One part per person per item, as a RACI chart reads: nobody is both doing a goal and
    // being consulted on it.
    let mut parts: BTreeMap<(&str, String, &str), Vec<String>> = BTreeMap::new();
    for e in &events {
        if let Event::RaciAssigned {
            cycle,
            item,
            role,
            person,
        } = &e.event
        {
            let key = (cycle.as_str(), format!("{item:?}"), person.as_str());
            let roles = parts.entry(key).or_default();
            roles.push(format!("{role:?}"));
            assert_eq!(roles.len(), 1, "{person} holds {roles:?} on {item:?}");
        }
    }
}

#[test]
fn the_retraction_names_a_mistyped_measure_that_is_entered_again() {
    let dir = tempfile::tempdir().expect("a temp dir");
    sample(dir.path(), DEFAULT_SEED);
    let events = read_all(dir.path());
    let (at, retracted) = events
        .iter()
        .enumerate()
        .find_map(|(i, e)| match &e.event {
            Event::EventRetracted { position, reason } => {
                assert!(reason.contains("Typo"), "{reason}");
                Some((i, *position))
            }
            _ => None,
        })
        .expect("one retraction");
    let wrong = &events[retracted as usize - 1];
    let Event::MeasureRecorded { goal, value, .. } = &wrong.event else {
        panic!("the retraction names a measure: {wrong:?}");
    };
    assert_eq!(
        events[at].stream, wrong.stream,
        "a retraction goes to the stream of what it retracts"
    );
    let again = events[at + 1..]
        .iter()
        .find_map(|e| match &e.event {
            Event::MeasureRecorded {
                goal: g, value: v, ..
            } if g == goal && e.stream == wrong.stream => Some((*v, e.occurred_on)),
            _ => None,
        })
        .expect("the measure is entered again");
    assert!(
        (again.0 * 10.0 - value).abs() < 0.6,
        "{} was meant as {}",
        value,
        again.0
    );
    assert_eq!(again.1, wrong.occurred_on, "re-entered for the same day");
}

#[test]
fn the_same_seed_writes_the_same_history_and_another_seed_a_different_one() {
    let (a, b, c) = (
        tempfile::tempdir().expect("a temp dir"),
        tempfile::tempdir().expect("a temp dir"),
        tempfile::tempdir().expect("a temp dir"),
    );
    sample(a.path(), 7);
    sample(b.path(), 7);
    sample(c.path(), 8);
    let (a, b, c) = (
        facts(&read_all(a.path())),
        facts(&read_all(b.path())),
        facts(&read_all(c.path())),
    );
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x, y);
    }
    assert_ne!(a, c);
}

#[test]
fn a_data_directory_whose_log_holds_events_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let opts = DemoOptions {
        events: Some(50),
        ..DemoOptions::default()
    };
    generate(dir.path(), &Catalog::shipped(), &opts).expect("the first run fills the directory");
    drop(reopen(dir.path()));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    let err = loop {
        let err = generate(dir.path(), &Catalog::shipped(), &DemoOptions::default())
            .expect_err("a second run is refused");
        // See `reopen`: the lock may outlive the handle by a moment.
        let locked = err
            .chain()
            .any(|e| matches!(e.downcast_ref::<LogError>(), Some(LogError::Locked { .. })));
        if !locked || std::time::Instant::now() >= deadline {
            break err;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert!(
        err.to_string().contains("already holds a log of 50 events"),
        "{err}"
    );
    assert_eq!(read_all(dir.path()).len(), 50);
}

#[test]
fn the_large_mode_writes_exactly_the_requested_number_of_events_and_the_log_verifies() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let opts = DemoOptions {
        seed: 3,
        events: Some(20_000),
        progress: false,
    };
    let summary =
        generate(dir.path(), &Catalog::shipped(), &opts).expect("the large mode generates");
    assert_eq!(summary.events, 20_000);
    let events = read_all(dir.path());
    assert_eq!(events.len(), 20_000);
    assert!(summary.districts >= 2, "{summary:?}");
    let kinds: std::collections::BTreeSet<&str> = events.iter().map(|e| e.event.kind()).collect();
    for kind in [
        "indicator_rated",
        "measure_recorded",
        "milestone_reached",
        "adjustment_logged",
        "celebration_logged",
        "reflection_answered",
    ] {
        assert!(kinds.contains(kind), "the large log has {kind} too");
    }
}

#[test]
fn zero_events_is_refused() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let opts = DemoOptions {
        events: Some(0),
        ..DemoOptions::default()
    };
    let err = generate(dir.path(), &Catalog::shipped(), &opts).expect_err("nothing to generate");
    assert!(err.to_string().contains("at least 1"), "{err}");
}
