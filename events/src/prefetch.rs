//! Reading the log ahead on a second thread, for a replay that folds every event
//! ([`Log::prefetched`]).
//!
//! The reader thread reads the stored records of the next events from sled (expanding
//! compressed segments) a chunk at a time, decodes them and hands the chunk to the caller,
//! who folds it on its own core. Where reading and decoding is the slower half (some
//! stretches of a log hold longer events), the caller would wait for each chunk: so when no
//! decoded chunk is waiting for it, the reader hands the next one over undecoded and the
//! caller decodes it, while the reader goes on reading the one after. Where folding is the
//! slower half, chunks queue up decoded and the caller only folds.
//!
//! Events are lent, not handed over: a chunk the caller is done with goes back to the reader
//! (or is decoded into by the caller), which decodes the next events into those envelopes
//! (their strings' memory reused), so what they no longer hold is freed where it was
//! allocated. Freeing them on the folding thread instead (the allocator's cross-thread
//! frees) made a rebuild of the 1M-event bench log about a fifth slower.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::Arc;

use crate::envelope::{decode_stored, decode_stored_into, Envelope};
use crate::log::{Log, LogError, Record};

/// Events per chunk.
const CHUNK: usize = 1024;
/// Chunks read ahead of the caller.
const AHEAD: usize = 4;

type Chunk = Vec<Envelope>;
type Records = Vec<(u64, Record)>;

/// What the reader hands the caller.
enum Batch {
    Decoded(Chunk),
    /// Read, for the caller to decode: no decoded chunk was waiting for it.
    Records(Records),
}

/// When the reader hands a chunk over undecoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Sharing {
    /// When no chunk is waiting for the caller.
    WhenIdle,
    /// Never (tests: the reader decodes everything).
    #[cfg(test)]
    Never,
    /// Always (tests: the caller decodes everything).
    #[cfg(test)]
    Always,
}

impl Sharing {
    fn undecoded(self, waiting: usize) -> bool {
        match self {
            Sharing::WhenIdle => waiting == 0,
            #[cfg(test)]
            Sharing::Never => false,
            #[cfg(test)]
            Sharing::Always => true,
        }
    }
}

/// Starts the reader thread on `log` from position `from`.
pub(crate) fn start(log: Log, from: u64, sharing: Sharing) -> Prefetched {
    let (tx, rx) = mpsc::sync_channel::<Result<Batch, LogError>>(AHEAD);
    let (back, used) = mpsc::channel::<Batch>();
    let waiting = Arc::new(AtomicUsize::new(0));
    let path = log.dir().to_path_buf();
    let reader = Reader {
        tx,
        used,
        waiting: waiting.clone(),
        sharing,
        chunks: Vec::new(),
        records: Vec::new(),
    };
    let (reader, failed) = match std::thread::Builder::new()
        .name(Log::READER_THREAD.into())
        .spawn(move || reader.run(&log, from))
    {
        Ok(reader) => (Some(reader), None),
        Err(source) => {
            // Without the thread the channel is closed at once, which would read as an
            // empty log: say why instead.
            tracing::warn!(error = %source, "could not start a reader thread");
            (None, Some(LogError::Io { path, source }))
        }
    };
    Prefetched {
        rx: Some(rx),
        back: Some(back),
        waiting,
        reader,
        failed,
        chunk: Vec::new(),
        at: 0,
    }
}

/// Decodes `records` into `chunk`, overwriting its envelopes (their strings' memory reused)
/// and adding envelopes where it has too few. On a record that does not decode, `chunk`
/// keeps the events before it and the error is answered.
fn decode_into(
    chunk: &mut Chunk,
    records: impl Iterator<Item = (u64, Record)>,
) -> Result<(), LogError> {
    let mut filled = 0;
    for (position, record) in records {
        let decoded = match chunk.get_mut(filled) {
            Some(recycled) => decode_stored_into(&record, recycled),
            None => decode_stored(&record).map(|env| chunk.push(env)),
        };
        if let Err(source) = decoded {
            chunk.truncate(filled);
            return Err(LogError::Decode { position, source });
        }
        filled += 1;
    }
    chunk.truncate(filled);
    Ok(())
}

/// The reader thread's side.
struct Reader {
    tx: mpsc::SyncSender<Result<Batch, LogError>>,
    /// What the caller is done with: chunks to decode into, emptied record lists.
    used: mpsc::Receiver<Batch>,
    /// Batches sent and not yet taken by the caller.
    waiting: Arc<AtomicUsize>,
    sharing: Sharing,
    chunks: Vec<Chunk>,
    records: Vec<Records>,
}

/// The caller hung up, or the walk ended in an error it was sent.
struct Stop;

impl Reader {
    fn run(mut self, log: &Log, from: u64) {
        let _ = self.read(log, from);
        drop(self.tx);
        // What comes back now is freed here, until the caller hangs up.
        while self.used.recv().is_ok() {}
    }

    fn read(&mut self, log: &Log, from: u64) -> Result<(), Stop> {
        let mut records = self.spare_records();
        for item in log.iter_raw(from) {
            match item {
                Ok(record) => records.push(record),
                Err(e) => {
                    self.hand_over(std::mem::take(&mut records))?;
                    return self.send(Err(e));
                }
            }
            if records.len() == CHUNK {
                let next = self.spare_records();
                self.hand_over(std::mem::replace(&mut records, next))?;
            }
        }
        self.hand_over(records)
    }

    /// Hands `records` to the caller: undecoded when nothing is waiting for it, else decoded.
    fn hand_over(&mut self, mut records: Records) -> Result<(), Stop> {
        if records.is_empty() {
            return Ok(());
        }
        if self.sharing.undecoded(self.waiting.load(Ordering::Acquire)) {
            return self.send(Ok(Batch::Records(records)));
        }
        let mut chunk = self.spare_chunk();
        let decoded = decode_into(&mut chunk, records.drain(..));
        self.records.push(records);
        self.send(Ok(Batch::Decoded(chunk)))?;
        match decoded {
            Ok(()) => Ok(()),
            Err(e) => self.send(Err(e)).and(Err(Stop)),
        }
    }

    fn send(&mut self, item: Result<Batch, LogError>) -> Result<(), Stop> {
        self.waiting.fetch_add(1, Ordering::AcqRel);
        self.tx.send(item).map_err(|_| Stop)
    }

    /// Takes in what the caller is done with.
    fn take_back(&mut self) {
        while let Ok(batch) = self.used.try_recv() {
            match batch {
                Batch::Decoded(chunk) => self.chunks.push(chunk),
                Batch::Records(records) => self.records.push(records),
            }
        }
    }

    fn spare_chunk(&mut self) -> Chunk {
        self.take_back();
        self.chunks
            .pop()
            .unwrap_or_else(|| Vec::with_capacity(CHUNK))
    }

    fn spare_records(&mut self) -> Records {
        self.take_back();
        self.records
            .pop()
            .unwrap_or_else(|| Vec::with_capacity(CHUNK))
    }
}

/// Events read and decoded ahead on a second thread; see [`Log::prefetched`].
pub struct Prefetched {
    rx: Option<mpsc::Receiver<Result<Batch, LogError>>>,
    /// What the caller is done with goes back to the reader thread, to be reused there.
    back: Option<mpsc::Sender<Batch>>,
    waiting: Arc<AtomicUsize>,
    reader: Option<std::thread::JoinHandle<()>>,
    /// An error to answer once the events before it are lent: the reader could not start,
    /// or a chunk decoded here stopped at an event that does not decode.
    failed: Option<LogError>,
    chunk: Chunk,
    at: usize,
}

impl Prefetched {
    /// The next event, lent until the next call; `None` at the end, or after an error.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Option<Result<&Envelope, LogError>> {
        while self.at == self.chunk.len() {
            if let Some(e) = self.failed.take() {
                self.rx = None;
                return Some(Err(e));
            }
            let batch = match self.rx.as_ref()?.recv().ok()? {
                Ok(batch) => batch,
                Err(e) => return Some(Err(e)),
            };
            self.waiting.fetch_sub(1, Ordering::AcqRel);
            let used = match batch {
                Batch::Decoded(next) => Batch::Decoded(std::mem::replace(&mut self.chunk, next)),
                Batch::Records(mut records) => {
                    // Into the envelopes just lent, here.
                    if let Err(e) = decode_into(&mut self.chunk, records.drain(..)) {
                        self.failed = Some(e);
                    }
                    Batch::Records(records)
                }
            };
            // When the reader is gone, it is freed here.
            if let Some(back) = &self.back {
                let _ = back.send(used);
            }
            self.at = 0;
        }
        self.at += 1;
        self.chunk.get(self.at - 1).map(Ok)
    }
}

impl Drop for Prefetched {
    /// Stops the reader and waits for it (it finishes at most the chunk it is filling), so
    /// that once this is dropped the reader no longer holds the log: a caller may close the
    /// log and reopen its directory at once, whether it read to the end or stopped early.
    fn drop(&mut self) {
        self.rx = None;
        self.back = None;
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
    }
}
