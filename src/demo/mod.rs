//! `trellis demo`: fills an empty data directory with a realistic history, written through
//! the real rules.
//!
//! Two modes:
//! - the default tells the story of one district, Maple Valley Unified (a state, the
//!   district, six schools, about forty people), over two school years, August 2024 to
//!   June 2026: roles with their definitions of success, both shipped rubrics adopted, a
//!   vision adopted, reviewed and revised, an operational agreement and a strategic plan,
//!   improvement cycles every semester (one per school, two for the district) with goals,
//!   milestones, measures, RACI, course corrections, celebrations, reflections and
//!   ratings, one principal moving to the district office mid-year, and exactly one
//!   retraction (a measure entered with a slipped decimal point, retracted with its
//!   reason, and entered again);
//! - `--events N` fills a large log of the same shape: as many generated districts as it
//!   takes, in as many school years as it takes, until exactly N events are written.
//!
//! Every act is a [`Command`](crate::command::Command) decided against the write model
//! by [`decide`](crate::command::decide); a refusal is a bug of the generator and stops
//! it with an error. Recorded times are simulated (the log is opened with backdating):
//! the generator walks the calendar forward, spreading each day's acts over its working
//! hours, and no act says it happened after the day it was recorded. Everything is
//! deterministic given the seed, except the envelopes' ULIDs (and so the hashes), which
//! the log draws itself.
//!
//! # Layout
//! - `district`: the sample district's people, places, roles and documents, and generated
//!   districts for the large mode.
//! - `text`: per-indicator themes and the sentences acts are written with.
//! - `history`: the simulation of the school years.
//! - `scale`: sizing the large mode.
//! - `recorder`: deciding, folding and submitting each act without waiting on the log.

mod district;
mod history;
mod recorder;
mod scale;
mod text;

#[cfg(test)]
pub(crate) mod tests;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use chrono::{DateTime, Utc};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use trellis_events::{Log, Options};
use trellis_rubric::Catalog;

use crate::progress::{Deferred, Progress};
use history::{Mode, Sim};
use recorder::Recorder;

/// The seed `trellis demo` uses when none is given.
pub const DEFAULT_SEED: u64 = 20_240_801;

/// What to generate.
#[derive(Clone, Debug)]
pub struct DemoOptions {
    /// Same seed, same history (up to the ULIDs the log assigns).
    pub seed: u64,
    /// `None`: the sample district. `Some(n)`: a large log of exactly `n` events.
    pub events: Option<u64>,
    /// Draw a progress bar on stderr (large mode).
    pub progress: bool,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions {
            seed: DEFAULT_SEED,
            events: None,
            progress: false,
        }
    }
}

/// What was generated.
#[derive(Clone, Debug)]
pub struct DemoSummary {
    /// Events written (exactly the number asked for in large mode).
    pub events: u64,
    /// Org units registered: states, districts and schools.
    pub orgs: usize,
    pub districts: usize,
    pub schools: usize,
    pub people: usize,
    pub cycles: usize,
    pub first_recorded: DateTime<Utc>,
    pub last_recorded: DateTime<Utc>,
    /// Events by stable type name.
    pub by_kind: BTreeMap<String, u64>,
    /// Wall-clock time the generation took, including waiting for the log.
    pub elapsed: Duration,
    /// The part of `elapsed` spent waiting for the log to make appends durable; the rest
    /// is simulating, deciding and folding.
    pub waited_on_log: Duration,
}

impl std::fmt::Display for DemoSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let secs = self.elapsed.as_secs_f64();
        writeln!(
            f,
            "wrote {} events in {:.1}s ({:.0} events/s; {:.1}s of it waiting for the log)",
            self.events,
            secs,
            self.events as f64 / secs.max(1e-9),
            self.waited_on_log.as_secs_f64()
        )?;
        writeln!(
            f,
            "{} org units ({}, {}), {} people, {} improvement cycles",
            self.orgs,
            count(self.districts, "district"),
            count(self.schools, "school"),
            self.people,
            self.cycles
        )?;
        write!(
            f,
            "recorded from {} to {}",
            self.first_recorded.format("%Y-%m-%d %H:%M"),
            self.last_recorded.format("%Y-%m-%d %H:%M")
        )
    }
}

/// "1 district", "6 schools".
fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// Fills the empty data directory `data` with a generated history.
///
/// Refuses a directory whose log already holds events. Blocks until every event is
/// durable; call it from a plain thread, not from inside an async task.
pub fn generate(data: &Path, catalog: &Catalog, opts: &DemoOptions) -> anyhow::Result<DemoSummary> {
    let started = Instant::now();
    for rubric in ["leadership-system", "rapid-improvement"] {
        if catalog.get(rubric, 1).is_none() {
            bail!("the demo is written against the shipped rubric {rubric} v1, which this catalog lacks");
        }
    }
    if opts.events == Some(0) {
        bail!("--events must be at least 1");
    }
    let log = Log::open_with(data, Options { backdating: true })
        .with_context(|| format!("opening the data directory {}", data.display()))?;
    let head = log.head_position();
    if head > 0 {
        bail!(
            "{} already holds a log of {head} events; the demo only fills an empty data directory \
             (choose another --data directory)",
            data.display()
        );
    }
    let progress = match opts.events {
        Some(n) => Progress::new("generating", n, opts.progress),
        None => Progress::new("generating", 0, false),
    };
    let mut rec = Recorder::new(log.clone(), catalog, opts.events, progress);
    let rng = ChaCha8Rng::seed_from_u64(opts.seed);
    let totals = {
        let mode = if opts.events.is_some() {
            Mode::Scale
        } else {
            Mode::Sample
        };
        let mut sim = Sim::new(rng, &mut rec, mode);
        match opts.events {
            None => sim.add_district(district::maple_valley()),
            Some(n) => scale::populate(&mut sim, opts.seed, n),
        }
        sim.run()?;
        sim.totals()
    };
    rec.finish()?;
    if let Some(n) = opts.events {
        if rec.written != n {
            bail!(
                "the demo wrote {} events where {n} were asked for",
                rec.written
            );
        }
    }
    // Written without a lull, the log has merged only some of its small segments in the
    // background: merge the rest now, as a store in use would in its quiet moments.
    let repacking = Progress::new("repacking", rec.written, opts.progress);
    log.repack_with(&mut |position| {
        repacking.set(position);
        true
    })
    .context("repacking the log")?;
    repacking.finish();
    log.flush().context("flushing the log")?;
    let (Some(first_recorded), Some(last_recorded)) = (rec.first, rec.last) else {
        bail!("the demo wrote nothing");
    };
    let mut summary = DemoSummary {
        events: rec.written,
        orgs: totals.orgs,
        districts: totals.districts,
        schools: totals.schools,
        people: totals.people,
        cycles: totals.cycles,
        first_recorded,
        last_recorded,
        by_kind: rec
            .counts
            .iter()
            .map(|(k, v)| (k.to_string(), *v))
            .collect(),
        elapsed: started.elapsed(),
        waited_on_log: rec.waited,
    };
    drop((rec, log));
    if opts.events.is_some() {
        // A bulk load leaves sled's file several times the size of what it holds (the repack
        // rewrote nearly every segment): give the space back, as `trellis log compact` does.
        compact(data, opts.progress)?;
        summary.elapsed = started.elapsed();
    }
    Ok(summary)
}

fn compact(data: &Path, show: bool) -> anyhow::Result<()> {
    let mut bar = Deferred::new("compacting", show);
    trellis_events::compact::compact(data, &mut |copied, total| bar.set(copied, total))
        .context("compacting the store")?;
    bar.finish();
    Ok(())
}
