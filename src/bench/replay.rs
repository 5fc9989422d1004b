//! `trellis bench replay`: rebuilding projections from a large log, start-up with
//! checkpoints, as-of timeline queries and peak memory, each beside a raw scan of the same
//! log measured in the same run.
//!
//! Rebuild, raw scan and start-up each run in a fresh child process (`trellis bench
//! replay-child MODE`), so that no cache of the parent's helps them and peak RSS is theirs.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::Context as _;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use trellis_events::Log;
use trellis_rubric::Catalog;

use crate::app::App;
use crate::command::State;
use crate::demo::{self, DemoOptions};

/// What to measure on.
#[derive(Clone, Debug)]
pub struct ReplayBenchOpts {
    /// Where the generated log is kept (reused when it already holds `events`).
    pub dir: PathBuf,
    pub events: u64,
    /// As-of timeline queries to time.
    pub queries: usize,
}

/// One child measurement.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ChildReport {
    pub events: u64,
    pub secs: f64,
    /// Peak resident set size of the child, in MiB.
    pub peak_rss_mib: f64,
}

/// What `trellis bench replay` found.
#[derive(Clone, Debug)]
pub struct ReplayBenchReport {
    pub events: u64,
    pub raw: ChildReport,
    pub rebuild: ChildReport,
    /// The rebuild's fold alone, on events decoded beforehand.
    pub fold: ChildReport,
    pub startup: ChildReport,
    pub checkpoint_secs: f64,
    pub query_p50_ms: f64,
    pub query_p99_ms: f64,
    pub queries: usize,
}

/// The modes a child process runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ChildMode {
    /// Scan the stored bytes, decode nothing: what sled alone costs.
    Scan,
    /// Scan and decode every event, fold nothing: the baseline.
    Raw,
    /// Fold every event into the write model and all projections, as `App::catch_up` does
    /// (no timeline entries).
    Rebuild,
    /// Open the data directory as the app does: load the checkpoint and catch up.
    Startup,
    /// Decode every event into memory first, then time only the fold that `rebuild` does:
    /// what the folding thread alone could sustain, whatever the reader costs.
    Fold,
}

/// Runs inside the child: measures one mode and prints a JSON [`ChildReport`].
pub fn run_child(data: &Path, mode: ChildMode) -> anyhow::Result<ChildReport> {
    let started = Instant::now();
    // Each arm stops the clock in its last expression, before its log and views are
    // dropped: tearing down is not part of what is measured.
    let since = || started.elapsed().as_secs_f64();
    let (events, secs) = match mode {
        ChildMode::Scan => {
            let log = Log::open(data)?;
            let mut n = 0u64;
            for item in log.iter_raw(1) {
                std::hint::black_box(item?);
                n += 1;
            }
            (n, since())
        }
        ChildMode::Raw => {
            let log = Log::open(data)?;
            let mut n = 0u64;
            for env in log.iter(1) {
                std::hint::black_box(env?);
                n += 1;
            }
            (n, since())
        }
        ChildMode::Rebuild => {
            let log = Log::open(data)?;
            let mut state = State::default();
            let mut views = App::new_projections();
            let mut n = 0u64;
            let mut events = log.prefetched(1);
            while let Some(env) = events.next() {
                let env = env?;
                state.apply(env);
                views.apply(env);
                n += 1;
            }
            std::hint::black_box((&state, &views));
            (n, since())
        }
        ChildMode::Fold => {
            let events = Log::open(data)?.iter(1).collect::<Result<Vec<_>, _>>()?;
            let started = Instant::now();
            let mut state = State::default();
            let mut views = App::new_projections();
            for env in &events {
                state.apply(env);
                views.apply(env);
            }
            std::hint::black_box((&state, &views));
            (events.len() as u64, started.elapsed().as_secs_f64())
        }
        ChildMode::Startup => {
            let app = App::open(data, Catalog::shipped())?;
            (app.position(), since())
        }
    };
    Ok(ChildReport {
        events,
        secs,
        peak_rss_mib: peak_rss_mib(),
    })
}

/// VmHWM of this process, from /proc (0 where there is none).
fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn child(data: &Path, mode: &str) -> anyhow::Result<ChildReport> {
    let exe = std::env::current_exe().context("locating the trellis binary")?;
    let out = Command::new(exe)
        .args(["bench", "replay-child", mode, "--data"])
        .arg(data)
        .output()
        .context("running a bench child")?;
    anyhow::ensure!(
        out.status.success(),
        "bench child {mode} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(serde_json::from_slice(&out.stdout)?)
}

/// Generates (or reuses) the log, then measures everything.
pub fn run(opts: &ReplayBenchOpts) -> anyhow::Result<ReplayBenchReport> {
    let data = opts.dir.join(format!("replay-{}", opts.events));
    let reuse = Log::open(&data)
        .map(|l| l.head_position() == opts.events)
        .unwrap_or(false);
    if !reuse {
        if data.exists() {
            std::fs::remove_dir_all(&data)?;
        }
        eprintln!(
            "generating a {}-event log in {} …",
            opts.events,
            data.display()
        );
        let demo = DemoOptions {
            events: Some(opts.events),
            progress: true,
            ..DemoOptions::default()
        };
        demo::generate(&data, &Catalog::shipped(), &demo)?;
    }

    eprintln!("raw scan + decode (fresh process) …");
    let raw = child(&data, "raw")?;
    eprintln!("rebuild of all projections (fresh process) …");
    let rebuild = child(&data, "rebuild")?;
    eprintln!("the same fold alone, on events decoded beforehand (fresh process) …");
    let fold = child(&data, "fold")?;

    eprintln!("writing a checkpoint …");
    let started = Instant::now();
    {
        let app = App::open(&data, Catalog::shipped())?;
        app.save_checkpoint()?;
    }
    let checkpoint_secs = started.elapsed().as_secs_f64();
    eprintln!("start-up from the checkpoint (fresh process) …");
    let startup = child(&data, "startup")?;

    eprintln!("as-of timeline queries …");
    let (query_p50_ms, query_p99_ms) = time_queries(&data, opts.queries)?;

    Ok(ReplayBenchReport {
        events: opts.events,
        raw,
        rebuild,
        fold,
        startup,
        checkpoint_secs,
        query_p50_ms,
        query_p99_ms,
        queries: opts.queries,
    })
}

/// Times `cycle_at` for random cycles at random positions (the cycles listed by views without
/// timeline entries; each query folds the cycle's stream with them).
fn time_queries(data: &Path, n: usize) -> anyhow::Result<(f64, f64)> {
    let log = Log::open(data)?;
    let head = log.head_position();
    let cycles: Vec<String> = {
        let views = crate::replay::views_at(&log, head.min(200_000), false)?;
        views
            .timelines
            .cycles()
            .map(|c| c.header().id.to_string())
            .collect()
    };
    anyhow::ensure!(!cycles.is_empty(), "the generated log has no cycles");
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let cycle = &cycles[rng.gen_range(0..cycles.len())];
        let at = rng.gen_range(1..=head.max(1));
        let started = Instant::now();
        std::hint::black_box(crate::replay::cycle_at(&log, cycle, at)?);
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    let pct = |p: f64| times[((times.len() - 1) as f64 * p).round() as usize];
    Ok((pct(0.50), pct(0.99)))
}

impl std::fmt::Display for ReplayBenchReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let rate = |c: &ChildReport| c.events as f64 / c.secs.max(1e-9);
        let raw = rate(&self.raw);
        let rebuild = rate(&self.rebuild);
        let fold = rate(&self.fold);
        let mark = |ok: bool| if ok { "PASS" } else { "MISS" };
        writeln!(f, "replay benchmark on a {}-event log", self.events)?;
        writeln!(
            f,
            "{:<44} {:>14} {:>10}  target",
            "measure", "figure", "ratio"
        )?;
        writeln!(
            f,
            "{:<44} {:>10.0} ev/s {:>10}",
            "baseline: scan + decode, no projection", raw, "1.00"
        )?;
        writeln!(
            f,
            "{:<44} {:>10.0} ev/s {:>9.2}x  >= 1M ev/s {}",
            "rebuild of all projections (fresh process)",
            rebuild,
            rebuild / raw.max(1e-9),
            mark(rebuild >= 1_000_000.0)
        )?;
        writeln!(
            f,
            "{:<44} {:>10.0} ev/s {:>9.2}x",
            "  its fold alone (events decoded beforehand)",
            fold,
            fold / raw.max(1e-9)
        )?;
        writeln!(
            f,
            "{:<44} {:>12.3} s {:>10}  <= 1 s {}",
            "start-up with checkpoint (fresh process)",
            self.startup.secs,
            format!("{:.2}x", self.startup.secs / self.rebuild.secs.max(1e-9)),
            mark(self.startup.secs <= 1.0)
        )?;
        writeln!(
            f,
            "{:<44} {:>12.3} s",
            "writing the checkpoint", self.checkpoint_secs
        )?;
        writeln!(
            f,
            "{:<44} {:>11.3} ms {:>10}",
            format!("as-of timeline p50 ({} queries)", self.queries),
            self.query_p50_ms,
            ""
        )?;
        writeln!(
            f,
            "{:<44} {:>11.3} ms {:>10}  <= 10 ms {}",
            "as-of timeline p99",
            self.query_p99_ms,
            "",
            mark(self.query_p99_ms <= 10.0)
        )?;
        writeln!(
            f,
            "{:<44} {:>11.0} MiB {:>9.2}x  <= 600 MB {}",
            "peak RSS of the rebuild (baseline: raw scan)",
            self.rebuild.peak_rss_mib,
            self.rebuild.peak_rss_mib / self.raw.peak_rss_mib.max(1e-9),
            mark(self.rebuild.peak_rss_mib * 1.048_576 <= 600.0)
        )?;
        write!(
            f,
            "{:<44} {:>11.0} MiB {:>10}  <= 600 MB {}",
            "peak RSS of start-up",
            self.startup.peak_rss_mib,
            "",
            mark(self.startup.peak_rss_mib * 1.048_576 <= 600.0)
        )
    }
}
