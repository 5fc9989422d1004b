//! A data directory served over HTTP: the log, its one writer, the published views and the
//! tokens, shared by every request.
//!
//! # Layout
//! - `writer`: the one writer, deciding commands in order and committing them in groups.
//! - `views`: the live views a projector keeps current, and as-of folds on a bounded pool.

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
        let app = App::open(data, catalog)
            .with_context(|| format!("opening the data directory {}", data.display()))?;
        let tokens = Tokens::open(&app.log)?;
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
        // Every handle but the server's is gone once the HTTP server has stopped.
        let server = Arc::try_unwrap(server)
            .map_err(|_| anyhow::anyhow!("requests still hold the server"))?;
        let Server {
            log,
            catalog,
            views,
            writer,
            tokens,
        } = server;
        drop((writer, tokens));
        let state = tokio::task::spawn_blocking(move || writer_thread.join())
            .await?
            .map_err(|_| anyhow::anyhow!("the writer thread panicked"))?;
        views.caught_up().await;
        let _ = stop_projector.send(true);
        projector.await?;
        let views = Arc::try_unwrap(views)
            .map_err(|_| anyhow::anyhow!("the views are still shared"))?
            .into_live();
        let head = log.head_position();
        if state.position() == head && views.position() == head {
            let catalog = Arc::try_unwrap(catalog).unwrap_or_else(|c| (*c).clone());
            let app = App::from_parts(log, catalog, state, views);
            tokio::task::spawn_blocking(move || app.save_checkpoint()).await??;
        } else {
            tracing::warn!(
                head,
                write_model = state.position(),
                views = views.position(),
                "not checkpointing: the write model and the views are not both at the head"
            );
        }
        Ok(())
    }
}

impl Server {
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
    let app = crate::http::router(server);
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

/// Makes the first admin token of a store that has none (the caller shows it once).
pub async fn first_admin(server: &Server) -> anyhow::Result<Option<Minted>> {
    if !server.tokens.is_empty() {
        return Ok(None);
    }
    let system = crate::token::Grant {
        id: String::new(),
        login: "trellis".into(),
        role: Role::Admin,
        org: None,
        created_at: Utc::now(),
        revoked_at: None,
    };
    let minted = server.grant(&system, "admin", Role::Admin, None).await?;
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
