//! The views the server reads from: today's, published as the log grows, and any earlier
//! point's, folded on demand on a bounded pool.
//!
//! A projector task follows the log's durable head and folds new events into the live
//! views in small chunks, each under a short write lock; readers take a read lock, so they
//! never wait for a write in progress (its flush), only for a fold of events already
//! durable. A read first waits (briefly) until the views hold every event that was durable
//! when it arrived, so a client reads its own writes.
//!
//! A view as of an earlier point is a fold of the log up to it ([`crate::replay`]); such
//! folds run on at most [`AS_OF_FOLDS`] blocking threads at once, so a burst of them queues
//! behind itself and never takes the writer's or today's readers' place.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard};
use std::time::Duration;

use tokio::sync::{watch, Semaphore};
use trellis_events::{Log, LogError};
use trellis_projections::Projections;

use super::rendered::Rendered;
use crate::replay;

/// How many as-of folds may run at once.
pub const AS_OF_FOLDS: usize = 2;

/// How many as-of folds are kept for the next request at the same point.
const AS_OF_KEPT: usize = 2;

/// The most events folded under one hold of the write lock.
const CHUNK: usize = 256;

/// The most a read waits for the views to catch up before answering from what they hold.
const CATCH_UP_WAIT: Duration = Duration::from_secs(2);

pub struct Views {
    log: Log,
    live: RwLock<Projections>,
    /// The position folded into `live`, for readers waiting to see their own writes.
    folded: watch::Sender<u64>,
    as_of_pool: Semaphore,
    /// Recent as-of folds, newest last.
    as_of_kept: Mutex<VecDeque<Arc<Projections>>>,
    /// Read bodies rendered from these views, by route key and position.
    pub rendered: Rendered,
}

/// Views to read from: the live ones under a read lock, or an as-of fold.
pub enum Held<'a> {
    Live(RwLockReadGuard<'a, Projections>),
    AsOf(Arc<Projections>),
}

impl std::ops::Deref for Held<'_> {
    type Target = Projections;
    fn deref(&self) -> &Projections {
        match self {
            Held::Live(g) => g,
            Held::AsOf(p) => p,
        }
    }
}

impl Views {
    /// Views over `log`, starting from `live` (folded up to its position).
    pub fn new(log: Log, live: Projections) -> Arc<Views> {
        let (folded, _) = watch::channel(live.position());
        Arc::new(Views {
            log,
            live: RwLock::new(live),
            folded,
            as_of_pool: Semaphore::new(AS_OF_FOLDS),
            as_of_kept: Mutex::new(VecDeque::new()),
            rendered: Rendered::default(),
        })
    }

    /// The position the live views have folded.
    pub fn position(&self) -> u64 {
        *self.folded.borrow()
    }

    /// How many durable events the live views have not folded yet.
    pub fn lag(&self) -> u64 {
        self.log.head_position().saturating_sub(self.position())
    }

    /// The live views, read-locked.
    pub fn live(&self) -> RwLockReadGuard<'_, Projections> {
        self.live.read().unwrap_or_else(|p| p.into_inner())
    }

    /// Follows the log: folds every newly durable event into the live views, until the
    /// log is closed or `stop` fires.
    pub async fn project(self: Arc<Self>, mut stop: watch::Receiver<bool>) {
        let mut head = self.log.watch_head();
        loop {
            let target = *head.borrow_and_update();
            if target > self.position() {
                let me = self.clone();
                match tokio::task::spawn_blocking(move || me.fold_to(target)).await {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => tracing::error!(error = %e, "projecting the log failed"),
                    Err(e) => tracing::error!(error = %e, "the projector stopped"),
                }
            }
            tokio::select! {
                changed = head.changed() => if changed.is_err() { return },
                _ = stop.changed() => return,
            }
        }
    }

    /// Folds the durable events after the live position up to `target`.
    fn fold_to(&self, target: u64) -> Result<(), LogError> {
        let mut from = self.position() + 1;
        while from <= target {
            let want = usize::try_from(target - from + 1)
                .unwrap_or(CHUNK)
                .min(CHUNK);
            let events = self.log.read(from, want)?;
            if events.is_empty() {
                break;
            }
            let last = events.last().map_or(from, |e| e.position);
            {
                let mut live = self.live.write().unwrap_or_else(|p| p.into_inner());
                live.extend(&events);
            }
            self.folded.send_replace(last);
            from = last + 1;
        }
        Ok(())
    }

    /// Waits until the live views hold every event durable now (at most a short while);
    /// when they already do, as they mostly do, it only compares two positions.
    pub async fn caught_up(&self) {
        let head = self.log.head_position();
        if self.position() >= head {
            return;
        }
        let mut folded = self.folded.subscribe();
        let _ = tokio::time::timeout(CATCH_UP_WAIT, folded.wait_for(|p| *p >= head)).await;
    }

    /// Runs `read` on the views as of `position` (the live ones when it is at or past them)
    /// on a blocking thread; an as-of fold first waits for a place in the pool.
    pub async fn with<T: Send + 'static>(
        self: &Arc<Self>,
        position: u64,
        read: impl FnOnce(&Projections) -> T + Send + 'static,
    ) -> Result<T, LogError> {
        self.caught_up().await;
        let me = self.clone();
        if position >= self.position() {
            return Ok(blocking(move || read(&Held::Live(me.live()))).await);
        }
        if let Some(kept) = self.kept(position) {
            return Ok(blocking(move || read(&kept)).await);
        }
        let _permit = self.as_of_pool.acquire().await;
        // Another request may have folded the same point while this one queued.
        if let Some(kept) = self.kept(position) {
            return Ok(blocking(move || read(&kept)).await);
        }
        blocking(move || {
            let views = Arc::new(replay::views_at(&me.log, position, false)?);
            me.keep(views.clone());
            Ok(read(&views))
        })
        .await
    }

    fn kept(&self, position: u64) -> Option<Arc<Projections>> {
        let kept = self.as_of_kept.lock().unwrap_or_else(|p| p.into_inner());
        kept.iter().find(|v| v.position() == position).cloned()
    }

    fn keep(&self, views: Arc<Projections>) {
        let mut kept = self.as_of_kept.lock().unwrap_or_else(|p| p.into_inner());
        if kept.len() >= AS_OF_KEPT {
            kept.pop_front();
        }
        kept.push_back(views);
    }

    /// Runs `work` on the as-of pool (for other reads of the whole log, such as verify).
    pub async fn on_pool<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> T {
        let _permit = self.as_of_pool.acquire().await;
        blocking(work).await
    }
}

/// Runs `work` on tokio's blocking pool; a panic there is re-raised here (and answered
/// 500 by the HTTP layer's panic guard).
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    match tokio::task::spawn_blocking(work).await {
        Ok(t) => t,
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    }
}
