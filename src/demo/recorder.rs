//! Writing the generated history through the real rules, fast.
//!
//! Every act is a [`Command`] decided against the write model ([`State`]) that the
//! recorder keeps current itself: it does not wait for the log to answer an append before
//! deciding the next command. That is sound because one thread submits every append, so
//! the log lands them in submission order at positions `head + 1, head + 2, …`; the
//! recorder folds each decided event into its state at the position it will get, and later
//! checks, as the log answers, that each append landed exactly there. Hash fields of these
//! local envelopes are zero and their ids nil: the write model reads neither.
//!
//! Appends are kept in flight in a bounded window so the log's single writer always has a
//! full group to commit, while memory stays bounded.

use std::collections::{BTreeMap, VecDeque};

use anyhow::{anyhow, bail, Context as _};
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use rand::Rng;
use trellis_events::{Envelope, Hash, Log, NewEvent, Pending};
use trellis_rubric::Catalog;
use ulid::Ulid;

use crate::command::{decide, Command, Context, Decision, State};
use crate::progress::Progress;

/// Appends in flight before the recorder waits for the oldest; a few group commits' worth.
const WINDOW: usize = 8192;

/// The working day over which a day's acts are spread (07:00 to 19:00 UTC).
const DAY_START_HOUR: u32 = 7;
const DAY_MILLIS: i64 = 12 * 60 * 60 * 1000;

/// One thing a person does: a command and who does it.
pub(super) struct Act {
    pub actor: String,
    pub cmd: Command,
    /// Remember where this act lands, under this tag (for a later retraction).
    pub tag: Option<u64>,
}

impl Act {
    pub fn new(actor: &str, cmd: Command) -> Act {
        Act {
            actor: actor.to_string(),
            cmd,
            tag: None,
        }
    }
}

pub(super) struct Recorder<'c> {
    log: Log,
    catalog: &'c Catalog,
    pub state: State,
    /// The position the next decided event will land at.
    next: u64,
    /// Submitted appends and the first position each must land at.
    inflight: VecDeque<(Pending, u64)>,
    pub counts: BTreeMap<&'static str, u64>,
    pub written: u64,
    limit: Option<u64>,
    pub first: Option<DateTime<Utc>>,
    pub last: Option<DateTime<Utc>>,
    tags: std::collections::HashMap<u64, u64>,
    progress: Progress,
    /// Time spent blocked on the log (the rest is deciding and simulating).
    pub waited: std::time::Duration,
}

impl<'c> Recorder<'c> {
    pub fn new(
        log: Log,
        catalog: &'c Catalog,
        limit: Option<u64>,
        progress: Progress,
    ) -> Recorder<'c> {
        let next = log.head_position() + 1;
        Recorder {
            log,
            catalog,
            state: State::new(),
            next,
            inflight: VecDeque::new(),
            counts: BTreeMap::new(),
            written: 0,
            limit,
            first: None,
            last: None,
            tags: std::collections::HashMap::new(),
            progress,
            waited: std::time::Duration::ZERO,
        }
    }

    /// Whether the requested number of events has been written.
    pub fn is_full(&self) -> bool {
        self.limit.is_some_and(|l| self.written >= l)
    }

    /// The position the act tagged `tag` landed at.
    pub fn tagged(&self, tag: u64) -> Option<u64> {
        self.tags.get(&tag).copied()
    }

    /// Records one day's acts, in order, at strictly increasing times spread over the
    /// working day. Stops early, without error, once the requested count is reached.
    pub fn day<R: Rng>(
        &mut self,
        rng: &mut R,
        day: NaiveDate,
        acts: Vec<Act>,
    ) -> anyhow::Result<()> {
        if acts.is_empty() {
            return Ok(());
        }
        let start = day
            .and_time(NaiveTime::from_hms_opt(DAY_START_HOUR, 0, 0).unwrap_or_default())
            .and_utc();
        let slot = (DAY_MILLIS / acts.len() as i64).max(1);
        for (i, act) in acts.into_iter().enumerate() {
            if self.is_full() {
                break;
            }
            // Each act gets its own slot, so times strictly increase within the day, and
            // every day starts after the one before ended.
            let at = start + Duration::milliseconds(i as i64 * slot + rng.gen_range(0..slot));
            self.record(day, at, act)?;
        }
        Ok(())
    }

    fn record(&mut self, day: NaiveDate, at: DateTime<Utc>, act: Act) -> anyhow::Result<()> {
        let Act { actor, cmd, tag } = act;
        let ctx = Context {
            actor,
            today: day,
            catalog: self.catalog,
        };
        let decision = decide(&self.state, &cmd, &ctx)
            .map_err(|e| anyhow!("the demo's own command was refused on {day} ({e}): {cmd:?}"))?;
        let mut actor = ctx.actor;
        if let Some(limit) = self.limit {
            if self.written + decision.events.len() as u64 > limit {
                // Only reachable if a command ever decides several events: stop short
                // (generate then reports the shortfall) rather than overshoot.
                self.limit = Some(self.written);
                return Ok(());
            }
        }
        let Decision {
            mut stream,
            expected,
            events,
        } = decision;
        let first = self.next;
        if let Some(tag) = tag {
            self.tags.insert(tag, first);
        }
        let mut landed = Vec::with_capacity(events.len());
        for new in events {
            // The envelope borrows the stream and actor names for the fold and hands them
            // back, so recording costs no copies of them.
            let version = self.state.stream_version(&stream) + 1;
            let env = Envelope {
                position: self.next,
                id: Ulid::nil(),
                stream,
                stream_version: version,
                actor,
                recorded_at: at,
                occurred_on: new.occurred_on,
                schema: new.event.schema(),
                prev_hash: Hash::ZERO,
                hash: Hash::ZERO,
                event: new.event,
            };
            self.state.apply(&env);
            *self.counts.entry(env.event.kind()).or_default() += 1;
            self.next += 1;
            self.written += 1;
            self.progress.tick(self.written);
            (stream, actor) = (env.stream, env.actor);
            landed.push(NewEvent {
                occurred_on: env.occurred_on,
                event: env.event,
            });
        }
        let append = Decision {
            stream,
            expected,
            events: landed,
        }
        .into_append(actor)
        .recorded_at(at);
        let pending = self
            .log
            .submit(append)
            .context("handing an append to the log")?;
        self.inflight.push_back((pending, first));
        self.first.get_or_insert(at);
        self.last = Some(at);
        while self.inflight.len() > WINDOW {
            self.settle_one()?;
        }
        Ok(())
    }

    /// Waits for the oldest append in flight and checks it landed where it was folded.
    fn settle_one(&mut self) -> anyhow::Result<()> {
        let Some((pending, first)) = self.inflight.pop_front() else {
            return Ok(());
        };
        let started = std::time::Instant::now();
        let answer = pending.wait();
        self.waited += started.elapsed();
        let appended = answer
            .with_context(|| format!("the log refused the demo's append for position {first}"))?;
        if appended.first != first {
            bail!(
                "the log put an append at position {} where the demo expected {first}; \
                 was something else writing to this data directory?",
                appended.first
            );
        }
        Ok(())
    }

    /// Waits until everything submitted is durable.
    pub fn finish(&mut self) -> anyhow::Result<()> {
        while !self.inflight.is_empty() {
            self.settle_one()?;
        }
        self.progress.finish();
        Ok(())
    }
}
