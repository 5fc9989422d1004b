//! A data directory served over HTTP: the log, its one writer, the published views and the
//! tokens, shared by every request.
//!
//! # Layout
//! - `writer`: the one writer, deciding commands in order and committing them in groups.
//! - `views`: the live views a projector keeps current, and as-of folds on a bounded pool.
//! - `rendered`: read bodies rendered once per views position, kept beside the views.

pub mod rendered;
pub mod views;
pub mod writer;

use std::future::Future;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context as _;
use chrono::Utc;
use tokio::net::TcpListener;
use tokio::sync::watch;
use trellis_events::Log;
use trellis_rubric::Catalog;

use crate::app::App;
use crate::command::State;
use crate::token::{Minted, Role, Tokens};
pub use views::Views;
pub use writer::{Op, WriteError, Writer, Written};

/// What every request handler shares.
pub struct Server {
    pub log: Log,
    pub catalog: Arc<Catalog>,
    pub views: Arc<Views>,
    pub writer: Writer,
    pub tokens: Tokens,
    /// Grants of tokens that are stored but not yet recorded in the log: the first admin
    /// token of an empty store is recorded just before the first write, so that an empty
    /// store stays empty (and can take an import) until something is written.
    unrecorded: std::sync::Mutex<Vec<crate::token::Grant>>,
    /// Set when the server begins to stop, so that endless answers (event streams) end.
    pub closing: watch::Sender<bool>,
}

/// A server with its background parts running; [`Running::stop`] ends them in order.
pub struct Running {
    pub server: Arc<Server>,
    writer_thread: std::thread::JoinHandle<State>,
    stop_projector: watch::Sender<bool>,
    projector: tokio::task::JoinHandle<()>,
}

impl Running {
    /// Opens the data directory (catching up from its checkpoint) and starts the writer and
    /// the projector. Must be called within a tokio runtime.
    pub fn open(data: &Path, catalog: Catalog) -> anyhow::Result<Running> {
        crate::metrics::install();
        let app = App::open(data, catalog)
            .with_context(|| format!("opening the data directory {}", data.display()))?;
        let tokens = Tokens::open(&app.log)?;
        let unrecorded = unrecorded_grants(&app.log, &tokens)?;
        let (log, catalog, state, projections) = app.into_parts();
        let catalog = Arc::new(catalog);
        let (writer, writer_thread) = Writer::start(log.clone(), catalog.clone(), state)?;
        let views = Views::new(log.clone(), projections);
        let (stop_projector, stop) = watch::channel(false);
        let projector = tokio::spawn(views.clone().project(stop));
        Ok(Running {
            server: Arc::new(Server {
                log,
                catalog,
                views,
                writer,
                tokens,
                unrecorded: std::sync::Mutex::new(unrecorded),
                closing: watch::channel(false).0,
            }),
            writer_thread,
            stop_projector,
            projector,
        })
    }

    /// Stops the writer (after it has answered everything queued) and the projector, and
    /// checkpoints the views so that the next start-up is quick.
    pub async fn stop(self) -> anyhow::Result<()> {
        let Running {
            server,
            writer_thread,
            stop_projector,
            projector,
        } = self;
        // Requests that outlived their connection may still hold the server; nothing here
        // waits for them to let go.
        server.writer.stop().await;
        let state = tokio::task::spawn_blocking(move || writer_thread.join())
            .await?
            .map_err(|_| anyhow::anyhow!("the writer thread panicked"))?;
        server.views.caught_up().await;
        let _ = stop_projector.send(true);
        projector.await?;
        let head = server.log.head_position();
        let views = server.views.clone();
        let log = server.log.clone();
        tokio::task::spawn_blocking(move || {
            let live = views.live();
            if state.position() == head && live.position() == head {
                crate::app::save_checkpoint_of(&log, &state, &live)
            } else {
                tracing::warn!(
                    head,
                    write_model = state.position(),
                    views = live.position(),
                    "not checkpointing: the write model and the views are not both at the head"
                );
                Ok(())
            }
        })
        .await??;
        Ok(())
    }
}

/// The grants of stored tokens that the log has no record of.
fn unrecorded_grants(log: &Log, tokens: &Tokens) -> anyhow::Result<Vec<crate::token::Grant>> {
    let recorded: std::collections::HashSet<String> = log
        .read_stream(crate::token::STREAM, 1)?
        .into_iter()
        .filter_map(|e| match e.event {
            trellis_events::Event::AccessGranted { token, .. } => Some(token),
            _ => None,
        })
        .collect();
    Ok(tokens
        .list()
        .into_iter()
        .filter(|g| !recorded.contains(&g.id))
        .collect())
}

impl Server {
    /// Records in the log the grants of tokens made before anything was written (see
    /// `unrecorded`); every write path calls this first.
    pub async fn record_grants(&self) -> Result<(), WriteError> {
        let grants =
            std::mem::take(&mut *self.unrecorded.lock().unwrap_or_else(|p| p.into_inner()));
        if grants.is_empty() {
            return Ok(());
        }
        let op = Op::Record {
            stream: crate::token::STREAM.into(),
            events: grants.iter().map(|g| g.granted_event()).collect(),
        };
        let result = self.writer.submit(op, system_grant(), None, None).await;
        if result.is_err() {
            // Not recorded: try again with the next write.
            self.unrecorded
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .extend(grants);
        }
        result.map(drop)
    }

    /// Makes and stores a token, recording its grant in the log first.
    pub async fn grant(
        &self,
        by: &crate::token::Grant,
        login: &str,
        role: Role,
        org: Option<String>,
    ) -> Result<Minted, GrantError> {
        let minted = Tokens::mint(login, role, org, Utc::now())?;
        if let Some(org) = &minted.grant.org {
            if self.views.live().org_tree().unit(org).is_none() {
                return Err(GrantError::UnknownOrg(org.clone()));
            }
        }
        self.record_grants().await?;
        let op = Op::Record {
            stream: crate::token::STREAM.into(),
            events: vec![minted.grant.granted_event()],
        };
        self.writer.submit(op, by.clone(), None, None).await?;
        self.tokens.store(&minted)?;
        Ok(minted)
    }

    /// Revokes a token, then records that in the log.
    pub async fn revoke(
        &self,
        by: &crate::token::Grant,
        id: &str,
    ) -> Result<crate::token::Grant, GrantError> {
        self.record_grants().await?;
        let now = Utc::now();
        let already = self.tokens.get(id).is_some_and(|g| g.revoked_at.is_some());
        let grant = self.tokens.revoke(id, now)?;
        if !already {
            let op = Op::Record {
                stream: crate::token::STREAM.into(),
                events: vec![grant.revoked_event(now)],
            };
            self.writer.submit(op, by.clone(), None, None).await?;
        }
        Ok(grant)
    }
}

/// Why a token could not be granted or revoked.
#[derive(Debug, thiserror::Error)]
pub enum GrantError {
    #[error(transparent)]
    Token(#[from] crate::token::TokenError),
    #[error("org: no org unit {0:?}")]
    UnknownOrg(String),
    #[error(transparent)]
    Write(#[from] WriteError),
}

/// Serves `server`'s API on `listener` until `shutdown` completes, then lets in-flight
/// requests finish.
pub async fn run(
    listener: TcpListener,
    server: Arc<Server>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = crate::http::router(server.clone());
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            shutdown.await;
            server.closing.send_replace(true);
        })
        .await
}

/// The actor of what the server records on its own (the first admin token's grant).
fn system_grant() -> crate::token::Grant {
    crate::token::Grant {
        id: String::new(),
        login: "trellis".into(),
        role: Role::Admin,
        org: None,
        created_at: Utc::now(),
        revoked_at: None,
    }
}

/// Serves `server`'s metrics page, without a token, on `listener` (`--metrics-addr`) until
/// `shutdown` completes.
pub async fn run_metrics(
    listener: TcpListener,
    server: Arc<Server>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = crate::http::metrics_router(server);
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

/// Makes the first admin token of a store that has none (the caller shows it once). On an
/// empty log its grant is recorded with the first write (see `Server::record_grants`).
pub async fn first_admin(server: &Server) -> anyhow::Result<Option<Minted>> {
    if !server.tokens.is_empty() {
        return Ok(None);
    }
    if server.log.head_position() > 0 {
        return Ok(Some(
            server
                .grant(&system_grant(), "admin", Role::Admin, None)
                .await?,
        ));
    }
    let minted = Tokens::mint("admin", Role::Admin, None, Utc::now())?;
    server.tokens.store(&minted)?;
    server
        .unrecorded
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .push(minted.grant.clone());
    Ok(Some(minted))
}

/// Opens a fresh log handle only to ask whether a directory holds events yet.
pub fn is_empty_store(data: &Path) -> anyhow::Result<bool> {
    if !data.join("store").exists() {
        return Ok(true);
    }
    let log = Log::open(data)?;
    Ok(log.head_position() == 0)
}
