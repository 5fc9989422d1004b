//! The append-only log on sled: one writer at a time (the leader among the callers waiting)
//! orders and group-commits appends; readers go straight to sled and see only what is
//! durable.
//!
//! # Layout on disk
//! `DIR/store/` is the sled database; its `log` tree holds, under one-byte prefixes,
//! - `e` + first position (u64 big-endian) → a segment ([`crate::segment`]): the stored
//!   bytes (32-byte hash ++ JSON body, see [`crate::envelope`]) of consecutive events that
//!   were committed together;
//! - `s` + stream + `\0` + version (u64 big-endian) → position, the stream index;
//! - `i` + idempotency key → the fingerprint and the original [`Appended`];
//! - `p` → where repacking resumes ([`crate::repack`] merges small segments into larger
//!   ones in the background).
//!
//! All three go into one `sled::Batch`, so an append is atomic. `DIR/head` holds the last
//! acknowledged position and hash, rewritten after every durable flush; on open, a sled
//! store that holds less than `head` says is refused loudly instead of silently serving a
//! shorter log (the guard against sled recovery dropping acknowledged data).

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tokio::sync::watch;
use ulid::Ulid;

use crate::append::{validate, Append, AppendError, Appended};
use crate::envelope::{
    decode_stored, encode_stored, split_stored, Body, DecodeError, Envelope, Hash,
};
pub use crate::prefetch::Prefetched;
use crate::prefetch::Sharing;
use crate::repack::{Repacked, Repacker};
use crate::segment;

/// Most requests one group commit takes; bounds the latency a batch adds to its first caller.
const MAX_BATCH: usize = 4096;

/// The size of sled's own log segments (see `open_store`).
const SLED_SEGMENT_BYTES: usize = 2 * 1024 * 1024;

/// The largest stored event (envelope and payload) the log accepts.
pub const MAX_EVENT_BYTES: usize = 16 * 1024;

/// Memory sled may use to cache decoded pages of the store.
const CACHE_BYTES: u64 = 1024 * 1024;

/// Errors opening or reading the log.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    #[error("the store in {dir} is in use by another process (only one may hold it)")]
    Locked { dir: PathBuf },
    #[error("cannot open the store in {dir}: {reason}")]
    Open { dir: PathBuf, reason: String },
    #[error(
        "the store in {dir} holds events up to position {found}, but {acknowledged} were \
         acknowledged as durable: acknowledged events are missing (restore from a backup or \
         export; nothing was changed)"
    )]
    LostAcknowledged {
        dir: PathBuf,
        acknowledged: u64,
        found: u64,
    },
    #[error("event at position {position} does not match the hash recorded as acknowledged in {dir}/head")]
    HeadMismatch { dir: PathBuf, position: u64 },
    #[error("event at position {position} cannot be decoded: {source}")]
    Decode {
        position: u64,
        #[source]
        source: DecodeError,
    },
    #[error("cannot restore the event at position {position}: {reason}")]
    Restore { position: u64, reason: String },
    #[error("storage error: {0}")]
    Storage(#[from] sled::Error),
    #[error("i/o error on {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The last durable event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Head {
    /// 0 when the log is empty.
    pub position: u64,
    pub hash: Hash,
}

pub(crate) mod keys {
    pub const EVENT: u8 = b'e';
    pub const STREAM: u8 = b's';
    pub const IDEM: u8 = b'i';

    pub fn event(pos: u64) -> [u8; 9] {
        let mut k = [EVENT; 9];
        k[1..].copy_from_slice(&pos.to_be_bytes());
        k
    }

    pub fn event_pos(key: &[u8]) -> Option<u64> {
        let b: [u8; 8] = key.get(1..9)?.try_into().ok()?;
        Some(u64::from_be_bytes(b))
    }

    pub fn stream_prefix(stream: &str) -> Vec<u8> {
        let mut k = Vec::with_capacity(stream.len() + 2);
        k.push(STREAM);
        k.extend_from_slice(stream.as_bytes());
        k.push(0);
        k
    }

    pub fn stream_entry(stream: &str, version: u64) -> Vec<u8> {
        let mut k = stream_prefix(stream);
        k.extend_from_slice(&version.to_be_bytes());
        k
    }

    pub fn tail_u64(bytes: &[u8]) -> Option<u64> {
        let start = bytes.len().checked_sub(8)?;
        let b: [u8; 8] = bytes[start..].try_into().ok()?;
        Some(u64::from_be_bytes(b))
    }

    pub fn idem(key: &str) -> Vec<u8> {
        let mut k = Vec::with_capacity(key.len() + 1);
        k.push(IDEM);
        k.extend_from_slice(key.as_bytes());
        k
    }
}

#[derive(Serialize, Deserialize)]
struct IdemRecord {
    fingerprint: String,
    appended: Appended,
}

struct Request {
    append: Append,
    reply: mpsc::SyncSender<Result<Appended, AppendError>>,
}

struct Shared {
    dir: PathBuf,
    db: sled::Db,
    tree: sled::Tree,
    head_tx: watch::Sender<u64>,
    /// Appends handed in and not yet taken by a commit.
    queue: Mutex<Queue>,
    /// The one writer; only the current leader uses it, so the lock is never contended.
    writer: Mutex<Writer>,
    options: Options,
    /// Merges small committed segments in the background (see [`crate::repack`]).
    repacker: Repacker,
    /// Declared last so that it is dropped last, after `db` and `tree`: see [`StoreReleased`].
    _released: StoreReleased,
}

/// Waits, when dropped, until sled has let go of its lock on `store/db`.
///
/// Dropping the last `sled::Db` handle does not close the store at once: sled's background
/// threads still hold it until their last write completes, so an immediate `Log::open` of
/// the same directory could fail with [`LogError::Locked`] although no one else uses it
/// (about 1 reopen in 200 under CPU load). Waiting here makes closing a log synchronous.
struct StoreReleased {
    lock_path: PathBuf,
}

impl Drop for StoreReleased {
    fn drop(&mut self) {
        wait_until_released(&self.lock_path);
    }
}

/// Waits (up to 2 s) until no one holds sled's lock on `lock_path` (a store's `db` file):
/// sled lets go of it on one of its own threads, a moment after its last handle is dropped.
pub(crate) fn wait_until_released(lock_path: &Path) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
    loop {
        // The same `flock` that sled takes: acquiring it proves sled has released it.
        // Our own hold ends when `file` is dropped at the end of this iteration.
        let free = File::open(lock_path).map_or(true, |file| file.try_lock().is_ok());
        if free {
            return;
        }
        if std::time::Instant::now() > deadline {
            let path = lock_path.display();
            tracing::warn!(path = %path, "sled still holds the store after 2 s");
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        // Appends handed in but never waited for are still committed before the close.
        if self.lead_if_nobody_does() {
            self.commit_until_empty();
        }
        self.repacker.stop();
        if let Err(e) = self.db.flush() {
            tracing::error!(error = %e, "final flush of the log failed");
        }
    }
}

/// How a log is opened.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// Accept [`Append::recorded_at`]: for generating demo history or importing an export,
    /// never for a live store, where only the log's clock says when something was recorded.
    pub backdating: bool,
}

/// An append on its way to the writer; wait on it to learn where it landed.
pub struct Pending {
    log: Log,
    rx: mpsc::Receiver<Result<Appended, AppendError>>,
}

impl Pending {
    /// Blocks until the append is durable (or refused); not for use inside an async task
    /// (`.await` the `Pending` there instead).
    ///
    /// Group commit without a writer thread (leader/follower): a waiter that finds no commit
    /// under way becomes the leader and commits everything queued, batch after batch, until
    /// the queue is empty; the others sleep until their answer arrives. A lone append is
    /// committed by its own caller, with no hand-off to another thread, and appends that
    /// arrive while a commit is flushing share the next one.
    pub fn wait(self) -> Result<Appended, AppendError> {
        if self.log.shared.lead_if_nobody_does() {
            self.log.shared.commit_until_empty();
        }
        self.rx.recv().map_err(|_| AppendError::Closed)?
    }
}

impl std::future::IntoFuture for Pending {
    type Output = Result<Appended, AppendError>;
    type IntoFuture = std::pin::Pin<Box<dyn std::future::Future<Output = Self::Output> + Send>>;

    /// Waits on tokio's blocking pool: committing and waiting block on the disk.
    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            tokio::task::spawn_blocking(move || self.wait())
                .await
                .map_err(|_| AppendError::Closed)?
        })
    }
}

/// The appends waiting for a commit.
#[derive(Default)]
struct Queue {
    requests: Vec<Request>,
    /// True while a leader commits. The leader clears it only when it finds the queue
    /// empty, under the lock every push takes, so no request is ever left without one.
    leading: bool,
}

impl Shared {
    fn queue(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Becomes the leader, unless one is committing already (and will take what we queued).
    fn lead_if_nobody_does(&self) -> bool {
        let mut q = self.queue();
        if q.leading || q.requests.is_empty() {
            return false;
        }
        q.leading = true;
        true
    }

    /// As the leader: commits batch after batch until nothing is queued, then steps down.
    fn commit_until_empty(&self) {
        let mut writer = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            let batch: Vec<Request> = {
                let mut q = self.queue();
                if q.requests.is_empty() {
                    q.leading = false;
                    return;
                }
                let n = q.requests.len().min(MAX_BATCH);
                q.requests.drain(..n).collect()
            };
            let segments = writer.commit(batch, &self.head_tx);
            self.repacker.committed(segments);
        }
    }
}

/// A handle on the log; cheap to clone, shared by all readers and appenders.
#[derive(Clone)]
pub struct Log {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Log {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Log")
            .field("dir", &self.shared.dir)
            .finish()
    }
}

impl Log {
    /// Opens (or creates) the log in `dir`, checking it against the acknowledged head.
    pub fn open(dir: impl AsRef<Path>) -> Result<Log, LogError> {
        Log::open_with(dir, Options::default())
    }

    /// Opens the log with non-default [`Options`].
    pub fn open_with(dir: impl AsRef<Path>, options: Options) -> Result<Log, LogError> {
        let dir = dir.as_ref().to_path_buf();
        std::fs::create_dir_all(&dir).map_err(|source| LogError::Io {
            path: dir.clone(),
            source,
        })?;
        let db = open_store(&dir)?;
        let tree = db.open_tree("log")?;
        let last = last_event(&tree)?;
        let head = Head {
            position: last.as_ref().map_or(0, |e| e.position),
            hash: last.as_ref().map_or(Hash::ZERO, |e| e.hash),
        };
        let head_file = HeadFile::open(&dir)?;
        check_against_head_file(&tree, &dir, head, head_file.read())?;

        let (head_tx, head_rx) = watch::channel(head.position);
        let store_path = dir.join("store").join("db");
        let store_file = File::open(&store_path).map_err(|source| LogError::Io {
            path: store_path,
            source,
        })?;
        let writer_state = Writer {
            tree: tree.clone(),
            db: db.clone(),
            head,
            last_recorded: last.map(|e| e.recorded_at),
            versions: HashMap::new(),
            ulids: ulid::Generator::new(),
            head_file,
            store_file,
            broken: None,
            failing: false,
        };
        let released = StoreReleased {
            lock_path: dir.join("store").join("db"),
        };
        let repacker = Repacker::start(tree.clone(), head_rx);
        let shared = Shared {
            dir,
            db,
            tree,
            head_tx,
            queue: Mutex::new(Queue::default()),
            writer: Mutex::new(writer_state),
            options,
            repacker,
            _released: released,
        };
        Ok(Log {
            shared: Arc::new(shared),
        })
    }

    /// The directory this log lives in.
    pub fn dir(&self) -> &Path {
        &self.shared.dir
    }

    /// The sled store itself, for copying it whole ([`crate::compact`]).
    pub(crate) fn db(&self) -> &sled::Db {
        &self.shared.db
    }

    /// Appends, answering once the events are durable.
    pub async fn append(&self, append: Append) -> Result<Appended, AppendError> {
        self.submit(append)?.await
    }

    /// Appends from a thread outside any async runtime, blocking until durable.
    pub fn append_blocking(&self, append: Append) -> Result<Appended, AppendError> {
        self.submit(append)?.wait()
    }

    /// Hands an append to the writer without waiting: appends submitted from one thread
    /// land in the order they were submitted, and many in flight share one flush.
    pub fn submit(&self, append: Append) -> Result<Pending, AppendError> {
        validate(&append)?;
        if append.recorded_at.is_some() && !self.shared.options.backdating {
            return Err(AppendError::Invalid(
                "recorded_at is set by the log's clock; only an import may supply it".into(),
            ));
        }
        let (reply, rx) = mpsc::sync_channel(1);
        self.shared.queue().requests.push(Request { append, reply });
        Ok(Pending {
            log: self.clone(),
            rx,
        })
    }

    /// The last durable event (position 0 when the log is empty).
    pub fn head(&self) -> Head {
        let position = self.head_position();
        // The hash is read from the store so that readers never share a lock with the writer.
        let hash = stored_at(&self.shared.tree, position)
            .ok()
            .flatten()
            .and_then(|v| split_stored(&v).ok().map(|(h, _)| h))
            .unwrap_or(Hash::ZERO);
        Head { position, hash }
    }

    /// The position of the last durable event; 0 for an empty log.
    pub fn head_position(&self) -> u64 {
        *self.shared.head_tx.borrow()
    }

    /// A receiver that sees the durable head's position change (for followers of the log).
    pub fn watch_head(&self) -> watch::Receiver<u64> {
        self.shared.head_tx.subscribe()
    }

    /// The event at `position`, if it is durable.
    pub fn get(&self, position: u64) -> Result<Option<Envelope>, LogError> {
        if position == 0 || position > self.head_position() {
            return Ok(None);
        }
        match stored_at(&self.shared.tree, position)? {
            Some(v) => decode_stored(&v)
                .map(Some)
                .map_err(|source| LogError::Decode { position, source }),
            None => Ok(None),
        }
    }

    /// Up to `limit` events from `from` (inclusive) on, in log order.
    pub fn read(&self, from: u64, limit: usize) -> Result<Vec<Envelope>, LogError> {
        self.iter(from).take(limit).collect()
    }

    /// Every durable event from `from` (inclusive) to the head as of this call.
    pub fn iter(&self, from: u64) -> impl Iterator<Item = Result<Envelope, LogError>> {
        self.iter_raw(from).map(|r| {
            r.and_then(|(position, v)| {
                decode_stored(&v).map_err(|source| LogError::Decode { position, source })
            })
        })
    }

    /// The name of the thread [`Log::prefetched`] reads and decodes on.
    pub const READER_THREAD: &'static str = "trellis-log-reader";

    /// Every durable event from `from` (inclusive) to the head as of this call, read and
    /// decoded on a second thread a few thousand events ahead of the caller, so that a
    /// replay decodes and folds on two cores; when reading is the slower half, the caller
    /// decodes some chunks itself (see the `prefetch` module).
    pub fn prefetched(&self, from: u64) -> Prefetched {
        crate::prefetch::start(self.clone(), from, Sharing::WhenIdle)
    }

    /// [`Log::prefetched`], choosing when the reader leaves decoding to the caller.
    #[cfg(test)]
    pub(crate) fn prefetched_sharing(&self, from: u64, sharing: Sharing) -> Prefetched {
        crate::prefetch::start(self.clone(), from, sharing)
    }

    /// Like [`Log::iter`] but yields the stored bytes undecoded.
    pub fn iter_raw(&self, from: u64) -> impl Iterator<Item = Result<(u64, Record), LogError>> {
        Events::new(self.shared.tree.clone(), from.max(1), self.head_position())
            .map(|r| r.map_err(LogError::from))
    }

    /// Merges small committed segments into larger ones now (the log also does this in the
    /// background as it grows); see [`crate::repack`].
    pub fn repack(&self) -> Result<Repacked, LogError> {
        self.repack_with(&mut |_| true)
    }

    /// [`Log::repack`], telling `progress` the position reached after each merged run; it
    /// answers whether to go on (what was merged stays merged, and the next pass resumes).
    pub fn repack_with(&self, progress: &mut dyn FnMut(u64) -> bool) -> Result<Repacked, LogError> {
        Ok(self.shared.repacker.run(progress)?)
    }

    /// The events of one stream from version `from_version` (1-based, inclusive).
    pub fn read_stream(&self, stream: &str, from_version: u64) -> Result<Vec<Envelope>, LogError> {
        let head = self.head_position();
        let prefix = keys::stream_prefix(stream);
        let start = keys::stream_entry(stream, from_version.max(1));
        let mut out = Vec::new();
        for r in self.shared.tree.range(start..) {
            let (k, v) = r?;
            if !k.starts_with(&prefix) {
                break;
            }
            let pos = keys::tail_u64(&v).unwrap_or(0);
            if pos > head {
                break;
            }
            if let Some(e) = self.get(pos)? {
                out.push(e);
            }
        }
        Ok(out)
    }

    /// Writes events exactly as another log stored them (an import), after the events
    /// already here: each record is the stored bytes (hash, then body) of the next position.
    /// Each record's position, link and hash are checked as it goes; the records are written
    /// in one batch with one durable flush, or not at all.
    pub fn restore(&self, records: &[Vec<u8>]) -> Result<Head, LogError> {
        let mut w = self.shared.writer.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(why) = &w.broken {
            return Err(LogError::Restore {
                position: w.head.position + 1,
                reason: why.clone(),
            });
        }
        let mut head = w.head;
        let mut batch = sled::Batch::default();
        let mut versions = HashMap::new();
        let mut last_recorded = w.last_recorded;
        for stored in records {
            let position = head.position + 1;
            let bad = |reason: String| LogError::Restore { position, reason };
            let (hash, body) = split_stored(stored).map_err(|e| bad(e.to_string()))?;
            let env = decode_stored(stored).map_err(|e| bad(e.to_string()))?;
            if env.position != position {
                return Err(bad(format!("it says it is at position {}", env.position)));
            }
            if env.prev_hash != head.hash || Hash::link(&head.hash, body) != hash {
                return Err(bad("its hash does not follow from the one before it".into()));
            }
            batch.insert(
                keys::stream_entry(&env.stream, env.stream_version),
                &position.to_be_bytes(),
            );
            versions.insert(env.stream, env.stream_version);
            last_recorded = Some(env.recorded_at);
            head = Head { position, hash };
        }
        if records.is_empty() {
            return Ok(head);
        }
        let first = w.head.position + 1;
        for (a, b) in segment::chunks(records) {
            let value = segment::encode(records[a..b].iter().map(Vec::as_slice));
            batch.insert(&keys::event(first + a as u64), value);
        }
        self.shared.tree.apply_batch(batch)?;
        self.shared.db.flush()?;
        w.store_file.sync_data().map_err(|source| LogError::Io {
            path: self.shared.dir.join("store"),
            source,
        })?;
        w.head = head;
        w.last_recorded = last_recorded;
        w.versions.extend(versions);
        w.head_file.write(head).map_err(|source| LogError::Io {
            path: self.shared.dir.join("head"),
            source,
        })?;
        self.shared.head_tx.send_replace(head.position);
        Ok(head)
    }

    /// Makes every later commit fail as a failed disk flush does, so that tests can hold the
    /// callers of a log to what they promise when the disk fails (nothing acknowledged,
    /// nothing more accepted). Never called by Trellis itself.
    #[doc(hidden)]
    pub fn fail_commits(&self) {
        self.shared
            .writer
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .failing = true;
    }

    /// What an idempotency key was first used for: its fingerprint and where its append
    /// landed, if an append with that key is durable.
    pub fn prior(&self, key: &str) -> Result<Option<(String, Appended)>, LogError> {
        let Some(v) = self.shared.tree.get(keys::idem(key))? else {
            return Ok(None);
        };
        let r: IdemRecord = serde_json::from_slice(&v).map_err(|e| LogError::Open {
            dir: self.shared.dir.clone(),
            reason: format!("idempotency record of key {key:?}: {e}"),
        })?;
        Ok(Some((r.fingerprint, r.appended)))
    }

    /// How many durable events the stream holds.
    pub fn stream_version(&self, stream: &str) -> Result<u64, LogError> {
        let head = self.head_position();
        let prefix = keys::stream_prefix(stream);
        for r in self.shared.tree.scan_prefix(&prefix).rev() {
            let (k, v) = r?;
            if keys::tail_u64(&v).unwrap_or(0) <= head {
                return Ok(keys::tail_u64(&k).unwrap_or(0));
            }
        }
        Ok(0)
    }

    /// Yields every event appended after position `after`, in order, without gaps or
    /// repeats, waiting for new ones as they become durable.
    pub fn subscribe(&self, after: u64) -> Subscription {
        Subscription {
            log: self.clone(),
            next: after + 1,
            rx: self.shared.head_tx.subscribe(),
        }
    }

    /// An auxiliary tree in the same store (for checkpoints and other derived data).
    pub fn aux_tree(&self, name: &str) -> Result<sled::Tree, LogError> {
        Ok(self.shared.db.open_tree(format!("aux-{name}"))?)
    }

    /// Flushes auxiliary trees (the log itself is always flushed before it answers).
    pub fn flush(&self) -> Result<(), LogError> {
        self.shared.db.flush()?;
        Ok(())
    }

    /// Walks the whole log checking the hash chain; see [`crate::verify`].
    pub fn verify(&self) -> crate::verify::Report {
        // It reads the segments exactly as stored: no merge may move them meanwhile.
        let _paused = self.shared.repacker.pause();
        crate::verify::walk(self.iter_raw_all(), acknowledged_head(&self.shared.dir))
    }

    /// Every stored event, including any beyond the published head (for verification).
    fn iter_raw_all(&self) -> impl Iterator<Item = Result<(u64, Record), sled::Error>> {
        unpack(self.shared.tree.scan_prefix([keys::EVENT]))
    }
}

/// A live feed of the log from a position on.
pub struct Subscription {
    log: Log,
    next: u64,
    rx: watch::Receiver<u64>,
}

impl Subscription {
    /// The next event; waits until one is durable. `None` once the log is closed.
    pub async fn next(&mut self) -> Option<Result<Envelope, LogError>> {
        loop {
            if self.next <= *self.rx.borrow_and_update() {
                let r = self.log.get(self.next).transpose()?;
                self.next += 1;
                return Some(r);
            }
            if self.rx.changed().await.is_err() {
                return None;
            }
        }
    }

    /// The position the next event will have.
    pub fn next_position(&self) -> u64 {
        self.next
    }
}

/// Opens the sled store in `dir/store`, getting past the one way of refusing to open that a
/// killed process is known to leave behind in sled 0.34.7.
pub(crate) fn open_store(dir: &Path) -> Result<sled::Db, LogError> {
    crate::compact::recover(dir)?;
    let path = dir.join("store");
    let open = || {
        sled::Config::new()
            .path(&path)
            .flush_every_ms(None)
            // Reads are mostly one pass over the log; the OS page cache serves repeats.
            .cache_capacity(CACHE_BYTES)
            // sled writes a page larger than segment_size / 4 as a separate blob file, and
            // flush does not sync blob files; with 2 MiB segments no page of the log (at
            // most 17 items of at most one segment, 4 KiB, or one event, 16 KiB, each)
            // ever becomes one.
            .segment_size(SLED_SEGMENT_BYTES)
            .open()
    };
    match open() {
        Ok(db) => Ok(db),
        Err(sled::Error::Corruption { .. }) if set_aside_interrupted_snapshots(dir)? => {
            open().map_err(|e| classify_open_error(e, dir))
        }
        Err(e) => Err(classify_open_error(e, dir)),
    }
}

/// Moves `snap.*.generating` files out of `dir/store` into `dir/store-interrupted-snapshots`;
/// true when there was one.
///
/// On every open, sled 0.34.7 writes its snapshot (a cache of its own recovery, rebuilt from
/// its log) to `snap.LSN.generating`, fsyncs it and only then renames it to `snap.LSN`. A
/// process killed before the rename leaves the `.generating` file behind, and the next open
/// takes it for the newest snapshot: when it was cut short its checksum fails and sled
/// refuses with "Read corrupted data at file offset None" (spacejam/sled#1527, #1533;
/// reproduced here by killing a process while it opens the store). Without that file sled
/// recovers from the previous, complete snapshot and its log, which is exactly what the
/// interrupted open had started to do. The acknowledged-head check that follows still
/// refuses a store that lost acknowledged events, so this can only turn a refusal into a
/// checked open, never hide a loss.
///
/// This is done only while holding sled's own lock on `store/db` (the same `flock`), so a
/// snapshot that a live process is writing is never touched.
fn set_aside_interrupted_snapshots(dir: &Path) -> Result<bool, LogError> {
    let store = dir.join("store");
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| LogError::Io { path, source }
    };
    let lock_path = store.join("db");
    let lock = File::open(&lock_path).map_err(io(&lock_path))?;
    if lock.try_lock().is_err() {
        return Err(LogError::Locked {
            dir: dir.to_path_buf(),
        });
    }
    let mut moved = false;
    for entry in std::fs::read_dir(&store).map_err(io(&store))? {
        let entry = entry.map_err(io(&store))?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if !(name.starts_with("snap.") && name.ends_with(".generating")) {
            continue;
        }
        let aside = dir.join("store-interrupted-snapshots");
        std::fs::create_dir_all(&aside).map_err(io(&aside))?;
        std::fs::rename(entry.path(), aside.join(&*name)).map_err(io(&entry.path()))?;
        tracing::warn!(
            file = %name,
            moved_to = %aside.display(),
            "set aside a snapshot that sled left half-written when it was killed"
        );
        moved = true;
    }
    // Dropping `lock` releases it for sled's second attempt.
    Ok(moved)
}

fn classify_open_error(e: sled::Error, dir: &Path) -> LogError {
    let reason = e.to_string();
    if reason.contains("could not acquire lock") {
        LogError::Locked {
            dir: dir.to_path_buf(),
        }
    } else {
        LogError::Open {
            dir: dir.to_path_buf(),
            reason,
        }
    }
}

fn last_event(tree: &sled::Tree) -> Result<Option<Envelope>, LogError> {
    let Some(last) = tree.scan_prefix([keys::EVENT]).next_back() else {
        return Ok(None);
    };
    let (k, v) = last?;
    let first = keys::event_pos(&k).unwrap_or(0);
    let v = Segment::of(v);
    let records: Vec<_> = segment::records(&v).collect();
    let position = first + records.len().saturating_sub(1) as u64;
    match records.last() {
        Some(Ok(stored)) => decode_stored(stored)
            .map(Some)
            .map_err(|source| LogError::Decode { position, source }),
        _ => Err(LogError::Decode {
            position,
            source: DecodeError::Truncated,
        }),
    }
}

/// The segment that holds `position`: its first position and its value.
fn segment_at(tree: &sled::Tree, position: u64) -> Result<Option<(u64, sled::IVec)>, sled::Error> {
    match tree
        .range(keys::event(0)..=keys::event(position))
        .next_back()
    {
        None => Ok(None),
        Some(r) => {
            let (k, v) = r?;
            Ok(Some((keys::event_pos(&k).unwrap_or(0), v)))
        }
    }
}

/// The stored bytes of the events from `next` to `end`, in order, each sharing its
/// segment's buffer.
///
/// Repacking may merge segments while this walks (each merge is atomic, but a sled iterator
/// sees each step on its own): the segment holding `next` can then sit under a key already
/// passed. The walk notices, since the next key it meets starts after `next`, and looks the
/// segment up directly; records before `next` in a merged segment are skipped.
struct Events {
    tree: sled::Tree,
    segments: sled::Iter,
    next: u64,
    end: u64,
    /// The segment being read (its records), its first position, and where its records
    /// lie in it.
    value: Segment,
    first: u64,
    spans: Vec<(usize, usize)>,
    /// The index in `spans` of the record at `next`.
    at: usize,
}

impl Events {
    fn new(tree: sled::Tree, next: u64, end: u64) -> Events {
        let segments = tree.range(keys::event(next)..=keys::event(end.max(next)));
        let mut events = Events {
            tree,
            segments,
            next,
            end,
            value: Segment::Stored(sled::IVec::default()),
            first: 0,
            spans: Vec::new(),
            at: 0,
        };
        // Start with the segment that holds `next`, whatever its key; if none does, the
        // walk meets what follows.
        if let Err(e) = events.seek() {
            tracing::warn!(error = %e, "could not look up the first segment of a read");
        }
        events
    }

    /// Makes `value` the current segment, positioned at `next` (or at its start, when it
    /// begins after `next`). A malformed tail reads as one empty record, which fails to
    /// decode where it is used.
    fn load(&mut self, first: u64, value: sled::IVec) {
        let previous = std::mem::replace(&mut self.value, Segment::Stored(sled::IVec::default()));
        let value = Segment::reusing(value, previous);
        self.spans.clear();
        for span in segment::spans(&value) {
            match span {
                Ok(s) => self.spans.push(s),
                Err(_) => {
                    self.spans.push((0, 0));
                    break;
                }
            }
        }
        self.next = self.next.max(first);
        self.at = (self.next - first) as usize;
        self.first = first;
        self.value = value;
    }

    /// Whether the current segment still has the record at `next`.
    fn holds_next(&self) -> bool {
        self.at < self.spans.len()
    }

    /// Looks up the segment holding `next` directly; when there is one, reads it and goes
    /// on after it. Answers whether there was one.
    fn seek(&mut self) -> Result<bool, sled::Error> {
        if self.next > self.end {
            return Ok(false);
        }
        let Some((first, value)) = segment_at(&self.tree, self.next)? else {
            return Ok(false);
        };
        let next = self.next;
        self.load(first, value);
        if self.holds_next() {
            self.segments = self
                .tree
                .range(keys::event(first + 1)..=keys::event(self.end.max(first + 1)));
            return Ok(true);
        }
        // Not there (the current segment was used up before any seek).
        self.next = next;
        self.spans.clear();
        self.at = 0;
        Ok(false)
    }
}

impl Iterator for Events {
    type Item = Result<(u64, Record), sled::Error>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.next > self.end {
                return None;
            }
            if let Some(&(offset, len)) = self.spans.get(self.at) {
                let position = self.first + self.at as u64;
                self.at += 1;
                self.next = position + 1;
                let record = Record {
                    segment: self.value.clone(),
                    offset,
                    len,
                };
                return Some(Ok((position, record)));
            }
            match self.segments.next() {
                Some(Err(e)) => return Some(Err(e)),
                Some(Ok((k, v))) => {
                    let first = keys::event_pos(&k).unwrap_or(0);
                    if first > self.next {
                        // A gap: the segment holding `next` was merged behind the walk,
                        // or (in a damaged store) is missing.
                        match self.seek() {
                            Ok(true) => continue,
                            Ok(false) => {}
                            Err(e) => return Some(Err(e)),
                        }
                    }
                    nudge_lru(&self.tree, &k);
                    self.load(first, v);
                }
                // Ended early: the last segments were merged behind the walk.
                None => match self.seek() {
                    Ok(true) => continue,
                    Ok(false) => return None,
                    Err(e) => return Some(Err(e)),
                },
            }
        }
    }
}

/// Reads that each segment of a walk adds to sled's record of page accesses.
///
/// sled 0.34.7 keeps every page a one-pass scan reads: its LRU is split into 256 shards
/// (by page id) that queue accesses 64 at a time and only then evict, and a walk touches
/// each page about once, so no shard's queue ever fills and a replay of 1M events held
/// ~290 MiB of pages whatever `cache_capacity` said (measured: 604 MiB after a bare sled
/// iteration over 587 MB, with a 64 MiB or a 1 MiB cache). A few point reads of the key
/// just read (pages are cached, so each costs about a microsecond) fill the queue of that
/// page's shard once per leaf page (up to 17 entries × 4 ≈ 64), and the LRU then evicts as
/// documented. Measured on the 1M-event bench log: scan RSS 383 -> 215 MiB, rebuild RSS
/// 830 -> 640 MiB, time unchanged. sled is pinned to =0.34.7, whose LRU this relies on.
const LRU_NUDGES: usize = 4;

fn nudge_lru(tree: &sled::Tree, key: &[u8]) {
    for _ in 0..LRU_NUDGES {
        // Only the access matters; an error here would repeat on the walk's next step.
        let _ = tree.get(key);
    }
}

/// The records of one segment as they are read: the stored value itself, or the records a
/// compressed one expanded to (kept as they came out of the decompressor, not copied). One
/// that does not expand reads as a single malformed record, which decoding refuses and
/// verification reports at the segment's first position.
#[derive(Clone)]
enum Segment {
    Stored(sled::IVec),
    Expanded(Arc<Vec<u8>>),
}

impl Segment {
    fn of(value: sled::IVec) -> Segment {
        Segment::reusing(value, Segment::Stored(sled::IVec::default()))
    }

    /// [`Segment::of`], expanding into the buffer of `previous` when no record read from it
    /// is held any more (a walk decodes each record before it reads the next segment).
    fn reusing(value: sled::IVec, previous: Segment) -> Segment {
        let mut records = match previous {
            Segment::Expanded(shared) => Arc::try_unwrap(shared).unwrap_or_default(),
            Segment::Stored(_) => Vec::new(),
        };
        match segment::expand_into(&value, &mut records) {
            Ok(false) => Segment::Stored(value),
            Ok(true) => Segment::Expanded(Arc::new(records)),
            Err(_) => Segment::Stored(sled::IVec::from(&u32::MAX.to_le_bytes()[..])),
        }
    }
}

impl std::ops::Deref for Segment {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Segment::Stored(v) => v,
            Segment::Expanded(v) => v,
        }
    }
}

/// The stored bytes (hash ‖ body) of one event, sharing its segment's buffer.
#[derive(Clone)]
pub struct Record {
    segment: Segment,
    offset: usize,
    len: usize,
}

impl std::ops::Deref for Record {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        // Spans come from `segment::spans` over this very buffer, so they are in bounds.
        self.segment
            .get(self.offset..self.offset + self.len)
            .unwrap_or_default()
    }
}

impl AsRef<[u8]> for Record {
    fn as_ref(&self) -> &[u8] {
        self
    }
}

impl std::fmt::Debug for Record {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Record({} bytes)", self.len)
    }
}

/// The stored bytes (hash ‖ body) of the event at `position`.
fn stored_at(tree: &sled::Tree, position: u64) -> Result<Option<Vec<u8>>, LogError> {
    let Some((first, v)) = segment_at(tree, position)? else {
        return Ok(None);
    };
    let index = (position - first) as usize;
    let v = Segment::of(v);
    let record = segment::records(&v).nth(index);
    match record {
        Some(Ok(stored)) => Ok(Some(stored.to_vec())),
        Some(Err(_)) => Err(LogError::Decode {
            position,
            source: DecodeError::Truncated,
        }),
        None => Ok(None),
    }
}

/// Unpacks segments exactly as stored (no look-ups past gaps or overlaps, unlike
/// [`Events`]) into their events' positions and stored bytes, for verification. A malformed
/// record is yielded as empty bytes, which verification reports as altered.
fn unpack(segments: sled::Iter) -> impl Iterator<Item = Result<(u64, Record), sled::Error>> {
    segments.flat_map(|r| {
        let items: Vec<Result<(u64, Record), sled::Error>> = match r {
            Err(e) => vec![Err(e)],
            Ok((k, v)) => {
                let first = keys::event_pos(&k).unwrap_or(0);
                let segment = Segment::of(v);
                segment::spans(&segment)
                    .enumerate()
                    .map(|(i, span)| {
                        let (offset, len) = span.unwrap_or((0, 0));
                        let segment = segment.clone();
                        let record = Record {
                            segment,
                            offset,
                            len,
                        };
                        Ok((first + i as u64, record))
                    })
                    .collect()
            }
        };
        items
    })
}

fn check_against_head_file(
    tree: &sled::Tree,
    dir: &Path,
    head: Head,
    acknowledged: Option<Head>,
) -> Result<(), LogError> {
    let Some(ack) = acknowledged else {
        return Ok(());
    };
    if ack.position > head.position {
        return Err(LogError::LostAcknowledged {
            dir: dir.to_path_buf(),
            acknowledged: ack.position,
            found: head.position,
        });
    }
    if ack.position == 0 {
        return Ok(());
    }
    let stored = stored_at(tree, ack.position)?;
    let matches = stored
        .as_deref()
        .and_then(|v| split_stored(v).ok())
        .is_some_and(|(h, _)| h == ack.hash);
    if matches {
        Ok(())
    } else {
        Err(LogError::HeadMismatch {
            dir: dir.to_path_buf(),
            position: ack.position,
        })
    }
}

/// `DIR/head`: one fixed-width line, "position hash\n", rewritten in place.
struct HeadFile {
    path: PathBuf,
    file: File,
}

const HEAD_LINE_LEN: usize = 20 + 1 + 64 + 1;

impl HeadFile {
    fn open(dir: &Path) -> Result<HeadFile, LogError> {
        let path = dir.join("head");
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|source| LogError::Io {
                path: path.clone(),
                source,
            })?;
        Ok(HeadFile { path, file })
    }

    fn read(&self) -> Option<Head> {
        let mut s = String::new();
        (&self.file).read_to_string(&mut s).ok()?;
        parse_head(&s)
    }

    /// Written after each durable flush without an fsync of its own: it survives a killed
    /// process (the page cache keeps it), and after a power loss it can only be behind the
    /// store, never ahead, so it never raises a false alarm.
    fn write(&self, head: Head) -> std::io::Result<()> {
        let line = format!("{:>20} {}\n", head.position, head.hash);
        debug_assert_eq!(line.len(), HEAD_LINE_LEN);
        self.file.write_all_at(line.as_bytes(), 0)
    }

    fn sync(&mut self) {
        if let Err(e) = self.file.flush().and_then(|_| self.file.sync_data()) {
            tracing::warn!(path = %self.path.display(), error = %e, "could not sync head file");
        }
    }
}

/// The single writer: it alone assigns positions, hashes and recorded times.
struct Writer {
    tree: sled::Tree,
    db: sled::Db,
    head: Head,
    last_recorded: Option<DateTime<Utc>>,
    /// Stream versions seen so far; a stream not here is looked up in the store.
    versions: HashMap<String, u64>,
    ulids: ulid::Generator,
    head_file: HeadFile,
    /// sled's data file, fdatasync'ed after every flush: on Linux `sled::Db::flush` ends in
    /// `sync_file_range`, which neither flushes the disk's write cache nor commits the
    /// file's growth, so without this an acknowledged append could be lost to a power cut or
    /// an OS crash (a killed process cannot tell the difference).
    store_file: File,
    /// Set when a flush failed: what is durable is then unknown, so no more appends.
    broken: Option<String>,
    /// Makes every commit fail as a failed flush does (see [`Log::fail_commits`]).
    failing: bool,
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.head_file.sync();
    }
}

/// What one batch stages before it is written.
#[derive(Default)]
struct Staged {
    batch: sled::Batch,
    /// Stored bytes of the staged events, from position `head_before + 1` on.
    records: Vec<Vec<u8>>,
    versions: HashMap<String, u64>,
    keys: HashMap<String, (String, Appended)>,
    head: Option<Head>,
    last_recorded: Option<DateTime<Utc>>,
}

impl Writer {
    /// Commits a batch of requests and answers each; returns how many segments it wrote.
    fn commit(&mut self, requests: Vec<Request>, head_tx: &watch::Sender<u64>) -> u64 {
        let mut segments = 0;
        let mut staged = Staged::default();
        let mut answers = Vec::with_capacity(requests.len());
        for req in requests {
            let result = match &self.broken {
                Some(why) => Err(AppendError::Storage(why.clone())),
                None => self.stage(&req.append, &mut staged),
            };
            answers.push((req.reply, result));
        }
        if let Some(new_head) = staged.head {
            let first = self.head.position + 1;
            for (a, b) in segment::chunks(&staged.records) {
                let value = segment::encode(staged.records[a..b].iter().map(Vec::as_slice));
                staged.batch.insert(&keys::event(first + a as u64), value);
                segments += 1;
            }
            let injected = self.failing.then(|| {
                sled::Error::Io(std::io::Error::other(
                    "a failure injected by Log::fail_commits",
                ))
            });
            let written = injected
                .map_or(Ok(()), Err)
                .and_then(|_| self.tree.apply_batch(staged.batch))
                .and_then(|_| self.db.flush().map(|_| ()))
                .and_then(|_| self.store_file.sync_data().map_err(sled::Error::from));
            match written {
                Ok(()) => {
                    self.head = new_head;
                    self.last_recorded = staged.last_recorded.or(self.last_recorded);
                    self.versions.extend(staged.versions);
                    if let Err(e) = self.head_file.write(new_head) {
                        tracing::warn!(error = %e, "could not record the acknowledged head");
                    }
                    head_tx.send_replace(new_head.position);
                }
                Err(e) => {
                    tracing::error!(error = %e, "log flush failed; refusing further appends");
                    let why = format!("flush failed: {e}; reopen the store");
                    self.broken = Some(why.clone());
                    for (_, r) in answers.iter_mut() {
                        if r.is_ok() {
                            *r = Err(AppendError::Storage(why.clone()));
                        }
                    }
                }
            }
        }
        for (reply, result) in answers {
            // A caller that gave up waiting is not an error of the log.
            let _ = reply.send(result);
        }
        segments
    }

    fn stage(&mut self, req: &Append, staged: &mut Staged) -> Result<Appended, AppendError> {
        let fingerprint = req.idempotency_key.as_ref().map(|_| req.fingerprint());
        if let (Some(key), Some(fp)) = (&req.idempotency_key, &fingerprint) {
            if let Some(prior) = self.prior_for_key(key, staged)? {
                return if &prior.0 == fp {
                    Ok(Appended {
                        deduplicated: true,
                        ..prior.1
                    })
                } else {
                    Err(AppendError::KeyReused { key: key.clone() })
                };
            }
        }
        let actual = self.version_of(&req.stream, staged)?;
        if !req.expected.admits(actual) {
            return Err(AppendError::Conflict {
                stream: req.stream.clone(),
                expected: req.expected,
                actual,
            });
        }
        let mut head = staged.head.unwrap_or(self.head);
        let mut recorded = req.recorded_at.unwrap_or_else(Utc::now);
        // Recorded time never goes backwards, even if the wall clock does.
        if let Some(last) = staged.last_recorded.or(self.last_recorded) {
            recorded = recorded.max(last);
        }
        let first = head.position + 1;
        let mut version = actual;
        // Encode every event before staging any, so a refused request leaves no trace.
        let mut records = Vec::with_capacity(req.events.len());
        for new in &req.events {
            version += 1;
            let position = head.position + 1;
            let body = Body {
                position,
                id: self.next_ulid(recorded),
                stream: &req.stream,
                stream_version: version,
                actor: &req.actor,
                recorded_at: recorded,
                occurred_on: new.occurred_on,
                schema: new.event.schema(),
                prev_hash: head.hash,
                kind: new.event.kind(),
                event: &new.event,
            }
            .encode();
            if body.len() > MAX_EVENT_BYTES {
                return Err(AppendError::Invalid(format!(
                    "event {} of the append is {} bytes stored; the most is {MAX_EVENT_BYTES}",
                    version - actual,
                    body.len()
                )));
            }
            let hash = Hash::link(&head.hash, &body);
            records.push((version, position, encode_stored(&hash, &body)));
            head = Head { position, hash };
        }
        for (version, position, stored) in records {
            staged.records.push(stored);
            staged.batch.insert(
                keys::stream_entry(&req.stream, version),
                &position.to_be_bytes(),
            );
        }
        let appended = Appended {
            first,
            last: head.position,
            stream_version: version,
            deduplicated: false,
        };
        if let (Some(key), Some(fp)) = (&req.idempotency_key, fingerprint) {
            let record = IdemRecord {
                fingerprint: fp.clone(),
                appended,
            };
            let bytes =
                serde_json::to_vec(&record).map_err(|e| AppendError::Storage(e.to_string()))?;
            staged.batch.insert(keys::idem(key), bytes);
            staged.keys.insert(key.clone(), (fp, appended));
        }
        staged.versions.insert(req.stream.clone(), version);
        staged.head = Some(head);
        staged.last_recorded = Some(recorded);
        Ok(appended)
    }

    fn next_ulid(&mut self, at: DateTime<Utc>) -> Ulid {
        let t: std::time::SystemTime = at.into();
        // The generator only fails when 80 random bits overflow within one millisecond.
        self.ulids
            .generate_from_datetime(t)
            .unwrap_or_else(|_| Ulid::from_datetime(t))
    }

    fn prior_for_key(
        &self,
        key: &str,
        staged: &Staged,
    ) -> Result<Option<(String, Appended)>, AppendError> {
        if let Some(p) = staged.keys.get(key) {
            return Ok(Some(p.clone()));
        }
        let stored = self
            .tree
            .get(keys::idem(key))
            .map_err(|e| AppendError::Storage(e.to_string()))?;
        match stored {
            None => Ok(None),
            Some(v) => {
                let r: IdemRecord = serde_json::from_slice(&v)
                    .map_err(|e| AppendError::Storage(format!("idempotency record: {e}")))?;
                Ok(Some((r.fingerprint, r.appended)))
            }
        }
    }

    fn version_of(&mut self, stream: &str, staged: &Staged) -> Result<u64, AppendError> {
        if let Some(v) = staged.versions.get(stream) {
            return Ok(*v);
        }
        if let Some(v) = self.versions.get(stream) {
            return Ok(*v);
        }
        let last = self
            .tree
            .scan_prefix(keys::stream_prefix(stream))
            .next_back()
            .transpose()
            .map_err(|e| AppendError::Storage(e.to_string()))?;
        let v = last.and_then(|(k, _)| keys::tail_u64(&k)).unwrap_or(0);
        self.versions.insert(stream.to_string(), v);
        Ok(v)
    }
}

/// Reads the acknowledged head recorded in `dir/head`, if any (for verification).
pub fn acknowledged_head(dir: &Path) -> Option<Head> {
    let mut s = String::new();
    File::open(dir.join("head"))
        .ok()?
        .read_to_string(&mut s)
        .ok()?;
    parse_head(&s)
}

fn parse_head(s: &str) -> Option<Head> {
    let (pos, hash) = s.trim().split_once(' ')?;
    Some(Head {
        position: pos.trim().parse().ok()?,
        hash: Hash::from_hex(hash.trim())?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::append::{Expected, NewEvent};
    use crate::event::Event;
    use chrono::NaiveDate;

    fn person(id: &str) -> NewEvent {
        NewEvent {
            occurred_on: NaiveDate::from_ymd_opt(2025, 9, 1).unwrap_or_default(),
            event: Event::PersonAdded {
                person: id.into(),
                name: format!("Person {id}"),
                email: None,
            },
        }
    }

    fn add(stream: &str, ids: &[&str]) -> Append {
        Append::new(stream, "tester", ids.iter().map(|i| person(i)).collect())
    }

    #[test]
    fn appended_events_are_read_back_in_order_with_a_valid_chain() {
        let dir = tempfile::tempdir().unwrap();
        let log = Log::open(dir.path()).unwrap();
        let a = log.append_blocking(add("people", &["ana", "ben"])).unwrap();
        assert_eq!((a.first, a.last, a.stream_version), (1, 2, 2));
        let b = log.append_blocking(add("other", &["cy"])).unwrap();
        assert_eq!((b.first, b.last, b.stream_version), (3, 3, 1));
        let all = log.read(1, 10).unwrap();
        assert_eq!(
            all.iter().map(|e| e.position).collect::<Vec<_>>(),
            [1, 2, 3]
        );
        assert_eq!(all[1].prev_hash, all[0].hash);
        assert_eq!(log.head().hash, all[2].hash);
        assert_eq!(log.read_stream("people", 2).unwrap()[0].position, 2);
        assert_eq!(log.stream_version("people").unwrap(), 2);
        let report = log.verify();
        assert!(report.holds(), "{report:?}");
        assert_eq!(report.checked, 3);
    }

    /// A log of 3001 events in a temp dir (kept alive by the returned guard).
    fn log_of_3001_events() -> (tempfile::TempDir, Log) {
        let dir = tempfile::tempdir().unwrap();
        let log = Log::open(dir.path()).unwrap();
        for i in 0..3000 {
            log.submit(add("s", &[&format!("p{i}")])).unwrap();
        }
        log.append_blocking(add("s", &["last"])).unwrap();
        (dir, log)
    }

    /// Every way the reader may share decoding with the caller.
    const SHARINGS: [Sharing; 3] = [Sharing::WhenIdle, Sharing::Never, Sharing::Always];

    /// Positions `prefetched` lends from `from` on, up to `limit` of them, and whether it
    /// ended in an error; the same whichever thread decodes.
    fn prefetched_positions(log: &Log, from: u64, limit: usize) -> (Vec<u64>, bool) {
        let answers: Vec<_> = SHARINGS
            .iter()
            .map(|&sharing| prefetched_positions_sharing(log, from, limit, sharing))
            .collect();
        for (answer, sharing) in answers.iter().zip(SHARINGS) {
            assert_eq!(answer, &answers[0], "{sharing:?} lends otherwise");
        }
        answers[0].clone()
    }

    fn prefetched_positions_sharing(
        log: &Log,
        from: u64,
        limit: usize,
        sharing: Sharing,
    ) -> (Vec<u64>, bool) {
        let mut events = log.prefetched_sharing(from, sharing);
        let mut seen = Vec::new();
        while seen.len() < limit {
            match events.next() {
                Some(Ok(env)) => seen.push(env.position),
                Some(Err(_)) => return (seen, true),
                None => break,
            }
        }
        (seen, false)
    }

    #[test]
    fn the_prefetching_reader_lends_what_the_plain_iterator_yields() {
        let (_dir, log) = log_of_3001_events();
        let plain: Vec<u64> = log.iter(5).map(|e| e.unwrap().position).collect();
        let (ahead, failed) = prefetched_positions(&log, 5, usize::MAX);
        assert_eq!(plain, ahead);
        assert_eq!(ahead.len(), 2997);
        assert!(!failed);
        // Stopping early ends the reader thread instead of blocking it.
        assert_eq!(prefetched_positions(&log, 1, 3), (vec![1, 2, 3], false));
        assert_eq!(prefetched_positions(&log, 3002, 10), (vec![], false));
    }

    /// The reader overwrites the envelopes of chunks the caller is done with (it reads at
    /// most five chunks ahead, so past that it reads into returned ones): events of other
    /// kinds, other streams and actors, longer and shorter strings, and payloads only serde
    /// reads, must all come out exactly as the plain iterator decodes them.
    #[test]
    fn the_prefetching_reader_lends_whole_envelopes_equal_to_the_plain_iterator_s() {
        let dir = tempfile::tempdir().unwrap();
        let log = Log::open(dir.path()).unwrap();
        let on = NaiveDate::from_ymd_opt(2025, 9, 1).unwrap_or_default();
        let mut batch = Vec::new();
        for i in 0..12_000usize {
            let long = "x".repeat(i % 97);
            let event = match i % 4 {
                0 => Event::PersonAdded {
                    person: format!("p{i}"),
                    name: format!("Person {long}"),
                    email: (i % 3 == 0).then(|| format!("p{i}@example.org")),
                },
                1 => Event::RoleAssigned {
                    org: format!("org-{}", i % 7),
                    role: long.clone(),
                    person: format!("p{i}"),
                },
                2 => Event::VisionAdopted {
                    org: format!("org-{}", i % 5),
                    version: 1,
                    statement: format!("Every learner {long}"),
                    portrait: vec![long.clone(); i % 3],
                },
                _ => Event::MeasureRecorded {
                    cycle: format!("c{}", i % 11),
                    goal: "g1".into(),
                    value: i as f64 / 3.0,
                    source: long.clone(),
                },
            };
            batch.push(NewEvent {
                occurred_on: on,
                event,
            });
            // Streams and actors change every few events, to other lengths.
            if batch.len() == 3 {
                let stream = format!("s{}{}", i % 13, "-".repeat(i % 40));
                let actor = format!("actor{}", "a".repeat(i % 29));
                log.submit(Append::new(stream, actor, std::mem::take(&mut batch)))
                    .unwrap();
            }
        }
        log.append_blocking(add("s", &["last"])).unwrap();
        let plain: Vec<Envelope> = log.iter(1).map(|e| e.unwrap()).collect();
        for sharing in SHARINGS {
            let mut lent = Vec::new();
            let mut events = log.prefetched_sharing(1, sharing);
            while let Some(env) = events.next() {
                lent.push(env.unwrap().clone());
            }
            assert_eq!(lent.len(), 12_001);
            assert!(
                lent == plain,
                "a lent envelope differs from its plain decoding ({sharing:?})"
            );
        }
    }

    #[test]
    fn a_log_read_ahead_of_the_caller_reopens_at_once_whether_read_to_the_end_or_not() {
        let dir = tempfile::tempdir().unwrap();
        for round in 1..=20 {
            let log = Log::open(dir.path()).unwrap();
            for i in 0..100 {
                log.submit(add("s", &[&format!("p{round}-{i}")])).unwrap();
            }
            log.append_blocking(add("s", &["last"])).unwrap();
            let (seen, failed) = prefetched_positions(&log, 1, usize::MAX);
            assert_eq!((seen.len(), failed), (round * 101, false));
            assert_eq!(prefetched_positions(&log, 1, round).0.len(), round);
            // Dropped here; the reader thread must not still hold the store open.
        }
    }

    #[test]
    fn the_prefetching_reader_lends_what_precedes_a_damaged_event_then_its_error() {
        let (_dir, log) = log_of_3001_events();
        // Cut the segment holding position 2000 to a few bytes: it no longer decodes.
        let (first, _) = segment_at(&log.shared.tree, 2000).unwrap().unwrap();
        log.shared
            .tree
            .insert(keys::event(first), &b"cut"[..])
            .unwrap();
        let (seen, failed) = prefetched_positions(&log, 1, usize::MAX);
        assert!(failed, "the damage is reported");
        assert_eq!(seen, (1..first).collect::<Vec<_>>());
    }

    fn segment_count(log: &Log) -> usize {
        log.shared.tree.scan_prefix([keys::EVENT]).count()
    }

    /// `n` single appends, each its own group commit and so its own segment.
    fn single_appends(log: &Log, n: usize) {
        for i in 0..n {
            let stream = if i % 2 == 0 { "even" } else { "odd" };
            log.append_blocking(add(stream, &[&format!("p{i}")]))
                .unwrap();
        }
    }

    fn raw(log: &Log, from: u64) -> Vec<(u64, Vec<u8>)> {
        log.iter_raw(from)
            .map(|r| r.map(|(p, v)| (p, v.to_vec())).unwrap())
            .collect()
    }

    #[test]
    fn repacking_merges_segments_and_every_read_answers_as_before() {
        let dir = tempfile::tempdir().unwrap();
        let log = Log::open(dir.path()).unwrap();
        single_appends(&log, 150);
        let before = raw(&log, 1);
        let segments = segment_count(&log);
        assert_eq!(segments, 150);

        let done = log.repack().unwrap();
        assert!(segment_count(&log) < 10, "{done:?}");
        assert_eq!(
            done.segments as usize - done.runs as usize,
            150 - segment_count(&log)
        );
        assert_eq!(raw(&log, 1), before);
        assert_eq!(raw(&log, 77), before[76..]);
        assert_eq!(log.get(88).unwrap().unwrap().position, 88);
        let odd: Vec<u64> = log
            .read_stream("odd", 1)
            .unwrap()
            .iter()
            .map(|e| e.position)
            .collect();
        assert_eq!(odd, (1..=75).map(|i| 2 * i).collect::<Vec<u64>>());
        assert!(log.verify().holds());

        // Appends go on after a repack, and the merged log survives a reopen.
        single_appends(&log, 3);
        drop(log);
        let log = Log::open(dir.path()).unwrap();
        assert_eq!(log.head_position(), 153);
        assert_eq!(raw(&log, 1)[..150], before[..]);
        let report = log.verify();
        assert!(report.holds(), "{report:?}");
        assert_eq!(report.checked, 153);
    }

    #[test]
    fn a_repack_stopped_early_keeps_what_it_merged_and_the_next_one_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        let log = Log::open(dir.path()).unwrap();
        // Fewer than wake the background repacker, so only these passes merge.
        single_appends(&log, 200);
        let before = raw(&log, 1);
        let first = log.repack_with(&mut |_| false).unwrap();
        assert_eq!(first.runs, 1);
        let after_one = segment_count(&log);
        assert!(after_one < 200 && after_one > 10, "{after_one}");
        assert_eq!(raw(&log, 1), before);
        let rest = log.repack().unwrap();
        assert!(rest.runs >= 2, "{rest:?}");
        assert!(segment_count(&log) < 10);
        assert_eq!(raw(&log, 1), before);
        assert!(log.verify().holds());
    }

    #[test]
    fn a_damaged_compressed_segment_is_named_by_verify_and_refused_by_reads() {
        let dir = tempfile::tempdir().unwrap();
        let log = Log::open(dir.path()).unwrap();
        single_appends(&log, 120);
        log.repack().unwrap();
        let (k, v) = log
            .shared
            .tree
            .scan_prefix([keys::EVENT])
            .next()
            .unwrap()
            .unwrap();
        assert!(
            segment::expanded_len(&v) > v.len(),
            "the first run is compressed"
        );
        for at in [12, v.len() / 2, v.len() - 1] {
            let mut spoiled = v.to_vec();
            spoiled[at] ^= 0x5a;
            log.shared.tree.insert(&k, spoiled).unwrap();
            let report = log.verify();
            assert!(!report.holds(), "flip at {at}: {report:?}");
            // Reads do not check hashes: they refuse what does not decode, and never panic.
            let read = log.iter(1).filter(|e| e.is_ok()).count();
            assert!(read <= 120, "flip at {at}");
            let _ = log.get(1);
        }
        log.shared.tree.insert(&k, v).unwrap();
        assert!(log.verify().holds());
    }

    #[test]
    fn a_walk_under_way_while_segments_are_merged_yields_every_event_once() {
        let dir = tempfile::tempdir().unwrap();
        let log = Log::open(dir.path()).unwrap();
        single_appends(&log, 200);
        // Stop a walk at several points, merge everything behind and ahead of it, go on.
        for stop in [0, 1, 57, 150, 199, 200] {
            single_appends(&log, 40);
            let want = raw(&log, 1);
            let mut walk = log.iter_raw(1);
            let mut got: Vec<(u64, Vec<u8>)> = walk
                .by_ref()
                .take(stop)
                .map(|r| r.map(|(p, v)| (p, v.to_vec())).unwrap())
                .collect();
            single_appends(&log, 1);
            log.repack().unwrap();
            got.extend(walk.map(|r| r.map(|(p, v)| (p, v.to_vec())).unwrap()));
            // The walk ends at the head as of its start.
            assert!(
                got == want,
                "walk stopped after {stop}: {} of {}",
                got.len(),
                want.len()
            );
        }
    }

    #[test]
    fn the_log_repacks_in_the_background_as_it_grows() {
        let dir = tempfile::tempdir().unwrap();
        let log = Log::open(dir.path()).unwrap();
        let every = crate::repack::REPACK_AFTER as usize;
        let n = 2 * every;
        single_appends(&log, n);
        // At least one pass ran once `every` segments were committed, and merged them.
        let merged = || segment_count(&log) <= n - every / 2;
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while !merged() && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        assert!(merged(), "{} segments", segment_count(&log));
        assert_eq!(raw(&log, 1).len(), n);
        assert!(log.verify().holds());
    }

    #[test]
    fn a_wrong_expected_version_is_a_conflict_and_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let log = Log::open(dir.path()).unwrap();
        log.append_blocking(add("s", &["a"])).unwrap();
        let err = log
            .append_blocking(add("s", &["b"]).expect(Expected::NoStream))
            .unwrap_err();
        assert_eq!(
            err,
            AppendError::Conflict {
                stream: "s".into(),
                expected: Expected::NoStream,
                actual: 1
            }
        );
        assert_eq!(log.head_position(), 1);
        let ok = log.append_blocking(add("s", &["b"]).expect(Expected::Exact(1)));
        assert_eq!(ok.unwrap().stream_version, 2);
    }

    #[test]
    fn a_retried_key_returns_the_original_positions_even_after_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let first = {
            let log = Log::open(dir.path()).unwrap();
            log.append_blocking(add("s", &["a"]).key("k1")).unwrap()
        };
        let log = Log::open(dir.path()).unwrap();
        let again = log.append_blocking(add("s", &["a"]).key("k1")).unwrap();
        assert_eq!((again.first, again.last), (first.first, first.last));
        assert!(again.deduplicated);
        assert_eq!(log.head_position(), 1);
        let reused = log.append_blocking(add("s", &["z"]).key("k1")).unwrap_err();
        assert_eq!(reused, AppendError::KeyReused { key: "k1".into() });
        assert_eq!(log.head_position(), 1);
    }

    #[test]
    fn concurrent_appenders_get_distinct_gap_free_positions() {
        let dir = tempfile::tempdir().unwrap();
        let log = Log::open(dir.path()).unwrap();
        let handles: Vec<_> = (0..8)
            .map(|t| {
                let log = log.clone();
                std::thread::spawn(move || {
                    (0..25)
                        .map(|i| {
                            log.append_blocking(add("s", &[&format!("{t}-{i}")]))
                                .unwrap()
                                .first
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let mut positions: Vec<u64> = handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect();
        positions.sort();
        assert_eq!(positions, (1..=200).collect::<Vec<_>>());
        assert!(log.verify().holds());
    }

    #[test]
    fn invalid_requests_are_refused_before_reaching_the_writer() {
        let dir = tempfile::tempdir().unwrap();
        let log = Log::open(dir.path()).unwrap();
        let empty = Append::new("s", "a", vec![]);
        assert!(matches!(
            log.append_blocking(empty),
            Err(AppendError::Invalid(_))
        ));
        let bad_stream = add("has space", &["a"]);
        assert!(matches!(
            log.append_blocking(bad_stream),
            Err(AppendError::Invalid(_))
        ));
        assert_eq!(log.head_position(), 0);
    }

    #[test]
    fn verify_names_the_position_of_an_altered_event() {
        let dir = tempfile::tempdir().unwrap();
        let log = Log::open(dir.path()).unwrap();
        log.append_blocking(add("s", &["a", "b", "c"])).unwrap();
        // The three events were committed together: one segment, starting at position 1.
        let key = keys::event(1);
        let mut value = log.shared.tree.get(key).unwrap().unwrap().to_vec();
        let first_len = u32::from_le_bytes(value[..4].try_into().unwrap()) as usize;
        let second_len =
            u32::from_le_bytes(value[4 + first_len..8 + first_len].try_into().unwrap()) as usize;
        value[8 + first_len + second_len - 5] ^= 0x01;
        log.shared.tree.insert(key, value).unwrap();
        let report = log.verify();
        assert_eq!(report.problem.map(|p| p.0), Some(2));
        assert_eq!(report.checked, 1);
    }

    #[test]
    fn a_store_shorter_than_the_acknowledged_head_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        {
            let log = Log::open(dir.path()).unwrap();
            log.append_blocking(add("s", &["a", "b"])).unwrap();
        }
        // Pretend the file says more was acknowledged than the store holds.
        let line = format!("{:>20} {}\n", 5, Hash::ZERO);
        std::fs::write(dir.path().join("head"), line).unwrap();
        let err = Log::open(dir.path()).unwrap_err();
        assert!(
            matches!(
                err,
                LogError::LostAcknowledged {
                    acknowledged: 5,
                    found: 2,
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn an_oversized_event_is_refused_and_nothing_of_its_append_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let log = Log::open(dir.path()).unwrap();
        let mut big = person("big");
        if let Event::PersonAdded { name, .. } = &mut big.event {
            *name = "x".repeat(MAX_EVENT_BYTES);
        }
        let req = Append::new("s", "tester", vec![person("small"), big]);
        assert!(matches!(
            log.append_blocking(req),
            Err(AppendError::Invalid(_))
        ));
        assert_eq!(log.head_position(), 0);
        assert_eq!(log.stream_version("s").unwrap(), 0);
        let ok = log.append_blocking(add("s", &["a"])).unwrap();
        assert_eq!((ok.first, ok.stream_version), (1, 1));
    }

    #[test]
    fn a_second_open_of_a_held_store_says_it_is_in_use() {
        let dir = tempfile::tempdir().unwrap();
        let _log = Log::open(dir.path()).unwrap();
        let err = Log::open(dir.path()).unwrap_err();
        assert!(matches!(err, LogError::Locked { .. }), "{err}");
    }

    #[tokio::test]
    async fn a_subscription_yields_each_new_event_once() {
        let dir = tempfile::tempdir().unwrap();
        let log = Log::open(dir.path()).unwrap();
        log.append(add("s", &["a"])).await.unwrap();
        let mut sub = log.subscribe(1);
        let writer = log.clone();
        let task = tokio::spawn(async move {
            for i in 0..5 {
                writer.append(add("s", &[&format!("p{i}")])).await.unwrap();
            }
        });
        let mut seen = vec![];
        while seen.len() < 5 {
            seen.push(sub.next().await.unwrap().unwrap().position);
        }
        task.await.unwrap();
        assert_eq!(seen, [2, 3, 4, 5, 6]);
    }
}
