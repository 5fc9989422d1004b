//! Crash tests: a child process appends from several threads and is killed with SIGKILL at
//! random moments; the parent then reopens the same directory and checks that every append
//! the child saw acknowledged is there, unchanged, at the position it was given, and that
//! the hash chain is intact and gap-free.
//!
//! The child is this test binary itself, re-executed with [`CHILD_DIR`] set and a filter
//! that selects only the child's test, so no extra binary is needed.
//!
//! Knobs (environment variables, for longer runs while developing):
//! - `TRELLIS_CRASH_ITERATIONS`: kills per run (default 40);
//! - `TRELLIS_CRASH_SEED`: seed of the random delays (default: from the clock, printed);
//! - `TRELLIS_CRASH_MIN_MS`, `TRELLIS_CRASH_MAX_MS`: range of the delay before the kill
//!   (default 5 and 150; every fourth kill comes after 1.5-26.5 ms instead, while the child
//!   is still opening the store);
//! - `TRELLIS_CRASH_FRESH_EVERY`: start over in a new directory every this many kills, so
//!   that long runs do not spend their time re-verifying an ever longer log;
//! - `TRELLIS_CRASH_STUDY=1`: count stores that do not reopen (keeping a copy of each and
//!   going on in a new directory) instead of failing at the first.

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use trellis_events::{Append, AppendError, Envelope, Event, Expected, Log, LogError, NewEvent};

/// Set in the child's environment: the data directory to append to.
const CHILD_DIR: &str = "TRELLIS_CRASH_CHILD_DIR";
/// Set in the child's environment: the run number, which makes every marker unique.
const CHILD_RUN: &str = "TRELLIS_CRASH_CHILD_RUN";
/// The test that acts as the child when [`CHILD_DIR`] is set.
const CHILD_TEST: &str = "child_appender_prints_each_acknowledged_append";

const CHILD_THREADS: usize = 4;

/// A small deterministic generator (splitmix64), so this test needs no extra crate.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|s| s.parse().ok())
}

fn seed_from_env_or_clock() -> u64 {
    if let Some(s) = env_u64("TRELLIS_CRASH_SEED") {
        return s;
    }
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    nanos ^ u64::from(std::process::id())
}

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 9, 1).expect("a valid date")
}

/// The `k`-th event of the request named `marker`; the parent rebuilds it to compare.
fn event_for(marker: &str, k: usize) -> NewEvent {
    NewEvent {
        occurred_on: day(),
        event: Event::PersonAdded {
            person: format!("{marker}-{k}"),
            name: format!("Person {marker} number {k}, added by the crash test"),
            email: k
                .is_multiple_of(2)
                .then(|| format!("{marker}-{k}@district.example")),
        },
    }
}

fn stream_for(thread: usize) -> String {
    format!("crash-people-{thread}")
}

/// One acknowledged append as the child printed it.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Ack {
    first: u64,
    last: u64,
    stream_version: u64,
    thread: usize,
    marker: String,
    events: usize,
    deduplicated: bool,
}

impl Ack {
    fn line(&self) -> String {
        format!(
            "ACK {} {} {} {} {} {} {}\n",
            self.first,
            self.last,
            self.stream_version,
            self.thread,
            self.marker,
            self.events,
            u8::from(self.deduplicated)
        )
    }

    fn parse(line: &str) -> Option<Ack> {
        let mut w = line.strip_prefix("ACK ")?.split(' ');
        let ack = Ack {
            first: w.next()?.parse().ok()?,
            last: w.next()?.parse().ok()?,
            stream_version: w.next()?.parse().ok()?,
            thread: w.next()?.parse().ok()?,
            marker: w.next()?.to_string(),
            events: w.next()?.parse().ok()?,
            deduplicated: w.next()? == "1",
        };
        w.next().is_none().then_some(ack)
    }
}

/// Writes one whole line with a single `write` call, so a kill never leaves half a line
/// that parses.
fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(line.as_bytes());
    let _ = out.flush();
}

/// The child: appends from several threads until killed, printing each acknowledged append.
/// Without [`CHILD_DIR`] (an ordinary `cargo test`) it does nothing.
#[test]
fn child_appender_prints_each_acknowledged_append() {
    let Ok(dir) = std::env::var(CHILD_DIR) else {
        return;
    };
    let run: u64 = std::env::var(CHILD_RUN)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let log = match Log::open(&dir) {
        Ok(log) => log,
        Err(e) => {
            say(&format!("ERR open: {e}\n"));
            return;
        }
    };
    say("OPEN\n");
    let deadline = Instant::now() + Duration::from_secs(20);
    let appended = Arc::new(AtomicU64::new(0));
    let threads: Vec<_> = (0..CHILD_THREADS)
        .map(|t| {
            let log = log.clone();
            let appended = appended.clone();
            std::thread::spawn(move || child_thread(&log, run, t, deadline, &appended))
        })
        .collect();
    for t in threads {
        let _ = t.join();
    }
}

fn child_thread(log: &Log, run: u64, thread: usize, deadline: Instant, appended: &AtomicU64) {
    let stream = stream_for(thread);
    // This thread alone writes its stream, so it can name the exact version it expects,
    // which also checks that a version made durable but never acknowledged is seen again.
    let mut version = match log.stream_version(&stream) {
        Ok(v) => v,
        Err(e) => {
            say(&format!("ERR stream_version: {e}\n"));
            return;
        }
    };
    let mut i = 0usize;
    while Instant::now() < deadline {
        let marker = format!("r{run}t{thread}i{i}");
        let n = 1 + i % 3;
        let events = (0..n).map(|k| event_for(&marker, k)).collect();
        let mut req = Append::new(stream.clone(), format!("actor-{thread}"), events)
            .expect(Expected::Exact(version));
        let keyed = i.is_multiple_of(4);
        if keyed {
            req = req.key(marker.clone());
        }
        match log.append_blocking(req.clone()) {
            Ok(a) => {
                version = a.stream_version;
                let ack = Ack {
                    first: a.first,
                    last: a.last,
                    stream_version: a.stream_version,
                    thread,
                    marker: marker.clone(),
                    events: n,
                    deduplicated: a.deduplicated,
                };
                say(&ack.line());
                appended.fetch_add(1, Ordering::Relaxed);
                // A retry of a keyed request must be answered with the same positions.
                if keyed && i.is_multiple_of(8) {
                    match log.append_blocking(req) {
                        Ok(b) if b.deduplicated && (b.first, b.last) == (a.first, a.last) => {
                            say(&Ack {
                                deduplicated: true,
                                ..ack
                            }
                            .line());
                        }
                        other => say(&format!("ERR retry of {marker} answered {other:?}\n")),
                    }
                }
            }
            Err(AppendError::Closed) => return,
            Err(e) => {
                say(&format!("ERR append {marker}: {e}\n"));
                return;
            }
        }
        i += 1;
    }
}

/// What one killed child left behind, as the parent saw it.
struct Outcome {
    acks: Vec<Ack>,
    errors: Vec<String>,
    opened: bool,
}

fn run_child_and_kill(dir: &Path, run: u64, delay: Duration) -> Outcome {
    let exe = std::env::current_exe().expect("the test binary's path");
    let mut child = Command::new(exe)
        .args([CHILD_TEST, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_DIR, dir)
        .env(CHILD_RUN, run.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn the child appender");
    let stdout = child.stdout.take().expect("the child's stdout");
    let reader = std::thread::spawn(move || {
        let mut lines = Vec::new();
        let mut r = BufReader::new(stdout);
        let mut line = String::new();
        // A line without its newline was cut by the kill and is ignored.
        while r.read_line(&mut line).is_ok_and(|n| n > 0) {
            if line.ends_with('\n') {
                lines.push(line.trim_end().to_string());
            }
            line.clear();
        }
        lines
    });
    std::thread::sleep(delay);
    // `Child::kill` sends SIGKILL on unix: no destructor, no final flush runs.
    let _ = child.kill();
    let _ = child.wait();
    let lines = reader.join().expect("the reader thread");
    let mut out = Outcome {
        acks: Vec::new(),
        errors: Vec::new(),
        opened: false,
    };
    for l in lines {
        // libtest prints "test NAME ... " without a newline just before the child runs.
        if l.ends_with("OPEN") {
            out.opened = true;
        } else if let Some(a) = Ack::parse(&l) {
            out.acks.push(a);
        } else if l.starts_with("ERR") {
            out.errors.push(l);
        }
    }
    out
}

/// Checks the reopened log against everything acknowledged so far, in every run.
fn check_reopened(log: &Log, acked: &BTreeMap<String, Ack>, run: u64) {
    let report = log.verify();
    assert!(
        report.holds(),
        "run {run}: verify found {:?}",
        report.problem
    );
    let head = log.head_position();
    assert_eq!(
        report.head.position, head,
        "run {run}: verify stopped before the head"
    );
    let all: Vec<Envelope> = log
        .iter(1)
        .collect::<Result<_, _>>()
        .unwrap_or_else(|err| panic!("run {run}: reading the log failed: {err}"));
    let mut markers: HashMap<&str, u64> = HashMap::new();
    for (i, e) in all.iter().enumerate() {
        assert_eq!(
            e.position,
            i as u64 + 1,
            "run {run}: positions are not gap-free"
        );
        if let Event::PersonAdded { person, .. } = &e.event {
            // No request, retried or not, was ever written twice.
            if let Some(prev) = markers.insert(person, e.position) {
                panic!(
                    "run {run}: {person} is stored twice, at {prev} and {}",
                    e.position
                );
            }
        }
    }
    assert_eq!(
        all.len() as u64,
        head,
        "run {run}: the log does not end at its head"
    );
    for ack in acked.values() {
        assert!(
            ack.last <= head,
            "run {run}: {} was acknowledged at {}..={} but the head is {head}",
            ack.marker,
            ack.first,
            ack.last
        );
        assert_eq!(ack.last - ack.first + 1, ack.events as u64);
        for (k, pos) in (ack.first..=ack.last).enumerate() {
            let env = &all[pos as usize - 1];
            let want = event_for(&ack.marker, k);
            assert_eq!(env.event, want.event, "run {run}: content at {pos} changed");
            assert_eq!(env.occurred_on, want.occurred_on);
            assert_eq!(env.stream, stream_for(ack.thread));
            assert_eq!(env.actor, format!("actor-{}", ack.thread));
        }
        let last = all[ack.last as usize - 1].stream_version;
        assert_eq!(
            last, ack.stream_version,
            "run {run}: stream version of {}",
            ack.marker
        );
    }
    // Spot-check the point reads against the scan.
    // (A child killed before its first append leaves an empty log: nothing to read.)
    for pos in [1, head / 2, head] {
        if pos > 0 && pos <= head {
            let got = log.get(pos).ok().flatten();
            assert_eq!(
                got.as_ref(),
                Some(&all[pos as usize - 1]),
                "run {run}: get({pos})"
            );
        }
    }
}

#[test]
fn killed_appender_never_loses_an_acknowledged_event_and_the_chain_stays_intact() {
    if std::env::var(CHILD_DIR).is_ok() {
        return;
    }
    let iterations = env_u64("TRELLIS_CRASH_ITERATIONS").unwrap_or(40);
    let (min_ms, max_ms) = (
        env_u64("TRELLIS_CRASH_MIN_MS").unwrap_or(5),
        env_u64("TRELLIS_CRASH_MAX_MS").unwrap_or(150),
    );
    let fresh_every = env_u64("TRELLIS_CRASH_FRESH_EVERY")
        .unwrap_or(u64::MAX)
        .max(1);
    let study = std::env::var("TRELLIS_CRASH_STUDY").is_ok_and(|v| v == "1");
    let seed = seed_from_env_or_clock();
    eprintln!(
        "crash test: {iterations} kills after {min_ms}..={max_ms} ms, TRELLIS_CRASH_SEED={seed}"
    );
    let mut rng = Rng(seed);
    let tmp = tempfile::tempdir().expect("a temp dir");
    let mut generation = 0;
    let mut dir = tmp.path().join("data-0");
    let mut acked: BTreeMap<String, Ack> = BTreeMap::new();
    let (mut killed_before_open, mut total_acks, mut unopenable) = (0, 0, Vec::new());
    let started = Instant::now();
    let mut checking = Duration::ZERO;
    for run in 0..iterations {
        if run > 0 && run % fresh_every == 0 {
            generation += 1;
            dir = tmp.path().join(format!("data-{generation}"));
            acked.clear();
        }
        // Every fourth kill lands while the child is most likely still opening the store
        // (sled rewrites its snapshot then), the rest while it appends.
        let delay = if run % 4 == 3 {
            Duration::from_micros(1_500 + rng.below(25_000))
        } else {
            Duration::from_millis(min_ms + rng.below(max_ms - min_ms + 1))
        };
        let out = run_child_and_kill(&dir, run, delay);
        assert!(
            out.errors.is_empty(),
            "run {run}: the child reported {:?}",
            out.errors
        );
        if !out.opened {
            killed_before_open += 1;
        }
        total_acks += out.acks.len();
        for a in out.acks {
            if let Some(prev) = acked.get(&a.marker) {
                // A deduplicated retry must name exactly what the first answer named.
                assert_eq!(
                    (prev.first, prev.last, prev.stream_version),
                    (a.first, a.last, a.stream_version),
                    "run {run}: retry of {} answered differently",
                    a.marker
                );
            } else {
                acked.insert(a.marker.clone(), a);
            }
        }
        let reopen = Instant::now();
        let log = match Log::open(&dir) {
            Ok(log) => log,
            Err(e) => {
                let kept = keep_for_inspection(&dir, run);
                let why = format!(
                    "run {run} (killed after {delay:?}, child had opened: {}): the store does \
                     not reopen: {e} (copy kept in {})",
                    out.opened,
                    kept.display()
                );
                assert!(study, "{why}");
                eprintln!("{why}");
                unopenable.push(why);
                generation += 1;
                dir = tmp.path().join(format!("data-{generation}"));
                acked.clear();
                continue;
            }
        };
        check_reopened(&log, &acked, run);
        drop(log);
        checking += reopen.elapsed();
    }
    eprintln!(
        "crash test: {iterations} kills in {:?} ({checking:?} reopening and checking), \
         {killed_before_open} before the child had opened the store, {total_acks} \
         acknowledgements, {} stores did not reopen",
        started.elapsed(),
        unopenable.len()
    );
    assert!(total_acks > 0, "no child ever acknowledged an append");
    assert!(
        unopenable.is_empty(),
        "stores that did not reopen: {unopenable:#?}"
    );
}

fn keep_for_inspection(dir: &Path, run: u64) -> PathBuf {
    let dest = std::env::temp_dir().join(format!(
        "trellis-crash-unopenable-{}-{run}",
        std::process::id()
    ));
    let _ = copy_dir(dir, &dest);
    dest
}

fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

/// Every offset at which `needle` occurs in the files under `dir`.
fn find_in_files(dir: &Path, needle: &[u8]) -> Vec<(PathBuf, usize)> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read the store dir") {
            let path = entry.expect("a dir entry").path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let bytes = std::fs::read(&path).expect("read a store file");
            let mut at = 0;
            while let Some(i) = bytes[at..].windows(needle.len()).position(|w| w == needle) {
                found.push((path.clone(), at + i));
                at += i + 1;
            }
        }
    }
    found
}

#[test]
fn a_flipped_byte_in_a_stored_event_is_reported_by_open_or_verify() {
    if std::env::var(CHILD_DIR).is_ok() {
        return;
    }
    let tmp = tempfile::tempdir().expect("a temp dir");
    let original = tmp.path().join("original");
    let marker = "Zebulon-Quixote-Marker-7741";
    let mut marked_at = 0;
    {
        let log = Log::open(&original).expect("open a new log");
        for i in 0..40 {
            let name = if i == 20 {
                marker.to_string()
            } else {
                format!("Person {i}")
            };
            let ev = NewEvent {
                occurred_on: day(),
                event: Event::PersonAdded {
                    person: format!("p{i}"),
                    name,
                    email: None,
                },
            };
            let a = log
                .append_blocking(Append::new(format!("person-{i}"), "auditor-test", vec![ev]))
                .expect("append");
            if i == 20 {
                marked_at = a.first;
            }
        }
        assert!(log.verify().holds());
    }
    let copy = tmp.path().join("copy");
    copy_dir(&original, &copy).expect("copy the store");
    let hits = find_in_files(&copy.join("store"), marker.as_bytes());
    assert!(
        !hits.is_empty(),
        "the marker is not in the store files as plain bytes"
    );
    // sled may hold more than one copy of a page (a fragment and a later consolidation);
    // altering every copy makes sure the one that is read back is the altered one.
    for (path, offset) in &hits {
        let mut bytes = std::fs::read(path).expect("read");
        bytes[offset + 3] ^= 0x01;
        std::fs::write(path, bytes).expect("write");
    }
    eprintln!(
        "flipped one byte of the marker in {} place(s): {hits:?}",
        hits.len()
    );

    match Log::open(&copy) {
        Err(e) => {
            // A clear refusal is acceptable: it must say what is wrong.
            let msg = e.to_string();
            eprintln!("open of the altered copy refused: {msg}");
            assert!(
                matches!(
                    e,
                    LogError::LostAcknowledged { .. }
                        | LogError::HeadMismatch { .. }
                        | LogError::Open { .. }
                        | LogError::Decode { .. }
                        | LogError::Storage(_)
                ),
                "unexpected error kind: {e:?}"
            );
        }
        Ok(log) => {
            let report = log.verify();
            eprintln!("verify of the altered copy: {report:?}");
            let (position, problem) = report
                .problem
                .clone()
                .expect("verify must report the altered event");
            assert!(
                position <= marked_at,
                "verify named position {position} ({problem:?}), after the altered {marked_at}"
            );
        }
    }
    // The original is untouched and still verifies.
    let log = Log::open(&original).expect("reopen the original");
    assert!(log.verify().holds());
}

/// sled 0.34.7 writes its snapshot to `snap.LSN.generating` on every open and renames it once
/// it is complete; a process killed in between leaves a half-written file that sled alone
/// then refuses to open past (spacejam/sled#1527, #1533). This recreates that state exactly:
/// the previous snapshot intact, a newer `.generating` one cut short.
#[test]
fn a_snapshot_left_half_written_by_a_killed_open_does_not_keep_the_store_closed() {
    if std::env::var(CHILD_DIR).is_ok() {
        return;
    }
    let tmp = tempfile::tempdir().expect("a temp dir");
    let dir = tmp.path().join("data");
    let ev = |i: usize| event_for(&format!("snap{i}"), i);
    {
        let log = Log::open(&dir).expect("open a new log");
        for i in 0..30 {
            log.append_blocking(Append::new("people", "tester", vec![ev(i)]))
                .expect("append");
        }
    }
    // Reopening once makes sled write a snapshot that covers the appends.
    drop(Log::open(&dir).expect("reopen"));
    let store = dir.join("store");
    let snaps: Vec<PathBuf> = std::fs::read_dir(&store)
        .expect("list the store")
        .map(|e| e.expect("an entry").path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("snap."))
        })
        .collect();
    assert_eq!(
        snaps.len(),
        1,
        "expected one complete snapshot, found {snaps:?}"
    );
    let name = snaps[0]
        .file_name()
        .expect("a name")
        .to_string_lossy()
        .into_owned();
    let lsn = u64::from_str_radix(name.trim_start_matches("snap."), 16).expect("snap.<hex lsn>");
    let bytes = std::fs::read(&snaps[0]).expect("read the snapshot");
    let interrupted = store.join(format!("snap.{:016X}.generating", lsn + 1));
    std::fs::write(&interrupted, &bytes[..bytes.len() / 2]).expect("write the cut snapshot");

    // sled by itself cannot open this store...
    // (with the log's segment size: sled refuses a store opened with another)
    let raw = sled::Config::new()
        .path(&store)
        .segment_size(2 * 1024 * 1024)
        .open();
    assert!(
        matches!(raw, Err(sled::Error::Corruption { .. })),
        "sled opened past a half-written snapshot: {:?}",
        raw.as_ref().err()
    );
    drop(raw);
    // ...the log can, with everything in it, and keeps the cut file aside for inspection.
    let log = Log::open(&dir).expect("the log opens past an interrupted snapshot");
    assert!(!interrupted.exists());
    assert!(dir
        .join("store-interrupted-snapshots")
        .join(interrupted.file_name().expect("a name"))
        .exists());
    assert!(log.verify().holds());
    let all = log.read(1, usize::MAX).expect("read");
    assert_eq!(all.len(), 30);
    for (i, e) in all.iter().enumerate() {
        assert_eq!(e.event, ev(i).event);
    }
}
