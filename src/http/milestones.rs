//! A goal's milestones: planned, rescheduled, reached, missed.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use super::cycles::readable;
use super::error::ApiError;
use super::extract::{Caller, JsonBytes, PointQuery, Q};
use super::read::{view, AsOf};
use super::write::{command, id};
use crate::server::Server;

pub fn router() -> Router<Arc<Server>> {
    Router::new()
        .route(
            "/cycles/{cycle}/goals/{goal}/milestones",
            post(milestones_create),
        )
        .route(
            "/cycles/{cycle}/milestones/{milestone}",
            get(milestones_show),
        )
        .route(
            "/cycles/{cycle}/milestones/{milestone}/reschedules",
            post(reschedules_create),
        )
        .route(
            "/cycles/{cycle}/milestones/{milestone}/reached",
            post(reached_create),
        )
        .route(
            "/cycles/{cycle}/milestones/{milestone}/missed",
            post(missed_create),
        )
}

type S = State<Arc<Server>>;

pub async fn milestones_create(
    State(s): S,
    c: Caller,
    Path((cycle, goal)): Path<(String, String)>,
    h: HeaderMap,
    JsonBytes(b): JsonBytes,
) -> Result<Response, ApiError> {
    let path = [id("cycle", &cycle), id("goal", &goal)];
    command(&s, c, "plan_milestone", &path, &h, &b).await
}

/// A write to one milestone: the command `tag` with the cycle and milestone from the path.
async fn on_milestone(
    s: &Arc<Server>,
    c: Caller,
    tag: &'static str,
    (cycle, milestone): (String, String),
    h: &HeaderMap,
    b: &[u8],
) -> Result<Response, ApiError> {
    let path = [id("cycle", &cycle), id("milestone", &milestone)];
    command(s, c, tag, &path, h, b).await
}

pub async fn reschedules_create(
    State(s): S,
    c: Caller,
    Path(p): Path<(String, String)>,
    h: HeaderMap,
    JsonBytes(b): JsonBytes,
) -> Result<Response, ApiError> {
    on_milestone(&s, c, "reschedule_milestone", p, &h, &b).await
}

pub async fn reached_create(
    State(s): S,
    c: Caller,
    Path(p): Path<(String, String)>,
    h: HeaderMap,
    JsonBytes(b): JsonBytes,
) -> Result<Response, ApiError> {
    on_milestone(&s, c, "mark_milestone_reached", p, &h, &b).await
}

pub async fn missed_create(
    State(s): S,
    c: Caller,
    Path(p): Path<(String, String)>,
    h: HeaderMap,
    JsonBytes(b): JsonBytes,
) -> Result<Response, ApiError> {
    on_milestone(&s, c, "mark_milestone_missed", p, &h, &b).await
}

/// One milestone as the cycle's view shows it.
pub async fn milestones_show(
    State(s): S,
    c: Caller,
    Path((cycle, milestone)): Path<(String, String)>,
    Q(point): Q<PointQuery>,
) -> Result<Json<Value>, ApiError> {
    view(&s, &point, move |v, _| {
        let cy = readable(v, &c, &cycle)?;
        let found = cy
            .milestone_views()
            .into_iter()
            .find(|m| m.id.as_str() == milestone)
            .ok_or_else(|| {
                ApiError::not_found(format!("no milestone {milestone:?} in {cycle}"))
                    .at("milestone")
            })?;
        Ok(json!({ "as_of": AsOf::of(v), "cycle": cycle, "milestone": found }))
    })
    .await
}
