//! The raw log, for auditors: paged and filtered, each event whole; and retractions.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use trellis_events::{Envelope, Log, KINDS};
use trellis_projections::{AuditFilter, Projections};

use super::error::ApiError;
use super::extract::{Caller, JsonBytes, Q};
use super::read::{DEFAULT_PAGE, MAX_PAGE};
use super::write::{command, id};
use crate::instant::{instant_from, instant_until};
use crate::server::Server;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The most events one page reads while looking for matches; a page that stops there says
/// where to go on (`next_after`), so no filter makes a request read the whole log.
const MAX_SCAN: u64 = 20_000;

pub fn router() -> OpenApiRouter<Arc<Server>> {
    OpenApiRouter::new()
        .routes(routes!(events_list))
        .routes(routes!(retractions_create))
}

#[utoipa::path(
    post,
    path = "/events/{position}/retractions",
    tag = "events",
    params(("position" = u64, Path, description = "An event's log position"), super::openapi::WriteHeaders),
    request_body(content = crate::command::RetractEvent, content_type = "application/json"),
    responses((status = 201, description = "Recorded: where each event landed", body = super::openapi::Written), super::openapi::WriteErrors)
)]
pub async fn retractions_create(
    State(s): State<Arc<Server>>,
    c: Caller,
    Path(position): Path<String>,
    h: HeaderMap,
    JsonBytes(b): JsonBytes,
) -> Result<Response, ApiError> {
    command(&s, c, "retract_event", &[id("position", &position)], &h, &b).await
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventsQuery {
    /// Events after this position (default 0: from the start).
    pub after: Option<u64>,
    pub limit: Option<usize>,
    pub stream: Option<String>,
    pub actor: Option<String>,
    /// An event type, e.g. `milestone_rescheduled`.
    pub kind: Option<String>,
    /// Recorded at or after (RFC 3339, or a day from its start).
    pub from: Option<String>,
    /// Recorded at or before (RFC 3339, or a day to its end).
    pub to: Option<String>,
}

/// One event as the raw log shows it: the envelope and its payload.
pub fn event_json(env: &Envelope) -> Value {
    let payload = serde_json::to_value(&env.event)
        .ok()
        .and_then(|mut v| v.get_mut("data").map(Value::take))
        .unwrap_or(Value::Null);
    json!({
        "position": env.position,
        "id": env.id,
        "stream": env.stream,
        "stream_version": env.stream_version,
        "actor": env.actor,
        "recorded_at": env.recorded_at,
        "occurred_on": env.occurred_on,
        "kind": env.event.kind(),
        "schema": env.schema,
        "prev_hash": env.prev_hash,
        "hash": env.hash,
        "payload": payload,
    })
}

/// The org unit a stream belongs to, for scoped readers: `org-<id>`, or a cycle's org.
pub fn stream_org<'v>(views: &'v Projections, stream: &'v str) -> Option<&'v str> {
    if let Some(org) = stream.strip_prefix("org-") {
        return Some(org);
    }
    let cycle = stream.strip_prefix("cycle-")?;
    views.timelines.cycle(cycle).map(|c| c.opening.org.as_str())
}

/// The log, a page at a time, filtered by stream, actor, kind and recorded time; a scoped
/// token sees only the events of its subtree.
#[utoipa::path(
    get,
    path = "/events",
    tag = "events",
    params(EventsQuery),
    responses((status = 200, description = "OK", body = super::openapi::EventPage), super::openapi::ReadErrors)
)]
pub async fn events_list(
    State(s): State<Arc<Server>>,
    c: Caller,
    Q(q): Q<EventsQuery>,
) -> Result<Json<Value>, ApiError> {
    let limit = match q.limit {
        None => DEFAULT_PAGE,
        Some(n) if (1..=MAX_PAGE).contains(&n) => n,
        Some(_) => {
            return Err(ApiError::bad_request(format!("limit is 1 to {MAX_PAGE}")).at("limit"))
        }
    };
    if let Some(kind) = &q.kind {
        if !KINDS.contains(&kind.as_str()) {
            return Err(ApiError::bad_request(format!("no event type {kind:?}")).at("kind"));
        }
    }
    let filter = AuditFilter {
        actor: q.actor.clone(),
        stream: q.stream.clone(),
        kind: q.kind.clone(),
        from: q
            .from
            .as_deref()
            .map(instant_from)
            .transpose()
            .map_err(|e| ApiError::bad_request(e).at("from"))?,
        to: q
            .to
            .as_deref()
            .map(instant_until)
            .transpose()
            .map_err(|e| ApiError::bad_request(e).at("to"))?,
    };
    let after = q.after.unwrap_or(0);
    s.views.caught_up().await;
    let server = s.clone();
    let page = tokio::task::spawn_blocking(move || {
        let views = server.views.live();
        let sees = |env: &Envelope| {
            c.sees_all()
                || stream_org(&views, &env.stream).is_some_and(|o| c.sees(views.org_tree(), o))
        };
        page(&server.log, &filter, after, limit, sees)
    })
    .await
    .map_err(ApiError::internal)??;
    Ok(Json(page))
}

/// One page of matching events after `after`.
fn page(
    log: &Log,
    filter: &AuditFilter,
    after: u64,
    limit: usize,
    sees: impl Fn(&Envelope) -> bool,
) -> Result<Value, ApiError> {
    let (first, last) = crate::audit::window(log, filter)?;
    let start = first.max(after.saturating_add(1));
    let mut events = Vec::new();
    let mut scanned_to = after;
    let mut more = false;
    let take = |env: &Envelope, events: &mut Vec<Value>| {
        if filter.matches(env) && sees(env) {
            events.push(event_json(env));
        }
    };
    if let Some(stream) = &filter.stream {
        for env in log.read_stream(stream, 1)? {
            if env.position < start || env.position > last {
                continue;
            }
            if events.len() == limit {
                more = true;
                break;
            }
            take(&env, &mut events);
            scanned_to = env.position;
        }
    } else if start <= last {
        for env in log.iter(start) {
            let env = env?;
            if env.position > last {
                break;
            }
            if events.len() == limit || env.position - start >= MAX_SCAN {
                more = true;
                break;
            }
            take(&env, &mut events);
            scanned_to = env.position;
        }
    }
    let next_after = more.then_some(scanned_to);
    Ok(json!({ "events": events, "next_after": next_after }))
}
