//! `trellis bench replay`: rebuilding projections from a large log, start-up with
//! checkpoints, as-of timeline queries and peak memory, each beside a raw scan of the same
//! log measured in the same run.
//!
//! Rebuild, raw scan and start-up each run in a fresh child process (`trellis bench
//! replay-child MODE`), so that no cache of the parent's helps them and peak RSS is theirs.
//! Each runs [`RUNS`] times and the table shows the fastest run (with the slowest beside
//! it): on a shared machine the pace swings by half within minutes, and the fastest run is
//! the one least slowed by other work.
//!
//! A rebuild decodes on one core and folds on the other, so it also depends on how much two
//! busy cores of this machine slow each other. The bench measures that in the same run
//! ([`ChildMode::Spin`]: a fixed amount of hashing, alone and then in two processes at
//! once) and prints the ratio. Beside the rebuild it prints how long each of its two threads
//! was on a core (from /proc), which says which half kept the other waiting, and the same
//! rebuild on one thread (reading, decoding and folding in turn, [`ChildMode::Serial`]), so
//! that the speed-up its second thread brings is measured in the same run.
//!
//! The rebuild is of the projections, as the target asks and as `trellis replay` folds them.
//! A start-up without a checkpoint folds the write model too (`App::catch_up`): that is
//! measured on its own row ([`ChildMode::Full`]), with its peak memory, and so is a whole
//! first start-up, which then writes the checkpoint ([`ChildMode::First`]).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::Context as _;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use trellis_events::Log;
use trellis_rubric::Catalog;

use crate::app::{fold_log, reserve_for, App};
use crate::checkpoint;
use crate::command::State;
use crate::demo::{self, DemoOptions};
use crate::replay::empty_views;

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
    /// A rebuild's two threads: how long each was on a core (where /proc tells).
    #[serde(default)]
    pub threads: Option<ThreadTimes>,
}

/// How long each thread of a rebuild was on a core, in seconds: beside the rebuild's time,
/// it says which half kept the other waiting.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ThreadTimes {
    /// The thread that reads and decodes ([`Log::prefetched`]).
    pub reading: f64,
    /// The thread that folds (the process's main thread, log opening included).
    pub folding: f64,
}

/// How many times each child measurement runs.
pub const RUNS: usize = 3;

/// The runs of one child measurement.
#[derive(Clone, Debug, Default)]
pub struct Runs {
    /// The fastest run (its peak RSS is the highest of all runs).
    pub best: ChildReport,
    /// The slowest run's time.
    pub slowest_secs: f64,
}

impl Runs {
    fn of(runs: Vec<ChildReport>) -> Runs {
        let peak = runs.iter().map(|r| r.peak_rss_mib).fold(0.0, f64::max);
        let slowest_secs = runs.iter().map(|r| r.secs).fold(0.0, f64::max);
        let best = runs
            .into_iter()
            .min_by(|a, b| a.secs.total_cmp(&b.secs))
            .map(|r| ChildReport {
                peak_rss_mib: peak,
                ..r
            })
            .unwrap_or_default();
        Runs { best, slowest_secs }
    }
}

/// What `trellis bench replay` found.
#[derive(Clone, Debug)]
pub struct ReplayBenchReport {
    pub events: u64,
    pub raw: Runs,
    pub rebuild: Runs,
    /// The write model folded as well: a start-up without a checkpoint.
    pub full: Runs,
    /// The rebuild's reading and fold in turn on one thread.
    pub serial: Runs,
    /// The rebuild's fold alone, on events decoded beforehand.
    pub fold: Runs,
    pub startup: Runs,
    /// A first start-up: no checkpoint, so it folds the whole log and then writes one.
    pub first: Runs,
    /// Two busy processes at once: the speed of each as a share of one running alone.
    pub two_core_pace: f64,
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
    /// Fold every event into all projections (no timeline entries), as `trellis replay`
    /// does ([`crate::replay::views_at`]).
    Rebuild,
    /// Fold every event into the write model as well as all projections, as `App::catch_up`
    /// does: a start-up without a checkpoint.
    Full,
    /// Open the data directory as the app does: load the checkpoint and catch up.
    Startup,
    /// Remove the checkpoint, then open the data directory as the app does: fold the whole
    /// log and write a new checkpoint (the app writes one after a long catch-up; on a log
    /// too short for that, this writes it too, for the start-ups that follow).
    First,
    /// Read, decode and fold every event into all projections on one thread, in turn: the
    /// rebuild without its second thread (the "scan + decode + fold" figure the targets were
    /// set against).
    Serial,
    /// Decode every event into memory first, then time only the fold that `rebuild` does:
    /// what folding alone could sustain, whatever reading costs.
    Fold,
    /// A fixed amount of hashing (no log): the calibration of two busy cores.
    Spin,
}

/// Runs inside the child: measures one mode and prints a JSON [`ChildReport`].
pub fn run_child(data: &Path, mode: ChildMode) -> anyhow::Result<ChildReport> {
    let started = Instant::now();
    // Each arm stops the clock in its last expression, before its log and views are
    // dropped: tearing down is not part of what is measured.
    let since = || started.elapsed().as_secs_f64();
    let mut threads = None;
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
            let head = log.head_position();
            let views = crate::replay::fold_views(&log, head, |n| {
                // Read while the reading thread still exists (it ends with the fold).
                if n == head {
                    threads = thread_times();
                }
            })?;
            std::hint::black_box(&views);
            (views.position(), since())
        }
        ChildMode::Full => {
            let log = Log::open(data)?;
            let mut state = State::default();
            let mut views = App::new_projections();
            reserve_for(&mut state, &mut views, log.head_position());
            let n = fold_log(&log, &mut state, &mut views, 1, |_| {})?;
            std::hint::black_box((&state, &views));
            (n, since())
        }
        ChildMode::Serial => {
            let log = Log::open(data)?;
            let mut views = empty_views(log.head_position());
            let mut n = 0u64;
            for env in log.iter(1) {
                views.apply(&env?);
                n += 1;
            }
            std::hint::black_box(&views);
            (n, since())
        }
        ChildMode::Fold => {
            let events = Log::open(data)?.iter(1).collect::<Result<Vec<_>, _>>()?;
            let started = Instant::now();
            let mut views = empty_views(events.len() as u64);
            for env in &events {
                views.apply(env);
            }
            std::hint::black_box(&views);
            (events.len() as u64, started.elapsed().as_secs_f64())
        }
        ChildMode::Startup => {
            let app = App::open(data, Catalog::shipped())?;
            (app.position(), since())
        }
        ChildMode::First => {
            checkpoint::remove(data)?;
            let app = App::open(data, Catalog::shipped())?;
            if checkpoint::read_meta(data)?.is_none() {
                app.save_checkpoint()?;
            }
            (app.position(), since())
        }
        ChildMode::Spin => (spin(), since()),
    };
    Ok(ChildReport {
        events,
        secs,
        peak_rss_mib: peak_rss_mib(),
        threads,
    })
}

/// The time on a core of this process's main thread and of its log-reading thread, from
/// each one's `schedstat` in /proc (nanoseconds on a core come first).
fn thread_times() -> Option<ThreadTimes> {
    let on_core = |task: &Path| -> Option<f64> {
        let stat = std::fs::read_to_string(task.join("schedstat")).ok()?;
        let ns: u64 = stat.split_whitespace().next()?.parse().ok()?;
        Some(ns as f64 / 1e9)
    };
    // The kernel keeps the first 15 bytes of a thread's name.
    let reader = &Log::READER_THREAD[..Log::READER_THREAD.len().min(15)];
    let reading = std::fs::read_dir("/proc/self/task")
        .ok()?
        .flatten()
        .find(|t| {
            std::fs::read_to_string(t.path().join("comm")).is_ok_and(|c| c.trim_end() == reader)
        })
        .and_then(|t| on_core(&t.path()))?;
    let folding = on_core(Path::new("/proc/thread-self"))?;
    Some(ThreadTimes { reading, folding })
}

/// Hashes a quarter-MiB buffer (it stays in the core's own cache) over and over: work
/// that two cores could do side by side at full speed, were nothing shared.
fn spin() -> u64 {
    use sha2::{Digest, Sha256};
    let mut block = vec![7u8; 256 * 1024];
    for _ in 0..1200 {
        let digest = Sha256::digest(&block);
        block[..32].copy_from_slice(&digest);
    }
    std::hint::black_box(&block);
    0
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

fn child_command(data: &Path, mode: &str) -> anyhow::Result<Command> {
    let exe = std::env::current_exe().context("locating the trellis binary")?;
    let mut command = Command::new(exe);
    command
        .args(["bench", "replay-child", mode, "--data"])
        .arg(data);
    Ok(command)
}

fn report_of(mode: &str, out: std::process::Output) -> anyhow::Result<ChildReport> {
    anyhow::ensure!(
        out.status.success(),
        "bench child {mode} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(serde_json::from_slice(&out.stdout)?)
}

fn child(data: &Path, mode: &str) -> anyhow::Result<ChildReport> {
    let out = child_command(data, mode)?
        .output()
        .context("running a bench child")?;
    report_of(mode, out)
}

/// [`RUNS`] runs of one child measurement.
fn runs(data: &Path, mode: &str) -> anyhow::Result<Runs> {
    let runs = (0..RUNS)
        .map(|_| child(data, mode))
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(Runs::of(runs))
}

/// How fast each of two busy processes runs, as a share of one running alone (the best of
/// [`RUNS`] tries each way): 1.0 on two cores that share nothing.
fn two_core_pace(data: &Path) -> anyhow::Result<f64> {
    let solo = runs(data, "spin")?.best.secs;
    let mut paired = f64::INFINITY;
    for _ in 0..RUNS {
        let a = child_command(data, "spin")?
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .context("running a bench child")?;
        // Waited for before either answer is looked at, so a failure leaves no child behind.
        let b = child(data, "spin");
        let a = report_of("spin", a.wait_with_output()?)?;
        let b = b?;
        paired = paired.min(a.secs.max(b.secs));
    }
    Ok(solo / paired.max(1e-9))
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

    eprintln!("raw scan + decode (fresh process, {RUNS} runs) …");
    let raw = runs(&data, "raw")?;
    eprintln!("rebuild of all projections (fresh process, {RUNS} runs) …");
    let rebuild = runs(&data, "rebuild")?;
    eprintln!("the same with the write model (fresh process, {RUNS} runs) …");
    let full = runs(&data, "full")?;
    eprintln!(
        "the same on one thread: read, decode and fold in turn (fresh process, {RUNS} runs) …"
    );
    let serial = runs(&data, "serial")?;
    eprintln!("the same fold alone, on events decoded beforehand (fresh process, {RUNS} runs) …");
    let fold = runs(&data, "fold")?;
    eprintln!("two busy cores: hashing alone, then two at once …");
    let two_core_pace = two_core_pace(&data)?;

    eprintln!("first start-up: fold the log, write the checkpoint (fresh process, {RUNS} runs) …");
    let first = runs(&data, "first")?;
    eprintln!("start-up from the checkpoint (fresh process, {RUNS} runs) …");
    let startup = runs(&data, "startup")?;

    eprintln!("as-of timeline queries …");
    let (query_p50_ms, query_p99_ms) = time_queries(&data, opts.queries)?;

    Ok(ReplayBenchReport {
        events: opts.events,
        raw,
        rebuild,
        full,
        serial,
        fold,
        startup,
        first,
        two_core_pace,
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
        let rate = |r: &Runs| r.best.events as f64 / r.best.secs.max(1e-9);
        let slowest = |r: &Runs| r.best.events as f64 / r.slowest_secs.max(1e-9);
        let raw = rate(&self.raw);
        let rebuild = rate(&self.rebuild);
        let fold = rate(&self.fold);
        let serial = rate(&self.serial);
        let mark = |ok: bool| if ok { "PASS" } else { "MISS" };
        writeln!(
            f,
            "replay benchmark on a {}-event log (timed rows: the fastest of {RUNS} runs)",
            self.events
        )?;
        writeln!(
            f,
            "{:<44} {:>14} {:>10}  {:<16} slowest run",
            "measure", "figure", "ratio", "target"
        )?;
        writeln!(
            f,
            "{:<44} {:>10.0} ev/s {:>10}  {:<16} {:.0} ev/s",
            "baseline: scan + decode, no projection",
            raw,
            "1.00",
            "",
            slowest(&self.raw)
        )?;
        writeln!(
            f,
            "{:<44} {:>10.0} ev/s {:>9.2}x  {:<16} {:.0} ev/s",
            "rebuild of all projections (fresh process)",
            rebuild,
            rebuild / raw.max(1e-9),
            format!(">= 1M ev/s {}", mark(rebuild >= 1_000_000.0)),
            slowest(&self.rebuild)
        )?;
        if let Some(t) = self.rebuild.best.threads {
            let share = |on_core: f64| on_core / self.rebuild.best.secs.max(1e-9) * 100.0;
            for (label, on_core) in [
                ("  its reading thread, time on a core", t.reading),
                ("  its folding thread, time on a core", t.folding),
            ] {
                writeln!(f, "{label:<44} {on_core:>12.3} s {:>9.0}%", share(on_core))?;
            }
        }
        writeln!(
            f,
            "{:<44} {:>10.0} ev/s {:>9.2}x  {:<16} {:.0} ev/s",
            "  the same on one thread (read, decode, fold)",
            serial,
            serial / raw.max(1e-9),
            "",
            slowest(&self.serial)
        )?;
        writeln!(
            f,
            "{:<44} {:>14.2}",
            "  speed-up of its two threads over one",
            rebuild / serial.max(1e-9)
        )?;
        writeln!(
            f,
            "{:<44} {:>10.0} ev/s {:>9.2}x  {:<16} {:.0} ev/s",
            "  its fold alone (events decoded beforehand)",
            fold,
            fold / raw.max(1e-9),
            "",
            slowest(&self.fold)
        )?;
        writeln!(
            f,
            "{:<44} {:>14.2}",
            "  pace of two busy cores (1.00: no slowdown)", self.two_core_pace
        )?;
        let full = rate(&self.full);
        writeln!(
            f,
            "{:<44} {:>10.0} ev/s {:>9.2}x  {:<16} {:.0} ev/s",
            "rebuild with the write model (no checkpoint)",
            full,
            full / raw.max(1e-9),
            "",
            slowest(&self.full)
        )?;
        writeln!(
            f,
            "{:<44} {:>12.3} s {:>10}  {:<16} {:.3} s",
            "start-up with checkpoint (fresh process)",
            self.startup.best.secs,
            format!(
                "{:.2}x",
                self.startup.best.secs / self.full.best.secs.max(1e-9)
            ),
            format!("<= 1 s {}", mark(self.startup.best.secs <= 1.0)),
            self.startup.slowest_secs
        )?;
        writeln!(
            f,
            "{:<44} {:>12.3} s {:>10}  {:<16} {:.3} s",
            "first start-up (fold, then write checkpoint)",
            self.first.best.secs,
            "",
            "",
            self.first.slowest_secs
        )?;
        writeln!(
            f,
            "{:<44} {:>11.3} ms",
            format!("as-of timeline p50 ({} queries)", self.queries),
            self.query_p50_ms,
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
            self.rebuild.best.peak_rss_mib,
            self.rebuild.best.peak_rss_mib / self.raw.best.peak_rss_mib.max(1e-9),
            mark(self.rebuild.best.peak_rss_mib * 1.048_576 <= 600.0)
        )?;
        // Peak RSS against the 600 MB target (MiB shown; 1 MiB = 1.048576 MB).
        let rss_row = |label: &str, runs: &Runs| {
            let mib = runs.best.peak_rss_mib;
            format!(
                "{label:<44} {mib:>11.0} MiB {:>10}  <= 600 MB {}",
                "",
                mark(mib * 1.048_576 <= 600.0)
            )
        };
        writeln!(
            f,
            "{}",
            rss_row("peak RSS of the rebuild with the write model", &self.full)
        )?;
        writeln!(f, "{}", rss_row("peak RSS of start-up", &self.startup))?;
        write!(
            f,
            "{}",
            rss_row("peak RSS of a first start-up", &self.first)
        )
    }
}
