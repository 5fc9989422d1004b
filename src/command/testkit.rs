//! Given / when / then for command tests.
//!
//! `given(events)` folds `(stream, event)` pairs into a [`State`] at positions 1, 2, 3…;
//! `when(&state, command)` decides with today = [`TODAY`] and the shipped catalog;
//! `.then_events(stream, events)` or `.then_error(field)` say what must come out.

use std::collections::HashMap;
use std::sync::OnceLock;

use chrono::{DateTime, NaiveDate, Utc};
use trellis_events::{stream, Envelope, Event, Expected, Hash, MeasureDef, OrgKind};
use trellis_rubric::Catalog;
use ulid::Ulid;

use super::{decide, Command, CommandError, Context, Decision, State};

pub(crate) const TODAY: &str = "2025-03-10";

pub(crate) fn date(s: &str) -> NaiveDate {
    s.parse().expect("a test date")
}

pub(crate) fn today() -> NaiveDate {
    date(TODAY)
}

pub(crate) fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(Catalog::shipped)
}

pub(crate) fn context() -> Context<'static> {
    Context {
        actor: "tester".into(),
        today: today(),
        catalog: catalog(),
    }
}

/// A command from its JSON form, so tests also pin the wire shape.
pub(crate) fn cmd(json: serde_json::Value) -> Command {
    serde_json::from_value(json.clone()).unwrap_or_else(|e| panic!("bad test command {json}: {e}"))
}

/// An envelope as the log would write it (hashes are not checked by the fold).
pub(crate) fn envelope(
    position: u64,
    stream: String,
    stream_version: u64,
    event: Event,
) -> Envelope {
    Envelope {
        position,
        id: Ulid::from_parts(position, 0),
        stream,
        stream_version,
        actor: "tester".into(),
        recorded_at: DateTime::<Utc>::UNIX_EPOCH,
        occurred_on: today(),
        schema: 1,
        prev_hash: Hash::ZERO,
        hash: Hash::ZERO,
        event,
    }
}

/// The state after these facts, appended in order from position 1.
pub(crate) fn given(events: Vec<(String, Event)>) -> State {
    let mut state = State::new();
    for env in envelopes(events) {
        state.apply(&env);
    }
    state
}

/// `events` as the log would hold them: positions from 1, each stream's versions from 1.
pub(crate) fn envelopes(events: Vec<(String, Event)>) -> Vec<Envelope> {
    let mut versions: HashMap<String, u64> = HashMap::new();
    events
        .into_iter()
        .enumerate()
        .map(|(i, (stream, event))| {
            let v = versions.entry(stream.clone()).or_default();
            *v += 1;
            envelope(i as u64 + 1, stream, *v, event)
        })
        .collect()
}

/// Appends a decision's events to the state as the log would.
pub(crate) fn commit(state: &mut State, decision: &Decision) {
    for e in &decision.events {
        let version = state.stream_version(&decision.stream) + 1;
        let mut env = envelope(
            state.position() + 1,
            decision.stream.clone(),
            version,
            e.event.clone(),
        );
        env.occurred_on = e.occurred_on;
        state.apply(&env);
    }
}

pub(crate) fn when(state: &State, command: Command) -> Outcome<'_> {
    Outcome {
        state,
        result: decide(state, &command, &context()),
    }
}

pub(crate) struct Outcome<'s> {
    state: &'s State,
    result: Result<Decision, CommandError>,
}

impl Outcome<'_> {
    /// The command was accepted; returns the decision.
    pub(crate) fn decision(self) -> Decision {
        self.result
            .unwrap_or_else(|e| panic!("expected a decision, got {e:?}"))
    }

    /// The command was accepted and decided exactly these events, dated today, for
    /// `stream`, expecting the stream at the version the state saw.
    pub(crate) fn then_events(self, stream: &str, events: Vec<Event>) -> Decision {
        let version = self.state.stream_version(stream);
        let d = self.decision();
        assert_eq!(d.stream, stream, "stream");
        let expected = if version == 0 {
            Expected::NoStream
        } else {
            Expected::Exact(version)
        };
        assert_eq!(d.expected, expected, "expected version");
        let got: Vec<Event> = d.events.iter().map(|e| e.event.clone()).collect();
        assert_eq!(got, events);
        assert!(d.events.iter().all(|e| e.occurred_on == today()));
        d
    }

    /// The command was refused with an error about `field`; returns the error so the test
    /// can check its variant.
    pub(crate) fn then_error(self, field: &str) -> CommandError {
        match self.result {
            Ok(d) => panic!("expected an error about {field}, got a decision {d:?}"),
            Err(e) => {
                assert_eq!(e.field(), field, "wrong field in {e:?}");
                e
            }
        }
    }
}

/// Shorthand for a `(stream, event)` pair on a cycle's stream.
pub(crate) fn in_cycle(cycle: &str, event: Event) -> (String, Event) {
    (stream::cycle(cycle), event)
}

/// A small district to test against:
/// - state `st` → district `d1` → school `s1`;
/// - people `ana`, `ben`, `cy`;
/// - `d1` adopted leadership-system v1 and rapid-improvement v1 and a vision (v1);
/// - cycle `c1` of `d1` on leadership-system, focus 3a, lead ana, in phase plan;
/// - goal `g1` (attendance 88 → 94 %, accountable ana, due 2025-06-01);
/// - milestone `m1` of `g1` (due 2025-04-01, accountable ben).
pub(crate) fn history() -> Vec<(String, Event)> {
    let org = |id: &str, kind, parent: Option<&str>| {
        (
            stream::org(id),
            Event::OrgUnitRegistered {
                org: id.into(),
                kind,
                name: format!("Org {id}"),
                parent: parent.map(str::to_string),
            },
        )
    };
    let person = |id: &str| {
        (
            stream::person(id),
            Event::PersonAdded {
                person: id.into(),
                name: format!("Person {id}"),
                email: None,
            },
        )
    };
    let adopt = |rubric: &str| {
        (
            stream::org("d1"),
            Event::RubricAdopted {
                org: "d1".into(),
                rubric: rubric.into(),
                version: 1,
            },
        )
    };
    vec![
        org("st", OrgKind::State, None),
        org("d1", OrgKind::District, Some("st")),
        org("s1", OrgKind::School, Some("d1")),
        person("ana"),
        person("ben"),
        person("cy"),
        adopt("leadership-system"),
        adopt("rapid-improvement"),
        (
            stream::org("d1"),
            Event::VisionAdopted {
                org: "d1".into(),
                version: 1,
                statement: "Every student thrives".into(),
                portrait: vec!["curious".into(), "kind".into()],
            },
        ),
        in_cycle(
            "c1",
            Event::CycleOpened {
                cycle: "c1".into(),
                org: "d1".into(),
                title: "Attendance".into(),
                rubric: "leadership-system".into(),
                rubric_version: 1,
                focus: vec!["3a".into()],
                lead: "ana".into(),
                starts_on: date("2025-01-01"),
                ends_on: date("2025-06-30"),
            },
        ),
        in_cycle(
            "c1",
            Event::GoalSet {
                cycle: "c1".into(),
                goal: "g1".into(),
                statement: "Raise attendance".into(),
                target: None,
                measure: Some(MeasureDef {
                    name: "attendance".into(),
                    unit: "%".into(),
                    baseline: 88.0,
                    target: 94.0,
                }),
                due_on: date("2025-06-01"),
                accountable: "ana".into(),
                serves: None,
            },
        ),
        in_cycle(
            "c1",
            Event::MilestonePlanned {
                cycle: "c1".into(),
                goal: "g1".into(),
                milestone: "m1".into(),
                title: "Call every absent family".into(),
                due_on: date("2025-04-01"),
                accountable: "ben".into(),
                measure: "calls logged".into(),
            },
        ),
    ]
}

/// [`history`] followed by `more`.
pub(crate) fn history_and(more: Vec<(String, Event)>) -> State {
    let mut events = history();
    events.extend(more);
    given(events)
}

/// The position the next fact appended after `history()` + `more` would get.
pub(crate) fn next_position(more: usize) -> u64 {
    (history().len() + more) as u64 + 1
}

/// [`history`] with cycle `c1` closed.
pub(crate) fn closed_c1() -> State {
    history_and(vec![in_cycle(
        "c1",
        Event::CycleClosed {
            cycle: "c1".into(),
            summary: "done".into(),
        },
    )])
}
