//! The one writer: decides commands one after another and commits them in groups.
//!
//! Requests queue on a channel. The writer thread takes everything queued as one group,
//! decides each command against the write model as it stands after the commands before it
//! (each accepted decision is folded into the model at the position it will have), hands
//! the group's appends to the log, and waits once: the log commits them together, with one
//! durable flush. While that flush runs, new requests queue up for the next group. Each
//! caller is answered only when its events are durable. A refused command is answered at
//! once and appends nothing, so it never delays or fails the others of its group.
//!
//! If a flush fails, nothing of the group was acknowledged: the write model, which had
//! folded the group ahead of the disk, is dropped, and every later write is answered
//! `Unavailable`, while reads go on from the views (which only ever fold durable events).

use std::collections::HashSet;
use std::sync::Arc;

use chrono::Utc;
use serde::Serialize;
use tokio::sync::{mpsc, oneshot};
use trellis_events::{Append, AppendError, Appended, Envelope, Event, Hash, Log, NewEvent};
use trellis_rubric::Catalog;
use ulid::Ulid;

use crate::command::{self, Command, CommandError, Context, State, Target};
use crate::token::{Grant, Role};

/// Most requests decided into one group.
const MAX_GROUP: usize = 1024;

/// What a writer is asked to do.
pub enum Op {
    /// A team's act, decided against the write model.
    Command(Command),
    /// Events that need no decision (token grants and revocations), appended to `stream`.
    Record {
        stream: String,
        events: Vec<NewEvent>,
    },
}

/// One request to the writer.
pub struct Job {
    pub op: Op,
    pub grant: Grant,
    /// The `Idempotency-Key` and the fingerprint of the request it came with.
    pub idempotency: Option<(String, String)>,
    /// The stream version the client expects (`If-Match`).
    pub if_match: Option<u64>,
    pub reply: oneshot::Sender<Result<Written, WriteError>>,
}

/// One appended event, as a 201 describes it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EventRef {
    pub position: u64,
    pub id: Ulid,
    pub hash: Hash,
    pub stream: String,
    pub stream_version: u64,
    pub kind: &'static str,
}

/// Where a request's events landed, once durable.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Written {
    pub events: Vec<EventRef>,
    /// True when this answers a retry: nothing new was written.
    pub deduplicated: bool,
    /// The API path of what the request created (a cycle, goal or milestone), if anything.
    #[serde(skip)]
    pub location: Option<String>,
}

/// Why a write did not land. Nothing was appended for any of these.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error(transparent)]
    Rejected(#[from] CommandError),
    #[error("{0}")]
    Forbidden(String),
    #[error("stream {stream} is at version {actual}, not {expected}")]
    VersionMismatch {
        stream: String,
        expected: u64,
        actual: u64,
    },
    #[error("idempotency key {0:?} was already used for a different request")]
    KeyReused(String),
    #[error("{0}")]
    TooLarge(String),
    #[error("the log refuses writes until the server is restarted: {0}")]
    Unavailable(String),
    #[error("internal error: {0}")]
    Internal(String),
}

/// The handle requests are sent through; cheap to clone.
#[derive(Clone)]
pub struct Writer {
    tx: mpsc::Sender<Msg>,
}

/// What the writer thread receives: a job, or the word to stop once what came before is
/// answered.
pub enum Msg {
    Job(Box<Job>),
    Stop,
}

impl Writer {
    /// Starts the writer thread over `state` (the write model as of the log's head). The
    /// thread ends when every handle is dropped, after answering what was queued.
    pub fn start(
        log: Log,
        catalog: Arc<Catalog>,
        state: State,
    ) -> std::io::Result<(Writer, std::thread::JoinHandle<State>)> {
        let (tx, rx) = mpsc::channel(4 * MAX_GROUP);
        let thread = std::thread::Builder::new()
            .name("trellis-writer".into())
            .spawn(move || {
                let mut w = Thread {
                    log,
                    catalog,
                    state: Some(state),
                    broken: None,
                };
                w.run(rx);
                // What it decided, for the checkpoint saved at shutdown (empty if lost).
                w.state.unwrap_or_default()
            })?;
        Ok((Writer { tx }, thread))
    }

    /// Asks the thread to stop once it has answered every job queued before this; later
    /// jobs are refused.
    pub async fn stop(&self) {
        let _ = self.tx.send(Msg::Stop).await;
    }

    /// Queues a job and waits for its answer (once durable, or refused).
    pub async fn submit(
        &self,
        op: Op,
        grant: Grant,
        idempotency: Option<(String, String)>,
        if_match: Option<u64>,
    ) -> Result<Written, WriteError> {
        let (reply, answer) = oneshot::channel();
        let job = Job {
            op,
            grant,
            idempotency,
            if_match,
            reply,
        };
        self.tx
            .send(Msg::Job(Box::new(job)))
            .await
            .map_err(|_| WriteError::Unavailable("the server is shutting down".into()))?;
        answer
            .await
            .map_err(|_| WriteError::Unavailable("the server is shutting down".into()))?
    }
}

/// A job whose events were handed to the log, waiting for the group's flush.
struct InFlight {
    reply: oneshot::Sender<Result<Written, WriteError>>,
    pending: trellis_events::Pending,
    predicted_first: u64,
}

struct Thread {
    log: Log,
    catalog: Arc<Catalog>,
    /// The write model, folded up to the last decided event; `None` once a flush failed.
    state: Option<State>,
    broken: Option<String>,
}

impl Thread {
    fn run(&mut self, mut rx: mpsc::Receiver<Msg>) {
        let mut carried: Vec<Job> = Vec::new();
        let mut stopping = false;
        loop {
            let mut jobs = std::mem::take(&mut carried);
            if jobs.is_empty() {
                if stopping {
                    return;
                }
                match rx.blocking_recv() {
                    Some(Msg::Job(job)) => jobs.push(*job),
                    Some(Msg::Stop) | None => return,
                }
            }
            while jobs.len() < MAX_GROUP && !stopping {
                match rx.try_recv() {
                    Ok(Msg::Job(job)) => jobs.push(*job),
                    Ok(Msg::Stop) => stopping = true,
                    Err(_) => break,
                }
            }
            carried = self.group(jobs);
        }
    }

    /// Decides and commits one group; answers every job but those it carries over to the
    /// next group (a second use of an idempotency key already in this group).
    fn group(&mut self, jobs: Vec<Job>) -> Vec<Job> {
        let mut carried = Vec::new();
        let mut in_flight = Vec::new();
        let mut keys = HashSet::new();
        let mut diverged = false;
        let mut next = self.log.head_position() + 1;
        for job in jobs {
            if let Some((key, _)) = &job.idempotency {
                if !keys.insert(key.clone()) {
                    carried.push(job);
                    continue;
                }
            }
            match self.decide(&job, next) {
                Err(e) => {
                    let _ = job.reply.send(Err(e));
                }
                Ok(Decided::Retry(written)) => {
                    let _ = job.reply.send(Ok(written));
                }
                Ok(Decided::Append(append)) => {
                    let count = append.events.len() as u64;
                    match self.log.submit(append) {
                        Ok(pending) => {
                            in_flight.push(InFlight {
                                reply: job.reply,
                                pending,
                                predicted_first: next,
                            });
                            next += count;
                        }
                        Err(e) => {
                            // Refused before queueing, yet already folded into the model:
                            // rebuild it once this group is durable.
                            diverged = true;
                            let _ = job.reply.send(Err(append_error(e)));
                        }
                    }
                }
            }
        }
        self.commit(in_flight, diverged);
        carried
    }

    /// Decides one job against the model, folding an accepted decision into it at the
    /// positions from `next` on.
    fn decide(&mut self, job: &Job, next: u64) -> Result<Decided, WriteError> {
        if let Some(why) = &self.broken {
            return Err(WriteError::Unavailable(why.clone()));
        }
        if let Some((key, fingerprint)) = &job.idempotency {
            if let Some(written) = self.retried(key, fingerprint)? {
                return Ok(Decided::Retry(written));
            }
        }
        let state = self
            .state
            .as_mut()
            .ok_or_else(|| WriteError::Unavailable("the write model was lost".into()))?;
        let (stream, expected, events) = match &job.op {
            Op::Command(cmd) => {
                authorize(state, &job.grant, cmd)?;
                let ctx = Context {
                    actor: job.grant.login.clone(),
                    today: Utc::now().date_naive(),
                    catalog: &self.catalog,
                };
                let decision = command::decide(state, cmd, &ctx)?;
                (decision.stream, decision.expected, decision.events)
            }
            Op::Record { stream, events } => (
                stream.clone(),
                trellis_events::Expected::Any,
                events.clone(),
            ),
        };
        let version = state.stream_version(&stream);
        if let Some(expected) = job.if_match {
            if expected != version {
                return Err(WriteError::VersionMismatch {
                    stream,
                    expected,
                    actual: version,
                });
            }
        }
        check_size(&events)?;
        let mut append = Append::new(stream, job.grant.login.clone(), events).expect(expected);
        if let Some((key, fingerprint)) = &job.idempotency {
            append = append.key_for_request(key.clone(), fingerprint.clone());
        }
        // Fold ahead of the disk, so the next job of the group is decided with this one in.
        for (i, new) in append.events.iter().enumerate() {
            let i = i as u64;
            state.apply(&Envelope {
                position: next + i,
                id: Ulid::nil(),
                stream: append.stream.clone(),
                stream_version: version + i + 1,
                actor: append.actor.clone(),
                recorded_at: Utc::now(),
                occurred_on: new.occurred_on,
                schema: new.event.schema(),
                prev_hash: Hash::ZERO,
                hash: Hash::ZERO,
                event: new.event.clone(),
            });
        }
        Ok(Decided::Append(append))
    }

    /// The original answer to a retried request, if its key was used before.
    fn retried(&self, key: &str, fingerprint: &str) -> Result<Option<Written>, WriteError> {
        let prior = self
            .log
            .prior(key)
            .map_err(|e| WriteError::Internal(e.to_string()))?;
        match prior {
            None => Ok(None),
            Some((fp, _)) if fp != fingerprint => Err(WriteError::KeyReused(key.to_string())),
            Some((_, appended)) => {
                let mut written = self.written(&appended)?;
                written.deduplicated = true;
                Ok(Some(written))
            }
        }
    }

    /// Waits for the group's flush and answers each job.
    fn commit(&mut self, in_flight: Vec<InFlight>, mut diverged: bool) {
        let group = in_flight.len();
        for (i, f) in in_flight.into_iter().enumerate() {
            // The first wait commits the whole group: its time is the group's flush.
            let started = (i == 0).then(std::time::Instant::now);
            let waited = f.pending.wait();
            if let Some(started) = started {
                crate::metrics::append_group(group, started.elapsed());
            }
            let answer = match waited {
                Ok(appended) => {
                    if appended.first != f.predicted_first || appended.deduplicated {
                        diverged = true;
                    }
                    self.written(&appended)
                }
                Err(AppendError::Storage(why)) => {
                    self.broken = Some(why.clone());
                    Err(WriteError::Unavailable(why))
                }
                Err(e) => {
                    diverged = true;
                    Err(append_error(e))
                }
            };
            let _ = f.reply.send(answer);
        }
        if self.broken.is_some() {
            // It folded events that were never written; nothing may be decided on it.
            self.state = None;
        } else if diverged {
            self.resync();
        }
    }

    /// Rebuilds the write model from the log, after the log did something the model had
    /// not foreseen (it never should: this writer is the log's only appender).
    fn resync(&mut self) {
        tracing::error!("the write model diverged from the log; rebuilding it");
        let mut state = State::default();
        for env in self.log.iter(1) {
            match env {
                Ok(env) => state.apply(&env),
                Err(e) => {
                    self.broken = Some(format!("the log cannot be read: {e}"));
                    self.state = None;
                    return;
                }
            }
        }
        self.state = Some(state);
    }

    /// Reads back the events an append landed at.
    fn written(&self, appended: &Appended) -> Result<Written, WriteError> {
        let mut events = Vec::new();
        let mut location = None;
        for position in appended.first..=appended.last {
            let env = self
                .log
                .get(position)
                .map_err(|e| WriteError::Internal(e.to_string()))?
                .ok_or_else(|| WriteError::Internal(format!("position {position} is missing")))?;
            if position == appended.first {
                location = location_of(&env.event);
            }
            events.push(EventRef {
                position,
                id: env.id,
                hash: env.hash,
                stream: env.stream,
                stream_version: env.stream_version,
                kind: env.event.kind(),
            });
        }
        Ok(Written {
            events,
            deduplicated: appended.deduplicated,
            location,
        })
    }
}

enum Decided {
    Append(Append),
    Retry(Written),
}

/// Whether `grant` may issue `cmd`: admins anything; editors within their subtree (and may
/// add people); auditors and viewers nothing.
fn authorize(state: &State, grant: &Grant, cmd: &Command) -> Result<(), WriteError> {
    let scope = match grant.role {
        Role::Admin => return Ok(()),
        Role::Editor => grant.org.as_deref().unwrap_or_default(),
        Role::Auditor | Role::Viewer => {
            return Err(WriteError::Forbidden(format!(
                "an {} token cannot write",
                grant.role.as_str()
            )))
        }
    };
    match command::target(state, cmd) {
        Target::Anywhere | Target::Unknown => Ok(()),
        Target::Org(org) if state.is_within(org, scope) => Ok(()),
        Target::Org(org) => Err(WriteError::Forbidden(format!(
            "org unit {org:?} is outside this token's scope ({scope})"
        ))),
        Target::Top => Err(WriteError::Forbidden(format!(
            "only an admin may do this; this token is limited to {scope}"
        ))),
    }
}

/// The path of the thing an event created, for a 201's `Location`.
fn location_of(event: &Event) -> Option<String> {
    match event {
        Event::CycleOpened { cycle, .. } => Some(format!("/api/v1/cycles/{cycle}")),
        Event::GoalSet { cycle, goal, .. } => Some(format!("/api/v1/cycles/{cycle}/goals/{goal}")),
        Event::MilestonePlanned {
            cycle, milestone, ..
        } => Some(format!("/api/v1/cycles/{cycle}/milestones/{milestone}")),
        Event::OrgUnitRegistered { org, .. } => Some(format!("/api/v1/orgs/{org}")),
        _ => None,
    }
}

/// Refuses what the log would refuse for its size, before it is folded into the model.
fn check_size(events: &[NewEvent]) -> Result<(), WriteError> {
    // The envelope around a payload takes well under a kilobyte.
    const ENVELOPE: usize = 1024;
    for new in events {
        let len = serde_json::to_vec(&new.event)
            .map_err(|e| WriteError::Internal(e.to_string()))?
            .len();
        if len + ENVELOPE > trellis_events::log::MAX_EVENT_BYTES {
            return Err(WriteError::TooLarge(format!(
                "the event would be {len} bytes; the most is {}",
                trellis_events::log::MAX_EVENT_BYTES - ENVELOPE
            )));
        }
    }
    Ok(())
}

fn append_error(e: AppendError) -> WriteError {
    match e {
        AppendError::Conflict {
            stream,
            expected,
            actual,
        } => WriteError::VersionMismatch {
            stream,
            expected: match expected {
                trellis_events::Expected::Exact(n) => n,
                _ => 0,
            },
            actual,
        },
        AppendError::KeyReused { key } => WriteError::KeyReused(key),
        AppendError::Storage(why) => WriteError::Unavailable(why),
        AppendError::Closed => WriteError::Unavailable("the log is closed".into()),
        AppendError::Invalid(why) => WriteError::Internal(why),
    }
}
