//! An open data directory: the log, the rubric catalog, the write model and the projections,
//! kept current with the log.
//!
//! Start-up does not replay a large log from zero each time: the write model and the
//! projections are checkpointed in the data directory ([`crate::checkpoint`]) with the
//! position and hash they reflect, and
//! opening catches up from there. A checkpoint written by another code version, or one whose
//! position no longer carries the same hash, is ignored and everything is rebuilt.
//!
//! The projections are kept without timeline entries ([`Projections::without_entries`]): a
//! copy of every fact of every cycle would be most of their memory and of the checkpoint, and
//! a cycle's timeline is folded from its own stream when asked ([`crate::replay::cycle_at`]).

use std::path::Path;

use chrono::NaiveDate;
use trellis_events::{AppendError, Appended, Envelope, Hash, Log, LogError};
use trellis_projections::{Entries, Projections};
use trellis_rubric::Catalog;

use crate::checkpoint::{self, Checkpoint};
use crate::command::{self, Command, CommandError, Context, State};
use crate::progress::Progress;

/// The live projections keep no timeline entries (see the module doc).
const ENTRIES: Entries = Entries::Skipped;

/// Bumped when the write model's shape or fold changes (with the projections' own
/// `CODE_VERSION`, it decides whether a checkpoint can be used).
pub const STATE_VERSION: u32 = 7;

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

fn code_version() -> String {
    format!(
        "trellis-{}/state-{}/projections-{}/checkpoint-{}",
        env!("CARGO_PKG_VERSION"),
        STATE_VERSION,
        trellis_projections::CODE_VERSION,
        checkpoint::FORMAT
    )
}

/// Folds one event into the write model and the views that are kept beside it: the views
/// first, so that the write model finds the event's cycle by the slot they answer.
pub fn fold_into(state: &mut State, views: &mut Projections, env: &Envelope) {
    let slot = views.apply(env);
    state.apply_beside_views(env, slot);
}

/// Folds every durable event from position `from` on into the write model and the views,
/// read ahead on a second thread; `each` hears the position of every event folded.
/// Answers how many were folded (on an error, the ones before it stay folded).
pub fn fold_log(
    log: &Log,
    state: &mut State,
    views: &mut Projections,
    from: u64,
    mut each: impl FnMut(u64),
) -> Result<u64, LogError> {
    let mut n = 0;
    let mut events = log.prefetched(from);
    while let Some(env) = events.next() {
        let env = env?;
        fold_into(state, views, env);
        n += 1;
        each(env.position);
    }
    Ok(n)
}

/// Makes room in the write model and the views for `events` more events, before a fold of
/// that many (their per-event indexes then grow once, not at each doubling).
pub fn reserve_for(state: &mut State, views: &mut Projections, events: u64) {
    let events = usize::try_from(events).unwrap_or(usize::MAX);
    state.reserve(events);
    views.reserve(events);
}

/// Stores `state` and `views`, both folded up to the views' position, as the checkpoint of
/// `log`'s directory (see [`crate::checkpoint`]).
pub fn save_checkpoint_of(log: &Log, state: &State, views: &Projections) -> Result<(), LogError> {
    let position = views.position();
    let hash = match log.get(position)? {
        Some(e) => e.hash,
        None => Hash::ZERO,
    };
    let dir = log.dir();
    checkpoint::save(dir, code_version(), position, hash, state, views).map_err(|e| {
        LogError::Io {
            path: dir.to_path_buf(),
            source: std::io::Error::other(e),
        }
    })?;
    // Checkpoints were once kept in the store itself; free that space.
    let old = log.aux_tree("checkpoint")?;
    if !old.is_empty() {
        old.clear()?;
        log.flush()?;
    }
    Ok(())
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
        let started = std::time::Instant::now();
        let log = Log::open(data)?;
        tracing::info!(secs = started.elapsed().as_secs_f64(), "log opened");
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
            app.position = cp.meta.position;
        }
        let folded = app.catch_up()?;
        tracing::info!(
            folded,
            secs = started.elapsed().as_secs_f64(),
            "caught up with the log"
        );
        // Save the work of a long catch-up so the next start-up does not repeat it.
        if folded >= CHECKPOINT_AFTER {
            app.save_checkpoint()?;
        }
        Ok(app)
    }

    /// The log, catalog, write model and views, to be kept apart (the server gives the
    /// write model to its writer and the views to its readers).
    pub fn into_parts(self) -> (Log, Catalog, State, Projections) {
        (self.log, self.catalog, self.state, self.projections)
    }

    /// The last position reflected by the in-memory views.
    pub fn position(&self) -> u64 {
        self.position
    }

    /// Folds every durable event after the current position into the views.
    pub fn catch_up(&mut self) -> Result<u64, LogError> {
        let head = self.log.head_position();
        let behind = head.saturating_sub(self.position);
        if behind == 0 {
            // Nothing new (every command of a lone writer): no reading thread to start.
            return Ok(0);
        }
        let progress = Progress::new("catching up", behind, behind > 200_000);
        reserve_for(&mut self.state, &mut self.projections, behind);
        let start = self.position;
        let mut last = start;
        let folded = fold_log(
            &self.log,
            &mut self.state,
            &mut self.projections,
            self.position + 1,
            |position| {
                last = position;
                progress.tick(position - start);
            },
        );
        self.position = last;
        progress.finish();
        folded
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

    /// Stores the current views with the position and hash they reflect (see
    /// [`crate::checkpoint`]).
    pub fn save_checkpoint(&self) -> Result<(), LogError> {
        save_checkpoint_of(&self.log, &self.state, &self.projections)
    }

    fn load_checkpoint(&self) -> Option<Checkpoint> {
        let dir = self.log.dir();
        let meta = match checkpoint::read_meta(dir) {
            Ok(Some(meta)) => meta,
            Ok(None) => return None,
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
        match checkpoint::load(dir, meta) {
            // The code version decides this already; a checkpoint folded the other way would
            // not be the views this app keeps.
            Ok(cp) if cp.projections.entries() != ENTRIES => {
                tracing::warn!("checkpoint was folded keeping timeline entries; rebuilding");
                None
            }
            Ok(cp) => Some(cp),
            Err(e) => {
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
        assert_eq!(cp.meta.position, 2);
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
    fn a_checkpoint_written_by_another_code_version_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        {
            let mut app = App::open(dir.path(), Catalog::shipped()).unwrap();
            app.execute(&register("north"), "ana", today()).unwrap();
            let hash = app.log.get(1).unwrap().unwrap().hash;
            // Right position and hash, but folded by other code.
            checkpoint::save(
                dir.path(),
                "trellis-0.0.0/state-0/projections-0".into(),
                1,
                hash,
                &State::default(),
                &App::new_projections(),
            )
            .unwrap();
        }
        let app = App::open(dir.path(), Catalog::shipped()).unwrap();
        assert!(app.load_checkpoint().is_none());
        assert!(app.projections.org_tree().unit("north").is_some());
    }

    #[test]
    fn a_checkpoint_whose_bytes_changed_on_disk_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        {
            let mut app = App::open(dir.path(), Catalog::shipped()).unwrap();
            app.execute(&register("north"), "ana", today()).unwrap();
            app.save_checkpoint().unwrap();
        }
        // One letter of a name changed: it would still decode, to views the log never said.
        let path = dir.path().join("checkpoint");
        let mut bytes = std::fs::read(&path).unwrap();
        let at = bytes
            .windows(14)
            .position(|w| w == b"District north")
            .unwrap();
        bytes[at + 13] = b'x';
        std::fs::write(&path, &bytes).unwrap();
        let app = App::open(dir.path(), Catalog::shipped()).unwrap();
        assert!(app.load_checkpoint().is_none());
        let north = app.projections.org_tree().unit("north").unwrap();
        assert_eq!(north.name, "District north");
    }

    #[test]
    fn a_checkpoint_that_does_not_match_the_log_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        {
            let mut app = App::open(dir.path(), Catalog::shipped()).unwrap();
            app.execute(&register("north"), "ana", today()).unwrap();
            app.save_checkpoint().unwrap();
            // A checkpoint that names another hash at its position describes another log.
            checkpoint::save(
                dir.path(),
                code_version(),
                app.position(),
                Hash([7; 32]),
                &app.state,
                &app.projections,
            )
            .unwrap();
        }
        let app = App::open(dir.path(), Catalog::shipped()).unwrap();
        assert!(app.load_checkpoint().is_none());
        assert_eq!(app.position(), 1);
        assert!(app.projections.org_tree().unit("north").is_some());
    }
}
