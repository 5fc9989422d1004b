//! An open data directory: the log, the rubric catalog, the write model and the projections,
//! kept current with the log.
//!
//! Start-up does not replay a large log from zero each time: the write model and the
//! projections are checkpointed in the store with the position and hash they reflect, and
//! opening catches up from there. A checkpoint written by another code version, or one whose
//! position no longer carries the same hash, is ignored and everything is rebuilt.
//!
//! The projections are kept without timeline entries ([`Projections::without_entries`]): a
//! copy of every fact of every cycle would be most of their memory and of the checkpoint, and
//! a cycle's timeline is folded from its own stream when asked ([`crate::replay::cycle_at`]).

use std::path::Path;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use trellis_events::{AppendError, Appended, Envelope, Hash, Log, LogError};
use trellis_projections::{Entries, Projections};
use trellis_rubric::Catalog;

use crate::command::{self, Command, CommandError, Context, State};
use crate::progress::Progress;

/// The live projections keep no timeline entries (see the module doc).
const ENTRIES: Entries = Entries::Skipped;

/// Bumped when the write model's shape or fold changes (with the projections' own
/// `CODE_VERSION`, it decides whether a checkpoint can be used).
pub const STATE_VERSION: u32 = 2;

/// Why a command did not land.
#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    #[error(transparent)]
    Rejected(#[from] CommandError),
    #[error(transparent)]
    Append(#[from] AppendError),
    #[error(transparent)]
    Log(#[from] LogError),
}

/// Everything needed to decide commands and answer reads for one data directory.
pub struct App {
    pub log: Log,
    pub catalog: Catalog,
    pub state: State,
    /// Every view but the cycles' timeline entries ([`App::new_projections`]).
    pub projections: Projections,
    /// The last position folded into `state` and `projections`.
    position: u64,
}

/// What a checkpoint records besides its data: the code version that wrote it, the position
/// it reflects and the hash of the event there, and how many chunks each part was cut into.
#[derive(Serialize, Deserialize)]
struct CheckpointMeta {
    code: String,
    position: u64,
    hash: Hash,
    state_chunks: u32,
    projections_chunks: u32,
}

/// A loaded checkpoint.
struct Checkpoint {
    position: u64,
    state: State,
    projections: Projections,
}

fn code_version() -> String {
    format!(
        "trellis-{}/state-{}/projections-{}",
        env!("CARGO_PKG_VERSION"),
        STATE_VERSION,
        trellis_projections::CODE_VERSION
    )
}

/// The key of the [`CheckpointMeta`] (JSON, written last); the data is MessagePack, cut into
/// chunks of at most [`CHUNK`] bytes under `state/N` and `projections/N`, so neither writing
/// nor reading ever holds the whole serialized form, and the two parts are written and read
/// on two threads.
const META_KEY: &[u8] = b"meta";
const STATE_PART: &str = "state";
const PROJECTIONS_PART: &str = "projections";
/// Small enough that no sled page of chunks becomes a blob file: sled 0.34 writes a page
/// larger than segment_size / 4 (512 KiB with the log's 2 MiB segments) as a separate blob
/// file, which `flush` does not fsync, and a leaf node holds up to 17 items before it splits,
/// so 17 chunks of 24 KiB (408 KiB, with keys and headers still under 512 KiB) stay in the
/// segments that `flush` syncs.
const CHUNK: usize = 24 << 10;

fn chunk_key(part: &str, i: u32) -> Vec<u8> {
    format!("{part}/{i:08}").into_bytes()
}

/// Writes what it is given into `part`'s chunks in the tree.
struct ChunkWriter<'t> {
    tree: &'t sled::Tree,
    part: &'static str,
    buf: Vec<u8>,
    chunks: u32,
}

impl<'t> ChunkWriter<'t> {
    fn new(tree: &'t sled::Tree, part: &'static str) -> ChunkWriter<'t> {
        ChunkWriter {
            tree,
            part,
            buf: Vec::with_capacity(CHUNK),
            chunks: 0,
        }
    }

    fn emit(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let value = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK));
        self.tree
            .insert(chunk_key(self.part, self.chunks), value)
            .map_err(std::io::Error::other)?;
        self.chunks += 1;
        Ok(())
    }

    /// Writes the last chunk and answers how many there are.
    fn finish(mut self) -> std::io::Result<u32> {
        self.emit()?;
        Ok(self.chunks)
    }
}

impl std::io::Write for ChunkWriter<'_> {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        let room = CHUNK - self.buf.len();
        let n = data.len().min(room);
        self.buf.extend_from_slice(&data[..n]);
        if self.buf.len() >= CHUNK {
            self.emit()?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Reads `part`'s chunks back in order, holding one at a time.
struct ChunkReader<'t> {
    tree: &'t sled::Tree,
    part: &'static str,
    chunks: u32,
    next: u32,
    current: sled::IVec,
    offset: usize,
}

impl<'t> ChunkReader<'t> {
    fn new(tree: &'t sled::Tree, part: &'static str, chunks: u32) -> ChunkReader<'t> {
        ChunkReader {
            tree,
            part,
            chunks,
            next: 0,
            current: sled::IVec::default(),
            offset: 0,
        }
    }
}

impl std::io::Read for ChunkReader<'_> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        while self.offset >= self.current.len() {
            if self.next >= self.chunks {
                return Ok(0);
            }
            let key = chunk_key(self.part, self.next);
            self.current = self
                .tree
                .get(&key)
                .map_err(std::io::Error::other)?
                .ok_or_else(|| std::io::Error::other("a checkpoint chunk is missing"))?;
            self.next += 1;
            self.offset = 0;
        }
        let rest = &self.current[self.offset..];
        let n = rest.len().min(out.len());
        out[..n].copy_from_slice(&rest[..n]);
        self.offset += n;
        Ok(n)
    }
}

fn write_part<T: Serialize>(
    tree: &sled::Tree,
    part: &'static str,
    value: &T,
) -> Result<u32, String> {
    let mut w = ChunkWriter::new(tree, part);
    rmp_serde::encode::write(&mut w, value).map_err(|e| e.to_string())?;
    w.finish().map_err(|e| e.to_string())
}

fn read_part<T: serde::de::DeserializeOwned>(
    tree: &sled::Tree,
    part: &'static str,
    chunks: u32,
) -> Result<T, String> {
    rmp_serde::from_read(ChunkReader::new(tree, part, chunks)).map_err(|e| e.to_string())
}

/// A start-up that folds at least this many events writes a new checkpoint.
const CHECKPOINT_AFTER: u64 = 50_000;

impl App {
    /// The projections an app keeps live, before any event: every view, without timeline
    /// entries. The bench's rebuild folds into the same.
    pub fn new_projections() -> Projections {
        Projections::with_entries(ENTRIES)
    }

    /// Opens the data directory, loads its rubric catalog and catches up from the last
    /// usable checkpoint.
    pub fn open(data: &Path, catalog: Catalog) -> Result<App, LogError> {
        let log = Log::open(data)?;
        let mut app = App {
            log,
            catalog,
            state: State::default(),
            projections: App::new_projections(),
            position: 0,
        };
        if let Some(cp) = app.load_checkpoint() {
            app.state = cp.state;
            app.projections = cp.projections;
            app.position = cp.position;
        }
        let folded = app.catch_up()?;
        // Save the work of a long catch-up so the next start-up does not repeat it.
        if folded >= CHECKPOINT_AFTER {
            app.save_checkpoint()?;
        }
        Ok(app)
    }

    /// The last position reflected by the in-memory views.
    pub fn position(&self) -> u64 {
        self.position
    }

    /// Folds every durable event after the current position into the views.
    pub fn catch_up(&mut self) -> Result<u64, LogError> {
        let head = self.log.head_position();
        let behind = head.saturating_sub(self.position);
        let progress = Progress::new("catching up", behind, behind > 200_000);
        let mut n = 0;
        for env in self.log.iter_prefetched(self.position + 1) {
            let env = env?;
            self.fold(&env);
            n += 1;
            progress.tick(n);
        }
        progress.finish();
        Ok(n)
    }

    fn fold(&mut self, env: &Envelope) {
        self.state.apply(env);
        self.projections.apply(env);
        self.position = env.position;
    }

    /// Decides `cmd` against the current state and appends what it decided, expecting the
    /// stream at the version the decision saw.
    pub fn execute(
        &mut self,
        cmd: &Command,
        actor: &str,
        today: NaiveDate,
    ) -> Result<Appended, ExecError> {
        self.catch_up()?;
        let ctx = Context {
            actor: actor.to_string(),
            today,
            catalog: &self.catalog,
        };
        let decision = command::decide(&self.state, cmd, &ctx)?;
        let appended = self.log.append_blocking(decision.into_append(actor))?;
        self.catch_up()?;
        Ok(appended)
    }

    /// Stores the current views with the position and hash they reflect.
    pub fn save_checkpoint(&self) -> Result<(), LogError> {
        let hash = match self.log.get(self.position)? {
            Some(e) => e.hash,
            None => Hash::ZERO,
        };
        let io = |e: String| LogError::Io {
            path: self.log.dir().to_path_buf(),
            source: std::io::Error::other(e),
        };
        let tree = self.log.aux_tree("checkpoint")?;
        // The meta goes last: until it is written, there is no checkpoint to load.
        tree.clear()?;
        let (state_chunks, projections_chunks) = std::thread::scope(|s| {
            let state = s.spawn(|| write_part(&tree, STATE_PART, &self.state));
            let projections = write_part(&tree, PROJECTIONS_PART, &self.projections);
            let state = state
                .join()
                .unwrap_or_else(|_| Err("the checkpoint writer panicked".into()));
            (state, projections)
        });
        let meta = CheckpointMeta {
            code: code_version(),
            position: self.position,
            hash,
            state_chunks: state_chunks.map_err(io)?,
            projections_chunks: projections_chunks.map_err(io)?,
        };
        let meta = serde_json::to_vec(&meta).map_err(|e| io(e.to_string()))?;
        tree.insert(META_KEY, meta)?;
        self.log.flush()?;
        Ok(())
    }

    fn load_checkpoint(&self) -> Option<Checkpoint> {
        let tree = self.log.aux_tree("checkpoint").ok()?;
        let bytes = tree.get(META_KEY).ok()??;
        let meta: CheckpointMeta = match serde_json::from_slice(&bytes) {
            Ok(meta) => meta,
            Err(e) => {
                tracing::warn!(error = %e, "checkpoint unreadable; rebuilding from the log");
                return None;
            }
        };
        if meta.code != code_version() {
            tracing::info!(found = %meta.code, "checkpoint from another code version; rebuilding");
            return None;
        }
        let at = self.log.get(meta.position).ok().flatten().map(|e| e.hash);
        let matches = at.unwrap_or(Hash::ZERO) == meta.hash;
        if !matches || meta.position > self.log.head_position() {
            tracing::warn!(
                position = meta.position,
                "checkpoint does not match the log; rebuilding"
            );
            return None;
        }
        // The two parts are independent: read them on two threads.
        let (state, projections) = std::thread::scope(|s| {
            let state = s.spawn(|| read_part::<State>(&tree, STATE_PART, meta.state_chunks));
            let projections =
                read_part::<Projections>(&tree, PROJECTIONS_PART, meta.projections_chunks);
            let state = state
                .join()
                .unwrap_or_else(|_| Err("the checkpoint reader panicked".into()));
            (state, projections)
        });
        match (state, projections) {
            // The code version decides this already; a checkpoint folded the other way would
            // not be the views this app keeps.
            (Ok(_), Ok(projections)) if projections.entries() != ENTRIES => {
                tracing::warn!("checkpoint was folded keeping timeline entries; rebuilding");
                None
            }
            (Ok(state), Ok(projections)) => Some(Checkpoint {
                position: meta.position,
                state,
                projections,
            }),
            (Err(e), _) | (_, Err(e)) => {
                tracing::warn!(error = %e, "checkpoint unreadable; rebuilding from the log");
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::{AddPerson, RegisterOrgUnit};
    use trellis_events::OrgKind;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 9, 1).unwrap_or_default()
    }

    fn register(org: &str) -> Command {
        Command::RegisterOrgUnit(RegisterOrgUnit {
            org: org.into(),
            kind: OrgKind::District,
            name: format!("District {org}"),
            parent: None,
            on: None,
        })
    }

    fn person(id: &str) -> Command {
        Command::AddPerson(AddPerson {
            person: id.into(),
            name: format!("Person {id}"),
            email: None,
            on: None,
        })
    }

    #[test]
    fn an_executed_command_is_in_the_log_and_in_the_views() {
        let dir = tempfile::tempdir().unwrap();
        let mut app = App::open(dir.path(), Catalog::shipped()).unwrap();
        let a = app.execute(&register("north"), "ana", today()).unwrap();
        assert_eq!((a.first, app.position()), (1, 1));
        assert!(app.projections.org_tree().unit("north").is_some());
        let again = app.execute(&register("north"), "ana", today());
        assert!(matches!(again, Err(ExecError::Rejected(_))));
        assert_eq!(app.log.head_position(), 1);
    }

    #[test]
    fn reopening_resumes_from_the_checkpoint_and_equals_a_rebuild() {
        let dir = tempfile::tempdir().unwrap();
        {
            let mut app = App::open(dir.path(), Catalog::shipped()).unwrap();
            app.execute(&register("north"), "ana", today()).unwrap();
            app.execute(&person("ana"), "ana", today()).unwrap();
            app.save_checkpoint().unwrap();
            // Written after the checkpoint: the next open must catch up with it.
            app.execute(&person("ben"), "ana", today()).unwrap();
        }
        let mut app = App::open(dir.path(), Catalog::shipped()).unwrap();
        let cp = app.load_checkpoint().unwrap();
        assert_eq!(cp.position, 2);
        assert_eq!(app.position(), 3);
        assert_eq!(cp.projections.entries(), Entries::Skipped);
        let mut rebuilt = App::new_projections();
        rebuilt.extend(&app.log.read(1, 100).unwrap());
        assert_eq!(app.projections, rebuilt);
        // The caught-up write model knows what was written after the checkpoint.
        let dup = app.execute(&person("ben"), "ana", today());
        assert!(matches!(dup, Err(ExecError::Rejected(_))));
    }

    #[test]
    fn a_checkpoint_that_does_not_match_the_log_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        {
            let mut app = App::open(dir.path(), Catalog::shipped()).unwrap();
            app.execute(&register("north"), "ana", today()).unwrap();
            app.save_checkpoint().unwrap();
            // Spoil the recorded hash: the checkpoint no longer describes this log.
            let tree = app.log.aux_tree("checkpoint").unwrap();
            let bytes = tree.get(META_KEY).unwrap().unwrap();
            let mut v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
            v["hash"] = serde_json::json!(Hash([7; 32]).to_hex());
            tree.insert(META_KEY, serde_json::to_vec(&v).unwrap())
                .unwrap();
        }
        let app = App::open(dir.path(), Catalog::shipped()).unwrap();
        assert!(app.load_checkpoint().is_none());
        assert_eq!(app.position(), 1);
        assert!(app.projections.org_tree().unit("north").is_some());
    }
}
