//! Model-based tests of the log: random operations are applied both to the real [`Log`] in a
//! temp directory and to a plain in-memory reference, and every answer must agree. A
//! `Restart` operation drops the log and reopens the same directory, so whatever the model
//! remembers the store must remember too.
//!
//! Also here: a live subscription fed by concurrent appenders sees every position exactly
//! once, in order.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use chrono::NaiveDate;
use proptest::prelude::*;
use trellis_events::{Append, AppendError, Appended, Envelope, Event, Expected, Log, NewEvent};

const STREAMS: [&str; 3] = ["cycle:alpha", "cycle:beta", "org:district-7"];
const ACTORS: [&str; 2] = ["ana@district.example", "ben@district.example"];
const KEYS: [&str; 3] = ["req-1", "req-2", "req-3"];

/// What an append expects, before it is resolved against the model's current version.
#[derive(Clone, Copy, Debug)]
enum Exp {
    Any,
    NoStream,
    /// Exactly the stream's current version.
    Right,
    /// A version the stream is not at (the number picks which).
    Wrong(u64),
}

#[derive(Clone, Debug)]
enum Op {
    Append {
        stream: usize,
        expected: Exp,
        key: Option<usize>,
        actor: usize,
        events: Vec<u8>,
    },
    /// Sends again, unchanged, an earlier append (index modulo how many were sent).
    Retry(usize),
    Read {
        from: u64,
        limit: usize,
    },
    ReadStream {
        stream: usize,
        from_version: u64,
    },
    StreamVersion(usize),
    Get(u64),
    Head,
    Restart,
    /// Merges the log's segments now (the last run included).
    Repack,
}

fn op() -> impl Strategy<Value = Op> {
    let exp = prop_oneof![
        2 => Just(Exp::Any),
        1 => Just(Exp::NoStream),
        2 => Just(Exp::Right),
        1 => (0u64..3).prop_map(Exp::Wrong),
    ];
    let append = (
        0..STREAMS.len(),
        exp,
        proptest::option::weighted(0.5, 0..KEYS.len()),
        0..ACTORS.len(),
        proptest::collection::vec(0u8..4, 1..=3),
    )
        .prop_map(|(stream, expected, key, actor, events)| Op::Append {
            stream,
            expected,
            key,
            actor,
            events,
        });
    prop_oneof![
        8 => append,
        2 => any::<usize>().prop_map(Op::Retry),
        2 => (0u64..64, 0usize..6).prop_map(|(from, limit)| Op::Read { from, limit }),
        2 => (0..STREAMS.len(), 0u64..6)
            .prop_map(|(stream, from_version)| Op::ReadStream { stream, from_version }),
        1 => (0..STREAMS.len()).prop_map(Op::StreamVersion),
        2 => (0u64..64).prop_map(Op::Get),
        1 => Just(Op::Head),
        1 => Just(Op::Restart),
        1 => Just(Op::Repack),
    ]
}

fn new_event(b: u8) -> NewEvent {
    NewEvent {
        occurred_on: NaiveDate::from_ymd_opt(2024, 1, 1 + u32::from(b)).expect("a valid date"),
        event: Event::PersonAdded {
            person: format!("person-{b}"),
            name: format!("Person {b}"),
            email: b
                .is_multiple_of(2)
                .then(|| format!("p{b}@district.example")),
        },
    }
}

/// One event as the model holds it.
#[derive(Clone, Debug, PartialEq)]
struct Stored {
    position: u64,
    stream: String,
    stream_version: u64,
    actor: String,
    occurred_on: NaiveDate,
    event: Event,
}

impl From<&Envelope> for Stored {
    fn from(e: &Envelope) -> Stored {
        Stored {
            position: e.position,
            stream: e.stream.clone(),
            stream_version: e.stream_version,
            actor: e.actor.clone(),
            occurred_on: e.occurred_on,
            event: e.event.clone(),
        }
    }
}

/// The reference: a plain list of events, stream versions, and the answer of each key.
#[derive(Default)]
struct Model {
    events: Vec<Stored>,
    versions: HashMap<String, u64>,
    /// The request a key was first used with (without its key) and what it was answered.
    keys: HashMap<String, (Append, Appended)>,
}

impl Model {
    fn version(&self, stream: &str) -> u64 {
        self.versions.get(stream).copied().unwrap_or(0)
    }

    fn append(&mut self, req: &Append) -> Result<Appended, AppendError> {
        let unkeyed = Append {
            idempotency_key: None,
            ..req.clone()
        };
        // The key is looked at before the expected version: a retry of a request that was
        // written is answered as before, even though the stream has moved on since.
        if let Some(key) = &req.idempotency_key {
            if let Some((first, answer)) = self.keys.get(key) {
                return if *first == unkeyed {
                    Ok(Appended {
                        deduplicated: true,
                        ..*answer
                    })
                } else {
                    Err(AppendError::KeyReused { key: key.clone() })
                };
            }
        }
        let actual = self.version(&req.stream);
        if !req.expected.admits(actual) {
            return Err(AppendError::Conflict {
                stream: req.stream.clone(),
                expected: req.expected,
                actual,
            });
        }
        let first = self.events.len() as u64 + 1;
        let mut version = actual;
        for e in &req.events {
            version += 1;
            self.events.push(Stored {
                position: self.events.len() as u64 + 1,
                stream: req.stream.clone(),
                stream_version: version,
                actor: req.actor.clone(),
                occurred_on: e.occurred_on,
                event: e.event.clone(),
            });
        }
        self.versions.insert(req.stream.clone(), version);
        let answer = Appended {
            first,
            last: self.events.len() as u64,
            stream_version: version,
            deduplicated: false,
        };
        if let Some(key) = &req.idempotency_key {
            self.keys.insert(key.clone(), (unkeyed, answer));
        }
        Ok(answer)
    }
}

fn stored(envs: &[Envelope]) -> Vec<Stored> {
    envs.iter().map(Stored::from).collect()
}

fn run_ops(dir: &Path, ops: &[Op]) -> Result<(), TestCaseError> {
    let mut log = Log::open(dir).map_err(|e| TestCaseError::fail(format!("open: {e}")))?;
    let mut model = Model::default();
    let mut sent: Vec<Append> = Vec::new();
    for (i, op) in ops.iter().enumerate() {
        let len = model.events.len() as u64;
        match op {
            Op::Append {
                stream,
                expected,
                key,
                actor,
                events,
            } => {
                let stream = STREAMS[*stream];
                let actual = model.version(stream);
                let expected = match *expected {
                    Exp::Any => Expected::Any,
                    Exp::NoStream => Expected::NoStream,
                    Exp::Right => Expected::Exact(actual),
                    Exp::Wrong(n) if n == 0 && actual > 0 => Expected::Exact(actual - 1),
                    Exp::Wrong(n) => Expected::Exact(actual + n + 1),
                };
                let mut req = Append::new(
                    stream,
                    ACTORS[*actor],
                    events.iter().map(|b| new_event(*b)).collect(),
                )
                .expect(expected);
                if let Some(k) = key {
                    req = req.key(KEYS[*k]);
                }
                let want = model.append(&req);
                let got = log.append_blocking(req.clone());
                prop_assert_eq!(got, want, "op {}: {:?}", i, op);
                sent.push(req);
            }
            Op::Retry(n) => {
                if sent.is_empty() {
                    continue;
                }
                let req = sent[n % sent.len()].clone();
                let want = model.append(&req);
                let got = log.append_blocking(req.clone());
                prop_assert_eq!(got, want, "op {}: retry of {:?}", i, req);
                sent.push(req);
            }
            Op::Read { from, limit } => {
                let from = from % (len + 3);
                let got = log
                    .read(from, *limit)
                    .map_err(|e| TestCaseError::fail(e.to_string()))?;
                let start = (from.max(1) - 1) as usize;
                let want: Vec<Stored> = model
                    .events
                    .iter()
                    .skip(start)
                    .take(*limit)
                    .cloned()
                    .collect();
                prop_assert_eq!(stored(&got), want, "op {}: read({}, {})", i, from, limit);
            }
            Op::ReadStream {
                stream,
                from_version,
            } => {
                let stream = STREAMS[*stream];
                let got = log
                    .read_stream(stream, *from_version)
                    .map_err(|e| TestCaseError::fail(e.to_string()))?;
                let want: Vec<Stored> = model
                    .events
                    .iter()
                    .filter(|e| e.stream == stream && e.stream_version >= (*from_version).max(1))
                    .cloned()
                    .collect();
                prop_assert_eq!(
                    stored(&got),
                    want,
                    "op {}: read_stream({}, {})",
                    i,
                    stream,
                    from_version
                );
            }
            Op::StreamVersion(s) => {
                let stream = STREAMS[*s];
                let got = log
                    .stream_version(stream)
                    .map_err(|e| TestCaseError::fail(e.to_string()))?;
                prop_assert_eq!(
                    got,
                    model.version(stream),
                    "op {}: stream_version({})",
                    i,
                    stream
                );
            }
            Op::Get(p) => {
                let p = p % (len + 3);
                let got = log.get(p).map_err(|e| TestCaseError::fail(e.to_string()))?;
                let want = (p >= 1)
                    .then(|| model.events.get(p as usize - 1).cloned())
                    .flatten();
                prop_assert_eq!(got.as_ref().map(Stored::from), want, "op {}: get({})", i, p);
            }
            Op::Head => {
                let head = log.head();
                prop_assert_eq!(head.position, len);
                let last_hash = log
                    .get(len)
                    .map_err(|e| TestCaseError::fail(e.to_string()))?
                    .map(|e| e.hash)
                    .unwrap_or(trellis_events::Hash::ZERO);
                prop_assert_eq!(head.hash, last_hash);
            }
            Op::Repack => {
                log.repack()
                    .map_err(|e| TestCaseError::fail(format!("op {i}: repack: {e}")))?;
                let report = log.verify();
                prop_assert!(
                    report.holds(),
                    "op {}: verify after repack: {:?}",
                    i,
                    report
                );
                let all = log
                    .read(1, usize::MAX)
                    .map_err(|e| TestCaseError::fail(e.to_string()))?;
                prop_assert_eq!(stored(&all), model.events.clone(), "op {}: read all", i);
            }
            Op::Restart => {
                drop(log);
                log = Log::open(dir)
                    .map_err(|e| TestCaseError::fail(format!("op {i}: reopen: {e}")))?;
                let report = log.verify();
                prop_assert!(
                    report.holds(),
                    "op {}: verify after restart: {:?}",
                    i,
                    report
                );
            }
        }
        prop_assert_eq!(
            log.head_position(),
            model.events.len() as u64,
            "op {}: head after {:?}",
            i,
            op
        );
    }
    // Whatever happened, the whole log reads back as the model and its chain holds.
    let all = log
        .read(0, usize::MAX)
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(stored(&all), model.events.clone());
    let mut prev = trellis_events::Hash::ZERO;
    let mut recorded = None;
    for e in &all {
        prop_assert_eq!(e.prev_hash, prev, "position {}: prev_hash", e.position);
        prev = e.hash;
        prop_assert!(
            recorded <= Some(e.recorded_at),
            "recorded_at went backwards at {}",
            e.position
        );
        recorded = Some(e.recorded_at);
    }
    let report = log.verify();
    prop_assert!(report.holds(), "final verify: {:?}", report);
    prop_assert_eq!(report.checked, model.events.len() as u64);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 160,
        // Every case opens a sled store and fsyncs its appends; shrinking needs no more.
        max_shrink_iters: 200,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn log_answers_every_operation_like_the_reference_model(
        ops in proptest::collection::vec(op(), 1..40)
    ) {
        let tmp = tempfile::tempdir().expect("a temp dir");
        run_ops(tmp.path(), &ops)?;
    }
}

#[test]
fn subscribers_see_every_position_once_in_order_while_tasks_append_concurrently() {
    let tmp = tempfile::tempdir().expect("a temp dir");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .expect("a runtime");
    rt.block_on(async {
        let log = Log::open(tmp.path()).expect("open");
        let before = 10u64;
        for b in 0..before {
            log.append(Append::new(
                "cycle:alpha",
                ACTORS[0],
                vec![new_event(b as u8 % 4)],
            ))
            .await
            .expect("append");
        }
        const TASKS: u64 = 6;
        const PER_TASK: u64 = 40;
        let n = before + TASKS * PER_TASK;
        // From the start, from the middle of what exists, and from the head: catch-up
        // then live, and live only.
        let mut subscribers = Vec::new();
        for after in [0, 6, before] {
            let mut sub = log.subscribe(after);
            subscribers.push(tokio::spawn(async move {
                let mut seen = Vec::new();
                while seen.last().copied().unwrap_or(after) < n {
                    match sub.next().await {
                        Some(Ok(e)) => seen.push(e.position),
                        Some(Err(e)) => panic!("subscriber after {after}: {e}"),
                        None => break,
                    }
                }
                (after, seen)
            }));
        }
        let mut appenders = Vec::new();
        for t in 0..TASKS {
            let log = log.clone();
            appenders.push(tokio::spawn(async move {
                let mut positions = Vec::new();
                for i in 0..PER_TASK {
                    let stream = STREAMS[(t as usize) % STREAMS.len()];
                    let req = Append::new(
                        stream,
                        ACTORS[t as usize % 2],
                        vec![new_event((t + i) as u8 % 4)],
                    );
                    let a = log.append(req).await.expect("append");
                    positions.push(a.first);
                    if i % 7 == 0 {
                        tokio::task::yield_now().await;
                    }
                }
                positions
            }));
        }
        let mut acknowledged = BTreeSet::new();
        for a in appenders {
            for p in a.await.expect("appender task") {
                assert!(acknowledged.insert(p), "position {p} was given twice");
            }
        }
        assert_eq!(
            acknowledged.into_iter().collect::<Vec<_>>(),
            (before + 1..=n).collect::<Vec<_>>()
        );
        for s in subscribers {
            let (after, seen) = tokio::time::timeout(std::time::Duration::from_secs(60), s)
                .await
                .expect("the subscriber reached the head")
                .expect("subscriber task");
            assert_eq!(
                seen,
                (after + 1..=n).collect::<Vec<_>>(),
                "subscriber after {after}"
            );
        }
        // Each event a subscriber is handed is the durable one.
        let mut sub = log.subscribe(n - 3);
        for p in n - 2..=n {
            let e = sub.next().await.expect("open").expect("readable");
            assert_eq!(Some(e), log.get(p).expect("get"));
        }
    });
}

/// Dropping the last handle must close the store before returning: a restart that reopens
/// the directory at once must never be told it is in use (sled finishes its last writes on
/// background threads, so this once failed about 1 time in 200 under load).
#[test]
fn a_dropped_log_can_be_reopened_at_once_every_time() {
    let tmp = tempfile::tempdir().expect("a temp dir");
    for i in 0..300u64 {
        let log = Log::open(tmp.path()).unwrap_or_else(|e| panic!("reopen {i}: {e}"));
        for k in 0..=(i % 3) {
            log.append_blocking(Append::new(
                "cycle:alpha",
                ACTORS[0],
                vec![new_event(k as u8)],
            ))
            .expect("append");
        }
    }
    let log = Log::open(tmp.path()).expect("final reopen");
    assert!(log.verify().holds());
}
