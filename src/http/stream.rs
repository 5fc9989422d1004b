//! The live event stream: Server-Sent Events, one per appended event, for integrators
//! following the log.
//!
//! Each subscriber reads from the log itself (a [`trellis_events::Subscription`]), pulled
//! as fast as its connection takes events: a slow one holds no queue on the server and
//! never delays a writer. The SSE `id` is the event's position, so a reconnecting client
//! (a browser's `EventSource` sends `Last-Event-ID`) resumes with no gap and no repeat.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::stream::{self, Stream};
use serde::Deserialize;
use tokio::sync::watch;
use trellis_events::Subscription;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::ApiError;
use super::events::{event_json, stream_org};
use super::extract::{Caller, Q};
use crate::server::Server;

/// How often a comment is sent on a quiet stream, so proxies keep it open.
const HEARTBEAT: Duration = Duration::from_secs(15);

/// How often a quiet stream checks that its token still holds.
const RECHECK: Duration = Duration::from_secs(1);

pub fn router() -> OpenApiRouter<Arc<Server>> {
    OpenApiRouter::new().routes(routes!(stream_show))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StreamQuery {
    /// Stream the events after this position (default: only events appended from now on).
    /// A `Last-Event-ID` header wins over it.
    pub after: Option<u64>,
}

/// Every event appended after the point asked for, as it becomes durable; a scoped token
/// receives only its subtree's events, and the stream ends when the token is revoked.
#[utoipa::path(
    get,
    path = "/events/stream",
    tag = "events",
    params(StreamQuery, ("Last-Event-ID" = Option<u64>, Header, description = "The last position received: resume after it")),
    responses(
        (status = 200, description = "Server-Sent Events: `id` is the position, `event` the kind, `data` the event as GET /events shows it", content_type = "text/event-stream", body = SseEvent),
        super::openapi::ReadErrors
    )
)]
pub async fn stream_show(
    State(s): State<Arc<Server>>,
    c: Caller,
    headers: HeaderMap,
    Q(q): Q<StreamQuery>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let resume = match headers.get("last-event-id") {
        Some(v) => Some(
            v.to_str()
                .ok()
                .and_then(|v| v.trim().parse::<u64>().ok())
                .ok_or_else(|| {
                    ApiError::bad_request("Last-Event-ID must be a log position")
                        .at("Last-Event-ID")
                })?,
        ),
        None => None,
    };
    let after = resume.or(q.after).unwrap_or_else(|| s.log.head_position());
    let follower = Follower {
        _counted: crate::metrics::SseSubscriber::new(),
        events: s.log.subscribe(after),
        closing: s.closing.subscribe(),
        server: s,
        caller: c,
    };
    let events = stream::unfold(follower, |mut f| async move {
        let event = f.next().await?;
        Some((Ok(event), f))
    });
    Ok(Sse::new(events).keep_alive(KeepAlive::new().interval(HEARTBEAT).text("heartbeat")))
}

/// One event of the stream, as a client's SSE parser sees it.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // only its documentation is used
pub struct SseEvent {
    /// The event's log position.
    id: String,
    /// The event's kind, e.g. `indicator_rated`.
    event: String,
    /// The event as `GET /events` shows it, as JSON text.
    data: String,
}

/// One subscriber's place in the log.
struct Follower {
    /// Counts the stream among the subscribers while it lives.
    _counted: crate::metrics::SseSubscriber,
    events: Subscription,
    closing: watch::Receiver<bool>,
    server: Arc<Server>,
    caller: Caller,
}

impl Follower {
    /// The next event this subscriber may see; `None` ends the stream (server stopping,
    /// token revoked, log closed).
    async fn next(&mut self) -> Option<Event> {
        let mut recheck = tokio::time::interval(RECHECK);
        loop {
            if *self.closing.borrow() || !self.still_allowed() {
                return None;
            }
            tokio::select! {
                _ = self.closing.changed() => return None,
                _ = recheck.tick() => continue,
                next = self.events.next() => {
                    let env = match next? {
                        Ok(env) => env,
                        Err(e) => {
                            tracing::error!(error = %e, "the event stream cannot read the log");
                            return None;
                        }
                    };
                    if !self.visible(&env) {
                        continue;
                    }
                    let data = event_json(&env);
                    return Some(
                        Event::default()
                            .id(env.position.to_string())
                            .event(env.event.kind())
                            .data(data.to_string()),
                    );
                }
            }
        }
    }

    /// Whether the token the stream was opened with still holds.
    fn still_allowed(&self) -> bool {
        self.server
            .tokens
            .get(&self.caller.0.id)
            .is_some_and(|g| g.revoked_at.is_none())
    }

    fn visible(&self, env: &trellis_events::Envelope) -> bool {
        if self.caller.sees_all() {
            return true;
        }
        let views = self.server.views.live();
        stream_org(&views, &env.stream).is_some_and(|o| self.caller.sees(views.org_tree(), o))
    }
}
