//! The log taken away over HTTP: a streamed export (JSONL or CSV), and an import that
//! restores an export into an empty store.

use std::io::Write;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::json;
use tokio::sync::mpsc;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::ApiError;
use super::extract::{Caller, Q};
use crate::export::{self, Format, ImportError};
use crate::server::Server;

/// The largest export an import takes.
const MAX_IMPORT: usize = 4 * 1024 * 1024 * 1024;

pub fn router() -> OpenApiRouter<Arc<Server>> {
    OpenApiRouter::new()
        .routes(routes!(export_show))
        .routes(routes!(import_create))
        .layer(DefaultBodyLimit::max(MAX_IMPORT))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FormatQuery {
    /// `jsonl` (default): one verifiable line per event; `csv`: one row per event.
    #[param(inline)]
    pub format: Option<Format>,
}

/// Every event in log order, written as the log is read: nothing is built in memory.
#[utoipa::path(
    get,
    path = "/export",
    tag = "audit",
    params(FormatQuery),
    responses(
        (status = 200, description = "One line (or row) per event", content_type = "application/x-ndjson", body = String),
        super::openapi::ReadErrors
    )
)]
pub async fn export_show(
    State(s): State<Arc<Server>>,
    c: Caller,
    Q(q): Q<FormatQuery>,
) -> Result<Response, ApiError> {
    if !c.sees_all() {
        return Err(ApiError::forbidden(
            "an export is the whole log: an admin or auditor token is needed",
        ));
    }
    let format = q.format.unwrap_or(Format::Jsonl);
    let (tx, rx) = mpsc::channel::<Bytes>(16);
    let log = s.log.clone();
    tokio::task::spawn_blocking(move || {
        let out = std::io::BufWriter::with_capacity(64 * 1024, Chunks(tx));
        // A client that hangs up ends the export; that is not our fault to log loudly.
        if let Err(e) = export::write(&log, format, out) {
            tracing::info!(error = %e, "an export ended early");
        }
    });
    let body = Body::from_stream(
        futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|b| (b, rx)) })
            .map(Ok::<_, std::io::Error>),
    );
    let (ctype, name) = match format {
        Format::Jsonl => ("application/x-ndjson", "trellis-log.jsonl"),
        Format::Csv => ("text/csv; charset=utf-8", "trellis-log.csv"),
    };
    Ok((
        [
            (header::CONTENT_TYPE, ctype.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response())
}

/// Sends what is written to the response body, a buffer at a time.
struct Chunks(mpsc::Sender<Bytes>);

impl Write for Chunks {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .blocking_send(Bytes::copy_from_slice(buf))
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "client gone"))?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Restores a JSONL export into this server's store, which must hold no event yet: the
/// whole file is verified before anything is written.
#[utoipa::path(
    post,
    path = "/import",
    tag = "audit",
    request_body(content = String, content_type = "text/plain", description = "A JSONL export (JSON Lines: sent as text/plain or application/x-ndjson)"),
    responses(
        (status = 201, description = "Restored: the number of events and the head hash", body = Object),
        super::openapi::WriteErrors
    )
)]
pub async fn import_create(
    State(s): State<Arc<Server>>,
    c: Caller,
    request: Request,
) -> Result<Response, ApiError> {
    c.admin()?;
    if s.log.head_position() > 0 {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "not_empty",
            "this store already holds events; import only into an empty one",
        ));
    }
    // The export is spooled to a temp file beside the store, never held in memory.
    let spool = tempfile::NamedTempFile::new_in(s.log.dir()).map_err(ApiError::internal)?;
    let mut file = std::io::BufWriter::new(spool.reopen().map_err(ApiError::internal)?);
    let mut body = request.into_body().into_data_stream();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| ApiError::bad_request(format!("reading the body: {e}")))?;
        file.write_all(&chunk).map_err(ApiError::internal)?;
    }
    file.flush().map_err(ApiError::internal)?;
    drop(file);
    let log = s.log.clone();
    let result = tokio::task::spawn_blocking(move || {
        let r = export::import(&log, spool.path(), |_, _| {});
        drop(spool);
        r
    })
    .await
    .map_err(ApiError::internal)?;
    match result {
        Ok((events, head)) => {
            // The restored events are the first; this server's own grants follow them.
            s.record_grants()
                .await
                .map_err(|e| ApiError::from_write(e, &[]))?;
            s.views.caught_up().await;
            Ok((
                StatusCode::CREATED,
                Json(json!({ "events": events, "head_hash": head })),
            )
                .into_response())
        }
        Err(ImportError::Bad { line, reason }) => Err(ApiError::invalid(
            "body",
            format!("line {line}: {reason}; nothing was written"),
        )),
        Err(ImportError::Empty) => Err(ApiError::invalid("body", "the export holds no events")),
        Err(ImportError::NotEmpty(_)) => Err(ApiError::new(
            StatusCode::CONFLICT,
            "not_empty",
            "this store already holds events; import only into an empty one",
        )),
        Err(e) => Err(ApiError::internal(e)),
    }
}
