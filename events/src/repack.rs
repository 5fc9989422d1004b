//! Repacking: merging the small segments that single appends leave behind into larger ones.
//!
//! A group commit packs what it commits into segments of at most 4 KiB, but under light load
//! every append is a group of its own, so a log of a million single appends is a million
//! sled entries, and a replay pays sled's per-entry cost (a tree step, a page read, an
//! allocation) a million times. Repacking merges each run of consecutive committed segments
//! into one value of at most [`PACK_BYTES`] of records by concatenating them (records are
//! length-prefixed, so the concatenation is itself a segment) and compressing that
//! (`segment::compress`; sled then stores, reads and caches a fraction of the bytes), in
//! one atomic `sled::Batch` per run. The stored bytes of every event, and therefore the hash
//! chain, are unchanged: only the packaging is. A reader that walks the log while a run is merged notices that the
//! segment it expected moved under a key it has passed and looks it up again
//! (`log::Events`).
//!
//! The log runs this on a background thread of its own once [`REPACK_AFTER`] segments were
//! committed and the log has had a short lull without commits (so merging does not compete
//! with a burst of appends); [`crate::Log::repack`] runs it at once.

use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tokio::sync::watch;

use crate::log::keys;
use crate::segment;

/// The most bytes of records a merged segment holds (before compression, so that even
/// incompressible records stay this small). sled 0.34 writes any page over a quarter of its
/// 2 MiB log segment as a separate blob file, which its flush does not sync; a leaf page
/// holds at most 17 entries, and 17 × 24 KiB stays below that quarter.
pub const PACK_BYTES: usize = 24 * 1024;

/// Newly committed segments that wake the background repacker.
pub const REPACK_AFTER: u64 = 256;

/// How long the log must have gone without a commit before the background repacker runs
/// (and it stops between runs when one arrives): merging competes with appends for the
/// CPU and for sled's batch lock, so it waits for a lull.
const QUIET: Duration = Duration::from_millis(20);

/// How far the background repacker lets unmerged segments pile up under a load with no
/// lull before it runs a whole pass anyway (about 150 MB of small segments).
const FORCE_AFTER: u64 = 1024 * REPACK_AFTER;

/// Where repacking resumes: the first position of the first segment that may still grow.
const MARK_KEY: &[u8] = b"p";

/// What one repacking pass did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Repacked {
    /// Merged segments written.
    pub runs: u64,
    /// Small segments they replaced.
    pub segments: u64,
}

/// Merges the segments holding positions up to `head` (all committed) into runs of at most
/// [`PACK_BYTES`], resuming where the last pass stopped. The last run may still grow with
/// later appends; it is merged too only when `tail` is true (and merged again, grown, by a
/// later pass).
///
/// `progress` hears the position reached after each merged run and answers whether to go
/// on; a pass stopped early has merged what it reached, and the next resumes there.
///
/// Callers serialize passes (see [`Repacker`]); appends may run alongside, since they only
/// write segments after `head`.
pub fn repack(
    tree: &sled::Tree,
    head: u64,
    tail: bool,
    progress: &mut dyn FnMut(u64) -> bool,
) -> Result<Repacked, sled::Error> {
    let mark = tree
        .get(MARK_KEY)?
        .and_then(|v| keys::tail_u64(&v))
        .unwrap_or(1)
        .max(1);
    let mut done = Repacked::default();
    if mark > head {
        return Ok(done);
    }
    let mut run: Vec<(u64, sled::IVec)> = Vec::new();
    let mut size = 0;
    for r in tree.range(keys::event(mark)..=keys::event(head)) {
        let (k, v) = r?;
        let first = keys::event_pos(&k).unwrap_or(0);
        let len = segment::expanded_len(&v);
        if !run.is_empty() && size + len > PACK_BYTES {
            write_run(tree, &run, first, &mut done)?;
            if !progress(first) {
                return Ok(done);
            }
            run.clear();
            size = 0;
        }
        size += len;
        run.push((first, v));
    }
    if let (true, Some(&(first, _))) = (tail && run.len() > 1, run.first()) {
        write_run(tree, &run, first, &mut done)?;
    }
    Ok(done)
}

/// Replaces a run of segments by their concatenation and moves the mark to `next`.
fn write_run(
    tree: &sled::Tree,
    run: &[(u64, sled::IVec)],
    next: u64,
    done: &mut Repacked,
) -> Result<(), sled::Error> {
    let mut batch = sled::Batch::default();
    if let [(first, _), rest @ ..] = run {
        if !rest.is_empty() {
            let mut records = Vec::with_capacity(PACK_BYTES);
            for (p, v) in run {
                match segment::expand(v) {
                    Ok(r) => records.extend_from_slice(&r),
                    // Damage is left where it is for verification to name, never merged.
                    Err(_) => {
                        tracing::warn!(position = p, "a segment does not expand; not repacking");
                        return Ok(());
                    }
                }
            }
            let value = segment::compress(&records);
            for (p, _) in rest {
                batch.remove(&keys::event(*p));
            }
            batch.insert(&keys::event(*first), value);
            done.runs += 1;
            done.segments += run.len() as u64;
        }
    }
    batch.insert(MARK_KEY, &next.to_be_bytes());
    tree.apply_batch(batch)
}

/// The background repacker of one open log: woken by commits, stopped when the log closes.
pub(crate) struct Repacker {
    tree: sled::Tree,
    head: watch::Receiver<u64>,
    wake: Arc<(Mutex<Wake>, Condvar)>,
    /// Held during a pass, so passes never overlap.
    pass: Arc<Mutex<()>>,
    thread: Option<JoinHandle<()>>,
}

#[derive(Default)]
struct Wake {
    /// Segments committed since the last pass began (or that a pass left unmerged).
    committed: u64,
    last_commit: Option<Instant>,
    stop: bool,
}

impl Wake {
    fn quiet(&self) -> bool {
        self.last_commit.is_none_or(|t| t.elapsed() >= QUIET)
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Repacker {
    /// Starts the background thread (or runs without one when it cannot be started).
    pub fn start(tree: sled::Tree, head: watch::Receiver<u64>) -> Repacker {
        let wake = Arc::new((Mutex::new(Wake::default()), Condvar::new()));
        let pass = Arc::new(Mutex::new(()));
        let thread = {
            let (tree, head, wake, pass) = (tree.clone(), head.clone(), wake.clone(), pass.clone());
            std::thread::Builder::new()
                .name("trellis-repack".into())
                .spawn(move || background(&tree, &head, &wake, &pass))
                .map_err(|e| tracing::warn!(error = %e, "could not start the repacker"))
                .ok()
        };
        Repacker {
            tree,
            head,
            wake,
            pass,
            thread,
        }
    }

    /// Counts newly committed segments; wakes the thread once enough have piled up.
    pub fn committed(&self, segments: u64) {
        let (m, cv) = &*self.wake;
        let mut w = lock(m);
        w.committed += segments;
        w.last_commit = Some(Instant::now());
        if w.committed >= REPACK_AFTER {
            cv.notify_one();
        }
    }

    /// One pass now, up to the current head, the last run included; `progress` hears the
    /// position reached after each merged run.
    pub fn run(&self, progress: &mut dyn FnMut(u64) -> bool) -> Result<Repacked, sled::Error> {
        let _pass = lock(&self.pass);
        repack(&self.tree, *self.head.borrow(), true, progress)
    }

    /// Holds off every pass while the guard lives: for a reader that must see the segments
    /// exactly as stored (verification).
    pub fn pause(&self) -> MutexGuard<'_, ()> {
        lock(&self.pass)
    }

    /// Stops the thread and waits for it, so that the store can close.
    pub fn stop(&mut self) {
        {
            let (m, cv) = &*self.wake;
            lock(m).stop = true;
            cv.notify_one();
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn background(
    tree: &sled::Tree,
    head: &watch::Receiver<u64>,
    wake: &(Mutex<Wake>, Condvar),
    pass: &Mutex<()>,
) {
    let (m, cv) = wake;
    loop {
        let forced = {
            let mut w = lock(m);
            while !w.stop && w.committed < REPACK_AFTER {
                w = cv.wait(w).unwrap_or_else(|p| p.into_inner());
            }
            // Wait for a lull in appends, unless far behind.
            while !w.stop && w.committed < FORCE_AFTER && !w.quiet() {
                w = cv
                    .wait_timeout(w, QUIET)
                    .map_or_else(|p| p.into_inner().0, |(w, _)| w);
            }
            if w.stop {
                return;
            }
            let forced = w.committed >= FORCE_AFTER;
            w.committed = 0;
            forced
        };
        let _pass = lock(pass);
        let head = *head.borrow();
        let mut busy = false;
        // Between runs: stop for a close, and give way to appends unless far behind. A
        // close does not wait for a long pass (after an import, say) to finish.
        let mut go_on = |_| {
            let w = lock(m);
            busy = !forced && !w.quiet();
            !w.stop && !busy
        };
        match repack(tree, head, false, &mut go_on) {
            Ok(done) => tracing::debug!(runs = done.runs, segments = done.segments, "repacked"),
            Err(e) => tracing::warn!(error = %e, "repacking failed; the log is unchanged"),
        }
        if busy {
            // What is left waits for the next lull.
            let mut w = lock(m);
            w.committed = w.committed.max(REPACK_AFTER);
        }
    }
}
