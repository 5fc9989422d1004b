//! `trellis bench log`: durable appends, each figure beside the raw baseline it is bound by,
//! all measured in the same run on the same filesystem.
//!
//! Baselines: a 300-byte append + `fdatasync` per operation (what one durable append is
//! compared with), raw sled 0.34.7 with a flush per insert, and raw sled with one flush per
//! batch of 100 inserts (what group commit is compared with). On Linux sled's `flush` ends
//! in `sync_file_range`, which is not durable against a power cut, so the log also
//! `fdatasync`s after each flush; the sled baselines are therefore measured both ways, and
//! once more shaped like the log's own writes (per event a value of the stored size and a
//! stream-index entry, 64 events per flush), which tells what the log costs beyond sled.
//! The log is measured with one sequential appender (latency) and with 1, 8 and 64
//! concurrent appender threads (throughput).
//!
//! Everything is written under a scratch directory inside the directory given, which is
//! removed at the end.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use chrono::NaiveDate;
use trellis_events::{Append, Event, Log, NewEvent};

/// Operations per measure by default; with [`MEASURE_CAP`] the whole run takes 10-40 s.
pub const DEFAULT_SCALE: usize = 20_000;
/// Operations per measure with `--quick`: enough to exercise every measure, too few to mean
/// much.
pub const QUICK_SCALE: usize = 200;
/// A measure stops after this long even if it has not done `scale` operations, so that a
/// slow disk does not make the run take hours; the table says how many were done.
pub const MEASURE_CAP: Duration = Duration::from_secs(4);
/// Size of the raw baselines' records, close to a stored log event.
const RAW_RECORD: usize = 300;
/// Inserts per flush in the batched sled baseline.
const RAW_BATCH: usize = 100;
/// Batched measures are quick per operation: they do this many times `scale` inserts, so
/// that they run long enough to be measured.
const BATCH_WORK: usize = 5;
/// The concurrencies at which the log's throughput is measured.
pub const APPENDERS: [usize; 3] = [1, 8, 64];

/// What to measure.
#[derive(Clone, Copy, Debug, Default)]
pub struct LogBenchOpts {
    /// A short run that only shows every measure works.
    pub quick: bool,
    /// Events (or operations) per measure; defaults to [`DEFAULT_SCALE`] or, with `quick`,
    /// [`QUICK_SCALE`].
    pub scale: Option<usize>,
}

impl LogBenchOpts {
    pub fn scale(&self) -> usize {
        self.scale
            .unwrap_or(if self.quick {
                QUICK_SCALE
            } else {
                DEFAULT_SCALE
            })
            .max(1)
    }

    fn cap(&self) -> Duration {
        if self.quick {
            MEASURE_CAP / 4
        } else {
            MEASURE_CAP
        }
    }
}

/// Counts a measure's operations up to `scale`, or until its time is up.
#[derive(Clone, Copy)]
struct Budget {
    ops: usize,
    until: Instant,
}

impl Budget {
    fn new(ops: usize, cap: Duration) -> Budget {
        Budget {
            ops,
            until: Instant::now() + cap,
        }
    }

    /// Whether operation `i` (0-based) is to be done; at least one always is.
    fn go(&self, i: usize) -> bool {
        i == 0 || (i < self.ops && Instant::now() < self.until)
    }
}

/// Per-operation latencies of a sequential measure.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Latency {
    /// Operations done (fewer than asked when the measure hit [`MEASURE_CAP`]).
    pub n: usize,
    pub p50: Duration,
    pub p99: Duration,
    /// Operations per second over the whole measure.
    pub per_sec: f64,
}

impl Latency {
    fn from_samples(mut samples: Vec<Duration>, total: Duration) -> Latency {
        samples.sort_unstable();
        let at = |q: usize| samples[(samples.len() * q / 100).min(samples.len() - 1)];
        Latency {
            n: samples.len(),
            p50: at(50),
            p99: at(99),
            per_sec: samples.len() as f64 / total.as_secs_f64().max(1e-9),
        }
    }
}

/// Throughput of the log with a number of concurrent appenders.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Throughput {
    pub appenders: usize,
    pub events: usize,
    pub per_sec: f64,
}

/// Everything `trellis bench log` measured.
#[derive(Clone, Debug)]
pub struct LogBenchReport {
    pub dir: PathBuf,
    pub scale: usize,
    /// Stored size of one benchmark event in the log (hash + JSON envelope).
    pub event_bytes: usize,
    /// `write` of [`RAW_RECORD`] bytes + `fdatasync`, per operation.
    pub fdatasync: Latency,
    /// Raw sled: insert + `flush`, per operation.
    pub sled_flush: Latency,
    /// Raw sled: insert + `flush` + `fdatasync` of its file, per operation (on Linux sled's
    /// flush ends in `sync_file_range`, which is not a durable sync: see the report).
    pub sled_flush_fdatasync: Latency,
    /// Raw sled: inserts per second with one flush per [`RAW_BATCH`].
    pub sled_batch_per_sec: f64,
    /// The same with an `fdatasync` of sled's file after each flush, as the log does.
    pub sled_batch_fdatasync_per_sec: f64,
    /// Raw sled shaped like the log's writes under 64 appenders: per event one value of the
    /// log's stored size plus one small stream-index entry, 64 events per flush + `fdatasync`
    /// (events per second): what the log could reach with no cost of its own.
    pub sled_log_shaped_per_sec: f64,
    /// The log: one durable append at a time.
    pub log_single: Latency,
    /// The log with 1, 8 and 64 concurrent appenders.
    pub log_throughput: Vec<Throughput>,
}

impl LogBenchReport {
    /// Single-append p50 over the `fdatasync` p50; the target is at most 2.
    pub fn single_vs_fdatasync(&self) -> f64 {
        ratio(
            self.log_single.p50.as_secs_f64(),
            self.fdatasync.p50.as_secs_f64(),
        )
    }

    /// Throughput with `appenders` concurrent appenders, if measured.
    pub fn throughput(&self, appenders: usize) -> Option<f64> {
        self.log_throughput
            .iter()
            .find(|t| t.appenders == appenders)
            .map(|t| t.per_sec)
    }

    /// 64-appender throughput over the batched sled rate; the target is at least 0.5.
    pub fn many_vs_batch(&self) -> f64 {
        ratio(self.throughput(64).unwrap_or(0.0), self.sled_batch_per_sec)
    }

    pub fn single_meets_target(&self) -> bool {
        self.single_vs_fdatasync() <= 2.0
    }

    pub fn many_meets_target(&self) -> bool {
        self.many_vs_batch() >= 0.5
    }
}

fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 {
        a / b
    } else {
        f64::INFINITY
    }
}

/// Runs every measure in a scratch directory under `dir`; progress goes to stderr.
pub fn run_log_bench(dir: &Path, opts: LogBenchOpts) -> anyhow::Result<LogBenchReport> {
    let scale = opts.scale();
    let budget = || Budget::new(scale, opts.cap());
    let scratch = Scratch::new(dir)?;
    let step = |what: &str| eprintln!("bench log: {what} (up to {scale})");

    step("raw write + fdatasync");
    let fdatasync = raw_fdatasync(&scratch.path.join("raw-file"), budget())?;
    step("raw sled insert + flush");
    let sled_flush = raw_sled_each(&scratch.path.join("raw-sled-each"), budget(), false)?;
    step("raw sled insert + flush + fdatasync");
    let sled_flush_fdatasync = raw_sled_each(&scratch.path.join("raw-sled-sync"), budget(), true)?;
    step("raw sled batches of 100");
    let sled_batch_per_sec =
        raw_sled_batched(&scratch.path.join("raw-sled-batch"), budget(), false)?;
    step("raw sled batches of 100 + fdatasync");
    let sled_batch_fdatasync_per_sec =
        raw_sled_batched(&scratch.path.join("raw-sled-batch-sync"), budget(), true)?;
    step("raw sled, log-shaped batches of 64 events + fdatasync");
    let sled_log_shaped_per_sec =
        raw_sled_log_shaped(&scratch.path.join("raw-sled-shaped"), budget())?;

    step("log single durable append");
    let (log_single, event_bytes) = log_single(&scratch.path.join("log-single"), budget())?;
    let mut log_throughput = Vec::new();
    for appenders in APPENDERS {
        step(&format!("log with {appenders} concurrent appenders"));
        let path = scratch.path.join(format!("log-{appenders}"));
        log_throughput.push(log_concurrent(&path, appenders, budget())?);
    }
    Ok(LogBenchReport {
        dir: dir.to_path_buf(),
        scale,
        event_bytes,
        fdatasync,
        sled_flush,
        sled_flush_fdatasync,
        sled_batch_per_sec,
        sled_batch_fdatasync_per_sec,
        sled_log_shaped_per_sec,
        log_single,
        log_throughput,
    })
}

/// A directory removed, with everything in it, when dropped.
struct Scratch {
    path: PathBuf,
}

impl Scratch {
    fn new(parent: &Path) -> anyhow::Result<Scratch> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let path = parent.join(format!(".bench-log-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&path)
            .with_context(|| format!("creating the scratch directory {}", path.display()))?;
        Ok(Scratch { path })
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

fn raw_fdatasync(path: &Path, budget: Budget) -> anyhow::Result<Latency> {
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    let record = [b'x'; RAW_RECORD];
    let mut samples = Vec::with_capacity(budget.ops);
    let started = Instant::now();
    while budget.go(samples.len()) {
        let t = Instant::now();
        file.write_all(&record)?;
        file.sync_data()?;
        samples.push(t.elapsed());
    }
    Ok(Latency::from_samples(samples, started.elapsed()))
}

fn raw_sled(path: &Path) -> anyhow::Result<sled::Db> {
    sled::Config::new()
        .path(path)
        .flush_every_ms(None)
        .open()
        .with_context(|| format!("opening a raw sled store in {}", path.display()))
}

fn raw_sled_each(path: &Path, budget: Budget, fdatasync: bool) -> anyhow::Result<Latency> {
    let db = raw_sled(path)?;
    let file = File::open(path.join("db"))?;
    let value = [b'x'; RAW_RECORD];
    let mut samples = Vec::with_capacity(budget.ops);
    let started = Instant::now();
    while budget.go(samples.len()) {
        let t = Instant::now();
        db.insert((samples.len() as u64).to_be_bytes(), &value[..])?;
        db.flush()?;
        if fdatasync {
            file.sync_data()?;
        }
        samples.push(t.elapsed());
    }
    Ok(Latency::from_samples(samples, started.elapsed()))
}

fn raw_sled_batched(path: &Path, budget: Budget, fdatasync: bool) -> anyhow::Result<f64> {
    let db = raw_sled(path)?;
    let file = File::open(path.join("db"))?;
    let value = [b'x'; RAW_RECORD];
    // Enough batches to be measurable even when `scale` is small.
    let batches = (budget.ops * BATCH_WORK)
        .max(RAW_BATCH * 10)
        .div_ceil(RAW_BATCH);
    let started = Instant::now();
    let mut key = 0u64;
    let mut done = 0;
    while budget.go(done) && done < batches {
        done += 1;
        let mut batch = sled::Batch::default();
        for _ in 0..RAW_BATCH {
            batch.insert(&key.to_be_bytes(), &value[..]);
            key += 1;
        }
        db.apply_batch(batch)?;
        db.flush()?;
        if fdatasync {
            file.sync_data()?;
        }
    }
    Ok((done * RAW_BATCH) as f64 / started.elapsed().as_secs_f64().max(1e-9))
}

fn raw_sled_log_shaped(path: &Path, budget: Budget) -> anyhow::Result<f64> {
    const GROUP: usize = 64;
    const LOG_EVENT: usize = 416;
    let db = raw_sled(path)?;
    let file = File::open(path.join("db"))?;
    let value = [b'x'; LOG_EVENT];
    let groups = (budget.ops * BATCH_WORK).max(GROUP * 10).div_ceil(GROUP);
    let started = Instant::now();
    let (mut done, mut pos) = (0, 0u64);
    while budget.go(done) && done < groups {
        done += 1;
        let mut batch = sled::Batch::default();
        for _ in 0..GROUP {
            pos += 1;
            let mut key = vec![b'e'];
            key.extend_from_slice(&pos.to_be_bytes());
            batch.insert(key, &value[..]);
            let mut index = format!("sbench-{}", pos % GROUP as u64).into_bytes();
            index.push(0);
            index.extend_from_slice(&(pos / GROUP as u64).to_be_bytes());
            batch.insert(index, &pos.to_be_bytes()[..]);
        }
        db.apply_batch(batch)?;
        db.flush()?;
        file.sync_data()?;
    }
    Ok((done * GROUP) as f64 / started.elapsed().as_secs_f64().max(1e-9))
}

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 9, 3).unwrap_or_default()
}

/// One benchmark event; with its envelope it is stored in about 300 bytes.
fn append_for(appender: usize, i: usize) -> Append {
    let event = Event::PersonAdded {
        person: format!("bench-{appender}-{i}"),
        name: "Bench Person".into(),
        email: None,
    };
    Append::new(
        format!("bench-{appender}"),
        "bench@trellis",
        vec![NewEvent {
            occurred_on: day(),
            event,
        }],
    )
}

fn log_single(path: &Path, budget: Budget) -> anyhow::Result<(Latency, usize)> {
    let log = Log::open(path)?;
    // A few appends first, so that opening and first allocations are not measured.
    for i in 0..10 {
        log.append_blocking(append_for(1, i))?;
    }
    let event_bytes = log
        .iter_raw(1)
        .next()
        .transpose()?
        .map_or(0, |(_, v)| v.len());
    let mut samples = Vec::with_capacity(budget.ops);
    let started = Instant::now();
    while budget.go(samples.len()) {
        let t = Instant::now();
        log.append_blocking(append_for(0, samples.len()))?;
        samples.push(t.elapsed());
    }
    Ok((
        Latency::from_samples(samples, started.elapsed()),
        event_bytes,
    ))
}

fn log_concurrent(path: &Path, appenders: usize, budget: Budget) -> anyhow::Result<Throughput> {
    let log = Log::open(path)?;
    let per = budget.ops.div_ceil(appenders);
    let start = Arc::new(Barrier::new(appenders + 1));
    let threads: Vec<_> = (0..appenders)
        .map(|a| {
            let log = log.clone();
            let start = start.clone();
            std::thread::spawn(move || -> anyhow::Result<usize> {
                start.wait();
                let mut i = 0;
                while i < per && budget.go(i) {
                    log.append_blocking(append_for(a, i))?;
                    i += 1;
                }
                Ok(i)
            })
        })
        .collect();
    start.wait();
    let started = Instant::now();
    let mut events = 0;
    for t in threads {
        events += t
            .join()
            .map_err(|_| anyhow::anyhow!("an appender thread panicked"))??;
    }
    let secs = started.elapsed().as_secs_f64();
    anyhow::ensure!(
        log.head_position() == events as u64,
        "the log holds {} events, {events} were acknowledged",
        log.head_position()
    );
    Ok(Throughput {
        appenders,
        events,
        per_sec: events as f64 / secs.max(1e-9),
    })
}

fn fmt_dur(d: Duration) -> String {
    let us = d.as_secs_f64() * 1e6;
    if us < 1000.0 {
        format!("{us:.0} µs")
    } else {
        format!("{:.2} ms", us / 1000.0)
    }
}

fn fmt_rate(r: f64) -> String {
    if r >= 10_000.0 {
        format!("{:.1}k", r / 1000.0)
    } else {
        format!("{r:.0}")
    }
}

impl std::fmt::Display for LogBenchReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mark = |ok: bool| if ok { "PASS" } else { "MISS" };
        let pct = |a: f64, b: f64| format!("{:.0}%", 100.0 * ratio(a, b));
        writeln!(
            f,
            "log benchmark: up to {} operations per measure (at most {} s each); raw records \
             {RAW_RECORD} B, log events {} B stored; scratch under {}",
            self.scale,
            MEASURE_CAP.as_secs(),
            self.event_bytes,
            self.dir.display()
        )?;
        writeln!(
            f,
            "{:<44} {:>6} {:>9} {:>9} {:>9}  {:<52} target",
            "measure", "n", "p50", "p99", "per sec", "vs baseline"
        )?;
        let row = |f: &mut std::fmt::Formatter<'_>,
                   name: &str,
                   l: Option<&Latency>,
                   rate: f64,
                   vs: &str,
                   target: &str| {
            let (n, p50, p99) = l.map_or((String::new(), String::new(), String::new()), |l| {
                (l.n.to_string(), fmt_dur(l.p50), fmt_dur(l.p99))
            });
            writeln!(
                f,
                "{name:<44} {n:>6} {p50:>9} {p99:>9} {:>9}  {vs:<52} {target}",
                fmt_rate(rate)
            )
        };
        let fds = &self.fdatasync;
        row(
            f,
            "raw: append 300 B + fdatasync",
            Some(fds),
            fds.per_sec,
            "",
            "",
        )?;
        let sf = &self.sled_flush;
        row(f, "raw sled: insert + flush", Some(sf), sf.per_sec, "", "")?;
        let sfs = &self.sled_flush_fdatasync;
        row(
            f,
            "raw sled: insert + flush + fdatasync",
            Some(sfs),
            sfs.per_sec,
            "",
            "",
        )?;
        row(
            f,
            "raw sled: batches of 100 + flush",
            None,
            self.sled_batch_per_sec,
            "",
            "",
        )?;
        let sbs = self.sled_batch_fdatasync_per_sec;
        row(
            f,
            "raw sled: batches of 100 + flush + fdatasync",
            None,
            sbs,
            "",
            "",
        )?;
        let shaped = self.sled_log_shaped_per_sec;
        row(
            f,
            "raw sled: 64 log-shaped events + fdatasync",
            None,
            shaped,
            "(2 inserts per event)",
            "",
        )?;
        let one = &self.log_single;
        row(
            f,
            "log: single durable append",
            Some(one),
            one.per_sec,
            &format!(
                "{:.2}x fdatasync p50 ({:.2}x p99)",
                self.single_vs_fdatasync(),
                ratio(one.p99.as_secs_f64(), fds.p99.as_secs_f64())
            ),
            &format!("<= 2x {}", mark(self.single_meets_target())),
        )?;
        for t in &self.log_throughput {
            let name = format!(
                "log: {} concurrent appender{}",
                t.appenders,
                if t.appenders == 1 { "" } else { "s" }
            );
            let (vs, target) = match t.appenders {
                1 => (
                    format!(
                        "{:.2}x sled insert + flush + fdatasync",
                        ratio(t.per_sec, sfs.per_sec)
                    ),
                    String::new(),
                ),
                n => (
                    format!(
                        "{} of sled batches ({} w/ fdatasync, {} of shaped)",
                        pct(t.per_sec, self.sled_batch_per_sec),
                        pct(t.per_sec, sbs),
                        pct(t.per_sec, shaped)
                    ),
                    if n == 64 {
                        format!(">= 50% {}", mark(self.many_meets_target()))
                    } else {
                        String::new()
                    },
                ),
            };
            writeln!(
                f,
                "{name:<44} {:>6} {:>9} {:>9} {:>9}  {vs:<52} {target}",
                t.events,
                "",
                "",
                fmt_rate(t.per_sec)
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quick_log_bench_reports_every_measure_with_positive_figures() {
        let tmp = tempfile::tempdir().expect("a temp dir");
        let report = run_log_bench(
            tmp.path(),
            LogBenchOpts {
                quick: true,
                scale: Some(60),
            },
        )
        .expect("the bench runs");
        for l in [
            &report.fdatasync,
            &report.sled_flush,
            &report.sled_flush_fdatasync,
            &report.log_single,
        ] {
            assert!(
                l.p50 > Duration::ZERO && l.p99 >= l.p50 && l.per_sec > 0.0,
                "{l:?}"
            );
        }
        assert!(report.sled_batch_per_sec > 0.0 && report.sled_batch_fdatasync_per_sec > 0.0);
        assert!(report.sled_log_shaped_per_sec > 0.0);
        assert!(report.event_bytes > 100, "{}", report.event_bytes);
        let measured: Vec<usize> = report.log_throughput.iter().map(|t| t.appenders).collect();
        assert_eq!(measured, APPENDERS);
        assert!(report
            .log_throughput
            .iter()
            .all(|t| t.per_sec > 0.0 && t.events >= 60));
        assert!(report.single_vs_fdatasync() > 0.0 && report.many_vs_batch() > 0.0);

        let table = report.to_string();
        for row in [
            "raw: append 300 B + fdatasync",
            "raw sled: insert + flush",
            "raw sled: insert + flush + fdatasync",
            "raw sled: batches of 100 + flush",
            "raw sled: batches of 100 + flush + fdatasync",
            "raw sled: 64 log-shaped events + fdatasync",
            "log: single durable append",
            "log: 1 concurrent appender",
            "log: 8 concurrent appenders",
            "log: 64 concurrent appenders",
        ] {
            assert!(table.contains(row), "missing row {row:?} in\n{table}");
        }
        assert_eq!(
            table.matches("PASS").count() + table.matches("MISS").count(),
            2,
            "{table}"
        );
        // The scratch directory is gone.
        assert_eq!(std::fs::read_dir(tmp.path()).expect("list").count(), 0);
    }
}
